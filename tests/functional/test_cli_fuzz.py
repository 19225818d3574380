"""Fuzz the command line in-process: whatever the input, ``run(argv)`` exits 0, 1, 2 or 3
(never 70, "internal error") and no exception escapes; exit 2 is one ``error:`` line.

Inputs: random bytes, random JSON values (with the VC's own keys mixed in), and random
mutations of a valid signed credential, presentation, status list credential and key file.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCALE = float(os.environ.get("LERKIT_FUZZ_SCALE", "1"))
"""Multiplies every max_examples (about 150 in all by default): LERKIT_FUZZ_SCALE=20 for a
long run."""


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,  # nothing written into the checkout
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


VC_KEYS = [
    "@context", "id", "type", "issuer", "credentialSubject", "proof", "validFrom",
    "validUntil", "credentialStatus", "holder", "verifiableCredential", "cryptosuite",
    "proofValue", "verificationMethod", "proofPurpose", "created", "challenge", "domain",
    "statusListIndex", "statusListCredential", "statusPurpose", "encodedList", "achievement",
    "secretKeyMultibase", "publicKeyMultibase", "kty", "crv", "d", "x", "y",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and ±Infinity too: json.loads accepts them
    | st.text(max_size=20)
    | st.text(st.characters(blacklist_categories=()), max_size=4)  # lone surrogates too
    | st.sampled_from(
        [
            "VerifiableCredential",
            "https://www.w3.org/ns/credentials/v2",
            "did:key:z6Mk",
            "2024-01-01T00:00:00Z",
            "eddsa-rdfc-2022",
            "DataIntegrityProof",
            "a.b.c",
            "",
            "@id",
            "-1",
            "99999999999999999999",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(VC_KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


def _dumps(value: Any) -> str:
    return json.dumps(value)  # allow_nan: NaN / Infinity are emitted, and accepted by json.loads


def _check(kit: Any, argv: list[str], stdin: bytes | str) -> Any:
    result = kit.invoke(argv, stdin)
    assert result.code in {0, 1, 2, 3}, (argv, result.code, result.stderr)
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    if result.code == 2:
        result.error_line()
    elif "--json" in argv:
        assert result.json()["verified"] is (result.code == 0)
    elif result.code == 0 and result.stdout.startswith("{"):
        json.loads(result.stdout, parse_constant=_not_json)  # strict JSON out: no NaN
    return result


def _not_json(constant: str) -> None:
    raise AssertionError(f"{constant} in the JSON the CLI printed")


# ----------------------------------------------------------------------------- raw input

COMMANDS = [
    ["credential", "verify", "-", "--json"],
    ["presentation", "verify", "-", "--json", "--challenge", "c"],
    ["status-list", "check", "-", "--index", "42"],
]


@fuzz(25)
@given(data=st.binary(max_size=300), command=st.sampled_from(COMMANDS))
def test_random_bytes(kit: Any, data: bytes, command: list[str]) -> None:
    _check(kit, command, data)


@fuzz(30)
@given(value=json_values, command=st.sampled_from(COMMANDS))
def test_random_json(kit: Any, value: Any, command: list[str]) -> None:
    _check(kit, command, _dumps(value))


@fuzz(15)
@given(value=json_values)
def test_random_json_signed(kit: Any, keys: Any, value: Any) -> None:
    _check(kit, ["credential", "sign", "-k", str(keys["issuer"].path), "-"], _dumps(value))


# ----------------------------------------------------------------------------- mutations


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, (*prefix, i))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _mutate(data: st.DataObject, doc: Any, rounds: int) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rounds):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent, last = _get(doc, path[:-1]), path[-1]
        value = parent[last]
        op = data.draw(
            st.sampled_from(["drop", "replace", "retype", "wrap", "unwrap", "rename", "graft"]),
            label="op",
        )
        if op == "drop":
            del parent[last]
        elif op == "replace":
            parent[last] = data.draw(json_values, label="value")
        elif op == "retype":
            parent[last] = data.draw(
                st.sampled_from(
                    [
                        str(value)[:40],
                        len(str(value)),
                        [value],
                        {"id": value},
                        None,
                        True,
                        -1,
                        1.5,
                        {},
                        [],
                        "",
                    ]
                ),
                label="retyped",
            )
        elif op == "wrap":
            parent[last] = data.draw(
                st.sampled_from([[value], {"@value": value}, {"id": value, "type": value}]),
                label="wrapped",
            )
        elif op == "unwrap":
            if isinstance(value, list) and value:
                parent[last] = value[0]
            elif isinstance(value, dict) and value:
                parent[last] = next(iter(value.values()))
        elif op == "rename" and isinstance(parent, dict):
            new = data.draw(st.sampled_from(VC_KEYS) | st.text(max_size=6), label="name")
            parent[new] = parent.pop(last)
        elif op == "graft":
            source = data.draw(st.sampled_from(_paths(doc)), label="source")
            parent[last] = copy.deepcopy(_get(doc, source))
    return doc


@pytest.fixture(scope="session")
def fuzz_inputs(kit: Any, keys: Any, files: Any, inputs_dir: Path) -> dict[str, Any]:
    from lerkit.core.holder import create_presentation, sign_presentation

    signed = json.loads(files.signed.read_text())
    vp = create_presentation([signed], holder=keys["holder"].did)
    signed_vp = sign_presentation(
        vp,
        keys["holder"].private,
        verification_method=keys["holder"].vm,
        created=kit.T0,
        challenge="c",
        domain="d.example",
    )
    return {
        "credential": signed,
        "jwt-credential": kit.sign(
            kit.badge(keys["issuer"], keys["holder"]), keys["issuer"], "vc-jwt"
        ),
        "jcs-credential": kit.sign(
            kit.badge(keys["p384"], keys["holder"]), keys["p384"], "ecdsa-jcs-2019"
        ),
        "presentation": signed_vp,
        "status-list": json.loads(files.status_list.read_text()),
        "key": json.loads(keys["issuer"].path.read_text()),
        "resource": files.resource,
        "dir": inputs_dir,
    }


@fuzz(35)
@given(data=st.data(), which=st.sampled_from(["credential", "jcs-credential"]))
def test_mutated_credential(
    kit: Any, fuzz_inputs: dict[str, Any], data: st.DataObject, which: str
) -> None:
    doc = _mutate(data, fuzz_inputs[which], data.draw(st.integers(1, 3), label="rounds"))
    argv = ["credential", "verify", "-", "--json", "--now", "2024-06-01T00:00:00Z"]
    _check(kit, [*argv, "--resource", fuzz_inputs["resource"]], _dumps(doc))


@fuzz(15)
@given(data=st.data())
def test_mutated_credential_signed_again(
    kit: Any, keys: Any, fuzz_inputs: dict[str, Any], data: st.DataObject
) -> None:
    doc = _mutate(data, fuzz_inputs["credential"], data.draw(st.integers(1, 2), label="rounds"))
    if isinstance(doc, dict):
        doc.pop("proof", None)
    _check(kit, ["credential", "sign", "-k", str(keys["issuer"].path), "-"], _dumps(doc))


@fuzz(10)
@given(data=st.data())
def test_mutated_presentation(kit: Any, fuzz_inputs: dict[str, Any], data: st.DataObject) -> None:
    doc = _mutate(data, fuzz_inputs["presentation"], data.draw(st.integers(1, 3), label="rounds"))
    argv = ["presentation", "verify", "-", "--json", "--challenge", "c", "--domain", "d.example"]
    _check(kit, [*argv, "--resource", fuzz_inputs["resource"]], _dumps(doc))


@fuzz(10)
@given(data=st.data())
def test_mutated_jwt(kit: Any, fuzz_inputs: dict[str, Any], data: st.DataObject) -> None:
    token: str = fuzz_inputs["jwt-credential"]
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(st.sampled_from(["", ".", "A", "=", "~", "é", "..", "eyJ"]))
    length = data.draw(st.integers(0, 3), label="length")
    mutated = token[:position] + replacement + token[position + length :]
    argv = ["credential", "verify", "-", "--json", "--resource", fuzz_inputs["resource"]]
    _check(kit, argv, mutated)


@fuzz(10)
@given(data=st.data(), index=st.integers(-5, 200_000))
def test_mutated_status_list(
    kit: Any, keys: Any, fuzz_inputs: dict[str, Any], data: st.DataObject, index: int
) -> None:
    doc = _mutate(data, fuzz_inputs["status-list"], data.draw(st.integers(1, 2), label="rounds"))
    _check(kit, ["status-list", "check", "-", "--index", str(index)], _dumps(doc))
    _check(
        kit,
        ["status-list", "set", "-", "--index", str(index), "-k", str(keys["issuer"].path)],
        _dumps(doc),
    )


@fuzz(10)
@given(data=st.data())
def test_mutated_key_file(
    kit: Any, files: Any, fuzz_inputs: dict[str, Any], data: st.DataObject
) -> None:
    doc = _mutate(data, fuzz_inputs["key"], data.draw(st.integers(1, 2), label="rounds"))
    key_file = fuzz_inputs["dir"] / f"fuzz-{data.draw(st.integers(0, 10**9))}.key"
    key_file.write_text(_dumps(doc), "utf-8")
    try:
        _check(kit, ["credential", "sign", "-k", str(key_file), str(files.unsigned)], b"")
    finally:
        key_file.unlink()


# ----------------------------------------------------------------------------- regressions
# Crashes the fuzz once found in the core (deep nesting, lone surrogates): the core now
# refuses such input itself (lerkit.core.jsonvalue), whatever the entry point.


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("part", ["header", "payload"])
def test_jwt_with_deeply_nested_json(kit: Any, part: str) -> None:
    deep = _b64(b"[" * 5000 + b"]" * 5000)
    header = _b64(b'{"alg":"EdDSA","typ":"vc+jwt"}')
    token = f"{deep}.{_b64(b'{}')}" if part == "header" else f"{header}.{deep}"
    result = kit.invoke(["credential", "verify", "-", "--json"], f"{token}.{_b64(b'sig')}")
    assert result.code in {1, 2}, result.stderr


@pytest.mark.parametrize("operation", ["issue", "verify"])
def test_core_lone_surrogate(kit: Any, keys: Any, files: Any, operation: str) -> None:
    from lerkit.bootstrap import build_verifier
    from lerkit.config import Settings
    from lerkit.core.errors import LerkitError

    if operation == "issue":
        credential = kit.badge(keys["issuer"], keys["holder"], name="Data \ud800 Analysis")
        with pytest.raises(LerkitError):
            kit.sign(credential, keys["issuer"])
    else:
        signed = json.loads(files.signed.read_text())
        signed["name"] = "Data \ud800 Analysis"
        report = build_verifier(Settings()).verify_credential(signed)
        assert report.verdict.value == "invalid"


def test_core_issue_deeply_nested(kit: Any, keys: Any) -> None:
    from lerkit.core.errors import LerkitError

    deep: Any = "leaf"
    for _ in range(500):
        deep = {"description": deep}
    credential = kit.badge(keys["issuer"], keys["holder"])
    credential["credentialSubject"]["achievement"]["description"] = deep
    with pytest.raises(LerkitError):
        kit.sign(credential, keys["issuer"])
