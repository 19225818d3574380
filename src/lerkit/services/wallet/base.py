"""What the wallet areas share: ``WalletBase`` (accounts + consent ledger), set on
``services.wallet_base`` by the composition root before the areas are wired."""

from __future__ import annotations

from dataclasses import dataclass

from lerkit.services.wallet.accounts import HolderAccounts
from lerkit.services.wallet.consent import ConsentLedger


@dataclass
class WalletBase:
    accounts: HolderAccounts
    consent: ConsentLedger
