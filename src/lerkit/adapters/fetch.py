"""A bounded, SSRF-aware HTTP GET for the few documents lerkit may fetch when allowed.

Every hop (the first URL and each redirect) is checked: https only (unless
``allow_http``), the host's addresses resolved and refused when private, loopback,
link-local, multicast, reserved or unspecified (unless ``allow_private``; IPv4-mapped and
6to4/Teredo-embedded IPv4 count as what they embed). The connection then goes to the
address that was checked (the Host header and TLS SNI keep the name), so a DNS answer
cannot change between the check and the connect. Total time and body size are bounded;
content is requested without compression so the size bound is the bytes on the wire.

DNS lookups count against the same deadline (they run in a small thread pool, so a
resolver that hangs cannot hold a request past ``timeout``).

With an :class:`HttpCache`, responses are kept (bounded in entries and bytes, in memory)
and reused while fresh (``Cache-Control: max-age``, ``s-maxage``; ``no-store`` is never
kept, ``no-cache`` always revalidated); a stale entry with an ``ETag`` is revalidated with
``If-None-Match`` and a ``304 Not Modified`` keeps the stored body. Status lists are
always fetched whole, so the cache holds whole lists and nobody learns which credential
was checked.

Errors: everything raises :class:`~lerkit.core.errors.ResolutionError` ("could not
check") with ``fetch.refused``, ``fetch.too_large`` or ``fetch.failed``; httpx errors are
translated here and never escape.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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


_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


def freshness(headers: dict[str, str]) -> tuple[bool, float]:
    """``(storable, seconds fresh)`` from a response's ``Cache-Control`` header."""
    control = headers.get("cache-control", "").lower()
    if "no-store" in control:
        return False, 0.0
    if "no-cache" in control:
        return True, 0.0
    ages = {m.group(1).lower(): int(m.group(2)) for m in _MAX_AGE.finditer(control)}
    seconds = ages.get("s-maxage", ages.get("max-age", 0))
    return True, float(seconds)


@dataclass
class _Entry:
    result: FetchResult
    etag: str | None
    fresh_until: float


class HttpCache:
    """Responses by URL, in memory, bounded in entries and bytes (least recently used go
    first); thread-safe. ``clock`` is monotonic seconds (injected in tests)."""

    def __init__(
        self,
        max_entries: int = 256,
        max_bytes: int = 32 * 1_048_576,
        clock: Callable[[], float] = time.monotonic,
        max_ttl: float = 3600.0,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_ttl = max_ttl
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.revalidated = 0
        self.misses = 0

    def lookup(self, url: str) -> tuple[FetchResult | None, str | None]:
        """``(fresh result, None)``, ``(None, etag to revalidate)`` or ``(None, None)``."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                self.misses += 1
                return None, None
            self._entries.move_to_end(url)
            if self._clock() < entry.fresh_until:
                self.hits += 1
                return entry.result, None
            return None, entry.etag

    def store(self, url: str, result: FetchResult) -> None:
        storable, seconds = freshness(result.headers)
        etag = result.headers.get("etag")
        if not storable or (seconds <= 0 and not etag) or len(result.body) > self.max_bytes:
            self.invalidate(url)
            return
        entry = _Entry(result, etag, self._clock() + min(seconds, self.max_ttl))
        with self._lock:
            old = self._entries.pop(url, None)
            if old is not None:
                self._size -= len(old.result.body)
            self._entries[url] = entry
            self._size += len(result.body)
            while self._entries and (
                len(self._entries) > self.max_entries or self._size > self.max_bytes
            ):
                _, gone = self._entries.popitem(last=False)
                self._size -= len(gone.result.body)

    def not_modified(self, url: str, headers: dict[str, str]) -> FetchResult | None:
        """A 304 for ``url``: the stored result, fresh again (None if it was dropped)."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            merged = {
                **entry.result.headers,
                **{
                    k: v
                    for k, v in headers.items()
                    if k in ("cache-control", "etag", "expires", "date")
                },
            }
            _, seconds = freshness(merged)
            entry.result = replace(entry.result, headers=merged)
            entry.fresh_until = self._clock() + min(seconds, self.max_ttl)
            self.revalidated += 1
            return entry.result

    def invalidate(self, url: str | None = None) -> None:
        """Forget ``url`` (or everything)."""
        with self._lock:
            if url is None:
                self._entries.clear()
                self._size = 0
                return
            old = self._entries.pop(url, None)
            if old is not None:
                self._size -= len(old.result.body)

    def __len__(self) -> int:
        return len(self._entries)


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


_DNS_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="lerkit-dns")


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
        cache: HttpCache | None = None,
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
        self.cache = cache

    # -- checks -------------------------------------------------------------------------

    def check_url(self, url: str, deadline: float | None = None) -> tuple[str, str, int, list[str]]:
        """``(scheme, host, port, addresses)`` for a URL we may fetch, or raise fetch.refused.
        The DNS lookup must finish before ``deadline`` (monotonic; default: ``timeout``)."""
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
        budget = (deadline - time.monotonic()) if deadline is not None else self.timeout
        if budget <= 0:
            raise _failed(f"GET {url} timed out after {self.timeout:g}s (before DNS)")
        future = _DNS_POOL.submit(self._resolve, host, port)
        try:
            addresses = future.result(timeout=budget)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise _failed(
                f"cannot resolve host {host!r} of {url!r}: DNS did not answer within "
                f"{self.timeout:g}s"
            ) from exc
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
        """GET ``url`` following at most ``max_redirects`` redirects, each one re-checked;
        through the cache when there is one (fresh: no request; stale with an ETag:
        ``If-None-Match``, and a 304 reuses the stored body)."""
        if self.cache is None:
            return self._fetch(url, accept, None)
        cached, etag = self.cache.lookup(url)
        if cached is not None:
            return cached
        result = self._fetch(url, accept, etag)
        if result.status == 304:
            kept = self.cache.not_modified(url, result.headers)
            if kept is not None:
                return kept
            result = self._fetch(url, accept, None)
        self.cache.store(url, result)
        return result

    def get_conditional(
        self, url: str, etag: str | None, accept: str = "application/json"
    ) -> FetchResult:
        """GET ``url`` with ``If-None-Match: etag`` (when given), bypassing the memory
        cache: the caller keeps the ETag (e.g. in a database). Status 304 or 2xx."""
        return self._fetch(url, accept, etag)

    def _fetch(self, url: str, accept: str, etag: str | None) -> FetchResult:
        deadline = time.monotonic() + self.timeout
        extra = {"If-None-Match": etag} if etag else {}
        try:
            with httpx.Client(
                transport=self._transport,
                follow_redirects=False,
                trust_env=False,  # a proxy would bypass the address checks
                timeout=self.timeout,
            ) as client:
                current = url
                for _hop in range(self.max_redirects + 1):
                    result = self._get_once(client, current, accept, deadline, extra)
                    location = result.headers.get("location")
                    if result.status in _REDIRECTS and location:
                        current = urljoin(current, location)
                        continue
                    if result.status == 304 and etag:
                        return result
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
        self,
        client: httpx.Client,
        url: str,
        accept: str,
        deadline: float,
        extra: dict[str, str] | None = None,
    ) -> FetchResult:
        scheme, host, port, addresses = self.check_url(url, deadline)
        last_error: Exception | None = None
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                return self._request(
                    client, url, scheme, host, port, address, accept, deadline, extra or {}
                )
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
        extra: dict[str, str],
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
            headers={
                "Host": host_header,
                "Accept": accept,
                "Accept-Encoding": "identity",
                **extra,
            },
            extensions={"sni_hostname": host},
            timeout=httpx.Timeout(remaining),
        )
        response = client.send(request, stream=True)
        try:
            headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code in (*_REDIRECTS, 304):
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
