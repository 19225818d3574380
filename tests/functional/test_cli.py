"""The ``lerkit`` command line end to end: every command as a real subprocess
(``python -m lerkit.cli``), its exit code (docs/cli.md), what it prints and the files it writes.

Exit codes: 0 ok / valid, 1 invalid, 2 usage or unreadable input (one ``error:`` line on
stderr), 3 could not check, 70 internal error (never expected here).
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lerkit.core.keys import KeyType
from lerkit.demo import DEMO_STATUS_LIST_URL

DID_KEY = re.compile(r"^did:key:z[1-9A-HJ-NP-Za-km-z]+$")
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")

# ----------------------------------------------------------------------------- misc


def test_version(cli: Any) -> None:
    from lerkit import __version__

    result = cli("--version")
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == f"lerkit {__version__}"


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ((), ["key", "did", "credential", "presentation", "status-list", "contexts", "tour"]),
        (("key",), ["generate"]),
        (("did",), ["resolve"]),
        (("credential",), ["sign", "verify"]),
        (("presentation",), ["create", "verify"]),
        (("status-list",), ["create", "set", "check"]),
        (("credential", "verify"), ["--resource", "--allow-network", "--now", "--json"]),
    ],
)
def test_help(cli: Any, group: tuple[str, ...], commands: list[str]) -> None:
    result = cli(*group, "--help")
    assert result.code == 0, result.stderr
    assert "Usage: lerkit" in result.stdout
    for command in commands:
        assert command in result.stdout
    assert result.stderr == ""


def test_group_without_command_shows_help(cli: Any) -> None:
    result = cli("credential")
    assert result.code == 2
    assert "Usage: lerkit credential" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_console_script(tmp_path: Path) -> None:
    """The installed ``lerkit`` script (pyproject [project.scripts]) is the same program."""
    script = Path(sys.executable).parent / "lerkit"
    assert script.exists(), "lerkit is not installed as a script next to this interpreter"
    ok = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0
    assert ok.stdout.startswith("lerkit ")
    bad = subprocess.run(
        [script, "credential", "verify", tmp_path / "nope.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ")
    assert bad.stderr.count("\n") == 1


def test_contexts(cli: Any) -> None:
    result = cli("contexts")
    assert result.code == 0, result.stderr
    urls = result.stdout.split()
    assert "https://www.w3.org/ns/credentials/v2" in urls
    assert any("purl.imsglobal.org/spec/ob/v3p0/context" in u for u in urls)
    assert urls == sorted(urls)


# ----------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    ("key_type", "prefix"),
    [("ed25519", "did:key:z6Mk"), ("p256", "did:key:zDn"), ("p384", "did:key:z82")],
)
def test_key_generate(cli: Any, tmp_path: Path, key_type: str, prefix: str) -> None:
    result = cli("key", "generate", "--out", "k.key", "--type", key_type)
    assert result.code == 0, result.stderr
    did = result.stdout.strip()
    assert DID_KEY.match(did), did
    assert did.startswith(prefix), did
    path = tmp_path / "k.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["controller"] == did
    assert data["id"] == f"{did}#{data['publicKeyMultibase']}"
    assert data["secretKeyMultibase"].startswith("z")
    assert did == f"did:key:{data['publicKeyMultibase']}"


def test_key_generate_refuses_to_overwrite(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    first = cli("key", "generate", "-o", path)
    assert first.code == 0
    before = path.read_bytes()
    again = cli("key", "generate", "-o", path)
    assert again.code == 2
    line = again.error_line()
    assert "exists" in line
    assert "--force" in line
    assert again.stdout == ""
    assert path.read_bytes() == before
    # --force replaces it, and a world-readable file becomes 0600 (not kept at 0644)
    path.chmod(0o644)
    forced = cli("key", "generate", "-o", path, "--force")
    assert forced.code == 0, forced.stderr
    assert forced.stdout.strip() != first.stdout.strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.key"]  # no temp file left


def test_key_generate_bad_type_and_bad_path(cli: Any, tmp_path: Path) -> None:
    bad_type = cli("key", "generate", "-o", "k.key", "--type", "rsa")
    assert bad_type.code == 2
    assert "rsa" in bad_type.error_line()
    assert not (tmp_path / "k.key").exists()
    bad_dir = cli("key", "generate", "-o", tmp_path / "no" / "such" / "k.key")
    assert bad_dir.code == 2
    assert "cannot write" in bad_dir.error_line()


# ----------------------------------------------------------------------------- DIDs


def test_did_resolve_key_and_jwk(cli: Any, keys: Any) -> None:
    from lerkit.core.dids.jwk import did_jwk

    key = keys["p256"]
    doc = cli("did", "resolve", key.did)
    assert doc.code == 0, doc.stderr
    assert doc.json()["id"] == key.did
    assert doc.json()["verificationMethod"][0]["publicKeyMultibase"] == (
        key.private.public_key.multikey
    )
    jwk_did = did_jwk(key.private.public_key)
    jdoc = cli("did", "resolve", jwk_did)
    assert jdoc.code == 0, jdoc.stderr
    assert jdoc.json()["id"] == jwk_did


def _did_web_document(did: str, vm: str, multikey: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}
        ],
        "assertionMethod": [vm],
        "authentication": [vm],
    }


def test_did_web(cli: Any, tmp_path: Path, kit: Any, keys: Any, files: Any) -> None:
    did, url = "did:web:issuer.example", "https://issuer.example/.well-known/did.json"
    offline = cli("did", "resolve", did)
    assert offline.code == 2
    line = offline.error_line()
    assert "--resource" in line
    assert "--allow-network" in line
    assert url in line

    key = kit.write_key(tmp_path / "web.key", KeyType.ED25519, f"{did}#key-1")
    document = kit.dump(
        tmp_path / "did.json", _did_web_document(did, key.vm, key.private.public_key.multikey)
    )
    resolved = cli("did", "resolve", did, "--resource", f"{url}={document}")
    assert resolved.code == 0, resolved.stderr
    assert resolved.json()["id"] == did

    # a credential signed with a did:web key (the key file's id names the method)
    credential = kit.dump(tmp_path / "c.json", kit.badge(key, keys["holder"]))
    signed = cli("credential", "sign", "--key", key.path, credential)
    assert signed.code == 0, signed.stderr
    assert signed.json()["proof"]["verificationMethod"] == f"{did}#key-1"
    kit.dump(tmp_path / "s.json", signed.stdout)
    status = kit.dump(tmp_path / "list.json", kit.signed_list(key))
    status_res = f"{DEMO_STATUS_LIST_URL}={status}"
    without_doc = cli("credential", "verify", "s.json", "--json", "--resource", status_res)
    assert without_doc.code == 3, without_doc.stdout
    assert without_doc.json()["verdict"] == "indeterminate"
    with_doc = cli(
        "credential", "verify", "s.json", "--json",
        "--resource", status_res, "--resource", f"{url}={document}",
    )  # fmt: skip
    assert with_doc.code == 0, with_doc.stdout
    assert with_doc.json()["verified"] is True


# ----------------------------------------------------------------------------- sign + verify


@pytest.mark.parametrize(
    ("suite", "key_name"),
    [
        ("eddsa-rdfc-2022", "issuer"),
        ("eddsa-jcs-2022", "issuer"),
        ("ecdsa-rdfc-2019", "p256"),
        ("ecdsa-rdfc-2019", "p384"),
        ("ecdsa-jcs-2019", "p256"),
        ("ecdsa-jcs-2019", "p384"),
        ("ed25519-signature-2020", "issuer"),
        ("vc-jwt", "issuer"),
        ("vc-jwt", "p384"),
    ],
)
def test_sign_and_verify_every_suite(
    cli: Any, tmp_path: Path, kit: Any, keys: Any, suite: str, key_name: str
) -> None:
    key = keys[key_name]
    credential = kit.dump(tmp_path / "c.json", kit.badge(key, keys["holder"]))
    status = kit.dump(tmp_path / "list.json", kit.signed_list(key))
    signed = cli("credential", "sign", "--key", key.path, "--suite", suite, credential)
    assert signed.code == 0, signed.stderr
    assert signed.stderr == ""
    if suite == "vc-jwt":
        assert JWT.match(signed.stdout.strip())
    else:
        proof = signed.json()["proof"]
        expected = {"ed25519-signature-2020": "Ed25519Signature2020"}.get(suite)
        if expected:
            assert proof["type"] == expected
        else:
            assert proof["cryptosuite"] == suite
        assert proof["verificationMethod"] == key.vm
    (tmp_path / "s.out").write_text(signed.stdout)
    report = cli(
        "credential", "verify", "s.out", "--json",
        "--resource", f"{DEMO_STATUS_LIST_URL}={status}",
    )  # fmt: skip
    assert report.code == 0, report.stdout + report.stderr
    body = report.json()
    assert body["verified"] is True
    assert body["verdict"] == "valid"
    assert body["format"] == ("jwt" if suite == "vc-jwt" else "ldp")
    assert {c["status"] for c in body["checks"]} <= {"pass", "warning"}


def test_sign_defaults_and_stdin(cli: Any, tmp_path: Path, kit: Any, keys: Any) -> None:
    key = keys["p256"]
    credential = json.dumps(kit.badge(key, keys["holder"]))
    signed = cli("credential", "sign", "-k", key.path, "--created", "2024-02-01T00:00:00Z", "-",
                 stdin=credential)  # fmt: skip
    assert signed.code == 0, signed.stderr
    proof = signed.json()["proof"]
    assert proof["cryptosuite"] == "ecdsa-rdfc-2019"  # the default for P-256 keys
    assert proof["created"] == "2024-02-01T00:00:00Z"
    status = kit.dump(tmp_path / "list.json", kit.signed_list(key))
    # verify from stdin, human-readable report
    report = cli("credential", "verify", "-", "--resource", f"{DEMO_STATUS_LIST_URL}={status}",
                 stdin=signed.stdout)  # fmt: skip
    assert report.code == 0, report.stdout + report.stderr
    assert report.stdout.startswith("VALID credential (ldp)")
    for check in ("syntax", "contexts", "schema", "proof", "issuer", "validity", "status"):
        assert check in report.stdout


def test_sign_refuses_an_issuer_that_is_not_the_key(
    cli: Any, tmp_path: Path, kit: Any, keys: Any
) -> None:
    credential = kit.dump(tmp_path / "c.json", kit.badge(keys["issuer"], keys["holder"]))
    result = cli("credential", "sign", "--key", keys["p256"].path, credential)
    assert result.code == 2
    line = result.error_line()
    assert "issuer" in line
    assert keys["issuer"].did in line
    assert keys["p256"].did in line
    assert result.stdout == ""


def test_verify_tampered(cli: Any, kit: Any, files: Any) -> None:
    signed = json.loads(files.signed.read_text())
    signed["credentialSubject"]["result"][0]["value"] = "100"
    path = kit.dump(Path(cli.cwd) / "tampered.json", signed)
    result = cli("credential", "verify", path, "--json", "--resource", files.resource)
    assert result.code == 1
    assert result.json()["verified"] is False
    assert "proof.invalid" in result.codes()
    human = cli("credential", "verify", path, "--resource", files.resource)
    assert human.code == 1
    assert human.stdout.startswith("INVALID credential")
    assert "proof.invalid" in human.stdout


def test_verify_tampered_jwt(cli: Any, tmp_path: Path, kit: Any, keys: Any, files: Any) -> None:
    token = kit.sign(kit.badge(keys["issuer"], keys["holder"]), keys["issuer"], "vc-jwt")
    header, payload, signature = token.split(".")
    bad = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    result = cli("credential", "verify", "-", "--json", "--resource", files.resource, stdin=bad)
    assert result.code == 1
    assert result.codes() & {"jwt.invalid_signature", "proof.invalid"}


def test_verify_validity_period(cli: Any, tmp_path: Path, kit: Any, keys: Any, files: Any) -> None:
    credential = kit.badge(keys["issuer"], keys["holder"], validUntil="2025-01-01T00:00:00Z")
    kit.dump(tmp_path / "c.json", credential)
    signed = cli("credential", "sign", "-k", keys["issuer"].path, "--created",
                 "2024-06-01T00:00:00Z", "c.json")  # fmt: skip
    assert signed.code == 0, signed.stderr
    (tmp_path / "s.json").write_text(signed.stdout)
    args = ("credential", "verify", "s.json", "--json", "--resource", files.resource)
    during = cli(*args, "--now", "2024-07-01T00:00:00Z")
    assert during.code == 0, during.stdout
    expired = cli(*args, "--now", "2025-06-01T00:00:00Z")
    assert expired.code == 1
    assert "validity.expired" in expired.codes()
    early = cli(*args, "--now", "2023-06-01T00:00:00+02:00")
    assert early.code == 1
    assert "validity.not_yet_valid" in early.codes()


def test_verify_not_a_credential(cli: Any, kit: Any, keys: Any) -> None:
    """A JSON object that is not a VC: invalid (1) with a syntax finding, not a crash."""
    credential = kit.badge(keys["issuer"], keys["holder"])
    del credential["issuer"]
    path = kit.dump(Path(cli.cwd) / "c.json", credential)
    result = cli("credential", "verify", path, "--json")
    assert result.code == 1
    assert "credential.malformed" in result.codes()
    assert result.stderr == ""


# ----------------------------------------------------------------------------- status lists


def test_revocation(cli: Any, tmp_path: Path, keys: Any, files: Any) -> None:
    args = ("credential", "verify", files.signed, "--json")
    offline = cli(*args)
    assert offline.code == 3
    assert offline.json()["verdict"] == "indeterminate"
    assert "status.unresolvable" in offline.codes()
    assert "proof.invalid" not in offline.codes()

    assert cli(*args, "--resource", files.resource).code == 0

    revoked = cli(
        "status-list", "set", files.status_list, "--index", "42", "-k", keys["issuer"].path
    )
    assert revoked.code == 0, revoked.stderr
    (tmp_path / "revoked.json").write_text(revoked.stdout)
    # the re-signed list is itself a valid credential
    assert cli("credential", "verify", "revoked.json").code == 0

    result = cli(*args, "--resource", f"{DEMO_STATUS_LIST_URL}=revoked.json")
    assert result.code == 1
    assert "status.revoked" in result.codes()

    check = cli("status-list", "check", "revoked.json", "--index", "42")
    assert check.code == 1
    assert "SET" in check.stdout
    other = cli("status-list", "check", "revoked.json", "--index", "41")
    assert other.code == 0
    assert "not set" in other.stdout

    # revocation is final
    clear = cli("status-list", "set", "revoked.json", "--index", "42", "-k", keys["issuer"].path,
                "--clear")  # fmt: skip
    assert clear.code == 2
    assert "revocation" in clear.error_line()
    assert clear.stdout == ""


def test_suspension(cli: Any, tmp_path: Path, kit: Any, keys: Any) -> None:
    issuer, url = keys["issuer"], kit.SUSPENSION_LIST_URL
    created = cli("status-list", "create", "--url", url, "-k", issuer.path,
                  "--purpose", "suspension")  # fmt: skip
    assert created.code == 0, created.stderr
    listing = created.json()
    assert listing["id"] == url
    assert listing["credentialSubject"]["statusPurpose"] == "suspension"
    (tmp_path / "l0.json").write_text(created.stdout)

    credential = kit.badge(
        issuer, keys["holder"], credentialStatus=kit.status_entry(url, 7, "suspension")
    )
    kit.dump(tmp_path / "s.json", kit.sign(credential, issuer))
    verify = ("credential", "verify", "s.json", "--json", "--resource")

    assert cli(*verify, f"{url}=l0.json").code == 0
    suspended = cli("status-list", "set", "l0.json", "--index", "7", "-k", issuer.path)
    assert suspended.code == 0, suspended.stderr
    (tmp_path / "l1.json").write_text(suspended.stdout)
    result = cli(*verify, f"{url}=l1.json")
    assert result.code == 1
    assert "status.suspended" in result.codes()

    cleared = cli("status-list", "set", "l1.json", "--index", "7", "-k", issuer.path, "--clear")
    assert cleared.code == 0, cleared.stderr
    (tmp_path / "l2.json").write_text(cleared.stdout)
    assert cli("status-list", "check", "l2.json", "--index", "7").code == 0
    again = cli(*verify, f"{url}=l2.json")
    assert again.code == 0, again.stdout
    assert again.json()["verified"] is True


def test_status_list_create(cli: Any, keys: Any) -> None:
    result = cli("status-list", "create", "--url", "https://example.org/s/9", "-k",
                 keys["p384"].path, "--length", "200000")  # fmt: skip
    assert result.code == 0, result.stderr
    body = result.json()
    assert body["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert body["issuer"] == keys["p384"].did
    assert body["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    (Path(cli.cwd) / "l.json").write_text(result.stdout)
    assert cli("status-list", "check", "l.json", "--index", "199999").code == 0


# ----------------------------------------------------------------------------- presentations


@pytest.mark.parametrize("suite", [None, "vc-jwt"])
def test_presentation(cli: Any, tmp_path: Path, keys: Any, files: Any, suite: str | None) -> None:
    extra = ("--suite", suite) if suite else ()
    created = cli(
        "presentation", "create", "--key", keys["holder"].path, "--challenge", "c-123",
        "--domain", "employer.example", *extra, files.signed,
    )  # fmt: skip
    assert created.code == 0, created.stderr
    (tmp_path / "vp").write_text(created.stdout)
    if suite is None:
        vp = created.json()
        assert vp["holder"] == keys["holder"].did
        assert vp["proof"]["challenge"] == "c-123"
        assert vp["proof"]["proofPurpose"] == "authentication"
    else:
        assert JWT.match(created.stdout.strip())
    verify = ("presentation", "verify", "vp", "--json", "--resource", files.resource)

    good = cli(*verify, "--challenge", "c-123", "--domain", "employer.example")
    assert good.code == 0, good.stdout + good.stderr
    assert good.json()["verified"] is True
    assert good.json()["credentials"][0]["verified"] is True

    wrong_challenge = cli(*verify, "--challenge", "c-999", "--domain", "employer.example")
    assert wrong_challenge.code == 1
    assert wrong_challenge.codes() & {"proof.challenge_mismatch", "jwt.claims_mismatch"}

    wrong_domain = cli(*verify, "--challenge", "c-123", "--domain", "evil.example")
    assert wrong_domain.code == 1
    assert wrong_domain.codes() & {"proof.domain_mismatch", "jwt.claims_mismatch"}


def test_presentation_of_a_revoked_credential(
    cli: Any, tmp_path: Path, keys: Any, files: Any
) -> None:
    created = cli("presentation", "create", "-k", keys["holder"].path, "--challenge", "c",
                  files.signed)  # fmt: skip
    assert created.code == 0, created.stderr
    (tmp_path / "vp.json").write_text(created.stdout)
    result = cli("presentation", "verify", "vp.json", "--challenge", "c", "--json",
                 "--resource", f"{DEMO_STATUS_LIST_URL}={files.revoked_list}")  # fmt: skip
    assert result.code == 1
    assert "status.revoked" in result.codes()


def test_presentation_verify_given_a_credential(cli: Any, files: Any) -> None:
    result = cli("presentation", "verify", files.signed, "--json")
    assert result.code == 1
    assert "presentation.malformed" in result.codes()


# ----------------------------------------------------------------------------- tour


def test_tour(cli: Any, tmp_path: Path) -> None:
    result = cli("tour", "--workdir", "t")
    assert result.code == 0, result.stdout + result.stderr
    assert "Tour complete" in result.stdout
    workdir = tmp_path / "t"
    names = {p.name for p in workdir.iterdir()}
    assert names == {
        "issuer.key", "holder.key", "credential.json", "signed.json", "status-list.json",
        "status-list-revoked.json", "presentation.json",
    }  # fmt: skip
    for key in ("issuer.key", "holder.key"):
        assert stat.S_IMODE((workdir / key).stat().st_mode) == 0o600
    resource = f"{DEMO_STATUS_LIST_URL}=t/status-list.json"
    assert cli("credential", "verify", "t/signed.json", "--resource", resource).code == 0
    revoked = cli("credential", "verify", "t/signed.json", "--json",
                  "--resource", f"{DEMO_STATUS_LIST_URL}=t/status-list-revoked.json")  # fmt: skip
    assert revoked.code == 1
    assert "status.revoked" in revoked.codes()
    assert cli("presentation", "verify", "t/presentation.json", "--resource", resource).code == 0
    # the tour's files work with the other commands: re-sign its credential with its key
    resigned = cli("credential", "sign", "-k", "t/issuer.key", "t/credential.json")
    assert resigned.code == 0, resigned.stderr


def test_tour_workdir_is_a_file(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    result = cli("tour", "--workdir", "f")
    assert result.code == 2
    assert "--workdir" in result.error_line()


# ----------------------------------------------------------------------------- bad input

ISSUER_KEY = "@issuer"  # placeholders replaced by the bad_input fixture's paths
CREDENTIAL = "@credential"
SIGNED = "@signed"
LIST = "@list"


def _bad_files(tmp: Path, keys: Any, files: Any) -> dict[str, Path]:
    issuer = json.loads(keys["issuer"].path.read_text())
    p256 = json.loads(keys["p256"].path.read_text())
    not_vc = json.loads(files.unsigned.read_text())
    status_list = json.loads(files.status_list.read_text())
    del not_vc["issuer"]
    del not_vc["type"]
    contents: dict[str, Any] = {
        "not-json.json": "this is { not json",
        "array.json": [1, 2, 3],
        "garbage.bin": bytes(range(256)) * 8,
        "empty.json": "",
        "not-vc.json": not_vc,
        "jwtish.txt": "abc.def.ghi",
        "key-not-json.key": "secret?",
        "key-array.key": [issuer],
        "key-no-secret.key": {k: v for k, v in issuer.items() if k != "secretKeyMultibase"},
        "key-bad-multibase.key": {**issuer, "secretKeyMultibase": "z0OIl+/"},
        "key-wrong-header.key": {**issuer, "secretKeyMultibase": issuer["publicKeyMultibase"]},
        "key-mismatch.key": {**issuer, "publicKeyMultibase": p256["publicKeyMultibase"]},
        "key-deep.key": "[" * 50_000 + "]" * 50_000,
        "list-two-purposes.json": {
            **status_list,
            "credentialSubject": {**status_list["credentialSubject"], "statusPurpose": []},
        },
    }
    paths = {}
    for name, value in contents.items():
        path = tmp / name
        if isinstance(value, bytes):
            path.write_bytes(value)
        else:
            path.write_text(value if isinstance(value, str) else json.dumps(value), "utf-8")
        paths[name] = path
    (tmp / "a-directory").mkdir()
    return paths


BAD_INPUT: list[tuple[str, list[str], str | None, list[str]]] = [
    # id, argv, stdin, words the one error line must contain
    ("missing-file", ["credential", "verify", "nope.json"], None, ["nope.json", "no such file"]),
    ("directory", ["credential", "verify", "a-directory"], None, ["a-directory", "directory"]),
    ("empty-stdin", ["credential", "verify", "-"], "", ["stdin", "empty"]),
    ("empty-file", ["credential", "sign", "-k", ISSUER_KEY, "empty.json"], None, ["empty"]),
    ("not-json", ["credential", "verify", "not-json.json"], None, ["not json"]),
    ("not-json-stdin", ["presentation", "verify", "-"], "{oops", ["stdin", "not json"]),
    ("json-array", ["credential", "verify", "array.json"], None, ["json object"]),
    ("json-number-stdin", ["credential", "verify", "-"], "42", ["json object"]),
    ("binary", ["credential", "verify", "garbage.bin"], None, ["utf-8"]),
    ("deep-json", ["credential", "verify", "-"], "[" * 100_000 + "]" * 100_000, ["nested"]),
    ("nan", ["credential", "verify", "-"], '{"a": NaN}', ["nan", "not json"]),
    ("infinity", ["credential", "sign", "-k", ISSUER_KEY, "-"], '{"a": [-Infinity]}',
     ["-inf", "not json"]),
    ("lone-surrogate", ["credential", "verify", "-"], '{"name": "x\\ud800y"}',
     ["surrogate", "\\ud800"]),
    ("key-deep", ["credential", "sign", "-k", "key-deep.key", CREDENTIAL], None,
     ["key file", "nested too deeply"]),
    ("list-empty-purpose", ["status-list", "check", "list-two-purposes.json", "--index", "1"],
     None, ["statuspurpose"]),
    ("sign-jwtish", ["credential", "sign", "-k", ISSUER_KEY, "jwtish.txt"], None, ["jwt"]),
    ("sign-not-vc", ["credential", "sign", "-k", ISSUER_KEY, "not-vc.json"], None,
     ["cannot sign", "issuer", "type"]),
    ("key-missing", ["credential", "sign", "-k", "none.key", CREDENTIAL], None,
     ["none.key", "no such file"]),
    ("key-not-json", ["credential", "sign", "-k", "key-not-json.key", CREDENTIAL], None,
     ["key file", "not json"]),
    ("key-array", ["credential", "sign", "-k", "key-array.key", CREDENTIAL], None,
     ["key file", "object"]),
    ("key-no-secret", ["credential", "sign", "-k", "key-no-secret.key", CREDENTIAL], None,
     ["no private key"]),
    ("key-bad-multibase", ["credential", "sign", "-k", "key-bad-multibase.key", CREDENTIAL], None,
     ["base58"]),
    ("key-wrong-header", ["credential", "sign", "-k", "key-wrong-header.key", CREDENTIAL], None,
     ["header"]),
    ("key-mismatch", ["credential", "sign", "-k", "key-mismatch.key", CREDENTIAL], None,
     ["publickeymultibase", "does not match"]),
    ("key-directory", ["presentation", "create", "-k", "a-directory", SIGNED], None,
     ["a-directory"]),
    ("unknown-suite", ["credential", "sign", "-k", ISSUER_KEY, "--suite", "rsa-2048", CREDENTIAL],
     None, ["unknown suite", "rsa-2048", "eddsa-rdfc-2022"]),
    ("suite-key-mismatch", ["credential", "sign", "-k", ISSUER_KEY, "--suite", "ecdsa-rdfc-2019",
                            CREDENTIAL], None, ["ecdsa-rdfc-2019", "ed25519", "p-256"]),
    ("resource-without-equals", ["credential", "verify", SIGNED, "--resource", "list.json"], None,
     ["--resource", "url=file"]),
    ("resource-missing-file", ["credential", "verify", SIGNED, "--resource", "https://x/l=nope"],
     None, ["--resource", "nope"]),
    ("resource-not-object", ["credential", "verify", SIGNED, "--resource",
                             "https://x/l=array.json"], None, ["--resource", "json object"]),
    ("now-not-a-date", ["credential", "verify", SIGNED, "--now", "yesterday"], None,
     ["--now", "yesterday"]),
    ("created-not-a-date", ["credential", "sign", "-k", ISSUER_KEY, "--created", "2024-13-45",
                            CREDENTIAL], None, ["--created", "2024-13-45"]),
    ("unknown-option", ["credential", "verify", SIGNED, "--frobnicate"], None,
     ["no such option", "--frobnicate", "lerkit credential verify --help"]),
    ("unknown-command", ["credentials"], None, ["no such command", "credentials"]),
    ("missing-option", ["credential", "sign", CREDENTIAL], None, ["missing option", "--key"]),
    ("missing-argument", ["credential", "verify"], None, ["missing argument"]),
    ("index-not-int", ["status-list", "check", LIST, "--index", "ten"], None, ["--index"]),
    ("index-out-of-range", ["status-list", "check", LIST, "--index", "131072"], None,
     ["out of range", "131072"]),
    ("index-negative", ["status-list", "set", LIST, "--index", "-1", "-k", ISSUER_KEY], None,
     ["out of range"]),
    ("clear-revocation", ["status-list", "set", LIST, "--index", "3", "-k", ISSUER_KEY, "--clear"],
     None, ["revocation", "never cleared"]),
    ("set-with-another-key", ["status-list", "set", LIST, "--index", "3", "-k", "@p256"], None,
     ["issuer", "key"]),
    ("not-a-status-list", ["status-list", "check", SIGNED, "--index", "1"], None,
     ["not a bitstringstatuslistcredential"]),
    ("bad-purpose", ["status-list", "create", "--url", "https://x/l", "-k", ISSUER_KEY,
                     "--purpose", "deletion"], None, ["--purpose", "deletion"]),
    ("short-list", ["status-list", "create", "--url", "https://x/l", "-k", ISSUER_KEY,
                    "--length", "1000"], None, ["at least 131072"]),
    ("did-unsupported", ["did", "resolve", "did:example:123"], None, ["did:example", "supported"]),
    ("did-malformed", ["did", "resolve", "did:key:zzz"], None, ["did:key"]),
    ("presentation-nothing", ["presentation", "create", "-k", ISSUER_KEY], None,
     ["missing argument"]),
]  # fmt: skip


@pytest.fixture
def bad_input(tmp_path: Path, keys: Any, files: Any) -> dict[str, str]:
    """Writes the bad files into tmp_path; returns the placeholders' replacements."""
    _bad_files(tmp_path, keys, files)
    return {
        ISSUER_KEY: str(keys["issuer"].path),
        "@p256": str(keys["p256"].path),
        CREDENTIAL: str(files.unsigned),
        SIGNED: str(files.signed),
        LIST: str(files.status_list),
    }


def _check_bad_input(result: Any, words: list[str], tmp_path: Path, before: list[str]) -> None:
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    line = result.error_line().lower()
    for word in words:
        assert word.lower() in line, f"{word!r} not in {line!r}"
    assert result.stdout == "", "nothing half-written on stdout"
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "no file written"


@pytest.mark.parametrize(("argv", "stdin", "words"), [c[1:] for c in BAD_INPUT],
                         ids=[c[0] for c in BAD_INPUT])  # fmt: skip
def test_bad_input(
    kit: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bad_input: dict[str, str],
    argv: list[str],
    stdin: str | None,
    words: list[str],
) -> None:
    """In-process (``run(argv)``) for speed; test_bad_input_subprocess runs a sample of the
    same cases as real processes."""
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = kit.invoke([bad_input.get(a, a) for a in argv], stdin or "")
    _check_bad_input(result, words, tmp_path, before)


SUBPROCESS_SAMPLE = ["missing-file", "binary", "deep-json", "key-mismatch",
                     "suite-key-mismatch", "resource-without-equals", "unknown-option",
                     "index-out-of-range"]  # fmt: skip


def test_bad_input_subprocess(cli: Any, tmp_path: Path, bad_input: dict[str, str]) -> None:
    cases = {c[0]: c[1:] for c in BAD_INPUT}
    before = sorted(p.name for p in tmp_path.iterdir())
    for name in SUBPROCESS_SAMPLE:
        argv, stdin, words = cases[name]
        result = cli(*[bad_input.get(a, a) for a in argv], stdin=stdin)
        _check_bad_input(result, words, tmp_path, before)


def test_jwt_looking_string_that_is_not_a_jwt(cli: Any) -> None:
    """It parses as a (compact) JWT, so it is verified, and found malformed: invalid (1)."""
    for token in ("abc.def.ghi", "eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ.AAAA", '"a.b.c"'):
        result = cli("credential", "verify", "-", "--json", stdin=token)
        assert result.code == 1, (token, result.stdout, result.stderr)
        assert result.json()["format"] == "jwt"
        assert "jwt.malformed" in result.codes()


def test_ten_megabyte_document(cli: Any, tmp_path: Path, kit: Any, keys: Any, files: Any) -> None:
    """10 MB in a defined term signs and verifies in seconds; in an undefined one it is
    refused with a clear finding. Nothing hangs."""
    big = "x" * (10 * 1024 * 1024)
    kit.dump(tmp_path / "big.json", kit.badge(keys["issuer"], keys["holder"], description=big))
    start = time.monotonic()
    signed = cli("credential", "sign", "-k", keys["issuer"].path, "--suite", "eddsa-jcs-2022",
                 "big.json", timeout=60)  # fmt: skip
    assert signed.code == 0, signed.stderr
    (tmp_path / "s.json").write_text(signed.stdout)
    ok = cli("credential", "verify", "s.json", "--resource", files.resource, timeout=60)
    assert ok.code == 0, ok.stdout[-2000:] + ok.stderr
    signed_doc = json.loads(files.signed.read_text())
    signed_doc["credentialSubject"]["blob"] = big
    kit.dump(tmp_path / "bad.json", signed_doc)
    bad = cli("credential", "verify", "bad.json", "--json", "--resource", files.resource)
    assert bad.code == 1
    assert "jsonld.undefined_term" in bad.codes()
    assert time.monotonic() - start < 60
