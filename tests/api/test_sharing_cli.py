"""``lerkit share``, ``lerkit consent`` and ``lerkit resume`` against a REAL ``lerkit serve``
(a holder token, as a person at a terminal uses them)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from lerkit.cli.main import run
from lerkit.services.wallet.resume import validate_ler_rs
from support import running_lerkit

pytestmark = pytest.mark.network


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        run(list(args))
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_share_consent_and_resume_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_lerkit(tmp_path) as (base, api_key):
        org = {"Authorization": f"Bearer {api_key}"}
        with httpx.Client(base_url=base, timeout=30) as http:
            achievement = http.post(
                "/api/v1/achievements",
                json={"name": "CLI Badge", "description": "d", "criteria": {"narrative": "n"}},
                headers=org,
            ).json()
            credential = http.post(
                "/api/v1/credentials",
                json={"achievement": achievement["id"], "recipient": "ada@example.org"},
                headers=org,
            ).json()
            signup = http.post(
                "/api/v1/wallet/signup",
                json={"email": "ada@example.org", "password": "correct horse battery staple"},
            )
            assert signup.status_code == 201, signup.text
            token = signup.json()["token"]
            holder = {"Authorization": f"Bearer {token}"}
            kept = http.post(
                "/api/v1/wallet/credentials",
                json={"document": credential["credential"]},
                headers=holder,
            )
            assert kept.status_code in (200, 201), kept.text
            credential_id = kept.json()["id"]

            monkeypatch.setenv("LERKIT_API_URL", base)
            monkeypatch.setenv("LERKIT_WALLET_TOKEN", token)
            code, out, err = cli(
                capsys,
                "share",
                "create",
                credential_id,
                "--to",
                "Grace",
                "--org",
                "Employer",
                "--days",
                "3",
            )
            assert code == 0, err
            url = out.strip()
            assert url.startswith(f"{base}/s/")
            assert "not the credentials'" in err
            shared = http.get(url, headers={"Accept": "application/json"}).json()
            assert len(shared["credentials"]) == 1

            code, out, _ = cli(capsys, "share", "list", "--json")
            shares: list[dict[str, Any]] = json.loads(out)
            assert code == 0
            assert [s["url"] for s in shares] == [url]
            share_id = shares[0]["id"]
            code, out, _ = cli(capsys, "share", "views", share_id, "--json")
            assert code == 0
            assert [v["kind"] for v in json.loads(out)] == ["json"]
            pdf_path = tmp_path / "credential.pdf"
            code, _, err = cli(
                capsys, "share", "pdf", share_id, credential_id, "--out", str(pdf_path)
            )
            assert code == 0, err
            assert url in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()

            code, out, _ = cli(capsys, "consent", "list", "--json")
            (entry,) = json.loads(out)
            assert entry["kind"] == "share"
            assert entry["active"] is True
            code, out, _ = cli(capsys, "share", "revoke", share_id)
            assert code == 0
            assert "revoked" in out
            assert http.get(url).status_code == 410
            code, out, _ = cli(capsys, "consent", "withdraw", entry["id"])
            assert code == 0  # already withdrawn with the link: still fine, idempotent

            code, out, err = cli(
                capsys,
                "resume",
                "create",
                "--title",
                "Jobs",
                "--credential",
                credential_id,
                "--skill",
                "SQL",
                "--job",
                "Analyst@Acme:2021-01:2023-06",
                "--about",
                "Hi",
            )
            assert code == 0, err
            resume_id = out.strip()
            json_path, pdf_path = tmp_path / "resume.json", tmp_path / "resume.pdf"
            code, _, err = cli(
                capsys,
                "resume",
                "export",
                resume_id,
                "--out",
                str(json_path),
                "--pdf",
                str(pdf_path),
            )
            assert code == 0, err
            document = json.loads(json_path.read_text("utf-8"))
            assert validate_ler_rs(document) == []
            reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
            assert json.loads(reader.attachments["resume.json"][0]) == document
            code, out, err = cli(
                capsys, "resume", "sign", resume_id, "--challenge", "c1", "--domain", "x.example"
            )
            assert code == 0, err
            verified = http.post(
                "/presentations/verify",
                json={
                    "verifiablePresentation": json.loads(out),
                    "options": {"challenge": "c1", "domain": "x.example"},
                },
            )
            assert verified.json()["verified"] is True, verified.text

            # errors: one line, exit 2
            code, _, err = cli(capsys, "share", "revoke", "nope")
            assert code == 2
            assert err.count("\n") == 1
            monkeypatch.setenv("LERKIT_WALLET_TOKEN", "lw_wrong")
            code, _, err = cli(capsys, "consent", "list")
            assert code == 2
            assert "request.unauthorized" in err
