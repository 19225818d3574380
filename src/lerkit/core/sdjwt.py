"""SD-JWT (RFC 9901) and SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): issue, present, verify.

An SD-JWT is ``<issuer-signed JWT>~<Disclosure>~…~<Disclosure>~`` and, presented with key
binding, ``…~<KB-JWT>``. A Disclosure is base64url(JSON ``[salt, name, value]``) for an
object property or ``[salt, value]`` for an array element; the signed payload carries
only its digest (base64url of the hash of the Disclosure's ASCII text), in the object's
``_sd`` array or as an array element ``{"...": digest}``.

The three roles:

* :func:`issue_sd_jwt_vc` (issuer): claims plus the paths to make disclosable (JSON
  pointers such as ``/address/street_address`` or ``/nationalities/0``, or top-level
  names); nested objects and array elements too, recursively. Salts come from the
  ``salt`` callable (random in production, fixed in tests: the core holds no
  randomness), digests are sorted, ``typ`` is ``dc+sd-jwt``, ``_sd_alg`` ``sha-256``.
  Disclosures are serialized as the RFC's examples are (``json.dumps`` with ``", "``
  separators, UTF-8), so the RFC 9901 examples reproduce from their salts.
* :func:`present` (holder): keeps the Disclosures of the chosen claims — with those of
  their parents, and of everything beneath them — and appends a Key Binding JWT
  (``typ`` ``kb+jwt``; ``iat``, ``aud``, ``nonce``, ``sd_hash``) when the credential has
  ``cnf``.
* :func:`verify_sd_jwt_vc` (verifier): the issuer's signature (key from ``kid`` through
  the DID resolver, or the single ``assertionMethod`` key of a DID ``iss``; JWT VC Issuer
  Metadata, a ``jwk`` header and ``x5c`` are not supported), every Disclosure's digest
  present exactly once, no digest twice, array elements, reserved claim names never
  disclosed, and the KB-JWT (signature by the ``cnf`` key, ``sd_hash``, ``aud``,
  ``nonce``, ``iat`` freshness). ``exp``/``nbf`` are returned, not raised: the
  verification pipeline decides. :func:`verify_sd_jwt` does the same for a plain SD-JWT
  whose issuer key the caller already has (the RFC's own examples).

Errors (see :mod:`lerkit.core.errors`)::

    InputError     sdjwt.malformed, sdjwt.reserved_claim, sdjwt.key_binding_missing,
                   jwt.malformed, jwt.unsupported_alg, jwt.type_mismatch
    CryptoError    jwt.invalid_signature (issuer), sdjwt.digest_mismatch,
                   sdjwt.key_binding_invalid, issuer.key_not_controlled
    ResolutionError  jwt.key_unresolvable / did.* (could not check: no key to be had)
    SigningError   signing.refused (the holder's key is not the credential's cnf key)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lerkit.core.dids.base import DidResolver, VerificationMethod, split_did_url
from lerkit.core.errors import (
    CryptoError,
    InputError,
    KeyFormatError,
    ProblemCode,
    ResolutionError,
    SigningError,
)
from lerkit.core.jose import (
    _check_signature,
    _public_only,
    _resolve_kid,
    _sole_method,
    _time_findings,
    decode_unverified,
    sign_jwt,
)
from lerkit.core.jsonvalue import parse_json
from lerkit.core.keys import PrivateKey, PublicKey
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.types import JsonObject

SD_JWT_VC_TYP = "dc+sd-jwt"
#: the ``typ`` used until draft -06 (November 2024); still accepted when verifying
LEGACY_SD_JWT_VC_TYP = "vc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
SD_JWT_VC_MEDIA_TYPE = "application/dc+sd-jwt"
DEFAULT_SD_ALG = "sha-256"
#: claims an SD-JWT VC must never make selectively disclosable (SD-JWT VC §3.2.2)
VC_NEVER_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
#: claims :func:`issue_sd_jwt_vc` sets from its arguments
_ARGUMENT_CLAIMS = ("iss", "iat", "nbf", "exp", "vct", "cnf", "status")
#: names reserved by SD-JWT itself (RFC 9901 §4.2.1, §7.1)
_SD_RESERVED = frozenset({"_sd", "...", "_sd_alg"})
_HASHES: Mapping[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
DEFAULT_KB_MAX_AGE = timedelta(minutes=5)
DEFAULT_CLOCK_SKEW = timedelta(seconds=60)

Path = tuple[str, ...]
"""A claim path as JSON-pointer segments (array indexes as decimal strings)."""


# --------------------------------------------------------------------------- disclosures


@dataclass(frozen=True)
class Disclosure:
    """One Disclosure: ``name`` is None for an array element. ``encoded`` is the exact text
    the digest is taken over."""

    encoded: str
    salt: str
    name: str | None
    value: Any

    def digest(self, alg: str = DEFAULT_SD_ALG) -> str:
        return disclosure_digest(self.encoded, alg)


def _malformed(message: str) -> InputError:
    return InputError(f"malformed SD-JWT: {message}", ProblemCode.SDJWT_MALFORMED)


def _hash(alg: str, data: bytes) -> bytes:
    try:
        function = _HASHES[alg]
    except KeyError:
        raise _malformed(
            f"_sd_alg {alg!r} is not supported (supported: {', '.join(_HASHES)})"
        ) from None
    digest: bytes = function(data).digest()
    return digest


def disclosure_digest(encoded: str, alg: str = DEFAULT_SD_ALG) -> str:
    """base64url(hash(ASCII of the Disclosure as it appears in the SD-JWT)), RFC 9901 §4.2.3."""
    try:
        data = encoded.encode("ascii")
    except UnicodeEncodeError as exc:
        raise _malformed("a Disclosure is not ASCII base64url text") from exc
    return b64url_encode(_hash(alg, data))


def encode_disclosure(salt: str, name: str | None, value: Any) -> str:
    """The Disclosure text for ``[salt, name, value]`` (``name`` None: ``[salt, value]``).

    Serialized like the RFC's examples: ``json.dumps`` with its default ``", "``/``": "``
    separators and UTF-8 kept as is (any serialization is valid; this one reproduces them).
    """
    if not isinstance(salt, str) or not salt:
        raise InputError("a Disclosure's salt must be a non-empty string")
    array = [salt, value] if name is None else [salt, name, value]
    try:
        text = json.dumps(array, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"a disclosable value is not JSON: {exc}") from exc
    return b64url_encode(text.encode("utf-8"))


def decode_disclosure(encoded: str) -> Disclosure:
    """Parse a Disclosure; ``sdjwt.malformed`` (``sdjwt.reserved_claim`` for ``_sd``/``...``)."""
    if not isinstance(encoded, str) or not encoded:
        raise _malformed("a Disclosure is empty")
    try:
        array = parse_json(b64url_decode(encoded), "Disclosure")
    except (KeyFormatError, InputError) as exc:
        raise _malformed(f"a Disclosure is not base64url-encoded JSON: {exc}") from exc
    if not isinstance(array, list) or len(array) not in (2, 3):
        raise _malformed("a Disclosure must be a JSON array of 2 or 3 elements")
    salt = array[0]
    if not isinstance(salt, str):
        raise _malformed("a Disclosure's salt must be a string")
    if len(array) == 2:
        return Disclosure(encoded, salt, None, array[1])
    name = array[1]
    if not isinstance(name, str):
        raise _malformed("a Disclosure's claim name must be a string")
    if name in ("_sd", "..."):
        raise InputError(
            f"a Disclosure may not disclose the reserved name {name!r}",
            ProblemCode.SDJWT_RESERVED_CLAIM,
        )
    return Disclosure(encoded, salt, name, array[2])


# --------------------------------------------------------------------------- paths


def parse_path(path: str) -> Path:
    """``"/a/b~1c/0"`` (JSON pointer, RFC 6901) or ``"name"`` (a top-level claim) → segments."""
    if not isinstance(path, str) or not path or path == "/":
        raise InputError(f"a claim path must be a JSON pointer or a claim name, not {path!r}")
    if not path.startswith("/"):
        return (path,)
    segments = path[1:].split("/")
    for segment in segments:
        rest = segment.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise InputError(f"{path!r} is not a valid JSON pointer (a '~' not followed by 0 or 1)")
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in segments)


def pointer(path: Path) -> str:
    """Segments → JSON pointer."""
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in path)


def _paths(paths: Iterable[str] | str, what: str) -> set[Path]:
    if isinstance(paths, str):
        raise InputError(f"{what} must be a list of claim paths, not a single string")
    return {parse_path(p) for p in paths}


# --------------------------------------------------------------------------- issuing


def _numeric(when: datetime | None, name: str) -> int | None:
    if when is None:
        return None
    if not isinstance(when, datetime) or when.tzinfo is None:
        raise InputError(f"{name} must be a timezone-aware datetime")
    return int(when.timestamp())


def _check_claim_names(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            if name in _SD_RESERVED:
                raise InputError(
                    f"claim name {name!r} at {where or '/'} is reserved by SD-JWT",
                    ProblemCode.SDJWT_RESERVED_CLAIM,
                )
            _check_claim_names(child, f"{where}/{name}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _check_claim_names(child, f"{where}/{i}")


class _Encoder:
    def __init__(self, disclosable: set[Path], salt: Callable[[], str], alg: str) -> None:
        self.disclosable = disclosable
        self.salt = salt
        self.alg = alg
        self.disclosures: list[str] = []
        self.used: set[Path] = set()

    def next_salt(self) -> str:
        value = self.salt()
        if not isinstance(value, str) or not value:
            raise InputError("the salt callable must return a non-empty string")
        return value

    def _disclose(self, name: str | None, value: Any) -> str:
        encoded = encode_disclosure(self.next_salt(), name, value)
        self.disclosures.append(encoded)
        return disclosure_digest(encoded, self.alg)

    def encode(self, value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            out: JsonObject = {}
            digests = []
            for name, child in value.items():
                child_path = (*path, name)
                encoded = self.encode(child, child_path)
                if child_path in self.disclosable:
                    self.used.add(child_path)
                    digests.append(self._disclose(name, encoded))
                else:
                    out[name] = encoded
            if digests:
                out["_sd"] = sorted(digests)
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for i, child in enumerate(value):
                child_path = (*path, str(i))
                encoded = self.encode(child, child_path)
                if child_path in self.disclosable:
                    self.used.add(child_path)
                    items.append({"...": self._disclose(None, encoded)})
                else:
                    items.append(encoded)
            return items
        return value


def issue_sd_jwt_vc(
    claims: JsonObject,
    *,
    vct: str,
    issuer: str,
    key: PrivateKey,
    kid: str,
    disclosable: Collection[str],
    salt: Callable[[], str],
    holder_jwk: JsonObject | None = None,
    iat: datetime | None = None,
    nbf: datetime | None = None,
    exp: datetime | None = None,
    status: JsonObject | None = None,
    decoys: int = 0,
) -> str:
    """Issue an SD-JWT VC (``typ`` ``dc+sd-jwt``): ``<JWT>~<Disclosure>~…~``.

    ``claims`` are the credential's own claims (``sub`` among them if wanted); ``iss``,
    ``vct``, ``iat``/``nbf``/``exp``, ``cnf`` (``{"jwk": holder_jwk}``) and ``status``
    come from the arguments and are always visible. ``disclosable`` names the claims to
    make selectively disclosable; a path inside a disclosable object makes it recursive
    (the inner Disclosure is inside the outer one). ``salt()`` is called once per
    Disclosure, then once per decoy, in document order (inner claims first); ``decoys``
    decoy digests (hashes of further salts) are added to the top-level ``_sd``.
    """
    if not isinstance(claims, dict):
        raise InputError("SD-JWT VC claims must be a JSON object")
    if not isinstance(vct, str) or not vct:
        raise InputError("vct must be a non-empty string")
    if not isinstance(issuer, str) or not issuer:
        raise InputError("issuer must be a non-empty string")
    if not isinstance(decoys, int) or isinstance(decoys, bool) or decoys < 0:
        raise InputError("decoys must be a non-negative integer")
    clashes = [name for name in _ARGUMENT_CLAIMS if name in claims]
    if clashes:
        raise InputError(
            f"claims {', '.join(clashes)} are set from the arguments, not from claims",
            ProblemCode.CREDENTIAL_MALFORMED,
        )
    _check_claim_names(claims, "")
    paths = _paths(disclosable, "disclosable")
    reserved = sorted(pointer(p) for p in paths if len(p) == 1 and p[0] in VC_NEVER_DISCLOSABLE)
    if reserved:
        raise InputError(
            f"{', '.join(reserved)} must never be selectively disclosable in an SD-JWT VC",
            ProblemCode.SDJWT_RESERVED_CLAIM,
        )
    encoder = _Encoder(paths, salt, DEFAULT_SD_ALG)
    body = encoder.encode(claims, ())
    missing = sorted(pointer(p) for p in paths - encoder.used)
    if missing:
        raise InputError(f"disclosable claims not found in the credential: {', '.join(missing)}")
    if decoys:
        fake = [
            b64url_encode(_hash(DEFAULT_SD_ALG, encoder.next_salt().encode()))
            for _ in range(decoys)
        ]
        body["_sd"] = sorted([*body.get("_sd", []), *fake])

    payload: JsonObject = {"iss": issuer}
    for name, when in (("iat", iat), ("nbf", nbf), ("exp", exp)):
        number = _numeric(when, name)
        if number is not None:
            payload[name] = number
    payload["vct"] = vct
    if status is not None:
        if not isinstance(status, dict):
            raise InputError("status must be a JSON object")
        payload["status"] = status
    if holder_jwk is not None:
        jwk = _public_only(holder_jwk, "holder JWK")
        PublicKey.from_jwk(jwk)  # a key lerkit can check a KB-JWT with
        payload["cnf"] = {"jwk": jwk}
    payload.update(body)
    payload["_sd_alg"] = DEFAULT_SD_ALG
    token = sign_jwt(payload, key, kid, SD_JWT_VC_TYP)
    return token + "~" + "".join(d + "~" for d in encoder.disclosures)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Parts:
    jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None

    @property
    def sd_jwt(self) -> str:
        """The SD-JWT without its KB-JWT: what ``sd_hash`` is taken over."""
        return self.jwt + "~" + "".join(d + "~" for d in self.disclosures)


def _split(text: str) -> _Parts:
    if not isinstance(text, str):
        raise _malformed("an SD-JWT must be a string")
    parts = text.strip().split("~")
    if len(parts) < 2:
        raise _malformed("no '~' after the issuer-signed JWT (the serialization ends with '~')")
    jwt, *middle, last = parts
    if any(not d for d in middle):
        raise _malformed("an empty Disclosure ('~~')")
    if last and last.count(".") != 2:
        raise _malformed("the part after the last '~' is neither empty nor a KB-JWT")
    return _Parts(jwt, tuple(middle), last or None)


@dataclass(frozen=True)
class _Node:
    """Where a Disclosure landed: its path in the credential as issued."""

    disclosure: Disclosure
    path: Path


@dataclass
class _Reassembly:
    claims: JsonObject
    nodes: list[_Node]
    paths: set[Path]


def _reassemble(payload: JsonObject, encoded: Iterable[str], alg: str, *, vc: bool) -> _Reassembly:
    """RFC 9901 §7.1 steps 3-5: replace digests by the disclosed claims, drop the rest."""
    by_digest: dict[str, Disclosure] = {}
    for text in encoded:
        disclosure = decode_disclosure(text)
        digest = disclosure_digest(text, alg)
        if digest in by_digest:
            raise CryptoError(
                "the same Disclosure is presented twice", ProblemCode.SDJWT_DIGEST_MISMATCH
            )
        by_digest[digest] = disclosure
    seen: set[str] = set()
    used: set[str] = set()
    nodes: list[_Node] = []
    paths: set[Path] = set()

    def claim(digest: object) -> Disclosure | None:
        if not isinstance(digest, str):
            raise _malformed("a digest is not a string")
        if digest in seen:
            raise CryptoError(
                f"the digest {digest} occurs more than once", ProblemCode.SDJWT_DIGEST_MISMATCH
            )
        seen.add(digest)
        found = by_digest.get(digest)
        if found is not None:
            used.add(digest)
        return found

    def walk(value: Any, path: Path) -> Any:
        paths.add(path)
        if isinstance(value, dict):
            out: JsonObject = {}
            for name, child in value.items():
                if name == "_sd" or (not path and name == "_sd_alg"):
                    continue
                out[name] = walk(child, (*path, name))
            digests = value.get("_sd", [])
            if not isinstance(digests, list):
                raise _malformed(f"_sd at {pointer(path) or '/'} is not an array")
            for digest in digests:
                disclosure = claim(digest)
                if disclosure is None:
                    continue  # not disclosed, or a decoy
                name = disclosure.name
                if name is None:
                    raise _malformed("an array-element Disclosure is referenced from an _sd array")
                if vc and not path and name in VC_NEVER_DISCLOSABLE:
                    raise InputError(
                        f"the claim {name!r} is disclosed selectively; an SD-JWT VC must "
                        "always show it",
                        ProblemCode.SDJWT_RESERVED_CLAIM,
                    )
                if name in out or (name == "_sd_alg" and not path):
                    raise _malformed(f"the disclosed claim {pointer((*path, name))} already exists")
                nodes.append(_Node(disclosure, (*path, name)))
                out[name] = walk(disclosure.value, (*path, name))
            return out
        if isinstance(value, list):
            items = []
            for i, element in enumerate(value):
                element_path = (*path, str(i))
                if isinstance(element, dict) and "..." in element:
                    if len(element) != 1:
                        raise _malformed(f"{pointer(element_path)} has '...' and other members")
                    disclosure = claim(element["..."])
                    if disclosure is None:
                        continue
                    if disclosure.name is not None:
                        raise _malformed(
                            "an object-property Disclosure is referenced from an array element"
                        )
                    nodes.append(_Node(disclosure, element_path))
                    items.append(walk(disclosure.value, element_path))
                else:
                    items.append(walk(element, element_path))
            return items
        return value

    claims = walk(payload, ())
    unused = [d for digest, d in by_digest.items() if digest not in used]
    if unused:
        raise CryptoError(
            f"{len(unused)} Disclosure(s) match no digest in the signed payload (changed, or "
            f"from another credential), e.g. one with salt {unused[0].salt!r}",
            ProblemCode.SDJWT_DIGEST_MISMATCH,
        )
    return _Reassembly(claims, nodes, paths)


def _sd_alg(payload: JsonObject) -> str:
    alg = payload.get("_sd_alg", DEFAULT_SD_ALG)
    if not isinstance(alg, str):
        raise _malformed("_sd_alg is not a string")
    _hash(alg, b"")  # refuse an unsupported one now
    return alg


@dataclass(frozen=True)
class DecodedSdJwt:
    """An SD-JWT as its holder sees it: nothing verified but its internal consistency."""

    header: JsonObject
    payload: JsonObject
    claims: JsonObject
    disclosures: tuple[tuple[str, Disclosure], ...]
    """``(JSON pointer, Disclosure)`` in the order of the serialization's tree walk."""
    key_binding_jwt: str | None


def decode_sd_jwt(sd_jwt: str) -> DecodedSdJwt:
    """Split and reassemble an SD-JWT without verifying the signature (for a holder's view)."""
    parts = _split(sd_jwt)
    header, payload = decode_unverified(parts.jwt)
    result = _reassemble(payload, parts.disclosures, _sd_alg(payload), vc=False)
    return DecodedSdJwt(
        header=header,
        payload=payload,
        claims=result.claims,
        disclosures=tuple((pointer(n.path), n.disclosure) for n in result.nodes),
        key_binding_jwt=parts.kb_jwt,
    )


# --------------------------------------------------------------------------- holder


def _sign_compact(header: JsonObject, payload: JsonObject, key: PrivateKey) -> str:
    def part(value: JsonObject) -> str:
        return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))

    signing_input = part(header) + "." + part(payload)
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def _related(a: Path, b: Path) -> bool:
    """One path is a prefix of the other (ancestor, descendant or the same)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def present(
    sd_jwt: str,
    *,
    disclose: Collection[str],
    key: PrivateKey | None,
    aud: str | None,
    nonce: str | None,
    iat: datetime,
) -> str:
    """An SD-JWT presentation showing only the claims at ``disclose`` (JSON pointers into
    the credential as issued, or top-level names).

    A chosen claim brings the Disclosures of its parents (so it can be reached) and of
    everything beneath it (disclosing ``/address`` shows the whole address). When the
    credential has ``cnf``, ``key`` (the ``cnf`` key), ``aud`` and ``nonce`` are needed and
    a KB-JWT is appended; without ``cnf`` no KB-JWT can be made and ``key`` must be None.
    """
    parts = _split(sd_jwt)
    if parts.kb_jwt is not None:
        raise _malformed("this is already a presentation with a KB-JWT; present the credential")
    _, payload = decode_unverified(parts.jwt)
    alg = _sd_alg(payload)
    result = _reassemble(payload, parts.disclosures, alg, vc=False)
    chosen = _paths(disclose, "disclose")
    unknown = sorted(pointer(p) for p in chosen if p not in result.paths)
    if unknown:
        raise InputError(f"claims to disclose are not in the credential: {', '.join(unknown)}")
    keep = {n.disclosure.encoded for n in result.nodes if any(_related(n.path, p) for p in chosen)}
    presented = _Parts(parts.jwt, tuple(d for d in parts.disclosures if d in keep), None).sd_jwt
    cnf = payload.get("cnf")
    if cnf is None:
        if key is not None:
            raise InputError(
                "the credential has no cnf, so it cannot be bound to a key; pass key=None",
                ProblemCode.SDJWT_KEY_BINDING_MISSING,
            )
        return presented
    if key is None:
        raise InputError(
            "the credential is bound to a key (cnf): the holder's key is needed",
            ProblemCode.SDJWT_KEY_BINDING_MISSING,
        )
    if not isinstance(aud, str) or not aud or not isinstance(nonce, str) or not nonce:
        raise InputError("a Key Binding JWT needs a non-empty aud and nonce")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise _malformed("cnf has no jwk (only cnf.jwk is supported)")
    if PublicKey.from_jwk(jwk) != key.public_key:
        raise SigningError("the holder's key is not the credential's cnf key")
    issued_at = _numeric(iat, "iat")
    kb_payload: JsonObject = {
        "iat": issued_at,
        "aud": aud,
        "nonce": nonce,
        "sd_hash": b64url_encode(_hash(alg, presented.encode("ascii"))),
    }
    kb_header: JsonObject = {"alg": key.public_key.jws_alg, "typ": KB_JWT_TYP}
    return presented + _sign_compact(kb_header, kb_payload, key)


# --------------------------------------------------------------------------- verifier


@dataclass(frozen=True)
class SdJwtVerification:
    """What a verified SD-JWT (VC) says. Produced only when every check passed.

    ``claims`` is the processed payload (disclosed claims reassembled; ``_sd``,
    ``_sd_alg`` and undisclosed digests removed). ``disclosed_paths`` are JSON pointers
    of the selectively disclosed claims where they sit in the credential as issued
    (array indexes count undisclosed elements too). ``verification_method`` is None when
    the issuer key was given directly. ``time_findings`` are validity observations about
    ``nbf``/``exp`` at ``now``; they are not raised.
    """

    issuer: str | None
    vct: str | None
    claims: JsonObject
    disclosed_paths: tuple[str, ...]
    header: JsonObject
    payload: JsonObject
    key_binding: bool
    kb_payload: JsonObject | None
    verification_method: VerificationMethod | None
    public_jwk: JsonObject
    not_before: datetime | None
    expires: datetime | None
    issued_at: datetime | None
    time_findings: tuple[ProblemCode, ...] = ()


def _kb_invalid(message: str) -> CryptoError:
    return CryptoError(f"Key Binding JWT: {message}", ProblemCode.SDJWT_KEY_BINDING_INVALID)


def _check_alg(header: JsonObject, what: str) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise InputError(f"the {what} header has no alg", ProblemCode.JWT_MALFORMED)
    if alg == "none" or alg.startswith("HS"):
        raise InputError(
            f"JWS alg {alg!r} is refused for the {what}", ProblemCode.JWT_UNSUPPORTED_ALG
        )
    if "crit" in header:
        raise InputError(
            f"critical header parameters {header['crit']!r} of the {what} are not understood",
            ProblemCode.JWT_MALFORMED,
        )
    return alg


def _timestamp(payload: JsonObject, claim: str, what: str) -> datetime | None:
    value = payload.get(claim)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"the {what} claim {claim} is not a NumericDate", ProblemCode.JWT_MALFORMED
        )
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InputError(
            f"the {what} claim {claim} is out of range", ProblemCode.JWT_MALFORMED
        ) from exc


def _check_key_binding(
    parts: _Parts,
    payload: JsonObject,
    alg: str,
    *,
    now: datetime,
    expected_aud: str | None,
    expected_nonce: str | None,
    max_age: timedelta,
    skew: timedelta,
) -> JsonObject:
    assert parts.kb_jwt is not None
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise _kb_invalid("the credential has no cnf.jwk to check it with")
    try:
        header, kb = decode_unverified(parts.kb_jwt)
    except InputError as exc:
        raise _kb_invalid(f"not a compact JWS ({exc})") from exc
    if header.get("typ") != KB_JWT_TYP:
        raise _kb_invalid(f"typ is {header.get('typ')!r}, not {KB_JWT_TYP!r}")
    kb_alg = _check_alg(header, "KB-JWT")
    try:
        _check_signature(parts.kb_jwt, kb_alg, _public_only(jwk, "cnf.jwk"))
    except (CryptoError, InputError) as exc:
        raise _kb_invalid(f"not signed by the cnf key ({exc})") from exc
    expected_hash = b64url_encode(_hash(alg, parts.sd_jwt.encode("ascii")))
    if kb.get("sd_hash") != expected_hash:
        raise _kb_invalid("sd_hash is not the hash of this presentation")
    for claim, expected in (("aud", expected_aud), ("nonce", expected_nonce)):
        value = kb.get(claim)
        if not isinstance(value, str) or not value:
            raise _kb_invalid(f"no {claim}")
        if expected is not None and value != expected:
            raise _kb_invalid(f"{claim} is {value!r}, expected {expected!r}")
    issued = _timestamp(kb, "iat", "KB-JWT")
    if issued is None:
        raise _kb_invalid("no iat")
    if issued > now + skew:
        raise _kb_invalid(f"iat {issued.isoformat()} is in the future")
    if issued < now - max_age - skew:
        raise _kb_invalid(f"iat {issued.isoformat()} is older than {max_age}")
    return kb


def _verify(
    jwk: JsonObject,
    vm: VerificationMethod | None,
    parts: _Parts,
    header: JsonObject,
    payload: JsonObject,
    alg: str,
    *,
    vc: bool,
    now: datetime,
    expected_aud: str | None,
    expected_nonce: str | None,
    require_key_binding: bool,
    kb_max_age: timedelta,
    clock_skew: timedelta,
) -> SdJwtVerification:
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware")
    _check_signature(parts.jwt, alg, jwk)
    sd_alg = _sd_alg(payload)
    result = _reassemble(payload, parts.disclosures, sd_alg, vc=vc)
    vct = result.claims.get("vct")
    if vc and (not isinstance(vct, str) or not vct):
        raise _malformed("an SD-JWT VC needs a vct claim (a string)")
    issuer = payload.get("iss")
    if issuer is not None and not isinstance(issuer, str):
        raise _malformed("iss is not a string")
    kb_payload = None
    if parts.kb_jwt is not None:
        kb_payload = _check_key_binding(
            parts,
            payload,
            sd_alg,
            now=now,
            expected_aud=expected_aud,
            expected_nonce=expected_nonce,
            max_age=kb_max_age,
            skew=clock_skew,
        )
    elif require_key_binding:
        raise InputError(
            "key binding is required but the presentation has no KB-JWT",
            ProblemCode.SDJWT_KEY_BINDING_MISSING,
        )
    not_before = _timestamp(payload, "nbf", "SD-JWT")
    expires = _timestamp(payload, "exp", "SD-JWT")
    return SdJwtVerification(
        issuer=issuer,
        vct=vct if isinstance(vct, str) else None,
        claims=result.claims,
        disclosed_paths=tuple(pointer(n.path) for n in result.nodes),
        header=header,
        payload=payload,
        key_binding=kb_payload is not None,
        kb_payload=kb_payload,
        verification_method=vm,
        public_jwk=jwk,
        not_before=not_before,
        expires=expires,
        issued_at=_timestamp(payload, "iat", "SD-JWT"),
        time_findings=_time_findings(now, not_before, expires),
    )


def verify_sd_jwt(
    presentation: str,
    issuer_jwk: JsonObject,
    *,
    now: datetime,
    expected_aud: str | None = None,
    expected_nonce: str | None = None,
    require_key_binding: bool,
    kb_max_age: timedelta = DEFAULT_KB_MAX_AGE,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> SdJwtVerification:
    """Verify a plain SD-JWT (any ``typ``) against an issuer public key the caller trusts."""
    parts = _split(presentation)
    header, payload = decode_unverified(parts.jwt)
    alg = _check_alg(header, "issuer-signed JWT")
    return _verify(
        _public_only(issuer_jwk, "issuer JWK"),
        None,
        parts,
        header,
        payload,
        alg,
        vc=False,
        now=now,
        expected_aud=expected_aud,
        expected_nonce=expected_nonce,
        require_key_binding=require_key_binding,
        kb_max_age=kb_max_age,
        clock_skew=clock_skew,
    )


def _issuer_key(
    header: JsonObject, payload: JsonObject, resolver: DidResolver
) -> tuple[VerificationMethod | None, JsonObject]:
    iss = payload.get("iss")
    kid = header.get("kid")
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise InputError("kid is not a non-empty string", ProblemCode.JWT_MALFORMED)
        if not kid.startswith("#") and not kid.startswith("did:"):
            raise ResolutionError(
                f"kid {kid!r} is not a DID URL; keys named in JWT VC Issuer Metadata "
                "(/.well-known/jwt-vc-issuer) are not supported",
                ProblemCode.JWT_KEY_UNRESOLVABLE,
            )
        vm, jwk = _resolve_kid(kid, iss, resolver, "assertionMethod")
        if (
            vm is not None
            and isinstance(iss, str)
            and iss.startswith("did:")
            and split_did_url(vm.id)[0] != split_did_url(iss)[0]
        ):
            raise CryptoError(
                f"the signing key {vm.id} does not belong to the issuer {iss}",
                ProblemCode.ISSUER_MISMATCH,
            )
        return vm, jwk
    if "x5c" in header or "jwk" in header:
        raise ResolutionError(
            "the issuer key is given only by an x5c or jwk header; lerkit does not support "
            "X.509 chains or self-asserted keys for SD-JWT VC (use a DID kid)",
            ProblemCode.JWT_KEY_UNRESOLVABLE,
        )
    if isinstance(iss, str) and iss.startswith("did:"):
        document = resolver.resolve(split_did_url(iss)[0])
        return _sole_method(document, "assertionMethod", f"the SD-JWT VC (no kid, {iss})")
    raise ResolutionError(
        f"the header names no kid and iss {iss!r} is not a DID; JWT VC Issuer Metadata "
        "(/.well-known/jwt-vc-issuer) is not supported",
        ProblemCode.JWT_KEY_UNRESOLVABLE,
    )


def verify_sd_jwt_vc(
    presentation: str,
    resolver: DidResolver,
    *,
    now: datetime,
    expected_aud: str | None = None,
    expected_nonce: str | None = None,
    require_key_binding: bool,
    kb_max_age: timedelta = DEFAULT_KB_MAX_AGE,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> SdJwtVerification:
    """Verify an SD-JWT VC (``typ`` ``dc+sd-jwt``, or the legacy ``vc+sd-jwt``).

    ``expected_aud``/``expected_nonce``, when given, must match the KB-JWT; a KB-JWT is
    always checked when present, and required when ``require_key_binding``. Its ``iat``
    must lie within ``kb_max_age`` before ``now`` (``clock_skew`` either way).
    """
    parts = _split(presentation)
    header, payload = decode_unverified(parts.jwt)
    typ = header.get("typ")
    if typ not in (SD_JWT_VC_TYP, LEGACY_SD_JWT_VC_TYP, SD_JWT_VC_MEDIA_TYPE):
        raise InputError(
            f"typ {typ!r} is not {SD_JWT_VC_TYP!r} (nor the legacy {LEGACY_SD_JWT_VC_TYP!r})",
            ProblemCode.JWT_TYPE_MISMATCH,
        )
    alg = _check_alg(header, "issuer-signed JWT")
    vm, jwk = _issuer_key(header, payload, resolver)
    return _verify(
        jwk,
        vm,
        parts,
        header,
        payload,
        alg,
        vc=True,
        now=now,
        expected_aud=expected_aud,
        expected_nonce=expected_nonce,
        require_key_binding=require_key_binding,
        kb_max_age=kb_max_age,
        clock_skew=clock_skew,
    )


__all__ = [
    "DEFAULT_SD_ALG",
    "KB_JWT_TYP",
    "LEGACY_SD_JWT_VC_TYP",
    "SD_JWT_VC_MEDIA_TYPE",
    "SD_JWT_VC_TYP",
    "VC_NEVER_DISCLOSABLE",
    "DecodedSdJwt",
    "Disclosure",
    "SdJwtVerification",
    "decode_disclosure",
    "decode_sd_jwt",
    "disclosure_digest",
    "encode_disclosure",
    "issue_sd_jwt_vc",
    "parse_path",
    "pointer",
    "present",
    "verify_sd_jwt",
    "verify_sd_jwt_vc",
]
