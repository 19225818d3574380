"""Achievements (badge classes): define, version, list and archive what an organization awards.

An achievement is a row plus immutable versions. Editing creates the next version; an issued
credential keeps the version it was issued with (``IssuedCredential.achievement_version_id``).
Its public id gives its URL, ``{public_url}/orgs/{slug}/achievements/{public_id}``: the
``Achievement.id`` of every credential that awards it (the same for all versions; the OB
``version`` property says which).

Input is a JSON object with the OB 3.0 property names (camelCase)::

    name, description                       required text
    criteria: {narrative, url}              at least one of the two
    image                                   http(s) or data:image URL
    tags: [str]
    achievementType                         an OB AchievementType or "ext:..."
    alignments: [{targetName, targetUrl, targetCode?, targetFramework?, targetType?,
                  targetDescription?}]
    resultDescriptions: [{key?, name, resultType, allowedValues?, requiredValue?,
                          requiredLevel?, valueMin?, valueMax?}]
    humanCode, fieldOfStudy, inLanguage, creditsAvailable

Every problem is reported at once, in plain words, in ``ValidationError.errors``
(``{"field": "alignments[0].targetUrl", "message": "..."}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lerkit.core.errors import LerkitError
from lerkit.core.model import ob3
from lerkit.db.models import Achievement, AchievementVersion, Organization
from lerkit.db.session import Database
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import NotFoundError, ValidationError

T = TypeVar("T")

READ_SCOPE = "achievements:read"
WRITE_SCOPE = "achievements:write"
MAX_PAGE = 500

_EXT = re.compile(r"ext:[A-Za-z0-9.\-_]+")
_KEY = re.compile(r"[a-z0-9][a-z0-9\-_]{0,39}")
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")
_ACHIEVEMENT_TYPES = frozenset(t.value for t in ob3.AchievementType)
_TARGET_TYPES = frozenset(t.value for t in ob3.AlignmentTargetType)
_RESULT_TYPES = frozenset(t.value for t in ob3.ResultType)

_TOP = frozenset(
    {
        "name",
        "description",
        "criteria",
        "image",
        "tags",
        "achievementType",
        "alignments",
        "resultDescriptions",
        "humanCode",
        "fieldOfStudy",
        "inLanguage",
        "creditsAvailable",
    }
)
_ALIGNMENT = frozenset(
    {
        "targetName",
        "targetUrl",
        "targetCode",
        "targetFramework",
        "targetType",
        "targetDescription",
    }
)
_RESULT = frozenset(
    {
        "key",
        "name",
        "resultType",
        "allowedValues",
        "requiredValue",
        "requiredLevel",
        "valueMin",
        "valueMax",
    }
)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: ``items`` from ``offset``, and how many there are in all."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class AchievementRecord:
    """One version of an achievement, as the API shows it."""

    public_id: str
    url: str
    version: int
    current_version: int
    archived: bool
    created_at: datetime
    updated_at: datetime  # when this version was made
    data: dict[str, Any]
    version_row_id: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "url": self.url,
            "version": self.version,
            "currentVersion": self.current_version,
            "archived": self.archived,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
            **self.data,
        }


def check_paging(limit: int, offset: int) -> None:
    errors = []
    if not 1 <= limit <= MAX_PAGE:
        errors.append({"field": "limit", "message": f"must be between 1 and {MAX_PAGE}"})
    if offset < 0:
        errors.append({"field": "offset", "message": "must be 0 or more"})
    if errors:
        raise ValidationError("the page asked for is not valid", errors)


# ---------------------------------------------------------------------------- validation


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})


def _text(
    errors: _Errors,
    data: Mapping[str, Any],
    key: str,
    field: str,
    *,
    required: bool = False,
    limit: int = 300,
) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, "is required")
        return None
    if not isinstance(value, str):
        errors.add(field, "must be text")
        return None
    value = value.strip()
    if len(value) > limit:
        errors.add(field, f"must be at most {limit} characters (it has {len(value)})")
        return None
    return value


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", value)


def _url(
    errors: _Errors, data: Mapping[str, Any], key: str, field: str, *, required: bool = False
) -> str | None:
    value = _text(errors, data, key, field, required=required, limit=2000)
    if value is not None and not _is_http_url(value):
        errors.add(field, "must be an absolute http(s) URL, like https://example.org/page")
        return None
    return value


def _enum(
    errors: _Errors,
    data: Mapping[str, Any],
    key: str,
    field: str,
    allowed: frozenset[str],
    *,
    required: bool = False,
) -> str | None:
    value = _text(errors, data, key, field, required=required, limit=100)
    if value is not None and value not in allowed and not _EXT.fullmatch(value):
        errors.add(
            field,
            f"{value!r} is not a known value; use one of {', '.join(sorted(allowed))}, "
            "or an extension like ext:MyType",
        )
        return None
    return value


def _object(errors: _Errors, value: Any, field: str, known: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        errors.add(field, "must be an object")
        return {}
    for key in value:
        if key not in known:
            errors.add(
                f"{field}.{key}", f"is not a known field (known: {', '.join(sorted(known))})"
            )
    return value


def _list(errors: _Errors, value: Any, field: str, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(field, "must be a list")
        return []
    if len(value) > limit:
        errors.add(field, f"may hold at most {limit} items (it has {len(value)})")
        return []
    return value


def validate_achievement(data: Any) -> dict[str, Any]:
    """The normalized achievement data, or ValidationError listing every problem."""
    errors = _Errors()
    top = _object(errors, data, "achievement", _TOP) if data is not None else {}
    if data is None:
        errors.add("achievement", "must be an object")
    out: dict[str, Any] = {}
    out["name"] = _text(errors, top, "name", "name", required=True, limit=200)
    out["description"] = _text(
        errors, top, "description", "description", required=True, limit=10_000
    )

    criteria_in = top.get("criteria")
    if criteria_in is None:
        errors.add("criteria", "is required: give a narrative, a url, or both")
    else:
        crit = _object(errors, criteria_in, "criteria", frozenset({"narrative", "url"}))
        narrative = _text(errors, crit, "narrative", "criteria.narrative", limit=20_000)
        crit_url = _url(errors, crit, "url", "criteria.url")
        if (
            isinstance(criteria_in, Mapping)
            and narrative is None
            and crit_url is None
            and not any(e["field"].startswith("criteria.") for e in errors.items)
        ):
            errors.add("criteria", "needs a narrative, a url, or both")
        out["criteria"] = {
            k: v for k, v in (("narrative", narrative), ("url", crit_url)) if v is not None
        }

    image = _text(errors, top, "image", "image", limit=2_000_000)
    if image is not None:
        if image.startswith("data:"):
            if not image.startswith("data:image/"):
                errors.add("image", "a data: URL must be an image (data:image/...)")
                image = None
        elif not _is_http_url(image):
            errors.add("image", "must be an http(s) URL or a data:image URL")
            image = None
    out["image"] = image

    tags: list[str] = []
    for i, tag in enumerate(_list(errors, top.get("tags"), "tags", 50)):
        if not isinstance(tag, str) or not tag.strip():
            errors.add(f"tags[{i}]", "must be non-empty text")
        elif len(tag.strip()) > 100:
            errors.add(f"tags[{i}]", "must be at most 100 characters")
        elif tag.strip() not in tags:
            tags.append(tag.strip())
    out["tags"] = tags

    out["achievementType"] = _enum(
        errors, top, "achievementType", "achievementType", _ACHIEVEMENT_TYPES
    )

    alignments = []
    for i, item in enumerate(_list(errors, top.get("alignments"), "alignments", 100)):
        f = f"alignments[{i}]"
        a = _object(errors, item, f, _ALIGNMENT)
        alignment = {
            "targetName": _text(errors, a, "targetName", f"{f}.targetName", required=True),
            "targetUrl": _url(errors, a, "targetUrl", f"{f}.targetUrl", required=True),
            "targetCode": _text(errors, a, "targetCode", f"{f}.targetCode", limit=200),
            "targetFramework": _text(errors, a, "targetFramework", f"{f}.targetFramework"),
            "targetType": _enum(errors, a, "targetType", f"{f}.targetType", _TARGET_TYPES),
            "targetDescription": _text(
                errors, a, "targetDescription", f"{f}.targetDescription", limit=5000
            ),
        }
        alignments.append({k: v for k, v in alignment.items() if v is not None})
    out["alignments"] = alignments

    results = []
    keys: set[str] = set()
    for i, item in enumerate(
        _list(errors, top.get("resultDescriptions"), "resultDescriptions", 50)
    ):
        f = f"resultDescriptions[{i}]"
        r = _object(errors, item, f, _RESULT)
        key = _text(errors, r, "key", f"{f}.key", limit=40) or f"result-{i + 1}"
        if not _KEY.fullmatch(key):
            errors.add(f"{f}.key", "must be lower-case letters, digits, - or _ (up to 40)")
        elif key in keys:
            errors.add(f"{f}.key", f"{key!r} is used twice")
        keys.add(key)
        allowed_values = []
        for j, value in enumerate(_list(errors, r.get("allowedValues"), f"{f}.allowedValues", 100)):
            if not isinstance(value, str) or not value.strip():
                errors.add(f"{f}.allowedValues[{j}]", "must be non-empty text")
            else:
                allowed_values.append(value.strip())
        result = {
            "key": key,
            "name": _text(errors, r, "name", f"{f}.name", required=True),
            "resultType": _enum(
                errors, r, "resultType", f"{f}.resultType", _RESULT_TYPES, required=True
            ),
            "allowedValues": allowed_values or None,
            "requiredValue": _text(errors, r, "requiredValue", f"{f}.requiredValue", limit=100),
            "requiredLevel": _text(errors, r, "requiredLevel", f"{f}.requiredLevel", limit=100),
            "valueMin": _text(errors, r, "valueMin", f"{f}.valueMin", limit=100),
            "valueMax": _text(errors, r, "valueMax", f"{f}.valueMax", limit=100),
        }
        results.append({k: v for k, v in result.items() if v is not None})
    out["resultDescriptions"] = results

    out["humanCode"] = _text(errors, top, "humanCode", "humanCode", limit=100)
    out["fieldOfStudy"] = _text(errors, top, "fieldOfStudy", "fieldOfStudy", limit=200)
    language = _text(errors, top, "inLanguage", "inLanguage", limit=35)
    if language is not None and not _LANGUAGE.fullmatch(language):
        errors.add("inLanguage", "must be a language tag like en or fr-CA")
    out["inLanguage"] = language
    credits = top.get("creditsAvailable")
    if credits is not None and (
        isinstance(credits, bool) or not isinstance(credits, int | float) or credits < 0
    ):
        errors.add("creditsAvailable", "must be a number, 0 or more")
        credits = None
    out["creditsAvailable"] = credits

    if errors.items:
        n = len(errors.items)
        raise ValidationError(
            f"the achievement has {n} problem{'s' if n > 1 else ''}: "
            + "; ".join(f"{e['field']} {e['message']}" for e in errors.items[:5])
            + (" ..." if n > 5 else ""),
            errors.items,
        )
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def to_ob3(url: str, data: Mapping[str, Any], version: int) -> ob3.Achievement:
    """The OB 3.0 ``Achievement`` of one version's data, with id ``url``."""
    criteria = data.get("criteria", {})
    return ob3.Achievement(
        id=url,
        name=data["name"],
        description=data["description"],
        criteria=ob3.Criteria(id=criteria.get("url"), narrative=criteria.get("narrative")),
        achievement_type=data.get("achievementType"),
        image=ob3.Image(id=data["image"]) if data.get("image") else None,
        alignment=tuple(
            ob3.Alignment(
                target_name=a["targetName"],
                target_url=a["targetUrl"],
                target_code=a.get("targetCode"),
                target_framework=a.get("targetFramework"),
                target_type=a.get("targetType"),
                target_description=a.get("targetDescription"),
            )
            for a in data.get("alignments", [])
        ),
        result_description=tuple(
            ob3.ResultDescription(
                id=result_description_id(url, r["key"]),
                name=r["name"],
                result_type=r["resultType"],
                allowed_value=tuple(r.get("allowedValues") or ()),
                required_value=r.get("requiredValue"),
                required_level=r.get("requiredLevel"),
                value_min=r.get("valueMin"),
                value_max=r.get("valueMax"),
            )
            for r in data.get("resultDescriptions", [])
        ),
        tag=tuple(data.get("tags", [])),
        human_code=data.get("humanCode"),
        field_of_study=data.get("fieldOfStudy"),
        in_language=data.get("inLanguage"),
        credits_available=data.get("creditsAvailable"),
        version=str(version),
    )


def result_description_id(achievement_url: str, key: str) -> str:
    return f"{achievement_url}/results/{key}"


# ---------------------------------------------------------------------------- the service


class AchievementService:
    def __init__(self, db: Database, *, public_url: str, clock: Clock, entropy: Entropy) -> None:
        self._db = db
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._entropy = entropy

    def url(self, organization: Organization, public_id: str) -> str:
        return f"{self._public_url}/orgs/{organization.slug}/achievements/{public_id}"

    # -------------------------------------------------------------- building blocks

    def find(self, session: Session, actor: Actor, public_id: str) -> Achievement:
        """The actor's organization's achievement ``public_id`` (NotFoundError otherwise)."""
        row = session.scalars(
            select(Achievement).where(
                Achievement.public_id == public_id,
                Achievement.organization_id == actor.organization_id,
            )
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"there is no achievement {public_id!r}")
        return row

    def version_row(
        self, session: Session, achievement: Achievement, version: int | None = None
    ) -> AchievementVersion:
        wanted = achievement.current_version if version is None else version
        row = session.scalars(
            select(AchievementVersion).where(
                AchievementVersion.achievement_id == achievement.id,
                AchievementVersion.version == wanted,
            )
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"achievement {achievement.public_id!r} has no version {wanted}")
        return row

    def record(
        self, session: Session, achievement: Achievement, version: AchievementVersion
    ) -> AchievementRecord:
        organization = session.get(Organization, achievement.organization_id)
        assert organization is not None
        return AchievementRecord(
            public_id=achievement.public_id,
            url=self.url(organization, achievement.public_id),
            version=version.version,
            current_version=achievement.current_version,
            archived=achievement.archived,
            created_at=achievement.created_at,
            updated_at=version.created_at,
            data=dict(version.data),
            version_row_id=version.id,
        )

    def _check_buildable(self, data: dict[str, Any]) -> None:
        try:
            to_ob3("https://example.org/achievements/check", data, 1)
        except LerkitError as exc:  # the builders refuse what the data model forbids
            raise ValidationError(
                f"the achievement is not valid: {exc}",
                [{"field": "achievement", "message": str(exc)}],
            ) from exc

    # -------------------------------------------------------------- use cases

    def create(self, actor: Actor, data: Any) -> AchievementRecord:
        actor.require("admin", WRITE_SCOPE)
        normalized = validate_achievement(data)
        self._check_buildable(normalized)
        now = self._clock()
        with self._db.session() as session:
            if session.get(Organization, actor.organization_id) is None:
                raise NotFoundError("the organization does not exist")
            achievement = Achievement(
                organization_id=actor.organization_id,
                public_id=self._entropy(16).hex(),
                current_version=1,
                archived=False,
                created_at=now,
            )
            session.add(achievement)
            session.flush()
            version = AchievementVersion(
                achievement_id=achievement.id, version=1, data=normalized, created_at=now
            )
            session.add(version)
            session.flush()
            return self.record(session, achievement, version)

    def get(self, actor: Actor, public_id: str, version: int | None = None) -> AchievementRecord:
        actor.require("viewer", READ_SCOPE)
        with self._db.session() as session:
            achievement = self.find(session, actor, public_id)
            return self.record(
                session, achievement, self.version_row(session, achievement, version)
            )

    def versions(self, actor: Actor, public_id: str) -> list[AchievementRecord]:
        actor.require("viewer", READ_SCOPE)
        with self._db.session() as session:
            achievement = self.find(session, actor, public_id)
            rows = session.scalars(
                select(AchievementVersion)
                .where(AchievementVersion.achievement_id == achievement.id)
                .order_by(AchievementVersion.version)
            ).all()
            return [self.record(session, achievement, row) for row in rows]

    def list(
        self,
        actor: Actor,
        *,
        include_archived: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[AchievementRecord]:
        """The organization's achievements (current versions), newest first."""
        actor.require("viewer", READ_SCOPE)
        check_paging(limit, offset)
        with self._db.session() as session:
            condition = [Achievement.organization_id == actor.organization_id]
            if not include_archived:
                condition.append(Achievement.archived.is_(False))
            total = session.scalar(select(func.count()).select_from(Achievement).where(*condition))
            rows = session.execute(
                select(Achievement, AchievementVersion)
                .join(
                    AchievementVersion,
                    (AchievementVersion.achievement_id == Achievement.id)
                    & (AchievementVersion.version == Achievement.current_version),
                )
                .where(*condition)
                .order_by(Achievement.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            items = [self.record(session, a, v) for a, v in rows]
            return Page(items, int(total or 0), limit, offset)

    def edit(self, actor: Actor, public_id: str, changes: Any) -> AchievementRecord:
        """Apply ``changes`` (top-level fields replace the current ones; ``None`` removes an
        optional one) as a new version. No change: the current version, unchanged."""
        actor.require("admin", WRITE_SCOPE)
        if not isinstance(changes, Mapping):
            raise ValidationError(
                "the changes must be an object",
                [{"field": "achievement", "message": "must be an object"}],
            )
        with self._db.session() as session:
            achievement = self.find(session, actor, public_id)
            if achievement.archived:
                raise ValidationError(
                    "an archived achievement cannot be edited",
                    [{"field": "achievement", "message": "is archived"}],
                )
            current = self.version_row(session, achievement)
            merged = {**current.data, **changes}
            normalized = validate_achievement({k: v for k, v in merged.items() if v is not None})
            self._check_buildable(normalized)
            if normalized == current.data:
                return self.record(session, achievement, current)
            version = AchievementVersion(
                achievement_id=achievement.id,
                version=achievement.current_version + 1,
                data=normalized,
                created_at=self._clock(),
            )
            session.add(version)
            achievement.current_version = version.version
            session.flush()
            return self.record(session, achievement, version)

    def archive(self, actor: Actor, public_id: str) -> AchievementRecord:
        """Stop awarding the achievement (issued credentials are untouched)."""
        actor.require("admin", WRITE_SCOPE)
        with self._db.session() as session:
            achievement = self.find(session, actor, public_id)
            achievement.archived = True
            session.flush()
            return self.record(session, achievement, self.version_row(session, achievement))


__all__ = [
    "AchievementRecord",
    "AchievementService",
    "Page",
    "check_paging",
    "result_description_id",
    "to_ob3",
    "validate_achievement",
]
