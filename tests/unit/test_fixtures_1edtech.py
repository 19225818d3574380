"""Every 1EdTech validator fixture through the verification pipeline, one row each.

Source: 1EdTech/digital-credentials-public-validator @ 38254719cf0a (Apache-2.0), the
test resources of inspector-vc / inspector-clr / inspector-tcp-vc (see
tests/fixtures/1edtech-validator/INDEX.json).

The fixtures name their keys ``<controller URL>#<publicKeyMultibase>`` with controllers
that do not resolve. 1EdTech's validator (EmbeddedProofProbe.java) takes the key from the
``#z6Mk…`` fragment; :class:`FragmentResolver` does the same for URL controllers and uses
lerkit's own :class:`MethodResolver` for DIDs. ``*-err-*`` fixtures must fail with a
fitting problem code; any other fixture that does not verify says why in its row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from lerkit.core.dataintegrity import multikey_verification_method
from lerkit.core.dids.base import split_did_url
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import KeyFormatError, ProblemCode, ResolutionError
from lerkit.core.keys import PublicKey
from lerkit.core.report import CheckStatus, Verdict
from lerkit.core.verify import VerifyContext, parse_document, verify_credential
from support import FIXTURES

BASE = FIXTURES / "1edtech-validator"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
TESTLIST_URL = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/"
    "heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)


class FragmentResolver:
    """A controller document for ``<url>#<publicKeyMultibase>`` built from the fragment
    (as 1EdTech's harness does); DIDs go to :class:`MethodResolver` (offline)."""

    def __init__(self, *documents: Any) -> None:
        self.methods = MethodResolver()
        self.keys: dict[str, list[str]] = {}
        for doc in documents:
            self._collect(doc)

    def _collect(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        proofs = doc.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            method = proof.get("verificationMethod") if isinstance(proof, dict) else None
            if not isinstance(method, str):
                continue
            base, fragment = split_did_url(method)
            if fragment and fragment.startswith("z") and not base.startswith("did:"):
                self.keys.setdefault(base, []).append(fragment)

    def resolve(self, did: str) -> dict[str, Any]:
        base, _ = split_did_url(did)
        if base.startswith("did:") or base not in self.keys:
            return self.methods.resolve(base)
        methods = []
        for fragment in self.keys[base]:
            try:
                methods.append(
                    multikey_verification_method(PublicKey.from_multikey(fragment), base)
                )
            except KeyFormatError:
                continue  # a garbled fragment: no key, so "not found"
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": base,
            "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods],
        }


class StatusLists:
    def __init__(self, lists: dict[str, Any]) -> None:
        self.lists = lists

    def get(self, url: str) -> dict[str, Any]:
        if url not in self.lists:
            raise ResolutionError(f"no status list {url}", ProblemCode.STATUS_UNRESOLVABLE)
        result: dict[str, Any] = self.lists[url]
        return result


@dataclass(frozen=True)
class Row:
    file: str
    verdict: Verdict
    code: ProblemCode | None = None
    reason: str = ""


V, X, U = Verdict.VALID, Verdict.INVALID, Verdict.INDETERMINATE
C = ProblemCode

ROWS = [
    # ---- valid
    Row("ob30/simple.json", V),
    Row("ob30/simple.1ob", V, reason="the same credential as simple.json, as a .1ob file"),
    Row(
        "ob30/complete.json",
        U,
        C.STATUS_UNSUPPORTED,
        "proof, schema and dates pass; its 1EdTechRevocationList status is not supported, "
        "so revocation could not be checked",
    ),
    Row("ob30/endorsement-valid.json", V),
    Row("ob30/simple-context-alias.json", V),
    Row("ob30/simple-context-version.json", V),
    Row("ob30/simple-did-web-method.json", V),
    Row(
        "ob30/simple-multiple-proofs.json",
        V,
        C.PROOF_UNSUPPORTED,
        "the eddsa-rdfc-2022 proof verifies; the other proof ('SomeProofType') is not "
        "supported and is reported as a warning",
    ),
    Row("clr20/simple.json", V),
    Row(
        "ob30/sd/derivedcredential.json",
        V,
        reason="ecdsa-sd-2023 derived proof (15 disclosed statements, each signed by the "
        "proof key; no mandatory one), issuer P-256 key from the #zDnae... fragment: valid, "
        "as for 1EdTech's validator",
    ),
    Row(
        "ob30/simple_v1.json",
        V,
        C.SCHEMA_UNKNOWN,
        "VC 1.1-era credential: verifies; the bundled schemas are VCDM 2.0 ones, so it is "
        "not schema-checked (warning)",
    ),
    Row("clr20/simple_v1.json", V, C.SCHEMA_UNKNOWN, "VC 1.1-era schema not checked (warning)"),
    # ---- valid for 1EdTech, not (or not checkable) here, for a documented reason
    Row(
        "ob30/simple-did-key-method.json",
        X,
        C.ISSUER_MISMATCH,
        "the proof verifies (a bare did:key verificationMethod is read as its one key), but "
        "the issuer is a urn:uuid, which cannot control that did:key; 1EdTech's validator "
        "does not check that the issuer controls the key, lerkit does",
    ),
    Row(
        "clr20/complex.json",
        X,
        C.ISSUER_MISMATCH,
        "as simple-did-key-method: the proof verifies, the urn:uuid issuer does not control "
        "the key",
    ),
    Row(
        "ob30/simple-eddsa-2022.json",
        U,
        C.PROOF_UNSUPPORTED,
        "pre-REC cryptosuite name 'eddsa-2022' is not implemented",
    ),
    Row(
        "clr20/simple_old_safesigned.json",
        X,
        C.CONTEXT_UNKNOWN,
        "needs the retired draft CLR context https://dc.imsglobal.org/draft/clr/v2p0/context, "
        "which is not bundled: contexts are never fetched, so it is refused",
    ),
    Row(
        "clr20/simple-noproof.json",
        X,
        C.CONTEXT_UNKNOWN,
        "retired draft CLR context not bundled (it also has no proof)",
    ),
    Row(
        "clr20/simple.jwt",
        X,
        C.CONTEXT_UNKNOWN,
        "RS256 VC 1.1 JWT whose key is only in its jwk header (nothing ties it to the "
        "issuer) and whose credential uses the retired draft CLR context",
    ),
    Row(
        "ob30/simple.jwt",
        U,
        C.DID_UNRESOLVABLE,
        "RS256 JWT without kid: the issuer's key (https://example.edu/issuers/565049) is "
        "not available offline",
    ),
    Row(
        "ob30/velocity.jwt",
        X,
        C.DID_UNSUPPORTED_METHOD,
        "kid is a did:velocity DID, a method lerkit does not resolve",
    ),
    Row(
        "ob30/credential-status-revoked.json",
        U,
        C.STATUS_UNSUPPORTED,
        "VC 1.1 credential revoked through a 1EdTechRevocationList, which is not "
        "supported: revocation could not be checked (the proof verifies)",
    ),
    Row(
        "ob30/complete_v1.json",
        X,
        C.VALIDITY_EXPIRED,
        "expired on 2020-01-01; also uses the credentialSchema type "
        "1EdTechJsonSchemaValidator2019, undefined by its VC 1.1 contexts",
    ),
    Row(
        "tcp/LER-RS_V2_UC008_portability.json",
        X,
        C.CREDENTIAL_MALFORMED,
        "issuer is 'Resume Builder', not a URL; HR Open context not bundled; RsaSignature2018",
    ),
    Row("tcp/LER-RS_V2_UC009_exchanging.json", X, C.CREDENTIAL_MALFORMED, "as UC008"),
    Row("tcp/LER-RS_V2_UC010_applying.json", X, C.CREDENTIAL_MALFORMED, "as UC008"),
    Row("tcp/LER-RS_V2_VCwrapper.json", X, C.CREDENTIAL_MALFORMED, "as UC008"),
    # ---- revoked (the list `testlist` supplied for its URL)
    Row("ob30/bit-string-list/credential-status-revoked.json", X, C.STATUS_REVOKED),
    Row("ob30/bit-string-list/credential-status-revoked-blank-nodes.json", X, C.STATUS_REVOKED),
    # ---- negative cases
    Row("ob30/simple-noproof.json", X, C.PROOF_MISSING),
    Row("ob30/simple-err-expired.json", X, C.VALIDITY_EXPIRED),
    Row(
        "ob30/simple-err-issued.json",
        X,
        C.VALIDITY_NOT_YET_VALID,
        "validFrom is 2040-01-01 (it also lacks credentialSubject.achievement)",
    ),
    Row("ob30/simple-err-proof-value.json", X, C.PROOF_INVALID),
    Row(
        "ob30/simple-err-proof-method.json",
        X,
        C.VERIFICATION_METHOD_NOT_FOUND,
        "the fragment is not a valid key, so the controller has no such method",
    ),
    Row("ob30/simple-err-proof-method-no-scheme.json", X, C.DID_MALFORMED),
    Row("ob30/simple-err-proof-method-unknown-scheme.json", X, C.DID_MALFORMED),
    Row(
        "ob30/simple-err-proof-method-unknown-did-method.json",
        X,
        C.DID_UNSUPPORTED_METHOD,
        "did:example is a DID method lerkit does not support: the proof cannot be accepted",
    ),
    Row(
        "ob30/simple-err-context.json",
        X,
        C.JSONLD_UNDEFINED_TERM,
        "first @context is the OB context, so VC terms are undefined",
    ),
    Row(
        "ob30/simple-err-type.json",
        X,
        C.JSONLD_RELATIVE_IRI,
        "type 'OtherCredential' is not defined by any context",
    ),
    Row("ob30/simple-err-issuer.json", X, C.ISSUER_MALFORMED, "no issuer"),
    Row("ob30/simple-err-issuer-type.json", X, C.SCHEMA_INVALID),
    Row("ob30/simple-err-issuer-parentorg-type.json", X, C.SCHEMA_INVALID),
    Row("ob30/simple-err-issuer-otheridentifier-type.json", X, C.SCHEMA_INVALID),
    Row("ob30/simple-err-credential-subject-type.json", X, C.SCHEMA_INVALID),
    Row("ob30/simple-err-credential-subject-profile-type.json", X, C.SCHEMA_INVALID),
    Row("ob30/simple-err-credential-subject-identifier-type.json", X, C.SCHEMA_INVALID),
    Row("ob30/simple-err-credential-subject-result-type.json", X, C.SCHEMA_INVALID),
    Row(
        "ob30/simple-err-credential-subject-achievement-result-description-type.json",
        X,
        C.SCHEMA_INVALID,
    ),
    Row("ob30/simple-err-evidence-type.json", X, C.SCHEMA_INVALID),
    Row(
        "ob30/endorsement-err-schema-status-refresh.json",
        X,
        C.PROOF_INVALID,
        "VC 1.1 endorsement edited after signing; its schema errors are not checked (1.1)",
    ),
]


def _read(name: str) -> Any:
    return parse_document((BASE / name).read_bytes())


def test_every_fixture_has_a_row() -> None:
    index = json.loads((BASE / "INDEX.json").read_text("utf-8"))
    files = {f for f in index if not f.endswith("/testlist")}
    assert {r.file for r in ROWS} == files
    assert len(ROWS) == len(files)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.file)
def test_fixture_verdict(row: Row) -> None:
    document = _read(row.file)
    testlist = _read("ob30/bit-string-list/testlist")
    ctx = VerifyContext(
        resolver=FragmentResolver(document, testlist),
        now=NOW,
        status_lists=StatusLists({TESTLIST_URL: testlist}),
    )
    report = verify_credential(document, ctx)
    assert report.verdict is row.verdict, (row.reason, report.to_json())
    if row.verdict is not Verdict.VALID:
        assert row.reason or "-err-" in row.file or row.code is not None
    if row.code is not None:
        # the code is on a check whose status matches the verdict
        wanted = {
            Verdict.INVALID: {CheckStatus.FAIL},
            Verdict.INDETERMINATE: {CheckStatus.COULD_NOT_CHECK},
            Verdict.VALID: {CheckStatus.WARNING},
        }[row.verdict]
        assert any(c.code is row.code and c.status in wanted for c in report.checks), (
            report.to_json()
        )
    else:
        assert report.codes == []
    json.dumps(report.to_json())


def test_revoked_needs_the_list() -> None:
    """Without the list the revoked fixture is 'could not check', never valid."""
    document = _read("ob30/bit-string-list/credential-status-revoked.json")
    ctx = VerifyContext(resolver=FragmentResolver(document), now=NOW)
    report = verify_credential(document, ctx)
    assert report.verdict is Verdict.INDETERMINATE
    assert ProblemCode.STATUS_UNRESOLVABLE in report.codes
