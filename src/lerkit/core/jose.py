"""VC-JOSE: credentials and presentations secured as compact JWS (``application/vc+jwt``).

Follows W3C "Securing Verifiable Credentials using JOSE and COSE" (VC 2.0: the payload is
the credential itself, ``typ`` ``vc+jwt`` / ``vp+jwt``) and still reads the two older
shapes found in the wild: VCDM 1.1 JWTs (credential in the ``vc`` claim, ``iss``/``sub``/
``nbf``/``exp``/``jti`` mapped per VC 1.1 §6.3.1) and OB 3.0 JWTs (credential at the top
level plus those claims, OB 3.0 §8.2).

Signing uses lerkit's own keys, so tokens are deterministic (Ed25519, RFC 6979 ECDSA) and
the core holds no randomness; verification goes through ``joserfc`` with an explicit
algorithm allow-list derived from the key (never from the token alone). Besides
lerkit's key types, verification accepts RSA keys (RS256/PS256 and larger, >= 2048 bits)
where the JWK is given directly (``jwk`` header or a ``kid`` URL that serves a bare
JWK), because OB 3.0 names RS256 as its baseline.

Errors (see :mod:`lerkit.core.errors`): ``InputError`` ``jwt.malformed`` /
``jwt.unsupported_alg`` / ``jwt.type_mismatch`` / ``envelope.malformed``;
``CryptoError`` ``jwt.invalid_signature`` / ``jwt.claims_mismatch``; ``ResolutionError``
(could not check) when the key cannot be obtained. Whether the signer controls the
issuer (or holder) identity, and the validity period, are checked by the verification
pipeline from the returned :class:`JwtVerification`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import unquote

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import JWKRegistry
from joserfc.jws import JWSRegistry

from lerkit.core.dids.base import (
    DidResolver,
    VerificationMethod,
    find_verification_method,
    split_did_url,
)
from lerkit.core.errors import (
    CryptoError,
    InputError,
    KeyFormatError,
    ProblemCode,
    ResolutionError,
)
from lerkit.core.jsonvalue import parse_json
from lerkit.core.keys import PrivateKey
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.types import JsonObject

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC_JWT = "application/vc+jwt"
VP_JWT = "application/vp+jwt"
ENVELOPED_TYPES = {
    "EnvelopedVerifiableCredential": VC_JWT,
    "EnvelopedVerifiablePresentation": VP_JWT,
}
#: JWT registered claims that are not part of the credential/presentation document
JWT_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "cnf")

_CREDENTIAL_TYPS = {"vc+jwt", "vc+ld+json+jwt", "vc+ld+jwt"}
_PRESENTATION_TYPS = {"vp+jwt", "vp+ld+json+jwt", "vp+ld+jwt"}
_GENERIC_TYPS = {"jwt"}
_RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_MIN_RSA_BITS = 2048

Kind = Literal["credential", "presentation"]


@dataclass(frozen=True)
class JwtVerification:
    """What a verified VC/VP JWT says. Produced only when the signature verified.

    ``document`` is the credential or presentation (for VCDM 1.1 JWTs rebuilt from the
    ``vc``/``vp`` claim and the registered claims; JWT claims are removed from top-level
    payloads). ``verification_method`` is None when the key came straight from a JWK
    (``jwk`` header or a ``kid`` URL serving a bare JWK): then nothing binds the key to
    the issuer and the pipeline must say so. ``not_before``/``expires``/``issued_at``
    are the JWT claims; ``time_findings`` are validity observations at ``now`` (not
    raised: the pipeline owns validity).
    """

    header: JsonObject
    payload: JsonObject
    document: JsonObject
    kind: Kind
    verification_method: VerificationMethod | None
    public_jwk: JsonObject
    key_source: Literal["kid", "jwk", "issuer"]
    not_before: datetime | None
    expires: datetime | None
    issued_at: datetime | None
    checks: tuple[str, ...]
    time_findings: tuple[ProblemCode, ...] = ()

    @property
    def credential(self) -> JsonObject:
        return self.document


# --------------------------------------------------------------------------- signing


def _json_bytes(value: Any) -> bytes:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InputError(f"cannot serialize JSON for a JWT: {exc}") from exc


def sign_jwt(
    payload: JsonObject,
    key: PrivateKey,
    kid: str,
    typ: str,
    *,
    cty: str | None = None,
) -> str:
    """A compact JWS over ``payload`` with header ``alg``, ``kid``, ``typ`` (and ``cty``).

    ``alg`` follows the key: ``EdDSA`` (Ed25519), ``ES256`` (P-256), ``ES384`` (P-384).
    """
    if not isinstance(payload, dict):
        raise InputError("a JWT payload must be a JSON object")
    header: JsonObject = {"alg": key.public_key.jws_alg, "kid": kid, "typ": typ}
    if cty is not None:
        header["cty"] = cty
    signing_input = b64url_encode(_json_bytes(header)) + "." + b64url_encode(_json_bytes(payload))
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def secure_credential(credential: JsonObject, key: PrivateKey, kid: str) -> str:
    """``application/vc+jwt``: the credential itself as payload, ``typ`` ``vc+jwt``."""
    if not isinstance(credential, dict):
        raise InputError("a credential must be a JSON object", ProblemCode.CREDENTIAL_MALFORMED)
    return sign_jwt(credential, key, kid, "vc+jwt", cty="vc")


def secure_presentation(
    presentation: JsonObject,
    key: PrivateKey,
    kid: str,
    *,
    challenge: str | None = None,
    domain: str | None = None,
) -> str:
    """``application/vp+jwt``; ``challenge`` becomes the ``nonce`` claim, ``domain`` ``aud``."""
    if not isinstance(presentation, dict):
        raise InputError("a presentation must be a JSON object", ProblemCode.PRESENTATION_MALFORMED)
    payload = dict(presentation)
    if challenge is not None:
        payload["nonce"] = challenge
    if domain is not None:
        payload["aud"] = domain
    return sign_jwt(payload, key, kid, "vp+jwt", cty="vp")


# --------------------------------------------------------------------------- envelopes


def envelope_credential(token: str) -> JsonObject:
    """An ``EnvelopedVerifiableCredential`` carrying a vc+jwt as a ``data:`` URL."""
    return _envelope(token, "EnvelopedVerifiableCredential")


def envelope_presentation(token: str) -> JsonObject:
    """An ``EnvelopedVerifiablePresentation`` carrying a vp+jwt as a ``data:`` URL."""
    return _envelope(token, "EnvelopedVerifiablePresentation")


def _envelope(token: str, type_: str) -> JsonObject:
    if not isinstance(token, str) or token.count(".") != 2:
        raise InputError("only a compact JWS can be enveloped", ProblemCode.JWT_MALFORMED)
    return {
        "@context": VC_V2_CONTEXT,
        "id": f"data:{ENVELOPED_TYPES[type_]},{token.strip()}",
        "type": type_,
    }


def unenvelope(obj: object) -> tuple[str, str]:
    """``(media_type, token)`` from an Enveloped credential/presentation object."""
    if not isinstance(obj, dict):
        raise InputError(
            "an enveloped credential must be a JSON object", ProblemCode.ENVELOPE_MALFORMED
        )
    types = obj.get("type")
    type_list = types if isinstance(types, list) else [types]
    kinds = [t for t in type_list if t in ENVELOPED_TYPES]
    if len(kinds) != 1:
        raise InputError(
            "type must be EnvelopedVerifiableCredential or EnvelopedVerifiablePresentation",
            ProblemCode.ENVELOPE_MALFORMED,
        )
    expected = ENVELOPED_TYPES[kinds[0]]
    url = obj.get("id")
    if not isinstance(url, str) or not url.startswith("data:"):
        raise InputError(
            f"an {kinds[0]} needs an id that is a data: URL", ProblemCode.ENVELOPE_MALFORMED
        )
    meta, sep, data = url[len("data:") :].partition(",")
    if not sep:
        raise InputError(
            "the data: URL has no ',' before its content", ProblemCode.ENVELOPE_MALFORMED
        )
    media_type, *params = meta.split(";")
    media_type = media_type.strip().lower()
    if media_type != expected:
        raise InputError(
            f"an {kinds[0]} must carry {expected}, not {media_type or 'no media type'!r}"
            " (only JWT envelopes are supported)",
            ProblemCode.ENVELOPE_MALFORMED,
        )
    if "base64" in (p.strip().lower() for p in params):
        try:
            token = base64.b64decode(unquote(data), validate=True).decode("ascii")
        except (binascii.Error, ValueError) as exc:
            raise InputError(
                f"the data: URL is not valid base64: {exc}", ProblemCode.ENVELOPE_MALFORMED
            ) from exc
    else:
        token = unquote(data)
    token = token.strip()
    if token.count(".") != 2:
        raise InputError(
            "the data: URL does not hold a compact JWS", ProblemCode.ENVELOPE_MALFORMED
        )
    return media_type, token


# --------------------------------------------------------------------------- verifying


class _Registry(JWSRegistry):
    """Exactly the algorithms we allow for the key; larger limits for big credentials."""

    max_header_length = 16_384
    max_payload_length = 8_388_608

    def __init__(self, algorithms: Collection[str]) -> None:
        super().__init__(algorithms=list(algorithms), strict_check_header=False)

    def get_alg(self, name: str) -> Any:
        if not self.allowed or name not in self.allowed or name not in self.algorithms:
            raise JoseError(f"algorithm {name!r} is not allowed for this key")
        # EdDSA is deprecated by RFC 9864 in favour of "Ed25519" but is what the VC
        # ecosystem uses; we accept both, so skip joserfc's SecurityWarning.
        return self.algorithms[name]


def _malformed(message: str) -> InputError:
    return InputError(f"malformed JWT: {message}", ProblemCode.JWT_MALFORMED)


def _decode_part(part: str, what: str) -> JsonObject:
    try:
        value = parse_json(b64url_decode(part))
    except (KeyFormatError, InputError) as exc:
        raise _malformed(f"the {what} is not base64url-encoded JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise _malformed(f"the {what} is not a JSON object")
    return value


def _algorithms_for(jwk: JsonObject) -> tuple[str, ...]:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return ("EdDSA", "Ed25519")
    if kty == "EC" and crv == "P-256":
        return ("ES256",)
    if kty == "EC" and crv == "P-384":
        return ("ES384",)
    if kty == "RSA":
        try:
            bits = len(b64url_decode(str(jwk.get("n", "")))) * 8
        except KeyFormatError as exc:
            raise KeyFormatError("RSA JWK has a malformed modulus") from exc
        if bits < _MIN_RSA_BITS:
            raise KeyFormatError(
                f"RSA key of {bits} bits refused (minimum {_MIN_RSA_BITS})",
                ProblemCode.KEY_UNSUPPORTED,
            )
        return _RSA_ALGS
    raise KeyFormatError(
        f"unsupported JWK for JWS (kty={kty!r}, crv={crv!r}); supported: OKP/Ed25519, "
        "EC/P-256, EC/P-384, RSA",
        ProblemCode.KEY_UNSUPPORTED,
    )


def _public_only(jwk: object, where: str) -> JsonObject:
    if not isinstance(jwk, dict):
        raise _malformed(f"the {where} is not a JSON object")
    if any(m in jwk for m in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise KeyFormatError(f"the {where} contains private key material; refused")
    return jwk


def _check_signature(token: str, alg: str, jwk: JsonObject) -> None:
    allowed = _algorithms_for(jwk)
    if alg not in allowed:
        raise InputError(
            f"JWS alg {alg!r} does not fit the key (expected {' or '.join(allowed)})",
            ProblemCode.JWT_UNSUPPORTED_ALG,
        )
    try:
        key = JWKRegistry.import_key(jwk)
        jws.deserialize_compact(token, key, registry=_Registry([alg]))
    except BadSignatureError as exc:
        raise CryptoError(
            "the JWS signature does not match the token and key",
            ProblemCode.JWT_INVALID_SIGNATURE,
        ) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise CryptoError(
            f"the JWS could not be verified: {exc}", ProblemCode.JWT_INVALID_SIGNATURE
        ) from exc


def _types(doc: JsonObject) -> list[object]:
    value = doc.get("type", [])
    return value if isinstance(value, list) else [value]


def _normal_typ(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _malformed("the typ header is not a string")
    typ = value.strip().lower()
    return typ[len("application/") :] if typ.startswith("application/") else typ


def _kind_and_document(header: JsonObject, payload: JsonObject) -> tuple[Kind, JsonObject, str]:
    """``(kind, document, shape)`` where shape is ``"v1"`` (vc/vp claim) or ``"top"``."""
    if "vc" in payload and "vp" in payload:
        raise _malformed("the payload has both a vc and a vp claim")
    kind: Kind
    if "vc" in payload or "vp" in payload:
        kind = "credential" if "vc" in payload else "presentation"
        inner = payload["vc" if kind == "credential" else "vp"]
        if not isinstance(inner, dict):
            raise _malformed(f"the {'vc' if kind == 'credential' else 'vp'} claim is not an object")
        document, shape = dict(inner), "v1"
    else:
        types = _types(payload)
        if "VerifiablePresentation" in types:
            kind = "presentation"
        elif "VerifiableCredential" in types:
            kind = "credential"
        else:
            raise _malformed(
                "the payload is neither a credential nor a presentation (no vc/vp claim and "
                "no VerifiableCredential/VerifiablePresentation type)"
            )
        document = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
        shape = "top"
    typ = _normal_typ(header.get("typ"))
    if (typ in _CREDENTIAL_TYPS and kind != "credential") or (
        typ in _PRESENTATION_TYPS and kind != "presentation"
    ):
        raise InputError(
            f"typ {header.get('typ')!r} does not match the payload, which is a {kind}",
            ProblemCode.JWT_TYPE_MISMATCH,
        )
    return kind, document, shape


def _numeric_date(payload: JsonObject, claim: str) -> datetime | None:
    value = payload.get(claim)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _malformed(f"the {claim} claim is not a NumericDate")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _malformed(f"the {claim} claim is out of range") from exc


def _mismatch(message: str) -> CryptoError:
    return CryptoError(message, ProblemCode.JWT_CLAIMS_MISMATCH)


def _id_of(value: object) -> object:
    return value.get("id") if isinstance(value, dict) else value


def _same_second(claim: datetime, text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp()) == int(claim.timestamp())


def _reconcile(kind: Kind, document: JsonObject, payload: JsonObject, shape: str) -> JsonObject:
    """Check the JWT claims agree with the document; for VCDM 1.1 fill in missing members."""
    doc = dict(document)
    fill = shape == "v1"
    who = "issuer" if kind == "credential" else "holder"
    claims: list[tuple[str, str]] = [("iss", who), ("jti", "id")]
    for claim, member in claims:
        if claim not in payload:
            continue
        value = payload[claim]
        if member in doc:
            if _id_of(doc[member]) != value:
                raise _mismatch(
                    f"the JWT claim {claim}={value!r} does not match the {kind}'s {member} "
                    f"{_id_of(doc[member])!r}"
                )
        elif fill:
            doc[member] = value
    if kind == "credential":
        if "sub" in payload:
            subject = doc.get("credentialSubject")
            if isinstance(subject, dict):
                if "id" in subject and subject["id"] != payload["sub"]:
                    raise _mismatch(
                        f"the JWT claim sub={payload['sub']!r} does not match "
                        f"credentialSubject.id {subject['id']!r}"
                    )
                if fill and "id" not in subject:
                    doc["credentialSubject"] = {**subject, "id": payload["sub"]}
            elif isinstance(subject, list):
                ids = {s.get("id") for s in subject if isinstance(s, dict)}
                if ids and payload["sub"] not in ids:
                    raise _mismatch(
                        f"the JWT claim sub={payload['sub']!r} names none of the subjects"
                    )
        v1 = _is_v1(doc)
        for claim, member in (
            ("nbf", "issuanceDate" if v1 else "validFrom"),
            ("exp", "expirationDate" if v1 else "validUntil"),
        ):
            when = _numeric_date(payload, claim)
            if when is None:
                continue
            if member in doc:
                if not _same_second(when, doc[member]):
                    raise _mismatch(
                        f"the JWT claim {claim} ({when.isoformat()}) does not match "
                        f"{member} {doc[member]!r}"
                    )
            elif fill:
                doc[member] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return doc


def _is_v1(doc: JsonObject) -> bool:
    contexts = doc.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return bool(first == VC_V1_CONTEXT)


def _resolve_kid(
    kid: str,
    base_id: object,
    resolver: DidResolver,
    purpose: str,
) -> tuple[VerificationMethod | None, JsonObject]:
    if kid.startswith("#"):
        if not isinstance(base_id, str) or not base_id:
            raise ResolutionError(
                f"relative kid {kid!r} but the token names no issuer to resolve it against",
                ProblemCode.JWT_KEY_UNRESOLVABLE,
            )
        kid = split_did_url(base_id)[0] + kid
    if not (kid.startswith("did:") or kid.startswith("https://") or kid.startswith("http://")):
        raise ResolutionError(
            f"kid {kid!r} is neither a DID URL nor an https URL; cannot find the key",
            ProblemCode.JWT_KEY_UNRESOLVABLE,
        )
    base, fragment = split_did_url(kid)
    document = resolver.resolve(base)
    if "kty" in document and "verificationMethod" not in document:
        return None, _public_only(document, f"JWK at {base}")
    if fragment is None:
        return _sole_method(document, purpose, kid)
    vm = find_verification_method(document, kid, purpose)
    return vm, vm.public_key.jwk


def _sole_method(
    document: JsonObject, purpose: str, what: str
) -> tuple[VerificationMethod, JsonObject]:
    entries = document.get(purpose, [])
    entries = entries if isinstance(entries, list) else [entries]
    ids = []
    did = str(document.get("id", ""))
    for entry in entries:
        ref = entry if isinstance(entry, str) else _id_of(entry)
        if isinstance(ref, str):
            ids.append(did + ref if ref.startswith("#") else ref)
    if len(ids) != 1:
        raise ResolutionError(
            f"{what} does not name a key and its document has {len(ids)} keys for {purpose}",
            ProblemCode.JWT_KEY_UNRESOLVABLE,
        )
    vm = find_verification_method(document, ids[0], purpose)
    return vm, vm.public_key.jwk


def _time_findings(
    now: datetime, not_before: datetime | None, expires: datetime | None
) -> tuple[ProblemCode, ...]:
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware")
    findings = []
    if not_before is not None and now < not_before:
        findings.append(ProblemCode.VALIDITY_NOT_YET_VALID)
    if expires is not None and now >= expires:
        findings.append(ProblemCode.VALIDITY_EXPIRED)
    return tuple(findings)


def decode_unverified(token: str) -> tuple[JsonObject, JsonObject]:
    """``(header, payload)`` of a compact JWS without checking anything. For display only."""
    if not isinstance(token, str):
        raise _malformed("a JWT must be a string")
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise _malformed("a compact JWS has three non-empty base64url parts joined by '.'")
    return _decode_part(parts[0], "header"), _decode_part(parts[1], "payload")


def verify_jwt(
    token: str,
    resolver: DidResolver,
    *,
    now: datetime,
    expected_typ: str | None = None,
) -> JwtVerification:
    """Verify a VC/VP JWT: syntax, claims agreement, key resolution and signature.

    The key: ``kid`` (absolute DID/https URL, or ``#frag`` relative to ``iss``/issuer/
    holder) resolved through ``resolver`` and required to be authorized for
    ``assertionMethod`` (credentials) or ``authentication`` (presentations); else a
    ``jwk`` header (unbound key, ``verification_method`` None); else the single key of
    the issuer's (holder's) document for that purpose.
    """
    token = token.strip() if isinstance(token, str) else token
    header, payload = decode_unverified(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise _malformed("the header has no alg")
    if alg == "none" or alg.startswith("HS"):
        raise InputError(
            f"JWS alg {alg!r} is refused (credentials need a public-key signature)",
            ProblemCode.JWT_UNSUPPORTED_ALG,
        )
    if "crit" in header:
        raise InputError(
            f"critical JOSE header parameters {header['crit']!r} are not understood",
            ProblemCode.JWT_MALFORMED,
        )
    if expected_typ is not None and _normal_typ(header.get("typ")) != _normal_typ(expected_typ):
        raise InputError(
            f"typ {header.get('typ')!r} is not the expected {expected_typ!r}",
            ProblemCode.JWT_TYPE_MISMATCH,
        )
    checks = ["the JWT is a well-formed compact JWS"]
    kind, document, shape = _kind_and_document(header, payload)
    document = _reconcile(kind, document, payload, shape)
    checks.append(f"the JWT claims agree with the {kind}")
    not_before = _numeric_date(payload, "nbf")
    expires = _numeric_date(payload, "exp")
    issued_at = _numeric_date(payload, "iat")

    purpose = "assertionMethod" if kind == "credential" else "authentication"
    owner = _id_of(document.get("issuer" if kind == "credential" else "holder"))
    base_id = payload.get("iss", owner)
    kid = header.get("kid")
    vm: VerificationMethod | None
    key_source: Literal["kid", "jwk", "issuer"]
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise _malformed("kid is not a non-empty string")
        vm, jwk = _resolve_kid(kid, base_id, resolver, purpose)
        key_source = "kid"
    elif "jwk" in header:
        vm, jwk = None, _public_only(header["jwk"], "jwk header")
        key_source = "jwk"
    elif isinstance(base_id, str) and base_id:
        base = split_did_url(base_id)[0]
        document_of_owner = resolver.resolve(base)
        vm, jwk = _sole_method(document_of_owner, purpose, f"the token (no kid, {base})")
        key_source = "issuer"
    else:
        raise ResolutionError(
            "the JOSE header names no key (no kid, no jwk) and the token names no issuer",
            ProblemCode.JWT_KEY_UNRESOLVABLE,
        )
    if vm is not None:
        checks.append(f"the key {vm.id} is authorized for {purpose}")
    _check_signature(token, alg, jwk)
    checks.append(f"the {alg} signature verifies")
    return JwtVerification(
        header=header,
        payload=payload,
        document=document,
        kind=kind,
        verification_method=vm,
        public_jwk=jwk,
        key_source=key_source,
        not_before=not_before,
        expires=expires,
        issued_at=issued_at,
        checks=tuple(checks),
        time_findings=_time_findings(now, not_before, expires),
    )


__all__ = [
    "VC_JWT",
    "VP_JWT",
    "JwtVerification",
    "decode_unverified",
    "envelope_credential",
    "envelope_presentation",
    "secure_credential",
    "secure_presentation",
    "sign_jwt",
    "unenvelope",
    "verify_jwt",
]
