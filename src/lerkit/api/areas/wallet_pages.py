"""The holder's wallet pages (``/wallet/...``): sign up, sign in (with the TOTP code when
enrolled), the credential list (search, tags), a credential with its verification report,
and receiving (an OpenID4VCI offer link, or a file). Server-rendered, no JavaScript, EN/FR.

Sign-in sets the session cookie (:mod:`lerkit.api.holder_auth`); every form that changes
something carries the session's CSRF token (``csrf_token``), checked before anything is
done. Pages of a signed-out visitor redirect to the sign-in page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lerkit.api.deps import ServicesDep
from lerkit.api.holder_auth import (
    SESSION_COOKIE,
    check_csrf,
    clear_session_cookie,
    cookie_holder,
    set_session_cookie,
)
from lerkit.bootstrap import Services
from lerkit.core.errors import LerkitError
from lerkit.services.errors import AuthenticationError
from lerkit.services.wallet.accounts import HolderPrincipal
from lerkit.services.wallet.signin import SESSION_HOURS, SecondFactorInvalid, SecondFactorRequired
from lerkit.web import Templates
from lerkit.web.wallet_strings import WALLET_STRINGS

router = APIRouter(prefix="/wallet", tags=["Wallet pages"], include_in_schema=True)
_templates = Templates()
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
MAX_UPLOAD = 12 * 1024 * 1024


def _lang(request: Request, asked: str | None = None) -> str:
    if asked in WALLET_STRINGS:
        return str(asked)
    accept = request.headers.get("accept-language", "")
    return "fr" if accept.lower().startswith("fr") else "en"


def _render(
    name: str,
    lang: str,
    *,
    status: int = 200,
    signed_in: bool = False,
    csrf: str = "",
    error: str | None = None,
    notice: str | None = None,
    **context: Any,
) -> HTMLResponse:
    html = _templates.render(
        name,
        lang,
        {
            "w": WALLET_STRINGS[lang],
            "signed_in": signed_in,
            "csrf": csrf,
            "error": error,
            "notice": notice,
            **context,
        },
    )
    return HTMLResponse(html, status_code=status, headers=PRIVATE)


def _to_signin(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/wallet/signin?next={quote(target, safe='')}", 303, headers=PRIVATE)


async def _signed_in(request: Request, services: Services) -> tuple[HolderPrincipal, str] | None:
    return await run_in_threadpool(cookie_holder, services, request.cookies.get(SESSION_COOKIE))


def _holder_lang(services: Services, holder: HolderPrincipal) -> str:
    with services.database.session() as session:
        return services.wallet.holder(session, holder.holder_id).lang  # type: ignore[no-any-return]


def _view(row: Any, tags: list[str]) -> dict[str, Any]:
    """A credential for the templates: every key present (StrictUndefined)."""
    from lerkit.api.areas.wallet import credential_out

    out = credential_out(row, tags, full=True)
    summary = out["summary"]
    issuer = summary.get("issuer") if isinstance(summary.get("issuer"), dict) else {}
    out["summary"] = {
        "name": summary.get("name") or "",
        "description": summary.get("description") or "",
        "issuer": {
            "id": issuer.get("id") or "",
            "name": issuer.get("name") or "",
            "nameClaimed": bool(issuer.get("nameClaimed")),
        },
        "subject_id": summary.get("subject_id") or "",
        "validFrom": summary.get("validFrom") or "",
        "validUntil": summary.get("validUntil") or "",
        "skills": [
            {
                "targetName": s.get("targetName") or "",
                "targetUrl": s.get("targetUrl") or ""
                if str(s.get("targetUrl") or "").startswith(("https://", "http://"))
                else "",
                "targetFramework": s.get("targetFramework") or "",
            }
            for s in summary.get("skills") or []
            if isinstance(s, dict)
        ],
    }
    out["warnings"] = [
        {"message": str(w.get("message", "")), "code": str(w.get("code") or "")}
        for w in out.get("warnings") or []
        if isinstance(w, dict)
    ]
    chosen = out.get("selectiveDisclosure")
    out["selective"] = (
        {
            "mechanism": str(chosen.get("mechanism") or ""),
            "disclosable": [str(p) for p in chosen.get("disclosable") or []],
        }
        if isinstance(chosen, dict)
        else None
    )
    checks = out["report"].get("checks") if isinstance(out.get("report"), dict) else None
    out["report"] = {
        "checks": [
            {
                "check": str(c.get("check", "")),
                "status": str(c.get("status", "")),
                "message": str(c.get("message", "")),
            }
            for c in checks or []
            if isinstance(c, dict)
        ]
    }
    return out


# ----------------------------------------------------------------------------- sign up, in, out


@router.get("/signup", response_class=HTMLResponse, responses={200: _HTML})
async def signup_page(
    request: Request, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    chosen = _lang(request, lang)
    return _render("wallet/signup.html", chosen, email="", display_name="")


@router.post("/signup", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
def signup(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    display_name: Annotated[str, Form(max_length=200)] = "",
    lang: Annotated[str, Form(max_length=8)] = "en",
) -> Response:
    chosen = _lang(request, lang)
    wallet = services.wallet
    try:
        with services.database.session() as session:
            holder = wallet.accounts.signup(session, email, password, display_name, chosen)
            opened = wallet.signin.open_session(session, holder)
    except LerkitError as exc:
        return _render(
            "wallet/signup.html", chosen, status=422 if exc.code != "request.conflict" else 409,
            error=exc.message, email=email, display_name=display_name,
        )  # fmt: skip
    response = RedirectResponse("/wallet", 303, headers=PRIVATE)
    set_session_cookie(response, services, opened.cookie, SESSION_HOURS * 3600)
    return response


@router.get("/signin", response_class=HTMLResponse, responses={200: _HTML})
async def signin_page(
    request: Request,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    next: Annotated[str, Query(max_length=2000)] = "/wallet",
) -> HTMLResponse:
    return _render(
        "wallet/signin.html", _lang(request, lang), email="", need_code=False, next=_safe_next(next)
    )


def _safe_next(target: str) -> str:
    """Only a path of this wallet (never another site)."""
    if target.startswith("/wallet") and not target.startswith("//") and "\\" not in target:
        return target
    return "/wallet"


@router.post("/signin", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
def signin(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    code: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/wallet",
) -> Response:
    wallet = services.wallet
    lang = _lang(request)
    target = _safe_next(next)
    try:
        with services.database.session() as session:
            holder = wallet.accounts.check_password(session, email, password)
            lang = holder.lang
            wallet.signin.check_second_factor(session, holder, code or None)
            opened = wallet.signin.open_session(session, holder)
    except (SecondFactorRequired, SecondFactorInvalid) as exc:
        return _render(
            "wallet/signin.html", lang, status=401, error=exc.message, email=email,
            need_code=True, next=target,
        )  # fmt: skip
    except AuthenticationError:
        return _render(
            "wallet/signin.html", lang, status=401, error=WALLET_STRINGS[lang]["wrong_login"],
            email=email, need_code=False, next=target,
        )  # fmt: skip
    response = RedirectResponse(target, 303, headers=PRIVATE)
    set_session_cookie(response, services, opened.cookie, SESSION_HOURS * 3600)
    return response


@router.post("/signout", responses={303: {}})
async def signout(request: Request, services: ServicesDep) -> Response:
    found = await _signed_in(request, services)
    if found is not None:
        await check_csrf(request, found[1])
        cookie = request.cookies.get(SESSION_COOKIE, "")

        def close() -> None:
            with services.database.session() as session:
                services.wallet.signin.close_session(session, cookie)

        await run_in_threadpool(close)
    response = RedirectResponse("/wallet/signin", 303, headers=PRIVATE)
    clear_session_cookie(response, services)
    return response


# ----------------------------------------------------------------------------- credentials


@router.get("", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
async def credentials_page(
    request: Request,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=200)] = "",
    tag: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found

    def load() -> tuple[str, list[dict[str, Any]], list[tuple[str, int]]]:
        wallet = services.wallet
        with services.database.session() as session:
            lang = wallet.holder(session, holder.holder_id).lang
            rows, _total = wallet.list_credentials(
                session, holder.holder_id, q=q or None, tag=tag or None, limit=500
            )
            tags = wallet.tags_of(session, [r.id for r in rows])
            return (
                lang,
                [_view(r, tags[r.id]) for r in rows],
                wallet.all_tags(session, holder.holder_id),
            )

    lang, credentials, tags = await run_in_threadpool(load)
    return _render(
        "wallet/list.html", lang, signed_in=True, csrf=csrf, credentials=credentials, tags=tags,
        q=q, tag=tag,
    )  # fmt: skip


@router.get("/credentials/{credential_id}", response_class=HTMLResponse, responses={200: _HTML})
async def credential_page(credential_id: str, request: Request, services: ServicesDep) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found

    def load() -> tuple[str, dict[str, Any]]:
        wallet = services.wallet
        with services.database.session() as session:
            lang = wallet.holder(session, holder.holder_id).lang
            row = wallet.credential(session, holder.holder_id, credential_id[:64])
            return lang, _view(row, wallet.tags_of(session, [row.id])[row.id])

    lang, view = await run_in_threadpool(load)
    return _render("wallet/detail.html", lang, signed_in=True, csrf=csrf, c=view)


@router.post("/credentials/{credential_id}/verify", responses={303: {}})
async def reverify_page(credential_id: str, request: Request, services: ServicesDep) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found
    await check_csrf(request, csrf)

    def run() -> str:
        with services.database.session() as session:
            row = services.wallet.reverify(session, holder.holder_id, credential_id[:64])
            return str(row.public_id)

    public_id = await run_in_threadpool(run)
    return RedirectResponse(f"/wallet/credentials/{public_id}", 303, headers=PRIVATE)


# ----------------------------------------------------------------------------- receiving


@router.get("/receive", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
async def receive_page(
    request: Request,
    services: ServicesDep,
    offer: Annotated[str, Query(max_length=60_000)] = "",
) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found
    lang = await run_in_threadpool(_holder_lang, services, holder)
    return _render("wallet/receive.html", lang, signed_in=True, csrf=csrf, offer=offer)


@router.post("/receive/offer", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
async def receive_offer_page(
    request: Request,
    services: ServicesDep,
    offer: Annotated[str, Form(max_length=60_000)] = "",
    tx_code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found
    await check_csrf(request, csrf)
    lang = await run_in_threadpool(_holder_lang, services, holder)
    try:
        rows = await run_in_threadpool(
            services.wallet.receive_offer, holder.holder_id, offer, tx_code or None
        )
    except LerkitError as exc:
        return _render(
            "wallet/receive.html", lang, status=422, signed_in=True, csrf=csrf,
            error=exc.message, offer=offer,
        )  # fmt: skip
    return RedirectResponse(f"/wallet/credentials/{rows[0].public_id}", 303, headers=PRIVATE)


@router.post("/receive/file", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
async def receive_file_page(
    request: Request,
    services: ServicesDep,
    file: Annotated[UploadFile | None, File()] = None,
    insist: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found
    await check_csrf(request, csrf)
    lang = await run_in_threadpool(_holder_lang, services, holder)
    data = await file.read(MAX_UPLOAD + 1) if file is not None else b""

    def store() -> str:
        if not data or len(data) > MAX_UPLOAD:
            raise LerkitError("the file is empty or too large")
        with services.database.session() as session:
            row = services.wallet.store_received(
                session, holder.holder_id, data, source="file", insist=insist == "true"
            )
            return str(row.public_id)

    try:
        public_id = await run_in_threadpool(store)
    except LerkitError as exc:
        return _render(
            "wallet/receive.html", lang, status=422, signed_in=True, csrf=csrf,
            error=exc.message, offer="",
        )  # fmt: skip
    return RedirectResponse(f"/wallet/credentials/{public_id}", 303, headers=PRIVATE)


# ----------------------------------------------------------------------------- security


@router.get("/security", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
async def security_page(
    request: Request,
    services: ServicesDep,
    done: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found

    def load() -> tuple[str, bool]:
        with services.database.session() as session:
            lang = services.wallet.holder(session, holder.holder_id).lang
            return lang, services.wallet.signin.has_second_factor(session, holder.holder_id)

    lang, enabled = await run_in_threadpool(load)
    notice = WALLET_STRINGS[lang]["turned_on"] if done and enabled else None
    return _render(
        "wallet/security.html", lang, signed_in=True, csrf=csrf, enabled=enabled,
        enrolment=None, notice=notice,
    )  # fmt: skip


@router.post("/security/totp", response_class=HTMLResponse, responses={200: _HTML, 303: {}})
async def security_enrol(request: Request, services: ServicesDep) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found
    await check_csrf(request, csrf)

    def enrol() -> tuple[str, dict[str, Any]]:
        with services.database.session() as session:
            row = services.wallet.holder(session, holder.holder_id)
            enrolment = services.wallet.signin.enrol(session, row)
            return row.lang, {
                "qr_svg": enrolment.qr_svg,
                "secret": enrolment.secret,
                "recovery_codes": enrolment.recovery_codes,
            }

    try:
        lang, enrolment = await run_in_threadpool(enrol)
    except LerkitError:  # already on
        return RedirectResponse("/wallet/security", 303, headers=PRIVATE)
    return _render(
        "wallet/security.html", lang, signed_in=True, csrf=csrf, enabled=False,
        enrolment=enrolment,
    )  # fmt: skip


@router.post("/security/totp/confirm", response_class=HTMLResponse, responses={200: _HTML})
async def security_confirm(
    request: Request,
    services: ServicesDep,
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    found = await _signed_in(request, services)
    if found is None:
        return _to_signin(request)
    holder, csrf = found
    await check_csrf(request, csrf)

    def confirm() -> None:
        with services.database.session() as session:
            row = services.wallet.holder(session, holder.holder_id)
            services.wallet.signin.confirm(session, row, code)

    def pending() -> tuple[str, dict[str, Any] | None]:
        with services.database.session() as session:
            row = services.wallet.holder(session, holder.holder_id)
            found = services.wallet.signin.pending_enrolment(session, row)
            if found is None:
                return row.lang, None
            return row.lang, {"qr_svg": found.qr_svg, "secret": found.secret, "recovery_codes": []}

    try:
        await run_in_threadpool(confirm)
    except LerkitError as exc:
        lang, enrolment = await run_in_threadpool(pending)
        return _render(
            "wallet/security.html", lang, status=422, signed_in=True, csrf=csrf,
            enabled=False, enrolment=enrolment, error=exc.message,
        )  # fmt: skip
    return RedirectResponse("/wallet/security?done=1", 303, headers=PRIVATE)


def install(app: FastAPI) -> None:
    """Add the wallet pages to ``app``."""
    app.include_router(router)
