"""Issue 5's "Done means" as one journey, every step asserted (SQLite and PostgreSQL).

A learner signs up; receives credentials by OpenID4VCI (ldp_vc and dc+sd-jwt from
organization A) and by file import (an Open Badge of organization B, and an ecdsa-sd-2023
*base* credential, kept as valid); builds a résumé (LER-RS valid, signed as a VP); shares two
credentials with an employer through a link, and the employer (no account) fetches the link
as JSON and verifies both credentials, with this instance and offline; answers two
OpenID4VP requests with selectively disclosed fields (SD-JWT VC disclosures; an
ecdsa-sd-2023 derived proof) — what was not asked never reaches the verifier's store; sees
all of it in the consent ledger; backs up; deletes the account (no holder row left, the
link is gone); restores into a new account — credentials, keys (a new presentation
verifies), collections, tags, entries, the consent ledger, the share link (working again)
and the résumé are back, and a second snapshot of the wallet equals the first.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from api.conftest import PUBLIC_URL, Tenant
from api.test_oid4vp_sd import _base_credential
from api.test_wallet_api import achievement, wallet_client  # noqa: F401 — fixture
from api.test_wallet_backup import holder_id_of, holder_rows
from api.test_wallet_web import browser, sign_up  # noqa: F401 — fixture
from lerkit.bootstrap import Services
from lerkit.core import sdjwt
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.verify import VerifyContext, verify_credential
from lerkit.db.models_oid4vp import PresentationRequest
from lerkit.db.models_wallet import Holder
from lerkit.services.oid4vci import LDP_VC, SD_JWT_VC
from lerkit.services.wallet.backup import encrypt
from lerkit.services.wallet.resume import validate_ler_rs
from oid4vp_support import issue_to, make_request, open_in_wallet
from wallet_support import new_holder, receive_file

PASSWORD = "correct horse battery staple"
PASSPHRASE = "my lifelong record, backed up"
EMAIL = "learner-journey@example.org"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _offer(client: TestClient, org: Tenant, configuration: str, tx_code: bool) -> dict[str, Any]:
    return _ok(
        client.post(
            "/api/v1/offers",
            json={
                "achievement": achievement(client, org),
                "recipient": "learner@example.org",
                "txCode": tx_code,
                "credentialConfigurationIds": [configuration],
            },
            headers=org.headers,
        ),
        201,
    )


def _claim(client: TestClient, holder: dict[str, str], offer: dict[str, Any]) -> dict[str, Any]:
    body = {"offer": offer["offerUri"]}
    if offer.get("txCode"):
        body["txCode"] = offer["txCode"]
    [credential] = _ok(
        client.post("/api/v1/wallet/receive/oid4vci", json=body, headers=holder), 201
    )["credentials"]
    assert credential["source"] == "oid4vci"
    assert credential["verdict"] == "valid", credential
    return dict(credential)


class _PublishedLists:
    """Status lists as the employer fetches them (public URLs of the issuing instance)."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def get(self, url: str) -> Any:
        return _ok(self._client.get(url.removeprefix(PUBLIC_URL)))


def _verifies_here(client: TestClient, credential: Any) -> None:
    report = _ok(client.post("/credentials/verify", json={"verifiableCredential": credential}))
    assert report["verified"] is True, report


def _respond(client: TestClient, holder: dict[str, str], opened: dict[str, Any]) -> None:
    answered = _ok(
        client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", headers=holder)
    )
    assert answered["status"] == "shared", answered


def _stored_request(services: Services, public_id: str) -> dict[str, Any]:
    """Everything the verifier kept of a presentation request, as JSON."""
    with services.database.session() as session:
        row = session.scalar(
            select(PresentationRequest).where(PresentationRequest.public_id == public_id)
        )
        assert row is not None
        return {
            "status": row.status,
            "claims": row.claims,
            "reports": row.reports,
            "error": row.error_message,
        }


def test_the_learner_journey(
    wallet_client: TestClient,  # noqa: F811
    services: Services,
    org_a: Tenant,
    org_b: Tenant,
) -> None:
    client = wallet_client

    # ---------------------------------------------------------------- sign up
    holder, public_id = new_holder(client, email=EMAIL, name="Lee Learner")
    holder_id = holder_id_of(services, public_id)
    me = _ok(client.get("/api/v1/wallet/me", headers=holder))
    did = me["did"]
    assert did.startswith("did:key:")

    # ---------------------------------------------------------------- receive
    # by OpenID4VCI: an Open Badge (ldp_vc, transaction code) and an SD-JWT VC
    ldp = _claim(client, holder, _offer(client, org_a, LDP_VC, tx_code=True))
    assert ldp["format"] == "ldp_vc"
    assert ldp["summary"]["subject_id"] == did  # bound to the holder's key
    sd_jwt = _claim(client, holder, _offer(client, org_a, SD_JWT_VC, tx_code=False))
    assert sd_jwt["format"] == "sd_jwt_vc"
    # by file import: an Open Badge of another organization, issued to the holder's DID
    imported = receive_file(client, holder, issue_to(client, org_b.headers, did))
    assert imported["source"] == "file"
    assert imported["verdict"] == "valid", imported
    # an ecdsa-sd-2023 base credential: the holder's own check of the base proof passes
    sd_base = receive_file(client, holder, _base_credential(did))
    assert sd_base["verdict"] == "valid", sd_base["report"]
    assert "keptInvalid" not in sd_base["summary"]
    proof_check = {c["check"]: c for c in sd_base["report"]["checks"]}["proof"]
    assert proof_check["status"] == "pass", proof_check
    reverified = _ok(
        client.post(f"/api/v1/wallet/credentials/{sd_base['id']}/verify", headers=holder)
    )
    assert reverified["verdict"] == "valid"
    credentials = [ldp, sd_jwt, imported, sd_base]
    listed = _ok(client.get("/api/v1/wallet/credentials", headers=holder))
    assert {c["id"] for c in listed["credentials"]} == {c["id"] for c in credentials}

    # ---------------------------------------------------------------- keep
    _ok(
        client.put(
            f"/api/v1/wallet/credentials/{ldp['id']}/tags",
            json={"tags": ["cv", "data"]},
            headers=holder,
        )
    )
    collection = _ok(
        client.post("/api/v1/wallet/collections", json={"name": "Job hunt"}, headers=holder), 201
    )
    for member in (ldp, imported):
        added = client.put(
            f"/api/v1/wallet/collections/{collection['id']}/credentials/{member['id']}",
            headers=holder,
        )
        assert added.status_code in (200, 204), added.text
    entry = _ok(
        client.post(
            "/api/v1/wallet/entries",
            json={"kind": "goal", "title": "Become a data engineer"},
            headers=holder,
        ),
        201,
    )
    assert entry["verified"] is False

    # ---------------------------------------------------------------- résumé
    resume = _ok(
        client.post(
            "/api/v1/wallet/resumes",
            json={
                "title": "Data jobs",
                "headline": "Junior data analyst",
                "credentials": [ldp["id"], imported["id"]],
                "entries": [{"kind": "skill", "title": "SQL"}],
            },
            headers=holder,
        ),
        201,
    )
    assert validate_ler_rs(resume["lerRs"]) == []
    ler_rs = _ok(client.get(f"/api/v1/wallet/resumes/{resume['id']}/ler-rs.json", headers=holder))
    assert validate_ler_rs(ler_rs) == []
    signed = _ok(
        client.post(
            f"/api/v1/wallet/resumes/{resume['id']}/presentation",
            json={"challenge": "r-1", "domain": "employer.example"},
            headers=holder,
        )
    )
    assert signed["holder"] == did
    assert _ok(
        client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": signed,
                "options": {"challenge": "r-1", "domain": "employer.example"},
            },
        )
    )["verified"]

    # ---------------------------------------------------------------- share with an employer
    share = _ok(
        client.post(
            "/api/v1/wallet/shares",
            json={
                "credentials": [ldp["id"], imported["id"]],
                "recipient": {"name": "Grace Hopper", "organization": "Employer Ltd"},
                "purpose": "job application",
            },
            headers=holder,
        ),
        201,
    )
    employer = client.get(f"/s/{share['id']}", headers={"Accept": "application/json"})
    shared = _ok(employer)["credentials"]
    assert len(shared) == 2
    kept = {
        c["id"]: _ok(client.get(f"/api/v1/wallet/credentials/{c['id']}", headers=holder))
        for c in credentials
    }
    assert shared == [json.loads(kept[i]["document"]) for i in (ldp["id"], imported["id"])]
    # what each credential lets the holder choose to reveal
    assert kept[ldp["id"]]["selectiveDisclosure"] is None  # eddsa: presented whole
    assert kept[sd_base["id"]]["selectiveDisclosure"]["mechanism"] == "ecdsa-sd-2023"
    assert {"/credentialSubject/role", "/credentialSubject/term"} <= set(
        kept[sd_base["id"]]["selectiveDisclosure"]["disclosable"]
    )
    assert kept[sd_jwt["id"]]["selectiveDisclosure"]["mechanism"] == "sd-jwt"
    assert kept[sd_jwt["id"]]["selectiveDisclosure"]["disclosable"]
    for credential in shared:  # with this instance's verifier, as any employer can
        _verifies_here(client, credential)
    # and offline, with only the issuers' published DID documents (lerkit.core, no service)
    documents = {t.did: _ok(client.get(f"/orgs/{t.slug}/did.json")) for t in (org_a, org_b)}
    offline = VerifyContext(
        resolver=MethodResolver(documents=documents),
        now=datetime.now(UTC),
        status_lists=_PublishedLists(client),
    )
    for credential in shared:
        report = verify_credential(credential, offline)
        assert report.verified, [(c.check, c.status, c.message) for c in report.checks]

    # ---------------------------------------------------------------- OpenID4VP, SD-JWT VC
    compact = kept[sd_jwt["id"]]["document"]
    decoded = sdjwt.decode_sd_jwt(compact)
    hidden = decoded.claims["achievement"]["description"]
    assert hidden
    request = make_request(
        client,
        org_b.headers,
        template="sd-jwt-vc",
        vct=decoded.payload["vct"],
        claims=["achievement.name"],
        purpose="Check the certificate for the analyst job",
    )
    opened = open_in_wallet(client, holder, request["link"])
    [match] = opened["matches"]["credential"]
    assert match["credential"] == sd_jwt["id"]
    assert match["wholeCredential"] is False
    _respond(client, holder, opened)
    view = _ok(client.get(f"/api/v1/presentation-requests/{request['id']}", headers=org_b.headers))
    assert view["status"] == "verified", view
    [disclosed] = view["claims"]["credential"]
    assert disclosed["disclosed"]["achievement"]["name"] == decoded.claims["achievement"]["name"]
    assert "description" not in disclosed["disclosed"]["achievement"]
    stored = _stored_request(services, request["id"])
    assert stored["status"] == "verified"
    assert hidden not in json.dumps(stored)  # never reached the verifier's store

    # ---------------------------------------------------------------- OpenID4VP, ecdsa-sd-2023
    query = {
        "credentials": [
            {
                "id": "lead",
                "format": "ldp_vc",
                "meta": {"type_values": [["OpenBadgeCredential"]]},
                "claims": [{"path": ["credentialSubject", "role"]}],
            }
        ]
    }
    sd_request = make_request(client, org_a.headers, dcql=query, purpose="Leadership check")
    sd_opened = open_in_wallet(client, holder, sd_request["link"])
    [sd_match] = sd_opened["matches"]["lead"]
    assert sd_match["credential"] == sd_base["id"]
    assert sd_match["pointers"] == ["/credentialSubject/role"]
    _respond(client, holder, sd_opened)
    sd_view = _ok(
        client.get(f"/api/v1/presentation-requests/{sd_request['id']}", headers=org_a.headers)
    )
    assert sd_view["status"] == "verified", sd_view
    [lead] = sd_view["claims"]["lead"]
    subject = lead["disclosed"]["credentialSubject"]
    assert subject["role"] == "Team lead"
    for undisclosed in ("creditsEarned", "term"):
        assert undisclosed not in subject
    sd_stored = json.dumps(_stored_request(services, sd_request["id"]))
    assert "Fall 2025" not in sd_stored  # the term was not asked for

    # ---------------------------------------------------------------- the consent ledger
    ledger = _ok(client.get("/api/v1/wallet/consents", headers=holder))["consents"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for record in ledger:
        by_kind.setdefault(record["kind"], []).append(record)
    assert sorted(by_kind) == ["oid4vp", "presentation", "share"]
    [shared_record] = by_kind["share"]
    assert shared_record["recipient"].startswith("Grace Hopper")
    assert shared_record["purpose"] == "job application"
    assert shared_record["active"] is True
    assert sorted(d["credential"] for d in shared_record["disclosed"]) == sorted(
        [ldp["id"], imported["id"]]
    )
    presented = {r["reference"]: r for r in by_kind["oid4vp"]}
    assert presented[opened["id"]]["disclosed"] == [
        {"credential": sd_jwt["id"], "fields": ["/achievement/name"]}
    ]
    assert presented[sd_opened["id"]]["disclosed"] == [
        {"credential": sd_base["id"], "fields": ["/credentialSubject/role"]}
    ]
    [resume_record] = by_kind["presentation"]
    assert resume_record["reference"] == resume["id"]
    assert resume_record["recipient"] == "employer.example"

    # ---------------------------------------------------------------- back up
    with services.database.session() as session:
        before = services.wallet.backups.snapshot(session, holder_id)
    assert before["areas"]["sharing"]["shares"][0]["shareId"] == share["id"]
    archive = client.post("/api/v1/wallet/backup", json={"passphrase": PASSPHRASE}, headers=holder)
    assert archive.status_code == 200
    data = archive.content
    assert EMAIL.encode() not in data
    assert share["id"].encode() not in data

    # ---------------------------------------------------------------- delete the account
    deleted = client.post(
        "/api/v1/wallet/account/delete", json={"password": PASSWORD}, headers=holder
    )
    assert deleted.status_code == 204
    remaining = holder_rows(services, holder_id)
    assert {"shares", "share_views", "resumes", "wallet_credentials"} <= set(remaining)
    assert all(count == 0 for count in remaining.values()), remaining
    assert client.get("/api/v1/wallet/me", headers=holder).status_code == 401
    assert client.get(f"/s/{share['id']}").status_code == 404

    # ---------------------------------------------------------------- restore
    fresh, _ = new_holder(client, email=EMAIL, name="Lee Learner")
    restored = _ok(
        client.post(
            "/api/v1/wallet/restore",
            headers=fresh,
            files={"file": ("wallet.lwb", data, "application/json")},
            data={"passphrase": PASSPHRASE},
        )
    )["restored"]
    assert restored == {
        "keys": 2,  # the default Ed25519 key and the P-256 one OpenID4VCI proofs needed
        "credentials": 4,
        "collections": 1,
        "entries": 1,
        "consents": 4,
        "shares": 1,
        "resumes": 1,
        "profile": 0,
        "talentProfile": 0,  # the market area (no talent profile here)
    }
    new_id = holder_id_of(
        services, _ok(client.get("/api/v1/wallet/me", headers=fresh))["public_id"]
    )
    with services.database.session() as session:
        after = services.wallet.backups.snapshot(session, new_id)
    for part in ("credentials", "collections", "entries", "consents", "areas"):
        assert after[part] == before[part], part  # the round trip is exact
    assert {k["did"] for k in before["keys"]} <= {k["did"] for k in after["keys"]}

    # credentials byte-identical, tags, reports
    for old_id, old in kept.items():
        now = _ok(client.get(f"/api/v1/wallet/credentials/{old_id}", headers=fresh))
        for field in ("document", "tags", "report", "format", "verdict"):
            assert now[field] == old[field], field
    # keys: the old DID is the default again and signs a new presentation that verifies
    again = _ok(client.get("/api/v1/wallet/me", headers=fresh))
    assert again["did"] == did
    with services.database.session() as session:
        key, vm = services.wallet.accounts.signer(session, new_id, did)
        vp = sign_presentation(
            create_presentation([json.loads(kept[ldp["id"]]["document"])], holder=did),
            key,
            verification_method=vm,
            created=datetime.now(UTC),
            challenge="after-restore",
            domain="employer.example",
        )
    assert _ok(
        client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": vp,
                "options": {"challenge": "after-restore", "domain": "employer.example"},
            },
        )
    )["verified"]
    # collections, tags, entries
    [kept_collection] = _ok(client.get("/api/v1/wallet/collections", headers=fresh))
    assert kept_collection["name"] == "Job hunt"
    assert sorted(kept_collection["credentials"]) == sorted([ldp["id"], imported["id"]])
    entries = _ok(client.get("/api/v1/wallet/entries", headers=fresh))
    assert [(e["id"], e["title"], e["verified"]) for e in entries] == [
        (entry["id"], "Become a data engineer", False)
    ]
    # the consent ledger
    assert _ok(client.get("/api/v1/wallet/consents", headers=fresh))["consents"] == ledger
    # the share link works again, with its view log, and still verifies
    [kept_share] = _ok(client.get("/api/v1/wallet/shares", headers=fresh))["shares"]
    assert kept_share["id"] == share["id"]
    assert kept_share["credentials"] == [ldp["id"], imported["id"]]
    assert kept_share["state"] == "active"
    assert kept_share["views"] == 1
    back = _ok(client.get(f"/s/{share['id']}", headers={"Accept": "application/json"}))
    assert back["credentials"] == shared
    for credential in back["credentials"]:
        _verifies_here(client, credential)
    # the résumé, and it is signed again with the restored key
    assert (
        _ok(client.get(f"/api/v1/wallet/resumes/{resume['id']}/ler-rs.json", headers=fresh))
        == ler_rs
    )
    resigned = _ok(
        client.post(
            f"/api/v1/wallet/resumes/{resume['id']}/presentation",
            json={"challenge": "r-2", "domain": "employer.example"},
            headers=fresh,
        )
    )
    assert _ok(
        client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": resigned,
                "options": {"challenge": "r-2", "domain": "employer.example"},
            },
        )
    )["verified"]
    # the selectively disclosable credential still derives for a verifier
    last = make_request(client, org_b.headers, dcql=query, purpose="Leadership, again")
    last_opened = open_in_wallet(client, fresh, last["link"])
    _respond(client, fresh, last_opened)
    last_view = _ok(
        client.get(f"/api/v1/presentation-requests/{last['id']}", headers=org_b.headers)
    )
    assert last_view["status"] == "verified", last_view


def test_the_credential_page_says_what_can_be_disclosed(
    browser: TestClient,  # noqa: F811
    services: Services,
) -> None:
    sign_up(browser, email="sd-page@example.org")
    with services.database.session() as session:
        row = session.scalar(select(Holder).where(Holder.email == "sd-page@example.org"))
        assert row is not None
        holder_id = row.id
        did = services.wallet.accounts.default_key(session, holder_id).did
        kept = services.wallet.store_received(
            session, holder_id, json.dumps(_base_credential(did)), source="file"
        )
        credential_id = kept.public_id
        assert kept.verdict == "valid"
    page = browser.get(f"/wallet/credentials/{credential_id}")
    assert page.status_code == 200, page.text
    assert "Selectively disclosable: you choose what to reveal" in page.text
    for pointer in ("/credentialSubject/role", "/credentialSubject/creditsEarned"):
        assert f"<code>{pointer}</code>" in page.text
    assert f'href="/wallet/shares?credential={credential_id}"' in page.text
    assert f'href="/wallet/resumes?credential={credential_id}"' in page.text
    for form in ("shares", "resumes"):  # the link ticks this credential in the form
        ticked = browser.get(f"/wallet/{form}?credential={credential_id}")
        assert ticked.status_code == 200
        assert f'value="{credential_id}" checked>' in ticked.text
        plain = browser.get(f"/wallet/{form}")
        assert f'value="{credential_id}" checked>' not in plain.text


def test_restoring_while_the_original_account_exists(
    wallet_client: TestClient,  # noqa: F811
    services: Services,
    org_a: Tenant,
) -> None:
    """The share link stays the original account's; the copy gets a new link id (its consent
    record follows), and a second restore adds nothing."""
    client = wallet_client
    first, _ = new_holder(client)
    did = _ok(client.get("/api/v1/wallet/me", headers=first))["did"]
    kept = receive_file(client, first, issue_to(client, org_a.headers, did))
    share = _ok(
        client.post(
            "/api/v1/wallet/shares",
            json={"credentials": [kept["id"]], "recipient": {"name": "ACME"}, "purpose": "job"},
            headers=first,
        ),
        201,
    )
    resume = _ok(
        client.post(
            "/api/v1/wallet/resumes",
            json={"title": "CV", "credentials": [kept["id"]], "entries": []},
            headers=first,
        ),
        201,
    )
    data = client.post(
        "/api/v1/wallet/backup", json={"passphrase": PASSPHRASE}, headers=first
    ).content
    second, _ = new_holder(client)

    def restore() -> dict[str, int]:
        return dict(
            _ok(
                client.post(
                    "/api/v1/wallet/restore",
                    headers=second,
                    files={"file": ("w.lwb", data, "application/json")},
                    data={"passphrase": PASSPHRASE},
                )
            )["restored"]
        )

    counts = restore()
    assert (counts["credentials"], counts["shares"], counts["resumes"]) == (1, 1, 1)
    [copy] = _ok(client.get("/api/v1/wallet/shares", headers=second))["shares"]
    assert copy["id"] != share["id"]
    [original] = _ok(client.get("/api/v1/wallet/shares", headers=first))["shares"]
    assert original["id"] == share["id"]
    [record] = _ok(client.get("/api/v1/wallet/consents", headers=second))["consents"]
    assert record["reference"] == copy["id"]
    [first_record] = _ok(client.get("/api/v1/wallet/consents", headers=first))["consents"]
    assert first_record["reference"] == share["id"]
    # the copy's credential and résumé have ids of their own, and both links work
    assert copy["credentials"] != [kept["id"]]
    [copied_resume] = _ok(client.get("/api/v1/wallet/resumes", headers=second))["resumes"]
    assert copied_resume["id"] != resume["id"]
    for link in (share["id"], copy["id"]):
        opened = client.get(f"/s/{link}", headers={"Accept": "application/json"})
        assert _ok(opened)["credentials"] == [json.loads(kept["document"])]
    assert restore() == dict.fromkeys(counts, 0)


def test_a_backup_with_a_malformed_area_is_refused_whole(
    client: TestClient, services: Services
) -> None:
    headers, public_id = new_holder(client)
    holder_id = holder_id_of(services, public_id)
    with services.database.session() as session:
        snapshot = services.wallet.backups.snapshot(session, holder_id)
    snapshot["entries"] = [{"kind": "goal", "title": "Not restored"}]
    snapshot["areas"] = {"sharing": {"shares": [{"shareId": "x", "views": "nope"}]}}
    archive = encrypt(json.dumps(snapshot).encode(), PASSPHRASE)
    refused = client.post(
        "/api/v1/wallet/restore",
        headers=headers,
        files={"file": ("w.lwb", archive, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "wallet.backup_invalid"
    assert _ok(client.get("/api/v1/wallet/entries", headers=headers)) == []  # nothing half-done


def test_a_selectively_disclosable_credential_is_shared_derived(
    client: TestClient, services: Services
) -> None:
    """Through a link, a PDF or a résumé, an ecdsa-sd-2023 credential is given with a derived
    proof revealing everything: the employer's verifier accepts it, and the base proof (with
    its HMAC key) never leaves the wallet."""
    headers, _ = new_holder(client)
    did = _ok(client.get("/api/v1/wallet/me", headers=headers))["did"]
    base = _base_credential(did)
    kept = receive_file(client, headers, base)
    assert kept["verdict"] == "valid"
    share = _ok(
        client.post(
            "/api/v1/wallet/shares",
            json={"credentials": [kept["id"]], "recipient": {"name": "ACME"}, "purpose": "job"},
            headers=headers,
        ),
        201,
    )
    [given] = _ok(client.get(f"/s/{share['id']}", headers={"Accept": "application/json"}))[
        "credentials"
    ]
    assert given["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    assert given["proof"]["proofValue"] != base["proof"]["proofValue"]
    assert given["credentialSubject"]["term"] == "Fall 2025"  # everything revealed
    assert given["credentialSubject"]["creditsEarned"] == 3
    _verifies_here(client, given)
    refused = client.post("/credentials/verify", json={"verifiableCredential": base})
    assert refused.json()["verified"] is False  # what the wallet keeps is not for verifiers
    assert "sd.base_proof" in refused.text
    page = client.get(f"/s/{share['id']}")
    assert page.text.count('data-verdict="valid"') == 1
    pdf = client.get(f"/s/{share['id']}/c/{kept['id']}.pdf")
    assert pdf.status_code == 200
    attached = PdfReader(io.BytesIO(pdf.content)).attachments["credential.json"][0]
    assert json.loads(attached)["proof"]["proofValue"] == given["proof"]["proofValue"]
    resume = _ok(
        client.post(
            "/api/v1/wallet/resumes",
            json={"title": "Lead", "credentials": [kept["id"]], "entries": []},
            headers=headers,
        ),
        201,
    )
    vp = _ok(
        client.post(
            f"/api/v1/wallet/resumes/{resume['id']}/presentation",
            json={"challenge": "c", "domain": "acme.example"},
            headers=headers,
        )
    )
    assert base["proof"]["proofValue"] not in json.dumps(vp)
    verified = _ok(
        client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": vp,
                "options": {"challenge": "c", "domain": "acme.example"},
            },
        )
    )
    assert verified["verified"] is True, verified
