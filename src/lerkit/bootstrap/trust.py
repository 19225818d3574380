"""Wiring of trust registries and the one verification service (issue 6)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lerkit.adapters.did_web import WebDidResolver
from lerkit.adapters.fetch import BoundedFetcher, FetchResult, HttpCache
from lerkit.config import Settings
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.verify import VerifiedLists
from lerkit.services.trust import Registries, TrustService
from lerkit.services.verification import StatusLists, Verifier

if TYPE_CHECKING:
    from lerkit.bootstrap import InstanceFirstFetcher, Services


class VerifyFetcher:
    """What a verifier fetches: this instance's own documents from its database, others
    through the shared, cached, bounded fetcher (``outbound``; None: nothing is fetched)."""

    def __init__(self, local: InstanceFirstFetcher, outbound: BoundedFetcher | None) -> None:
        self._local = local
        self._outbound = outbound

    def get_json(self, url: str, accept: str = "application/json") -> Any:
        return self._local.get_json(url, accept=accept)

    def get_bytes(self, url: str, accept: str = "*/*") -> FetchResult:
        if self._outbound is None:
            raise ResolutionError(f"{url} is not available offline", ProblemCode.FETCH_REFUSED)
        return self._outbound.get_bytes(url, accept=accept)


def wire(services: Services) -> None:
    """Set ``services.trust`` (called once by ``build_services``)."""
    from lerkit.bootstrap import InstanceFirstFetcher, build_fetcher

    settings = services.settings
    cache = HttpCache()
    verified_lists = VerifiedLists()

    def outbound() -> BoundedFetcher:
        fetcher = build_fetcher(settings)
        fetcher.cache = cache
        return fetcher

    def verifier() -> Verifier:
        out = outbound()
        local = InstanceFirstFetcher(settings, services, out)
        resolver = MethodResolver(web=WebDidResolver(local), documents={})
        return Verifier(
            resolver,
            StatusLists({}, local),
            services.clock,
            True,
            fetcher=VerifyFetcher(local, out),
            verified_lists=verified_lists,
        )

    registries = Registries(
        clock=services.clock,
        entropy=os.urandom,
        audit=services.audit,
        fetcher=build_fetcher(settings),
        public_url=settings.public_url,
    )
    services.trust = TrustService(services.database, registries, verifier, services.clock)
    services.trust.http_cache = cache
    services.trust.verified_lists = verified_lists


class _OfflineOrBounded:
    """For the CLI: documents supplied with ``--resource`` first, then (when allowed) the
    bounded fetcher; URLs given on the command line always go through the fetcher."""

    def __init__(self, documents: dict[str, Any], fetcher: BoundedFetcher | None) -> None:
        self._documents = documents
        self._fetcher = fetcher

    def get_json(self, url: str, accept: str = "application/json") -> Any:
        if url in self._documents:
            return self._documents[url]
        if self._fetcher is None:
            raise ResolutionError(
                f"{url} is not available offline: give it with --resource {url}=FILE, "
                "or pass --allow-network",
                ProblemCode.FETCH_REFUSED,
            )
        return self._fetcher.get_json(url, accept=accept)

    def get_bytes(self, url: str, accept: str = "*/*") -> FetchResult:
        if self._fetcher is None:
            raise ResolutionError(
                f"{url} cannot be fetched offline: pass --allow-network", ProblemCode.FETCH_REFUSED
            )
        return self._fetcher.get_bytes(url, accept=accept)


def build_any_verifier(
    settings: Settings,
    *,
    resources: dict[str, Any] | None = None,
    allow_network: bool = False,
    check_schema: bool = True,
) -> Verifier:
    """A verifier for :meth:`Verifier.verify_any` outside the server (the CLI): supplied
    documents offline, the bounded (cached) fetcher when ``allow_network``."""
    from lerkit.bootstrap import build_fetcher

    documents = dict(resources or {})
    fetcher = build_fetcher(settings) if allow_network else None
    if fetcher is not None:
        fetcher.cache = HttpCache()
    source = _OfflineOrBounded(documents, fetcher)
    resolver = MethodResolver(
        web=WebDidResolver(fetcher) if fetcher is not None else None, documents=documents
    )
    return Verifier(
        resolver,
        StatusLists(documents, fetcher),
        lambda: datetime.now(UTC),
        check_schema,
        fetcher=source,
        verified_lists=VerifiedLists(),
    )
