"""The audit log: who did what, when, to which object — one organization at a time.

``AuditLog.record`` is called by every service that changes something worth auditing,
inside the same session (transaction) as the change, so that the change and its event
are committed together or not at all. ``details`` must never hold a secret.

Actions are ``<object>.<verb>`` (``member.added``, ``api_key.revoked``,
``signing_key.rotated``, ``credential.issued`` ...). Events are read by admins holding the
``audit:read`` scope, newest first, with a cursor for the next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.db.models import AuditEvent
from lerkit.services.context import Actor, Clock
from lerkit.services.errors import ValidationError

AUDIT_READ = "audit:read"
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "actor": self.actor,
            "action": self.action,
            "objectType": self.object_type,
            "objectId": self.object_id,
            "details": self.details,
            "createdAt": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEntry]
    next_cursor: str | None  # pass as ``cursor`` for the next (older) page


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        details=dict(row.details or {}),
        created_at=row.created_at,
    )


class AuditLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Add an event for ``actor``'s organization to ``session`` (not committed here)."""
        event = AuditEvent(
            organization_id=actor.organization_id,
            actor=actor.label[:200],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:200],
            details=dict(details or {}),
            created_at=self._clock(),
        )
        session.add(event)
        return event

    def list_events(
        self,
        session: Session,
        actor: Actor,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        action: str | None = None,
        object_type: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> AuditPage:
        """Events of the actor's organization, newest first.

        ``since`` is inclusive, ``until`` exclusive; ``action`` is an exact action, or a
        prefix ending in ``.`` or ``.*`` (``member.*``); ``cursor`` is a page's
        ``next_cursor``.
        """
        actor.require("admin", AUDIT_READ)
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(
                f"limit must be between 1 and {MAX_PAGE}",
                [{"field": "limit", "message": f"between 1 and {MAX_PAGE}"}],
            )
        query = select(AuditEvent).where(AuditEvent.organization_id == actor.organization_id)
        if since is not None:
            query = query.where(AuditEvent.created_at >= since)
        if until is not None:
            query = query.where(AuditEvent.created_at < until)
        if action:
            if action.endswith(".*") or action.endswith("."):
                prefix = action.rstrip("*")
                query = query.where(AuditEvent.action.startswith(prefix, autoescape=True))
            else:
                query = query.where(AuditEvent.action == action)
        if object_type:
            query = query.where(AuditEvent.object_type == object_type)
        if cursor is not None:
            if not cursor.isdigit():
                raise ValidationError(
                    "cursor is not one this API returned",
                    [{"field": "cursor", "message": "not a cursor from a previous page"}],
                )
            query = query.where(AuditEvent.id < int(cursor))
        rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
        events = [_entry(r) for r in rows[:limit]]
        more = len(rows) > limit
        return AuditPage(events, str(events[-1].id) if more and events else None)


__all__ = ["AUDIT_READ", "AuditEntry", "AuditLog", "AuditPage"]
