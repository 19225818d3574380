"""Every /api/v1/skills route: writes refuse anonymous calls (401); public reads work without a
key but never show another organization's private framework or crosswalks; one organization
never changes another's data. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import Tenant

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "skills"

PROTECTED = [
    ("POST", "/api/v1/skills/frameworks", {"format": "case", "content": {}}),
    ("DELETE", "/api/v1/skills/frameworks/x", None),
    ("POST", "/api/v1/skills/crosswalks/suggest", {"source": "esco", "target": "onet"}),
    ("GET", "/api/v1/skills/crosswalks", None),
    ("POST", "/api/v1/skills/crosswalks/abc/confirm", None),
    ("POST", "/api/v1/skills/crosswalks/abc/reject", None),
    ("POST", "/api/v1/skills/achievements/abc/alignments", None),
    ("POST", "/api/v1/skills/achievements/abc/alignments/accept", {"alignments": [{}]}),
]
PUBLIC = {
    "/api/v1/skills/attribution",
    "/api/v1/skills/frameworks",
    "/api/v1/skills/frameworks/{framework_id}",
    "/api/v1/skills/frameworks/{framework_id}/items",
    "/api/v1/skills/frameworks/{framework_id}/export",
    "/api/v1/skills/search",
    "/api/v1/skills/skill",
    "/api/v1/skills/occupations",
    "/api/v1/skills/occupation",
    "/api/v1/skills/normalize",
    "/api/v1/skills/extract",
    "/api/v1/skills/similarity",
    "/api/v1/skills/align",
}


def _case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (FIX / "case_digital_skills.json").read_text(encoding="utf-8")
    )
    return data


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = {
        (m, r.path)  # type: ignore[attr-defined]
        for r in app.routes
        if getattr(r, "path", "").startswith("/api/v1/skills")
        for m in getattr(r, "methods", ())
    }
    protected = {(m, p) for m, p, _ in PROTECTED}
    for method, path in routes:
        concrete = (
            path.replace("{framework_id}", "x")
            .replace("{crosswalk_id}", "abc")
            .replace("{achievement_id}", "abc")
        )
        assert (method, concrete) in protected or path in PUBLIC, (method, path)


def test_writes_need_an_api_key(client: TestClient) -> None:
    for method, path, body in PROTECTED:
        r = client.request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    bad = {"Authorization": "Bearer nope"}
    assert client.get("/api/v1/skills/frameworks", headers=bad).status_code == 401


def test_private_frameworks_and_crosswalks_stay_with_their_organization(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": _case(), "id": "a-private", "public": False},
    )
    assert r.status_code == 201, r.text

    def ids(h: dict[str, str]) -> set[str]:
        frameworks = client.get("/api/v1/skills/frameworks", headers=h).json()["frameworks"]
        return {f["id"] for f in frameworks}

    assert "a-private" in ids(org_a.headers)
    assert "a-private" not in ids(org_b.headers)
    assert "a-private" not in ids({})
    for path in ("", "/items", "/export"):
        assert (
            client.get(
                f"/api/v1/skills/frameworks/a-private{path}", headers=org_b.headers
            ).status_code
            == 404
        )
    assert (
        client.get("/api/v1/skills/frameworks/a-private/export", headers=org_a.headers).json()
        == _case()
    )
    hits = client.get(
        "/api/v1/skills/search",
        params={"q": "Agile project management", "federated": "false"},
        headers=org_b.headers,
    ).json()["results"]
    assert all(h["framework"] != "a-private" for h in hits)
    # B cannot delete or overwrite A's framework
    assert (
        client.delete("/api/v1/skills/frameworks/a-private", headers=org_b.headers).status_code
        == 404
    )
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_b.headers,
        json={"format": "case", "content": _case(), "id": "a-private", "replace": True},
    )
    assert r.status_code == 409
    # crosswalks: A's suggestions are A's
    r = client.post(
        "/api/v1/skills/crosswalks/suggest",
        headers=org_a.headers,
        json={"source": "a-private", "target": "esco", "limit": 5},
    )
    assert r.status_code == 201, r.text
    xw = r.json()["crosswalks"][0]["id"]
    assert client.get("/api/v1/skills/crosswalks", headers=org_b.headers).json()["crosswalks"] == []
    assert (
        client.post(f"/api/v1/skills/crosswalks/{xw}/confirm", headers=org_b.headers).status_code
        == 404
    )
    r = client.post(
        "/api/v1/skills/crosswalks/suggest",
        headers=org_b.headers,
        json={"source": "a-private", "target": "esco"},
    )
    assert r.status_code == 404
    assert (
        client.delete("/api/v1/skills/frameworks/a-private", headers=org_a.headers).status_code
        == 204
    )


def test_achievement_alignments_are_the_organizations(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    r = client.post(
        "/api/v1/achievements",
        headers=org_a.headers,
        json={
            "name": "Spreadsheet Analyst",
            "description": "Builds reports in Microsoft Excel.",
            "criteria": {"narrative": "Created pivot tables and charts with spreadsheets."},
        },
    )
    assert r.status_code in (200, 201), r.text
    aid = r.json()["id"]
    assert (
        client.post(
            f"/api/v1/skills/achievements/{aid}/alignments", headers=org_b.headers
        ).status_code
        == 404
    )
    r = client.post(
        f"/api/v1/skills/achievements/{aid}/alignments/accept",
        headers=org_b.headers,
        json={"alignments": [{"targetName": "x", "targetUrl": "https://example.org/x"}]},
    )
    assert r.status_code == 404
