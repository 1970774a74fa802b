"""The judge's training data (`data/`) and its validator (`validate.py`, standard library only)."""
