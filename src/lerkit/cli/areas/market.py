"""Commands of job postings, candidate profiles, matching, guidance, workforce tools (issue 8).

``lerkit match`` and ``lerkit gap`` rank JSON Lines files of candidates and jobs offline with
the API's engine and the bundled taxonomy; ``lerkit jobs convert`` turns a job posting from
one format into another (lerkit JSON, schema.org JobPosting JSON-LD, HR Open 4.4).

Exit codes: 0 done; 2 bad input or usage — one line on stderr naming the file and line
(``C.jsonl:7: "skills" must be a list of skill labels``), and nothing is written (the output
goes to a temporary file renamed into place only when complete).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True, highlight=False)
jobs_app = typer.Typer(help="Job postings: convert between formats.", no_args_is_help=True)

OutFile = Annotated[
    Path, typer.Option("--out", dir_okay=False, help="the JSON Lines file to write")
]


class Direction(StrEnum):
    jobs_for_candidates = "jobs-for-candidates"
    candidates_for_jobs = "candidates-for-jobs"


class JobFormat(StrEnum):
    json = "json"
    schema_org = "schema.org"
    hropen = "hropen"


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")  # one line, never wrapped
    return typer.Exit(code)


def _lines(path: Path) -> Iterable[str]:
    try:
        return path.read_text("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise _fail(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise _fail(f"{path}: {exc.strerror}") from exc


def _write_atomically(out: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write every row, then rename into place: a failure leaves no half-written file."""
    directory = out.resolve().parent
    if not directory.is_dir():
        raise _fail(f"{out}: the directory does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=directory)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def _engine() -> Any:
    from lerkit.bootstrap.market import default_resolver
    from lerkit.services.market.batch import BatchEngine

    return BatchEngine(default_resolver())


def match(
    candidates: Annotated[
        Path,
        typer.Option(
            "--candidates",
            exists=True,
            dir_okay=False,
            help='candidates, one {"id", "skills": [...]} a line',
        ),
    ],
    jobs: Annotated[
        Path,
        typer.Option(
            "--jobs",
            exists=True,
            dir_okay=False,
            help='jobs, one {"id", "title", "required_skills", "preferred_skills"} a line',
        ),
    ],
    direction: Annotated[Direction, typer.Option("--direction", help="what to rank for what")],
    out: OutFile,
    top: Annotated[int, typer.Option("--top", min=1, max=10_000, help="matches per line")] = 10,
) -> None:
    """Rank candidates for jobs or jobs for candidates: one {"id", "matches": [{"id",
    "score", "explanation"}]} line per query, best first."""
    from lerkit.services.market.batch import BatchInputError

    engine = _engine()
    try:
        engine.load_candidates(_lines(candidates), str(candidates))
        engine.load_jobs(_lines(jobs), str(jobs))
        rows = (
            engine.jobs_for_candidates(top)
            if direction is Direction.jobs_for_candidates
            else engine.candidates_for_jobs(top)
        )
        count = _write_atomically(out, rows)
    except BatchInputError as exc:
        raise _fail(f"{exc} [market.batch_line]") from exc
    err.print(
        f"wrote {count} lines to {escape(str(out))} "
        f"({engine.resolver.normalize_calls} distinct labels normalized)"
    )


def gap(
    candidates: Annotated[
        Path,
        typer.Option("--candidates", exists=True, dir_okay=False, help="candidates (JSON Lines)"),
    ],
    jobs: Annotated[
        Path, typer.Option("--jobs", exists=True, dir_okay=False, help="jobs (JSON Lines)")
    ],
    pairs: Annotated[
        Path,
        typer.Option(
            "--pairs",
            exists=True,
            dir_okay=False,
            help='pairs, one {"id", "candidate", "job"} a line',
        ),
    ],
    out: OutFile,
) -> None:
    """For each pair, the job's required skills (as written in the job) the candidate lacks:
    one {"id", "missing": [...]} line per pair."""
    from lerkit.services.market.batch import BatchInputError

    engine = _engine()
    try:
        engine.load_candidates(_lines(candidates), str(candidates))
        engine.load_jobs(_lines(jobs), str(jobs))
        count = _write_atomically(out, list(engine.gaps(_lines(pairs), str(pairs))))
    except BatchInputError as exc:
        raise _fail(f"{exc} [market.batch_line]") from exc
    err.print(f"wrote {count} lines to {escape(str(out))}")


@jobs_app.command("convert")
def convert(
    source: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="a job posting (JSON)")
    ],
    to: Annotated[
        JobFormat, typer.Option("--to", help="the format to write")
    ] = JobFormat.schema_org,
    from_: Annotated[str, typer.Option("--from", help="auto, json, schema.org or hropen")] = "auto",
    output: Annotated[
        Path | None, typer.Option("--out", dir_okay=False, help="default: stdout")
    ] = None,
) -> None:
    """Convert a job posting between lerkit JSON, schema.org JobPosting (JSON-LD) and HR Open
    4.4, normalizing its skills with the bundled taxonomy (labels kept as written)."""
    from lerkit.services.errors import ValidationError
    from lerkit.services.market import formats

    try:
        document = json.loads(source.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(f"{source}: not JSON") from exc
    if from_ not in ("auto", "json", "schema.org", "hropen"):
        raise _fail("--from must be auto, json, schema.org or hropen")
    if from_ == "auto":
        if isinstance(document, dict) and ("@context" in document or "@type" in document):
            from_ = "schema.org"
        elif isinstance(document, dict) and (
            "requiredSkills" in document or "preferredSkills" in document
        ):
            from_ = "json"
        else:
            from_ = "hropen"
    engine = _engine()
    try:
        if from_ == "schema.org":
            data = formats.from_schema_org(document)
        elif from_ == "hropen":
            data = formats.from_hropen(document)
        else:
            data = document
        clean = formats.validate_job(data)
        requirements = []
        for name, required in (("requiredSkills", True), ("preferredSkills", False)):
            for item in clean[name]:
                resolved = engine.resolver.resolve(item.get("uri") or item["label"])
                requirements.append(
                    {
                        "label": item["label"],
                        "uri": resolved.uri
                        if resolved.known or not item.get("uri")
                        else item["uri"],
                        "known": resolved.known or bool(item.get("uri")),
                        "skillLabel": resolved.skill_label,
                        "framework": resolved.framework or item.get("framework", ""),
                        "required": required,
                        "level": item.get("level"),
                    }
                )
        neutral = {**clean, "requirements": requirements}
        identifier = source.stem
        organization = {"name": "unknown"}
        if to is JobFormat.schema_org:
            result: Any = formats.to_schema_org(
                neutral, identifier=identifier, organization=organization
            )
        elif to is JobFormat.hropen:
            result = formats.to_hropen(
                neutral,
                identifier=identifier,
                organization=organization,
                posted=clean.get("datePosted") or "1970-01-01T00:00:00Z",
            )
        else:
            result = {k: v for k, v in clean.items() if v not in (None, "", [])} | {
                "requiredSkills": [r for r in requirements if r["required"]],
                "preferredSkills": [r for r in requirements if not r["required"]],
            }
    except ValidationError as exc:
        detail = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors[:5])
        found = f"{source}: {exc.message}" + (f" ({detail})" if detail else "")
        raise _fail(f"{found} [{exc.code}]") from exc
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
    app.command("match")(match)
    app.command("gap")(gap)
    app.add_typer(jobs_app, name="jobs")
