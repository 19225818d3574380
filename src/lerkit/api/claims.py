"""Claim links (see :mod:`lerkit.services.claims`).

Public, no API key: the claim page ``GET /claim/{token}`` (server-rendered HTML that works
without JavaScript, in the recipient's language; 410 with an explanation once the link
expired or was revoked, 404 for an unknown link) and its downloads
(``/claim/{token}/credential.json``, ``/claim/{token}/badge.png``). Protected: resend,
revoke, record a bounce, read (``/api/v1/claims/{claim_id}...``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lerkit.api.deps import ActorDep, ServicesDep, get_actor
from lerkit.api.problems import problem_responses
from lerkit.bootstrap import Services
from lerkit.services.claims import ClaimGone, ClaimService, ClaimView, parse_document
from lerkit.services.errors import NotFoundError
from lerkit.web import STRINGS, Templates

router = APIRouter(tags=["Claim links"])
claims_router = APIRouter(
    tags=["Claim links"],
    dependencies=[Depends(get_actor)],
    responses=problem_responses(401, 403, 404, 409, 422),
)

_templates = Templates()
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}


def _service(services: Services) -> ClaimService:
    if services.claims is None:
        raise NotFoundError("claim links are not enabled on this instance")
    return services.claims


def _who(organization: str, contact: str | None) -> str:
    return f"{organization} ({contact})" if contact else organization


def _page(view: ClaimView, token: str) -> str:
    return _templates.render(
        "claim.html",
        view.lang,
        {
            "organization": view.organization,
            "achievement_name": view.achievement_name,
            "achievement_description": view.achievement_description,
            "image": view.image,
            "offer_uri": view.offer_uri,
            "offer_qr_png": view.offer_qr_png,
            "has_credential": view.has_credential,
            "lcw_url": view.lcw_url,
            # this instance's wallet receives the offer (sign-in first, then back here)
            "wallet_url": f"/wallet/receive?offer={quote(view.offer_uri, safe='')}"
            if view.offer_uri
            else None,
            "who": _who(view.organization, view.contact),
            "base": f"/claim/{token}",
            "date": view.expires_at.date().isoformat(),
        },
    )


def _gone(exc: ClaimGone) -> HTMLResponse:
    view = exc.view
    t = STRINGS.get(view.lang, STRINGS["en"])
    names = {"organization": view.organization, "achievement": view.achievement_name}
    html = _templates.render(
        "claim_gone.html",
        view.lang,
        {
            "title": t[f"gone_title_{exc.reason}"],
            "message": t[f"gone_{exc.reason}"].format(**names),
            "who": _who(view.organization, view.contact),
        },
    )
    return HTMLResponse(html, status_code=410, headers=PRIVATE)


def _not_found() -> HTMLResponse:
    t = STRINGS["en"]
    html = _templates.render(
        "claim_gone.html",
        "en",
        {"title": t["not_found_title"], "message": t["not_found"], "who": ""},
    )
    return HTMLResponse(html, status_code=404, headers=PRIVATE)


@router.get(
    "/claim/{token}",
    summary="The claim page of a credential (HTML)",
    response_class=HTMLResponse,
    responses={200: _HTML, 404: _HTML, 410: _HTML},
)
async def claim_page(token: str, services: ServicesDep) -> HTMLResponse:
    try:
        service = _service(services)
        view = await run_in_threadpool(service.view, token)
    except ClaimGone as exc:
        return _gone(exc)
    except NotFoundError:
        return _not_found()
    return HTMLResponse(_page(view, token), headers=PRIVATE)


@router.get(
    "/claim/{token}/credential.json",
    summary="The claimed credential, exactly as issued (JSON, or a JWT string as JSON)",
    responses={200: {"content": {"application/json": {}}}, **problem_responses(404, 410)},
)
async def claim_credential(token: str, services: ServicesDep) -> Response:
    service = _service(services)
    format, document = await run_in_threadpool(service.credential, token)
    headers = {**PRIVATE, "Content-Disposition": 'attachment; filename="credential.json"'}
    if document.startswith("{"):
        return Response(document, media_type="application/json", headers=headers)
    return JSONResponse(parse_document(format, document), headers=headers)


@router.get(
    "/claim/{token}/badge.png",
    summary="The badge image with the credential baked in (PNG)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **problem_responses(404, 410)},
)
async def claim_badge(token: str, services: ServicesDep) -> Response:
    service = _service(services)
    data = await run_in_threadpool(service.badge_png, token)
    headers = {**PRIVATE, "Content-Disposition": 'attachment; filename="badge.png"'}
    return Response(data, media_type="image/png", headers=headers)


# ----------------------------------------------------------------------------- management


class BounceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


@claims_router.get("/claims/{claim_id}", summary="A claim link and its email deliveries")
async def get_claim(claim_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    record = await run_in_threadpool(_service(services).get, actor, claim_id)
    return record.to_json()


@claims_router.post(
    "/claims/{claim_id}/resend",
    summary="Email the claim link again (a new link replaces the old one)",
)
async def resend_claim(claim_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    record = await run_in_threadpool(_service(services).resend, actor, claim_id)
    return record.to_json()


@claims_router.post("/claims/{claim_id}/revoke", summary="Withdraw a claim link")
async def revoke_claim(claim_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    record = await run_in_threadpool(_service(services).revoke, actor, claim_id)
    return record.to_json()


@claims_router.post(
    "/claims/{claim_id}/bounce", summary="Record that the claim link's email bounced"
)
async def bounce_claim(
    claim_id: str, actor: ActorDep, services: ServicesDep, body: BounceIn | None = None
) -> dict[str, Any]:
    reason = body.reason if body else None
    record = await run_in_threadpool(_service(services).bounce, actor, claim_id, reason)
    return record.to_json()


def install(app: FastAPI) -> None:
    """Mount the claim page (public) and the claim-link management API (``/api/v1``)."""
    app.include_router(router)
    app.include_router(claims_router, prefix="/api/v1")
