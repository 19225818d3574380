"""An in-memory inverted index of candidate profiles by skill, incrementally updated.

Each candidate gets a slot; each skill key (URI) has a posting list of (slot, strength,
level) in growable numpy arrays. Adding a candidate appends to its skills' postings;
removing one clears its slot's ``alive`` flag (postings are compacted when half of the
slots are dead) — no rebuild. Ranking one job walks the postings of each requirement's
neighbours (the skill keys close enough to it, which the caller supplies, usually cached)
and computes, vectorized over every slot, exactly the rule of
:func:`lerkit.core.matching.scoring.score`, in the same order of floating-point operations,
so that the index and the brute-force scorer agree to the bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lerkit.core.matching.model import CandidateVector, JobVector, Weights
from lerkit.core.matching.scoring import requirement_weight

Neighbours = Callable[[str], Sequence[tuple[str, float]]]
"""``neighbours(uri)`` -> ``[(skill key in the index, similarity)]``: every indexed key whose
similarity to ``uri`` is at least ``Weights.min_similarity`` (``uri`` itself at 1.0)."""

_I = npt.NDArray[np.int64]
_F = npt.NDArray[np.float64]
_I32 = npt.NDArray[np.int32]
_F32 = npt.NDArray[np.float32]


class _Postings:
    __slots__ = ("levels", "n", "slots", "strengths")

    def __init__(self) -> None:
        self.slots: _I32 = np.empty(4, dtype=np.int32)
        self.strengths: _F = np.empty(4, dtype=np.float64)  # exact: the scorer's floats
        self.levels: _F32 = np.empty(4, dtype=np.float32)  # 1..5 (exact), NaN: no level
        self.n = 0

    def append(self, slot: int, strength: float, level: int | None) -> None:
        if self.n == len(self.slots):
            size = 2 * len(self.slots)
            self.slots = np.resize(self.slots, size)
            self.strengths = np.resize(self.strengths, size)
            self.levels = np.resize(self.levels, size)
        self.slots[self.n] = slot
        self.strengths[self.n] = strength
        self.levels[self.n] = np.nan if level is None else float(level)
        self.n += 1

    def extend(self, slots: _I, strengths: _F, levels: _F) -> None:
        need = self.n + len(slots)
        if need > len(self.slots):
            size = max(need, 2 * len(self.slots))
            self.slots = np.resize(self.slots, size)
            self.strengths = np.resize(self.strengths, size)
            self.levels = np.resize(self.levels, size)
        self.slots[self.n : need] = slots
        self.strengths[self.n : need] = strengths
        self.levels[self.n : need] = levels
        self.n = need

    def keep(self, alive: npt.NDArray[np.bool_], remap: _I) -> None:
        live = alive[self.slots[: self.n]]
        self.slots = remap[self.slots[: self.n][live]].astype(np.int32)
        self.strengths = self.strengths[: self.n][live].copy()
        self.levels = self.levels[: self.n][live].copy()
        self.n = len(self.slots)


@dataclass(frozen=True)
class Ranked:
    candidate_id: str
    score: float


class CandidateIndex:
    def __init__(self) -> None:
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._alive: npt.NDArray[np.bool_] = np.zeros(16, dtype=bool)
        self._postings: dict[str, _Postings] = {}
        self._dead = 0
        self.revision = 0  # bumps on every change (callers cache neighbour lists by it)

    # -- contents
    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self._slot

    def vocabulary(self) -> list[str]:
        """Every skill key that some candidate (alive or not yet compacted) has."""
        return list(self._postings)

    def ids(self) -> list[str]:
        return list(self._slot)

    def add(self, candidate: CandidateVector) -> None:
        """Add ``candidate`` (replacing any earlier version of it)."""
        self.remove(candidate.id)
        slot = len(self._ids)
        self._ids.append(candidate.id)
        self._slot[candidate.id] = slot
        if slot >= len(self._alive):
            self._alive = np.resize(self._alive, 2 * len(self._alive))
            self._alive[slot:] = False
        self._alive[slot] = True
        for skill in candidate.skills:  # one claim per URI (CandidateVector checks it)
            postings = self._postings.get(skill.uri)
            if postings is None:
                postings = self._postings[skill.uri] = _Postings()
            postings.append(slot, skill.strength, skill.level)
        self.revision += 1

    def add_bulk(self, candidates: Iterable[CandidateVector]) -> None:
        """Add many new candidates at once (ids not yet in the index): the fast path used
        when the index is loaded from the database or a benchmark builds it."""
        grouped: dict[str, tuple[list[int], list[float], list[float]]] = {}
        for candidate in candidates:
            if candidate.id in self._slot:
                self.add(candidate)
                continue
            slot = len(self._ids)
            self._ids.append(candidate.id)
            self._slot[candidate.id] = slot
            for skill in candidate.skills:
                group = grouped.setdefault(skill.uri, ([], [], []))
                group[0].append(slot)
                group[1].append(skill.strength)
                group[2].append(np.nan if skill.level is None else float(skill.level))
        if len(self._ids) > len(self._alive):
            old = len(self._alive)
            self._alive = np.resize(self._alive, max(len(self._ids), 2 * old))
            self._alive[old:] = False
        for slot in self._slot.values():
            self._alive[slot] = True
        for uri, (slots, strengths, levels) in grouped.items():
            postings = self._postings.get(uri)
            if postings is None:
                postings = self._postings[uri] = _Postings()
            postings.extend(
                np.asarray(slots, dtype=np.int64),
                np.asarray(strengths, dtype=np.float64),
                np.asarray(levels, dtype=np.float64),
            )
        self.revision += 1

    def add_csr(
        self,
        ids: Sequence[str],
        indptr: _I,
        keys: _I,
        vocabulary: Sequence[str],
        strengths: _F,
        levels: _F,
    ) -> None:
        """Add many new candidates given column-wise (compressed sparse rows): candidate
        ``i`` has the skills ``vocabulary[keys[indptr[i]:indptr[i+1]]]`` with those
        strengths and levels (NaN: none), one per skill. For loading millions of
        profiles without building an object per skill."""
        if any(cid in self._slot for cid in ids):
            raise ValueError("add_csr adds new candidates only")
        first = len(self._ids)
        self._ids.extend(ids)
        for offset, cid in enumerate(ids):
            self._slot[cid] = first + offset
        size = len(self._ids)
        if size > len(self._alive):
            old = len(self._alive)
            self._alive = np.resize(self._alive, max(size, 2 * old))
            self._alive[old:] = False
        self._alive[first:size] = True
        counts = np.diff(indptr)
        slots = np.repeat(np.arange(first, size, dtype=np.int64), counts)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(sorted_keys)]))
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if start == end:
                continue
            uri = vocabulary[int(sorted_keys[start])]
            picked = order[start:end]
            postings = self._postings.get(uri)
            if postings is None:
                postings = self._postings[uri] = _Postings()
            postings.extend(slots[picked], strengths[picked], levels[picked])
        self.revision += 1

    def remove(self, candidate_id: str) -> bool:
        """Take ``candidate_id`` out of every ranking at once; False if it was not in."""
        slot = self._slot.pop(candidate_id, None)
        if slot is None:
            return False
        self._alive[slot] = False
        self._dead += 1
        self.revision += 1
        if self._dead > 1024 and self._dead * 2 > len(self._ids):
            self._compact()
        return True

    def _compact(self) -> None:
        size = len(self._ids)
        alive = self._alive[:size]
        remap = np.cumsum(alive, dtype=np.int64) - 1
        for uri in list(self._postings):
            self._postings[uri].keep(alive, remap)
            if self._postings[uri].n == 0:
                del self._postings[uri]
        self._ids = [cid for slot, cid in enumerate(self._ids) if alive[slot]]
        self._slot = {cid: slot for slot, cid in enumerate(self._ids)}
        self._alive = np.zeros(max(16, 2 * len(self._ids)), dtype=bool)
        self._alive[: len(self._ids)] = True
        self._dead = 0

    # -- ranking
    def scores(self, job: JobVector, neighbours: Neighbours, weights: Weights) -> _F:
        """The score of every slot for ``job`` (dead slots: 0).

        Work is proportional to the postings a job touches, not to the number of slots:
        each requirement's best values are gathered in a scratch array at the touched slots
        only, then added to the total there (adding ``w * 0`` elsewhere would not change a
        bit), so the result is exactly the dense computation of the scoring rule."""
        size = len(self._ids)
        total = np.zeros(size, dtype=np.float64)
        best = np.zeros(size, dtype=np.float64)
        wsum = 0.0
        for req in job.requirements:
            w = requirement_weight(req, weights)
            wsum += w
            touched: list[_I32] = []
            for key, sim in neighbours(req.uri):
                postings = self._postings.get(key)
                if postings is None or postings.n == 0:
                    continue
                if sim < weights.min_similarity or sim <= 0:
                    continue
                slots = postings.slots[: postings.n]
                value = sim * postings.strengths[: postings.n]
                if req.level is not None and req.level > 0:
                    levels = postings.levels[: postings.n].astype(np.float64)
                    factor = np.where(
                        np.isnan(levels), weights.unknown_level, np.minimum(1.0, levels / req.level)
                    )
                    value = value * factor
                else:
                    value = value * 1.0
                if touched:
                    best[slots] = np.maximum(best[slots], value)
                else:
                    best[slots] = value
                touched.append(slots)
            if not touched:
                continue
            if len(touched) == 1:
                at: npt.NDArray[np.int64] | _I32 = touched[0]
            else:
                merged = np.concatenate(touched)
                merged.sort()
                at = merged[np.concatenate(([True], merged[1:] != merged[:-1]))]
            total[at] += w * best[at]
            best[at] = 0.0
        if wsum > 0:
            total /= wsum
        total[~self._alive[:size]] = 0.0
        return total

    def rank(
        self, job: JobVector, neighbours: Neighbours, weights: Weights | None = None, k: int = 10
    ) -> list[Ranked]:
        """The ``k`` best candidates for ``job``, best first, ties by id; zero scores left
        out. Same order and scores as ``rank_brute_force``."""
        weights = weights or Weights()
        if k <= 0 or not self._ids:
            return []
        total = self.scores(job, neighbours, weights)
        positive = np.flatnonzero(total > 0)
        if len(positive) > k:
            kth = -np.partition(-total[positive], k - 1)[k - 1]
            positive = positive[total[positive] >= kth]
        ranked = [Ranked(self._ids[int(s)], float(total[s])) for s in positive]
        ranked.sort(key=lambda r: (-r.score, r.candidate_id))
        return ranked[:k]

    def memory_bytes(self) -> int:
        """Bytes held by the numpy arrays (not counting the id strings)."""
        arrays = sum(
            p.slots.nbytes + p.strengths.nbytes + p.levels.nbytes for p in self._postings.values()
        )
        return int(arrays + self._alive.nbytes)
