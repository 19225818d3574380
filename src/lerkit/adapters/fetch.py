"""A bounded, SSRF-aware HTTP GET for the few documents lerkit may fetch when allowed.

Every hop (the first URL and each redirect) is checked: https only (unless
``allow_http``), the host's addresses resolved and refused when private, loopback,
link-local, multicast, reserved or unspecified (unless ``allow_private``; IPv4-mapped and
6to4/Teredo-embedded IPv4 count as what they embed). The connection then goes to the
address that was checked (the Host header and TLS SNI keep the name), so a DNS answer
cannot change between the check and the connect. Total time and body size are bounded;
content is requested without compression so the size bound is the bytes on the wire.

Errors: everything raises :class:`~lerkit.core.errors.ResolutionError` ("could not
check") with ``fetch.refused``, ``fetch.too_large`` or ``fetch.failed``; httpx errors are
translated here and never escape.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.types import JsonObject

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[str]]

_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 65_536


@dataclass(frozen=True)
class FetchResult:
    """The final response: the URL it came from (after redirects), status, headers, body."""

    url: str
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _refused(message: str) -> ResolutionError:
    return ResolutionError(message, ProblemCode.FETCH_REFUSED)


def _failed(message: str) -> ResolutionError:
    return ResolutionError(message, ProblemCode.FETCH_FAILED)


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses (see the module docstring)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None and not is_public_address(embedded):
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


class BoundedFetcher:
    """GET with bounded time, size and redirects, refusing non-public addresses by default."""

    def __init__(
        self,
        timeout: float = 5.0,
        max_bytes: int = 1_048_576,
        max_redirects: int = 3,
        allow_private: bool = False,
        allow_http: bool = False,
        transport: httpx.BaseTransport | None = None,
        resolve: Resolve | None = None,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0 or max_redirects < 0:
            raise ValueError("timeout and max_bytes must be positive, max_redirects >= 0")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        self.allow_http = allow_http
        self._transport = transport
        self._resolve = resolve or _system_resolve

    # -- checks -------------------------------------------------------------------------

    def check_url(self, url: str) -> tuple[str, str, int, list[str]]:
        """``(scheme, host, port, addresses)`` for a URL we may fetch, or raise fetch.refused."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise _refused(f"refusing malformed URL {url!r}: {exc}") from exc
        scheme = parts.scheme.lower()
        allowed = ("https", "http") if self.allow_http else ("https",)
        if scheme not in allowed:
            hint = "" if scheme != "http" else " (plain http needs allow_http)"
            raise _refused(f"refusing {url!r}: only https URLs are fetched{hint}")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise _refused(f"refusing {url!r}: no host")
        if parts.username or parts.password:
            raise _refused(f"refusing {url!r}: URLs with credentials are not fetched")
        port = port or (443 if scheme == "https" else 80)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self._check_address(url, host, literal)
            return scheme, host, port, [str(literal)]
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise _failed(f"cannot resolve host {host!r} of {url!r}: {exc}") from exc
        if not addresses:
            raise _failed(f"host {host!r} of {url!r} has no addresses")
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%")[0])
            except ValueError as exc:
                raise _refused(f"host {host!r} resolved to unparsable {text!r}") from exc
            self._check_address(url, host, address)
        return scheme, host, port, addresses

    def _check_address(self, url: str, host: str, address: IPAddress) -> None:
        if self.allow_private or is_public_address(address):
            return
        via = "" if host == str(address) else f" (host {host!r} resolves to it)"
        raise _refused(
            f"refusing to fetch {url!r}: {address} is not a public internet address{via}; "
            "private, loopback, link-local, multicast and reserved addresses are never "
            "fetched unless explicitly allowed"
        )

    # -- fetching -----------------------------------------------------------------------

    def get_bytes(self, url: str, accept: str = "*/*") -> FetchResult:
        """GET ``url`` following at most ``max_redirects`` redirects, each one re-checked."""
        deadline = time.monotonic() + self.timeout
        try:
            with httpx.Client(
                transport=self._transport,
                follow_redirects=False,
                trust_env=False,  # a proxy would bypass the address checks
                timeout=self.timeout,
            ) as client:
                current = url
                for _hop in range(self.max_redirects + 1):
                    result = self._get_once(client, current, accept, deadline)
                    location = result.headers.get("location")
                    if result.status in _REDIRECTS and location:
                        current = urljoin(current, location)
                        continue
                    if not 200 <= result.status < 300:
                        raise _failed(f"GET {current} returned HTTP {result.status}")
                    return result
                raise _failed(f"GET {url} redirected more than {self.max_redirects} times")
        except httpx.HTTPError as exc:  # pragma: no cover - defensive, _get_once translates
            raise _failed(f"GET {url} failed: {exc}") from exc

    def get_json(self, url: str, accept: str = "application/json") -> Any:
        """GET and parse JSON (any JSON value)."""
        result = self.get_bytes(url, accept=accept)
        try:
            return json.loads(result.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _failed(f"the response from {result.url} is not JSON: {exc}") from exc

    def get_json_object(self, url: str, accept: str = "application/json") -> JsonObject:
        value = self.get_json(url, accept=accept)
        if not isinstance(value, dict):
            raise _failed(f"the response from {url} is not a JSON object")
        return value

    def _get_once(
        self, client: httpx.Client, url: str, accept: str, deadline: float
    ) -> FetchResult:
        scheme, host, port, addresses = self.check_url(url)
        last_error: Exception | None = None
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                return self._request(client, url, scheme, host, port, address, accept, deadline)
            except httpx.ConnectError as exc:
                last_error = exc  # try the next checked address
            except httpx.TimeoutException as exc:
                raise _failed(f"GET {url} timed out after {self.timeout:g}s") from exc
            except httpx.HTTPError as exc:
                raise _failed(f"GET {url} failed: {exc}") from exc
        if last_error is None:
            raise _failed(f"GET {url} timed out after {self.timeout:g}s")
        raise _failed(f"GET {url} failed: cannot connect: {last_error}")

    def _request(
        self,
        client: httpx.Client,
        url: str,
        scheme: str,
        host: str,
        port: int,
        address: str,
        accept: str,
        deadline: float,
    ) -> FetchResult:
        original = httpx.URL(url)
        pinned = original.copy_with(host=address.split("%")[0])
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host and not host.startswith("["):
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        remaining = max(deadline - time.monotonic(), 0.001)
        request = client.build_request(
            "GET",
            pinned,
            headers={"Host": host_header, "Accept": accept, "Accept-Encoding": "identity"},
            extensions={"sni_hostname": host},
            timeout=httpx.Timeout(remaining),
        )
        response = client.send(request, stream=True)
        try:
            headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code in _REDIRECTS:
                return FetchResult(url, response.status_code, headers, b"")
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise ResolutionError(
                    f"GET {url}: the body ({declared} bytes) exceeds the limit of "
                    f"{self.max_bytes} bytes",
                    ProblemCode.FETCH_TOO_LARGE,
                )
            encoding = headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                # we asked for identity; decompressing would unbound the size limit
                raise _failed(f"GET {url}: refusing a {encoding!r}-encoded body")
            body = bytearray()
            for chunk in response.iter_raw(_CHUNK):
                body.extend(chunk)
                if len(body) > self.max_bytes:
                    raise ResolutionError(
                        f"GET {url}: the body exceeds the limit of {self.max_bytes} bytes",
                        ProblemCode.FETCH_TOO_LARGE,
                    )
                if time.monotonic() > deadline:
                    raise _failed(f"GET {url} timed out after {self.timeout:g}s")
            return FetchResult(url, response.status_code, headers, bytes(body))
        finally:
            response.close()
