"""Root conftest. Shared helpers live in ``tests/support.py`` (importable as ``support``:
``pythonpath = ["tests"]`` in pyproject.toml), never in a conftest: several conftest
modules would shadow one another under the name ``conftest``."""
