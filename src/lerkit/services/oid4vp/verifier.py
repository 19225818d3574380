"""The OpenID4VP 1.0 verifier: presentation requests per organization, and their answers.

An organization (API key, role issuer to create, viewer to read) creates a request from a
DCQL query or a template (:mod:`.templates`). The request object is signed at once with the
organization's active key (client id ``decentralized_identifier:<org DID>``) and served at
``{public_url}/oid4vp/requests/{id}``; the wallet posts its answer (``direct_post``) to
``{public_url}/oid4vp/responses/{id}``.

:meth:`PresentationVerifier.respond` checks the answer, in this order: the request is
pending and not expired, ``state`` is the request's, the ``vp_token`` has the right shape
(:func:`lerkit.core.oid4vp.parse_vp_token`); then every presentation: bound to the nonce
and to the client id (KB-JWT ``nonce``/``aud``; VP proof ``challenge``/``domain``; VP-JWT
``nonce``/``aud``), verified by the verification pipeline (signatures, issuer, validity,
status) or :func:`lerkit.core.sdjwt.verify_sd_jwt_vc`, held by its subject (KB-JWT by the
``cnf`` key; VP signed by the credential subject's DID), fitting its credential query
(format, type or ``vct``, claims and values), and issued by a trusted issuer when the
request names some; last, the query as a whole (required credential sets). The request
then leaves ``pending`` exactly once (a conditional UPDATE): ``verified`` with the
disclosed claims, or ``rejected`` with the first problem's code; every presentation's
report is kept either way. A wallet's error answer (``access_denied``) rejects it too.

When the trust service (``services.trust``) offers ``recognition(session, issuer, types)``,
its verdict is attached to each credential's claims (``trust``); it does not decide.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lerkit.core import dcql
from lerkit.core import oid4vp as vp
from lerkit.core.dids.base import DidResolver, split_did_url
from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.jose import decode_unverified
from lerkit.core.multibase import b64url_encode
from lerkit.core.report import Check, CheckResult, CheckStatus, VerificationReport
from lerkit.core.sdjwt import verify_sd_jwt_vc
from lerkit.core.types import JsonObject
from lerkit.db.models import Organization
from lerkit.db.models_oid4vp import PresentationRequest
from lerkit.db.session import Database
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from lerkit.services.identity import Identity
from lerkit.services.oid4vp import templates
from lerkit.services.verification import Verifier

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 600
MAX_SECONDS = 7 * 24 * 3600
S = CheckStatus


class Gone(ServiceError):
    """410: the request expired."""

    default_code = ProblemCode.OID4VP_REQUEST_EXPIRED
    status = 410


class ResponseRejected(ServiceError):
    """400: the wallet's answer was checked and refused (the request is now rejected)."""

    status = 400


@dataclass
class _Outcome:
    claims: dict[str, list[JsonObject]] = field(default_factory=dict)
    reports: list[JsonObject] = field(default_factory=list)
    failure: tuple[ProblemCode, str] | None = None

    def fail(self, code: ProblemCode, message: str) -> None:
        if self.failure is None:
            self.failure = (code, message)


@dataclass(frozen=True)
class _Checked:
    """One presentation, checked: its report, and (when it verified) the DCQL candidate,
    the issuer and the claims it discloses."""

    report: JsonObject
    code: ProblemCode | None = None
    message: str = ""
    candidate: dcql.Candidate | None = None
    issuer: str | None = None
    disclosed: JsonObject | None = None


def _r(
    check: Check, status: CheckStatus, message: str, code: ProblemCode | None = None
) -> CheckResult:
    return CheckResult(check, status, message, code)


class PresentationVerifier:
    def __init__(
        self,
        db: Database,
        *,
        identity: Identity,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
        verifier: Callable[[], Verifier],
        resolver: Callable[[], DidResolver],
        trust: Callable[[], Any] | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self._db = db
        self._audit = audit
        self._identity = identity
        self._clock = clock
        self._entropy = entropy
        self.public_url = public_url.rstrip("/")
        self._verifier = verifier
        self._resolver = resolver
        self._trust = trust or (lambda: None)

    # ------------------------------------------------------------------ URLs

    def request_uri(self, public_id: str) -> str:
        return f"{self.public_url}/oid4vp/requests/{public_id}"

    def response_uri(self, public_id: str) -> str:
        return f"{self.public_url}/oid4vp/responses/{public_id}"

    def link(self, row: PresentationRequest) -> str:
        return vp.invocation_url(row.client_id, self.request_uri(row.public_id))

    # ------------------------------------------------------------------ organization API

    def create(
        self,
        session: Session,
        actor: Actor,
        *,
        dcql_query: JsonObject | None = None,
        template: str | None = None,
        params: Mapping[str, Any] | None = None,
        purpose: str | None = None,
        trusted_issuers: list[str] | None = None,
        expires_in: int = DEFAULT_SECONDS,
    ) -> PresentationRequest:
        actor.require("issuer")
        if (dcql_query is None) == (template is None):
            raise ValidationError(
                "give either a DCQL query (dcql) or a template",
                [{"field": "dcql", "message": "exactly one of dcql and template"}],
            )
        if not 60 <= expires_in <= MAX_SECONDS:
            raise ValidationError(f"expiresIn must be 60..{MAX_SECONDS} seconds")
        issuers = list(trusted_issuers or [])
        if template is not None:
            built = templates.build(template, {**(params or {}), "trusted_issuers": issuers})
            query_json, issuers, default_purpose = built.dcql, built.trusted_issuers, built.purpose
        else:
            query_json, default_purpose = dict(dcql_query or {}), "A verifiable presentation"
        try:
            query = dcql.parse_query(query_json)
        except InputError as exc:
            raise ValidationError(exc.message, [{"field": "dcql"}], exc.code) from exc
        org = session.get(Organization, actor.organization_id)
        if org is None:
            raise NotFoundError("no such organization")
        now = self._clock()
        public_id = self._entropy(16).hex()
        client_id = vp.DID_PREFIX + org.did
        nonce = b64url_encode(self._entropy(32))
        state = b64url_encode(self._entropy(16))
        expires_at = now + timedelta(seconds=expires_in)
        text = (purpose or "").strip()[:500] or default_purpose
        payload = vp.request_payload(
            client_id=client_id,
            response_uri=self.response_uri(public_id),
            nonce=nonce,
            state=state,
            dcql_query=query.to_json(),
            client_metadata={
                "client_name": org.name,
                "vp_formats_supported": vp.VP_FORMATS_SUPPORTED,
            },
            issued_at=now,
            expires_at=expires_at,
            purpose=text,
        )
        key, verification_method, _row = self._identity.active_signer(session, org)
        row = PresentationRequest(
            public_id=public_id,
            organization_id=org.id,
            template=template,
            purpose=text,
            client_id=client_id,
            dcql_query=query.to_json(),
            trusted_issuers=issuers,
            nonce=nonce,
            state=state,
            request_object=vp.sign_request(payload, key, verification_method),
            status="pending",
            claims={},
            reports=[],
            created_at=now,
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
        if self._audit is not None:
            self._audit.record(
                session,
                actor,
                "presentation_request.created",
                "presentation_request",
                public_id,
                {"template": template, "expiresIn": expires_in, "trustedIssuers": issuers},
            )
        return row

    def get(self, session: Session, actor: Actor, public_id: str) -> PresentationRequest:
        actor.require("viewer")
        row = session.scalar(
            select(PresentationRequest).where(
                PresentationRequest.public_id == public_id,
                PresentationRequest.organization_id == actor.organization_id,
            )
        )
        if row is None:
            raise NotFoundError("no such presentation request")
        return row

    def list_requests(
        self, session: Session, actor: Actor, *, status: str | None = None, limit: int = 50
    ) -> list[PresentationRequest]:
        actor.require("viewer")
        query = select(PresentationRequest).where(
            PresentationRequest.organization_id == actor.organization_id
        )
        if status is not None:
            query = query.where(PresentationRequest.status == status)
        query = query.order_by(PresentationRequest.id.desc()).limit(max(1, min(limit, 200)))
        return list(session.scalars(query))

    def to_json(self, row: PresentationRequest) -> JsonObject:
        now = self._clock()
        status = row.status
        if status == "pending" and row.expires_at <= now:
            status = "expired"
        out: JsonObject = {
            "id": row.public_id,
            "status": status,
            "template": row.template,
            "purpose": row.purpose,
            "clientId": row.client_id,
            "dcqlQuery": row.dcql_query,
            "trustedIssuers": row.trusted_issuers,
            "requestUri": self.request_uri(row.public_id),
            "responseUri": self.response_uri(row.public_id),
            "link": self.link(row),
            "qrCode": {
                "png": self.request_uri(row.public_id) + "/qr.png",
                "svg": self.request_uri(row.public_id) + "/qr.svg",
            },
            "page": self.request_uri(row.public_id) + "/page",
            "createdAt": row.created_at.isoformat(),
            "expiresAt": row.expires_at.isoformat(),
            "respondedAt": row.responded_at.isoformat() if row.responded_at else None,
            "claims": row.claims,
            "reports": row.reports,
        }
        if row.error_code:
            out["error"] = {"code": row.error_code, "message": row.error_message}
        return out

    # ------------------------------------------------------------------ public endpoints

    def _public(self, session: Session, public_id: str) -> PresentationRequest:
        if not isinstance(public_id, str) or len(public_id) > 64:
            raise NotFoundError("no such presentation request")
        row = session.scalar(
            select(PresentationRequest).where(PresentationRequest.public_id == public_id)
        )
        if row is None:
            raise NotFoundError("no such presentation request")
        return row

    def _live(self, row: PresentationRequest) -> None:
        if row.status != "pending":
            raise ConflictError(
                "this presentation request was already answered", ProblemCode.OID4VP_REQUEST_USED
            )
        if row.expires_at <= self._clock():
            raise Gone("this presentation request has expired")

    def request_object(self, public_id: str) -> str:
        """The signed request object (``request_uri``), while the request is open."""
        with self._db.session() as session:
            row = self._public(session, public_id)
            self._live(row)
            return row.request_object

    def invocation(self, public_id: str) -> str:
        """The ``openid4vp://`` link (for the QR code), while the request is open."""
        with self._db.session() as session:
            row = self._public(session, public_id)
            self._live(row)
            return self.link(row)

    def display(self, public_id: str) -> JsonObject:
        """What the public page of an open request shows (nothing the request object does
        not already say): who asks, why, the link, until when."""
        with self._db.session() as session:
            row = self._public(session, public_id)
            self._live(row)
            org = session.get(Organization, row.organization_id)
            return {
                "id": row.public_id,
                "verifier": org.name if org is not None else row.client_id,
                "clientId": row.client_id,
                "purpose": row.purpose,
                "link": self.link(row),
                "expiresAt": row.expires_at,
            }

    def respond(self, public_id: str, form: Mapping[str, str]) -> JsonObject:
        """Handle a ``direct_post`` answer (form fields). Returns the JSON to answer 200 with;
        raises ServiceErrors (400 with the first problem's code, 409 used, 410 expired)."""
        with self._db.session() as session:
            row = self._public(session, public_id)
            self._live(row)
            if form.get("state") != row.state:
                raise ResponseRejected(
                    "the response's state is not the request's", ProblemCode.OID4VP_STATE_MISMATCH
                )
            error = form.get("error")
            if error is not None:
                code = (
                    ProblemCode.OID4VP_ACCESS_DENIED
                    if error == "access_denied"
                    else ProblemCode.OID4VP_RESPONSE_MALFORMED
                )
                description = (form.get("error_description") or "")[:500]
                message = f"the wallet answered {error[:64]}"
                if description:
                    message += f": {description}"
                self._close(
                    session, row, "rejected", claims={}, reports=[], error=(str(code), message)
                )
                return {}
            if "vp_token" not in form:
                raise _bad("the response has neither vp_token nor error")
            query = dcql.parse_query(row.dcql_query)
            try:
                token = vp.parse_vp_token(form["vp_token"], query)
            except InputError as exc:
                if exc.code is ProblemCode.OID4VP_RESPONSE_MALFORMED:
                    raise _bad(exc.message) from exc
                token = None
                shape_error: tuple[ProblemCode, str] | None = (exc.code, exc.message)
            else:
                shape_error = None
            outcome = _Outcome()
            if shape_error is not None:
                outcome.fail(*shape_error)
            else:
                assert token is not None
                self._check(session, row, query, token, outcome)
            status = "rejected" if outcome.failure else "verified"
            self._close(
                session,
                row,
                status,
                claims=outcome.claims if status == "verified" else {},
                reports=outcome.reports,
                error=(str(outcome.failure[0]), outcome.failure[1]) if outcome.failure else None,
            )
        if outcome.failure is not None:
            raise ResponseRejected(outcome.failure[1], outcome.failure[0])
        return {}

    def _close(
        self,
        session: Session,
        row: PresentationRequest,
        status: str,
        *,
        claims: JsonObject,
        reports: list[JsonObject],
        error: tuple[str, str] | None,
    ) -> None:
        result = session.execute(
            update(PresentationRequest)
            .where(PresentationRequest.id == row.id, PresentationRequest.status == "pending")
            .values(
                status=status,
                claims=claims,
                reports=reports,
                error_code=error[0] if error else None,
                error_message=error[1][:1000] if error else None,
                responded_at=self._clock(),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(
                "this presentation request was already answered", ProblemCode.OID4VP_REQUEST_USED
            )
        if self._audit is not None:
            wallet = Actor(
                organization_id=row.organization_id, role="viewer", label="oid4vp:wallet"
            )
            self._audit.record(
                session,
                wallet,
                f"presentation_request.{status}",
                "presentation_request",
                row.public_id,
                {"error": error[0]} if error else {"queries": sorted(claims)},
            )

    # ------------------------------------------------------------------ checks

    def _check(
        self,
        session: Session,
        row: PresentationRequest,
        query: dcql.DcqlQuery,
        token: dict[str, list[Any]],
        outcome: _Outcome,
    ) -> None:
        verifier = self._verifier()
        resolver = self._resolver()
        now = self._clock()
        trusted = set(row.trusted_issuers or [])
        for qid, items in token.items():
            q = query.query(qid)
            for index, item in enumerate(items):
                checked = self._check_one(q, item, row, verifier, resolver, now)
                report = {"query": qid, "index": index, **checked.report}
                outcome.reports.append(report)
                if checked.code is not None:
                    report["code"] = str(checked.code)
                    outcome.fail(checked.code, f"{qid}[{index}]: {checked.message}")
                    continue
                assert checked.candidate is not None
                match = dcql.match_candidate(q, checked.candidate)
                if isinstance(match, str):
                    report["code"] = str(ProblemCode.OID4VP_QUERY_UNSATISFIED)
                    outcome.fail(
                        ProblemCode.OID4VP_QUERY_UNSATISFIED,
                        f"{qid}[{index}] does not fit the query: {match}",
                    )
                    continue
                if trusted and checked.issuer not in trusted:
                    report["code"] = str(ProblemCode.OID4VP_ISSUER_UNTRUSTED)
                    outcome.fail(
                        ProblemCode.OID4VP_ISSUER_UNTRUSTED,
                        f"{qid}[{index}] was issued by {checked.issuer}, "
                        "not by one of the trusted issuers",
                    )
                    continue
                entry: JsonObject = {
                    "format": q.format,
                    "issuer": checked.issuer,
                    "types": list(checked.candidate.types) or None,
                    "vct": checked.candidate.vct,
                    "claims": match.values,
                    "disclosed": checked.disclosed,
                }
                verdict = self._recognition(session, checked.issuer, checked.candidate)
                if verdict is not None:
                    entry["trust"] = verdict
                outcome.claims.setdefault(qid, []).append(entry)
        if outcome.failure is None and not dcql.satisfied(query, token.keys()):
            missing = [q.id for q in query.credentials if q.id not in token]
            outcome.fail(
                ProblemCode.OID4VP_QUERY_UNSATISFIED,
                "the presentation does not answer the query (missing: " + ", ".join(missing) + ")",
            )

    def _recognition(
        self, session: Session, issuer: str | None, candidate: dcql.Candidate
    ) -> JsonObject | None:
        trust = self._trust()
        recognition = getattr(trust, "recognition", None)
        if issuer is None or not callable(recognition):
            return None
        types = list(candidate.types) or ([candidate.vct] if candidate.vct else [])
        try:
            verdict = recognition(session, issuer, types)
        except LerkitError as exc:
            return {"recognised": False, "registry": None, "message": exc.message}
        return {
            "recognised": bool(getattr(verdict, "recognised", False)),
            "registry": _plain(getattr(verdict, "registry", None)),
            "message": str(getattr(verdict, "message", "")),
        }

    def _check_one(
        self,
        q: dcql.CredentialQuery,
        item: Any,
        row: PresentationRequest,
        verifier: Verifier,
        resolver: DidResolver,
        now: datetime,
    ) -> _Checked:
        if q.format in dcql.SD_JWT_FORMATS:
            return self._check_sd_jwt(q, item, row, resolver, now)
        if q.format == "ldp_vc":
            if isinstance(item, str):
                with contextlib.suppress(ValueError):
                    item = json.loads(item)
            if not isinstance(item, dict):
                return _failed(
                    q.format,
                    ProblemCode.OID4VP_RESPONSE_MALFORMED,
                    "an ldp_vc presentation must be a JSON object (a VP with a proof)",
                )
            return self._check_w3c(q, item, row, verifier, now)
        if q.format == "jwt_vc_json":
            if not isinstance(item, str):
                return _failed(
                    q.format,
                    ProblemCode.OID4VP_RESPONSE_MALFORMED,
                    "a jwt_vc_json presentation must be a VP-JWT string",
                )
            return self._check_w3c(q, item, row, verifier, now)
        return _failed(
            q.format,
            ProblemCode.OID4VP_QUERY_UNSATISFIED,
            f"the format {q.format} is not supported",
        )

    def _check_sd_jwt(
        self,
        q: dcql.CredentialQuery,
        item: Any,
        row: PresentationRequest,
        resolver: DidResolver,
        now: datetime,
    ) -> _Checked:
        fmt = "dc+sd-jwt"
        if not isinstance(item, str):
            return _failed(
                fmt,
                ProblemCode.OID4VP_RESPONSE_MALFORMED,
                "an SD-JWT VC presentation must be a string",
            )
        kb = vp.key_binding_claims(item)
        if kb is None and q.require_binding:
            return _failed(
                fmt,
                ProblemCode.OID4VP_HOLDER_BINDING,
                "the SD-JWT VC has no Key Binding JWT, but holder binding is required",
            )
        if kb is not None:
            if kb.get("nonce") != row.nonce:
                return _failed(
                    fmt,
                    ProblemCode.OID4VP_NONCE_MISMATCH,
                    "the Key Binding JWT's nonce is not the request's",
                )
            if kb.get("aud") != row.client_id:
                return _failed(
                    fmt,
                    ProblemCode.OID4VP_AUDIENCE_MISMATCH,
                    f"the Key Binding JWT's aud is {kb.get('aud')!r}, not {row.client_id!r}",
                )
        try:
            result = verify_sd_jwt_vc(
                item,
                resolver,
                now=now,
                expected_aud=row.client_id,
                expected_nonce=row.nonce,
                require_key_binding=q.require_binding,
            )
        except LerkitError as exc:
            code = ProblemCode.OID4VP_PRESENTATION_INVALID
            if exc.code is ProblemCode.SDJWT_KEY_BINDING_MISSING:
                code = ProblemCode.OID4VP_HOLDER_BINDING
            report = VerificationReport(
                kind="presentation",
                format=fmt,
                checks=(_r(Check.PROOF, S.FAIL, exc.message, exc.code),),
                verified_at=now.isoformat(),
            )
            return _Checked(report.to_json(), code, exc.message)
        checks = [
            _r(
                Check.PROOF,
                S.PASS,
                f"the issuer's signature ({result.header.get('alg')}) verified"
                + (f" with {result.verification_method.id}" if result.verification_method else ""),
            ),
            _r(
                Check.HOLDER,
                S.PASS,
                "the Key Binding JWT is signed by the credential's cnf key, "
                "for this verifier and nonce",
            )
            if result.key_binding
            else _r(Check.HOLDER, S.WARNING, "no Key Binding JWT: nothing shows who presented it"),
        ]
        expired = ProblemCode.VALIDITY_EXPIRED in result.time_findings
        early = ProblemCode.VALIDITY_NOT_YET_VALID in result.time_findings
        if expired or early:
            code = ProblemCode.VALIDITY_EXPIRED if expired else ProblemCode.VALIDITY_NOT_YET_VALID
            checks.append(_r(Check.VALIDITY, S.FAIL, "the credential is not valid now", code))
        else:
            checks.append(_r(Check.VALIDITY, S.PASS, "the credential is valid now"))
        checks.append(
            _r(Check.STATUS, S.NOT_RUN, "the SD-JWT VC has no status to check")
            if "status" not in result.payload
            else _r(Check.STATUS, S.NOT_RUN, "token status lists are not checked")
        )
        report = VerificationReport(
            kind="presentation", format=fmt, checks=tuple(checks), verified_at=now.isoformat()
        )
        out = report.to_json()
        out["disclosedPaths"] = list(result.disclosed_paths)
        if not report.verified:
            return _Checked(
                out, ProblemCode.OID4VP_PRESENTATION_INVALID, "the credential is not valid now"
            )
        return _Checked(
            out,
            candidate=vp.sd_jwt_candidate("presented", result.claims, bound=result.key_binding),
            issuer=result.issuer,
            disclosed=result.claims,
        )

    def _check_w3c(
        self,
        q: dcql.CredentialQuery,
        item: JsonObject | str,
        row: PresentationRequest,
        verifier: Verifier,
        now: datetime,
    ) -> _Checked:
        report = verifier.verify_presentation(
            item, challenge=row.nonce, domain=row.client_id, now=now
        )
        out = report.to_json()
        codes = {c.code for c in report.checks if c.status is S.FAIL}
        syntax = report.check(Check.SYNTAX)
        if syntax is not None and syntax.status is S.FAIL:
            return _Checked(out, ProblemCode.OID4VP_PRESENTATION_INVALID, syntax.message)
        if ProblemCode.PROOF_CHALLENGE_MISMATCH in codes:
            return _Checked(
                out,
                ProblemCode.OID4VP_NONCE_MISMATCH,
                "the presentation's proof does not answer the request's nonce",
            )
        if ProblemCode.PROOF_DOMAIN_MISMATCH in codes:
            return _Checked(
                out,
                ProblemCode.OID4VP_AUDIENCE_MISMATCH,
                f"the presentation's proof is not for {row.client_id}",
            )
        if ProblemCode.PROOF_MISSING in codes:
            return _Checked(
                out,
                ProblemCode.OID4VP_HOLDER_BINDING,
                "the presentation is not signed by its holder",
            )
        if not report.verified:
            failed = next(
                (c for c in report.checks if c.status in (S.FAIL, S.COULD_NOT_CHECK)), None
            )
            why = failed.message if failed else "it did not verify"
            return _Checked(out, ProblemCode.OID4VP_PRESENTATION_INVALID, why)
        if len(report.credentials) != 1 or report.credentials[0].document is None:
            return _Checked(
                out,
                ProblemCode.OID4VP_RESPONSE_MALFORMED,
                "each presentation must hold exactly one credential",
            )
        credential = report.credentials[0].document
        signer = _presentation_signer(item)
        subjects = vp.subject_ids(credential)
        bound = signer is not None and signer in subjects
        if q.require_binding and not bound:
            return _Checked(
                out,
                ProblemCode.OID4VP_HOLDER_BINDING,
                f"the presentation is signed by {signer}, not by the credential's "
                f"subject ({', '.join(subjects) or 'no subject id'})",
            )
        candidate = vp.w3c_candidate("presented", credential, q.format, holder_dids={signer or ""})
        return _Checked(
            out,
            candidate=candidate,
            issuer=vp.issuer_of(credential),
            disclosed=_without_proof(credential),
        )


def _without_proof(credential: JsonObject) -> JsonObject:
    return {k: v for k, v in credential.items() if k != "proof"}


def _presentation_signer(item: JsonObject | str) -> str | None:
    """The DID that signed a VP (its proof's verification method, or the VP-JWT's kid)."""
    if isinstance(item, str):
        try:
            header, payload = decode_unverified(item)
        except LerkitError:
            return None
        kid = header.get("kid")
        if isinstance(kid, str) and kid.startswith("#"):
            iss = payload.get("iss") or payload.get("holder")
            kid = f"{iss}{kid}" if isinstance(iss, str) else None
        return split_did_url(kid)[0] if isinstance(kid, str) else None
    proofs = item.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str):
            return split_did_url(proof["verificationMethod"])[0]
    return None


def _failed(fmt: str, code: ProblemCode, message: str) -> _Checked:
    report: JsonObject = {
        "kind": "presentation",
        "format": fmt,
        "verified": False,
        "verdict": "invalid",
        "checks": [{"check": "syntax", "status": "fail", "code": str(code), "message": message}],
    }
    return _Checked(report, code, message)


def _bad(message: str) -> ServiceError:
    error = ResponseRejected(message, ProblemCode.OID4VP_RESPONSE_MALFORMED)
    return error


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    for name in ("name", "id", "url"):
        if isinstance(getattr(value, name, None), str):
            return getattr(value, name)
    return str(value)
