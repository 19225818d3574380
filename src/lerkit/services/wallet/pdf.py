"""PDFs a holder hands to people: one credential (with a QR code that leads to its live
verification) and a résumé. Drawn with reportlab; the machine-readable original (the
credential exactly as stored, the LER-RS JSON) is attached to the PDF as an embedded file
(pypdf), so software can take it out and verify it itself.

The QR code is segno's (error correction M, 4 px modules, 4-module quiet zone) as a PNG
image: any phone camera opens the verification URL.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import segno
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table

QR_SCALE = 4
QR_BORDER = 4

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "credential": "Verifiable credential",
        "issuer": "Issued by",
        "issuer_id": "Issuer identifier",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
        "no_expiry": "does not expire",
        "id": "Credential identifier",
        "verify": "Scan or open this link to check it now, online:",
        "attached": "The credential itself (JSON, exactly as issued) is attached to this PDF as "
        "“{name}”: verification software can check its signature.",
        "resume": "Résumé",
        "verified": "verified credential",
        "unverified": "self-asserted, not verified",
        "resume_attached": "The LER-RS résumé (JSON) is attached to this PDF as “{name}”.",
        "skills": "Skills",
        "education": "Education and learning",
        "employment": "Experience",
        "certifications": "Certifications and licences",
        "narratives": "About",
    },
    "fr": {
        "credential": "Attestation vérifiable",
        "issuer": "Délivrée par",
        "issuer_id": "Identifiant de l’émetteur",
        "valid_from": "Valide depuis le",
        "valid_until": "Valide jusqu’au",
        "no_expiry": "n’expire pas",
        "id": "Identifiant de l’attestation",
        "verify": "Scannez ou ouvrez ce lien pour la vérifier maintenant, en ligne :",
        "attached": "L’attestation elle-même (JSON, telle que délivrée) est jointe à ce PDF sous "
        "le nom « {name} » : un logiciel de vérification peut contrôler sa signature.",
        "resume": "Curriculum vitæ",
        "verified": "attestation vérifiée",
        "unverified": "déclaré par la personne, non vérifié",
        "resume_attached": "Le CV au format LER-RS (JSON) est joint à ce PDF "
        "sous le nom « {name} ».",
        "skills": "Compétences",
        "education": "Formation",
        "employment": "Expérience",
        "certifications": "Certifications et licences",
        "narratives": "À propos",
    },
}


@dataclass(frozen=True)
class ResumeLine:
    section: str  # skills | education | employment | certifications | narratives
    title: str
    detail: str
    verified: bool


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": sheet["Title"],
        "h2": sheet["Heading2"],
        "body": sheet["BodyText"],
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8, leading=10),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _with_attachment(pdf: bytes, name: str, data: bytes, title: str, subject: str) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    writer.append(reader)
    writer.add_attachment(name, data)
    writer.add_metadata({"/Title": title, "/Subject": subject, "/Producer": "lerkit"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def credential_pdf(
    description: dict[str, Any],
    *,
    verify_url: str,
    document: str,
    lang: str = "en",
) -> bytes:
    """One credential on one page: name, issuer, dates, identifier, a QR code of
    ``verify_url``, and ``document`` (exactly as stored) attached as ``credential.json``
    (or ``credential.jwt`` for a compact JWS / SD-JWT)."""
    t = LABELS.get(lang, LABELS["en"])
    s = _styles()
    attachment = "credential.json" if document.lstrip().startswith("{") else "credential.jwt"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=str(description.get("name") or ""), author="lerkit"
    )
    rows = [
        [t["issuer"], description.get("issuerName") or description.get("issuerId") or ""],
        [t["issuer_id"], description.get("issuerId") or ""],
        [t["valid_from"], str(description.get("validFrom") or "")],
        [t["valid_until"], str(description.get("validUntil") or t["no_expiry"])],
        [t["id"], str(description.get("id") or "")],
    ]
    qr = Image(io.BytesIO(qr_png(verify_url)), width=45 * mm, height=45 * mm)
    story: list[Any] = [
        _p(t["credential"], s["small"]),
        _p(str(description.get("name") or ""), s["title"]),
    ]
    if description.get("description"):
        story.append(_p(str(description["description"]), s["body"]))
    story += [
        Spacer(1, 6 * mm),
        Table(
            [[_p(k, s["small"]), _p(v, s["body"])] for k, v in rows],
            colWidths=[45 * mm, 120 * mm],
            hAlign="LEFT",
        ),
        Spacer(1, 8 * mm),
        _p(t["verify"], s["body"]),
        qr,
        Paragraph(f'<link href="{escape(verify_url)}">{escape(verify_url)}</link>', s["small"]),
        Spacer(1, 6 * mm),
        _p(t["attached"].format(name=attachment), s["small"]),
    ]
    doc.build(story)
    return _with_attachment(
        buffer.getvalue(),
        attachment,
        document.encode("utf-8"),
        str(description.get("name") or "credential"),
        verify_url,
    )


def resume_pdf(
    *,
    name: str,
    headline: str,
    lines: Sequence[ResumeLine],
    ler_rs_json: bytes,
    lang: str = "en",
) -> bytes:
    """A résumé: each entry says whether it is a verified credential or self-asserted; the
    LER-RS JSON is attached as ``resume.json``."""
    t = LABELS.get(lang, LABELS["en"])
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=name, author=name)
    story: list[Any] = [_p(t["resume"], s["small"]), _p(name, s["title"])]
    if headline:
        story.append(_p(headline, s["body"]))
    for section in ("narratives", "employment", "education", "certifications", "skills"):
        entries = [line for line in lines if line.section == section]
        if not entries:
            continue
        story.append(_p(t[section], s["h2"]))
        for line in entries:
            mark = t["verified"] if line.verified else t["unverified"]
            story.append(
                Paragraph(f"<b>{escape(line.title)}</b> — <i>{escape(mark)}</i>", s["body"])
            )
            if line.detail:
                story.append(_p(line.detail, s["small"]))
    story += [Spacer(1, 6 * mm), _p(t["resume_attached"].format(name="resume.json"), s["small"])]
    doc.build(story)
    return _with_attachment(buffer.getvalue(), "resume.json", ler_rs_json, name, t["resume"])
