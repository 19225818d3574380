"""Alembic migration scripts (``env.py``, ``versions/``); run them through ``lerkit.db.migrate``."""
