"""Talent profiles are in the wallet backup (SQLite and PostgreSQL): opt in → backup →
delete the account → restore into a new one → the profile is back (same credentials,
visibility and organizations, an active consent record linking to it), re-indexed (it
ranks for a job again), and restoring twice adds nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conftest import Tenant
from api.test_market_flow import SPREADSHEETS, SQL, achievement, issue_to_wallet, post_job
from lerkit.bootstrap import Services
from lerkit.db.models_wallet import ConsentRecord, Holder
from wallet_support import PASSWORD, new_holder

PASSPHRASE = "a long backup passphrase"


def restore(client: TestClient, headers: dict[str, str], data: bytes) -> dict[str, int]:
    response = client.post(
        "/api/v1/wallet/restore",
        headers=headers,
        files={"file": ("w.lwb", data, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert response.status_code == 200, response.text
    restored: dict[str, int] = response.json()["restored"]
    return restored


def ranked_ids(client: TestClient, org: Tenant, job: str) -> list[str]:
    ranked = client.get(f"/api/v1/jobs/{job}/candidates", headers=org.headers)
    assert ranked.status_code == 200, ranked.text
    return [c["candidate"] for c in ranked.json()["candidates"]]


def test_profile_survives_backup_delete_restore(
    client: TestClient, services: Services, org_a: Tenant, org_b: Tenant
) -> None:
    holder, _ = new_holder(client, email="talent-backup@example.org")
    wallet_sql, _ = issue_to_wallet(
        client, org_b, achievement(client, org_b, "SQL", [("SQL", SQL)]), holder
    )
    wallet_sheets, _ = issue_to_wallet(
        client,
        org_b,
        achievement(client, org_b, "Sheets", [("use spreadsheets software", SPREADSHEETS)]),
        holder,
    )
    opted = client.post(
        "/api/v1/wallet/talent/profile",
        json={
            "credentials": [wallet_sql, wallet_sheets],
            "visibility": "selected",
            "organizations": [org_a.slug],
            "selfAsserted": [{"label": "Python", "level": 3}],
            "headline": "Analyst",
            "about": "I build dashboards.",
        },
        headers=holder,
    )
    assert opted.status_code == 201, opted.text
    before = client.get("/api/v1/wallet/talent/profile", headers=holder).json()
    job = post_job(client, org_a)
    assert ranked_ids(client, org_a, job["id"]) == [before["id"]]

    archive = client.post("/api/v1/wallet/backup", json={"passphrase": PASSPHRASE}, headers=holder)
    assert archive.status_code == 200
    deleted = client.post(
        "/api/v1/wallet/account/delete", json={"password": PASSWORD}, headers=holder
    )
    assert deleted.status_code == 204
    assert ranked_ids(client, org_a, job["id"]) == []  # erased: out of the index

    fresh, public_id = new_holder(client, email="talent-backup@example.org")
    assert client.get("/api/v1/wallet/talent/profile", headers=fresh).status_code == 404
    counts = restore(client, fresh, archive.content)
    assert counts["talentProfile"] == 1
    assert counts["credentials"] == 2

    after = client.get("/api/v1/wallet/talent/profile", headers=fresh)
    assert after.status_code == 200, after.text
    profile = after.json()
    assert profile["status"] == "active"
    assert profile["id"] == before["id"]  # the id was free again
    for member in ("credentials", "visibility", "organizations", "selfAsserted", "headline"):
        assert profile[member] == before[member], member
    assert profile["about"] == before["about"]
    # skills rebuilt from the restored credentials, with the same evidence
    assert {s["uri"]: s["weight"] for s in profile["skills"]} == {
        s["uri"]: s["weight"] for s in before["skills"]
    }
    assert {s["uri"] for s in profile["skills"]} >= {SQL, SPREADSHEETS}
    assert any("python" in s["uri"] for s in profile["skills"])  # the asserted skill
    with services.database.session() as session:
        holder_pk = session.scalar(select(Holder.id).where(Holder.public_id == public_id))
        consent = session.scalar(
            select(ConsentRecord).where(
                ConsentRecord.holder_id == holder_pk,
                ConsentRecord.public_id == profile["consent"],
            )
        )
        assert consent is not None
        assert consent.kind == "talent_profile"
        assert consent.withdrawn_at is None
        assert consent.reference == profile["id"]

    # re-indexed: the employer named in the profile ranks it again; another one does not
    assert ranked_ids(client, org_a, job["id"]) == [profile["id"]]
    other_job = post_job(client, org_b)
    assert ranked_ids(client, org_b, other_job["id"]) == []

    # withdrawing the restored profile works as before
    again = restore(client, fresh, archive.content)
    assert again["talentProfile"] == 0
    withdrawn = client.delete("/api/v1/wallet/talent/profile", headers=fresh)
    assert withdrawn.status_code == 204
    assert ranked_ids(client, org_a, job["id"]) == []


def test_withdrawn_profile_comes_back_withdrawn(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    holder, _ = new_holder(client, email="talent-withdrawn@example.org")
    wallet_sql, _ = issue_to_wallet(
        client, org_b, achievement(client, org_b, "SQL", [("SQL", SQL)]), holder
    )
    opted = client.post(
        "/api/v1/wallet/talent/profile", json={"credentials": [wallet_sql]}, headers=holder
    )
    assert opted.status_code == 201, opted.text
    assert client.delete("/api/v1/wallet/talent/profile", headers=holder).status_code == 204
    archive = client.post("/api/v1/wallet/backup", json={"passphrase": PASSPHRASE}, headers=holder)
    assert archive.status_code == 200
    assert (
        client.post(
            "/api/v1/wallet/account/delete", json={"password": PASSWORD}, headers=holder
        ).status_code
        == 204
    )
    fresh, _ = new_holder(client, email="talent-withdrawn@example.org")
    assert restore(client, fresh, archive.content)["talentProfile"] == 1
    assert client.get("/api/v1/wallet/talent/profile", headers=fresh).status_code == 404
    job = post_job(client, org_a)
    assert ranked_ids(client, org_a, job["id"]) == []
