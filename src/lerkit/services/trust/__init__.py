"""Trust services: registries of trusted issuers (DB-backed, federated) and the one
verification entry point that uses them.

``services.trust`` (wired by :mod:`lerkit.bootstrap.trust`) is a :class:`TrustService`:

- :meth:`TrustService.verify_any` — verify any credential or presentation lerkit reads
  (see :mod:`lerkit.services.verification`), optionally against a trust registry, with
  the report's explanations in ``lang``;
- :meth:`TrustService.recognition` — is an issuer recognised for these credential types
  (and achievement), by a registry, and by whom (the accreditor)?
- :attr:`TrustService.registries` — registry management (:class:`Registries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lerkit.core import trust as core
from lerkit.core.errors import ProblemCode
from lerkit.core.report import VerificationReport
from lerkit.core.trust import Recognition, Registry, Scope
from lerkit.core.types import JsonObject
from lerkit.db.session import Database
from lerkit.services.context import Clock
from lerkit.services.errors import NotFoundError
from lerkit.services.trust.registries import Registries, RegistryInfo
from lerkit.services.verification import TrustEvaluator, Verifier


def make_evaluator(
    registries: Sequence[Registry], verifier: Verifier, at: datetime
) -> TrustEvaluator:
    """``evaluate(issuer, scope)`` over ``registries`` at ``at``: the first registry that
    recognises the issuer answers, else the first answer; accreditation credentials are
    verified with ``verifier``."""

    def evaluate(issuer: str | None, scope: Scope) -> Recognition:
        answers = [
            core.recognise(
                r, issuer, scope, at=at, verify=lambda c: verifier.verify_credential(c, at)
            )
            for r in registries
        ]
        if not answers:
            return Recognition(
                False,
                None,
                None,
                "no trust registry to consult",
                str(ProblemCode.TRUST_REGISTRY_UNAVAILABLE),
                issuer,
            )
        return next((a for a in answers if a.recognised), answers[0])

    return evaluate


class TrustService:
    def __init__(
        self,
        database: Database,
        registries: Registries,
        verifier: Callable[[], Verifier],
        clock: Clock,
    ) -> None:
        self._database = database
        self.registries = registries
        self._verifier = verifier
        self._clock = clock
        self.http_cache: Any = None  # the shared HTTP cache (set by the wiring)
        self.verified_lists: Any = None  # the shared memo of verified status lists

    def verifier(self) -> Verifier:
        """A verifier sharing this instance's HTTP cache and verified status lists."""
        return self._verifier()

    # ------------------------------------------------------------------ recognition

    def _registries(
        self, session: Session, registry: str | None, organization_id: int | None
    ) -> list[Registry]:
        rows = self.registries.find(session, registry, organization_id=organization_id)
        now = self._clock()
        return [self.registries.registry(session, row, now) for row in rows]

    def evaluator(
        self,
        registries: Sequence[Registry],
        *,
        at: datetime | None = None,
        verifier: Verifier | None = None,
    ) -> TrustEvaluator:
        """``evaluate(issuer, scope)`` over ``registries`` (the first that recognises the
        issuer answers); accreditations are verified with ``verifier``."""
        return make_evaluator(registries, verifier or self.verifier(), at or self._clock())

    def recognition(
        self,
        session: Session,
        issuer: str,
        credential_types: Sequence[str],
        achievement_id: str | None = None,
        at: datetime | None = None,
        *,
        registry: str | None = None,
        organization_id: int | None = None,
        frameworks: Sequence[str] = (),
    ) -> Recognition:
        """Is ``issuer`` recognised for ``credential_types`` (and ``achievement_id``) at
        ``at``? ``registry``: a registry name (of ``organization_id``) or ``org/name`` (a
        published one); None: every registry of ``organization_id`` (or, without one,
        every published registry of this instance)."""
        registries = self._registries(session, registry, organization_id)
        scope = Scope(
            tuple(credential_types),
            (achievement_id,) if achievement_id else (),
            tuple(frameworks),
        )
        return self.evaluator(registries, at=at)(issuer, scope)

    # ------------------------------------------------------------------ verification

    @contextmanager
    def _session(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
            return
        with self._database.session() as own:
            yield own

    def verify_any(
        self,
        document: str | bytes | JsonObject,
        *,
        registry: str | Registry | None = None,
        organization_id: int | None = None,
        lang: str = "en",
        challenge: str | None = None,
        domain: str | None = None,
        recipient: str | None = None,
        now: datetime | None = None,
        session: Session | None = None,
        verifier: Verifier | None = None,
    ) -> VerificationReport:
        """Verify ``document`` (any format) and, with ``registry`` (a name, ``org/name``
        or a :class:`Registry`), say whether its issuer is recognised. An unknown
        registry name is a ``NotFoundError`` (``trust.registry_unavailable``)."""
        checker = verifier or self.verifier()
        if registry is None:
            return checker.verify_any(
                document,
                challenge=challenge,
                domain=domain,
                recipient=recipient,
                now=now,
                lang=lang,
            )
        if isinstance(registry, Registry):
            evaluate = self.evaluator([registry], at=now, verifier=checker)
            return checker.verify_any(
                document,
                trust=evaluate,
                challenge=challenge,
                domain=domain,
                recipient=recipient,
                now=now,
                lang=lang,
            )
        with self._session(session) as s:
            registries = self._registries(s, registry, organization_id)
            if not registries:
                raise NotFoundError(
                    f"no trust registry {registry!r}", ProblemCode.TRUST_REGISTRY_UNAVAILABLE
                )
            evaluate = self.evaluator(registries, at=now, verifier=checker)
            return checker.verify_any(
                document,
                trust=evaluate,
                challenge=challenge,
                domain=domain,
                recipient=recipient,
                now=now,
                lang=lang,
            )


__all__ = ["Registries", "RegistryInfo", "TrustService", "make_evaluator"]
