"""Answer questions about news articles, every claim cited to the passage it came from."""

__version__ = "0.1.0"
