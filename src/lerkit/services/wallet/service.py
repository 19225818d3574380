"""The holder's wallet (``services.wallet``): receive, verify, keep, organize.

Contract other areas rely on:

- :meth:`Wallet.store_received` detects the format, verifies, summarizes and stores a
  document exactly as received (idempotent per holder: the same bytes return the same row);
- :meth:`Wallet.credential` (NotFoundError unless it is this holder's);
- :meth:`Wallet.reverify` (status can change).

Policy for what does not verify: a credential with warnings or that could not be fully
checked (``indeterminate``) is kept, and the report says why; an ``invalid`` one (a check
failed) is refused with ``wallet.credential_invalid`` unless the holder insists
(``insist=True``), and then it is kept with its verdict ``invalid`` shown everywhere.

Every method that takes a ``Session`` works in the caller's unit of work; the receiving
flows (:meth:`receive_offer`, :meth:`receive_exchange`, :meth:`import_url`) open their own,
so that no transaction is open while remote servers answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lerkit.core.dids.base import DidResolver
from lerkit.core.errors import ProblemCode
from lerkit.core.keys import KeyType
from lerkit.core.report import CheckStatus, Verdict, VerificationReport
from lerkit.core.types import JsonObject
from lerkit.db.models_wallet import (
    Holder,
    HolderKey,
    WalletCollection,
    WalletCollectionItem,
    WalletCredential,
    WalletEntry,
    WalletTag,
)
from lerkit.db.session import Database
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.verification import Verifier
from lerkit.services.wallet.accounts import HolderAccounts
from lerkit.services.wallet.consent import ConsentLedger
from lerkit.services.wallet.documents import (
    OB2,
    Received,
    credential_json,
    detect,
    search_text,
    summarize,
)
from lerkit.services.wallet.http import WalletHttp
from lerkit.services.wallet.receive import ExchangeClient, HolderSigner, Oid4vciClient
from lerkit.services.wallet.signin import SignIn
from lerkit.services.wallet.verifying import FetchJson, verify_received

if TYPE_CHECKING:
    from lerkit.services.wallet.backup import Backups

SOURCES = ("oid4vci", "exchange", "file", "url", "ob3-api", "issued-here", "restore")
ENTRY_KINDS = ("skill", "experience", "education", "goal")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_TAG = re.compile(r"^[^\x00-\x1f]{1,64}$")
MAX_TAGS = 30
SELF_ASSERTED = {"verified": False, "selfAsserted": True}


class CredentialInvalid(ValidationError):
    def __init__(self, report: VerificationReport) -> None:
        failed = [c for c in report.checks if c.status is CheckStatus.FAIL]
        words = "; ".join(c.message for c in failed[:3]) or "a check failed"
        super().__init__(
            f"the credential does not verify ({words}); it was not kept — import it again "
            "with insist to keep it anyway, marked invalid",
            [
                {"check": str(c.check), "code": str(c.code or ""), "message": c.message}
                for c in failed
            ],
            code=ProblemCode.WALLET_CREDENTIAL_INVALID,
        )


def _warnings(report: VerificationReport) -> list[JsonObject]:
    return [
        {
            "check": str(c.check),
            "status": str(c.status),
            "code": str(c.code or ""),
            "message": c.message,
        }
        for c in report.checks
        if c.status in (CheckStatus.WARNING, CheckStatus.COULD_NOT_CHECK, CheckStatus.FAIL)
    ]


class Wallet:
    backups: Backups  # set by the composition root (it needs the wallet)

    def __init__(
        self,
        *,
        database: Database,
        accounts: HolderAccounts,
        consent: ConsentLedger,
        signin: SignIn,
        clock: Clock,
        entropy: Entropy,
        verifier: Callable[[], Verifier],
        resolver: Callable[[], DidResolver],
        fetch_json: FetchJson,
        http: WalletHttp,
    ) -> None:
        self.database = database
        self.accounts = accounts
        self.consent = consent
        self.signin = signin
        self._clock = clock
        self._entropy = entropy
        self._verifier = verifier
        self._resolver = resolver
        self._fetch_json = fetch_json
        self.http = http

    # ------------------------------------------------------------------ holders
    def holder(self, session: Session, holder_id: int) -> Holder:
        holder = session.get(Holder, holder_id)
        if holder is None:
            raise NotFoundError("no such holder")
        return holder

    def keys(self, session: Session, holder_id: int) -> list[HolderKey]:
        return list(
            session.scalars(
                select(HolderKey).where(HolderKey.holder_id == holder_id).order_by(HolderKey.id)
            )
        )

    def key_of_type(self, session: Session, holder_id: int, key_type: KeyType) -> HolderKey:
        """The holder's key of this type (the default one first), created when missing."""
        rows = [k for k in self.keys(session, holder_id) if k.key_type == key_type.value]
        if rows:
            rows.sort(key=lambda k: not k.is_default)
            return rows[0]
        return self.accounts.add_key(session, self.holder(session, holder_id), key_type)

    def holder_signer(self, session: Session, holder_id: int, key_type: KeyType) -> HolderSigner:
        row = self.key_of_type(session, holder_id, key_type)
        key, vm = self.accounts.signer(session, holder_id, row.did)
        return HolderSigner(key, vm)

    # ------------------------------------------------------------------ receive + verify
    def _verify(self, received: Received) -> VerificationReport:
        return verify_received(
            received,
            verifier=self._verifier(),
            resolver=self._resolver(),
            fetch_json=self._fetch_json,
            now=self._clock(),
        )

    def store_received(
        self,
        session: Session,
        holder_id: int,
        document: str | bytes,
        *,
        source: str,
        insist: bool = False,
    ) -> WalletCredential:
        """Detect, verify, summarize and keep ``document`` (the same document again returns
        the row already kept). InputError when it is not a credential; CredentialInvalid
        when it does not verify and ``insist`` is not set."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        received = detect(document)
        existing = session.scalar(
            select(WalletCredential).where(
                WalletCredential.holder_id == holder_id,
                WalletCredential.content_hash == received.content_hash,
            )
        )
        if existing is not None:
            return existing
        report = self._verify(received)
        if report.verdict is Verdict.INVALID and not insist:
            raise CredentialInvalid(report)
        row = WalletCredential(
            holder_id=holder_id,
            public_id=self._entropy(16).hex(),
            format=received.format,
            document=received.text,
            content_hash=received.content_hash,
            credential_id=_credential_id(received),
            source=source,
            summary=self._summary(received, report, insist),
            verdict=str(report.verdict),
            report=report.to_json(),
            verified_at=self._clock(),
            received_at=self._clock(),
        )
        session.add(row)
        session.flush()
        return row

    def _summary(self, received: Received, report: VerificationReport, insist: bool) -> JsonObject:
        verified = report.verdict is Verdict.VALID or (
            report.verdict is Verdict.INDETERMINATE
            and not any(
                c.status is CheckStatus.COULD_NOT_CHECK and str(c.check) in ("proof", "issuer")
                for c in report.checks
            )
        )
        if received.format == OB2 and report.document:  # badge and issuer fetched
            received = Received(
                OB2, received.text, report.document, received.media, received.hosted_url
            )
        summary = summarize(received, issuer_verified=verified)
        summary["warnings"] = _warnings(report)
        if insist and report.verdict is Verdict.INVALID:
            summary["keptInvalid"] = True
        return summary

    def credential(self, session: Session, holder_id: int, public_id: str) -> WalletCredential:
        row = session.scalar(
            select(WalletCredential).where(
                WalletCredential.public_id == public_id, WalletCredential.holder_id == holder_id
            )
        )
        if row is None:
            raise NotFoundError(f"no credential {public_id} in this wallet")
        return row

    def reverify(self, session: Session, holder_id: int, public_id: str) -> WalletCredential:
        """Verify again (status, keys and validity can change) and keep the new report."""
        row = self.credential(session, holder_id, public_id)
        received = received_of(row)
        report = self._verify(received)
        row.verdict = str(report.verdict)
        row.report = report.to_json()
        row.verified_at = self._clock()
        row.summary = self._summary(received, report, bool(row.summary.get("keptInvalid")))
        return row

    def delete_credential(self, session: Session, holder_id: int, public_id: str) -> None:
        row = self.credential(session, holder_id, public_id)
        session.delete(row)

    def document_json(self, row: WalletCredential) -> JsonObject | str:
        """The credential as verifiers and presentations take it (JSON object or token)."""
        return received_of(row).value

    def credential_json(self, row: WalletCredential) -> JsonObject:
        """The decoded credential (JWT payloads and SD-JWT claims decoded, not verified)."""
        return credential_json(received_of(row))

    def import_url(self, holder_id: int, url: str, *, insist: bool = False) -> WalletCredential:
        """Fetch a credential (JSON, token or baked image) through the bounded fetcher."""
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ValidationError("url must be an https URL", [{"field": "url"}])
        response = self.http.request("GET", url, headers={"Accept": "application/json, */*"})
        if response.status != 200:
            raise ValidationError(
                f"GET {url} answered HTTP {response.status}",
                [{"field": "url"}],
                code=ProblemCode.FETCH_FAILED,
            )
        with self.database.session() as session:
            return self.store_received(
                session, holder_id, response.body, source="url", insist=insist
            )

    def receive_offer(
        self, holder_id: int, offer_url: str, tx_code: str | None = None, *, insist: bool = False
    ) -> list[WalletCredential]:
        """Claim an OpenID4VCI offer with the holder's key and keep what it gives."""
        with self.database.session() as session:
            signers = {
                kt: self.holder_signer(session, holder_id, kt)
                for kt in (KeyType.ED25519, KeyType.P256)
            }
        items = Oid4vciClient(self.http, lambda: self._clock().timestamp()).receive(
            offer_url, tx_code, signers.__getitem__
        )
        return self._store_all(holder_id, [i.document() for i in items], "oid4vci", insist)

    def receive_exchange(
        self, holder_id: int, url: str, *, insist: bool = False
    ) -> list[WalletCredential]:
        """Answer a VC-API exchange (DIDAuthentication) and keep its credentials."""
        with self.database.session() as session:
            signer = self.holder_signer(session, holder_id, KeyType.ED25519)
        items = ExchangeClient(self.http).receive(url, signer, self._clock())
        return self._store_all(holder_id, [i.document() for i in items], "exchange", insist)

    def _store_all(
        self, holder_id: int, documents: Sequence[str], source: str, insist: bool
    ) -> list[WalletCredential]:
        with self.database.session() as session:
            return [
                self.store_received(session, holder_id, d, source=source, insist=insist)
                for d in documents
            ]

    # ------------------------------------------------------------------ listing, search
    def list_credentials(
        self,
        session: Session,
        holder_id: int,
        *,
        q: str | None = None,
        tag: str | None = None,
        collection: str | None = None,
        verdict: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[WalletCredential], int]:
        query = select(WalletCredential).where(WalletCredential.holder_id == holder_id)
        if tag:
            query = query.where(
                WalletCredential.id.in_(
                    select(WalletTag.credential_id).where(
                        WalletTag.holder_id == holder_id, WalletTag.tag == _norm_tag(tag)
                    )
                )
            )
        if collection:
            found = self.collection(session, holder_id, collection)
            query = query.where(
                WalletCredential.id.in_(
                    select(WalletCollectionItem.credential_id).where(
                        WalletCollectionItem.collection_id == found.id
                    )
                )
            )
        if verdict:
            query = query.where(WalletCredential.verdict == verdict)
        rows = list(
            session.scalars(
                query.order_by(WalletCredential.received_at.desc(), WalletCredential.id.desc())
            )
        )
        if q:
            words = [w for w in q.lower().split() if w][:10]
            rows = [r for r in rows if all(w in search_text(r.summary) for w in words)]
        return rows[offset : offset + limit], len(rows)

    def tags_of(self, session: Session, credential_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in credential_ids}
        if not credential_ids:
            return out
        for row in session.scalars(
            select(WalletTag)
            .where(WalletTag.credential_id.in_(list(credential_ids)))
            .order_by(WalletTag.tag)
        ):
            out[row.credential_id].append(row.tag)
        return out

    def all_tags(self, session: Session, holder_id: int) -> list[tuple[str, int]]:
        rows = session.execute(
            select(WalletTag.tag, func.count())
            .where(WalletTag.holder_id == holder_id)
            .group_by(WalletTag.tag)
            .order_by(WalletTag.tag)
        )
        return [(tag, count) for tag, count in rows]

    def set_tags(
        self, session: Session, holder_id: int, public_id: str, tags: Sequence[str]
    ) -> list[str]:
        row = self.credential(session, holder_id, public_id)
        wanted: list[str] = []
        for tag in tags:
            normal = _norm_tag(tag)
            if not _TAG.match(normal):
                raise ValidationError(
                    "a tag has 1 to 64 characters", [{"field": "tags", "message": repr(tag)[:80]}]
                )
            if normal not in wanted:
                wanted.append(normal)
        if len(wanted) > MAX_TAGS:
            raise ValidationError(f"at most {MAX_TAGS} tags", [{"field": "tags"}])
        session.execute(delete(WalletTag).where(WalletTag.credential_id == row.id))
        for tag in wanted:
            session.add(WalletTag(holder_id=holder_id, credential_id=row.id, tag=tag))
        session.flush()
        return sorted(wanted)

    # ------------------------------------------------------------------ collections
    def collections(self, session: Session, holder_id: int) -> list[WalletCollection]:
        return list(
            session.scalars(
                select(WalletCollection)
                .where(WalletCollection.holder_id == holder_id)
                .order_by(WalletCollection.name)
            )
        )

    def collection(self, session: Session, holder_id: int, public_id: str) -> WalletCollection:
        row = session.scalar(
            select(WalletCollection).where(
                WalletCollection.public_id == public_id, WalletCollection.holder_id == holder_id
            )
        )
        if row is None:
            raise NotFoundError(f"no collection {public_id} in this wallet")
        return row

    def create_collection(
        self, session: Session, holder_id: int, name: str, description: str = ""
    ) -> WalletCollection:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationError(
                "a collection needs a name (1-200 characters)", [{"field": "name"}]
            )
        if session.scalar(
            select(WalletCollection.id).where(
                WalletCollection.holder_id == holder_id, WalletCollection.name == name
            )
        ):
            raise ConflictError(f"a collection named {name!r} exists")
        row = WalletCollection(
            holder_id=holder_id,
            public_id=self._entropy(16).hex(),
            name=name,
            description=description[:5000],
            created_at=self._clock(),
        )
        session.add(row)
        session.flush()
        return row

    def update_collection(
        self,
        session: Session,
        holder_id: int,
        public_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> WalletCollection:
        row = self.collection(session, holder_id, public_id)
        if name is not None:
            name = name.strip()
            if not name or len(name) > 200:
                raise ValidationError(
                    "a collection needs a name (1-200 characters)", [{"field": "name"}]
                )
            clash = session.scalar(
                select(WalletCollection.id).where(
                    WalletCollection.holder_id == holder_id,
                    WalletCollection.name == name,
                    WalletCollection.id != row.id,
                )
            )
            if clash:
                raise ConflictError(f"a collection named {name!r} exists")
            row.name = name
        if description is not None:
            row.description = description[:5000]
        return row

    def delete_collection(self, session: Session, holder_id: int, public_id: str) -> None:
        session.delete(self.collection(session, holder_id, public_id))

    def collection_items(
        self, session: Session, collection: WalletCollection
    ) -> list[WalletCredential]:
        return list(
            session.scalars(
                select(WalletCredential)
                .join(
                    WalletCollectionItem, WalletCollectionItem.credential_id == WalletCredential.id
                )
                .where(WalletCollectionItem.collection_id == collection.id)
                .order_by(WalletCollectionItem.id)
            )
        )

    def add_to_collection(
        self, session: Session, holder_id: int, public_id: str, credential_public_id: str
    ) -> None:
        collection = self.collection(session, holder_id, public_id)
        credential = self.credential(session, holder_id, credential_public_id)
        if session.scalar(
            select(WalletCollectionItem.id).where(
                WalletCollectionItem.collection_id == collection.id,
                WalletCollectionItem.credential_id == credential.id,
            )
        ):
            return
        session.add(
            WalletCollectionItem(
                holder_id=holder_id, collection_id=collection.id, credential_id=credential.id
            )
        )
        session.flush()

    def remove_from_collection(
        self, session: Session, holder_id: int, public_id: str, credential_public_id: str
    ) -> None:
        collection = self.collection(session, holder_id, public_id)
        credential = self.credential(session, holder_id, credential_public_id)
        session.execute(
            delete(WalletCollectionItem).where(
                WalletCollectionItem.collection_id == collection.id,
                WalletCollectionItem.credential_id == credential.id,
            )
        )

    # ------------------------------------------------------------------ self-asserted entries
    def entries(
        self, session: Session, holder_id: int, kind: str | None = None
    ) -> list[WalletEntry]:
        query = select(WalletEntry).where(WalletEntry.holder_id == holder_id)
        if kind:
            query = query.where(WalletEntry.kind == kind)
        return list(session.scalars(query.order_by(WalletEntry.created_at, WalletEntry.id)))

    def entry(self, session: Session, holder_id: int, public_id: str) -> WalletEntry:
        row = session.scalar(
            select(WalletEntry).where(
                WalletEntry.public_id == public_id, WalletEntry.holder_id == holder_id
            )
        )
        if row is None:
            raise NotFoundError(f"no entry {public_id} in this wallet")
        return row

    def create_entry(
        self,
        session: Session,
        holder_id: int,
        *,
        kind: str,
        title: str,
        description: str = "",
        organization: str = "",
        start_date: str | None = None,
        end_date: str | None = None,
    ) -> WalletEntry:
        row = WalletEntry(
            holder_id=holder_id,
            public_id=self._entropy(16).hex(),
            created_at=self._clock(),
            kind="skill",
            title="",
        )
        self._fill_entry(row, kind, title, description, organization, start_date, end_date)
        session.add(row)
        session.flush()
        return row

    def update_entry(
        self, session: Session, holder_id: int, public_id: str, **changes: Any
    ) -> WalletEntry:
        row = self.entry(session, holder_id, public_id)
        current = entry_json(row)
        merged = {
            "kind": current["kind"],
            "title": current["title"],
            "description": current["description"],
            "organization": current["organization"],
            "start_date": current["startDate"],
            "end_date": current["endDate"],
        }
        merged.update({k: v for k, v in changes.items() if v is not None})
        self._fill_entry(row, **merged)
        return row

    @staticmethod
    def _fill_entry(
        row: WalletEntry,
        kind: str,
        title: str,
        description: str,
        organization: str,
        start_date: str | None,
        end_date: str | None,
    ) -> None:
        errors = []
        if kind not in ENTRY_KINDS:
            errors.append({"field": "kind", "message": f"one of {', '.join(ENTRY_KINDS)}"})
        if not title.strip() or len(title) > 300:
            errors.append({"field": "title", "message": "1 to 300 characters"})
        for name, value in (("startDate", start_date), ("endDate", end_date)):
            if value and not _is_date(value):
                errors.append({"field": name, "message": "YYYY, YYYY-MM or YYYY-MM-DD"})
        if start_date and end_date and not errors and end_date < start_date:
            errors.append({"field": "endDate", "message": "before startDate"})
        if errors:
            raise ValidationError("the entry is not valid", errors)
        row.kind = kind
        row.title = title.strip()
        row.description = description[:10000]
        row.organization = organization[:300]
        row.start_date = start_date or None
        row.end_date = end_date or None

    def delete_entry(self, session: Session, holder_id: int, public_id: str) -> None:
        session.delete(self.entry(session, holder_id, public_id))

    def timeline(self, session: Session, holder_id: int) -> list[JsonObject]:
        """Credentials (by their validFrom, else when received) and self-asserted entries
        (by their start date), newest first; entries are marked unverified."""
        items: list[JsonObject] = []
        for row in session.scalars(
            select(WalletCredential).where(WalletCredential.holder_id == holder_id)
        ):
            date = (row.summary.get("validFrom") or "")[:10] or row.received_at.strftime("%Y-%m-%d")
            items.append(
                {
                    "kind": "credential",
                    "date": date,
                    "id": row.public_id,
                    "title": row.summary.get("name") or "",
                    "issuer": (row.summary.get("issuer") or {}).get("name")
                    or (row.summary.get("issuer") or {}).get("id"),
                    "verdict": row.verdict,
                    "verified": row.verdict == "valid",
                    "selfAsserted": False,
                }
            )
        for entry in self.entries(session, holder_id):
            items.append(
                {
                    "kind": entry.kind,
                    "date": entry.start_date or entry.created_at.strftime("%Y-%m-%d"),
                    "endDate": entry.end_date,
                    "id": entry.public_id,
                    "title": entry.title,
                    "organization": entry.organization or None,
                    **SELF_ASSERTED,
                }
            )
        items.sort(key=lambda i: (str(i["date"]), str(i["id"])), reverse=True)
        return items


def entry_json(row: WalletEntry) -> JsonObject:
    return {
        "id": row.public_id,
        "kind": row.kind,
        "title": row.title,
        "description": row.description,
        "organization": row.organization,
        "startDate": row.start_date,
        "endDate": row.end_date,
        "createdAt": row.created_at.isoformat(),
        **SELF_ASSERTED,
    }


def _is_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD, a real date."""
    if not _DATE.match(value):
        return False
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def _norm_tag(tag: str) -> str:
    return " ".join(tag.split()).lower()


def _credential_id(received: Received) -> str | None:
    doc = credential_json(received)
    value = doc.get("id") or doc.get("jti")
    return value[:500] if isinstance(value, str) else None


def received_of(row: WalletCredential) -> Received:
    """A kept credential as it was received (its stored format wins over detection: a
    signed OB 2.0 assertion is a JWS too)."""
    media = row.summary.get("bakedIn")
    hosted = row.summary.get("hostedUrl")
    if row.format == OB2 and not row.document.lstrip().startswith("{"):
        return Received(OB2, row.document, row.document, media, hosted)
    found = detect(row.document)
    return Received(row.format, found.text, found.value, media, hosted)
