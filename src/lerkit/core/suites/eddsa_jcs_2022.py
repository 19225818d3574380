"""``eddsa-jcs-2022`` (W3C vc-di-eddsa §3.3): Ed25519 over JCS (RFC 8785) + SHA-256."""

from __future__ import annotations

from typing import ClassVar

from lerkit.core.keys import KeyType
from lerkit.core.suites.base import JcsSuite, register


class EddsaJcs2022(JcsSuite):
    name: ClassVar[str] = "eddsa-jcs-2022"
    key_types: ClassVar[frozenset[KeyType]] = frozenset({KeyType.ED25519})


EDDSA_JCS_2022 = register(EddsaJcs2022())
