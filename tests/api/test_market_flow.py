"""The marketplace end to end through the API, on SQLite and PostgreSQL, with the bundled
taxonomy: an employer posts a job; a learner who holds verified credentials opts in; the
employer sees ranked, explained candidates; revoking a credential at the issuer and
re-verifying drops its evidence; withdrawing removes the candidate at once; the learner
sees matching jobs, their gap and the achievements that close it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.conftest import Tenant
from wallet_support import new_holder, receive_file

ESCO = "http://data.europa.eu/esco/skill/"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
SPREADSHEETS = ESCO + "1973c966-f236-40c9-b2d4-5d71a89019be"
STATISTICS = ESCO + "7ee4c2ea-b349-4bd2-81a3-ec31475d4833"
PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
DATA_ANALYST = "http://data.europa.eu/esco/occupation/d3edb8f8-3a06-47a0-8fb9-9b212c006aa2"


def achievement(client: TestClient, org: Tenant, name: str, skills: list[tuple[str, str]]) -> str:
    body = {
        "name": name,
        "description": f"{name}: assessed.",
        "criteria": {"narrative": "Passed the final assessment."},
        "alignments": [
            {"targetName": label, "targetUrl": url, "targetFramework": "ESCO"}
            for label, url in skills
        ],
    }
    created = client.post("/api/v1/achievements", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def issue_to_wallet(
    client: TestClient, org: Tenant, achievement_id: str, holder: dict[str, str]
) -> tuple[str, str]:
    """Issue to an email, import into the holder's wallet: (wallet id, credential id)."""
    issued = client.post(
        "/api/v1/credentials",
        json={"achievement": achievement_id, "recipient": "learner@example.org"},
        headers=org.headers,
    )
    assert issued.status_code == 201, issued.text
    stored = receive_file(client, holder, issued.json()["credential"])
    assert stored["verdict"] == "valid", stored
    return str(stored["id"]), str(issued.json()["id"])


def skills_of(job: dict[str, Any], kind: str) -> list[tuple[Any, ...]]:
    return [(s["label"], s["uri"], s["level"]) for s in job[kind]]


def post_job(client: TestClient, org: Tenant, **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Junior data analyst",
        "description": "Reports and dashboards.",
        "requiredSkills": [
            "SQL",
            {"label": "MS Excel spreadsheets", "uri": SPREADSHEETS, "level": 2},
        ],
        "preferredSkills": ["statistical analysis", "Pyhton"],
        **extra,
    }
    created = client.post("/api/v1/jobs", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    job: dict[str, Any] = created.json()
    return job


def test_employer_learner_flow(client: TestClient, org_a: Tenant, org_b: Tenant) -> None:
    holder, _ = new_holder(client)
    sql_id = achievement(client, org_b, "SQL for analysts", [("SQL", SQL)])
    sheets_id = achievement(
        client, org_b, "Spreadsheets", [("use spreadsheets software", SPREADSHEETS)]
    )
    stats_course = achievement(client, org_b, "Statistics 101", [("statistics", STATISTICS)])
    wallet_sql, credential_sql = issue_to_wallet(client, org_b, sql_id, holder)
    wallet_sheets, _ = issue_to_wallet(client, org_b, sheets_id, holder)

    job = post_job(client, org_a)
    assert job["requiredSkills"][0]["label"] == "SQL"  # as written ...
    assert job["requiredSkills"][0]["uri"] == SQL  # ... next to the normalized skill
    assert job["preferredSkills"][0]["uri"] == STATISTICS  # a synonym
    other = new_holder(client)[0]  # a second candidate, with only an asserted skill
    opted = client.post(
        "/api/v1/wallet/talent/profile",
        json={"credentials": [], "selfAsserted": ["SQL"], "headline": "self-taught"},
        headers=other,
    )
    assert opted.status_code == 201, opted.text

    # 1. the learner opts in with the two credentials
    profile = client.post(
        "/api/v1/wallet/talent/profile",
        json={
            "credentials": [wallet_sql, wallet_sheets],
            "visibility": "all",
            "headline": "Analyst",
        },
        headers=holder,
    )
    assert profile.status_code == 201, profile.text
    body = profile.json()
    skills = {s["uri"]: s for s in body["skills"]}
    assert skills[SQL]["weight"] == 0.8  # verified credential (no trust registry entry)
    assert skills[SQL]["evidence"][0]["credential"] == wallet_sql
    consents = client.get("/api/v1/wallet/consents", headers=holder)
    if consents.status_code == 200:  # the sharing area's ledger view
        assert any(
            c["kind"] == "talent_profile" and c["active"] for c in consents.json()["consents"]
        )

    preview = client.get("/api/v1/wallet/talent/profile/preview", headers=holder).json()
    assert set(preview) == {"id", "headline", "skills", "credentials"}

    # 2. the employer ranks candidates: explained, verified evidence first
    ranked = client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=org_a.headers)
    assert ranked.status_code == 200, ranked.text
    candidates = ranked.json()["candidates"]
    assert next(c["candidate"] for c in candidates) == body["id"]
    assert len(candidates) == 2
    top = candidates[0]
    met = {m["requirement"]: m for m in top["explanation"]["met"]}
    assert met["SQL"]["matchedBy"]["evidence"][0]["credential"] == wallet_sql
    assert {m["requirement"] for m in top["explanation"]["missing"]} == {
        "statistical analysis",
        "Pyhton",
    }
    link = met["SQL"]["matchedBy"]["evidence"][0]["verification"]
    assert link == f"/api/v1/matching/candidates/{body['id']}/credentials/{wallet_sql}"
    proof = client.get(link, headers=org_a.headers)
    assert proof.status_code == 200, proof.text
    assert proof.json()["verdict"] == "valid"
    run = client.get(f"/api/v1/matching/runs/{ranked.json()['run']}", headers=org_a.headers).json()
    assert run["inputs"]["jobs"] == [job["id"]]
    assert run["inputs"]["engineVersion"].startswith("lerkit-match/")
    assert len(run["inputs"]["vectorsDigest"]) == 64
    assert [r["id"] for r in run["results"]] == [c["candidate"] for c in candidates]

    # 3. the learner sees the job, why, the gap and what closes it
    mine = client.get("/api/v1/wallet/talent/matches", headers=holder).json()
    assert mine["matches"][0]["job"] == job["id"]
    assert mine["matches"][0]["explanation"]["met"]
    gap = client.get(f"/api/v1/wallet/talent/gap?job={job['id']}", headers=holder).json()
    assert {m["label"] for m in gap["missing"]} == {"statistical analysis", "Pyhton"}
    assert gap["recommendations"][0]["achievement"] == stats_course
    occupation_gap = client.get(
        f"/api/v1/wallet/talent/gap?occupation={DATA_ANALYST}", headers=holder
    )
    assert occupation_gap.status_code == 200, occupation_gap.text
    assert occupation_gap.json()["missing"]
    paths = client.get("/api/v1/wallet/talent/pathways", headers=holder)
    assert paths.status_code == 200, paths.text
    assert paths.json()["pathways"]
    assert all("missing" in p for p in paths.json()["pathways"])

    # 4. the issuer revokes the SQL credential; re-verification drops its evidence
    revoked = client.post(
        f"/api/v1/credentials/{credential_sql}/revoke",
        json={"reason": "test"},
        headers=org_b.headers,
    )
    assert revoked.status_code == 200, revoked.text
    refreshed = client.post("/api/v1/wallet/talent/profile/refresh", headers=holder)
    assert refreshed.status_code == 200, refreshed.text
    skills = {s["uri"]: s for s in refreshed.json()["skills"]}
    assert SQL not in skills
    assert refreshed.json()["excluded"][0]["credential"] == wallet_sql
    ranked = client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=org_a.headers).json()
    ours = next(c for c in ranked["candidates"] if c["candidate"] == body["id"])
    assert "SQL" in {m["requirement"] for m in ours["explanation"]["missing"]}

    # 5. withdrawing takes the learner out of every ranking at once
    assert client.delete("/api/v1/wallet/talent/profile", headers=holder).status_code == 204
    ranked = client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=org_a.headers).json()
    assert body["id"] not in [c["candidate"] for c in ranked["candidates"]]
    gone = client.get("/api/v1/wallet/talent/profile/preview", headers=holder)
    assert gone.status_code == 404
    assert gone.json()["code"] == "market.no_profile"


def test_workforce_tools(client: TestClient, org_a: Tenant, org_b: Tenant) -> None:
    employee, _ = new_holder(client)
    outsider, _ = new_holder(client)
    course = achievement(client, org_b, "SQL", [("SQL", SQL)])
    wallet_id, _ = issue_to_wallet(client, org_b, course, employee)
    joined = client.post(
        "/api/v1/wallet/talent/profile",
        json={
            "credentials": [wallet_id],
            "visibility": "selected",
            "organizations": ["org-a"],
            "workforce": ["org-a"],
        },
        headers=employee,
    )
    assert joined.status_code == 201, joined.text
    assert (
        client.post(
            "/api/v1/wallet/talent/profile",
            json={"selfAsserted": ["SQL", "statistics"]},
            headers=outsider,
        ).status_code
        == 201
    )
    role = post_job(client, org_a, internal=True, title="Reporting lead")
    inventory = client.get("/api/v1/workforce/inventory", headers=org_a.headers).json()
    assert inventory["employees"] == 1
    assert inventory["skills"][0]["skill"] == SQL
    assert inventory["skills"][0]["verified"] == 1
    assert client.get("/api/v1/workforce/inventory", headers=org_b.headers).json()["employees"] == 0
    gaps = client.get(f"/api/v1/workforce/gaps?job={role['id']}", headers=org_a.headers).json()
    coverage = {c["label"]: c["people"] for c in gaps["coverage"]}
    assert coverage["SQL"] == 1
    assert coverage["statistical analysis"] == 0
    mobility = client.get(
        f"/api/v1/workforce/mobility?job={role['id']}", headers=org_a.headers
    ).json()
    assert [c["candidate"] for c in mobility["candidates"]] == [joined.json()["id"]]
    # the outsider does not share with the workforce, and org-b cannot see the employee
    occupation = client.get(
        f"/api/v1/workforce/mobility?occupation={DATA_ANALYST}", headers=org_b.headers
    )
    assert occupation.status_code == 200
    assert occupation.json()["candidates"] == []
    # internal postings are shown to employees of that organization only
    assert role["id"] in [
        m["job"]
        for m in client.get("/api/v1/wallet/talent/matches", headers=employee).json()["matches"]
    ]
    assert role["id"] not in [
        m["job"]
        for m in client.get("/api/v1/wallet/talent/matches", headers=outsider).json()["matches"]
    ]


def test_job_formats_round_trip(client: TestClient, org_a: Tenant) -> None:
    job = post_job(client, org_a, occupation=DATA_ANALYST, employmentType="FULL_TIME")
    ld = client.get(f"/api/v1/jobs/{job['id']}/export?format=schema.org", headers=org_a.headers)
    assert ld.status_code == 200
    assert ld.headers["content-type"].startswith("application/ld+json")
    doc = ld.json()
    assert doc["@type"] == "JobPosting"
    term = doc["skills"][0]
    assert term["@type"] == "DefinedTerm"
    assert term["name"] == "SQL"
    assert term["termCode"] == SQL
    assert term["inDefinedTermSet"]["name"] == "ESCO skills"
    back = client.post("/api/v1/jobs/import", json=doc, headers=org_a.headers)
    assert back.status_code == 201, back.text
    assert skills_of(back.json(), "requiredSkills") == skills_of(job, "requiredSkills")
    assert skills_of(back.json(), "preferredSkills") == skills_of(job, "preferredSkills")
    hr = client.get(f"/api/v1/jobs/{job['id']}/export?format=hropen", headers=org_a.headers).json()
    assert hr["skills"][1]["annotation"]["scaleCategory"]["termCode"] == "2"
    again = client.post("/api/v1/jobs/import?format=hropen", json=hr, headers=org_a.headers)
    assert again.status_code == 201, again.text
    assert skills_of(again.json(), "requiredSkills") == skills_of(job, "requiredSkills")
    assert again.json()["occupation"] == DATA_ANALYST
    bad = client.post(
        "/api/v1/jobs/import?format=hropen", json={"title": 5, "skills": "x"}, headers=org_a.headers
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["code"] == "market.job_invalid"
    assert {e["field"] for e in bad.json()["errors"]} >= {"title", "skills"}


def test_bad_input_is_a_problem(client: TestClient, org_a: Tenant) -> None:
    for body in (
        {},
        {"title": ""},
        {"title": "x", "requiredSkills": [{"level": 9, "label": "a"}]},
        {"title": "x", "salary": 1},
    ):
        answer = client.post("/api/v1/jobs", json=body, headers=org_a.headers)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    holder, _ = new_holder(client)
    answer = client.post(
        "/api/v1/wallet/talent/profile", json={"credentials": ["nope"]}, headers=holder
    )
    assert answer.status_code == 422
    assert client.get("/api/v1/wallet/talent/gap", headers=holder).status_code == 422
    assert (
        client.get("/api/v1/wallet/talent/gap?occupation=urn:x:y", headers=holder).status_code
        == 404
    )


def test_trusted_issuer_evidence_weighs_most(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    """A credential from an issuer a published trust registry recognises: weight 1.0."""
    holder, _ = new_holder(client)
    course = achievement(client, org_b, "SQL", [("SQL", SQL)])
    wallet_id, _ = issue_to_wallet(client, org_b, course, holder)
    body = {"credentials": [wallet_id]}
    first = client.post("/api/v1/wallet/talent/profile", json=body, headers=holder)
    assert first.status_code == 201, first.text
    assert first.json()["skills"][0]["weight"] == 0.8
    registry = client.post(
        "/api/v1/trust/registries",
        json={"name": "accredited", "published": True},
        headers=org_a.headers,
    )
    assert registry.status_code == 201, registry.text
    entry = client.post(
        "/api/v1/trust/registries/accredited/entries",
        json={"did": org_b.did, "credentialTypes": ["OpenBadgeCredential"]},
        headers=org_a.headers,
    )
    assert entry.status_code == 201, entry.text
    again = client.post("/api/v1/wallet/talent/profile/refresh", headers=holder)
    assert again.status_code == 200, again.text
    skill = again.json()["skills"][0]
    assert skill["weight"] == 1.0
    assert skill["evidence"][0]["kind"] == "trusted_credential"
