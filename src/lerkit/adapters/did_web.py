"""did:web and https controller documents over the network (a :class:`DidResolver`).

The URL comes from the pure mapping in :mod:`lerkit.core.dids.web`; the fetch from a
:class:`~lerkit.adapters.fetch.BoundedFetcher`; the document is checked by the core
before it is returned. ``url_for`` lets tests (or a mirror) rewrite where a did:web's
document is fetched from without changing the DID the document must carry.
"""

from __future__ import annotations

from collections.abc import Callable

from lerkit.adapters.fetch import BoundedFetcher
from lerkit.core.dids.base import split_did_url
from lerkit.core.dids.resolver import check_controller_document
from lerkit.core.dids.web import check_did_web_document, did_web_to_url
from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.types import JsonObject

DID_ACCEPT = "application/did+json, application/did+ld+json, application/json;q=0.9"
DOC_ACCEPT = "application/json, application/ld+json, application/jwk+json;q=0.9"


class WebDidResolver:
    """Resolve ``did:web`` DIDs and ``https`` controller-document URLs by fetching them."""

    def __init__(
        self,
        fetcher: BoundedFetcher,
        url_for: Callable[[str], str] | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._url_for = url_for

    def resolve(self, did: str) -> JsonObject:
        base, _ = split_did_url(did)
        if base.startswith("did:web:"):
            url = did_web_to_url(base)
            if self._url_for is not None:
                url = self._url_for(url)
            document = self._fetcher.get_json(url, accept=DID_ACCEPT)
            return check_did_web_document(base, document)
        if base.startswith("https://") or base.startswith("http://"):
            url = self._url_for(base) if self._url_for is not None else base
            document = self._fetcher.get_json(url, accept=DOC_ACCEPT)
            return check_controller_document(base, document)
        raise InputError(
            f"{base!r} is not a did:web or an https URL; the web resolver cannot fetch it",
            ProblemCode.DID_UNSUPPORTED_METHOD,
        )
