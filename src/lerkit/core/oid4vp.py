"""OpenID for Verifiable Presentations 1.0: authorization requests and the vp_token. Pure.

The verifier (:mod:`lerkit.services.oid4vp.verifier`) and the wallet
(:mod:`lerkit.services.oid4vp.wallet`) meet here:

* **Requests.** :func:`request_payload` builds the claims of a request object
  (``response_type=vp_token``, ``response_mode=direct_post``, ``response_uri``, ``nonce``,
  ``state``, ``dcql_query``, ``client_metadata``); :func:`sign_request` signs it as a JWT of
  ``typ`` ``oauth-authz-req+jwt``; :func:`invocation_url` gives the
  ``openid4vp://?client_id=...&request_uri=...`` link a QR code carries.
  :func:`parse_invocation` reads such a link back (by reference or by value), and
  :func:`verify_request` checks a request object: its ``typ``, the signature by a key of
  the ``decentralized_identifier:`` client's DID (through the resolver), its expiry, and
  that the parameters fit together (:func:`check_request`). Unsigned requests are accepted
  only with the ``redirect_uri:`` prefix, whose client id must be the ``response_uri``.
* **Responses.** :func:`parse_vp_token` checks the shape of a ``vp_token`` against the DCQL
  query (an object keyed by credential query id, each value a non-empty array, one element
  unless ``multiple``); :func:`key_binding_claims` reads the ``aud``/``nonce`` of an SD-JWT
  presentation's KB-JWT; :func:`w3c_candidate` / :func:`sd_jwt_candidate` turn credentials
  into DCQL candidates.

Errors: :class:`InputError` with ``vp.request_invalid`` (requests), ``dcql.invalid``
(queries) or ``vp.response_malformed`` (responses); a bad signature is a
:class:`CryptoError` with ``vp.request_invalid`` too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from lerkit.core import dcql
from lerkit.core.dids.base import DidResolver, find_verification_method, split_did_url
from lerkit.core.errors import CryptoError, InputError, LerkitError, ProblemCode
from lerkit.core.jose import _check_signature, decode_unverified, sign_jwt
from lerkit.core.jsonld import expand
from lerkit.core.keys import PrivateKey
from lerkit.core.types import JsonObject

SCHEME = "openid4vp://"
REQUEST_TYP = "oauth-authz-req+jwt"
REQUEST_MEDIA_TYPE = "application/oauth-authz-req+jwt"
SELF_ISSUED_AUD = "https://self-issued.me/v2"
DID_PREFIX = "decentralized_identifier:"
REDIRECT_URI_PREFIX = "redirect_uri:"
RESPONSE_TYPE = "vp_token"
DIRECT_POST = "direct_post"
MIN_NONCE = 16
MAX_URL = 8192

VP_FORMATS_SUPPORTED: JsonObject = {
    "dc+sd-jwt": {
        "sd-jwt_alg_values": ["EdDSA", "ES256", "ES384"],
        "kb-jwt_alg_values": ["EdDSA", "ES256", "ES384"],
    },
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof", "Ed25519Signature2020"],
        "cryptosuite_values": [
            "eddsa-rdfc-2022",
            "eddsa-jcs-2022",
            "ecdsa-rdfc-2019",
            "ecdsa-jcs-2019",
            "ecdsa-sd-2023",
        ],
    },
    "jwt_vc_json": {"alg_values": ["EdDSA", "ES256", "ES384"]},
}
"""What lerkit's verifier accepts (``client_metadata.vp_formats_supported``)."""


def _invalid(message: str) -> InputError:
    return InputError(f"invalid OpenID4VP request: {message}", ProblemCode.OID4VP_REQUEST_INVALID)


def _malformed(message: str) -> InputError:
    return InputError(
        f"malformed OpenID4VP response: {message}", ProblemCode.OID4VP_RESPONSE_MALFORMED
    )


# --------------------------------------------------------------------------- requests


def request_payload(
    *,
    client_id: str,
    response_uri: str,
    nonce: str,
    state: str,
    dcql_query: JsonObject,
    client_metadata: JsonObject,
    issued_at: datetime,
    expires_at: datetime,
    purpose: str | None = None,
) -> JsonObject:
    """The claims of a request object (OpenID4VP 1.0 §5, JAR RFC 9101)."""
    payload: JsonObject = {
        "iss": client_id,
        "aud": SELF_ISSUED_AUD,
        "client_id": client_id,
        "response_type": RESPONSE_TYPE,
        "response_mode": DIRECT_POST,
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dcql_query,
        "client_metadata": client_metadata,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    if purpose:
        payload["purpose"] = purpose  # lerkit extension: shown to the holder
    return payload


def sign_request(payload: JsonObject, key: PrivateKey, kid: str) -> str:
    """The signed request object (``typ`` ``oauth-authz-req+jwt``, ``kid`` a DID URL)."""
    return sign_jwt(payload, key, kid, REQUEST_TYP)


def invocation_url(client_id: str, request_uri: str) -> str:
    """``openid4vp://?client_id=...&request_uri=...`` (the QR code's content)."""
    return (
        f"{SCHEME}?client_id={quote(client_id, safe='')}&request_uri={quote(request_uri, safe='')}"
    )


def parse_invocation(url: str) -> dict[str, str]:
    """The parameters of an ``openid4vp://`` (or ``haip://``, or https) request link."""
    if not isinstance(url, str) or not url.strip():
        raise _invalid("the request link is empty")
    text = url.strip()
    if len(text) > MAX_URL:
        raise _invalid(f"the request link is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise _invalid(f"the request link is not a URL: {exc}") from exc
    if parts.scheme not in (
        "openid4vp",
        "haip",
        "https",
        "http",
        "eudi-openid4vp",
        "mdoc-openid4vp",
    ):
        raise _invalid(f"{parts.scheme or 'no'} scheme: expected an openid4vp:// link")
    params: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in params:
            raise _invalid(f"parameter {name} is given twice")
        params[name] = value
    if "client_id" not in params:
        raise _invalid("the link has no client_id")
    return params


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked request. ``verifier_did``/``signed_by`` are set when the request object was
    signed by the DID of a ``decentralized_identifier:`` client."""

    client_id: str
    response_uri: str
    nonce: str
    state: str | None
    dcql_query: dcql.DcqlQuery
    dcql_json: JsonObject
    client_metadata: JsonObject
    purpose: str | None
    verifier_did: str | None = None
    signed_by: str | None = None
    expires_at: datetime | None = None

    @property
    def verifier_name(self) -> str | None:
        """The name the verifier gives itself (``client_metadata.client_name``); unverified."""
        name = self.client_metadata.get("client_name")
        return name if isinstance(name, str) and name.strip() else None

    @property
    def purposes(self) -> list[str]:
        out = [self.purpose] if self.purpose else []
        return out + [p for p in self.dcql_query.purposes() if p not in out]


def _string(params: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise _invalid(f"{name} is missing")
        return None
    if not isinstance(value, str) or not value or len(value) > 4096:
        raise _invalid(f"{name} must be a non-empty string")
    return value


def _json_member(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):  # by value in a URL: JSON text
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _invalid(f"{name} is not JSON") from exc
    return value


def check_request(
    params: Mapping[str, Any],
    *,
    verifier_did: str | None = None,
    signed_by: str | None = None,
    expires_at: datetime | None = None,
) -> AuthorizationRequest:
    """Check the parameters of a request (from a verified request object, or by value)."""
    client_id = _string(params, "client_id")
    assert client_id is not None
    if params.get("response_type") != RESPONSE_TYPE:
        raise _invalid(f"response_type must be {RESPONSE_TYPE!r}")
    if params.get("response_mode") != DIRECT_POST:
        raise _invalid(f"response_mode must be {DIRECT_POST!r} (the only one lerkit answers)")
    response_uri = _string(params, "response_uri")
    assert response_uri is not None
    if urlsplit(response_uri).scheme not in ("https", "http"):
        raise _invalid("response_uri must be an https URL")
    nonce = _string(params, "nonce")
    assert nonce is not None
    if len(nonce) < MIN_NONCE:
        raise _invalid(f"the nonce is shorter than {MIN_NONCE} characters")
    state = _string(params, "state", required=False)
    if "scope" in params and "dcql_query" in params:
        raise _invalid("give either dcql_query or scope, not both")
    if "presentation_definition" in params and "dcql_query" not in params:
        raise _invalid(
            "presentation_definition (DIF Presentation Exchange) was removed before "
            "OpenID4VP 1.0; lerkit answers DCQL queries"
        )
    raw_query = _json_member(params, "dcql_query")
    if raw_query is None:
        raise _invalid("dcql_query is missing (scope-based requests are not supported)")
    query = dcql.parse_query(raw_query)
    metadata = _json_member(params, "client_metadata") or {}
    if not isinstance(metadata, dict):
        raise _invalid("client_metadata must be a JSON object")
    if client_id.startswith(REDIRECT_URI_PREFIX):
        if client_id[len(REDIRECT_URI_PREFIX) :] != response_uri:
            raise _invalid("with the redirect_uri: prefix, the client id must be the response_uri")
    elif client_id.startswith(DID_PREFIX):
        if verifier_did is None:
            raise _invalid("a decentralized_identifier: client must send a signed request object")
    else:
        raise _invalid(
            "the client id prefix is not supported (lerkit answers decentralized_identifier: "
            "and redirect_uri: clients)"
        )
    purpose = params.get("purpose")
    return AuthorizationRequest(
        client_id=client_id,
        response_uri=response_uri,
        nonce=nonce,
        state=state,
        dcql_query=query,
        dcql_json=raw_query,
        client_metadata=metadata,
        purpose=purpose[:500] if isinstance(purpose, str) and purpose.strip() else None,
        verifier_did=verifier_did,
        signed_by=signed_by,
        expires_at=expires_at,
    )


def verify_request(
    token: str,
    resolver: DidResolver,
    *,
    now: datetime,
    link_params: Mapping[str, str] | None = None,
) -> AuthorizationRequest:
    """Verify a request object (a JWT fetched from ``request_uri``) and check it."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise _invalid("the request object is not a compact JWT")
    try:
        header, payload = decode_unverified(token.strip())
    except LerkitError as exc:
        raise _invalid(f"the request object is not a JWT: {exc}") from exc
    if header.get("typ") != REQUEST_TYP:
        raise _invalid(f"the request object's typ is {header.get('typ')!r}, not {REQUEST_TYP!r}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg == "none" or alg.startswith("HS"):
        raise _invalid("the request object must be signed with an asymmetric key")
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not client_id.startswith(DID_PREFIX):
        raise _invalid(
            "a signed request object needs a decentralized_identifier: client id "
            "(x509 and other prefixes are not supported)"
        )
    if link_params is not None and link_params.get("client_id") not in (None, client_id):
        raise _invalid("the link's client_id is not the request object's")
    did = client_id[len(DID_PREFIX) :]
    kid = header.get("kid")
    if not isinstance(kid, str) or split_did_url(kid)[0] != did or "#" not in kid:
        raise _invalid("the request object's kid must be a DID URL of the client's DID")
    document = resolver.resolve(did)
    try:
        vm = find_verification_method(document, kid, None)
        allowed = {
            *_refs(document, "authentication"),
            *_refs(document, "assertionMethod"),
        }
        if kid not in allowed:
            raise _invalid(f"{kid} is not an authentication or assertion key of {did}")
        _check_signature(token.strip(), alg, vm.public_key.jwk)
    except CryptoError as exc:
        raise CryptoError(
            f"the request object's signature does not verify: {exc}",
            ProblemCode.OID4VP_REQUEST_INVALID,
        ) from exc
    exp = payload.get("exp")
    expires_at = None
    if exp is not None:
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise _invalid("exp is not a NumericDate")
        expires_at = datetime.fromtimestamp(exp, UTC)
        if now >= expires_at:
            raise InputError("the request has expired", ProblemCode.OID4VP_REQUEST_EXPIRED)
    return check_request(payload, verifier_did=did, signed_by=vm.id, expires_at=expires_at)


def _refs(document: JsonObject, relationship: str) -> set[str]:
    did = str(document.get("id", ""))
    out: set[str] = set()
    entries = document.get(relationship) or []
    for entry in entries if isinstance(entries, list) else [entries]:
        ref = (
            entry
            if isinstance(entry, str)
            else entry.get("id")
            if isinstance(entry, dict)
            else None
        )
        if isinstance(ref, str):
            out.add(did + ref if ref.startswith("#") else ref)
    return out


# --------------------------------------------------------------------------- responses


def parse_vp_token(value: object, query: dcql.DcqlQuery) -> dict[str, list[Any]]:
    """Check a vp_token's shape against the query (1.0 final: values are arrays)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _malformed("vp_token is not JSON") from exc
    if not isinstance(value, dict) or not value:
        raise _malformed("vp_token must be a non-empty JSON object keyed by credential query id")
    out: dict[str, list[Any]] = {}
    for key, items in value.items():
        try:
            q = query.query(key)
        except KeyError:
            raise InputError(
                f"vp_token answers {key!r}, which the query does not ask for",
                ProblemCode.OID4VP_QUERY_UNSATISFIED,
            ) from None
        if not isinstance(items, list) or not items:
            raise _malformed(f"vp_token[{key!r}] must be a non-empty array of presentations")
        if len(items) > 1 and not q.multiple:
            raise _malformed(f"vp_token[{key!r}] holds {len(items)} presentations; one is asked")
        if len(items) > 20:
            raise _malformed(f"vp_token[{key!r}] holds more than 20 presentations")
        for item in items:
            if not isinstance(item, str | dict):
                raise _malformed(f"each presentation in vp_token[{key!r}] is a string or object")
        out[key] = items
    return out


def key_binding_claims(presentation: str) -> JsonObject | None:
    """The payload of an SD-JWT presentation's KB-JWT, unverified (None: there is none)."""
    if not isinstance(presentation, str) or "~" not in presentation:
        return None
    last = presentation.rsplit("~", 1)[1]
    if not last:
        return None
    try:
        _header, payload = decode_unverified(last)
    except LerkitError:
        return None
    return payload


def expanded_types(credential: JsonObject) -> tuple[str, ...]:
    """The credential's ``type`` values as expanded IRIs (through its bundled contexts); ()
    when the contexts cannot be processed."""
    context = credential.get("@context")
    types = credential.get("type")
    if context is None or types is None:
        return ()
    try:
        expanded = expand({"@context": context, "type": types})
    except LerkitError:
        return ()
    out: list[str] = []
    for node in expanded:
        if isinstance(node, dict):
            for t in node.get("@type", []):
                if isinstance(t, str):
                    out.append(t)
    return tuple(out)


def credential_types(credential: JsonObject) -> tuple[str, ...]:
    """Compact and expanded types (``type_values`` may use either)."""
    raw = credential.get("type")
    compact = [raw] if isinstance(raw, str) else [t for t in raw or [] if isinstance(t, str)]
    return tuple(dict.fromkeys([*compact, *expanded_types(credential)]))


def subject_ids(credential: JsonObject) -> list[str]:
    subjects = credential.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    return [s["id"] for s in items if isinstance(s, dict) and isinstance(s.get("id"), str)]


def issuer_of(credential: JsonObject) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def w3c_candidate(
    ref: str, credential: JsonObject, fmt: str, *, holder_dids: set[str] | None = None
) -> dcql.Candidate:
    """A W3C credential as a DCQL candidate; bound when a subject id is one of
    ``holder_dids`` (None: when it has any DID subject)."""
    ids = subject_ids(credential)
    if holder_dids is None:
        bound = any(i.startswith("did:") for i in ids)
    else:
        bound = any(i in holder_dids for i in ids)
    return dcql.Candidate(
        ref=ref,
        format=fmt,
        claims=credential,
        types=credential_types(credential),
        holder_binding=bound,
    )


def sd_jwt_candidate(ref: str, claims: JsonObject, *, bound: bool) -> dcql.Candidate:
    vct = claims.get("vct")
    return dcql.Candidate(
        ref=ref,
        format="dc+sd-jwt",
        claims=claims,
        vct=vct if isinstance(vct, str) else None,
        holder_binding=bound,
    )


__all__ = [
    "DID_PREFIX",
    "DIRECT_POST",
    "REDIRECT_URI_PREFIX",
    "REQUEST_MEDIA_TYPE",
    "REQUEST_TYP",
    "SCHEME",
    "VP_FORMATS_SUPPORTED",
    "AuthorizationRequest",
    "check_request",
    "credential_types",
    "expanded_types",
    "invocation_url",
    "issuer_of",
    "key_binding_claims",
    "parse_invocation",
    "parse_vp_token",
    "request_payload",
    "sd_jwt_candidate",
    "sign_request",
    "subject_ids",
    "verify_request",
    "w3c_candidate",
]
