"""OpenID4VP 1.0: the verifier's presentation requests and the wallet's answers.

``services.oid4vp`` is an :class:`Oid4vp`: ``.verifier`` (:class:`PresentationVerifier`,
organizations) and ``.wallet`` (:class:`WalletPresenter`, holders; None when the wallet is
not wired).
"""

from __future__ import annotations

from dataclasses import dataclass

from lerkit.services.oid4vp.verifier import PresentationVerifier
from lerkit.services.oid4vp.wallet import VerifierAnswer, WalletPresenter


@dataclass
class Oid4vp:
    verifier: PresentationVerifier
    wallet: WalletPresenter | None = None


__all__ = ["Oid4vp", "PresentationVerifier", "VerifierAnswer", "WalletPresenter"]
