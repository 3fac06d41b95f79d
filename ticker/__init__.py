"""ticker: a live news ticker for the terminal."""

__version__ = "0.1.0"
