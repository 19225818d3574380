"""Routes of share links, the public share page, consent ledger, résumés, the OB 3.0 host API and
its OAuth (issue 5).

- Holder API (``HolderDep``): ``/api/v1/wallet/shares``, ``/api/v1/wallet/consents``,
  ``/api/v1/wallet/resumes``; holder pages ``/wallet/shares``, ``/wallet/consents``,
  ``/wallet/resumes`` (web session + CSRF from the wallet's sign-in).
- Public by design: ``/s/{share_id}`` (the share page, HTML or JSON by ``Accept``; 410 once
  the link expired or was revoked), ``/s/{share_id}/credentials.json``, a credential's PDF
  ``/s/{share_id}/c/{credential}.pdf``; the OB 3.0 service description
  ``/ims/ob/v3p0/discovery``; OAuth ``/oauth/register``, ``/oauth/authorize`` (the holder signs
  in and consents there), ``/oauth/token``, ``/oauth/revoke`` (client authentication).
- OB 3.0 resources (OAuth bearer tokens with OB scopes): ``/ims/ob/v3p0/credentials``,
  ``/ims/ob/v3p0/profile``; errors as ``Imsx_StatusInfo``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from lerkit.api.deps import ServicesDep
from lerkit.api.holder_auth import (
    SESSION_COOKIE,
    HolderDep,
    HolderUnauthenticated,
    cookie_holder,
    get_holder,
    holder_bearer,
)
from lerkit.api.problems import problem_responses
from lerkit.bootstrap import Services
from lerkit.bootstrap.sharing import Sharing
from lerkit.core.errors import ProblemCode
from lerkit.db.models_wallet import Holder
from lerkit.services.errors import AuthenticationError, NotFoundError, ValidationError
from lerkit.services.wallet.accounts import HolderPrincipal
from lerkit.services.wallet.consent import consent_json
from lerkit.services.wallet.ob3host import (
    SCOPE_PROFILE_READ,
    SCOPE_PROFILE_UPDATE,
    SCOPE_READ,
    SCOPE_UPSERT,
    SCOPES,
    AuthorizationRequest,
    OAuthError,
    Ob3Error,
    ReplayedCode,
)
from lerkit.services.wallet.pdf import credential_pdf
from lerkit.services.wallet.resume import ENTRY_KINDS, Entry
from lerkit.services.wallet.sharing import OpenShare, ShareGone, SharingService

T = TypeVar("T")
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
_PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
OB3 = "/ims/ob/v3p0"

TAGS: list[dict[str, Any]] = [
    {"name": "Wallet: sharing", "description": "Share links, their views, the public share page."},
    {"name": "Wallet: consent", "description": "The consent ledger: what was disclosed to whom."},
    {"name": "Wallet: résumés", "description": "Verifiable résumés (HR Open LER-RS 4.4)."},
    {"name": "Open Badges 3.0 API", "description": "The 1EdTech OB 3.0 REST API (host)."},
    {"name": "OAuth 2.0", "description": "Client registration, authorization (PKCE), tokens."},
]

holder_api = APIRouter(
    dependencies=[Depends(get_holder)], responses=problem_responses(401, 404, 409, 422)
)
pages = APIRouter(include_in_schema=False)
public = APIRouter()
ob3 = APIRouter(tags=["Open Badges 3.0 API"])
oauth = APIRouter(tags=["OAuth 2.0"])


# ----------------------------------------------------------------------------- helpers


def _sharing(services: Services) -> Sharing:
    if services.sharing is None:
        raise NotFoundError("sharing is not enabled on this instance")
    sharing: Sharing = services.sharing
    return sharing


def _in_session(services: Services, work: Callable[[Session], T]) -> T:
    with services.database.session() as session:
        return work(session)


async def _run(services: Services, work: Callable[[Session], T]) -> T:
    return await run_in_threadpool(_in_session, services, work)


@cache
def _strings() -> dict[str, dict[str, str]]:
    text = (
        resources.files("lerkit.web")
        .joinpath("templates", "sharing", "strings.json")
        .read_text("utf-8")
    )
    loaded: dict[str, dict[str, str]] = json.loads(text)
    return loaded


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("lerkit.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _lang(request: Request, default: str = "en") -> str:
    asked = request.query_params.get("lang")
    if asked in ("en", "fr"):
        return asked
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("fr"):
        return "fr"
    return default if default in ("en", "fr") else "en"


def render(name: str, lang: str, **context: Any) -> str:
    lang = lang if lang in ("en", "fr") else "en"
    return _env().get_template(f"sharing/{name}").render(t=_strings()[lang], lang=lang, **context)


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=PRIVATE)


# ----------------------------------------------------------------------------- holder API


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    organization: str | None = Field(default=None, max_length=200)


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credentials: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=20
    )
    recipient: RecipientIn
    purpose: str = Field(default="", max_length=500)
    message: str | None = Field(default=None, max_length=2000)
    expiresAt: AwareDatetime | None = None
    lang: str = Field(default="en", pattern="^(en|fr)$")


def _share_out(sharing: Sharing, session: Session, share: Any) -> dict[str, Any]:
    return sharing.shares.to_json(session, share)


@holder_api.post(
    "/wallet/shares", status_code=201, tags=["Wallet: sharing"], summary="Create a share link"
)
async def create_share(body: ShareIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)

    def work(session: Session) -> dict[str, Any]:
        share = sharing.shares.create(
            session,
            holder.holder_id,
            body.credentials,
            recipient_name=body.recipient.name,
            recipient_email=body.recipient.email,
            recipient_organization=body.recipient.organization,
            purpose=body.purpose,
            message=body.message,
            expires_at=body.expiresAt,
            lang=body.lang,
        )
        return _share_out(sharing, session, share)

    return await _run(services, work)


@holder_api.get("/wallet/shares", tags=["Wallet: sharing"], summary="The holder's share links")
async def list_shares(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: {
            "shares": [
                _share_out(sharing, s, x) for x in sharing.shares.for_holder(s, holder.holder_id)
            ]
        },
    )


@holder_api.get("/wallet/shares/{share_id}", tags=["Wallet: sharing"], summary="A share link")
async def get_share(share_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: _share_out(sharing, s, sharing.shares.get(s, holder.holder_id, share_id)),
    )


@holder_api.get(
    "/wallet/shares/{share_id}/views",
    tags=["Wallet: sharing"],
    summary="Who opened a share link: when, how, a coarse client hint (never an IP)",
)
async def share_views(share_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: {
            "views": [
                {"viewedAt": v.viewed_at.isoformat(), "kind": v.kind, "client": v.client_hint}
                for v in sharing.shares.views(s, holder.holder_id, share_id)
            ]
        },
    )


@holder_api.post(
    "/wallet/shares/{share_id}/revoke",
    tags=["Wallet: sharing"],
    summary="Revoke a share link (its consent is withdrawn too)",
)
async def revoke_share(share_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: _share_out(sharing, s, sharing.shares.revoke(s, holder.holder_id, share_id)),
    )


@holder_api.get(
    "/wallet/consents", tags=["Wallet: consent"], summary="The consent ledger, newest first"
)
async def list_consents(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: {
            "consents": [consent_json(r) for r in sharing.consent.entries(s, holder.holder_id)]
        },
    )


@holder_api.get(
    "/wallet/consents/{consent_id}", tags=["Wallet: consent"], summary="One ledger entry"
)
async def get_consent(consent_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services, lambda s: consent_json(sharing.consent.get(s, holder.holder_id, consent_id))
    )


@holder_api.post(
    "/wallet/consents/{consent_id}/withdraw",
    tags=["Wallet: consent"],
    summary="Withdraw an ongoing consent (a share link is revoked, API tokens stop working)",
)
async def withdraw_consent(
    consent_id: str, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: consent_json(sharing.consent.withdraw(s, holder.holder_id, consent_id)),
    )


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern="^(" + "|".join(ENTRY_KINDS) + ")$")
    title: str = Field(min_length=1, max_length=200)
    organization: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    start: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    end: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="Résumé", max_length=200)
    name: str | None = Field(default=None, max_length=200)
    headline: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    credentials: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    entries: list[EntryIn] = Field(default_factory=list, max_length=100)


class PresentationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str | None = Field(default=None, max_length=500)
    domain: str | None = Field(default=None, max_length=500)


def _resume_out(resume: Any, base: str) -> dict[str, Any]:
    return {
        "id": resume.public_id,
        "title": resume.title,
        "credentials": resume.inputs.get("credentials", []),
        "entries": resume.inputs.get("entries", []),
        "createdAt": resume.created_at.isoformat(),
        "lerRs": resume.document,
        "links": {
            "json": f"{base}/api/v1/wallet/resumes/{resume.public_id}/ler-rs.json",
            "pdf": f"{base}/api/v1/wallet/resumes/{resume.public_id}/resume.pdf",
        },
    }


@holder_api.post(
    "/wallet/resumes",
    status_code=201,
    tags=["Wallet: résumés"],
    summary="Compose a résumé (LER-RS) from credentials and self-asserted entries",
)
async def create_resume(body: ResumeIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)

    def work(session: Session) -> dict[str, Any]:
        resume = sharing.resumes.compose(
            session,
            holder.holder_id,
            title=body.title,
            name=body.name,
            headline=body.headline,
            email=body.email,
            credential_ids=body.credentials,
            entries=[Entry(**e.model_dump()) for e in body.entries],
        )
        return _resume_out(resume, "")

    return await _run(services, work)


@holder_api.get("/wallet/resumes", tags=["Wallet: résumés"], summary="The holder's résumés")
async def list_resumes(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services,
        lambda s: {
            "resumes": [_resume_out(r, "") for r in sharing.resumes.for_holder(s, holder.holder_id)]
        },
    )


@holder_api.get("/wallet/resumes/{resume_id}", tags=["Wallet: résumés"], summary="A résumé")
async def get_resume(resume_id: str, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    sharing = _sharing(services)
    return await _run(
        services, lambda s: _resume_out(sharing.resumes.get(s, holder.holder_id, resume_id), "")
    )


@holder_api.delete(
    "/wallet/resumes/{resume_id}",
    status_code=204,
    tags=["Wallet: résumés"],
    summary="Delete a résumé",
)
async def delete_resume(resume_id: str, holder: HolderDep, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    await _run(services, lambda s: sharing.resumes.delete(s, holder.holder_id, resume_id))
    return Response(status_code=204)


@holder_api.get(
    "/wallet/resumes/{resume_id}/ler-rs.json",
    tags=["Wallet: résumés"],
    summary="The résumé as HR Open LER-RS 4.4 JSON (valid against its schema)",
)
async def resume_json(resume_id: str, holder: HolderDep, services: ServicesDep) -> JSONResponse:
    sharing = _sharing(services)
    document = await _run(
        services, lambda s: sharing.resumes.get(s, holder.holder_id, resume_id).document
    )
    return JSONResponse(
        document,
        headers={**PRIVATE, "Content-Disposition": 'attachment; filename="resume.json"'},
    )


@holder_api.get(
    "/wallet/resumes/{resume_id}/resume.pdf",
    tags=["Wallet: résumés"],
    summary="The résumé as a PDF (the LER-RS JSON attached)",
    response_class=Response,
    responses={200: _PDF},
)
async def resume_pdf(
    resume_id: str,
    holder: HolderDep,
    services: ServicesDep,
    lang: Annotated[str, Query(pattern="^(en|fr)$")] = "en",
) -> Response:
    sharing = _sharing(services)

    def work(session: Session) -> bytes:
        resume = sharing.resumes.get(session, holder.holder_id, resume_id)
        return sharing.resumes.pdf(session, resume, lang)

    data = await _run(services, work)
    return Response(
        data,
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": 'attachment; filename="resume.pdf"'},
    )


@holder_api.post(
    "/wallet/resumes/{resume_id}/presentation",
    tags=["Wallet: résumés"],
    summary="The résumé signed as a Verifiable Presentation with the holder's key",
)
async def resume_presentation(
    resume_id: str, holder: HolderDep, services: ServicesDep, body: PresentationIn | None = None
) -> Any:
    sharing = _sharing(services)
    asked = body or PresentationIn()

    def work(session: Session) -> Any:
        resume = sharing.resumes.get(session, holder.holder_id, resume_id)
        return sharing.resumes.presentation(
            session, resume, challenge=asked.challenge, domain=asked.domain
        )

    return await _run(services, work)


@holder_api.get(
    "/wallet/shares/{share_id}/credentials/{credential_id}/credential.pdf",
    tags=["Wallet: sharing"],
    summary="A shared credential as a PDF with a QR code to its live verification",
    response_class=Response,
    responses={200: _PDF},
)
async def holder_credential_pdf(
    share_id: str,
    credential_id: str,
    holder: HolderDep,
    services: ServicesDep,
    lang: Annotated[str, Query(pattern="^(en|fr)$")] = "en",
) -> Response:
    sharing = _sharing(services)

    def work(session: Session) -> bytes:
        share = sharing.shares.get(session, holder.holder_id, share_id)
        if credential_id not in sharing.shares.credential_ids(session, share):
            raise NotFoundError("this credential is not in this share")
        found = sharing.shares.shared_credential(session, share, credential_id)
        return credential_pdf(
            found.describe(),
            verify_url=f"{sharing.shares.public_url}/s/{share.share_id}",
            document=found.given_document(),
            lang=lang,
        )

    return _pdf_response(await _run(services, work))


def _pdf_response(data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": 'attachment; filename="credential.pdf"'},
    )


# ----------------------------------------------------------------------------- public share


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip()
    return first in ("application/json", "application/ld+json", "application/vc")


def _gone_page(exc: ShareGone, lang: str) -> HTMLResponse:
    t = _strings()[lang]
    return _page(
        render(
            "gone.html",
            lang,
            title=t[f"gone_title_{exc.reason}"],
            message=t[f"gone_{exc.reason}"],
        ),
        410,
    )


def _gone_json(exc: ShareGone) -> JSONResponse:
    from lerkit.api.problems import problem

    code = ProblemCode.SHARE_EXPIRED if exc.reason == "expired" else ProblemCode.SHARE_REVOKED
    return problem(410, code, f"this share link has been {exc.reason}")


def _public_json(opened: OpenShare, sharing: SharingService) -> dict[str, Any]:
    share = opened.share
    return {
        "share": {
            "url": f"{sharing.public_url}/s/{share.share_id}",
            "holder": opened.holder_name,
            "recipient": share.recipient_name,
            "linkExpiresAt": share.expires_at.isoformat(),
            "note": "The link's expiry is not the credentials' expiry: each credential "
            "states its own validity (validUntil).",
        },
        "credentials": [c.parsed() for c in opened.credentials],
    }


@public.get(
    "/s/{share_id}",
    tags=["Wallet: sharing"],
    summary="The public share page (HTML), or the shared credentials as JSON",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        404: _HTML,
        410: _HTML,
    },
)
async def share_page(share_id: str, request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    as_json = _wants_json(request)
    agent = request.headers.get("user-agent")

    def work(session: Session) -> OpenShare:
        return sharing.shares.open(
            session, share_id, kind="json" if as_json else "page", user_agent=agent
        )

    try:
        opened = await _run(services, work)
    except ShareGone as exc:
        if as_json:
            return _gone_json(exc)
        return _gone_page(exc, _lang(request, exc.lang))
    except NotFoundError:
        if as_json:
            raise
        lang = _lang(request)
        t = _strings()[lang]
        return _page(
            render("gone.html", lang, title=t["not_found_title"], message=t["not_found"]), 404
        )
    if as_json:
        return JSONResponse(_public_json(opened, sharing.shares), headers=PRIVATE)
    lang = _lang(request, opened.share.lang)
    items = await run_in_threadpool(_verified_items, services, sharing, opened, lang)
    html = render(
        "public.html",
        lang,
        share=opened.share,
        holder_name=opened.holder_name,
        items=items,
        link_expires=opened.share.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        json_url=f"/s/{opened.share.share_id}/credentials.json",
    )
    return _page(html)


def _verified_items(
    services: Services, sharing: Sharing, opened: OpenShare, lang: str
) -> list[dict[str, Any]]:
    t = _strings()[lang]
    verifier = services.verifier()
    out: list[dict[str, Any]] = []
    for credential in opened.credentials:
        described = credential.describe()
        report = SharingService.verify_live(verifier, credential)
        if report is not None:
            verdict = str(report.verdict)
            checks = [
                {
                    "name": t.get(f"check_{c.check}", str(c.check)),
                    "status": str(c.status),
                    "status_text": t.get(f"status_{c.status}", str(c.status)),
                    "explanation": c.explanation(lang),
                }
                for c in report.checks
            ]
            summary = report.summary(lang)
        else:
            verdict = credential.verdict_at_receipt
            checks = []
            summary = t["checked_at_receipt"]
        valid_until = described.get("validUntil")
        out.append(
            {
                "id": credential.public_id,
                "name": described["name"],
                "description": described["description"],
                "issuer": described["issuerName"] or described["issuerId"],
                "issuer_id": described["issuerId"],
                "valid_from": str(described.get("validFrom") or "")[:10],
                "valid_until": str(valid_until)[:10] if valid_until else "",
                "verdict": verdict,
                "verdict_text": t.get(f"verdict_{verdict}", verdict),
                "summary": summary,
                "checks": checks,
                "linkedin": sharing.shares.linkedin_url(opened.share, credential),
                "pdf": f"/s/{opened.share.share_id}/c/{credential.public_id}.pdf",
            }
        )
    return out


@public.get(
    "/s/{share_id}/credentials.json",
    tags=["Wallet: sharing"],
    summary="The shared credentials exactly as stored, for software that verifies them itself",
    responses={200: {"content": {"application/json": {}}}, **problem_responses(404, 410)},
)
async def share_credentials(share_id: str, request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    agent = request.headers.get("user-agent")
    try:
        opened = await _run(
            services,
            lambda s: sharing.shares.open(s, share_id, kind="json", user_agent=agent),
        )
    except ShareGone as exc:
        return _gone_json(exc)
    return JSONResponse(_public_json(opened, sharing.shares), headers=PRIVATE)


@public.get(
    "/s/{share_id}/c/{credential_id}.pdf",
    tags=["Wallet: sharing"],
    summary="A shared credential as a PDF, with a QR code to this share page",
    response_class=Response,
    responses={200: _PDF, **problem_responses(404, 410)},
)
async def share_credential_pdf(
    share_id: str,
    credential_id: str,
    request: Request,
    services: ServicesDep,
    lang: Annotated[str | None, Query(pattern="^(en|fr)$")] = None,
) -> Response:
    sharing = _sharing(services)
    agent = request.headers.get("user-agent")

    def work(session: Session) -> bytes:
        opened = sharing.shares.open(session, share_id, kind="pdf", user_agent=agent)
        for credential in opened.credentials:
            if credential.public_id == credential_id:
                return credential_pdf(
                    credential.describe(),
                    verify_url=f"{sharing.shares.public_url}/s/{share_id}",
                    document=credential.given_document(),
                    lang=lang or opened.share.lang,
                )
        raise NotFoundError("this credential is not in this share")

    try:
        data = await _run(services, work)
    except ShareGone as exc:
        return _gone_json(exc)
    return _pdf_response(data)


# ----------------------------------------------------------------------------- holder pages


async def _page_holder(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(holder_bearer)],
) -> HolderPrincipal | None:
    """The holder of a page request, or None (the page sends the browser to sign in)."""
    try:
        return await get_holder(request, services, credentials)
    except HolderUnauthenticated:
        return None


PageHolder = Annotated[HolderPrincipal | None, Depends(_page_holder)]


def _sign_in(path: str) -> RedirectResponse:
    return RedirectResponse(f"/wallet/signin?{urlencode({'next': path})}", status_code=303)


def _csrf(request: Request) -> str:
    value = getattr(request.state, "wallet_csrf", None)
    return value if isinstance(value, str) else ""


@pages.get("/wallet/shares", response_class=HTMLResponse)
async def shares_page(request: Request, holder: PageHolder, services: ServicesDep) -> Response:
    if holder is None:
        return _sign_in("/wallet/shares")
    sharing = _sharing(services)

    def work(session: Session) -> dict[str, Any]:
        from sqlalchemy import select

        from lerkit.db.models_wallet import WalletCredential

        holder_row = session.get(Holder, holder.holder_id)
        shares = [
            sharing.shares.to_json(session, s)
            | {
                "recent": [
                    {
                        "at": v.viewed_at.strftime("%Y-%m-%d %H:%M"),
                        "kind": v.kind,
                        "client": v.client_hint,
                    }
                    for v in sharing.shares.views(session, holder.holder_id, s.share_id)[:10]
                ]
            }
            for s in sharing.shares.for_holder(session, holder.holder_id)
        ]
        credentials = [
            {
                "id": row.public_id,
                "name": _describe_row(row)["name"],
                "issuer": _describe_row(row)["issuerName"],
            }
            for row in session.scalars(
                select(WalletCredential)
                .where(WalletCredential.holder_id == holder.holder_id)
                .order_by(WalletCredential.received_at.desc())
            )
        ]
        return {
            "shares": shares,
            "credentials": credentials,
            "lang": holder_row.lang if holder_row else "en",
        }

    data = await _run(services, work)
    lang = _lang(request, data["lang"])
    return _page(
        render(
            "shares.html",
            lang,
            shares=data["shares"],
            credentials=data["credentials"],
            csrf=_csrf(request),
            created=request.query_params.get("created", ""),
            chosen=_chosen(request),
        )
    )


def _chosen(request: Request) -> list[str]:
    """Credentials to tick in the form (``?credential=`` from a credential's page)."""
    return [c[:64] for c in request.query_params.getlist("credential")[:50]]


def _describe_row(row: Any) -> dict[str, Any]:
    from lerkit.services.wallet.sharing import SharedCredential

    return SharedCredential.of(row).describe()


@pages.post("/wallet/shares", response_class=HTMLResponse)
async def shares_create_form(
    request: Request,
    holder: HolderDep,
    services: ServicesDep,
    recipient_name: Annotated[str, Form(max_length=200)] = "",
    recipient_email: Annotated[str, Form(max_length=320)] = "",
    recipient_organization: Annotated[str, Form(max_length=200)] = "",
    purpose: Annotated[str, Form(max_length=500)] = "",
    days: Annotated[int, Form(ge=1, le=366)] = 30,
    credential: Annotated[list[str] | None, Form()] = None,
) -> Response:
    sharing = _sharing(services)

    def work(session: Session) -> str:
        from datetime import timedelta

        share = sharing.shares.create(
            session,
            holder.holder_id,
            list(credential or []),
            recipient_name=recipient_name,
            recipient_email=recipient_email or None,
            recipient_organization=recipient_organization or None,
            purpose=purpose,
            expires_at=services.clock() + timedelta(days=days),
            lang=_lang(request),
        )
        return share.share_id

    try:
        share_id = await _run(services, work)
    except ValidationError as exc:
        lang = _lang(request)
        return _page(
            render(
                "message.html",
                lang,
                title=_strings()[lang]["error"],
                message=exc.message,
                back="/wallet/shares",
            ),
            422,
        )
    return RedirectResponse(f"/wallet/shares?created={share_id}", status_code=303)


@pages.post("/wallet/shares/{share_id}/revoke")
async def shares_revoke_form(share_id: str, holder: HolderDep, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    await _run(services, lambda s: sharing.shares.revoke(s, holder.holder_id, share_id))
    return RedirectResponse("/wallet/shares", status_code=303)


@pages.get("/wallet/consents", response_class=HTMLResponse)
async def consents_page(request: Request, holder: PageHolder, services: ServicesDep) -> Response:
    if holder is None:
        return _sign_in("/wallet/consents")
    sharing = _sharing(services)

    def work(session: Session) -> tuple[list[dict[str, Any]], dict[str, str], str]:
        holder_row = session.get(Holder, holder.holder_id)
        names = {c["id"]: c["name"] for c in _holder_credentials(session, holder.holder_id)}
        return (
            [consent_json(r) for r in sharing.consent.entries(session, holder.holder_id)],
            names,
            holder_row.lang if holder_row else "en",
        )

    entries, names, default = await _run(services, work)
    lang = _lang(request, default)
    return _page(render("consents.html", lang, entries=entries, names=names, csrf=_csrf(request)))


@pages.post("/wallet/consents/{consent_id}/withdraw")
async def consents_withdraw_form(
    consent_id: str, holder: HolderDep, services: ServicesDep
) -> Response:
    sharing = _sharing(services)
    await _run(services, lambda s: sharing.consent.withdraw(s, holder.holder_id, consent_id))
    return RedirectResponse("/wallet/consents", status_code=303)


@pages.get("/wallet/resumes", response_class=HTMLResponse)
async def resumes_page(request: Request, holder: PageHolder, services: ServicesDep) -> Response:
    if holder is None:
        return _sign_in("/wallet/resumes")
    sharing = _sharing(services)

    def work(session: Session) -> dict[str, Any]:
        return {
            "resumes": [
                {"id": r.public_id, "title": r.title, "created": r.created_at.strftime("%Y-%m-%d")}
                for r in sharing.resumes.for_holder(session, holder.holder_id)
            ],
            "credentials": _holder_credentials(session, holder.holder_id),
        }

    data = await _run(services, work)
    return _page(
        render(
            "resumes.html",
            _lang(request),
            resumes=data["resumes"],
            credentials=data["credentials"],
            csrf=_csrf(request),
            created=request.query_params.get("created", ""),
            chosen=_chosen(request),
        )
    )


def _holder_credentials(session: Session, holder_id: int) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from lerkit.db.models_wallet import WalletCredential

    out = []
    for row in session.scalars(
        select(WalletCredential)
        .where(WalletCredential.holder_id == holder_id)
        .order_by(WalletCredential.received_at.desc())
    ):
        described = _describe_row(row)
        out.append(
            {"id": row.public_id, "name": described["name"], "issuer": described["issuerName"]}
        )
    return out


def _lines(text: str, kind: str) -> list[Entry]:
    """One self-asserted entry per line: ``title@organization:start:end`` (all but the
    title optional)."""
    entries = []
    for line in text.splitlines()[:50]:
        head, *dates = line.strip().split(":")
        title, _, organization = head.partition("@")
        if not title.strip():
            continue
        start = dates[0].strip() if dates and dates[0].strip() else None
        end = dates[1].strip() if len(dates) > 1 and dates[1].strip() else None
        for value in (start, end):
            if value is not None and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                raise ValidationError(f"dates are YYYY-MM or YYYY-MM-DD: {value[:20]!r}")
        entries.append(
            Entry(kind, title.strip()[:200], organization.strip()[:200] or None, None, start, end)
        )
    return entries


@pages.post("/wallet/resumes", response_class=HTMLResponse)
async def resumes_create_form(
    request: Request,
    holder: HolderDep,
    services: ServicesDep,
    title: Annotated[str, Form(max_length=200)] = "Résumé",
    headline: Annotated[str, Form(max_length=500)] = "",
    skills: Annotated[str, Form(max_length=5000)] = "",
    experience: Annotated[str, Form(max_length=5000)] = "",
    education: Annotated[str, Form(max_length=5000)] = "",
    about: Annotated[str, Form(max_length=2000)] = "",
    credential: Annotated[list[str] | None, Form()] = None,
) -> Response:
    sharing = _sharing(services)

    def work(session: Session) -> str:
        entries = (
            _lines(skills, "skill")
            + _lines(experience, "employment")
            + _lines(education, "education")
        )
        if about.strip():
            entries.append(Entry("narrative", "About", description=about.strip()))
        resume = sharing.resumes.compose(
            session,
            holder.holder_id,
            title=title,
            headline=headline,
            credential_ids=list(credential or []),
            entries=entries,
        )
        return resume.public_id

    try:
        resume_id = await _run(services, work)
    except ValidationError as exc:
        lang = _lang(request)
        return _page(
            render(
                "message.html",
                lang,
                title=_strings()[lang]["error"],
                message=exc.message,
                back="/wallet/resumes",
            ),
            422,
        )
    return RedirectResponse(f"/wallet/resumes?created={resume_id}", status_code=303)


# ----------------------------------------------------------------------------- OB 3.0 host


def _imsx(status: int, description: str, minor: str) -> JSONResponse:
    major = "failure"
    return JSONResponse(
        {
            "imsx_codeMajor": major,
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_codeMinor": {
                "imsx_codeMinorField": [
                    {
                        "imsx_codeMinorFieldName": "TargetEndSystem",
                        "imsx_codeMinorFieldValue": minor,
                    }
                ]
            },
        },
        status_code=status,
        headers={"WWW-Authenticate": 'Bearer realm="lerkit-ob3"'} if status == 401 else None,
    )


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Ob3Error(401, "an OAuth 2.0 bearer token is required", "unauthorizedrequest")
    return token.strip()


def _ob3_security(scope: str) -> dict[str, Any]:
    return {"security": [{"OAuth2ACG": [scope]}]}


@ob3.get(
    f"{OB3}/discovery",
    summary="The OB 3.0 service description document (OpenAPI 3.0, with the OAuth 2.0 "
    "endpoints and scopes)",
)
async def discovery(services: ServicesDep) -> dict[str, Any]:
    base = services.settings.public_url.rstrip("/")
    scopes = {**SCOPES, "offline_access": "Keep access (refresh tokens)"}
    return {
        "openapi": "3.0.1",
        "info": {
            "title": "lerkit wallet: Open Badges 3.0 API",
            "version": "3.0",
            "termsOfService": f"{base}/terms",
            "x-imssf-privacyPolicyUrl": f"{base}/privacy",
        },
        "servers": [{"url": f"{base}{OB3}"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Profile"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "getCredentials",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "since",
                            "in": "query",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                    ],
                    "responses": {"200": {"description": "The credentials"}},
                    **_ob3_security(SCOPE_READ),
                },
                "post": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "upsertCredential",
                    "responses": {
                        "200": {"description": "Replaced"},
                        "201": {"description": "Created"},
                    },
                    **_ob3_security(SCOPE_UPSERT),
                },
            },
            "/profile": {
                "get": {
                    "tags": ["Profile"],
                    "operationId": "getProfile",
                    "responses": {"200": {"description": "The profile"}},
                    **_ob3_security(SCOPE_PROFILE_READ),
                },
                "put": {
                    "tags": ["Profile"],
                    "operationId": "putProfile",
                    "responses": {"200": {"description": "The profile"}},
                    **_ob3_security(SCOPE_PROFILE_UPDATE),
                },
            },
            "/discovery": {
                "get": {
                    "tags": ["Discovery"],
                    "operationId": "getServiceDescription",
                    "responses": {"200": {"description": "This document"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 authorization code grant with PKCE (S256)",
                    "x-imssf-name": "lerkit wallet",
                    "x-imssf-privacyPolicyUrl": f"{base}/privacy",
                    "x-imssf-registrationUrl": f"{base}/oauth/register",
                    "x-imssf-termsOfServiceUrl": f"{base}/terms",
                    "flows": {
                        "authorizationCode": {
                            "tokenUrl": f"{base}/oauth/token",
                            "authorizationUrl": f"{base}/oauth/authorize",
                            "refreshUrl": f"{base}/oauth/token",
                            "x-imssf-revocationUrl": f"{base}/oauth/revoke",
                            "scopes": scopes,
                        }
                    },
                }
            },
            "schemas": {},
        },
    }


def _page_links(base: str, limit: int, offset: int, total: int) -> str:
    def link(rel: str, at: int) -> str:
        return f'<{base}?{urlencode({"limit": limit, "offset": at})}>; rel="{rel}"'

    last = max(0, ((total - 1) // limit) * limit) if total else 0
    links = []
    if offset + limit < total:
        links.append(link("next", offset + limit))
    links.append(link("last", last))
    links.append(link("first", 0))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    return ", ".join(links)


def _paging(
    limit: str | None, offset: str | None, since: str | None
) -> tuple[int, int, datetime | None]:
    def number(value: str | None, default: int, low: int, high: int, name: str) -> int:
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            raise Ob3Error(
                400,
                f"{name} must be a whole number from {low} to {high}",
                "invalid_query_parameter",
            )
        return int(value)

    since_at = None
    if since is not None:
        try:
            since_at = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            since_at = None
        if since_at is None or since_at.tzinfo is None:
            raise Ob3Error(
                400, "since must be a date-time with a time zone", "invalid_query_parameter"
            )
    return (
        number(limit, 100, 1, 1000, "limit"),
        number(offset, 0, 0, 10_000_000, "offset"),
        since_at,
    )


@ob3.get(
    f"{OB3}/credentials",
    summary="getCredentials: the holder's Open Badges credentials (paged)",
    responses={401: {"description": "Imsx_StatusInfo"}, 403: {"description": "Imsx_StatusInfo"}},
)
async def get_credentials(
    request: Request,
    services: ServicesDep,
    limit: Annotated[
        str | None, Query(max_length=12, description="Page size: 1 to 1000 (default 100).")
    ] = None,
    offset: Annotated[
        str | None, Query(max_length=12, description="How many to skip (default 0).")
    ] = None,
    since: Annotated[
        str | None, Query(max_length=64, description="Only those received since (date-time).")
    ] = None,
) -> Response:
    """Query errors answer 400 Imsx_StatusInfo ``invalid_query_parameter`` (OB 3.0 §6)."""
    sharing = _sharing(services)
    try:
        limit_n, offset_n, since_at = _paging(limit, offset, since)
    except Ob3Error as exc:
        return _imsx(exc.status, exc.description, exc.code_minor)

    def work(session: Session) -> tuple[list[Any], int]:
        grant = sharing.ob3.bearer(session, _bearer(request), SCOPE_READ)
        return sharing.ob3.credentials(
            session, grant.holder_id, limit=limit_n, offset=offset_n, since=since_at
        )

    try:
        found, total = await _run(services, work)
    except Ob3Error as exc:
        return _imsx(exc.status, exc.description, exc.code_minor)
    body = {
        "credential": [c for c in found if isinstance(c, dict)],
        "compactJwsString": [c for c in found if isinstance(c, str)],
    }
    base = services.settings.public_url.rstrip("/") + f"{OB3}/credentials"
    headers = {
        "X-Total-Count": str(total),
        "Link": _page_links(base, limit_n, offset_n, total),
        "Cache-Control": "no-store",
    }
    return JSONResponse(body, headers=headers)


@ob3.post(
    f"{OB3}/credentials",
    summary="upsertCredential: add (201) or replace (200) an Open Badges credential",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/plain": {"schema": {"type": "string"}},
            }
        }
    },
    responses={
        200: {"description": "Replaced"},
        201: {"description": "Created"},
        400: {"description": "Imsx_StatusInfo"},
        401: {"description": "Imsx_StatusInfo"},
        403: {"description": "Imsx_StatusInfo"},
    },
)
async def upsert_credential(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()

    def work(session: Session) -> tuple[int, Any]:
        grant = sharing.ob3.bearer(session, _bearer(request), SCOPE_UPSERT)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Ob3Error(400, "the body is not UTF-8", "invalid_data") from exc
        if media not in (
            "application/json",
            "application/vc+ld+json",
            "application/ld+json",
            "text/plain",
            "application/vc",
            "application/vc+jwt",
            "",
        ):
            raise Ob3Error(415, f"unsupported content type {media}", "invalid_data")
        return sharing.ob3.upsert(session, grant.holder_id, text)

    try:
        status, value = await _run(services, work)
    except Ob3Error as exc:
        return _imsx(exc.status, exc.description, exc.code_minor)
    if isinstance(value, str):
        return Response(value, status_code=status, media_type="text/plain")
    return JSONResponse(value, status_code=status)


@ob3.get(
    f"{OB3}/profile",
    summary="getProfile: the holder's profile",
    responses={401: {"description": "Imsx_StatusInfo"}, 403: {"description": "Imsx_StatusInfo"}},
)
async def get_profile(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)

    def work(session: Session) -> dict[str, Any]:
        grant = sharing.ob3.bearer(session, _bearer(request), SCOPE_PROFILE_READ)
        return sharing.ob3.profile(session, grant.holder_id)

    try:
        return JSONResponse(await _run(services, work), headers={"Cache-Control": "no-store"})
    except Ob3Error as exc:
        return _imsx(exc.status, exc.description, exc.code_minor)


@ob3.put(
    f"{OB3}/profile",
    summary="putProfile: replace the holder's profile",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
    },
    responses={
        400: {"description": "Imsx_StatusInfo"},
        401: {"description": "Imsx_StatusInfo"},
        403: {"description": "Imsx_StatusInfo"},
    },
)
async def put_profile(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    raw = await request.body()

    def work(session: Session) -> dict[str, Any]:
        grant = sharing.ob3.bearer(session, _bearer(request), SCOPE_PROFILE_UPDATE)
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Ob3Error(400, "the body is not JSON", "invalid_data") from exc
        return sharing.ob3.put_profile(session, grant.holder_id, value)

    try:
        return JSONResponse(await _run(services, work))
    except Ob3Error as exc:
        return _imsx(exc.status, exc.description, exc.code_minor)


# ----------------------------------------------------------------------------- OAuth 2.0


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="lerkit-oauth"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


@oauth.post(
    "/oauth/register",
    status_code=201,
    summary="Dynamic client registration (RFC 7591)",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
    },
    responses={201: {"description": "The client"}, 400: {"description": "RFC 7591 error"}},
)
async def register_client(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    raw = await request.body()
    try:
        metadata = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _oauth_error(OAuthError("invalid_client_metadata", "the body is not JSON"))
    try:
        registered = await _run(services, lambda s: sharing.ob3.register(s, metadata))
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(
        registered.to_json(), status_code=201, headers={"Cache-Control": "no-store"}
    )


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "malformed Basic credentials", 401) from exc
        from urllib.parse import unquote

        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    if form.get("client_id") and form.get("client_secret"):
        return form["client_id"], form["client_secret"]
    raise OAuthError("invalid_client", "client authentication is required (HTTP Basic)", 401)


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


_FORM_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        }
    }
}


@oauth.post(
    "/oauth/token",
    summary="Token endpoint: authorization code (with PKCE verifier) or refresh token",
    openapi_extra=_FORM_BODY,
    responses={
        200: {"description": "Tokens"},
        400: {"description": "RFC 6749 error"},
        401: {"description": "RFC 6749 error"},
    },
)
async def token(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    form = await _form(request)
    try:
        client_id, secret = _client_credentials(request, form)

        def work(session: Session) -> dict[str, Any]:
            client = sharing.ob3.authenticate_client(session, client_id, secret)
            return sharing.ob3.token(session, client, form)

        tokens = await _run(services, work)
    except ReplayedCode as exc:
        consent_id = exc.consent_id
        await _run(services, lambda s: sharing.ob3.revoke_consent_grants(s, consent_id))
        return _oauth_error(exc)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(tokens, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@oauth.post(
    "/oauth/revoke",
    summary="Token revocation (RFC 7009)",
    openapi_extra=_FORM_BODY,
    responses={
        200: {"description": "Revoked (or unknown)"},
        401: {"description": "RFC 6749 error"},
    },
)
async def revoke(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    form = await _form(request)
    try:
        client_id, secret = _client_credentials(request, form)
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required")

        def work(session: Session) -> None:
            client = sharing.ob3.authenticate_client(session, client_id, secret)
            sharing.ob3.revoke(session, client, form["token"])

        await _run(services, work)
    except OAuthError as exc:
        return _oauth_error(exc)
    return Response(status_code=200)


def _redirect_error(
    request: AuthorizationRequest | None, params: dict[str, str], exc: OAuthError
) -> Response:
    uri = params.get("redirect_uri", "")
    query = {"error": exc.error, "error_description": exc.description}
    if params.get("state"):
        query["state"] = params["state"]
    sep = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{sep}{urlencode(query)}", status_code=303)


_AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


async def _session_holder(request: Request, services: Services) -> SessionHolder | None:
    """The holder signed in to the wallet in this browser (web session), if any."""
    found = await run_in_threadpool(cookie_holder, services, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    principal, csrf = found

    def name(session: Session) -> str:
        row = session.get(Holder, principal.holder_id)
        return row.display_name if row is not None else ""

    return SessionHolder(principal.holder_id, await _run(services, name), csrf)


@dataclass(frozen=True)
class SessionHolder:
    holder_id: int
    name: str
    csrf: str = field(repr=False)


def _authorize_page(
    lang: str,
    request: AuthorizationRequest,
    params: dict[str, str],
    error: str = "",
    status: int = 200,
    signed_in: SessionHolder | None = None,
) -> HTMLResponse:
    meta = request.client.metadata_
    return _page(
        render(
            "authorize.html",
            lang,
            client_name=request.client.client_name,
            client_uri=meta.get("client_uri", ""),
            policy_uri=meta.get("policy_uri", ""),
            tos_uri=meta.get("tos_uri", ""),
            scopes=[SCOPES.get(s, s) for s in request.scope if s in SCOPES],
            params={k: params.get(k, "") for k in _AUTH_PARAMS},
            error=error,
            signed_in_as=signed_in.name if signed_in else "",
            csrf=signed_in.csrf if signed_in else "",
        ),
        status,
    )


@oauth.get(
    "/oauth/authorize",
    summary="Authorization endpoint: the holder signs in and consents (HTML)",
    response_class=HTMLResponse,
    responses={200: _HTML, 303: {"description": "Back to the client with an error"}, 400: _HTML},
)
async def authorize(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    params = {k: v for k, v in request.query_params.items() if k in _AUTH_PARAMS}
    lang = _lang(request)
    try:
        asked = await _run(services, lambda s: sharing.ob3.check_authorization(s, params))
    except OAuthError as exc:
        if exc.redirect:
            return _redirect_error(None, params, exc)
        return _page(
            render(
                "message.html",
                lang,
                title=_strings()[lang]["oauth_refused"],
                message=exc.description,
                back="",
            ),
            400,
        )
    session_holder = await _session_holder(request, services)
    return _authorize_page(lang, asked, params, signed_in=session_holder)


@oauth.post(
    "/oauth/authorize",
    summary="The holder's answer on the authorization page",
    response_class=HTMLResponse,
    openapi_extra=_FORM_BODY,
    responses={303: {"description": "Back to the client"}, 400: _HTML, 401: _HTML},
)
async def authorize_answer(request: Request, services: ServicesDep) -> Response:
    sharing = _sharing(services)
    form = await _form(request)
    params = {k: form.get(k, "") for k in _AUTH_PARAMS}
    lang = _lang(request)
    t = _strings()[lang]
    try:
        asked = await _run(services, lambda s: sharing.ob3.check_authorization(s, params))
    except OAuthError as exc:
        if exc.redirect:
            return _redirect_error(None, params, exc)
        return _page(
            render(
                "message.html", lang, title=t["oauth_refused"], message=exc.description, back=""
            ),
            400,
        )
    if form.get("decision") != "allow":
        return _redirect_error(asked, params, OAuthError("access_denied", "the holder said no"))
    email = form.get("email", "")[:320]
    password = form.get("password", "")[:1000]
    second = form.get("code", "")[:64] or None
    signed_in = await _session_holder(request, services)
    given_csrf = form.get("csrf_token", "")
    # the web session counts only with its CSRF token (the page carries it); otherwise the
    # holder signs in on the form itself
    by_session = (
        signed_in is not None
        and not email
        and bool(given_csrf)
        and hmac.compare_digest(given_csrf.encode(), signed_in.csrf.encode())
    )

    def work(session: Session) -> str:
        if by_session and signed_in is not None:
            return sharing.ob3.approve(session, signed_in.holder_id, asked)
        base = services.wallet_base
        assert base is not None
        holder = base.accounts.check_password(session, email, password)
        signin = getattr(services.wallet, "signin", None)
        check = getattr(signin, "check_second_factor", None)
        if callable(check):
            check(session, holder, second)
        return sharing.ob3.approve(session, holder.id, asked)

    try:
        code = await _run(services, work)
    except AuthenticationError as exc:
        return _authorize_page(
            lang,
            asked,
            params,
            error=exc.message or t["signin_failed"],
            status=401,
            signed_in=signed_in,
        )
    query = {"code": code, "state": params["state"]}
    sep = "&" if "?" in asked.redirect_uri else "?"
    return RedirectResponse(f"{asked.redirect_uri}{sep}{urlencode(query)}", status_code=303)


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
    app.openapi_tags = [*(app.openapi_tags or []), *TAGS]
    app.include_router(holder_api, prefix="/api/v1")
    app.include_router(pages)
    app.include_router(public)
    app.include_router(ob3)
    app.include_router(oauth)


__all__ = ["install", "render"]
