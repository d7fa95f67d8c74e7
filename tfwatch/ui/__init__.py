"""The terminal app (Textual). Everything Textual lives in this package."""
