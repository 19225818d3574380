"""The W3C Verifiable Credentials envelope: contexts, dates, issuer, types, structural rules.

Only structure is checked here (VC Data Model 2.0, and 1.1 for older credentials). Proofs,
status, validity against a clock and JSON Schema live elsewhere; JSON-LD well-formedness is
:func:`lerkit.core.jsonld.canonicalize`'s job.

Errors: :func:`parse_datetime` and :func:`format_datetime` raise
:class:`~lerkit.core.errors.InputError` with code ``validity.malformed``; :func:`issuer_id`
raises it with ``issuer.malformed``; :func:`credential_types` with ``credential.malformed``.
:func:`basic_shape_errors` never raises: it lists what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lerkit.core.errors import InputError, ProblemCode

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
"""First ``@context`` item of every VC Data Model 2.0 document."""

VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
"""First ``@context`` item of a VC Data Model 1.1 document."""

VERIFIABLE_CREDENTIAL = "VerifiableCredential"

_DATETIME_STAMP = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?P<fraction>\.\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})"
)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


def format_datetime(dt: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, microseconds dropped. Naive datetimes are refused."""
    if not isinstance(dt, datetime):
        raise InputError("expected a datetime", ProblemCode.VALIDITY_MALFORMED)
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InputError(
            "naive datetime refused: pass a timezone-aware datetime (UTC)",
            ProblemCode.VALIDITY_MALFORMED,
        )
    u = dt.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def parse_datetime(text: str) -> datetime:
    """Parse an XML Schema ``dateTimeStamp`` (offset required) into an aware UTC datetime.

    Accepts ``Z`` or ``±hh:mm`` offsets and any number of fractional-second digits (kept to
    the microsecond, extra digits truncated) and the end-of-day form ``24:00:00``. Anything
    else raises :class:`InputError` with code ``validity.malformed``.
    """
    if not isinstance(text, str):
        raise InputError("date-time must be a string", ProblemCode.VALIDITY_MALFORMED)
    match = _DATETIME_STAMP.fullmatch(text)
    if match is None:
        raise InputError(
            f"{text!r} is not an XML Schema dateTimeStamp (YYYY-MM-DDThh:mm:ss[.s]Z or ±hh:mm)",
            ProblemCode.VALIDITY_MALFORMED,
        )
    g = match.groupdict()
    fraction = g["fraction"] or ""
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    hour = int(g["hour"])
    end_of_day = hour == 24
    try:
        tz = _offset(g["tz"])
        if end_of_day:
            if g["minute"] != "00" or g["second"] != "00" or micro or fraction.strip(".0"):
                raise ValueError("24:00:00 is the only time allowed with hour 24")
            hour = 0
        value = datetime(
            int(g["year"]),
            int(g["month"]),
            int(g["day"]),
            hour,
            int(g["minute"]),
            int(g["second"]),
            micro,
            tzinfo=tz,
        )
        if end_of_day:
            value += timedelta(days=1)
        return value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InputError(
            f"{text!r} is not a valid date-time: {exc}", ProblemCode.VALIDITY_MALFORMED
        ) from exc


def _offset(tz: str) -> timezone:
    if tz == "Z":
        return UTC
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        raise ValueError(f"time zone offset {tz} out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if tz[0] == "-" else delta)


def is_url(value: Any) -> bool:
    """True for an absolute URI: a scheme, a colon, no whitespace (``https:``, ``did:``)."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def issuer_id(credential: Mapping[str, Any]) -> str:
    """The issuer's id: ``issuer`` itself when a string, else ``issuer.id``."""
    issuer = credential.get("issuer")
    if isinstance(issuer, str) and issuer:
        return issuer
    if isinstance(issuer, Mapping):
        ident = issuer.get("id")
        if isinstance(ident, str) and ident:
            return ident
    raise InputError("issuer must be a URL or an object with an id", ProblemCode.ISSUER_MALFORMED)


def credential_types(doc: Mapping[str, Any]) -> list[str]:
    """The ``type`` values of ``doc`` as a list (a single string becomes a one-item list).

    A missing ``type`` gives ``[]``; a ``type`` that is not a string or list of strings raises.
    """
    value = doc.get("type")
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InputError("type must be a string or a list of strings", ProblemCode.CREDENTIAL_MALFORMED)


def contexts(doc: Mapping[str, Any]) -> list[Any]:
    """``@context`` as a list (a single value becomes a one-item list; missing gives ``[]``)."""
    value = doc.get("@context")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def is_v2(doc: Mapping[str, Any]) -> bool:
    """True when the first ``@context`` item is the VC Data Model 2.0 context."""
    ctx = contexts(doc)
    return bool(ctx) and ctx[0] == VC_V2_CONTEXT


def is_v1(doc: Mapping[str, Any]) -> bool:
    """True when the first ``@context`` item is the VC Data Model 1.1 context."""
    ctx = contexts(doc)
    return bool(ctx) and ctx[0] == VC_V1_CONTEXT


def as_list(value: Any) -> list[Any]:
    """JSON-LD set semantics: ``None`` -> ``[]``, a list as is, anything else -> ``[value]``."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def basic_shape_errors(credential: Any) -> list[str]:
    """Structural problems of a credential under VC Data Model 2.0 (or 1.1 when its first
    context is the 1.1 one), each as ``"<property>: <what is wrong>"``. Empty = well formed.

    Checked: ``@context`` first item; ``type`` includes ``VerifiableCredential``; ``id`` is a
    URL when present; ``issuer`` present and a URL (or object with an ``id`` URL);
    ``credentialSubject`` present (object or non-empty list of objects); dates are
    dateTimeStamps and ``validFrom <= validUntil``; 2.0 documents do not use
    ``issuanceDate``/``expirationDate`` (their context does not define them), 1.1 documents
    have ``issuanceDate``; ``credentialStatus``/``credentialSchema``/``evidence``/
    ``termsOfUse``/``refreshService`` entries are objects with a ``type`` (and the ``id``
    the data model requires).
    """
    if not isinstance(credential, Mapping):
        return ["credential: must be a JSON object"]
    errors: list[str] = []
    ctx = contexts(credential)
    v2 = bool(ctx) and ctx[0] == VC_V2_CONTEXT
    v1 = bool(ctx) and ctx[0] == VC_V1_CONTEXT
    if not ctx:
        errors.append("@context: missing")
    elif not (v1 or v2):
        errors.append(f"@context: first item must be {VC_V2_CONTEXT} (or {VC_V1_CONTEXT} for 1.1)")
    for i, item in enumerate(ctx[1:], start=1):
        if not (is_url(item) or isinstance(item, Mapping)):
            errors.append(f"@context[{i}]: must be a URL or an object")

    try:
        types = credential_types(credential)
    except InputError:
        errors.append("type: must be a string or a list of strings")
    else:
        if VERIFIABLE_CREDENTIAL not in types:
            errors.append(f"type: must include {VERIFIABLE_CREDENTIAL}")

    if "id" in credential and not is_url(credential["id"]):
        errors.append("id: must be a URL")

    if "issuer" not in credential:
        errors.append("issuer: missing")
    else:
        issuer = credential["issuer"]
        ident = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        if not is_url(ident):
            errors.append("issuer: must be a URL or an object whose id is a URL")

    if "credentialSubject" not in credential:
        errors.append("credentialSubject: missing")
    else:
        subjects = credential["credentialSubject"]
        items = subjects if isinstance(subjects, list) else [subjects]
        if not items or not all(isinstance(s, Mapping) for s in items):
            errors.append("credentialSubject: must be an object or a non-empty list of objects")

    errors.extend(_date_errors(credential, v1=v1, v2=v2))
    errors.extend(_typed_entry_errors(credential, v1=v1))
    return errors


def _parse_field(credential: Mapping[str, Any], name: str, errors: list[str]) -> datetime | None:
    if name not in credential:
        return None
    try:
        return parse_datetime(credential[name])
    except InputError as exc:
        errors.append(f"{name}: {exc.message}")
        return None


def _date_errors(credential: Mapping[str, Any], *, v1: bool, v2: bool) -> list[str]:
    errors: list[str] = []
    if v2:
        for legacy in ("issuanceDate", "expirationDate"):
            if legacy in credential:
                errors.append(f"{legacy}: not part of VC Data Model 2.0 (use validFrom/validUntil)")
    if v1 and "issuanceDate" not in credential:
        errors.append("issuanceDate: required by VC Data Model 1.1")
    start = _parse_field(credential, "validFrom", errors)
    end = _parse_field(credential, "validUntil", errors)
    if start is not None and end is not None and start > end:
        errors.append("validUntil: must not be before validFrom")
    if v1:
        _parse_field(credential, "issuanceDate", errors)
        _parse_field(credential, "expirationDate", errors)
    return errors


# property -> whether each entry also needs an ``id`` (v2, v1)
_TYPED_ENTRIES: dict[str, tuple[bool, bool]] = {
    "credentialStatus": (False, True),
    "credentialSchema": (True, True),
    "evidence": (False, False),
    "termsOfUse": (False, False),
    "refreshService": (False, True),
}


def _typed_entry_errors(credential: Mapping[str, Any], *, v1: bool) -> list[str]:
    errors: list[str] = []
    for name, (needs_id_v2, needs_id_v1) in _TYPED_ENTRIES.items():
        if name not in credential:
            continue
        entries = credential[name]
        items = entries if isinstance(entries, list) else [entries]
        for i, entry in enumerate(items):
            where = f"{name}[{i}]" if isinstance(entries, list) else name
            if not isinstance(entry, Mapping):
                errors.append(f"{where}: must be an object")
                continue
            if not entry.get("type"):
                errors.append(f"{where}: type is required")
            if (needs_id_v1 if v1 else needs_id_v2) and not is_url(entry.get("id")):
                errors.append(f"{where}: id must be a URL")
    return errors
