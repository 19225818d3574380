"""Labels as people write them -> skill URIs, once (cached), and the closeness of skills.

Every label goes through the skills services' normalizer once per process (an LRU-like
dict cache): a URI the framework knows, a preferred or alternative label, a vendor name, a
typo, a paraphrase. What no framework knows is kept by its words (``label_key``) and
matches the same words only. The neighbours of a requirement among the skills the index
holds are cached too (extended as new skills arrive).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lerkit.core.matching.model import LABEL_URI_PREFIX, label_key
from lerkit.core.skills.text import STOPWORDS, stem, tokens
from lerkit.core.skills.types import OccupationCatalog, SkillNormalizer

MIN_CONFIDENCE = 0.5  # below this a normalized label is not trusted: kept by its words


@dataclass(frozen=True)
class Resolved:
    label: str  # as written
    uri: str  # framework skill URI, or label_key(label)
    skill_label: str  # the framework's preferred label ("" when unknown)
    framework: str  # "esco", "onet", ... or "" when unknown
    confidence: float
    method: str  # uri | exact | alt_label | fuzzy | ... | unknown

    @property
    def known(self) -> bool:
        return not self.uri.startswith(LABEL_URI_PREFIX)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "uri": self.uri,
            "skillLabel": self.skill_label,
            "framework": self.framework,
            "confidence": round(self.confidence, 4),
            "method": self.method,
        }


class SkillResolver:
    def __init__(
        self,
        normalizer: SkillNormalizer,
        catalog: OccupationCatalog | None = None,
        *,
        cache_size: int = 200_000,
    ) -> None:
        self.normalizer = normalizer
        self.catalog = catalog
        self._cache: dict[str, Resolved] = {}
        self._sim: dict[tuple[str, str], float] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.normalize_calls = 0
        # neighbour lists: uri -> (how many known keys were looked at, [(key, sim)])
        self._keys: list[str] = []
        self._key_set: set[str] = set()
        self._neighbours: dict[tuple[str, float], tuple[int, list[tuple[str, float]]]] = {}
        # The bundled taxonomy's similarity is > 0 only for skills linked by a crosswalk or
        # sharing a word stem (unless it has sentence vectors): with it, neighbours are
        # looked for among those only (the same result as asking every known key).
        # A taxonomy with ``neighbours(uri, min_score)`` lists a skill's close skills at once
        # (stem postings, crosswalks, one matrix product over the vectors): used when there.
        self._taxonomy_neighbours: Any = getattr(normalizer, "neighbours", None)
        if not callable(self._taxonomy_neighbours):
            self._taxonomy_neighbours = None
        self._prefilter = (
            self._taxonomy_neighbours is None
            and callable(getattr(normalizer, "skill", None))
            and callable(getattr(normalizer, "crosswalk", None))
            and getattr(normalizer, "vectors", None) is None
        )
        self._by_stem: dict[str, list[str]] = defaultdict(list)

    def resolve(self, label: str) -> Resolved:
        text = " ".join(label.split())
        hit = self._cache.get(text)
        if hit is not None:
            return hit if hit.label == label else _relabel(hit, label)
        self.normalize_calls += 1
        matches = self.normalizer.normalize(text, limit=1) if text else []
        if matches and matches[0].confidence >= MIN_CONFIDENCE:
            m = matches[0]
            out = Resolved(
                label, m.skill.uri, m.skill.label, m.skill.framework, m.confidence, m.method
            )
        else:
            out = Resolved(label, label_key(text), "", "", 0.0, "unknown")
        with self._lock:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[text] = out
        return out

    def extract(self, text: str) -> list[Resolved]:
        out = []
        seen: set[str] = set()
        for m in self.normalizer.extract(text):
            if m.confidence < MIN_CONFIDENCE or m.skill.uri in seen:
                continue
            seen.add(m.skill.uri)
            out.append(
                Resolved(
                    m.source, m.skill.uri, m.skill.label, m.skill.framework, m.confidence, m.method
                )
            )
        return out

    def similarity(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        if a.startswith(LABEL_URI_PREFIX) or b.startswith(LABEL_URI_PREFIX):
            return 0.0
        key = (a, b) if a < b else (b, a)
        hit = self._sim.get(key)
        if hit is None:
            hit = float(self.normalizer.similarity(a, b))
            if len(self._sim) >= 4 * self._cache_size:
                self._sim.clear()
            self._sim[key] = hit
        return hit

    def learn_keys(self, keys: Sequence[str]) -> None:
        """Note skill keys the index now holds (neighbour lists extend to them)."""
        warm = getattr(self.normalizer, "_ensure_neighbour_arrays", None)
        if keys and self._taxonomy_neighbours is not None and callable(warm):
            warm()  # built once per process, with the index, not at the first ranking
        with self._lock:
            for key in keys:
                if key not in self._key_set:
                    self._key_set.add(key)
                    self._keys.append(key)
                    if self._prefilter:
                        for word in self._stems(key):
                            self._by_stem[word].append(key)

    def _stems(self, uri: str) -> set[str]:
        skill: Any = self.normalizer.skill(uri)  # type: ignore[attr-defined]
        if skill is None:
            return set()
        return {
            stem(t)
            for text in (skill.label, *skill.alt_labels)
            for t in tokens(text)
            if t not in STOPWORDS
        }

    def _could_be_close(self, uri: str) -> set[str]:
        """Known keys whose similarity to ``uri`` may be > 0 (prefilter mode)."""
        out: set[str] = set()
        for word in self._stems(uri):
            out.update(self._by_stem.get(word, ()))
        for link in self.normalizer.crosswalk(uri):  # type: ignore[attr-defined]
            out.add(link.source)
            out.add(link.target)
        out.add(uri)
        return out & self._key_set

    def neighbours(self, uri: str, min_similarity: float) -> list[tuple[str, float]]:
        """Every known key at least ``min_similarity`` close to ``uri`` (itself at 1.0)."""
        cache_key = (uri, min_similarity)
        seen, found = self._neighbours.get(cache_key, (0, []))
        keys = self._keys
        if seen < len(keys):
            found = list(found)
            fresh: Sequence[str] = keys[seen:]
            if self._taxonomy_neighbours is not None:
                near = dict(self._taxonomy_neighbours(uri, min_similarity))
                for key in fresh:
                    s = near.get(key)
                    if s is not None and s >= min_similarity and s > 0:
                        found.append((key, s))
                self._neighbours[cache_key] = (len(keys), found)
                fresh = ()
            elif self._prefilter:
                close = self._could_be_close(uri)
                fresh = [k for k in fresh if k in close] if seen else sorted(close)
            for key in fresh:
                s = self.similarity(uri, key)
                if s >= min_similarity and s > 0:
                    found.append((key, s))
            self._neighbours[cache_key] = (len(keys), found)
        if uri not in self._key_set:
            return [(uri, 1.0), *found] if not any(k == uri for k, _ in found) else found
        return found


def _relabel(hit: Resolved, label: str) -> Resolved:
    return Resolved(label, hit.uri, hit.skill_label, hit.framework, hit.confidence, hit.method)
