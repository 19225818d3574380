"""``lerkit trust registry ...`` on the database (SQLite and PostgreSQL), and ``lerkit verify``
/ ``lerkit credential verify`` with ``--registry FILE`` (in process: ``lerkit.cli.main.run``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.conftest import make_tenant
from functional.conftest import invoke
from lerkit.bootstrap import build_services
from lerkit.config import Settings
from lerkit.core.issuer import issue
from lerkit.db.session import Database
from unit.test_verify import ISSUED, ISSUER, ISSUER_KEY, ISSUER_VM, LIST_URL, _badge, _list


@pytest.fixture
def env(tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LERKIT_DATABASE_URL", db.url)
    monkeypatch.setenv("LERKIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LERKIT_PUBLIC_URL", "https://cli.test")
    monkeypatch.setenv("LERKIT_SECRET_KEY", "3" * 64)
    services = build_services(Settings.from_env(), db)
    try:
        make_tenant(services, "agency")
    finally:
        services.close()
    return tmp_path


def _json(result: Any) -> Any:
    assert result.code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_registry_commands(env: Path) -> None:
    created = _json(
        invoke(
            [
                "trust",
                "registry",
                "create",
                "national",
                "--org",
                "agency",
                "--root",
                "did:example:root",
                "--publish",
            ]
        )
    )
    assert created["publicUrl"] == "https://cli.test/trust/agency/national"
    entry = _json(
        invoke(
            [
                "trust",
                "registry",
                "add",
                "national",
                "--org",
                "agency",
                "--did",
                ISSUER,
                "--name",
                "Demo issuer",
                "--type",
                "OpenBadgeCredential",
                "--valid-until",
                "2099-01-01T00:00:00Z",
            ]
        )
    )
    assert entry["credentialTypes"] == ["OpenBadgeCredential"]
    listed = invoke(["trust", "registry", "list", "--org", "agency"])
    assert listed.code == 0
    assert "national" in listed.stdout
    out = env / "national.json"
    assert (
        invoke(
            ["trust", "registry", "export", "national", "--org", "agency", "--out", str(out)]
        ).code
        == 0
    )
    document = json.loads(out.read_text("utf-8"))
    assert document["type"] == "LerkitTrustRegistry"
    assert document["entries"][0]["did"] == ISSUER
    copied = _json(invoke(["trust", "registry", "import", "copy", str(out), "--org", "agency"]))
    assert copied["entries"] == 1
    assert invoke(["trust", "registry", "remove", "copy", ISSUER, "--org", "agency"]).code == 0
    assert (
        _json(invoke(["trust", "registry", "export", "copy", "--org", "agency"]))["entries"] == []
    )
    assert _json(invoke(["trust", "registry", "refresh", "copy", "--org", "agency"])) == []
    # errors: one line, exit 2
    for argv in (
        ["trust", "registry", "list", "--org", "nobody"],
        ["trust", "registry", "create", "national", "--org", "agency"],
        ["trust", "registry", "add", "national", "--org", "agency", "--did", "not-a-did"],
        [
            "trust",
            "registry",
            "subscribe",
            "national",
            "https://127.0.0.1/r.json",
            "--org",
            "agency",
        ],
    ):
        result = invoke(argv)
        assert result.code == 2, (argv, result.stdout, result.stderr)
        assert result.stderr.strip().count("\n") == 0, result.stderr


def test_verify_with_a_registry_file(env: Path) -> None:
    signed = issue(_badge(), ISSUER_KEY, verification_method=ISSUER_VM, created=ISSUED)
    credential = env / "badge.json"
    credential.write_text(json.dumps(signed), "utf-8")
    status_list = env / "list.json"
    status_list.write_text(json.dumps(_list()), "utf-8")
    trusted = env / "trusted.json"
    trusted.write_text(
        json.dumps(
            {
                "type": "LerkitTrustRegistry",
                "name": "employers",
                "entries": [{"did": ISSUER, "credentialTypes": ["OpenBadgeCredential"]}],
            }
        ),
        "utf-8",
    )
    dcc = env / "dcc.json"
    dcc.write_text(
        json.dumps({"meta": {}, "registry": {"did:web:someone.example": {"name": "x"}}}), "utf-8"
    )
    base = ["--resource", f"{LIST_URL}={status_list}", "--now", "2024-06-01T00:00:00Z"]
    report = _json(invoke(["verify", str(credential), "--json", "--registry", str(trusted), *base]))
    trust = next(c for c in report["checks"] if c["check"] == "trust")
    assert trust["status"] == "pass"
    assert "employers" in trust["message"]
    result = invoke(
        ["verify", str(credential), "--json", "--lang", "fr", "--registry", str(dcc), *base]
    )
    assert result.code == 0  # not recognised is a warning: still valid
    report = json.loads(result.stdout)
    trust = next(c for c in report["checks"] if c["check"] == "trust")
    assert trust["code"] == "issuer.untrusted"
    assert "registre de confiance" in trust["explanation"]
    result = invoke(
        ["credential", "verify", str(credential), "--json", "--registry", str(trusted), *base]
    )
    assert result.code == 0
    assert any(
        c["check"] == "trust" and c["status"] == "pass" for c in json.loads(result.stdout)["checks"]
    )
    human = invoke(["verify", str(credential), "--registry", str(trusted), *base])
    assert human.code == 0
    assert "trust" in human.stdout
    assert "genuine" in human.stdout
    bad = env / "bad.json"
    bad.write_text('{"hello": 1}', "utf-8")
    result = invoke(["verify", str(credential), "--registry", str(bad), *base])
    assert result.code == 2
    assert "trust.registry_invalid" in result.stderr
    result = invoke(["verify", str(credential), "--registry", str(env / "missing.json"), *base])
    assert result.code == 2
    assert "trust.registry_unavailable" in result.stderr
    result = invoke(["verify", str(credential), "--lang", "de"])
    assert result.code == 2
