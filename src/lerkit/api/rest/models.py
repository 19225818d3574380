"""Request and response bodies of the REST API (no secret ever, except a new API key's
token, once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["viewer", "issuer", "admin", "owner"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# ----------------------------------------------------------------------------- organization


class OrganizationOut(Out):
    slug: str
    name: str
    did: str
    didMethod: str
    profile: dict[str, Any]


class ProfileUpdate(Body):
    name: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2000)
    email: str | None = Field(default=None, max_length=320)
    description: str | None = Field(default=None, max_length=5000)
    image: str | None = Field(default=None, max_length=1_000_000)
    phone: str | None = Field(default=None, max_length=50)

    @field_validator("name")
    @classmethod
    def _name_stays(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("an organization keeps its name: it cannot be cleared")
        return value


class MemberOut(Out):
    email: str
    role: str
    createdAt: str


class MemberIn(Body):
    email: str = Field(max_length=320)
    role: Role


class MemberRoleIn(Body):
    role: Role


# ----------------------------------------------------------------------------- API keys


class ApiKeyIn(Body):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    scopes: list[str] = Field(default_factory=list, max_length=32)
    expiresAt: datetime | None = None
    memberEmail: str | None = Field(default=None, max_length=320)


class ApiKeyOut(Out):
    id: str
    name: str
    role: str
    scopes: list[str]
    createdAt: str | None
    expiresAt: str | None
    revokedAt: str | None
    lastUsedAt: str | None


class CreatedApiKeyOut(ApiKeyOut):
    token: str = Field(description="The full API key. Shown once: it is not stored.")


# ----------------------------------------------------------------------------- signing keys


class SigningKeyOut(Out):
    keyId: str
    verificationMethod: str
    type: str
    publicKeyMultibase: str
    status: str
    createdAt: str
    retiredAt: str | None
    liveCredentials: int


class RotateIn(Body):
    keyType: Literal["ed25519", "p256", "p384"] = "ed25519"


# ----------------------------------------------------------------------------- audit


class AuditEventOut(Out):
    id: int
    actor: str
    action: str
    objectType: str
    objectId: str
    details: dict[str, Any]
    createdAt: str


class AuditPageOut(Out):
    events: list[AuditEventOut]
    nextCursor: str | None


# ----------------------------------------------------------------------------- credentials


class StatusChangeIn(Body):
    reason: str | None = Field(default=None, max_length=2000)


class BulkStatusIn(Body):
    credentialIds: list[str] = Field(min_length=1, max_length=10_000)
    action: Literal["revoke", "suspend", "unsuspend"]
    reason: str | None = Field(default=None, max_length=2000)


# ----------------------------------------------------------------------------- issuing


class IssueIn(Body):
    achievement: str = Field(max_length=64, description="The achievement's public id.")
    recipient: str = Field(max_length=500, description="Email address, DID or identifier.")
    recipientType: Literal["email", "did", "other"] = "email"
    hashed: bool = Field(default=True, description="Hash the identifier (salted SHA-256).")
    identityType: str = Field(default="identifier", max_length=100)
    results: list[dict[str, Any]] | None = Field(default=None, max_length=100)
    evidence: list[dict[str, Any]] | None = Field(default=None, max_length=100)
    validUntil: datetime | None = None
    format: str = Field(default="eddsa-rdfc-2022", max_length=40)
    idempotencyKey: str | None = Field(default=None, max_length=200)
    email: bool = Field(default=False, description="Email the recipient a claim link.")
    lang: Literal["en", "fr"] = Field(default="en", description="The claim email's language.")


class ClrIn(Body):
    recipient: str = Field(max_length=500)
    credentialIds: list[str] = Field(min_length=1, max_length=1000)
    recipientType: Literal["email", "did", "other"] = "email"
    hashed: bool = True
    identityType: str = Field(default="identifier", max_length=100)
    name: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    associations: list[dict[str, Any]] | None = Field(default=None, max_length=1000)
    partial: bool | None = None
    validUntil: datetime | None = None
    format: str = Field(default="eddsa-rdfc-2022", max_length=40)
    idempotencyKey: str | None = Field(default=None, max_length=200)


class CredentialOut(Out):
    id: str
    format: str
    recipient: str
    recipientType: str
    achievement: str | None
    achievementVersion: int | None
    issuedAt: str
    status: str
    revokedAt: str | None
    statusReason: str | None
    credential: Any = None
    claim: dict[str, Any] | None = None  # the claim link, when issued with `email: true`


class CredentialPageOut(Out):
    items: list[CredentialOut]
    total: int
    limit: int
    offset: int


class BulkStatusOut(Out):
    changed: list[str]
    unchanged: list[str]
    notFound: list[str]
    refused: dict[str, str]


class AchievementPageOut(Out):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class JobProgressOut(Out):
    id: str
    state: str
    total: int
    processed: int
    issued: int
    skipped: int
    failed: int
    fraction: float
    error: str | None
