"""Commands that talk to a running lerkit server through its REST API (``/api/v1``).

    lerkit org show | update | members [add | role | remove]
    lerkit key list | rotate                 (``key generate`` stays offline, in main.py)
    lerkit api-key create | list | revoke
    lerkit achievement create | list | show | edit | archive
    lerkit issue ACHIEVEMENT --to RECIPIENT
    lerkit revoke | suspend | unsuspend CREDENTIAL... --reason R
    lerkit credential list | show            (``credential sign|verify`` stay offline)
    lerkit bulk upload | status | report

Each command parses its options, makes one or a few calls through
:class:`lerkit.cli.client.ApiClient` and prints the answer: tables for people, ``--json``
for scripts. Errors are the client's ``ApiError`` (one line, exit 2). Exit 1 means
"invalid": a bulk file with rows that cannot be issued, or a bulk job with failed rows.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from lerkit.cli.client import DEFAULT_API_URL, ApiClient, ApiError, segment
from lerkit.core.errors import InputError

EXIT_INVALID = 1

_out = Console(highlight=False, emoji=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

# ----------------------------------------------------------------------------- connection

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
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="LERKIT_API_KEY",
        help="An API key of your organization (prefer the environment variable: "
        "command-line arguments are visible to other users of the machine).",
        show_default=False,
        rich_help_panel=_CONNECTION,
    ),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer.")]
Limit = Annotated[int, typer.Option(min=1, max=500, help="At most this many.")]
Offset = Annotated[int, typer.Option(min=0, help="Skip this many.")]


@contextmanager
def _client(api_url: str, api_key: str | None) -> Iterator[ApiClient]:
    client = ApiClient.connect(api_url, api_key)
    try:
        yield client
    finally:
        client.close()


def _emit_json(value: Any) -> None:
    if isinstance(value, str):
        sys.stdout.write(value + "\n")
    else:
        sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _print_table(table: Table) -> None:
    if _out.is_terminal:
        _out.print(table)
    else:  # a pipe or a file: no terminal width to fold the columns into
        Console(file=sys.stdout, width=1000, highlight=False, emoji=False).print(table)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return escape(", ".join(map(str, value))) or "-"
    return escape(str(value))


def _when(value: Any) -> str:
    """An ISO time as ``YYYY-MM-DD HH:MM`` (UTC as the server sent it)."""
    if not isinstance(value, str):
        return "-"
    return value.replace("T", " ")[:16]


def _image(value: str | None) -> str | None:
    """``--image``: a URL as given, or a local image file embedded as a data: URL."""
    if value is None or value == "" or value.startswith(("http://", "https://", "data:")):
        return value
    path = Path(value)
    if not path.is_file():
        raise InputError(f"--image: {value!r} is neither an http(s) URL nor an image file")
    media_type = mimetypes.guess_type(path.name)[0] or ""
    if not media_type.startswith("image/"):
        raise InputError(f"--image: {path} is not an image (png, svg, jpeg, ...)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"--image: cannot read {path}: {exc.strerror or exc}") from exc
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _read_json_file(path: Path, option: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"{option}: cannot read {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{option}: {path} is not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise InputError(f"{option}: {path} must hold a JSON object")
    return value


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


# ----------------------------------------------------------------------------- organization

org_app = typer.Typer(help="Your organization on the server (API).", no_args_is_help=True)
members_app = typer.Typer(help="Members and their roles (API). Alone: list them.")
org_app.add_typer(members_app, name="members")


def _print_org(org: dict[str, Any]) -> None:
    profile = org.get("profile") or {}
    rows = [
        ("name", org.get("name")),
        ("slug", org.get("slug")),
        ("DID", org.get("did")),
        ("DID method", org.get("didMethod")),
        ("url", profile.get("url")),
        ("email", profile.get("email")),
        ("phone", profile.get("phone")),
        ("description", profile.get("description")),
    ]
    image = profile.get("image")
    if isinstance(image, dict):
        image = image.get("id")
    if isinstance(image, str):
        rows.append(("image", image if len(image) <= 100 else image[:60] + "…"))
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in rows:
        if value:
            table.add_row(label, _cell(value))
    _print_table(table)


@org_app.command("show")
def org_show(
    api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None, as_json: JsonOut = False
) -> None:
    """The organization, its DID and its OB 3.0 issuer profile."""
    with _client(api_url, api_key) as client:
        org = client.get("/organization")
    if as_json:
        _emit_json(org)
    else:
        _print_org(org)


@org_app.command("update")
def org_update(
    name: Annotated[str | None, typer.Option(help="The organization's name.")] = None,
    url: Annotated[str | None, typer.Option(help='Its web site ("" clears it).')] = None,
    email: Annotated[str | None, typer.Option(help='A contact email ("" clears it).')] = None,
    description: Annotated[str | None, typer.Option(help='"" clears it.')] = None,
    image: Annotated[
        str | None, typer.Option(help='A logo: an https URL or an image file ("" clears it).')
    ] = None,
    phone: Annotated[str | None, typer.Option(help='"" clears it.')] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Change the organization's name and issuer profile (admin)."""
    changes = {
        "name": name,
        "url": url,
        "email": email,
        "description": description,
        "image": _image(image),
        "phone": phone,
    }
    body = {k: v for k, v in changes.items() if v is not None}
    if not body:
        raise InputError("nothing to change: give --name, --url, --email, --description, ...")
    with _client(api_url, api_key) as client:
        org = client.patch("/organization", json=body)
    if as_json:
        _emit_json(org)
    else:
        _print_org(org)


Role = Annotated[str, typer.Argument(help="viewer, issuer, admin or owner")]


def _print_members(members: list[dict[str, Any]]) -> None:
    table = _table("email", "role", "since")
    for m in members:
        table.add_row(_cell(m.get("email")), _cell(m.get("role")), _when(m.get("createdAt")))
    _print_table(table)


def _members_client(ctx: typer.Context, api_url: str, api_key: str | None) -> Any:
    """The connection options given to ``members`` (``org members --api-key K add ...``)
    count for its subcommands too, unless they give their own."""
    parent = ctx.parent
    if parent is not None:
        source = ctx.get_parameter_source("api_url")  # typer may vendor its own click
        if getattr(source, "name", None) == "DEFAULT":
            api_url = parent.params.get("api_url", api_url)
        if api_key is None:
            api_key = parent.params.get("api_key")
    return _client(api_url, api_key)


@members_app.callback(invoke_without_command=True)
def members(
    ctx: typer.Context,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """List the members (with a subcommand: add, change or remove one)."""
    if ctx.invoked_subcommand is not None:
        return
    with _client(api_url, api_key) as client:
        found = client.get("/organization/members")
    if as_json:
        _emit_json(found)
    else:
        _print_members(found)


@members_app.command("add")
def members_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The member's email address.")],
    role: Annotated[str, typer.Option(help="viewer, issuer, admin or owner")],
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Add a member (admin)."""
    with _members_client(ctx, api_url, api_key) as client:
        member = client.post("/organization/members", json={"email": email, "role": role})
    _out.print(f"added {_cell(member.get('email'))} as {_cell(member.get('role'))}")


@members_app.command("role")
def members_role(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The member's email address.")],
    role: Role,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Change a member's role (admin)."""
    with _members_client(ctx, api_url, api_key) as client:
        member = client.patch(f"/organization/members/{segment(email)}", json={"role": role})
    _out.print(f"{_cell(member.get('email'))} is now {_cell(member.get('role'))}")


@members_app.command("remove")
def members_remove(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The member's email address.")],
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Remove a member (admin); their API keys stop working."""
    with _members_client(ctx, api_url, api_key) as client:
        client.delete(f"/organization/members/{segment(email)}")
    _out.print(f"removed {escape(email)}")


# ----------------------------------------------------------------------------- signing keys


def _print_signing_keys(keys: list[dict[str, Any]]) -> None:
    table = _table("key", "type", "status", "created", "retired", "live credentials")
    for k in keys:
        table.add_row(
            _cell(k.get("keyId")),
            _cell(k.get("type")),
            _cell(k.get("status")),
            _when(k.get("createdAt")),
            _when(k.get("retiredAt")),
            _cell(k.get("liveCredentials")),
        )
    _print_table(table)


def key_list(
    api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None, as_json: JsonOut = False
) -> None:
    """The organization's signing keys on the server, with their live credentials (API)."""
    with _client(api_url, api_key) as client:
        keys = client.get("/signing-keys")
    if as_json:
        _emit_json(keys)
    else:
        _print_signing_keys(keys)


def key_rotate(
    key_type: Annotated[str, typer.Option("--type", "-t", help="ed25519, p256 or p384")] = (
        "ed25519"
    ),
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Rotate the organization's signing key on the server (API; admin, did:web only).

    A new key signs from now on; the retired one stays in the DID document.
    """
    with _client(api_url, api_key) as client:
        key = client.post("/signing-keys/rotate", json={"keyType": key_type})
    if as_json:
        _emit_json(key)
        return
    _out.print(
        f"new signing key: {_cell(key.get('verificationMethod'))} ({_cell(key.get('type'))})"
    )
    _err.print("The retired key stays in the DID document: what it signed still verifies.")


# ----------------------------------------------------------------------------- API keys

api_key_app = typer.Typer(
    help="API keys of your organization (API; admin). The secret is shown once.",
    no_args_is_help=True,
)


def _expires(value: str | None) -> str | None:
    """``--expires``: a date (midnight UTC) or an ISO 8601 time (UTC unless it says)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"--expires must be a date like 2026-06-30 or a time like 2026-06-30T17:00:00Z, "
            f"got {value!r}"
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


@api_key_app.command("create")
def api_key_create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'LMS integration'.")],
    role: Annotated[str, typer.Option(help="viewer, issuer, admin or owner")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Limit the key to a scope (repeatable), e.g. credentials:issue."),
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="When it stops working: a date (UTC) or ISO 8601 time.")
    ] = None,
    member: Annotated[
        str | None, typer.Option(help="The member it acts for (email; default: you).")
    ] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Create an API key and print its secret, once (on stdout; the rest on stderr)."""
    body: dict[str, Any] = {"name": name, "role": role, "scopes": scope or []}
    if expires is not None:
        body["expiresAt"] = _expires(expires)
    if member is not None:
        body["memberEmail"] = member
    with _client(api_url, api_key) as client:
        created = client.post("/api-keys", json=body)
    if as_json:
        _emit_json(created)
        return
    scopes = ", ".join(created.get("scopes") or []) or "all of the role's"
    _err.print(
        f"API key {created.get('id')} ({created.get('name')}): role {created.get('role')}, "
        f"scopes {scopes}, expires {_when(created.get('expiresAt'))}",
        markup=False,
    )
    sys.stdout.write(f"{created['token']}\n")
    sys.stdout.flush()
    _err.print("This secret is shown once and cannot be shown again: store it now.")


@api_key_app.command("list")
def api_key_list(
    active: Annotated[bool, typer.Option("--active", help="Leave out revoked keys.")] = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """List the API keys (never their secrets)."""
    with _client(api_url, api_key) as client:
        keys = client.get("/api-keys", params={"includeRevoked": str(not active).lower()})
    if as_json:
        _emit_json(keys)
        return
    table = _table("id", "name", "role", "scopes", "created", "expires", "revoked", "last used")
    for k in keys:
        table.add_row(
            _cell(k.get("id")),
            _cell(k.get("name")),
            _cell(k.get("role")),
            _cell(k.get("scopes")),
            _when(k.get("createdAt")),
            _when(k.get("expiresAt")),
            _when(k.get("revokedAt")),
            _when(k.get("lastUsedAt")),
        )
    _print_table(table)


@api_key_app.command("revoke")
def api_key_revoke(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id (`api-key list`).")],
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Revoke an API key: it stops working at once."""
    with _client(api_url, api_key) as client:
        key = client.delete(f"/api-keys/{segment(key_id)}")
    _out.print(f"revoked API key {_cell(key.get('id'))} ({_cell(key.get('name'))})")


# ----------------------------------------------------------------------------- achievements

achievement_app = typer.Typer(
    help="Achievements (badge classes) your organization issues (API).", no_args_is_help=True
)

AchievementFile = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="A JSON object with the fields (options override it)."),
]
Name = Annotated[str | None, typer.Option(help="The achievement's name.")]
Description = Annotated[str | None, typer.Option(help="What it is.")]
Criteria = Annotated[str | None, typer.Option(help="How it is earned (a narrative).")]
CriteriaUrl = Annotated[str | None, typer.Option(help="A page describing the criteria.")]
Image = Annotated[str | None, typer.Option(help="An https URL or an image file.")]
Tag = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")]
Alignment = Annotated[
    list[str] | None,
    typer.Option(
        "--alignment",
        help='A skill it aligns to, "FRAMEWORK|CODE|URL|NAME" (URL, NAME required; repeatable).',
    ),
]
AchievementType = Annotated[
    str | None, typer.Option("--type", help="OB 3.0 achievementType, e.g. Certificate, Badge.")
]


def _alignment(value: str) -> dict[str, str]:
    parts = value.split("|")
    if len(parts) != 4:
        raise InputError(
            f'--alignment expects "FRAMEWORK|CODE|URL|NAME" (four parts, the first two may be '
            f"empty), got {value!r}"
        )
    framework, code, url, name = (p.strip() for p in parts)
    fields = {
        "targetFramework": framework,
        "targetCode": code,
        "targetUrl": url,
        "targetName": name,
    }
    return {k: v for k, v in fields.items() if v}


def _achievement_body(
    file: Path | None,
    name: str | None,
    description: str | None,
    criteria: str | None,
    criteria_url: str | None,
    image: str | None,
    tags: list[str] | None,
    alignments: list[str] | None,
    achievement_type: str | None,
) -> dict[str, Any]:
    body = _read_json_file(file, "--file") if file is not None else {}
    for key, value in (
        ("name", name),
        ("description", description),
        ("image", _image(image)),
        ("achievementType", achievement_type),
    ):
        if value is not None:
            body[key] = value
    if criteria is not None or criteria_url is not None:
        given = body.get("criteria")
        merged = dict(given) if isinstance(given, dict) else {}
        if criteria is not None:
            merged["narrative"] = criteria
        if criteria_url is not None:
            merged["url"] = criteria_url
        body["criteria"] = merged
    if tags:
        body["tags"] = list(tags)
    if alignments:
        body["alignments"] = [_alignment(a) for a in alignments]
    return body


def _print_achievement(a: dict[str, Any]) -> None:
    archived = " [archived]" if a.get("archived") else ""
    _out.print(f"{_cell(a.get('id'))}  version {a.get('version')}{archived}")
    _out.print(f"  {_cell(a.get('name'))}")
    _out.print(f"  url: {_cell(a.get('url'))}")


@achievement_app.command("create")
def achievement_create(
    file: AchievementFile = None,
    name: Name = None,
    description: Description = None,
    criteria: Criteria = None,
    criteria_url: CriteriaUrl = None,
    image: Image = None,
    tag: Tag = None,
    alignment: Alignment = None,
    achievement_type: AchievementType = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Define an achievement (name, description and criteria required); print its id."""
    body = _achievement_body(
        file, name, description, criteria, criteria_url, image, tag, alignment, achievement_type
    )
    with _client(api_url, api_key) as client:
        created = client.post("/achievements", json=body)
    if as_json:
        _emit_json(created)
    else:
        _print_achievement(created)


@achievement_app.command("list")
def achievement_list(
    archived: Annotated[bool, typer.Option("--archived", help="Include archived ones.")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """List the achievements."""
    params = {"includeArchived": str(archived).lower(), "limit": limit, "offset": offset}
    with _client(api_url, api_key) as client:
        page = client.get("/achievements", params=params)
    if as_json:
        _emit_json(page)
        return
    table = _table("id", "name", "version", "archived", "updated")
    for a in page.get("items", []):
        table.add_row(
            _cell(a.get("id")),
            _cell(a.get("name")),
            _cell(a.get("version")),
            "yes" if a.get("archived") else "",
            _when(a.get("updatedAt")),
        )
    _print_table(table)
    _page_note(page)


def _page_note(page: dict[str, Any]) -> None:
    items, total = len(page.get("items", [])), page.get("total", 0)
    offset = page.get("offset", 0)
    if isinstance(total, int) and total > offset + items:
        _err.print(f"{items} of {total} shown; --offset {offset + items} for more")


@achievement_app.command("show")
def achievement_show(
    achievement_id: Annotated[str, typer.Argument(metavar="ID")],
    version: Annotated[int | None, typer.Option(min=1, help="An earlier version.")] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Print an achievement (JSON): its current version, or --version N."""
    with _client(api_url, api_key) as client:
        found = client.get(f"/achievements/{segment(achievement_id)}", params={"version": version})
    _emit_json(found)


@achievement_app.command("edit")
def achievement_edit(
    achievement_id: Annotated[str, typer.Argument(metavar="ID")],
    file: AchievementFile = None,
    name: Name = None,
    description: Description = None,
    criteria: Criteria = None,
    criteria_url: CriteriaUrl = None,
    image: Image = None,
    tag: Tag = None,
    alignment: Alignment = None,
    achievement_type: AchievementType = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Change an achievement: a new version (issued credentials keep theirs).

    The fields given replace the current ones (--tag and --alignment the whole list).
    """
    body = _achievement_body(
        file, name, description, criteria, criteria_url, image, tag, alignment, achievement_type
    )
    if not body:
        raise InputError("nothing to change: give --name, --description, --criteria, ...")
    with _client(api_url, api_key) as client:
        if "criteria" in body and (criteria is None or criteria_url is None) and file is None:
            # --criteria alone keeps the criteria URL (and the other way round)
            current = client.get(f"/achievements/{segment(achievement_id)}")
            body["criteria"] = {**(current.get("criteria") or {}), **body["criteria"]}
        edited = client.patch(f"/achievements/{segment(achievement_id)}", json=body)
    if as_json:
        _emit_json(edited)
    else:
        _print_achievement(edited)


@achievement_app.command("archive")
def achievement_archive(
    achievement_id: Annotated[str, typer.Argument(metavar="ID")],
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Archive an achievement: it can no longer be issued (issued credentials stay valid)."""
    with _client(api_url, api_key) as client:
        archived = client.delete(f"/achievements/{segment(achievement_id)}")
    _out.print(f"archived {_cell(archived.get('id'))} ({_cell(archived.get('name'))})")


# ----------------------------------------------------------------------------- issuing

FORMATS = ("eddsa-rdfc-2022", "ed25519-signature-2020", "vc-jwt")
FORMAT_HELP = "eddsa-rdfc-2022 (default), ed25519-signature-2020 or vc-jwt"


def _recipient_type(recipient: str, did: bool, email: bool) -> str:
    if did and email:
        raise InputError("give --did or --email, not both")
    if did:
        return "did"
    if email:
        return "email"
    if recipient.startswith("did:"):
        return "did"
    if "@" in recipient:
        return "email"
    raise InputError(f"is {recipient!r} an email address or a DID? Say which with --email or --did")


def _results(pairs: list[str] | None) -> list[dict[str, str]] | None:
    if not pairs:
        return None
    results = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(
                f"--result expects KEY=VALUE (a result the achievement describes), got {pair!r}"
            )
        results.append({"resultDescription": key.strip(), "value": value})
    return results


def _document_text(document: Any) -> str:
    if isinstance(document, str):  # a VC-JWT
        return document + "\n"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def issue(
    achievement_id: Annotated[str, typer.Argument(metavar="ACHIEVEMENT_ID")],
    to: Annotated[str, typer.Option("--to", help="The recipient: an email address or a DID.")],
    did: Annotated[bool, typer.Option("--did", help="The recipient is a DID.")] = False,
    email: Annotated[bool, typer.Option("--email", help="The recipient is an email.")] = False,
    result: Annotated[
        list[str] | None,
        typer.Option(help="KEY=VALUE: a result the achievement describes (repeatable)."),
    ] = None,
    evidence: Annotated[
        list[str] | None, typer.Option(help="A URL of evidence (repeatable).")
    ] = None,
    credential_format: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = FORMATS[0],
    hashed: Annotated[
        bool, typer.Option("--hash/--no-hash", help="Put the recipient in hashed (salted).")
    ] = True,
    valid_until: Annotated[
        str | None, typer.Option(help="When the credential expires (ISO 8601).")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Makes a retry safe: the same key never issues twice.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the credential here.")
    ] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Issue an achievement to one recipient (API).

    With --out, the credential goes to the file and its id to stdout; without, the
    credential goes to stdout and its id to stderr.
    """
    if credential_format not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, got {credential_format!r}")
    body: dict[str, Any] = {
        "achievement": achievement_id,
        "recipient": to,
        "recipientType": _recipient_type(to, did, email),
        "hashed": hashed,
        "format": credential_format,
        "results": _results(result),
        "evidence": [{"id": url} for url in evidence] if evidence else None,
        "validUntil": valid_until,
        "idempotencyKey": idempotency_key,
    }
    body = {k: v for k, v in body.items() if v is not None}
    with _client(api_url, api_key) as client:
        issued = client.post("/credentials", json=body)
    credential_id = str(issued.get("id"))
    if out_file is not None:
        _write_text(out_file, _document_text(issued.get("credential")))
        _out.print(credential_id, markup=False)
        _err.print(f"wrote {out_file}", markup=False)
    else:
        sys.stdout.write(_document_text(issued.get("credential")))
        sys.stdout.flush()
        _err.print(f"issued {credential_id}", markup=False)


# ----------------------------------------------------------------------------- status changes

Ids = Annotated[list[str], typer.Argument(metavar="CREDENTIAL_ID...", help="Credential ids.")]


def _change_status(
    action: str, done: str, ids: list[str], reason: str | None, api_url: str, api_key: str | None
) -> None:
    body = {"reason": reason} if reason is not None else None
    with _client(api_url, api_key) as client:
        if len(ids) == 1:
            record = client.post(f"/credentials/{segment(ids[0])}/{action}", json=body)
            _out.print(f"{done} {record.get('id')} (status: {record.get('status')})", markup=False)
            return
        result = client.post(
            "/credentials/status-changes",
            json={"credentialIds": ids, "action": action, "reason": reason},
        )
    changed, unchanged = result.get("changed", []), result.get("unchanged", [])
    missing, refused = result.get("notFound", []), result.get("refused", {})
    for credential_id in changed:
        _out.print(f"{done} {credential_id}", markup=False)
    for credential_id in unchanged:
        _out.print(f"unchanged {credential_id} (already {done})", markup=False)
    for credential_id in missing:
        _err.print(f"not found: {credential_id}", markup=False)
    for credential_id, why in refused.items():
        _err.print(f"refused: {credential_id}: {why}", markup=False)
    if missing or refused:
        raise InputError(
            f"{len(missing) + len(refused)} of {len(ids)} credentials were not {done} "
            f"({len(missing)} not found, {len(refused)} refused)"
        )


ReasonRequired = Annotated[str, typer.Option(help="Why (kept in the audit log).")]


def revoke(
    ids: Ids, reason: ReasonRequired, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None
) -> None:
    """Revoke credentials for good (API): their status lists change at once."""
    _change_status("revoke", "revoked", ids, reason, api_url, api_key)


def suspend(
    ids: Ids, reason: ReasonRequired, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None
) -> None:
    """Suspend credentials (API); `lerkit unsuspend` lifts it."""
    _change_status("suspend", "suspended", ids, reason, api_url, api_key)


def unsuspend(
    ids: Ids,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Lift the suspension of credentials (API)."""
    _change_status("unsuspend", "unsuspended", ids, reason, api_url, api_key)


# ----------------------------------------------------------------------------- credentials


def credential_list(
    recipient: Annotated[str | None, typer.Option(help="Only this recipient's.")] = None,
    achievement: Annotated[str | None, typer.Option(help="Only this achievement's.")] = None,
    status: Annotated[str | None, typer.Option(help="active, revoked or suspended")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """List the credentials your organization issued, newest first (API)."""
    params = {
        "recipient": recipient,
        "achievement": achievement,
        "status": status,
        "limit": limit,
        "offset": offset,
    }
    with _client(api_url, api_key) as client:
        page = client.get("/credentials", params=params)
    if as_json:
        _emit_json(page)
        return
    table = _table("id", "achievement", "recipient", "status", "issued", "reason")
    for c in page.get("items", []):
        version = c.get("achievementVersion")
        achievement_cell = _cell(c.get("achievement")) + (f" v{version}" if version else "")
        table.add_row(
            _cell(c.get("id")),
            achievement_cell,
            _cell(c.get("recipient")),
            _cell(c.get("status")),
            _when(c.get("issuedAt")),
            _cell(c.get("statusReason")),
        )
    _print_table(table)
    _page_note(page)


def credential_show(
    credential_id: Annotated[str, typer.Argument(metavar="CREDENTIAL_ID")],
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the credential here.")
    ] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Print a credential your organization issued, as issued (API)."""
    with _client(api_url, api_key) as client:
        record = client.get(f"/credentials/{segment(credential_id)}")
    if as_json:
        _emit_json(record)
    elif out_file is not None:
        _write_text(out_file, _document_text(record.get("credential")))
        _err.print(f"wrote {out_file} (status: {record.get('status')})", markup=False)
    else:
        sys.stdout.write(_document_text(record.get("credential")))
        sys.stdout.flush()


# ----------------------------------------------------------------------------- bulk issuance

bulk_app = typer.Typer(help="Issue from a CSV or XLSX file (API).", no_args_is_help=True)

FINISHED = ("done", "failed", "unknown")


def _mapping(pairs: list[str] | None) -> dict[str, str] | None:
    """``--map COLUMN=FIELD`` -> the API's ``{field: column}`` (FIELD=COLUMN is understood
    too when it cannot be mistaken)."""
    if not pairs:
        return None
    from lerkit.services.bulk import FIELDS

    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, field_name = pair.rpartition("=")
        if not sep or not column or not field_name:
            raise InputError(f"--map expects COLUMN=FIELD, got {pair!r}")
        if field_name not in FIELDS and column in FIELDS:
            column, field_name = field_name, column
        if field_name not in FIELDS:
            raise InputError(
                f"--map {pair!r}: {field_name!r} is not a field; the fields are "
                + ", ".join(FIELDS)
            )
        mapping[field_name] = column
    return mapping


def _print_row_errors(errors: list[dict[str, Any]]) -> None:
    table = _table("row", "problem")
    for e in errors:
        table.add_row(_cell(e.get("row", "-")), _cell(e.get("message") or e.get("detail")))
    _print_table(table)


def _print_progress(job: dict[str, Any]) -> None:
    _out.print(
        f"job {job.get('id')}: {job.get('state')} — {job.get('processed')} of {job.get('total')} "
        f"rows: {job.get('issued')} issued, {job.get('skipped')} skipped, "
        f"{job.get('failed')} failed",
        markup=False,
    )
    if job.get("error"):
        _out.print(f"  error: {job['error']}", markup=False)


def _follow(client: ApiClient, job: dict[str, Any], interval: float) -> dict[str, Any]:
    """Poll the job until it is done (or failed), with a progress bar on stderr."""
    job_path = f"/bulk-jobs/{segment(str(job['id']))}"
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=_err, transient=False) as progress:
            task = progress.add_task("issuing", total=job.get("total") or None)
            while True:
                progress.update(
                    task,
                    completed=job.get("processed", 0),
                    total=job.get("total") or None,
                    description=f"issuing ({job.get('state')})",
                )
                if job.get("state") in FINISHED:
                    break
                time.sleep(interval)
                job = client.get(job_path)
    except KeyboardInterrupt:
        _err.print(
            f"the job goes on without you: `lerkit bulk status {job['id']} --wait`", markup=False
        )
        raise
    return job


def _finish(job: dict[str, Any]) -> None:
    _print_progress(job)
    _out.print(f"report: lerkit bulk report {job.get('id')} --out report.csv", markup=False)
    if job.get("state") != "done" or job.get("failed"):
        raise typer.Exit(EXIT_INVALID)


@bulk_app.command("upload")
def bulk_upload(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv or .xlsx file.")],
    achievement: Annotated[str, typer.Option(help="The achievement to issue (its id).")],
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=FIELD (repeatable). Fields: recipient_email, recipient_did, "
            "recipient_name, result, evidence_url, idempotency_key. Default: guessed "
            "from the headers.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; issue nothing.")
    ] = False,
    duplicates: Annotated[
        str,
        typer.Option(
            help="A recipient who already holds this achievement: skip, allow or replace."
        ),
    ] = "skip",
    credential_format: Annotated[str | None, typer.Option("--format", help=FORMAT_HELP)] = None,
    hashed: Annotated[
        bool, typer.Option("--hash/--no-hash", help="Put recipients in hashed (salted).")
    ] = True,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between progress checks.")] = 0.5,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """Issue an achievement to every row of a CSV or XLSX file (API).

    --dry-run checks every row and lists the problems. Otherwise the server issues in a
    background job, followed here with a progress bar. Exit 1 when rows are invalid or fail.
    """
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from exc
    media_type = "text/csv"
    if file.suffix.lower() == ".xlsx":
        media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    files = {"file": (file.name, content, media_type)}
    form: dict[str, str] = {"achievement": achievement}
    chosen = _mapping(mapping)
    if chosen is not None:
        form["mapping"] = json.dumps(chosen)
    with _client(api_url, api_key) as client:
        if dry_run:
            report = client.post("/bulk-jobs/dry-run", data=form, files=files)
            if as_json:
                _emit_json(report)
            else:
                _print_dry_run(report)
            if not report.get("ok"):
                raise typer.Exit(EXIT_INVALID)
            return
        form["duplicates"] = duplicates
        form["hashed"] = str(hashed).lower()
        if credential_format is not None:
            form["format"] = credential_format
        try:
            job = client.post("/bulk-jobs", data=form, files=files)
        except ApiError as exc:
            if exc.status == 422 and any("row" in e for e in exc.errors):
                _out.print(f"{file.name}: nothing issued — {exc.detail}", markup=False)
                _print_row_errors(exc.errors)
                raise typer.Exit(EXIT_INVALID) from exc
            raise
        _err.print(f"job {job['id']}: {job.get('total')} rows queued", markup=False)
        job = _follow(client, job, poll)
    if as_json:
        _emit_json(job)
        if job.get("state") != "done" or job.get("failed"):
            raise typer.Exit(EXIT_INVALID)
        return
    _finish(job)


def _print_dry_run(report: dict[str, Any]) -> None:
    _out.print(
        f"{report.get('fileName')}: {report.get('totalRows')} rows, "
        f"{report.get('validRows')} ready to issue",
        markup=False,
    )
    for field_name, column in (report.get("mapping") or {}).items():
        _out.print(f"  {field_name} <- column {column!r}", markup=False)
    errors = report.get("errors") or []
    if errors:
        _print_row_errors(errors)
    elif report.get("ok"):
        _out.print("no problems: run it again without --dry-run to issue")


@bulk_app.command("status")
def bulk_status(
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID")],
    wait: Annotated[bool, typer.Option("--wait", help="Follow it until it is done.")] = False,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between progress checks.")] = 0.5,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: JsonOut = False,
) -> None:
    """A bulk job's progress (exit 1 once it is over with failed rows)."""
    with _client(api_url, api_key) as client:
        job = client.get(f"/bulk-jobs/{segment(job_id)}")
        if wait:
            job = _follow(client, job, poll)
    if as_json:
        _emit_json(job)
    elif job.get("state") in FINISHED:
        _finish(job)
    else:
        _print_progress(job)


@bulk_app.command("report")
def bulk_report(
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID")],
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the CSV here (default: stdout).")
    ] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Download a bulk job's per-row report (CSV)."""
    with _client(api_url, api_key) as client:
        text = client.get_text(f"/bulk-jobs/{segment(job_id)}/report.csv")
    if out_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_text(out_file, text)
        _err.print(f"wrote {out_file}", markup=False)


# ----------------------------------------------------------------------------- registration


def register(app: typer.Typer, key_app: typer.Typer, credential_app: typer.Typer) -> None:
    """Add the API commands to the ``lerkit`` app; ``key list|rotate`` join ``key`` and
    ``credential list|show`` join ``credential`` (whose ``sign|verify`` work offline)."""
    key_app.command("list")(key_list)
    key_app.command("rotate")(key_rotate)
    credential_app.command("list")(credential_list)
    credential_app.command("show")(credential_show)
    app.add_typer(org_app, name="org")
    app.add_typer(api_key_app, name="api-key")
    app.add_typer(achievement_app, name="achievement")
    app.command("issue")(issue)
    app.command("revoke")(revoke)
    app.command("suspend")(suspend)
    app.command("unsuspend")(unsuspend)
    app.add_typer(bulk_app, name="bulk")


__all__ = ["register"]
