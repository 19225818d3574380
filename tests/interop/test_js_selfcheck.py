"""The reference JS side checks itself: Digital Bazaar's libraries sign the interop fixtures
(``dbvc.mjs make-fixtures``) and give the verdicts we expect of them on each one.

If these fail, the fixtures or the pinned JS libraries changed, not lerkit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interop.node import DbvcError, make_fixtures, node_available, run_dbvc, verify_args
from support import load_json, require

pytestmark = pytest.mark.interop

# name -> (verified, problem) as Digital Bazaar's vc 7.3.0 sees it
JS_VERDICTS: dict[str, tuple[bool, str]] = {
    "valid": (True, "valid"),
    "valid-2020": (True, "valid"),
    "valid-ecdsa-p256": (True, "valid"),
    "tampered": (False, "proof.invalid"),
    "wrong-key": (False, "issuer.key_not_controlled"),
    "expired": (False, "validity.expired"),
    "not-yet-valid": (False, "validity.not_yet_valid"),
    "unknown-context": (False, "context.unknown"),
    "revoked": (False, "status.revoked"),
    "not-revoked": (True, "valid"),
    "status-list": (True, "valid"),
    "vp": (True, "valid"),
    "vp-wrong-challenge": (False, "proof.challenge_mismatch"),
    "vp-wrong-domain": (False, "proof.domain_mismatch"),
    # DB's vc.verify does not check the holder against the proof's key (lerkit does)
    "vp-wrong-holder": (True, "valid"),
}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    require(node_available(), "Node with tests/interop/node_modules")
    out = tmp_path_factory.mktemp("dbvc-fixtures")
    return out, make_fixtures(out)


def _case(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    cases: dict[str, dict[str, Any]] = {c["name"]: c for c in manifest["cases"]}
    assert name in cases, f"manifest has no case {name!r}"
    return cases[name]


def test_manifest_lists_every_case(fixtures: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = fixtures
    assert {c["name"] for c in manifest["cases"]} == set(JS_VERDICTS)
    for case in manifest["cases"]:
        assert (out / case["file"]).is_file(), case["file"]
        for file in case.get("resources", {}).values():
            assert (out / file).is_file(), file
    for file in manifest["keys"].values():
        key = load_json(out / file)
        assert key["did"] == f"did:key:{key['publicKeyMultibase']}"


@pytest.mark.parametrize("name", sorted(JS_VERDICTS))
def test_js_verdict(fixtures: tuple[Path, dict[str, Any]], name: str) -> None:
    out, manifest = fixtures
    case = _case(manifest, name)
    js = case.get("js", case)
    assert (js["verified"], js["problem"]) == JS_VERDICTS[name], "manifest disagrees"
    result = run_dbvc(verify_args(case, out), load_json(out / case["file"]))
    assert (result["verified"], result["problem"]) == JS_VERDICTS[name], result
    assert bool(result["errors"]) is not result["verified"], result


def test_fixtures_are_deterministic(fixtures: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, manifest = fixtures
    again = make_fixtures(tmp_path)
    assert again["dids"] == manifest["dids"]
    for case in manifest["cases"]:
        if case["suite"] == "ecdsa-rdfc-2019":
            continue  # ECDSA signatures are randomised
        first = load_json(out / case["file"])
        second = load_json(tmp_path / case["file"])
        assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True), case["file"]


def test_dbvc_failure_raises() -> None:
    require(node_available(), "Node with tests/interop/node_modules")
    with pytest.raises(DbvcError, match="--type must be"):
        run_dbvc(["keygen", "--type", "rsa"])
