"""Interfaces the services depend on; adapters implement them."""

from __future__ import annotations

from typing import Protocol

from lerkit.core.types import JsonObject


class JsonFetcher(Protocol):
    """Fetches a JSON document over the network, bounded in time and size."""

    def get_json(self, url: str) -> JsonObject: ...
