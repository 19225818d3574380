"""Commands of each area, registered by ``lerkit.cli.main``: ``<area>.register(app)``."""
