"""The trust registry API and the REST verify route (``/api/v1/trust``, ``/api/v1/verify``,
``/trust/{org}/{name}``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from api.conftest import PUBLIC_URL, Tenant
from api.test_vcapi import issue
from lerkit.core.baking import bake_png
from lerkit.core.trust import REGISTRY_TYPE
from unit.test_baking import tiny_png

PNG_1X1 = tiny_png()


def _registry(client: TestClient, tenant: Tenant, name: str = "employers", **extra: Any) -> Any:
    created = client.post(
        "/api/v1/trust/registries", json={"name": name, **extra}, headers=tenant.headers
    )
    assert created.status_code == 201, created.text
    return created.json()


def _verify(client: TestClient, tenant: Tenant, body: Any, **params: str) -> dict[str, Any]:
    response = client.post("/api/v1/verify", json=body, headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


def _check(report: dict[str, Any], name: str) -> dict[str, Any]:
    found = [c for c in report["checks"] if c["check"] == name]
    assert found, report
    return found[0]


def test_verify_without_registry_then_recognised_and_untrusted(
    client: TestClient, org_a: Tenant
) -> None:
    issued = issue(client, org_a)
    credential = json.loads(issued["document"]) if "document" in issued else issued["credential"]
    report = _verify(client, org_a, {"document": credential})
    assert report["verified"] is True, report
    assert report["format"] == "ldp"
    assert all(c["check"] != "trust" for c in report["checks"])
    # a registry without the issuer: genuine, but the issuer is not recognised (a warning)
    _registry(client, org_a)
    report = _verify(client, org_a, {"document": credential, "registry": "employers"})
    assert report["verified"] is True
    trust = _check(report, "trust")
    assert trust["status"] == "warning"
    assert trust["code"] == "issuer.untrusted"
    # listed for OpenBadgeCredential: recognised, with the registry's name in the message
    added = client.post(
        "/api/v1/trust/registries/employers/entries",
        json={"did": org_a.did, "name": "Org A", "credentialTypes": ["OpenBadgeCredential"]},
        headers=org_a.headers,
    )
    assert added.status_code == 201, added.text
    report = _verify(client, org_a, {"document": credential, "registry": "employers", "lang": "fr"})
    trust = _check(report, "trust")
    assert trust["status"] == "pass", trust
    assert trust["code"] == "issuer.recognised"
    assert "employers" in trust["message"]
    assert "reconnu" in trust["explanation"]
    assert report["summary"].startswith("Cette attestation est authentique")
    # listed for another type only: not recognised for this one
    client.delete(f"/api/v1/trust/registries/employers/entries/{org_a.did}", headers=org_a.headers)
    client.post(
        "/api/v1/trust/registries/employers/entries",
        json={"did": org_a.did, "credentialTypes": ["ClrCredential"]},
        headers=org_a.headers,
    )
    report = _verify(client, org_a, {"document": credential, "registry": "employers"})
    assert _check(report, "trust")["code"] == "issuer.untrusted"
    assert "not for" in _check(report, "trust")["message"]


def test_verify_upload_png_and_raw_jwt_and_bad_input(client: TestClient, org_a: Tenant) -> None:
    issued = issue(client, org_a)
    credential = issued["credential"]
    png = bake_png(PNG_1X1, credential)
    response = client.post(
        "/api/v1/verify",
        files={"file": ("badge.png", png, "image/png")},
        data={"lang": "fr"},
        headers=org_a.headers,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is True
    assert report["lang"] == "fr"
    raw = client.post(
        "/api/v1/verify",
        content=png,
        headers={**org_a.headers, "Content-Type": "image/png"},
    )
    assert raw.status_code == 200
    assert raw.json()["verified"] is True
    for body, ctype in (
        (b"\x00\x01garbage", "application/octet-stream"),
        (b"[1, 2]", "application/json"),
        (b"{}", "application/json"),
    ):
        bad = client.post(
            "/api/v1/verify", content=body, headers={**org_a.headers, "Content-Type": ctype}
        )
        assert 400 <= bad.status_code < 500, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = client.post(
        "/api/v1/verify", json={"document": credential, "registry": "nope"}, headers=org_a.headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "trust.registry_unavailable"


def test_tampered_and_revoked_are_reports_not_errors(client: TestClient, org_a: Tenant) -> None:
    issued = issue(client, org_a)
    credential = issued["credential"]
    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    report = _verify(client, org_a, {"document": tampered})
    assert report["verified"] is False
    assert _check(report, "proof")["code"] == "proof.invalid"
    revoked = client.post(
        f"/api/v1/credentials/{issued['id']}/revoke",
        json={"reason": "test"},
        headers=org_a.headers,
    )
    assert revoked.status_code == 200, revoked.text
    report = _verify(client, org_a, {"document": credential})
    assert report["verdict"] == "invalid"
    assert _check(report, "status")["code"] == "status.revoked"


def test_registry_crud_import_export_publish(client: TestClient, org_a: Tenant) -> None:
    _registry(client, org_a, description="who we trust", roots=["did:example:root"])
    assert [
        r["name"] for r in client.get("/api/v1/trust/registries", headers=org_a.headers).json()
    ] == ["employers"]
    duplicate = client.post(
        "/api/v1/trust/registries", json={"name": "employers"}, headers=org_a.headers
    )
    assert duplicate.status_code == 409
    bad_name = client.post(
        "/api/v1/trust/registries", json={"name": "Not A Slug"}, headers=org_a.headers
    )
    assert bad_name.status_code == 422
    client.post(
        "/api/v1/trust/registries/employers/entries",
        json={
            "did": "did:web:uni.example",
            "name": "Uni",
            "credentialTypes": ["OpenBadgeCredential"],
            "achievements": ["https://uni.example/achievements/*"],
            "validUntil": "2099-01-01T00:00:00Z",
        },
        headers=org_a.headers,
    )
    exported = client.get("/api/v1/trust/registries/employers/export", headers=org_a.headers).json()
    assert exported["type"] == REGISTRY_TYPE
    assert exported["roots"] == ["did:example:root"]
    assert exported["entries"][0]["achievements"] == ["https://uni.example/achievements/*"]
    # import into another registry (created), and a DCC issuer list
    imported = client.post(
        "/api/v1/trust/registries/copy/import", json=exported, headers=org_a.headers
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["entries"] == 1
    dcc = {
        "meta": {"created": "2024-01-01"},
        "registry": {"did:key:z6MkDcc": {"name": "DCC member", "url": "https://dcc.example"}},
    }
    imported = client.post("/api/v1/trust/registries/copy/import", json=dcc, headers=org_a.headers)
    assert imported.json()["entries"] == 2
    replaced = client.post(
        "/api/v1/trust/registries/copy/import",
        params={"replace": "true"},
        json=dcc,
        headers=org_a.headers,
    )
    assert replaced.json()["entries"] == 1
    invalid = client.post(
        "/api/v1/trust/registries/copy/import", json={"hello": 1}, headers=org_a.headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "trust.registry_invalid"
    recognised = client.get(
        "/api/v1/trust/recognition",
        params={
            "issuer": "did:web:uni.example",
            "type": "OpenBadgeCredential",
            "achievement": "https://uni.example/achievements/42",
            "registry": "employers",
        },
        headers=org_a.headers,
    ).json()
    assert recognised["recognised"] is True
    assert recognised["registry"] == "employers"
    other = client.get(
        "/api/v1/trust/recognition",
        params={
            "issuer": "did:web:uni.example",
            "type": "OpenBadgeCredential",
            "achievement": "https://elsewhere.example/a",
        },
        headers=org_a.headers,
    ).json()
    assert other["recognised"] is False
    assert other["code"] == "issuer.untrusted"
    # not published: not served publicly
    assert client.get(f"/trust/{org_a.slug}/employers").status_code == 404
    patched = client.patch(
        "/api/v1/trust/registries/employers", json={"published": True}, headers=org_a.headers
    )
    assert patched.json()["publicUrl"] == f"{PUBLIC_URL}/trust/{org_a.slug}/employers"
    served = client.get(f"/trust/{org_a.slug}/employers")
    assert served.status_code == 200
    etag = served.headers["etag"]
    assert "max-age" in served.headers["cache-control"]
    assert served.json()["entries"][0]["did"] == "did:web:uni.example"
    again = client.get(f"/trust/{org_a.slug}/employers", headers={"If-None-Match": etag})
    assert again.status_code == 304
    client.post(
        "/api/v1/trust/registries/employers/entries",
        json={"did": "did:web:other.example"},
        headers=org_a.headers,
    )
    changed = client.get(f"/trust/{org_a.slug}/employers", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert client.get("/trust").json()["registries"][0]["name"] == f"{org_a.slug}/employers"
    deleted = client.delete("/api/v1/trust/registries/copy", headers=org_a.headers)
    assert deleted.status_code == 204
    assert client.get("/api/v1/trust/registries/copy", headers=org_a.headers).status_code == 404
