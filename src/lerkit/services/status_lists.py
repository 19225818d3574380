"""Bitstring Status Lists of an organization: allocate entries, set them, publish the list.

Each organization has lists per purpose (``revocation``, ``suspension``) of ``list_length``
entries (131,072 by default: the minimum the spec allows, for herd privacy). A list is
published as a signed ``BitstringStatusListCredential`` at the stable URL
``{public_url}/status/{public_id}``.

Allocation picks a *random unused* index, so that an index says nothing about when or to
whom a credential was issued: first a few rounds of random probes (one query per round of
16), then, when the list is nearly full, a scan in windows from a random point that takes a
random free index of the first window that has one. A list found with no free index is
marked ``full`` and the next one (created on demand) is used.

Concurrency: an allocation inserts a ``StatusEntry`` inside a SAVEPOINT; the unique
constraint ``(status_list_id, list_index)`` refuses a second holder of an index, and the
loser retries with another index. Allocation never writes the list's own row (except to
mark it full), so concurrent issuers do not queue on it; ``StatusList.allocated`` is
therefore refreshed only when a list fills up (:meth:`StatusListService.usage` counts).

Setting a status locks the list row first (``UPDATE ... revision = revision + 1``: a row
lock on PostgreSQL, the write lock on SQLite), then reads the bits under that lock, so two
concurrent revocations on one list never lose each other's bit. Lists are locked in id order
(no deadlocks in bulk changes).

Publishing: the signed document is cached per ``(list, revision)`` in this process, so a GET
does not re-sign; every change bumps ``revision`` (the ETag), so a change shows at once.
Its ``validFrom`` is ``VALID_FROM_LEEWAY`` before the signing time, so that a verifier whose
clock runs a little behind does not find a freshly signed list "not yet valid".

Reading: :meth:`StatusListService.list_lists` shows an organization its lists (purpose,
URL, size, allocated entries, revision, last change); it needs the viewer role.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lerkit.core.issuer import default_suite, issue
from lerkit.core.status import MIN_LENGTH, BitstringStatusList, status_entry, status_list_credential
from lerkit.core.types import JsonObject
from lerkit.db.models import IssuedCredential, Organization, StatusEntry, StatusList
from lerkit.db.session import Database
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.interfaces import Signer

PURPOSES = ("revocation", "suspension")
"""The status purposes lerkit allocates for every credential."""

CACHE_CONTROL = "public, max-age=0, must-revalidate"
"""What the HTTP edge should send with a list: revalidate every time (ETag makes it cheap)."""

VALID_FROM_LEEWAY = timedelta(minutes=1)
"""How far before its signing time a list's ``validFrom`` is set (verifiers' clock skew)."""

READ_SCOPE = "credentials:read"

PROBES_PER_ROUND = 16
PROBE_ROUNDS = 4
SCAN_WINDOW = 4096
CONFLICT_RETRIES = 16


@dataclass(frozen=True)
class PublishedStatusList:
    """A signed status list credential, ready to serve."""

    document: JsonObject
    revision: int
    updated_at: datetime
    purpose: str

    @property
    def etag(self) -> str:
        """A weak ETag: the revision (several processes may sign the same revision with
        different ``validFrom`` times; the statuses are the same)."""
        return f'W/"{self.revision}"'


@dataclass(frozen=True)
class Allocation:
    """One allocated entry: the list, its URL and the index."""

    status_list: StatusList
    url: str
    index: int
    purpose: str

    def entry(self) -> JsonObject:
        """The ``BitstringStatusListEntry`` for ``credentialStatus``."""
        return status_entry(self.url, self.index, self.purpose, entry_id=f"{self.url}#{self.index}")


@dataclass(frozen=True)
class StatusListInfo:
    """One of an organization's lists, as its admins see it."""

    public_id: str
    purpose: str
    url: str
    size: int
    allocated: int
    full: bool
    revision: int
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "purpose": self.purpose,
            "url": self.url,
            "size": self.size,
            "allocated": self.allocated,
            "full": self.full,
            "revision": self.revision,
            "updatedAt": self.updated_at.isoformat(),
        }


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValidationError(
            f"status purpose must be one of {', '.join(PURPOSES)}, got {purpose!r}",
            [{"field": "purpose", "message": f"one of {', '.join(PURPOSES)}"}],
        )
    return purpose


class StatusListService:
    def __init__(
        self,
        db: Database,
        *,
        public_url: str,
        clock: Clock,
        entropy: Entropy,
        signer: Signer,
        list_length: int = MIN_LENGTH,
        cache_size: int = 256,
    ) -> None:
        if list_length < 8:
            raise ValueError("list_length must be at least 8")
        self._db = db
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._entropy = entropy
        self._signer = signer
        self._length = list_length
        self._cache: OrderedDict[tuple[int, int], JsonObject] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.conflicts = 0
        """How many allocations lost a race and retried (for tests and metrics)."""

    # ------------------------------------------------------------------ URLs and lookup

    def list_url(self, status_list: StatusList) -> str:
        return f"{self._public_url}/status/{status_list.public_id}"

    def usage(self, session: Session, status_list: StatusList) -> int:
        """How many entries of ``status_list`` are allocated (committed or in this session)."""
        return int(
            session.scalar(
                select(func.count())
                .select_from(StatusEntry)
                .where(StatusEntry.status_list_id == status_list.id)
            )
            or 0
        )

    def list_lists(self, actor: Actor) -> list[StatusListInfo]:
        """The actor's organization's lists, oldest first, with their allocated counts."""
        actor.require("viewer", READ_SCOPE)
        with self._db.session() as session:
            counts = (
                select(StatusEntry.status_list_id, func.count().label("allocated"))
                .group_by(StatusEntry.status_list_id)
                .subquery()
            )
            rows = session.execute(
                select(StatusList, func.coalesce(counts.c.allocated, 0))
                .outerjoin(counts, counts.c.status_list_id == StatusList.id)
                .where(StatusList.organization_id == actor.organization_id)
                .order_by(StatusList.id)
            ).all()
            return [
                StatusListInfo(
                    public_id=status_list.public_id,
                    purpose=status_list.purpose,
                    url=self.list_url(status_list),
                    size=status_list.length,
                    allocated=int(allocated),
                    full=status_list.full,
                    revision=status_list.revision,
                    updated_at=status_list.updated_at,
                )
                for status_list, allocated in rows
            ]

    # ------------------------------------------------------------------ allocation

    def _random_index(self, length: int) -> int:
        return int.from_bytes(self._entropy(8), "big") % length

    def allocate(
        self,
        session: Session,
        organization: Organization,
        purpose: str,
        credential: IssuedCredential,
    ) -> Allocation:
        """Give ``credential`` (already flushed: it needs an id) a random unused entry of
        the organization's current ``purpose`` list, starting a new list when it is full."""
        check_purpose(purpose)
        if credential.id is None:
            session.flush()
        while True:
            status_list = self._open_list(session, organization, purpose)
            index = self._claim(session, status_list, credential)
            if index is not None:
                return Allocation(status_list, self.list_url(status_list), index, purpose)
            session.execute(
                update(StatusList)
                .where(StatusList.id == status_list.id)
                .values(full=True, allocated=status_list.length)
            )

    def _open_list(self, session: Session, organization: Organization, purpose: str) -> StatusList:
        found = session.scalars(
            select(StatusList)
            .where(
                StatusList.organization_id == organization.id,
                StatusList.purpose == purpose,
                StatusList.full.is_(False),
            )
            .order_by(StatusList.id)
            .limit(1)
        ).first()
        if found is not None:
            return found
        status_list = StatusList(
            organization_id=organization.id,
            public_id=self._entropy(16).hex(),
            purpose=purpose,
            length=self._length,
            bits=bytes(-(-self._length // 8)),
            allocated=0,
            full=False,
            revision=1,
            updated_at=self._clock(),
        )
        session.add(status_list)
        session.flush()
        return status_list

    def _claim(
        self, session: Session, status_list: StatusList, credential: IssuedCredential
    ) -> int | None:
        """Insert an entry at a free index; None when the list has no free index."""
        for _ in range(CONFLICT_RETRIES):
            index = self._find_free(session, status_list)
            if index is None:
                return None
            try:
                with session.begin_nested():
                    session.add(
                        StatusEntry(
                            status_list_id=status_list.id,
                            list_index=index,
                            credential_id=credential.id,
                        )
                    )
            except IntegrityError:
                # another transaction took this index between our look and our insert
                with self._lock:
                    self.conflicts += 1
                continue
            return index
        raise ConflictError("could not allocate a status list entry: too much contention; retry")

    def _used(self, session: Session, list_id: int, *conditions: Any) -> set[int]:
        return set(
            session.scalars(
                select(StatusEntry.list_index).where(
                    StatusEntry.status_list_id == list_id, *conditions
                )
            )
        )

    def _find_free(self, session: Session, status_list: StatusList) -> int | None:
        length = status_list.length
        for _ in range(PROBE_ROUNDS):
            candidates = list(
                dict.fromkeys(self._random_index(length) for _ in range(PROBES_PER_ROUND))
            )
            used = self._used(session, status_list.id, StatusEntry.list_index.in_(candidates))
            for candidate in candidates:
                if candidate not in used:
                    return candidate
        # nearly full: scan windows from a random point, wrapping around the end
        start = self._random_index(length)
        for offset in range(0, length, SCAN_WINDOW):
            low = (start + offset) % length
            span = min(SCAN_WINDOW, length - offset)
            segments = [(low, min(low + span, length))]
            if low + span > length:
                segments.append((0, low + span - length))
            free: list[int] = []
            for seg_low, seg_high in segments:
                used = self._used(
                    session,
                    status_list.id,
                    StatusEntry.list_index >= seg_low,
                    StatusEntry.list_index < seg_high,
                )
                free.extend(i for i in range(seg_low, seg_high) if i not in used)
            if free:
                return free[self._random_index(len(free))]
        return None

    # ------------------------------------------------------------------ setting statuses

    def entries_of(
        self, session: Session, credential: IssuedCredential, purpose: str | None = None
    ) -> list[tuple[StatusList, int]]:
        """The ``(list, index)`` entries ``credential`` holds (of ``purpose``, if given)."""
        query = (
            select(StatusList, StatusEntry.list_index)
            .join(StatusEntry, StatusEntry.status_list_id == StatusList.id)
            .where(StatusEntry.credential_id == credential.id)
            .order_by(StatusList.id)
        )
        if purpose is not None:
            query = query.where(StatusList.purpose == check_purpose(purpose))
        return [(row[0], row[1]) for row in session.execute(query).all()]

    def set_status(
        self, session: Session, credential: IssuedCredential, purpose: str, value: int | bool
    ) -> bool:
        """Set ``credential``'s ``purpose`` bit to ``value``; True when a bit changed."""
        return self.set_many(session, [credential], purpose, value) > 0

    def set_many(
        self,
        session: Session,
        credentials: Iterable[IssuedCredential],
        purpose: str,
        value: int | bool,
    ) -> int:
        """Set the ``purpose`` bit of every credential to ``value``, one lock and one new
        revision per list touched; returns how many bits changed."""
        check_purpose(purpose)
        bit = int(value)
        if bit not in (0, 1):
            raise ValidationError(
                "a status value is 0 or 1", [{"field": "value", "message": "0 or 1"}]
            )
        ids = [c.id for c in credentials]
        if not ids:
            return 0
        rows = session.execute(
            select(StatusEntry.status_list_id, StatusEntry.list_index, StatusEntry.credential_id)
            .join(StatusList, StatusList.id == StatusEntry.status_list_id)
            .where(StatusEntry.credential_id.in_(ids), StatusList.purpose == purpose)
        ).all()
        held = {row[2] for row in rows}
        missing = [i for i in ids if i not in held]
        if missing:
            raise ConflictError(f"{len(missing)} credential(s) have no {purpose} status entry")
        by_list: dict[int, list[int]] = {}
        for list_id, index, _ in rows:
            by_list.setdefault(list_id, []).append(index)
        changed = 0
        for list_id in sorted(by_list):  # a fixed lock order: no deadlocks
            changed += self._apply(session, list_id, {i: bit for i in by_list[list_id]})
        return changed

    def _apply(self, session: Session, list_id: int, changes: Mapping[int, int]) -> int:
        # lock the row first (and take a new revision), then read the bits under the lock
        session.execute(
            update(StatusList)
            .where(StatusList.id == list_id)
            .values(revision=StatusList.revision + 1, updated_at=self._clock())
            .execution_options(synchronize_session=False)
        )
        locked = session.scalars(
            select(StatusList)
            .where(StatusList.id == list_id)
            .execution_options(populate_existing=True)
        ).one()
        bits = BitstringStatusList(locked.bits)
        changed = 0
        for index, value in changes.items():
            if bits.get(index) != value:
                bits.set(index, value)
                changed += 1
        locked.bits = bits.to_bytes()
        session.flush()
        return changed

    # ------------------------------------------------------------------ publishing

    def list_credential(
        self, session: Session, organization: Organization, status_list: StatusList
    ) -> JsonObject:
        """The signed ``BitstringStatusListCredential`` of ``status_list`` at its current
        revision (signed once per revision in this process, then served from a cache)."""
        if status_list.organization_id != organization.id:
            raise NotFoundError("no such status list")
        key = (status_list.id, status_list.revision)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return copy.deepcopy(cached)
        private_key, vm_id, _ = self._signer.signer_for(session, organization)
        now = self._clock()
        unsigned = status_list_credential(
            self.list_url(status_list),
            organization.did,
            status_list.purpose,
            BitstringStatusList(status_list.bits),
            valid_from=now - VALID_FROM_LEEWAY,
        )
        signed = issue(
            unsigned,
            private_key,
            verification_method=vm_id,
            created=now,
            suite=default_suite(private_key),
        )
        assert isinstance(signed, dict)
        with self._lock:
            self._cache[key] = signed
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return copy.deepcopy(signed)

    def credential(self, public_id: str) -> PublishedStatusList:
        """The list published at ``{public_url}/status/{public_id}`` (public: no actor)."""
        with self._db.session() as session:
            status_list = session.scalars(
                select(StatusList).where(StatusList.public_id == public_id)
            ).one_or_none()
            if status_list is None:
                raise NotFoundError(f"there is no status list {public_id!r}")
            organization = session.get(Organization, status_list.organization_id)
            assert organization is not None
            document = self.list_credential(session, organization, status_list)
            return PublishedStatusList(
                document=document,
                revision=status_list.revision,
                updated_at=status_list.updated_at,
                purpose=status_list.purpose,
            )

    def url_to_public_id(self, url: str) -> str | None:
        """The public id of one of this instance's list URLs, else None."""
        prefix = f"{self._public_url}/status/"
        if not url.startswith(prefix):
            return None
        rest = url[len(prefix) :]
        return rest if rest and "/" not in rest else None


__all__ = [
    "CACHE_CONTROL",
    "PURPOSES",
    "VALID_FROM_LEEWAY",
    "Allocation",
    "PublishedStatusList",
    "StatusListInfo",
    "StatusListService",
    "check_purpose",
]
