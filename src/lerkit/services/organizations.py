"""Organizations (tenants), their OB 3.0 issuer Profile, and their members.

Creating an organization gives it an issuer identity — a did:web served by lerkit
(``/orgs/<slug>/did.json``) or a did:key — and its first Ed25519 signing key, sealed by the
key store. Members have one role each (owner > admin > issuer > viewer); membership
changes need admin and the ``members:manage`` scope, nobody grants or touches a role
above their own, and an organization always keeps at least one owner.

Everything is scoped to ``actor.organization_id``: another organization's members are
simply not found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lerkit.core.errors import InputError
from lerkit.core.model.ob3 import Image, Profile
from lerkit.core.types import JsonObject
from lerkit.db.models import ApiKey, Member, Organization
from lerkit.services.access import check_role
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock
from lerkit.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lerkit.services.identity import DID_METHODS, Identity

MEMBERS_MANAGE = "members:manage"
ORGANIZATION_WRITE = "organization:write"
PROFILE_FIELDS = ("url", "email", "description", "image", "phone")
RESERVED_SLUGS = frozenset({"admin", "api", "docs", "static", "well-known", "new", "orgs"})

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+$")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"^data:image/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+$", re.IGNORECASE)
MAX_DESCRIPTION = 5000


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", [{"field": field, "message": message}])


def slugify(name: str) -> str:
    """A slug from a name: lower-case letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64].strip("-")


def check_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise _invalid(
            "slug", "1 to 64 lower-case letters, digits and dashes, not starting or ending in '-'"
        )
    if slug in RESERVED_SLUGS:
        raise _invalid("slug", f"{slug!r} is reserved")
    return slug


def check_email(email: str, field: str = "email") -> str:
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise _invalid(field, f"{email!r} is not an email address")
    return value


def _check_name(name: str) -> str:
    value = name.strip()
    if not value or len(value) > 300:
        raise _invalid("name", "1 to 300 characters")
    return value


def _check_profile(changes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in PROFILE_FIELDS:
            raise _invalid(key, f"not a profile field (fields: name, {', '.join(PROFILE_FIELDS)})")
        if value is None or value == "":
            out[key] = None
            continue
        if not isinstance(value, str):
            raise _invalid(key, "must be a string")
        value = value.strip()
        if key == "url" and not (_HTTP_URL.match(value) and len(value) <= 2000):
            raise _invalid(key, "an http(s) URL")
        if key == "email":
            value = check_email(value, key)
        if key == "image" and not (
            (_HTTP_URL.match(value) and len(value) <= 2000)
            or (_DATA_IMAGE.match(value) and len(value) <= 1_000_000)
        ):
            raise _invalid(key, "an http(s) URL or a data:image/...;base64 URL")
        if key == "description" and len(value) > MAX_DESCRIPTION:
            raise _invalid(key, f"at most {MAX_DESCRIPTION} characters")
        if key == "phone" and len(value) > 50:
            raise _invalid(key, "at most 50 characters")
        out[key] = value
    return out


@dataclass(frozen=True)
class MemberInfo:
    email: str
    role: str
    created_at: datetime

    def to_json(self) -> JsonObject:
        return {"email": self.email, "role": self.role, "createdAt": self.created_at.isoformat()}


def _member_info(row: Member) -> MemberInfo:
    return MemberInfo(row.email, row.role, row.created_at)


def issuer_profile(org: Organization) -> Profile:
    """The organization as an OB 3.0 issuer ``Profile`` (``id`` is its DID)."""
    data = org.profile or {}
    image = data.get("image")
    try:
        return Profile(
            id=org.did,
            name=org.name,
            url=data.get("url"),
            email=data.get("email"),
            description=data.get("description"),
            phone=data.get("phone"),
            image=Image(id=image) if image else None,
        )
    except InputError as exc:  # stored values were checked; this is a bug if it happens
        raise ValidationError(f"the stored profile is unusable: {exc.message}") from exc


class Organizations:
    def __init__(self, identity: Identity, audit: AuditLog, clock: Clock) -> None:
        self._identity = identity
        self._audit = audit
        self._clock = clock

    # ------------------------------------------------------------------ organizations

    def create(
        self,
        session: Session,
        *,
        name: str,
        slug: str | None = None,
        did_method: str = "web",
        owner_email: str,
        profile: Mapping[str, Any] | None = None,
        created_by: str = "system",
    ) -> Organization:
        """A new organization with its DID, first signing key (Ed25519) and owner member.

        Not an organization-scoped call: the instance operator (``lerkit admin bootstrap``)
        or a future instance-admin API calls it. ``created_by`` labels the audit events.
        ConflictError if the slug (or DID) is taken.
        """
        name = _check_name(name)
        slug = check_slug(slug if slug is not None else slugify(name))
        if did_method not in DID_METHODS:
            raise _invalid("did_method", f"one of {', '.join(DID_METHODS)}")
        owner_email = check_email(owner_email, "owner_email")
        extras = {k: v for k, v in _check_profile(profile or {}).items() if v is not None}
        if session.scalars(select(Organization.id).where(Organization.slug == slug)).first():
            raise ConflictError(f"the slug {slug!r} is taken")
        key = self._identity.new_key()
        did = self._identity.did_for(did_method, slug, key)
        if session.scalars(select(Organization.id).where(Organization.did == did)).first():
            raise ConflictError(f"the DID {did} is taken")
        now = self._clock()
        org = Organization(
            slug=slug,
            name=name,
            did=did,
            did_method=did_method,
            profile=extras,
            created_at=now,
        )
        session.add(org)
        session.flush()
        signing_key = self._identity.add_first_key(session, org, key)
        owner = Member(organization_id=org.id, email=owner_email, role="owner", created_at=now)
        session.add(owner)
        session.flush()
        system = Actor(organization_id=org.id, role="owner", label=created_by)
        self._audit.record(
            session, system, "organization.created", "organization", slug,
            {"name": name, "did": did, "didMethod": did_method},
        )  # fmt: skip
        self._audit.record(
            session, system, "signing_key.created", "signing_key", signing_key.key_id,
            {"keyType": signing_key.key_type, "publicKeyMultibase": signing_key.public_multikey},
        )  # fmt: skip
        self._audit.record(
            session, system, "member.added", "member", owner_email, {"role": "owner"}
        )
        return org

    def get(self, session: Session, actor: Actor) -> Organization:
        """The actor's organization (any role)."""
        actor.require("viewer")
        org = session.get(Organization, actor.organization_id)
        if org is None:
            raise NotFoundError("no such organization")
        return org

    def get_by_slug(self, session: Session, slug: str) -> Organization:
        """Public lookup (DID documents, issuer profiles): NotFoundError if none."""
        org = session.scalars(select(Organization).where(Organization.slug == slug)).first()
        if org is None:
            raise NotFoundError(f"no organization {slug!r}")
        return org

    def profile(self, session: Session, actor: Actor) -> Profile:
        return issuer_profile(self.get(session, actor))

    def update_profile(self, session: Session, actor: Actor, changes: Mapping[str, Any]) -> Profile:
        """Change ``name`` and the Profile fields (url, email, description, image, phone);
        ``None`` or ``""`` clears a field. Needs admin and ``organization:write``."""
        actor.require("admin", ORGANIZATION_WRITE)
        org = self.get(session, actor)
        changes = dict(changes)
        new_name = _check_name(changes.pop("name")) if "name" in changes else None
        checked = _check_profile(changes)
        profile = dict(org.profile or {})
        for key, value in checked.items():
            if value is None:
                profile.pop(key, None)
            else:
                profile[key] = value
        if new_name is not None:
            org.name = new_name
        org.profile = profile  # a new dict, so that the JSON column sees the change
        session.flush()
        self._audit.record(
            session,
            actor,
            "organization.profile_updated",
            "organization",
            org.slug,
            {"fields": sorted([*checked, *(["name"] if new_name is not None else [])])},
        )
        return issuer_profile(org)

    # ------------------------------------------------------------------ members

    def list_members(self, session: Session, actor: Actor) -> list[MemberInfo]:
        actor.require("viewer")
        rows = session.scalars(
            select(Member)
            .where(Member.organization_id == actor.organization_id)
            .order_by(Member.id)
        ).all()
        return [_member_info(r) for r in rows]

    def _member(self, session: Session, actor: Actor, email: str, lock: bool = False) -> Member:
        query = select(Member).where(
            Member.organization_id == actor.organization_id,
            Member.email == email.strip().lower(),
        )
        row = session.scalars(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFoundError(f"no member {email!r}")
        return row

    def _grantable(self, actor: Actor, role: str) -> None:
        check_role(role)
        if not actor.can(role):
            raise PermissionDeniedError(f"a {actor.role} cannot grant or change the {role} role")

    def _owners(self, session: Session, organization_id: int) -> int:
        # lock the owners (PostgreSQL) so that two demotions cannot leave none
        owners = session.scalars(
            select(Member.id)
            .where(Member.organization_id == organization_id, Member.role == "owner")
            .with_for_update()
        ).all()
        return len(owners)

    def add_member(self, session: Session, actor: Actor, email: str, role: str) -> MemberInfo:
        actor.require("admin", MEMBERS_MANAGE)
        email = check_email(email)
        self._grantable(actor, role)
        taken = session.scalar(
            select(func.count(Member.id)).where(
                Member.organization_id == actor.organization_id, Member.email == email
            )
        )
        if taken:
            raise ConflictError(f"{email} is already a member")
        row = Member(
            organization_id=actor.organization_id, email=email, role=role, created_at=self._clock()
        )
        session.add(row)
        session.flush()
        self._audit.record(session, actor, "member.added", "member", email, {"role": role})
        return _member_info(row)

    def change_member_role(
        self, session: Session, actor: Actor, email: str, role: str
    ) -> MemberInfo:
        actor.require("admin", MEMBERS_MANAGE)
        self._grantable(actor, role)
        row = self._member(session, actor, email, lock=True)
        self._grantable(actor, row.role)  # nobody changes someone above them
        if row.role == role:
            return _member_info(row)
        if row.role == "owner" and self._owners(session, actor.organization_id) <= 1:
            raise ConflictError("an organization keeps at least one owner; add another first")
        old = row.role
        row.role = role
        session.flush()
        self._audit.record(
            session, actor, "member.role_changed", "member", row.email, {"from": old, "to": role}
        )
        return _member_info(row)

    def remove_member(self, session: Session, actor: Actor, email: str) -> None:
        """Remove a member; API keys that belong to them stop working."""
        actor.require("admin", MEMBERS_MANAGE)
        row = self._member(session, actor, email, lock=True)
        self._grantable(actor, row.role)
        if row.role == "owner" and self._owners(session, actor.organization_id) <= 1:
            raise ConflictError("an organization keeps at least one owner; add another first")
        self._disable_member_keys(session, actor, row)
        session.delete(row)
        session.flush()
        self._audit.record(
            session, actor, "member.removed", "member", row.email, {"role": row.role}
        )

    def _disable_member_keys(self, session: Session, actor: Actor, member: Member) -> None:
        now = self._clock()
        for key in session.scalars(select(ApiKey).where(ApiKey.member_id == member.id)).all():
            key.member_id = None  # the row goes; the key must not outlive it
            if key.revoked_at is None:
                key.revoked_at = now
                self._audit.record(
                    session, actor, "api_key.revoked", "api_key", key.public_id,
                    {"name": key.name, "reason": "member removed"},
                )  # fmt: skip


__all__ = [
    "MEMBERS_MANAGE",
    "ORGANIZATION_WRITE",
    "PROFILE_FIELDS",
    "MemberInfo",
    "Organizations",
    "check_email",
    "check_slug",
    "issuer_profile",
    "slugify",
]
