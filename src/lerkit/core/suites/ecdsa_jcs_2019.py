"""``ecdsa-jcs-2019`` (W3C vc-di-ecdsa §3.3): ECDSA P-256/SHA-256 or P-384/SHA-384 over JCS."""

from __future__ import annotations

from typing import ClassVar

from lerkit.core.keys import KeyType
from lerkit.core.suites.base import JcsSuite, register


class EcdsaJcs2019(JcsSuite):
    name: ClassVar[str] = "ecdsa-jcs-2019"
    key_types: ClassVar[frozenset[KeyType]] = frozenset({KeyType.P256, KeyType.P384})


ECDSA_JCS_2019 = register(EcdsaJcs2019())
