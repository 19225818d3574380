"""The outbound HTTP the wallet needs as a client (OpenID4VCI, VC-API exchanges, URL
imports), as a port: the composition root supplies a bounded, SSRF-aware implementation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from lerkit.core.errors import ProblemCode
from lerkit.services.errors import ServiceError


class IssuerRefused(ServiceError):
    """The remote issuer or exchange refused, answered nonsense, or could not be reached
    (422, not 502: the API hides 5xx details, and the holder needs the issuer's words)."""

    default_code = ProblemCode.WALLET_ISSUER_REFUSED
    status = 422


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise IssuerRefused(f"the answer (HTTP {self.status}) is not JSON") from exc

    def json_object(self, what: str) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise IssuerRefused(f"{what} is not a JSON object")
        return value


class WalletHttp(Protocol):
    """One bounded HTTP request (no redirects followed for POST). Raises
    :class:`IssuerRefused` (network failure) or a ``ResolutionError`` (``fetch.refused``
    for a URL the fetch policy refuses)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> HttpResponse: ...
