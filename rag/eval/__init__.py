"""The eval suite: known questions with gold facts and evidence, scored against a baseline."""
