"""The app's edges: problem+json for every error, size limits, OpenAPI, public documents."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.conftest import PUBLIC_URL, Tenant

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "https://lerkit.dev/problems/" + body["code"]
    assert body["title"]
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/nope"), 404)
    assert body["code"] == "request.not_found"


def test_wrong_method_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/credentials/verify"), 405)


def test_validation_error_lists_fields(client: TestClient, org_a: Tenant) -> None:
    response = client.post(
        "/api/v1/api-keys", json={"name": "", "role": "emperor"}, headers=org_a.headers
    )
    body = assert_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"name", "role"} <= fields


def test_body_that_is_not_json_is_400(client: TestClient, org_a: Tenant) -> None:
    response = client.post(
        "/api/v1/api-keys",
        content=b"{not json",
        headers={**org_a.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)


def test_too_large_body_is_413(client: TestClient) -> None:
    big = b'{"verifiableCredential": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    body = assert_problem(
        client.post(
            "/credentials/verify", content=big, headers={"Content-Type": "application/json"}
        ),
        413,
    )
    assert body["code"] == "request.too_large"


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/credentials/verify" in spec["paths"]
    assert spec["paths"]["/credentials/issue"]["post"]["summary"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
    assert client.get("/docs").status_code == 200


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_did_documents(client: TestClient, org_a: Tenant) -> None:
    instance = client.get("/.well-known/did.json")
    assert instance.status_code == 200
    assert instance.json()["id"] == "did:web:lerkit.test"
    org = client.get(f"/orgs/{org_a.slug}/did.json")
    assert org.status_code == 200
    document = org.json()
    assert document["id"] == org_a.did == "did:web:lerkit.test:orgs:org-a"
    assert document["assertionMethod"]
    assert_problem(client.get("/orgs/nobody/did.json"), 404)
    assert PUBLIC_URL.startswith("https://")


def test_unknown_status_list_is_404(client: TestClient) -> None:
    assert_problem(client.get("/status/doesnotexist"), 404)


def test_organization_profile_and_members(client: TestClient, org_a: Tenant) -> None:
    me = client.get("/api/v1/organization", headers=org_a.headers)
    assert me.status_code == 200, me.text
    assert me.json()["did"] == org_a.did
    changed = client.patch(
        "/api/v1/organization",
        json={"description": "We teach.", "url": "https://a.example"},
        headers=org_a.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["profile"]["description"] == "We teach."
    added = client.post(
        "/api/v1/organization/members",
        json={"email": "ada@a.example", "role": "issuer"},
        headers=org_a.headers,
    )
    assert added.status_code == 201, added.text
    members = client.get("/api/v1/organization/members", headers=org_a.headers).json()
    assert {m["email"] for m in members} == {"owner@org-a.example", "ada@a.example"}


def test_api_key_secret_shown_once(client: TestClient, org_a: Tenant) -> None:
    created = client.post(
        "/api/v1/api-keys", json={"name": "ci", "role": "issuer"}, headers=org_a.headers
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    listed = client.get("/api/v1/api-keys", headers=org_a.headers)
    assert token not in listed.text
    assert "secret" not in listed.text
    new_headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/organization", headers=new_headers).status_code == 200
    # an issuer cannot manage keys: 403
    assert_problem(client.get("/api/v1/api-keys", headers=new_headers), 403)
    revoked = client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=org_a.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revokedAt"]
    assert_problem(client.get("/api/v1/organization", headers=new_headers), 401)


def test_signing_keys_and_rotation(client: TestClient, org_a: Tenant) -> None:
    keys = client.get("/api/v1/signing-keys", headers=org_a.headers).json()
    assert [k["keyId"] for k in keys] == ["key-1"]
    assert "private" not in str(keys).lower()
    rotated = client.post("/api/v1/signing-keys/rotate", headers=org_a.headers)
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["keyId"] == "key-2"
    document = client.get(f"/orgs/{org_a.slug}/did.json").json()
    assert len(document["verificationMethod"]) == 2


def test_audit_events(client: TestClient, org_a: Tenant) -> None:
    client.post("/api/v1/signing-keys/rotate", headers=org_a.headers)
    page = client.get("/api/v1/audit-events", headers=org_a.headers)
    assert page.status_code == 200, page.text
    actions = [e["action"] for e in page.json()["events"]]
    assert "signing_key.rotated" in actions


def test_server_errors_are_problems_without_details() -> None:
    from fastapi import FastAPI

    from api.conftest import TestClient as Client
    from lerkit.api import problems
    from lerkit.db.errors import DatabaseUnavailable

    app = FastAPI()
    problems.install(app)

    @app.get("/db")
    def db_down() -> None:
        raise DatabaseUnavailable("database unavailable: host db-secret.internal refused")

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("secret internals")

    with Client(app, raise_server_exceptions=False) as client:
        down = assert_problem(client.get("/db"), 503)
        assert down["code"] == "database.unavailable"
        assert "db-secret" not in str(down)
        bug_body = assert_problem(client.get("/bug"), 500)
        assert "secret" not in str(bug_body)
