"""The composition root: the one place that picks concrete adapters and wires services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from lerkit.adapters.did_web import WebDidResolver
from lerkit.adapters.fetch import BoundedFetcher
from lerkit.config import Settings
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.types import JsonObject
from lerkit.services.verification import StatusLists, Verifier


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_fetcher(settings: Settings) -> BoundedFetcher:
    return BoundedFetcher(
        timeout=settings.fetch_timeout,
        max_bytes=settings.fetch_max_bytes,
        allow_private=settings.allow_private_fetch,
        allow_http=settings.allow_http_fetch,
    )


def build_verifier(
    settings: Settings,
    *,
    resources: Mapping[str, JsonObject] | None = None,
    allow_network: bool = False,
    check_schema: bool = True,
) -> Verifier:
    """A verifier that uses ``resources`` (URL or DID -> document) offline, and fetches
    what is missing only when ``allow_network`` is set."""
    documents = dict(resources or {})
    fetcher = build_fetcher(settings) if allow_network else None
    resolver = MethodResolver(
        web=WebDidResolver(fetcher) if fetcher is not None else None, documents=documents
    )
    return Verifier(resolver, StatusLists(documents, fetcher), utc_now, check_schema)


def build_resolver(
    settings: Settings,
    *,
    resources: Mapping[str, JsonObject] | None = None,
    allow_network: bool = False,
) -> MethodResolver:
    fetcher = build_fetcher(settings) if allow_network else None
    return MethodResolver(
        web=WebDidResolver(fetcher) if fetcher is not None else None,
        documents=dict(resources or {}),
    )
