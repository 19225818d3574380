"""The holder's wallet (issue 5): accounts, keys, received credentials, consent ledger."""
