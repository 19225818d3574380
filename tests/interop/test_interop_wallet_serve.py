"""The wallet against a REAL ``lerkit serve`` (subprocess, SQLite), driven by the ``lerkit
wallet`` CLI as a holder would: sign up, receive OpenID4VCI offers of that server's issuer
over real HTTP in all three formats (with a transaction code), answer a VC-API exchange
(DIDAuth) through its interaction URL, import a VC-JWT file, list, show, verify, back up,
delete the account, sign up again, restore — every credential byte-identical — and export.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.test_vcapi import ACHIEVEMENT
from support import running_lerkit

pytestmark = pytest.mark.network
PASSWORD = "correct horse battery staple"
PASSPHRASE = "passphrase of the backup"


def lerkit(
    base: str, *args: str, token: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    merged = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    merged.update(
        NO_COLOR="1",
        COLUMNS="200",
        LERKIT_API_URL=base,
        LERKIT_WALLET_PASSWORD=PASSWORD,
        LERKIT_WALLET_PASSPHRASE=PASSPHRASE,
    )
    merged.update(env)
    if token:
        merged["LERKIT_WALLET_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "lerkit.cli", "wallet", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=merged,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_wallet_cli_against_a_real_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the server's wallet claims offers of the same server: on localhost, over http
    monkeypatch.setenv("LERKIT_ALLOW_PRIVATE_FETCH", "1")
    monkeypatch.setenv("LERKIT_ALLOW_HTTP_FETCH", "1")
    with (
        running_lerkit(tmp_path / "server") as (base, api_key),
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
        ) as org,
    ):
        achievement = org.post("/api/v1/achievements", json=ACHIEVEMENT).json()["id"]

        token = ok(lerkit(base, "signup", "--email", "ada@example.org", "--name", "Ada")).strip()
        assert token.startswith("lw_")
        refused = lerkit(base, "list")
        assert refused.returncode == 2
        assert "no holder token" in refused.stderr

        received: list[dict[str, Any]] = []
        for configuration in (
            "OpenBadgeCredential_ldp_vc",
            "OpenBadgeCredential_jwt_vc_json",
            "OpenBadgeCredential_dc+sd-jwt",
        ):
            offer = org.post(
                "/api/v1/offers",
                json={
                    "achievement": achievement,
                    "recipient": "ada@example.org",
                    "txCode": True,
                    "credentialConfigurationIds": [configuration],
                },
            ).json()
            if configuration.endswith("ldp_vc"):
                missing = lerkit(base, "receive", offer["offerUriByValue"], token=token)
                assert missing.returncode == 2
                assert "wallet.tx_code_required" in missing.stderr
            out = ok(
                lerkit(
                    base,
                    "receive",
                    offer["offerUri"],
                    "--tx-code",
                    offer["txCode"],
                    "--json",
                    token=token,
                )
            )
            [credential] = json.loads(out)["credentials"]
            assert credential["verdict"] == "valid", credential
            received.append(credential)
        assert [c["format"] for c in received] == ["ldp_vc", "jwt_vc", "sd_jwt_vc"]

        exchange = org.post(
            "/api/v1/exchanges", json={"achievement": achievement, "recipient": "ada"}
        ).json()
        out = ok(lerkit(base, "receive", exchange["interactionUrl"], "--json", token=token))
        [from_exchange] = json.loads(out)["credentials"]
        assert from_exchange["source"] == "exchange"
        assert from_exchange["verdict"] == "valid"

        jwt = org.post(
            "/api/v1/credentials",
            json={"achievement": achievement, "recipient": "ada@example.org", "format": "vc-jwt"},
        ).json()["credential"]
        jwt_file = tmp_path / "badge.jwt"
        jwt_file.write_text(jwt)
        shown = ok(lerkit(base, "import", str(jwt_file), token=token))
        assert "verified" in shown

        listing = json.loads(ok(lerkit(base, "list", "--json", token=token)))
        assert listing["total"] == 5
        table = ok(lerkit(base, "list", token=token))
        assert table.count("verified") == 5
        first = received[0]["id"]
        assert "proof" in ok(lerkit(base, "show", first, token=token))
        assert lerkit(base, "verify", first, token=token).returncode == 0
        assert lerkit(base, "show", "nope", token=token).returncode == 2

        documents = {
            c["id"]: json.loads(ok(lerkit(base, "show", c["id"], "--json", token=token)))[
                "document"
            ]
            for c in listing["credentials"]
        }
        archive = tmp_path / "wallet.lwb"
        ok(lerkit(base, "backup", str(archive), token=token))
        assert archive.stat().st_mode & 0o077 == 0
        assert b"ada@example.org" not in archive.read_bytes()
        assert lerkit(base, "delete", token=token).returncode == 2  # needs --yes without a terminal
        ok(lerkit(base, "delete", "--yes", token=token))
        assert lerkit(base, "list", token=token).returncode == 2

        fresh = ok(lerkit(base, "signup", "--email", "ada@example.org")).strip()
        wrong = lerkit(
            base, "restore", str(archive), token=fresh, LERKIT_WALLET_PASSPHRASE="wrong passphrase"
        )
        assert wrong.returncode == 2
        assert "wallet.backup_invalid" in wrong.stderr
        assert "5 credentials" in ok(lerkit(base, "restore", str(archive), token=fresh))
        for public_id, document in documents.items():
            again = json.loads(ok(lerkit(base, "show", public_id, "--json", token=fresh)))
            assert again["document"] == document
        # the restored key still answers DIDAuth: a new exchange issues to the same DID
        exchange = org.post(
            "/api/v1/exchanges", json={"achievement": achievement, "recipient": "ada"}
        ).json()
        out = ok(lerkit(base, "receive", exchange["exchangeUrl"], "--json", token=fresh))
        assert (
            json.loads(out)["credentials"][0]["summary"]["subject_id"]
            == from_exchange["summary"]["subject_id"]
        )

        export = tmp_path / "export.json"
        ok(lerkit(base, "export", "--out", str(export), token=fresh))
        exported = json.loads(export.read_text())
        assert len(exported["tables"]["wallet_credentials"]) == 6
        assert "password_hash" not in export.read_text()
        login = lerkit(base, "login", "--email", "ada@example.org")
        assert ok(login).strip().startswith("lw_")
