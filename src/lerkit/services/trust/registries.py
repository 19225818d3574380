"""Trust registries kept in the database: entries, accreditations, subscriptions, import and
export, publication, and recognition ("is this issuer trusted for this credential?").

Every registry belongs to an organization; reads need the viewer role, changes the admin
role. A published registry is served to anyone at ``/trust/{org}/{name}`` (with an ETag
that changes on every edit), so that other lerkit instances can subscribe to it.

A subscription (another lerkit registry, or a DCC issuer list) keeps the last document
fetched with its ETag. It is re-fetched when older than its TTL (default 300 s) or on
demand (:meth:`Registries.refresh`), with ``If-None-Match`` (a ``304`` keeps the copy); if
the source cannot be reached the last good copy is used and the error recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core import trust as core
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.types import JsonObject
from lerkit.db.models import Organization
from lerkit.db.models_trust import TrustEntry, TrustRegistry, TrustSubscription
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_ENTRIES = 10_000
MAX_DOCUMENT_BYTES = 2 * 1_048_576
DEFAULT_TTL = 300


class ConditionalResult(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def headers(self) -> dict[str, str]: ...


class ConditionalFetcher(Protocol):
    """GET with ``If-None-Match`` (``BoundedFetcher.get_conditional``)."""

    def get_conditional(
        self, url: str, etag: str | None, accept: str = "application/json"
    ) -> ConditionalResult: ...


@dataclass(frozen=True)
class RegistryInfo:
    name: str
    organization: str
    description: str
    roots: tuple[str, ...]
    published: bool
    revision: int
    entries: int
    subscriptions: int
    updated_at: datetime
    public_url: str | None

    def to_json(self) -> JsonObject:
        return {
            "name": self.name,
            "organization": self.organization,
            "description": self.description,
            "roots": list(self.roots),
            "published": self.published,
            "revision": self.revision,
            "entries": self.entries,
            "subscriptions": self.subscriptions,
            "updatedAt": _iso(self.updated_at),
            "publicUrl": self.public_url,
        }


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_json(row: TrustEntry) -> JsonObject:
    out = _core_entry(row).to_json()
    out["id"] = row.public_id
    return out


def subscription_json(row: TrustSubscription) -> JsonObject:
    snapshot = row.snapshot or {}
    entries = snapshot.get("entries", snapshot.get("registry", {}))
    return {
        "id": row.public_id,
        "url": row.url,
        "ttlSeconds": row.ttl_seconds,
        "etag": row.etag,
        "fetchedAt": _iso(row.fetched_at) if row.fetched_at else None,
        "entries": len(entries) if isinstance(entries, list | dict) else 0,
        "lastError": row.last_error,
    }


def _core_entry(row: TrustEntry, source: str | None = None) -> core.RegistryEntry:
    return core.RegistryEntry(
        did=row.did,
        name=row.name,
        role=row.role,
        scope=core.Scope(
            tuple(row.credential_types or ()),
            tuple(row.achievements or ()),
            tuple(row.frameworks or ()),
        ),
        accredited_by=row.accredited_by,
        accreditation=row.accreditation,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        url=row.url,
        source=source,
    )


def _invalid(exc: InputError, where: str = "") -> ValidationError:
    return ValidationError(
        f"{where}{exc.message}",
        [{"pointer": "/", "message": exc.message}],
        ProblemCode.TRUST_REGISTRY_INVALID,
    )


class Registries:
    def __init__(
        self,
        *,
        clock: Clock,
        entropy: Entropy,
        audit: AuditLog,
        fetcher: ConditionalFetcher | None,
        public_url: str,
    ) -> None:
        self._clock = clock
        self._entropy = entropy
        self._audit = audit
        self._fetcher = fetcher
        self._public_url = public_url.rstrip("/")

    # ------------------------------------------------------------------ registries

    def _id(self) -> str:
        return self._entropy(16).hex()

    def _registry(self, session: Session, actor: Actor, name: str) -> TrustRegistry:
        row = session.scalars(
            select(TrustRegistry).where(
                TrustRegistry.organization_id == actor.organization_id,
                TrustRegistry.name == name,
            )
        ).first()
        if row is None:
            raise NotFoundError(
                f"no trust registry named {name!r}", ProblemCode.TRUST_REGISTRY_UNAVAILABLE
            )
        return row

    def _info(self, session: Session, row: TrustRegistry) -> RegistryInfo:
        org = session.get(Organization, row.organization_id)
        slug = org.slug if org is not None else ""
        entries = session.scalars(select(TrustEntry.id).where(TrustEntry.registry_id == row.id))
        subs = session.scalars(
            select(TrustSubscription.id).where(TrustSubscription.registry_id == row.id)
        )
        return RegistryInfo(
            name=row.name,
            organization=slug,
            description=row.description,
            roots=tuple(row.roots or ()),
            published=row.published,
            revision=row.revision,
            entries=len(list(entries)),
            subscriptions=len(list(subs)),
            updated_at=row.updated_at,
            public_url=f"{self._public_url}/trust/{slug}/{row.name}" if row.published else None,
        )

    def _touch(self, row: TrustRegistry) -> None:
        row.revision += 1
        row.updated_at = self._clock()

    def create(
        self,
        session: Session,
        actor: Actor,
        name: str,
        *,
        description: str = "",
        roots: Sequence[str] = (),
        published: bool = False,
    ) -> RegistryInfo:
        actor.require("admin")
        if not NAME.match(name):
            raise ValidationError(
                "a registry name is 1-63 lower-case letters, digits and hyphens",
                [{"pointer": "/name", "message": "invalid name"}],
            )
        roots_t = self._roots(roots)
        exists = session.scalars(
            select(TrustRegistry.id).where(
                TrustRegistry.organization_id == actor.organization_id,
                TrustRegistry.name == name,
            )
        ).first()
        if exists is not None:
            raise ConflictError(f"a trust registry named {name!r} already exists")
        now = self._clock()
        row = TrustRegistry(
            organization_id=actor.organization_id,
            public_id=self._id(),
            name=name,
            description=description[:2000],
            roots=list(roots_t),
            published=published,
            revision=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        self._audit.record(session, actor, "trust.registry_created", "trust_registry", name)
        return self._info(session, row)

    @staticmethod
    def _roots(roots: Sequence[str]) -> tuple[str, ...]:
        try:
            return tuple(core._id(r, "roots[]") for r in roots)
        except InputError as exc:
            raise _invalid(exc) from exc

    def list_registries(self, session: Session, actor: Actor) -> list[RegistryInfo]:
        actor.require("viewer")
        rows = session.scalars(
            select(TrustRegistry)
            .where(TrustRegistry.organization_id == actor.organization_id)
            .order_by(TrustRegistry.name)
        )
        return [self._info(session, r) for r in rows]

    def get(self, session: Session, actor: Actor, name: str) -> RegistryInfo:
        actor.require("viewer")
        return self._info(session, self._registry(session, actor, name))

    def update(
        self,
        session: Session,
        actor: Actor,
        name: str,
        *,
        description: str | None = None,
        roots: Sequence[str] | None = None,
        published: bool | None = None,
    ) -> RegistryInfo:
        actor.require("admin")
        row = self._registry(session, actor, name)
        if description is not None:
            row.description = description[:2000]
        if roots is not None:
            row.roots = list(self._roots(roots))
        if published is not None:
            row.published = published
        self._touch(row)
        self._audit.record(session, actor, "trust.registry_updated", "trust_registry", name)
        return self._info(session, row)

    def delete(self, session: Session, actor: Actor, name: str) -> None:
        actor.require("admin")
        row = self._registry(session, actor, name)
        for model in (TrustEntry, TrustSubscription):
            for child in session.scalars(select(model).where(model.registry_id == row.id)):
                session.delete(child)
        session.delete(row)
        self._audit.record(session, actor, "trust.registry_deleted", "trust_registry", name)

    # ------------------------------------------------------------------ entries

    def add_entry(self, session: Session, actor: Actor, name: str, raw: Any) -> JsonObject:
        actor.require("admin")
        row = self._registry(session, actor, name)
        try:
            entry = core.parse_entry(raw)
        except InputError as exc:
            raise _invalid(exc) from exc
        count = len(
            list(session.scalars(select(TrustEntry.id).where(TrustEntry.registry_id == row.id)))
        )
        if count >= MAX_ENTRIES:
            raise ValidationError(f"a registry holds at most {MAX_ENTRIES} entries")
        added = self._add(session, row, entry)
        self._touch(row)
        self._audit.record(
            session, actor, "trust.entry_added", "trust_registry", name, {"did": entry.did}
        )
        return _entry_json(added)

    def _add(
        self, session: Session, registry: TrustRegistry, entry: core.RegistryEntry
    ) -> TrustEntry:
        row = TrustEntry(
            registry_id=registry.id,
            public_id=self._id(),
            did=entry.did,
            name=entry.name,
            role=entry.role,
            credential_types=list(entry.scope.types),
            achievements=list(entry.scope.achievements),
            frameworks=list(entry.scope.frameworks),
            accredited_by=entry.accredited_by,
            accreditation=entry.accreditation,
            url=entry.url,
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
            created_at=self._clock(),
        )
        session.add(row)
        session.flush()
        return row

    def entries(self, session: Session, actor: Actor, name: str) -> list[JsonObject]:
        actor.require("viewer")
        row = self._registry(session, actor, name)
        rows = session.scalars(
            select(TrustEntry).where(TrustEntry.registry_id == row.id).order_by(TrustEntry.id)
        )
        return [_entry_json(e) for e in rows]

    def remove_entry(self, session: Session, actor: Actor, name: str, entry_id: str) -> None:
        actor.require("admin")
        row = self._registry(session, actor, name)
        entry = session.scalars(
            select(TrustEntry).where(
                TrustEntry.registry_id == row.id, TrustEntry.public_id == entry_id
            )
        ).first()
        if entry is None:
            # an entry may also be named by its DID (every entry of that DID goes)
            found = list(
                session.scalars(
                    select(TrustEntry).where(
                        TrustEntry.registry_id == row.id, TrustEntry.did == entry_id
                    )
                )
            )
            if not found:
                raise NotFoundError(f"no entry {entry_id!r} in the registry {name!r}")
        else:
            found = [entry]
        for e in found:
            session.delete(e)
        self._touch(row)
        self._audit.record(
            session, actor, "trust.entry_removed", "trust_registry", name, {"entry": entry_id}
        )

    # ------------------------------------------------------------------ import / export

    def export(self, session: Session, actor: Actor, name: str) -> JsonObject:
        actor.require("viewer")
        return self._document(session, self._registry(session, actor, name))

    def _document(self, session: Session, row: TrustRegistry) -> JsonObject:
        rows = session.scalars(
            select(TrustEntry).where(TrustEntry.registry_id == row.id).order_by(TrustEntry.id)
        )
        registry = core.Registry(
            row.name, tuple(_core_entry(e) for e in rows), tuple(row.roots or ()), row.description
        )
        doc = registry.to_json(row.updated_at)
        doc["revision"] = row.revision
        return doc

    def import_document(
        self,
        session: Session,
        actor: Actor,
        name: str,
        document: Any,
        *,
        replace: bool = False,
    ) -> RegistryInfo:
        """Add a registry document's entries (a lerkit export or a DCC list) to ``name``
        (created if needed); ``replace`` drops the entries it had first."""
        actor.require("admin")
        try:
            parsed = core.parse_registry(document)
        except InputError as exc:
            raise _invalid(exc) from exc
        if len(parsed.entries) > MAX_ENTRIES:
            raise ValidationError(f"a registry holds at most {MAX_ENTRIES} entries")
        exists = session.scalars(
            select(TrustRegistry).where(
                TrustRegistry.organization_id == actor.organization_id,
                TrustRegistry.name == name,
            )
        ).first()
        if exists is None:
            self.create(
                session,
                actor,
                name,
                description=parsed.description,
                roots=parsed.roots,
            )
            exists = self._registry(session, actor, name)
        elif parsed.roots:
            exists.roots = list(dict.fromkeys([*(exists.roots or []), *parsed.roots]))
        if replace:
            for e in session.scalars(select(TrustEntry).where(TrustEntry.registry_id == exists.id)):
                session.delete(e)
            session.flush()
        for entry in parsed.entries:
            self._add(session, exists, replace_source(entry))
        self._touch(exists)
        self._audit.record(
            session,
            actor,
            "trust.registry_imported",
            "trust_registry",
            name,
            {"entries": len(parsed.entries), "replace": replace},
        )
        return self._info(session, exists)

    def published(self, session: Session, organization: str, name: str) -> JsonObject:
        """The published registry document of ``organization``'s registry ``name``."""
        row = session.scalars(
            select(TrustRegistry)
            .join(Organization, Organization.id == TrustRegistry.organization_id)
            .where(Organization.slug == organization, TrustRegistry.name == name)
        ).first()
        if row is None or not row.published:
            raise NotFoundError(f"no published trust registry {organization}/{name}")
        return self._document(session, row)

    # ------------------------------------------------------------------ subscriptions

    def subscribe(
        self,
        session: Session,
        actor: Actor,
        name: str,
        url: str,
        *,
        ttl_seconds: int = DEFAULT_TTL,
    ) -> JsonObject:
        actor.require("admin")
        row = self._registry(session, actor, name)
        if not url.startswith(("https://", "http://")) or len(url) > 1000:
            raise ValidationError(
                "a subscription is an http(s) URL of at most 1000 characters",
                [{"pointer": "/url", "message": "not an http(s) URL"}],
            )
        if not 0 <= ttl_seconds <= 86_400:
            raise ValidationError("ttlSeconds must be between 0 and 86400")
        sub = TrustSubscription(
            registry_id=row.id,
            public_id=self._id(),
            url=url,
            ttl_seconds=ttl_seconds,
            created_at=self._clock(),
        )
        self._refresh(sub)
        if sub.snapshot is None:
            raise ValidationError(
                f"cannot subscribe to {url}: {sub.last_error}",
                [{"pointer": "/url", "message": sub.last_error or "unavailable"}],
                ProblemCode.TRUST_REGISTRY_UNAVAILABLE,
            )
        session.add(sub)
        self._touch(row)
        session.flush()
        self._audit.record(session, actor, "trust.subscribed", "trust_registry", name, {"url": url})
        return subscription_json(sub)

    def subscriptions(self, session: Session, actor: Actor, name: str) -> list[JsonObject]:
        actor.require("viewer")
        row = self._registry(session, actor, name)
        subs = session.scalars(
            select(TrustSubscription)
            .where(TrustSubscription.registry_id == row.id)
            .order_by(TrustSubscription.id)
        )
        return [subscription_json(s) for s in subs]

    def _subscription(
        self, session: Session, actor: Actor, name: str, sub_id: str
    ) -> tuple[TrustRegistry, TrustSubscription]:
        row = self._registry(session, actor, name)
        sub = session.scalars(
            select(TrustSubscription).where(
                TrustSubscription.registry_id == row.id, TrustSubscription.public_id == sub_id
            )
        ).first()
        if sub is None:
            raise NotFoundError(f"no subscription {sub_id!r} in the registry {name!r}")
        return row, sub

    def unsubscribe(self, session: Session, actor: Actor, name: str, sub_id: str) -> None:
        actor.require("admin")
        row, sub = self._subscription(session, actor, name, sub_id)
        session.delete(sub)
        self._touch(row)
        self._audit.record(
            session, actor, "trust.unsubscribed", "trust_registry", name, {"url": sub.url}
        )

    def refresh(
        self, session: Session, actor: Actor, name: str, sub_id: str | None = None
    ) -> list[JsonObject]:
        """Re-fetch now (one subscription, or all of ``name``'s): invalidation on demand."""
        actor.require("admin")
        row = self._registry(session, actor, name)
        subs = session.scalars(
            select(TrustSubscription).where(TrustSubscription.registry_id == row.id)
        )
        out = []
        for sub in subs:
            if sub_id is None or sub.public_id == sub_id:
                self._refresh(sub)
                out.append(subscription_json(sub))
        if sub_id is not None and not out:
            raise NotFoundError(f"no subscription {sub_id!r} in the registry {name!r}")
        return out

    def _refresh(self, sub: TrustSubscription) -> None:
        if self._fetcher is None:
            sub.last_error = "this instance fetches nothing (no network)"
            return
        try:
            result = self._fetcher.get_conditional(
                sub.url, sub.etag if sub.snapshot is not None else None
            )
            if result.status == 304 and sub.snapshot is not None:
                sub.fetched_at = self._clock()
                sub.last_error = None
                return
            if len(result.body) > MAX_DOCUMENT_BYTES:
                raise InputError("the registry document is larger than 2 MB")
            try:
                document = json.loads(result.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise InputError(f"the registry at {sub.url} is not JSON: {exc}") from exc
            core.parse_registry(document, source=sub.url)  # validates
        except LerkitError as exc:
            sub.last_error = f"{exc.message} [{exc.code}]"[:2000]
            return
        sub.snapshot = document
        sub.etag = result.headers.get("etag")
        sub.fetched_at = self._clock()
        sub.last_error = None

    def _current(self, sub: TrustSubscription, now: datetime) -> core.Registry | None:
        """The subscription's registry, re-fetched first when older than its TTL."""
        if sub.fetched_at is None or now - sub.fetched_at >= timedelta(seconds=sub.ttl_seconds):
            self._refresh(sub)
        if sub.snapshot is None:
            return None
        try:
            return core.parse_registry(sub.snapshot, source=sub.url)
        except InputError:
            return None

    # ------------------------------------------------------------------ recognition

    def registry(
        self, session: Session, row: TrustRegistry, now: datetime | None = None
    ) -> core.Registry:
        """The registry as evaluated: its own entries, then every subscription's."""
        now = now or self._clock()
        entries = session.scalars(
            select(TrustEntry).where(TrustEntry.registry_id == row.id).order_by(TrustEntry.id)
        )
        own = core.Registry(
            row.name, tuple(_core_entry(e) for e in entries), tuple(row.roots or ())
        )
        subs = session.scalars(
            select(TrustSubscription)
            .where(TrustSubscription.registry_id == row.id)
            .order_by(TrustSubscription.id)
        )
        federated = [r for r in (self._current(s, now) for s in subs) if r is not None]
        return core.merge(row.name, [own, *federated], row.roots or (), row.description)

    def find(
        self,
        session: Session,
        name: str | None,
        *,
        organization_id: int | None = None,
        published_only: bool = False,
    ) -> list[TrustRegistry]:
        """Registries by name: ``name`` (in ``organization_id``), ``org/name`` (published,
        or of ``organization_id``), or every registry of the organization when None."""
        query = select(TrustRegistry)
        if name is not None and "/" in name:
            slug, _, short = name.partition("/")
            query = query.join(Organization, Organization.id == TrustRegistry.organization_id)
            query = query.where(Organization.slug == slug, TrustRegistry.name == short)
        elif name is not None:
            query = query.where(TrustRegistry.name == name)
        if organization_id is not None and not (name is not None and "/" in name):
            query = query.where(TrustRegistry.organization_id == organization_id)
        rows = list(session.scalars(query.order_by(TrustRegistry.id)))
        if published_only or organization_id is None or (name is not None and "/" in name):
            rows = [r for r in rows if r.published or r.organization_id == organization_id]
        return rows

    def published_names(self, session: Session) -> list[str]:
        rows = session.execute(
            select(Organization.slug, TrustRegistry.name)
            .join(Organization, Organization.id == TrustRegistry.organization_id)
            .where(TrustRegistry.published.is_(True))
            .order_by(Organization.slug, TrustRegistry.name)
        )
        return [f"{slug}/{name}" for slug, name in rows]


def replace_source(entry: core.RegistryEntry) -> core.RegistryEntry:
    """An imported entry becomes the registry's own (no longer "via" its source)."""
    from dataclasses import replace

    return replace(entry, source=None)


__all__ = ["ConditionalFetcher", "Registries", "RegistryInfo", "subscription_json"]
