"""The consent ledger: every presentation and share records what was disclosed, to whom,
when and why. Every area that discloses a holder's data calls :meth:`ConsentLedger.record`
in the same unit of work as the disclosure (so one never exists without the other).

Withdrawing an ongoing consent stops what it allowed: the area that owns the consent's
``kind`` registers a callback with :meth:`ConsentLedger.on_withdraw` (the sharing area revokes
the share link of a ``share`` consent and the OAuth grants of an ``ob3_api`` consent), called
in the same unit of work. The reverse (a share link revoked) calls
:meth:`ConsentLedger.withdraw_reference`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.db.models_wallet import ConsentRecord
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError

KINDS = ("presentation", "share", "oid4vp", "exchange", "talent_profile", "ob3_api")

WithdrawHook = Callable[[Session, ConsentRecord], None]


def consent_json(row: ConsentRecord) -> dict[str, Any]:
    """One ledger entry as the API shows it to its holder."""
    return {
        "id": row.public_id,
        "kind": row.kind,
        "recipient": row.recipient,
        "purpose": row.purpose,
        "disclosed": row.disclosed,
        "reference": row.reference,
        "ongoing": row.ongoing,
        "active": row.ongoing and row.withdrawn_at is None,
        "createdAt": row.created_at.isoformat(),
        "withdrawnAt": row.withdrawn_at.isoformat() if row.withdrawn_at else None,
    }


class ConsentLedger:
    def __init__(self, clock: Clock, entropy: Entropy) -> None:
        self._clock = clock
        self._entropy = entropy
        self._hooks: dict[str, list[WithdrawHook]] = {}

    def on_withdraw(self, kind: str, hook: WithdrawHook) -> None:
        """Call ``hook(session, record)`` when an ongoing consent of ``kind`` is withdrawn."""
        if kind not in KINDS:
            raise ValueError(f"unknown consent kind {kind!r}")
        self._hooks.setdefault(kind, []).append(hook)

    def record(
        self,
        session: Session,
        holder_id: int,
        *,
        kind: str,
        recipient: str,
        purpose: str,
        disclosed: Sequence[dict[str, Any]],
        reference: str | None = None,
        ongoing: bool = False,
    ) -> ConsentRecord:
        """Write one entry. ``disclosed``: ``[{"credential": <wallet credential public_id>,
        "fields": [claim paths, or "*" for all]}]``."""
        if kind not in KINDS:
            raise ValueError(f"unknown consent kind {kind!r}")
        row = ConsentRecord(
            holder_id=holder_id,
            public_id=self._entropy(16).hex(),
            kind=kind,
            recipient=recipient[:500],
            purpose=purpose[:500],
            disclosed=list(disclosed),
            reference=reference,
            ongoing=ongoing,
            created_at=self._clock(),
        )
        session.add(row)
        session.flush()
        return row

    def entries(self, session: Session, holder_id: int) -> list[ConsentRecord]:
        return list(
            session.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.holder_id == holder_id)
                .order_by(ConsentRecord.created_at.desc(), ConsentRecord.id.desc())
            )
        )

    def get(self, session: Session, holder_id: int, public_id: str) -> ConsentRecord:
        row = session.scalar(
            select(ConsentRecord).where(
                ConsentRecord.holder_id == holder_id, ConsentRecord.public_id == public_id
            )
        )
        if row is None:
            raise NotFoundError("no such consent record")
        return row

    def withdraw(self, session: Session, holder_id: int, public_id: str) -> ConsentRecord:
        """Withdraw an ongoing consent (the area that owns ``reference`` stops disclosing:
        it checks ``is_active`` before each disclosure)."""
        row = self.get(session, holder_id, public_id)
        if not row.ongoing:
            raise ConflictError("a one-off disclosure cannot be withdrawn; it stays as history")
        if row.withdrawn_at is None:
            row.withdrawn_at = self._clock()
            for hook in self._hooks.get(row.kind, ()):
                hook(session, row)
        return row

    def withdraw_reference(
        self, session: Session, holder_id: int, kind: str, reference: str
    ) -> None:
        """Mark the ongoing consent of ``kind`` for ``reference`` withdrawn (its owner stopped
        the disclosure itself, e.g. the holder revoked a share link); no hooks are called."""
        now = self._clock()
        for row in session.scalars(
            select(ConsentRecord).where(
                ConsentRecord.holder_id == holder_id,
                ConsentRecord.kind == kind,
                ConsentRecord.reference == reference,
                ConsentRecord.withdrawn_at.is_(None),
            )
        ):
            if row.ongoing:
                row.withdrawn_at = now

    def is_active(self, session: Session, kind: str, reference: str) -> bool:
        row = session.scalar(
            select(ConsentRecord).where(
                ConsentRecord.kind == kind, ConsentRecord.reference == reference
            )
        )
        return row is not None and row.withdrawn_at is None
