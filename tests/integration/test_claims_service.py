"""Claim links on SQLite and PostgreSQL, emailed through a REAL SMTP server (aiosmtpd).

``smtp_server`` (a Controller on 127.0.0.1, a free port) and ``claim_url_of`` are used by
the API and browser suites too.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from api.conftest import make_tenant
from api.test_vcapi import ACHIEVEMENT
from lerkit.adapters.mail import SmtpMailer
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from lerkit.services.claims import (
    ClaimGone,
    ClaimService,
    InMemoryMailer,
    Mailer,
    MailError,
    OutgoingEmail,
)
from lerkit.services.errors import ConflictError, NotFoundError
from lerkit.web import Templates

PUBLIC_URL = "https://lerkit.test"


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: str | None = None  # e.g. "550 no such user"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def smtp_mailer(port: int) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, sender="badges@lerkit.test", starttls=False, timeout=5)


def bodies(message: Message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if part.get_content_type() == "text/plain":
            text = payload.decode(part.get_content_charset() or "utf-8")
        elif part.get_content_type() == "text/html":
            html = payload.decode(part.get_content_charset() or "utf-8")
    return text, html


def claim_url_of(message: Message) -> str:
    text, html = bodies(message)
    found = re.search(r"https?://\S+/claim/[A-Za-z0-9_-]+", text)
    assert found, text
    assert found.group(0) in html
    return found.group(0)


def rewire_claims(
    services: Services, mailer: Mailer | None, sleeps: list[float] | None = None
) -> ClaimService:
    assert services.oid4vci is not None
    services.claims = ClaimService(
        services.database,
        oid4vci=services.oid4vci,
        mailer=mailer,
        templates=Templates(),
        audit=services.audit,
        clock=services.clock,
        entropy=__import__("os").urandom,
        public_url=services.settings.public_url,
        sleep=(sleeps.append if sleeps is not None else lambda _s: None),
        lcw_link=services.exchanges.lcw_request_for_offer if services.exchanges else None,
    )
    return services.claims


@pytest.fixture
def wired(tmp_path: Path, db: Database) -> Iterator[Services]:
    services = build_services(
        Settings(data_dir=tmp_path, database_url=db.url, public_url=PUBLIC_URL), db
    )
    yield services
    services.close()


def issue(services: Services) -> tuple[Any, str]:
    tenant = make_tenant(services, "org-a")
    achievement = services.achievements.create(tenant.actor, ACHIEVEMENT)
    record = services.issuance.issue(tenant.actor, achievement.public_id, "ada@example.org")
    return tenant, record.credential_id


# ----------------------------------------------------------------------------- the Mailer


@pytest.mark.network
@pytest.mark.parametrize("kind", ["memory", "smtp"])
def test_mailer_conformance(kind: str, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    memory = InMemoryMailer()
    mailer: Mailer = memory if kind == "memory" else smtp_mailer(port)
    message = OutgoingEmail("ada@example.org", "Héllo", "text body", "<p>html body</p>")

    message_id = mailer.send(message)

    assert message_id.startswith("<")
    received = memory.sent if kind == "memory" else [m["Subject"] for m in inbox.messages]
    assert len(received) == 1
    if kind == "smtp":
        got = inbox.messages[0]
        assert got["To"] == "ada@example.org"
        assert got["Subject"] == "Héllo"
        text, html = bodies(got)
        assert (text.strip(), html.strip()) == ("text body", "<p>html body</p>")
        inbox.refuse = "550 5.1.1 no such user"
        with pytest.raises(MailError) as refused:
            mailer.send(message)
        assert refused.value.permanent


def test_smtp_unreachable_is_temporary() -> None:
    with pytest.raises(MailError) as failed:
        smtp_mailer(free_port()).send(OutgoingEmail("a@b.example", "s", "t", "<p>h</p>"))
    assert not failed.value.permanent
    assert "password" not in repr(SmtpMailer("h", sender="a@b.c", password="s3cret")).lower()
    assert "s3cret" not in repr(Settings(smtp_password="s3cret"))


# ----------------------------------------------------------------------------- claim links


@pytest.mark.network
def test_claim_link_is_emailed_through_smtp(
    wired: Services, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    claims = rewire_claims(wired, smtp_mailer(port))
    tenant, credential_id = issue(wired)

    record = claims.create_for_credential(tenant.actor, credential_id, "Ada@Example.org", "fr")

    assert record.state == "sent"
    assert record.deliveries[0]["attempts"][0]["outcome"] == "sent"
    (message,) = inbox.messages
    assert message["To"] == "ada@example.org"
    assert "Data Analysis Fundamentals" in message["Subject"]
    assert "décerné" in message["Subject"]
    url = claim_url_of(message)
    token = url.rsplit("/", 1)[1]
    view = claims.view(token)
    assert view.lang == "fr"
    assert view.achievement_name == "Data Analysis Fundamentals"
    assert view.offer_uri is not None
    assert view.offer_uri.startswith("openid-credential-offer://")
    assert view.has_credential
    assert claims.credential(token)[1].startswith("{")
    assert claims.badge_png(token).startswith(b"\x89PNG")


def test_retries_with_backoff_then_sent(wired: Services) -> None:
    sleeps: list[float] = []
    mailer = InMemoryMailer(failures=[MailError("421 busy"), MailError("timeout")])
    claims = rewire_claims(wired, mailer, sleeps)
    tenant, credential_id = issue(wired)

    record = claims.create_for_credential(tenant.actor, credential_id, "ada@example.org")

    assert record.state == "sent"
    outcomes = [a["outcome"] for a in record.deliveries[0]["attempts"]]
    assert outcomes == ["error", "error", "sent"]
    assert sleeps == [0.5, 1.0]
    assert len(mailer.sent) == 1


def test_retries_are_bounded_and_permanent_failure_is_a_bounce(wired: Services) -> None:
    sleeps: list[float] = []
    mailer = InMemoryMailer(failures=[MailError("timeout")] * 5)
    claims = rewire_claims(wired, mailer, sleeps)
    tenant, credential_id = issue(wired)

    failed = claims.create_for_credential(tenant.actor, credential_id, "ada@example.org")
    assert failed.state == "failed"
    assert len(failed.deliveries[0]["attempts"]) == 3

    mailer.failures = [MailError("550 no such user", permanent=True)]
    bounced = claims.resend(tenant.actor, failed.public_id)
    assert bounced.state == "bounced"
    assert len(bounced.deliveries) == 2
    assert len(bounced.deliveries[1]["attempts"]) == 1


def test_no_smtp_server_is_recorded_as_failed(wired: Services) -> None:
    claims = rewire_claims(wired, None)
    tenant, credential_id = issue(wired)
    record = claims.create_for_credential(tenant.actor, credential_id, "ada@example.org")
    assert record.state == "failed"
    assert "LERKIT_SMTP_HOST" in (record.deliveries[0]["detail"] or "")


def test_resend_revoke_bounce_expire(wired: Services) -> None:
    mailer = InMemoryMailer()
    claims = rewire_claims(wired, mailer)
    tenant, credential_id = issue(wired)
    record = claims.create_for_credential(tenant.actor, credential_id, "ada@example.org")
    first = mailer.sent[0].text.split("/claim/")[1].split()[0]

    resent = claims.resend(tenant.actor, record.public_id)
    second = mailer.sent[1].text.split("/claim/")[1].split()[0]
    assert resent.state == "sent"
    assert first != second
    with pytest.raises(NotFoundError):
        claims.view(first)  # the old link no longer works
    assert claims.view(second).achievement_name == "Data Analysis Fundamentals"

    assert claims.bounce(tenant.actor, record.public_id, "mailbox full").state == "bounced"

    real_clock = claims._clock
    claims._clock = lambda: real_clock() + timedelta(days=31)
    with pytest.raises(ClaimGone) as expired:
        claims.view(second)
    assert expired.value.reason == "expired"
    claims._clock = real_clock

    claims.revoke(tenant.actor, record.public_id)
    with pytest.raises(ClaimGone) as revoked:
        claims.view(second)
    assert revoked.value.reason == "revoked"
    with pytest.raises(ConflictError):
        claims.resend(tenant.actor, record.public_id)


def test_another_tenant_cannot_see_the_link(wired: Services) -> None:
    claims = rewire_claims(wired, InMemoryMailer())
    tenant, credential_id = issue(wired)
    record = claims.create_for_credential(tenant.actor, credential_id, "ada@example.org")
    other = make_tenant(wired, "org-b")
    for call in (claims.get, claims.resend, claims.revoke):
        with pytest.raises(NotFoundError):
            call(other.actor, record.public_id)
