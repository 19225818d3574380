"""The W3C VC-API (VCALM) endpoints: issue, status, verify credentials and presentations.

Bodies are read raw and parsed with lerkit's strict JSON reader (no NaN, bounded depth), so
that a malformed body is a 400 problem, never a 500; the OpenAPI description still shows
their schema.

Shaped by what the W3C and CCG test suites check (``tests/api/test_vcapi_conformance.py``
lists each requirement and where it comes from):

* verify answers **200** with ``verified: true``, or **400 with the same full result body**
  (``verified: false``, ``problemDetails``, ``errors``, lerkit's ``report``) when the
  credential or presentation is not verified: the VC-API suites take a 400 as "not
  verified". lerkit's own house rule (an invalid credential is a result, not an error) still
  holds in the body: the 400 carries the whole report, never a bare problem. A request that
  is not a verify request at all is a 400 ``application/problem+json``.
* ``options.checks`` (VC-API) narrows what ``verified`` covers: the named checks, plus the
  data model and contexts checks, which always count. The report always lists every check.
* issue answers **201** ``{"verifiableCredential": ...}``; a malformed credential is a 400
  problem listing each fault, a credential naming another issuer a 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.api.problems import PROBLEM_BASE, problem_responses
from lerkit.bootstrap import Services
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.jsonld import expand
from lerkit.core.jsonvalue import parse_json
from lerkit.core.model.vc import VC_V2_CONTEXT as V2
from lerkit.core.model.vc import basic_shape_errors, is_url, is_v2
from lerkit.core.report import Check, CheckResult, CheckStatus, VerificationReport
from lerkit.core.types import JsonObject
from lerkit.services.errors import ValidationError
from lerkit.services.verification import Verifier

router = APIRouter()

_OBJECT = {"type": "object", "additionalProperties": True}
_VC = {
    "oneOf": [
        {"type": "object", "additionalProperties": True, "description": "a secured VC"},
        {"type": "string", "description": "a compact VC-JWT"},
    ]
}


def _body(schema: dict[str, Any], required: list[str], example: JsonObject) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": schema,
                        "required": required,
                    },
                    "example": example,
                }
            },
        }
    }


async def read_object(request: Request, what: str) -> JsonObject:
    """The request body as a JSON object (strictly parsed), or a 400 problem."""
    raw = await request.body()
    if not raw.strip():
        raise InputError(f"the request body must be a JSON object with {what}")
    value = parse_json(raw, "request body")
    if not isinstance(value, dict):
        raise InputError(f"the request body must be a JSON object with {what}")
    return value


def _options(body: JsonObject) -> JsonObject:
    options = body.get("options", {})
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InputError("options must be a JSON object")
    return options


# ----------------------------------------------------------------------------- results

_RESULT_KEYS = {
    Check.PROOF: "proof",
    Check.STATUS: "credentialStatus",
    Check.SCHEMA: "credentialSchema",
    Check.VALIDITY: "validity",
}

CHECK_NAMES: dict[str, Check] = {
    **{str(c): c for c in Check},
    "credentialStatus": Check.STATUS,
    "credentialSchema": Check.SCHEMA,
    "expiration": Check.VALIDITY,
    "validFrom": Check.VALIDITY,
    "validUntil": Check.VALIDITY,
}
"""``options.checks`` names (lerkit's check names and the VC-API's) -> lerkit checks."""

ALWAYS_COUNTED = frozenset({Check.SYNTAX, Check.CONTEXTS})
"""Checks that count whatever ``options.checks`` says: a malformed document never verifies."""

_NOT_VERIFIED = (CheckStatus.FAIL, CheckStatus.COULD_NOT_CHECK)


def requested_checks(options: JsonObject) -> frozenset[Check] | None:
    """The checks ``options.checks`` asks for (None: every check), or a 400 problem."""
    if "checks" not in options:
        return None
    names = options["checks"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError("options.checks must be a list of check names")
    unknown = sorted({n for n in names if n not in CHECK_NAMES})
    if unknown:
        raise InputError(
            f"options.checks: unknown check(s) {', '.join(unknown)}; known: "
            + ", ".join(sorted(CHECK_NAMES))
        )
    return frozenset(CHECK_NAMES[n] for n in names)


def counted(report: VerificationReport, requested: frozenset[Check] | None) -> list[CheckResult]:
    """The checks ``verified`` is decided on: all of them, or the requested ones plus
    :data:`ALWAYS_COUNTED` (a presentation's ``credentials`` check is replaced by deciding
    each embedded credential on the same checks, see :func:`is_verified`)."""
    if requested is None:
        return list(report.checks)
    keep = requested | ALWAYS_COUNTED
    return [
        c
        for c in report.checks
        if c.check in keep or (c.check is Check.HOLDER and Check.PROOF in requested)
    ]


def is_verified(report: VerificationReport, requested: frozenset[Check] | None) -> bool:
    if requested is None:
        return report.verified
    own = all(c.status not in _NOT_VERIFIED for c in counted(report, requested))
    return own and all(is_verified(r, requested) for r in report.credentials)


def verification_result(
    report: VerificationReport,
    options: JsonObject,
    requested: frozenset[Check] | None = None,
) -> JsonObject:
    """The VC-API verify response: current shape (``verified``, ``results``,
    ``problemDetails``), legacy shape (``checks``/``warnings``/``errors``) and lerkit's full
    report under ``report``. With ``options.checks``, a check not asked for that did not pass
    shows under ``warnings`` (and in ``results`` and ``report``), not under ``errors``."""
    counts = {id(c) for c in counted(report, requested)}
    problem_details = [
        {
            "type": PROBLEM_BASE + str(c.code or ProblemCode.INPUT_MALFORMED),
            "title": f"{c.check} check: {c.status}",
            "detail": c.message,
            "code": str(c.code or ProblemCode.INPUT_MALFORMED),
            "check": str(c.check),
            "status": str(c.status),
        }
        for c in report.problems
        if id(c) in counts
    ]
    results: JsonObject = {}
    for c in report.checks:
        key = _RESULT_KEYS.get(c.check, str(c.check))
        results.setdefault(key, []).append({"valid": c.status is CheckStatus.PASS, **c.to_json()})
    failed = [c for c in report.checks if c.status in _NOT_VERIFIED]
    out: JsonObject = {
        "verified": is_verified(report, requested),
        "verdict": str(report.verdict),
        "checks": [str(c.check) for c in report.checks if c.status is CheckStatus.PASS],
        "warnings": [c.message for c in report.checks if c.status is CheckStatus.WARNING]
        + [f"{c.check} (not asked for): {c.message}" for c in failed if id(c) not in counts],
        "errors": [c.message for c in failed if id(c) in counts],
        "problemDetails": problem_details,
        "results": results,
        "report": report.to_json(),
    }
    if requested is not None:
        out["checksRequested"] = sorted(str(c) for c in requested)
    if report.credentials:
        out["credentialResults"] = [
            verification_result(r, {}, requested) for r in report.credentials
        ]
    if options.get("returnCredential") is True and report.kind == "credential":
        out["credential"] = report.document
    if options.get("returnPresentation") is True and report.kind == "presentation":
        out["presentation"] = report.document
    return out


def _verify_response(report: VerificationReport, options: JsonObject) -> JSONResponse:
    requested = requested_checks(options)
    body = verification_result(report, options, requested)
    return JSONResponse(body, status_code=200 if body["verified"] else 400)


_RESULT_SCHEMA = {
    "type": "object",
    "properties": {
        "verified": {"type": "boolean"},
        "checks": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "errors": {"type": "array", "items": {"type": "string"}},
        "problemDetails": {"type": "array", "items": _OBJECT},
        "results": _OBJECT,
        "report": _OBJECT,
    },
    "required": ["verified", "problemDetails", "checks", "errors"],
}

_MALFORMED = problem_responses(400)[400]["content"]

VERIFY_RESPONSE = {
    200: {
        "description": "Verified (`verified: true`).",
        "content": {"application/json": {"schema": _RESULT_SCHEMA}},
    },
    400: {
        "description": (
            "Not verified: the full result with `verified: false` (`application/json`), "
            "or a request that is not a verify request at all (`application/problem+json`)."
        ),
        "content": {"application/json": {"schema": _RESULT_SCHEMA}, **_MALFORMED},
    },
    **problem_responses(413, 422),
}

_VERIFY_RULES = (
    " Answers 200 with `verified: true`, or 400 with the same full result body "
    "(`verified: false`, `problemDetails`, `errors`, and lerkit's `report` of every check) "
    "when it is not verified, as the VC-API test suites expect; lerkit's own report still "
    'says why, check by check. `options.checks` (e.g. `["proof"]`) limits what `verified` '
    "covers to the named checks plus the data model and contexts checks; the others still "
    "appear in `results` and `report`, and under `warnings` when they did not pass."
)


# ----------------------------------------------------------------------------- verifier


def _verifier(services: Services) -> Verifier:
    """The shared verification service (trust area: one HTTP cache and one memo of
    verified status lists for every request), else a verifier for this request."""
    shared = getattr(services.trust, "verifier", None)
    return shared() if callable(shared) else services.verifier()


@router.post(
    "/credentials/verify",
    tags=["VC-API: verifier"],
    summary="Verify a credential",
    description=(
        "Checks syntax, contexts, schema, proof, issuer, validity and status. DID documents "
        "and status lists of this instance come from its database; others are fetched "
        "(bounded)." + _VERIFY_RULES
    ),
    responses=VERIFY_RESPONSE,
    openapi_extra=_body(
        {"verifiableCredential": _VC, "options": _OBJECT},
        ["verifiableCredential"],
        {"verifiableCredential": {"@context": ["https://www.w3.org/ns/credentials/v2"]}},
    ),
)
async def verify_credential(request: Request, services: ServicesDep) -> JSONResponse:
    body = await read_object(request, "verifiableCredential")
    options = _options(body)
    requested_checks(options)  # a bad option is a 400 before any work
    vc = body.get("verifiableCredential")
    if not isinstance(vc, dict | str) or not vc:
        raise InputError("verifiableCredential must be a credential (object) or a VC-JWT")
    verifier = _verifier(services)
    report = await run_in_threadpool(verifier.verify_credential, vc)
    return _verify_response(report, options)


@router.post(
    "/presentations/verify",
    tags=["VC-API: verifier"],
    summary="Verify a presentation",
    description=(
        "Verifies the presentation's proof against `options.challenge` and `options.domain`, "
        "its holder, and every credential in it." + _VERIFY_RULES
    ),
    responses=VERIFY_RESPONSE,
    openapi_extra=_body(
        {"verifiablePresentation": _VC, "presentation": _OBJECT, "options": _OBJECT},
        [],
        {"verifiablePresentation": {}, "options": {"challenge": "c-1", "domain": "example.org"}},
    ),
)
async def verify_presentation(request: Request, services: ServicesDep) -> JSONResponse:
    body = await read_object(request, "verifiablePresentation")
    options = _options(body)
    requested_checks(options)
    vp = body.get("verifiablePresentation", body.get("presentation"))
    if not isinstance(vp, dict | str) or not vp:
        raise InputError("verifiablePresentation must be a presentation (object) or a VP-JWT")
    challenge = options.get("challenge")
    domain = options.get("domain")
    if challenge is not None and not isinstance(challenge, str):
        raise InputError("options.challenge must be a string")
    if domain is not None and not isinstance(domain, str):
        raise InputError("options.domain must be a string")
    verifier = _verifier(services)
    report = await run_in_threadpool(
        lambda: verifier.verify_presentation(vp, challenge=challenge, domain=domain)
    )
    return _verify_response(report, options)


# ----------------------------------------------------------------------------- issuer

SUPPORTED_PROOFS = {
    # (options.type, options.cryptosuite) -> IssuanceService format
    ("DataIntegrityProof", "eddsa-rdfc-2022"): "eddsa-rdfc-2022",
    ("Ed25519Signature2020", None): "ed25519-signature-2020",
}
_SUPPORTED_WORDS = (
    "`DataIntegrityProof` with `eddsa-rdfc-2022` (the default) or `Ed25519Signature2020`"
)


class MalformedCredential(ValidationError):
    """A credential to issue that breaks the VC data model: 400 (the VC-API suites expect
    400 for invalid input), with one entry per fault."""

    status = 400


def issue_format(options: JsonObject) -> str:
    """The IssuanceService format ``options.type`` / ``options.cryptosuite`` ask for, or a 400
    problem naming what this issuer can do (its keys are Ed25519: no ECDSA, no BBS)."""
    proof_type = options.get("type")
    suite = options.get("cryptosuite")
    if proof_type is not None and not isinstance(proof_type, str):
        raise InputError("options.type must be a string (a proof type)")
    if suite is not None and not isinstance(suite, str):
        raise InputError("options.cryptosuite must be a string")
    if proof_type is None:
        proof_type = "DataIntegrityProof" if suite is not None else None
    if proof_type is None:
        return SUPPORTED_PROOFS[("DataIntegrityProof", "eddsa-rdfc-2022")]
    if proof_type == "DataIntegrityProof" and suite is None:
        suite = "eddsa-rdfc-2022"
    chosen = SUPPORTED_PROOFS.get((proof_type, suite))
    if chosen is None:
        asked = f"{proof_type} with {suite}" if suite else proof_type
        raise InputError(
            f"this issuer cannot sign with {asked}: its keys are Ed25519, so it offers "
            f"{_SUPPORTED_WORDS.replace('`', '')}",
            ProblemCode.PROOF_UNSUPPORTED,
        )
    return chosen


STATUS_PURPOSES = ("revocation", "suspension")


def status_purposes(options: JsonObject, query: str | None) -> tuple[str, ...]:
    """Which status entries to add: both (revocation and suspension, as an array) unless
    ``options.credentialStatus`` (``{"type": "BitstringStatusListEntry", "statusPurpose":
    ...}``, or a list of them) or the query parameter ``statusPurpose`` (for issuer
    endpoints registered per purpose, as the W3C status-list test suite does) names one."""
    wanted: list[str] = []
    requested = options.get("credentialStatus")
    if requested is not None:
        for item in requested if isinstance(requested, list) else [requested]:
            if not isinstance(item, dict):
                raise InputError("options.credentialStatus must be an object or a list of them")
            kind = item.get("type", "BitstringStatusListEntry")
            if kind != "BitstringStatusListEntry":
                raise InputError(
                    f"options.credentialStatus.type {kind!r} is not supported: this issuer "
                    "adds BitstringStatusListEntry entries",
                    ProblemCode.STATUS_UNSUPPORTED,
                )
            purpose = item.get("statusPurpose")
            if purpose is not None:
                wanted.append(purpose)
    if query:
        wanted.append(query)
    for purpose in wanted:
        if purpose not in STATUS_PURPOSES:
            raise InputError(
                f"statusPurpose {purpose!r} is not supported: use revocation or suspension"
            )
    return tuple(dict.fromkeys(wanted)) or STATUS_PURPOSES


def _pointer(message: str) -> str:
    name = message.split(":", 1)[0].split("[", 1)[0].strip()
    return "/credential/" + name.replace("~", "~0").replace("/", "~1")


def check_credential(credential: Any, options: JsonObject) -> JsonObject:
    """The credential to sign, checked as the VC-API suites want (each fault a 400 problem):
    VC data model shape (``issuer`` included: the service would fill it in, the suites want
    a credential without one refused) and safe-mode JSON-LD (every context bundled, every
    term defined). ``options.credentialId`` becomes its ``id`` when it has none; the service
    adds a ``urn:uuid:`` otherwise, names the organization as issuer (422 for another) and
    refuses VC 1.1 (lerkit issues 2.0)."""
    if not isinstance(credential, dict):
        raise InputError(
            "the request body must have `credential`, a JSON object (not `verifiableCredential`)",
            ProblemCode.CREDENTIAL_MALFORMED,
        )
    faults = basic_shape_errors(credential)
    if faults:
        raise MalformedCredential(
            "the credential breaks the VC data model: " + "; ".join(faults),
            [{"pointer": _pointer(f), "message": f} for f in faults],
            ProblemCode.CREDENTIAL_MALFORMED,
        )
    if not is_v2(credential):
        raise InputError(
            f"lerkit issues VC Data Model 2.0 credentials: the first @context must be {V2}, "
            "with validFrom/validUntil instead of issuanceDate/expirationDate (1.1 "
            "credentials can still be verified)",
            ProblemCode.CREDENTIAL_MALFORMED,
        )
    if "proof" in credential:
        raise MalformedCredential(
            "the credential already has a proof: send it unsigned",
            [{"pointer": "/credential/proof", "message": "must be absent"}],
            ProblemCode.CREDENTIAL_MALFORMED,
        )
    credential_id = options.get("credentialId")
    if credential_id is not None:
        if not is_url(credential_id):
            raise InputError("options.credentialId must be a URL (e.g. urn:uuid:...)")
        if credential.get("id", credential_id) != credential_id:
            raise InputError("options.credentialId differs from the credential's id")
    pointers = options.get("mandatoryPointers")
    if pointers is not None:
        if not isinstance(pointers, list) or not all(
            isinstance(p, str) and (p == "" or p.startswith("/")) for p in pointers
        ):
            raise InputError("options.mandatoryPointers must be a list of JSON Pointers")
        if pointers:
            raise InputError(
                "options.mandatoryPointers is for selective-disclosure cryptosuites "
                "(ecdsa-sd-2023, bbs-2023), which this issuer does not offer",
                ProblemCode.PROOF_UNSUPPORTED,
            )
    try:
        expand(credential)
    except LerkitError as exc:
        raise MalformedCredential(
            f"the credential is not valid JSON-LD: {exc.message}",
            [{"pointer": "/credential/@context", "message": exc.message}],
            exc.code,
        ) from exc
    if credential_id is not None and "id" not in credential:
        return {**credential, "id": credential_id}
    return dict(credential)


@router.post(
    "/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    tags=["VC-API: issuer"],
    summary="Issue a credential",
    description=(
        "Signs `credential` as the caller's organization (an API key with the issuer role): "
        "`issuer` (or `issuer.id`) must be the organization's DID (422 otherwise). The "
        "credential must follow VC Data Model 2.0 (or 1.1, with `issuanceDate`) and be valid "
        "JSON-LD with bundled contexts (400 otherwise, each fault listed). lerkit adds `id` "
        "when absent (`options.credentialId`, or a new `urn:uuid:`), a revocation and a "
        "suspension `credentialStatus` entry, and the proof; the credential is stored. "
        f"Proofs: {_SUPPORTED_WORDS}, chosen with `options.type` / `options.cryptosuite`; "
        "others (ECDSA, BBS, selective disclosure) are a 400. An `Idempotency-Key` header "
        "makes a retry return the credential issued the first time. Answers 201 "
        '`{"verifiableCredential": ...}`.'
    ),
    responses={
        201: {
            "description": "The issued credential.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"verifiableCredential": _VC},
                        "required": ["verifiableCredential"],
                    }
                }
            },
        },
        **problem_responses(400, 401, 403, 409, 413, 422),
    },
    openapi_extra=_body(
        {"credential": _OBJECT, "options": _OBJECT},
        ["credential"],
        {
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": "did:web:lerkit.example:orgs:my-org",
                "credentialSubject": {"id": "did:example:learner"},
            },
            "options": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"},
        },
    ),
)
async def issue_credential(
    request: Request, actor: ActorDep, services: ServicesDep
) -> JSONResponse:
    actor.require("issuer", "credentials:issue")
    body = await read_object(request, "credential")
    options = _options(body)
    format = issue_format(options)
    purposes = status_purposes(options, request.query_params.get("statusPurpose"))
    credential = check_credential(body.get("credential"), options)
    idempotency_key = request.headers.get("idempotency-key") or None
    issuance = services.issuance
    record = await run_in_threadpool(
        lambda: issuance.issue_document(
            actor,
            credential,
            format=format,
            idempotency_key=idempotency_key,
            status_purposes=purposes,
        )
    )
    document = record.parsed()
    if isinstance(document, str):  # VC-JOSE: an enveloped credential
        document = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "EnvelopedVerifiableCredential",
            "id": "data:application/vc+jwt," + document,
        }
    return JSONResponse({"verifiableCredential": document}, status_code=201)


_PURPOSES = ("revocation", "suspension")


@router.post(
    "/credentials/status",
    tags=["VC-API: issuer"],
    summary="Update a credential's status",
    description=(
        "Sets (`status: true`) or clears (`status: false`) the credential's revocation or "
        "suspension bit. Revocation cannot be undone. The status list served at its URL "
        "changes at once."
    ),
    responses={
        200: {"description": "The status was updated."},
        **problem_responses(400, 401, 403, 404, 409, 413, 422),
    },
    openapi_extra=_body(
        {
            "credentialId": {"type": "string"},
            "credentialStatus": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "statusPurpose": {"type": "string", "enum": list(_PURPOSES)},
                },
                "required": ["statusPurpose"],
            },
            "status": {"type": "boolean"},
        },
        ["credentialId", "credentialStatus", "status"],
        {
            "credentialId": "urn:uuid:...",
            "credentialStatus": {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
            },
            "status": True,
        },
    ),
)
async def update_status(request: Request, actor: ActorDep, services: ServicesDep) -> JSONResponse:
    actor.require("issuer", "credentials:status")
    body = await read_object(request, "credentialId, credentialStatus and status")
    credential_id = body.get("credentialId")
    entry = body.get("credentialStatus")
    value = body.get("status")
    errors = []
    if not isinstance(credential_id, str) or not credential_id:
        errors.append({"pointer": "/credentialId", "message": "must be a non-empty string"})
    purpose = entry.get("statusPurpose") if isinstance(entry, dict) else None
    if purpose not in _PURPOSES:
        errors.append(
            {
                "pointer": "/credentialStatus/statusPurpose",
                "message": "must be revocation or suspension",
            }
        )
    if not isinstance(value, bool):
        errors.append({"pointer": "/status", "message": "must be true or false"})
    if errors:
        raise ValidationError("the status update is not valid", errors)
    assert isinstance(credential_id, str)
    assert isinstance(value, bool)
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        reason = "status changed through the VC-API"
    if purpose == "revocation" and not value:
        raise ValidationError(
            "revocation cannot be undone",
            [{"pointer": "/status", "message": "revocation cannot be undone"}],
        )
    issuance = services.issuance
    if purpose == "revocation":
        await run_in_threadpool(issuance.revoke, actor, credential_id, reason)
    elif value:
        await run_in_threadpool(issuance.suspend, actor, credential_id, reason)
    else:
        await run_in_threadpool(issuance.unsuspend, actor, credential_id, reason)
    return JSONResponse({"credentialId": credential_id, "statusPurpose": purpose, "status": value})
