"""The verification pipeline: credential or presentation in, :class:`VerificationReport` out.

Pure: the DID resolver, the source of status lists, the document loader and the current
time are arguments. An expired, revoked or tampered credential is a *result*, never an
exception; only a programming error can raise out of here.

Order of checks (each always reported, ``not_run`` when a previous failure makes it
meaningless): syntax, contexts, schema, proof, issuer (or holder), validity, status,
credentials (presentations).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from lerkit.core import dataintegrity, jose
from lerkit.core.dids.base import DidResolver, split_did_url
from lerkit.core.errors import (
    InputError,
    LerkitError,
    ProblemCode,
    ResolutionError,
    could_not_check,
)
from lerkit.core.jsonld import Canonicalizer, DocumentLoader, default_loader, expand
from lerkit.core.jsonvalue import check_json_value, parse_json
from lerkit.core.model import schema as ob_schema
from lerkit.core.model.vc import basic_shape_errors, issuer_id, parse_datetime
from lerkit.core.report import Check, CheckResult, CheckStatus, Verdict, VerificationReport
from lerkit.core.status import check_status
from lerkit.core.suites import suite_for_proof
from lerkit.core.types import JsonObject

S = CheckStatus


class StatusListSource(Protocol):
    """Gives the status list credential at a URL (whole list; never per credential).

    Raise :class:`ResolutionError` when it cannot be obtained.
    """

    def get(self, url: str) -> JsonObject: ...


class NoStatusLists:
    """A source that has no status lists: every status check is 'could not check'."""

    def get(self, url: str) -> JsonObject:
        raise ResolutionError(
            f"status list {url!r} is not available offline "
            "(give it with --resource URL=FILE, or allow the network)",
            ProblemCode.STATUS_UNRESOLVABLE,
        )


@dataclass(frozen=True)
class VerifyContext:
    """Everything a verification needs from outside the core."""

    resolver: DidResolver
    now: datetime
    status_lists: StatusListSource = field(default_factory=NoStatusLists)
    loader: DocumentLoader | None = None
    canonicalizer: Canonicalizer | None = None
    check_schema: bool = True
    verify_nested: bool = False  # also verify the credentials inside a CLR 2.0
    verified_lists: VerifiedLists | None = None  # memo of status lists already verified
    nested_depth: int = 0  # credentials inside a CLR are verified one level down
    confirm_sd_base: bool = False  # the holder checks an ecdsa-sd-2023 *base* proof it receives

    def __post_init__(self) -> None:
        _check_now(self.now)


def _check_now(now: object) -> None:
    if not isinstance(now, datetime):
        raise InputError("now must be a datetime (e.g. datetime.now(UTC))")
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError(
            "now must be timezone-aware (e.g. datetime.now(UTC)); a naive time "
            "cannot be compared with the credential's dates"
        )


def _r(
    check: Check, status: CheckStatus, message: str, code: ProblemCode | None = None, **details: Any
) -> CheckResult:
    return CheckResult(check, status, message, code, dict(details))


def _not_run(check: Check, why: str) -> CheckResult:
    return _r(check, S.NOT_RUN, why)


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- credentials


def verify_credential(credential: JsonObject | str, ctx: VerifyContext) -> VerificationReport:
    """Verify a credential: Data Integrity JSON, a VC-JWT string, or an enveloped credential.

    Raises only :class:`InputError` for a caller mistake (a naive ``ctx.now``); anything
    wrong with the credential is in the report.
    """
    _check_now(ctx.now)
    if isinstance(credential, str):
        return _verify_jwt_credential(credential.strip(), ctx)
    if not isinstance(credential, dict):
        return _malformed("credential", "a credential must be a JSON object or a JWT", ctx)
    try:
        check_json_value(credential)
    except InputError as exc:
        return _malformed("credential", str(exc), ctx)
    if _types(credential) & {"EnvelopedVerifiableCredential"}:
        try:
            _media, token = jose.unenvelope(credential)
        except LerkitError as exc:
            return _malformed("credential", str(exc), ctx, exc.code)
        return _verify_jwt_credential(token, ctx)
    return _verify_ldp_credential(credential, ctx)


def _verify_ldp_credential(credential: JsonObject, ctx: VerifyContext) -> VerificationReport:
    checks: list[CheckResult] = []
    syntax = _syntax_check(credential)
    checks.append(syntax)
    contexts = _contexts_check(credential, ctx)
    checks.append(contexts)
    checks.append(
        _schema_check(credential, ctx)
        if syntax.status is S.PASS
        else _not_run(Check.SCHEMA, "not run: the credential is malformed")
    )
    if contexts.status is not S.PASS:
        why = (
            "not run: a context it needs is not available"
            if contexts.status is S.COULD_NOT_CHECK
            else "not run: the JSON-LD could not be processed"
        )
        checks.append(_not_run(Check.PROOF, why))
        checks.append(_not_run(Check.ISSUER, "not run: no proof was checked"))
    else:
        proof_checks = dataintegrity.verify_proofs(
            credential,
            resolver=ctx.resolver,
            now=ctx.now,
            expected_purpose="assertionMethod",
            loader=ctx.loader,
            canonicalizer=ctx.canonicalizer,
            confirm_sd_base=ctx.confirm_sd_base,
        )
        checks.append(_proof_result(proof_checks, "credential"))
        checks.append(_issuer_check(credential, proof_checks))
    checks.append(_validity_check(credential, ctx.now))
    checks.append(_status_check(credential, ctx))
    nested: tuple[VerificationReport, ...] = ()
    if (
        ctx.verify_nested
        and "ClrCredential" in _types(credential)
        and ctx.nested_depth < _MAX_NESTING
    ):
        inner = replace(ctx, nested_depth=ctx.nested_depth + 1)
        nested = tuple(verify_credential(c, inner) for c in _clr_credentials(credential))
        if nested:
            checks.append(_credentials_check(nested, "CLR"))
    return VerificationReport(
        kind="credential",
        format="ldp",
        checks=tuple(checks),
        document=credential,
        credentials=nested,
        verified_at=_stamp(ctx.now),
    )


_MAX_NESTING = 2


def _clr_credentials(clr: JsonObject) -> list[Any]:
    """The credentials a CLR 2.0 carries (``credentialSubject.verifiableCredential``)."""
    subject = clr.get("credentialSubject")
    if not isinstance(subject, dict):
        return []
    return _as_list(subject.get("verifiableCredential"))


def _jwt_failure(kind: str, ctx: VerifyContext, exc: LerkitError) -> VerificationReport:
    """The report of a JWT whose signature could not be verified (or was refused)."""
    malformed = exc.code in (ProblemCode.JWT_MALFORMED, ProblemCode.ENVELOPE_MALFORMED)
    status = S.COULD_NOT_CHECK if could_not_check(exc) else S.FAIL
    first = Check.SYNTAX
    checks = [
        _r(first, S.FAIL, str(exc), exc.code)
        if malformed
        else _r(first, S.PASS, "the JWT is well formed"),
        _not_run(Check.CONTEXTS, "not run: the JWT signature was not verified"),
    ]
    if kind == "credential":
        checks.append(_not_run(Check.SCHEMA, "not run: the JWT signature was not verified"))
    checks.append(
        _not_run(Check.PROOF, "not run: the JWT is malformed")
        if malformed
        else _r(Check.PROOF, status, str(exc), exc.code)
    )
    owner = Check.ISSUER if kind == "credential" else Check.HOLDER
    checks.append(_not_run(owner, "not run: no signature was verified"))
    if kind == "credential":
        checks.append(_not_run(Check.VALIDITY, "not run: the JWT signature was not verified"))
        checks.append(_not_run(Check.STATUS, "not run: the JWT signature was not verified"))
    else:
        checks.append(_not_run(Check.CREDENTIALS, "not run: the JWT signature was not verified"))
    return VerificationReport(
        kind=kind, format="jwt", checks=tuple(checks), verified_at=_stamp(ctx.now)
    )


def _verify_jwt_credential(token: str, ctx: VerifyContext) -> VerificationReport:
    checks: list[CheckResult] = []
    try:
        result = jose.verify_jwt(token, ctx.resolver, now=ctx.now)
    except LerkitError as exc:
        return _jwt_failure("credential", ctx, exc)
    credential = result.document
    if result.kind != "credential":
        return _jwt_failure(
            "credential",
            ctx,
            InputError(
                "the JWT holds a presentation, not a credential", ProblemCode.JWT_TYPE_MISMATCH
            ),
        )
    syntax = _syntax_check(credential)
    checks.append(syntax)
    checks.append(_contexts_check(credential, ctx))
    checks.append(
        _schema_check(credential, ctx)
        if syntax.status is S.PASS
        else _not_run(Check.SCHEMA, "not run: the credential is malformed")
    )
    vm = result.verification_method
    checks.append(
        _r(
            Check.PROOF,
            S.PASS,
            f"JWS signature ({result.header.get('alg')}) verified "
            f"with {vm.id if vm else 'the key in the token header'}",
            verificationMethod=vm.id if vm else None,
        )
    )
    checks.append(_jwt_signer_check(Check.ISSUER, _safe_issuer(credential), result))
    checks.append(_validity_check(credential, ctx.now, result))
    checks.append(_status_check(credential, ctx))
    return VerificationReport(
        kind="credential",
        format="jwt",
        checks=tuple(checks),
        document=credential,
        verified_at=_stamp(ctx.now),
    )


_SDJWT_SYNTAX = frozenset(
    {
        ProblemCode.SDJWT_MALFORMED,
        ProblemCode.JWT_MALFORMED,
        ProblemCode.SDJWT_RESERVED_CLAIM,
        ProblemCode.JWT_TYPE_MISMATCH,
    }
)
_SDJWT_HOLDER = frozenset(
    {ProblemCode.SDJWT_KEY_BINDING_INVALID, ProblemCode.SDJWT_KEY_BINDING_MISSING}
)


def looks_like_sd_jwt(text: str) -> bool:
    """True for a compact SD-JWT (``<JWT>~<Disclosure>~...~[<KB-JWT>]``)."""
    head, sep, _rest = text.strip().partition("~")
    return bool(sep) and head.count(".") == 2 and " " not in head


def verify_sd_jwt_credential(
    token: str,
    ctx: VerifyContext,
    *,
    nonce: str | None = None,
    audience: str | None = None,
    require_key_binding: bool = False,
) -> VerificationReport:
    """Verify an SD-JWT VC (with key binding when it carries a KB-JWT, or when
    ``require_key_binding``) into the same report shape as every other format.

    ``nonce`` / ``audience`` are what the KB-JWT must answer (a presentation request's
    challenge and domain). The report's document is the disclosed claims.
    """
    _check_now(ctx.now)
    from lerkit.core import sdjwt

    try:
        result = sdjwt.verify_sd_jwt_vc(
            token.strip(),
            ctx.resolver,
            now=ctx.now,
            expected_aud=audience,
            expected_nonce=nonce,
            require_key_binding=require_key_binding or nonce is not None or audience is not None,
        )
    except LerkitError as exc:
        checks: list[CheckResult] = []
        unsure = S.COULD_NOT_CHECK if could_not_check(exc) else S.FAIL
        if exc.code in _SDJWT_SYNTAX:
            checks.append(_r(Check.SYNTAX, S.FAIL, str(exc), exc.code))
            checks.append(_not_run(Check.PROOF, "not run: the SD-JWT is malformed"))
        else:
            checks.append(_r(Check.SYNTAX, S.PASS, "a well-formed SD-JWT VC"))
            if exc.code in _SDJWT_HOLDER:
                checks.append(_r(Check.PROOF, S.NOT_RUN, "not reported: key binding failed first"))
                checks.append(_r(Check.HOLDER, S.FAIL, str(exc), exc.code))
            else:
                checks.append(_r(Check.PROOF, unsure, str(exc), exc.code))
        checks.append(_not_run(Check.ISSUER, "not run: no signature was verified"))
        return VerificationReport(
            kind="credential", format="sd-jwt", checks=tuple(checks), verified_at=_stamp(ctx.now)
        )
    vm = result.verification_method
    claims = dict(result.claims)
    checks = [
        _r(Check.SYNTAX, S.PASS, f"a well-formed SD-JWT VC (vct {result.vct})"),
        _not_run(Check.CONTEXTS, "SD-JWT VCs are plain JSON (no JSON-LD)"),
        _not_run(Check.SCHEMA, "no JSON Schema is checked for SD-JWT VCs"),
        _r(
            Check.PROOF,
            S.PASS,
            f"JWS signature ({result.header.get('alg')}) verified"
            + (f" with {vm.id}" if vm else "")
            + f"; {len(result.disclosed_paths)} disclosed claim(s) match the signed digests",
            verificationMethod=vm.id if vm else None,
            disclosed=list(result.disclosed_paths),
        ),
        _r(
            Check.ISSUER,
            S.PASS,
            f"the issuer {result.issuer} controls the signing key",
            key=vm.id if vm else None,
        ),
    ]
    if result.key_binding:
        checks.append(
            _r(
                Check.HOLDER,
                S.PASS,
                "the holder proved possession of the key the credential is bound to",
            )
        )
    elif isinstance(result.payload.get("cnf"), dict):
        checks.append(
            _r(
                Check.HOLDER,
                S.WARNING,
                "no key binding: this copy was not presented by its holder (no KB-JWT)",
                ProblemCode.SDJWT_KEY_BINDING_MISSING,
            )
        )
    else:
        checks.append(_not_run(Check.HOLDER, "the credential is not bound to a holder key"))
    if ProblemCode.VALIDITY_NOT_YET_VALID in result.time_findings and result.not_before:
        checks.append(
            _r(
                Check.VALIDITY,
                S.FAIL,
                f"not valid before {_stamp(result.not_before)} (nbf; now {_stamp(ctx.now)})",
                ProblemCode.VALIDITY_NOT_YET_VALID,
            )
        )
    elif ProblemCode.VALIDITY_EXPIRED in result.time_findings and result.expires:
        checks.append(
            _r(
                Check.VALIDITY,
                S.FAIL,
                f"expired at {_stamp(result.expires)} (exp; now {_stamp(ctx.now)})",
                ProblemCode.VALIDITY_EXPIRED,
            )
        )
    elif result.expires or result.not_before:
        checks.append(_r(Check.VALIDITY, S.PASS, "within its validity period (nbf / exp)"))
    else:
        checks.append(_r(Check.VALIDITY, S.PASS, "no validity period: valid indefinitely"))
    if "status" in claims:
        checks.append(
            _r(
                Check.STATUS,
                S.COULD_NOT_CHECK,
                "the status claim refers to an IETF Token Status List, which lerkit does not "
                "read yet",
                ProblemCode.STATUS_UNSUPPORTED,
            )
        )
    else:
        checks.append(_not_run(Check.STATUS, "the credential has no status claim"))
    claims.setdefault("iss", result.issuer)
    return VerificationReport(
        kind="credential",
        format="sd-jwt",
        checks=tuple(checks),
        document=claims,
        verified_at=_stamp(ctx.now),
    )


def _origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.lower()


def _jwt_signer_check(check: Check, owner: str | None, result: jose.JwtVerification) -> CheckResult:
    """Does the issuer (or holder) of a JWT control the key that signed it?"""
    code = ProblemCode.ISSUER_MISMATCH if check is Check.ISSUER else ProblemCode.HOLDER_MISMATCH
    who = "issuer" if check is Check.ISSUER else "holder"
    if owner is None:
        if check is Check.HOLDER:
            return _r(check, S.WARNING, "the presentation names no holder")
        return _r(
            check, S.FAIL, "the credential has no usable issuer id", ProblemCode.ISSUER_MALFORMED
        )
    vm = result.verification_method
    if vm is not None:
        if _controls(owner, vm.controller, vm.id):
            return _r(check, S.PASS, f"the {who} {owner} controls the signing key", key=vm.id)
        return _r(
            check,
            S.FAIL,
            f"the {who} is {owner}, but the signing key {vm.id} is controlled by {vm.controller}",
            code,
        )
    if result.key_source == "kid":
        # a bare JWK served at the kid URL: bound to whoever publishes that site
        kid = str(result.header.get("kid", ""))
        if _origin(kid) is not None and _origin(kid) == _origin(owner):
            return _r(
                check,
                S.PASS,
                f"the signing key was published at {kid}, on the {who}'s own site",
            )
        return _r(
            check,
            S.FAIL,
            f"the signing key was published at {kid}, which is not the {who} {owner}'s site",
            code,
        )
    # key_source == "jwk": the token carries its own key; nothing ties it to anyone
    return _r(
        check,
        S.COULD_NOT_CHECK,
        f"the token carries its own key (jwk header) and nothing ties that key to the "
        f"{who} {owner}, so who signed it could not be checked",
        ProblemCode.JWT_KEY_UNRESOLVABLE,
    )


def _malformed(
    kind: str, message: str, ctx: VerifyContext, code: ProblemCode | None = None
) -> VerificationReport:
    code = code or (
        ProblemCode.CREDENTIAL_MALFORMED
        if kind == "credential"
        else ProblemCode.PRESENTATION_MALFORMED
    )
    return VerificationReport(
        kind=kind,
        format="ldp",
        checks=(_r(Check.SYNTAX, S.FAIL, message, code),),
        verified_at=_stamp(ctx.now),
    )


def _types(doc: JsonObject) -> set[str]:
    t = doc.get("type", [])
    return (
        {t}
        if isinstance(t, str)
        else {x for x in t if isinstance(x, str)}
        if isinstance(t, list)
        else set()
    )


def _syntax_check(credential: JsonObject) -> CheckResult:
    try:
        errors = basic_shape_errors(credential)
    except LerkitError as exc:
        return _r(Check.SYNTAX, S.FAIL, str(exc), exc.code)
    if errors:
        return _r(
            Check.SYNTAX,
            S.FAIL,
            "the credential breaks the VC data model: " + "; ".join(errors),
            ProblemCode.CREDENTIAL_MALFORMED,
            errors=errors,
        )
    return _r(Check.SYNTAX, S.PASS, "the credential follows the VC data model")


def _contexts_check(doc: JsonObject, ctx: VerifyContext) -> CheckResult:
    """Expand the document without its proofs: a proof's own terms are its suite's business
    (the proof check canonicalizes each proof), and a proof of a type lerkit does not know
    must not make the credential itself unreadable."""
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    try:
        expand(unsecured, ctx.loader or default_loader())
    except LerkitError as exc:
        return _r(Check.CONTEXTS, S.FAIL, str(exc), exc.code)
    return _r(Check.CONTEXTS, S.PASS, "every context is known and every term is defined")


def _schema_check(credential: JsonObject, ctx: VerifyContext) -> CheckResult:
    if not ctx.check_schema:
        return _not_run(Check.SCHEMA, "not run: schema checking was turned off")
    try:
        schema_id = ob_schema.schema_for(credential)
        if schema_id is None:
            return _not_run(
                Check.SCHEMA, "no published JSON Schema applies to this credential type"
            )
        # the automatic choice: a VC 1.1 credential gets one schema.unknown issue
        # VC 2.0 allows several status entries (revocation and suspension); the OB 3.0 and
        # CLR 2.0 schemas allow one object: check each top-level entry in that place, and
        # credentials embedded in a CLR with their first entry.
        raw_status = credential.get("credentialStatus")
        statuses: list[Any] = raw_status if isinstance(raw_status, list) else []
        nested = [0]
        body = _one_status_each(credential, nested)
        several = nested[0] > 0
        if len(statuses) > 1:
            issues = []
            for entry in statuses:
                issues.extend(ob_schema.validate({**body, "credentialStatus": entry}))
        else:
            issues = ob_schema.validate(body)
    except LerkitError as exc:
        return _r(Check.SCHEMA, S.FAIL, str(exc), exc.code)
    name = schema_id.rsplit("/", 1)[-1]
    unknown = [i for i in issues if i.code == ProblemCode.SCHEMA_UNKNOWN]
    invalid = [i for i in issues if i.code != ProblemCode.SCHEMA_UNKNOWN]
    if invalid:
        text = "; ".join(str(i) for i in invalid[:5])
        more = f" (and {len(invalid) - 5} more)" if len(invalid) > 5 else ""
        return _r(
            Check.SCHEMA,
            S.FAIL,
            f"the credential does not match {name}: {text}{more}",
            ProblemCode.SCHEMA_INVALID,
            schema=schema_id,
            issues=[str(i) for i in invalid],
        )
    if unknown:
        # no schema we have applies (e.g. VC Data Model 1.1): not checked, which is not
        # a failure; said plainly so nobody reads it as "valid against the schema"
        return _r(
            Check.SCHEMA,
            S.WARNING,
            "not schema-checked: " + unknown[0].message,
            ProblemCode.SCHEMA_UNKNOWN,
            schema=schema_id,
        )
    if several:
        return _r(
            Check.SCHEMA,
            S.WARNING,
            f"valid against {name}, except that credentialStatus holds several entries "
            "(VC 2.0 allows several; the 1EdTech schema expects one object, so strict OB 3.0 "
            "validators may reject it)",
            ProblemCode.SCHEMA_STATUS_ARRAY,
            schema=schema_id,
        )
    return _r(Check.SCHEMA, S.PASS, f"valid against {name}", schema=schema_id)


def _one_status_each(value: Any, count: list[int]) -> Any:
    """A copy of ``value`` where every ``credentialStatus`` array of several entries is cut
    to its first entry (``count[0]`` counts them): the shape the 1EdTech schemas accept."""
    if isinstance(value, list):
        return [_one_status_each(v, count) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _one_status_each(v, count) for k, v in value.items()}
    status = out.get("credentialStatus")
    if isinstance(status, list) and len(status) > 1:
        count[0] += 1
        out["credentialStatus"] = status[0]
    return out


def _unsupported(p: dataintegrity.ProofCheck) -> bool:
    """A proof of a type or cryptosuite lerkit does not implement: not checked, not invalid."""
    if p.code is ProblemCode.PROOF_UNSUPPORTED:
        return True
    if p.ok or not isinstance(p.proof, dict):
        return False
    try:
        suite_for_proof(p.proof)
    except LerkitError as exc:
        return exc.code is ProblemCode.PROOF_UNSUPPORTED
    return False


def _as_unsupported(p: dataintegrity.ProofCheck) -> dataintegrity.ProofCheck:
    """The check of a proof lerkit has no suite for, as "could not check"."""
    proof = p.proof if isinstance(p.proof, dict) else {}
    kind = proof.get("cryptosuite") or proof.get("type")
    return dataintegrity.ProofCheck(
        proof,
        False,
        ProblemCode.PROOF_UNSUPPORTED,
        f"proof type {kind!r} is not supported by lerkit, so that proof was not checked",
        True,
        p.verification_method,
    )


def _proof_result(proof_checks: list[dataintegrity.ProofCheck], what: str) -> CheckResult:
    """One result for all proofs.

    fail: a proof is shown wrong. pass: every proof verifies. warning: some verify and the
    others could not be checked (a suite lerkit does not implement, an unavailable key).
    could_not_check: none verifies and none is shown wrong.
    """
    if not proof_checks or proof_checks[0].code is ProblemCode.PROOF_MISSING:
        return _r(Check.PROOF, S.FAIL, f"the {what} has no proof", ProblemCode.PROOF_MISSING)

    def vm_of(p: dataintegrity.ProofCheck) -> object:
        if p.verification_method:
            return p.verification_method.id
        return p.proof.get("verificationMethod") if isinstance(p.proof, dict) else None

    checks = [_as_unsupported(p) if not p.ok and _unsupported(p) else p for p in proof_checks]
    unchecked = [p for p in checks if not p.ok and p.could_not_check]
    invalid = [p for p in checks if not p.ok and not p.could_not_check]
    good = [p for p in checks if p.ok]
    per_proof = [
        {
            "ok": p.ok,
            "status": "pass" if p.ok else ("could_not_check" if p.could_not_check else "fail"),
            "code": str(p.code) if p.code else None,
            "message": p.message,
            "verificationMethod": vm_of(p),
        }
        for p in checks
    ]
    proof_checks = checks
    n = len(proof_checks)
    if invalid:
        first = invalid[0]
        prefix = "" if n == 1 else f"proof #{proof_checks.index(first) + 1} of {n}: "
        return _r(Check.PROOF, S.FAIL, prefix + first.message, first.code, proofs=per_proof)
    if not unchecked:
        return _r(
            Check.PROOF,
            S.PASS,
            "the proof verifies" if n == 1 else f"all {n} proofs verify",
            proofs=per_proof,
        )
    first = unchecked[0]
    if good:
        return _r(
            Check.PROOF,
            S.WARNING,
            f"{len(good)} of {n} proofs verify; the others could not be checked "
            f"(proof #{proof_checks.index(first) + 1}: {first.message})",
            first.code,
            proofs=per_proof,
        )
    return _r(
        Check.PROOF,
        S.COULD_NOT_CHECK,
        first.message if n == 1 else f"no proof could be checked: {first.message}",
        first.code,
        proofs=per_proof,
    )


def _controls(subject: str, controller: str, vm_id: str) -> bool:
    base, _ = split_did_url(vm_id)
    return subject in (controller, base)


def _safe_issuer(doc: JsonObject) -> str | None:
    try:
        return issuer_id(doc)
    except LerkitError:
        return None


def _issuer_check(
    credential: JsonObject, proof_checks: list[dataintegrity.ProofCheck]
) -> CheckResult:
    iss = _safe_issuer(credential)
    if iss is None:
        return _r(
            Check.ISSUER,
            S.FAIL,
            "the credential has no usable issuer id",
            ProblemCode.ISSUER_MALFORMED,
        )
    verified = [p for p in proof_checks if p.ok and p.verification_method is not None]
    if not verified:
        return _not_run(Check.ISSUER, "not run: no proof verified")
    for p in verified:
        vm = p.verification_method
        assert vm is not None
        if _controls(iss, vm.controller, vm.id):
            return _r(Check.ISSUER, S.PASS, f"the issuer {iss} controls the signing key", key=vm.id)
    vm0 = verified[0].verification_method
    assert vm0 is not None
    return _r(
        Check.ISSUER,
        S.FAIL,
        f"the credential names {iss} as issuer, but it was signed with {vm0.id}, "
        f"a key controlled by {vm0.controller}",
        ProblemCode.ISSUER_MISMATCH,
    )


def _validity_check(
    doc: JsonObject, now: datetime, jwt: jose.JwtVerification | None = None
) -> CheckResult:
    start_key, end_key = ("validFrom", "validUntil")
    if (
        "validFrom" not in doc
        and "validUntil" not in doc
        and ("issuanceDate" in doc or "expirationDate" in doc)
    ):
        start_key, end_key = ("issuanceDate", "expirationDate")
    try:
        start = parse_datetime(doc[start_key]) if start_key in doc else None
        end = parse_datetime(doc[end_key]) if end_key in doc else None
    except LerkitError as exc:
        return _r(
            Check.VALIDITY, S.FAIL, f"{start_key}/{end_key}: {exc}", ProblemCode.VALIDITY_MALFORMED
        )
    if start is not None and now < start:
        return _r(
            Check.VALIDITY,
            S.FAIL,
            f"not valid before {doc[start_key]} (now {_stamp(now)})",
            ProblemCode.VALIDITY_NOT_YET_VALID,
        )
    if end is not None and now > end:
        return _r(
            Check.VALIDITY,
            S.FAIL,
            f"expired at {doc[end_key]} (now {_stamp(now)})",
            ProblemCode.VALIDITY_EXPIRED,
        )
    if jwt is not None:
        # the JWT's own nbf/exp bound the token whatever the credential says
        if ProblemCode.VALIDITY_NOT_YET_VALID in jwt.time_findings and jwt.not_before:
            return _r(
                Check.VALIDITY,
                S.FAIL,
                f"the JWT is not valid before {_stamp(jwt.not_before)} (nbf; now {_stamp(now)})",
                ProblemCode.VALIDITY_NOT_YET_VALID,
            )
        if ProblemCode.VALIDITY_EXPIRED in jwt.time_findings and jwt.expires:
            return _r(
                Check.VALIDITY,
                S.FAIL,
                f"the JWT expired at {_stamp(jwt.expires)} (exp; now {_stamp(now)})",
                ProblemCode.VALIDITY_EXPIRED,
            )
    if start is None and end is None:
        return _r(Check.VALIDITY, S.PASS, "no validity period: valid indefinitely")
    span = " to ".join(str(x) for x in (doc.get(start_key, "…"), doc.get(end_key, "…")))
    return _r(Check.VALIDITY, S.PASS, f"within its validity period ({span})")


_PURPOSE_CODES = {
    "revocation": ProblemCode.STATUS_REVOKED,
    "suspension": ProblemCode.STATUS_SUSPENDED,
}

_ORDER = [S.FAIL, S.COULD_NOT_CHECK, S.WARNING, S.PASS, S.NOT_RUN]


def _status_check(doc: JsonObject, ctx: VerifyContext) -> CheckResult:
    entries = doc.get("credentialStatus")
    if entries is None:
        return _not_run(Check.STATUS, "the credential has no status entry")
    entry_list = entries if isinstance(entries, list) else [entries]
    if not entry_list:
        return _not_run(Check.STATUS, "the credential has no status entry")
    issuer = _safe_issuer(doc)
    results = [_one_status(entry, issuer, ctx) for entry in entry_list]
    worst = min(results, key=lambda r: _ORDER.index(r.status))
    if len(results) == 1:
        return worst
    return _r(
        Check.STATUS,
        worst.status,
        worst.message,
        worst.code,
        entries=[r.to_json() for r in results],
    )


def _list_issuer_check(
    url: str, list_credential: JsonObject, list_checks: list[dataintegrity.ProofCheck]
) -> CheckResult | None:
    """None when the list's issuer controls the key that signed it, else the failure."""
    list_issuer = _safe_issuer(list_credential)
    if list_issuer is None:
        return _r(
            Check.STATUS,
            S.FAIL,
            f"the status list {url} has no usable issuer",
            ProblemCode.STATUS_LIST_INVALID,
            url=url,
        )
    for p in list_checks:
        vm = p.verification_method
        if p.ok and vm is not None and _controls(list_issuer, vm.controller, vm.id):
            return None
    return _r(
        Check.STATUS,
        S.FAIL,
        f"the status list {url} names {list_issuer} as issuer, but it was not signed "
        "with a key of that issuer",
        ProblemCode.STATUS_LIST_INVALID,
        url=url,
    )


def _verify_list(url: str, list_credential: JsonObject, ctx: VerifyContext) -> CheckResult | None:
    """None when the status list's proof verifies with a key of its issuer, else why not."""
    list_checks = dataintegrity.verify_proofs(
        list_credential,
        resolver=ctx.resolver,
        now=ctx.now,
        loader=ctx.loader,
        canonicalizer=ctx.canonicalizer,
    )
    if not any(p.ok for p in list_checks):
        why = list_checks[0].message if list_checks else "it has no proof"
        could_not = all(p.could_not_check or _unsupported(p) for p in list_checks)
        return _r(
            Check.STATUS,
            S.COULD_NOT_CHECK if could_not else S.FAIL,
            f"the status list {url} "
            f"{'could not be checked' if could_not else 'does not verify'}: {why}",
            ProblemCode.STATUS_UNRESOLVABLE if could_not else ProblemCode.STATUS_LIST_INVALID,
            url=url,
        )
    return _list_issuer_check(url, list_credential, list_checks)


def _cacheable(result: CheckResult | None) -> bool:
    """Only settled outcomes are remembered: a list that could not be checked now (a DID
    document that was unreachable) is tried again next time."""
    return result is None or result.status is not S.COULD_NOT_CHECK


class VerifiedLists:
    """Status list credentials already verified, by URL and content (pure memo, bounded).

    A verifier that sees the same list for many credentials (one list holds 131,072
    entries) verifies its proof once; a changed list has another digest, so it is verified
    again. Entries are trusted for ``ttl`` (as measured by the verification's ``now``).
    """

    def __init__(self, max_entries: int = 128, ttl: timedelta = timedelta(minutes=10)) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._items: OrderedDict[tuple[str, str], tuple[datetime, CheckResult | None]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(url: str, list_credential: JsonObject) -> tuple[str, str] | None:
        try:
            text = json.dumps(list_credential, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        return url, hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: tuple[str, str], now: datetime) -> tuple[CheckResult | None] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or not (item[0] <= now < item[0] + self.ttl):
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return (item[1],)

    def put(self, key: tuple[str, str], now: datetime, result: CheckResult | None) -> None:
        with self._lock:
            self._items[key] = (now, result)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _one_status(entry: Any, issuer: str | None, ctx: VerifyContext) -> CheckResult:
    if not isinstance(entry, dict):
        return _r(
            Check.STATUS,
            S.FAIL,
            "credentialStatus must be an object",
            ProblemCode.STATUS_LIST_INVALID,
        )
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        try:
            check_status(entry, {})  # let the status module name the problem
        except LerkitError as exc:
            status = S.COULD_NOT_CHECK if exc.code is ProblemCode.STATUS_UNSUPPORTED else S.FAIL
            return _r(Check.STATUS, status, str(exc), exc.code)
        return _r(
            Check.STATUS,
            S.FAIL,
            "status entry has no statusListCredential",
            ProblemCode.STATUS_LIST_INVALID,
        )
    try:
        list_credential = ctx.status_lists.get(url)
    except LerkitError as exc:
        return _r(
            Check.STATUS,
            S.COULD_NOT_CHECK,
            f"could not get the status list: {exc}",
            ProblemCode.STATUS_UNRESOLVABLE,
            url=url,
        )
    if not isinstance(list_credential, dict):
        return _r(
            Check.STATUS,
            S.FAIL,
            f"the status list {url} is not a JSON object",
            ProblemCode.STATUS_LIST_INVALID,
            url=url,
        )
    memo = ctx.verified_lists
    key = memo.key(url, list_credential) if memo is not None else None
    known = memo.get(key, ctx.now) if memo is not None and key is not None else None
    if known is not None:
        bad_list = known[0]
    else:
        bad_list = _verify_list(url, list_credential, ctx)
        if memo is not None and key is not None and _cacheable(bad_list):
            memo.put(key, ctx.now, bad_list)
    if bad_list is not None:
        return bad_list
    list_issuer = _safe_issuer(list_credential)
    if issuer is not None and list_issuer != issuer:
        # Bitstring Status List allows another issuer for the list, but nothing then says
        # the credential's issuer delegated its status to that party: the status is not
        # known (as the JS library's verifyMatchingIssuers default), though the credential
        # is not shown invalid either.
        return _r(
            Check.STATUS,
            S.COULD_NOT_CHECK,
            f"the status list {url} was issued by {list_issuer}, not by the credential's "
            f"issuer {issuer}; lerkit only trusts status lists from the credential's issuer",
            ProblemCode.STATUS_LIST_INVALID,
            url=url,
            listIssuer=list_issuer,
        )
    list_validity = _validity_check(list_credential, ctx.now)
    if list_validity.status is S.FAIL:
        return _r(
            Check.STATUS,
            S.COULD_NOT_CHECK,
            f"the status list {url} is not current: {list_validity.message}",
            ProblemCode.STATUS_LIST_INVALID,
            url=url,
        )
    try:
        # The list is identified by the URL it was obtained from; its own `id` may differ
        # (the 1EdTech fixtures publish one list under another URL). Its proof, issuer and
        # validity were checked above.
        result = check_status(entry, list_credential, check_list_url=False)
    except LerkitError as exc:
        status = S.COULD_NOT_CHECK if exc.code is ProblemCode.STATUS_UNSUPPORTED else S.FAIL
        return _r(Check.STATUS, status, str(exc), exc.code, url=url)
    index = entry.get("statusListIndex")
    if result.is_set:
        code = _PURPOSE_CODES.get(result.purpose)
        if code is not None:
            word = "revoked" if result.purpose == "revocation" else "suspended"
            return _r(
                Check.STATUS,
                S.FAIL,
                f"the credential is {word} (list {url}, index {index})",
                code,
                url=url,
                purpose=result.purpose,
            )
        msg = result.message or f"status {result.value:#x}"
        return _r(
            Check.STATUS,
            S.WARNING,
            f"{result.purpose} status: {msg}",
            None,
            url=url,
            purpose=result.purpose,
        )
    word = {"revocation": "not revoked", "suspension": "not suspended"}.get(
        result.purpose, f"{result.purpose}: not set"
    )
    return _r(
        Check.STATUS, S.PASS, f"{word} (list {url}, index {index})", url=url, purpose=result.purpose
    )


# --------------------------------------------------------------------------- presentations


def verify_presentation(
    presentation: JsonObject | str,
    ctx: VerifyContext,
    *,
    challenge: str | None,
    domain: str | None,
) -> VerificationReport:
    """Verify a presentation and every credential in it.

    ``challenge`` (and ``domain`` when given) must match the holder's authentication proof.
    A presentation without a proof fails when a challenge or domain is expected; otherwise
    it is reported with a warning (nothing shows who presented it).
    """
    _check_now(ctx.now)
    if isinstance(presentation, str):
        return _verify_jwt_presentation(presentation.strip(), ctx, challenge, domain)
    if not isinstance(presentation, dict):
        return _malformed("presentation", "a presentation must be a JSON object or a JWT", ctx)
    try:
        check_json_value(presentation)
    except InputError as exc:
        return _malformed("presentation", str(exc), ctx)
    if _types(presentation) & {"EnvelopedVerifiablePresentation"}:
        try:
            _media, token = jose.unenvelope(presentation)
        except LerkitError as exc:
            return _malformed("presentation", str(exc), ctx, exc.code)
        return _verify_jwt_presentation(token, ctx, challenge, domain)
    checks: list[CheckResult] = []
    problems = _presentation_shape(presentation)
    if problems:
        checks.append(
            _r(Check.SYNTAX, S.FAIL, "; ".join(problems), ProblemCode.PRESENTATION_MALFORMED)
        )
    else:
        checks.append(_r(Check.SYNTAX, S.PASS, "the presentation follows the VC data model"))
    contexts = _contexts_check(presentation, ctx)
    checks.append(contexts)
    if presentation.get("proof") in (None, []):
        if challenge is not None or domain is not None:
            checks.append(
                _r(
                    Check.PROOF,
                    S.FAIL,
                    "the presentation has no proof, but a challenge or domain was expected",
                    ProblemCode.PROOF_MISSING,
                )
            )
        else:
            checks.append(
                _r(
                    Check.PROOF,
                    S.WARNING,
                    "the presentation has no proof: nothing shows who presented it",
                    ProblemCode.PROOF_MISSING,
                )
            )
        checks.append(_not_run(Check.HOLDER, "not run: the presentation is not signed"))
    elif contexts.status is S.PASS:
        proof_checks = dataintegrity.verify_proofs(
            presentation,
            resolver=ctx.resolver,
            now=ctx.now,
            expected_purpose="authentication",
            challenge=challenge,
            domain=domain,
            loader=ctx.loader,
            canonicalizer=ctx.canonicalizer,
        )
        checks.append(_proof_result(proof_checks, "presentation"))
        checks.append(_holder_check(presentation, proof_checks))
    else:
        checks.append(_not_run(Check.PROOF, "not run: the JSON-LD could not be processed"))
        checks.append(_not_run(Check.HOLDER, "not run: no proof was checked"))
    reports = tuple(
        verify_credential(c, ctx) for c in _as_list(presentation.get("verifiableCredential"))
    )
    checks.append(_credentials_check(reports))
    return VerificationReport(
        kind="presentation",
        format="ldp",
        checks=tuple(checks),
        document=presentation,
        credentials=reports,
        verified_at=_stamp(ctx.now),
    )


def _verify_jwt_presentation(
    token: str, ctx: VerifyContext, challenge: str | None, domain: str | None
) -> VerificationReport:
    try:
        result = jose.verify_jwt(token, ctx.resolver, now=ctx.now)
    except LerkitError as exc:
        return _jwt_failure("presentation", ctx, exc)
    if result.kind != "presentation":
        return _jwt_failure(
            "presentation",
            ctx,
            InputError(
                "the JWT holds a credential, not a presentation", ProblemCode.JWT_TYPE_MISMATCH
            ),
        )
    vp = result.document
    problems = _presentation_shape(vp)
    checks = [
        _r(Check.SYNTAX, S.FAIL, "; ".join(problems), ProblemCode.PRESENTATION_MALFORMED)
        if problems
        else _r(Check.SYNTAX, S.PASS, "the presentation follows the VC data model"),
        _contexts_check(vp, ctx),
    ]
    payload = result.payload
    nonce = payload.get("nonce")
    aud = payload.get("aud")
    if challenge is not None and nonce != challenge:
        checks.append(
            _r(
                Check.PROOF,
                S.FAIL,
                f"the presentation answers challenge {nonce!r}, not {challenge!r}",
                ProblemCode.PROOF_CHALLENGE_MISMATCH,
            )
        )
    elif domain is not None and domain not in _as_list(aud):
        checks.append(
            _r(
                Check.PROOF,
                S.FAIL,
                f"the presentation is for audience {aud!r}, not {domain!r}",
                ProblemCode.PROOF_DOMAIN_MISMATCH,
            )
        )
    elif ProblemCode.VALIDITY_EXPIRED in result.time_findings:
        checks.append(
            _r(Check.PROOF, S.FAIL, "the presentation JWT has expired", ProblemCode.PROOF_EXPIRED)
        )
    else:
        checks.append(
            _r(Check.PROOF, S.PASS, f"JWS signature ({result.header.get('alg')}) verified")
        )
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    checks.append(
        _jwt_signer_check(Check.HOLDER, holder_id if isinstance(holder_id, str) else None, result)
    )
    reports = tuple(verify_credential(c, ctx) for c in _as_list(vp.get("verifiableCredential")))
    checks.append(_credentials_check(reports))
    return VerificationReport(
        kind="presentation",
        format="jwt",
        checks=tuple(checks),
        document=vp,
        credentials=reports,
        verified_at=_stamp(ctx.now),
    )


def _presentation_shape(vp: JsonObject) -> list[str]:
    problems: list[str] = []
    ctx_value = vp.get("@context")
    first = ctx_value[0] if isinstance(ctx_value, list) and ctx_value else ctx_value
    if first not in (
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/2018/credentials/v1",
    ):
        problems.append("the first @context must be the VC v2 (or v1.1) context")
    if "VerifiablePresentation" not in _types(vp):
        problems.append("type must include VerifiablePresentation")
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and not isinstance(holder_id, str):
        problems.append("holder must be a URL or an object whose id is a URL")
    return problems


def _holder_check(vp: JsonObject, proof_checks: list[dataintegrity.ProofCheck]) -> CheckResult:
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    verified = [p for p in proof_checks if p.ok and p.verification_method is not None]
    if not verified:
        return _not_run(Check.HOLDER, "not run: no proof verified")
    if holder_id is None:
        signer = verified[0].verification_method
        assert signer is not None
        return _r(
            Check.HOLDER,
            S.WARNING,
            f"the presentation names no holder; it was signed by {signer.controller}",
        )
    for p in verified:
        vm = p.verification_method
        assert vm is not None
        if _controls(str(holder_id), vm.controller, vm.id):
            return _r(
                Check.HOLDER, S.PASS, f"the holder {holder_id} controls the signing key", key=vm.id
            )
    return _r(
        Check.HOLDER,
        S.FAIL,
        f"the presentation names {holder_id} as holder, but it was "
        "signed with a key it does not control",
        ProblemCode.HOLDER_MISMATCH,
    )


def _first_code(report: VerificationReport, status: CheckStatus) -> ProblemCode | None:
    for c in report.checks:
        if c.status is status and c.code is not None:
            return c.code
    return None


def _credentials_check(
    reports: tuple[VerificationReport, ...], container: str = "presentation"
) -> CheckResult:
    if not reports:
        return _not_run(Check.CREDENTIALS, f"the {container} holds no credential")
    bad = [i for i, r in enumerate(reports) if r.verdict is Verdict.INVALID]
    unsure = [i for i, r in enumerate(reports) if r.verdict is Verdict.INDETERMINATE]
    per_credential = [{"verdict": str(r.verdict), "codes": r.codes} for r in reports]
    if bad:
        first = reports[bad[0]]
        failed = next(c for c in first.checks if c.status is S.FAIL)
        return _r(
            Check.CREDENTIALS,
            S.FAIL,
            f"credential #{bad[0] + 1} is not valid: {failed.message}",
            failed.code or ProblemCode.CREDENTIAL_MALFORMED,
            credentials=per_credential,
        )
    if unsure:
        first = reports[unsure[0]]
        unchecked = next(c for c in first.checks if c.status is S.COULD_NOT_CHECK)
        return _r(
            Check.CREDENTIALS,
            S.COULD_NOT_CHECK,
            f"credential #{unsure[0] + 1} could not be fully checked: {unchecked.message}",
            unchecked.code,
            credentials=per_credential,
        )
    n = len(reports)
    return _r(
        Check.CREDENTIALS,
        S.PASS,
        "the credential is valid" if n == 1 else f"all {n} credentials are valid",
        credentials=per_credential,
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_document(text: str | bytes) -> JsonObject | str:
    """Parse CLI/API input: a JSON object, or a compact JWT string."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("input is not UTF-8 text") from exc
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise InputError("input is empty")
    if stripped[0] not in '{["' and stripped.count(".") >= 2:
        return stripped  # compact JWS
    value = parse_json(stripped)
    if isinstance(value, str) and value.count(".") >= 2:
        return value
    if not isinstance(value, dict):
        raise InputError("input must be a JSON object (a credential or presentation) or a JWT")
    return value
