"""Routes of OpenID4VP: presentation requests, request objects, direct_post; the wallet's answers
(issues 5, 6).

Organizations (API key): ``POST/GET /api/v1/presentation-requests[/{id}]`` and
``GET /api/v1/presentation-requests/templates``. Public, for wallets: the signed request
object ``GET /oid4vp/requests/{id}`` (``application/oauth-authz-req+jwt``), its QR codes
(``/qr.png``, ``/qr.svg``: the ``openid4vp://`` link) and ``POST /oid4vp/responses/{id}``
(``direct_post``, form-encoded ``vp_token`` + ``state``, or ``error``). Holders (holder
token): ``/api/v1/wallet/oid4vp/requests[/{id}[/respond|/decline]]``; the consent page
``/wallet/oid4vp/{id}?k=<secret>`` (the one-time secret ``consentUrl`` carries; the form
posts it back, so no cookie is needed and no other site can post it).
"""

from __future__ import annotations

import io
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lerkit.api.deps import ActorDep, ServicesDep, get_actor
from lerkit.api.holder_auth import (
    SESSION_COOKIE,
    CsrfFailed,
    HolderDep,
    check_csrf,
    cookie_holder,
    get_holder,
)
from lerkit.api.problems import problem_responses
from lerkit.bootstrap import Services
from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.oid4vp import REQUEST_MEDIA_TYPE
from lerkit.db.models_oid4vp import WalletPresentationRequest
from lerkit.db.models_wallet import Holder
from lerkit.services.errors import AuthenticationError, NotFoundError, ValidationError
from lerkit.services.oid4vp import Oid4vp, WalletPresenter
from lerkit.services.oid4vp import templates as request_templates
from lerkit.services.oid4vp.verifier import DEFAULT_SECONDS, MAX_SECONDS, ResponseRejected
from lerkit.web.oid4vp import STRINGS, ConsentPages, pick_language

TAG = "OpenID4VP"
NO_STORE = {"Cache-Control": "no-store"}
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
_JSON = {"content": {"application/json": {"schema": {"type": "object"}}}}
_pages = ConsentPages()

org_router = APIRouter(
    prefix="/api/v1/presentation-requests",
    tags=[TAG],
    dependencies=[Depends(get_actor)],
    responses=problem_responses(401, 403, 404, 422),
)
public_router = APIRouter(prefix="/oid4vp", tags=[TAG])
wallet_router = APIRouter(
    prefix="/api/v1/wallet/oid4vp",
    tags=[TAG],
    dependencies=[Depends(get_holder)],
    responses=problem_responses(401, 404, 409, 422),
)
page_router = APIRouter(prefix="/wallet/oid4vp", tags=[TAG], include_in_schema=True)


def _oid4vp(services: Services) -> Oid4vp:
    if services.oid4vp is None:
        raise NotFoundError("OpenID4VP is not enabled on this instance")
    service: Oid4vp = services.oid4vp
    return service


def _wallet(services: Services) -> WalletPresenter:
    wallet = _oid4vp(services).wallet
    if wallet is None:
        raise NotFoundError("the wallet is not enabled on this instance")
    return wallet


# ----------------------------------------------------------------------------- organizations


class PresentationRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    dcql: dict[str, Any] | None = Field(
        default=None, description="a DCQL query (OpenID4VP 1.0 §6); or give a template"
    )
    template: str | None = Field(
        default=None,
        max_length=32,
        description=f"one of {', '.join(request_templates.TEMPLATES)}",
    )
    skill: str | None = Field(default=None, max_length=500, description="ob3-skill: the skill")
    vct: str | None = Field(default=None, max_length=500, description="sd-jwt-vc: the vct")
    claims: list[Annotated[str, Field(max_length=300)]] | None = Field(
        default=None, max_length=50, description="sd-jwt-vc: the claims to disclose"
    )
    type: str | None = Field(default=None, max_length=500, description="vc-type: the type")
    trusted_issuers: list[Annotated[str, Field(max_length=500)]] | None = Field(
        default=None,
        alias="trustedIssuers",
        max_length=50,
        description="issuer DIDs to accept (any issuer when absent)",
    )
    purpose: str | None = Field(default=None, max_length=500)
    expires_in: int = Field(default=DEFAULT_SECONDS, ge=60, le=MAX_SECONDS, alias="expiresIn")


@org_router.get("/templates", summary="The presentation request templates")
def list_templates(actor: ActorDep) -> list[dict[str, Any]]:
    actor.require("viewer")
    return request_templates.describe()


@org_router.post(
    "",
    summary="Create an OpenID4VP presentation request (DCQL query or template)",
    description=(
        "The response holds the `openid4vp://` link, the request URI (a JWT signed with the "
        "organization's key, client id `decentralized_identifier:<DID>`) and QR code URLs. "
        "Poll `GET /api/v1/presentation-requests/{id}` for the verified claims."
    ),
    status_code=status.HTTP_201_CREATED,
)
def create_request(
    body: PresentationRequestIn, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    verifier = _oid4vp(services).verifier
    params = {
        k: v
        for k, v in {
            "skill": body.skill,
            "vct": body.vct,
            "claims": body.claims,
            "type": body.type,
        }.items()
        if v is not None
    }
    with services.database.session() as session:
        row = verifier.create(
            session,
            actor,
            dcql_query=body.dcql,
            template=body.template,
            params=params,
            purpose=body.purpose,
            trusted_issuers=body.trusted_issuers,
            expires_in=body.expires_in,
        )
        return verifier.to_json(row)


@org_router.get("", summary="The organization's presentation requests, newest first")
def list_requests(
    actor: ActorDep,
    services: ServicesDep,
    status_filter: Annotated[
        str | None, Query(alias="status", pattern="^(pending|verified|rejected)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    verifier = _oid4vp(services).verifier
    with services.database.session() as session:
        rows = verifier.list_requests(session, actor, status=status_filter, limit=limit)
        return [verifier.to_json(r) for r in rows]


@org_router.get(
    "/{request_id}",
    summary="A presentation request: status (pending, verified, rejected), claims, reports",
)
def get_request(request_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    verifier = _oid4vp(services).verifier
    with services.database.session() as session:
        return verifier.to_json(verifier.get(session, actor, request_id[:64]))


# ----------------------------------------------------------------------------- public


@public_router.get(
    "/requests/{request_id}",
    summary="The signed request object (JWT, typ oauth-authz-req+jwt)",
    responses={
        200: {"content": {REQUEST_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **problem_responses(404, 409, 410),
    },
    response_class=Response,
)
def request_object(request_id: str, services: ServicesDep) -> Response:
    token = _oid4vp(services).verifier.request_object(request_id)
    return Response(token, media_type=REQUEST_MEDIA_TYPE, headers=NO_STORE)


def _qr(services: Services, request_id: str, kind: str) -> bytes:
    link = _oid4vp(services).verifier.invocation(request_id)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind=kind, scale=5, border=4)
    return out.getvalue()


@public_router.get(
    "/requests/{request_id}/qr.png",
    summary="The request's QR code (PNG): its openid4vp:// link",
    responses={200: {"content": {"image/png": {}}}, **problem_responses(404, 409, 410)},
    response_class=Response,
)
def request_qr_png(request_id: str, services: ServicesDep) -> Response:
    return Response(_qr(services, request_id, "png"), media_type="image/png", headers=NO_STORE)


@public_router.get(
    "/requests/{request_id}/qr.svg",
    summary="The request's QR code (SVG): its openid4vp:// link",
    responses={200: {"content": {"image/svg+xml": {}}}, **problem_responses(404, 409, 410)},
    response_class=Response,
)
def request_qr_svg(request_id: str, services: ServicesDep) -> Response:
    data = _qr(services, request_id, "svg")
    return Response(data, media_type="image/svg+xml", headers=NO_STORE)


@public_router.get(
    "/requests/{request_id}/page",
    summary="A page to show the request: its QR code and link (for a screen or a web page)",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **problem_responses(404, 409, 410)},
)
def request_page(
    request_id: str,
    services: ServicesDep,
    request: Request,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    shown = _oid4vp(services).verifier.display(request_id)
    language = pick_language(lang, None, request.headers.get("accept-language"))
    html = _pages.render(
        "request.html",
        language,
        {
            "r": shown,
            "qr": f"/oid4vp/requests/{shown['id']}/qr.svg",
            "until": shown["expiresAt"].strftime("%Y-%m-%d %H:%M UTC"),
        },
    )
    return HTMLResponse(html, headers=NO_STORE)


_FORM_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "vp_token": {"type": "string"},
                        "state": {"type": "string"},
                        "error": {"type": "string"},
                        "error_description": {"type": "string"},
                    },
                }
            }
        }
    }
}


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise ResponseRejected(
            "send the response as application/x-www-form-urlencoded",
            ProblemCode.OID4VP_RESPONSE_MALFORMED,
        )
    try:
        form = await request.form()
    except (ValueError, AssertionError, KeyError, UnicodeDecodeError) as exc:
        raise ResponseRejected(
            "the form could not be parsed", ProblemCode.OID4VP_RESPONSE_MALFORMED
        ) from exc
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise ResponseRejected(
                "file uploads are not part of a response", ProblemCode.OID4VP_RESPONSE_MALFORMED
            )
        if name in fields:
            raise ResponseRejected(
                f"the field {name} is given twice", ProblemCode.OID4VP_RESPONSE_MALFORMED
            )
        fields[name] = value
    return fields


@public_router.post(
    "/responses/{request_id}",
    summary="The response endpoint (response_mode direct_post)",
    description=(
        "Form-encoded `vp_token` (a JSON object keyed by credential query id, each value an "
        "array of presentations) and `state`; or `error` (e.g. `access_denied`). Answers 200 "
        "`{}` when the presentation verified; a 4xx problem (its `code` says why) otherwise."
    ),
    responses={200: _JSON, **problem_responses(400, 404, 409, 410)},
    openapi_extra=_FORM_BODY,
)
async def direct_post(request_id: str, request: Request, services: ServicesDep) -> JSONResponse:
    verifier = _oid4vp(services).verifier
    form = await _form(request)
    answer = await run_in_threadpool(verifier.respond, request_id, form)
    return JSONResponse(answer, headers=NO_STORE)


# ----------------------------------------------------------------------------- wallet API


class OpenRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=8192, description="the openid4vp:// link")


class RespondIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: (
        dict[
            Annotated[str, Field(max_length=64)],
            list[Annotated[str, Field(max_length=64)]],
        ]
        | None
    ) = Field(
        default=None,
        description="credential query id -> wallet credential ids (default: the wallet's pick)",
    )


@wallet_router.post(
    "/requests",
    summary="Open an OpenID4VP request: verify it and find the credentials that answer it",
    description=(
        "Nothing is disclosed yet. The answer lists, per credential query, the holder's "
        "credentials that fit and exactly which claims each would disclose, and a "
        "`consentUrl` (shown once) for the consent page."
    ),
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(422),
)
def open_request(body: OpenRequestIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    wallet = _wallet(services)
    row, secret = wallet.open(holder.holder_id, body.url)
    return wallet.to_json(row, secret)


@wallet_router.get("/requests", summary="The OpenID4VP requests opened in this wallet")
def list_wallet_requests(holder: HolderDep, services: ServicesDep) -> list[dict[str, Any]]:
    wallet = _wallet(services)
    with services.database.session() as session:
        rows = session.scalars(
            select(WalletPresentationRequest)
            .where(WalletPresentationRequest.holder_id == holder.holder_id)
            .order_by(WalletPresentationRequest.id.desc())
            .limit(100)
        )
        return [wallet.to_json(r) for r in rows]


@wallet_router.get("/requests/{request_id}", summary="One opened OpenID4VP request")
def get_wallet_request(request_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    wallet = _wallet(services)
    with services.database.session() as session:
        return wallet.to_json(wallet.get(session, holder.holder_id, request_id[:64]))


@wallet_router.post(
    "/requests/{request_id}/respond",
    summary="Consent: present the chosen credentials to the verifier",
    responses=problem_responses(422),
)
def respond(
    request_id: str, holder: HolderDep, services: ServicesDep, body: RespondIn | None = None
) -> dict[str, Any]:
    wallet = _wallet(services)
    row = wallet.respond(holder.holder_id, request_id[:64], body.choices if body else None)
    return wallet.to_json(row)


@wallet_router.post(
    "/requests/{request_id}/decline",
    summary="Decline: tell the verifier (access_denied); nothing is disclosed",
    responses=problem_responses(422),
)
def decline(request_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    wallet = _wallet(services)
    return wallet.to_json(wallet.decline(holder.holder_id, request_id[:64]))


# ----------------------------------------------------------------------------- consent page


def _holder_lang(services: Services, holder_id: int) -> str | None:
    with services.database.session() as session:
        holder = session.get(Holder, holder_id)
        return holder.lang if holder is not None else None


def _invalid_page(lang: str) -> HTMLResponse:
    html = _pages.render(
        "done.html",
        lang,
        {
            "heading": _title(lang, "invalid_title"),
            "message": _title(lang, "invalid"),
            "status": "invalid",
            "recorded": False,
        },
    )
    return HTMLResponse(html, status_code=401, headers=PAGE_HEADERS)


def _title(lang: str, key: str) -> str:
    return STRINGS.get(lang, STRINGS["en"])[key]


def _consent_context(
    wallet: WalletPresenter, services: Services, request_id: str, secret: str, cookie: str | None
) -> tuple[int, dict[str, Any], str]:
    """``(holder id, request view, csrf token)``: by the link's secret, or else by the
    wallet's session cookie (then the form must carry the session's CSRF token)."""
    csrf = ""
    if secret:
        with services.database.session() as session:
            holder_id = wallet.by_consent_secret(session, request_id, secret)
    else:
        found = cookie_holder(services, cookie)
        if found is None:
            raise AuthenticationError("sign in to your wallet, or use the consent link")
        holder_id, csrf = found[0].holder_id, found[1]
    with services.database.session() as session:
        row = wallet.get(session, holder_id, request_id)
        return holder_id, wallet.to_json(row), csrf


@page_router.get(
    "/{request_id}",
    summary="The consent page: what would be disclosed, to whom, and why",
    response_class=HTMLResponse,
    responses={401: {"content": {"text/html": {}}}},
)
def consent_page(
    request_id: str,
    services: ServicesDep,
    request: Request,
    k: Annotated[str, Query(max_length=100)] = "",
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    wallet = _wallet(services)
    accept = request.headers.get("accept-language")
    try:
        holder_id, view, csrf = _consent_context(
            wallet, services, request_id[:64], k, request.cookies.get(SESSION_COOKIE)
        )
    except (AuthenticationError, NotFoundError):
        return _invalid_page(pick_language(lang, None, accept))
    language = pick_language(lang, _holder_lang(services, holder_id), accept)
    verifier = view["verifier"]["name"] or view["verifier"]["clientId"]
    if view["status"] != "pending":
        html = _pages.render(
            "done.html",
            language,
            {
                "heading": verifier,
                "message": _title(language, "already").format(status=view["status"]),
                "status": view["status"],
                "recorded": False,
            },
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)
    html = _pages.render(
        "consent.html",
        language,
        {
            "request": view,
            "verifier": verifier,
            "secret": k,
            "csrf": csrf,
            "action": f"/wallet/oid4vp/{view['id']}",
        },
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


@page_router.post(
    "/{request_id}",
    summary="The consent page's answer (share or decline)",
    response_class=HTMLResponse,
    responses={401: {"content": {"text/html": {}}}},
)
async def consent_answer(request_id: str, request: Request, services: ServicesDep) -> HTMLResponse:
    wallet = _wallet(services)
    accept = request.headers.get("accept-language")
    try:
        form = await request.form()
    except (ValueError, AssertionError, KeyError, UnicodeDecodeError):
        return _invalid_page(pick_language(None, None, accept))
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    secret = fields.get("k", "")[:100]
    explicit = fields.get("lang")
    try:
        holder_id, view, csrf = await run_in_threadpool(
            _consent_context,
            wallet,
            services,
            request_id[:64],
            secret,
            request.cookies.get(SESSION_COOKIE),
        )
        if not secret:
            await check_csrf(request, csrf)
    except (AuthenticationError, NotFoundError, CsrfFailed):
        return _invalid_page(pick_language(explicit, None, accept))
    language = pick_language(explicit, None, accept)
    verifier = view["verifier"]["name"] or view["verifier"]["clientId"]
    action = fields.get("action")
    choices = {
        name.split(":", 1)[1]: [value]
        for name, value in fields.items()
        if name.startswith("choice:")
    }
    try:
        if action == "decline":
            row = await run_in_threadpool(wallet.decline, holder_id, view["id"])
        elif action == "share":
            row = await run_in_threadpool(wallet.respond, holder_id, view["id"], choices or None)
        else:
            raise ValidationError("choose share or decline")
    except LerkitError as exc:
        html = _pages.render(
            "done.html",
            language,
            {
                "heading": _title(language, "error_title"),
                "message": exc.message,
                "status": "error",
                "recorded": False,
            },
        )
        return HTMLResponse(html, status_code=getattr(exc, "status", 400), headers=PAGE_HEADERS)
    answer = row.verifier_answer or {}
    if row.status == "shared":
        message = _title(language, "done_shared").format(verifier=verifier)
    elif row.status == "declined":
        message = _title(language, "done_declined").format(verifier=verifier)
    else:
        detail = (answer.get("body") or {}).get("detail") or answer.get("status")
        message = _title(language, "done_failed").format(verifier=verifier, detail=detail)
    html = _pages.render(
        "done.html",
        language,
        {
            "heading": verifier,
            "message": message,
            "status": row.status,
            "recorded": row.consent_id is not None,
        },
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


@page_router.get(
    "",
    summary="Paste or scan an openid4vp:// request (signed-in holders)",
    response_class=HTMLResponse,
    responses={401: {"content": {"text/html": {}}}},
)
def open_page(
    services: ServicesDep,
    request: Request,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    _wallet(services)
    found = cookie_holder(services, request.cookies.get(SESSION_COOKIE))
    accept = request.headers.get("accept-language")
    if found is None:
        return _sign_in_page(pick_language(lang, None, accept))
    language = pick_language(lang, _holder_lang(services, found[0].holder_id), accept)
    html = _pages.render("open.html", language, {"csrf": found[1], "error": None, "url": ""})
    return HTMLResponse(html, headers=PAGE_HEADERS)


@page_router.post(
    "",
    summary="Open a pasted openid4vp:// request, then show its consent page",
    response_class=HTMLResponse,
    responses={303: {}, 401: {"content": {"text/html": {}}}},
)
async def open_submit(request: Request, services: ServicesDep) -> Response:
    wallet = _wallet(services)
    accept = request.headers.get("accept-language")
    found = await run_in_threadpool(cookie_holder, services, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return _sign_in_page(pick_language(None, None, accept))
    principal, csrf = found
    try:
        await check_csrf(request, csrf)
        form = await request.form()
    except (CsrfFailed, ValueError, AssertionError, KeyError, UnicodeDecodeError):
        return _invalid_page(pick_language(None, None, accept))
    url = form.get("url")
    url = url[:8192] if isinstance(url, str) else ""
    language = pick_language(None, _holder_lang(services, principal.holder_id), accept)
    try:
        row, _secret = await run_in_threadpool(wallet.open, principal.holder_id, url)
    except LerkitError as exc:
        html = _pages.render(
            "open.html", language, {"csrf": csrf, "error": exc.message, "url": url}
        )
        return HTMLResponse(html, status_code=422, headers=PAGE_HEADERS)
    return RedirectResponse(f"/wallet/oid4vp/{row.public_id}", 303, headers=NO_STORE)


def _sign_in_page(lang: str) -> HTMLResponse:
    html = _pages.render(
        "done.html",
        lang,
        {
            "heading": _title(lang, "sign_in_title"),
            "message": _title(lang, "sign_in"),
            "status": "signed-out",
            "recorded": False,
            "link": "/wallet/signin?next=/wallet/oid4vp",
        },
    )
    return HTMLResponse(html, status_code=401, headers=PAGE_HEADERS)


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
    app.include_router(org_router)
    app.include_router(public_router)
    app.include_router(wallet_router)
    app.include_router(page_router)
    if app.openapi_tags is not None and not any(t["name"] == TAG for t in app.openapi_tags):
        app.openapi_tags.append(
            {
                "name": TAG,
                "description": "OpenID4VP 1.0: presentation requests (verifier) and answers "
                "(wallet).",
            }
        )
