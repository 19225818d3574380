"""Errors of the credential core and the one registry of stable problem codes.

Exception tree (every primitive raises one of these; nothing else escapes the core)::

    LerkitError                      code: ProblemCode, message: str
    ├── InputError                   malformed input (not JSON, wrong shape, bad encoding)
    │   ├── JsonLdError              JSON-LD processing failed (undefined term, bad syntax)
    │   │   └── ContextUnknownError  a context URL is not bundled (never fetched)
    │   ├── KeyFormatError           a key, multikey, multibase or JWK is malformed
    │   └── StatusListError          a status list or entry is malformed
    ├── CryptoError                  a signature or proof does not verify
    ├── ResolutionError              a DID or resource could not be resolved ("could not check")
    └── SigningError                 signing refused (issuer is not the key's controller, ...)

The same codes appear in verification reports, API problem+json ``type`` URIs and CLI
messages; docs/problem-codes.md lists them.
"""

from __future__ import annotations

from enum import StrEnum


class ProblemCode(StrEnum):
    """Stable problem codes. Never rename one; add new ones."""

    # input and syntax
    INPUT_MALFORMED = "input.malformed"
    CONTEXT_UNKNOWN = "context.unknown"
    CONTEXT_INVALID = "context.invalid"
    JSONLD_UNDEFINED_TERM = "jsonld.undefined_term"
    JSONLD_RELATIVE_IRI = "jsonld.relative_iri"
    JSONLD_INVALID = "jsonld.invalid"
    CREDENTIAL_MALFORMED = "credential.malformed"
    PRESENTATION_MALFORMED = "presentation.malformed"
    SCHEMA_INVALID = "schema.invalid"
    SCHEMA_UNKNOWN = "schema.unknown"
    SCHEMA_STATUS_ARRAY = "schema.status_array"
    # keys and DIDs
    KEY_MALFORMED = "key.malformed"
    KEY_UNSUPPORTED = "key.unsupported"
    DID_MALFORMED = "did.malformed"
    DID_UNSUPPORTED_METHOD = "did.unsupported_method"
    DID_UNRESOLVABLE = "did.unresolvable"
    DID_DOCUMENT_INVALID = "did.document_invalid"
    VERIFICATION_METHOD_NOT_FOUND = "verification_method.not_found"
    VERIFICATION_METHOD_NOT_AUTHORIZED = "verification_method.not_authorized"
    # proofs
    PROOF_MISSING = "proof.missing"
    PROOF_MALFORMED = "proof.malformed"
    PROOF_INVALID = "proof.invalid"
    PROOF_UNSUPPORTED = "proof.unsupported_suite"
    PROOF_PURPOSE_MISMATCH = "proof.purpose_mismatch"
    PROOF_CHALLENGE_MISMATCH = "proof.challenge_mismatch"
    PROOF_DOMAIN_MISMATCH = "proof.domain_mismatch"
    PROOF_EXPIRED = "proof.expired"
    PROOF_CREATED_IN_FUTURE = "proof.created_in_future"
    # issuer and holder
    ISSUER_MISMATCH = "issuer.key_not_controlled"
    ISSUER_MALFORMED = "issuer.malformed"
    HOLDER_MISMATCH = "holder.key_not_controlled"
    # validity
    VALIDITY_EXPIRED = "validity.expired"
    VALIDITY_NOT_YET_VALID = "validity.not_yet_valid"
    VALIDITY_MALFORMED = "validity.malformed"
    # status
    STATUS_REVOKED = "status.revoked"
    STATUS_SUSPENDED = "status.suspended"
    STATUS_UNRESOLVABLE = "status.unresolvable"
    STATUS_LIST_INVALID = "status.list_invalid"
    STATUS_LIST_TOO_SHORT = "status.list_too_short"
    STATUS_INDEX_OUT_OF_RANGE = "status.index_out_of_range"
    STATUS_PURPOSE_MISMATCH = "status.purpose_mismatch"
    STATUS_UNSUPPORTED = "status.unsupported_type"
    # JOSE
    JWT_MALFORMED = "jwt.malformed"
    JWT_INVALID_SIGNATURE = "jwt.invalid_signature"
    JWT_CLAIMS_MISMATCH = "jwt.claims_mismatch"
    JWT_UNSUPPORTED_ALG = "jwt.unsupported_alg"
    JWT_TYPE_MISMATCH = "jwt.type_mismatch"
    JWT_KEY_UNRESOLVABLE = "jwt.key_unresolvable"
    ENVELOPE_MALFORMED = "envelope.malformed"
    # SD-JWT and SD-JWT VC (RFC 9901, draft-ietf-oauth-sd-jwt-vc)
    SDJWT_MALFORMED = "sdjwt.malformed"
    SDJWT_DIGEST_MISMATCH = "sdjwt.digest_mismatch"
    SDJWT_RESERVED_CLAIM = "sdjwt.reserved_claim"
    SDJWT_KEY_BINDING_MISSING = "sdjwt.key_binding_missing"
    SDJWT_KEY_BINDING_INVALID = "sdjwt.key_binding_invalid"
    # signing
    SIGNING_REFUSED = "signing.refused"
    # services (API maps them to 4xx problem+json)
    NOT_FOUND = "request.not_found"
    UNAUTHORIZED = "request.unauthorized"
    FORBIDDEN = "request.forbidden"
    CONFLICT = "request.conflict"
    VALIDATION = "request.invalid"
    DATABASE_UNAVAILABLE = "database.unavailable"
    # HTTP edge (the API's own answers) and the CLI's API client
    REQUEST_MALFORMED = "request.malformed"
    REQUEST_ERROR = "request.error"
    METHOD_NOT_ALLOWED = "request.method_not_allowed"
    NOT_ACCEPTABLE = "request.not_acceptable"
    TOO_LARGE = "request.too_large"
    TOO_MANY = "request.too_many"
    UNSUPPORTED_MEDIA_TYPE = "request.unsupported_media_type"
    SERVER_INTERNAL = "server.internal"
    SERVER_ERROR = "server.error"
    SERVER_UNAVAILABLE = "server.unavailable"
    API_UNREACHABLE = "api.unreachable"
    API_TIMEOUT = "api.timeout"
    API_BAD_RESPONSE = "api.bad_response"
    # fetching (adapters)
    FETCH_REFUSED = "fetch.refused"
    FETCH_FAILED = "fetch.failed"
    FETCH_TOO_LARGE = "fetch.too_large"
    # baked images (PNG / SVG carrying a credential)
    IMAGE_MALFORMED = "image.malformed"
    IMAGE_NO_CREDENTIAL = "image.no_credential"
    IMAGE_TOO_LARGE = "image.too_large"
    # ecdsa-sd-2023 selective disclosure (issue 5; owner: the SD helper)
    SD_BASE_PROOF = "sd.base_proof"
    SD_POINTER_INVALID = "sd.pointer_invalid"
    SD_NOTHING_SELECTED = "sd.nothing_selected"
    SD_NO_BASE_PROOF = "sd.no_base_proof"
    # --- end sd
    # wallet: holder accounts, receive, keep, backup (issue 5; owner: wallet helper)
    WALLET_CREDENTIAL_INVALID = "wallet.credential_invalid"
    WALLET_OFFER_INVALID = "wallet.offer_invalid"
    WALLET_TX_CODE_REQUIRED = "wallet.tx_code_required"
    WALLET_ISSUER_REFUSED = "wallet.issuer_refused"
    WALLET_SECOND_FACTOR_REQUIRED = "wallet.second_factor_required"
    WALLET_SECOND_FACTOR_INVALID = "wallet.second_factor_invalid"
    WALLET_CSRF = "wallet.csrf_failed"
    WALLET_BACKUP_INVALID = "wallet.backup_invalid"
    WALLET_CONFIRMATION_REQUIRED = "wallet.confirmation_required"
    # --- end wallet
    # sharing, consent, résumé, OB 3.0 host API and OAuth (issue 5; owner: sharing helper)
    SHARE_EXPIRED = "share.expired"
    SHARE_REVOKED = "share.revoked"
    RESUME_INVALID = "resume.invalid"
    # --- end sharing
    # OpenID4VP verifier and wallet answers (issues 5 and 6; owner: oid4vp helper)
    DCQL_INVALID = "dcql.invalid"
    OID4VP_REQUEST_INVALID = "vp.request_invalid"
    OID4VP_REQUEST_EXPIRED = "vp.request_expired"
    OID4VP_REQUEST_USED = "vp.request_used"
    OID4VP_RESPONSE_MALFORMED = "vp.response_malformed"
    OID4VP_STATE_MISMATCH = "vp.state_mismatch"
    OID4VP_NONCE_MISMATCH = "vp.nonce_mismatch"
    OID4VP_AUDIENCE_MISMATCH = "vp.audience_mismatch"
    OID4VP_HOLDER_BINDING = "vp.holder_binding"
    OID4VP_PRESENTATION_INVALID = "vp.presentation_invalid"
    OID4VP_QUERY_UNSATISFIED = "vp.query_unsatisfied"
    OID4VP_ISSUER_UNTRUSTED = "vp.issuer_untrusted"
    OID4VP_ACCESS_DENIED = "vp.access_denied"
    OID4VP_NO_MATCH = "vp.no_match"
    OID4VP_VERIFIER_UNREACHABLE = "vp.verifier_unreachable"
    # --- end oid4vp
    # trust registry and verification (issue 6; owner: trust helper)
    ISSUER_RECOGNISED = "issuer.recognised"
    ISSUER_UNTRUSTED = "issuer.untrusted"
    TRUST_ACCREDITATION_INVALID = "trust.accreditation_invalid"
    TRUST_REGISTRY_UNAVAILABLE = "trust.registry_unavailable"
    TRUST_REGISTRY_INVALID = "trust.registry_invalid"
    OB2_MALFORMED = "assertion.malformed"
    OB2_NOT_HOSTED = "assertion.not_hosted"
    OB2_RECIPIENT_MISMATCH = "assertion.recipient_mismatch"
    OB2_RECIPIENT_UNCHECKED = "assertion.recipient_unchecked"
    FORMAT_UNKNOWN = "verify.format_unknown"
    # --- end trust
    # skills services (issue 7; owner: skills helper)
    SKILLS_FRAMEWORK_MALFORMED = "skills.framework_malformed"
    SKILLS_FRAMEWORK_UNKNOWN = "skills.framework_unknown"
    SKILLS_FRAMEWORK_EXISTS = "skills.framework_exists"
    SKILLS_SKILL_UNKNOWN = "skills.skill_unknown"
    SKILLS_CROSSWALK_UNKNOWN = "skills.crosswalk_unknown"
    SKILLS_EMBEDDINGS_UNAVAILABLE = "skills.embeddings_unavailable"
    SKILLS_FEDERATION_UNAVAILABLE = "skills.federation_unavailable"
    # --- end skills
    # marketplace and guidance (issue 8; owner: market helper)
    MARKET_NO_PROFILE = "market.no_profile"
    MARKET_JOB_INVALID = "market.job_invalid"
    MARKET_BATCH_LINE = "market.batch_line"
    # --- end market


class LerkitError(Exception):
    """Base of every error lerkit raises on purpose. Carries a stable problem code."""

    default_code: ProblemCode = ProblemCode.INPUT_MALFORMED

    def __init__(self, message: str, code: ProblemCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    def __str__(self) -> str:
        return self.message


class InputError(LerkitError):
    """The input is malformed: not JSON, wrong shape, bad encoding."""


class JsonLdError(InputError):
    """JSON-LD processing failed: undefined terms, relative IRIs, bad syntax."""

    default_code = ProblemCode.JSONLD_INVALID


class ContextUnknownError(JsonLdError):
    """A context URL is not among the bundled contexts (contexts are never fetched)."""

    default_code = ProblemCode.CONTEXT_UNKNOWN

    def __init__(self, url: str) -> None:
        super().__init__(
            f"unknown JSON-LD context {url!r}: only bundled contexts are used, "
            "none is fetched (see `lerkit contexts`)",
            ProblemCode.CONTEXT_UNKNOWN,
        )
        self.url = url


class KeyFormatError(InputError):
    """A key, Multikey, multibase string or JWK is malformed or unsupported."""

    default_code = ProblemCode.KEY_MALFORMED


class StatusListError(InputError):
    """A status list credential or status entry is malformed."""

    default_code = ProblemCode.STATUS_LIST_INVALID


class CryptoError(LerkitError):
    """A signature or proof does not verify."""

    default_code = ProblemCode.PROOF_INVALID


class ResolutionError(LerkitError):
    """Something needed to check (DID document, status list) could not be obtained."""

    default_code = ProblemCode.DID_UNRESOLVABLE


class SigningError(LerkitError):
    """Signing was refused, e.g. the credential's issuer does not control the key."""

    default_code = ProblemCode.SIGNING_REFUSED


UNCHECKABLE_CODES: frozenset[ProblemCode] = frozenset(
    {
        ProblemCode.DID_UNRESOLVABLE,
        ProblemCode.STATUS_UNRESOLVABLE,
        ProblemCode.JWT_KEY_UNRESOLVABLE,
        ProblemCode.FETCH_FAILED,
        ProblemCode.FETCH_REFUSED,
        ProblemCode.FETCH_TOO_LARGE,
    }
)
"""Codes that mean "could not check": something needed (a DID document, a status list, a
key) was not available *now*. Everything else that stops a check — an unknown context, an
unsupported DID method, a key that is not where the proof says — is a failure: lerkit will
never accept that document as it is."""


def could_not_check(exc: LerkitError) -> bool:
    """True when ``exc`` means a check could not be made, rather than that it failed."""
    return exc.code in UNCHECKABLE_CODES
