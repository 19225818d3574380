"""Persistence of the services: the relational model (SQLAlchemy 2), its Alembic
migrations and session handling. Services use it directly (the session is the unit of
work); nothing in ``lerkit.core`` knows it exists."""
