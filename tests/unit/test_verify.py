"""The verification pipeline on credentials lerkit signs itself (keys from fixed seeds).

Each case checks the verdict (valid / invalid / indeterminate) and the problem code, and
that "could not check" never turns into "invalid" or the other way round.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lerkit.core import dataintegrity, jose
from lerkit.core.dids.key import did_key, verification_method_id
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import InputError, ProblemCode, ResolutionError
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.report import Check, CheckStatus, Verdict, VerificationReport
from lerkit.core.status import BitstringStatusList, status_entry, status_list_credential
from lerkit.core.verify import VerifyContext, verify_credential, verify_presentation
from lerkit.demo import demo_badge

C = ProblemCode
ISSUED = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 6, 1, tzinfo=UTC)
LIST_URL = "https://example.org/status/1"
SUSPEND_URL = "https://example.org/status/suspension"


def _key(n: int) -> PrivateKey:
    return PrivateKey.from_secret(KeyType.ED25519, bytes([n]) * 32)


ISSUER_KEY, HOLDER_KEY, OTHER_KEY = _key(1), _key(2), _key(3)
ISSUER = did_key(ISSUER_KEY.public_key)
HOLDER = did_key(HOLDER_KEY.public_key)
OTHER = did_key(OTHER_KEY.public_key)
ISSUER_VM = verification_method_id(ISSUER_KEY.public_key)
HOLDER_VM = verification_method_id(HOLDER_KEY.public_key)
OTHER_VM = verification_method_id(OTHER_KEY.public_key)
RESOLVER = MethodResolver()


class Lists:
    def __init__(self, **lists: Any) -> None:
        self.lists = {LIST_URL if k == "revocation" else SUSPEND_URL: v for k, v in lists.items()}

    def get(self, url: str) -> dict[str, Any]:
        if url not in self.lists:
            raise ResolutionError(f"no list at {url}", C.STATUS_UNRESOLVABLE)
        result: dict[str, Any] = self.lists[url]
        return result


def _list(
    purpose: str = "revocation",
    set_index: int | None = None,
    key: PrivateKey = ISSUER_KEY,
    issuer: str = ISSUER,
    url: str = LIST_URL,
) -> dict[str, Any]:
    bits = BitstringStatusList.new()
    if set_index is not None:
        bits.set(set_index)
    unsigned = status_list_credential(url, issuer, purpose, bits, valid_from=ISSUED)
    vm = verification_method_id(key.public_key)
    options = dataintegrity.ProofOptions("eddsa-rdfc-2022", vm, created=ISSUED)
    return dataintegrity.add_proof(unsigned, key, options)


def _ctx(now: datetime = NOW, **lists: Any) -> VerifyContext:
    if not lists:
        lists = {"revocation": _list()}
    return VerifyContext(resolver=RESOLVER, now=now, status_lists=Lists(**lists))


def _badge(**changes: Any) -> dict[str, Any]:
    badge = demo_badge(
        issuer_did=ISSUER,
        subject_did=HOLDER,
        credential_id="urn:uuid:0b4f3a52-7c5a-4a34-9a4b-7e0d2a1f6c11",
        valid_from=ISSUED,
        status_list_url=LIST_URL,
    )
    badge.update(changes)
    return badge


def _signed(credential: dict[str, Any] | None = None, suite: str = "eddsa-rdfc-2022") -> Any:
    return issue(
        credential if credential is not None else _badge(),
        ISSUER_KEY,
        verification_method=ISSUER_VM,
        created=ISSUED,
        suite=suite,
    )


SIGNED = _signed()


def _check(report: VerificationReport, verdict: Verdict, code: ProblemCode | None) -> None:
    assert report.verdict is verdict, report.to_json()
    if code is not None:
        status = {
            Verdict.INVALID: CheckStatus.FAIL,
            Verdict.INDETERMINATE: CheckStatus.COULD_NOT_CHECK,
            Verdict.VALID: CheckStatus.WARNING,
        }[verdict]
        assert any(c.code is code and c.status is status for c in report.checks), report.to_json()
    json.dumps(report.to_json(include_document=True))


# --------------------------------------------------------------------------- credentials


def test_valid() -> None:
    report = verify_credential(SIGNED, _ctx())
    _check(report, Verdict.VALID, None)
    assert report.verified
    assert report.codes == []
    assert [c.status for c in report.checks] == [CheckStatus.PASS] * 7


def test_tampered_subject() -> None:
    doc = copy.deepcopy(SIGNED)
    doc["credentialSubject"]["result"][0]["value"] = "100"
    _check(verify_credential(doc, _ctx()), Verdict.INVALID, C.PROOF_INVALID)


def test_tampered_proof_value() -> None:
    doc = copy.deepcopy(SIGNED)
    value = doc["proof"]["proofValue"]
    doc["proof"]["proofValue"] = value[:-4] + ("A" if value[-4] != "A" else "B") + value[-3:]
    report = verify_credential(doc, _ctx())
    assert report.verdict is Verdict.INVALID
    assert report.check(Check.PROOF).status is CheckStatus.FAIL  # type: ignore[union-attr]


def test_wrong_key_issuer_not_controller() -> None:
    options = dataintegrity.ProofOptions("eddsa-rdfc-2022", OTHER_VM, created=ISSUED)
    doc = dataintegrity.add_proof(_badge(), OTHER_KEY, options)
    report = verify_credential(doc, _ctx())
    _check(report, Verdict.INVALID, C.ISSUER_MISMATCH)
    assert report.check(Check.PROOF).status is CheckStatus.PASS  # type: ignore[union-attr]


def test_expired() -> None:
    doc = _signed(_badge(validUntil="2024-03-01T00:00:00Z"))
    _check(verify_credential(doc, _ctx()), Verdict.INVALID, C.VALIDITY_EXPIRED)


def test_not_yet_valid() -> None:
    _check(
        verify_credential(SIGNED, _ctx(now=ISSUED - timedelta(days=1))),
        Verdict.INVALID,
        C.VALIDITY_NOT_YET_VALID,
    )


def test_unknown_context_is_invalid() -> None:
    # contexts are never fetched: a credential needing an unknown one is refused (invalid)
    doc = copy.deepcopy(SIGNED)
    doc["@context"] = [*doc["@context"], "https://example.org/unbundled/context.jsonld"]
    report = verify_credential(doc, _ctx())
    _check(report, Verdict.INVALID, C.CONTEXT_UNKNOWN)
    assert report.check(Check.PROOF).status is CheckStatus.NOT_RUN  # type: ignore[union-attr]


def test_undefined_term_is_invalid() -> None:
    doc = copy.deepcopy(SIGNED)
    doc["credentialSubject"]["favouriteColour"] = "blue"
    _check(verify_credential(doc, _ctx()), Verdict.INVALID, C.JSONLD_UNDEFINED_TERM)


def test_revoked() -> None:
    report = verify_credential(SIGNED, _ctx(revocation=_list(set_index=42)))
    _check(report, Verdict.INVALID, C.STATUS_REVOKED)


def test_other_entry_revoked_leaves_this_one_valid() -> None:
    _check(verify_credential(SIGNED, _ctx(revocation=_list(set_index=41))), Verdict.VALID, None)


def _suspendable(lists: dict[str, Any]) -> VerificationReport:
    # the OB 3.0 schema allows one credentialStatus object, so this badge has only this one
    badge = _badge(credentialStatus=status_entry(SUSPEND_URL, 7, "suspension"))
    return verify_credential(_signed(badge), _ctx(**lists))


def test_suspended_then_unsuspended() -> None:
    suspended = _list("suspension", set_index=7, url=SUSPEND_URL)
    report = _suspendable({"suspension": suspended})
    _check(report, Verdict.INVALID, C.STATUS_SUSPENDED)
    assert report.codes == [C.STATUS_SUSPENDED]
    lifted = _list("suspension", url=SUSPEND_URL)
    _check(_suspendable({"suspension": lifted}), Verdict.VALID, None)


def test_two_status_entries() -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER},
        "credentialStatus": [
            status_entry(LIST_URL, 42, "revocation"),
            status_entry(SUSPEND_URL, 7, "suspension"),
        ],
    }
    doc = _signed(credential)
    lifted = _list("suspension", url=SUSPEND_URL)
    _check(verify_credential(doc, _ctx(revocation=_list(), suspension=lifted)), Verdict.VALID, None)
    suspended = _list("suspension", set_index=7, url=SUSPEND_URL)
    report = verify_credential(doc, _ctx(revocation=_list(), suspension=suspended))
    _check(report, Verdict.INVALID, C.STATUS_SUSPENDED)
    report = verify_credential(doc, _ctx(revocation=_list()))  # suspension list missing
    _check(report, Verdict.INDETERMINATE, C.STATUS_UNRESOLVABLE)


def test_status_list_unavailable_is_indeterminate() -> None:
    ctx = VerifyContext(resolver=RESOLVER, now=NOW)  # no status lists at all
    _check(verify_credential(SIGNED, ctx), Verdict.INDETERMINATE, C.STATUS_UNRESOLVABLE)


def test_status_list_bad_signature_fails() -> None:
    bad = _list()
    bad["proof"]["proofValue"] = _list(set_index=3)["proof"]["proofValue"]
    _check(verify_credential(SIGNED, _ctx(revocation=bad)), Verdict.INVALID, C.STATUS_LIST_INVALID)


def test_status_list_claiming_issuer_but_signed_by_other_fails() -> None:
    forged = _list(key=OTHER_KEY, issuer=ISSUER)
    _check(
        verify_credential(SIGNED, _ctx(revocation=forged)), Verdict.INVALID, C.STATUS_LIST_INVALID
    )


def test_status_list_of_another_issuer_is_could_not_check() -> None:
    """Decision: a list issued (and properly signed) by someone other than the credential's
    issuer does not show the credential invalid, but its status is not trusted either."""
    other = _list(key=OTHER_KEY, issuer=OTHER)
    report = verify_credential(SIGNED, _ctx(revocation=other))
    _check(report, Verdict.INDETERMINATE, C.STATUS_LIST_INVALID)
    assert OTHER in report.check(Check.STATUS).message  # type: ignore[union-attr]


def test_naive_now_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        VerifyContext(resolver=RESOLVER, now=datetime(2024, 6, 1))


# --------------------------------------------------------------------------- VC-JWT


JWT = _signed(suite="vc-jwt")


def test_jwt_valid() -> None:
    report = verify_credential(JWT, _ctx())
    _check(report, Verdict.VALID, None)
    assert report.format == "jwt"


def test_jwt_tampered() -> None:
    header, payload, signature = JWT.split(".")
    doc = json.loads(jose.b64url_decode(payload))
    doc["name"] = "Something else"
    forged = ".".join([header, jose.b64url_encode(json.dumps(doc).encode()), signature])
    _check(verify_credential(forged, _ctx()), Verdict.INVALID, C.JWT_INVALID_SIGNATURE)


def test_jwt_expired() -> None:
    token = _signed(_badge(validUntil="2024-03-01T00:00:00Z"), suite="vc-jwt")
    _check(verify_credential(token, _ctx()), Verdict.INVALID, C.VALIDITY_EXPIRED)


def test_jwt_exp_claim_is_enforced() -> None:
    badge = _badge()
    badge.pop("credentialStatus")
    token = jose.sign_jwt(
        {**badge, "exp": int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())},
        ISSUER_KEY,
        ISSUER_VM,
        "vc+jwt",
    )
    _check(verify_credential(token, _ctx()), Verdict.INVALID, C.VALIDITY_EXPIRED)


def test_jwt_signed_by_other_key() -> None:
    token = jose.secure_credential(_badge(), OTHER_KEY, OTHER_VM)
    _check(verify_credential(token, _ctx()), Verdict.INVALID, C.ISSUER_MISMATCH)


def test_jwt_garbage() -> None:
    _check(verify_credential("not.a.jwt", _ctx()), Verdict.INVALID, C.JWT_MALFORMED)


def test_enveloped_credential() -> None:
    enveloped = jose.envelope_credential(JWT)
    _check(verify_credential(enveloped, _ctx()), Verdict.VALID, None)


# --------------------------------------------------------------------------- VC 1.1


def _v1(expiration: str | None = None) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:8f7a2b8e-6f5e-4c8f-9d1f-1d5f1b0f4a01",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER},
    }
    if expiration is not None:
        credential["expirationDate"] = expiration
    return _signed(credential, suite="ed25519-signature-2020")  # type: ignore[no-any-return]


def test_vc11_valid() -> None:
    report = verify_credential(_v1("2030-01-01T00:00:00Z"), _ctx())
    _check(report, Verdict.VALID, None)
    assert report.check(Check.PROOF).status is CheckStatus.PASS  # type: ignore[union-attr]


def test_vc11_expired() -> None:
    _check(
        verify_credential(_v1("2024-03-01T00:00:00Z"), _ctx()), Verdict.INVALID, C.VALIDITY_EXPIRED
    )


# --------------------------------------------------------------------------- presentations


def _vp(
    credentials: list[Any] | None = None,
    *,
    key: PrivateKey = HOLDER_KEY,
    holder: str = HOLDER,
    challenge: str = "c-123",
    domain: str = "verifier.example",
) -> dict[str, Any]:
    vp = create_presentation(credentials if credentials is not None else [SIGNED], holder=holder)
    if key is HOLDER_KEY:
        signed = sign_presentation(
            vp,
            key,
            verification_method=HOLDER_VM,
            created=ISSUED,
            challenge=challenge,
            domain=domain,
        )
        assert isinstance(signed, dict)
        return signed
    vm = verification_method_id(key.public_key)
    options = dataintegrity.ProofOptions(
        "eddsa-rdfc-2022",
        vm,
        proof_purpose="authentication",
        created=ISSUED,
        challenge=challenge,
        domain=domain,
    )
    return dataintegrity.add_proof(vp, key, options)


def _verify_vp(
    vp: Any, challenge: str | None = "c-123", domain: str | None = "verifier.example"
) -> VerificationReport:
    return verify_presentation(vp, _ctx(), challenge=challenge, domain=domain)


def test_presentation_valid() -> None:
    report = _verify_vp(_vp())
    _check(report, Verdict.VALID, None)
    assert [r.verdict for r in report.credentials] == [Verdict.VALID]


def test_presentation_wrong_challenge() -> None:
    _check(_verify_vp(_vp(), challenge="other"), Verdict.INVALID, C.PROOF_CHALLENGE_MISMATCH)


def test_presentation_wrong_domain() -> None:
    _check(_verify_vp(_vp(), domain="evil.example"), Verdict.INVALID, C.PROOF_DOMAIN_MISMATCH)


def test_presentation_holder_not_signer() -> None:
    _check(_verify_vp(_vp(key=OTHER_KEY)), Verdict.INVALID, C.HOLDER_MISMATCH)


def test_presentation_with_invalid_credential() -> None:
    expired = _signed(_badge(validUntil="2024-03-01T00:00:00Z"))
    report = _verify_vp(_vp([SIGNED, expired]))
    _check(report, Verdict.INVALID, C.VALIDITY_EXPIRED)
    assert report.check(Check.CREDENTIALS).code is C.VALIDITY_EXPIRED  # type: ignore[union-attr]
    assert report.check(Check.PROOF).status is CheckStatus.PASS  # type: ignore[union-attr]


def test_presentation_with_uncheckable_credential_is_indeterminate() -> None:
    report = verify_presentation(
        _vp(), VerifyContext(resolver=RESOLVER, now=NOW), challenge="c-123", domain=None
    )
    _check(report, Verdict.INDETERMINATE, C.STATUS_UNRESOLVABLE)


def test_presentation_without_proof() -> None:
    vp = create_presentation([SIGNED], holder=HOLDER)
    _check(_verify_vp(vp), Verdict.INVALID, C.PROOF_MISSING)
    # nothing was asked of the holder: reported, but only as a warning
    _check(_verify_vp(vp, challenge=None, domain=None), Verdict.VALID, C.PROOF_MISSING)


def test_presentation_with_enveloped_jwt() -> None:
    report = _verify_vp(_vp([JWT]))
    _check(report, Verdict.VALID, None)
    assert report.credentials[0].format == "jwt"


def test_jwt_presentation() -> None:
    vp = create_presentation([JWT], holder=HOLDER)
    token = sign_presentation(
        vp,
        HOLDER_KEY,
        verification_method=HOLDER_VM,
        created=ISSUED,
        challenge="c-123",
        domain="verifier.example",
        suite="vc-jwt",
    )
    _check(_verify_vp(token), Verdict.VALID, None)
    _check(_verify_vp(token, challenge="other"), Verdict.INVALID, C.PROOF_CHALLENGE_MISMATCH)
    _check(_verify_vp(token, domain="evil.example"), Verdict.INVALID, C.PROOF_DOMAIN_MISMATCH)


# --------------------------------------------------------------------------- robustness

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "@context",
    "type",
    "issuer",
    "validFrom",
    "validUntil",
    "credentialSubject",
    "credentialStatus",
    "proof",
    "issuanceDate",
    "expirationDate",
    "id",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_never_raises_on_random_json(value: Any) -> None:
    report = verify_credential(value, _ctx())
    assert report.verdict in set(Verdict)
    json.dumps(report.to_json())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KEYS), JSON, st.booleans())
def test_never_raises_on_mutated_credential(key: str, value: Any, drop: bool) -> None:
    doc = copy.deepcopy(SIGNED)
    if drop:
        doc.pop(key, None)
    else:
        doc[key] = value
    report = verify_credential(doc, _ctx())
    if doc != SIGNED:  # any change to a signed credential must stop it being valid
        assert report.verdict is not Verdict.VALID, report.to_json()
    json.dumps(report.to_json())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["proof", "credentialStatus", "credentialSubject", "issuer"]), JSON)
def test_never_raises_on_mutated_members(key: str, value: Any) -> None:
    doc = copy.deepcopy(SIGNED)
    target = doc[key][0] if isinstance(doc[key], list) else doc[key]
    if isinstance(target, dict) and target:
        member = sorted(target)[0]
        target[member] = value
    report = verify_credential(doc, _ctx())
    json.dumps(report.to_json())
    vp = create_presentation([doc], holder=HOLDER)
    presentation = verify_presentation(vp, _ctx(), challenge=None, domain=None)
    json.dumps(presentation.to_json())


def test_revocation_and_suspension_entries_pass_the_schema_with_a_warning() -> None:
    """An OB 3.0 badge with two status entries (VC 2.0) against the one-object 1EdTech
    schema: each entry is checked; the badge is valid with a schema warning."""
    badge = _badge(
        credentialStatus=[
            status_entry(LIST_URL, 42, "revocation"),
            status_entry(SUSPEND_URL, 7, "suspension"),
        ]
    )
    lists = {"revocation": _list(), "suspension": _list("suspension", url=SUSPEND_URL)}
    report = verify_credential(_signed(badge), _ctx(**lists))
    _check(report, Verdict.VALID, C.SCHEMA_STATUS_ARRAY)
    schema = report.check(Check.SCHEMA)
    assert schema is not None
    assert schema.status is CheckStatus.WARNING
    suspended = {"revocation": _list(), "suspension": _list("suspension", 7, url=SUSPEND_URL)}
    _check(
        verify_credential(_signed(badge), _ctx(**suspended)), Verdict.INVALID, C.STATUS_SUSPENDED
    )
