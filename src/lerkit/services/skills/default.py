"""The bundled default taxonomy (ESCO v1.1.1 + O*NET 29.1), loaded once per process."""

from __future__ import annotations

import gzip
import json
import threading
from functools import cache
from importlib import resources
from typing import Any

from lerkit.core.skills.taxonomy import Taxonomy, from_default_data

DEFAULT_DATA = "default.json.gz"
_lock = threading.Lock()


@cache
def load_default_data() -> dict[str, Any]:
    """The arrays of ``lerkit/data/skills/default.json.gz`` (see tools/build_skills_data.py)."""
    ref = resources.files("lerkit.data.skills").joinpath(DEFAULT_DATA)
    with ref.open("rb") as fh:
        data: dict[str, Any] = json.loads(gzip.decompress(fh.read()))
    return data


_cached: Taxonomy | None = None


def default_taxonomy() -> Taxonomy:
    """The default ESCO + O*NET taxonomy (lexical matching; see ``embeddings`` for vectors)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = from_default_data(load_default_data())
    return _cached


def attribution() -> list[dict[str, str]]:
    """The attribution each bundled framework requires (shown by the API, CLI and docs)."""
    return [
        {"framework": fw, **{k: str(v) for k, v in info.items()}}
        for fw, info in load_default_data()["frameworks"].items()
    ]
