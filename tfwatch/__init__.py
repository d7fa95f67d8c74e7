"""tfwatch: watch many TensorBoard training runs at once, from the terminal."""

__version__ = "0.1.0"
