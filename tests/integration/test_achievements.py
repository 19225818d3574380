"""Achievements: validation in plain words, versions, paging, archive, tenants."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.db.session import Database
from lerkit.services.achievements import AchievementService, to_ob3
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from lerkit.services.identity import Identity
from lerkit.services.organizations import Organizations

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PUBLIC_URL = "https://lerkit.example"

BADGE = {
    "name": "Data Analysis Fundamentals",
    "description": "Clean, explore and summarise real data sets.",
    "criteria": {"narrative": "Complete the six modules.", "url": "https://example.org/c"},
    "image": "https://example.org/badge.png",
    "tags": ["data", "analysis"],
    "achievementType": "Badge",
    "alignments": [
        {
            "targetName": "analyse big data",
            "targetUrl": "http://data.europa.eu/esco/skill/ee7e4b3f",
            "targetCode": "S2.7.1",
            "targetFramework": "ESCO",
            "targetType": "CFItem",
        }
    ],
    "resultDescriptions": [
        {"key": "grade", "name": "Final grade", "resultType": "Percent", "valueMin": "0"}
    ],
}


@pytest.fixture
def world(db: Database):
    rng = random.Random(3)
    audit = AuditLog(lambda: NOW)
    identity = Identity(
        EnvelopeKeyStore(MasterKey(bytes(range(32))), entropy=rng.randbytes),
        audit,
        lambda: NOW,
        rng.randbytes,
        PUBLIC_URL,
    )
    orgs = Organizations(identity, audit, lambda: NOW)
    with db.session() as s:
        a = orgs.create(s, name="Acme", did_method="key", owner_email="o@acme.example")
        b = orgs.create(s, name="Beta", did_method="key", owner_email="o@beta.example")
    service = AchievementService(
        db, public_url=PUBLIC_URL, clock=lambda: NOW, entropy=rng.randbytes
    )
    return service, a, b


def admin(org) -> Actor:
    return Actor(org.id, "admin", "test:admin")


def test_create_get_and_url(world) -> None:
    service, a, _ = world
    record = service.create(admin(a), BADGE)
    assert record.version == 1
    assert not record.archived
    assert record.url == f"{PUBLIC_URL}/orgs/{a.slug}/achievements/{record.public_id}"
    assert service.get(Actor(a.id, "viewer", "v"), record.public_id).data == record.data
    built = to_ob3(record.url, record.data, record.version).to_json()
    assert built["id"] == record.url
    assert built["resultDescription"][0]["id"] == f"{record.url}/results/grade"
    assert built["alignment"][0]["targetFramework"] == "ESCO"


def test_validation_reports_every_field(world) -> None:
    service, a, _ = world
    bad = {
        "name": "",
        "criteria": {},
        "image": "ftp://x",
        "achievementType": "Nonsense",
        "alignments": [{"targetName": "x", "targetUrl": "not a url"}],
        "resultDescriptions": [{"name": "g", "resultType": "Nope"}],
        "colour": "red",
    }
    with pytest.raises(ValidationError) as info:
        service.create(admin(a), bad)
    fields = {e["field"] for e in info.value.errors}
    assert {
        "name",
        "description",
        "criteria",
        "image",
        "achievementType",
        "alignments[0].targetUrl",
        "resultDescriptions[0].resultType",
        "achievement.colour",
    } <= fields
    assert all(isinstance(e["message"], str) and e["message"] for e in info.value.errors)


def test_edit_creates_a_new_version(world) -> None:
    service, a, _ = world
    first = service.create(admin(a), BADGE)
    second = service.edit(admin(a), first.public_id, {"name": "Data Analysis I"})
    assert second.version == 2
    assert second.data["name"] == "Data Analysis I"
    assert second.data["tags"] == BADGE["tags"]
    same = service.edit(admin(a), first.public_id, {"name": "Data Analysis I"})
    assert same.version == 2  # nothing changed: no new version
    old = service.get(admin(a), first.public_id, version=1)
    assert old.data["name"] == BADGE["name"]
    assert old.current_version == 2
    assert [v.version for v in service.versions(admin(a), first.public_id)] == [1, 2]
    removed = service.edit(admin(a), first.public_id, {"image": None})
    assert "image" not in removed.data
    assert removed.version == 3


def test_list_paging_and_archive(world) -> None:
    service, a, _ = world
    ids = [service.create(admin(a), {**BADGE, "name": f"Badge {i}"}).public_id for i in range(5)]
    page = service.list(admin(a), limit=2, offset=0)
    assert page.total == 5
    assert [r.public_id for r in page.items] == ids[::-1][:2]
    assert [r.public_id for r in service.list(admin(a), limit=2, offset=4).items] == [ids[0]]
    service.archive(admin(a), ids[0])
    assert service.list(admin(a)).total == 4
    assert service.list(admin(a), include_archived=True).total == 5
    with pytest.raises(ValidationError):
        service.edit(admin(a), ids[0], {"name": "x"})
    with pytest.raises(ValidationError):
        service.list(admin(a), limit=0)


def test_tenants_and_roles(world) -> None:
    service, a, b = world
    record = service.create(admin(a), BADGE)
    for call in (
        lambda: service.get(admin(b), record.public_id),
        lambda: service.edit(admin(b), record.public_id, {"name": "x"}),
        lambda: service.archive(admin(b), record.public_id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert service.list(admin(b)).total == 0
    with pytest.raises(PermissionDeniedError):
        service.create(Actor(a.id, "issuer", "i"), BADGE)
    with pytest.raises(PermissionDeniedError):
        service.create(Actor(a.id, "owner", "k", scopes=frozenset({"achievements:read"})), BADGE)
