"""Digital Bazaar signs, lerkit verifies.

``dbvc.mjs make-fixtures`` signs the interop fixtures with Digital Bazaar's libraries (one
run per module). lerkit must reach the verdict the manifest expects of it on each one, both
through the real command line (``lerkit credential verify`` / ``lerkit presentation verify
--json``, as a subprocess: exit code and problem code) and through the Python API
(``build_verifier``). Where lerkit is stricter than the JS libraries (a presentation whose
holder did not sign it), the manifest says so and lerkit's verdict is the one asserted.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from interop.node import make_fixtures, node_available, run_dbvc
from lerkit.bootstrap import build_verifier
from lerkit.config import Settings
from support import load_json, require

pytestmark = pytest.mark.interop

NOW = "2025-01-01T00:00:00Z"
EXIT_CODES = {"valid": 0, "invalid": 1, "indeterminate": 3}

# manifest case -> the problem code lerkit must report ("valid": none). The verdict is
# "valid" or "invalid", except for the cases in INDETERMINATE.
EXPECTED: dict[str, str] = {
    "valid": "valid",
    "valid-2020": "valid",
    "valid-ecdsa-p256": "valid",
    "tampered": "proof.invalid",
    "wrong-key": "issuer.key_not_controlled",
    "expired": "validity.expired",
    "not-yet-valid": "validity.not_yet_valid",
    "unknown-context": "context.unknown",
    "revoked": "status.revoked",
    "not-revoked": "valid",
    "status-list": "valid",
    "vp": "valid",
    "vp-wrong-challenge": "proof.challenge_mismatch",
    "vp-wrong-domain": "proof.domain_mismatch",
    # DB's vc.verify accepts it; lerkit checks that the holder controls the proof's key
    "vp-wrong-holder": "holder.key_not_controlled",
}


# An unknown context is "could not check" (verdict indeterminate, exit 3), not "invalid":
# lerkit never fetches a context, so it cannot process the document at all (verify.py,
# _contexts_check). Digital Bazaar's verifier refuses it too; either way it is not valid.
INDETERMINATE: set[str] = set()  # an unknown context is refused: invalid, like JS


def verdict_of(name: str) -> str:
    if EXPECTED[name] == "valid":
        return "valid"
    return "indeterminate" if name in INDETERMINATE else "invalid"


def lerkit_command() -> list[str]:
    """The installed ``lerkit`` script (entry point ``lerkit.cli.main:run``) of this venv."""
    script = Path(sys.executable).with_name("lerkit")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from lerkit.cli.main import run; run()"]


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    require(node_available(), "Node with tests/interop/node_modules")
    out = tmp_path_factory.mktemp("dbvc-fixtures")
    manifest = make_fixtures(out)
    assert {c["name"] for c in manifest["cases"]} == set(EXPECTED)
    return out, manifest


def _case(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    cases: dict[str, dict[str, Any]] = {c["name"]: c for c in manifest["cases"]}
    assert name in cases, f"manifest has no case {name!r}"
    return cases[name]


def codes_of(report: dict[str, Any]) -> list[str]:
    """Problem codes of the report's failed / uncheckable / warning checks, in order."""
    return [
        c["code"]
        for c in report["checks"]
        if c["status"] in ("fail", "could_not_check", "warning") and "code" in c
    ]


def cli_args(case: dict[str, Any], out: Path) -> list[str]:
    presentation = case["kind"] == "presentation"
    args = ["presentation" if presentation else "credential", "verify", str(out / case["file"])]
    args += ["--json", "--now", NOW]
    for url, file in case.get("resources", {}).items():
        args += ["--resource", f"{url}={out / file}"]
    if presentation:
        args += [f"--challenge={case['challenge']}"]
        if case.get("domain"):
            args += [f"--domain={case['domain']}"]
    return args


def assert_verdict(report: dict[str, Any], name: str) -> None:
    expected = EXPECTED[name]
    if expected == "valid":
        assert report["verified"] is True, report
        assert report["verdict"] == "valid", report
        assert codes_of(report) == [], report
        for sub in report.get("credentials", []):
            assert sub["verdict"] == "valid", sub
    else:
        assert report["verified"] is False, report
        assert report["verdict"] == verdict_of(name), report
        assert expected in codes_of(report), report


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_manifest_expects_what_we_expect(fixtures: tuple[Path, dict[str, Any]], name: str) -> None:
    _, manifest = fixtures
    case = _case(manifest, name)
    assert case["verified"] is (EXPECTED[name] == "valid")
    assert case["problem"] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_verdict(fixtures: tuple[Path, dict[str, Any]], name: str) -> None:
    out, manifest = fixtures
    case = _case(manifest, name)
    proc = subprocess.run(
        [*lerkit_command(), *cli_args(case, out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in EXIT_CODES.values(), (proc.returncode, proc.stderr)
    report = json.loads(proc.stdout)
    assert proc.returncode == EXIT_CODES[verdict_of(name)], report
    assert report["kind"] == case["kind"]
    assert report["format"] == "ldp"
    assert_verdict(report, name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_verdict(fixtures: tuple[Path, dict[str, Any]], name: str) -> None:
    out, manifest = fixtures
    case = _case(manifest, name)
    resources = {url: load_json(out / file) for url, file in case.get("resources", {}).items()}
    verifier = build_verifier(Settings(), resources=resources)
    document = load_json(out / case["file"])
    now = datetime.fromisoformat(NOW)
    if case["kind"] == "presentation":
        report = verifier.verify_presentation(
            document, challenge=case["challenge"], domain=case.get("domain"), now=now
        )
    else:
        report = verifier.verify_credential(document, now=now)
    assert_verdict(report.to_json(), name)
    if EXPECTED[name] != "valid":
        assert EXPECTED[name] in report.codes


def test_ecdsa_fixture_is_p256(fixtures: tuple[Path, dict[str, Any]]) -> None:
    """The ECDSA fixture really is a P-256 did:key proof by the JS side's ecdsa-rdfc-2019."""
    out, manifest = fixtures
    proof = load_json(out / _case(manifest, "valid-ecdsa-p256")["file"])["proof"]
    assert proof["cryptosuite"] == "ecdsa-rdfc-2019"
    assert proof["verificationMethod"].startswith(f"{manifest['dids']['issuerP256']}#zDna")


def test_time_dependent_cases_pass_without_now(fixtures: tuple[Path, dict[str, Any]]) -> None:
    """`--now` only pins the clock: today the same fixtures get the same verdicts."""
    out, manifest = fixtures
    verifier = build_verifier(Settings())
    for name in ("valid", "expired", "not-yet-valid"):
        report = verifier.verify_credential(load_json(out / _case(manifest, name)["file"]))
        assert_verdict(report.to_json(), name)
    assert datetime.now(UTC).year < 2099  # not-yet-valid is valid from 2099


def test_p384_credential_and_presentation(
    fixtures: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """The fixtures have no P-384 proof: Digital Bazaar signs one (and a P-384 presentation)."""
    out, manifest = fixtures
    key = run_dbvc(["keygen", "--type", "p384", "--seed", "5c" * 48])
    assert key["publicKeyMultibase"].startswith("z82L")
    key_path = tmp_path / "p384.json"
    key_path.write_text(json.dumps(key), "utf-8")
    key_file = str(key_path)
    unsigned = load_json(out / _case(manifest, "valid")["file"])
    del unsigned["proof"]
    unsigned["issuer"]["id"] = key["did"]
    signed = run_dbvc(
        ["sign-vc", "--key", key_file, "--suite", "ecdsa-rdfc-2019", "--created", NOW], unsigned
    )
    sign_vp = ["sign-vp", "--key", key_file, "--suite", "ecdsa-rdfc-2019", "--created", NOW]
    vp = run_dbvc(
        [*sign_vp, "--challenge", "c-384", "--domain", "example.org"],
        {"verifiableCredential": [signed], "holder": key["did"]},
    )
    verifier = build_verifier(Settings())
    now = datetime.fromisoformat(NOW)
    report = verifier.verify_credential(signed, now=now)
    assert report.verified, report.to_json()
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Tampered"
    assert "proof.invalid" in verifier.verify_credential(tampered, now=now).codes
    report = verifier.verify_presentation(vp, challenge="c-384", domain="example.org", now=now)
    assert report.verified, report.to_json()
    report = verifier.verify_presentation(vp, challenge="c-999", domain="example.org", now=now)
    assert "proof.challenge_mismatch" in report.codes, report.to_json()
