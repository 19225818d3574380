"""Wiring of holders' wallets: accounts, keys, receiving, keeping, backups (issue 5).

The wallet's outbound HTTP (:class:`BoundedWalletHttp`) keeps the bounded fetcher's policy
(https only unless ``LERKIT_ALLOW_HTTP_FETCH``; private, loopback and link-local addresses
refused unless ``LERKIT_ALLOW_PRIVATE_FETCH``; every redirect re-checked; time and size
bounded; no proxy from the environment). Tests may route it to an in-process app with
:meth:`BoundedWalletHttp.use_client` (the address policy is then the client's).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import httpx

from lerkit.adapters.did_web import WebDidResolver
from lerkit.adapters.fetch import BoundedFetcher
from lerkit.config import Settings
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.services.wallet.backup import Backups
from lerkit.services.wallet.http import HttpResponse, IssuerRefused
from lerkit.services.wallet.service import Wallet
from lerkit.services.wallet.signin import SignIn

if TYPE_CHECKING:
    from lerkit.bootstrap import Services

_REDIRECTS = (301, 302, 303, 307, 308)


class BoundedWalletHttp:
    """GET/POST under the bounded fetcher's URL policy, with bounded time and size."""

    def __init__(self, settings: Settings) -> None:
        self._policy = BoundedFetcher(
            timeout=settings.fetch_timeout,
            max_bytes=settings.fetch_max_bytes,
            allow_private=settings.allow_private_fetch,
            allow_http=settings.allow_http_fetch,
        )
        self._timeout = max(settings.fetch_timeout, 10.0)
        self._max_bytes = max(settings.fetch_max_bytes, 4 * 1024 * 1024)
        self._client: Any = None

    def use_client(self, client: Any) -> None:
        """Send every request through ``client`` (an httpx-style client, e.g. a test
        client of an in-process app); None: back to the network."""
        self._client = client

    def _check(self, url: str) -> None:
        if self._client is None or not url.startswith(("https://", "http://")):
            self._policy.check_url(url)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> HttpResponse:
        deadline = time.monotonic() + self._timeout
        try:
            with httpx.Client(
                follow_redirects=False,
                trust_env=False,
                timeout=self._timeout,
            ) as client:
                current = url
                for _hop in range(4):
                    self._check(current)
                    kwargs: dict[str, Any] = {"headers": dict(headers or {})}
                    kwargs["headers"]["Accept-Encoding"] = "identity"
                    if form is not None:
                        kwargs["data"] = form
                    if json_body is not None:
                        kwargs["json"] = json_body
                    if self._client is not None:  # tests: an in-process app
                        answer = self._client.request(
                            method, current, follow_redirects=False, **kwargs
                        )
                        location = answer.headers.get("location")
                        if method == "GET" and answer.status_code in _REDIRECTS and location:
                            current = urljoin(current, location)
                            continue
                        return HttpResponse(
                            answer.status_code,
                            answer.content,
                            {k.lower(): v for k, v in answer.headers.items()},
                        )
                    with client.stream(method, current, **kwargs) as response:
                        location = response.headers.get("location")
                        if method == "GET" and response.status_code in _REDIRECTS and location:
                            current = urljoin(current, location)
                            continue
                        body = bytearray()
                        for chunk in response.iter_raw(65_536):
                            body.extend(chunk)
                            if len(body) > self._max_bytes:
                                raise IssuerRefused(f"{method} {current}: the answer is too large")
                            if time.monotonic() > deadline:
                                raise IssuerRefused(f"{method} {current} timed out")
                        return HttpResponse(
                            response.status_code,
                            bytes(body),
                            {k.lower(): v for k, v in response.headers.items()},
                        )
                raise IssuerRefused(f"{method} {url} redirected too many times")
        except httpx.HTTPError as exc:
            raise IssuerRefused(f"{method} {url} failed: {type(exc).__name__}") from exc


def wire(services: Services) -> None:
    """Set ``services.wallet`` (called once by ``build_services``)."""
    base = services.wallet_base
    if base is None:
        return
    http = BoundedWalletHttp(services.settings)

    def resolver() -> MethodResolver:
        # the same resolution as services.verifier(): this instance's DIDs from its database
        from lerkit.bootstrap import InstanceFirstFetcher, build_fetcher

        fetcher = InstanceFirstFetcher(
            services.settings, services, build_fetcher(services.settings)
        )
        return MethodResolver(web=WebDidResolver(fetcher), documents={})

    def fetch_json(url: str) -> Any:
        """GET JSON through the wallet's bounded HTTP; any failure is "could not check"
        (``fetch.*``), never "invalid"."""
        try:
            response = services.wallet.http.request(
                "GET", url, headers={"Accept": "application/ld+json, application/json"}
            )
        except IssuerRefused as exc:
            raise ResolutionError(str(exc), ProblemCode.FETCH_FAILED) from exc
        if response.status != 200:
            raise ResolutionError(
                f"GET {url} returned HTTP {response.status}", ProblemCode.FETCH_FAILED
            )
        try:
            return response.json()
        except IssuerRefused as exc:
            raise ResolutionError(f"GET {url}: not JSON", ProblemCode.FETCH_FAILED) from exc

    wallet = Wallet(
        database=services.database,
        accounts=base.accounts,
        consent=base.consent,
        signin=SignIn(base.accounts._keystore, services.clock, _entropy),
        clock=services.clock,
        entropy=_entropy,
        verifier=services.verifier,
        resolver=resolver,
        fetch_json=fetch_json,
        http=http,
    )
    wallet.backups = Backups(wallet)
    services.wallet = wallet


def _entropy(size: int) -> bytes:
    import os

    return os.urandom(size)
