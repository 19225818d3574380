"""``lerkit match`` and ``lerkit gap`` end to end (subprocess, bundled taxonomy), the same
engine as the API; bad lines give one error line naming the file and line, exit 2, and
nothing is written. ``lerkit jobs convert`` between schema.org, HR Open and lerkit JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from functional.conftest import Cli, invoke
from support import ROOT

FIX = ROOT / "tests" / "fixtures" / "market"


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _copy(tmp_path: Path) -> None:
    for name in ("candidates.jsonl", "jobs.jsonl", "pairs.jsonl"):
        shutil.copy(FIX / name, tmp_path / name)


def test_candidates_for_jobs(cli: Cli, tmp_path: Path) -> None:
    _copy(tmp_path)
    result = cli(
        "match", "--candidates", "candidates.jsonl", "--jobs", "jobs.jsonl",
        "--direction", "candidates-for-jobs", "--top", "3", "--out", "out.jsonl",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    rows = {r["id"]: r for r in _read(tmp_path / "out.jsonl")}
    assert set(rows) == {"j1", "j2", "j3"}
    nurse = rows["j2"]["matches"]
    assert nurse[0]["id"] == "c3"
    assert nurse[0]["score"] == 1.0
    assert nurse[0]["explanation"]["missing"] == []
    analyst = rows["j1"]["matches"]
    scores = [m["score"] for m in analyst]
    assert scores == sorted(scores, reverse=True)
    assert len(analyst) <= 3
    # c5 wrote a skill URI, a synonym and a vague word: the URI and synonym count
    c5 = next(m for m in analyst if m["id"] == "c5")
    met = {m["requirement"] for m in c5["explanation"]["met"]}
    assert {"SQL", "statistics"} <= met
    assert "c3" not in [m["id"] for m in analyst]  # nothing in common: left out


def test_jobs_for_candidates_and_gap(cli: Cli, tmp_path: Path) -> None:
    _copy(tmp_path)
    result = cli(
        "match", "--candidates", "candidates.jsonl", "--jobs", "jobs.jsonl",
        "--direction", "jobs-for-candidates", "--top", "1", "--out", "out.jsonl",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    rows = {r["id"]: r for r in _read(tmp_path / "out.jsonl")}
    assert list(rows) == ["c1", "c2", "c3", "c4", "c5"]  # input order
    assert rows["c3"]["matches"][0]["id"] == "j2"
    assert all(len(r["matches"]) <= 1 for r in rows.values())
    gap = cli(
        "gap", "--candidates", "candidates.jsonl", "--jobs", "jobs.jsonl",
        "--pairs", "pairs.jsonl", "--out", "gap.jsonl",
    )  # fmt: skip
    assert gap.code == 0, gap.stderr
    missing = {r["id"]: r["missing"] for r in _read(tmp_path / "gap.jsonl")}
    assert missing["p2"] == ["Python", "Git"]  # as written in the job, required only
    assert "Git" in missing["p3"]
    assert "Python" not in missing["p3"]


def test_protected_attributes_change_nothing(tmp_path: Path) -> None:
    """Candidates that differ only in name, age, gender, ethnicity, disability or photo get
    identical scores: the engine cannot see those fields."""
    lines = []
    variants = [
        {
            "name": "Ada",
            "age": 25,
            "gender": "female",
            "ethnicity": "x",
            "disability": False,
            "photo": "a.png",
        },
        {
            "name": "Bob",
            "age": 61,
            "gender": "male",
            "ethnicity": "y",
            "disability": True,
            "photo": "b.png",
        },
        {},
    ]
    for i, extra in enumerate(variants):
        lines.append(json.dumps({"id": f"v{i}", "skills": ["SQL", "statistics"], **extra}))
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    shutil.copy(FIX / "jobs.jsonl", tmp_path / "j.jsonl")
    out = tmp_path / "o.jsonl"
    result = invoke([
        "match", "--candidates", str(tmp_path / "c.jsonl"), "--jobs", str(tmp_path / "j.jsonl"),
        "--direction", "candidates-for-jobs", "--out", str(out),
    ])  # fmt: skip
    assert result.code == 0, result.stderr
    for row in _read(out):
        scores = {m["id"]: m["score"] for m in row["matches"]}
        explanations = [json.dumps(m["explanation"], sort_keys=True) for m in row["matches"]]
        assert len(set(scores.values())) <= 1, scores
        assert len(set(explanations)) <= 1
    first = _read(out)[0]
    assert [m["id"] for m in first["matches"]] == ["v0", "v1", "v2"]  # ties by id


BAD = [
    (
        "candidates.jsonl",
        '{"id": "c1", "skills": ["SQL"]}\n{"id": "c2", "skills": "SQL"}\n',
        "candidates.jsonl:2:",
    ),
    (
        "candidates.jsonl",
        '{"id": "c1", "skills": ["SQL"]}\nnot json\n',
        "candidates.jsonl:2: not JSON",
    ),
    ("candidates.jsonl", '{"skills": ["SQL"]}\n', "candidates.jsonl:1:"),
    (
        "candidates.jsonl",
        '{"id": "a", "skills": []}\n{"id": "a", "skills": []}\n',
        "candidates.jsonl:2: duplicate id",
    ),
    ("jobs.jsonl", "\n\n[1, 2]\n", "jobs.jsonl:3: a line must be a JSON object"),
    ("jobs.jsonl", '{"id": "j", "title": "t", "required_skills": [""]}\n', "jobs.jsonl:1:"),
    (
        "jobs.jsonl",
        '{"id": "j", "title": "t", "required_skills": [{"label": "x", "level": 7}]}\n',
        "jobs.jsonl:1:",
    ),
    (
        "pairs.jsonl",
        '{"id": "p", "candidate": "nobody", "job": "j1"}\n',
        "pairs.jsonl:1: unknown candidate",
    ),
]


def test_bad_lines_exit_2_and_write_nothing(tmp_path: Path) -> None:
    for name, content, expected in BAD:
        _copy(tmp_path)
        (tmp_path / name).write_text(content, "utf-8")
        out = tmp_path / "out.jsonl"
        out.unlink(missing_ok=True)
        command = "gap" if name == "pairs.jsonl" else "match"
        argv = [
            command,
            "--candidates",
            str(tmp_path / "candidates.jsonl"),
            "--jobs",
            str(tmp_path / "jobs.jsonl"),
        ]
        argv += (
            ["--pairs", str(tmp_path / "pairs.jsonl")]
            if command == "gap"
            else ["--direction", "jobs-for-candidates"]
        )
        result = invoke([*argv, "--out", str(out)])
        assert result.code == 2, (name, content, result.stdout, result.stderr)
        error = result.stderr.strip()
        assert len(error.splitlines()) == 1, error
        assert expected in error, error
        assert not out.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_bad_line_in_subprocess(cli: Cli, tmp_path: Path) -> None:
    _copy(tmp_path)
    (tmp_path / "out.jsonl").write_text("previous run\n", "utf-8")
    (tmp_path / "jobs.jsonl").write_text('{"id": "j1", "required_skills": 5}\n', "utf-8")
    result = cli(
        "match", "--candidates", "candidates.jsonl", "--jobs", "jobs.jsonl",
        "--direction", "candidates-for-jobs", "--out", "out.jsonl",
    )  # fmt: skip
    assert result.code == 2
    assert result.stderr.strip().startswith("error: jobs.jsonl:1:")
    assert result.stderr.strip().endswith("[market.batch_line]")
    assert (tmp_path / "out.jsonl").read_text("utf-8") == "previous run\n"  # untouched


def test_jobs_convert_round_trip(cli: Cli, tmp_path: Path) -> None:
    job = {
        "title": "Data analyst",
        "requiredSkills": ["SQL", {"label": "MS Excel", "level": 3}],
        "preferredSkills": ["statistical analysis"],
    }
    (tmp_path / "job.json").write_text(json.dumps(job), "utf-8")
    ld = cli("jobs", "convert", "job.json", "--to", "schema.org", "--out", "job.jsonld")
    assert ld.code == 0, ld.stderr
    doc = json.loads((tmp_path / "job.jsonld").read_text("utf-8"))
    assert doc["@type"] == "JobPosting"
    assert [t["name"] for t in doc["skills"]] == ["SQL", "MS Excel", "statistical analysis"]
    assert doc["skills"][1]["lerkit:level"] == 3
    assert doc["skills"][2]["lerkit:preferred"] is True
    hr = cli("jobs", "convert", "job.jsonld", "--to", "hropen")
    assert hr.code == 0, hr.stderr
    hropen = json.loads(hr.stdout)
    assert hropen["skills"][2]["annotation"] == {"required": False, "preferred": True}
    (tmp_path / "hr.json").write_text(hr.stdout, "utf-8")
    back = cli("jobs", "convert", "hr.json", "--from", "hropen", "--to", "json")
    assert back.code == 0, back.stderr
    data = json.loads(back.stdout)
    assert [s["label"] for s in data["requiredSkills"]] == ["SQL", "MS Excel"]
    assert data["requiredSkills"][1]["level"] == 3
    (tmp_path / "bad.json").write_text(json.dumps({"title": 3, "skills": "x"}), "utf-8")
    bad = cli("jobs", "convert", "bad.json", "--from", "hropen")
    assert bad.code == 2
    assert "bad.json" in bad.stderr
    assert "[market.job_invalid]" in bad.stderr
