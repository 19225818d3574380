"""VC 2.0 envelope helpers, OB 3.0 / CLR 2.0 builders and bundled 1EdTech JSON Schemas.

Vectors: ``tests/fixtures/ob3-spec/spec`` (1EdTech/openbadges-specification examples) and
``tests/fixtures/1edtech-validator`` (1EdTech/digital-credentials-public-validator test
resources); see shared/standards/SOURCES.md for their origins.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.jsonld import canonicalize
from lerkit.core.model import (
    CLR_CREDENTIAL_SCHEMA,
    CLR_V2_CONTEXT,
    OB_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    OB_ENDORSEMENT_CREDENTIAL_SCHEMA,
    OB_V3_CONTEXT,
    OB_V3_EXTENSIONS_CONTEXT,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    Achievement,
    AchievementSubject,
    AchievementType,
    Address,
    Alignment,
    AlignmentTargetType,
    Association,
    AssociationType,
    ClrCredential,
    ClrSubject,
    CredentialSchema,
    Criteria,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    GeoCoordinates,
    IdentifierEntry,
    Image,
    OpenBadgeCredential,
    Profile,
    Related,
    Result,
    ResultDescription,
    ResultStatus,
    ResultType,
    RubricCriterionLevel,
    basic_shape_errors,
    check_credential_schemas,
    credential_types,
    format_datetime,
    hashed_email_identity,
    is_v2,
    issuer_id,
    parse_datetime,
    schema_for,
    validate,
)
from lerkit.core.model.schema import CLR_ACHIEVEMENT_CREDENTIAL_SCHEMA
from lerkit.core.status import status_entry
from support import FIXTURES, load_json

OB3_SPEC = FIXTURES / "ob3-spec" / "spec"
VALIDATOR = FIXTURES / "1edtech-validator"
ISSUED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

# ---------------------------------------------------------------------------------------
# vc.py


def test_format_datetime_is_utc_seconds_z() -> None:
    dt = datetime(2025, 3, 1, 14, 30, 15, 987654, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(dt) == "2025-03-01T12:30:15Z"


def test_format_datetime_refuses_naive() -> None:
    with pytest.raises(InputError) as info:
        format_datetime(datetime(2025, 3, 1))
    assert info.value.code == ProblemCode.VALIDITY_MALFORMED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-01-01T00:00:00Z", datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01T02:00:00+02:00", datetime(2010, 1, 1, tzinfo=UTC)),
        ("2009-12-31T19:30:00-04:30", datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01T00:00:00.5Z", datetime(2010, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        ("2010-01-01T00:00:00.1234567891Z", datetime(2010, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2009-12-31T24:00:00Z", datetime(2010, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime_accepts_datetimestamps(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2010-01-01T00:00:00",  # no offset: dateTime, not dateTimeStamp
        "2010-01-01",
        "2010-01-01 00:00:00Z",
        "2010-01-01t00:00:00z",
        "2010-13-01T00:00:00Z",
        "2010-02-30T00:00:00Z",
        "2010-01-01T00:00:60Z",
        "2010-01-01T24:00:01Z",
        "2010-01-01T00:00:00+15:00",
        "2010-01-01T00:00:00+01:60",
        " 2010-01-01T00:00:00Z",
        "",
    ],
)
def test_parse_datetime_refuses_malformed(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_datetime(text)
    assert info.value.code == ProblemCode.VALIDITY_MALFORMED


def test_parse_datetime_refuses_non_string() -> None:
    with pytest.raises(InputError):
        parse_datetime(20100101)  # type: ignore[arg-type]


def test_issuer_id_and_types() -> None:
    assert issuer_id({"issuer": "did:example:1"}) == "did:example:1"
    assert issuer_id({"issuer": {"id": "https://a.example", "type": "Profile"}}) == (
        "https://a.example"
    )
    bads: list[dict[str, Any]] = [{}, {"issuer": {}}, {"issuer": 3}, {"issuer": ""}]
    for bad in bads:
        with pytest.raises(InputError) as info:
            issuer_id(bad)
        assert info.value.code == ProblemCode.ISSUER_MALFORMED
    assert credential_types({"type": "A"}) == ["A"]
    assert credential_types({"type": ["A", "B"]}) == ["A", "B"]
    assert credential_types({}) == []
    with pytest.raises(InputError):
        credential_types({"type": [1]})
    assert is_v2({"@context": [VC_V2_CONTEXT, OB_V3_CONTEXT]})
    assert is_v2({"@context": VC_V2_CONTEXT})
    assert not is_v2({"@context": [VC_V1_CONTEXT]})
    assert not is_v2({})


def _minimal_v2(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2010-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def test_basic_shape_accepts_minimal_v2_and_v1() -> None:
    assert basic_shape_errors(_minimal_v2()) == []
    v1 = _minimal_v2(
        **{"@context": [VC_V1_CONTEXT], "validFrom": None, "issuanceDate": "2010-01-01T00:00:00Z"}
    )
    assert basic_shape_errors(v1) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"@context": [OB_V3_CONTEXT, VC_V2_CONTEXT]}, "@context"),
        ({"@context": None}, "@context"),
        ({"@context": [VC_V2_CONTEXT, "not a url"]}, "@context[1]"),
        ({"type": ["OpenBadgeCredential"]}, "type"),
        ({"type": [3]}, "type"),
        ({"issuer": None}, "issuer"),
        ({"issuer": "example.com"}, "issuer"),
        ({"issuer": {"name": "no id"}}, "issuer"),
        ({"id": "not a url"}, "id"),
        ({"credentialSubject": None}, "credentialSubject"),
        ({"credentialSubject": []}, "credentialSubject"),
        ({"credentialSubject": "did:example:x"}, "credentialSubject"),
        ({"validUntil": "2009-01-01T00:00:00Z"}, "validUntil"),
        ({"validFrom": "yesterday"}, "validFrom"),
        ({"issuanceDate": "2010-01-01T00:00:00Z"}, "issuanceDate"),
        ({"expirationDate": "2010-01-01T00:00:00Z"}, "expirationDate"),
        ({"credentialStatus": {"id": "https://s.example/1"}}, "credentialStatus"),
        ({"credentialSchema": [{"type": "JsonSchema"}]}, "credentialSchema[0]"),
        ({"evidence": ["https://e.example"]}, "evidence[0]"),
        ({"termsOfUse": {"id": "https://t.example"}}, "termsOfUse"),
    ],
)
def test_basic_shape_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    errors = basic_shape_errors(_minimal_v2(**changes))
    assert any(e.startswith(f"{field}:") for e in errors), errors


def test_basic_shape_v1_needs_issuance_date() -> None:
    v1 = _minimal_v2(**{"@context": [VC_V1_CONTEXT], "validFrom": None})
    assert any(e.startswith("issuanceDate:") for e in basic_shape_errors(v1))
    assert basic_shape_errors(["not an object"]) == ["credential: must be a JSON object"]


def test_basic_shape_of_fixtures() -> None:
    assert basic_shape_errors(load_json(VALIDATOR / "ob30" / "simple.json")) == []
    assert basic_shape_errors(load_json(VALIDATOR / "ob30" / "simple_v1.json")) == []
    no_issuer = basic_shape_errors(load_json(VALIDATOR / "ob30" / "simple-err-issuer.json"))
    assert "issuer: missing" in no_issuer
    bad_ctx = basic_shape_errors(load_json(VALIDATOR / "ob30" / "simple-err-context.json"))
    assert any(e.startswith("@context:") for e in bad_ctx)


# ---------------------------------------------------------------------------------------
# builders


def test_hashed_email_matches_hand_computed_sha256() -> None:
    identity = hashed_email_identity("a@example.com", "Kosher")
    # the example in the OB 3.0 IdentityHash definition
    assert identity.identity_hash == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
    expected = hashlib.sha256(b"learner@example.orgs4lt").hexdigest()
    assert hashed_email_identity("learner@example.org", "s4lt").to_json() == {
        "type": "IdentityObject",
        "identityHash": f"sha256${expected}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "s4lt",
    }


ISSUER = Profile(
    id="https://university.example/issuers/1",
    name="Example University",
    url="https://university.example",
    email="registrar@university.example",
    description="A university that issues badges.",
    image=Image(id="https://university.example/logo.png", caption="Logo"),
    address=Address(
        address_country="Netherlands",
        address_locality="Utrecht",
        postal_code="3511",
        geo=GeoCoordinates(latitude=52.09, longitude=5.12),
    ),
    other_identifier=(IdentifierEntry(identifier="12345", identifier_type="sourcedId"),),
    parent_org=Profile(id="https://system.example", name="University System"),
)

SKILL = Alignment(
    target_name="Collaborate in teams",
    target_url="https://case.example/uri/abc",
    target_code="T-1",
    target_framework="Example Framework",
    target_type=AlignmentTargetType.CF_ITEM,
    target_description="Works well with others.",
)


def _achievement(n: int) -> Achievement:
    return Achievement(
        id=f"https://university.example/achievements/{n}",
        name=f"Teamwork {n}",
        description="Recognizes teamwork.",
        criteria=Criteria(narrative="Nominated by peers.", id="https://university.example/c"),
        achievement_type=AchievementType.BADGE,
        image=Image(id="https://university.example/badge.png"),
        alignment=(SKILL,),
        result_description=(
            ResultDescription(
                id="urn:uuid:3a1a0f6e-0d1c-4f5e-9a43-5b0e6c2f6b10",
                name="Project grade",
                result_type=ResultType.RUBRIC_CRITERION_LEVEL,
                alignment=(SKILL,),
                rubric_criterion_level=(
                    RubricCriterionLevel(
                        id="urn:uuid:1f0b5a44-7bcb-4b8a-8a77-c1d3e46ab6e1",
                        name="Exemplary",
                        description="Beyond expectations",
                        level="4",
                        points="4",
                        alignment=(SKILL,),
                    ),
                ),
                allowed_value=("A", "B", "C"),
                required_level="urn:uuid:1f0b5a44-7bcb-4b8a-8a77-c1d3e46ab6e1",
            ),
        ),
        tag=("teamwork", "collaboration"),
        creator=ISSUER,
        credits_available=1.5,
        field_of_study="Collaboration",
        human_code="TW-101",
        in_language="en",
        other_identifier=(IdentifierEntry(identifier="TW101", identifier_type="identifier"),),
        related=(Related(id="https://university.example/achievements/1-fr", in_language="fr"),),
        specialization="Remote teams",
        version="1.0",
    )


def _badge(n: int = 1, *, with_schema: bool = True) -> OpenBadgeCredential:
    subject = AchievementSubject(
        id="did:example:learner",
        identifier=(hashed_email_identity("learner@example.org", "s4lt"),),
        achievement=_achievement(n),
        result=(
            Result(
                result_description="urn:uuid:3a1a0f6e-0d1c-4f5e-9a43-5b0e6c2f6b10",
                achieved_level="urn:uuid:1f0b5a44-7bcb-4b8a-8a77-c1d3e46ab6e1",
                status=ResultStatus.COMPLETED,
                value="A",
                alignment=(SKILL,),
            ),
        ),
        activity_start_date=datetime(2025, 1, 6, tzinfo=UTC),
        activity_end_date=datetime(2025, 2, 28, tzinfo=UTC),
        credits_earned=1.5,
        narrative="Led the final project.",
        role="Team lead",
        term="Spring 2025",
        source=Profile(id="https://university.example/departments/cs", name="CS"),
    )
    return OpenBadgeCredential(
        id=f"urn:uuid:6d2f3c1e-2c5b-4d7e-9d2a-4b3c2d1e0f{n:02d}",
        issuer=ISSUER,
        valid_from=ISSUED,
        valid_until=ISSUED + timedelta(days=3650),
        name="Teamwork Badge",
        description="Awarded for teamwork.",
        image=Image(id="https://university.example/badge.png", caption="Badge"),
        awarded_date=ISSUED,
        credential_subject=subject,
        evidence=(
            Evidence(
                id="https://university.example/evidence/1",
                name="Final report",
                narrative="# Report",
                description="The project report.",
                genre="Research",
                audience="Department",
            ),
        ),
        credential_status=(
            status_entry("https://university.example/status/1", 94567, "revocation"),
        ),
        credential_schema=(CredentialSchema(id=OB_ACHIEVEMENT_CREDENTIAL_SCHEMA),)
        if with_schema
        else (),
    )


def _endorsement() -> EndorsementCredential:
    return EndorsementCredential(
        id="urn:uuid:9d2a4b3c-2d1e-4f6d-8c5b-2c6d2f3c1e11",
        issuer=Profile(id="https://accreditor.example", name="Accreditor"),
        valid_from=ISSUED,
        name="Accreditor endorses Example University",
        description="In good standing.",
        credential_subject=EndorsementSubject(
            id="https://university.example/issuers/1",
            endorsement_comment="Example University is in good standing.",
        ),
        credential_schema=(CredentialSchema(id=OB_ENDORSEMENT_CREDENTIAL_SCHEMA),),
    )


def test_open_badge_credential_shape() -> None:
    doc = _badge().to_json()
    assert doc["@context"] == [VC_V2_CONTEXT, OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["validFrom"] == "2025-03-01T12:00:00Z"
    assert doc["issuer"]["type"] == ["Profile"]
    assert doc["image"] == {
        "id": "https://university.example/badge.png",
        "type": "Image",
        "caption": "Badge",
    }
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["alignment"][0]["targetType"] == "CFItem"
    assert achievement["tag"] == ["teamwork", "collaboration"]
    assert doc["credentialStatus"]["statusListIndex"] == "94567"
    assert list(doc)[:3] == ["@context", "id", "type"]
    assert "endorsement" not in doc  # empty sets are omitted
    plain = _badge(with_schema=False).to_json()
    assert plain["@context"] == [VC_V2_CONTEXT, OB_V3_CONTEXT]
    assert "credentialSchema" not in plain
    alias = OpenBadgeCredential(
        id="urn:uuid:1",
        issuer=ISSUER,
        valid_from=ISSUED,
        credential_subject=_badge().credential_subject,
        primary_type="AchievementCredential",
    )
    assert alias.to_json()["type"] == ["VerifiableCredential", "AchievementCredential"]


def test_full_open_badge_validates_and_canonicalizes() -> None:
    badge = _badge()
    endorsed = OpenBadgeCredential(**{**badge.__dict__, "endorsement": (_endorsement().to_json(),)})
    doc = endorsed.to_json()
    assert schema_for(doc) == OB_ACHIEVEMENT_CREDENTIAL_SCHEMA
    assert validate(doc) == []
    assert check_credential_schemas(doc) == []
    assert basic_shape_errors(doc) == []
    nquads = canonicalize(doc)  # safe mode: raises on any term the contexts do not define
    ob = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
    for iri in (
        f"{ob}identityHash",
        f"{ob}rubricCriterionLevel",
        f"{ob}endorsementComment",  # the embedded endorsement is expanded too
        "https://schema.org/targetFramework",
        "https://www.w3.org/ns/credentials/status#statusListIndex",
    ):
        assert f"<{iri}>" in nquads, iri
    assert "1EdTechJsonSchemaValidator2019" in nquads


def test_endorsement_credential_validates_and_canonicalizes() -> None:
    doc = _endorsement().to_json()
    assert doc["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert schema_for(doc) == OB_ENDORSEMENT_CREDENTIAL_SCHEMA
    assert validate(doc) == []
    assert check_credential_schemas(doc) == []
    assert canonicalize(doc)


def test_clr_credential_validates_and_canonicalizes() -> None:
    first, second = _badge(1).to_json(), _badge(2).to_json()
    clr = ClrCredential(
        id="urn:uuid:0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5",
        issuer=ISSUER,
        valid_from=ISSUED,
        name="Transcript of Example Learner",
        description="All achievements.",
        partial=False,
        credential_subject=ClrSubject(
            id="did:example:learner",
            identifier=(hashed_email_identity("learner@example.org", "s4lt"),),
            verifiable_credential=(first, second),
            achievement=(_achievement(1), _achievement(2)),
            association=(
                Association(
                    association_type=AssociationType.PRECEDES,
                    source_id=_achievement(1).id,
                    target_id=_achievement(2).id,
                ),
            ),
        ),
    )
    doc = clr.to_json()
    assert doc["@context"] == [VC_V2_CONTEXT, CLR_V2_CONTEXT, OB_V3_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "ClrCredential"]
    assert doc["partial"] is False
    assert doc["credentialSubject"]["association"] == [
        {
            "type": "Association",
            "associationType": "precedes",
            "sourceId": "https://university.example/achievements/1",
            "targetId": "https://university.example/achievements/2",
        }
    ]
    assert len(doc["credentialSubject"]["verifiableCredential"]) == 2
    assert schema_for(doc) == CLR_CREDENTIAL_SCHEMA
    assert validate(doc) == []
    assert canonicalize(doc)


def test_builders_refuse_what_the_model_forbids() -> None:
    with pytest.raises(InputError):
        AchievementSubject(achievement=_achievement(1))  # neither id nor identifier
    with pytest.raises(InputError):
        Profile(id="not a url")
    with pytest.raises(InputError):
        OpenBadgeCredential(
            id="urn:uuid:1",
            issuer=ISSUER,
            valid_from=ISSUED,
            valid_until=ISSUED - timedelta(seconds=1),
            credential_subject=_badge().credential_subject,
        )
    with pytest.raises(InputError):
        OpenBadgeCredential(
            id="urn:uuid:1",
            issuer=ISSUER,
            valid_from=datetime(2025, 1, 1),
            credential_subject=_badge().credential_subject,
        )
    with pytest.raises(InputError):
        EndorsementCredential(
            id="urn:uuid:1",
            issuer=ISSUER,
            valid_from=ISSUED,
            credential_subject=EndorsementSubject(id="https://x.example"),
        )
    with pytest.raises(InputError, match="associationType"):
        Association(association_type="isUnrelated", source_id="urn:a", target_id="urn:b")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        ClrSubject(verifiable_credential=())
    with pytest.raises(InputError):
        Evidence(name="x", extra={"name": "y"}).to_json()


def test_two_status_entries_become_an_array_the_ob_schema_refuses() -> None:
    entries = (
        status_entry("https://university.example/status/1", 1, "revocation"),
        status_entry("https://university.example/status/2", 1, "suspension"),
    )
    doc = OpenBadgeCredential(**{**_badge().__dict__, "credential_status": entries}).to_json()
    assert doc["credentialStatus"] == list(entries)
    assert basic_shape_errors(doc) == []
    assert [i.path for i in validate(doc)] == ["$.credentialStatus"]


def test_extension_properties_pass_through() -> None:
    evidence = Evidence(name="x", extra_types=("ext:Portfolio",), extra={"ext:link": "u"})
    assert evidence.to_json() == {
        "type": ["Evidence", "ext:Portfolio"],
        "name": "x",
        "ext:link": "u",
    }


# ---------------------------------------------------------------------------------------
# schema validation of published examples and fixtures


@pytest.mark.parametrize("path", sorted(OB3_SPEC.glob("*.json")), ids=lambda p: p.name)
def test_ob3_spec_examples_validate(path: Any) -> None:
    doc = load_json(path)
    assert schema_for(doc) is not None
    assert validate(doc) == []


VALID_V2_FIXTURES = [
    "ob30/simple.json",
    "ob30/complete.json",
    "ob30/endorsement-valid.json",
    "ob30/simple-context-alias.json",
    "ob30/simple-context-version.json",
    "ob30/simple-did-key-method.json",
    "ob30/simple-did-web-method.json",
    "ob30/simple-multiple-proofs.json",
    "ob30/bit-string-list/credential-status-revoked.json",
    "ob30/bit-string-list/credential-status-revoked-blank-nodes.json",
    "clr20/simple.json",
]


@pytest.mark.parametrize("name", VALID_V2_FIXTURES)
def test_valid_validator_fixtures_pass(name: str) -> None:
    doc = load_json(VALIDATOR / name)
    assert validate(doc) == []


# fixture -> JSONPath of the broken field (each checked by hand against the file)
SCHEMA_ERROR_FIXTURES = {
    "simple-err-issuer-type.json": "$.issuer.type",
    "simple-err-issuer-parentorg-type.json": "$.issuer.parentOrg.type",
    "simple-err-issuer-otheridentifier-type.json": "$.issuer.otherIdentifier[1].type",
    "simple-err-credential-subject-type.json": "$.credentialSubject.type",
    "simple-err-credential-subject-identifier-type.json": "$.credentialSubject.identifier[0].type",
    "simple-err-credential-subject-result-type.json": "$.credentialSubject.result[1].type",
    "simple-err-credential-subject-profile-type.json": "$.credentialSubject.source.type",
    "simple-err-credential-subject-achievement-result-description-type.json": (
        "$.credentialSubject.achievement.resultDescription[2].type"
    ),
    "simple-err-evidence-type.json": "$.evidence[1].type",
    "simple-err-issuer.json": "$",  # 'issuer' is a required property
}


@pytest.mark.parametrize(("name", "path"), sorted(SCHEMA_ERROR_FIXTURES.items()))
def test_schema_error_fixtures_fail_at_the_broken_field(name: str, path: str) -> None:
    issues = validate(load_json(VALIDATOR / "ob30" / name))
    assert issues
    assert all(i.code == ProblemCode.SCHEMA_INVALID for i in issues)
    assert path in [i.path for i in issues], [str(i) for i in issues]


def test_schema_error_messages_say_what_was_expected() -> None:
    issues = validate(load_json(VALIDATOR / "ob30" / "simple-err-evidence-type.json"))
    assert [str(i) for i in issues] == [
        "$.evidence[1].type: type must include 'Evidence' (found ['InvalidEvidence'])"
    ]
    issues = validate(load_json(VALIDATOR / "ob30" / "simple-err-issuer.json"))
    assert any("'issuer' is a required property" in i.message for i in issues)


def test_err_type_fixture_has_no_ob_type() -> None:
    doc = load_json(VALIDATOR / "ob30" / "simple-err-type.json")
    # type is [VerifiableCredential, OtherCredential]: nothing to pick a schema by ...
    assert schema_for(doc) is None
    (issue,) = validate(doc)
    assert (issue.path, issue.code) == ("$.type", ProblemCode.SCHEMA_UNKNOWN)
    # ... and against the OB schema it fails at type (and at the missing achievement)
    paths = {i.path for i in validate(doc, OB_ACHIEVEMENT_CREDENTIAL_SCHEMA)}
    assert {"$.type", "$.credentialSubject"} <= paths


def test_err_context_fixture_fails_at_context() -> None:
    issues = validate(load_json(VALIDATOR / "ob30" / "simple-err-context.json"))
    assert "$['@context'][0]" in [i.path for i in issues]


def test_non_schema_error_fixtures_pass_the_schema() -> None:
    # these fail other checks (proof, validity period), not the schema
    for name in (
        "simple-err-expired.json",
        "simple-err-proof-value.json",
        "simple-err-proof-method.json",
        "simple-err-proof-method-no-scheme.json",
        "simple-err-proof-method-unknown-scheme.json",
        "simple-err-proof-method-unknown-did-method.json",
    ):
        assert validate(load_json(VALIDATOR / "ob30" / name)) == [], name


V1_FIXTURES = [
    "ob30/simple_v1.json",
    "ob30/complete_v1.json",
    "ob30/simple-noproof.json",
    "ob30/credential-status-revoked.json",
    "ob30/simple-eddsa-2022.json",
    "ob30/endorsement-err-schema-status-refresh.json",
    "clr20/simple_v1.json",
    "clr20/complex.json",
    "clr20/simple-noproof.json",
]


@pytest.mark.parametrize("name", V1_FIXTURES)
def test_vcdm_1_1_fixtures_are_reported_not_checked(name: str) -> None:
    doc = load_json(VALIDATOR / name)
    (issue,) = validate(doc)
    assert issue.code == ProblemCode.SCHEMA_UNKNOWN
    assert issue.path == "$['@context'][0]"
    assert "VC Data Model 1.1" in issue.message
    # asked explicitly, the 2.0 schema rejects it at @context[0]
    schema_id = schema_for(doc)
    assert schema_id is not None
    explicit = validate(doc, schema_id)
    assert "$['@context'][0]" in [i.path for i in explicit]


def test_declared_schemas_are_mapped_to_bundled_ones() -> None:
    spec = load_json(OB3_SPEC / "endorsement.json")
    (issue,) = check_credential_schemas(spec)
    assert issue.code == ProblemCode.SCHEMA_UNKNOWN
    assert issue.path == "$.credentialSchema[1]"
    assert issue.schema_id == "https://state.gov/schema/endorsementcredential.json"

    refresh = load_json(VALIDATOR / "ob30" / "endorsement-err-schema-status-refresh.json")
    issues = check_credential_schemas(refresh)
    assert [i.path for i in issues] == ["$.credentialSchema[0]", "$.credentialSchema[1]"]
    assert all(i.code == ProblemCode.SCHEMA_UNKNOWN for i in issues)
    assert "VCDM 1.1" in issues[0].message

    broken = load_json(VALIDATOR / "ob30" / "complete.json")
    broken["credentialSchema"] = [
        {"id": OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"},
        {"id": "https://example.org/schema.json", "type": "JsonSchema"},
    ]
    broken["evidence"][0]["type"] = ["Nope"]
    issues = check_credential_schemas(broken)
    assert [(i.path, i.code) for i in issues] == [
        ("$.evidence[0].type", ProblemCode.SCHEMA_INVALID),
        ("$.credentialSchema[1]", ProblemCode.SCHEMA_UNKNOWN),
    ]


def test_schema_for_picks_by_type_and_context() -> None:
    assert schema_for({"type": ["VerifiableCredential", "AchievementCredential"]}) == (
        OB_ACHIEVEMENT_CREDENTIAL_SCHEMA
    )
    in_clr = {
        "@context": [VC_V2_CONTEXT, CLR_V2_CONTEXT, OB_V3_CONTEXT],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
    }
    assert schema_for(in_clr) == CLR_ACHIEVEMENT_CREDENTIAL_SCHEMA
    assert schema_for({"type": "VerifiableCredential"}) is None
    assert schema_for({"type": 5}) is None


def test_unknown_schema_id_is_refused() -> None:
    with pytest.raises(InputError) as info:
        validate({}, "https://example.org/not-bundled.json")
    assert info.value.code == ProblemCode.SCHEMA_UNKNOWN


def test_schema_registry_is_offline_and_cached() -> None:
    from jsonschema import Draft201909Validator
    from referencing.exceptions import Unresolvable

    from lerkit.core.model.schema import _registry, _validator, bundled_schema_ids

    assert {OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, CLR_CREDENTIAL_SCHEMA} <= bundled_schema_ids()
    assert _validator(CLR_CREDENTIAL_SCHEMA) is _validator(CLR_CREDENTIAL_SCHEMA)
    outside = Draft201909Validator({"$ref": "https://example.org/x.json"}, registry=_registry())
    with pytest.raises(Unresolvable):
        list(outside.iter_errors({}))
