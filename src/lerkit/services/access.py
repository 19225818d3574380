"""API keys and the scopes they carry.

A key is ``lk_<public_id>_<secret>``: ``public_id`` (24 hex digits) finds the row and is
shown in lists and the audit log; ``secret`` is 32 random bytes in base64url. Only the
SHA-256 of the secret is stored (a 256-bit random secret needs no slow hash) and it is
compared in constant time. The full key is returned once, by :meth:`ApiKeys.create`.

A key carries a role (at most its creator's) and scopes (at most its creator's; none
listed means every scope of the role). When a key belongs to a member, its effective
role is never more than the member's current role, and removing the member disables it.

Unknown, malformed, expired and revoked keys all fail alike with AuthenticationError.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lerkit.core.multibase import b64url_encode
from lerkit.db.models import ApiKey, Member, Organization
from lerkit.services.audit import AuditLog
from lerkit.services.context import ROLES, Actor, Clock, Entropy
from lerkit.services.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

SCOPES: dict[str, str] = {
    "credentials:issue": "issue credentials (single and bulk)",
    "credentials:read": "read issued credentials and the status lists",
    "credentials:revoke": "revoke, suspend and unsuspend credentials",
    "credentials:status": "use the VC-API status endpoint (its changes also need "
    "credentials:revoke)",
    "achievements:read": "read achievements and their versions",
    "achievements:write": "create, edit and archive achievements",
    "keys:manage": "rotate signing keys",
    "api_keys:manage": "create, list and revoke API keys",
    "members:manage": "add, change and remove members",
    "organization:write": "edit the organization's profile",
    "audit:read": "read the audit log",
}
"""Every scope an API key can carry, with what it allows (within the key's role)."""

API_KEYS_MANAGE = "api_keys:manage"
TOKEN_PREFIX = "lk_"  # noqa: S105 — a prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most this often
_TOKEN = re.compile(r"^lk_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$")
_UNAUTHENTICATED = "the API key is not valid"


def as_utc(value: datetime) -> datetime:
    """Databases without time zones (SQLite) return naive UTC datetimes."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ApiKeyInfo:
    """What may be shown of an API key: never its secret."""

    public_id: str
    name: str
    role: str
    scopes: tuple[str, ...]  # empty: every scope of the role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return as_utc(d).isoformat() if d else None

        return {
            "id": self.public_id,
            "name": self.name,
            "role": self.role,
            "scopes": list(self.scopes),
            "createdAt": iso(self.created_at),
            "expiresAt": iso(self.expires_at),
            "revokedAt": iso(self.revoked_at),
            "lastUsedAt": iso(self.last_used_at),
        }


@dataclass(frozen=True)
class CreatedApiKey:
    """A new key: ``token`` is the full key, shown once, never stored, never in ``repr``."""

    info: ApiKeyInfo
    token: str = field(repr=False)


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        public_id=row.public_id,
        name=row.name,
        role=row.role,
        scopes=tuple(row.scopes or ()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(
            f"role must be one of {', '.join(ROLES)}, got {role!r}",
            [{"field": "role", "message": f"one of {', '.join(ROLES)}"}],
        )
    return role


def check_scopes(scopes: list[str] | tuple[str, ...] | frozenset[str] | None) -> tuple[str, ...]:
    unknown = sorted(set(scopes or ()) - SCOPES.keys())
    if unknown:
        raise ValidationError(
            f"unknown scopes {', '.join(unknown)} (known: {', '.join(SCOPES)})",
            [{"field": "scopes", "message": f"unknown scope {s!r}"} for s in unknown],
        )
    return tuple(sorted(set(scopes or ())))


class ApiKeys:
    def __init__(self, audit: AuditLog, clock: Clock, entropy: Entropy) -> None:
        self._audit = audit
        self._clock = clock
        self._entropy = entropy

    def create(
        self,
        session: Session,
        actor: Actor,
        *,
        name: str,
        role: str,
        scopes: list[str] | tuple[str, ...] | None = None,
        expires_at: datetime | None = None,
        member_email: str | None = None,
    ) -> CreatedApiKey:
        """A new key for the actor's organization; the full key is in the result, once.

        Needs admin and ``api_keys:manage``. ``role`` and ``scopes`` cannot exceed the
        actor's. The key belongs to ``member_email`` if given, else to the member the
        actor's own key belongs to (if any).
        """
        actor.require("admin", API_KEYS_MANAGE)
        return self._create(session, actor, name, role, scopes, expires_at, member_email)

    def create_initial(
        self, session: Session, actor: Actor, *, name: str, member_email: str
    ) -> CreatedApiKey:
        """The first owner key of a new organization (``lerkit admin bootstrap``): the
        caller is the operator, on the database directly, so no key authorizes it."""
        return self._create(session, actor, name, "owner", None, None, member_email)

    def _create(
        self,
        session: Session,
        actor: Actor,
        name: str,
        role: str,
        scopes: list[str] | tuple[str, ...] | None,
        expires_at: datetime | None,
        member_email: str | None,
    ) -> CreatedApiKey:
        check_role(role)
        wanted = check_scopes(scopes)
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationError(
                "an API key needs a name of 1 to 200 characters",
                [{"field": "name", "message": "1 to 200 characters"}],
            )
        if not actor.can(role):
            raise PermissionDeniedError(
                f"an API key cannot have more power than its creator ({actor.role})"
            )
        if actor.scopes:
            if not wanted:
                wanted = tuple(sorted(actor.scopes))
            elif not set(wanted) <= actor.scopes:
                extra = ", ".join(sorted(set(wanted) - actor.scopes))
                raise PermissionDeniedError(f"the caller does not hold the scopes {extra}")
        now = self._clock()
        if expires_at is not None and as_utc(expires_at) <= as_utc(now):
            raise ValidationError(
                "expires_at must be in the future",
                [{"field": "expires_at", "message": "in the future"}],
            )
        member_id = self._member_id(session, actor, member_email)
        public_id = self._entropy(12).hex()
        secret = b64url_encode(self._entropy(32))
        row = ApiKey(
            organization_id=actor.organization_id,
            member_id=member_id,
            public_id=public_id,
            name=name,
            secret_hash=_hash(secret),
            role=role,
            scopes=list(wanted),
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
        )
        session.add(row)
        session.flush()
        self._audit.record(
            session,
            actor,
            "api_key.created",
            "api_key",
            public_id,
            {
                "name": name,
                "role": role,
                "scopes": list(wanted),
                "expiresAt": as_utc(expires_at).isoformat() if expires_at else None,
            },
        )
        return CreatedApiKey(_info(row), f"{TOKEN_PREFIX}{public_id}_{secret}")

    def _member_id(self, session: Session, actor: Actor, email: str | None) -> int | None:
        if email is not None:
            member = session.scalars(
                select(Member).where(
                    Member.organization_id == actor.organization_id,
                    Member.email == email.strip().lower(),
                )
            ).first()
            if member is None:
                raise NotFoundError(f"no member {email!r}")
            return member.id
        if actor.api_key_id is not None:
            parent = session.get(ApiKey, actor.api_key_id)
            if parent is not None and parent.organization_id == actor.organization_id:
                return parent.member_id
        return None

    def list(
        self, session: Session, actor: Actor, *, include_revoked: bool = True
    ) -> list[ApiKeyInfo]:
        """Keys of the actor's organization, oldest first (admin, ``api_keys:manage``)."""
        actor.require("admin", API_KEYS_MANAGE)
        query = select(ApiKey).where(ApiKey.organization_id == actor.organization_id)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        return [_info(r) for r in session.scalars(query.order_by(ApiKey.id)).all()]

    def revoke(self, session: Session, actor: Actor, public_id: str) -> ApiKeyInfo:
        """Revoke a key at once (admin, ``api_keys:manage``); revoking twice is a no-op."""
        actor.require("admin", API_KEYS_MANAGE)
        row = session.scalars(
            select(ApiKey).where(
                ApiKey.organization_id == actor.organization_id, ApiKey.public_id == public_id
            )
        ).first()
        if row is None:
            raise NotFoundError(f"no API key {public_id!r}")
        if not actor.can(row.role):
            raise PermissionDeniedError(f"only an {row.role} can revoke an {row.role}'s key")
        if row.revoked_at is None:
            row.revoked_at = self._clock()
            session.flush()
            self._audit.record(
                session, actor, "api_key.revoked", "api_key", public_id, {"name": row.name}
            )
        return _info(row)

    def authenticate(self, session: Session, token: str) -> Actor:
        """The Actor a key stands for. AuthenticationError, the same for every reason,
        if the key is malformed, unknown, expired or revoked."""
        match = _TOKEN.match(token) if isinstance(token, str) else None
        public_id, secret = match.groups() if match else ("", "")
        row = (
            session.scalars(select(ApiKey).where(ApiKey.public_id == public_id)).first()
            if match
            else None
        )
        stored = row.secret_hash if row is not None else "0" * 64
        # always compare, so that an unknown id takes the same path as a wrong secret
        good = hmac.compare_digest(_hash(secret), stored)
        if row is None or not good or row.revoked_at is not None:
            raise AuthenticationError(_UNAUTHENTICATED)
        now = as_utc(self._clock())
        if row.expires_at is not None and as_utc(row.expires_at) <= now:
            raise AuthenticationError(_UNAUTHENTICATED)
        role = row.role
        if row.member_id is not None:
            member = session.get(Member, row.member_id)
            if member is None or member.organization_id != row.organization_id:
                raise AuthenticationError(_UNAUTHENTICATED)
            if ROLES.index(member.role) < ROLES.index(role):
                role = member.role
        if session.get(Organization, row.organization_id) is None:
            raise AuthenticationError(_UNAUTHENTICATED)
        if row.last_used_at is None or as_utc(row.last_used_at) <= now - LAST_USED_RESOLUTION:
            # one cheap conditional UPDATE, at most once a minute per key
            threshold = now - LAST_USED_RESOLUTION
            session.execute(
                update(ApiKey)
                .where(
                    ApiKey.id == row.id,
                    or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= threshold),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
        return Actor(
            organization_id=row.organization_id,
            role=role,
            label=f"key:{row.public_id}",
            scopes=frozenset(row.scopes or ()),
            api_key_id=row.id,
        )


__all__ = [
    "API_KEYS_MANAGE",
    "SCOPES",
    "ApiKeyInfo",
    "ApiKeys",
    "CreatedApiKey",
    "as_utc",
    "check_role",
    "check_scopes",
]
