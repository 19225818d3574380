"""``lerkit wallet ...``: a holder's wallet on a lerkit server, through its API.

    lerkit wallet signup --email E          (prints a holder token: export LERKIT_WALLET_TOKEN)
    lerkit wallet login --email E [--code C]
    lerkit wallet import FILE|URL [--insist]
    lerkit wallet receive OFFER_URL [--tx-code PIN]   (openid-credential-offer:// or a
                                                       VC-API exchange / interaction URL)
    lerkit wallet list [--search Q] [--tag T] | show ID | verify ID
    lerkit wallet backup OUT | restore IN | export [--out FILE] | delete

Like the organization commands (``lerkit org`` ...), these talk to a running server
(``--api-url`` / ``LERKIT_API_URL``) with a holder token (``--token`` /
``LERKIT_WALLET_TOKEN``). Passwords and passphrases are asked for without echo (or read
from ``LERKIT_WALLET_PASSWORD`` / ``LERKIT_WALLET_PASSPHRASE``), never taken as arguments.
Exit codes: 0 ok; ``verify``: 1 invalid, 3 indeterminate; 2 for any refusal (one line).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lerkit.cli.client import API_PREFIX, DEFAULT_API_URL, TIMEOUT, ApiClient, _check_url, segment
from lerkit.core.errors import InputError

EXIT_INVALID, EXIT_INDETERMINATE = 1, 3
_out = Console(highlight=False, emoji=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

wallet_app = typer.Typer(
    help="Your wallet on a lerkit server: sign up, receive, keep, back up (API).",
    no_args_is_help=True,
)

_CONNECTION = "Connection"
ApiUrl = Annotated[
    str,
    typer.Option(
        "--api-url", envvar="LERKIT_API_URL", help="Base URL of the lerkit server.",
        rich_help_panel=_CONNECTION,
    ),
]  # fmt: skip
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


def _client(api_url: str, token: str | None) -> ApiClient:
    if not token:
        raise InputError(
            "no holder token: pass --token or set LERKIT_WALLET_TOKEN (`lerkit wallet login` "
            "prints one)"
        )
    return ApiClient.connect(api_url, token)


def _anonymous(api_url: str) -> ApiClient:
    base = _check_url(api_url)
    http = httpx.Client(
        base_url=base + API_PREFIX,
        headers={"Accept": "application/json"},
        timeout=TIMEOUT,
        follow_redirects=False,
    )
    return ApiClient(base, http)


def _secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InputError(f"{prompt}: set {env} (no terminal to ask on)")
    answer: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return answer


def _emit(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


_VERDICT = {
    "valid": "verified",
    "invalid": "DOES NOT VERIFY",
    "indeterminate": "could not be fully checked",
}


def _print_credentials(items: list[dict[str, Any]]) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("ID", "NAME", "ISSUER", "VERDICT", "FORMAT", "TAGS"):
        table.add_column(column, overflow="fold")
    for c in items:
        summary = c.get("summary") or {}
        issuer = summary.get("issuer") or {}
        name = issuer.get("name") or issuer.get("id") or ""
        if issuer.get("nameClaimed"):
            name += " (claimed)"
        table.add_row(
            escape(c["id"]),
            escape(str(summary.get("name") or "")),
            escape(name),
            escape(_VERDICT.get(c["verdict"], c["verdict"])),
            escape(c["format"]),
            escape(", ".join(c.get("tags") or [])),
        )
    _out.print(table)


def _print_credential(c: dict[str, Any]) -> None:
    summary = c.get("summary") or {}
    issuer = summary.get("issuer") or {}
    _out.print(f"[bold]{escape(str(summary.get('name') or c['id']))}[/bold]")
    _out.print(f"id:        {escape(c['id'])}")
    _out.print(f"verdict:   {escape(_VERDICT.get(c['verdict'], c['verdict']))}")
    claimed = " (name as claimed, not verified)" if issuer.get("nameClaimed") else ""
    issuer_name = escape(str(issuer.get("name") or ""))
    _out.print(f"issuer:    {issuer_name} {escape(str(issuer.get('id') or ''))}{claimed}")
    for label, key in (
        ("valid from", "validFrom"),
        ("valid until", "validUntil"),
        ("holder", "subject_id"),
    ):
        if summary.get(key):
            _out.print(f"{label + ':':<10} {escape(str(summary[key]))}")
    _out.print(f"format:    {escape(c['format'])}  (source: {escape(c['source'])})")
    for skill in summary.get("skills") or []:
        _out.print(f"skill:     {escape(str(skill.get('targetName') or skill.get('targetUrl')))}")
    if c.get("keptInvalid"):
        _out.print("[bold]kept although it does not verify[/bold]")
    for check in (c.get("report") or {}).get("checks", []):
        code = f" [{check['code']}]" if check.get("code") else ""
        status, name = escape(check["status"]), escape(check["check"])
        _out.print(f"  {status:<16} {name:<10} {escape(check['message'])}{escape(code)}")


def _exit_for(verdict: str) -> None:
    if verdict == "invalid":
        raise typer.Exit(EXIT_INVALID)
    if verdict == "indeterminate":
        raise typer.Exit(EXIT_INDETERMINATE)


# ----------------------------------------------------------------------------- accounts


@wallet_app.command("signup")
def signup(
    email: Annotated[str, typer.Option(help="Your email address (your sign-in).")],
    api_url: ApiUrl = DEFAULT_API_URL,
    name: Annotated[str, typer.Option(help="Your name.")] = "",
    lang: Annotated[str, typer.Option(help="en or fr.")] = "en",
    as_json: JsonOut = False,
) -> None:
    """Create a wallet account; prints a holder token (valid 30 days)."""
    password = _secret("LERKIT_WALLET_PASSWORD", "Password (at least 10 characters)", confirm=True)
    with _anonymous(api_url) as client:
        body = client.post(
            "/wallet/signup",
            json={"email": email, "password": password, "display_name": name, "lang": lang},
        )
    _print_token(body, as_json)


def _print_token(body: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _emit(body)
        return
    _err.print(
        f"Signed in as {escape(body['holder']['email'])} ({escape(str(body['holder']['did']))})."
    )
    _err.print("Your holder token (shown once; keep it secret): export LERKIT_WALLET_TOKEN=...")
    sys.stdout.write(body["token"] + "\n")


@wallet_app.command("login")
def login(
    email: Annotated[str, typer.Option(help="Your email address.")],
    api_url: ApiUrl = DEFAULT_API_URL,
    code: Annotated[
        str | None, typer.Option(help="Your authenticator (TOTP) or recovery code.")
    ] = None,
    as_json: JsonOut = False,
) -> None:
    """Sign in; prints a new holder token (valid 30 days)."""
    password = _secret("LERKIT_WALLET_PASSWORD", "Password")
    with _anonymous(api_url) as client:
        body = client.post(
            "/wallet/login",
            json={"email": email, "password": password, "code": code, "token_name": "cli"},
        )
    _print_token(body, as_json)


# ----------------------------------------------------------------------------- receiving


@wallet_app.command("import")
def import_(
    source: Annotated[
        str, typer.Argument(help="A file (JSON, JWT, SD-JWT, baked PNG/SVG) or an https URL.")
    ],
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    insist: Annotated[
        bool, typer.Option(help="Keep it even if it does not verify (marked invalid).")
    ] = False,
    as_json: JsonOut = False,
) -> None:
    """Import a credential; it is verified on arrival and its report kept."""
    with _client(api_url, token) as client:
        if source.startswith(("https://", "http://")):
            stored = client.post(
                "/wallet/credentials/import-url", json={"url": source, "insist": insist}
            )
        else:
            path = Path(source)
            if not path.is_file():
                raise InputError(f"{source}: no such file")
            data = path.read_bytes()
            stored = client.post(
                "/wallet/credentials/import",
                files={"file": (path.name, data, "application/octet-stream")},
                data={"insist": "true"} if insist else None,
            )
    if as_json:
        _emit(stored)
    else:
        _print_credential(stored)


@wallet_app.command("receive")
def receive(
    offer: Annotated[
        str,
        typer.Argument(
            help="An openid-credential-offer:// URL, or a VC-API exchange or interaction URL."
        ),
    ],
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    tx_code: Annotated[
        str | None,
        typer.Option("--tx-code", help="The transaction code (PIN) the issuer sent you."),
    ] = None,
    insist: Annotated[bool, typer.Option(help="Keep them even if they do not verify.")] = False,
    as_json: JsonOut = False,
) -> None:
    """Receive credentials from an issuer (OpenID4VCI offer or VC-API exchange)."""
    with _client(api_url, token) as client:
        if offer.startswith(("https://", "http://")) and (
            "/exchanges/" in offer or "/interactions/" in offer
        ):
            body = client.post("/wallet/receive/exchange", json={"url": offer, "insist": insist})
        else:
            body = client.post(
                "/wallet/receive/oid4vci",
                json={"offer": offer, "txCode": tx_code, "insist": insist},
            )
    if as_json:
        _emit(body)
        return
    _print_credentials(body["credentials"])


# ----------------------------------------------------------------------------- keeping


@wallet_app.command("list")
def list_(
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    search: Annotated[
        str | None, typer.Option(help="Words to find (name, issuer, skills...).")
    ] = None,
    tag: Annotated[str | None, typer.Option(help="Only credentials with this tag.")] = None,
    as_json: JsonOut = False,
) -> None:
    """Your credentials."""
    with _client(api_url, token) as client:
        body = client.get("/wallet/credentials", params={"q": search, "tag": tag, "limit": 500})
    if as_json:
        _emit(body)
        return
    _print_credentials(body["credentials"])
    _err.print(f"{body['total']} credential(s)")


@wallet_app.command("show")
def show(
    credential_id: Annotated[str, typer.Argument(metavar="ID")],
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    as_json: JsonOut = False,
) -> None:
    """One credential with its verification report (--json: with the document)."""
    with _client(api_url, token) as client:
        body = client.get(f"/wallet/credentials/{segment(credential_id)}")
    if as_json:
        _emit(body)
    else:
        _print_credential(body)


@wallet_app.command("verify")
def verify(
    credential_id: Annotated[str, typer.Argument(metavar="ID")],
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    as_json: JsonOut = False,
) -> None:
    """Verify a credential again (status can change): exit 0 valid, 1 invalid, 3 not fully
    checked."""
    with _client(api_url, token) as client:
        body = client.post(f"/wallet/credentials/{segment(credential_id)}/verify")
    if as_json:
        _emit(body)
    else:
        _print_credential(body)
    _exit_for(body["verdict"])


# ----------------------------------------------------------------------------- backups


@wallet_app.command("backup")
def backup(
    out: Annotated[Path, typer.Argument(help="The archive to write (e.g. wallet.lwb).")],
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    force: Annotated[bool, typer.Option(help="Overwrite OUT.")] = False,
) -> None:
    """Write an encrypted backup of your whole wallet (keys included)."""
    if out.exists() and not force:
        raise InputError(f"{out} exists (use --force to overwrite)")
    passphrase = _secret(
        "LERKIT_WALLET_PASSPHRASE", "Backup passphrase (at least 10 characters)", confirm=True
    )
    with _client(api_url, token) as client:
        archive = client.request("POST", "/wallet/backup", json={"passphrase": passphrase}).content
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(archive)
    _err.print(
        f"wrote {out} ({len(archive)} bytes); keep the passphrase: "
        "without it the backup cannot be opened"
    )


@wallet_app.command("restore")
def restore(
    archive: Annotated[Path, typer.Argument(help="A backup archive (lerkit wallet backup).")],
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    as_json: JsonOut = False,
) -> None:
    """Restore a backup into the account you are signed in to."""
    if not archive.is_file():
        raise InputError(f"{archive}: no such file")
    passphrase = _secret("LERKIT_WALLET_PASSPHRASE", "Backup passphrase")
    with _client(api_url, token) as client:
        body = client.post(
            "/wallet/restore",
            files={"file": (archive.name, archive.read_bytes(), "application/json")},
            data={"passphrase": passphrase},
        )
    if as_json:
        _emit(body)
        return
    counts = body["restored"]
    _out.print(", ".join(f"{n} {what}" for what, n in counts.items()) + " restored")


@wallet_app.command("export")
def export(
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Everything the server keeps about you, as JSON (secrets left out)."""
    with _client(api_url, token) as client:
        body = client.get("/wallet/export")
    text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, "utf-8")
        _err.print(f"wrote {out}")


@wallet_app.command("delete")
def delete(
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Token = None,
    code: Annotated[
        str | None, typer.Option(help="Your authenticator code, if you enrolled one.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase your account and everything in it, for good (your password again)."""
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("deleting the account needs --yes (no terminal to confirm on)")
        typer.confirm("Erase your wallet and all its credentials for good?", abort=True)
    password = _secret("LERKIT_WALLET_PASSWORD", "Password")
    with _client(api_url, token) as client:
        client.post("/wallet/account/delete", json={"password": password, "code": code})
    _err.print("your account and all its data are erased")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
    from lerkit.cli.areas.oid4vp import present_command

    # the holder's side of OpenID4VP, where a holder looks for it (same as `oid4vp present`)
    wallet_app.command(
        "present",
        help="Answer an OpenID4VP request from your wallet, after showing what it would "
        "disclose (the same as `lerkit oid4vp present`).",
    )(present_command)
    app.add_typer(wallet_app, name="wallet")
