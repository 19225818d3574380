"""``lerkit oid4vp request|show|list`` against a real server (uvicorn in a thread, the API
suite's database), run as a user would (``python -m lerkit.cli`` subprocesses): a request
from a template and from a DCQL file, its link and QR code, and ``show`` following it from
pending (exit 3) to verified (exit 0) once lerkit's wallet has answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.conftest import make_tenant
from integration.test_claims_service import free_port
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from oid4vp_support import SKILL_URL, hold, holder_with_did, issue_to

pytestmark = pytest.mark.network


@pytest.fixture
def server(tmp_path: Path, db: Database) -> Iterator[tuple[Services, str]]:
    port = free_port()
    base = f"http://localhost:{port}"
    services = build_services(Settings(data_dir=tmp_path, database_url=db.url, public_url=base), db)
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="error")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    try:
        yield services, base
    finally:
        running.should_exit = True
        thread.join(10)
        services.close()


def _lerkit(base: str, key: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    env.update(LERKIT_API_URL=base, LERKIT_API_KEY=key, NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "lerkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_request_show_list(server: tuple[Services, str], tmp_path: Path) -> None:
    services, base = server
    college = make_tenant(services, "college")
    employer = make_tenant(services, "employer")
    made = _lerkit(
        base,
        employer.token,
        "oid4vp",
        "request",
        "--template",
        "ob3-skill",
        "--skill",
        SKILL_URL,
        "--trusted-issuer",
        college.did,
        "--purpose",
        "Analyst job",
        "--json",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    request: dict[str, Any] = json.loads(made.stdout)
    assert request["template"] == "ob3-skill"
    assert request["trustedIssuers"] == [college.did]
    pending = _lerkit(base, employer.token, "oid4vp", "show", request["id"], cwd=tmp_path)
    assert pending.returncode == 3
    assert "pending" in pending.stdout

    with httpx.Client(base_url=base, timeout=60) as http:
        holder, did = holder_with_did(http)
        hold(http, holder, issue_to(http, college.headers, did))
    token = holder["Authorization"].split()[1]
    refused = _lerkit(base, employer.token, "oid4vp", "present", request["link"], cwd=tmp_path)
    assert refused.returncode == 2  # an organization's key is not a holder token
    no_tty = _lerkit(base, "", "oid4vp", "present", request["link"], "--token", token, cwd=tmp_path)
    assert no_tty.returncode == 2  # no terminal to confirm on, and no --yes
    assert "--yes" in no_tty.stderr
    assert "Organization EMPLOYER asks for credentials" in no_tty.stdout
    assert SKILL_URL in no_tty.stdout
    assert "WHOLE credential" in no_tty.stdout
    presented = _lerkit(
        base, "", "oid4vp", "present", request["link"], "--yes", "--token", token, cwd=tmp_path
    )
    assert presented.returncode == 0, presented.stdout + presented.stderr
    assert "shared (the verifier answered HTTP 200)" in presented.stdout
    shown = _lerkit(
        base, employer.token, "oid4vp", "show", request["id"], "--wait", "5", cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "verified" in shown.stdout
    assert SKILL_URL in shown.stdout
    assert college.did in shown.stdout

    query = {
        "credentials": [
            {"id": "x", "format": "ldp_vc", "meta": {"type_values": [["OpenBadgeCredential"]]}}
        ]
    }
    (tmp_path / "query.json").write_text(json.dumps(query))
    human = _lerkit(base, employer.token, "oid4vp", "request", "--dcql", "query.json", cwd=tmp_path)
    assert human.returncode == 0, human.stderr
    assert "openid4vp://?client_id=decentralized_identifier%3A" in human.stdout
    assert "█" in human.stdout or "▀" in human.stdout  # the QR code
    listed = _lerkit(
        base, employer.token, "oid4vp", "list", "--status", "verified", "--json", cwd=tmp_path
    )
    assert [r["id"] for r in json.loads(listed.stdout)] == [request["id"]]

    (tmp_path / "bad.json").write_text('{"credentials": []}')
    bad = _lerkit(base, employer.token, "oid4vp", "request", "--dcql", "bad.json", cwd=tmp_path)
    assert bad.returncode == 2
    assert "dcql.invalid" in bad.stderr
    both = _lerkit(base, employer.token, "oid4vp", "request", cwd=tmp_path)
    assert both.returncode == 2

    # the holder's side is also under `lerkit wallet` (an alias of `oid4vp present`)
    made = _lerkit(
        base, employer.token, "oid4vp", "request", "--dcql", "query.json", "--json", cwd=tmp_path
    )
    second = json.loads(made.stdout)
    declined = _lerkit(
        base, "", "wallet", "present", second["link"], "--decline", "--token", token, cwd=tmp_path
    )
    assert declined.returncode == 0, declined.stdout + declined.stderr
    assert declined.stdout.strip().endswith("declined (the verifier answered HTTP 200)")
    after = _lerkit(base, employer.token, "oid4vp", "show", second["id"], "--json", cwd=tmp_path)
    assert json.loads(after.stdout)["status"] == "rejected"
