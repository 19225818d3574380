"""The one :class:`DidResolver` the core hands out: pure methods here, the web injected.

``did:key`` and ``did:jwk`` are resolved from the identifier itself. ``did:web`` DIDs and
plain ``https`` controller-document URLs (OB 3.0 issuers and key URLs) come from the
offline ``documents`` first (keyed by DID or by URL, e.g. from ``--resource URL=FILE``),
then from the ``web`` adapter if the caller allowed the network, else resolution fails
with ``did.unresolvable`` ("could not check"), naming the flags that would provide it.
"""

from __future__ import annotations

from collections.abc import Mapping

from lerkit.core.dids.base import DidResolver, split_did_url
from lerkit.core.dids.jwk import resolve_did_jwk
from lerkit.core.dids.key import resolve_did_key
from lerkit.core.dids.web import check_did_web_document, did_web_to_url
from lerkit.core.errors import InputError, ProblemCode, ResolutionError
from lerkit.core.types import JsonObject

SUPPORTED_METHODS = ("did:key", "did:jwk", "did:web")


def check_controller_document(url: str, document: object) -> JsonObject:
    """Check a document fetched from an https URL may stand for it; return it.

    A bare JWK (OB 3.0 ``kid`` URLs) is accepted as is; any other document must be a
    JSON object whose ``id``, when present, equals the URL.
    """
    if not isinstance(document, dict):
        raise ResolutionError(
            f"the document at {url!r} is not a JSON object", ProblemCode.DID_DOCUMENT_INVALID
        )
    if "kty" not in document and "id" in document and document["id"] != url:
        raise ResolutionError(
            f"the document at {url!r} has id {document['id']!r}; it must be the URL itself",
            ProblemCode.DID_DOCUMENT_INVALID,
        )
    return document


class MethodResolver:
    """Resolves did:key, did:jwk, did:web and https controller documents.

    ``web`` is an adapter (e.g. ``lerkit.adapters.did_web.WebDidResolver``) used only when a
    document is not among ``documents``; without it nothing is fetched.
    """

    def __init__(
        self,
        web: DidResolver | None = None,
        documents: Mapping[str, JsonObject] | None = None,
    ) -> None:
        self._web = web
        self._documents: Mapping[str, JsonObject] = documents or {}

    def resolve(self, did: str) -> JsonObject:
        if not isinstance(did, str) or not did:
            raise InputError("a DID or URL to resolve must be a non-empty string")
        base, _ = split_did_url(did)
        if base.startswith("did:key:"):
            return resolve_did_key(base)
        if base.startswith("did:jwk:"):
            return resolve_did_jwk(base)
        if base.startswith("did:web:"):
            url = did_web_to_url(base)
            offline = self._offline(base, url)
            if offline is not None:
                return check_did_web_document(base, offline)
            return check_did_web_document(base, self._fetch(base, url))
        if base.startswith("https://") or base.startswith("http://"):
            offline = self._offline(base)
            if offline is not None:
                return check_controller_document(base, offline)
            return check_controller_document(base, self._fetch(base, base))
        if base.startswith("did:"):
            method = ":".join(base.split(":", 2)[:2])
            raise ResolutionError(
                f"DID method {method!r} is not supported (supported: "
                f"{', '.join(SUPPORTED_METHODS)}); cannot check {base!r}",
                ProblemCode.DID_UNSUPPORTED_METHOD,
            )
        raise InputError(f"{base!r} is neither a DID nor an https URL", ProblemCode.DID_MALFORMED)

    def _offline(self, *keys: str) -> JsonObject | None:
        for key in keys:
            if key in self._documents:
                return self._documents[key]
        return None

    def _fetch(self, did: str, url: str) -> JsonObject:
        if self._web is None:
            what = did if did == url else f"{did} ({url})"
            raise ResolutionError(
                f"the document of {what} is not available offline; provide it with "
                f"--resource {url}=FILE, or allow fetching it with --allow-network",
                ProblemCode.DID_UNRESOLVABLE,
            )
        return self._web.resolve(did)
