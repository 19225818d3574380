"""``ecdsa-rdfc-2019`` (W3C vc-di-ecdsa §3.2): ECDSA over RDFC-1.0.

P-256 keys hash with SHA-256, P-384 keys with SHA-384 (both the hash data and the ECDSA
digest). Signatures are IEEE P1363 ``r || s``, deterministic (RFC 6979) when we sign.
"""

from __future__ import annotations

from typing import ClassVar

from lerkit.core.keys import KeyType
from lerkit.core.suites.base import RdfcSuite, register


class EcdsaRdfc2019(RdfcSuite):
    name: ClassVar[str] = "ecdsa-rdfc-2019"
    key_types: ClassVar[frozenset[KeyType]] = frozenset({KeyType.P256, KeyType.P384})


ECDSA_RDFC_2019 = register(EcdsaRdfc2019())
