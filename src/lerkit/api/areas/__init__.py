"""HTTP routes of each area, installed by ``create_app``: ``<area>.install(app)``."""
