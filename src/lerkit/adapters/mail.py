"""SMTP delivery of lerkit's emails (the ``Mailer`` of :mod:`lerkit.services.claims`).

Each ``send`` opens one connection (STARTTLS and login when configured), sends a
multipart/alternative message (text and HTML) and closes it. SMTP errors become
``MailError``: a 5xx reply is permanent (``permanent=True``: do not retry), anything else
(4xx, connection refused, timeout) temporary. The password is never logged.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from lerkit.services.claims import MailError, OutgoingEmail


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        sender: str,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._user = user
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def __repr__(self) -> str:  # never the password
        return f"SmtpMailer({self._host!r}, {self._port}, user={self._user!r})"

    def send(self, message: OutgoingEmail) -> str:
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        message_id = make_msgid(domain=self._sender.rpartition("@")[2] or "localhost")
        email["Message-ID"] = message_id
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._user:
                    smtp.login(self._user, self._password or "")
                refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            raise MailError(
                f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raw = exc.smtp_error
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            raise MailError(f"SMTP {exc.smtp_code} {text}", permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"could not reach the SMTP server: {type(exc).__name__}") from exc
        if refused:
            raise MailError(f"recipient refused: {sorted(refused)}", permanent=True)
        return message_id
