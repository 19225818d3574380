"""Share links, the consent ledger, PDFs and résumés as services, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from pypdf import PdfReader

from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core.multibase import b64url_decode
from lerkit.db.models_sharing import ShareView
from lerkit.db.session import Database
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.wallet.pdf import QR_BORDER, QR_SCALE, credential_pdf
from lerkit.services.wallet.resume import LER_RS_TYPE, SELF_ASSERTED, Entry, validate_ler_rs
from lerkit.services.wallet.sharing import ShareGone, SharingService, client_hint
from sharing_support import WalletHolder, issued, keep, new_holder, tenant

PUBLIC_URL = "https://wallet.test"


@pytest.fixture
def services(tmp_path: Path, db: Database) -> Iterator[Services]:
    wired = build_services(
        Settings(data_dir=tmp_path, database_url=db.url, public_url=PUBLIC_URL), db
    )
    yield wired
    wired.close()


@pytest.fixture
def two(services: Services) -> tuple[WalletHolder, list[str]]:
    org = tenant(services)
    holder = new_holder(services)
    ids = [
        keep(services, holder, issued(services, org, name).document)
        for name in ("Data Analysis Fundamentals", "Project Management Basics")
    ]
    return holder, ids


def test_share_open_log_and_consent(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    sharing = services.sharing
    with services.database.session() as session:
        share = sharing.shares.create(
            session,
            holder.holder_id,
            ids,
            recipient_name="Grace Hopper",
            recipient_email="grace@employer.example",
            recipient_organization="Employer Ltd",
            purpose="job application",
        )
        share_id = share.share_id
    assert len(b64url_decode(share_id)) == 24  # 192 bits of capability
    with services.database.session() as session:
        opened = sharing.shares.open(
            session,
            share_id,
            kind="page",
            user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0",
        )
        assert [c.public_id for c in opened.credentials] == ids
        assert opened.holder_name == "Ada Lovelace"
    with services.database.session() as session:
        views = sharing.shares.views(session, holder.holder_id, share_id)
        assert [(v.kind, v.client_hint) for v in views] == [("page", "Chrome on Linux")]
        assert "." not in views[0].client_hint  # no IP, no version
        entries = sharing.consent.entries(session, holder.holder_id)
        assert len(entries) == 1
        entry = entries[0]
        assert entry.kind == "share"
        assert entry.ongoing
        assert entry.reference == share_id
        assert "Grace Hopper" in entry.recipient
        assert "Employer Ltd" in entry.recipient
        assert entry.purpose == "job application"
        assert entry.disclosed == [{"credential": i, "fields": ["*"]} for i in ids]


def test_every_credential_verifies_live(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    with services.database.session() as session:
        share_id = services.sharing.shares.create(
            session, holder.holder_id, ids, recipient_name="Grace"
        ).share_id
    with services.database.session() as session:
        opened = services.sharing.shares.open(session, share_id, kind="json", user_agent=None)
    verifier = services.verifier()
    for credential in opened.credentials:
        report = SharingService.verify_live(verifier, credential)
        assert report is not None
        assert report.verified, report.to_json()


def test_revoking_the_link_withdraws_its_consent(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    sharing = services.sharing
    with services.database.session() as session:
        share_id = sharing.shares.create(
            session, holder.holder_id, ids[:1], recipient_name="G"
        ).share_id
    with services.database.session() as session:
        sharing.shares.revoke(session, holder.holder_id, share_id)
    with services.database.session() as session:
        with pytest.raises(ShareGone) as gone:
            sharing.shares.open(session, share_id, kind="page", user_agent=None)
        assert gone.value.reason == "revoked"
        assert gone.value.status == 410
        (entry,) = sharing.consent.entries(session, holder.holder_id)
        assert entry.withdrawn_at is not None


def test_withdrawing_the_consent_revokes_the_link(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    sharing = services.sharing
    with services.database.session() as session:
        share = sharing.shares.create(session, holder.holder_id, ids, recipient_name="G")
        share_id, consent_id = share.share_id, share.consent_id
    with services.database.session() as session:
        sharing.consent.withdraw(session, holder.holder_id, consent_id)
    with services.database.session() as session:
        assert sharing.shares.get(session, holder.holder_id, share_id).revoked_at is not None
        with pytest.raises(ShareGone):
            sharing.shares.open(session, share_id, kind="page", user_agent=None)


def test_expired_link_is_gone_and_logs_nothing(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    now = [datetime.now(UTC)]
    assert services.wallet_base is not None
    shares = SharingService(
        services.wallet_base.consent, lambda: now[0], __import__("os").urandom, PUBLIC_URL
    )
    with services.database.session() as session:
        share_id = shares.create(
            session,
            holder.holder_id,
            ids,
            recipient_name="G",
            expires_at=now[0] + timedelta(days=1),
        ).share_id
    now[0] += timedelta(days=1, seconds=1)
    with services.database.session() as session:
        with pytest.raises(ShareGone) as gone:
            shares.open(session, share_id, kind="page", user_agent=None)
        assert gone.value.reason == "expired"
        assert shares.views(session, holder.holder_id, share_id) == []
        assert session.query(ShareView).count() == 0


def test_bad_shares_are_refused(services: Services, two: tuple[WalletHolder, list[str]]) -> None:
    holder, ids = two
    other = new_holder(services, "Eve")
    sharing = services.sharing
    now = datetime.now(UTC)
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"recipient_name": "  "}, ValidationError),
        ({"recipient_name": "G", "recipient_email": "not-an-email"}, ValidationError),
        ({"recipient_name": "G", "expires_at": now - timedelta(minutes=1)}, ValidationError),
        ({"recipient_name": "G", "expires_at": now + timedelta(days=400)}, ValidationError),
        ({"recipient_name": "G", "expires_at": datetime(2030, 1, 1)}, ValidationError),
    ]
    for kwargs, error in cases:
        with services.database.session() as session, pytest.raises(error):
            sharing.shares.create(session, holder.holder_id, ids, **kwargs)
    with services.database.session() as session, pytest.raises(ValidationError):
        sharing.shares.create(session, holder.holder_id, [], recipient_name="G")
    # another holder can neither share these credentials nor see or revoke the share
    with services.database.session() as session, pytest.raises(NotFoundError):
        sharing.shares.create(session, other.holder_id, ids, recipient_name="G")
    with services.database.session() as session:
        share_id = sharing.shares.create(
            session, holder.holder_id, ids, recipient_name="G"
        ).share_id
    for call in (sharing.shares.get, sharing.shares.revoke, sharing.shares.views):
        with services.database.session() as session, pytest.raises(NotFoundError):
            call(session, other.holder_id, share_id)
    with services.database.session() as session:
        assert sharing.shares.for_holder(session, other.holder_id) == []
        assert sharing.consent.entries(session, other.holder_id) == []
        (consent,) = sharing.consent.entries(session, holder.holder_id)
        with pytest.raises(NotFoundError):
            sharing.consent.withdraw(session, other.holder_id, consent.public_id)
    for bad in ("", "x" * 32 + "!", "../etc/passwd", share_id[:-1]):
        with services.database.session() as session, pytest.raises(NotFoundError):
            sharing.shares.open(session, bad, kind="page", user_agent=None)


def test_one_off_disclosures_cannot_be_withdrawn(services: Services) -> None:
    holder = new_holder(services)
    assert services.wallet_base is not None
    ledger = services.wallet_base.consent
    with services.database.session() as session:
        row = ledger.record(
            session,
            holder.holder_id,
            kind="oid4vp",
            recipient="did:web:verifier.example",
            purpose="age check",
            disclosed=[{"credential": "abc", "fields": ["$.credentialSubject.age_over_18"]}],
        )
        public_id = row.public_id
    with services.database.session() as session, pytest.raises(ConflictError):
        ledger.withdraw(session, holder.holder_id, public_id)


def test_linkedin_link_uses_the_documented_parameters(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    with services.database.session() as session:
        share_id = services.sharing.shares.create(
            session, holder.holder_id, ids[:1], recipient_name="G"
        ).share_id
    with services.database.session() as session:
        opened = services.sharing.shares.open(session, share_id, kind="page", user_agent=None)
        url = services.sharing.shares.linkedin_url(opened.share, opened.credentials[0])
        document = json.loads(opened.credentials[0].document)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    issued_at = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Data Analysis Fundamentals",
        "organizationName": "Organization ORG-A",
        "issueYear": str(issued_at.year),
        "issueMonth": str(issued_at.month),
        "certUrl": f"{PUBLIC_URL}/s/{share_id}",
        "certId": document["id"],
    }


def _dark(pixel: Any) -> bool:
    return isinstance(pixel, int) and pixel < 128


def _qr_matrix(png: bytes) -> list[list[bool]]:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // QR_SCALE - 2 * QR_BORDER
    return [
        [
            _dark(image.getpixel(((QR_BORDER + x) * QR_SCALE + 1, (QR_BORDER + y) * QR_SCALE + 1)))
            for x in range(size)
        ]
        for y in range(size)
    ]


def test_credential_pdf_has_text_qr_and_the_credential_attached(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    holder, ids = two
    with services.database.session() as session:
        share_id = services.sharing.shares.create(
            session, holder.holder_id, ids[:1], recipient_name="G"
        ).share_id
    with services.database.session() as session:
        opened = services.sharing.shares.open(session, share_id, kind="pdf", user_agent=None)
    credential = opened.credentials[0]
    url = f"{PUBLIC_URL}/s/{share_id}"
    for lang, label in (("en", "Issued by"), ("fr", "Délivrée par")):
        pdf = credential_pdf(
            credential.describe(), verify_url=url, document=credential.document, lang=lang
        )
        reader = PdfReader(io.BytesIO(pdf))
        text = "\n".join(page.extract_text() for page in reader.pages)
        for expected in ("Data Analysis Fundamentals", "Organization ORG-A", label, url):
            assert expected in text, (expected, text)
        assert reader.attachments == {"credential.json": [credential.document.encode("utf-8")]}
        images = [img for page in reader.pages for img in page.images]
        assert len(images) == 1
        matrix = _qr_matrix(images[0].data)
        expected_matrix = [[bool(m) for m in row] for row in segno.make(url, error="m").matrix]
        assert matrix == expected_matrix


def test_client_hints_are_coarse() -> None:
    assert client_hint(None) == "unknown"
    assert client_hint("curl/8.5.0") == "software (curl)"
    assert client_hint("python-httpx/0.28.1") == "software (python)"
    assert (
        client_hint(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
        )
        == "Firefox on Windows"
    )
    assert (
        client_hint(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        )
        == "Safari on iOS"
    )
    assert client_hint("Googlebot/2.1 (+http://www.google.com/bot.html)") == "bot (unknown OS)"


# ----------------------------------------------------------------------------- résumés


def test_resume_validates_marks_self_asserted_and_signs(services: Services) -> None:
    org = tenant(services)
    holder = new_holder(services)
    degree = keep(
        services,
        holder,
        issued(services, org, "BSc Computing", achievement_type="BachelorDegree").document,
    )
    badge = keep(
        services,
        holder,
        issued(
            services,
            org,
            "SQL Badge",
            alignment=[
                {
                    "targetName": "SQL",
                    "targetUrl": "https://example.org/skills/sql",
                }
            ],
        ).document,
    )
    entries = [
        Entry("skill", "Public speaking"),
        Entry("employment", "Data analyst", organization="Acme", start="2021-01", end="2023-06"),
        Entry("education", "Evening classes in statistics", organization="City College"),
        Entry("certification", "First aid", organization="Red Cross", start="2022-05-01"),
        Entry("narrative", "About me", description="I like clean data."),
    ]
    resumes = services.sharing.resumes
    with services.database.session() as session:
        resume = resumes.compose(
            session,
            holder.holder_id,
            title="Data jobs",
            credential_ids=[degree, badge],
            entries=entries,
            headline="Data analyst",
            email=holder.email,
        )
        document = resume.document
        public_id = resume.public_id
    assert validate_ler_rs(document) == []
    assert document["type"] == LER_RS_TYPE
    assert document["person"]["name"]["formattedName"] == "Ada Lovelace"
    # the degree goes to education, the badge to certifications, each with the credential
    (verified_edu,) = [e for e in document["educationAndLearnings"] if "verifications" in e]
    embedded = verified_edu["verifications"][0]["otherW3CVerifiableCredential"]
    assert embedded["credentialSubject"]["achievement"]["name"] == "BSc Computing"
    (verified_cert,) = [c for c in document["certifications"] if "verifications" in c]
    assert verified_cert["verifications"][0]["otherW3CVerifiableCredential"]["name"] or True
    # self-asserted entries carry no verification and say so
    skills = {s["name"]: s for s in document["skills"]}
    assert "verifications" in skills["SQL"]
    assert "verifications" not in skills["Public speaking"]
    assert SELF_ASSERTED in skills["Public speaking"]["comments"]
    (job,) = document["employmentHistories"]
    assert job["organization"]["name"] == "Acme"
    assert SELF_ASSERTED in job["positionHistories"][0]["descriptions"]
    (first_aid,) = [c for c in document["certifications"] if c.get("name") == "First aid"]
    assert "verifications" not in first_aid
    assert SELF_ASSERTED in first_aid["descriptions"]

    # a broken document does not validate
    assert validate_ler_rs({**document, "type": "http://example.org/other"}) != []
    assert validate_ler_rs({**document, "skills": [{"name": 3}]}) != []

    with services.database.session() as session:
        resume = resumes.get(session, holder.holder_id, public_id)
        pdf = resumes.pdf(session, resume, "en")
        vp = resumes.presentation(session, resume, challenge="c-123", domain="employer.example")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "BSc Computing" in text
    assert "Public speaking" in text
    assert "self-asserted, not verified" in text
    assert "verified credential" in text
    assert json.loads(reader.attachments["resume.json"][0]) == document

    assert isinstance(vp, dict)
    assert vp["holder"] == holder.did
    assert len(vp["verifiableCredential"]) == 3  # the résumé itself, then the two credentials
    report = services.verifier().verify_presentation(
        vp, challenge="c-123", domain="employer.example"
    )
    assert report.verified, report.to_json()
    assert all(r.verified for r in report.credentials)
    wrong = services.verifier().verify_presentation(
        vp, challenge="other", domain="employer.example"
    )
    assert not wrong.verified


def test_resume_refuses_bad_input(services: Services) -> None:
    holder = new_holder(services)
    other = new_holder(services, "Eve")
    org = tenant(services)
    mine = keep(services, holder, issued(services, org).document)
    resumes = services.sharing.resumes
    with services.database.session() as session, pytest.raises(NotFoundError):
        resumes.compose(session, other.holder_id, title="x", credential_ids=[mine], entries=[])
    with services.database.session() as session, pytest.raises(ValidationError):
        resumes.compose(
            session, holder.holder_id, title="x", credential_ids=[], entries=[Entry("hobby", "x")]
        )
    with services.database.session() as session:
        public_id = resumes.compose(
            session, holder.holder_id, title="x", credential_ids=[mine], entries=[]
        ).public_id
    with services.database.session() as session, pytest.raises(NotFoundError):
        resumes.get(session, other.holder_id, public_id)


def test_erasing_a_holder_erases_their_shares_views_resumes_and_grants(
    services: Services, two: tuple[WalletHolder, list[str]]
) -> None:
    from sqlalchemy import func, select

    from lerkit.db.models import Base
    from lerkit.db.models_wallet import Holder

    holder, ids = two
    with services.database.session() as session:
        share_id = services.sharing.shares.create(
            session, holder.holder_id, ids, recipient_name="G"
        ).share_id
        services.sharing.resumes.compose(
            session, holder.holder_id, title="r", credential_ids=ids, entries=[]
        )
    with services.database.session() as session:
        services.sharing.shares.open(session, share_id, kind="page", user_agent=None)
    mine = [
        t
        for t in Base.metadata.sorted_tables
        if "holder_id" in t.c
        and t.name in ("shares", "share_items", "share_views", "resumes", "consent_records")
    ]
    assert len(mine) == 5
    with services.database.session() as session:
        for table in mine:
            count = session.scalar(
                select(func.count()).select_from(table).where(table.c.holder_id == holder.holder_id)
            )
            assert count, table.name
        session.delete(session.get(Holder, holder.holder_id))
    with services.database.session() as session:
        for table in mine:
            count = session.scalar(
                select(func.count()).select_from(table).where(table.c.holder_id == holder.holder_id)
            )
            assert count == 0, table.name
        with pytest.raises(NotFoundError):
            services.sharing.shares.open(session, share_id, kind="page", user_agent=None)
