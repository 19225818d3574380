"""Routes of the holder's wallet API (``/api/v1/wallet/...``) and pages (``/wallet/...``).

Public: ``POST /api/v1/wallet/signup`` and ``POST /api/v1/wallet/login`` (they return a
holder token). Everything else needs the holder (:data:`HolderDep`: a token, or the web
session cookie with its CSRF token). Errors are problem+json; secrets (tokens, TOTP
secret, recovery codes) appear only in the one answer that creates them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lerkit.api.areas import wallet_pages
from lerkit.api.deps import ServicesDep
from lerkit.api.holder_auth import HolderDep, get_holder
from lerkit.api.problems import problem_responses
from lerkit.bootstrap import Services
from lerkit.core.errors import InputError
from lerkit.core.keys import KeyType
from lerkit.db.models_wallet import (
    Holder,
    HolderKey,
    HolderToken,
    WalletCollection,
    WalletCredential,
)
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.wallet.documents import selective_disclosure
from lerkit.services.wallet.service import Wallet, entry_json

TAG = "Wallet"
public_router = APIRouter(
    prefix="/api/v1/wallet", tags=[TAG], responses=problem_responses(401, 409, 422)
)
router = APIRouter(
    prefix="/api/v1/wallet",
    tags=[TAG],
    dependencies=[Depends(get_holder)],
    responses=problem_responses(401, 403, 404, 409, 422),
)
NO_STORE = {"Cache-Control": "no-store"}
MAX_UPLOAD = 12 * 1024 * 1024
TOKEN_DAYS = 30


def wallet_of(services: Services) -> Wallet:
    if services.wallet is None:
        raise NotFoundError("the wallet is not enabled on this instance")
    wallet: Wallet = services.wallet
    return wallet


# ----------------------------------------------------------------------------- JSON shapes


def credential_out(
    row: WalletCredential, tags: list[str] | None = None, *, full: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.public_id,
        "format": row.format,
        "source": row.source,
        "verdict": row.verdict,
        "verified": row.verdict == "valid",
        "keptInvalid": bool(row.summary.get("keptInvalid")),
        "warnings": row.summary.get("warnings", []),
        "summary": {k: v for k, v in row.summary.items() if k != "warnings"},
        "credentialId": row.credential_id,
        "tags": tags or [],
        "receivedAt": row.received_at.isoformat(),
        "verifiedAt": row.verified_at.isoformat(),
    }
    if full:
        out["document"] = row.document
        out["report"] = row.report
        out["selectiveDisclosure"] = selective_disclosure(row.format, row.document)
    return out


def _holder_out(services: Services, session: Any, holder: Holder) -> dict[str, Any]:
    wallet = wallet_of(services)
    keys = wallet.keys(session, holder.id)
    return {
        "public_id": holder.public_id,
        "email": holder.email,
        "display_name": holder.display_name,
        "lang": holder.lang,
        "did": next((k.did for k in keys if k.is_default), None),
        "dids": [k.did for k in keys],
        "secondFactor": wallet.signin.has_second_factor(session, holder.id),
        "createdAt": holder.created_at.isoformat(),
    }


def _key_out(row: HolderKey) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "did": row.did,
        "verificationMethod": row.verification_method,
        "keyType": row.key_type,
        "publicKeyMultibase": row.public_multikey,
        "default": row.is_default,
        "createdAt": row.created_at.isoformat(),
    }


def _collection_out(wallet: Wallet, session: Any, row: WalletCollection) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "name": row.name,
        "description": row.description,
        "credentials": [c.public_id for c in wallet.collection_items(session, row)],
        "createdAt": row.created_at.isoformat(),
    }


# ----------------------------------------------------------------------------- bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SignupIn(_Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    display_name: str = Field(default="", max_length=200)
    lang: Literal["en", "fr"] = "en"


class LoginIn(_Body):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    code: str | None = Field(default=None, max_length=64, description="TOTP or recovery code")
    token_name: str = Field(default="login", max_length=200)


class TokenIn(_Body):
    name: str = Field(min_length=1, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, alias="expiresInDays")


class KeyIn(_Body):
    key_type: Literal["Ed25519", "P-256"] = Field(alias="keyType")
    default: bool = False


class CodeIn(_Body):
    code: str = Field(min_length=1, max_length=64)


class PasswordIn(_Body):
    password: str = Field(min_length=1, max_length=1000)
    code: str | None = Field(default=None, max_length=64)


class DocumentIn(_Body):
    document: str | dict[str, Any] = Field(description="a credential: JSON object, JWT or SD-JWT")
    insist: bool = False


class UrlIn(_Body):
    url: str = Field(min_length=8, max_length=4000)
    insist: bool = False


class OfferIn(_Body):
    offer: str = Field(
        min_length=10, max_length=60_000, description="openid-credential-offer:// URL"
    )
    tx_code: str | None = Field(default=None, max_length=64, alias="txCode")
    insist: bool = False


class ExchangeIn(_Body):
    url: str = Field(
        min_length=8, max_length=4000, description="a VC-API exchange or interaction URL"
    )
    insist: bool = False


class TagsIn(_Body):
    tags: list[str] = Field(max_length=30)


class CollectionIn(_Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)


class CollectionPatch(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)


class EntryIn(_Body):
    kind: Literal["skill", "experience", "education", "goal"]
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10000)
    organization: str = Field(default="", max_length=300)
    start_date: str | None = Field(default=None, max_length=10, alias="startDate")
    end_date: str | None = Field(default=None, max_length=10, alias="endDate")


class EntryPatch(_Body):
    kind: Literal["skill", "experience", "education", "goal"] | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10000)
    organization: str | None = Field(default=None, max_length=300)
    start_date: str | None = Field(default=None, max_length=10, alias="startDate")
    end_date: str | None = Field(default=None, max_length=10, alias="endDate")


class PassphraseIn(_Body):
    passphrase: str = Field(min_length=1, max_length=1000)


PublicId = Annotated[str, Field(max_length=64)]


def _read_upload(file: UploadFile) -> bytes:
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationError("the file is too large", [{"field": "file"}])
    if not data:
        raise ValidationError("the file is empty", [{"field": "file"}])
    return data


# ----------------------------------------------------------------------------- accounts


@public_router.post(
    "/signup", status_code=status.HTTP_201_CREATED, summary="Create a holder account"
)
def signup(body: SignupIn, services: ServicesDep) -> JSONResponse:
    wallet = wallet_of(services)
    with services.database.session() as session:
        holder = wallet.accounts.signup(
            session, body.email, body.password, body.display_name, body.lang
        )
        token = wallet.accounts.create_token(
            session, holder, "signup", expires_at=services.clock() + timedelta(days=TOKEN_DAYS)
        )
        out = {"holder": _holder_out(services, session, holder), "token": token.token}
    return JSONResponse(out, status_code=201, headers=NO_STORE)


@public_router.post("/login", summary="Sign in: a new holder token (30 days)")
def login(body: LoginIn, services: ServicesDep) -> JSONResponse:
    wallet = wallet_of(services)
    with services.database.session() as session:
        holder = wallet.accounts.check_password(session, body.email, body.password)
        wallet.signin.check_second_factor(session, holder, body.code)
        token = wallet.accounts.create_token(
            session,
            holder,
            body.token_name or "login",
            expires_at=services.clock() + timedelta(days=TOKEN_DAYS),
        )
        out = {"holder": _holder_out(services, session, holder), "token": token.token}
    return JSONResponse(out, headers=NO_STORE)


@router.get("/me", summary="The holder: profile, DIDs, second factor")
def me(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        return _holder_out(services, session, wallet_of(services).holder(session, holder.holder_id))


@router.get("/keys", summary="The holder's keys and DIDs")
def list_keys(holder: HolderDep, services: ServicesDep) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [_key_out(k) for k in wallet_of(services).keys(session, holder.holder_id)]


@router.post("/keys", status_code=201, summary="Add a key (did:key): Ed25519 or P-256")
def add_key(body: KeyIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        row = wallet.accounts.add_key(
            session,
            wallet.holder(session, holder.holder_id),
            KeyType(body.key_type),
            default=body.default,
        )
        return _key_out(row)


@router.get("/tokens", summary="The holder's API tokens (never the secrets)")
def list_tokens(holder: HolderDep, services: ServicesDep) -> list[dict[str, Any]]:
    with services.database.session() as session:
        rows = session.scalars(
            select(HolderToken)
            .where(HolderToken.holder_id == holder.holder_id)
            .order_by(HolderToken.id)
        )
        return [
            {
                "id": r.public_id,
                "name": r.name,
                "createdAt": r.created_at.isoformat(),
                "expiresAt": r.expires_at.isoformat() if r.expires_at else None,
                "revokedAt": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in rows
        ]


@router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def create_token(body: TokenIn, holder: HolderDep, services: ServicesDep) -> JSONResponse:
    wallet = wallet_of(services)
    with services.database.session() as session:
        expires = (
            services.clock() + timedelta(days=body.expires_in_days)
            if body.expires_in_days
            else None
        )
        created = wallet.accounts.create_token(
            session, wallet.holder(session, holder.holder_id), body.name, expires_at=expires
        )
    return JSONResponse(
        {"id": created.public_id, "token": created.token}, status_code=201, headers=NO_STORE
    )


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(token_id: PublicId, holder: HolderDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        row = session.scalar(
            select(HolderToken).where(
                HolderToken.public_id == token_id, HolderToken.holder_id == holder.holder_id
            )
        )
        if row is None:
            raise NotFoundError(f"no token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = services.clock()
    return Response(status_code=204)


@router.post("/totp", summary="Start TOTP enrolment: otpauth URI, QR code, recovery codes")
def totp_enrol(holder: HolderDep, services: ServicesDep) -> JSONResponse:
    wallet = wallet_of(services)
    with services.database.session() as session:
        enrolment = wallet.signin.enrol(session, wallet.holder(session, holder.holder_id))
    return JSONResponse(
        {
            "otpauthUri": enrolment.uri,
            "secret": enrolment.secret,
            "qrSvg": enrolment.qr_svg,
            "recoveryCodes": enrolment.recovery_codes,
        },
        headers=NO_STORE,
    )


@router.post("/totp/confirm", status_code=204, summary="Confirm TOTP enrolment with a code")
def totp_confirm(body: CodeIn, holder: HolderDep, services: ServicesDep) -> Response:
    wallet = wallet_of(services)
    with services.database.session() as session:
        wallet.signin.confirm(session, wallet.holder(session, holder.holder_id), body.code)
    return Response(status_code=204)


@router.post("/totp/remove", status_code=204, summary="Remove the second factor (password)")
def totp_remove(body: PasswordIn, holder: HolderDep, services: ServicesDep) -> Response:
    wallet = wallet_of(services)
    with services.database.session() as session:
        found = wallet.holder(session, holder.holder_id)
        wallet.accounts.check_password(session, found.email, body.password)
        wallet.signin.check_second_factor(session, found, body.code)
        wallet.signin.remove(session, found)
    return Response(status_code=204)


# ----------------------------------------------------------------------------- receiving


def _stored(services: Services, rows: list[WalletCredential]) -> list[dict[str, Any]]:
    with services.database.session() as session:
        tags = wallet_of(services).tags_of(session, [r.id for r in rows])
    return [credential_out(r, tags.get(r.id)) for r in rows]


@router.post(
    "/credentials/import",
    status_code=201,
    summary="Import a file: JSON-LD (OB 3.0, CLR 2.0), VC-JWT, SD-JWT VC, OB 2.0, baked PNG/SVG",
    responses={200: {"description": "already in the wallet"}},
)
def import_file(
    holder: HolderDep,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="the credential file")],
    insist: Annotated[bool, Form(description="keep it even if it does not verify")] = False,
) -> JSONResponse:
    data = _read_upload(file)
    return _import(services, holder.holder_id, data, "file", insist)


def _import(
    services: Services, holder_id: int, data: str | bytes, source: str, insist: bool
) -> JSONResponse:
    wallet = wallet_of(services)
    with services.database.session() as session:
        before = session.scalar(
            select(WalletCredential.id)
            .where(WalletCredential.holder_id == holder_id)
            .order_by(WalletCredential.id.desc())
        )
        row = wallet.store_received(session, holder_id, data, source=source, insist=insist)
        created = before is None or row.id > before
        out = credential_out(row, wallet.tags_of(session, [row.id])[row.id], full=True)
    return JSONResponse(out, status_code=201 if created else 200)


@router.post("/credentials", status_code=201, summary="Import a pasted credential (JSON or token)")
def import_document(body: DocumentIn, holder: HolderDep, services: ServicesDep) -> JSONResponse:
    import json

    document = (
        body.document
        if isinstance(body.document, str)
        else json.dumps(body.document, ensure_ascii=False)
    )
    return _import(services, holder.holder_id, document, "file", body.insist)


@router.post("/credentials/import-url", status_code=201, summary="Import a credential from a URL")
def import_url(body: UrlIn, holder: HolderDep, services: ServicesDep) -> JSONResponse:
    row = wallet_of(services).import_url(holder.holder_id, body.url, insist=body.insist)
    return JSONResponse(_stored(services, [row])[0], status_code=201)


@router.post(
    "/receive/oid4vci", status_code=201, summary="Claim an OpenID4VCI offer (pre-authorized code)"
)
def receive_oid4vci(body: OfferIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    rows = wallet_of(services).receive_offer(
        holder.holder_id, body.offer, body.tx_code, insist=body.insist
    )
    return {"credentials": _stored(services, rows)}


@router.post("/receive/exchange", status_code=201, summary="Answer a VC-API exchange (DIDAuth)")
def receive_exchange(body: ExchangeIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    rows = wallet_of(services).receive_exchange(holder.holder_id, body.url, insist=body.insist)
    return {"credentials": _stored(services, rows)}


# ----------------------------------------------------------------------------- keeping


@router.get("/credentials", summary="The holder's credentials (search, tag, collection)")
def list_credentials(
    holder: HolderDep,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    collection: Annotated[str | None, Query(max_length=64)] = None,
    verdict: Annotated[Literal["valid", "invalid", "indeterminate"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        rows, total = wallet.list_credentials(
            session,
            holder.holder_id,
            q=q,
            tag=tag,
            collection=collection,
            verdict=verdict,
            limit=limit,
            offset=offset,
        )
        tags = wallet.tags_of(session, [r.id for r in rows])
        return {"total": total, "credentials": [credential_out(r, tags[r.id]) for r in rows]}


@router.get("/credentials/{credential_id}", summary="One credential: document, report, tags")
def get_credential(
    credential_id: PublicId, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        row = wallet.credential(session, holder.holder_id, credential_id)
        return credential_out(row, wallet.tags_of(session, [row.id])[row.id], full=True)


@router.post("/credentials/{credential_id}/verify", summary="Verify again (status can change)")
def reverify(credential_id: PublicId, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        row = wallet.reverify(session, holder.holder_id, credential_id)
        return credential_out(row, wallet.tags_of(session, [row.id])[row.id], full=True)


@router.delete("/credentials/{credential_id}", status_code=204, summary="Remove a credential")
def delete_credential(
    credential_id: PublicId, holder: HolderDep, services: ServicesDep
) -> Response:
    with services.database.session() as session:
        wallet_of(services).delete_credential(session, holder.holder_id, credential_id)
    return Response(status_code=204)


@router.put("/credentials/{credential_id}/tags", summary="Set a credential's tags")
def set_tags(
    credential_id: PublicId, body: TagsIn, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    with services.database.session() as session:
        return {
            "tags": wallet_of(services).set_tags(
                session, holder.holder_id, credential_id, body.tags
            )
        }


@router.get("/tags", summary="The holder's tags and how many credentials carry each")
def list_tags(holder: HolderDep, services: ServicesDep) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [
            {"tag": t, "count": n}
            for t, n in wallet_of(services).all_tags(session, holder.holder_id)
        ]


@router.get("/collections", summary="The holder's collections")
def list_collections(holder: HolderDep, services: ServicesDep) -> list[dict[str, Any]]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        return [
            _collection_out(wallet, session, c)
            for c in wallet.collections(session, holder.holder_id)
        ]


@router.post("/collections", status_code=201, summary="Create a collection")
def create_collection(
    body: CollectionIn, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        row = wallet.create_collection(session, holder.holder_id, body.name, body.description)
        return _collection_out(wallet, session, row)


@router.get("/collections/{collection_id}", summary="A collection")
def get_collection(
    collection_id: PublicId, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        return _collection_out(
            wallet, session, wallet.collection(session, holder.holder_id, collection_id)
        )


@router.patch("/collections/{collection_id}", summary="Rename or describe a collection")
def update_collection(
    collection_id: PublicId, body: CollectionPatch, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        row = wallet.update_collection(
            session, holder.holder_id, collection_id, name=body.name, description=body.description
        )
        return _collection_out(wallet, session, row)


@router.delete(
    "/collections/{collection_id}",
    status_code=204,
    summary="Delete a collection (not its credentials)",
)
def delete_collection(
    collection_id: PublicId, holder: HolderDep, services: ServicesDep
) -> Response:
    with services.database.session() as session:
        wallet_of(services).delete_collection(session, holder.holder_id, collection_id)
    return Response(status_code=204)


@router.put(
    "/collections/{collection_id}/credentials/{credential_id}",
    summary="Add a credential to a collection",
)
def add_to_collection(
    collection_id: PublicId, credential_id: PublicId, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    wallet = wallet_of(services)
    with services.database.session() as session:
        wallet.add_to_collection(session, holder.holder_id, collection_id, credential_id)
        return _collection_out(
            wallet, session, wallet.collection(session, holder.holder_id, collection_id)
        )


@router.delete(
    "/collections/{collection_id}/credentials/{credential_id}",
    status_code=204,
    summary="Take a credential out of a collection",
)
def remove_from_collection(
    collection_id: PublicId, credential_id: PublicId, holder: HolderDep, services: ServicesDep
) -> Response:
    with services.database.session() as session:
        wallet_of(services).remove_from_collection(
            session, holder.holder_id, collection_id, credential_id
        )
    return Response(status_code=204)


@router.get("/entries", summary="Self-asserted entries (always unverified)")
def list_entries(
    holder: HolderDep,
    services: ServicesDep,
    kind: Annotated[Literal["skill", "experience", "education", "goal"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [entry_json(e) for e in wallet_of(services).entries(session, holder.holder_id, kind)]


@router.post(
    "/entries", status_code=201, summary="Add a self-asserted skill, experience, education or goal"
)
def create_entry(body: EntryIn, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        row = wallet_of(services).create_entry(
            session,
            holder.holder_id,
            kind=body.kind,
            title=body.title,
            description=body.description,
            organization=body.organization,
            start_date=body.start_date,
            end_date=body.end_date,
        )
        return entry_json(row)


@router.get("/entries/{entry_id}", summary="A self-asserted entry")
def get_entry(entry_id: PublicId, holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        return entry_json(wallet_of(services).entry(session, holder.holder_id, entry_id))


@router.patch("/entries/{entry_id}", summary="Change a self-asserted entry")
def update_entry(
    entry_id: PublicId, body: EntryPatch, holder: HolderDep, services: ServicesDep
) -> dict[str, Any]:
    with services.database.session() as session:
        row = wallet_of(services).update_entry(
            session,
            holder.holder_id,
            entry_id,
            kind=body.kind,
            title=body.title,
            description=body.description,
            organization=body.organization,
            start_date=body.start_date,
            end_date=body.end_date,
        )
        return entry_json(row)


@router.delete("/entries/{entry_id}", status_code=204, summary="Delete a self-asserted entry")
def delete_entry(entry_id: PublicId, holder: HolderDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        wallet_of(services).delete_entry(session, holder.holder_id, entry_id)
    return Response(status_code=204)


@router.get("/timeline", summary="Credentials and self-asserted entries by date, newest first")
def timeline(holder: HolderDep, services: ServicesDep) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return wallet_of(services).timeline(session, holder.holder_id)


# ------------------------------------------------------------- backup, export, erasure


@router.post(
    "/backup",
    summary="An encrypted backup archive (scrypt + AES-256-GCM) of the whole wallet",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def backup(body: PassphraseIn, holder: HolderDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        archive = wallet_of(services).backups.backup(session, holder.holder_id, body.passphrase)
    return Response(
        archive,
        media_type="application/json",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="lerkit-wallet.lwb"'},
    )


@router.post("/restore", summary="Restore a backup archive into this account")
def restore(
    holder: HolderDep,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="the backup archive")],
    passphrase: Annotated[str, Form(min_length=1, max_length=1000)],
) -> dict[str, Any]:
    data = _read_upload(file)
    with services.database.session() as session:
        return {
            "restored": wallet_of(services).backups.restore(
                session, holder.holder_id, data, passphrase
            )
        }


@router.get("/export", summary="Everything stored about the holder (JSON; secrets left out)")
def export(holder: HolderDep, services: ServicesDep) -> JSONResponse:
    with services.database.session() as session:
        data = wallet_of(services).backups.export(session, holder.holder_id)
    return JSONResponse(
        data,
        headers={
            **NO_STORE,
            "Content-Disposition": 'attachment; filename="lerkit-wallet-export.json"',
        },
    )


@router.post(
    "/account/delete",
    status_code=204,
    summary="Erase the account and all its data (password again)",
)
def delete_account(body: PasswordIn, holder: HolderDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        wallet_of(services).backups.erase(session, holder.holder_id, body.password, body.code)
    return Response(status_code=204)


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
    app.include_router(public_router)
    app.include_router(router)
    wallet_pages.install(app)
    if app.openapi_tags is not None and not any(t.get("name") == TAG for t in app.openapi_tags):
        app.openapi_tags.append(
            {"name": TAG, "description": "A holder's wallet: account, receiving, keeping, backups."}
        )


__all__ = ["InputError", "credential_out", "install", "wallet_of"]
