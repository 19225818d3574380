"""An in-memory skills taxonomy: label index, normalization, extraction, similarity,
occupations (pure; implements :class:`SkillNormalizer` and :class:`OccupationCatalog`).

Methods, in the order tried (``SkillMatch.method``):

- ``uri``: the input is a skill URI or code;
- ``exact`` / ``alt_label``: the folded label equals a preferred / alternative label, also after
  spelling out abbreviations ("MS Excel" -> "microsoft excel");
- ``lexical``: equal stems ("spreadsheets" ~ "spreadsheet") or weighted token overlap;
- ``fuzzy``: edit distance (rapidfuzz) for typos ("pyhton");
- ``embedding``: cosine of sentence embeddings, when a :class:`VectorIndex` is given;
- ``crosswalk`` / ``hierarchy``: a skill of another framework linked to a match.

The default taxonomy's arrays (``default.json.gz``, built by ``tools/build_skills_data.py``)
are turned into objects by :func:`from_default_data`; imported frameworks are added with
:meth:`Taxonomy.with_skills`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from lerkit.core.skills.text import STOPWORDS, expand, fold, key, sentences, stem, tokens
from lerkit.core.skills.types import MatchMethod, OccupationRef, SkillMatch, SkillRef

MAX_NGRAM = 6


@dataclass(frozen=True)
class Skill:
    """A framework skill with everything the index needs."""

    framework: str
    uri: str
    label: str
    code: str | None = None
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    kind: str = "skill"
    broader: tuple[str, ...] = ()  # URIs of broader skills or skill groups
    hidden_labels: tuple[str, ...] = ()  # search-only labels (ESCO hiddenLabels)

    def ref(self) -> SkillRef:
        return SkillRef(framework=self.framework, uri=self.uri, label=self.label, code=self.code)


@dataclass(frozen=True)
class Occupation:
    framework: str
    uri: str
    label: str
    code: str | None = None
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    essential: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    def ref(self) -> OccupationRef:
        return OccupationRef(
            framework=self.framework,
            uri=self.uri,
            label=self.label,
            code=self.code,
            essential=self.essential,
            optional=self.optional,
        )


@dataclass(frozen=True)
class CrosswalkLink:
    """A mapping between skills of two frameworks (SKOS relations)."""

    source: str  # skill URI
    target: str  # skill URI
    relation: str  # exactMatch | closeMatch | broadMatch | narrowMatch | relatedMatch
    confidence: float
    method: str  # how it was found: label, alt_label, lexical, fuzzy, embedding, curated
    status: str = "suggested"  # suggested | confirmed | rejected


@dataclass(frozen=True)
class Group:
    uri: str
    label: str
    code: str | None = None


class VectorIndex(Protocol):
    """Sentence embeddings of the taxonomy's skills (an adapter: a model and its vectors)."""

    model: str

    def nearest(self, texts: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        """For each text, the ``k`` nearest skill URIs with their cosine, best first."""
        ...

    def cosine(self, uri_a: str, uri_b: str) -> float | None:
        """Cosine of two skills' vectors; None when one is not indexed."""
        ...


@dataclass
class _Entry:
    index: int
    weight: float  # 1.0 preferred label, 0.95 alternative label
    method: MatchMethod


@dataclass
class Taxonomy:
    """Skills and occupations of one or more frameworks, indexed for matching."""

    skills: Sequence[Skill]
    occupations: Sequence[Occupation] = ()
    frameworks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    groups: Sequence[Group] = ()
    links: Sequence[CrosswalkLink] = ()
    vectors: VectorIndex | None = None

    def __post_init__(self) -> None:
        self._by_uri: dict[str, int] = {}
        self._by_code: dict[str, list[int]] = defaultdict(list)
        self._exact: dict[str, list[_Entry]] = defaultdict(list)
        for i, s in enumerate(self.skills):
            self._by_uri.setdefault(s.uri, i)  # a URI in several frameworks: the first one
            if s.code:
                self._by_code[s.code.lower()].append(i)
            self._add_label(s.label, i, 1.0, "exact")
            for alt in s.alt_labels:
                self._add_label(alt, i, 0.95, "alt_label")
            for hidden in s.hidden_labels:
                self._add_label(hidden, i, 0.85, "alt_label")
        self._occ_by_uri: dict[str, int] = {}
        for i, o in enumerate(self.occupations):
            self._occ_by_uri.setdefault(o.uri, i)
        self._groups = {g.uri: g for g in self.groups}
        self._links: dict[str, list[CrosswalkLink]] = defaultdict(list)
        for link in self.links:
            if link.status != "rejected":
                self._links[link.source].append(link)
                self._links[link.target].append(link)
        self._stem_index: dict[str, list[_Entry]] | None = None
        self._postings: dict[str, list[int]] | None = None  # stem -> label ids
        self._label_stems: list[tuple[int, float, tuple[str, ...]]] = []
        self._idf: dict[str, float] = {}
        self._fuzzy_keys: list[str] | None = None
        self._occ_postings: dict[str, list[int]] | None = None
        self._occ_idf: dict[str, float] = {}
        self._occ_stems: list[set[str]] = []
        # similarity: each skill's label stem sets with their IDF weight (lazily), and the
        # label-level postings that find a skill's lexical neighbours in one pass
        self._sim_labels: dict[int, tuple[tuple[frozenset[str], float], ...]] = {}
        self._nb_arrays: tuple[Any, Any, dict[str, Any], dict[str, list[int]]] | None = None
        self._nb_cache: dict[tuple[str, float], tuple[tuple[str, float], ...]] = {}
        self._stem_memo: dict[str, str] = {}

    # --- construction -------------------------------------------------------------------

    def _add_label(self, label: str, index: int, weight: float, method: MatchMethod) -> None:
        k = key(label)
        if not k:
            return
        entries = self._exact[k]
        for e in entries:
            if e.index == index:
                e.weight = max(e.weight, weight)
                return
        entries.append(_Entry(index, weight, method))

    def with_skills(
        self,
        skills: Iterable[Skill],
        *,
        frameworks: Mapping[str, Mapping[str, Any]] | None = None,
        links: Iterable[CrosswalkLink] = (),
        occupations: Iterable[Occupation] = (),
        groups: Iterable[Group] = (),
    ) -> Taxonomy:
        """A new taxonomy with more skills (imported frameworks) and crosswalk links."""
        known = {(s.framework, s.uri) for s in self.skills}
        extra = [s for s in skills if (s.framework, s.uri) not in known]
        return Taxonomy(
            skills=[*self.skills, *extra],
            occupations=[*self.occupations, *occupations],
            frameworks={**self.frameworks, **(frameworks or {})},
            groups=[*self.groups, *groups],
            links=[*self.links, *links],
            vectors=self.vectors,
        )

    def _ensure_stems(self) -> None:
        if self._postings is not None:
            return
        stem_index: dict[str, list[_Entry]] = defaultdict(list)
        postings: dict[str, list[int]] = defaultdict(list)
        df: dict[str, int] = defaultdict(int)
        seen_skill_stems: dict[int, set[str]] = defaultdict(set)
        for k, entries in self._exact.items():
            st = tuple(stem(t) for t in expand(k.split()) if t not in STOPWORDS)
            if not st:
                continue
            sk = " ".join(st)
            for e in entries:
                stem_index[sk].append(e)
                lid = len(self._label_stems)
                self._label_stems.append((e.index, e.weight, st))
                for t in set(st):
                    postings[t].append(lid)
                    if t not in seen_skill_stems[e.index]:
                        seen_skill_stems[e.index].add(t)
                        df[t] += 1
        n = max(len(self.skills), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._stem_index = stem_index
        self._postings = postings

    # --- lookups --------------------------------------------------------------------------

    def skill(self, uri: str) -> Skill | None:
        i = self._by_uri.get(uri)
        return None if i is None else self.skills[i]

    def get_skill(self, uri: str) -> SkillRef | None:
        s = self.skill(uri)
        return None if s is None else s.ref()

    def group(self, uri: str) -> Group | None:
        return self._groups.get(uri)

    def framework_of(self, uri: str) -> str | None:
        s = self.skill(uri)
        return None if s is None else s.framework

    def crosswalk(self, uri: str) -> list[CrosswalkLink]:
        """Links of one skill (either side), best first."""
        return sorted(self._links.get(uri, []), key=lambda link: -link.confidence)

    def skills_of_framework(self, framework: str) -> list[Skill]:
        return [s for s in self.skills if s.framework == framework]

    # --- normalization --------------------------------------------------------------------

    def _candidates(
        self, label: str, frameworks: frozenset[str] | None
    ) -> dict[int, tuple[float, MatchMethod]]:
        found: dict[int, tuple[float, MatchMethod]] = {}

        def offer(i: int, conf: float, method: MatchMethod) -> None:
            if frameworks is not None and self.skills[i].framework not in frameworks:
                return
            if i not in found or found[i][0] < conf:
                found[i] = (round(min(conf, 1.0), 4), method)

        raw = label.strip()
        if raw in self._by_uri:
            offer(self._by_uri[raw], 1.0, "uri")
            return found
        for i in self._by_code.get(raw.lower(), []):
            offer(i, 1.0, "uri")
        toks = tokens(raw)
        if not toks:
            return found
        k = " ".join(toks)
        for e in self._exact.get(k, []):
            offer(e.index, e.weight, e.method)
        expanded = " ".join(expand(toks))
        if expanded != k:
            for e in self._exact.get(expanded, []):
                offer(e.index, e.weight * 0.97, "alt_label")
        self._ensure_stems()
        assert self._stem_index is not None
        assert self._postings is not None
        qst = [stem(t) for t in expand(toks) if t not in STOPWORDS]
        sk = " ".join(qst)
        if sk:
            for e in self._stem_index.get(sk, []):
                offer(e.index, 0.9 * e.weight, "lexical")
        # typos: edit distance over every label key
        if len(k) >= 5 and (not found or max(c for c, _ in found.values()) < 0.9):
            if self._fuzzy_keys is None:
                self._fuzzy_keys = list(self._exact)
            # candidates by the fast Indel ratio, then Damerau-Levenshtein (a transposition,
            # "pyhton", is one edit) keeps the close ones
            for choice, _, _ in process.extract(
                k, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=75, limit=20
            ):
                score = DamerauLevenshtein.normalized_similarity(k, choice)
                if score < 0.8:
                    continue
                for e in self._exact[choice]:
                    if e.weight >= 0.9:  # not hidden labels (product names, misspellings)
                        offer(e.index, score * 0.9 * e.weight, "fuzzy")
        # paraphrases: weighted token overlap (Dice over IDF)
        qset = set(qst)
        if qset:
            q_weight = sum(self._idf.get(t, 0.0) for t in qset)
            scores: dict[int, float] = defaultdict(float)
            for t in qset:
                posting = self._postings.get(t, [])
                if len(posting) > 5000:
                    continue
                for lid in posting:
                    scores[lid] += self._idf.get(t, 0.0)
            best = sorted(scores.items(), key=lambda kv: -kv[1])[:200]
            overlap: dict[int, float] = {}
            support: dict[int, set[tuple[str, ...]]] = defaultdict(set)
            for lid, common in best:
                i, weight, st = self._label_stems[lid]
                l_weight = sum(self._idf.get(t, 0.0) for t in set(st))
                dice = 2 * common / (q_weight + l_weight) if q_weight + l_weight else 0.0
                if dice >= 0.5:
                    overlap[i] = max(overlap.get(i, 0.0), 0.8 * dice * weight)
                    support[i].add(st)
            for i, conf in overlap.items():
                # a skill several of whose labels say it ("use spreadsheets software", "use
                # spreadsheets program", "design spreadsheets") is likelier than one with a
                # single such label: up to +9 %
                offer(i, conf * (1 + 0.03 * min(len(support[i]) - 1, 3)), "lexical")
        if self.vectors is not None:
            for uri, cos in self.vectors.nearest([raw], 10)[0]:
                i2 = self._by_uri.get(uri)
                if i2 is not None and cos >= 0.6:
                    offer(i2, _cos_confidence(cos), "embedding")
        return found

    def _expand_links(
        self,
        found: dict[int, tuple[float, MatchMethod]],
        frameworks: frozenset[str] | None,
        sources: dict[int, str] | None = None,
    ) -> None:
        """Add crosswalk partners and broader technology classes of strong matches."""
        for i, (conf, _) in sorted(found.items(), key=lambda kv: -kv[1][0])[:10]:
            if conf < 0.65:
                continue
            s = self.skills[i]
            related: list[tuple[str, float, MatchMethod]] = []
            for link in self._links.get(s.uri, []):
                other = link.target if link.source == s.uri else link.source
                factor = 1.0 if link.status == "confirmed" else 0.9
                related.append((other, conf * _link_weight(link) * factor, "crosswalk"))
            if s.kind == "onet:technology":
                for b in s.broader:
                    related.append((b, conf * 0.85, "hierarchy"))
            for uri, c, method in related:
                j = self._by_uri.get(uri)
                if j is None or (
                    frameworks is not None and self.skills[j].framework not in frameworks
                ):
                    continue
                c = round(c, 4)
                if j not in found or found[j][0] < c:
                    found[j] = (c, method)
                    if sources is not None and i in sources:
                        sources[j] = sources[i]
                # one more hop: the class's crosswalk (Excel -> spreadsheet software -> ESCO)
                if method == "hierarchy":
                    for link in self._links.get(uri, []):
                        other = link.target if link.source == uri else link.source
                        m = self._by_uri.get(other)
                        if m is None or (
                            frameworks is not None and self.skills[m].framework not in frameworks
                        ):
                            continue
                        c2 = round(c * _link_weight(link) * 0.95, 4)
                        if m not in found or found[m][0] < c2:
                            found[m] = (c2, "crosswalk")
                            if sources is not None and i in sources:
                                sources[m] = sources[i]

    def normalize(
        self,
        label: str,
        *,
        limit: int = 3,
        frameworks: Iterable[str] | None = None,
        min_confidence: float = 0.5,
    ) -> list[SkillMatch]:
        """Best framework skills for one label, best first; each framework's best one is kept
        in the first ``limit`` when it is confident enough."""
        fws = frozenset(frameworks) if frameworks is not None else None
        found = self._candidates(label, fws)
        self._expand_links(found, fws)
        ranked = sorted(
            ((c, m, i) for i, (c, m) in found.items() if c >= min_confidence),
            key=lambda t: (-t[0], self.skills[t[2]].label),
        )
        seen_labels: set[tuple[str, str]] = set()  # one of same-named skills of a framework
        unique = []
        for item in ranked:
            s = self.skills[item[2]]
            if (s.framework, s.label.lower()) not in seen_labels:
                seen_labels.add((s.framework, s.label.lower()))
                unique.append(item)
        ranked = unique
        chosen = ranked[:limit]
        present = {self.skills[i].framework for _, _, i in chosen}
        for item in ranked[limit:]:
            fw = self.skills[item[2]].framework
            if fw not in present and item[0] >= 0.6 and len(chosen) >= 2:
                chosen[-1] = item
                present = {self.skills[i].framework for _, _, i in chosen}
        chosen.sort(key=lambda t: -t[0])
        src = label.strip()
        return [SkillMatch(self.skills[i].ref(), c, m, src) for c, m, i in chosen]

    def counterparts(
        self,
        skill: Skill,
        frameworks: Iterable[str],
        *,
        limit: int = 2,
        min_confidence: float = 0.6,
    ) -> list[SkillMatch]:
        """Crosswalk candidates of one skill in other frameworks: by its preferred and
        alternative labels, then by the skills its statement names (long CASE statements)."""
        fws = list(frameworks)
        best: dict[str, SkillMatch] = {}
        labels = [skill.label, *skill.alt_labels[:3]]
        for n, label in enumerate(labels):
            for m in self.normalize(
                label, limit=limit, frameworks=fws, min_confidence=min_confidence
            ):
                m2 = (
                    m
                    if n == 0
                    else SkillMatch(m.skill, round(m.confidence * 0.95, 4), m.method, label)
                )
                if m.skill.uri not in best or best[m.skill.uri].confidence < m2.confidence:
                    best[m.skill.uri] = m2
        if len(tokens(skill.label)) > 4:
            for m in self.extract(skill.label, frameworks=fws, min_confidence=min_confidence)[
                :limit
            ]:
                m2 = SkillMatch(m.skill, round(m.confidence * 0.9, 4), m.method, m.source)
                if m.skill.uri not in best or best[m.skill.uri].confidence < m2.confidence:
                    best[m.skill.uri] = m2
        ranked = sorted(best.values(), key=lambda m: (-m.confidence, m.skill.label))
        return ranked[:limit]

    def search(
        self, text: str, *, limit: int = 20, frameworks: Iterable[str] | None = None
    ) -> list[SkillMatch]:
        """Ranked label search (preferred and alternative labels, typos, overlap)."""
        fws = frozenset(frameworks) if frameworks is not None else None
        found = self._candidates(text, fws)
        ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], self.skills[kv[0]].label))
        src = text.strip()
        return [
            SkillMatch(self.skills[i].ref(), c, m, src) for i, (c, m) in ranked[:limit] if c >= 0.4
        ]

    # --- extraction -----------------------------------------------------------------------

    def extract(
        self,
        text: str,
        *,
        frameworks: Iterable[str] | None = None,
        min_confidence: float = 0.6,
        limit: int = 100,
    ) -> list[SkillMatch]:
        """Every skill named in free text, best first, with the words it came from."""
        fws = frozenset(frameworks) if frameworks is not None else None
        self._ensure_stems()
        assert self._stem_index is not None
        found: dict[int, tuple[float, MatchMethod]] = {}
        sources: dict[int, str] = {}

        def offer(i: int, conf: float, method: MatchMethod, words: str) -> None:
            if fws is not None and self.skills[i].framework not in fws:
                return
            conf = round(min(conf, 1.0), 4)
            if i not in found or found[i][0] < conf:
                found[i] = (conf, method)
                sources[i] = words

        sents = sentences(text)
        for sent in sents:
            words = _words_with_case(sent)
            folded = [w for w, _ in words]
            covered = [False] * len(folded)
            for n in range(min(MAX_NGRAM, len(folded)), 0, -1):
                for start in range(0, len(folded) - n + 1):
                    if any(covered[start : start + n]):
                        continue
                    gram = folded[start : start + n]
                    if gram[0] in STOPWORDS or gram[-1] in STOPWORDS:
                        continue
                    original = " ".join(o for _, o in words[start : start + n])
                    hits = self._ngram_hits(gram, original)
                    if not hits:
                        continue
                    for i, conf, method in hits:
                        offer(i, conf, method, original)
                    for p in range(start, start + n):
                        covered[p] = True
            self._lexical_sentence(folded, offer)
        if self.vectors is not None and sents:
            clauses = [c for sent in sents for c in _clauses(sent)][:200]
            for clause, near in zip(clauses, self.vectors.nearest(clauses, 3), strict=True):
                for uri, cos in near:
                    j = self._by_uri.get(uri)
                    if j is not None and cos >= 0.6:
                        offer(j, _cos_confidence(cos) * 0.95, "embedding", clause)
        self._expand_links(found, fws, sources)
        ranked = sorted(
            ((c, m, i) for i, (c, m) in found.items() if c >= min_confidence),
            key=lambda t: (-t[0], self.skills[t[2]].label),
        )
        return [
            SkillMatch(self.skills[i].ref(), c, m, sources.get(i, "")) for c, m, i in ranked[:limit]
        ]

    def _ngram_hits(self, gram: list[str], original: str) -> list[tuple[int, float, MatchMethod]]:
        assert self._stem_index is not None
        out: list[tuple[int, float, MatchMethod]] = []
        k = " ".join(gram)
        single = len(gram) == 1
        entries = [(e, 1.0) for e in self._exact.get(k, [])]
        expanded = " ".join(expand(gram))
        if expanded != k:
            entries += [(e, 0.97) for e in self._exact.get(expanded, [])]
        if not entries:
            sk = " ".join(stem(t) for t in expand(gram) if t not in STOPWORDS)
            if sk:
                entries = [(e, 0.9) for e in self._stem_index.get(sk, [])]
        for e, factor in entries:
            s = self.skills[e.index]
            if single or s.kind == "onet:technology":
                # proper names must look like names in the text; short words must match case
                if s.kind == "onet:technology" and not original[:1].isupper():
                    continue
                if single and len(k) <= 3 and original not in (s.label, *s.alt_labels):
                    continue
                if single and k in _GENERIC_WORDS:
                    continue
            if single and not original[:1].isupper():
                names = [x for x in (s.label, *s.alt_labels, *s.hidden_labels) if key(x) == k]
                if names and all(x[:1].isupper() for x in names):
                    continue  # a proper name ("Access") written as a common word
            conf = e.weight * factor * (0.8 if single else 1.0)
            out.append((e.index, conf, e.method if factor == 1.0 else "lexical"))
        return out

    def _lexical_sentence(self, folded: list[str], offer: Any) -> None:
        """Labels of two or more content words all present in one sentence (any order)."""
        assert self._postings is not None
        sent_stems = {stem(t) for t in expand(folded) if t not in STOPWORDS}
        if len(sent_stems) < 2:
            return
        counts: dict[int, int] = defaultdict(int)
        for t in sent_stems:
            posting = self._postings.get(t, [])
            if len(posting) > 3000:
                continue
            for lid in posting:
                counts[lid] += 1
        for lid, c in counts.items():
            i, weight, st = self._label_stems[lid]
            need = set(st)
            if len(need) >= 2 and c == len(need) and need <= sent_stems:
                rarity = min(1.0, sum(self._idf.get(t, 0.0) for t in need) / 12.0)
                offer(
                    i,
                    (0.55 + 0.15 * rarity) * weight,
                    "lexical",
                    " ".join(w for w in folded if stem(w) in need),
                )

    # --- similarity -----------------------------------------------------------------------

    def similarity(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        best = 0.0
        for link in self._links.get(a, []):
            if b in (link.source, link.target):
                best = max(best, 1.0 if link.relation == "exactMatch" else link.confidence)
        ia, ib = self._by_uri.get(a), self._by_uri.get(b)
        if ia is None or ib is None:
            return best
        sa, sb = self.skills[ia], self.skills[ib]
        if self.vectors is not None:
            cos = self.vectors.cosine(a, b)
            if cos is not None:
                best = max(best, max(0.0, cos))
        idf = self._idf
        lex = 0.0
        for x, wx in self._label_sets(ia):
            for y, wy in self._label_sets(ib):
                lex = max(lex, 2 * sum(idf.get(t, 1.0) for t in x & y) / (wx + wy))
        if set(sa.broader) & set(sb.broader):
            lex = max(lex, 0.3) + 0.1
        return round(min(max(best, lex * 0.95), 1.0), 4)

    def _label_sets(self, i: int) -> tuple[tuple[frozenset[str], float], ...]:
        """The non-empty stem sets of skill ``i``'s preferred and alternative labels, each with
        its IDF weight (cached: ``similarity`` compares these)."""
        hit = self._sim_labels.get(i)
        if hit is None:
            self._ensure_stems()
            s = self.skills[i]
            out = []
            memo = self._stem_memo
            for text in (s.label, *s.alt_labels):
                st = frozenset(
                    memo.get(t) or memo.setdefault(t, stem(t))
                    for t in tokens(text)
                    if t not in STOPWORDS
                )
                if st:
                    out.append((st, sum(self._idf.get(t, 1.0) for t in st)))
            hit = self._sim_labels[i] = tuple(out)
        return hit

    def _ensure_neighbour_arrays(self) -> tuple[Any, Any, dict[str, Any], dict[str, list[int]]]:
        if self._nb_arrays is None:
            import numpy as np

            owner: list[int] = []
            weight: list[float] = []
            postings: dict[str, list[int]] = defaultdict(list)
            siblings: dict[str, list[int]] = defaultdict(list)
            for i, s in enumerate(self.skills):
                for st, w in self._label_sets(i):
                    lid = len(owner)
                    owner.append(i)
                    weight.append(w)
                    for t in st:
                        postings[t].append(lid)
                for b in s.broader:
                    siblings[b].append(i)
            self._nb_arrays = (
                np.asarray(owner, dtype=np.int64),
                np.asarray(weight, dtype=np.float64),
                {t: np.asarray(ids, dtype=np.int64) for t, ids in postings.items()},
                dict(siblings),
            )
        return self._nb_arrays

    def neighbours(
        self, uri: str, min_score: float = 0.6, k: int | None = None
    ) -> list[tuple[str, float]]:
        """Every skill whose :meth:`similarity` to ``uri`` is at least ``min_score`` (``uri``
        itself at 1.0), best first (ties by URI), at most ``k``; the scores are
        ``similarity``'s. Candidates come from crosswalk links, label stems shared with
        enough weight (IDF bound), skills under the same broader concept (when that alone
        can reach ``min_score``) and the vectors' nearest (one matrix product) — the same
        list as asking ``similarity`` of every skill, without doing so. Cached."""
        cache_key = (uri, float(min_score))
        hit = self._nb_cache.get(cache_key)
        if hit is None:
            hit = tuple(self._neighbours(uri, float(min_score)))
            if len(self._nb_cache) >= 50_000:
                self._nb_cache.clear()
            self._nb_cache[cache_key] = hit
        return list(hit if k is None else hit[:k])

    def _neighbours(self, uri: str, min_score: float) -> list[tuple[str, float]]:
        import numpy as np

        candidates: set[str] = set()
        for link in self._links.get(uri, []):
            candidates.update((link.source, link.target))
        i = self._by_uri.get(uri)
        if i is not None:
            if min_score <= 0.0:
                candidates.update(s.uri for s in self.skills)
            owner, weight, postings, siblings = self._ensure_neighbour_arrays()
            # lex × 0.95 >= min_score needs lex >= min/0.95, or lex + 0.1 with a shared
            # broader concept: a label pair below that bound cannot reach min_score
            bound = max(0.0, min_score / 0.95 - 0.1) - 1e-9
            for x, wx in self._label_sets(i):
                lists = [postings[t] for t in x if t in postings]
                if not lists:
                    continue
                ids = np.concatenate(lists)
                w = np.repeat(
                    np.asarray([self._idf.get(t, 1.0) for t in x if t in postings]),
                    [len(p) for p in lists],
                )
                shared = np.bincount(ids, weights=w, minlength=len(owner))
                mask = (shared > 0) & (2 * shared / (wx + weight) >= bound)
                candidates.update(self.skills[j].uri for j in np.unique(owner[mask]))
            if min_score <= 0.4 * 0.95 + 1e-9:  # a shared broader concept alone may do
                for b in self.skills[i].broader:
                    candidates.update(self.skills[j].uri for j in siblings.get(b, ()))
            if self.vectors is not None:
                above = getattr(self.vectors, "above", None)
                if callable(above):
                    candidates.update(above(uri, min_score - 1e-3))
                else:  # no fast path: ask every skill
                    candidates.update(s.uri for s in self.skills)
        candidates.discard(uri)
        out = [(uri, 1.0)]
        for other in candidates:
            score = self.similarity(uri, other)
            if score >= min_score and score > 0:
                out.append((other, score))
        out.sort(key=lambda p: (-p[1], p[0]))
        return out

    # --- occupations ----------------------------------------------------------------------

    def occupation(self, uri: str) -> OccupationRef | None:
        i = self._occ_by_uri.get(uri)
        return None if i is None else self.occupations[i].ref()

    def occupation_record(self, uri: str) -> Occupation | None:
        i = self._occ_by_uri.get(uri)
        return None if i is None else self.occupations[i]

    def _ensure_occ_index(self) -> None:
        if self._occ_postings is not None:
            return
        postings: dict[str, list[int]] = defaultdict(list)
        for i, o in enumerate(self.occupations):
            st: set[str] = set()
            for label in (o.label, *o.alt_labels):
                st.update(stem(t) for t in tokens(label) if t not in STOPWORDS)
            self._occ_stems.append(st)
            for t in st:
                postings[t].append(i)
        n = max(len(self.occupations), 1)
        self._occ_idf = {t: math.log(1 + n / len(p)) for t, p in postings.items()}
        self._occ_postings = postings

    def search_occupations(
        self, text: str, *, limit: int = 10, frameworks: Iterable[str] | None = None
    ) -> list[OccupationRef]:
        if text.strip() in self._occ_by_uri:
            return [self.occupations[self._occ_by_uri[text.strip()]].ref()]
        self._ensure_occ_index()
        assert self._occ_postings is not None
        fws = frozenset(frameworks) if frameworks is not None else None
        k = key(text)
        q = {stem(t) for t in tokens(text) if t not in STOPWORDS}
        scores: dict[int, float] = defaultdict(float)
        for t in q:
            for i in self._occ_postings.get(t, []):
                scores[i] += self._occ_idf.get(t, 0.0)
        q_weight = sum(self._occ_idf.get(t, 0.0) for t in q) or 1.0
        ranked: list[tuple[float, int]] = []
        for i, common in scores.items():
            o = self.occupations[i]
            if fws is not None and o.framework not in fws:
                continue
            score = common / q_weight
            if k in (key(o.label), *(key(a) for a in o.alt_labels[:0])):
                score += 1.0
            elif key(o.label).startswith(k) or k in key(o.label):
                score += 0.3
            ranked.append((score, i))
        ranked.sort(key=lambda t: (-t[0], self.occupations[t[1]].label))
        return [self.occupations[i].ref() for s, i in ranked[:limit] if s >= 0.5]

    def related_occupations(self, uri: str) -> list[OccupationRef]:
        """O*NET's related occupations; for ESCO ones, those sharing most essential skills."""
        o = self.occupation_record(uri)
        if o is None:
            return []
        if o.related:
            return [r for u in o.related if (r := self.occupation(u)) is not None]
        mine = set(o.essential)
        if not mine:
            return []
        scored: list[tuple[float, int]] = []
        for i, other in enumerate(self.occupations):
            if other.uri == uri or other.framework != o.framework or not other.essential:
                continue
            common = len(mine & set(other.essential))
            if common:
                scored.append((common / len(mine | set(other.essential)), i))
        scored.sort(key=lambda t: (-t[0], self.occupations[t[1]].label))
        return [self.occupations[i].ref() for s, i in scored[:10] if s >= 0.15]

    def skills_of_occupation(self, uri: str, *, essential_only: bool = False) -> list[SkillRef]:
        o = self.occupation_record(uri)
        if o is None:
            return []
        uris = o.essential if essential_only else (*o.essential, *o.optional)
        return [r for u in uris if (r := self.get_skill(u)) is not None]


_GENERIC_WORDS = frozenset(
    [
        "communication",
        "communicate",
        "support",
        "service",
        "services",
        "team",
        "teams",
        "design",
        "data",
        "work",
        "management",
        "plan",
        "planning",
        "report",
        "reporting",
        "organisation",
        "organization",
        "develop",
        "development",
        "research",
        "business",
        "office",
        "sales",
        "service",
        "customer",
        "customers",
        "safety",
        "quality",
        "training",
        "english",
        "people",
        "time",
        "tools",
        "tool",
        "systems",
        "system",
    ]
)


def _link_weight(link: CrosswalkLink) -> float:
    """How much of a match's confidence passes through a crosswalk link: an exact match all of
    it, a close one between half and all of it, by the link's own confidence."""
    if link.relation == "exactMatch":
        return link.confidence
    return 0.5 + 0.5 * link.confidence


_CLAUSE = re.compile(r",|;|\band\b|\bor\b|\bwhile\b|\bthen\b", re.IGNORECASE)


_LEADING = STOPWORDS | frozenset(
    ["they", "he", "she", "we", "i", "you", "who", "learners", "learner", "candidates", "candidate"]
)


def _clauses(sentence: str) -> list[str]:
    """The parts of a sentence that may each name one skill (2 to 12 words)."""
    out = []
    for part in _CLAUSE.split(sentence):
        words = part.split()
        while words and fold(words[0]).strip(".,:;!?'\"") in _LEADING:
            words = words[1:]  # "They were dealing with..." -> "dealing with..."
        if 2 <= len(words) <= 12:
            out.append(" ".join(words).strip(" .:!?"))
        elif len(words) > 12:
            out.extend(" ".join(words[i : i + 8]) for i in range(0, len(words), 8))
    return out


def _cos_confidence(cos: float) -> float:
    """Map a cosine (0.6..1) to a confidence (0.5..0.95)."""
    return round(max(0.0, min(0.95, 0.5 + (cos - 0.6) * 1.125)), 4)


def _words_with_case(sentence: str) -> list[tuple[str, str]]:
    """(folded token, original spelling) pairs of a sentence."""
    out: list[tuple[str, str]] = []
    folded = fold(sentence)
    for m in re.finditer(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9]+)*[+#]*", folded):
        out.append(
            (
                m.group(0),
                sentence[m.start() : m.end()] if len(folded) == len(sentence) else m.group(0),
            )
        )
    return out


def from_default_data(data: Mapping[str, Any]) -> Taxonomy:
    """The default taxonomy from the arrays of ``default.json.gz``."""
    groups = [Group(uri=g[0], label=g[1], code=g[2]) for g in data["groups"]]
    raw_skills = data["skills"]
    skills: list[Skill] = []
    for fw, uri, code, label, alts, desc, kind, broader, hidden in raw_skills:
        if fw == "esco":
            b = tuple(groups[j].uri for j in broader)
        else:
            b = tuple(raw_skills[j][1] for j in broader)
        skills.append(Skill(fw, uri, label, code, tuple(alts), desc or "", kind, b, tuple(hidden)))
    occ_raw = data["occupations"]
    occupations = [
        Occupation(
            framework=fw,
            uri=uri,
            label=label,
            code=code,
            alt_labels=tuple(alts),
            description=desc or "",
            essential=tuple(raw_skills[j][1] for j in ess),
            optional=tuple(raw_skills[j][1] for j in opt),
            related=tuple(occ_raw[j][1] for j in rel),
        )
        for fw, uri, code, label, alts, desc, ess, opt, rel in occ_raw
    ]
    links = [
        CrosswalkLink(source=a, target=b, relation=r, confidence=c, method=m)
        for a, b, r, c, m in data.get("crosswalk", [])
    ]
    return Taxonomy(
        skills=skills,
        occupations=occupations,
        frameworks=data["frameworks"],
        groups=groups,
        links=links,
    )
