"""Receiving as a client: OpenID4VCI 1.0 (pre-authorized code flow) and VC-API exchanges.

:class:`Oid4vciClient` takes an ``openid-credential-offer://`` URL (the offer by value,
``credential_offer``, or by reference, ``credential_offer_uri``), reads the issuer's
metadata (``/.well-known/openid-credential-issuer`` inserted before the issuer's path) and
its authorization server's, redeems the pre-authorized code (with ``tx_code`` when the
offer asks for one), gets a ``c_nonce`` from the nonce endpoint, and asks for each offered
configuration with a JWT proof of possession (``openid4vci-proof+jwt``: ``aud`` the issuer,
``iat``, ``nonce``) signed with the holder's key (Ed25519 when the issuer takes EdDSA, a
P-256 key otherwise). It returns the credentials as received; the wallet verifies and
stores them.

:class:`ExchangeClient` answers a VC-API exchange: POST ``{}`` to the exchange, answer a
``DIDAuthentication`` request with a presentation signed for its challenge and domain,
and collect the credentials of the answer.

No database work happens here (the caller signs in one unit of work and stores in another),
so nothing is held open while remote servers answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.jose import sign_jwt
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.services.errors import ValidationError
from lerkit.services.wallet.http import HttpResponse, IssuerRefused, WalletHttp

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEMES = ("openid-credential-offer", "haip", "https", "http")
MAX_CONFIGURATIONS = 10


def _offer_invalid(message: str) -> ValidationError:
    return ValidationError(message, code=ProblemCode.WALLET_OFFER_INVALID)


@dataclass(frozen=True)
class HolderSigner:
    """A holder key for one flow: the private key and its verification method (a did:key
    DID URL)."""

    key: PrivateKey
    verification_method: str

    @property
    def did(self) -> str:
        return self.verification_method.split("#", 1)[0]


# (key type wanted) -> signer; the wallet creates a P-256 key when the holder has none
SignerFor = Callable[[KeyType], HolderSigner]


@dataclass(frozen=True)
class ReceivedItem:
    """One credential as the issuer sent it: a JSON object (``ldp_vc``) or a string."""

    credential: Any
    configuration: str
    format: str

    def document(self) -> str:
        if isinstance(self.credential, str):
            return self.credential
        return json.dumps(self.credential, ensure_ascii=False)


def parse_offer_url(url: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(offer, None)`` for an offer by value, ``(None, credential_offer_uri)`` by reference."""
    text = url.strip()
    if len(text) > 64 * 1024:
        raise _offer_invalid("the offer URL is too long")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise _offer_invalid(f"the offer is not a URL: {exc}") from exc
    if parts.scheme.lower() not in OFFER_SCHEMES:
        raise _offer_invalid(
            "the offer must be an openid-credential-offer:// URL (scanned from the issuer's QR "
            "code or link)"
        )
    query = parse_qs(parts.query)
    if "credential_offer" in query:
        try:
            offer = json.loads(query["credential_offer"][0])
        except ValueError as exc:
            raise _offer_invalid("credential_offer is not JSON") from exc
        if not isinstance(offer, dict):
            raise _offer_invalid("credential_offer is not a JSON object")
        return offer, None
    if "credential_offer_uri" in query:
        reference = query["credential_offer_uri"][0]
        if not reference.startswith(("https://", "http://")):
            raise _offer_invalid("credential_offer_uri must be an https URL")
        return None, reference
    raise _offer_invalid("the URL holds neither credential_offer nor credential_offer_uri")


def well_known(issuer: str, name: str) -> str:
    """``https://host/.well-known/<name>/<path>`` (RFC 8414 / OpenID4VCI §12.2.2)."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{name}{path}", "", ""))


def _error_of(response: HttpResponse, what: str) -> IssuerRefused:
    detail = f"{what} answered HTTP {response.status}"
    try:
        body = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict):
        error = body.get("error") or body.get("code") or body.get("title")
        description = body.get("error_description") or body.get("detail")
        if isinstance(error, str):
            detail += f": {error[:100]}"
        if isinstance(description, str):
            detail += f" ({description[:300]})"
    return IssuerRefused(detail)


class Oid4vciClient:
    def __init__(self, http: WalletHttp, clock: Callable[[], float] = time.time) -> None:
        self._http = http
        self._clock = clock

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        response = self._http.request("GET", url, headers={"Accept": "application/json"})
        if response.status != 200:
            raise _error_of(response, what)
        return response.json_object(what)

    def fetch_offer(self, url: str) -> dict[str, Any]:
        offer, reference = parse_offer_url(url)
        if offer is None:
            assert reference is not None
            offer = self._get_json(reference, "the credential offer")
        issuer = offer.get("credential_issuer")
        if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")):
            raise _offer_invalid("the offer names no https credential_issuer")
        ids = offer.get("credential_configuration_ids")
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > MAX_CONFIGURATIONS
            or not all(isinstance(i, str) for i in ids)
        ):
            raise _offer_invalid("the offer lists no credential_configuration_ids")
        grants = offer.get("grants")
        grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
        if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
            raise _offer_invalid(
                "the offer has no pre-authorized code (the authorization code flow is not "
                "supported by this wallet)"
            )
        return offer

    def receive(
        self, offer_url: str, tx_code: str | None, signer_for: SignerFor
    ) -> list[ReceivedItem]:
        offer = self.fetch_offer(offer_url)
        issuer: str = offer["credential_issuer"]
        grant = offer["grants"][PRE_AUTHORIZED_GRANT]
        if grant.get("tx_code") is not None and not tx_code:
            description = (
                grant["tx_code"].get("description") if isinstance(grant["tx_code"], dict) else None
            )
            raise ValidationError(
                "this offer needs the transaction code the issuer sent you separately"
                + (f" ({description[:200]})" if isinstance(description, str) else ""),
                [{"field": "tx_code", "message": "required by this offer"}],
                code=ProblemCode.WALLET_TX_CODE_REQUIRED,
            )
        metadata = self._get_json(
            well_known(issuer, "openid-credential-issuer"), "the issuer metadata"
        )
        if metadata.get("credential_issuer") != issuer:
            raise _offer_invalid("the issuer metadata names another credential_issuer")
        configurations = metadata.get("credential_configurations_supported")
        if not isinstance(configurations, dict):
            raise _offer_invalid("the issuer metadata has no credential_configurations_supported")
        credential_endpoint = metadata.get("credential_endpoint")
        if not isinstance(credential_endpoint, str):
            raise _offer_invalid("the issuer metadata has no credential_endpoint")
        token_endpoint = self._token_endpoint(issuer, metadata, grant)
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": grant["pre-authorized_code"],
        }
        if tx_code:
            form["tx_code"] = tx_code
        token_response = self._http.request(
            "POST", token_endpoint, form=form, headers={"Accept": "application/json"}
        )
        if token_response.status != 200:
            raise _error_of(token_response, "the token endpoint")
        token = token_response.json_object("the token response")
        access_token = token.get("access_token")
        if not isinstance(access_token, str):
            raise IssuerRefused("the token response has no access_token")
        nonce = token.get("c_nonce") if isinstance(token.get("c_nonce"), str) else None
        nonce_endpoint = metadata.get("nonce_endpoint")
        received: list[ReceivedItem] = []
        for configuration_id in offer["credential_configuration_ids"]:
            configuration = configurations.get(configuration_id)
            if not isinstance(configuration, dict):
                raise _offer_invalid(f"the issuer does not describe {configuration_id!r}")
            if isinstance(nonce_endpoint, str):
                nonce = self._nonce(nonce_endpoint)
            signer = signer_for(_key_type_for(configuration))
            proof = self._proof(signer, issuer, nonce)
            body: dict[str, Any] = {
                "credential_configuration_id": configuration_id,
                "proofs": {"jwt": [proof]},
            }
            response = self._http.request(
                "POST",
                credential_endpoint,
                json_body=body,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
            if response.status != 200:
                raise _error_of(response, "the credential endpoint")
            answer = response.json_object("the credential response")
            items = answer.get("credentials")
            if items is None and "credential" in answer:
                items = [{"credential": answer["credential"]}]
            if not isinstance(items, list) or not items:
                raise IssuerRefused(
                    "the credential response holds no credential (deferred issuance is not "
                    "supported)"
                )
            for item in items:
                value = item.get("credential") if isinstance(item, dict) else None
                if not isinstance(value, dict | str):
                    raise IssuerRefused("a credential in the response is not an object or string")
                received.append(
                    ReceivedItem(value, configuration_id, str(configuration.get("format", "")))
                )
        return received

    def _token_endpoint(self, issuer: str, metadata: dict[str, Any], grant: dict[str, Any]) -> str:
        servers = metadata.get("authorization_servers")
        server = issuer
        if isinstance(servers, list) and servers and isinstance(servers[0], str):
            wanted = grant.get("authorization_server")
            server = wanted if isinstance(wanted, str) and wanted in servers else servers[0]
        for name in ("oauth-authorization-server", "openid-configuration"):
            response = self._http.request(
                "GET", well_known(server, name), headers={"Accept": "application/json"}
            )
            if response.status == 200:
                endpoint = response.json_object("the authorization server metadata").get(
                    "token_endpoint"
                )
                if isinstance(endpoint, str):
                    return endpoint
        raise _offer_invalid("the authorization server metadata names no token_endpoint")

    def _nonce(self, endpoint: str) -> str:
        response = self._http.request("POST", endpoint, headers={"Accept": "application/json"})
        if response.status != 200:
            raise _error_of(response, "the nonce endpoint")
        nonce = response.json_object("the nonce response").get("c_nonce")
        if not isinstance(nonce, str):
            raise IssuerRefused("the nonce response has no c_nonce")
        return nonce

    def _proof(self, signer: HolderSigner, issuer: str, nonce: str | None) -> str:
        payload: dict[str, Any] = {"aud": issuer, "iat": int(self._clock())}
        if nonce is not None:
            payload["nonce"] = nonce
        return sign_jwt(payload, signer.key, signer.verification_method, PROOF_TYP)


def _key_type_for(configuration: dict[str, Any]) -> KeyType:
    proofs = configuration.get("proof_types_supported")
    algs: list[Any] = []
    if isinstance(proofs, dict) and isinstance(proofs.get("jwt"), dict):
        found = proofs["jwt"].get("proof_signing_alg_values_supported")
        algs = found if isinstance(found, list) else []
    if not algs or "EdDSA" in algs or "Ed25519" in algs:
        return KeyType.ED25519
    if "ES256" in algs:
        return KeyType.P256
    raise _offer_invalid(
        f"the issuer takes proofs signed with {algs[:5]}; this wallet signs with EdDSA or ES256"
    )


class ExchangeClient:
    """A VC-API exchange as the holder: DIDAuthentication, then the issued credentials."""

    def __init__(self, http: WalletHttp) -> None:
        self._http = http

    def _post(self, url: str, body: Any, what: str) -> dict[str, Any]:
        response = self._http.request(
            "POST", url, json_body=body, headers={"Accept": "application/json"}
        )
        if response.status != 200:
            raise _error_of(response, what)
        return response.json_object(what)

    def exchange_url(self, url: str) -> str:
        """The exchange URL of ``url`` (an exchange URL, or an interaction URL whose JSON
        answer lists a ``vcapi`` protocol)."""
        if not url.startswith(("https://", "http://")) or len(url) > 4000:
            raise _offer_invalid("the exchange must be an https URL")
        if "/exchanges/" in urlsplit(url).path:
            return url
        response = self._http.request("GET", url, headers={"Accept": "application/json"})
        if response.status != 200:
            raise _error_of(response, "the interaction URL")
        protocols = response.json_object("the interaction answer").get("protocols")
        vcapi = protocols.get("vcapi") if isinstance(protocols, dict) else None
        if not isinstance(vcapi, str):
            raise _offer_invalid("the interaction URL offers no VC-API exchange")
        return vcapi

    def receive(self, url: str, signer: HolderSigner, now: datetime) -> list[ReceivedItem]:
        exchange = self.exchange_url(url)
        first = self._post(exchange, {}, "the exchange")
        request = first.get("verifiablePresentationRequest")
        if isinstance(request, dict):
            challenge = request.get("challenge")
            domain = request.get("domain")
            if not isinstance(challenge, str) or not isinstance(domain, str):
                raise _offer_invalid("the presentation request has no challenge or domain")
            queries = [q for q in _list(request.get("query")) if isinstance(q, dict)]
            if queries and not any(q.get("type") == "DIDAuthentication" for q in queries):
                raise _offer_invalid(
                    "the exchange asks for credentials; this wallet answers DIDAuthentication"
                )
            presentation = create_presentation([], holder=signer.did)
            try:
                signed = sign_presentation(
                    presentation,
                    signer.key,
                    verification_method=signer.verification_method,
                    created=now,
                    challenge=challenge,
                    domain=domain,
                )
            except LerkitError as exc:
                raise _offer_invalid(f"cannot sign the presentation: {exc}") from exc
            answer = self._post(exchange, {"verifiablePresentation": signed}, "the exchange")
        else:
            answer = first
        vp = answer.get("verifiablePresentation")
        credentials = _list(vp.get("verifiableCredential")) if isinstance(vp, dict) else []
        if not credentials:
            raise IssuerRefused("the exchange answered without a credential")
        return [
            ReceivedItem(c, "vcapi", "ldp_vc" if isinstance(c, dict) else "jwt_vc")
            for c in credentials
            if isinstance(c, dict | str)
        ]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
