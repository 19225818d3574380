"""Commands of trust registries and verification (issue 6).

- ``lerkit verify PATH|URL|- [--registry FILE|URL] [--json] [--lang fr]``: any format (a
  credential or presentation as JSON, JWT or SD-JWT, a baked PNG/SVG, an OB 2.0 assertion
  or its URL). A FOLDER verifies every file in it: a summary table, and with
  ``--json-out report.json`` every report. Exit codes as ``credential verify`` (a folder:
  1 if any is invalid, else 2 if any could not be read, else 3 if any could not be fully
  checked, else 0).
- ``lerkit trust registry create|list|add|remove|export|import|subscribe|refresh``:
  registries of an organization (``--org SLUG``), straight on the database (operator
  commands, like ``lerkit admin``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lerkit.core.errors import InputError, LerkitError, ProblemCode
from lerkit.core.jsonvalue import parse_json
from lerkit.core.report import Check, CheckStatus, VerificationReport
from lerkit.core.trust import Registry, parse_registry, with_trust

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INDETERMINATE = 0, 1, 2, 3
FOLDER_SUFFIXES = {".json", ".jsonld", ".jwt", ".txt", ".png", ".svg", ".sdjwt", ".sd-jwt", ".vc"}
MAX_FILES = 10_000

trust_app = typer.Typer(help="Trust registries of trusted issuers.", no_args_is_help=True)
registry_app = typer.Typer(
    help="Manage an organization's trust registries (on the database).", no_args_is_help=True
)
trust_app.add_typer(registry_app, name="registry")


def _main() -> Any:
    from lerkit.cli import main

    return main


def _settings() -> Any:
    return _main()._settings()


# ----------------------------------------------------------------------------- registries


def load_registry(source: str, *, allow_network: bool = True) -> Registry:
    """A registry document from a file or an http(s) URL (fetched with the bounded
    fetcher): a lerkit export or a DCC issuer list."""
    if source.startswith(("https://", "http://")):
        from lerkit.bootstrap import build_fetcher

        if not allow_network:
            raise InputError(f"--registry {source}: fetching it needs the network")
        try:
            document = build_fetcher(_settings()).get_json(source)
        except LerkitError as exc:
            raise InputError(
                f"--registry {source}: {exc.message}", ProblemCode.TRUST_REGISTRY_UNAVAILABLE
            ) from exc
        name = source
    else:
        try:
            document = parse_json(Path(source).read_bytes())
        except OSError as exc:
            raise InputError(
                f"--registry {source}: cannot read: {exc.strerror or exc}",
                ProblemCode.TRUST_REGISTRY_UNAVAILABLE,
            ) from exc
        name = Path(source).name
    try:
        registry = parse_registry(document)
    except InputError as exc:
        raise InputError(f"--registry {source}: {exc.message}", exc.code) from exc
    if registry.name in ("registry", "DCC issuer list"):
        registry = Registry(name, registry.entries, registry.roots, registry.description)
    return registry


def apply_registry(report: VerificationReport, registry: Registry, verifier: Any) -> Any:
    """``report`` with the trust check against ``registry`` (a file's registry)."""
    from lerkit.services.trust import make_evaluator

    at = datetime.now(UTC)
    return with_trust(report, make_evaluator([registry], verifier, at))


# ----------------------------------------------------------------------------- verify


@dataclass
class _Row:
    name: str
    report: VerificationReport | None
    error: str | None = None

    @property
    def verdict(self) -> str:
        return "error" if self.report is None else str(self.report.verdict)


def _exit(rows: list[_Row]) -> int:
    verdicts = {r.verdict for r in rows}
    if "invalid" in verdicts:
        return EXIT_INVALID
    if "error" in verdicts:
        return EXIT_USAGE
    if "indeterminate" in verdicts:
        return EXIT_INDETERMINATE
    return EXIT_OK


def _files(folder: Path, recursive: bool) -> list[Path]:
    pattern = "**/*" if recursive else "*"
    found = sorted(
        p
        for p in folder.glob(pattern)
        if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES and not p.name.startswith(".")
    )
    if len(found) > MAX_FILES:
        raise InputError(f"{folder} holds more than {MAX_FILES} files to verify")
    return found


def _trust_word(report: VerificationReport) -> str:
    check = report.check(Check.TRUST)
    if check is None or check.status is CheckStatus.NOT_RUN:
        return ""
    return "recognised" if check.status is CheckStatus.PASS else "not recognised"


def _summary_table(rows: list[_Row], with_trust: bool) -> Table:
    table = Table(title="Verification summary", show_lines=False)
    table.add_column("file", overflow="fold")
    table.add_column("format")
    table.add_column("verdict")
    if with_trust:
        table.add_column("issuer")
    table.add_column("problems", overflow="fold")
    colour = {"valid": "green", "invalid": "red", "indeterminate": "magenta", "error": "red"}
    for row in rows:
        cells = [escape(row.name)]
        if row.report is None:
            cells += ["", f"[{colour['error']}]error[/]"]
            if with_trust:
                cells.append("")
            cells.append(escape(row.error or ""))
        else:
            cells += [row.report.format, f"[{colour[row.verdict]}]{row.verdict}[/]"]
            if with_trust:
                cells.append(_trust_word(row.report))
            cells.append(", ".join(row.report.codes))
        table.add_row(*cells)
    return table


def verify_command(
    source: Annotated[
        str,
        typer.Argument(
            metavar="PATH|URL|-",
            help="a file (JSON, JWT, SD-JWT, PNG, SVG), a folder, a URL, or - for stdin",
        ),
    ],
    registry: Annotated[
        str | None,
        typer.Option(
            help="a trust registry (a lerkit export or a DCC issuer list), FILE or URL: "
            "say whether each issuer is recognised"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable report")] = False,
    lang: Annotated[str, typer.Option(help="language of the explanations: en or fr")] = "en",
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="write every report to this JSON file")
    ] = None,
    resource: Annotated[
        list[str] | None,
        typer.Option(help="URL=FILE: a did:web document or status list supplied offline"),
    ] = None,
    allow_network: Annotated[
        bool, typer.Option(help="fetch did:web documents, status lists, OB 2.0 (bounded)")
    ] = False,
    now: Annotated[str | None, typer.Option(help="verify as of this time (ISO 8601)")] = None,
    challenge: Annotated[str | None, typer.Option(help="presentations: the challenge")] = None,
    domain: Annotated[str | None, typer.Option(help="presentations: the domain")] = None,
    recipient: Annotated[
        str | None, typer.Option(help="OB 2.0: the recipient's email to check")
    ] = None,
    recursive: Annotated[bool, typer.Option(help="a folder: include sub-folders")] = False,
) -> None:
    """Verify any credential or presentation, or every file of a folder.

    Exit 0 valid, 1 invalid, 3 could not check, 2 bad input.
    """
    from lerkit.bootstrap.trust import build_any_verifier

    main = _main()
    if lang not in ("en", "fr"):
        raise InputError("--lang must be en or fr")
    when = main._now(now)
    is_url = source.startswith(("https://", "http://"))
    verifier = build_any_verifier(
        _settings(),
        resources=main._resources(resource),
        allow_network=allow_network or is_url,
    )
    trust = load_registry(registry) if registry else None

    def one(data: str | bytes) -> VerificationReport:
        report = verifier.verify_any(
            data, challenge=challenge, domain=domain, recipient=recipient, now=when, lang=lang
        )
        if trust is not None:
            from lerkit.services.trust import make_evaluator

            report = with_trust(report, make_evaluator([trust], verifier, when)).with_lang(lang)
        return report

    path = Path(source)
    if not is_url and source != "-" and path.is_dir():
        rows: list[_Row] = []
        for file in _files(path, recursive):
            name = str(file.relative_to(path))
            try:
                rows.append(_Row(name, one(file.read_bytes())))
            except (LerkitError, OSError) as exc:
                code = f" [{exc.code}]" if isinstance(exc, LerkitError) else ""
                rows.append(_Row(name, None, f"{exc}{code}"))
        counts = {
            v: sum(1 for r in rows if r.verdict == v)
            for v in ("valid", "invalid", "indeterminate", "error")
        }
        document = {
            "folder": str(path),
            "verifiedAt": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "summary": {"total": len(rows), **counts},
            "items": [
                {
                    "file": r.name,
                    "verdict": r.verdict,
                    **({"error": r.error} if r.error else {}),
                    **(
                        {
                            "format": r.report.format,
                            "codes": r.report.codes,
                            "report": r.report.to_json(lang=lang),
                        }
                        if r.report
                        else {}
                    ),
                }
                for r in rows
            ],
        }
        if json_out is not None:
            json_out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        if as_json:
            main._emit_json(document)
        else:
            main.out.print(_summary_table(rows, trust is not None))
            main.out.print(
                f"{len(rows)} file(s): {counts['valid']} valid, {counts['invalid']} invalid, "
                f"{counts['indeterminate']} could not be fully checked, "
                f"{counts['error']} unreadable"
            )
        raise typer.Exit(_exit(rows))
    if is_url:
        data: str | bytes = source
    else:
        data = main._read_input(source)
    report = one(data)
    if json_out is not None:
        json_out.write_text(
            json.dumps(report.to_json(lang=lang), indent=2, ensure_ascii=False) + "\n", "utf-8"
        )
    if as_json:
        main._emit_json(report.to_json(lang=lang))
    else:
        main.print_report(report)
        main.out.print(report.summary(lang))
    raise typer.Exit(main._exit_for(report))


# ----------------------------------------------------------------------------- registry commands

OrgOpt = Annotated[str, typer.Option("--org", help="the organization's slug")]


def _with_org(org: str, run: Any) -> Any:
    from sqlalchemy import select

    from lerkit.bootstrap import build_services
    from lerkit.db.models import Organization
    from lerkit.services.context import Actor
    from lerkit.services.errors import NotFoundError

    services = build_services(_settings())
    try:
        with services.database.session() as session:
            row = session.scalars(select(Organization).where(Organization.slug == org)).first()
            if row is None:
                raise NotFoundError(f"no organization {org!r}")
            actor = Actor(organization_id=row.id, role="owner", label="cli:trust")
            return run(services.trust.registries, session, actor)
    finally:
        services.close()


@registry_app.command("create")
def registry_create(
    name: Annotated[str, typer.Argument(help="a slug: lower-case letters, digits, hyphens")],
    org: OrgOpt,
    description: Annotated[str, typer.Option(help="what the registry is for")] = "",
    root: Annotated[list[str] | None, typer.Option(help="a root-of-trust DID (repeat)")] = None,
    publish: Annotated[bool, typer.Option(help="serve it at /trust/{org}/{name}")] = False,
) -> None:
    """Create a registry."""
    info = _with_org(
        org,
        lambda r, s, a: r.create(
            s, a, name, description=description, roots=root or [], published=publish
        ),
    )
    _main()._emit_json(info.to_json())


@registry_app.command("list")
def registry_list(org: OrgOpt) -> None:
    """The organization's registries."""
    infos = _with_org(org, lambda r, s, a: r.list_registries(s, a))
    table = Table("name", "entries", "subscriptions", "published", "public URL")
    for i in infos:
        table.add_row(
            i.name,
            str(i.entries),
            str(i.subscriptions),
            "yes" if i.published else "no",
            i.public_url or "",
        )
    _main().out.print(table)


@registry_app.command("add")
def registry_add(
    name: Annotated[str, typer.Argument(help="the registry")],
    org: OrgOpt,
    did: Annotated[str, typer.Option(help="the issuer's DID (or OB 2.0 profile URL)")],
    label: Annotated[str | None, typer.Option("--name", help="its name")] = None,
    role: Annotated[str, typer.Option(help="issuer or accreditor")] = "issuer",
    credential_type: Annotated[
        list[str] | None, typer.Option("--type", help="a credential type it may issue (repeat)")
    ] = None,
    achievement: Annotated[
        list[str] | None, typer.Option(help="an achievement id or pattern (repeat)")
    ] = None,
    framework: Annotated[list[str] | None, typer.Option(help="a skill framework (repeat)")] = None,
    accredited_by: Annotated[str | None, typer.Option(help="the accreditor's DID")] = None,
    accreditation: Annotated[
        Path | None, typer.Option(help="FILE: the accreditation credential it signed")
    ] = None,
    valid_from: Annotated[str | None, typer.Option(help="ISO 8601")] = None,
    valid_until: Annotated[str | None, typer.Option(help="ISO 8601")] = None,
) -> None:
    """Add an issuer (or an accrediting body) and what it may issue."""
    raw: dict[str, Any] = {
        "did": did,
        "role": role,
        "credentialTypes": credential_type or [],
        "achievements": achievement or [],
        "frameworks": framework or [],
    }
    for key, value in (
        ("name", label),
        ("accreditedBy", accredited_by),
        ("validFrom", valid_from),
        ("validUntil", valid_until),
    ):
        if value is not None:
            raw[key] = value
    if accreditation is not None:
        raw["accreditation"] = _main()._read_json(str(accreditation))
    entry = _with_org(org, lambda r, s, a: r.add_entry(s, a, name, raw))
    _main()._emit_json(entry)


@registry_app.command("remove")
def registry_remove(
    name: Annotated[str, typer.Argument(help="the registry")],
    entry: Annotated[str, typer.Argument(help="the entry's id, or a DID (all its entries)")],
    org: OrgOpt,
) -> None:
    """Remove an entry."""
    _with_org(org, lambda r, s, a: r.remove_entry(s, a, name, entry))
    _main().err.print(f"removed {entry} from {name}")


@registry_app.command("export")
def registry_export(
    name: Annotated[str, typer.Argument(help="the registry")],
    org: OrgOpt,
    out: Annotated[Path | None, typer.Option(help="write to FILE instead of stdout")] = None,
) -> None:
    """Print (or write) the registry as a JSON document."""
    document = _with_org(org, lambda r, s, a: r.export(s, a, name))
    if out is not None:
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    else:
        _main()._emit_json(document)


@registry_app.command("import")
def registry_import(
    name: Annotated[str, typer.Argument(help="the registry (created if needed)")],
    source: Annotated[str, typer.Argument(metavar="FILE|URL|-", help="a registry document")],
    org: OrgOpt,
    replace: Annotated[bool, typer.Option(help="drop the existing entries first")] = False,
) -> None:
    """Import a registry document (a lerkit export or a DCC issuer list)."""
    if source.startswith(("https://", "http://")):
        from lerkit.bootstrap import build_fetcher

        document = build_fetcher(_settings()).get_json(source)
    else:
        document = parse_json(_main()._read_input(source))
    info = _with_org(org, lambda r, s, a: r.import_document(s, a, name, document, replace=replace))
    _main()._emit_json(info.to_json())


@registry_app.command("subscribe")
def registry_subscribe(
    name: Annotated[str, typer.Argument(help="the registry")],
    url: Annotated[str, typer.Argument(help="another lerkit registry's URL, or a DCC list")],
    org: OrgOpt,
    ttl: Annotated[int, typer.Option(help="seconds a fetched copy is used")] = 300,
) -> None:
    """Subscribe to another registry (federation)."""
    sub = _with_org(org, lambda r, s, a: r.subscribe(s, a, name, url, ttl_seconds=ttl))
    _main()._emit_json(sub)


@registry_app.command("refresh")
def registry_refresh(
    name: Annotated[str, typer.Argument(help="the registry")],
    org: OrgOpt,
) -> None:
    """Re-fetch every subscription of the registry now."""
    subs = _with_org(org, lambda r, s, a: r.refresh(s, a, name))
    _main()._emit_json(subs)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
    app.command("verify")(verify_command)
    app.add_typer(trust_app, name="trust")


__all__ = ["apply_registry", "load_registry", "register", "verify_command"]
