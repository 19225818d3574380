"""What a received document is: its format, the credential inside, and its summary.

Pure functions over the bytes a holder received (no I/O): :func:`detect` tells the format
(``ldp_vc``: JSON-LD with Data Integrity, also CLR 2.0; ``jwt_vc``: a compact JWS VC-JOSE;
``sd_jwt_vc``: an SD-JWT VC; ``ob2``: an Open Badges 2.0 assertion) and unbakes PNG/SVG
images first; :func:`summarize` derives what lists and searches show.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from lerkit.core import jose
from lerkit.core.baking import sniff_media, unbake
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.jsonvalue import parse_json
from lerkit.core.multibase import b64url_decode
from lerkit.core.types import JsonObject

LDP_VC, JWT_VC, SD_JWT_VC, OB2 = "ldp_vc", "jwt_vc", "sd_jwt_vc", "ob2"
FORMATS = (LDP_VC, JWT_VC, SD_JWT_VC, OB2)
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_SD_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+~([A-Za-z0-9_.~-]*)$")


@dataclass(frozen=True)
class Received:
    """A document as the wallet keeps it.

    ``text`` is stored exactly (for baked images: the credential carried by the image);
    ``value`` is what verifiers take (a JSON object or the compact token); ``media`` the
    image type it came in, if any; ``hosted_url`` an OB 2.0 baked URL.
    """

    format: str
    text: str
    value: JsonObject | str
    media: str | None = None
    hosted_url: str | None = None

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def _malformed(message: str) -> InputError:
    return InputError(message, ProblemCode.CREDENTIAL_MALFORMED)


def detect(document: str | bytes) -> Received:
    """The format and credential of ``document``; InputError when it is none of them."""
    if isinstance(document, bytes):
        if len(document) > 10 * MAX_DOCUMENT_BYTES:
            raise InputError("the file is too large", ProblemCode.IMAGE_TOO_LARGE)
        media = sniff_media(document)
        if media is not None:
            return _from_image(document, media)
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed("the file is not UTF-8 text, a PNG nor an SVG image") from exc
    if len(document.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise _malformed(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    text = document.strip().lstrip("\ufeff").strip()
    if not text:
        raise _malformed("the document is empty")
    if text.startswith("<"):
        return _from_image(text.encode("utf-8"), "svg")
    if text.startswith('"') and text.endswith('"'):
        inner = parse_json(text)
        if isinstance(inner, str):
            text = inner.strip()
    if "~" in text and _SD_JWT.match(text):
        return Received(SD_JWT_VC, text, text)
    if _JWS.match(text):
        _check_jws(text)
        return Received(JWT_VC, text, text)
    if not text.startswith("{"):
        raise _malformed(
            "the document is not a credential: expected JSON-LD, a compact JWS (VC-JWT), "
            "an SD-JWT VC, an Open Badges 2.0 assertion or a baked PNG/SVG image"
        )
    value = parse_json(text)
    if not isinstance(value, dict):
        raise _malformed("the document must be a JSON object")
    return Received(_json_format(value), document.strip().lstrip("\ufeff"), value)


def _check_jws(token: str) -> None:
    try:
        jose.decode_unverified(token)
    except LerkitError as exc:
        raise _malformed(f"the token is not a JWT: {exc}") from exc


def _json_format(value: JsonObject) -> str:
    contexts = value.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    types = _as_list(value.get("type"))
    if OB2_CONTEXT in context_list or "Assertion" in types:
        return OB2
    if (
        not any(isinstance(t, str) and t.endswith("Credential") for t in types)
        and "VerifiableCredential" not in types
    ):
        raise _malformed(
            "the JSON document is not a verifiable credential (no VerifiableCredential type) "
            "nor an Open Badges 2.0 assertion"
        )
    return LDP_VC


def _from_image(data: bytes, media: str) -> Received:
    found = unbake(data)
    value = found.value
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
        fmt = OB2 if found.kind == "ob2" else _json_format(value)
        return Received(fmt, text, value, media=media)
    if found.form == "url":
        return Received(OB2, value, value, media=media, hosted_url=value)
    if found.kind == "ob2":
        return Received(OB2, value, value, media=media)  # a signed OB 2.0 assertion (JWS)
    return Received(JWT_VC, value, value, media=media)


# ------------------------------------------------------------------------------ summaries


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    """A plain string from a string or a language map / value object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("@value"), str):
            return str(value["@value"])
        for key in ("en", "en-US", "fr"):
            if isinstance(value.get(key), str):
                return str(value[key])
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _skills(alignments: Any) -> list[dict[str, Any]]:
    out = []
    for item in _as_list(alignments):
        if isinstance(item, dict) and (item.get("targetName") or item.get("targetUrl")):
            out.append(
                {
                    "targetName": _text(item.get("targetName")),
                    "targetUrl": item.get("targetUrl")
                    if isinstance(item.get("targetUrl"), str)
                    else None,
                    "targetFramework": _text(item.get("targetFramework")),
                    "targetCode": _text(item.get("targetCode")),
                }
            )
    return out


def jwt_payload_credential(token: str) -> JsonObject:
    """The credential a VC-JWT carries (VC-JOSE 2.0 payload, or the v1.1 ``vc`` claim)."""
    try:
        _header, payload = jose.decode_unverified(token)
    except LerkitError:
        return {}
    vc = payload.get("vc")
    if isinstance(vc, dict):
        merged = dict(vc)
        if "iss" in payload and "issuer" not in merged:
            merged["issuer"] = payload["iss"]
        return merged
    return dict(payload)


def sd_jwt_claims(token: str) -> JsonObject:
    """The issuer-signed claims and every disclosed claim of an SD-JWT (not verified)."""
    parts = token.split("~")
    try:
        _header, payload = jose.decode_unverified(parts[0])
    except LerkitError:
        return {}
    claims = {k: v for k, v in payload.items() if k not in ("_sd", "_sd_alg")}
    for encoded in parts[1:]:
        if not encoded or "." in encoded:
            continue
        try:
            disclosure = json.loads(b64url_decode(encoded))
        except (ValueError, LerkitError):
            continue
        if isinstance(disclosure, list) and len(disclosure) == 3 and isinstance(disclosure[1], str):
            claims.setdefault(disclosure[1], disclosure[2])
    return claims


def _epoch(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        from datetime import UTC, datetime

        try:
            return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            return None
    return None


def credential_json(received: Received) -> JsonObject:
    """The credential's JSON (decoded, not verified) for summaries and presentations."""
    if received.format == JWT_VC and isinstance(received.value, str):
        return jwt_payload_credential(received.value)
    if received.format == SD_JWT_VC and isinstance(received.value, str):
        return sd_jwt_claims(received.value)
    if isinstance(received.value, dict):
        return received.value
    return {}


def summarize(received: Received, *, issuer_verified: bool) -> JsonObject:
    """What lists show: types, issuer (id, name — ``nameClaimed`` unless verified), name,
    description, achievement, validity, subject id, skills (OB 3.0 alignments)."""
    doc = credential_json(received)
    if received.format == SD_JWT_VC:
        return _summary_sd_jwt(doc, issuer_verified)
    if received.format == OB2:
        return _summary_ob2(doc, received, issuer_verified)
    types = [t for t in _as_list(doc.get("type")) if isinstance(t, str)]
    issuer = doc.get("issuer")
    subjects = [s for s in _as_list(doc.get("credentialSubject")) if isinstance(s, dict)]
    subject = subjects[0] if subjects else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    skills = _skills(achievement.get("alignment"))
    achievements: list[str] = []
    for inner in _as_list(subject.get("verifiableCredential")):  # CLR 2.0
        inner_doc = inner if isinstance(inner, dict) else {}
        for inner_subject in _as_list(inner_doc.get("credentialSubject")):
            if isinstance(inner_subject, dict) and isinstance(
                inner_subject.get("achievement"), dict
            ):
                inner_achievement = inner_subject["achievement"]
                name = _text(inner_achievement.get("name"))
                if name:
                    achievements.append(name)
                skills.extend(_skills(inner_achievement.get("alignment")))
    for association in _as_list(subject.get("association")):
        _ = association  # CLR associations do not change the summary
    name = _text(doc.get("name")) or _text(achievement.get("name")) or (types[-1] if types else "")
    image = _id_of(achievement.get("image")) or _id_of(doc.get("image"))
    summary: JsonObject = {
        "types": types,
        "issuer": _issuer(
            _id_of(issuer),
            _text(issuer.get("name")) if isinstance(issuer, dict) else None,
            issuer_verified,
        ),
        "name": name,
        "description": _text(doc.get("description")) or _text(achievement.get("description")),
        "achievement": {
            "id": _id_of(achievement),
            "name": _text(achievement.get("name")),
            "achievementType": achievement.get("achievementType")
            if isinstance(achievement.get("achievementType"), str)
            else None,
            "criteria": _text(achievement.get("criteria", {}).get("narrative"))
            if isinstance(achievement.get("criteria"), dict)
            else None,
        }
        if achievement
        else None,
        "validFrom": _string(doc.get("validFrom")) or _string(doc.get("issuanceDate")),
        "validUntil": _string(doc.get("validUntil")) or _string(doc.get("expirationDate")),
        "subject_id": _id_of(subject) if subject else None,
        "skills": _unique(skills),
        "image": image if image and len(image) < 4096 else None,
    }
    if achievements:
        summary["achievements"] = achievements
    if received.media:
        summary["bakedIn"] = received.media
    return summary


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _unique(skills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for skill in skills:
        key = json.dumps(skill, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(skill)
    return out


def _issuer(issuer_id: str | None, name: str | None, verified: bool) -> JsonObject:
    out: JsonObject = {"id": issuer_id, "name": name, "verified": verified}
    if name is not None and not verified:
        out["nameClaimed"] = True  # the name is what the document says, not verified
    return out


def _summary_sd_jwt(claims: JsonObject, issuer_verified: bool) -> JsonObject:
    vct = claims.get("vct") if isinstance(claims.get("vct"), str) else None
    name = _text(claims.get("name")) or _text(claims.get("achievement_name")) or vct or "SD-JWT VC"
    issuer_name = _text(claims.get("issuer_name"))
    return {
        "types": [vct] if vct else [],
        "issuer": _issuer(_string(claims.get("iss")), issuer_name, issuer_verified),
        "name": name,
        "description": _text(claims.get("description")),
        "achievement": None,
        "validFrom": _epoch(claims.get("nbf")) or _epoch(claims.get("iat")),
        "validUntil": _epoch(claims.get("exp")),
        "subject_id": _string(claims.get("sub")),
        "skills": [],
        "image": None,
    }


def _summary_ob2(doc: JsonObject, received: Received, issuer_verified: bool) -> JsonObject:
    badge = doc.get("badge")
    badge = badge if isinstance(badge, dict) else {}
    issuer = badge.get("issuer")
    recipient = doc.get("recipient")
    identity = recipient.get("identity") if isinstance(recipient, dict) else None
    summary: JsonObject = {
        "types": ["Assertion"],
        "issuer": _issuer(
            _id_of(issuer),
            _text(issuer.get("name")) if isinstance(issuer, dict) else None,
            issuer_verified,
        ),
        "name": _text(badge.get("name")) or ("Open Badges 2.0 assertion"),
        "description": _text(badge.get("description")),
        "achievement": {"id": _id_of(badge), "name": _text(badge.get("name"))} if badge else None,
        "validFrom": _string(doc.get("issuedOn")),
        "validUntil": _string(doc.get("expires")),
        "subject_id": identity
        if isinstance(identity, str) and isinstance(recipient, dict) and not recipient.get("hashed")
        else None,
        "skills": _unique(_skills(badge.get("alignment"))),
        "image": _id_of(badge.get("image")) or _id_of(doc.get("image")),
    }
    if received.hosted_url:
        summary["hostedUrl"] = received.hosted_url
    if received.media:
        summary["bakedIn"] = received.media
    return summary


def search_text(summary: JsonObject) -> str:
    """The words a text search matches (lower-cased)."""
    parts: list[str] = []
    for key in ("name", "description"):
        if isinstance(summary.get(key), str):
            parts.append(summary[key])
    issuer = summary.get("issuer")
    if isinstance(issuer, dict):
        parts.extend(str(issuer.get(k) or "") for k in ("id", "name"))
    parts.extend(str(t) for t in _as_list(summary.get("types")))
    for skill in _as_list(summary.get("skills")):
        if isinstance(skill, dict):
            parts.extend(str(skill.get(k) or "") for k in ("targetName", "targetCode"))
    parts.extend(str(a) for a in _as_list(summary.get("achievements")))
    achievement = summary.get("achievement")
    if isinstance(achievement, dict):
        parts.extend(str(achievement.get(k) or "") for k in ("name", "criteria"))
    return " ".join(parts).lower()


def selective_disclosure(format_: str, document: str) -> JsonObject | None:
    """What the holder can choose to reveal of a kept credential, or None when it can only
    be presented whole: ``{"mechanism": "ecdsa-sd-2023" | "sd-jwt", "disclosable": [JSON
    pointers]}`` (an ecdsa-sd-2023 base proof's non-mandatory statements; an SD-JWT's
    disclosures)."""
    from lerkit.core import sdjwt
    from lerkit.core.suites import ecdsa_sd_2023

    try:
        if format_ == LDP_VC:
            value = json.loads(document)
            if not isinstance(value, dict):
                return None
            ecdsa_sd_2023.find_base_proof(value)
            pointers = ecdsa_sd_2023.disclosable_pointers(value)
            return {"mechanism": ecdsa_sd_2023.NAME, "disclosable": pointers}
        if format_ == SD_JWT_VC:
            decoded = sdjwt.decode_sd_jwt(document)
            return {"mechanism": "sd-jwt", "disclosable": [p for p, _ in decoded.disclosures]}
    except (LerkitError, ValueError):
        return None
    return None
