"""`credential verify --allow-network`: the status list is fetched through the bounded
fetcher from a real loopback HTTP server — refused by default (loopback is private), served
when the operator allows private and plain-http fetches."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lerkit.core.dids.key import did_key
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.status import BitstringStatusList, status_list_credential
from lerkit.demo import demo_badge

pytestmark = pytest.mark.network

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SERVED: dict[str, bytes] = {}
REQUESTS: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        REQUESTS.append(self.path)
        body = SERVED.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/vc")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _signed_pair(base_url: str, tmp_path: Path, revoked: bool) -> Path:
    key = PrivateKey.from_secret(KeyType.ED25519, bytes(range(32)))
    did = did_key(key.public_key)
    vm = f"{did}#{key.public_key.multikey}"
    path = f"/status/{'revoked' if revoked else 'ok'}"
    list_url = base_url + path
    status_list = BitstringStatusList.new()
    if revoked:
        status_list.set(42)
    listed = issue(
        status_list_credential(list_url, did, "revocation", status_list, valid_from=T0),
        key,
        verification_method=vm,
        created=T0,
    )
    SERVED[path] = json.dumps(listed).encode()
    credential = demo_badge(
        issuer_did=did,
        subject_did=did,
        credential_id="urn:uuid:7b0b5d3e-0000-4000-8000-000000000001",
        valid_from=T0,
        status_list_url=list_url,
    )
    signed = issue(credential, key, verification_method=vm, created=T0)
    out = tmp_path / "signed.json"
    out.write_text(json.dumps(signed), "utf-8")
    return out


def _verify(file: Path, env_extra: dict[str, str]) -> tuple[int, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    env.update(env_extra)
    proc = subprocess.run(
        [sys.executable, "-m", "lerkit.cli", "credential", "verify", str(file), *FLAGS],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout)


def _status(report: dict[str, object]) -> dict[str, object]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return next(c for c in checks if c["check"] == "status")


FLAGS = ("--allow-network", "--json")
ALLOW = {"LERKIT_ALLOW_PRIVATE_FETCH": "1", "LERKIT_ALLOW_HTTP_FETCH": "1"}


def test_private_address_refused_by_default(base_url: str, tmp_path: Path) -> None:
    file = _signed_pair(base_url, tmp_path, revoked=False)
    before = len(REQUESTS)
    code, report = _verify(file, {})
    assert code == 3, report  # could not check: the fetch was refused, nothing failed
    status = _status(report)
    assert status["status"] == "could_not_check"
    assert status["code"] == "status.unresolvable"
    assert len(REQUESTS) == before  # refused before connecting


def test_fetched_when_the_operator_allows_it(base_url: str, tmp_path: Path) -> None:
    file = _signed_pair(base_url, tmp_path, revoked=False)
    code, report = _verify(file, ALLOW)
    assert code == 0, report
    assert _status(report)["status"] == "pass"
    assert "/status/ok" in REQUESTS


def test_revoked_list_fetched_gives_invalid(base_url: str, tmp_path: Path) -> None:
    file = _signed_pair(base_url, tmp_path, revoked=True)
    code, report = _verify(file, ALLOW)
    assert code == 1, report
    assert _status(report)["code"] == "status.revoked"
