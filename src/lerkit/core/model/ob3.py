"""Open Badges 3.0 (context 3.0.3, VC Data Model 2.0) as typed, frozen builders.

Every class is a frozen, keyword-only dataclass whose :meth:`to_json` gives the JSON-LD
object: properties in camelCase, ``None`` and empty collections omitted, sets always as
arrays, ``type`` first after ``id``. The credentials are built unsigned; signing is the
proof code's job. Dates are aware :class:`~datetime.datetime` values (written as
``YYYY-MM-DDTHH:MM:SSZ``); times and salts are arguments, never read from a clock or RNG.

Extension properties go in ``extra`` (merged last; it may not overwrite a built property)
together with the context that defines them in the credential's ``extra_contexts``.

Errors: :class:`~lerkit.core.errors.InputError` (``credential.malformed``,
``validity.malformed``) when a builder is given something the data model forbids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.model.vc import VC_V2_CONTEXT, format_datetime, is_url
from lerkit.core.types import JsonObject

OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
"""The Open Badges 3.0 context for VC Data Model 2.0 credentials."""

OB_V3_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
"""Defines ``1EdTechJsonSchemaValidator2019``, ``1EdTechRevocationList``,
``1EdTechCredentialRefresh``: needed whenever those types are used."""

OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
OB_ENDORSEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)
JSON_SCHEMA_VALIDATOR_2019 = "1EdTechJsonSchemaValidator2019"


class AchievementType(StrEnum):
    """``Achievement.achievementType`` values (``ext:...`` strings are also allowed)."""

    ACHIEVEMENT = "Achievement"
    APPRENTICESHIP_CERTIFICATE = "ApprenticeshipCertificate"
    ASSESSMENT = "Assessment"
    ASSIGNMENT = "Assignment"
    ASSOCIATE_DEGREE = "AssociateDegree"
    AWARD = "Award"
    BADGE = "Badge"
    BACHELOR_DEGREE = "BachelorDegree"
    CERTIFICATE = "Certificate"
    CERTIFICATE_OF_COMPLETION = "CertificateOfCompletion"
    CERTIFICATION = "Certification"
    COMMUNITY_SERVICE = "CommunityService"
    COMPETENCY = "Competency"
    COURSE = "Course"
    CO_CURRICULAR = "CoCurricular"
    DEGREE = "Degree"
    DIPLOMA = "Diploma"
    DOCTORAL_DEGREE = "DoctoralDegree"
    FIELDWORK = "Fieldwork"
    GENERAL_EDUCATION_DEVELOPMENT = "GeneralEducationDevelopment"
    JOURNEYMAN_CERTIFICATE = "JourneymanCertificate"
    LEARNING_PROGRAM = "LearningProgram"
    LICENSE = "License"
    MEMBERSHIP = "Membership"
    PROFESSIONAL_DOCTORATE = "ProfessionalDoctorate"
    QUALITY_ASSURANCE_CREDENTIAL = "QualityAssuranceCredential"
    MASTER_CERTIFICATE = "MasterCertificate"
    MASTER_DEGREE = "MasterDegree"
    MICRO_CREDENTIAL = "MicroCredential"
    RESEARCH_DOCTORATE = "ResearchDoctorate"
    SECONDARY_SCHOOL_DIPLOMA = "SecondarySchoolDiploma"


class AlignmentTargetType(StrEnum):
    """``Alignment.targetType`` values (``ext:...`` strings are also allowed)."""

    CEASN_COMPETENCY = "ceasn:Competency"
    CETERMS_CREDENTIAL = "ceterms:Credential"
    CF_ITEM = "CFItem"
    CF_RUBRIC = "CFRubric"
    CF_RUBRIC_CRITERION = "CFRubricCriterion"
    CF_RUBRIC_CRITERION_LEVEL = "CFRubricCriterionLevel"
    CTDL = "CTDL"


class ResultType(StrEnum):
    """``ResultDescription.resultType`` values (``ext:...`` strings are also allowed)."""

    GRADE_POINT_AVERAGE = "GradePointAverage"
    LETTER_GRADE = "LetterGrade"
    PERCENT = "Percent"
    PERFORMANCE_LEVEL = "PerformanceLevel"
    PREDICTED_SCORE = "PredictedScore"
    RAW_SCORE = "RawScore"
    RESULT = "Result"
    RUBRIC_CRITERION = "RubricCriterion"
    RUBRIC_CRITERION_LEVEL = "RubricCriterionLevel"
    RUBRIC_SCORE = "RubricScore"
    SCALED_SCORE = "ScaledScore"
    STATUS = "Status"


class ResultStatus(StrEnum):
    """``Result.status`` values."""

    COMPLETED = "Completed"
    ENROLLED = "Enrolled"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    ON_HOLD = "OnHold"
    PROVISIONAL = "Provisional"
    WITHDREW = "Withdrew"


# ---------------------------------------------------------------------------------------
# Serialization shared by every builder


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _json_value(value: Any) -> Any:
    if isinstance(value, Node):
        return value.to_json()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, tuple, Mapping)) and len(value) == 0)


_META_FIELDS = frozenset({"id", "extra", "extra_types"})


@dataclass(frozen=True, kw_only=True)
class Node:
    """Base of the builders. ``TYPE`` is the class's JSON-LD type; when ``SINGLE_TYPE`` the
    schema wants a plain string (``Image``, ``IdentityObject``...), else an array that
    starts with ``TYPE`` followed by ``extra_types``."""

    TYPE: ClassVar[str | None] = None
    SINGLE_TYPE: ClassVar[bool] = False

    extra_types: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _type_value(self) -> str | list[str] | None:
        if self.TYPE is None:
            return list(self.extra_types) or None
        if self.SINGLE_TYPE and not self.extra_types:
            return self.TYPE
        return [self.TYPE, *self.extra_types]

    def to_json(self) -> JsonObject:
        """The JSON-LD object, ``None``/empty values omitted."""
        out: JsonObject = {}
        ident = getattr(self, "id", None)
        if ident is not None:
            out["id"] = ident
        type_value = self._type_value()
        if type_value is not None:
            out["type"] = type_value
        for f in fields(self):
            if f.name in _META_FIELDS:
                continue
            value = getattr(self, f.name)
            if not _is_empty(value):
                out[_camel(f.name)] = _json_value(value)
        for key, value in self.extra.items():
            if key in out:
                raise InputError(
                    f"extra property {key!r} would overwrite a built property",
                    ProblemCode.CREDENTIAL_MALFORMED,
                )
            out[key] = _json_value(value)
        return out


def _require_url(value: str | None, what: str) -> None:
    if not is_url(value):
        raise InputError(
            f"{what} must be an absolute URL, got {value!r}", ProblemCode.CREDENTIAL_MALFORMED
        )


# ---------------------------------------------------------------------------------------
# Profiles and small parts


@dataclass(frozen=True, kw_only=True)
class Image(Node):
    """An image by URL or ``data:`` URL, with an optional caption."""

    TYPE: ClassVar[str | None] = "Image"
    SINGLE_TYPE: ClassVar[bool] = True

    id: str
    caption: str | None = None


@dataclass(frozen=True, kw_only=True)
class IdentifierEntry(Node):
    """An ``otherIdentifier`` entry (``identifierType`` as in :class:`IdentityObject`)."""

    TYPE: ClassVar[str | None] = "IdentifierEntry"
    SINGLE_TYPE: ClassVar[bool] = True

    identifier: str
    identifier_type: str


@dataclass(frozen=True, kw_only=True)
class GeoCoordinates(Node):
    TYPE: ClassVar[str | None] = "GeoCoordinates"
    SINGLE_TYPE: ClassVar[bool] = True

    latitude: float
    longitude: float


@dataclass(frozen=True, kw_only=True)
class Address(Node):
    TYPE: ClassVar[str | None] = "Address"

    address_country: str | None = None
    address_country_code: str | None = None
    address_region: str | None = None
    address_locality: str | None = None
    street_address: str | None = None
    post_office_box_number: str | None = None
    postal_code: str | None = None
    geo: GeoCoordinates | None = None


@dataclass(frozen=True, kw_only=True)
class Profile(Node):
    """An issuer, creator or source: an organization or a person."""

    TYPE: ClassVar[str | None] = "Profile"

    id: str
    name: str | None = None
    url: str | None = None
    phone: str | None = None
    description: str | None = None
    image: Image | None = None
    email: str | None = None
    address: Address | None = None
    other_identifier: tuple[IdentifierEntry, ...] = ()
    official: str | None = None
    parent_org: Profile | None = None
    family_name: str | None = None
    given_name: str | None = None
    additional_name: str | None = None
    patronymic_name: str | None = None
    honorific_prefix: str | None = None
    honorific_suffix: str | None = None
    family_name_prefix: str | None = None
    date_of_birth: str | None = None
    endorsement: tuple[JsonObject, ...] = ()
    endorsement_jwt: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_url(self.id, "Profile.id")


@dataclass(frozen=True, kw_only=True)
class Criteria(Node):
    """How the achievement is earned: a URL (``id``) and/or a Markdown ``narrative``."""

    id: str | None = None
    narrative: str | None = None


@dataclass(frozen=True, kw_only=True)
class Alignment(Node):
    """A link to a skill, competency or framework item (CASE, CTDL...)."""

    TYPE: ClassVar[str | None] = "Alignment"

    target_name: str
    target_url: str
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class Related(Node):
    """Another version of the same achievement (e.g. in another language)."""

    TYPE: ClassVar[str | None] = "Related"

    id: str
    in_language: str | None = None
    version: str | None = None


@dataclass(frozen=True, kw_only=True)
class RubricCriterionLevel(Node):
    TYPE: ClassVar[str | None] = "RubricCriterionLevel"

    id: str
    name: str
    description: str | None = None
    level: str | None = None
    points: str | None = None
    alignment: tuple[Alignment, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ResultDescription(Node):
    """What kind of result an achievement records (grade, score, rubric level...)."""

    TYPE: ClassVar[str | None] = "ResultDescription"

    id: str
    name: str
    result_type: str
    allowed_value: tuple[str, ...] = ()
    required_level: str | None = None
    required_value: str | None = None
    rubric_criterion_level: tuple[RubricCriterionLevel, ...] = ()
    value_min: str | None = None
    value_max: str | None = None
    alignment: tuple[Alignment, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Result(Node):
    """A result the earner achieved; ``result_description`` is a ResultDescription id."""

    TYPE: ClassVar[str | None] = "Result"

    result_description: str | None = None
    value: str | None = None
    achieved_level: str | None = None
    status: str | None = None
    alignment: tuple[Alignment, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Evidence(Node):
    TYPE: ClassVar[str | None] = "Evidence"

    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None


@dataclass(frozen=True, kw_only=True)
class IdentityObject(Node):
    """A recipient identifier, usually a salted hash of an email address."""

    TYPE: ClassVar[str | None] = "IdentityObject"
    SINGLE_TYPE: ClassVar[bool] = True

    identity_hash: str
    identity_type: str = "emailAddress"
    hashed: bool = True
    salt: str | None = None


def hashed_email_identity(email: str, salt: str) -> IdentityObject:
    """``IdentityObject`` for ``email``: ``sha256$`` + hex(SHA-256(UTF-8(email + salt))).

    The email is hashed exactly as given (normalize it first if you want case-insensitive
    matching); the salt is an argument so issuance stays reproducible.
    """
    if not isinstance(email, str) or not email:
        raise InputError("email must be a non-empty string", ProblemCode.INPUT_MALFORMED)
    if not isinstance(salt, str):
        raise InputError("salt must be a string", ProblemCode.INPUT_MALFORMED)
    digest = hashlib.sha256((email + salt).encode("utf-8")).hexdigest()
    return IdentityObject(
        identity_hash=f"sha256${digest}", identity_type="emailAddress", hashed=True, salt=salt
    )


# ---------------------------------------------------------------------------------------
# Achievements and subjects


@dataclass(frozen=True, kw_only=True)
class Achievement(Node):
    """What was achieved: badge, course, competency, degree..."""

    TYPE: ClassVar[str | None] = "Achievement"

    id: str
    name: str
    description: str
    criteria: Criteria
    achievement_type: str | None = None
    image: Image | None = None
    alignment: tuple[Alignment, ...] = ()
    result_description: tuple[ResultDescription, ...] = ()
    tag: tuple[str, ...] = ()
    creator: Profile | None = None
    credits_available: float | None = None
    field_of_study: str | None = None
    human_code: str | None = None
    in_language: str | None = None
    other_identifier: tuple[IdentifierEntry, ...] = ()
    related: tuple[Related, ...] = ()
    specialization: str | None = None
    version: str | None = None
    endorsement: tuple[JsonObject, ...] = ()
    endorsement_jwt: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_url(self.id, "Achievement.id")


@dataclass(frozen=True, kw_only=True)
class AchievementSubject(Node):
    """The earner (``id``, e.g. a DID, or at least one ``identifier``) and the achievement."""

    TYPE: ClassVar[str | None] = "AchievementSubject"

    achievement: Achievement
    id: str | None = None
    identifier: tuple[IdentityObject, ...] = ()
    result: tuple[Result, ...] = ()
    activity_start_date: datetime | str | None = None
    activity_end_date: datetime | str | None = None
    credits_earned: float | None = None
    license_number: str | None = None
    narrative: str | None = None
    role: str | None = None
    source: Profile | None = None
    term: str | None = None
    image: Image | None = None

    def __post_init__(self) -> None:
        if self.id is None and not self.identifier:
            raise InputError(
                "AchievementSubject needs an id or at least one identifier",
                ProblemCode.CREDENTIAL_MALFORMED,
            )
        if self.id is not None:
            _require_url(self.id, "AchievementSubject.id")


@dataclass(frozen=True, kw_only=True)
class EndorsementSubject(Node):
    """What an endorsement is about (an issuer Profile, an Achievement...) by id."""

    TYPE: ClassVar[str | None] = "EndorsementSubject"

    id: str
    endorsement_comment: str | None = None

    def __post_init__(self) -> None:
        _require_url(self.id, "EndorsementSubject.id")


@dataclass(frozen=True, kw_only=True)
class CredentialSchema(Node):
    """A ``credentialSchema`` entry; by default a 1EdTech JSON Schema."""

    id: str
    type: str = JSON_SCHEMA_VALIDATOR_2019

    def _type_value(self) -> str | list[str] | None:
        return self.type

    def to_json(self) -> JsonObject:
        return {"id": self.id, "type": self.type, **self.extra}


# ---------------------------------------------------------------------------------------
# Credentials


def _one_or_many(value: Any) -> Any:
    """A single object stays an object; several become an array."""
    items = [_json_value(v) for v in value]
    return items[0] if len(items) == 1 else items


@dataclass(frozen=True, kw_only=True)
class _Credential:
    """Fields and serialization shared by the OB / CLR credential builders."""

    PRIMARY_CONTEXTS: ClassVar[tuple[str, ...]] = (VC_V2_CONTEXT, OB_V3_CONTEXT)
    TYPE: ClassVar[str] = ""

    id: str
    issuer: Profile
    valid_from: datetime
    valid_until: datetime | None = None
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    awarded_date: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    credential_status: tuple[JsonObject, ...] = ()
    credential_schema: tuple[CredentialSchema, ...] = ()
    endorsement: tuple[JsonObject, ...] = ()
    endorsement_jwt: tuple[str, ...] = ()
    refresh_service: JsonObject | None = None
    terms_of_use: tuple[JsonObject, ...] = ()
    extra_types: tuple[str, ...] = ()
    extra_contexts: tuple[str | JsonObject, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_url(self.id, f"{self.TYPE}.id")
        format_datetime(self.valid_from)  # refuses naive datetimes early
        if self.valid_until is not None:
            format_datetime(self.valid_until)
            if self.valid_until < self.valid_from:
                raise InputError("validUntil is before validFrom", ProblemCode.VALIDITY_MALFORMED)

    def _types(self) -> list[str]:
        return ["VerifiableCredential", self.TYPE, *self.extra_types]

    def _contexts(self) -> list[str | JsonObject]:
        ctx: list[str | JsonObject] = list(self.PRIMARY_CONTEXTS)
        needs_extensions = any(s.type == JSON_SCHEMA_VALIDATOR_2019 for s in self.credential_schema)
        if needs_extensions and OB_V3_EXTENSIONS_CONTEXT not in self.extra_contexts:
            ctx.append(OB_V3_EXTENSIONS_CONTEXT)
        ctx.extend(c if isinstance(c, str) else dict(c) for c in self.extra_contexts)
        return ctx

    def _subject_json(self) -> Any:
        raise NotImplementedError

    def _body(self) -> JsonObject:
        """Properties specific to the subclass, placed after ``description``."""
        return {}

    def to_json(self) -> JsonObject:
        """The unsigned credential."""
        out: JsonObject = {
            "@context": self._contexts(),
            "id": self.id,
            "type": self._types(),
            "issuer": self.issuer.to_json(),
            "validFrom": format_datetime(self.valid_from),
        }
        if self.valid_until is not None:
            out["validUntil"] = format_datetime(self.valid_until)
        optional: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "image": self.image,
            "awardedDate": self.awarded_date,
            **self._body(),
        }
        for key, value in optional.items():
            if not _is_empty(value):
                out[key] = _json_value(value)
        out["credentialSubject"] = self._subject_json()
        arrays: dict[str, tuple[Any, ...]] = {
            "evidence": self.evidence,
            "endorsement": self.endorsement,
            "endorsementJwt": self.endorsement_jwt,
            "credentialSchema": self.credential_schema,
            "termsOfUse": self.terms_of_use,
        }
        for key, items in arrays.items():
            if items:
                out[key] = _json_value(items)
        if self.credential_status:
            out["credentialStatus"] = _one_or_many(self.credential_status)
        if self.refresh_service is not None:
            out["refreshService"] = _json_value(self.refresh_service)
        for key, value in self.extra.items():
            if key in out:
                raise InputError(
                    f"extra property {key!r} would overwrite a built property",
                    ProblemCode.CREDENTIAL_MALFORMED,
                )
            out[key] = _json_value(value)
        return out


@dataclass(frozen=True, kw_only=True)
class OpenBadgeCredential(_Credential):
    """An unsigned OB 3.0 ``OpenBadgeCredential`` (set ``primary_type`` to
    ``"AchievementCredential"`` for the alias). ``credential_status`` entries are objects
    such as :func:`lerkit.core.status.status_entry` builds; one entry is written as an
    object, several as an array (VC 2.0 allows it, but the OB 3.0 JSON Schema accepts only
    a single ``credentialStatus`` object, so use one entry for OB conformance)."""

    TYPE: ClassVar[str] = "OpenBadgeCredential"

    credential_subject: AchievementSubject
    primary_type: str = "OpenBadgeCredential"

    def __post_init__(self) -> None:
        if self.primary_type not in ("OpenBadgeCredential", "AchievementCredential"):
            raise InputError(
                "primary_type must be OpenBadgeCredential or AchievementCredential",
                ProblemCode.CREDENTIAL_MALFORMED,
            )
        super().__post_init__()

    def _types(self) -> list[str]:
        return ["VerifiableCredential", self.primary_type, *self.extra_types]

    def _subject_json(self) -> Any:
        return self.credential_subject.to_json()


AchievementCredential = OpenBadgeCredential
"""Alias: build with ``primary_type="AchievementCredential"`` to emit that type name."""


@dataclass(frozen=True, kw_only=True)
class EndorsementCredential(_Credential):
    """An unsigned OB 3.0 ``EndorsementCredential`` (``name`` is required)."""

    TYPE: ClassVar[str] = "EndorsementCredential"

    credential_subject: EndorsementSubject

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name:
            raise InputError("EndorsementCredential needs a name", ProblemCode.CREDENTIAL_MALFORMED)

    def _subject_json(self) -> Any:
        return self.credential_subject.to_json()
