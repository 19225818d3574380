"""Encrypted backups, restore, export and erasure of a holder's wallet.

Backup archive (a JSON file, ``.lwb``)::

    {"format": "lerkit-wallet-backup", "version": 1,
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": b64url},
     "cipher": "A256GCM", "nonce": b64url, "ciphertext": b64url}

The key is scrypt(passphrase) (32 bytes), the cipher AES-256-GCM with the header (every
field but ``ciphertext``) as associated data, so nothing of it can be changed unnoticed.
The plaintext is the JSON of the holder's data: keys (private keys included — the archive
is what lets a holder move wallets), credentials exactly as received with their tags and
reports, collections, self-asserted entries and the consent ledger. It never holds the
password hash, sessions, tokens or the TOTP secret: a restore goes into an account the
holder already signed in to.

Restore is idempotent (credentials already kept, keys already held are skipped) and keeps
public ids when they are free, so links into the wallet survive a delete + restore.

Other areas keep holder-owned tables too (share links, résumés, ...): each registers a
:class:`BackupPart` with :meth:`Backups.register` (an exporter to JSON and an importer that
gets a :class:`RestoreContext` mapping the archive's credential and consent ids to the
restored ones). Their data goes under ``"areas": {name: ...}`` in the plaintext; a restore
runs the importers of the areas wired on this instance, and reports one count per name in
:attr:`BackupPart.counts` (0 when the archive has nothing of that area).

Export is the plain JSON of everything stored about the holder (every table with a
``holder_id``), secrets left out. Erasure deletes every row of every such table, then the
holder, after the password (and TOTP code) is given again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.db.models import Base
from lerkit.db.models_wallet import (
    ConsentRecord,
    Holder,
    HolderKey,
    WalletCollection,
    WalletCollectionItem,
    WalletCredential,
    WalletEntry,
    WalletTag,
)
from lerkit.services.errors import PermissionDeniedError, ValidationError
from lerkit.services.wallet.accounts import HOLDER_KEYSTORE_ORG
from lerkit.services.wallet.service import Wallet

FORMAT = "lerkit-wallet-backup"
_CORE_PARTS = ("holder", "keys", "credentials", "collections", "entries", "consents")
VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSPHRASE = 10
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
_SECRET_COLUMNS = {
    "password_hash",
    "secret_hash",
    "encrypted_private",
    "wrapped_data_key",
    "master_key_id",
    "encrypted_secret",
    "recovery_hashes",
    "token_hash",
    "code_hash",
    "client_secret_hash",
}


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code=ProblemCode.WALLET_BACKUP_INVALID)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise _invalid(f"a date in the archive is malformed: {value[:40]!r}") from exc


def _kdf(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def encrypt(plaintext: bytes, passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"the backup passphrase must have at least {MIN_PASSPHRASE} characters",
            [{"field": "passphrase"}],
        )
    salt, nonce = os.urandom(16), os.urandom(12)
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kdf": {
            "name": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": b64url_encode(salt),
        },
        "cipher": "A256GCM",
        "nonce": b64url_encode(nonce),
    }
    key = _kdf(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _header_bytes(header))
    return json.dumps({**header, "ciphertext": b64url_encode(ciphertext)}, indent=1).encode("ascii")


def decrypt(archive: bytes, passphrase: str) -> bytes:
    if len(archive) > MAX_ARCHIVE_BYTES:
        raise _invalid("the archive is too large")
    try:
        envelope = json.loads(archive.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid("this is not a lerkit wallet backup (not JSON)") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise _invalid("this is not a lerkit wallet backup")
    if envelope.get("version") != VERSION or envelope.get("cipher") != "A256GCM":
        raise _invalid("this backup's version or cipher is not supported")
    kdf = envelope.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise _invalid("the backup's key derivation is not supported")
    try:
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if not (2**10 <= n <= 2**20 and 1 <= r <= 16 and 1 <= p <= 4):
            raise _invalid("the backup's scrypt parameters are out of range")
        salt = b64url_decode(str(kdf["salt"]))
        nonce = b64url_decode(str(envelope["nonce"]))
        ciphertext = b64url_decode(str(envelope["ciphertext"]))
    except (KeyError, TypeError, ValueError, LerkitError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise _invalid("the backup's header is malformed") from exc
    header = {k: v for k, v in envelope.items() if k != "ciphertext"}
    try:
        return AESGCM(_kdf(passphrase, salt, n, r, p)).decrypt(
            nonce, ciphertext, _header_bytes(header)
        )
    except (InvalidTag, ValueError) as exc:
        raise _invalid("wrong passphrase, or the backup was changed") from exc


@dataclass
class RestoreContext:
    """What an area's importer needs to relink its rows to the restored wallet."""

    holder_id: int
    now: datetime
    credentials: dict[str, WalletCredential]  # the archive's credential public id -> row
    consents: dict[str, str]  # the archive's consent public id -> restored public id
    free: Callable[[Session, Any, Any], str]  # (session, model, wanted public id) -> free id

    def credential(self, public_id: Any) -> WalletCredential | None:
        return self.credentials.get(str(public_id))

    def consent_id(self, public_id: Any) -> str:
        return self.consents.get(str(public_id), str(public_id or ""))[:32]


@dataclass(frozen=True)
class BackupPart:
    """An area's share of the backup: ``export(session, holder_id)`` gives JSON;
    ``restore(session, data, context)`` puts it back (idempotently) and returns how many
    rows of each kind it added (the names in ``counts``)."""

    name: str
    export: Callable[[Session, int], Any]
    restore: Callable[[Session, Any, RestoreContext], dict[str, int]]
    counts: tuple[str, ...] = field(default=())


class Backups:
    def __init__(self, wallet: Wallet) -> None:
        self._wallet = wallet
        self._parts: dict[str, BackupPart] = {}

    def register(self, part: BackupPart) -> None:
        """Add an area's tables to backups and restores (once per name)."""
        if part.name in self._parts or part.name in _CORE_PARTS:
            raise ValueError(f"backup part {part.name!r} is already registered")
        self._parts[part.name] = part

    # ------------------------------------------------------------------ backup
    def backup(self, session: Session, holder_id: int, passphrase: str) -> bytes:
        return encrypt(json.dumps(self.snapshot(session, holder_id)).encode("utf-8"), passphrase)

    def snapshot(self, session: Session, holder_id: int) -> dict[str, Any]:
        wallet = self._wallet
        holder = wallet.holder(session, holder_id)
        keys = []
        for row in wallet.keys(session, holder_id):
            private, _vm = wallet.accounts.signer(session, holder_id, row.did)
            keys.append(
                {
                    "publicId": row.public_id,
                    "did": row.did,
                    "verificationMethod": row.verification_method,
                    "keyType": row.key_type,
                    "publicMultikey": row.public_multikey,
                    "isDefault": row.is_default,
                    "createdAt": _when(row.created_at),
                    "secret": b64url_encode(private.secret_bytes),
                }
            )
        credentials = list(
            session.scalars(
                select(WalletCredential)
                .where(WalletCredential.holder_id == holder_id)
                .order_by(WalletCredential.id)
            )
        )
        tags = wallet.tags_of(session, [c.id for c in credentials])
        by_id = {c.id: c.public_id for c in credentials}
        collections = []
        for collection in wallet.collections(session, holder_id):
            items = session.scalars(
                select(WalletCollectionItem.credential_id)
                .where(WalletCollectionItem.collection_id == collection.id)
                .order_by(WalletCollectionItem.id)
            )
            collections.append(
                {
                    "publicId": collection.public_id,
                    "name": collection.name,
                    "description": collection.description,
                    "createdAt": _when(collection.created_at),
                    "credentials": [by_id[i] for i in items if i in by_id],
                }
            )
        consents = session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.holder_id == holder_id)
            .order_by(ConsentRecord.id)
        )
        return {
            "format": FORMAT + "+json",
            "version": VERSION,
            "holder": {
                "publicId": holder.public_id,
                "email": holder.email,
                "displayName": holder.display_name,
                "lang": holder.lang,
                "createdAt": _when(holder.created_at),
            },
            "keys": keys,
            "credentials": [
                {
                    "publicId": c.public_id,
                    "format": c.format,
                    "document": c.document,
                    "credentialId": c.credential_id,
                    "source": c.source,
                    "summary": c.summary,
                    "verdict": c.verdict,
                    "report": c.report,
                    "verifiedAt": _when(c.verified_at),
                    "receivedAt": _when(c.received_at),
                    "tags": tags.get(c.id, []),
                }
                for c in credentials
            ],
            "collections": collections,
            "entries": [
                {
                    "publicId": e.public_id,
                    "kind": e.kind,
                    "title": e.title,
                    "description": e.description,
                    "organization": e.organization,
                    "startDate": e.start_date,
                    "endDate": e.end_date,
                    "createdAt": _when(e.created_at),
                }
                for e in wallet.entries(session, holder_id)
            ],
            "consents": [
                {
                    "publicId": r.public_id,
                    "kind": r.kind,
                    "recipient": r.recipient,
                    "purpose": r.purpose,
                    "disclosed": r.disclosed,
                    "reference": r.reference,
                    "ongoing": r.ongoing,
                    "createdAt": _when(r.created_at),
                    "withdrawnAt": _when(r.withdrawn_at),
                }
                for r in consents
            ],
            "areas": {name: part.export(session, holder_id) for name, part in self._parts.items()},
        }

    # ------------------------------------------------------------------ restore
    def restore(
        self, session: Session, holder_id: int, archive: bytes, passphrase: str
    ) -> dict[str, int]:
        plaintext = decrypt(archive, passphrase)
        try:
            data = json.loads(plaintext)
        except ValueError as exc:
            raise _invalid("the backup's content is not JSON") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT + "+json":
            raise _invalid("the backup's content is not a lerkit wallet")
        try:
            return self._restore(session, holder_id, data)
        except (KeyError, TypeError, ValueError, AttributeError, LerkitError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise _invalid(f"the backup's content is malformed: {type(exc).__name__}") from exc

    def _free(self, session: Session, model: Any, public_id: Any) -> str:
        if (
            isinstance(public_id, str)
            and 0 < len(public_id) <= 32
            and session.scalar(select(model.id).where(model.public_id == public_id)) is None
        ):
            return public_id
        return self._wallet._entropy(16).hex()

    def _restore(self, session: Session, holder_id: int, data: dict[str, Any]) -> dict[str, int]:
        wallet = self._wallet
        holder = wallet.holder(session, holder_id)
        now = wallet._clock()
        counts = {"keys": 0, "credentials": 0, "collections": 0, "entries": 0, "consents": 0}
        held = {k.did for k in wallet.keys(session, holder_id)}
        for item in data["keys"]:
            secret = b64url_decode(item["secret"])
            key_type = KeyType(item["keyType"])
            private = PrivateKey.from_secret(key_type, secret)
            if private.public_key.multikey != item["publicMultikey"]:
                raise _invalid("a key in the backup does not match its public key")
            if item["did"] in held:
                continue
            public_id = self._free(session, HolderKey, item.get("publicId"))
            sealed = wallet.accounts._keystore.seal(
                HOLDER_KEYSTORE_ORG, f"holder/{holder.public_id}/{public_id}", secret
            )
            if item.get("isDefault"):
                for other in session.scalars(
                    select(HolderKey).where(HolderKey.holder_id == holder_id)
                ):
                    other.is_default = False
            session.add(
                HolderKey(
                    holder_id=holder_id,
                    public_id=public_id,
                    did=str(item["did"]),
                    verification_method=str(item["verificationMethod"]),
                    key_type=key_type.value,
                    public_multikey=private.public_key.multikey,
                    encrypted_private=sealed.encrypted_private,
                    wrapped_data_key=sealed.wrapped_data_key,
                    master_key_id=sealed.master_key_id,
                    is_default=bool(item.get("isDefault")),
                    created_at=_parse_when(item.get("createdAt")) or now,
                )
            )
            session.flush()
            held.add(item["did"])
            counts["keys"] += 1
        credential_rows: dict[str, WalletCredential] = {}
        for item in data["credentials"]:
            document = str(item["document"])
            digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
            row = session.scalar(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder_id, WalletCredential.content_hash == digest
                )
            )
            if row is None:
                row = WalletCredential(
                    holder_id=holder_id,
                    public_id=self._free(session, WalletCredential, item.get("publicId")),
                    format=str(item["format"])[:16],
                    document=document,
                    content_hash=digest,
                    credential_id=item.get("credentialId"),
                    source=str(item.get("source") or "restore")[:32],
                    summary=dict(item.get("summary") or {}),
                    verdict=str(item.get("verdict") or "indeterminate")[:24],
                    report=dict(item.get("report") or {}),
                    verified_at=_parse_when(item.get("verifiedAt")) or now,
                    received_at=_parse_when(item.get("receivedAt")) or now,
                )
                session.add(row)
                session.flush()
                counts["credentials"] += 1
            credential_rows[str(item.get("publicId"))] = row
            existing = set(wallet.tags_of(session, [row.id])[row.id])
            for tag in item.get("tags") or []:
                if isinstance(tag, str) and tag not in existing:
                    session.add(WalletTag(holder_id=holder_id, credential_id=row.id, tag=tag[:64]))
                    existing.add(tag)
        session.flush()
        for item in data["collections"]:
            collection = session.scalar(
                select(WalletCollection).where(
                    WalletCollection.holder_id == holder_id, WalletCollection.name == item["name"]
                )
            )
            if collection is None:
                collection = WalletCollection(
                    holder_id=holder_id,
                    public_id=self._free(session, WalletCollection, item.get("publicId")),
                    name=str(item["name"])[:200],
                    description=str(item.get("description") or ""),
                    created_at=_parse_when(item.get("createdAt")) or now,
                )
                session.add(collection)
                session.flush()
                counts["collections"] += 1
            for old in item.get("credentials") or []:
                found = credential_rows.get(str(old))
                if found is not None and not session.scalar(
                    select(WalletCollectionItem.id).where(
                        WalletCollectionItem.collection_id == collection.id,
                        WalletCollectionItem.credential_id == found.id,
                    )
                ):
                    session.add(
                        WalletCollectionItem(
                            holder_id=holder_id, collection_id=collection.id, credential_id=found.id
                        )
                    )
                    session.flush()
        for item in data["entries"]:
            if session.scalar(
                select(WalletEntry.id).where(
                    WalletEntry.holder_id == holder_id,
                    (WalletEntry.public_id == str(item.get("publicId") or ""))
                    | (
                        (WalletEntry.kind == str(item["kind"])[:16])
                        & (WalletEntry.title == str(item["title"])[:300])
                        & (WalletEntry.created_at == _parse_when(item.get("createdAt")))
                    ),
                )
            ):
                continue
            session.add(
                WalletEntry(
                    holder_id=holder_id,
                    public_id=self._free(session, WalletEntry, item.get("publicId")),
                    kind=str(item["kind"])[:16],
                    title=str(item["title"])[:300],
                    description=str(item.get("description") or ""),
                    organization=str(item.get("organization") or "")[:300],
                    start_date=item.get("startDate"),
                    end_date=item.get("endDate"),
                    created_at=_parse_when(item.get("createdAt")) or now,
                )
            )
            counts["entries"] += 1
        renamed = {old: row.public_id for old, row in credential_rows.items()}
        consent_ids: dict[str, str] = {}
        for item in data["consents"]:
            # already here: the same id, or (restored before under a new id) the same entry
            already = session.scalar(
                select(ConsentRecord.public_id).where(
                    ConsentRecord.holder_id == holder_id,
                    (ConsentRecord.public_id == str(item.get("publicId") or ""))
                    | (
                        (ConsentRecord.kind == str(item["kind"])[:32])
                        & (ConsentRecord.recipient == str(item["recipient"])[:500])
                        & (ConsentRecord.created_at == _parse_when(item.get("createdAt")))
                    ),
                )
            )
            if already is not None:
                consent_ids[str(item.get("publicId"))] = already
                continue
            disclosed = []
            for part in item.get("disclosed") or []:
                if isinstance(part, dict) and isinstance(part.get("credential"), str):
                    part = {
                        **part,
                        "credential": renamed.get(part["credential"], part["credential"]),
                    }
                disclosed.append(part)
            consent_public_id = self._free(session, ConsentRecord, item.get("publicId"))
            consent_ids[str(item.get("publicId"))] = consent_public_id
            session.add(
                ConsentRecord(
                    holder_id=holder_id,
                    public_id=consent_public_id,
                    kind=str(item["kind"])[:32],
                    recipient=str(item["recipient"])[:500],
                    purpose=str(item.get("purpose") or "")[:500],
                    disclosed=disclosed,
                    reference=item.get("reference"),
                    ongoing=bool(item.get("ongoing")),
                    created_at=_parse_when(item.get("createdAt")) or now,
                    withdrawn_at=_parse_when(item.get("withdrawnAt")),
                )
            )
            counts["consents"] += 1
        session.flush()
        context = RestoreContext(holder_id, now, credential_rows, consent_ids, self._free)
        areas = data.get("areas") or {}
        if not isinstance(areas, dict):
            raise _invalid("the backup's areas are malformed")
        for name, part in self._parts.items():
            counts.update(dict.fromkeys(part.counts, 0))
            if areas.get(name) is not None:
                counts.update(part.restore(session, areas[name], context))
                session.flush()
        return counts

    # ------------------------------------------------------------------ export, erasure
    def export(self, session: Session, holder_id: int) -> dict[str, Any]:
        """Everything stored about the holder, table by table (secrets left out), plus the
        wallet's own readable view (credentials as received, entries marked unverified)."""
        holder = self._wallet.holder(session, holder_id)
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            if "holder_id" not in table.c:
                continue
            rows = session.execute(
                select(table)
                .where(table.c.holder_id == holder_id)
                .order_by(*table.primary_key.columns)
            ).mappings()
            tables[table.name] = [
                {k: _plain(v) for k, v in row.items() if k not in _SECRET_COLUMNS} for row in rows
            ]
        return {
            "format": "lerkit-wallet-export",
            "exportedAt": self._wallet._clock().isoformat(),
            "holder": {
                "publicId": holder.public_id,
                "email": holder.email,
                "displayName": holder.display_name,
                "lang": holder.lang,
                "createdAt": _when(holder.created_at),
            },
            "note": "self-asserted entries (wallet_entries) are the holder's own words: unverified",
            "tables": tables,
        }

    def erase(
        self, session: Session, holder_id: int, password: str, code: str | None = None
    ) -> None:
        """Delete the holder and every row of theirs in every table (right to erasure),
        once the password (and the second factor, if any) is given again."""
        wallet = self._wallet
        holder = wallet.holder(session, holder_id)
        try:
            wallet.accounts.check_password(session, holder.email, password or "")
        except LerkitError as exc:
            raise PermissionDeniedError(
                "to delete the account, give your password again",
                ProblemCode.WALLET_CONFIRMATION_REQUIRED,
            ) from exc
        try:
            wallet.signin.check_second_factor(session, holder, code)
        except LerkitError as exc:
            raise PermissionDeniedError(
                "to delete the account, give your authenticator code too",
                ProblemCode.WALLET_CONFIRMATION_REQUIRED,
            ) from exc
        for table in reversed(Base.metadata.sorted_tables):
            if "holder_id" in table.c and table.name != Holder.__tablename__:
                session.execute(table.delete().where(table.c.holder_id == holder_id))
        session.execute(delete(Holder).where(Holder.id == holder_id))
        session.expunge_all()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
