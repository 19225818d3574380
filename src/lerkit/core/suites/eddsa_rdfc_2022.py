"""``eddsa-rdfc-2022`` (W3C vc-di-eddsa §3.2): Ed25519 over RDFC-1.0 + SHA-256."""

from __future__ import annotations

from typing import ClassVar

from lerkit.core.keys import KeyType
from lerkit.core.suites.base import RdfcSuite, register


class EddsaRdfc2022(RdfcSuite):
    name: ClassVar[str] = "eddsa-rdfc-2022"
    key_types: ClassVar[frozenset[KeyType]] = frozenset({KeyType.ED25519})


EDDSA_RDFC_2022 = register(EddsaRdfc2022())
