"""Legacy proof type ``Ed25519Signature2020`` (W3C CCG; vc-di-eddsa test vectors).

No ``cryptosuite``; the terms come from ``https://w3id.org/security/suites/ed25519-2020/v1``.
The algorithm is that of ``eddsa-rdfc-2022``: the proof configuration carries the document's
``@context``, both are canonicalized with RDFC-1.0, hash data is
``SHA-256(proof config) || SHA-256(document)``, the proofValue ``z`` + base58btc.
Verification methods of type ``Ed25519VerificationKey2020`` and ``Multikey`` are accepted.
"""

from __future__ import annotations

from typing import ClassVar

from lerkit.core.dids.base import ED25519_2020_CONTEXT
from lerkit.core.keys import KeyType
from lerkit.core.suites.base import RdfcSuite, register


class Ed25519Signature2020(RdfcSuite):
    name: ClassVar[str] = "Ed25519Signature2020"
    proof_type: ClassVar[str] = "Ed25519Signature2020"
    key_types: ClassVar[frozenset[KeyType]] = frozenset({KeyType.ED25519})
    context_terms: ClassVar[tuple[str, ...]] = (ED25519_2020_CONTEXT,)
    context_to_add: ClassVar[str] = ED25519_2020_CONTEXT


ED25519_SIGNATURE_2020 = register(Ed25519Signature2020())
