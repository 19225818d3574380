"""The skills contract that the skills services (issue 7) provide and the marketplace
(issue 8) uses. Pure data and protocols: no I/O.

A skill is named by its URI (ESCO concept URI, O*NET element/commodity URI, CASE item URI,
RSD id); ``framework`` is a short framework id (``esco``, ``onet``, or an imported one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

MatchMethod = Literal[
    "uri", "exact", "alt_label", "fuzzy", "embedding", "lexical", "crosswalk", "hierarchy"
]


@dataclass(frozen=True)
class SkillRef:
    framework: str
    uri: str
    label: str  # preferred label
    code: str | None = None


@dataclass(frozen=True)
class SkillMatch:
    """A framework skill found for a label or in a text, with how sure we are."""

    skill: SkillRef
    confidence: float  # 0..1
    method: MatchMethod
    source: str  # the words it came from


@dataclass(frozen=True)
class OccupationRef:
    framework: str
    uri: str
    label: str
    code: str | None = None
    essential: tuple[str, ...] = field(default=())  # skill URIs
    optional: tuple[str, ...] = field(default=())  # skill URIs


class SkillNormalizer(Protocol):
    """Maps what people write to framework skills (the default taxonomy and imported ones)."""

    def normalize(self, label: str, *, limit: int = 3) -> Sequence[SkillMatch]:
        """Best framework skills for one label ("MS Excel", a skill URI, a typo), best first;
        empty when nothing is close enough."""
        ...

    def extract(self, text: str) -> Sequence[SkillMatch]:
        """Every skill named in free text (a job description, criteria), best first."""
        ...

    def similarity(self, a: str, b: str) -> float:
        """Semantic closeness of two skills (by URI) in 0..1; 1.0 for the same skill or an
        exact crosswalk match."""
        ...


class OccupationCatalog(Protocol):
    """Occupations and their relations (ESCO, O*NET), for guidance and career pathways."""

    def occupation(self, uri: str) -> OccupationRef | None: ...

    def search_occupations(self, text: str, *, limit: int = 10) -> Sequence[OccupationRef]: ...

    def related_occupations(self, uri: str) -> Sequence[OccupationRef]: ...
