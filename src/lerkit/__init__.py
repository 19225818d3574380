"""lerkit: an open platform for the Learning and Employment Record ecosystem.

The curated public API of the credential core. Everything here is pure: keys, time and
resources are passed in. Adapters (network fetching) live in ``lerkit.adapters`` and are
wired in ``lerkit.bootstrap``.
"""

from lerkit.core.dataintegrity import ProofCheck, ProofOptions, add_proof, verify_proofs
from lerkit.core.dids import DidResolver, MethodResolver, VerificationMethod, did_key
from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey, PublicKey
from lerkit.core.report import Check, CheckResult, CheckStatus, Verdict, VerificationReport
from lerkit.core.verify import VerifyContext, verify_credential, verify_presentation

__version__ = "0.1.0"

__all__ = [
    "Check",
    "CheckResult",
    "CheckStatus",
    "DidResolver",
    "KeyType",
    "LerkitError",
    "MethodResolver",
    "PrivateKey",
    "ProblemCode",
    "ProofCheck",
    "ProofOptions",
    "PublicKey",
    "Verdict",
    "VerificationMethod",
    "VerificationReport",
    "VerifyContext",
    "__version__",
    "add_proof",
    "create_presentation",
    "did_key",
    "issue",
    "sign_presentation",
    "verify_credential",
    "verify_presentation",
    "verify_proofs",
]
