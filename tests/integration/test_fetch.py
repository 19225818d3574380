"""BoundedFetcher and WebDidResolver against a real loopback HTTP server.

The server is a threading ``http.server`` on 127.0.0.1 with an ephemeral port. Loopback is
exactly what the fetcher refuses by default, so the "served" cases opt in with
``allow_private=True, allow_http=True``; the redirect cases use a fetcher that trusts only
127.0.0.1 so the *redirect target* is what gets refused.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from lerkit.adapters.did_web import WebDidResolver
from lerkit.adapters.fetch import BoundedFetcher, is_public_address
from lerkit.core.dids import MethodResolver, did_key
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.jose import secure_credential, verify_jwt
from lerkit.core.keys import KeyType, PrivateKey

pytestmark = pytest.mark.network

LIMIT = 1024
DID_DOCS: dict[str, dict[str, object]] = {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, length: bool = True
    ) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # the client may give up (timeouts, size limits): expected here
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/ok.json":
            self._send(200, b'{"hello": "world"}', {"Content-Type": "application/json"})
        elif path == "/echo-host":
            self._send(200, json.dumps({"host": self.headers.get("Host")}).encode())
        elif path.startswith("/redirect?to="):
            self._send(302, b"", {"Location": path.split("=", 1)[1]})
        elif path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif path == "/big":
            self._send(200, b"x" * (LIMIT + 1))
        elif path == "/big-stream":
            # no Content-Length: HTTP/1.0 body delimited by close, larger than the limit
            self._send(200, b"y" * (LIMIT * 64), length=False)
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200, b"{}")
        elif path == "/missing":
            self._send(404, b"not here")
        elif path == "/not-json":
            self._send(200, b"<html>")
        elif path in DID_DOCS:
            self._send(
                200, json.dumps(DID_DOCS[path]).encode(), {"Content-Type": "application/did+json"}
            )
        else:
            self._send(404, b"")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-response is part of these tests


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


SLOW_SECONDS = 10.0  # how long /slow takes to answer
TIMEOUT = 5.0  # generous: a loaded CI machine must not turn a served request into a timeout


def open_fetcher(**kw: object) -> BoundedFetcher:
    kw.setdefault("timeout", TIMEOUT)
    return BoundedFetcher(
        allow_private=True,
        allow_http=True,
        max_bytes=LIMIT,
        **kw,
    )


class LoopbackOnlyFetcher(BoundedFetcher):
    """Trusts 127.0.0.1 (the test server) and nothing else that is not public."""

    def _check_address(self, url: str, host: str, address) -> None:  # type: ignore[no-untyped-def]
        if str(address) == "127.0.0.1":
            return
        super()._check_address(url, host, address)


def assert_code(code: ProblemCode, fn, *args) -> ResolutionError:  # type: ignore[no-untyped-def]
    with pytest.raises(ResolutionError) as info:
        fn(*args)
    assert info.value.code is code, info.value
    return info.value


# --------------------------------------------------------------------------- defaults


def test_loopback_refused_by_default(server: str) -> None:
    err = assert_code(
        ProblemCode.FETCH_REFUSED, BoundedFetcher(allow_http=True).get_bytes, server + "/ok.json"
    )
    assert "127.0.0.1 is not a public internet address" in str(err)


def test_http_refused_by_default(server: str) -> None:
    err = assert_code(
        ProblemCode.FETCH_REFUSED, BoundedFetcher(allow_private=True).get_bytes, server + "/ok.json"
    )
    assert "only https" in str(err)


def test_served_when_allowed(server: str) -> None:
    fetcher = open_fetcher()
    result = fetcher.get_bytes(server + "/ok.json")
    assert result.status == 200
    assert result.content_type == "application/json"
    assert fetcher.get_json(server + "/ok.json") == {"hello": "world"}
    # the connection is pinned to the checked address, the Host header keeps the name
    port = server.rsplit(":", 1)[1]
    assert fetcher.get_json(server + "/echo-host") == {"host": f"127.0.0.1:{port}"}


def test_http_errors_and_bad_json(server: str) -> None:
    fetcher = open_fetcher()
    assert_code(ProblemCode.FETCH_FAILED, fetcher.get_bytes, server + "/missing")
    assert_code(ProblemCode.FETCH_FAILED, fetcher.get_json, server + "/not-json")


def test_redirect_to_private_address_refused(server: str) -> None:
    fetcher = LoopbackOnlyFetcher(allow_http=True, timeout=TIMEOUT)
    assert fetcher.get_json(server + "/ok.json") == {"hello": "world"}
    for target in (
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:1/",
        "http://[::ffff:127.0.0.2]/",
        "http://127.0.0.2/",
    ):
        err = assert_code(
            ProblemCode.FETCH_REFUSED, fetcher.get_bytes, f"{server}/redirect?to={target}"
        )
        assert "not a public internet address" in str(err)


def test_redirect_limit(server: str) -> None:
    err = assert_code(
        ProblemCode.FETCH_FAILED, open_fetcher(max_redirects=2).get_bytes, server + "/loop"
    )
    assert "redirected more than 2 times" in str(err)
    assert open_fetcher().get_json(f"{server}/redirect?to=/ok.json") == {"hello": "world"}


def test_oversized_body_refused(server: str) -> None:
    fetcher = open_fetcher()
    assert_code(ProblemCode.FETCH_TOO_LARGE, fetcher.get_bytes, server + "/big")
    assert_code(ProblemCode.FETCH_TOO_LARGE, fetcher.get_bytes, server + "/big-stream")


def test_slow_server_times_out(server: str) -> None:
    start = time.monotonic()
    fetcher = open_fetcher(timeout=0.5)
    err = assert_code(ProblemCode.FETCH_FAILED, fetcher.get_bytes, server + "/slow")
    assert "timed out" in str(err)
    # cut short by the timeout, long before the server would have answered
    assert time.monotonic() - start < SLOW_SECONDS / 2


def test_connection_refused_is_fetch_failed() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert_code(ProblemCode.FETCH_FAILED, open_fetcher().get_bytes, f"http://127.0.0.1:{port}/")


# --------------------------------------------------------------------------- literals


def _exploding_transport() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"connected to {request.url}")

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:a9fe:a9fe]/",  # IPv4-mapped 169.254.169.254
        "https://127.0.0.1:8443/",
        "https://0.0.0.0/",
        "https://[::]/",
        "https://224.0.0.1/",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    ],
)
def test_private_literals_refused_without_connecting(url: str) -> None:
    fetcher = BoundedFetcher(transport=_exploding_transport())
    assert_code(ProblemCode.FETCH_REFUSED, fetcher.get_bytes, url)


def test_hostnames_resolving_to_private_addresses_refused() -> None:
    fetcher = BoundedFetcher(
        transport=_exploding_transport(), resolve=lambda host, port: ["93.184.215.14", "10.1.2.3"]
    )
    err = assert_code(ProblemCode.FETCH_REFUSED, fetcher.get_bytes, "https://rebind.example/")
    assert "rebind.example" in str(err)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "file:///etc/passwd", "https:///x", "https://user:pw@example.com/"],
)
def test_other_urls_refused(url: str) -> None:
    assert_code(
        ProblemCode.FETCH_REFUSED, BoundedFetcher(transport=_exploding_transport()).get_bytes, url
    )


def test_is_public_address() -> None:
    import ipaddress

    assert is_public_address(ipaddress.ip_address("93.184.215.14"))
    assert is_public_address(ipaddress.ip_address("2606:4700::1"))
    assert not is_public_address(ipaddress.ip_address("::ffff:10.0.0.1"))


# --------------------------------------------------------------------------- did:web


def test_did_web_end_to_end(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    did = f"did:web:localhost%3A{port}:issuers:1"
    key = PrivateKey.generate(KeyType.P256, b"\x05" * 64)
    vm = f"{did}#key-1"
    DID_DOCS["/issuers/1/did.json"] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.multikey,
            }
        ],
        "assertionMethod": [vm],
    }
    DID_DOCS["/issuers/2/did.json"] = {"id": "did:web:evil.example"}

    def to_loopback(url: str) -> str:
        # did:web always maps to https; the test server speaks http
        assert url.startswith(f"https://localhost:{port}/")
        return "http://" + url.removeprefix("https://")

    web = WebDidResolver(open_fetcher(), url_for=to_loopback)
    assert web.resolve(did)["id"] == did
    with pytest.raises(ResolutionError) as info:
        web.resolve(f"did:web:localhost%3A{port}:issuers:2")
    assert info.value.code is ProblemCode.DID_DOCUMENT_INVALID

    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": did_key(key.public_key)},
    }
    token = secure_credential(credential, key, vm)
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    result = verify_jwt(token, MethodResolver(web=web), now=now)
    assert result.verification_method is not None
    assert result.verification_method.controller == did
    # without the web adapter it is "could not check", naming the flags
    with pytest.raises(ResolutionError) as info:
        verify_jwt(token, MethodResolver(), now=now)
    assert info.value.code is ProblemCode.DID_UNRESOLVABLE
    assert "--allow-network" in str(info.value)
    # and with a default (refusing) fetcher the loopback host is refused
    with pytest.raises(ResolutionError) as info:
        WebDidResolver(BoundedFetcher(allow_http=True), url_for=to_loopback).resolve(did)
    assert info.value.code is ProblemCode.FETCH_REFUSED
