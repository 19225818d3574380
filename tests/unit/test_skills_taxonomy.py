"""The bundled default taxonomy (ESCO v1.1.1 + O*NET 29.1): normalization, extraction,
similarity, occupations — the lexical method (embeddings off)."""

from __future__ import annotations

import pytest

from lerkit.core.skills.taxonomy import Taxonomy
from lerkit.core.skills.types import OccupationCatalog, SkillNormalizer
from lerkit.services.skills import attribution, default_taxonomy

EXCEL = "urn:onet:technology:microsoft-excel"
ESCO_SPREADSHEETS = "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be"
ESCO_PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
DATA_SCIENTISTS = "https://www.onetonline.org/link/summary/15-2051.00"


@pytest.fixture(scope="module")
def tx() -> Taxonomy:
    return default_taxonomy()


def test_implements_both_protocols(tx: Taxonomy) -> None:
    normalizer: SkillNormalizer = tx
    catalog: OccupationCatalog = tx
    assert normalizer.normalize("Python")
    assert catalog.search_occupations("nurse")
    assert default_taxonomy() is tx  # cached
    assert {s.framework for s in tx.skills} == {"esco", "onet"}
    assert sum(1 for s in tx.skills if s.framework == "esco") > 13_000
    assert len([o for o in tx.occupations if o.framework == "onet"]) > 1000
    assert {a["framework"] for a in attribution()} == {"esco", "onet"}
    assert "ESCO classification of the European Commission" in attribution()[0]["attribution"]


def test_vendor_name_maps_to_onet_and_esco(tx: Taxonomy) -> None:
    matches = tx.normalize("MS Excel")
    assert matches[0].skill.uri == EXCEL
    assert matches[0].confidence >= 0.9
    uris = {m.skill.uri for m in matches}
    assert ESCO_SPREADSHEETS in uris
    assert all(m.source == "MS Excel" for m in matches)


def test_plural_and_typo_and_alt_label(tx: Taxonomy) -> None:
    for plural in ("spreadsheets", "spreadsheet", "Spreadsheets"):  # in the default top 3
        assert ESCO_SPREADSHEETS in {m.skill.uri for m in tx.normalize(plural)}, plural
    typo = tx.normalize("pyhton")
    assert typo[0].method == "fuzzy"
    assert {typo[0].skill.label, typo[1].skill.label} == {"Python", "Python (computer programming)"}
    people = tx.normalize("people management")
    assert people
    assert people[0].skill.framework == "esco"
    assert people[0].confidence >= 0.7
    assert tx.normalize(ESCO_PYTHON)[0].method == "uri"
    assert tx.normalize("zzqxv wpplk") == []


def test_extract_job_description(tx: Taxonomy) -> None:
    text = (
        "We are hiring a data analyst. You will build reports in Microsoft Excel and Tableau, "
        "write SQL queries and use Python for statistical analysis. Project management "
        "experience is required."
    )
    found = {m.skill.uri: m for m in tx.extract(text)}
    assert found[EXCEL].source == "Microsoft Excel"
    assert found[EXCEL].confidence >= 0.9
    assert "urn:onet:technology:tableau" in found
    assert ESCO_PYTHON in found
    assert ESCO_SPREADSHEETS in found
    labels = {m.skill.label for m in found.values()}
    assert {"project management", "SQL", "statistics"} <= labels
    assert {m.skill.framework for m in found.values()} == {"esco", "onet"}
    confidences = [m.confidence for m in tx.extract(text)]
    assert confidences == sorted(confidences, reverse=True)


def test_extract_achievement_criteria(tx: Taxonomy) -> None:
    criteria = (
        "Learners created pivot tables in spreadsheets and presented results with "
        "presentation software."
    )
    labels = {m.skill.label for m in tx.extract(criteria)}
    assert "use presentation software" in labels or "Presentation software" in labels


def test_lowercase_common_words_are_not_products(tx: Taxonomy) -> None:
    found = {
        m.skill.label
        for m in tx.extract("Please word your answer carefully and access the office.")
    }
    assert "Microsoft Word" not in found
    assert "Microsoft Access" not in found


def test_similarity(tx: Taxonomy) -> None:
    assert tx.similarity(EXCEL, EXCEL) == 1.0
    close = tx.similarity(ESCO_PYTHON, "urn:onet:technology:python")
    far = tx.similarity(ESCO_PYTHON, ESCO_SPREADSHEETS)
    assert close >= 0.9
    assert far < close
    assert tx.similarity(ESCO_PYTHON, "urn:nothing") == 0.0


def test_occupations(tx: Taxonomy) -> None:
    occ = tx.occupation(DATA_SCIENTISTS)
    assert occ is not None
    assert occ.label == "Data Scientists"
    assert occ.essential
    assert tx.search_occupations("data scientist", frameworks=["onet"])[0].uri == DATA_SCIENTISTS
    assert tx.search_occupations(DATA_SCIENTISTS)[0].uri == DATA_SCIENTISTS
    related = tx.related_occupations(DATA_SCIENTISTS)
    assert related
    assert all(r.framework == "onet" for r in related)
    esco = tx.search_occupations("data analyst", frameworks=["esco"])
    assert esco
    assert esco[0].label == "data analyst"
    assert esco[0].essential
    assert tx.related_occupations(esco[0].uri)
    skills = tx.skills_of_occupation(esco[0].uri)
    assert skills
    assert all(tx.get_skill(s.uri) == s for s in skills)
    assert tx.get_skill("urn:nothing") is None
    assert tx.occupation("urn:nothing") is None
