"""Batch matching for integrators (``lerkit match``, ``lerkit gap``): the same engine as the
API (the scoring rule, the index, the skill resolver), over JSON Lines.

Input lines (one JSON object each; blank lines are skipped):

* candidate: ``{"id": str, "skills": [label or skill URI, ...]}`` (other members, e.g. a
  name or an age, are ignored: the scorer's input has no place for them);
* job: ``{"id": str, "title": str, "required_skills": [...], "preferred_skills": [...]}``
  (a skill may also be ``{"label", "level"}``);
* pair: ``{"id": str, "candidate": <candidate id>, "job": <job id>}``.

Labels arrive as people write them; each distinct label is normalized once (cached). In
batch there is no evidence to weigh: every listed skill counts fully (strength 1.0), so a
score is the weighted coverage of the job by semantically close skills.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from lerkit.core.matching.index import CandidateIndex
from lerkit.core.matching.model import (
    CandidateVector,
    JobVector,
    Requirement,
    SkillClaim,
    Weights,
    merge_claims,
)
from lerkit.core.matching.scoring import Match, score
from lerkit.services.market.resolver import SkillResolver

MAX_LINE = 1_000_000  # characters
MAX_SKILLS = 1000


class BatchInputError(ValueError):
    """A line that cannot be used: says which file and line, and why."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line


@dataclass(frozen=True)
class Line:
    number: int
    data: dict[str, Any]


def read_lines(text_lines: Iterable[str], source: str) -> Iterator[Line]:
    for number, raw in enumerate(text_lines, start=1):
        text = raw.strip()
        if not text:
            continue
        if len(text) > MAX_LINE:
            raise BatchInputError(source, number, "line too long")
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise BatchInputError(
                source, number, f"not JSON ({exc.msg if hasattr(exc, 'msg') else exc})"
            ) from exc
        if not isinstance(data, dict):
            raise BatchInputError(source, number, "a line must be a JSON object")
        yield Line(number, data)


def _id(line: Line, source: str, seen: set[str]) -> str:
    value = line.data.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise BatchInputError(source, line.number, '"id" must be a non-empty string')
    if value in seen:
        raise BatchInputError(source, line.number, f"duplicate id {value!r}")
    seen.add(value)
    return value


def _skills(line: Line, source: str, name: str, required: bool) -> list[tuple[str, int | None]]:
    value = line.data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise BatchInputError(source, line.number, f'"{name}" must be a list of skill labels')
    if len(value) > MAX_SKILLS:
        raise BatchInputError(source, line.number, f'"{name}": at most {MAX_SKILLS} skills')
    out = []
    for i, item in enumerate(value):
        level = None
        if isinstance(item, dict):
            level = item.get("level")
            item = item.get("label") or item.get("uri")
            if level is not None and (
                isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5
            ):
                raise BatchInputError(source, line.number, f'"{name}"[{i}].level must be 1..5')
        if not isinstance(item, str) or not item.strip():
            raise BatchInputError(
                source, line.number, f'"{name}"[{i}] must be a non-empty label or skill URI'
            )
        out.append((item, level))
    return out


class BatchEngine:
    def __init__(self, resolver: SkillResolver, weights: Weights | None = None) -> None:
        self.resolver = resolver
        self.weights = weights or Weights()
        self.candidates: dict[str, CandidateVector] = {}
        self.jobs: dict[str, JobVector] = {}

    # -- loading
    def load_candidates(self, lines: Iterable[str], source: str) -> None:
        seen: set[str] = set()
        for line in read_lines(lines, source):
            cid = _id(line, source, seen)
            claims = []
            for label, level in _skills(line, source, "skills", True):
                resolved = self.resolver.resolve(label)
                claims.append(SkillClaim(resolved.uri, label, level, (), 1.0))
            self.candidates[cid] = CandidateVector(cid, merge_claims(claims))

    def load_jobs(self, lines: Iterable[str], source: str) -> None:
        seen: set[str] = set()
        for line in read_lines(lines, source):
            jid = _id(line, source, seen)
            title = line.data.get("title", "")
            if not isinstance(title, str):
                raise BatchInputError(source, line.number, '"title" must be a string')
            reqs = []
            for name, required in (("required_skills", True), ("preferred_skills", False)):
                for label, level in _skills(line, source, name, name == "required_skills"):
                    resolved = self.resolver.resolve(label)
                    reqs.append(
                        Requirement(resolved.uri, label, required, level, resolved.skill_label)
                    )
            self.jobs[jid] = JobVector(jid, tuple(reqs), title)

    # -- matching
    def _index(self) -> CandidateIndex:
        index = CandidateIndex()
        index.add_bulk(self.candidates.values())
        self.resolver.learn_keys(index.vocabulary())
        return index

    def _neighbours(self, uri: str) -> list[tuple[str, float]]:
        return self.resolver.neighbours(uri, self.weights.min_similarity)

    def explanation(self, match: Match) -> dict[str, Any]:
        return {
            "met": [
                {
                    "requirement": o.requirement.label,
                    "required": o.requirement.required,
                    "skill": o.skill.label if o.skill else None,
                    "similarity": round(o.similarity, 4),
                }
                for o in match.outcomes
                if o.met
            ],
            "missing": [o.requirement.label for o in match.outcomes if not o.met],
        }

    def candidates_for_jobs(self, top: int) -> Iterator[dict[str, Any]]:
        index = self._index()
        for job in self.jobs.values():
            ranked = index.rank(job, self._neighbours, self.weights, top)
            matches = []
            for r in ranked:
                m = score(
                    job, self.candidates[r.candidate_id], self.resolver.similarity, self.weights
                )
                matches.append(
                    {
                        "id": r.candidate_id,
                        "score": round(r.score, 6),
                        "explanation": self.explanation(m),
                    }
                )
            yield {"id": job.id, "matches": matches}

    def jobs_for_candidates(self, top: int, chunk: int = 64) -> Iterator[dict[str, Any]]:
        """Every job scored over every candidate with the index (vectorized), keeping each
        candidate's ``top`` best jobs (ties: job id)."""
        index = self._index()
        order = {cid: slot for slot, cid in enumerate(index.ids())}
        slots = np.array([order[cid] for cid in self.candidates], dtype=np.int64)
        jobs = sorted(self.jobs.values(), key=lambda j: j.id)  # ties broken by job id
        n = len(slots)
        k = min(top, len(jobs))
        best_scores = np.zeros((max(k, 1), n))
        best_jobs = np.full((max(k, 1), n), -1, dtype=np.int64)
        for start in range(0, len(jobs), chunk):
            part = jobs[start : start + chunk]
            scores = np.stack(
                [index.scores(j, self._neighbours, self.weights)[slots] for j in part]
            )
            ids = np.arange(start, start + len(part), dtype=np.int64)[:, None].repeat(n, axis=1)
            all_scores = np.vstack([best_scores, scores])
            all_jobs = np.vstack([best_jobs, ids])
            # stable: earlier rows (lower job index) win ties, as sorted by job id
            keep = np.argsort(-all_scores, axis=0, kind="stable")[: max(k, 1)]
            best_scores = np.take_along_axis(all_scores, keep, axis=0)
            best_jobs = np.take_along_axis(all_jobs, keep, axis=0)
        for col, cid in enumerate(self.candidates):
            candidate = self.candidates[cid]
            matches = []
            for row in range(k):
                j, s = int(best_jobs[row, col]), float(best_scores[row, col])
                if j < 0 or s <= 0:
                    continue
                m = score(jobs[j], candidate, self.resolver.similarity, self.weights)
                matches.append(
                    {"id": jobs[j].id, "score": round(s, 6), "explanation": self.explanation(m)}
                )
            yield {"id": cid, "matches": matches}

    def gaps(self, lines: Iterable[str], source: str) -> Iterator[dict[str, Any]]:
        """``{"id", "missing": [required skills as written in the job]}`` per pair. Pairs
        are all checked before the first result is yielded."""
        seen: set[str] = set()
        pairs = []
        for line in read_lines(lines, source):
            pid = _id(line, source, seen)
            cid, jid = line.data.get("candidate"), line.data.get("job")
            if isinstance(cid, int) and not isinstance(cid, bool):
                cid = str(cid)
            if isinstance(jid, int) and not isinstance(jid, bool):
                jid = str(jid)
            if not isinstance(cid, str) or cid not in self.candidates:
                raise BatchInputError(source, line.number, f"unknown candidate {cid!r}")
            if not isinstance(jid, str) or jid not in self.jobs:
                raise BatchInputError(source, line.number, f"unknown job {jid!r}")
            pairs.append((pid, cid, jid))
        for pid, cid, jid in pairs:
            m = score(self.jobs[jid], self.candidates[cid], self.resolver.similarity, self.weights)
            yield {"id": pid, "missing": [r.label for r in m.missing_required]}
