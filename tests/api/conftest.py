"""API test fixtures: the app over a migrated database (SQLite and PostgreSQL), two
organizations with owner API keys, a TestClient.

The database fixtures are the integration suite's (re-exported here, so that the same
``database_url``/``db`` parametrization applies).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette >= 1.1 prefers httpx2 for its TestClient (TODO(lead): add httpx2 to dev deps)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import integration.conftest as _integration
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from lerkit.services.context import Actor

# Re-export every fixture of the integration suite (``database_url``, ``db`` and the private
# ones they request by name), whatever they are called this week.
for _name, _value in vars(_integration).items():
    if type(_value).__name__ == "FixtureFunctionDefinition" or hasattr(
        _value, "_pytestfixturefunction"
    ):
        globals()[_name] = _value
database_url = _integration.database_url
db = _integration.db

PUBLIC_URL = "https://lerkit.test"


@dataclass(frozen=True)
class Tenant:
    slug: str
    did: str
    token: str
    actor: Actor

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db.url, public_url=PUBLIC_URL)


@pytest.fixture
def services(settings: Settings, db: Database) -> Iterator[Services]:
    wired = build_services(settings, db)
    yield wired
    close = getattr(wired.queue, "close", None)
    if callable(close):
        close()


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def make_tenant(services: Services, slug: str, did_method: str = "web") -> Tenant:
    with services.database.session() as session:
        org = services.organizations.create(
            session,
            name=f"Organization {slug.upper()}",
            slug=slug,
            did_method=did_method,
            owner_email=f"owner@{slug}.example",
        )
        system = Actor(organization_id=org.id, role="owner", label="test")
        created = services.api_keys.create_initial(
            session, system, name="owner key", member_email=f"owner@{slug}.example"
        )
        actor = services.api_keys.authenticate(session, created.token)
        return Tenant(slug=org.slug, did=org.did, token=created.token, actor=actor)


@pytest.fixture
def org_a(services: Services) -> Tenant:
    return make_tenant(services, "org-a")


@pytest.fixture
def org_b(services: Services) -> Tenant:
    return make_tenant(services, "org-b")
