"""The wallet's answers to OpenID4VP 1.0 requests (issue 5, point 4).

1. :meth:`WalletPresenter.open` — the holder pastes or scans an ``openid4vp://`` link. The
   request object is fetched from ``request_uri`` and verified (``typ``
   ``oauth-authz-req+jwt``, signed by a key of the ``decentralized_identifier:`` client's
   DID, resolved did:web / did:key); a request by value is accepted only from a
   ``redirect_uri:`` client. Its DCQL query is evaluated against the holder's credentials
   (only theirs), and what each candidate would disclose is kept with the request, with a
   one-time secret for the consent page (only its hash is stored).
2. The holder sees the verifier, the purpose and exactly which claims of which credential
   would be disclosed (:meth:`view`; the consent page renders it).
3. Only on explicit consent, :meth:`respond` builds the ``vp_token``: an SD-JWT VC with only
   the disclosures asked for and a KB-JWT (``aud`` = client id, ``nonce``); a W3C credential
   in a VP signed by the holder's key of the credential subject's DID (``challenge`` =
   nonce, ``domain`` = client id; a VP-JWT for ``jwt_vc_json``); an ``ecdsa-sd-2023`` base
   credential is first derived to reveal only the claims asked for. The answer is posted to
   ``response_uri`` and a consent record (kind ``oid4vp``) says what was disclosed to whom
   and why. :meth:`decline` posts ``error=access_denied`` instead; nothing is disclosed.

Network I/O is passed in (``fetch_request``, ``post_response``: the composition root
answers this instance's own URLs in process and sends the rest through the bounded
fetcher). The unit of work is closed while the verifier is called, so that a verifier on
the same database can write its own.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core import dcql, holder, sdjwt
from lerkit.core import oid4vp as vp
from lerkit.core.dids.base import DidResolver
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.jose import decode_unverified
from lerkit.core.keys import PublicKey
from lerkit.core.multibase import b64url_encode
from lerkit.core.types import JsonObject
from lerkit.db.models_oid4vp import WalletPresentationRequest
from lerkit.db.models_wallet import HolderKey, WalletCredential
from lerkit.db.session import Database
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from lerkit.services.wallet.accounts import HolderAccounts
from lerkit.services.wallet.consent import ConsentLedger

FORMATS = {"ldp_vc": "ldp_vc", "jwt_vc": "jwt_vc_json", "sd_jwt_vc": "dc+sd-jwt"}
"""Wallet credential format -> DCQL format."""

FetchRequest = Callable[[str], str]
"""``fetch_request(request_uri)`` -> the request object (a JWT); raises ServiceError."""
PostResponse = Callable[[str, Mapping[str, str]], "VerifierAnswer"]
"""``post_response(response_uri, form)`` -> the verifier's answer."""


@dataclass(frozen=True)
class VerifierAnswer:
    """What the verifier said: ``status`` None when nothing could be sent."""

    status: int | None
    body: JsonObject


class VerifierUnreachable(ServiceError):
    """422 (the API answers 5xx only for its own faults): the verifier's URL was refused
    or did not answer."""

    default_code = ProblemCode.OID4VP_VERIFIER_UNREACHABLE
    status = 422


class NoMatch(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code=ProblemCode.OID4VP_NO_MATCH)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Held:
    """A holder's credential as the wallet reads it."""

    row: WalletCredential
    candidate: dcql.Candidate
    document: JsonObject | str  # parsed JSON (ldp_vc), or the compact text
    name: str
    issuer: str | None
    selectively_disclosable: bool
    always_shown: list[str]


class WalletPresenter:
    def __init__(
        self,
        db: Database,
        *,
        accounts: HolderAccounts,
        consent: ConsentLedger,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
        resolver: Callable[[], DidResolver],
        fetch_request: FetchRequest,
        post_response: PostResponse,
    ) -> None:
        self._db = db
        self._accounts = accounts
        self._consent = consent
        self._clock = clock
        self._entropy = entropy
        self.public_url = public_url.rstrip("/")
        self._resolver = resolver
        self._fetch_request = fetch_request
        self._post_response = post_response

    # ------------------------------------------------------------------ open a request

    def open(self, holder_id: int, url: str) -> tuple[WalletPresentationRequest, str]:
        """Fetch, verify and evaluate a request; ``(row, consent secret)`` (secret shown once)."""
        params = vp.parse_invocation(url)
        now = self._clock()
        if "request_uri" in params:
            method = params.get("request_uri_method", "get")
            if method != "get":
                raise InputError(
                    "request_uri_method=post is not supported",
                    ProblemCode.OID4VP_REQUEST_INVALID,
                )
            token = self._fetch_request(params["request_uri"])
            request = vp.verify_request(token, self._resolver(), now=now, link_params=params)
        elif "request" in params:
            request = vp.verify_request(
                params["request"], self._resolver(), now=now, link_params=params
            )
        else:
            request = vp.check_request(params)
        secret = b64url_encode(self._entropy(24))
        with self._db.session() as session:
            held = self._held(session, holder_id)
            evaluation = dcql.evaluate(request.dcql_query, [h.candidate for h in held])
            by_ref = {h.row.public_id: h for h in held}
            matches: JsonObject = {}
            for qid, outcome in evaluation.outcomes.items():
                matches[qid] = [
                    self._describe(by_ref[m.ref], m, request.dcql_query.query(qid))
                    for m in outcome.matches
                ]
            purposes = request.purposes
            row = WalletPresentationRequest(
                public_id=self._entropy(16).hex(),
                holder_id=holder_id,
                client_id=request.client_id,
                verifier_did=request.verifier_did,
                verifier_name=(request.verifier_name or "")[:300] or None,
                purpose=" — ".join(purposes)[:1000],
                response_uri=request.response_uri,
                nonce=request.nonce,
                state=request.state,
                dcql_query=request.dcql_query.to_json(),
                matches=matches,
                satisfiable=evaluation.satisfiable,
                consent_secret_hash=_sha256(secret),
                status="pending",
                verifier_answer={},
                created_at=now,
                expires_at=request.expires_at,
            )
            session.add(row)
            session.flush()
            session.expunge(row)
        return row, secret

    def _held(self, session: Session, holder_id: int) -> list[_Held]:
        keys = list(session.scalars(select(HolderKey).where(HolderKey.holder_id == holder_id)))
        dids = {k.did for k in keys}
        publics = [PublicKey.from_multikey(k.public_multikey) for k in keys]
        out: list[_Held] = []
        rows = session.scalars(
            select(WalletCredential)
            .where(WalletCredential.holder_id == holder_id)
            .order_by(WalletCredential.id)
        )
        for row in rows:
            try:
                held = _read(row, dids, publics)
            except (LerkitError, ValueError, KeyError, TypeError):
                continue  # a credential the wallet cannot present is simply not offered
            if held is not None:
                out.append(held)
        return out

    def _describe(self, held: _Held, match: dcql.Match, q: dcql.CredentialQuery) -> JsonObject:
        claims = []
        for pointer in match.disclosed:
            value = _at(held.candidate.claims, pointer)
            claims.append({"pointer": dcql.json_pointer(pointer), "value": value})
        whole = held.row.format != "sd_jwt_vc" and not held.selectively_disclosable
        return {
            "credential": held.row.public_id,
            "format": q.format,
            "name": held.name,
            "issuer": held.issuer,
            "claimSet": match.claim_set,
            "pointers": match.pointers,
            "claims": claims,
            # a W3C credential without a selective-disclosure proof goes out whole
            "wholeCredential": whole,
            "alwaysShown": held.always_shown,
        }

    # ------------------------------------------------------------------ read

    def get(self, session: Session, holder_id: int, public_id: str) -> WalletPresentationRequest:
        row = session.scalar(
            select(WalletPresentationRequest).where(
                WalletPresentationRequest.public_id == public_id,
                WalletPresentationRequest.holder_id == holder_id,
            )
        )
        if row is None:
            raise NotFoundError("no such presentation request in this wallet")
        return row

    def by_consent_secret(self, session: Session, public_id: str, secret: str) -> int:
        """The holder a consent-page secret belongs to (AuthenticationError otherwise)."""
        row = session.scalar(
            select(WalletPresentationRequest).where(
                WalletPresentationRequest.public_id == public_id
            )
        )
        if row is None or not hmac.compare_digest(row.consent_secret_hash, _sha256(secret)):
            raise AuthenticationError("this consent link is not valid")
        return row.holder_id

    def to_json(self, row: WalletPresentationRequest, secret: str | None = None) -> JsonObject:
        out: JsonObject = {
            "id": row.public_id,
            "status": row.status,
            "verifier": {
                "clientId": row.client_id,
                "did": row.verifier_did,
                "name": row.verifier_name,
                "verified": row.verifier_did is not None,
            },
            "purpose": row.purpose,
            "responseUri": row.response_uri,
            "dcqlQuery": row.dcql_query,
            "matches": row.matches,
            "satisfiable": row.satisfiable,
            "createdAt": row.created_at.isoformat(),
            "expiresAt": row.expires_at.isoformat() if row.expires_at else None,
            "answeredAt": row.answered_at.isoformat() if row.answered_at else None,
            "verifierAnswer": row.verifier_answer or None,
            "consentRecord": row.consent_id,
        }
        if secret is not None:
            out["consentUrl"] = self.consent_url(row.public_id, secret)
        return out

    def consent_url(self, public_id: str, secret: str) -> str:
        return f"{self.public_url}/wallet/oid4vp/{public_id}?k={secret}"

    # ------------------------------------------------------------------ answer

    def _pending(self, row: WalletPresentationRequest) -> None:
        if row.status != "pending":
            raise ConflictError(
                f"this request was already {row.status}", ProblemCode.OID4VP_REQUEST_USED
            )
        if row.expires_at is not None and row.expires_at <= self._clock():
            raise ConflictError("this request has expired", ProblemCode.OID4VP_REQUEST_EXPIRED)

    def selection(
        self, row: WalletPresentationRequest, choices: Mapping[str, Sequence[str]] | None
    ) -> dict[str, list[JsonObject]]:
        """The chosen match descriptions per query (default: the wallet's own choice)."""
        query = dcql.parse_query(row.dcql_query)
        matches: Mapping[str, list[JsonObject]] = row.matches or {}
        chosen: dict[str, list[JsonObject]] = {}
        if choices is None:
            answered = [qid for qid, items in matches.items() if items]
            if query.credential_sets is None:
                picked = answered
            else:
                picked = []
                for s in query.credential_sets:
                    option = next((o for o in s.options if set(o) <= set(answered)), None)
                    for qid in option or ():
                        if qid not in picked:
                            picked.append(qid)
            for qid in picked:
                chosen[qid] = [matches[qid][0]]
        else:
            for qid, refs in choices.items():
                if qid not in matches:
                    raise NoMatch(f"the request has no credential query {qid!r}")
                if not refs:
                    continue
                if len(refs) > 1 and not query.query(qid).multiple:
                    raise NoMatch(f"the query {qid!r} asks for one credential")
                by_ref = {m["credential"]: m for m in matches[qid]}
                picked_items = []
                for ref in refs:
                    if ref not in by_ref:
                        raise NoMatch(f"credential {ref} does not answer the query {qid!r}")
                    picked_items.append(by_ref[ref])
                chosen[qid] = picked_items
        if not chosen or not dcql.satisfied(query, chosen.keys()):
            raise NoMatch("the chosen credentials do not satisfy the request")
        return chosen

    def respond(
        self,
        holder_id: int,
        public_id: str,
        choices: Mapping[str, Sequence[str]] | None = None,
    ) -> WalletPresentationRequest:
        """Build the vp_token from the chosen credentials, post it, record the consent."""
        now = self._clock()
        with self._db.session() as session:
            row = self.get(session, holder_id, public_id)
            self._pending(row)
            chosen = self.selection(row, choices)
            token: dict[str, list[Any]] = {}
            disclosed: list[JsonObject] = []
            for qid, items in chosen.items():
                for item in items:
                    presentation, fields = self._present(session, holder_id, row, item, now)
                    token.setdefault(qid, []).append(presentation)
                    disclosed.append({"credential": item["credential"], "fields": fields})
            form = {"vp_token": json.dumps(token, separators=(",", ":"))}
            if row.state is not None:
                form["state"] = row.state
            response_uri, client_id, purpose = row.response_uri, row.client_id, row.purpose
        answer = self._post_response(response_uri, form)
        with self._db.session() as session:
            row = self.get(session, holder_id, public_id)
            self._pending(row)  # not answered twice meanwhile
            row.answered_at = self._clock()
            row.verifier_answer = {"status": answer.status, "body": answer.body}
            if answer.status is not None:
                record = self._consent.record(
                    session,
                    holder_id,
                    kind="oid4vp",
                    recipient=client_id,
                    purpose=purpose or "OpenID4VP presentation",
                    disclosed=disclosed,
                    reference=public_id,
                )
                row.consent_id = record.public_id
            row.status = "shared" if answer.status == 200 else "failed"
            session.flush()
            session.expunge(row)
        if answer.status is None:
            raise VerifierUnreachable(
                str(answer.body.get("detail") or "the verifier could not be reached")
            )
        return row

    def decline(self, holder_id: int, public_id: str) -> WalletPresentationRequest:
        """Tell the verifier the holder declined (``access_denied``); nothing is disclosed."""
        with self._db.session() as session:
            row = self.get(session, holder_id, public_id)
            self._pending(row)
            form = {"error": "access_denied", "error_description": "the holder declined"}
            if row.state is not None:
                form["state"] = row.state
            response_uri = row.response_uri
        answer = self._post_response(response_uri, form)
        with self._db.session() as session:
            row = self.get(session, holder_id, public_id)
            self._pending(row)
            row.status = "declined"
            row.answered_at = self._clock()
            row.verifier_answer = {"status": answer.status, "body": answer.body}
            session.flush()
            session.expunge(row)
        return row

    def _present(
        self,
        session: Session,
        holder_id: int,
        row: WalletPresentationRequest,
        item: Mapping[str, Any],
        now: datetime,
    ) -> tuple[Any, list[str]]:
        credential = session.scalar(
            select(WalletCredential).where(
                WalletCredential.holder_id == holder_id,
                WalletCredential.public_id == item["credential"],
            )
        )
        if credential is None:  # deleted since the request was opened
            raise NoMatch(f"credential {item['credential']} is no longer in the wallet")
        pointers: list[str] = list(item.get("pointers") or [])
        if credential.format == "sd_jwt_vc":
            decoded = sdjwt.decode_sd_jwt(credential.document)
            cnf = decoded.payload.get("cnf")
            jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
            key = None
            if isinstance(jwk, dict):
                did = self._did_of_key(session, holder_id, PublicKey.from_jwk(jwk))
                key, _vm = self._accounts.signer(session, holder_id, did)
            presentation = sdjwt.present(
                credential.document,
                disclose=pointers,
                key=key,
                aud=row.client_id if key else None,
                nonce=row.nonce if key else None,
                iat=now,
            )
            return presentation, pointers
        subject_did = self._subject_did(session, holder_id, credential)
        key, vm = self._accounts.signer(session, holder_id, subject_did)
        if credential.format == "jwt_vc":
            vp_doc = holder.create_presentation([credential.document.strip()], holder=subject_did)
            token = holder.sign_presentation(
                vp_doc,
                key,
                verification_method=vm,
                created=now,
                challenge=row.nonce,
                domain=row.client_id,
                suite="vc-jwt",
            )
            return token, ["*"]
        document = json.loads(credential.document)
        fields = ["*"]
        if _has_sd_base(document):
            derive = _derive()
            document = derive(document, pointers)
            fields = pointers
        vp_doc = holder.create_presentation([document], holder=subject_did)
        signed = holder.sign_presentation(
            vp_doc,
            key,
            verification_method=vm,
            created=now,
            challenge=row.nonce,
            domain=row.client_id,
        )
        return signed, fields

    def _did_of_key(self, session: Session, holder_id: int, public: PublicKey) -> str:
        for key in session.scalars(select(HolderKey).where(HolderKey.holder_id == holder_id)):
            if PublicKey.from_multikey(key.public_multikey) == public:
                return key.did
        raise NoMatch("the credential is bound to a key this wallet does not hold")

    def _subject_did(self, session: Session, holder_id: int, credential: WalletCredential) -> str:
        dids = set(session.scalars(select(HolderKey.did).where(HolderKey.holder_id == holder_id)))
        if credential.format == "jwt_vc":
            document = _jwt_document(credential.document)
        else:
            document = json.loads(credential.document)
        for subject in vp.subject_ids(document):
            if subject in dids:
                return subject
        raise NoMatch("the credential's subject is not one of this wallet's DIDs")


# ---------------------------------------------------------------------------- reading


def _jwt_document(token: str) -> JsonObject:
    _header, payload = decode_unverified(token.strip())
    inner = payload.get("vc")
    return inner if isinstance(inner, dict) else payload


def _has_sd_base(document: JsonObject) -> bool:
    proofs = document.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and proof.get("cryptosuite") == "ecdsa-sd-2023":
            value = proof.get("proofValue")
            # a base proof's CBOR starts with 0xd95d00 ("u2V0A" in base64url multibase)
            if isinstance(value, str) and value.startswith("u2V0A"):
                return True
    return False


def _derive() -> Callable[[JsonObject, list[str]], JsonObject]:
    """The ecdsa-sd-2023 derivation of the core (``lerkit.core.suites.ecdsa_sd_2023``)."""
    try:
        module = importlib.import_module("lerkit.core.suites.ecdsa_sd_2023")
    except ImportError as exc:
        raise ServiceError("ecdsa-sd-2023 derivation is not available") from exc
    derive: Callable[[JsonObject, list[str]], JsonObject] = module.derive
    return derive


def _at(data: Any, pointer: Sequence[str | int]) -> Any:
    for step in pointer:
        data = data[step]
    return data


def _read(row: WalletCredential, dids: set[str], publics: list[PublicKey]) -> _Held | None:
    summary = row.summary or {}
    name = str(summary.get("name") or summary.get("achievement") or "credential")
    issuer_info = summary.get("issuer")
    issuer_name = issuer_info.get("name") if isinstance(issuer_info, dict) else None
    if row.format == "ldp_vc":
        document = json.loads(row.document)
        if not isinstance(document, dict):
            return None
        candidate = vp.w3c_candidate(row.public_id, document, "ldp_vc", holder_dids=dids)
        return _Held(
            row,
            candidate,
            document,
            name,
            issuer_name or vp.issuer_of(document),
            _has_sd_base(document),
            ["*"],
        )
    if row.format == "jwt_vc":
        document = _jwt_document(row.document)
        candidate = vp.w3c_candidate(row.public_id, document, "jwt_vc_json", holder_dids=dids)
        return _Held(
            row, candidate, row.document, name, issuer_name or vp.issuer_of(document), False, ["*"]
        )
    if row.format == "sd_jwt_vc":
        decoded = sdjwt.decode_sd_jwt(row.document)
        cnf = decoded.payload.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        bound = isinstance(jwk, dict) and PublicKey.from_jwk(jwk) in publics
        candidate = vp.sd_jwt_candidate(row.public_id, decoded.claims, bound=bound)
        disclosable = {p for p, _d in decoded.disclosures}
        always = sorted(
            "/" + k for k in decoded.claims if "/" + k not in disclosable and k != "cnf"
        )
        iss = decoded.payload.get("iss")
        return _Held(
            row,
            candidate,
            row.document,
            name,
            issuer_name or (iss if isinstance(iss, str) else None),
            True,
            always,
        )
    return None
