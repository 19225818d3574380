"""Use cases per role, over the pure core, with I/O behind interfaces."""
