"""Framework formats: CASE 1.1 round trip without loss, RSD (JSON-LD, CSV), CTDL-ASN, ESCO
CSV and O*NET text files (real excerpts; see tests/fixtures/skills/SOURCES.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.skills import formats

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "skills"


def _json(name: str) -> object:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def _graph(parsed: formats.ParsedFramework) -> tuple[object, ...]:
    return (
        parsed.name,
        parsed.version,
        parsed.document,
        [
            (i.uri, i.label, i.code, i.alt_labels, i.description, i.kind, i.broader, i.data)
            for i in parsed.items
        ],
        [(r.source, r.target, r.relation, r.data) for r in parsed.relations],
    )


def test_case_import_export_import_is_identical() -> None:
    package = _json("case_digital_skills.json")
    first = formats.parse_case(copy.deepcopy(package))
    exported = formats.write_case(first)
    assert exported == package  # every key, item, association, grouping, definition, rubric
    assert list(exported) == list(package)  # same key order
    second = formats.parse_case(json.loads(json.dumps(exported)))
    assert _graph(second) == _graph(first)


def test_case_fields_are_indexed() -> None:
    parsed = formats.parse_case(_json("case_digital_skills.json"))
    by_code = {i.code: i for i in parsed.items}
    sheets = by_code["DS.1"]
    assert sheets.label.startswith("Use spreadsheet software")
    assert "Spreadsheets" in sheets.alt_labels
    assert "Microsoft Excel" in sheets.alt_labels
    assert sheets.kind == "Competency"
    assert by_code["DS.1.a"].broader == [sheets.uri]
    kinds = {r.relation for r in parsed.relations}
    assert {"isChildOf", "exactMatchOf", "isRelatedTo", "isPartOf", "precedes"} <= kinds


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"CFItems": []},
        {"CFDocument": {}, "CFItems": [{"uri": "x"}]},
        {"CFDocument": {}, "CFItems": "nope"},
        {"CFDocument": {}, "CFAssociations": [{"associationType": "isChildOf"}]},
    ],
)
def test_case_malformed(bad: object) -> None:
    with pytest.raises(InputError) as info:
        formats.parse_case(bad)
    assert info.value.code is ProblemCode.SKILLS_FRAMEWORK_MALFORMED


def test_rsd_json_round_trip() -> None:
    doc = _json("rsd_collection.json")
    parsed = formats.parse_rsd_json(doc)
    assert [i.label for i in parsed.items] == ["Spreadsheet Modeling", "Python Data Wrangling"]
    assert "Excel" in parsed.items[0].alt_labels
    assert any(r.relation == "alignment" for r in parsed.relations)
    assert formats.write_rsd(parsed) == doc
    assert _graph(formats.parse_rsd_json(formats.write_rsd(parsed))) == _graph(parsed)


def test_rsd_csv_import_and_export() -> None:
    parsed = formats.parse_rsd_csv((FIX / "rsd_export.csv").read_text(encoding="utf-8"))
    assert [i.label for i in parsed.items] == ["Stakeholder Communication", "SQL Querying"]
    assert parsed.items[1].alt_labels == ["SQL", "databases", "queries"]
    again = formats.parse_rsd_csv(formats.write_rsd_csv(parsed))
    assert [(i.uri, i.label, i.alt_labels, i.description) for i in again.items] == [
        (i.uri, i.label, i.alt_labels, i.description) for i in parsed.items
    ]


def test_ctdl_asn() -> None:
    parsed = formats.parse_ctdl(_json("ctdl_framework.json"))
    assert parsed.name == "Workplace Technology Competencies"
    child = next(i for i in parsed.items if i.code == "WT.1.1")
    assert child.label == "Create formulas and charts in spreadsheets"
    assert child.alt_labels == ["Spreadsheet formulas"]
    assert child.broader
    assert child.broader[0].endswith("0011")
    assert {r.relation for r in parsed.relations} >= {"isChildOf", "exactAlignment"}


def test_esco_csv_real_excerpt() -> None:
    files = {
        p.name.removeprefix("esco_"): p.read_text(encoding="utf-8") for p in FIX.glob("esco_*.csv")
    }
    parsed = formats.parse_esco(files)
    labels = {i.label: i for i in parsed.items}
    assert "use spreadsheets software" in labels
    assert labels["data analyst"].kind == "esco:occupation"
    assert any(r.relation == "essential" for r in parsed.relations)


def test_onet_text_real_excerpt() -> None:
    files = {
        p.name.removeprefix("onet_"): p.read_text(encoding="utf-8") for p in FIX.glob("onet_*.txt")
    }
    parsed = formats.parse_onet(files)
    labels = {i.label: i for i in parsed.items}
    assert labels["Data Scientists"].code == "15-2051.00"
    assert labels["Microsoft Excel"].kind == "onet:technology"
    assert labels["Critical Thinking"].kind == "onet:skill"
    assert {"technology", "importance", "related"} <= {r.relation for r in parsed.relations}
