"""Tenant isolation and authentication, over EVERY route of the app.

The routes come from ``app.routes`` (not from a hand-written list), and each must be
classified below: a route added without a classification fails ``test_every_route_is_
classified``, so that no endpoint escapes these tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_vcapi import ACHIEVEMENT, issue

PUBLIC = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("POST", "/credentials/verify"),
    ("POST", "/presentations/verify"),
    ("GET", "/.well-known/did.json"),
    ("GET", "/orgs/{slug}/did.json"),
    ("GET", "/status/{public_id}"),
    ("GET", "/healthz"),
    # claim pages (lerkit.api.claims): the token in the path is the capability
    ("GET", "/claim/{token}"),
    ("GET", "/claim/{token}/credential.json"),
    ("GET", "/claim/{token}/badge.png"),
    # OpenID4VCI (lerkit.api.oid4vci): metadata, offers by reference, OAuth endpoints
    # (the credential endpoint takes an OAuth access token, tested in test_oid4vci.py)
    ("GET", "/.well-known/openid-credential-issuer/orgs/{slug}"),
    ("GET", "/.well-known/oauth-authorization-server/orgs/{slug}"),
    ("GET", "/offers/{offer_id}"),
    ("GET", "/offers/{offer_id}/qr.png"),
    ("GET", "/offers/{offer_id}/qr.svg"),
    ("GET", "/offers/{offer_id}/ways"),
    ("POST", "/orgs/{slug}/token"),
    ("POST", "/orgs/{slug}/nonce"),
    ("POST", "/orgs/{slug}/credential"),
    # VC-API exchanges (lerkit.api.exchanges): the exchange id is the capability
    ("GET", "/interactions/{exchange_id}"),
    ("GET", "/workflows/{workflow_id}/exchanges/{exchange_id}"),
    ("POST", "/workflows/{workflow_id}/exchanges/{exchange_id}"),
}

# Routes of the later areas are tested for isolation (holder against holder, organization
# against organization) and authentication over EVERY route under these prefixes by the test
# module named; the longest matching prefix decides. Each module must exist.
ELSEWHERE: dict[str, str] = {
    "/api/v1/wallet": "api/test_wallet_isolation.py",
    "/wallet": "api/test_wallet_isolation.py",
    "/api/v1/wallet/shares": "api/test_sharing_isolation.py",
    "/api/v1/wallet/consents": "api/test_sharing_isolation.py",
    "/api/v1/wallet/resumes": "api/test_sharing_isolation.py",
    "/wallet/shares": "api/test_sharing_isolation.py",
    "/wallet/consents": "api/test_sharing_isolation.py",
    "/wallet/resumes": "api/test_sharing_isolation.py",
    "/s/": "api/test_sharing_isolation.py",
    "/ims/ob/v3p0": "api/test_sharing_isolation.py",
    "/oauth": "api/test_sharing_isolation.py",
    "/api/v1/wallet/oid4vp": "api/test_oid4vp_isolation.py",
    "/wallet/oid4vp": "api/test_oid4vp_isolation.py",
    "/api/v1/presentation-requests": "api/test_oid4vp_isolation.py",
    "/oid4vp": "api/test_oid4vp_isolation.py",
    "/api/v1/trust": "api/test_trust_isolation.py",
    "/trust": "api/test_trust_isolation.py",
    "/api/v1/verify": "api/test_trust_isolation.py",
    "/verify": "api/test_trust_isolation.py",
    "/api/v1/skills": "api/test_skills_isolation.py",
    "/skills": "api/test_skills_isolation.py",
    "/api/v1/jobs": "api/test_market_isolation.py",
    "/api/v1/matching": "api/test_market_isolation.py",
    "/api/v1/guidance": "api/test_market_isolation.py",
    "/api/v1/workforce": "api/test_market_isolation.py",
    "/api/v1/wallet/talent": "api/test_market_isolation.py",
    "/jobs": "api/test_market_isolation.py",
}


def covered_elsewhere(path: str) -> str | None:
    """The test module covering ``path`` (longest matching prefix), or None."""
    best = None
    for prefix, module in ELSEWHERE.items():
        if (path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, module)
    return best[1] if best else None


def test_modules_covering_other_areas_exist() -> None:
    from support import ROOT

    for module in set(ELSEWHERE.values()):
        assert (ROOT / "tests" / module).is_file(), f"{module} must test its routes"


# Protected routes -> a body valid enough to reach the lookup of the object in the path
# (or of the objects named in the body). ``None``: no body.
PROTECTED: dict[tuple[str, str], Any] = {
    ("POST", "/credentials/issue"): {"credential": {"credentialSubject": {"id": "did:x:y"}}},
    ("POST", "/credentials/status"): {
        "credentialId": "{credential_id}",
        "credentialStatus": {"statusPurpose": "revocation"},
        "status": True,
    },
    ("GET", "/api/v1/organization"): None,
    ("PATCH", "/api/v1/organization"): {"description": "A was here"},
    ("GET", "/api/v1/organization/members"): None,
    ("POST", "/api/v1/organization/members"): {"email": "new@a.example", "role": "viewer"},
    ("PATCH", "/api/v1/organization/members/{email}"): {"role": "viewer"},
    ("DELETE", "/api/v1/organization/members/{email}"): None,
    ("GET", "/api/v1/api-keys"): None,
    ("POST", "/api/v1/api-keys"): {"name": "a key", "role": "viewer"},
    ("DELETE", "/api/v1/api-keys/{key_id}"): None,
    ("GET", "/api/v1/signing-keys"): None,
    ("GET", "/api/v1/signing-keys/{key_id}"): None,
    ("POST", "/api/v1/signing-keys/rotate"): None,
    ("GET", "/api/v1/audit-events"): None,
    ("GET", "/api/v1/achievements"): None,
    ("POST", "/api/v1/achievements"): ACHIEVEMENT,
    ("GET", "/api/v1/achievements/{achievement_id}"): None,
    ("PATCH", "/api/v1/achievements/{achievement_id}"): {"name": "Stolen"},
    ("DELETE", "/api/v1/achievements/{achievement_id}"): None,
    ("GET", "/api/v1/achievements/{achievement_id}/versions"): None,
    ("POST", "/api/v1/credentials"): {
        "achievement": "{achievement_id}",
        "recipient": "mallory@example.org",
    },
    ("POST", "/api/v1/credentials/clr"): {
        "recipient": "ada@example.org",
        "credentialIds": ["{credential_id}"],
    },
    ("GET", "/api/v1/credentials"): None,
    ("GET", "/api/v1/credentials/{credential_id}"): None,
    ("POST", "/api/v1/credentials/{credential_id}/revoke"): {"reason": "A was here"},
    ("POST", "/api/v1/credentials/{credential_id}/suspend"): {"reason": "A was here"},
    ("POST", "/api/v1/credentials/{credential_id}/unsuspend"): {"reason": "A was here"},
    ("POST", "/api/v1/credentials/status-changes"): {
        "credentialIds": ["{credential_id}"],
        "action": "revoke",
        "reason": "A was here",
    },
    ("GET", "/api/v1/status-lists"): None,
    ("POST", "/api/v1/offers"): {
        "achievement": "{achievement_id}",
        "recipient": "mallory@example.org",
    },
    ("GET", "/api/v1/claims/{claim_id}"): None,
    ("POST", "/api/v1/claims/{claim_id}/resend"): None,
    ("POST", "/api/v1/claims/{claim_id}/revoke"): None,
    ("POST", "/api/v1/claims/{claim_id}/bounce"): {"reason": "mailbox full"},
    ("POST", "/api/v1/exchanges"): {
        "achievement": "{achievement_id}",
        "recipient": "mallory@example.org",
    },
}


REPORTS_NOT_FOUND = {("POST", "/api/v1/credentials/status-changes")}


# Mounted only when bulk issuance is wired (Services.bulk); multipart bodies are not sent
# here (the uploads are refused before any lookup), the job routes look up B's job.
BULK = {
    ("POST", "/api/v1/bulk-jobs/dry-run"): None,
    ("POST", "/api/v1/bulk-jobs"): None,
    ("GET", "/api/v1/bulk-jobs/{job_id}"): None,
    ("GET", "/api/v1/bulk-jobs/{job_id}/rows"): None,
    ("GET", "/api/v1/bulk-jobs/{job_id}/report.csv"): None,
}
PROTECTED.update(BULK)


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every (method, path) the app serves, included routers flattened."""

    def walk(routes: Any) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "effective_candidates"):  # FastAPI >= 0.16x included router
                yield from walk(route.effective_candidates())
                continue
            original = getattr(route, "original_route", route)
            for method in sorted(getattr(original, "methods", None) or ()):
                if method != "HEAD":
                    yield method, route.path

    yield from walk(app.routes)


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = {r for r in app_routes(app) if covered_elsewhere(r[1]) is None}
    unclassified = routes - PUBLIC - PROTECTED.keys()
    assert not unclassified, f"classify these routes in {__file__}: {sorted(unclassified)}"
    stale = (PUBLIC | PROTECTED.keys()) - routes - BULK.keys()
    assert not stale, f"these routes no longer exist: {sorted(stale)}"


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture
def b_objects(client: TestClient, org_b: Tenant) -> dict[str, str]:
    record = issue(client, org_b, recipient="bob@b.example")
    key = client.post(
        "/api/v1/api-keys", json={"name": "B's CI", "role": "issuer"}, headers=org_b.headers
    ).json()
    member = client.post(
        "/api/v1/organization/members",
        json={"email": "carol@b.example", "role": "issuer"},
        headers=org_b.headers,
    )
    assert member.status_code == 201
    job = client.post(
        "/api/v1/bulk-jobs",
        data={"achievement": record["achievement"]},
        files={"file": ("b.csv", b"email\nbea@b.example\n", "text/csv")},
        headers=org_b.headers,
    )
    assert job.status_code == 202, job.text
    status_list = record["credential"]["credentialStatus"][0]["statusListCredential"]
    claimed = client.post(
        "/api/v1/credentials",
        json={"achievement": record["achievement"], "recipient": "bob@b.example", "email": True},
        headers=org_b.headers,
    )
    assert claimed.status_code == 201, claimed.text
    return {
        "claim_id": claimed.json()["claim"]["id"],
        "credential_id": record["id"],
        "achievement_id": record["achievement"],
        "key_id": key["id"],
        "email": "carol@b.example",
        "job_id": job.json()["id"],
        "status_list_id": status_list.rsplit("/", 1)[-1],
    }


def test_a_cannot_touch_b(
    app: FastAPI, client: TestClient, org_a: Tenant, org_b: Tenant, b_objects: dict[str, str]
) -> None:
    # B's data that A never sends: must never show up (ids A sends may be echoed in a 404)
    b_markers = [org_b.did, "bob@b.example", "B's CI", "Organization ORG-B"]
    for method, template in sorted(app_routes(app)):
        if (method, template) in PUBLIC or covered_elsewhere(template):
            continue
        ids = dict(b_objects)
        if "/signing-keys/" in template:
            ids["key_id"] = "key-1"  # every organization has a key-1: A must get its own
        path = _fill(template, ids)
        body = _fill(PROTECTED[(method, template)], ids)
        response = client.request(method, path, json=body, headers=org_a.headers)
        where = f"{method} {template} -> {response.status_code} {response.text[:300]}"
        assert response.status_code < 500 or response.status_code == 501, where
        names_b_object = any("{" + name + "}" in str(PROTECTED[(method, template)]) for name in ids)
        names_b_object = names_b_object or any("{" + n + "}" in template for n in ids)
        if (method, template) in REPORTS_NOT_FOUND:  # a bulk change reports, id by id
            assert response.status_code == 200, where
            assert response.json()["notFound"] == [b_objects["credential_id"]], where
            assert not response.json()["changed"], where
            continue
        if names_b_object and "/signing-keys/" not in template:
            assert response.status_code in (403, 404, 422), where
        for marker in b_markers:
            assert marker not in response.text, where
        if response.status_code < 300:
            for marker in b_objects.values():
                assert marker not in response.text, where

    # and B's objects are as they were
    credential = client.get(
        f"/api/v1/credentials/{b_objects['credential_id']}", headers=org_b.headers
    ).json()
    assert credential["status"] == "active"
    achievement = client.get(
        f"/api/v1/achievements/{b_objects['achievement_id']}", headers=org_b.headers
    ).json()
    assert achievement["version"] == 1
    assert not achievement["archived"]
    keys = client.get("/api/v1/api-keys", headers=org_b.headers).json()
    assert all(k["revokedAt"] is None for k in keys)
    members = client.get("/api/v1/organization/members", headers=org_b.headers).json()
    assert "carol@b.example" in {m["email"] for m in members}
    assert (
        client.get("/api/v1/organization", headers=org_b.headers)
        .json()["profile"]
        .get("description")
        != "A was here"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer lk_000000000000000000000000_" + "A" * 43},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "unknown-key", "basic", "empty"],
)
def test_every_protected_route_needs_a_key(
    app: FastAPI, client: TestClient, headers: dict[str, str]
) -> None:
    ids = {
        "credential_id": "x",
        "achievement_id": "x",
        "key_id": "x",
        "email": "x@y.z",
        "job_id": "x",
    }
    for method, template in sorted(app_routes(app)):
        if (method, template) in PUBLIC or covered_elsewhere(template):
            continue
        body = _fill(PROTECTED[(method, template)], ids)
        response = client.request(method, _fill(template, ids), json=body, headers=headers)
        assert response.status_code == 401, f"{method} {template} -> {response.status_code}"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers.get("www-authenticate", "").startswith("Bearer")
