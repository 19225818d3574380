"""Backup → delete account → restore into a fresh account round-trips (SQLite and
PostgreSQL); erasure leaves no row of the holder in any table; export holds everything
but secrets."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.conftest import Tenant
from api.test_wallet_api import issued, tiny_png, wallet_client  # noqa: F401 — fixture
from lerkit.bootstrap import Services
from lerkit.core.baking import bake_png
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.db.models import Base
from lerkit.db.models_wallet import Holder
from support import FIXTURES
from wallet_support import PASSWORD, new_holder, receive_file

PASSPHRASE = "a long backup passphrase"


def holder_rows(services: Services, holder_id: int) -> dict[str, int]:
    """How many rows of every table with a holder_id column belong to ``holder_id``."""
    counts = {}
    with services.database.session() as session:
        for table in Base.metadata.sorted_tables:
            if "holder_id" in table.c:
                counts[table.name] = session.scalar(
                    select(func.count()).select_from(table).where(table.c.holder_id == holder_id)
                )
    return counts


def holder_id_of(services: Services, public_id: str) -> int:
    with services.database.session() as session:
        found = session.scalar(select(Holder.id).where(Holder.public_id == public_id))
        assert found is not None
        return found


def test_backup_delete_restore_round_trip(
    wallet_client: TestClient,  # noqa: F811
    services: Services,
    org_a: Tenant,
) -> None:
    client = wallet_client
    headers, public_id = new_holder(client, email="roundtrip@example.org")
    holder_id = holder_id_of(services, public_id)
    p256 = client.post("/api/v1/wallet/keys", json={"keyType": "P-256"}, headers=headers).json()
    ldp = receive_file(client, headers, issued(client, org_a)["credential"])
    jwt = receive_file(client, headers, issued(client, org_a, "vc-jwt")["credential"])
    png = receive_file(client, headers, bake_png(tiny_png(), issued(client, org_a)["credential"]))
    clr = receive_file(
        client, headers, (FIXTURES / "1edtech-validator" / "clr20" / "simple.json").read_bytes()
    )
    credentials = [ldp, jwt, png, clr]
    client.put(
        f"/api/v1/wallet/credentials/{ldp['id']}/tags",
        json={"tags": ["cv", "data"]},
        headers=headers,
    )
    collection = client.post(
        "/api/v1/wallet/collections", json={"name": "For ACME"}, headers=headers
    ).json()
    client.put(
        f"/api/v1/wallet/collections/{collection['id']}/credentials/{jwt['id']}", headers=headers
    )
    entry = client.post(
        "/api/v1/wallet/entries",
        json={"kind": "goal", "title": "Become a data engineer"},
        headers=headers,
    ).json()
    with services.database.session() as session:
        consent = services.wallet_base.consent.record(
            session,
            holder_id,
            kind="share",
            recipient="ACME hiring",
            purpose="job application",
            disclosed=[{"credential": ldp["id"], "fields": ["*"]}],
            reference="share123",
            ongoing=True,
        ).public_id
    before = {
        c["id"]: client.get(f"/api/v1/wallet/credentials/{c['id']}", headers=headers).json()
        for c in credentials
    }
    dids = client.get("/api/v1/wallet/me", headers=headers).json()["dids"]

    archive = client.post("/api/v1/wallet/backup", json={"passphrase": PASSPHRASE}, headers=headers)
    assert archive.status_code == 200
    assert archive.headers["cache-control"] == "no-store"
    data = archive.content
    envelope = json.loads(data)
    assert envelope["format"] == "lerkit-wallet-backup"
    assert envelope["kdf"]["name"] == "scrypt"
    assert envelope["cipher"] == "A256GCM"
    # nothing readable inside: no credential, no DID, no email
    assert b"roundtrip@example.org" not in data
    assert dids[0].encode() not in data
    assert ldp["id"].encode() not in data

    # erasure needs the password again
    refused = client.post(
        "/api/v1/wallet/account/delete", json={"password": "wrong password!"}, headers=headers
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "wallet.confirmation_required"
    assert holder_rows(services, holder_id)["wallet_credentials"] == 4
    deleted = client.post(
        "/api/v1/wallet/account/delete", json={"password": PASSWORD}, headers=headers
    )
    assert deleted.status_code == 204
    remaining = holder_rows(services, holder_id)
    assert remaining, "there are tables with a holder_id column"
    assert all(count == 0 for count in remaining.values()), remaining
    with services.database.session() as session:
        assert session.get(Holder, holder_id) is None
    assert client.get("/api/v1/wallet/me", headers=headers).status_code == 401

    # restore into a fresh account (same person, new sign-up)
    fresh, _ = new_holder(client, email="roundtrip@example.org")
    wrong = client.post(
        "/api/v1/wallet/restore",
        headers=fresh,
        files={"file": ("w.lwb", data, "application/json")},
        data={"passphrase": "not the passphrase"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "wallet.backup_invalid"
    tampered = json.loads(data)
    tampered["kdf"]["n"] = 2**14
    changed = client.post(
        "/api/v1/wallet/restore",
        headers=fresh,
        files={"file": ("w.lwb", json.dumps(tampered).encode(), "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert changed.status_code == 422
    restored = client.post(
        "/api/v1/wallet/restore",
        headers=fresh,
        files={"file": ("w.lwb", data, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["restored"] == {
        "keys": 2,
        "credentials": 4,
        "collections": 1,
        "entries": 1,
        "consents": 1,
        "shares": 0,
        "resumes": 0,
        "profile": 0,
        "talentProfile": 0,  # the market area (no talent profile here)
    }
    # every credential byte-identical, same ids, tags and reports
    for old_id, old in before.items():
        now = client.get(f"/api/v1/wallet/credentials/{old_id}", headers=fresh)
        assert now.status_code == 200
        assert now.json()["document"] == old["document"]
        assert now.json()["tags"] == old["tags"]
        assert now.json()["report"] == old["report"]
        assert now.json()["format"] == old["format"]
    # keys: the backup's DIDs are back, the default one too, and they sign
    me = client.get("/api/v1/wallet/me", headers=fresh).json()
    assert set(dids) <= set(me["dids"])
    assert me["did"] == dids[0]
    new_id = holder_id_of(services, me["public_id"])
    with services.database.session() as session:
        for did in (dids[0], p256["did"]):
            key, vm = services.wallet.accounts.signer(session, new_id, did)
            vp = sign_presentation(
                create_presentation([], holder=did),
                key,
                verification_method=vm,
                created=datetime.now(UTC),
                challenge="c",
                domain="d",
                suite="eddsa-rdfc-2022" if key.key_type.value == "Ed25519" else "ecdsa-rdfc-2019",
            )
            report = services.verifier(allow_network=False).verify_presentation(
                vp, challenge="c", domain="d"
            )
            assert report.verified, report.to_json()
    collections = client.get("/api/v1/wallet/collections", headers=fresh).json()
    assert [(c["name"], c["credentials"]) for c in collections] == [("For ACME", [jwt["id"]])]
    entries = client.get("/api/v1/wallet/entries", headers=fresh).json()
    assert [(e["id"], e["title"], e["verified"]) for e in entries] == [
        (entry["id"], entry["title"], False)
    ]
    with services.database.session() as session:
        ledger = services.wallet_base.consent.entries(session, new_id)
        assert [(c.public_id, c.recipient, c.disclosed, c.ongoing) for c in ledger] == [
            (consent, "ACME hiring", [{"credential": ldp["id"], "fields": ["*"]}], True)
        ]
    # restoring twice adds nothing
    again = client.post(
        "/api/v1/wallet/restore",
        headers=fresh,
        files={"file": ("w.lwb", data, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert again.json()["restored"] == {
        "keys": 0,
        "credentials": 0,
        "collections": 0,
        "entries": 0,
        "consents": 0,
        "shares": 0,
        "resumes": 0,
        "profile": 0,
        "talentProfile": 0,  # the market area (no talent profile here)
    }


def test_export_has_everything_but_secrets(wallet_client: TestClient, org_a: Tenant) -> None:  # noqa: F811
    client = wallet_client
    headers, public_id = new_holder(client)
    stored = receive_file(client, headers, issued(client, org_a)["credential"])
    client.post("/api/v1/wallet/entries", json={"kind": "skill", "title": "SQL"}, headers=headers)
    client.post("/api/v1/wallet/totp", headers=headers)
    response = client.get("/api/v1/wallet/export", headers=headers)
    assert response.status_code == 200
    export = response.json()
    assert export["holder"]["publicId"] == public_id
    tables = export["tables"]
    assert [c["public_id"] for c in tables["wallet_credentials"]] == [stored["id"]]
    assert tables["wallet_credentials"][0]["document"] == stored["document"]
    assert tables["wallet_entries"][0]["title"] == "SQL"
    assert tables["holder_keys"][0]["did"].startswith("did:key:")
    text = response.text
    for secret in (
        "password_hash",
        "secret_hash",
        "encrypted_private",
        "wrapped_data_key",
        "encrypted_secret",
        "recovery_hashes",
    ):
        assert secret not in text
    assert "$argon2id$" not in text


def test_delete_account_with_second_factor_needs_the_code(
    client: TestClient, services: Services
) -> None:
    import base64
    import time

    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    headers, public_id = new_holder(client)
    enrol = client.post("/api/v1/wallet/totp", headers=headers).json()
    secret = base64.b32decode(enrol["secret"] + "=" * (-len(enrol["secret"]) % 8))
    totp = TOTP(secret, 6, SHA1(), 30)
    now = time.time()
    client.post(
        "/api/v1/wallet/totp/confirm", json={"code": totp.generate(now).decode()}, headers=headers
    )
    without = client.post(
        "/api/v1/wallet/account/delete", json={"password": PASSWORD}, headers=headers
    )
    assert without.status_code == 403
    assert holder_id_of(services, public_id)
    code = totp.generate(now + 30).decode()
    done = client.post(
        "/api/v1/wallet/account/delete", json={"password": PASSWORD, "code": code}, headers=headers
    )
    assert done.status_code == 204
    with services.database.session() as session:
        assert session.scalar(select(Holder.id).where(Holder.public_id == public_id)) is None
