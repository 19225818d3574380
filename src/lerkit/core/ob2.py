"""Open Badges 2.0 assertions: hosted and signed verification (pure: I/O passed in).

OB 2.0 predates verifiable credentials. An assertion is trusted either because the issuer
*hosts* it (the copy at the assertion's own ``id`` is the authoritative one, and that ``id``
lies within the issuer's verification scope) or because it is a *signed* JWS whose key the
issuer's profile lists. lerkit reports both in the usual :class:`VerificationReport`
(format ``ob2``):

- syntax: the assertion, its BadgeClass and issuer Profile have the members OB 2.0 requires;
- proof: hosted — the document at ``id`` is this assertion (a copy given that differs from
  the hosted one fails, ``assertion.not_hosted``); signed — the JWS verifies with the key at
  ``verification.creator`` (RS256, ES256, EdDSA);
- issuer: hosted — ``id`` is on the issuer's origin, or within its ``verification``
  policy (``allowedOrigins``, ``startsWith``); signed — the key's ``owner`` is the issuer
  and the issuer's ``publicKey`` lists it;
- holder: the recipient (``identity``, plain or ``sha256$``/``md5$`` hashed with ``salt``)
  matches the identity given, if any;
- validity: ``issuedOn`` / ``expires``;
- status: ``revoked`` on the hosted assertion (or HTTP 410), the issuer's
  ``revocationList`` for signed ones.

``fetch(url)`` returns the JSON at a URL or raises a :class:`LerkitError`
(``fetch.failed`` and friends mean "could not check").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from lerkit.core.errors import InputError, LerkitError, ProblemCode, could_not_check
from lerkit.core.report import Check, CheckResult, CheckStatus, VerificationReport
from lerkit.core.types import JsonObject

S = CheckStatus
Fetch = Callable[[str], Any]

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def _r(
    check: Check, status: CheckStatus, message: str, code: ProblemCode | None = None
) -> CheckResult:
    return CheckResult(check, status, message, code)


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _types(doc: JsonObject) -> set[str]:
    t = doc.get("type", [])
    if isinstance(t, str):
        return {t}
    return {x for x in t if isinstance(x, str)} if isinstance(t, list) else set()


def looks_like_ob2(value: object) -> bool:
    """True for a JSON object that is an OB 2.0 assertion (context or type says so)."""
    if not isinstance(value, dict):
        return False
    ctx = value.get("@context")
    contexts = ctx if isinstance(ctx, list) else [ctx]
    if any(isinstance(c, str) and c.rstrip("/").startswith(OB2_CONTEXT) for c in contexts):
        return "Assertion" in _types(value) or "badge" in value
    return "Assertion" in _types(value) and "badge" in value and "recipient" in value


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_signed(token: str) -> tuple[JsonObject, JsonObject]:
    """``(header, payload)`` of a signed OB 2.0 assertion (compact JWS), unverified."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise InputError("a signed badge is a compact JWS (three parts)", ProblemCode.OB2_MALFORMED)
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"the signed badge is not readable: {exc}", ProblemCode.OB2_MALFORMED
        ) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise InputError(
            "the signed badge's header and payload must be JSON objects", ProblemCode.OB2_MALFORMED
        )
    return header, payload


def is_signed_ob2(token: str) -> bool:
    """True when a compact JWS carries an OB 2.0 assertion (not a VC-JWT)."""
    try:
        _header, payload = decode_signed(token)
    except InputError:
        return False
    return looks_like_ob2(payload)


def _same_url(a: object, b: object) -> bool:
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    return a.rstrip("/") == b.rstrip("/")


def _origin(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _host(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class _Fetched:
    """What was fetched, or why it could not be."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    def get(self, url: str, what: str) -> JsonObject:
        value = self._fetch(url)
        if not isinstance(value, dict):
            raise InputError(f"the {what} at {url} is not a JSON object", ProblemCode.OB2_MALFORMED)
        return value


def _shape(assertion: JsonObject) -> list[str]:
    problems = []
    for name in ("id", "recipient", "badge", "verification", "issuedOn"):
        if name not in assertion:
            problems.append(f"the assertion has no {name}")
    recipient = assertion.get("recipient")
    if recipient is not None and (
        not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str)
    ):
        problems.append("recipient must be an object with an identity")
    verification = assertion.get("verification")
    if verification is not None and not isinstance(verification, dict):
        problems.append("verification must be an object")
    if "issuedOn" in assertion and _parse_time(assertion.get("issuedOn")) is None:
        problems.append("issuedOn is not a date-time")
    return problems


def _verification_type(assertion: JsonObject) -> str:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), None)
    text = str(kind or "").lower()
    if text in ("signed", "signedbadge"):
        return "signed"
    return "hosted"


def check_recipient(recipient: object, identity: str | None) -> CheckResult:
    """The holder check of an OB 2.0 assertion: does ``identity`` match its recipient?"""
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return _r(
            Check.HOLDER,
            S.FAIL,
            "the assertion has no recipient identity",
            ProblemCode.OB2_MALFORMED,
        )
    claimed = recipient["identity"]
    hashed = recipient.get("hashed") is True
    kind = recipient.get("type", "email")
    if identity is None:
        if hashed:
            return _r(
                Check.HOLDER,
                S.WARNING,
                f"awarded to a hashed {kind}; no identity was given to compare it with",
                ProblemCode.OB2_RECIPIENT_UNCHECKED,
            )
        return _r(Check.HOLDER, S.PASS, f"awarded to {kind} {claimed}")
    given = identity.strip()
    if kind == "email":
        given = given.lower()
    if not hashed:
        ok = claimed.strip().lower() == given if kind == "email" else claimed == given
    else:
        salt = recipient.get("salt") or ""
        algorithm, _, digest = claimed.partition("$")
        if algorithm.lower() not in ("sha256", "md5") or not digest:
            return _r(
                Check.HOLDER,
                S.FAIL,
                f"the recipient hash {claimed!r} is not sha256$… or md5$…",
                ProblemCode.OB2_MALFORMED,
            )
        h = hashlib.new(algorithm.lower(), (given + str(salt)).encode("utf-8")).hexdigest()
        ok = hmac.compare_digest(h, digest.lower())
    if ok:
        return _r(Check.HOLDER, S.PASS, f"awarded to {identity} (the recipient {kind} matches)")
    return _r(
        Check.HOLDER,
        S.FAIL,
        f"awarded to another {kind}: {identity} does not match the recipient",
        ProblemCode.OB2_RECIPIENT_MISMATCH,
    )


def _validity(assertion: JsonObject, now: datetime) -> CheckResult:
    issued = _parse_time(assertion.get("issuedOn"))
    expires = _parse_time(assertion.get("expires")) if "expires" in assertion else None
    if "expires" in assertion and expires is None:
        return _r(
            Check.VALIDITY, S.FAIL, "expires is not a date-time", ProblemCode.VALIDITY_MALFORMED
        )
    if issued is not None and issued > now:
        return _r(
            Check.VALIDITY,
            S.FAIL,
            f"issued on {assertion.get('issuedOn')}, which is in the future (now {_stamp(now)})",
            ProblemCode.VALIDITY_NOT_YET_VALID,
        )
    if expires is not None and now > expires:
        return _r(
            Check.VALIDITY,
            S.FAIL,
            f"expired at {assertion.get('expires')} (now {_stamp(now)})",
            ProblemCode.VALIDITY_EXPIRED,
        )
    span = f"issued on {assertion.get('issuedOn')}"
    if expires is not None:
        span += f", valid until {assertion.get('expires')}"
    return _r(Check.VALIDITY, S.PASS, span)


def _in_scope(assertion_id: str, issuer: JsonObject) -> tuple[bool, str]:
    """Is a hosted assertion's id within the issuer's verification policy?"""
    policy = issuer.get("verification")
    if isinstance(policy, dict):
        starts = policy.get("startsWith")
        allowed = policy.get("allowedOrigins")
        if starts is not None:
            prefixes = starts if isinstance(starts, list) else [starts]
            if any(isinstance(p, str) and assertion_id.startswith(p) for p in prefixes):
                return True, "within the issuer's verification policy (startsWith)"
            return False, "outside the issuer's verification policy (startsWith)"
        if allowed is not None:
            hosts = allowed if isinstance(allowed, list) else [allowed]
            if _host(assertion_id) in {h.lower() for h in hosts if isinstance(h, str)}:
                return True, "on an origin the issuer allows (allowedOrigins)"
            return False, "not on an origin the issuer allows (allowedOrigins)"
    if _host(assertion_id) is not None and _host(assertion_id) == _host(issuer.get("id")):
        return True, "on the issuer's own site"
    return False, f"not on the issuer's site ({issuer.get('id')})"


def _verify_jws(token: str, alg: str, pem: str) -> None:
    signing_input, _, sig_part = token.strip().rpartition(".")
    signature = _b64url_decode(sig_part)
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"the issuer's publicKeyPem is unusable: {exc}", ProblemCode.KEY_MALFORMED
        ) from exc
    data = signing_input.encode("ascii")
    try:
        if alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                raise InvalidSignature
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            key.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        elif alg in ("EdDSA", "Ed25519") and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise InputError(
                f"JWS alg {alg!r} does not fit the issuer's key "
                "(RS256, ES256 and EdDSA are supported)",
                ProblemCode.JWT_UNSUPPORTED_ALG,
            )
    except InvalidSignature as exc:
        raise LerkitError(
            "the signed badge's signature does not verify", ProblemCode.PROOF_INVALID
        ) from exc


def _failure(check: Check, exc: LerkitError, what: str) -> CheckResult:
    status = S.COULD_NOT_CHECK if could_not_check(exc) else S.FAIL
    return _r(check, status, f"{what}: {exc}", exc.code)


def _not_run(check: Check, why: str) -> CheckResult:
    return _r(check, S.NOT_RUN, why)


def _revoked_in(assertion_id: str, revocation_list: JsonObject) -> tuple[bool, str | None]:
    entries = revocation_list.get("revokedAssertions", [])
    for entry in entries if isinstance(entries, list) else []:
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        if _same_url(entry_id, assertion_id) or entry_id == assertion_id:
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return True, reason if isinstance(reason, str) else None
    return False, None


def verify_ob2(
    value: JsonObject | str,
    *,
    fetch: Fetch,
    now: datetime,
    recipient: str | None = None,
) -> VerificationReport:
    """Verify an OB 2.0 assertion: a hosted assertion (its JSON, or its URL) or a signed
    one (compact JWS). Never raises for a bad badge: everything is in the report."""
    source = _Fetched(fetch)
    token: str | None = None
    checks: list[CheckResult] = []
    given: JsonObject | None = None
    url: str | None = None
    if isinstance(value, str) and value.strip().startswith(("https://", "http://")):
        url = value.strip()
    elif isinstance(value, str):
        token = value.strip()
        try:
            _header, given = decode_signed(token)
        except InputError as exc:
            return _malformed(str(exc), now)
    else:
        given = value
    # 1. the assertion (hosted: the copy at its id is authoritative)
    hosted_check: CheckResult | None = None
    if token is None:
        target = url or (given.get("id") if given is not None else None)
        if not isinstance(target, str) or _origin(target) is None:
            return _malformed("a hosted assertion needs an http(s) id to fetch it from", now)
        try:
            assertion = source.get(target, "assertion")
        except LerkitError as exc:
            if "HTTP 410" in str(exc):
                return _gone(target, now)
            if given is None:
                return _unfetchable(target, exc, now)
            assertion = given
            hosted_check = _failure(
                Check.PROOF, exc, f"the hosted assertion at {target} could not be fetched"
            )
        else:
            if not _same_url(assertion.get("id"), target):
                hosted_check = _r(
                    Check.PROOF,
                    S.FAIL,
                    f"the document at {target} has id {assertion.get('id')!r}: "
                    "it is not hosted where it says",
                    ProblemCode.OB2_NOT_HOSTED,
                )
            elif given is not None and _canonical(given) != _canonical(assertion):
                hosted_check = _r(
                    Check.PROOF,
                    S.FAIL,
                    f"the assertion given differs from the one its issuer hosts at {target}",
                    ProblemCode.OB2_NOT_HOSTED,
                )
            else:
                hosted_check = _r(
                    Check.PROOF, S.PASS, f"the issuer hosts this assertion at {target}"
                )
    else:
        assert given is not None
        assertion = given
    problems = _shape(assertion)
    if problems:
        return _malformed("; ".join(problems), now, assertion)
    checks.append(
        _r(Check.SYNTAX, S.PASS, "an Open Badges 2.0 assertion with its badge and issuer")
    )
    checks.append(_not_run(Check.CONTEXTS, "Open Badges 2.0 is checked as plain JSON"))
    checks.append(_not_run(Check.SCHEMA, "no JSON Schema is published for Open Badges 2.0"))
    # 2. badge class and issuer profile
    badge: JsonObject | None = None
    issuer: JsonObject | None = None
    lookup_error: CheckResult | None = None
    try:
        raw_badge = assertion["badge"]
        badge = (
            raw_badge if isinstance(raw_badge, dict) else source.get(str(raw_badge), "badge class")
        )
        raw_issuer = badge.get("issuer")
        if isinstance(raw_issuer, dict):
            issuer = raw_issuer
        elif isinstance(raw_issuer, str):
            issuer = source.get(raw_issuer, "issuer profile")
        else:
            raise InputError("the badge class has no issuer", ProblemCode.OB2_MALFORMED)
        if not isinstance(issuer.get("id"), str):
            raise InputError("the issuer profile has no id", ProblemCode.OB2_MALFORMED)
    except LerkitError as exc:
        lookup_error = _failure(Check.ISSUER, exc, "the badge class or issuer could not be read")
    assertion_id = str(assertion.get("id"))
    # 3. proof and issuer
    if token is None:
        assert hosted_check is not None
        checks.append(hosted_check)
        if lookup_error is not None:
            checks.append(lookup_error)
        else:
            assert issuer is not None
            ok, why = _in_scope(assertion_id, issuer)
            checks.append(
                _r(
                    Check.ISSUER,
                    S.PASS,
                    f"issued by {issuer.get('name', issuer['id'])}: the assertion is {why}",
                )
                if ok
                else _r(
                    Check.ISSUER,
                    S.FAIL,
                    f"the assertion {assertion_id} is {why}",
                    ProblemCode.OB2_NOT_HOSTED,
                )
            )
    else:
        checks.extend(_signed_checks(token, assertion, issuer, lookup_error, source))
    checks.append(check_recipient(assertion.get("recipient"), recipient))
    checks.append(_validity(assertion, now))
    checks.append(_status(assertion, issuer, token is not None, source))
    document: JsonObject = dict(assertion)
    if badge is not None:
        document["badge"] = {
            **badge,
            "issuer": issuer if issuer is not None else badge.get("issuer"),
        }
    return VerificationReport(
        kind="credential",
        format="ob2",
        checks=tuple(checks),
        document=document,
        verified_at=_stamp(now),
    )


def _canonical(doc: JsonObject) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _signed_checks(
    token: str,
    assertion: JsonObject,
    issuer: JsonObject | None,
    lookup_error: CheckResult | None,
    source: _Fetched,
) -> list[CheckResult]:
    header, _payload = decode_signed(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg == "none" or alg.startswith("HS"):
        return [
            _r(Check.PROOF, S.FAIL, f"JWS alg {alg!r} is refused", ProblemCode.JWT_UNSUPPORTED_ALG),
            _not_run(Check.ISSUER, "not run: the signature was not verified"),
        ]
    verification = assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    if creator is None and issuer is not None:
        keys = issuer.get("publicKey")
        keys = keys if isinstance(keys, list) else [keys]
        creator = next((k if isinstance(k, str) else k.get("id") for k in keys if k), None)
    if not isinstance(creator, str):
        return [
            _r(
                Check.PROOF,
                S.FAIL,
                "the signed badge names no key (verification.creator)",
                ProblemCode.OB2_MALFORMED,
            ),
            _not_run(Check.ISSUER, "not run: the signature was not verified"),
        ]
    try:
        key = source.get(creator, "public key")
        pem = key.get("publicKeyPem")
        if not isinstance(pem, str):
            raise InputError(f"the key at {creator} has no publicKeyPem", ProblemCode.KEY_MALFORMED)
        _verify_jws(token, alg, pem)
    except LerkitError as exc:
        return [
            _failure(Check.PROOF, exc, "the signature could not be verified"),
            _not_run(Check.ISSUER, "not run: the signature was not verified"),
        ]
    proof = _r(Check.PROOF, S.PASS, f"JWS signature ({alg}) verified with the key at {creator}")
    if lookup_error is not None:
        return [proof, lookup_error]
    assert issuer is not None
    listed = issuer.get("publicKey")
    listed_ids = {
        (k if isinstance(k, str) else k.get("id"))
        for k in (listed if isinstance(listed, list) else [listed])
        if k
    }
    owner = key.get("owner")
    if _same_url(owner, issuer.get("id")) and (not listed_ids or creator in listed_ids):
        return [proof, _r(Check.ISSUER, S.PASS, f"the key belongs to the issuer {issuer['id']}")]
    return [
        proof,
        _r(
            Check.ISSUER,
            S.FAIL,
            f"the key {creator} belongs to {owner!r}, not to the issuer {issuer.get('id')}",
            ProblemCode.ISSUER_MISMATCH,
        ),
    ]


def _status(
    assertion: JsonObject, issuer: JsonObject | None, signed: bool, source: _Fetched
) -> CheckResult:
    if assertion.get("revoked") is True:
        reason = assertion.get("revocationReason")
        return _r(
            Check.STATUS,
            S.FAIL,
            "the issuer has revoked this assertion"
            + (f": {reason}" if isinstance(reason, str) else ""),
            ProblemCode.STATUS_REVOKED,
        )
    if not signed:
        return _r(Check.STATUS, S.PASS, "the hosted assertion is not marked revoked")
    list_url = issuer.get("revocationList") if issuer is not None else None
    if not isinstance(list_url, str):
        return _not_run(Check.STATUS, "the issuer publishes no revocation list")
    try:
        revoked, reason = _revoked_in(
            str(assertion.get("id")), source.get(list_url, "revocation list")
        )
    except LerkitError as exc:
        return _r(
            Check.STATUS,
            S.COULD_NOT_CHECK,
            f"the revocation list {list_url} could not be read: {exc}",
            ProblemCode.STATUS_UNRESOLVABLE,
        )
    if revoked:
        return _r(
            Check.STATUS,
            S.FAIL,
            f"revoked in {list_url}" + (f": {reason}" if reason else ""),
            ProblemCode.STATUS_REVOKED,
        )
    return _r(Check.STATUS, S.PASS, f"not in the issuer's revocation list {list_url}")


def _malformed(
    message: str, now: datetime, document: JsonObject | None = None
) -> VerificationReport:
    return VerificationReport(
        kind="credential",
        format="ob2",
        checks=(_r(Check.SYNTAX, S.FAIL, message, ProblemCode.OB2_MALFORMED),),
        document=document,
        verified_at=_stamp(now),
    )


def _gone(url: str, now: datetime) -> VerificationReport:
    return VerificationReport(
        kind="credential",
        format="ob2",
        checks=(
            _r(Check.SYNTAX, S.NOT_RUN, "the assertion is no longer served"),
            _r(
                Check.STATUS,
                S.FAIL,
                f"{url} answers 410 Gone: the issuer revoked it",
                ProblemCode.STATUS_REVOKED,
            ),
        ),
        verified_at=_stamp(now),
    )


def _unfetchable(url: str, exc: LerkitError, now: datetime) -> VerificationReport:
    return VerificationReport(
        kind="credential",
        format="ob2",
        checks=(_failure(Check.PROOF, exc, f"the hosted assertion at {url} could not be fetched"),),
        verified_at=_stamp(now),
    )


__all__ = [
    "OB2_CONTEXT",
    "check_recipient",
    "decode_signed",
    "is_signed_ob2",
    "looks_like_ob2",
    "verify_ob2",
]
