"""The API commands end to end: a real ``lerkit serve`` subprocess on a free port (SQLite
under a temporary data dir), driven by ``python -m lerkit.cli`` subprocesses as a user would.

The issue's "Done means" path: create an achievement, issue it to an email address, list
it, revoke it with a reason, and watch ``lerkit credential verify --allow-network`` (which
fetches the status list from the server) go from valid to revoked.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.network


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    env.update(NO_COLOR="1", COLUMNS="200", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


@dataclass
class Server:
    url: str
    api_key: str
    workdir: Path
    result: Any  # support's Result (from the ``kit`` fixture)

    def run(self, *args: str | Path, key: str | None = None, **env: str) -> Any:
        """``lerkit ARGS`` against this server (``LERKIT_API_URL`` / ``LERKIT_API_KEY``)."""
        merged = _base_env(LERKIT_API_URL=self.url)
        merged["LERKIT_API_KEY"] = self.api_key if key is None else key
        merged.update(env)
        proc = subprocess.run(
            [sys.executable, "-m", "lerkit.cli", *map(str, args)],
            cwd=self.workdir,
            capture_output=True,
            timeout=60,
            env=merged,
            check=False,
        )
        return self.result(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"lerkit serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"lerkit serve did not answer /healthz in {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, kit: Any) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("lerkit-data")
    workdir = tmp_path_factory.mktemp("lerkit-cli")
    port = _free_port()
    url = f"http://localhost:{port}"
    env = _base_env(LERKIT_DATA_DIR=str(data), LERKIT_PUBLIC_URL=url)
    # did:key: a did:web is always resolved over https, and this server speaks plain http
    boot = subprocess.run(
        [sys.executable, "-m", "lerkit.cli", "admin", "bootstrap", "--org", "Test College",
         "--did-method", "key"],
        capture_output=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert boot.returncode == 0, boot.stderr.decode()
    lines = [ln for ln in boot.stdout.decode().splitlines() if ln.startswith("API key:")]
    assert len(lines) == 1, boot.stdout.decode()
    api_key = lines[0].split(":", 1)[1].strip()

    log = data / "serve.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lerkit.cli", "serve", "--port", str(port),
             "--no-migrate", "--log-level", "warning"],
            stdout=log_file, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        _wait_healthy(url, proc, log, timeout=45)
        yield Server(url, api_key, workdir, kit.Result)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def achievement(server: Server) -> str:
    r = server.run(
        "achievement", "create", "--name", "Data Analysis", "--description",
        "Cleans, explores and models data.", "--criteria", "Pass the capstone project.",
        "--tag", "data", "--alignment", "ESCO||https://esco.example/skill/1|data analysis",
        "--json",
    )  # fmt: skip
    assert r.code == 0, r.stderr
    created = r.json()
    assert created["name"] == "Data Analysis"
    assert created["alignments"][0]["targetName"] == "data analysis"
    return str(created["id"])


def test_issue_list_revoke_then_verify_says_revoked(server: Server, achievement: str) -> None:
    r = server.run("issue", achievement, "--to", "ada@example.org", "--out", "ada.json")
    assert r.code == 0, r.stderr
    credential_id = r.stdout.strip()
    assert credential_id.startswith("urn:uuid:")
    issued = json.loads((server.workdir / "ada.json").read_text())
    assert issued["id"] == credential_id

    listed = server.run("credential", "list", "--achievement", achievement, "--json")
    assert listed.code == 0, listed.stderr
    assert credential_id in [c["id"] for c in listed.json()["items"]]

    fetch_env = {"LERKIT_ALLOW_PRIVATE_FETCH": "1", "LERKIT_ALLOW_HTTP_FETCH": "1"}
    verify = ("credential", "verify", "ada.json", "--allow-network", "--json")
    before = server.run(*verify, **fetch_env)
    assert before.code == 0, before.stdout + before.stderr

    revoked = server.run("revoke", credential_id, "--reason", "issued in error")
    assert revoked.code == 0, revoked.stderr
    assert f"revoked {credential_id}" in revoked.stdout

    table = server.run("credential", "list", "--status", "revoked")
    assert table.code == 0, table.stderr
    assert credential_id in table.stdout
    assert "issued in error" in table.stdout

    after = server.run(*verify, **fetch_env)
    assert after.code == 1, after.stdout + after.stderr
    assert "status.revoked" in after.codes()


def test_bulk_dry_run_lists_row_errors_and_upload_shows_progress(
    server: Server, achievement: str
) -> None:
    bad = server.workdir / "bad.csv"
    bad.write_text("Name,Email\nAda,ada@example.org\nBob,bob@\n", "utf-8")
    dry = server.run("bulk", "upload", bad, "--achievement", achievement, "--dry-run")
    assert dry.code == 1, dry.stdout + dry.stderr
    assert "2 rows, 1 ready to issue" in dry.stdout
    assert "'bob@' is not an email address" in dry.stdout

    good = server.workdir / "good.csv"
    good.write_text(
        "Student,E-mail address\nAda,ada@bulk.example\nBob,bob@bulk.example\nCy,cy@bulk.example\n",
        "utf-8",
    )
    up = server.run(
        "bulk", "upload", good, "--achievement", achievement,
        "--map", "E-mail address=recipient_email", "--map", "Student=recipient_name",
        "--poll", "0.1",
    )  # fmt: skip
    assert up.code == 0, up.stdout + up.stderr
    assert "3/3" in up.stderr  # the progress bar (rendered once: stderr is not a terminal)
    assert "3 issued, 0 skipped, 0 failed" in up.stdout
    job_id = up.stdout.split()[1].rstrip(":")

    report = server.run("bulk", "report", job_id, "--out", "report.csv")
    assert report.code == 0, report.stderr
    with (server.workdir / "report.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["outcome"] for r in rows] == ["issued"] * 3
    recipients = {r["recipient"] for r in rows}
    assert recipients == {"ada@bulk.example", "bob@bulk.example", "cy@bulk.example"}


def test_api_key_is_shown_once_works_and_stops_when_revoked(server: Server) -> None:
    created = server.run("api-key", "create", "--name", "ci", "--role", "viewer", "--json")
    assert created.code == 0, created.stderr
    body = created.json()
    token, key_id = body["token"], body["id"]

    listed = server.run("api-key", "list")
    assert listed.code == 0, listed.stderr
    assert key_id in listed.stdout
    assert token not in listed.stdout + listed.stderr

    shown = server.run("org", "show", "--json", key=token)
    assert shown.code == 0, shown.stderr
    assert shown.json()["name"] == "Test College"

    assert server.run("api-key", "revoke", key_id).code == 0
    refused = server.run("org", "show", key=token)
    assert refused.code == 2
    assert "[request.unauthorized]" in refused.error_line()


def test_bad_key_is_one_line_exit_2_and_never_echoed(server: Server) -> None:
    bad = "lk_000000000000000000000000_not-a-real-secret"
    r = server.run("achievement", "list", key=bad)
    assert r.code == 2
    line = r.error_line()
    assert "[request.unauthorized]" in line
    assert bad not in r.stdout + r.stderr


def test_server_down_is_one_line_exit_2(server: Server) -> None:
    down = f"http://127.0.0.1:{_free_port()}"
    r = server.run("org", "show", LERKIT_API_URL=down)
    assert r.code == 2
    line = r.error_line()
    assert f"cannot reach the lerkit API at {down}" in line
    assert "is `lerkit serve` running?" in line


# ----------------------------------------------------------------------------- the client alone


def _mock_client(handler: Any) -> Any:
    from lerkit.cli.client import ApiClient

    return ApiClient.connect(
        "http://lerkit.test", "lk_test_secret", transport=httpx.MockTransport(handler)
    )


def test_client_turns_every_failure_into_one_api_error() -> None:
    from lerkit.cli.client import ApiError

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer lk_test_secret"
        problem = {"type": "t", "title": "x", "code": "request.invalid"}
        return {
            "/api/v1/proxy": httpx.Response(502, text="<html>bad gateway</html>"),
            "/api/v1/moved": httpx.Response(307, headers={"location": "https://elsewhere/"}),
            "/api/v1/gone": httpx.Response(
                404, json={**problem, "code": "request.not_found", "detail": "Not Found"}
            ),
            "/api/v1/invalid": httpx.Response(
                422,
                json={
                    **problem,
                    "detail": "the request is not valid",
                    "errors": [{"field": "name", "message": "is required"}],
                },
            ),
        }[request.url.path]

    with _mock_client(handler) as client:
        expected = {
            "/proxy": ("api.bad_response", "answered HTTP 502 without a problem report"),
            "/moved": ("api.bad_response", "redirects to https://elsewhere/"),
            "/gone": ("request.not_found", "has no GET /api/v1/gone"),
            "/invalid": ("request.invalid", "the request is not valid: name: is required"),
        }
        for path, (code, words) in expected.items():
            with pytest.raises(ApiError) as caught:
                client.get(path)
            assert caught.value.code == code
            assert words in caught.value.message
            assert "lk_test_secret" not in caught.value.message


@pytest.mark.parametrize("key", ["lk_secret with space", "lk_secret\nnewline", "lk_sécret", " "])
def test_a_malformed_key_is_refused_without_echoing_it(key: str) -> None:
    from lerkit.cli.client import ApiClient
    from lerkit.core.errors import InputError

    with pytest.raises(InputError) as caught:
        ApiClient.connect("http://lerkit.test", key)
    assert "secret" not in caught.value.message
