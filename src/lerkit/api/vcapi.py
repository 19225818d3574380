"""The W3C VC-API (VCALM) endpoints: issue, status, verify credentials and presentations.

Bodies are read raw and parsed with lerkit's strict JSON reader (no NaN, bounded depth), so
that a malformed body is a 400 problem, never a 500; the OpenAPI description still shows
their schema. A credential that does not verify is a 200 with ``verified: false`` and the
full report; only a request that is not a verify request at all is a 400.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.api.problems import PROBLEM_BASE, problem_responses
from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.jsonvalue import parse_json
from lerkit.core.report import Check, CheckStatus, VerificationReport
from lerkit.core.types import JsonObject
from lerkit.services.errors import ValidationError

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


def verification_result(report: VerificationReport, options: JsonObject) -> JsonObject:
    """The VC-API verify response: current shape (``verified``, ``results``,
    ``problemDetails``), legacy shape (``checks``/``warnings``/``errors``) and lerkit's full
    report under ``report``."""
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
    ]
    results: JsonObject = {}
    for c in report.checks:
        key = _RESULT_KEYS.get(c.check, str(c.check))
        results.setdefault(key, []).append({"valid": c.status is CheckStatus.PASS, **c.to_json()})
    out: JsonObject = {
        "verified": report.verified,
        "verdict": str(report.verdict),
        "checks": [str(c.check) for c in report.checks if c.status is CheckStatus.PASS],
        "warnings": [c.message for c in report.checks if c.status is CheckStatus.WARNING],
        "errors": [
            c.message
            for c in report.checks
            if c.status in (CheckStatus.FAIL, CheckStatus.COULD_NOT_CHECK)
        ],
        "problemDetails": problem_details,
        "results": results,
        "report": report.to_json(),
    }
    if report.credentials:
        out["credentialResults"] = [verification_result(r, {}) for r in report.credentials]
    if options.get("returnCredential") is True and report.kind == "credential":
        out["credential"] = report.document
    if options.get("returnPresentation") is True and report.kind == "presentation":
        out["presentation"] = report.document
    return out


VERIFY_RESPONSE = {
    200: {
        "description": "The verification result (`verified: false` when a check failed).",
        "content": {
            "application/json": {
                "schema": {
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
            }
        },
    },
    **problem_responses(400, 413, 422),
}


# ----------------------------------------------------------------------------- verifier


@router.post(
    "/credentials/verify",
    tags=["VC-API: verifier"],
    summary="Verify a credential",
    description=(
        "Checks syntax, contexts, schema, proof, issuer, validity and status. DID documents "
        "and status lists of this instance come from its database; others are fetched "
        "(bounded). Returns 200 with `verified: false` when the credential is invalid."
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
    vc = body.get("verifiableCredential")
    if not isinstance(vc, dict | str) or not vc:
        raise InputError("verifiableCredential must be a credential (object) or a VC-JWT")
    verifier = services.verifier()
    report = await run_in_threadpool(verifier.verify_credential, vc)
    return JSONResponse(verification_result(report, options))


@router.post(
    "/presentations/verify",
    tags=["VC-API: verifier"],
    summary="Verify a presentation",
    description=(
        "Verifies the presentation's proof against `options.challenge` and `options.domain`, "
        "its holder, and every credential in it."
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
    vp = body.get("verifiablePresentation", body.get("presentation"))
    if not isinstance(vp, dict | str) or not vp:
        raise InputError("verifiablePresentation must be a presentation (object) or a VP-JWT")
    challenge = options.get("challenge")
    domain = options.get("domain")
    if challenge is not None and not isinstance(challenge, str):
        raise InputError("options.challenge must be a string")
    if domain is not None and not isinstance(domain, str):
        raise InputError("options.domain must be a string")
    verifier = services.verifier()
    report = await run_in_threadpool(
        lambda: verifier.verify_presentation(vp, challenge=challenge, domain=domain)
    )
    return JSONResponse(verification_result(report, options))


# ----------------------------------------------------------------------------- issuer


@router.post(
    "/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    tags=["VC-API: issuer"],
    summary="Issue a credential",
    description=(
        "Signs `credential` as the caller's organization: `issuer` is set to (or must be) the "
        "organization's DID; revocation and suspension status entries are added; the "
        "credential is stored. Needs an API key with the issuer role."
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
        **problem_responses(400, 401, 403, 409, 413, 422, 501),
    },
    openapi_extra=_body(
        {"credential": _OBJECT, "options": _OBJECT},
        ["credential"],
        {
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:learner"},
            },
            "options": {},
        },
    ),
)
async def issue_credential(
    request: Request, actor: ActorDep, services: ServicesDep
) -> JSONResponse:
    actor.require("issuer", "credentials:issue")
    body = await read_object(request, "credential")
    options = _options(body)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise InputError("credential must be a JSON object", ProblemCode.CREDENTIAL_MALFORMED)
    credential_id = options.get("credentialId")
    if credential_id is not None and not isinstance(credential_id, str):
        raise InputError("options.credentialId must be a string")

    issue_document = getattr(services.issuance, "issue_document", None)
    if issue_document is None:  # TODO(lead): IssuanceService.issue_document (see report)
        raise HTTPException(501, "issuing a caller-supplied credential is not available yet")
    record = await run_in_threadpool(lambda: issue_document(actor, credential, options))
    document = record.parsed() if hasattr(record, "parsed") else record
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
