"""OpenID4VCI 1.0 endpoints (see :mod:`lerkit.services.oid4vci` for the design).

Public (no API key): issuer and authorization server metadata, the offer by reference, its
QR codes and its ways (``/offers/{id}/ways``: every protocol it can be claimed by), and the
OAuth endpoints (token, nonce, credential). The OAuth endpoints answer errors as OAuth JSON
(``{"error": ..., "error_description": ...}``), not problem+json.
Protected: ``POST /api/v1/offers`` (an API key with the issuer role).
"""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter, Depends, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lerkit.api.deps import ActorDep, ServicesDep, get_actor
from lerkit.api.problems import problem_responses
from lerkit.bootstrap import Services
from lerkit.core.errors import InputError
from lerkit.core.jsonvalue import parse_json
from lerkit.services.errors import NotFoundError
from lerkit.services.oid4vci import (
    CONFIGURATIONS,
    DEFAULT_OFFER_SECONDS,
    MAX_OFFER_SECONDS,
    OAuthError,
    Oid4vciService,
)

router = APIRouter(tags=["OpenID4VCI"])
offers_router = APIRouter(
    tags=["OpenID4VCI"],
    dependencies=[Depends(get_actor)],
    responses=problem_responses(401, 403, 404, 413, 422),
)

NO_STORE = {"Cache-Control": "no-store"}
_OAUTH_ERROR = {
    "description": "An OAuth error: `{error, error_description}`.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}
_JSON = {"content": {"application/json": {"schema": {"type": "object"}}}}


def _service(services: Services) -> Oid4vciService:
    if services.oid4vci is None:
        raise NotFoundError("OpenID4VCI is not enabled on this instance")
    return services.oid4vci


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.bearer:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=headers)


# ----------------------------------------------------------------------------- metadata


@router.get(
    "/.well-known/openid-credential-issuer/orgs/{slug}",
    summary="Credential Issuer Metadata of an organization",
    responses={200: _JSON, **problem_responses(404)},
)
async def issuer_metadata(slug: str, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    return JSONResponse(await run_in_threadpool(service.issuer_metadata, slug))


@router.get(
    "/.well-known/oauth-authorization-server/orgs/{slug}",
    summary="OAuth authorization server metadata of an organization (RFC 8414)",
    responses={200: _JSON, **problem_responses(404)},
)
async def authorization_server_metadata(slug: str, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    return JSONResponse(await run_in_threadpool(service.authorization_server_metadata, slug))


# ----------------------------------------------------------------------------- offers


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    achievement: str = Field(max_length=64, description="the achievement's public id")
    recipient: str = Field(max_length=500, description="whom the offer is meant for")
    tx_code: bool = Field(
        default=False, alias="txCode", description="require a numeric PIN (shown once)"
    )
    expires_in: int = Field(
        default=DEFAULT_OFFER_SECONDS, ge=60, le=MAX_OFFER_SECONDS, alias="expiresIn"
    )
    credential_configuration_ids: list[str] | None = Field(
        default=None,
        alias="credentialConfigurationIds",
        max_length=len(CONFIGURATIONS),
        description=f"among {', '.join(CONFIGURATIONS)} (default: all)",
    )


@offers_router.post(
    "/offers",
    summary="Create an OpenID4VCI credential offer (pre-authorized code)",
    description=(
        "The response holds the offer by value and by reference, the "
        "`openid-credential-offer://` URIs, QR code URLs and the PIN (`txCode`): "
        "the pre-authorized code and the PIN are shown only here."
    ),
    status_code=status.HTTP_201_CREATED,
)
async def create_offer(body: OfferIn, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    service = _service(services)
    created = await run_in_threadpool(
        lambda: service.create_offer(
            actor,
            body.achievement,
            body.recipient,
            tx_code=body.tx_code,
            expires_in=body.expires_in,
            configuration_ids=body.credential_configuration_ids,
        )
    )
    out = created.to_json()
    out["qrCode"] = {
        "png": f"{created.credential_offer_uri}/qr.png",
        "svg": f"{created.credential_offer_uri}/qr.svg",
    }
    out["ways"] = f"{created.credential_offer_uri}/ways"
    return out


@router.get(
    "/offers/{offer_id}",
    summary="A credential offer by reference (served once)",
    responses={200: _JSON, **problem_responses(404)},
)
async def offer_by_reference(offer_id: str, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    offer = await run_in_threadpool(service.offer_by_reference, offer_id)
    return JSONResponse(offer, headers=NO_STORE)


@router.get(
    "/offers/{offer_id}/ways",
    summary="Every way an offer can be claimed (OpenID4VCI, VC-API, claim page)",
    description=(
        "One offer, every protocol: each way has its `protocol`, `url` (null when not "
        "available for this offer) and extra `links`. Served while the offer is live; "
        "it shows no pre-authorized code and no PIN."
    ),
    responses={200: _JSON, **problem_responses(404)},
)
async def offer_ways(offer_id: str, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    ways = await run_in_threadpool(service.ways, offer_id)
    return JSONResponse(ways, headers=NO_STORE)


def _qr(services: Services, offer_id: str, kind: str) -> bytes:
    uri = _service(services).offer_uri(offer_id)
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind=kind, scale=6, border=4)
    return out.getvalue()


@router.get(
    "/offers/{offer_id}/qr.png",
    summary="The offer's QR code (PNG)",
    responses={200: {"content": {"image/png": {}}}, **problem_responses(404)},
    response_class=Response,
)
async def offer_qr_png(offer_id: str, services: ServicesDep) -> Response:
    data = await run_in_threadpool(_qr, services, offer_id, "png")
    return Response(data, media_type="image/png", headers=NO_STORE)


@router.get(
    "/offers/{offer_id}/qr.svg",
    summary="The offer's QR code (SVG)",
    responses={200: {"content": {"image/svg+xml": {}}}, **problem_responses(404)},
    response_class=Response,
)
async def offer_qr_svg(offer_id: str, services: ServicesDep) -> Response:
    data = await run_in_threadpool(_qr, services, offer_id, "svg")
    return Response(data, media_type="image/svg+xml", headers=NO_STORE)


# ----------------------------------------------------------------------------- OAuth


@router.post(
    "/orgs/{slug}/token",
    summary="Token endpoint (pre-authorized code grant)",
    description="Form-encoded: `grant_type`, `pre-authorized_code`, `tx_code`.",
    responses={200: _JSON, 400: _OAUTH_ERROR},
)
async def token(slug: str, request: Request, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        return _oauth_error(OAuthError("invalid_request", "send application/x-www-form-urlencoded"))
    try:
        form = await request.form()
    except (ValueError, AssertionError, KeyError):  # malformed form data: the client's fault
        return _oauth_error(OAuthError("invalid_request", "the form could not be parsed"))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        answer = await run_in_threadpool(service.token, slug, fields)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(answer, headers=NO_STORE)


@router.post(
    "/orgs/{slug}/nonce",
    summary="Nonce endpoint: a fresh c_nonce",
    responses={200: _JSON, **problem_responses(404)},
)
async def nonce(slug: str, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    value = await run_in_threadpool(service.nonce, slug)
    return JSONResponse({"c_nonce": value}, headers=NO_STORE)


@router.post(
    "/orgs/{slug}/credential",
    summary="Credential endpoint (Bearer access token, JWT proofs)",
    responses={200: _JSON, 400: _OAUTH_ERROR, 401: _OAUTH_ERROR},
)
async def credential(
    slug: str,
    request: Request,
    services: ServicesDep,
) -> JSONResponse:
    service = _service(services)
    header = request.headers.get("authorization", "")
    scheme, _, token_value = header.partition(" ")
    access_token = token_value.strip() if scheme.lower() == "bearer" else None
    raw = await request.body()
    try:
        body: Any = parse_json(raw) if raw else None
    except InputError:  # not JSON: the client's fault
        body = None
    try:
        answer = await run_in_threadpool(service.credential, slug, access_token, body)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(answer, headers=NO_STORE)
