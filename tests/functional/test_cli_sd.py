"""``lerkit credential sign --suite ecdsa-sd-2023`` and ``lerkit credential derive`` end to
end, as real subprocesses: the issuer signs a base proof, the holder lists what it can
reveal and derives, a verifier accepts the derived credential (exit 0) and refuses the base
one (exit 1, ``sd.base_proof``); bad pointers and a second derivation exit 2 with one line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lerkit.demo import demo_badge

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _issuer(cli: Any, tmp_path: Path) -> str:
    result = cli("key", "generate", "--type", "p256", "--out", "issuer.key")
    assert result.code == 0, result.stderr
    did: str = result.stdout.strip()
    badge = demo_badge(
        issuer_did=did,
        subject_did="did:example:ada",
        credential_id="urn:uuid:3b1e7a3c-5d2f-4e6a-9c8b-000000000099",
        valid_from=T0,
    )
    del badge["credentialStatus"]  # no status list offline
    (tmp_path / "badge.json").write_text(json.dumps(badge), "utf-8")
    return did


def test_sign_derive_verify(cli: Any, tmp_path: Path) -> None:
    _issuer(cli, tmp_path)
    signed = cli(
        "credential", "sign", "--key", "issuer.key", "--suite", "ecdsa-sd-2023", "badge.json"
    )
    assert signed.code == 0, signed.stderr
    base = signed.json()
    assert base["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    assert base["proof"]["proofValue"].startswith("u2V0A")  # 0xd9 0x5d 0x00: a base proof
    (tmp_path / "base.json").write_text(signed.stdout, "utf-8")

    listed = cli("credential", "derive", "base.json", "--list")
    assert listed.code == 0, listed.stderr
    pointers = listed.stdout.split()
    assert "/credentialSubject/result" in pointers
    assert "/issuer" not in pointers  # mandatory: always revealed

    derived = cli("credential", "derive", "base.json", "--reveal", "/credentialSubject/result")
    assert derived.code == 0, derived.stderr
    document = derived.json()
    assert document["proof"]["proofValue"].startswith("u2V0B")  # 0xd9 0x5d 0x01: derived
    assert "result" in document["credentialSubject"]
    assert "identifier" not in document["credentialSubject"]
    assert "evidence" not in document
    (tmp_path / "derived.json").write_text(derived.stdout, "utf-8")

    ok = cli("credential", "verify", "derived.json", "--json")
    assert ok.code == 0, ok.stdout
    refused = cli("credential", "verify", "base.json", "--json")
    assert refused.code == 1
    assert "sd.base_proof" in refused.codes()

    again = cli("credential", "derive", "derived.json", "--reveal", "/name")
    assert again.code == 2
    assert "sd.no_base_proof" in again.error_line()
    bad = cli("credential", "derive", "base.json", "--reveal", "/credentialSubject/nope")
    assert bad.code == 2
    assert "sd.pointer_invalid" in bad.error_line()


def test_mandatory_pointers_option(cli: Any, tmp_path: Path) -> None:
    _issuer(cli, tmp_path)
    signed = cli(
        "credential",
        "sign",
        "--key",
        "issuer.key",
        "--suite",
        "ecdsa-sd-2023",
        "--mandatory",
        "/issuer",
        "--mandatory",
        "/validFrom",
        "badge.json",
    )
    assert signed.code == 0, signed.stderr
    (tmp_path / "base.json").write_text(signed.stdout, "utf-8")
    derived = cli("credential", "derive", "base.json")
    assert derived.code == 0, derived.stderr
    assert set(derived.json()) == {"@context", "id", "type", "issuer", "validFrom", "proof"}
    wrong = cli("credential", "sign", "--key", "issuer.key", "--mandatory", "/issuer", "badge.json")
    assert wrong.code == 2
    assert "sd.pointer_invalid" in wrong.error_line()
