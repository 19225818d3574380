"""The FastAPI application: ``create_app(services)`` (uvicorn: ``lerkit.api.app:app_from_env``).

Routers: the W3C VC-API (``/credentials/*``, ``/presentations/verify``), public documents
(DID documents, status lists, health) and lerkit's REST API under ``/api/v1``. Every error
is RFC 9457 problem+json (:mod:`lerkit.api.problems`); request bodies are size-limited.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lerkit.api import claims, exchanges, oid4vci, problems, public, rest, vcapi
from lerkit.api.areas import market, oid4vp, sharing, skills, trust, wallet
from lerkit.bootstrap import Services
from lerkit.core.jsonld import warm_up

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

TAGS: list[dict[str, Any]] = [
    {"name": "VC-API: verifier", "description": "W3C VC-API verification (no API key)."},
    {"name": "VC-API: issuer", "description": "W3C VC-API issuance and status (API key)."},
    {"name": "Public documents", "description": "DID documents, status lists, health."},
    {"name": "Organization", "description": "The caller's organization, members, audit log."},
    {"name": "Access", "description": "API keys (the secret is shown once) and signing keys."},
    {"name": "Achievements", "description": "Achievement definitions (badge classes), versioned."},
    {"name": "Credentials", "description": "Issue, read, revoke, suspend credentials."},
    {"name": "Bulk issuance", "description": "CSV/XLSX upload, dry run, commit, progress."},
    {"name": "Status lists", "description": "The organization's Bitstring Status Lists."},
    {"name": "OpenID4VCI", "description": "Credential offers and the OpenID4VCI 1.0 issuer."},
    {"name": "Claim links", "description": "Emailed claim links and the claim page."},
]


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses request bodies over the limit with a 413 problem, whether announced by
    ``Content-Length`` or streamed (multipart uploads may be larger than JSON bodies)."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        is_upload = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.upload_limit if is_upload else self.json_limit
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problems.problem(
            413, "request.too_large", f"the request body is larger than {limit} bytes"
        )
        await response(scope, receive, send)


def create_app(services: Services) -> FastAPI:
    """The lerkit HTTP API over ``services`` (built by ``lerkit.bootstrap.build_services``)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warm_up()
        yield

    app = FastAPI(
        title="lerkit",
        version="0.1.0",
        summary="Issue, verify and revoke verifiable credentials (W3C VC 2.0, Open Badges 3.0).",
        description=(
            "The W3C VC-API (issue, verify, status) and lerkit's REST API for organizations, "
            "API keys, signing keys, achievements, credentials, bulk issuance and status lists. "
            "Errors are RFC 9457 `application/problem+json` with a stable `code`; "
            "`type` is `https://lerkit.dev/problems/<code>`."
        ),
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    problems.install(app)
    app.include_router(vcapi.router)
    app.include_router(public.router)
    app.include_router(rest.router, prefix="/api/v1")
    app.include_router(oid4vci.router)
    app.include_router(oid4vci.offers_router, prefix="/api/v1")
    claims.install(app)
    exchanges.install(app)
    for area in (trust, skills, wallet, sharing, oid4vp, market):
        area.install(app)
    if services.bulk is not None:
        app.include_router(rest.bulk_router, prefix="/api/v1")
    app.add_middleware(BodySizeLimit, json_limit=MAX_JSON_BYTES, upload_limit=MAX_UPLOAD_BYTES)
    return app


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory lerkit.api.app:app_from_env`` (settings from env)."""
    from lerkit.bootstrap import build_services
    from lerkit.config import Settings

    return create_app(build_services(Settings.from_env()))
