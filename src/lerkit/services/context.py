"""Who is acting: every service call that touches an organization's data takes an Actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lerkit.services.errors import PermissionDeniedError

ROLES = ("viewer", "issuer", "admin", "owner")
"""In increasing order of power: each role can do what the ones before it can."""


@dataclass(frozen=True)
class Actor:
    organization_id: int
    role: str
    label: str  # for the audit log: "key:<public id>" or "cli:bootstrap" ...
    scopes: frozenset[str] = field(default_factory=frozenset)  # empty = all of the role
    api_key_id: int | None = None

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def require(self, role: str, scope: str | None = None) -> None:
        """Raise PermissionDeniedError unless this actor has ``role`` (and ``scope``)."""
        if not self.can(role):
            raise PermissionDeniedError(f"this needs the {role} role; the caller is {self.role}")
        if scope is not None and self.scopes and scope not in self.scopes:
            raise PermissionDeniedError(f"this needs the scope {scope!r}")


Clock = Callable[[], datetime]
Entropy = Callable[[int], bytes]
"""``entropy(n)`` returns ``n`` random bytes (``os.urandom`` in production, seeded in tests)."""
