"""The verification matrix on credentials and presentations signed by Digital Bazaar's
reference JavaScript libraries (``dbvc.mjs make-fixtures``): each case reaches the right
verdict and problem code through lerkit's one verification entry point
(``Verifier.verify_any``), through ``lerkit verify --json`` (exit codes), and through
``POST /api/v1/verify`` with the explanations in French.

Cases: valid (three suites), tampered subject, tampered proof, wrong key (the proof names
the issuer's key but another key signed), issuer not the key's controller, expired, not yet
valid, unknown context, revoked by status list (and not revoked), presentation valid, with
the wrong challenge, with the wrong domain, signed by someone other than its holder.
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from interop.node import make_fixtures, node_available
from interop.test_interop_js_to_lerkit import lerkit_command
from lerkit.bootstrap.trust import build_any_verifier
from lerkit.config import Settings
from lerkit.core.report import Verdict
from support import load_json, require

pytestmark = pytest.mark.interop

NOW = datetime(2025, 1, 1, tzinfo=UTC)

# case -> (manifest case it derives from, how to derive it, expected verdict, expected code)
MATRIX: dict[str, tuple[str, str | None, str, str | None]] = {
    "valid eddsa-rdfc-2022": ("valid", None, "valid", None),
    "valid Ed25519Signature2020": ("valid-2020", None, "valid", None),
    "valid ecdsa-rdfc-2019 P-256": ("valid-ecdsa-p256", None, "valid", None),
    "tampered subject": ("tampered", None, "invalid", "proof.invalid"),
    "tampered proof": ("valid", "proof-value", "invalid", "proof.invalid"),
    "wrong key": ("wrong-key", "claim-issuer-key", "invalid", "proof.invalid"),
    "issuer not the key's controller": ("wrong-key", None, "invalid", "issuer.key_not_controlled"),
    "expired": ("expired", None, "invalid", "validity.expired"),
    "not yet valid": ("not-yet-valid", None, "invalid", "validity.not_yet_valid"),
    "unknown context": ("unknown-context", None, "invalid", "context.unknown"),
    "revoked by status list": ("revoked", None, "invalid", "status.revoked"),
    "not revoked": ("not-revoked", None, "valid", None),
    "presentation": ("vp", None, "valid", None),
    "presentation, wrong challenge": (
        "vp-wrong-challenge",
        None,
        "invalid",
        "proof.challenge_mismatch",
    ),
    "presentation, wrong domain": ("vp-wrong-domain", None, "invalid", "proof.domain_mismatch"),
    "presentation, not signed by its holder": (
        "vp-wrong-holder",
        None,
        "invalid",
        "holder.key_not_controlled",
    ),
}
EXIT = {"valid": 0, "invalid": 1, "indeterminate": 3}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    require(node_available(), "Node with tests/interop/node_modules")
    out = tmp_path_factory.mktemp("dbvc-matrix")
    manifest = make_fixtures(out)
    return out, {c["name"]: c for c in manifest["cases"]}


def _case(
    fixtures: tuple[Path, dict[str, Any]], name: str
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    out, cases = fixtures
    source, derive, _verdict, _code = MATRIX[name]
    case = cases[source]
    document = load_json(out / case["file"])
    if derive == "proof-value":
        document = copy.deepcopy(document)
        value = document["proof"]["proofValue"]
        document["proof"]["proofValue"] = value[:-4] + ("2222" if value[-4:] != "2222" else "3333")
    elif derive == "claim-issuer-key":
        # signed by the other key, but the proof says it is the issuer's key
        document = copy.deepcopy(document)
        issuer = (
            document["issuer"]["id"] if isinstance(document["issuer"], dict) else document["issuer"]
        )
        document["proof"]["verificationMethod"] = f"{issuer}#{issuer.removeprefix('did:key:')}"
    resources = {url: load_json(out / file) for url, file in case.get("resources", {}).items()}
    return document, resources, case


def _codes(report: dict[str, Any]) -> list[str]:
    out = [c["code"] for c in report["checks"] if c["status"] != "pass" and "code" in c]
    for sub in report.get("credentials", []):
        out += _codes(sub)
    return out


def _assert(report: dict[str, Any], name: str) -> None:
    _source, _derive, verdict, code = MATRIX[name]
    assert report["verdict"] == verdict, (name, report)
    if code is None:
        assert [c for c in _codes(report) if c != "schema.status_array"] == [], report
    else:
        assert code in _codes(report), (name, report)


@pytest.mark.parametrize("name", list(MATRIX))
def test_verify_any(fixtures: tuple[Path, dict[str, Any]], name: str) -> None:
    document, resources, case = _case(fixtures, name)
    verifier = build_any_verifier(Settings(), resources=resources)
    report = verifier.verify_any(
        document, challenge=case.get("challenge"), domain=case.get("domain"), now=NOW, lang="fr"
    )
    out = report.to_json()
    _assert(out, name)
    assert all(c["explanation"] for c in out["checks"])
    assert (report.verdict is Verdict.VALID) is (MATRIX[name][2] == "valid")


CLI_CASES = [
    "valid eddsa-rdfc-2022",
    "tampered proof",
    "issuer not the key's controller",
    "expired",
    "revoked by status list",
    "presentation, wrong challenge",
]


@pytest.mark.parametrize("name", CLI_CASES)
def test_lerkit_verify_command(
    fixtures: tuple[Path, dict[str, Any]], name: str, tmp_path: Path
) -> None:
    document, _resources, case = _case(fixtures, name)
    out, _cases = fixtures
    path = tmp_path / "document.json"
    path.write_text(json.dumps(document), "utf-8")
    args = [*lerkit_command(), "verify", str(path), "--json", "--now", "2025-01-01T00:00:00Z"]
    for url, file in case.get("resources", {}).items():
        args += ["--resource", f"{url}={out / file}"]
    if case.get("challenge"):
        args += [f"--challenge={case['challenge']}"]
    if case.get("domain"):
        args += [f"--domain={case['domain']}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(proc.stdout)
    _assert(report, name)
    assert proc.returncode == EXIT[MATRIX[name][2]], proc.stderr


def test_a_folder_of_js_signed_credentials(
    fixtures: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """``lerkit verify FOLDER``: a summary table, a JSON report, the worst exit code."""
    out, cases = fixtures
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("valid", "valid-2020", "tampered", "expired", "wrong-key"):
        (folder / f"{name}.json").write_text(
            (out / cases[name]["file"]).read_text("utf-8"), "utf-8"
        )
    (folder / "broken.json").write_text("{not json", "utf-8")
    report_file = tmp_path / "report.json"
    proc = subprocess.run(
        [
            *lerkit_command(),
            "verify",
            str(folder),
            "--json-out",
            str(report_file),
            "--now",
            "2025-01-01T00:00:00Z",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # some are invalid
    assert "Verification summary" in proc.stdout
    assert "6 file(s): 2 valid, 3 invalid" in proc.stdout
    report = json.loads(report_file.read_text("utf-8"))
    assert report["summary"] == {
        "total": 6,
        "valid": 2,
        "invalid": 3,
        "indeterminate": 0,
        "error": 1,
    }
    verdicts = {item["file"]: item["verdict"] for item in report["items"]}
    assert verdicts == {
        "broken.json": "error",
        "expired.json": "invalid",
        "tampered.json": "invalid",
        "valid-2020.json": "valid",
        "valid.json": "valid",
        "wrong-key.json": "invalid",
    }
    tampered = next(i for i in report["items"] if i["file"] == "tampered.json")
    assert "proof.invalid" in tampered["codes"]


# ----------------------------------------------------------------------------- SD-JWT VC
# issued and presented by the OpenWallet Foundation's sd-jwt-js (tests/interop/sdjwt.mjs)

SD_CASES = {
    "key binding for this request": ("right", "valid", None),
    "replayed nonce": ("wrong-nonce", "invalid", "sdjwt.key_binding_invalid"),
    "another audience": ("wrong-aud", "invalid", "sdjwt.key_binding_invalid"),
    "disclosure changed": ("tampered", "invalid", "sdjwt.digest_mismatch"),
    "no key binding when a challenge is asked": ("no-kb", "invalid", "sdjwt.key_binding_missing"),
}


@pytest.mark.parametrize("name", list(SD_CASES))
def test_sd_jwt_vc_by_sd_jwt_js(name: str) -> None:
    from interop.test_interop_sdjwt import AUD, NONCE, _available, _js_credential, _ts, sdjwt_js
    from interop.test_interop_sdjwt import NOW as SD_NOW
    from lerkit.core.keys import KeyType
    from lerkit.core.sdjwt import decode_disclosure, encode_disclosure

    require(_available(), "Node with @sd-jwt/sd-jwt-vc in tests/interop/node_modules")
    variant, verdict, code = SD_CASES[name]
    _issuer, holder, credential = _js_credential(KeyType.ED25519)
    presentation = credential
    if variant != "no-kb":
        presentation = sdjwt_js(
            "present",
            {
                "credential": credential,
                "frame": {"given_name": True},
                "holder_jwk": holder.private_jwk,
                "aud": AUD,
                "nonce": NONCE,
                "iat": _ts(SD_NOW),
            },
        )["presentation"]
    if variant == "tampered":
        jwt, *disclosures, kb = presentation.split("~")
        forged = []
        for text in disclosures:
            d = decode_disclosure(text)
            forged.append(
                encode_disclosure(d.salt, d.name, "Eve") if d.name == "given_name" else text
            )
        presentation = "~".join([jwt, *forged, kb])
    nonce = "replayed" if variant == "wrong-nonce" else NONCE
    aud = "https://elsewhere.example" if variant == "wrong-aud" else AUD
    report = build_any_verifier(Settings()).verify_any(
        presentation, challenge=nonce, domain=aud, now=SD_NOW
    )
    assert report.format == "sd-jwt"
    assert str(report.verdict) == verdict, report.to_json()
    if code is None:
        assert report.document is not None
        assert report.document["given_name"] == "Ada"
        assert "family_name" not in report.document
    else:
        assert code in report.codes, report.to_json()
