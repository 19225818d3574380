"""``lerkit serve``: run the HTTP API with uvicorn.

    lerkit serve [--host 127.0.0.1] [--port 8000] [--workers N] [--reload] [--no-migrate]

The database is migrated to the newest schema first (``lerkit.db.migrate.upgrade``), once,
before any worker starts. Workers share nothing but the database (and Redis, when
``LERKIT_REDIS_URL`` is set); each builds its own services from the environment.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer
from rich.console import Console

from lerkit.config import Settings, SettingsError
from lerkit.core.errors import InputError

_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

APP_FACTORY = "lerkit.api.app:app_from_env"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (they share the database).")
    ] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    migrate: Annotated[
        bool, typer.Option(help="Migrate the database to the newest schema first.")
    ] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the VC-API and lerkit's REST API (OpenAPI at /docs)."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise InputError(str(exc)) from exc
    if reload and workers > 1:
        raise InputError("--reload runs one process; drop --workers or --reload")
    if migrate:
        migration = importlib.import_module("lerkit.db.migrate")
        migration.upgrade(settings.effective_database_url)
    import uvicorn

    _err.print(f"lerkit: serving on http://{host}:{port} (docs: http://{host}:{port}/docs)")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
    )
