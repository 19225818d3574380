"""Federation: a registry subscribes to another lerkit instance's published registry (a real
``lerkit serve`` on localhost) and to a DCC issuer list (a local HTTP server), with
``LERKIT_ALLOW_PRIVATE_FETCH`` (and plain http) allowed. A copy is used while fresh, a change
on the source is seen after invalidation (on demand, or when the TTL has passed), and
unchanged sources answer 304 to ``If-None-Match``. The subscribing side runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.conftest import make_tenant
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from lerkit.services.errors import ValidationError
from support import running_lerkit

pytestmark = pytest.mark.network

UNI = "did:web:uni.example"
OB = ["VerifiableCredential", "OpenBadgeCredential"]
DCC: dict[str, Any] = {"etag": '"1"', "requests": [], "doc": {}}


class DccHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        DCC["requests"].append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == DCC["etag"]:
            self.send_response(304)
            self.send_header("ETag", DCC["etag"])
            self.end_headers()
            return
        body = json.dumps(DCC["doc"]).encode()
        self.send_response(200)
        self.send_header("ETag", DCC["etag"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):
            self.wfile.write(body)


@pytest.fixture(scope="module")
def dcc_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), DccHandler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/registry.json"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """Another lerkit instance publishing the registry ``college/national``."""
    with running_lerkit(tmp_path_factory.mktemp("source")) as (base, key):
        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(
            f"{base}/api/v1/trust/registries",
            json={"name": "national", "published": True},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        yield base, headers


@pytest.fixture
def services(tmp_path: Path, db: Database) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=db.url,
        public_url="https://subscriber.test",
        allow_private_fetch=True,
        allow_http_fetch=True,
    )
    wired = build_services(settings, db)
    yield wired
    close = getattr(wired.queue, "close", None)
    if callable(close):
        close()


def _recognised(services: Services, org_id: int, issuer: str = UNI) -> bool:
    with services.database.session() as session:
        answer = services.trust.recognition(
            session, issuer, OB, registry="mine", organization_id=org_id
        )
    return bool(answer.recognised)


def test_subscription_to_another_lerkit_instance(
    services: Services, source: tuple[str, dict[str, str]]
) -> None:
    base, headers = source
    entry = httpx.post(
        f"{base}/api/v1/trust/registries/national/entries",
        json={"did": UNI, "name": "Uni", "credentialTypes": ["OpenBadgeCredential"]},
        headers=headers,
    )
    assert entry.status_code == 201, entry.text
    url = f"{base}/trust/college/national"
    tenant = make_tenant(services, "subscriber")
    registries = services.trust.registries
    with services.database.session() as session:
        registries.create(session, tenant.actor, "mine")
        sub = registries.subscribe(session, tenant.actor, "mine", url, ttl_seconds=3600)
    assert sub["entries"] == 1
    assert sub["etag"]
    assert _recognised(services, tenant.actor.organization_id)
    # the source removes the issuer: the fresh copy is still used ...
    removed = httpx.delete(
        f"{base}/api/v1/trust/registries/national/entries/{UNI}", headers=headers
    )
    assert removed.status_code == 204
    assert _recognised(services, tenant.actor.organization_id)
    # ... until it is invalidated on demand: the next verification sees the change
    with services.database.session() as session:
        refreshed = registries.refresh(session, tenant.actor, "mine")
    assert refreshed[0]["entries"] == 0
    assert refreshed[0]["etag"] != sub["etag"]
    assert not _recognised(services, tenant.actor.organization_id)
    # unchanged: revalidated with If-None-Match (304), the copy and its ETag are kept
    with services.database.session() as session:
        again = registries.refresh(session, tenant.actor, "mine")
    assert again[0]["etag"] == refreshed[0]["etag"]
    assert again[0]["lastError"] is None
    # the source adds it back; with a short TTL the next verification re-fetches by itself
    httpx.post(
        f"{base}/api/v1/trust/registries/national/entries",
        json={"did": UNI, "credentialTypes": ["OpenBadgeCredential"]},
        headers=headers,
    )
    with services.database.session() as session:
        registries.unsubscribe(session, tenant.actor, "mine", sub["id"])
        registries.subscribe(session, tenant.actor, "mine", url, ttl_seconds=0)
    assert _recognised(services, tenant.actor.organization_id)
    httpx.delete(f"{base}/api/v1/trust/registries/national/entries/{UNI}", headers=headers)
    assert not _recognised(services, tenant.actor.organization_id)


def test_subscription_to_a_dcc_issuer_list(services: Services, dcc_server: str) -> None:
    DCC["doc"] = {"meta": {"created": "2024-01-01"}, "registry": {UNI: {"name": "Uni"}}}
    DCC["etag"] = '"1"'
    DCC["requests"].clear()
    tenant = make_tenant(services, "dcc-subscriber")
    registries = services.trust.registries
    with services.database.session() as session:
        registries.create(session, tenant.actor, "mine")
        sub = registries.subscribe(session, tenant.actor, "mine", dcc_server, ttl_seconds=0)
    assert sub["entries"] == 1
    assert _recognised(services, tenant.actor.organization_id)
    assert DCC["requests"][-1] == '"1"'  # the TTL passed: revalidated, 304
    DCC["doc"] = {"meta": {}, "registry": {}}
    DCC["etag"] = '"2"'
    assert not _recognised(services, tenant.actor.organization_id)
    # an unreachable source: the last good copy is kept and the error recorded
    with services.database.session() as session:
        bad = ValidationError
        with pytest.raises(bad):
            registries.subscribe(
                session, tenant.actor, "mine", "http://127.0.0.1:9/none.json", ttl_seconds=0
            )


def test_private_sources_refused_without_the_setting(tmp_path: Path, db: Database) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=db.url,
        public_url="https://closed.test",
        allow_http_fetch=True,
    )
    wired = build_services(settings, db)
    try:
        tenant = make_tenant(wired, "closed")
        with wired.database.session() as session:
            wired.trust.registries.create(session, tenant.actor, "mine")
            with pytest.raises(ValidationError) as caught:
                wired.trust.registries.subscribe(
                    session, tenant.actor, "mine", "http://127.0.0.1:9/registry.json"
                )
        assert "fetch.refused" in caught.value.message
    finally:
        close = getattr(wired.queue, "close", None)
        if callable(close):
            close()
