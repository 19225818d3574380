"""The verification pipeline: credential or presentation in, :class:`VerificationReport` out.

Pure: the DID resolver, the source of status lists, the document loader and the current
time are arguments. An expired, revoked or tampered credential is a *result*, never an
exception; only a programming error can raise out of here.

Order of checks (each always reported, ``not_run`` when a previous failure makes it
meaningless): syntax, contexts, schema, proof, issuer (or holder), validity, status,
credentials (presentations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from lerkit.core import dataintegrity, jose
from lerkit.core.dids.base import DidResolver, split_did_url
from lerkit.core.errors import InputError, LerkitError, ProblemCode, ResolutionError
from lerkit.core.jsonld import Canonicalizer, DocumentLoader, default_loader, expand
from lerkit.core.model import schema as ob_schema
from lerkit.core.model.vc import basic_shape_errors, issuer_id, parse_datetime
from lerkit.core.report import Check, CheckResult, CheckStatus, VerificationReport
from lerkit.core.status import check_status
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
    """Verify a credential: Data Integrity JSON, a VC-JWT string, or an enveloped credential."""
    if isinstance(credential, str):
        return _verify_jwt_credential(credential.strip(), ctx)
    if not isinstance(credential, dict):
        return _malformed("credential", "a credential must be a JSON object or a JWT", ctx)
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
        checks.append(_not_run(Check.PROOF, "not run: the JSON-LD could not be processed"))
        checks.append(_not_run(Check.ISSUER, "not run: no proof was checked"))
        proof_checks: list[dataintegrity.ProofCheck] = []
    else:
        proof_checks = dataintegrity.verify_proofs(
            credential,
            resolver=ctx.resolver,
            now=ctx.now,
            expected_purpose="assertionMethod",
            loader=ctx.loader,
            canonicalizer=ctx.canonicalizer,
        )
        checks.append(_proof_result(proof_checks))
        checks.append(_issuer_check(credential, proof_checks))
    checks.append(_validity_check(credential, ctx.now))
    checks.append(_status_check(credential, ctx))
    return VerificationReport(
        kind="credential",
        format="ldp",
        checks=tuple(checks),
        document=credential,
        verified_at=_stamp(ctx.now),
    )


def _verify_jwt_credential(token: str, ctx: VerifyContext) -> VerificationReport:
    checks: list[CheckResult] = []
    try:
        result = jose.verify_jwt(token, ctx.resolver, now=ctx.now)
    except ResolutionError as exc:
        return _jwt_unverifiable(token, ctx, exc)
    except LerkitError as exc:
        status = S.FAIL
        return VerificationReport(
            kind="credential",
            format="jwt",
            checks=(
                _r(
                    Check.SYNTAX,
                    S.PASS if exc.code is not ProblemCode.JWT_MALFORMED else S.FAIL,
                    "the JWT is well formed"
                    if exc.code is not ProblemCode.JWT_MALFORMED
                    else str(exc),
                    None if exc.code is not ProblemCode.JWT_MALFORMED else exc.code,
                ),
                _r(Check.PROOF, status, str(exc), exc.code)
                if exc.code is not ProblemCode.JWT_MALFORMED
                else _not_run(Check.PROOF, "not run: the JWT is malformed"),
            ),
            verified_at=_stamp(ctx.now),
        )
    credential = result.document
    checks.append(_syntax_check(credential))
    checks.append(_contexts_check(credential, ctx))
    checks.append(_schema_check(credential, ctx))
    vm = result.verification_method
    checks.append(
        _r(
            Check.PROOF,
            S.PASS,
            f"JWS signature ({result.header.get('alg')}) verified "
            f"with {vm.id if vm else 'the key'}",
            verificationMethod=vm.id if vm else None,
        )
    )
    iss = _safe_issuer(credential)
    if vm is not None and iss is not None and _controls(iss, vm.controller, vm.id):
        checks.append(_r(Check.ISSUER, S.PASS, f"the issuer {iss} controls the signing key"))
    else:
        checks.append(
            _r(
                Check.ISSUER,
                S.FAIL,
                f"the signing key is controlled by {vm.controller if vm else '?'}, "
                f"not by the issuer {iss}",
                ProblemCode.ISSUER_MISMATCH,
            )
        )
    checks.append(_validity_check(credential, ctx.now))
    checks.append(_status_check(credential, ctx))
    return VerificationReport(
        kind="credential",
        format="jwt",
        checks=tuple(checks),
        document=credential,
        verified_at=_stamp(ctx.now),
    )


def _jwt_unverifiable(token: str, ctx: VerifyContext, exc: LerkitError) -> VerificationReport:
    return VerificationReport(
        kind="credential",
        format="jwt",
        checks=(
            _r(Check.SYNTAX, S.PASS, "the JWT is well formed"),
            _r(Check.PROOF, S.COULD_NOT_CHECK, str(exc), exc.code),
        ),
        verified_at=_stamp(ctx.now),
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
    try:
        expand(doc, ctx.loader or default_loader())
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
        issues = ob_schema.validate(credential, schema_id)
    except LerkitError as exc:
        return _r(Check.SCHEMA, S.FAIL, str(exc), exc.code)
    if issues:
        text = "; ".join(str(i) for i in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        code = ProblemCode(next((i.code for i in issues if i.code), ProblemCode.SCHEMA_INVALID))
        return _r(
            Check.SCHEMA,
            S.FAIL,
            f"the credential does not match {schema_id.rsplit('/', 1)[-1]}: {text}{more}",
            code,
            schema=schema_id,
            issues=[str(i) for i in issues],
        )
    return _r(
        Check.SCHEMA, S.PASS, f"valid against {schema_id.rsplit('/', 1)[-1]}", schema=schema_id
    )


def _proof_result(proof_checks: list[dataintegrity.ProofCheck]) -> CheckResult:
    if not proof_checks:
        return _r(Check.PROOF, S.FAIL, "the credential has no proof", ProblemCode.PROOF_MISSING)
    good = [p for p in proof_checks if p.ok]
    bad = [p for p in proof_checks if not p.ok]
    per_proof = [
        {
            "ok": p.ok,
            "code": str(p.code) if p.code else None,
            "message": p.message,
            "verificationMethod": p.verification_method.id
            if p.verification_method
            else (p.proof.get("verificationMethod") if isinstance(p.proof, dict) else None),
        }
        for p in proof_checks
    ]
    if not bad:
        n = len(good)
        return _r(
            Check.PROOF,
            S.PASS,
            "the proof verifies" if n == 1 else f"all {n} proofs verify",
            proofs=per_proof,
        )
    invalid = [p for p in bad if not p.could_not_check]
    first = (invalid or bad)[0]
    status = S.FAIL if invalid else S.COULD_NOT_CHECK
    return _r(Check.PROOF, status, first.message, first.code, proofs=per_proof)


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
            return _r(Check.ISSUER, S.PASS, f"the issuer {iss} controls the signing key {vm.id}")
    vm0 = verified[0].verification_method
    assert vm0 is not None
    return _r(
        Check.ISSUER,
        S.FAIL,
        f"the credential names {iss} as issuer, but it was signed with {vm0.id}, "
        f"a key controlled by {vm0.controller}",
        ProblemCode.ISSUER_MISMATCH,
    )


def _validity_check(doc: JsonObject, now: datetime) -> CheckResult:
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
        return _r(Check.VALIDITY, S.FAIL, str(exc), ProblemCode.VALIDITY_MALFORMED)
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
    if start is None and end is None:
        return _r(Check.VALIDITY, S.PASS, "no validity period: valid indefinitely")
    span = " to ".join(x for x in (doc.get(start_key, "…"), doc.get(end_key, "…")))
    return _r(Check.VALIDITY, S.PASS, f"within its validity period ({span})")


_PURPOSE_CODES = {
    "revocation": ProblemCode.STATUS_REVOKED,
    "suspension": ProblemCode.STATUS_SUSPENDED,
}


def _status_check(doc: JsonObject, ctx: VerifyContext) -> CheckResult:
    entries = doc.get("credentialStatus")
    if entries is None:
        return _not_run(Check.STATUS, "the credential has no status entry")
    entry_list = entries if isinstance(entries, list) else [entries]
    results: list[CheckResult] = []
    for entry in entry_list:
        results.append(_one_status(entry, ctx))
    order = [S.FAIL, S.COULD_NOT_CHECK, S.WARNING, S.PASS, S.NOT_RUN]
    worst = min(results, key=lambda r: order.index(r.status))
    if len(results) == 1:
        return worst
    return _r(
        Check.STATUS,
        worst.status,
        worst.message,
        worst.code,
        entries=[r.to_json() for r in results],
    )


def _one_status(entry: Any, ctx: VerifyContext) -> CheckResult:
    if not isinstance(entry, dict):
        return _r(
            Check.STATUS,
            S.FAIL,
            "credentialStatus must be an object",
            ProblemCode.STATUS_LIST_INVALID,
        )
    url = entry.get("statusListCredential")
    if not isinstance(url, str):
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
            Check.STATUS, S.COULD_NOT_CHECK, str(exc), ProblemCode.STATUS_UNRESOLVABLE, url=url
        )
    list_checks = dataintegrity.verify_proofs(
        list_credential,
        resolver=ctx.resolver,
        now=ctx.now,
        loader=ctx.loader,
        canonicalizer=ctx.canonicalizer,
    )
    if not list_checks or not any(p.ok for p in list_checks):
        why = list_checks[0].message if list_checks else "it has no proof"
        could_not = bool(list_checks) and all(p.could_not_check for p in list_checks)
        return _r(
            Check.STATUS,
            S.COULD_NOT_CHECK if could_not else S.FAIL,
            f"the status list {url} does not verify: {why}",
            ProblemCode.STATUS_LIST_INVALID,
            url=url,
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
        # (the 1EdTech fixtures publish one list under another URL). Its proof and
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
    """
    if isinstance(presentation, str):
        return _verify_jwt_presentation(presentation.strip(), ctx, challenge, domain)
    if not isinstance(presentation, dict):
        return _malformed("presentation", "a presentation must be a JSON object or a JWT", ctx)
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
    if contexts.status is S.PASS:
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
        checks.append(_proof_result(proof_checks))
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
        status = S.COULD_NOT_CHECK if isinstance(exc, ResolutionError) else S.FAIL
        return VerificationReport(
            kind="presentation",
            format="jwt",
            checks=(_r(Check.PROOF, status, str(exc), exc.code),),
            verified_at=_stamp(ctx.now),
        )
    vp = result.document
    checks = [_r(Check.SYNTAX, S.PASS, "the JWT is well formed")]
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
    elif domain is not None and domain not in (_as_list(aud)):
        checks.append(
            _r(
                Check.PROOF,
                S.FAIL,
                f"the presentation is for audience {aud!r}, not {domain!r}",
                ProblemCode.PROOF_DOMAIN_MISMATCH,
            )
        )
    else:
        checks.append(_r(Check.PROOF, S.PASS, "JWS signature verified"))
    vm = result.verification_method
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if vm is not None and isinstance(holder_id, str) and _controls(holder_id, vm.controller, vm.id):
        checks.append(_r(Check.HOLDER, S.PASS, f"the holder {holder_id} controls the signing key"))
    else:
        checks.append(
            _r(
                Check.HOLDER,
                S.FAIL,
                "the presentation's signer is not its holder",
                ProblemCode.HOLDER_MISMATCH,
            )
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
                Check.HOLDER, S.PASS, f"the holder {holder_id} controls the signing key {vm.id}"
            )
    return _r(
        Check.HOLDER,
        S.FAIL,
        f"the presentation names {holder_id} as holder, but it was "
        "signed with a key it does not control",
        ProblemCode.HOLDER_MISMATCH,
    )


def _credentials_check(reports: tuple[VerificationReport, ...]) -> CheckResult:
    if not reports:
        return _not_run(Check.CREDENTIALS, "the presentation holds no credential")
    bad = [i for i, r in enumerate(reports) if r.verdict.value == "invalid"]
    unsure = [i for i, r in enumerate(reports) if r.verdict.value == "indeterminate"]
    if bad:
        first = reports[bad[0]]
        codes = first.codes
        return _r(
            Check.CREDENTIALS,
            S.FAIL,
            f"credential #{bad[0] + 1} is not valid: "
            f"{first.problems[0].message if first.problems else 'invalid'}",
            ProblemCode(codes[0]) if codes else ProblemCode.PROOF_INVALID,
        )
    if unsure:
        return _r(
            Check.CREDENTIALS,
            S.COULD_NOT_CHECK,
            f"credential #{unsure[0] + 1} could not be fully checked",
            ProblemCode(reports[unsure[0]].codes[0]) if reports[unsure[0]].codes else None,
        )
    n = len(reports)
    return _r(
        Check.CREDENTIALS,
        S.PASS,
        "the credential is valid" if n == 1 else f"all {n} credentials are valid",
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
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"input is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if isinstance(value, str) and value.count(".") >= 2:
        return value
    if not isinstance(value, dict):
        raise InputError("input must be a JSON object (a credential or presentation) or a JWT")
    return value
