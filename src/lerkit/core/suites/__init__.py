"""Data Integrity cryptosuites, one module per suite, split into the spec's steps.

``get_suite(name)`` returns a registered :class:`Cryptosuite`: ``eddsa-rdfc-2022``,
``eddsa-jcs-2022``, ``ecdsa-rdfc-2019``, ``ecdsa-jcs-2019`` and the legacy proof type
``Ed25519Signature2020``. Adding and verifying proofs (proof sets, chains, purposes,
verification methods) is :mod:`lerkit.core.dataintegrity`.
"""

from lerkit.core.suites.base import (
    Cryptosuite,
    JcsSuite,
    RdfcSuite,
    get_suite,
    register,
    suite_for_proof,
    suite_names,
)
from lerkit.core.suites.ecdsa_jcs_2019 import ECDSA_JCS_2019
from lerkit.core.suites.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from lerkit.core.suites.ed25519_signature_2020 import ED25519_SIGNATURE_2020
from lerkit.core.suites.eddsa_jcs_2022 import EDDSA_JCS_2022
from lerkit.core.suites.eddsa_rdfc_2022 import EDDSA_RDFC_2022

__all__ = [
    "ECDSA_JCS_2019",
    "ECDSA_RDFC_2019",
    "ED25519_SIGNATURE_2020",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "Cryptosuite",
    "JcsSuite",
    "RdfcSuite",
    "get_suite",
    "register",
    "suite_for_proof",
    "suite_names",
]
