"""Every route of the trust area (``/api/v1/trust``, ``/api/v1/verify``, ``/trust``,
``/verify``): unauthenticated calls are refused (401) unless public by design, and one
organization never sees nor changes another's registries (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_tenants import app_routes

PREFIXES = ("/api/v1/trust", "/api/v1/verify", "/trust", "/verify")
PUBLIC = {
    ("GET", "/trust"),
    ("GET", "/trust/{organization}/{name}"),
    ("GET", "/verify"),
    ("POST", "/verify"),
}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """This area's (method, path) pairs, from the app itself (as test_tenants walks it)."""
    return sorted(
        {
            (method, path)
            for method, path in app_routes(app)
            if method != "OPTIONS" and any(path == p or path.startswith(p + "/") for p in PREFIXES)
        }
    )


def test_the_area_has_the_routes_it_documents(app: FastAPI) -> None:
    routes = set(_routes(app))
    assert routes >= PUBLIC
    assert ("POST", "/api/v1/verify") in routes
    assert ("POST", "/api/v1/trust/registries") in routes
    assert len(routes) >= 18


def test_every_private_route_refuses_anonymous_callers(client: TestClient, app: FastAPI) -> None:
    checked = 0
    for method, path in _routes(app):
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = client.request(method, url, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        checked += 1
    assert checked >= 15


def test_public_routes_need_no_account(client: TestClient) -> None:
    assert client.get("/trust").status_code == 200
    assert client.get("/verify").status_code == 200
    assert client.get("/trust/nobody/nothing").status_code == 404


def test_one_organization_never_sees_anothers_registries(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    created = client.post(
        "/api/v1/trust/registries",
        json={"name": "private", "roots": ["did:example:root"]},
        headers=org_a.headers,
    )
    assert created.status_code == 201
    entry = client.post(
        "/api/v1/trust/registries/private/entries",
        json={"did": "did:web:a-trusts.example"},
        headers=org_a.headers,
    ).json()
    b = org_b.headers
    assert client.get("/api/v1/trust/registries", headers=b).json() == []
    for method, path, body in (
        ("GET", "/api/v1/trust/registries/private", None),
        ("PATCH", "/api/v1/trust/registries/private", {"published": True}),
        ("DELETE", "/api/v1/trust/registries/private", None),
        ("GET", "/api/v1/trust/registries/private/entries", None),
        ("POST", "/api/v1/trust/registries/private/entries", {"did": "did:web:b.example"}),
        ("DELETE", f"/api/v1/trust/registries/private/entries/{entry['id']}", None),
        ("GET", "/api/v1/trust/registries/private/export", None),
        ("GET", "/api/v1/trust/registries/private/subscriptions", None),
        ("POST", "/api/v1/trust/registries/private/subscriptions/refresh", None),
        ("POST", "/api/v1/trust/registries/private/subscriptions/x/refresh", None),
        ("DELETE", "/api/v1/trust/registries/private/subscriptions/x", None),
    ):
        response = client.request(method, path, json=body, headers=b)
        assert response.status_code == 404, (method, path, response.text)
    # B's recognition and verification never use A's private registry
    answer = client.get(
        "/api/v1/trust/recognition",
        params={"issuer": "did:web:a-trusts.example", "registry": "private"},
        headers=b,
    ).json()
    assert answer["recognised"] is False
    assert answer["code"] == "trust.registry_unavailable"
    answer = client.get(
        "/api/v1/trust/recognition",
        params={"issuer": "did:web:a-trusts.example", "registry": f"{org_a.slug}/private"},
        headers=b,
    ).json()
    assert answer["recognised"] is False
    # importing under the same name makes B's own registry; A's is unchanged
    imported = client.post(
        "/api/v1/trust/registries/private/import",
        json={"type": "LerkitTrustRegistry", "entries": [{"did": "did:web:b-trusts.example"}]},
        headers=b,
    )
    assert imported.status_code == 200
    a_entries = client.get("/api/v1/trust/registries/private/entries", headers=org_a.headers)
    assert [e["did"] for e in a_entries.json()] == ["did:web:a-trusts.example"]
    # published by A: readable by anyone, usable by B as org/name
    client.patch(
        "/api/v1/trust/registries/private", json={"published": True}, headers=org_a.headers
    )
    answer = client.get(
        "/api/v1/trust/recognition",
        params={"issuer": "did:web:a-trusts.example", "registry": f"{org_a.slug}/private"},
        headers=b,
    ).json()
    assert answer["recognised"] is True
    # ... but still not changeable by B
    assert (
        client.delete(
            "/api/v1/trust/registries/private/entries/did:web:a-trusts.example", headers=b
        ).status_code
        == 404
    )


def test_viewer_reads_but_cannot_change(client: TestClient, org_a: Tenant) -> None:
    client.post("/api/v1/trust/registries", json={"name": "r"}, headers=org_a.headers)
    key = client.post(
        "/api/v1/api-keys", json={"name": "viewer", "role": "viewer"}, headers=org_a.headers
    )
    assert key.status_code == 201, key.text
    viewer = {"Authorization": f"Bearer {key.json()['token']}"}
    assert client.get("/api/v1/trust/registries/r", headers=viewer).status_code == 200
    response = client.post(
        "/api/v1/trust/registries/r/entries", json={"did": "did:web:x.example"}, headers=viewer
    )
    assert response.status_code == 403
