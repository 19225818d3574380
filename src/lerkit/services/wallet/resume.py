"""Verifiable résumés: an HR Open LER-RS 4.4 document composed from credentials the holder
chose and entries they assert themselves, validated against the bundled LER-RS schema, as
JSON, as a PDF, and signed as a Verifiable Presentation with the holder's key.

Where each credential goes in LER-RS: achievement types of schooling (degrees, diplomas,
courses, learning programs) go to ``educationAndLearnings``, everything else to
``certifications``; each as a ``Verifiable*`` entry whose ``verifications`` embed the
credential (an OB 3.0 JSON credential under ``otherW3CVerifiableCredential``; a compact JWS as
an ``EnvelopedVerifiableCredential``). Skills the credentials align to become ``skills`` with
a ``Verification`` reference to the credential.

Self-asserted entries (skills, experience, education, certifications, an "about" text) use
LER-RS's plain (non-verifiable) types: they carry no ``verifications``, and their comments or
descriptions say "Self-asserted (not verified)". The PDF says so beside each entry.

The signed presentation (``holder`` = the holder's DID, proof purpose ``authentication``)
embeds the chosen credentials unchanged and, first, the résumé itself as a credential the
holder issues about themselves (``credentialSubject.lerRs``; context
``https://www.w3.org/ns/credentials/undefined-terms/v2`` maps the LER-RS terms).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core.errors import ProblemCode
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.issuer import issue
from lerkit.core.types import JsonObject
from lerkit.db.models_sharing import Resume
from lerkit.db.models_wallet import Holder, WalletCredential
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.wallet.accounts import HolderAccounts
from lerkit.services.wallet.consent import ConsentLedger
from lerkit.services.wallet.pdf import ResumeLine, resume_pdf
from lerkit.services.wallet.sharing import SharedCredential

LER_RS_TYPE = "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/LER-RSType.json"
_BASE = "https://www.hropenstandards.org/"
_ROOT = _BASE + "recruiting/json/LER-RSType.json"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
SELF_ASSERTED = "Self-asserted (not verified)"
EDUCATION_TYPES = {
    "AssociateDegree",
    "BachelorDegree",
    "Course",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "GeneralEducationDevelopment",
    "LearningProgram",
    "MasterDegree",
    "ProfessionalDoctorate",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
}
ENTRY_KINDS = ("skill", "employment", "education", "certification", "narrative")
MAX_ENTRIES = 100


class ResumeInvalid(ValidationError):
    default_code = ProblemCode.RESUME_INVALID


@dataclass(frozen=True)
class Entry:
    """One self-asserted entry."""

    kind: str
    title: str
    organization: str | None = None
    description: str | None = None
    start: str | None = None  # YYYY-MM-DD or YYYY-MM
    end: str | None = None


def _walk(root: Traversable, prefix: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in root.iterdir():
        if entry.is_dir():
            found |= _walk(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".json"):
            found[prefix + entry.name] = json.loads(entry.read_text("utf-8"))
    return found


@cache
def _validator() -> Draft4Validator:
    root = resources.files("lerkit.core").joinpath("schemas", "hropen")
    schemas = _walk(root, _BASE)
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(doc, default_specification=DRAFT4))
        for uri, doc in schemas.items()
    )
    return Draft4Validator({"$ref": _ROOT}, registry=registry)


def validate_ler_rs(document: Any) -> list[str]:
    """Problems of ``document`` against the LER-RS 4.4 schema (empty: valid), offline."""
    validator = _validator()
    errors = list(validator.iter_errors(document))
    if not errors:
        return []
    best = best_match(errors)
    path = "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in best.path)
    others = [
        f"{'$' + ''.join(f'.{p}' for p in e.path)}: {e.message[:200]}"
        for e in errors
        if e is not best
    ]
    return [f"{path}: {best.message[:300]}", *others[:9]]


def _ym(value: str | None) -> str | None:
    if not value:
        return None
    return value[:10]


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {k: v for k, v in entry.__dict__.items() if v is not None}


class ResumeService:
    def __init__(
        self,
        accounts: HolderAccounts,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
        consent: ConsentLedger | None = None,
    ) -> None:
        self._accounts = accounts
        self._consent = consent  # a signed résumé is a presentation: it goes in the ledger
        self._clock = clock
        self._entropy = entropy
        self._public_url = public_url.rstrip("/")

    # -- storage
    def compose(
        self,
        session: Session,
        holder_id: int,
        *,
        title: str,
        credential_ids: list[str],
        entries: list[Entry],
        name: str | None = None,
        headline: str | None = None,
        email: str | None = None,
    ) -> Resume:
        """Compose, validate and keep a résumé (ValidationError if it would not validate)."""
        if len(entries) > MAX_ENTRIES:
            raise ValidationError(f"at most {MAX_ENTRIES} self-asserted entries")
        for position, entry in enumerate(entries):
            if entry.kind not in ENTRY_KINDS or not entry.title.strip():
                raise ValidationError(
                    "each entry needs a kind (" + ", ".join(ENTRY_KINDS) + ") and a title",
                    [{"field": f"entries.{position}", "message": "kind and title"}],
                )
        holder = session.get(Holder, holder_id)
        if holder is None:
            raise NotFoundError("no such holder")
        ids = list(dict.fromkeys(credential_ids))
        rows = self._credentials(session, holder_id, ids)
        inputs = {
            "name": (name or holder.display_name).strip()[:200],
            "headline": (headline or "").strip()[:500],
            "email": (email or "").strip()[:320] or None,
            "credentials": ids,
            "entries": [_entry_json(e) for e in entries],
        }
        document = self._ler_rs(inputs, rows)
        problems = validate_ler_rs(document)
        if problems:
            raise ResumeInvalid(
                "the résumé does not validate against LER-RS 4.4: " + problems[0],
                [{"field": "resume", "message": p} for p in problems],
            )
        now = self._clock()
        resume = Resume(
            holder_id=holder_id,
            public_id=self._entropy(16).hex(),
            title=(title.strip() or "Résumé")[:200],
            inputs=inputs,
            document=document,
            created_at=now,
            updated_at=now,
        )
        session.add(resume)
        session.flush()
        return resume

    def _credentials(
        self, session: Session, holder_id: int, public_ids: list[str]
    ) -> list[WalletCredential]:
        if not public_ids:
            return []
        found = {
            row.public_id: row
            for row in session.scalars(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder_id,
                    WalletCredential.public_id.in_(public_ids),
                )
            )
        }
        missing = [p for p in public_ids if p not in found]
        if missing:
            raise NotFoundError(f"no such credential in this wallet: {missing[0]}")
        return [found[p] for p in public_ids]

    def for_holder(self, session: Session, holder_id: int) -> list[Resume]:
        return list(
            session.scalars(
                select(Resume)
                .where(Resume.holder_id == holder_id)
                .order_by(Resume.created_at.desc(), Resume.id.desc())
            )
        )

    def get(self, session: Session, holder_id: int, public_id: str) -> Resume:
        row = session.scalar(
            select(Resume).where(Resume.holder_id == holder_id, Resume.public_id == public_id)
        )
        if row is None:
            raise NotFoundError("no such résumé")
        return row

    def delete(self, session: Session, holder_id: int, public_id: str) -> None:
        session.delete(self.get(session, holder_id, public_id))

    # -- the LER-RS document
    def _ler_rs(self, inputs: dict[str, Any], rows: list[WalletCredential]) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": LER_RS_TYPE,
            "person": {"name": {"formattedName": inputs["name"]}},
        }
        if inputs.get("email"):
            doc["communication"] = {"email": [{"address": inputs["email"]}]}
        narratives: list[dict[str, Any]] = []
        if inputs.get("headline"):
            narratives.append({"name": "headline", "texts": [{"lines": [inputs["headline"]]}]})
        certifications: list[dict[str, Any]] = []
        education: list[dict[str, Any]] = []
        employment: list[dict[str, Any]] = []
        skills: list[dict[str, Any]] = []
        seen_skills: set[str] = set()
        for row in rows:
            shared = SharedCredential.of(row)
            parsed = shared.parsed()
            described = shared.describe()
            if isinstance(parsed, dict):
                verification: dict[str, Any] = {"otherW3CVerifiableCredential": parsed}
            else:
                media = "application/vc+sd-jwt" if "~" in parsed else "application/vc+jwt"
                verification = {
                    "otherW3CVerifiableCredential": {
                        "@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": "EnvelopedVerifiableCredential",
                        "id": f"data:{media},{parsed}",
                    }
                }
            entry = {"verifications": [verification]}
            if described.get("achievementType") in EDUCATION_TYPES:
                education.append(entry)
            else:
                certifications.append(entry)
            reference = row.credential_id or f"urn:lerkit:wallet-credential:{row.public_id}"
            for skill in (row.summary or {}).get("skills") or []:
                label = skill.get("targetName") if isinstance(skill, dict) else None
                if not isinstance(label, str) or not label or label.lower() in seen_skills:
                    continue
                seen_skills.add(label.lower())
                item: dict[str, Any] = {
                    "name": label[:200],
                    "verifications": [{"Verification": {"reference": reference}}],
                }
                if isinstance(skill.get("targetUrl"), str):
                    item["definitionReference"] = {"reference": skill["targetUrl"]}
                skills.append(item)
        for raw in inputs["entries"]:
            entry_in = Entry(**raw)
            note = [SELF_ASSERTED] + ([entry_in.description] if entry_in.description else [])
            if entry_in.kind == "skill":
                if entry_in.title.lower() in seen_skills:
                    continue
                seen_skills.add(entry_in.title.lower())
                skills.append({"name": entry_in.title, "comments": note})
            elif entry_in.kind == "narrative":
                narratives.append(
                    {
                        "name": entry_in.title,
                        "texts": [{"name": SELF_ASSERTED, "lines": [entry_in.description or ""]}],
                    }
                )
            elif entry_in.kind == "certification":
                cert: dict[str, Any] = {
                    "name": entry_in.title,
                    "issuingAuthority": {"name": entry_in.organization or "—"},
                    "descriptions": note,
                }
                if _ym(entry_in.start):
                    cert["issued"] = _ym(entry_in.start)
                certifications.append(cert)
            elif entry_in.kind == "education":
                education.append(
                    {
                        "institution": {"name": entry_in.organization or "—"},
                        "programs": [entry_in.title, *note],
                    }
                )
            elif entry_in.kind == "employment":
                position: dict[str, Any] = {"title": entry_in.title, "descriptions": note}
                if _ym(entry_in.start):
                    position["start"] = _ym(entry_in.start)
                if _ym(entry_in.end):
                    position["end"] = _ym(entry_in.end)
                employment.append(
                    {
                        "organization": {"name": entry_in.organization or "—"},
                        "positionHistories": [position],
                    }
                )
        for key, value in (
            ("narratives", narratives),
            ("certifications", certifications),
            ("educationAndLearnings", education),
            ("employmentHistories", employment),
            ("skills", skills),
        ):
            if value:
                doc[key] = value
        return doc

    # -- outputs
    def lines(self, session: Session, resume: Resume) -> list[ResumeLine]:
        """The résumé as lines for people: credentials first (verified), then the holder's
        own entries (marked self-asserted)."""
        out: list[ResumeLine] = []
        rows = self._credentials(session, resume.holder_id, list(resume.inputs["credentials"]))
        for row in rows:
            d = SharedCredential.of(row).describe()
            section = (
                "education" if d.get("achievementType") in EDUCATION_TYPES else "certifications"
            )
            detail = ", ".join(
                p
                for p in (
                    d.get("issuerName") or d.get("issuerId"),
                    str(d.get("validFrom") or "")[:10],
                )
                if p
            )
            out.append(ResumeLine(section, d["name"], detail, True))
            for skill in (row.summary or {}).get("skills") or []:
                if isinstance(skill, dict) and isinstance(skill.get("targetName"), str):
                    out.append(ResumeLine("skills", skill["targetName"], d["name"], True))
        for raw in resume.inputs["entries"]:
            entry = Entry(**raw)
            section = {
                "skill": "skills",
                "employment": "employment",
                "education": "education",
                "certification": "certifications",
                "narrative": "narratives",
            }[entry.kind]
            detail = " · ".join(
                p
                for p in (
                    entry.organization,
                    "–".join(x for x in (entry.start, entry.end) if x),
                    entry.description,
                )
                if p
            )
            out.append(ResumeLine(section, entry.title, detail, False))
        return out

    def pdf(self, session: Session, resume: Resume, lang: str = "en") -> bytes:
        return resume_pdf(
            name=resume.inputs["name"],
            headline=resume.inputs.get("headline") or "",
            lines=self.lines(session, resume),
            ler_rs_json=json.dumps(resume.document, ensure_ascii=False, indent=2).encode("utf-8"),
            lang=lang,
        )

    def presentation(
        self,
        session: Session,
        resume: Resume,
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> JsonObject | str:
        """The résumé as a Verifiable Presentation signed with the holder's default key:
        a self-issued credential carrying the LER-RS document, then the chosen credentials."""
        key, verification_method = self._accounts.signer(session, resume.holder_id)
        did = verification_method.split("#", 1)[0]
        now = self._clock()
        self_issued: JsonObject = {
            "@context": ["https://www.w3.org/ns/credentials/v2", UNDEFINED_TERMS],
            "id": f"urn:uuid:{_uuid(self._entropy(16))}",
            "type": ["VerifiableCredential"],
            "issuer": did,
            "name": resume.title,
            "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {"id": did, "lerRs": _without_ids(resume.document)},
        }
        signed_resume = issue(
            self_issued, key, verification_method=verification_method, created=now
        )
        rows = self._credentials(session, resume.holder_id, list(resume.inputs["credentials"]))
        credentials: list[JsonObject | str] = [signed_resume]
        for row in rows:
            credentials.append(SharedCredential.of(row).parsed())
        vp = create_presentation(
            credentials, holder=did, presentation_id=f"urn:uuid:{_uuid(self._entropy(16))}"
        )
        signed = sign_presentation(
            vp,
            key,
            verification_method=verification_method,
            created=now,
            challenge=challenge,
            domain=domain,
        )
        if self._consent is not None:
            self._consent.record(
                session,
                resume.holder_id,
                kind="presentation",
                recipient=domain or "whoever the holder gives it to (no domain named)",
                purpose=f"résumé: {resume.title}",
                disclosed=[{"credential": row.public_id, "fields": ["*"]} for row in rows],
                reference=resume.public_id,
            )
        return signed


def _uuid(raw: bytes) -> str:
    import uuid

    return str(uuid.UUID(bytes=raw[:16], version=4))


def _without_ids(value: Any) -> Any:
    """The LER-RS document without embedded credentials (the presentation carries them
    signed), so that JSON-LD reads it with the undefined-terms context."""
    if isinstance(value, dict):
        return {
            k: _without_ids(v)
            for k, v in value.items()
            if k not in ("otherW3CVerifiableCredential", "id", "@context")
        }
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value
