"""Verifying what a holder receives, whatever its format, into one VerificationReport.

``ldp_vc`` and ``jwt_vc`` go to the instance verifier (:class:`Verifier`). SD-JWT VCs are
checked with :func:`lerkit.core.sdjwt.verify_sd_jwt_vc` (issuer key by DID, disclosures,
``nbf``/``exp``); a ``status`` claim (token status list) is reported as a warning: it is
not checked. Open Badges 2.0 assertions are not verifiable credentials: a hosted assertion
is compared with the issuer's copy at its ``id`` (fetched through the bounded fetcher);
a signed one is "could not check"; either way a warning says what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from lerkit.core.dids.base import DidResolver
from lerkit.core.errors import CryptoError, InputError, LerkitError, ProblemCode, ResolutionError
from lerkit.core.report import Check, CheckResult, CheckStatus, VerificationReport
from lerkit.core.sdjwt import verify_sd_jwt_vc
from lerkit.core.suites.ecdsa_sd_2023 import find_base_proof
from lerkit.core.types import JsonObject
from lerkit.core.verify import verify_credential
from lerkit.services.verification import Verifier
from lerkit.services.wallet.documents import JWT_VC, LDP_VC, OB2, SD_JWT_VC, Received

FetchJson = Callable[[str], Any]


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_received(
    received: Received,
    *,
    verifier: Verifier,
    resolver: DidResolver,
    fetch_json: FetchJson,
    now: datetime,
) -> VerificationReport:
    if (
        received.format == LDP_VC
        and isinstance(received.value, dict)
        and has_sd_base(received.value)
    ):
        return _verify_sd_base(received.value, verifier, now)
    if received.format in (LDP_VC, JWT_VC):
        return verifier.verify_credential(received.value, now)
    if received.format == SD_JWT_VC:
        assert isinstance(received.value, str)
        return _verify_sd_jwt(received.value, resolver, now)
    assert received.format == OB2
    try:  # the full OB 2.0 verifier (hosted and signed) of the trust area, when present
        from lerkit.core.ob2 import verify_ob2
    except ImportError:  # pragma: no cover - only without lerkit.core.ob2
        return _verify_ob2(received, fetch_json, now)
    value: JsonObject | str = received.hosted_url or received.value
    return verify_ob2(value, fetch=fetch_json, now=now)


def has_sd_base(document: JsonObject) -> bool:
    """Whether ``document`` carries an ecdsa-sd-2023 *base* proof (the holder's copy, from
    which presentations derive a proof revealing only what a verifier asks)."""
    try:
        find_base_proof(document)
    except InputError:
        return False
    return True


def _verify_sd_base(document: JsonObject, verifier: Verifier, now: datetime) -> VerificationReport:
    """A base proof is checked as its holder does (``confirm_sd_base``): the issuer's base
    signature, the HMAC key and every per-statement signature. A verifier would refuse it
    (``sd.base_proof``): it only ever sees derived proofs."""
    context = replace(verifier._context(now), confirm_sd_base=True)
    return verify_credential(document, context)


def _verify_sd_jwt(token: str, resolver: DidResolver, now: datetime) -> VerificationReport:
    checks: list[CheckResult] = []
    try:
        result = verify_sd_jwt_vc(token, resolver, now=now, require_key_binding=False)
    except InputError as exc:
        checks.append(CheckResult(Check.SYNTAX, CheckStatus.FAIL, str(exc), exc.code))
        return VerificationReport("credential", "sd-jwt", tuple(checks), verified_at=_stamp(now))
    except ResolutionError as exc:
        checks.append(CheckResult(Check.SYNTAX, CheckStatus.PASS, "a well-formed SD-JWT VC"))
        checks.append(CheckResult(Check.ISSUER, CheckStatus.COULD_NOT_CHECK, str(exc), exc.code))
        return VerificationReport("credential", "sd-jwt", tuple(checks), verified_at=_stamp(now))
    except CryptoError as exc:
        checks.append(CheckResult(Check.SYNTAX, CheckStatus.PASS, "a well-formed SD-JWT VC"))
        check = Check.ISSUER if exc.code is ProblemCode.ISSUER_MISMATCH else Check.PROOF
        checks.append(CheckResult(check, CheckStatus.FAIL, str(exc), exc.code))
        return VerificationReport("credential", "sd-jwt", tuple(checks), verified_at=_stamp(now))
    except LerkitError as exc:
        checks.append(CheckResult(Check.PROOF, CheckStatus.FAIL, str(exc), exc.code))
        return VerificationReport("credential", "sd-jwt", tuple(checks), verified_at=_stamp(now))
    checks.append(CheckResult(Check.SYNTAX, CheckStatus.PASS, "a well-formed SD-JWT VC"))
    checks.append(
        CheckResult(
            Check.PROOF,
            CheckStatus.PASS,
            f"the issuer's signature and {len(result.disclosed_paths)} disclosure(s) hold",
        )
    )
    vm = result.verification_method.id if result.verification_method else None
    checks.append(
        CheckResult(Check.ISSUER, CheckStatus.PASS, f"signed with {vm or 'the issuer key'}")
    )
    if ProblemCode.VALIDITY_EXPIRED in result.time_findings:
        checks.append(
            CheckResult(
                Check.VALIDITY,
                CheckStatus.FAIL,
                "the credential has expired (exp)",
                ProblemCode.VALIDITY_EXPIRED,
            )
        )
    elif ProblemCode.VALIDITY_NOT_YET_VALID in result.time_findings:
        checks.append(
            CheckResult(
                Check.VALIDITY,
                CheckStatus.FAIL,
                "the credential is not valid yet (nbf)",
                ProblemCode.VALIDITY_NOT_YET_VALID,
            )
        )
    else:
        checks.append(CheckResult(Check.VALIDITY, CheckStatus.PASS, "within its validity period"))
    if "status" in result.payload:
        checks.append(
            CheckResult(
                Check.STATUS,
                CheckStatus.WARNING,
                "the credential names a token status list, which this wallet does not check",
                ProblemCode.STATUS_UNSUPPORTED,
            )
        )
    else:
        checks.append(CheckResult(Check.STATUS, CheckStatus.NOT_RUN, "no status to check"))
    return VerificationReport(
        "credential", "sd-jwt", tuple(checks), document=result.claims, verified_at=_stamp(now)
    )


def _verify_ob2(received: Received, fetch_json: FetchJson, now: datetime) -> VerificationReport:
    warning = CheckResult(
        Check.SYNTAX,
        CheckStatus.WARNING,
        "an Open Badges 2.0 assertion: not a verifiable credential (no Data Integrity proof); "
        "it is checked against the issuer's hosted copy when it has one",
        ProblemCode.CREDENTIAL_MALFORMED,
    )
    checks = [warning]
    value = received.value
    if isinstance(value, str) and received.hosted_url is None:
        checks.append(
            CheckResult(
                Check.PROOF,
                CheckStatus.COULD_NOT_CHECK,
                "a signed Open Badges 2.0 assertion (JWS): its issuer key is not checked",
                ProblemCode.PROOF_UNSUPPORTED,
            )
        )
        return VerificationReport("credential", "ob2", tuple(checks), verified_at=_stamp(now))
    url = received.hosted_url or (value.get("id") if isinstance(value, dict) else None)
    verification = value.get("verification") if isinstance(value, dict) else None
    kind = verification.get("type") if isinstance(verification, dict) else "hosted"
    if str(kind).lower() not in ("hosted", "hostedbadge") or not isinstance(url, str):
        checks.append(
            CheckResult(
                Check.PROOF,
                CheckStatus.COULD_NOT_CHECK,
                "the assertion is neither hosted at an https id nor checkable here",
                ProblemCode.PROOF_UNSUPPORTED,
            )
        )
        return VerificationReport("credential", "ob2", tuple(checks), verified_at=_stamp(now))
    try:
        hosted = fetch_json(url)
    except LerkitError as exc:
        checks.append(
            CheckResult(
                Check.PROOF,
                CheckStatus.COULD_NOT_CHECK,
                f"the issuer's hosted copy could not be fetched: {exc}",
                exc.code,
            )
        )
        return VerificationReport("credential", "ob2", tuple(checks), verified_at=_stamp(now))
    if isinstance(value, dict) and not _same_assertion(value, hosted):
        checks.append(
            CheckResult(
                Check.PROOF,
                CheckStatus.FAIL,
                "the assertion differs from the issuer's hosted copy",
                ProblemCode.PROOF_INVALID,
            )
        )
    else:
        checks.append(CheckResult(Check.PROOF, CheckStatus.PASS, "the issuer hosts this assertion"))
    if isinstance(hosted, dict) and hosted.get("revoked") is True:
        checks.append(
            CheckResult(
                Check.STATUS,
                CheckStatus.FAIL,
                "the issuer has revoked this assertion",
                ProblemCode.STATUS_REVOKED,
            )
        )
    return VerificationReport(
        "credential",
        "ob2",
        tuple(checks),
        document=hosted if isinstance(hosted, dict) else None,
        verified_at=_stamp(now),
    )


def _same_assertion(ours: dict[str, Any], hosted: Any) -> bool:
    if not isinstance(hosted, dict):
        return False
    return all(ours.get(k) == hosted.get(k) for k in ("id", "badge", "recipient", "issuedOn"))
