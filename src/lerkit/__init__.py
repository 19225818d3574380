"""lerkit: an open platform for the Learning and Employment Record ecosystem."""

__version__ = "0.1.0"

__all__ = ["__version__"]
