"""Routes of trust registries, the REST verify route and the public /verify page (issue 6).

- ``/api/v1/trust/registries/...`` — registry management (an organization's API key:
  viewer reads, admin changes): entries, import / export, subscriptions;
  ``/api/v1/trust/recognition`` — is an issuer recognised for a credential type?
- ``/trust`` and ``/trust/{org}/{name}`` — published registries (public by design: other
  instances subscribe to them), with an ETag and ``Cache-Control``.
- ``POST /api/v1/verify`` — verify any format (JSON body, raw upload or multipart file),
  optionally against a registry of the caller's organization (or a published one).
- ``GET/POST /verify`` — the public verification page (no account; nothing is stored).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.bootstrap import Services
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.jsonvalue import check_json_value, parse_json
from lerkit.core.types import JsonObject
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.trust import TrustService
from lerkit.web.verify_page import STRINGS, VerifyPages

manage = APIRouter(prefix="/api/v1/trust", tags=["Trust registries"])
verify_api = APIRouter(tags=["Verification"])
public = APIRouter(tags=["Trust registries (public)"])
page = APIRouter(tags=["Verification page"], include_in_schema=True)

MAX_BODY = 10 * 1024 * 1024
NO_STORE = {"Cache-Control": "no-store"}
_pages = VerifyPages()

Name = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Lang = Annotated[str, Query(pattern="^(en|fr)$", description="language of the explanations")]


def _trust(services: Services) -> TrustService:
    trust = services.trust
    if not isinstance(trust, TrustService):  # pragma: no cover - always wired
        raise NotFoundError("trust services are not available")
    return trust


class RegistryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: str = Field("", max_length=2000)
    roots: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=100)
    published: bool = False


class RegistryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = Field(None, max_length=2000)
    roots: list[Annotated[str, Field(max_length=500)]] | None = Field(None, max_length=100)
    published: bool | None = None


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=1000)
    ttlSeconds: int = Field(300, ge=0, le=86_400)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    did: str = Field(
        min_length=4, max_length=500, description="the issuer's DID (or OB 2.0 profile URL)"
    )
    name: str | None = Field(None, max_length=300)
    role: str = Field("issuer", pattern="^(issuer|accreditor)$")
    credentialTypes: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=100
    )
    achievements: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=1000
    )
    frameworks: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=100
    )
    accreditedBy: str | None = Field(None, max_length=500)
    accreditation: dict[str, Any] | str | None = None
    url: str | None = Field(None, max_length=500)
    validFrom: str | None = Field(None, max_length=40)
    validUntil: str | None = Field(None, max_length=40)


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    types: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=50)
    achievements: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=500
    )
    frameworks: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=50
    )


class AccreditationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=4, max_length=500, description="the accredited DID")
    kind: str = Field("attest", pattern="^(attest|accredit)$")
    accreditedFor: list[ScopeIn] = Field(default_factory=list, max_length=20)
    validFrom: datetime | None = None
    validUntil: datetime | None = None


def _checked(value: Any) -> Any:
    try:
        check_json_value(value)
    except InputError as exc:
        raise ValidationError(exc.message) from exc
    return value


# ----------------------------------------------------------------------------- management


@manage.post("/registries", status_code=status.HTTP_201_CREATED, summary="Create a registry")
def create_registry(body: RegistryIn, actor: ActorDep, services: ServicesDep) -> JsonObject:
    _checked(body.model_dump())
    with services.database.session() as session:
        return (
            _trust(services)
            .registries.create(
                session,
                actor,
                body.name,
                description=body.description,
                roots=body.roots,
                published=body.published,
            )
            .to_json()
        )


@manage.get("/registries", summary="The organization's registries")
def list_registries(actor: ActorDep, services: ServicesDep) -> list[JsonObject]:
    with services.database.session() as session:
        return [r.to_json() for r in _trust(services).registries.list_registries(session, actor)]


@manage.get("/registries/{name}", summary="One registry")
def get_registry(name: str, actor: ActorDep, services: ServicesDep) -> JsonObject:
    with services.database.session() as session:
        return _trust(services).registries.get(session, actor, name).to_json()


@manage.patch("/registries/{name}", summary="Change a registry's description, roots, publication")
def update_registry(
    name: str, body: RegistryPatch, actor: ActorDep, services: ServicesDep
) -> JsonObject:
    _checked(body.model_dump())
    with services.database.session() as session:
        return (
            _trust(services)
            .registries.update(
                session,
                actor,
                name,
                description=body.description,
                roots=body.roots,
                published=body.published,
            )
            .to_json()
        )


@manage.delete(
    "/registries/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a registry"
)
def delete_registry(name: str, actor: ActorDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        _trust(services).registries.delete(session, actor, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@manage.get("/registries/{name}/entries", summary="A registry's own entries")
def list_entries(name: str, actor: ActorDep, services: ServicesDep) -> list[JsonObject]:
    with services.database.session() as session:
        return _trust(services).registries.entries(session, actor, name)


@manage.post(
    "/registries/{name}/entries",
    status_code=status.HTTP_201_CREATED,
    summary="Add an issuer or accrediting body (with what it may issue, and its accreditation)",
)
def add_entry(name: str, body: EntryIn, actor: ActorDep, services: ServicesDep) -> JsonObject:
    raw = _checked(body.model_dump(exclude_none=True))
    with services.database.session() as session:
        return _trust(services).registries.add_entry(session, actor, name, raw)


@manage.delete(
    "/registries/{name}/entries/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an entry (by its id, or every entry of a DID)",
)
def remove_entry(name: str, entry_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        _trust(services).registries.remove_entry(session, actor, name, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@manage.get("/registries/{name}/export", summary="The registry as a JSON document")
def export_registry(name: str, actor: ActorDep, services: ServicesDep) -> JsonObject:
    with services.database.session() as session:
        return _trust(services).registries.export(session, actor, name)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InputError("the body is larger than 10 MB", ProblemCode.TOO_LARGE)
    if not raw.strip():
        raise InputError("the request body must be JSON")
    return parse_json(raw, "request body")


@manage.post(
    "/registries/{name}/import",
    summary="Import a registry document (a lerkit export or a DCC issuer list)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def import_registry(
    name: str,
    request: Request,
    actor: ActorDep,
    services: ServicesDep,
    replace: Annotated[bool, Query(description="drop the existing entries first")] = False,
) -> JsonObject:
    document = await _json_body(request)

    def run() -> JsonObject:
        if len(name) > 63:
            raise ValidationError("a registry name is at most 63 characters")
        with services.database.session() as session:
            return (
                _trust(services)
                .registries.import_document(session, actor, name, document, replace=replace)
                .to_json()
            )

    return await run_in_threadpool(run)


@manage.get("/registries/{name}/subscriptions", summary="Federated registries")
def list_subscriptions(name: str, actor: ActorDep, services: ServicesDep) -> list[JsonObject]:
    with services.database.session() as session:
        return _trust(services).registries.subscriptions(session, actor, name)


@manage.post(
    "/registries/{name}/subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe to another registry (a lerkit registry URL or a DCC issuer list)",
)
def subscribe(
    name: str, body: SubscriptionIn, actor: ActorDep, services: ServicesDep
) -> JsonObject:
    _checked(body.model_dump())
    with services.database.session() as session:
        return _trust(services).registries.subscribe(
            session, actor, name, body.url, ttl_seconds=body.ttlSeconds
        )


@manage.post("/registries/{name}/subscriptions/refresh", summary="Re-fetch every subscription now")
def refresh_all(name: str, actor: ActorDep, services: ServicesDep) -> list[JsonObject]:
    with services.database.session() as session:
        return _trust(services).registries.refresh(session, actor, name)


@manage.post(
    "/registries/{name}/subscriptions/{subscription_id}/refresh",
    summary="Re-fetch one subscription now",
)
def refresh_one(
    name: str, subscription_id: str, actor: ActorDep, services: ServicesDep
) -> JsonObject:
    with services.database.session() as session:
        return _trust(services).registries.refresh(session, actor, name, subscription_id)[0]


@manage.delete(
    "/registries/{name}/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unsubscribe",
)
def unsubscribe(
    name: str, subscription_id: str, actor: ActorDep, services: ServicesDep
) -> Response:
    with services.database.session() as session:
        _trust(services).registries.unsubscribe(session, actor, name, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@manage.post(
    "/accreditations",
    status_code=status.HTTP_201_CREATED,
    summary="Sign an accreditation: this organization accredits another DID (EBSI model)",
    description="Issues a `VerifiableAccreditationToAttest` (kind `attest`: may issue "
    "credentials of `accreditedFor`) or `VerifiableAccreditationToAccredit` (kind "
    "`accredit`: may accredit others within it), signed with the organization's key and "
    "revocable like any credential it issues (`/api/v1/credentials/{id}/revoke`).",
)
def accredit(body: AccreditationIn, actor: ActorDep, services: ServicesDep) -> JsonObject:
    from lerkit.core.trust import Scope, build_accreditation

    _checked(body.model_dump(mode="json"))
    for when in (body.validFrom, body.validUntil):
        if when is not None and when.tzinfo is None:
            raise ValidationError("validFrom and validUntil need a time zone (e.g. Z)")
    with services.database.session() as session:
        organization = services.organizations.get(session, actor)
    try:
        unsigned = build_accreditation(
            accreditor=organization.did,
            subject=body.subject,
            kind=body.kind,
            accredited_for=[
                Scope(tuple(s.types), tuple(s.achievements), tuple(s.frameworks))
                for s in body.accreditedFor
            ],
            valid_from=body.validFrom,
            valid_until=body.validUntil,
        )
    except InputError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
    record = services.issuance.issue_document(actor, unsigned, status_purposes=("revocation",))
    return {"id": record.credential_id, "credential": json.loads(record.document)}


@manage.get("/recognition", summary="Is an issuer recognised for a credential type?")
def recognition(
    actor: ActorDep,
    services: ServicesDep,
    issuer: Annotated[str, Query(min_length=4, max_length=500)],
    type: Annotated[list[str] | None, Query(max_length=20)] = None,
    achievement: Annotated[str | None, Query(max_length=500)] = None,
    registry: Annotated[str | None, Query(max_length=200)] = None,
) -> JsonObject:
    actor.require("viewer")
    _checked([issuer, type, achievement, registry])
    with services.database.session() as session:
        answer = _trust(services).recognition(
            session,
            issuer,
            type or [],
            achievement,
            registry=registry,
            organization_id=actor.organization_id,
        )
    return answer.to_json()


# ----------------------------------------------------------------------------- public registries


@public.get("/trust", summary="The published trust registries of this instance")
def published_registries(request: Request, services: ServicesDep) -> JsonObject:
    base = services.settings.public_url
    with services.database.session() as session:
        names = _trust(services).registries.published_names(session)
    return {"registries": [{"name": n, "url": f"{base}/trust/{n}"} for n in names]}


@public.get(
    "/trust/{organization}/{name}",
    summary="A published registry document (subscribe to it from another instance)",
)
def published_registry(
    organization: str, name: str, request: Request, services: ServicesDep
) -> Response:
    with services.database.session() as session:
        document = _trust(services).registries.published(session, organization, name)
    etag = f'W/"{document.get("revision", 0)}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return JSONResponse(document, headers=headers)


# ----------------------------------------------------------------------------- REST verify

_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "document": {
                            "description": "the credential or presentation: a JSON object, "
                            "a JWT / SD-JWT string, or a URL",
                        },
                        "registry": {"type": "string", "maxLength": 200},
                        "lang": {"type": "string", "enum": ["en", "fr"]},
                        "challenge": {"type": "string", "maxLength": 500},
                        "domain": {"type": "string", "maxLength": 500},
                        "recipient": {"type": "string", "maxLength": 320},
                    },
                    "required": ["document"],
                }
            },
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}

_OPTIONS = ("registry", "lang", "challenge", "domain", "recipient")


def _option(value: Any, name: str, limit: int = 500) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise ValidationError(
            f"{name} must be a string of at most {limit} characters",
            [{"pointer": f"/{name}", "message": "invalid"}],
        )
    return value


async def _verify_input(request: Request) -> tuple[Any, dict[str, str | None]]:
    """(document, options) from a JSON body, a multipart form or raw bytes (+ query)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    query = request.query_params
    options: dict[str, str | None] = {k: _option(query.get(k), k) for k in _OPTIONS}
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            for k in _OPTIONS:
                v = form.get(k)
                if isinstance(v, str) and v:
                    options[k] = _option(v, k)
            data = b""
            if upload is not None and not isinstance(upload, str):
                data = await upload.read(MAX_BODY + 1)
            text = form.get("document")
        if data:
            if len(data) > MAX_BODY:
                raise InputError("the file is larger than 10 MB", ProblemCode.TOO_LARGE)
            return data, options
        if isinstance(text, str) and text.strip():
            return text, options
        raise InputError("send a file (field `file`) or a document (field `document`)")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InputError("the body is larger than 10 MB", ProblemCode.TOO_LARGE)
    if not raw.strip():
        raise InputError("the request body is empty: send a credential")
    if content_type in ("application/json", "application/ld+json", ""):
        body = parse_json(raw, "request body")
        if isinstance(body, dict) and "document" in body:
            for k in _OPTIONS:
                if k in body:
                    options[k] = _option(body[k], k)
            return body["document"], options
        return body, options
    return raw, options


@verify_api.post(
    "/api/v1/verify",
    summary="Verify any credential or presentation (any format), optionally against a registry",
    description='JSON body `{"document": ..., "registry", "lang", "challenge", '
    '"domain", "recipient"}`, a multipart form with a `file`, or the raw bytes (a '
    "baked PNG/SVG, a JWT) with the options as query parameters. Always 200 with the "
    "report when the input is a credential (`verified` says whether it holds); 4xx when "
    "it is not one.",
    openapi_extra=_VERIFY_BODY,
)
async def verify(request: Request, actor: ActorDep, services: ServicesDep) -> JSONResponse:
    document, options = await _verify_input(request)
    lang = options.get("lang") or "en"
    if lang not in ("en", "fr"):
        raise ValidationError("lang must be en or fr")
    if isinstance(document, list | int | float | bool) or document is None:
        raise InputError(
            "document must be a JSON object, a string or a file", ProblemCode.FORMAT_UNKNOWN
        )

    def run() -> JsonObject:
        report = _trust(services).verify_any(
            document,
            registry=options.get("registry"),
            organization_id=actor.organization_id,
            lang=lang,
            challenge=options.get("challenge"),
            domain=options.get("domain"),
            recipient=options.get("recipient"),
        )
        out = report.to_json(include_document=True)
        if report.credentials:
            out["credentials"] = [r.to_json(include_document=True) for r in report.credentials]
        return out

    return JSONResponse(await run_in_threadpool(run), headers=NO_STORE)


# ----------------------------------------------------------------------------- the page


def _lang(request: Request, value: str | None = None) -> str:
    if value in STRINGS:
        return str(value)
    query = request.query_params.get("lang")
    if query in STRINGS:
        return str(query)
    accept = request.headers.get("accept-language", "").lower()
    return "fr" if accept.startswith("fr") else "en"


def _published(services: Services) -> list[str]:
    with services.database.session() as session:
        return _trust(services).registries.published_names(session)


@page.get("/verify", response_class=HTMLResponse, summary="The public verification page")
def verify_page(request: Request, services: ServicesDep) -> HTMLResponse:
    lang = _lang(request)
    return HTMLResponse(_pages.form(lang, _published(services)), headers=NO_STORE)


@page.post(
    "/verify",
    response_class=HTMLResponse,
    summary="Verify what was pasted, uploaded or linked, and show the result",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "document": {"type": "string", "maxLength": 2_000_000},
                            "file": {"type": "string", "format": "binary"},
                            "url": {"type": "string", "maxLength": 2000},
                            "registry": {"type": "string", "maxLength": 200},
                            "recipient": {"type": "string", "maxLength": 320},
                            "lang": {"type": "string", "enum": ["en", "fr"]},
                        },
                    }
                },
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "document": {"type": "string", "maxLength": 2_000_000},
                            "url": {"type": "string", "maxLength": 2000},
                            "registry": {"type": "string", "maxLength": 200},
                            "lang": {"type": "string", "enum": ["en", "fr"]},
                        },
                    }
                },
            }
        }
    },
)
async def verify_page_post(request: Request, services: ServicesDep) -> HTMLResponse:
    lang = _lang(request)
    registries = await run_in_threadpool(_published, services)
    try:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            raise InputError("send the page's form", ProblemCode.UNSUPPORTED_MEDIA_TYPE)
        data = b""
        async with request.form(max_files=1, max_fields=10) as form:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form.get("file")
            if upload is not None and not isinstance(upload, str):
                data = await upload.read(MAX_BODY + 1)
        lang = _lang(request, fields.get("lang"))
        document: str | bytes | None = None
        if data:
            if len(data) > MAX_BODY:
                raise InputError("the file is larger than 10 MB", ProblemCode.TOO_LARGE)
            document = data or None
        if document is None and fields.get("document", "").strip():
            document = fields["document"]
        if document is None and fields.get("url", "").strip():
            document = fields["url"].strip()
            if not document.startswith(("https://", "http://")):
                raise InputError("the address must start with https://")
        if document is None:
            return HTMLResponse(
                _pages.form(lang, registries, STRINGS[lang]["nothing"]),
                status_code=400,
                headers=NO_STORE,
            )
        registry = _option(fields.get("registry"), "registry", 200)
        if registry is not None and registry not in registries:
            raise InputError(f"no published trust registry {registry!r}")
        recipient = _option(fields.get("recipient"), "recipient", 320)
        doc = document

        def run() -> Any:
            return _trust(services).verify_any(
                doc, registry=registry, lang=lang, recipient=recipient
            )

        report = await run_in_threadpool(run)
    except LerkitError as exc:
        message = exc.message[:500]
        return HTMLResponse(
            _pages.form(lang, registries, f"{message} [{exc.code}]"),
            status_code=422 if not isinstance(exc, NotFoundError) else 404,
            headers=NO_STORE,
        )
    return HTMLResponse(_pages.result(lang, report, registries), headers=NO_STORE)


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
    app.include_router(manage)
    app.include_router(verify_api)
    app.include_router(public)
    app.include_router(page)
