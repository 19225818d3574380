"""Wiring of OpenID4VP: the verifier's requests and the wallet's answers (issues 5, 6).

The wallet reaches verifiers through two functions built here: ``fetch_request`` (GET the
request object at ``request_uri``) and ``post_response`` (``direct_post`` to
``response_uri``). URLs of this instance are answered in process by its own verifier (the
same code the HTTP routes call); any other URL goes out through the bounded fetcher's
policy (https only unless ``LERKIT_ALLOW_HTTP_FETCH``, no private addresses unless
``LERKIT_ALLOW_PRIVATE_FETCH``, time and size limits, no redirects for the POST).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from lerkit.adapters.did_web import WebDidResolver
from lerkit.core.dids.base import DidResolver
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.services.errors import ServiceError
from lerkit.services.oid4vp import Oid4vp, PresentationVerifier, VerifierAnswer, WalletPresenter
from lerkit.services.oid4vp.wallet import VerifierUnreachable

if TYPE_CHECKING:
    from lerkit.bootstrap import Services

REQUESTS_PATH = "/oid4vp/requests/"
RESPONSES_PATH = "/oid4vp/responses/"


def _local_id(public_url: str, url: str, prefix: str) -> str | None:
    """The request id when ``url`` is this instance's ``prefix`` + id, else None."""
    base = urlsplit(public_url.rstrip("/"))
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return None
    path = parts.path
    expected = base.path.rstrip("/") + prefix
    if not path.startswith(expected):
        return None
    rest = path[len(expected) :]
    return rest if rest and "/" not in rest else None


def wire(services: Services) -> None:
    """Set ``services.oid4vp`` (called once by ``build_services``)."""
    from lerkit.bootstrap import InstanceFirstFetcher, build_fetcher

    settings = services.settings

    def resolver() -> DidResolver:
        outbound = build_fetcher(settings)
        fetcher = InstanceFirstFetcher(settings, services, outbound)
        return MethodResolver(web=WebDidResolver(fetcher), documents={})

    verifier = PresentationVerifier(
        services.database,
        identity=services.identity,
        clock=services.clock,
        entropy=os.urandom,
        public_url=settings.public_url,
        verifier=services.verifier,
        resolver=resolver,
        trust=lambda: services.trust,
        audit=services.audit,
    )

    def _current() -> PresentationVerifier:
        wired: PresentationVerifier = services.oid4vp.verifier  # as wired now
        return wired

    def fetch_request(url: str) -> str:
        local = _local_id(settings.public_url, url, REQUESTS_PATH)
        if local is not None:
            return _current().request_object(local)
        try:
            result = build_fetcher(settings).get_bytes(
                url, accept="application/oauth-authz-req+jwt"
            )
            return result.body.decode("ascii").strip()
        except (LerkitError, UnicodeDecodeError) as exc:
            raise VerifierUnreachable(f"the request object could not be fetched: {exc}") from exc

    def post_response(url: str, form: Mapping[str, str]) -> VerifierAnswer:
        local = _local_id(settings.public_url, url, RESPONSES_PATH)
        if local is not None:
            try:
                return VerifierAnswer(200, _current().respond(local, form))
            except ServiceError as exc:
                return VerifierAnswer(exc.status, {"code": str(exc.code), "detail": exc.message})
        fetcher = build_fetcher(settings)
        try:
            fetcher.check_url(url)
        except LerkitError as exc:
            return VerifierAnswer(None, {"code": str(exc.code), "detail": exc.message})
        try:
            with httpx.Client(
                follow_redirects=False, trust_env=False, timeout=settings.fetch_timeout
            ) as client:
                request = client.build_request(
                    "POST", url, data=dict(form), headers={"Accept": "application/json"}
                )
                response = client.send(request, stream=True)
                try:
                    raw = b""
                    for chunk in response.iter_bytes():
                        raw += chunk
                        if len(raw) > settings.fetch_max_bytes:
                            raw = b""  # an answer this large is not a verifier's JSON
                            break
                finally:
                    response.close()
        except httpx.HTTPError as exc:
            return VerifierAnswer(
                None,
                {"code": str(ProblemCode.OID4VP_VERIFIER_UNREACHABLE), "detail": str(exc)},
            )
        body: Any
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        return VerifierAnswer(response.status_code, body if isinstance(body, dict) else {})

    wallet = None
    if services.wallet_base is not None:
        wallet = WalletPresenter(
            services.database,
            accounts=services.wallet_base.accounts,
            consent=services.wallet_base.consent,
            clock=services.clock,
            entropy=os.urandom,
            public_url=settings.public_url,
            resolver=resolver,
            fetch_request=fetch_request,
            post_response=post_response,
        )
    services.oid4vp = Oid4vp(verifier=verifier, wallet=wallet)
