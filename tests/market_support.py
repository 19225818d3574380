"""Test helpers of the marketplace (issue 8): a tiny in-memory taxonomy that implements the
skills contract (``SkillNormalizer`` + ``OccupationCatalog``) for pure unit tests."""

from __future__ import annotations

from collections.abc import Sequence

from lerkit.core.skills.types import OccupationRef, SkillMatch, SkillRef

ESCO = "http://data.europa.eu/esco/skill/"
OCC = "http://data.europa.eu/esco/occupation/"

SKILLS: dict[str, tuple[str, tuple[str, ...]]] = {
    # uri suffix: (preferred label, alternative labels)
    "python": ("Python (computer programming)", ("python", "python3", "py")),
    "java": ("Java (computer programming)", ("java",)),
    "sql": ("SQL", ("structured query language", "sql queries")),
    "excel": ("use spreadsheets software", ("ms excel", "excel", "microsoft excel")),
    "stats": ("statistics", ("statistical analysis",)),
    "ml": ("machine learning", ("ml",)),
    "lead": ("lead a team", ("team leadership", "leadership")),
    "comm": ("communication", ("communicate",)),
    "nurse": ("patient care", ("caring for patients",)),
}
# symmetric closeness of different skills
CLOSE: dict[frozenset[str], float] = {
    frozenset({"python", "java"}): 0.7,
    frozenset({"stats", "ml"}): 0.75,
    frozenset({"sql", "excel"}): 0.5,
}
OCCUPATIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # uri suffix: (label, essential, optional, related occupations)
    "data-analyst": ("data analyst", ("sql", "stats", "excel"), ("python",), ("data-scientist",)),
    "data-scientist": ("data scientist", ("python", "stats", "ml"), ("sql",), ("data-analyst",)),
    "developer": ("software developer", ("python", "java"), ("sql", "comm"), ()),
    "team-lead": ("team leader", ("lead", "comm"), (), ()),
    "nurse": ("nurse", ("nurse", "comm"), (), ()),
}


def uri(key: str) -> str:
    return ESCO + key


class TinyTaxonomy:
    """Labels: exact preferred/alternative labels (case-folded), a URI, or a one-letter typo."""

    def __init__(self) -> None:
        self.calls = 0
        self._labels: dict[str, str] = {}
        for key, (label, alts) in SKILLS.items():
            for text in (label, *alts):
                self._labels[text.casefold()] = key

    def ref(self, key: str) -> SkillRef:
        return SkillRef("esco", uri(key), SKILLS[key][0])

    def normalize(self, label: str, *, limit: int = 3) -> Sequence[SkillMatch]:
        self.calls += 1
        text = " ".join(label.casefold().split())
        if text.startswith(ESCO) and text[len(ESCO) :] in SKILLS:
            return [SkillMatch(self.ref(text[len(ESCO) :]), 1.0, "uri", label)]
        if text in self._labels:
            key = self._labels[text]
            method = "exact" if text == SKILLS[key][0].casefold() else "alt_label"
            return [SkillMatch(self.ref(key), 1.0, method, label)]
        for known, key in self._labels.items():  # one substitution or deletion
            if len(known) > 3 and _one_edit(text, known):
                return [SkillMatch(self.ref(key), 0.8, "fuzzy", label)]
        return []

    def extract(self, text: str) -> Sequence[SkillMatch]:
        found = []
        folded = text.casefold()
        for known, key in self._labels.items():
            if len(known) > 3 and known in folded:
                found.append(SkillMatch(self.ref(key), 0.7, "lexical", known))
        seen: set[str] = set()
        return [m for m in found if not (m.skill.uri in seen or seen.add(m.skill.uri))]

    def similarity(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        if not (a.startswith(ESCO) and b.startswith(ESCO)):
            return 0.0
        return CLOSE.get(frozenset({a[len(ESCO) :], b[len(ESCO) :]}), 0.0)

    def occupation(self, uri_: str) -> OccupationRef | None:
        key = uri_[len(OCC) :] if uri_.startswith(OCC) else None
        if key not in OCCUPATIONS:
            return None
        label, essential, optional, _ = OCCUPATIONS[key]
        return OccupationRef(
            "esco",
            uri_,
            label,
            None,
            tuple(uri(s) for s in essential),
            tuple(uri(s) for s in optional),
        )

    def search_occupations(self, text: str, *, limit: int = 10) -> Sequence[OccupationRef]:
        out = []
        for key, (label, *_rest) in OCCUPATIONS.items():
            if text.casefold() in label:
                ref = self.occupation(OCC + key)
                assert ref is not None
                out.append(ref)
        return out[:limit]

    def related_occupations(self, uri_: str) -> Sequence[OccupationRef]:
        key = uri_[len(OCC) :] if uri_.startswith(OCC) else ""
        related = OCCUPATIONS.get(key, ("", (), (), ()))[3]
        return [r for r in (self.occupation(OCC + k) for k in related) if r is not None]

    @property
    def occupations(self) -> list[OccupationRef]:
        return self.all_occupations()

    def all_occupations(self) -> list[OccupationRef]:
        return [r for r in (self.occupation(OCC + k) for k in OCCUPATIONS) if r is not None]

    def get_skill(self, uri_: str) -> SkillRef | None:
        key = uri_[len(ESCO) :] if uri_.startswith(ESCO) else ""
        return self.ref(key) if key in SKILLS else None


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
