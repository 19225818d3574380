"""Commands of share links, the consent ledger and résumés (issue 5), over the HTTP API with a
holder token (``--token`` or ``LERKIT_WALLET_TOKEN``), like the organization commands do
with an API key:

    lerkit share create <credential>... --to "Grace Hopper" --org "Employer" --days 14
    lerkit share list | views <share> | revoke <share> | pdf <share> <credential> --out c.pdf
    lerkit consent list | withdraw <consent>
    lerkit resume create --title "Data jobs" --credential <id> --skill "SQL" \\
        --job "Analyst@Acme:2021-01:2023-06" --about "I like clean data."
    lerkit resume list | export <resume> --out resume.json [--pdf resume.pdf] | sign <resume>

Errors print one line and exit 2 (``lerkit.cli.main.run``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lerkit.cli.client import DEFAULT_API_URL, ApiClient, segment
from lerkit.core.errors import InputError

_CONNECTION = "Connection"
ApiUrl = Annotated[
    str,
    typer.Option(
        "--api-url",
        envvar="LERKIT_API_URL",
        help="Base URL of the lerkit server.",
        rich_help_panel=_CONNECTION,
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="LERKIT_WALLET_TOKEN",
        help="Your holder token (lw_...; prefer the environment variable).",
        show_default=False,
        rich_help_panel=_CONNECTION,
    ),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer.")]

share_app = typer.Typer(help="Share links of your credentials (wallet).", no_args_is_help=True)
consent_app = typer.Typer(help="Your consent ledger (wallet).", no_args_is_help=True)
resume_app = typer.Typer(help="Verifiable résumés, HR Open LER-RS (wallet).", no_args_is_help=True)


@contextmanager
def _client(api_url: str, token: str | None) -> Iterator[ApiClient]:
    if not token:
        raise InputError("a holder token is needed: --token or LERKIT_WALLET_TOKEN")
    client = ApiClient.connect(api_url, token)
    try:
        yield client
    finally:
        client.close()


def _emit(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _print(table: Table) -> None:
    Console(soft_wrap=True).print(table)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


# ----------------------------------------------------------------------------- shares


@share_app.command("create")
def share_create(
    credentials: Annotated[list[str], typer.Argument(help="Wallet credential ids.")],
    to: Annotated[str, typer.Option("--to", help="Who the link is for (a name).")],
    email: Annotated[str | None, typer.Option(help="Their email.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Their organization.")] = None,
    purpose: Annotated[str, typer.Option(help="Why you share.")] = "",
    days: Annotated[int, typer.Option(min=1, max=366, help="The link works this long.")] = 30,
    lang: Annotated[str, typer.Option(help="Language of the page: en or fr.")] = "en",
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    as_json: JsonOut = False,
) -> None:
    """Create a share link (its consent goes into your ledger)."""
    from datetime import UTC, datetime, timedelta

    expires = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    body = {
        "credentials": credentials,
        "recipient": {"name": to, "email": email, "organization": org},
        "purpose": purpose,
        "expiresAt": expires,
        "lang": lang,
    }
    with _client(api_url, token) as client:
        share = client.post("/wallet/shares", json=body)
    if as_json:
        _emit(share)
        return
    sys.stdout.write(share["url"] + "\n")
    sys.stderr.write(
        f"works until {share['expiresAt'][:16]} UTC (the link's expiry, not the credentials')\n"
    )


@share_app.command("list")
def share_list(
    api_url: ApiUrl = DEFAULT_API_URL, token: Token = None, as_json: JsonOut = False
) -> None:
    """Your share links."""
    with _client(api_url, token) as client:
        shares = client.get("/wallet/shares")["shares"]
    if as_json:
        _emit(shares)
        return
    table = _table("id", "for", "state", "expires", "views", "url")
    for s in shares:
        table.add_row(
            s["id"],
            s["recipient"]["name"],
            s["state"],
            s["expiresAt"][:16],
            str(s["views"]),
            s["url"],
        )
    _print(table)


@share_app.command("views")
def share_views(
    share_id: str, api_url: ApiUrl = DEFAULT_API_URL, token: Token = None, as_json: JsonOut = False
) -> None:
    """Who opened a share link: when, how, a coarse client hint (never an IP address)."""
    with _client(api_url, token) as client:
        views = client.get(f"/wallet/shares/{segment(share_id)}/views")["views"]
    if as_json:
        _emit(views)
        return
    table = _table("when", "how", "client")
    for v in views:
        table.add_row(v["viewedAt"][:19], v["kind"], v["client"])
    _print(table)


@share_app.command("revoke")
def share_revoke(share_id: str, api_url: ApiUrl = DEFAULT_API_URL, token: Token = None) -> None:
    """Revoke a share link (its consent is withdrawn too)."""
    with _client(api_url, token) as client:
        share = client.post(f"/wallet/shares/{segment(share_id)}/revoke")
    sys.stdout.write(f"{share['id']} {share['state']}\n")


@share_app.command("pdf")
def share_pdf(
    share_id: str,
    credential_id: str,
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")],
    lang: Annotated[str, typer.Option(help="en or fr.")] = "en",
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
) -> None:
    """A shared credential as a PDF with a QR code to its live verification."""
    with _client(api_url, token) as client:
        response = client.request(
            "GET",
            f"/wallet/shares/{segment(share_id)}/credentials/{segment(credential_id)}/credential.pdf",
            params={"lang": lang},
        )
    _write(out, response.content)


# ----------------------------------------------------------------------------- consents


@consent_app.command("list")
def consent_list(
    api_url: ApiUrl = DEFAULT_API_URL, token: Token = None, as_json: JsonOut = False
) -> None:
    """What you disclosed: to whom, when, why; ongoing consents can be withdrawn."""
    with _client(api_url, token) as client:
        entries = client.get("/wallet/consents")["consents"]
    if as_json:
        _emit(entries)
        return
    table = _table("id", "when", "kind", "to", "why", "state")
    for e in entries:
        state = "one-off" if not e["ongoing"] else ("active" if e["active"] else "withdrawn")
        table.add_row(e["id"], e["createdAt"][:16], e["kind"], e["recipient"], e["purpose"], state)
    _print(table)


@consent_app.command("withdraw")
def consent_withdraw(
    consent_id: str, api_url: ApiUrl = DEFAULT_API_URL, token: Token = None
) -> None:
    """Withdraw an ongoing consent (a share link is revoked, an issuer's API access ends)."""
    with _client(api_url, token) as client:
        entry = client.post(f"/wallet/consents/{segment(consent_id)}/withdraw")
    sys.stdout.write(f"{entry['id']} withdrawn at {entry['withdrawnAt']}\n")


# ----------------------------------------------------------------------------- résumés


def _entry(kind: str, text: str) -> dict[str, Any]:
    """``title@organization:start:end`` (organization and dates optional)."""
    head, *dates = text.split(":")
    title, _, organization = head.partition("@")
    entry: dict[str, Any] = {"kind": kind, "title": title.strip()}
    if organization.strip():
        entry["organization"] = organization.strip()
    if dates and dates[0]:
        entry["start"] = dates[0]
    if len(dates) > 1 and dates[1]:
        entry["end"] = dates[1]
    return entry


@resume_app.command("create")
def resume_create(
    title: Annotated[str, typer.Option(help="A title for you to find it again.")] = "Résumé",
    credential: Annotated[
        list[str] | None, typer.Option("--credential", help="A wallet credential id (repeat).")
    ] = None,
    skill: Annotated[list[str] | None, typer.Option(help="A self-asserted skill (repeat).")] = None,
    job: Annotated[
        list[str] | None, typer.Option(help="Experience: title@organization:YYYY-MM:YYYY-MM.")
    ] = None,
    education: Annotated[
        list[str] | None, typer.Option(help="Education: program@institution:YYYY-MM:YYYY-MM.")
    ] = None,
    certification: Annotated[
        list[str] | None, typer.Option(help="Self-asserted certification: name@issuer:YYYY-MM.")
    ] = None,
    about: Annotated[str | None, typer.Option(help="A few words about you.")] = None,
    headline: Annotated[str | None, typer.Option(help="One line under your name.")] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    as_json: JsonOut = False,
) -> None:
    """Compose a résumé (LER-RS) from credentials and self-asserted entries (marked unverified)."""
    entries = (
        [{"kind": "skill", "title": s} for s in skill or []]
        + [_entry("employment", j) for j in job or []]
        + [_entry("education", e) for e in education or []]
        + [_entry("certification", c) for c in certification or []]
    )
    if about:
        entries.append({"kind": "narrative", "title": "About", "description": about})
    body = {
        "title": title,
        "headline": headline,
        "credentials": credential or [],
        "entries": entries,
    }
    with _client(api_url, token) as client:
        resume = client.post("/wallet/resumes", json=body)
    if as_json:
        _emit(resume)
    else:
        sys.stdout.write(resume["id"] + "\n")


@resume_app.command("list")
def resume_list(
    api_url: ApiUrl = DEFAULT_API_URL, token: Token = None, as_json: JsonOut = False
) -> None:
    """Your résumés."""
    with _client(api_url, token) as client:
        resumes = client.get("/wallet/resumes")["resumes"]
    if as_json:
        _emit(resumes)
        return
    table = _table("id", "title", "created", "credentials", "entries")
    for r in resumes:
        table.add_row(
            r["id"],
            r["title"],
            r["createdAt"][:10],
            str(len(r["credentials"])),
            str(len(r["entries"])),
        )
    _print(table)


@resume_app.command("export")
def resume_export(
    resume_id: str,
    out: Annotated[Path | None, typer.Option("--out", help="Write the LER-RS JSON here.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the PDF here.")] = None,
    lang: Annotated[str, typer.Option(help="Language of the PDF: en or fr.")] = "en",
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
) -> None:
    """The résumé as LER-RS JSON (stdout, or --out) and as a PDF (--pdf)."""
    with _client(api_url, token) as client:
        document = client.get(f"/wallet/resumes/{segment(resume_id)}/ler-rs.json")
        data = None
        if pdf is not None:
            data = client.request(
                "GET", f"/wallet/resumes/{segment(resume_id)}/resume.pdf", params={"lang": lang}
            ).content
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        _write(out, text.encode("utf-8"))
    if pdf is not None and data is not None:
        _write(pdf, data)


@resume_app.command("sign")
def resume_sign(
    resume_id: str,
    challenge: Annotated[str | None, typer.Option(help="The verifier's challenge.")] = None,
    domain: Annotated[str | None, typer.Option(help="The verifier's domain.")] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
) -> None:
    """The résumé as a Verifiable Presentation signed with your key (printed as JSON)."""
    with _client(api_url, token) as client:
        vp = client.post(
            f"/wallet/resumes/{segment(resume_id)}/presentation",
            json={"challenge": challenge, "domain": domain},
        )
    _emit(vp)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
    app.add_typer(share_app, name="share")
    app.add_typer(consent_app, name="consent")
    app.add_typer(resume_app, name="resume")
