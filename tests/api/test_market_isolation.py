"""Every marketplace route (``/api/v1/jobs``, ``/api/v1/matching``, ``/api/v1/guidance``,
``/api/v1/workforce``, ``/api/v1/wallet/talent``): anonymous calls get 401; one organization
never sees or changes another's postings, rankings or workforce; one holder never sees
another's profile; a candidate who shares with one organization only is invisible to the
others. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_market_flow import SQL, achievement, issue_to_wallet, post_job
from api.test_tenants import app_routes
from wallet_support import new_holder

PREFIXES = (
    "/api/v1/jobs",
    "/api/v1/matching",
    "/api/v1/guidance",
    "/api/v1/workforce",
    "/api/v1/wallet/talent",
)
ORG_ROUTES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/jobs"): {"title": "x"},
    ("GET", "/api/v1/jobs"): None,
    ("POST", "/api/v1/jobs/import"): {"@type": "JobPosting", "title": "x"},
    ("GET", "/api/v1/jobs/{job_id}"): None,
    ("PATCH", "/api/v1/jobs/{job_id}"): {"title": "B was here"},
    ("DELETE", "/api/v1/jobs/{job_id}"): None,
    ("GET", "/api/v1/jobs/{job_id}/export"): None,
    ("GET", "/api/v1/jobs/{job_id}/candidates"): None,
    ("GET", "/api/v1/matching/runs"): None,
    ("GET", "/api/v1/matching/runs/{run_id}"): None,
    ("GET", "/api/v1/matching/candidates/{candidate_id}/credentials/{credential_id}"): None,
    ("GET", "/api/v1/guidance/occupations"): None,
    ("POST", "/api/v1/guidance/gap"): {"skills": ["SQL"], "job": "{job_id}"},
    ("GET", "/api/v1/workforce/inventory"): None,
    ("GET", "/api/v1/workforce/gaps"): None,
    ("GET", "/api/v1/workforce/mobility"): None,
}
HOLDER_ROUTES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/wallet/talent/profile"): {"selfAsserted": ["SQL"]},
    ("GET", "/api/v1/wallet/talent/profile"): None,
    ("DELETE", "/api/v1/wallet/talent/profile"): None,
    ("GET", "/api/v1/wallet/talent/profile/preview"): None,
    ("POST", "/api/v1/wallet/talent/profile/refresh"): None,
    ("GET", "/api/v1/wallet/talent/matches"): None,
    ("GET", "/api/v1/wallet/talent/gap"): None,
    ("GET", "/api/v1/wallet/talent/pathways"): None,
}
QUERY = {
    "/api/v1/guidance/occupations": "?q=analyst",
    "/api/v1/workforce/gaps": "?job={job_id}",
    "/api/v1/workforce/mobility": "?job={job_id}",
    "/api/v1/wallet/talent/gap": "?job={job_id}",
}


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, path)
        for method, path in app_routes(app)
        if path.startswith(PREFIXES) or path == "/jobs" or path.startswith("/jobs/")
    }


def test_every_route_is_listed(app: FastAPI) -> None:
    assert _routes(app) == set(ORG_ROUTES) | set(HOLDER_ROUTES)


def _fill(template: str, values: dict[str, str]) -> str:
    path = template + QUERY.get(template, "")
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def _body(body: Any, values: dict[str, str]) -> Any:
    if isinstance(body, dict):
        return {k: _fill(v, values) if isinstance(v, str) else v for k, v in body.items()}
    return body


def test_anonymous_calls_are_refused(client: TestClient) -> None:
    values = {"job_id": "abc", "run_id": "abc", "candidate_id": "abc", "credential_id": "abc"}
    for (method, template), body in {**ORG_ROUTES, **HOLDER_ROUTES}.items():
        for headers in ({}, {"Authorization": "Bearer nope"}):
            answer = client.request(
                method, _fill(template, values), json=_body(body, values), headers=headers
            )
            assert answer.status_code == 401, (method, template, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
    # a holder token is not an API key, and an API key is not a holder token
    holder, _ = new_holder(client)
    assert client.get("/api/v1/jobs", headers=holder).status_code == 401


def test_organizations_and_holders_are_isolated(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    alice, _ = new_holder(client)
    bob, _ = new_holder(client)
    course = achievement(client, org_b, "SQL", [("SQL", SQL)])
    wallet_id, _ = issue_to_wallet(client, org_b, course, alice)
    profile = client.post(
        "/api/v1/wallet/talent/profile",
        json={
            "credentials": [wallet_id],
            "visibility": "selected",
            "organizations": ["org-a"],
            "workforce": ["org-a"],
        },
        headers=alice,
    )
    assert profile.status_code == 201, profile.text
    job = post_job(client, org_a, internal=True)
    ranked = client.get(f"/api/v1/jobs/{job['id']}/candidates", headers=org_a.headers).json()
    assert [c["candidate"] for c in ranked["candidates"]] == [profile.json()["id"]]
    values = {
        "job_id": job["id"],
        "run_id": ranked["run"],
        "candidate_id": profile.json()["id"],
        "credential_id": wallet_id,
    }
    # org B: every route naming A's objects answers 404, lists show nothing of A's
    for (method, template), body in ORG_ROUTES.items():
        answer = client.request(
            method, _fill(template, values), json=_body(body, values), headers=org_b.headers
        )
        if (
            "{" in template
            or (template in QUERY and "job_id" in QUERY[template])
            or (template == "/api/v1/guidance/gap")
        ):
            assert answer.status_code == 404, (method, template, answer.text)
        else:
            assert answer.status_code in (200, 201, 422), (method, template, answer.text)
            text = answer.text
            assert job["id"] not in text, (method, template)
            assert profile.json()["id"] not in text, (method, template)
    assert (
        client.get(f"/api/v1/jobs/{job['id']}", headers=org_a.headers).json()["title"]
        == job["title"]
    )
    # org B posts the same job: Alice (selected: org-a only) is not among its candidates
    theirs = post_job(client, org_b)
    seen = client.get(f"/api/v1/jobs/{theirs['id']}/candidates", headers=org_b.headers).json()
    assert profile.json()["id"] not in [c["candidate"] for c in seen["candidates"]]
    # Bob has no profile: he sees none of Alice's
    assert client.get("/api/v1/wallet/talent/profile", headers=bob).status_code == 404
    assert client.get("/api/v1/wallet/talent/profile/preview", headers=bob).status_code == 404
    assert client.delete("/api/v1/wallet/talent/profile", headers=bob).status_code == 404
    assert (
        client.get("/api/v1/wallet/talent/profile", headers=alice).json()["id"]
        == profile.json()["id"]
    )
    # Bob cannot build a profile from Alice's credential
    stolen = client.post(
        "/api/v1/wallet/talent/profile", json={"credentials": [wallet_id]}, headers=bob
    )
    assert stolen.status_code == 422
    # internal postings of org A are not shown to Bob
    bob_matches = client.get("/api/v1/wallet/talent/matches", headers=bob).json()["matches"]
    assert job["id"] not in [m["job"] for m in bob_matches]
