"""Shared type aliases of the core."""

from __future__ import annotations

from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]
"""A parsed JSON object (credential, presentation, proof, DID document...)."""
