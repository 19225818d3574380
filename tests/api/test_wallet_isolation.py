"""Every route under /api/v1/wallet and /wallet (those test_tenants.ELSEWHERE gives to this
module) refuses a caller without a holder token or session (401; pages: 303 to sign-in),
except sign-up and sign-in; and holder A never sees nor changes holder B's credentials,
collections, entries, keys or tokens (404, never B's data). SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_tenants import app_routes, covered_elsewhere
from api.test_wallet_api import issued
from wallet_support import new_holder, receive_file

MODULE = "api/test_wallet_isolation.py"
PUBLIC = {
    ("POST", "/api/v1/wallet/signup"),
    ("POST", "/api/v1/wallet/login"),
    ("GET", "/wallet/signup"),
    ("POST", "/wallet/signup"),
    ("GET", "/wallet/signin"),
    ("POST", "/wallet/signin"),
    ("POST", "/wallet/signout"),  # signing out without a session just clears the cookie
}


def my_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {r for r in app_routes(app) if covered_elsewhere(r[1]) == MODULE}


def fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def test_routes_exist(app: FastAPI) -> None:
    routes = my_routes(app)
    assert ("GET", "/api/v1/wallet/credentials") in routes
    assert ("GET", "/wallet") in routes
    assert routes >= PUBLIC


def test_every_route_refuses_no_auth(app: FastAPI, client: TestClient) -> None:
    ids = {
        "credential_id": "0" * 32,
        "collection_id": "0" * 32,
        "entry_id": "0" * 32,
        "token_id": "0" * 24,
    }
    checked = 0
    for method, path in sorted(my_routes(app) - PUBLIC):
        url = fill(path, ids)
        response = client.request(method, url, follow_redirects=False)
        if path.startswith("/wallet"):
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/wallet/signin")
        else:
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["code"] == "request.unauthorized"
            assert "lerkit-wallet" in response.headers["www-authenticate"]
            bad = client.request(method, url, headers={"Authorization": "Bearer lw_nope"})
            assert bad.status_code == 401, (method, path)
        checked += 1
    assert checked >= 30


@pytest.fixture
def b_objects(client: TestClient, org_a: Tenant) -> dict[str, Any]:
    headers, public_id = new_holder(client, email="b@example.org")
    credential = receive_file(client, headers, issued(client, org_a)["credential"])
    client.put(
        f"/api/v1/wallet/credentials/{credential['id']}/tags",
        json={"tags": ["secret-tag"]},
        headers=headers,
    )
    collection = client.post(
        "/api/v1/wallet/collections", json={"name": "B's"}, headers=headers
    ).json()
    client.put(
        f"/api/v1/wallet/collections/{collection['id']}/credentials/{credential['id']}",
        headers=headers,
    )
    entry = client.post(
        "/api/v1/wallet/entries", json={"kind": "goal", "title": "B's goal"}, headers=headers
    ).json()
    token = client.post("/api/v1/wallet/tokens", json={"name": "b-token"}, headers=headers).json()
    keys = client.get("/api/v1/wallet/keys", headers=headers).json()
    return {
        "headers": headers,
        "public_id": public_id,
        "credential": credential,
        "collection": collection,
        "entry": entry,
        "token": token,
        "keys": keys,
        "ids": {
            "credential_id": credential["id"],
            "collection_id": collection["id"],
            "entry_id": entry["id"],
            "token_id": token["id"],
        },
    }


# bodies valid enough to reach the lookup of B's object
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/api/v1/wallet/credentials/{credential_id}/tags"): {"tags": ["mine"]},
    ("PATCH", "/api/v1/wallet/collections/{collection_id}"): {"name": "A was here"},
    ("PATCH", "/api/v1/wallet/entries/{entry_id}"): {"title": "A was here"},
}


def test_a_cannot_see_or_touch_b(
    app: FastAPI, client: TestClient, b_objects: dict[str, Any], org_a: Tenant
) -> None:
    a_headers, _ = new_holder(client, email="a@example.org")
    a_credential = receive_file(client, a_headers, issued(client, org_a)["credential"])
    a_collection = client.post(
        "/api/v1/wallet/collections", json={"name": "A's"}, headers=a_headers
    ).json()
    # every route with a path parameter naming B's object answers 404 to A
    checked = 0
    for method, path in sorted(my_routes(app)):
        if "{" not in path or not path.startswith("/api/"):
            continue
        url = fill(path, b_objects["ids"])
        response = client.request(method, url, headers=a_headers, json=BODIES.get((method, path)))
        assert response.status_code == 404, (method, path, response.text)
        assert b_objects["credential"]["summary"]["name"] not in response.text
        assert "secret-tag" not in response.text
        checked += 1
    assert checked >= 12
    # mixed: A's collection with B's credential, B's collection with A's credential
    assert (
        client.put(
            f"/api/v1/wallet/collections/{a_collection['id']}/credentials/{b_objects['credential']['id']}",
            headers=a_headers,
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/wallet/collections/{b_objects['collection']['id']}/credentials/{a_credential['id']}",
            headers=a_headers,
        ).status_code
        == 404
    )
    # lists show only A's own
    listing = client.get("/api/v1/wallet/credentials", headers=a_headers).json()
    assert [c["id"] for c in listing["credentials"]] == [a_credential["id"]]
    assert (
        client.get(
            "/api/v1/wallet/credentials",
            params={"collection": b_objects["collection"]["id"]},
            headers=a_headers,
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/wallet/credentials", params={"tag": "secret-tag"}, headers=a_headers
        ).json()["total"]
        == 0
    )
    assert client.get("/api/v1/wallet/tags", headers=a_headers).json() == []
    assert [
        c["name"] for c in client.get("/api/v1/wallet/collections", headers=a_headers).json()
    ] == ["A's"]
    assert client.get("/api/v1/wallet/entries", headers=a_headers).json() == []
    timeline = client.get("/api/v1/wallet/timeline", headers=a_headers).json()
    assert [t["id"] for t in timeline] == [a_credential["id"]]
    a_keys = client.get("/api/v1/wallet/keys", headers=a_headers).json()
    assert not {k["did"] for k in a_keys} & {k["did"] for k in b_objects["keys"]}
    assert "b-token" not in json.dumps(
        client.get("/api/v1/wallet/tokens", headers=a_headers).json()
    )
    export = client.get("/api/v1/wallet/export", headers=a_headers).text
    for secret in (
        b_objects["credential"]["id"],
        "B's goal",
        "b@example.org",
        b_objects["keys"][0]["did"],
    ):
        assert secret not in export
    # a backup of A holds nothing of B; restoring it into A changes nothing of B
    archive = client.post(
        "/api/v1/wallet/backup", json={"passphrase": "passphrase of A"}, headers=a_headers
    )
    restored = client.post(
        "/api/v1/wallet/restore",
        headers=a_headers,
        files={"file": ("a.lwb", archive.content)},
        data={"passphrase": "passphrase of A"},
    )
    assert restored.status_code == 200
    # B's objects are unchanged
    b = b_objects["headers"]
    assert client.get(
        f"/api/v1/wallet/credentials/{b_objects['credential']['id']}", headers=b
    ).json()["tags"] == ["secret-tag"]
    assert (
        client.get(f"/api/v1/wallet/collections/{b_objects['collection']['id']}", headers=b).json()[
            "name"
        ]
        == "B's"
    )
    assert (
        client.get(f"/api/v1/wallet/entries/{b_objects['entry']['id']}", headers=b).json()["title"]
        == "B's goal"
    )
    assert (
        client.get(
            "/api/v1/wallet/me", headers={"Authorization": f"Bearer {b_objects['token']['token']}"}
        ).status_code
        == 200
    )
    # A erasing their account leaves B whole
    assert (
        client.post(
            "/api/v1/wallet/account/delete",
            json={"password": "correct horse battery staple"},
            headers=a_headers,
        ).status_code
        == 204
    )
    assert client.get("/api/v1/wallet/credentials", headers=b).json()["total"] == 1


def test_pages_of_b_are_not_shown_to_a(app: FastAPI, b_objects: dict[str, Any]) -> None:
    with TestClient(
        app, base_url="https://lerkit.test", raise_server_exceptions=False, follow_redirects=False
    ) as web:
        signed = web.post(
            "/wallet/signup",
            data={"email": "a-web@example.org", "password": "correct horse battery staple"},
        )
        assert signed.status_code == 303
        page = web.get(f"/wallet/credentials/{b_objects['credential']['id']}")
        assert page.status_code == 404
        assert b_objects["credential"]["summary"]["name"] not in web.get("/wallet").text
        csrf = web.get("/wallet").text.split('name="csrf_token" value="')[1][:64]
        again = web.post(
            f"/wallet/credentials/{b_objects['credential']['id']}/verify", data={"csrf_token": csrf}
        )
        assert again.status_code == 404
