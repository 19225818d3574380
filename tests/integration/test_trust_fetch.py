"""Bounded fetching for verification, against a real loopback HTTP server: SSRF refusals
(loopback, 10/8, 169.254.169.254, IPv6 ::1 and IPv4-mapped, redirects to private
addresses, DNS names that resolve to private addresses), a DNS lookup that hangs, and the
HTTP cache (max-age, ETag / If-None-Match -> 304, bounded), through the fetcher and through
``Verifier.verify_any``."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lerkit.adapters.fetch import BoundedFetcher, FetchResult, HttpCache, freshness
from lerkit.bootstrap.trust import build_any_verifier
from lerkit.config import Settings
from lerkit.core.errors import LerkitError, ProblemCode, ResolutionError
from lerkit.core.report import Verdict

pytestmark = pytest.mark.network

STATE: dict[str, Any] = {"requests": [], "etag": '"v1"', "body": {"n": 1}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        STATE["requests"].append((self.path, self.headers.get("If-None-Match")))
        if self.path == "/etag":
            if self.headers.get("If-None-Match") == STATE["etag"]:
                self._send(304, b"", {"ETag": STATE["etag"]})
                return
            body = json.dumps(STATE["body"]).encode()
            self._send(200, body, {"ETag": STATE["etag"], "Cache-Control": "max-age=0"})
        elif self.path == "/max-age":
            self._send(200, b'{"fresh": true}', {"Cache-Control": "public, max-age=60"})
        elif self.path == "/no-store":
            self._send(200, b"{}", {"Cache-Control": "no-store", "ETag": '"x"'})
        elif self.path.startswith("/redirect?to="):
            self._send(302, b"", {"Location": self.path.split("=", 1)[1]})
        elif self.path == "/credential":
            self._send(
                200, json.dumps({"@context": "https://www.w3.org/ns/credentials/v2"}).encode(), {}
            )
        else:
            self._send(404, b"", {})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_fetcher(cache: HttpCache | None = None, **kw: Any) -> BoundedFetcher:
    return BoundedFetcher(allow_private=True, allow_http=True, timeout=2, cache=cache, **kw)


# ----------------------------------------------------------------------------- SSRF


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://192.168.1.1/x",
        "https://[fe80::1]/x",
        "https://0.0.0.0/x",
    ],
)
def test_private_addresses_refused_by_default(url: str) -> None:
    with pytest.raises(ResolutionError) as caught:
        BoundedFetcher().get_bytes(url)
    assert caught.value.code is ProblemCode.FETCH_REFUSED


@pytest.mark.parametrize(
    "answer", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1", "::ffff:192.168.0.1"]
)
def test_dns_names_resolving_to_private_addresses_refused(answer: str) -> None:
    fetcher = BoundedFetcher(resolve=lambda host, port: ["93.184.216.34", answer])
    with pytest.raises(ResolutionError) as caught:
        fetcher.get_bytes("https://innocent.example/x")
    assert caught.value.code is ProblemCode.FETCH_REFUSED
    assert "innocent.example" in str(caught.value)


def test_redirects_to_private_addresses_refused(server: str) -> None:
    class LoopbackOnly(BoundedFetcher):
        def _check_address(self, url: str, host: str, address: Any) -> None:
            if str(address) != "127.0.0.1":
                super()._check_address(url, host, address)

    fetcher = LoopbackOnly(allow_http=True, timeout=2)
    for target in (
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://[::1]:9/",
        "http://[::ffff:10.0.0.1]/",
    ):
        with pytest.raises(ResolutionError) as caught:
            fetcher.get_bytes(f"{server}/redirect?to={target}")
        assert caught.value.code is ProblemCode.FETCH_REFUSED, target


def test_a_dns_lookup_that_hangs_is_bounded() -> None:
    def hang(host: str, port: int) -> list[str]:
        time.sleep(10)
        return ["93.184.216.34"]

    fetcher = BoundedFetcher(timeout=0.3, resolve=hang)
    start = time.monotonic()
    with pytest.raises(ResolutionError) as caught:
        fetcher.get_bytes("https://slow-dns.example/x")
    assert caught.value.code is ProblemCode.FETCH_FAILED
    assert "DNS" in str(caught.value)
    assert time.monotonic() - start < 5  # cut short, long before the lookup would end


def test_verify_any_refuses_private_urls_by_default_and_allows_when_configured(server: str) -> None:
    closed = build_any_verifier(Settings(allow_http_fetch=True), allow_network=True)
    for url in (
        f"{server}/credential",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
    ):
        with pytest.raises(LerkitError) as caught:
            closed.verify_any(url)
        assert caught.value.code is ProblemCode.FETCH_REFUSED
    # an OB 2.0 assertion whose id (to fetch) is on a private address: could not check
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://10.0.0.5/assertions/1",
        "recipient": {"type": "email", "identity": "a@example.org"},
        "badge": "https://10.0.0.5/badge",
        "verification": {"type": "hosted"},
        "issuedOn": "2024-01-01T00:00:00Z",
    }
    report = closed.verify_any(assertion)
    assert report.verdict is Verdict.INDETERMINATE
    assert ProblemCode.FETCH_REFUSED in report.codes
    # a did:web on a private address: the proof could not be checked, nothing fetched
    opened = build_any_verifier(
        Settings(allow_private_fetch=True, allow_http_fetch=True), allow_network=True
    )
    report = opened.verify_any(f"{server}/credential")  # fetched: a malformed credential
    assert report.verdict is Verdict.INVALID


# ----------------------------------------------------------------------------- the cache


def test_max_age_is_honoured(server: str) -> None:
    clock = Clock()
    cache = HttpCache(clock=clock)
    fetcher = open_fetcher(cache)
    STATE["requests"].clear()
    for _ in range(3):
        assert fetcher.get_json(f"{server}/max-age") == {"fresh": True}
    assert [p for p, _ in STATE["requests"]] == ["/max-age"]
    clock.now += 61
    fetcher.get_json(f"{server}/max-age")
    assert [p for p, _ in STATE["requests"]] == ["/max-age", "/max-age"]
    assert cache.hits == 2


def test_etag_revalidation_and_change(server: str) -> None:
    cache = HttpCache(clock=Clock())
    fetcher = open_fetcher(cache)
    STATE.update(etag='"v1"', body={"n": 1})
    STATE["requests"].clear()
    assert fetcher.get_json(f"{server}/etag") == {"n": 1}
    assert fetcher.get_json(f"{server}/etag") == {"n": 1}  # 304: the stored body
    assert STATE["requests"] == [("/etag", None), ("/etag", '"v1"')]
    assert cache.revalidated == 1
    STATE.update(etag='"v2"', body={"n": 2})  # the document changes on the server
    assert fetcher.get_json(f"{server}/etag") == {"n": 2}
    assert STATE["requests"][-1] == ("/etag", '"v1"')
    cache.invalidate(f"{server}/etag")
    fetcher.get_json(f"{server}/etag")
    assert STATE["requests"][-1] == ("/etag", None)


def test_no_store_is_not_kept_and_the_cache_is_bounded(server: str) -> None:
    cache = HttpCache(max_entries=2, clock=Clock())
    fetcher = open_fetcher(cache)
    fetcher.get_json(f"{server}/no-store")
    assert len(cache) == 0
    for i in range(5):
        cache.store(
            f"https://x.example/{i}",
            FetchResult(f"https://x.example/{i}", 200, {"cache-control": "max-age=60"}, b"{}"),
        )
    assert len(cache) == 2
    assert freshness({"cache-control": "s-maxage=10, max-age=5"}) == (True, 10.0)
    assert freshness({"cache-control": "no-cache", "etag": "x"}) == (True, 0.0)
    assert freshness({}) == (True, 0.0)
