"""Issuing Open Badges 3.0 and CLR 2.0 credentials, and changing their status.

``issue`` builds an OB 3.0 ``OpenBadgeCredential`` for one recipient (email, DID or other
identifier; optionally a salted SHA-256 ``IdentityObject``), gives it a revocation and a
suspension entry at random unused indexes (``credentialStatus`` is an array of the two:
VC 2.0 allows it, the OB 3.0 JSON Schema wants one object, so verifiers report a schema
warning), signs it with the organization's active key and stores the exact text, its status
entries and an audit event in ONE transaction: a failure anywhere leaves nothing behind.

``issue_document`` issues a caller's own unsigned VC 2.0 credential (the VC-API's
``POST /credentials/issue``) through the same path: issuer set to the organization's DID,
an ``id`` added when missing, the two status entries appended, then signed, stored and
audited in one transaction. ``issue_in`` / ``revoke_in`` do their work in the caller's
session (a bulk job issues and marks its row in one transaction).

An ``idempotency_key`` makes a retry safe: the same key returns the credential issued the
first time (ConflictError if it was for another achievement or recipient).

Revocation is final; suspension can be lifted. Every call is tenant-scoped: another
organization's credential is NotFoundError.

Stored ``format``: ``ldp-eddsa-rdfc-2022``, ``ldp-ed25519-2020``, ``vc-jwt``, ``sd-jwt-vc``
or ``clr``.

The ``dc+sd-jwt`` format (stored ``sd-jwt-vc``: the SD-JWT as issued, every Disclosure
attached) is an SD-JWT VC of an achievement (:func:`sd_jwt_vc_claims`): ``iss`` the
organization's DID, ``kid`` its key, ``vct`` ``{public_url}/orgs/{slug}/vct/open-badge``,
``sub`` and ``cnf.jwk`` the holder's key (so the recipient must be a did:key or did:jwk),
``exp`` from ``validUntil``; the achievement, its description, criteria and alignments, the
results, identifiers and evidence are selectively disclosable. It gets its revocation and
suspension entries like every credential (the API's revoke / suspend work), but no
``status`` claim: an SD-JWT VC's ``status`` is an IETF Token Status List reference
(``{"status_list": {"idx", "uri"}}`` to a ``statuslist+jwt``), which lerkit's Bitstring
Status List credentials are not; a verifier of the SD-JWT VC cannot see a revocation yet.
Only :meth:`issue` / :meth:`issue_in` issue it (not ``issue_document`` nor CLRs).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lerkit.core.dids.base import split_did_url
from lerkit.core.dids.jwk import public_key_from_did_jwk
from lerkit.core.dids.key import public_key_from_did_key
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.issuer import issue as sign_credential
from lerkit.core.keys import PrivateKey, PublicKey
from lerkit.core.model import clr, ob3
from lerkit.core.model.vc import (
    VC_V2_CONTEXT,
    as_list,
    basic_shape_errors,
    contexts,
    credential_types,
    is_url,
    parse_datetime,
)
from lerkit.core.multibase import b64url_encode
from lerkit.core.sdjwt import issue_sd_jwt_vc
from lerkit.core.types import JsonObject
from lerkit.db.errors import DatabaseConflict
from lerkit.db.models import Achievement, AchievementVersion, IssuedCredential, Organization
from lerkit.db.session import Database
from lerkit.services.achievements import (
    AchievementService,
    Page,
    check_paging,
    result_description_id,
    to_ob3,
)
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.interfaces import Signer
from lerkit.services.organizations import issuer_profile
from lerkit.services.status_lists import PURPOSES, StatusListService

ISSUE_SCOPE = "credentials:issue"
READ_SCOPE = "credentials:read"
REVOKE_SCOPE = "credentials:revoke"

FORMATS: dict[str, tuple[str, str]] = {
    "eddsa-rdfc-2022": ("eddsa-rdfc-2022", "ldp-eddsa-rdfc-2022"),
    "ed25519-signature-2020": ("ed25519-signature-2020", "ldp-ed25519-2020"),
    "vc-jwt": ("vc-jwt", "vc-jwt"),
    "dc+sd-jwt": ("sd-jwt-vc", "sd-jwt-vc"),
}
"""Requested format -> (core suite name, stored format)."""

SD_JWT_VC = "sd-jwt-vc"
SD_JWT_VCT_PATH = "/vct/open-badge"
"""The ``vct`` of lerkit's SD-JWT VCs: this path under the organization's issuer URL."""
_SD_ACHIEVEMENT_DETAILS = ("description", "criteria", "alignment")

RECIPIENT_TYPES = ("email", "did", "other")
STATUSES = ("active", "revoked", "suspended")
MAX_BULK = 1000
_EVENTS = {
    "revoke": "credential.revoked",
    "suspend": "credential.suspended",
    "unsuspend": "credential.unsuspended",
}

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%\-]+(?:[#/?].*)?")
_IDENTITY_TYPE = re.compile(r"[A-Za-z]+|ext:[A-Za-z0-9.\-_]+")


@dataclass(frozen=True)
class CredentialRecord:
    """An issued credential as the API shows it (``document`` is the exact text issued)."""

    credential_id: str
    format: str
    recipient: str
    recipient_type: str
    achievement_id: str | None  # the achievement's public id (None for a CLR)
    achievement_version: int | None
    issued_at: datetime
    revoked_at: datetime | None
    suspended: bool
    status_reason: str | None
    document: str
    idempotency_key: str | None
    status_entries: list[JsonObject] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "suspended" if self.suspended else "active"

    def parsed(self) -> JsonObject | str:
        """The document as JSON (Data Integrity) or the compact JWT (``vc-jwt``)."""
        if self.format in ("vc-jwt", SD_JWT_VC) or not self.document.startswith("{"):
            return self.document
        parsed: JsonObject = json.loads(self.document)
        return parsed

    def to_json(self, *, include_document: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.credential_id,
            "format": self.format,
            "recipient": self.recipient,
            "recipientType": self.recipient_type,
            "achievement": self.achievement_id,
            "achievementVersion": self.achievement_version,
            "issuedAt": self.issued_at.isoformat(),
            "status": self.status,
            "revokedAt": self.revoked_at.isoformat() if self.revoked_at else None,
            "statusReason": self.status_reason,
        }
        if include_document:
            out["credential"] = self.parsed()
        return out


@dataclass(frozen=True)
class BulkStatusChange:
    """What a bulk revoke / suspend / unsuspend did, id by id."""

    changed: list[str]
    unchanged: list[str]  # already in the asked-for state
    not_found: list[str]
    refused: dict[str, str]  # id -> why (e.g. suspending a revoked credential)


def _fail(field_name: str, message: str) -> ValidationError:
    return ValidationError(f"{field_name} {message}", [{"field": field_name, "message": message}])


def _is_uri(value: Any) -> bool:
    return isinstance(value, str) and is_url(value)


def _issuer_mismatch(given: Any, did: str) -> ValidationError:
    return ValidationError(
        f"the credential's issuer is {given!r}, but this organization issues as {did}: "
        "leave issuer out or set it to the organization's DID",
        [{"field": "credential.issuer", "message": f"must be {did} (or left out)"}],
        ProblemCode.ISSUER_MISMATCH,
    )


def _check_document(credential: Any) -> None:
    """What ``issue_document`` refuses before opening a transaction (InputError: 400)."""
    if not isinstance(credential, Mapping):
        raise InputError("the credential must be a JSON object", ProblemCode.CREDENTIAL_MALFORMED)
    found = contexts(credential)
    if not found or found[0] != VC_V2_CONTEXT:
        raise InputError(
            f"the credential's first @context must be {VC_V2_CONTEXT}: "
            "lerkit issues VC Data Model 2.0 credentials",
            ProblemCode.CREDENTIAL_MALFORMED,
        )
    if "proof" in credential:
        raise InputError(
            "the credential already has a proof: send it unsigned",
            ProblemCode.CREDENTIAL_MALFORMED,
        )


def _document_recipient(document: Mapping[str, Any]) -> tuple[str, str]:
    """(recipient, recipient type) of a caller's credential, for lists and CLR bundling:
    the first subject's ``id`` (a DID or another URL), else its first OB 3.0 identifier
    (an unhashed email address, or the identifier as given), else ``""``."""
    subjects = as_list(document.get("credentialSubject"))
    subject = subjects[0] if subjects and isinstance(subjects[0], Mapping) else {}
    found = subject.get("id")
    recipient, kind = "", "other"
    if isinstance(found, str) and found:
        recipient, kind = found, "did" if _DID.fullmatch(found) else "other"
    else:
        for identity in as_list(subject.get("identifier")):
            value = identity.get("identityHash") if isinstance(identity, Mapping) else None
            if isinstance(value, str) and value:
                plain_email = (
                    identity.get("identityType") == "emailAddress"
                    and identity.get("hashed") is False
                )
                recipient = value.lower() if plain_email else value
                kind = "email" if plain_email else "other"
                break
    if len(recipient) > 500:
        raise _fail("credentialSubject.id", "must be at most 500 characters")
    return recipient, kind


def holder_key(did: str) -> PublicKey:
    """The key an SD-JWT VC is bound to: that of a did:key or did:jwk recipient."""
    try:
        if did.startswith("did:key:"):
            return public_key_from_did_key(did)
        if did.startswith("did:jwk:"):
            return public_key_from_did_jwk(did)
    except LerkitError as exc:
        raise _fail("recipient", f"is not a usable key DID: {exc.message}") from exc
    raise _fail(
        "recipient",
        "an SD-JWT VC (dc+sd-jwt) is bound to the holder's key: give a did:key or did:jwk",
    )


def sd_jwt_vc_claims(unsigned: Mapping[str, Any]) -> tuple[JsonObject, list[str]]:
    """The SD-JWT VC claims of an unsigned OB 3.0 credential, and the paths to make
    selectively disclosable. ``iss``, ``vct``, ``iat``, ``exp`` and ``cnf`` are set when
    signing; the W3C envelope (``@context``, ``type``, ``proof``, ``credentialStatus``) is
    not carried over."""
    subject = unsigned.get("credentialSubject") or {}
    claims: JsonObject = {"jti": unsigned["id"]}
    if isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    claims["name"] = unsigned.get("name")
    issuer = unsigned.get("issuer")
    if isinstance(issuer, Mapping):
        claims["issuer_name"] = issuer.get("name")
    if unsigned.get("awardedDate"):
        claims["awarded_date"] = unsigned["awardedDate"]
    disclosable: list[str] = []
    achievement = subject.get("achievement")
    if isinstance(achievement, Mapping):
        claims["achievement"] = dict(achievement)
        disclosable.append("achievement")
        disclosable += [f"/achievement/{k}" for k in _SD_ACHIEVEMENT_DETAILS if k in achievement]
    for source, name in (
        (subject, "result"),
        (subject, "identifier"),
        (unsigned, "evidence"),
    ):
        value = source.get(name)
        if value:
            claims[name] = value
            disclosable.append(name)
    return {k: v for k, v in claims.items() if v is not None}, disclosable


class IssuanceService:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        entropy: Entropy,
        signer: Signer,
        audit: AuditLog,
        achievements: AchievementService,
        status_lists: StatusListService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._entropy = entropy
        self._signer = signer
        self._audit = audit
        self._achievements = achievements
        self._status_lists = status_lists

    # ------------------------------------------------------------------ helpers

    def _organization(self, session: Session, actor: Actor) -> Organization:
        organization = session.get(Organization, actor.organization_id)
        if organization is None:
            raise NotFoundError("the organization does not exist")
        return organization

    def _new_id(self) -> str:
        return f"urn:uuid:{uuid.UUID(bytes=self._entropy(16), version=4)}"

    def _salt(self) -> str:
        return self._entropy(16).hex()

    @staticmethod
    def _format(format: str) -> tuple[str, str]:
        if format not in FORMATS:
            raise _fail("format", f"must be one of {', '.join(FORMATS)}; got {format!r}")
        return FORMATS[format]

    def _recipient(
        self, recipient: Any, recipient_type: str, hashed: bool, identity_type: str
    ) -> tuple[str, str | None, tuple[ob3.IdentityObject, ...]]:
        """(stored recipient, subject id, identifiers)."""
        if recipient_type not in RECIPIENT_TYPES:
            raise _fail("recipientType", f"must be one of {', '.join(RECIPIENT_TYPES)}")
        if not isinstance(recipient, str) or not recipient.strip():
            raise _fail("recipient", "is required")
        value = recipient.strip()
        if len(value) > 500:
            raise _fail("recipient", "must be at most 500 characters")
        if recipient_type == "did":
            if not _DID.fullmatch(value):
                raise _fail("recipient", "must be a DID, like did:key:z6Mk...")
            return value, value, ()
        if recipient_type == "email":
            value = value.lower()
            if not _EMAIL.fullmatch(value):
                raise _fail("recipient", "must be an email address, like ada@example.org")
            if hashed:
                return value, None, (ob3.hashed_email_identity(value, self._salt()),)
            plain = ob3.IdentityObject(
                identity_hash=value, identity_type="emailAddress", hashed=False
            )
            return value, None, (plain,)
        if not _IDENTITY_TYPE.fullmatch(identity_type):
            raise _fail("identityType", "must be an OB identifier type, like identifier or ext:X")
        if hashed:
            salt = self._salt()
            digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
            identity = ob3.IdentityObject(
                identity_hash=f"sha256${digest}",
                identity_type=identity_type,
                hashed=True,
                salt=salt,
            )
        else:
            identity = ob3.IdentityObject(
                identity_hash=value, identity_type=identity_type, hashed=False
            )
        return value, None, (identity,)

    @staticmethod
    def _results(
        achievement_url: str, data: Mapping[str, Any], results: Sequence[Any] | None
    ) -> tuple[ob3.Result, ...]:
        if not results:
            return ()
        if not isinstance(results, Sequence) or isinstance(results, str):
            raise _fail("results", "must be a list")
        described = {r["key"]: r for r in data.get("resultDescriptions", [])}
        errors: list[dict[str, Any]] = []
        out = []
        for i, item in enumerate(results):
            f = f"results[{i}]"
            if not isinstance(item, Mapping):
                errors.append({"field": f, "message": "must be an object"})
                continue
            unknown = set(item) - {"resultDescription", "value", "achievedLevel", "status"}
            for key in sorted(unknown):
                errors.append({"field": f"{f}.{key}", "message": "is not a known field"})
            key = item.get("resultDescription")
            description = described.get(key) if isinstance(key, str) else None
            if description is None:
                known = ", ".join(described) or "none: the achievement describes no results"
                errors.append(
                    {
                        "field": f"{f}.resultDescription",
                        "message": f"must name one of the achievement's results ({known})",
                    }
                )
            value = item.get("value")
            if value is not None and not isinstance(value, str | int | float):
                errors.append({"field": f"{f}.value", "message": "must be text or a number"})
            value_text = None if value is None else str(value)
            allowed = (description or {}).get("allowedValues")
            if allowed and value_text is not None and value_text not in allowed:
                errors.append(
                    {"field": f"{f}.value", "message": f"must be one of {', '.join(allowed)}"}
                )
            status = item.get("status")
            if status is not None and status not in {s.value for s in ob3.ResultStatus}:
                errors.append(
                    {
                        "field": f"{f}.status",
                        "message": "must be one of " + ", ".join(s.value for s in ob3.ResultStatus),
                    }
                )
            level = item.get("achievedLevel")
            if level is not None and not isinstance(level, str):
                errors.append({"field": f"{f}.achievedLevel", "message": "must be text"})
            if description is not None and isinstance(key, str):
                out.append(
                    ob3.Result(
                        result_description=result_description_id(achievement_url, key),
                        value=value_text,
                        status=status,
                        achieved_level=level,
                    )
                )
        if errors:
            raise ValidationError(
                f"the results have {len(errors)} problem(s): "
                + "; ".join(f"{e['field']} {e['message']}" for e in errors[:5]),
                errors,
            )
        return tuple(out)

    @staticmethod
    def _evidence(evidence: Sequence[Any] | None) -> tuple[ob3.Evidence, ...]:
        if not evidence:
            return ()
        if not isinstance(evidence, Sequence) or isinstance(evidence, str):
            raise _fail("evidence", "must be a list")
        keys = {"id", "narrative", "name", "description", "genre", "audience"}
        errors: list[dict[str, Any]] = []
        out = []
        for i, item in enumerate(evidence):
            f = f"evidence[{i}]"
            if not isinstance(item, Mapping):
                errors.append({"field": f, "message": "must be an object"})
                continue
            for key in sorted(set(item) - keys):
                errors.append({"field": f"{f}.{key}", "message": "is not a known field"})
            for key in keys & set(item):
                if not isinstance(item[key], str) or not item[key].strip():
                    errors.append({"field": f"{f}.{key}", "message": "must be non-empty text"})
            if "id" in item and isinstance(item["id"], str) and not _is_uri(item["id"]):
                errors.append({"field": f"{f}.id", "message": "must be an absolute URL"})
            if not (set(item) & {"id", "narrative", "name"}):
                errors.append({"field": f, "message": "needs an id (URL), a narrative or a name"})
            if not errors:
                out.append(
                    ob3.Evidence(
                        id=item.get("id"),
                        narrative=item.get("narrative"),
                        name=item.get("name"),
                        description=item.get("description"),
                        genre=item.get("genre"),
                        audience=item.get("audience"),
                    )
                )
        if errors:
            raise ValidationError(
                f"the evidence has {len(errors)} problem(s): "
                + "; ".join(f"{e['field']} {e['message']}" for e in errors[:5]),
                errors,
            )
        return tuple(out)

    def _sign(
        self,
        session: Session,
        organization: Organization,
        unsigned: JsonObject,
        suite: str,
        now: datetime,
    ) -> tuple[str, int | None]:
        private_key, vm_id, signing_key_id = self._signer.signer_for(session, organization)
        if suite == SD_JWT_VC:
            return self._sign_sd_jwt_vc(unsigned, private_key, vm_id, now), signing_key_id
        signed = sign_credential(
            unsigned, private_key, verification_method=vm_id, created=now, suite=suite
        )
        text = signed if isinstance(signed, str) else json.dumps(signed, ensure_ascii=False)
        return text, signing_key_id

    def _sign_sd_jwt_vc(
        self, unsigned: JsonObject, key: PrivateKey, vm_id: str, now: datetime
    ) -> str:
        claims, disclosable = sd_jwt_vc_claims(unsigned)
        holder = str(claims.get("sub", ""))
        achievement_url = str(claims["achievement"]["id"])
        until = unsigned.get("validUntil")
        return issue_sd_jwt_vc(
            claims,
            vct=achievement_url.rsplit("/achievements/", 1)[0] + SD_JWT_VCT_PATH,
            issuer=split_did_url(vm_id)[0],
            key=key,
            kid=vm_id,
            disclosable=disclosable,
            salt=lambda: b64url_encode(self._entropy(16)),
            holder_jwk=holder_key(holder).jwk,
            iat=now,
            exp=parse_datetime(until) if isinstance(until, str) else None,
        )

    def _existing(
        self, session: Session, actor: Actor, idempotency_key: str | None
    ) -> IssuedCredential | None:
        if idempotency_key is None:
            return None
        return session.scalars(
            select(IssuedCredential).where(
                IssuedCredential.organization_id == actor.organization_id,
                IssuedCredential.idempotency_key == idempotency_key,
            )
        ).one_or_none()

    @staticmethod
    def _check_idempotency_key(key: str | None) -> None:
        if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= 200):
            raise _fail("idempotencyKey", "must be text of 1 to 200 characters")

    def _allocate_all(
        self,
        session: Session,
        organization: Organization,
        row: IssuedCredential,
        purposes: Sequence[str] = PURPOSES,
    ) -> list[JsonObject]:
        return [
            self._status_lists.allocate(session, organization, purpose, row).entry()
            for purpose in purposes
        ]

    def _once(
        self,
        actor: Actor,
        idempotency_key: str | None,
        matches: Callable[[Session, IssuedCredential], None],
        work: Callable[[Session], IssuedCredential],
    ) -> CredentialRecord:
        """Run ``work`` in one unit of work, unless ``idempotency_key`` already names a
        credential (``matches`` checks it is the same request; then it is returned). When a
        concurrent request with the same key wins the race, what it issued is returned."""
        try:
            with self._db.session() as session:
                existing = self._existing(session, actor, idempotency_key)
                if existing is not None:
                    matches(session, existing)
                    return self._record(session, existing)
                return self._record(session, work(session))
        except DatabaseConflict:
            if idempotency_key is None:
                raise
            with self._db.session() as session:
                row = self._existing(session, actor, idempotency_key)
                if row is None:
                    raise
                matches(session, row)
                return self._record(session, row)

    def _store(
        self,
        session: Session,
        actor: Actor,
        organization: Organization,
        *,
        credential_id: str,
        recipient: str,
        recipient_type: str,
        achievement_version_id: int | None,
        stored_format: str,
        suite: str,
        idempotency_key: str | None,
        now: datetime,
        build: Callable[[list[JsonObject]], JsonObject],
        details: dict[str, Any],
        purposes: Sequence[str] = PURPOSES,
    ) -> IssuedCredential:
        """The one way a credential is written: the row, a revocation and a suspension
        entry, the unsigned document (``build(entries)``), its signature, the audit event,
        all in ``session`` (the caller's transaction)."""
        row = IssuedCredential(
            organization_id=organization.id,
            credential_id=credential_id,
            achievement_version_id=achievement_version_id,
            recipient=recipient,
            recipient_type=recipient_type,
            format=stored_format,
            document="",
            idempotency_key=idempotency_key,
            issued_at=now,
            suspended=False,
        )
        session.add(row)
        session.flush()
        unsigned = build(self._allocate_all(session, organization, row, purposes))
        row.document, row.signing_key_id = self._sign(session, organization, unsigned, suite, now)
        session.flush()
        self._audit.record(
            session, actor, "credential.issued", "credential", credential_id, details
        )
        return row

    @staticmethod
    def _different_request(idempotency_key: str | None) -> ConflictError:
        return ConflictError(
            f"the idempotency key {idempotency_key!r} was already used to issue another credential"
        )

    # ------------------------------------------------------------------ issuing

    def issue(
        self,
        actor: Actor,
        achievement: str,
        recipient: str,
        *,
        recipient_type: str = "email",
        hashed: bool = True,
        identity_type: str = "identifier",
        recipient_name: str | None = None,
        results: Sequence[Mapping[str, Any]] | None = None,
        evidence: Sequence[Mapping[str, Any]] | None = None,
        valid_until: datetime | None = None,
        format: str = "eddsa-rdfc-2022",
        idempotency_key: str | None = None,
    ) -> CredentialRecord:
        """Issue the current version of ``achievement`` (its public id) to ``recipient``,
        in a unit of work of its own (see :meth:`issue_in` for the arguments)."""
        actor.require("issuer", ISSUE_SCOPE)
        self._format(format)
        self._check_idempotency_key(idempotency_key)

        def matches(session: Session, row: IssuedCredential) -> None:
            version = session.get(AchievementVersion, row.achievement_version_id or -1)
            owner = session.get(Achievement, version.achievement_id) if version else None
            given = recipient.strip().lower() if recipient_type == "email" else recipient.strip()
            if owner is None or owner.public_id != achievement or row.recipient != given:
                raise self._different_request(idempotency_key)

        def work(session: Session) -> IssuedCredential:
            return self.issue_in(
                session,
                actor,
                achievement,
                recipient,
                recipient_type=recipient_type,
                hashed=hashed,
                identity_type=identity_type,
                recipient_name=recipient_name,
                results=results,
                evidence=evidence,
                valid_until=valid_until,
                format=format,
                idempotency_key=idempotency_key,
            )

        return self._once(actor, idempotency_key, matches, work)

    def issue_in(
        self,
        session: Session,
        actor: Actor,
        achievement_id: str,
        recipient: str,
        *,
        recipient_type: str = "email",
        hashed: bool = True,
        identity_type: str = "identifier",
        recipient_name: str | None = None,
        results: Sequence[Mapping[str, Any]] | None = None,
        result_value: str | None = None,
        evidence: Sequence[Mapping[str, Any]] | None = None,
        valid_until: datetime | None = None,
        format: str = "eddsa-rdfc-2022",
        idempotency_key: str | None = None,
    ) -> IssuedCredential:
        """Issue inside the caller's ``session`` (its transaction: a bulk job marks its row
        in the same one) and return the stored row. Nothing is committed here; the key is
        not looked up first (a duplicate ``idempotency_key`` fails at flush or commit as
        ``DatabaseConflict``).

        ``recipient_name`` adds a ``name`` identifier (hashed when ``hashed``);
        ``result_value`` is the value of the achievement's one result description (a
        shorthand for ``results``; a bare ``Result`` when the achievement describes none).
        """
        actor.require("issuer", ISSUE_SCOPE)
        suite, stored_format = self._format(format)
        self._check_idempotency_key(idempotency_key)
        organization = self._organization(session, actor)
        achievement = self._achievements.find(session, actor, achievement_id)
        if achievement.archived:
            raise _fail("achievement", "is archived: it can no longer be awarded")
        version = self._achievements.version_row(session, achievement)
        url = self._achievements.url(organization, achievement.public_id)
        now = self._clock()
        if valid_until is not None and (valid_until.tzinfo is None or valid_until <= now):
            raise _fail("validUntil", "must be a time zone-aware time in the future")
        stored_recipient, subject_id, identifiers = self._recipient(
            recipient, recipient_type, hashed, identity_type
        )
        identifiers += self._name_identifier(recipient_name, hashed)
        if suite == SD_JWT_VC:
            if recipient_type != "did" or subject_id is None:
                raise _fail("recipientType", "an SD-JWT VC (dc+sd-jwt) goes to a DID recipient")
            holder_key(subject_id)
        ob_achievement = to_ob3(url, version.data, version.version)
        if result_value is None:
            result_objects = self._results(url, version.data, results)
        elif results:
            raise _fail("results", "give results or a result value, not both")
        elif not isinstance(result_value, str) or len(result_value) > 500:
            raise _fail("result", "must be text of at most 500 characters")
        else:
            key = self._only_result(version.data)
            result_objects = (
                (ob3.Result(value=result_value),)
                if key is None
                else self._results(
                    url, version.data, [{"resultDescription": key, "value": result_value}]
                )
            )
        evidence_objects = self._evidence(evidence)
        credential_id = self._new_id()

        def build(entries: list[JsonObject]) -> JsonObject:
            return ob3.OpenBadgeCredential(
                id=credential_id,
                issuer=issuer_profile(organization),
                valid_from=now,
                valid_until=valid_until,
                awarded_date=now,
                name=version.data["name"],
                description=version.data.get("description"),
                image=ob3.Image(id=version.data["image"]) if version.data.get("image") else None,
                credential_subject=ob3.AchievementSubject(
                    id=subject_id,
                    identifier=identifiers,
                    achievement=ob_achievement,
                    result=result_objects,
                ),
                evidence=evidence_objects,
                credential_status=tuple(entries),
            ).to_json()

        return self._store(
            session,
            actor,
            organization,
            credential_id=credential_id,
            recipient=stored_recipient,
            recipient_type=recipient_type,
            achievement_version_id=version.id,
            stored_format=stored_format,
            suite=suite,
            idempotency_key=idempotency_key,
            now=now,
            build=build,
            details={
                "achievement": achievement.public_id,
                "achievementVersion": version.version,
                "recipientType": recipient_type,
                "format": stored_format,
            },
        )

    def _name_identifier(self, name: str | None, hashed: bool) -> tuple[ob3.IdentityObject, ...]:
        if name is None:
            return ()
        if not isinstance(name, str) or not name.strip() or len(name) > 300:
            raise _fail("recipientName", "must be text of 1 to 300 characters")
        value = name.strip()
        if not hashed:
            return (ob3.IdentityObject(identity_hash=value, identity_type="name", hashed=False),)
        salt = self._salt()
        digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
        return (
            ob3.IdentityObject(
                identity_hash=f"sha256${digest}", identity_type="name", hashed=True, salt=salt
            ),
        )

    @staticmethod
    def _only_result(data: Mapping[str, Any]) -> str | None:
        """The key of the achievement's one result description (None if it describes none)."""
        keys = [str(r["key"]) for r in data.get("resultDescriptions", [])]
        if len(keys) > 1:
            raise _fail(
                "result",
                f"is ambiguous: the achievement describes several results ({', '.join(keys)})",
            )
        return keys[0] if keys else None

    def issue_document(
        self,
        actor: Actor,
        credential: Mapping[str, Any],
        *,
        format: str = "eddsa-rdfc-2022",
        idempotency_key: str | None = None,
        status_purposes: Sequence[str] = PURPOSES,
    ) -> CredentialRecord:
        """Issue the caller's unsigned VC 2.0 ``credential`` as given (VC-API
        ``POST /credentials/issue``): any types and contexts the bundled loader knows.

        ``issuer`` becomes the organization's DID (an issuer object keeps its other fields;
        another issuer id is a ValidationError), an ``id`` (``urn:uuid:``) is added when
        missing, and a revocation and a suspension entry are appended to
        ``credentialStatus`` (``status_purposes`` narrows that to one purpose: the entry is
        then written as one object when the credential had none, the shape of the W3C
        status-list test suite and of the OB 3.0 schema); then it is signed, stored and
        audited in one transaction, as :meth:`issue` does. A malformed credential is an
        ``InputError`` (400).
        """
        actor.require("issuer", ISSUE_SCOPE)
        purposes = _check_purposes(status_purposes)
        suite, stored_format = self._format(format)
        if suite == SD_JWT_VC:
            raise _fail("format", "dc+sd-jwt issues achievements only, not given documents")
        self._check_idempotency_key(idempotency_key)
        _check_document(credential)

        def matches(session: Session, row: IssuedCredential) -> None:
            given = credential.get("id")
            if (
                row.achievement_version_id is not None
                or row.format != stored_format
                or (given is not None and given != row.credential_id)
            ):
                raise self._different_request(idempotency_key)

        def work(session: Session) -> IssuedCredential:
            return self._issue_document(
                session, actor, credential, suite, stored_format, idempotency_key, purposes
            )

        return self._once(actor, idempotency_key, matches, work)

    def _issue_document(
        self,
        session: Session,
        actor: Actor,
        credential: Mapping[str, Any],
        suite: str,
        stored_format: str,
        idempotency_key: str | None,
        purposes: Sequence[str] = PURPOSES,
    ) -> IssuedCredential:
        organization = self._organization(session, actor)
        document: JsonObject = copy.deepcopy(dict(credential))
        issuer = document.get("issuer")
        if isinstance(issuer, Mapping):
            if issuer.get("id") not in (None, organization.did):
                raise _issuer_mismatch(issuer.get("id"), organization.did)
            document["issuer"] = {**issuer, "id": organization.did}
        elif issuer is None or issuer == organization.did:
            document["issuer"] = organization.did
        else:
            raise _issuer_mismatch(issuer, organization.did)
        credential_id = document.setdefault("id", self._new_id())
        if not _is_uri(credential_id):
            raise _fail("credential.id", "must be a URL, like urn:uuid:...")
        if len(credential_id) > 100:
            raise _fail("credential.id", "must be at most 100 characters")
        taken = session.scalar(
            select(IssuedCredential.id).where(IssuedCredential.credential_id == credential_id)
        )
        if taken is not None:
            raise ConflictError(f"a credential with the id {credential_id!r} was already issued")
        errors = basic_shape_errors(document)
        if errors:
            raise InputError(
                "the credential cannot be issued: " + "; ".join(errors),
                ProblemCode.CREDENTIAL_MALFORMED,
            )
        recipient, recipient_type = _document_recipient(document)
        existing_status = as_list(document.get("credentialStatus"))

        def build(entries: list[JsonObject]) -> JsonObject:
            statuses = [*existing_status, *entries]
            return {**document, "credentialStatus": statuses[0] if len(statuses) == 1 else statuses}

        return self._store(
            session,
            actor,
            organization,
            credential_id=credential_id,
            recipient=recipient,
            recipient_type=recipient_type,
            achievement_version_id=None,
            stored_format=stored_format,
            suite=suite,
            idempotency_key=idempotency_key,
            now=self._clock(),
            build=build,
            details={
                "types": credential_types(document),
                "recipientType": recipient_type,
                "format": stored_format,
            },
            purposes=purposes,
        )

    def issue_clr(
        self,
        actor: Actor,
        recipient: str,
        credential_ids: Sequence[str],
        *,
        recipient_type: str = "email",
        hashed: bool = True,
        identity_type: str = "identifier",
        name: str | None = None,
        description: str | None = None,
        associations: Sequence[Mapping[str, Any]] | None = None,
        partial: bool | None = None,
        valid_until: datetime | None = None,
        format: str = "eddsa-rdfc-2022",
        idempotency_key: str | None = None,
    ) -> CredentialRecord:
        """Bundle the recipient's already-issued achievement credentials (their ids) into a
        signed CLR 2.0 ``ClrCredential``. ``associations`` are ``{associationType, source,
        target}`` with achievement public ids or URLs."""
        actor.require("issuer", ISSUE_SCOPE)
        suite, _ = self._format(format)
        if suite == SD_JWT_VC:
            raise _fail("format", "a CLR is not issued as an SD-JWT VC")
        self._check_idempotency_key(idempotency_key)
        if not isinstance(credential_ids, Sequence) or isinstance(credential_ids, str):
            raise _fail("credentials", "must be a list of credential ids")
        if not credential_ids:
            raise _fail("credentials", "must name at least one credential")
        if len(credential_ids) > MAX_BULK:
            raise _fail("credentials", f"may name at most {MAX_BULK} credentials")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise _fail("name", "must be non-empty text")

        def matches(session: Session, row: IssuedCredential) -> None:
            if row.format != "clr":
                raise self._different_request(idempotency_key)

        def work(session: Session) -> IssuedCredential:
            return self._issue_clr(
                session,
                actor,
                recipient,
                list(dict.fromkeys(credential_ids)),
                recipient_type=recipient_type,
                hashed=hashed,
                identity_type=identity_type,
                name=name,
                description=description,
                associations=associations,
                partial=partial,
                valid_until=valid_until,
                suite=suite,
                idempotency_key=idempotency_key,
            )

        return self._once(actor, idempotency_key, matches, work)

    def _issue_clr(
        self,
        session: Session,
        actor: Actor,
        recipient: str,
        credential_ids: list[str],
        *,
        recipient_type: str,
        hashed: bool,
        identity_type: str,
        name: str | None,
        description: str | None,
        associations: Sequence[Mapping[str, Any]] | None,
        partial: bool | None,
        valid_until: datetime | None,
        suite: str,
        idempotency_key: str | None,
    ) -> IssuedCredential:
        organization = self._organization(session, actor)
        now = self._clock()
        if valid_until is not None and (valid_until.tzinfo is None or valid_until <= now):
            raise _fail("validUntil", "must be a time zone-aware time in the future")
        stored_recipient, subject_id, identifiers = self._recipient(
            recipient, recipient_type, hashed, identity_type
        )
        rows = {
            r.credential_id: r
            for r in session.scalars(
                select(IssuedCredential).where(
                    IssuedCredential.organization_id == organization.id,
                    IssuedCredential.credential_id.in_(credential_ids),
                )
            )
        }
        errors: list[dict[str, Any]] = []
        embedded: list[JsonObject] = []
        achievements: dict[str, JsonObject] = {}
        for i, cid in enumerate(credential_ids):
            f = f"credentials[{i}]"
            row = rows.get(cid)
            if row is None:
                errors.append({"field": f, "message": f"there is no credential {cid!r}"})
                continue
            if row.format == "clr":
                errors.append({"field": f, "message": "is a CLR itself; bundle achievements"})
            elif row.achievement_version_id is None:
                errors.append({"field": f, "message": "is not an achievement credential"})
            elif row.format in ("vc-jwt", SD_JWT_VC):
                errors.append(
                    {
                        "field": f,
                        "message": "is a JWT; a CLR embeds Data Integrity credentials only",
                    }
                )
            elif row.recipient != stored_recipient or row.recipient_type != recipient_type:
                errors.append({"field": f, "message": "was issued to another recipient"})
            elif row.revoked_at is not None:
                errors.append({"field": f, "message": "is revoked"})
            else:
                document = json.loads(row.document)
                embedded.append(document)
                ach = document.get("credentialSubject", {}).get("achievement")
                if isinstance(ach, dict) and isinstance(ach.get("id"), str):
                    achievements.setdefault(ach["id"], ach)
        association_objects = self._associations(
            session, organization, associations, set(achievements), errors
        )
        if errors:
            raise ValidationError(
                f"the CLR cannot be issued: {len(errors)} problem(s): "
                + "; ".join(f"{e['field']} {e['message']}" for e in errors[:5]),
                errors,
            )
        credential_id = self._new_id()

        def build(entries: list[JsonObject]) -> JsonObject:
            unsigned = clr.ClrCredential(
                id=credential_id,
                issuer=issuer_profile(organization),
                valid_from=now,
                valid_until=valid_until,
                awarded_date=now,
                name=(name or f"{organization.name}: Comprehensive Learner Record").strip(),
                description=description,
                partial=partial,
                credential_subject=clr.ClrSubject(
                    id=subject_id,
                    identifier=identifiers,
                    verifiable_credential=tuple(embedded),
                    association=association_objects,
                ),
                credential_status=tuple(entries),
            ).to_json()
            if association_objects:
                # the achievements the associations relate, described in the subject
                unsigned["credentialSubject"]["achievement"] = list(achievements.values())
            return unsigned

        return self._store(
            session,
            actor,
            organization,
            credential_id=credential_id,
            recipient=stored_recipient,
            recipient_type=recipient_type,
            achievement_version_id=None,
            stored_format="clr",
            suite=suite,
            idempotency_key=idempotency_key,
            now=now,
            build=build,
            details={"format": "clr", "bundles": credential_ids, "recipientType": recipient_type},
        )

    def _associations(
        self,
        session: Session,
        organization: Organization,
        associations: Sequence[Mapping[str, Any]] | None,
        bundled: set[str],
        errors: list[dict[str, Any]],
    ) -> tuple[clr.Association, ...]:
        if not associations:
            return ()
        out = []
        types = {t.value for t in clr.AssociationType}
        for i, item in enumerate(associations):
            f = f"associations[{i}]"
            if not isinstance(item, Mapping):
                errors.append({"field": f, "message": "must be an object"})
                continue
            kind = item.get("associationType")
            if kind not in types:
                errors.append(
                    {
                        "field": f"{f}.associationType",
                        "message": f"must be one of {', '.join(sorted(types))}",
                    }
                )
            ends = []
            for end in ("source", "target"):
                ref = item.get(end)
                url = (
                    ref
                    if isinstance(ref, str) and ref in bundled
                    else self._achievements.url(organization, ref)
                    if isinstance(ref, str)
                    else None
                )
                if url is None or url not in bundled:
                    errors.append(
                        {
                            "field": f"{f}.{end}",
                            "message": "must be the id or URL of an achievement in the CLR",
                        }
                    )
                ends.append(url)
            if kind in types and all(e in bundled for e in ends):
                out.append(
                    clr.Association(
                        association_type=clr.AssociationType(kind),
                        source_id=str(ends[0]),
                        target_id=str(ends[1]),
                    )
                )
        return tuple(out)

    # ------------------------------------------------------------------ reading

    def _find(self, session: Session, actor: Actor, credential_id: str) -> IssuedCredential:
        row = session.scalars(
            select(IssuedCredential).where(
                IssuedCredential.credential_id == credential_id,
                IssuedCredential.organization_id == actor.organization_id,
            )
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"there is no credential {credential_id!r}")
        return row

    def _record(self, session: Session, row: IssuedCredential) -> CredentialRecord:
        achievement_id = None
        achievement_version = None
        if row.achievement_version_id is not None:
            found = session.execute(
                select(Achievement.public_id, AchievementVersion.version)
                .join(AchievementVersion, AchievementVersion.achievement_id == Achievement.id)
                .where(AchievementVersion.id == row.achievement_version_id)
            ).one()
            achievement_id, achievement_version = found[0], found[1]
        entries = [
            {
                "purpose": status_list.purpose,
                "statusListCredential": self._status_lists.list_url(status_list),
                "statusListIndex": str(index),
            }
            for status_list, index in self._status_lists.entries_of(session, row)
        ]
        return CredentialRecord(
            credential_id=row.credential_id,
            format=row.format,
            recipient=row.recipient,
            recipient_type=row.recipient_type,
            achievement_id=achievement_id,
            achievement_version=achievement_version,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
            suspended=row.suspended,
            status_reason=row.status_reason,
            document=row.document,
            idempotency_key=row.idempotency_key,
            status_entries=entries,
        )

    def get_credential(self, actor: Actor, credential_id: str) -> CredentialRecord:
        actor.require("viewer", READ_SCOPE)
        with self._db.session() as session:
            return self._record(session, self._find(session, actor, credential_id))

    def list_credentials(
        self,
        actor: Actor,
        *,
        recipient: str | None = None,
        achievement: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[CredentialRecord]:
        """The organization's credentials, newest first, filtered by recipient (as issued;
        emails compare case-insensitively), achievement public id and status."""
        actor.require("viewer", READ_SCOPE)
        check_paging(limit, offset)
        if status is not None and status not in STATUSES:
            raise _fail("status", f"must be one of {', '.join(STATUSES)}")
        conditions: list[Any] = [IssuedCredential.organization_id == actor.organization_id]
        if recipient is not None:
            conditions.append(
                IssuedCredential.recipient.in_({recipient.strip(), recipient.strip().lower()})
            )
        if status == "revoked":
            conditions.append(IssuedCredential.revoked_at.is_not(None))
        elif status == "suspended":
            conditions.append(IssuedCredential.revoked_at.is_(None))
            conditions.append(IssuedCredential.suspended.is_(True))
        elif status == "active":
            conditions.append(IssuedCredential.revoked_at.is_(None))
            conditions.append(IssuedCredential.suspended.is_(False))
        with self._db.session() as session:
            if achievement is not None:
                version_ids = (
                    select(AchievementVersion.id)
                    .join(Achievement, Achievement.id == AchievementVersion.achievement_id)
                    .where(
                        Achievement.public_id == achievement,
                        Achievement.organization_id == actor.organization_id,
                    )
                )
                conditions.append(IssuedCredential.achievement_version_id.in_(version_ids))
            total = session.scalar(
                select(func.count()).select_from(IssuedCredential).where(*conditions)
            )
            rows = session.scalars(
                select(IssuedCredential)
                .where(*conditions)
                .order_by(IssuedCredential.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return Page([self._record(session, r) for r in rows], int(total or 0), limit, offset)

    # ------------------------------------------------------------------ status changes

    @staticmethod
    def _reason(reason: str | None, *, required: bool) -> str | None:
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            if required:
                raise _fail("reason", "is required: say why, in a few words")
            return None
        if not isinstance(reason, str) or len(reason) > 1000:
            raise _fail("reason", "must be text of at most 1000 characters")
        return reason.strip()

    def revoke(self, actor: Actor, credential_id: str, reason: str) -> CredentialRecord:
        """Revoke for good (revoking twice changes nothing)."""
        return self._change_one(actor, credential_id, "revoke", reason)

    def suspend(self, actor: Actor, credential_id: str, reason: str) -> CredentialRecord:
        return self._change_one(actor, credential_id, "suspend", reason)

    def unsuspend(
        self, actor: Actor, credential_id: str, reason: str | None = None
    ) -> CredentialRecord:
        return self._change_one(actor, credential_id, "unsuspend", reason)

    def revoke_many(
        self, actor: Actor, credential_ids: Sequence[str], reason: str
    ) -> BulkStatusChange:
        return self._change_many(actor, credential_ids, "revoke", reason)

    def suspend_many(
        self, actor: Actor, credential_ids: Sequence[str], reason: str
    ) -> BulkStatusChange:
        return self._change_many(actor, credential_ids, "suspend", reason)

    def unsuspend_many(
        self, actor: Actor, credential_ids: Sequence[str], reason: str | None = None
    ) -> BulkStatusChange:
        return self._change_many(actor, credential_ids, "unsuspend", reason)

    def _change_one(
        self, actor: Actor, credential_id: str, action: str, reason: str | None
    ) -> CredentialRecord:
        outcome = self._change_many(actor, [credential_id], action, reason)
        if outcome.not_found:
            raise NotFoundError(f"there is no credential {credential_id!r}")
        if outcome.refused:
            raise ConflictError(outcome.refused[credential_id])
        return self.get_credential(actor, credential_id)

    def _change_many(
        self, actor: Actor, credential_ids: Sequence[str], action: str, reason: str | None
    ) -> BulkStatusChange:
        with self._db.session() as session:
            return self._change_in(session, actor, credential_ids, action, reason)

    def revoke_in(
        self, session: Session, actor: Actor, credential_ids: Sequence[str], reason: str
    ) -> BulkStatusChange:
        """``revoke_many`` inside the caller's ``session`` (e.g. a bulk job replacing earlier
        credentials revokes them in the transaction that issues the new one)."""
        return self._change_in(session, actor, credential_ids, "revoke", reason)

    def _change_in(
        self,
        session: Session,
        actor: Actor,
        credential_ids: Sequence[str],
        action: str,
        reason: str | None,
    ) -> BulkStatusChange:
        actor.require("issuer", REVOKE_SCOPE)
        text = self._reason(reason, required=action != "unsuspend")
        if not isinstance(credential_ids, Sequence) or isinstance(credential_ids, str):
            raise _fail("credentials", "must be a list of credential ids")
        if len(credential_ids) > MAX_BULK:
            raise _fail("credentials", f"may name at most {MAX_BULK} credentials")
        ids = list(dict.fromkeys(credential_ids))
        rows = {
            r.credential_id: r
            for r in session.scalars(
                select(IssuedCredential).where(
                    IssuedCredential.organization_id == actor.organization_id,
                    IssuedCredential.credential_id.in_(ids),
                )
            )
        }
        changed: list[IssuedCredential] = []
        unchanged: list[str] = []
        refused: dict[str, str] = {}
        for cid in ids:
            row = rows.get(cid)
            if row is None:
                continue
            if action == "revoke":
                if row.revoked_at is not None:
                    unchanged.append(cid)
                else:
                    changed.append(row)
            elif row.revoked_at is not None:
                refused[cid] = f"credential {cid} is revoked; revocation is final"
            elif (action == "suspend") == row.suspended:
                unchanged.append(cid)
            else:
                changed.append(row)
        if changed:
            self._apply(session, actor, changed, action, text)
        return BulkStatusChange(
            changed=[r.credential_id for r in changed],
            unchanged=unchanged,
            not_found=[cid for cid in ids if cid not in rows],
            refused=refused,
        )

    def _apply(
        self,
        session: Session,
        actor: Actor,
        rows: Iterable[IssuedCredential],
        action: str,
        reason: str | None,
    ) -> None:
        rows = list(rows)
        purpose = "revocation" if action == "revoke" else "suspension"
        self._status_lists.set_many(session, rows, purpose, action != "unsuspend")
        now = self._clock()
        for row in rows:
            if action == "revoke":
                row.revoked_at = now
            else:
                row.suspended = action == "suspend"
            row.status_reason = reason
            self._audit.record(
                session,
                actor,
                _EVENTS[action],
                "credential",
                row.credential_id,
                {"reason": reason} if reason else {},
            )
        session.flush()


__all__ = [
    "FORMATS",
    "BulkStatusChange",
    "CredentialRecord",
    "IssuanceService",
]


def _check_purposes(purposes: Sequence[str]) -> tuple[str, ...]:
    """The status purposes to allocate: a non-empty subset of PURPOSES, without repeats."""
    chosen = tuple(dict.fromkeys(purposes))
    unknown = [p for p in chosen if p not in PURPOSES]
    if not chosen or unknown:
        raise ValidationError(
            "status purposes must be one or more of " + ", ".join(PURPOSES),
            [{"field": "statusPurpose", "message": f"unknown purpose {p!r}"} for p in unknown],
        )
    return chosen
