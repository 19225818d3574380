"""``lerkit demo`` (``make run``): it loads the demo data idempotently, then the README's
curl flow works against the real server: issue a badge to an email address, revoke it, see
the status list's ETag change and verification report ``status.revoked``."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from lerkit.cli.demo_commands import ACHIEVEMENTS, CREDENTIALS, KEY_FILE, ORG_NAME
from lerkit.db.models import Achievement, ApiKey, IssuedCredential, Organization
from lerkit.db.session import Database

pytestmark = pytest.mark.network


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    env.update(LERKIT_DATA_DIR=str(data_dir), NO_COLOR="1", COLUMNS="200")
    return env


def _demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lerkit.cli", "demo", *args],
        cwd=cwd,
        env=_env(cwd / "data"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _counts(data_dir: Path) -> dict[str, int]:
    db = Database(f"sqlite:///{(data_dir / 'lerkit.db').resolve()}")
    try:
        with db.session() as session:
            return {
                model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Organization, Achievement, IssuedCredential, ApiKey)
            }
    finally:
        db.dispose()


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, int]:
    """A data dir with the demo loaded twice (for a free port); checks nothing doubled."""
    port = _free_port()
    first = _demo(tmp_path, "--no-serve", "--port", str(port))
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / KEY_FILE
    key = key_file.read_text()
    after_first = _counts(tmp_path / "data")

    second = _demo(tmp_path, "--no-serve", "--port", str(port))
    assert second.returncode == 0, second.stderr
    assert "nothing (the demo data was already there)" in second.stdout
    assert _counts(tmp_path / "data") == after_first
    assert key_file.read_text() == key  # the key still works: it is kept, not replaced
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert after_first == {
        "Organization": 1,
        "Achievement": len(ACHIEVEMENTS),
        "IssuedCredential": len(CREDENTIALS),
        "ApiKey": 1,
    }
    # where to look: the URL, the docs, the key file, the curl flow
    for text in (f"http://localhost:{port}/docs", str(key_file), "/credentials/status"):
        assert text in second.stdout
    return tmp_path, port


@pytest.fixture
def server(loaded: tuple[Path, int]) -> Iterator[tuple[str, str]]:
    """``lerkit demo --port P`` serving (as ``make run`` does); yields (base URL, API key)."""
    cwd, port = loaded
    proc = subprocess.Popen(
        [sys.executable, "-m", "lerkit.cli", "demo", "--port", str(port)],
        cwd=cwd,
        env=_env(cwd / "data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"the demo server did not start:\n{output}")
            time.sleep(0.2)
        yield base, (cwd / "data" / KEY_FILE).read_text().strip()
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _verify(client: httpx.Client, credential: Any) -> dict[str, Any]:
    """POST /credentials/verify: 200 when verified, else 400 with the same full result."""
    response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code in (200, 400), response.text
    result: dict[str, Any] = response.json()
    assert "verified" in result, response.text
    assert (response.status_code == 200) == result["verified"]
    return result


def _failures(result: dict[str, Any]) -> set[str]:
    return {p["code"] for p in result["problemDetails"] if p["status"] != "warning"}


def test_readme_flow_issue_revoke_status_list_changes(server: tuple[str, str]) -> None:
    base, key = server
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        listed = client.get("/api/v1/credentials", headers=auth)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == len(CREDENTIALS)
        achievements = client.get("/api/v1/achievements", headers=auth).json()["items"]
        by_name = {a["name"]: a for a in achievements}
        python = by_name["Python Programming"]
        assert {a["targetFramework"] for a in python["alignments"]} == {"ESCO v1.2"}
        assert all(
            a["targetUrl"].startswith("http://data.europa.eu/esco/skill/")
            for a in python["alignments"]
        )
        org = client.get("/api/v1/organization", headers=auth)
        if org.status_code == 200:
            assert org.json()["name"] == ORG_NAME

        # 1. issue a badge to an email address, through the API
        issued = client.post(
            "/api/v1/credentials",
            headers=auth,
            json={"achievement": python["id"], "recipient": "you@example.org"},
        )
        assert issued.status_code == 201, issued.text
        badge = issued.json()
        credential = badge["credential"]
        assert credential["issuer"]["id"].startswith("did:web:localhost%3A")
        result = _verify(client, credential)
        assert result["verified"] is True, result["problemDetails"]

        # 2. the status list, with its ETag
        revocation = next(
            e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation"
        )
        list_url = revocation["statusListCredential"]
        before = client.get(list_url)
        assert before.status_code == 200
        etag = before.headers["etag"]
        assert client.get(list_url, headers={"If-None-Match": etag}).status_code == 304

        # 3. revoke it through the VC-API
        revoked = client.post(
            "/credentials/status",
            headers=auth,
            json={
                "credentialId": badge["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": True,
            },
        )
        assert revoked.status_code == 200, revoked.text
        after = client.get(list_url)
        assert after.status_code == 200
        assert after.headers["etag"] != etag
        assert client.get(list_url, headers={"If-None-Match": etag}).status_code == 200

        # 4. verification now reports the revocation
        result = _verify(client, credential)
        assert result["verified"] is False
        assert "status.revoked" in _failures(result)

        # the REST route revokes too
        second = client.post(
            "/api/v1/credentials",
            headers=auth,
            json={"achievement": python["id"], "recipient": "someone@example.org"},
        ).json()
        etag = client.get(list_url).headers["etag"]
        rest = client.post(
            f"/api/v1/credentials/{second['id']}/revoke",
            headers=auth,
            json={"reason": "issued in error"},
        )
        assert rest.status_code == 200, rest.text
        assert rest.json()["status"] == "revoked"
        second_list = next(
            e["statusListCredential"]
            for e in second["credential"]["credentialStatus"]
            if e["statusPurpose"] == "revocation"
        )
        if second_list == list_url:
            assert client.get(list_url).headers["etag"] != etag
        assert "status.revoked" in _failures(_verify(client, second["credential"]))

        # the demo's own revoked credential verifies as revoked
        demo_revoked = client.get(
            "/api/v1/credentials",
            headers=auth,
            params={"status": "revoked", "recipient": "katherine.johnson@example.org"},
        ).json()["items"]
        assert len(demo_revoked) == 1
        document = client.get(f"/api/v1/credentials/{demo_revoked[0]['id']}", headers=auth).json()[
            "credential"
        ]
        assert "status.revoked" in _failures(_verify(client, document))
