"""`lerkit skills ...` on real samples of both taxonomies (the bundled ESCO + O*NET) and a CASE
framework imported into the instance's SQLite database and exported back identical."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from lerkit.cli.main import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "skills"
JOB = (
    "Junior data analyst. You will maintain dashboards in Tableau and Microsoft Excel, query "
    "PostgreSQL with SQL, automate reports in Python and support project management."
)


def test_extract_json_prints_framework_uri_label_confidence_source() -> None:
    result = CliRunner().invoke(app, ["skills", "extract", "--json", JOB])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert {r["framework"] for r in rows} == {"esco", "onet"}
    excel = next(r for r in rows if r["label"] == "Microsoft Excel")
    assert excel["uri"] == "urn:onet:technology:microsoft-excel"
    assert excel["source"] == "Microsoft Excel"
    assert 0.9 <= excel["confidence"] <= 1.0
    assert {"SQL", "Tableau", "project management", "PostgreSQL"} <= {r["label"] for r in rows}


def test_extract_table_and_stdin() -> None:
    criteria = "The learner used spreadsheets to build pivot tables and wrote SQL queries."
    result = CliRunner().invoke(app, ["skills", "extract", "-"], input=criteria)
    assert result.exit_code == 0, result.output
    for expected in ("framework", "confidence", "esco", "SQL"):
        assert expected in result.stdout
    empty = CliRunner().invoke(app, ["skills", "extract", "-"], input="   ")
    assert empty.exit_code == 2


def test_normalize_crosswalk_align() -> None:
    result = CliRunner().invoke(app, ["skills", "normalize", "--json", "MS Excel"])
    rows = json.loads(result.stdout)["results"]
    assert rows[0]["label"] == "Microsoft Excel"
    assert "esco" in {r["framework"] for r in rows}
    result = CliRunner().invoke(app, ["skills", "normalize", "zzqxv wpplk"])
    assert result.exit_code == 1
    result = CliRunner().invoke(
        app, ["skills", "crosswalk", "onet", "esco", "--json", "--limit", "5", "--no-imported"]
    )
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)["crosswalks"]
    assert links
    assert all(x["relation"] in ("exactMatch", "closeMatch") for x in links)
    result = CliRunner().invoke(
        app, ["skills", "align", "Analyses sales data with SQL and Microsoft Excel."]
    )
    suggestions = json.loads(result.stdout)["suggestions"]
    assert suggestions[0]["alignment"]["type"] == ["Alignment"]


def test_import_export_search(tmp_path: Path) -> None:
    env = {"LERKIT_DATA_DIR": str(tmp_path), "LERKIT_DATABASE_URL": ""}
    runner = CliRunner()
    case = FIX / "case_digital_skills.json"
    result = runner.invoke(app, ["skills", "import", str(case), "--id", "digital"], env=env)
    assert result.exit_code == 0, result.output
    assert "imported 5 items" in result.stdout
    again = runner.invoke(app, ["skills", "import", str(case), "--id", "digital"], env=env)
    assert again.exit_code == 1
    assert "exists" in again.output
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["skills", "export", "digital", "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        case.read_text(encoding="utf-8")
    )
    result = runner.invoke(app, ["skills", "search", "--json", "Agile project management"], env=env)
    hits = json.loads(result.stdout)["results"]
    assert "digital" in {h["framework"] for h in hits}
    assert hits[0]["confidence"] == 1.0
    onet = [str(p) for p in FIX.glob("onet_*.txt")]
    result = runner.invoke(
        app, ["skills", "import", *onet, "--format", "onet", "--id", "onet-sample"], env=env
    )
    assert result.exit_code == 0, result.output
    archive = tmp_path / "esco.zip"  # the ESCO download is a zip of CSV files
    with zipfile.ZipFile(archive, "w") as z:
        for p in FIX.glob("esco_*.csv"):
            z.write(p, p.name.removeprefix("esco_"))
    result = runner.invoke(
        app, ["skills", "import", str(archive), "--format", "esco", "--id", "esco-zip"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "imported 22 items" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["skills", "import", str(bad), "--format", "case"], env=env)
    assert result.exit_code == 2
    result = runner.invoke(app, ["skills", "export", "nope"], env=env)
    assert result.exit_code == 1
