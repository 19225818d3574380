"""Commands of OpenID4VP: presentation requests, request objects, direct_post; the wallet's answers
(issues 5, 6).

Organization side, through the REST API like the other organization commands
(``--api-url``/``LERKIT_API_URL``, ``--api-key``/``LERKIT_API_KEY``):

- ``lerkit oid4vp request --template ob3-skill --skill S [--trusted-issuer DID]...``,
  ``--template sd-jwt-vc --vct V --claim C...``, ``--template vc-type --type T``, or
  ``--dcql FILE`` (``-`` for stdin) [``--purpose P``] [``--expires-in SECONDS``]: makes a
  presentation request and prints its ``openid4vp://`` link and a QR code (``--json``:
  the API's answer);
- ``lerkit oid4vp show ID [--wait SECONDS]``: its status (pending, verified, rejected,
  expired), the verified claims and each presentation's verdict; exit 0 verified, 1
  rejected, 3 still pending or expired;
- ``lerkit oid4vp list [--status S]``.

Holder side, with a holder token (``--token`` / ``LERKIT_WALLET_TOKEN``, as ``lerkit
wallet``): ``lerkit oid4vp present OPENID4VP_URL [--yes | --decline]`` opens the request in
the wallet, shows who asks, why, and exactly what each credential would disclose, and
answers only after you confirm (``--yes`` confirms without asking; ``--decline`` refuses).
Exit 0 shared or declined, 1 the verifier did not accept it, 2 nothing can answer it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import segno
import typer

from lerkit.cli.api_commands import (
    ApiKey,
    ApiUrl,
    JsonOut,
    _cell,
    _client,
    _emit_json,
    _err,
    _out,
    _print_table,
    _table,
    _when,
)
from lerkit.cli.client import DEFAULT_API_URL, segment
from lerkit.core.errors import InputError
from lerkit.core.jsonvalue import parse_json

EXIT_VERIFIED, EXIT_REJECTED, EXIT_PENDING = 0, 1, 3
oid4vp_app = typer.Typer(
    help="OpenID4VP presentation requests (your organization as verifier).",
    no_args_is_help=True,
)


def _read_dcql(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--dcql: cannot read {source}: {exc}") from exc
    value = parse_json(text)
    if not isinstance(value, dict):
        raise InputError("--dcql: the file must hold a DCQL query (a JSON object)")
    return value


@oid4vp_app.command("request")
def request_command(
    template: Annotated[
        str | None,
        typer.Option(help="ob3-skill, sd-jwt-vc or vc-type (or give --dcql)."),
    ] = None,
    dcql: Annotated[
        str | None, typer.Option("--dcql", help="A DCQL query file (- for stdin).")
    ] = None,
    skill: Annotated[str | None, typer.Option(help="ob3-skill: the skill (URL or name).")] = None,
    trusted_issuer: Annotated[
        list[str] | None,
        typer.Option("--trusted-issuer", help="Accept only this issuer DID (repeatable)."),
    ] = None,
    vct: Annotated[str | None, typer.Option(help="sd-jwt-vc: the credential type (vct).")] = None,
    claim: Annotated[
        list[str] | None,
        typer.Option("--claim", help="sd-jwt-vc: a claim to disclose (repeatable)."),
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", help="vc-type: the VC type.")] = None,
    purpose: Annotated[str | None, typer.Option(help="Why you ask (shown to the holder).")] = None,
    expires_in: Annotated[int, typer.Option(min=60, max=7 * 24 * 3600)] = 600,
    qr: Annotated[bool, typer.Option(help="Print the QR code in the terminal.")] = True,
    as_json: JsonOut = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Make a presentation request; print its openid4vp:// link and QR code."""
    if (template is None) == (dcql is None):
        raise InputError("give either --template or --dcql")
    body: dict[str, Any] = {"expiresIn": expires_in}
    if dcql is not None:
        body["dcql"] = _read_dcql(dcql)
    else:
        body["template"] = template
        for name, value in (("skill", skill), ("vct", vct), ("type", type_)):
            if value is not None:
                body[name] = value
        if claim:
            body["claims"] = claim
    if trusted_issuer:
        body["trustedIssuers"] = trusted_issuer
    if purpose is not None:
        body["purpose"] = purpose
    with _client(api_url, api_key) as client:
        made = client.post("/presentation-requests", json=body)
    if as_json:
        _emit_json(made)
        return
    _out.print(f"request {made['id']} ({made['purpose']}), until {_when(made['expiresAt'])}")
    _out.print(made["link"], markup=False)
    if qr:
        segno.make(made["link"], error="m").terminal(out=sys.stdout, compact=True)
    _out.print(f"follow it with: lerkit oid4vp show {made['id']} --wait 300", markup=False)


def _summary(request: dict[str, Any]) -> None:
    _out.print(f"{request['id']}: {request['status']} — {_cell(request['purpose'])}")
    error = request.get("error")
    if error:
        _out.print(f"  {error['code']}: {_cell(error['message'])}")
    for query_id, entries in (request.get("claims") or {}).items():
        for entry in entries:
            issuer = entry.get("issuer") or "?"
            _out.print(f"  {query_id}: {entry.get('format')} from {_cell(issuer)}")
            for claim, values in (entry.get("claims") or {}).items():
                shown = ", ".join(v if isinstance(v, str) else json.dumps(v) for v in values)
                _out.print(f"    {_cell(claim)}: {_cell(shown)}")
            trust = entry.get("trust")
            if isinstance(trust, dict):
                _out.print(f"    trust: {_cell(trust.get('message'))}")
    for report in request.get("reports") or []:
        verdict = report.get("verdict") or ("valid" if report.get("verified") else "invalid")
        _out.print(f"  presentation {report.get('query')}[{report.get('index')}]: {verdict}")


@oid4vp_app.command("show")
def show_command(
    request_id: Annotated[str, typer.Argument(help="The request's id.")],
    wait: Annotated[
        int, typer.Option(min=0, max=3600, help="Wait up to this many seconds for an answer.")
    ] = 0,
    as_json: JsonOut = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> int:
    """A request's status and verified claims: exit 0 verified, 1 rejected, 3 unanswered."""
    deadline = time.monotonic() + wait
    with _client(api_url, api_key) as client:
        while True:
            request = client.get(f"/presentation-requests/{segment(request_id)}")
            if request["status"] != "pending" or time.monotonic() >= deadline:
                break
            time.sleep(1.0)
    if as_json:
        _emit_json(request)
    else:
        _summary(request)
    if request["status"] == "verified":
        return EXIT_VERIFIED
    if request["status"] == "rejected":
        return EXIT_REJECTED
    if not as_json:
        _err.print("no answer yet", markup=False)
    return EXIT_PENDING


def _show_request(opened: dict[str, Any]) -> None:
    verifier = opened["verifier"]
    who = verifier.get("name") or verifier["clientId"]
    _out.print(f"{_cell(who)} asks for credentials from your wallet.")
    if verifier.get("did"):
        _out.print(
            f"  signed by {_cell(verifier['did'])} (client id {_cell(verifier['clientId'])})"
        )
    else:
        _out.print("  the request is NOT signed: who sent it cannot be confirmed")
    _out.print(f"  why: {_cell(opened.get('purpose'))}")
    for query_id, items in (opened.get("matches") or {}).items():
        if not items:
            _out.print(f"  {query_id}: none of your credentials fits")
            continue
        item = items[0]
        _out.print(f"  {query_id}: {_cell(item['name'])} ({item['format']}), would disclose:")
        if item.get("wholeCredential"):
            _out.print("    the WHOLE credential (it cannot disclose fields separately), including")
        for claim in item.get("claims") or []:
            value = claim["value"]
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            _out.print(f"    {_cell(claim['pointer'])}: {_cell(shown)}")


@oid4vp_app.command("present")
def present_command(
    url: Annotated[str, typer.Argument(help="The openid4vp:// link (from a QR code).")],
    yes: Annotated[bool, typer.Option("--yes", help="Share without asking.")] = False,
    decline: Annotated[bool, typer.Option("--decline", help="Refuse the request.")] = False,
    as_json: JsonOut = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="LERKIT_WALLET_TOKEN",
            help="Your holder token (lw_...; prefer the environment variable).",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Answer an OpenID4VP request from your wallet, after showing what it would disclose."""
    if yes and decline:
        raise InputError("give --yes or --decline, not both")
    if not token:
        raise InputError("no holder token: pass --token or set LERKIT_WALLET_TOKEN")
    with _client(api_url, token) as client:
        opened = client.post("/wallet/oid4vp/requests", json={"url": url})
        if not as_json:
            _show_request(opened)
        path = f"/wallet/oid4vp/requests/{segment(opened['id'])}"
        if decline:
            answer = client.post(f"{path}/decline", json=None)
        else:
            if not opened.get("satisfiable"):
                raise InputError("none of your credentials can answer this request; nothing sent")
            if not yes:
                if not sys.stdin.isatty():
                    raise InputError("pass --yes to share (no terminal to ask on)")
                if not typer.confirm("Share this?", default=False):
                    answer = client.post(f"{path}/decline", json=None)
                    _out.print("declined: nothing was shared")
                    return EXIT_VERIFIED
            answer = client.post(f"{path}/respond", json={})
    if as_json:
        _emit_json(answer)
    else:
        verdict = answer.get("verifierAnswer") or {}
        _out.print(f"{answer['status']} (the verifier answered HTTP {verdict.get('status')})")
    return EXIT_VERIFIED if answer["status"] in ("shared", "declined") else EXIT_REJECTED


@oid4vp_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="pending, verified or rejected.")] = None,
    as_json: JsonOut = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """The organization's presentation requests, newest first."""
    params = {"status": status} if status else None
    with _client(api_url, api_key) as client:
        requests = client.get("/presentation-requests", params=params)
    if as_json:
        _emit_json(requests)
        return
    table = _table("id", "status", "purpose", "created", "answered")
    for r in requests:
        table.add_row(
            r["id"],
            r["status"],
            _cell(r["purpose"]),
            _when(r["createdAt"]),
            _when(r["respondedAt"]),
        )
    _print_table(table)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
    app.add_typer(oid4vp_app, name="oid4vp")
