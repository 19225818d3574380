"""Trust evaluation (lerkit.core.trust): registry documents, scopes, validity periods and
accreditation chains (root of trust -> accrediting body -> issuer, EBSI's model), each link
a credential signed by the accreditor and verified here."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from lerkit.core.dids.key import did_key, verification_method_id
from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.report import Check, CheckStatus
from lerkit.core.trust import (
    ACCREDIT,
    ACCREDITATION_CONTEXT,
    ATTEST,
    REGISTRY_TYPE,
    Registry,
    RegistryEntry,
    Scope,
    parse_registry,
    recognise,
    scope_of,
    with_trust,
)
from lerkit.core.verify import VerifyContext, verify_credential
from unit.test_verify import ISSUED, NOW, RESOLVER, _badge, _ctx
from unit.test_verify import ISSUER as BADGE_ISSUER
from unit.test_verify import ISSUER_KEY as BADGE_KEY
from unit.test_verify import ISSUER_VM as BADGE_VM

C = ProblemCode
OB = ("VerifiableCredential", "OpenBadgeCredential")


def _key(n: int) -> tuple[PrivateKey, str, str]:
    key = PrivateKey.from_secret(KeyType.ED25519, bytes([n]) * 32)
    return key, did_key(key.public_key), verification_method_id(key.public_key)


ROOT_KEY, ROOT, ROOT_VM = _key(40)
ACC_KEY, ACCREDITOR, ACC_VM = _key(41)
ISS_KEY, ISSUER, ISS_VM = _key(42)
EVE_KEY, EVE, EVE_VM = _key(43)


def accreditation(
    signer: tuple[PrivateKey, str, str],
    subject: str,
    kind: str,
    accredited_for: list[dict[str, Any]] | None = None,
    valid_until: str | None = None,
) -> dict[str, Any]:
    key, did, vm = signer
    unsigned: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", ACCREDITATION_CONTEXT],
        "id": f"urn:uuid:{abs(hash((did, subject, kind))):032x}"[:45],
        "type": ["VerifiableCredential", "VerifiableAccreditation", kind],
        "issuer": did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "accreditedFor": accredited_for
            if accredited_for is not None
            else [{"types": ["OpenBadgeCredential"]}],
        },
    }
    if valid_until:
        unsigned["validUntil"] = valid_until
    signed = issue(unsigned, key, verification_method=vm, created=ISSUED)
    assert isinstance(signed, dict)
    return signed


def verify(credential: Any) -> Any:
    return verify_credential(credential, VerifyContext(resolver=RESOLVER, now=NOW))


def chain_registry(
    issuer_accreditation: dict[str, Any] | None = None,
    accreditor_accreditation: dict[str, Any] | None = None,
    roots: tuple[str, ...] = (ROOT,),
) -> Registry:
    return Registry(
        "national",
        (
            RegistryEntry(
                ACCREDITOR,
                "Quality Agency",
                "accreditor",
                accredited_by=ROOT,
                accreditation=accreditor_accreditation
                or accreditation((ROOT_KEY, ROOT, ROOT_VM), ACCREDITOR, ACCREDIT),
            ),
            RegistryEntry(
                ISSUER,
                "Example University",
                accredited_by=ACCREDITOR,
                accreditation=issuer_accreditation
                or accreditation((ACC_KEY, ACCREDITOR, ACC_VM), ISSUER, ATTEST),
            ),
        ),
        roots,
    )


def test_direct_entries_scope_and_validity() -> None:
    registry = parse_registry(
        {
            "type": REGISTRY_TYPE,
            "name": "employers",
            "entries": [
                {
                    "did": ISSUER,
                    "name": "Uni",
                    "credentialTypes": ["OpenBadgeCredential"],
                    "achievements": ["https://uni.example/achievements/*"],
                    "validFrom": "2024-01-01T00:00:00Z",
                    "validUntil": "2025-01-01T00:00:00Z",
                }
            ],
        }
    )
    asked = Scope(OB, ("https://uni.example/achievements/7",))
    ok = recognise(registry, ISSUER, asked, at=NOW)
    assert ok.recognised
    assert ok.code == "issuer.recognised"
    assert ok.registry == "employers"
    assert "employers" in ok.message
    assert not recognise(registry, EVE, asked, at=NOW).recognised
    other_type = recognise(
        registry, ISSUER, Scope(("VerifiableCredential", "ClrCredential")), at=NOW
    )
    assert not other_type.recognised
    assert other_type.code == "issuer.untrusted"
    other_achievement = recognise(registry, ISSUER, Scope(OB, ("https://evil.example/a",)), at=NOW)
    assert not other_achievement.recognised
    later = recognise(registry, ISSUER, asked, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert not later.recognised
    assert "not valid at" in later.message
    # a DID URL of the issuer counts as the issuer
    assert recognise(registry, f"{ISSUER}#key-1", asked, at=NOW).recognised


def test_dcc_issuer_list_and_invalid_documents() -> None:
    dcc = parse_registry(
        {
            "meta": {"created": "2020"},
            "registry": {ISSUER: {"name": "DCC member", "url": "https://m.example"}},
        }
    )
    assert dcc.entries[0].name == "DCC member"
    assert recognise(dcc, ISSUER, Scope(OB), at=NOW).recognised
    for bad in (
        [],
        {"hello": "world"},
        {"type": REGISTRY_TYPE, "entries": [{"did": "not a did"}]},
        {"type": REGISTRY_TYPE, "entries": [{"did": ISSUER, "role": "king"}]},
        {"type": REGISTRY_TYPE, "entries": [{"did": ISSUER, "validUntil": "tomorrow"}]},
        {"type": REGISTRY_TYPE, "entries": [{"did": ISSUER, "accreditation": {}}]},
        {"type": REGISTRY_TYPE, "entries": [{"did": ISSUER, "credentialTypes": [1]}]},
    ):
        with pytest.raises(InputError) as caught:
            parse_registry(bad)
        assert caught.value.code is C.TRUST_REGISTRY_INVALID


def test_accreditation_chain_root_accreditor_issuer() -> None:
    registry = chain_registry()
    answer = recognise(registry, ISSUER, Scope(OB), at=NOW, verify=verify)
    assert answer.recognised, answer.message
    assert answer.authority == f"Quality Agency ({ACCREDITOR})"
    assert answer.chain == (ISSUER, ACCREDITOR, ROOT)
    # without a way to verify the accreditations, nothing resting on them is recognised
    assert not recognise(registry, ISSUER, Scope(OB), at=NOW).recognised


@pytest.mark.parametrize(
    "case",
    [
        "not-covering",
        "signed-by-someone-else",
        "about-someone-else",
        "tampered",
        "expired",
        "no-root",
        "accreditor-not-accredited-to-accredit",
        "wrong-type",
    ],
)
def test_broken_chains_are_not_recognised(case: str) -> None:
    acc = (ACC_KEY, ACCREDITOR, ACC_VM)
    if case == "not-covering":
        registry = chain_registry(
            accreditation(acc, ISSUER, ATTEST, [{"types": ["ClrCredential"]}])
        )
    elif case == "signed-by-someone-else":
        registry = chain_registry(accreditation((EVE_KEY, EVE, EVE_VM), ISSUER, ATTEST))
    elif case == "about-someone-else":
        registry = chain_registry(accreditation(acc, EVE, ATTEST))
    elif case == "tampered":
        forged = copy.deepcopy(accreditation(acc, ISSUER, ATTEST, [{"types": ["ClrCredential"]}]))
        forged["credentialSubject"]["accreditedFor"] = [{"types": ["OpenBadgeCredential"]}]
        registry = chain_registry(forged)
    elif case == "expired":
        registry = chain_registry(
            accreditation(acc, ISSUER, ATTEST, valid_until="2024-02-01T00:00:00Z")
        )
    elif case == "no-root":
        registry = chain_registry(roots=())
    elif case == "accreditor-not-accredited-to-accredit":
        registry = chain_registry(
            accreditor_accreditation=accreditation((ROOT_KEY, ROOT, ROOT_VM), ACCREDITOR, ATTEST)
        )
    else:
        registry = chain_registry(accreditation(acc, ISSUER, ACCREDIT))
    answer = recognise(registry, ISSUER, Scope(OB), at=NOW, verify=verify)
    assert not answer.recognised, answer.message
    assert answer.code == "trust.accreditation_invalid", answer.message


def test_scope_narrows_down_the_chain() -> None:
    # the root accredits the agency for CLRs only: it cannot pass on OpenBadgeCredential
    registry = chain_registry(
        accreditor_accreditation=accreditation(
            (ROOT_KEY, ROOT, ROOT_VM), ACCREDITOR, ACCREDIT, [{"types": ["ClrCredential"]}]
        )
    )
    answer = recognise(registry, ISSUER, Scope(OB), at=NOW, verify=verify)
    assert not answer.recognised
    assert "did not accredit" in answer.message


def test_scope_of_a_credential() -> None:
    badge = _badge()
    scope = scope_of(badge)
    assert "OpenBadgeCredential" in scope.types
    assert scope.achievements == (badge["credentialSubject"]["achievement"]["id"],)
    assert scope.frameworks  # the demo badge aligns to ESCO
    sd_jwt = scope_of({"vct": "https://x.example/vct", "achievement": {"id": "a"}})
    assert sd_jwt.types == ("https://x.example/vct",)
    assert sd_jwt.achievements == ("a",)


def test_with_trust_adds_a_trust_check_from_the_verified_issuer() -> None:
    signed = issue(_badge(), BADGE_KEY, verification_method=BADGE_VM, created=ISSUED)
    report = verify_credential(signed, _ctx())
    registry = Registry("r", (RegistryEntry(BADGE_ISSUER, "Demo"),))

    def evaluate(issuer: str | None, scope: Scope) -> Any:
        return recognise(registry, issuer, scope, at=NOW)

    trusted = with_trust(report, evaluate)
    check = trusted.check(Check.TRUST)
    assert check is not None
    assert check.status is CheckStatus.PASS
    assert trusted.verified
    untrusted = with_trust(report, lambda i, s: recognise(Registry("empty"), i, s, at=NOW))
    check = untrusted.check(Check.TRUST)
    assert check is not None
    assert check.status is CheckStatus.WARNING
    assert check.code is C.ISSUER_UNTRUSTED
    assert untrusted.verified  # untrusted is a warning, not a failure
    forged = copy.deepcopy(signed)
    forged["name"] = "Forged"
    not_established = with_trust(verify(forged), evaluate)
    check = not_established.check(Check.TRUST)
    assert check is not None
    assert check.status is CheckStatus.NOT_RUN
