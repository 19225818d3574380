"""Skills: frameworks, labels, extraction (pure; see ``types`` for the contract)."""
