"""What the issuing service issues verifies in Digital Bazaar's reference library.

The service (over a real SQLite database, a did:web organization under a localhost public
URL) issues Open Badges in each Data Integrity format; Digital Bazaar's vc library verifies
them with the organization's DID document and status lists given as documents (nothing is
fetched). After a revocation through the service, the same credential fails there too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interop.node import node_available, verify_batch
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.migrate import upgrade
from lerkit.db.session import Database
from lerkit.services.context import Actor
from support import require

pytestmark = pytest.mark.interop

BADGE = {
    "name": "Data Analysis Fundamentals",
    "description": "Clean, explore and summarise real data sets.",
    "criteria": {"narrative": "Complete the six modules."},
    "alignments": [
        {
            "targetName": "analyse big data",
            "targetUrl": "http://data.europa.eu/esco/skill/47a49cd6-097d-457a-9f7b-c290c14930d5",
            "targetFramework": "ESCO",
        }
    ],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    require(node_available(), "Node with tests/interop/node_modules")
    data = tmp_path_factory.mktemp("service")
    settings = Settings(
        data_dir=Path(data),
        public_url="http://localhost:8000",
        secret_key="0" * 64,
    )
    upgrade(settings.effective_database_url)
    services = build_services(settings, Database(settings.effective_database_url))
    with services.database.session() as session:
        org = services.organizations.create(
            session, name="Example College", did_method="web", owner_email="registrar@example.org"
        )
        org_id, did = org.id, org.did
    actor = Actor(organization_id=org_id, role="owner", label="test")
    achievement = services.achievements.create(actor, BADGE).public_id
    yield services, actor, achievement, did
    services.close()


def _documents(services: Services, did: str, credential: dict[str, Any]) -> dict[str, Any]:
    """The DID document and every status list the credential points at, by URL."""
    docs: dict[str, Any] = {}
    with services.database.session() as session:
        docs[did] = services.identity.did_document_by_slug(session, did.rsplit(":", 1)[-1])
    for entry in credential["credentialStatus"]:
        url = entry["statusListCredential"]
        docs[url] = services.status_lists.credential(url.rsplit("/", 1)[-1]).document
    return docs


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "ed25519-signature-2020"])
def test_service_credentials_verify_in_js_and_fail_once_revoked(world: Any, fmt: str) -> None:
    services, actor, achievement, did = world
    record = services.issuance.issue(
        actor, achievement, "ada@example.org", recipient_type="email", format=fmt
    )
    credential = json.loads(record.document)
    assert credential["issuer"]["id"] == did
    first = verify_batch(
        [
            {
                "kind": "credential",
                "document": credential,
                "resources": _documents(services, did, credential),
            }
        ]
    )[0]
    assert first["verified"] is True, first
    services.issuance.revoke(actor, record.credential_id, "issued in error")
    second = verify_batch(
        [
            {
                "kind": "credential",
                "document": credential,
                "resources": _documents(services, did, credential),
            }
        ]
    )[0]
    assert second["verified"] is False, second
    assert second.get("problem") == "status.revoked", second
