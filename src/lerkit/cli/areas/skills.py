"""Commands of skill frameworks, search, extraction, crosswalks, alignment (issue 7).

``extract``, ``normalize``, ``search``, ``crosswalk`` and ``align`` work offline on the bundled
ESCO + O*NET taxonomy (no database); ``--imported`` adds the frameworks loaded with
``lerkit skills import`` (the instance's database, ``LERKIT_DATABASE_URL`` or the data dir).
Exit codes: 0 ok, 1 not found, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

skills_app = typer.Typer(
    help="Skill frameworks (ESCO, O*NET bundled; CASE, RSD, CTDL-ASN imports): search, "
    "extract, normalize, crosswalk, align.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
Frameworks = Annotated[
    list[str] | None, typer.Option("--framework", "-f", help="only these frameworks (repeat)")
]
Imported = Annotated[
    bool,
    typer.Option(
        "--imported/--no-imported", help="also use the frameworks imported into the database"
    ),
]
Embeddings = Annotated[
    bool, typer.Option("--embeddings", help="also match by sentence embeddings (the extra)")
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"error: {escape(message)}")
    return typer.Exit(code)


def _text(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    return value


def _taxonomy(imported: bool, embeddings: bool) -> Any:
    from lerkit.core.skills.taxonomy import Taxonomy
    from lerkit.services.skills import default_taxonomy

    if imported:
        service, database = _service()
        try:
            with database.session() as session:
                return service.taxonomy(session, None, embeddings=embeddings)
        finally:
            database.dispose()
    tx = default_taxonomy()
    if embeddings:
        from lerkit.services.skills import embeddings as emb

        if not emb.available():
            raise _fail("the embedding method needs: pip install 'lerkit[embeddings]'")
        vectors = emb.build_index(tx)
        tx = Taxonomy(
            skills=tx.skills,
            occupations=tx.occupations,
            frameworks=tx.frameworks,
            groups=tx.groups,
            links=tx.links,
            vectors=vectors,
        )
    return tx


def _service() -> Any:
    from datetime import UTC, datetime

    from lerkit.bootstrap.skills import build_skills
    from lerkit.config import Settings
    from lerkit.db.migrate import upgrade
    from lerkit.db.session import Database
    from lerkit.services.audit import AuditLog

    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    upgrade(url)
    database = Database(url)

    def clock() -> datetime:
        return datetime.now(UTC)

    return build_skills(settings, database, AuditLog(clock), clock), database


def _matches_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for col in ("framework", "URI or code", "preferred label", "confidence", "method", "from"):
        table.add_column(col, overflow="fold")  # a URI is folded, never cut short
    for r in rows:
        table.add_row(
            r["framework"],
            escape(r.get("code") or r["uri"]),
            escape(r["label"]),
            f"{r['confidence']:.2f}",
            r["method"],
            escape(r.get("source", "")),
        )
    return table


def _match_dict(m: Any) -> dict[str, Any]:
    return {
        "framework": m.skill.framework,
        "uri": m.skill.uri,
        "code": m.skill.code,
        "label": m.skill.label,
        "confidence": m.confidence,
        "method": m.method,
        "source": m.source,
    }


@skills_app.command("extract")
def extract(
    text: Annotated[str, typer.Argument(help="the text, or - to read stdin")],
    as_json: Json = False,
    framework: Frameworks = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.6,
    imported: Imported = False,
    embeddings: Embeddings = False,
) -> None:
    """Every skill named in a text: framework, URI or code, label, confidence, source words."""
    body = _text(text)
    if not body.strip():
        raise _fail("the text is empty")
    tx = _taxonomy(imported, embeddings)
    rows = [
        _match_dict(m)
        for m in tx.extract(body, frameworks=framework, min_confidence=min_confidence)
    ]
    if as_json:
        sys.stdout.write(json.dumps({"results": rows}, indent=2, ensure_ascii=False) + "\n")
        return
    if not rows:
        out.print("no skill found")
        return
    out.print(_matches_table(rows, f"{len(rows)} skills"))


@skills_app.command("normalize")
def normalize(
    label: Annotated[str, typer.Argument(help='a skill as people write it ("MS Excel")')],
    as_json: Json = False,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    framework: Frameworks = None,
    imported: Imported = False,
    embeddings: Embeddings = False,
) -> None:
    """The framework skills one label stands for, best first."""
    tx = _taxonomy(imported, embeddings)
    rows = [_match_dict(m) for m in tx.normalize(label, limit=limit, frameworks=framework)]
    if as_json:
        sys.stdout.write(json.dumps({"results": rows}, indent=2, ensure_ascii=False) + "\n")
        return
    if not rows:
        raise _fail(f"nothing close to {label!r}", 1)
    out.print(_matches_table(rows, label))


@skills_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="any label: preferred, alternative, with typos")],
    as_json: Json = False,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    framework: Frameworks = None,
    imported: Imported = True,
) -> None:
    """Search skills in every framework (bundled, imported, federated registries)."""
    if imported:
        service, database = _service()
        try:
            with database.session() as session:
                result = service.search(session, None, query, limit=limit, frameworks=framework)
        finally:
            database.dispose()
        rows, sources = result.matches, result.sources
    else:
        tx = _taxonomy(False, False)
        rows = [_match_dict(m) for m in tx.search(query, limit=limit, frameworks=framework)]
        sources = []
    if as_json:
        sys.stdout.write(
            json.dumps({"results": rows, "sources": sources}, indent=2, ensure_ascii=False) + "\n"
        )
        return
    if not rows:
        raise _fail(f"no skill matches {query!r}", 1)
    out.print(_matches_table(rows, query))
    for s in sources:
        if s.get("status") != "ok":
            err.print(f"warning: {escape(s['origin'])} unavailable ({escape(s.get('detail', ''))})")


@skills_app.command("crosswalk")
def crosswalk(
    source: Annotated[str, typer.Argument(help="framework id (esco, onet, an imported one)")],
    target: Annotated[str, typer.Argument(help="framework id")],
    as_json: Json = False,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.6,
    imported: Imported = True,
) -> None:
    """Suggest exact and close matches from SOURCE's skills to TARGET's (confirm or reject
    them with the API: POST /api/v1/skills/crosswalks/...)."""
    tx = _taxonomy(imported, False)
    fws = set(tx.frameworks) | {s.framework for s in tx.skills[-1:]}
    for fw in (source, target):
        if fw not in fws and not tx.skills_of_framework(fw):
            raise _fail(f"no skill framework {fw!r}", 1)
    rows: list[dict[str, Any]] = []
    for s in tx.skills_of_framework(source):
        if len(rows) >= limit:
            break
        for m in tx.counterparts(s, [target], limit=1, min_confidence=min_confidence):
            exact = m.method in ("exact", "alt_label", "uri") and m.confidence >= 0.9
            rows.append(
                {
                    "source": s.uri,
                    "sourceLabel": s.label,
                    "target": m.skill.uri,
                    "targetLabel": m.skill.label,
                    "relation": "exactMatch" if exact else "closeMatch",
                    "confidence": m.confidence,
                    "method": m.method,
                }
            )
    if as_json:
        sys.stdout.write(json.dumps({"crosswalks": rows}, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{source} -> {target}")
    for col in ("source", "relation", "target", "confidence", "method"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            escape(r["sourceLabel"]),
            r["relation"],
            escape(r["targetLabel"]),
            f"{r['confidence']:.2f}",
            r["method"],
        )
    out.print(table)


@skills_app.command("align")
def align(
    description: Annotated[str, typer.Argument(help="the achievement's description (or -)")],
    criteria: Annotated[str, typer.Option(help="the criteria narrative")] = "",
    name: Annotated[str, typer.Option(help="the achievement's name")] = "",
    limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
    imported: Imported = False,
) -> None:
    """Suggest OB 3.0 alignments (JSON) for an achievement from its description and criteria."""
    from lerkit.services.skills.service import alignment_of

    tx = _taxonomy(imported, False)
    text = "\n".join(t for t in (name, _text(description), criteria) if t)
    suggestions = []
    for m in tx.extract(text, limit=limit * 3):
        s = tx.skill(m.skill.uri)
        if s is None or s.kind.endswith("technology-class"):
            continue
        suggestions.append(
            {
                "alignment": alignment_of(s, tx),
                "confidence": m.confidence,
                "method": m.method,
                "source": m.source,
            }
        )
        if len(suggestions) >= limit:
            break
    sys.stdout.write(json.dumps({"suggestions": suggestions}, indent=2, ensure_ascii=False) + "\n")


@skills_app.command("import")
def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="file(s): a CASE/RSD/CTDL JSON, an RSD CSV, ESCO CSVs, O*NET text files"
        ),
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format", help="case, rsd, rsd-csv, esco, onet, ctdl (guessed when omitted)"
        ),
    ] = "",
    framework_id: Annotated[str | None, typer.Option("--id", help="the framework id")] = None,
    private: Annotated[bool, typer.Option(help="hide it from other organizations")] = False,
    replace: Annotated[bool, typer.Option(help="replace a framework with that id")] = False,
) -> None:
    """Load a skill framework into the instance's registry."""
    from lerkit.core.errors import LerkitError
    from lerkit.core.skills import formats

    try:
        texts: dict[str, str] = {}
        for p in paths:
            texts.update(_read_all(p))
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise _fail(str(exc)) from exc
    if not texts:
        raise _fail("no file to import")
    try:
        fmt = format
        first_name, first = next(iter(texts.items()))
        parsed_json: Any = None
        if fmt in ("", "case", "rsd", "ctdl") and first.lstrip().startswith(("{", "[")):
            parsed_json = json.loads(first)
        if not fmt:
            if first_name.lower().endswith((".txt", ".txt.gz")):
                fmt = "onet"
            elif (
                parsed_json is None
                and first_name.lower().endswith(".csv")
                and "skills_" not in first_name
            ):
                fmt = "rsd-csv"
            else:
                fmt = formats.detect_format(first_name, parsed_json)
        if fmt == "case":
            parsed = formats.parse_case(parsed_json)
        elif fmt == "rsd":
            parsed = formats.parse_rsd_json(parsed_json)
        elif fmt == "ctdl":
            parsed = formats.parse_ctdl(parsed_json)
        elif fmt == "rsd-csv":
            parsed = formats.parse_rsd_csv(first)
        elif fmt == "esco":
            parsed = formats.parse_esco(texts)
        elif fmt == "onet":
            parsed = formats.parse_onet(texts)
        else:
            raise _fail(f"unknown format {fmt!r}")
    except json.JSONDecodeError as exc:
        raise _fail(f"not JSON: {exc}") from exc
    except LerkitError as exc:
        raise _fail(exc.message) from exc
    service, database = _service()
    try:
        with database.session() as session:
            info = service.import_framework(
                session, None, parsed, slug=framework_id, public=not private, replace=replace
            )
    except LerkitError as exc:
        raise _fail(exc.message, 1) from exc
    finally:
        database.dispose()
    out.print(f"imported {info.items} items as framework [bold]{escape(info.id)}[/bold] ({fmt})")


def _read_all(path: Path) -> dict[str, str]:
    """A file's text by name; a zip (the ESCO download) gives its CSV / text members."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            return {
                n.rsplit("/", 1)[-1]: z.read(n).decode("utf-8-sig")
                for n in z.namelist()
                if n.lower().endswith((".csv", ".txt", ".json"))
            }
    return {path.name: _read(path)}


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        import gzip

        data = gzip.decompress(data)
    return data.decode("utf-8-sig")


@skills_app.command("export")
def export(
    framework_id: Annotated[str, typer.Argument(help="the framework id")],
    format: Annotated[str, typer.Option("--format", help="case, rsd or rsd-csv")] = "case",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write to a file")] = None,
) -> None:
    """Export a framework as a CASE 1.1 CFPackage, an RSD collection or RSD CSV."""
    from lerkit.core.errors import LerkitError

    service, database = _service()
    try:
        with database.session() as session:
            data = service.export_framework(session, None, framework_id, format)
    except LerkitError as exc:
        raise _fail(exc.message, 1 if getattr(exc, "status", 400) == 404 else 2) from exc
    finally:
        database.dispose()
    text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
    app.add_typer(skills_app, name="skills")
