"""``lerkit demo``: a ready-to-try issuer, served (``make run``).

    lerkit demo [--host 127.0.0.1] [--port 8000] [--no-serve]

1. Migrates the database (the SQLite file under ``LERKIT_DATA_DIR``, default ``./data``, or
   ``LERKIT_DATABASE_URL``).
2. Loads the demo data, idempotently (running it again adds nothing): the organization
   "Example Institute of Technology" with a did:web issuer identity, three achievements
   aligned to ESCO skills, four issued credentials (one revoked), and an owner API key
   written to ``$LERKIT_DATA_DIR/demo-api-key.txt`` (mode 0600: the key is shown once).
3. Prints where to look: the URLs, the API key file, and curl commands to issue a badge to
   an email address, verify it, revoke it and watch the status list change.
4. Serves the API on ``http://<host>:<port>`` until Ctrl-C (not with ``--no-serve``).

The public URL defaults to ``http://localhost:<port>`` (not 127.0.0.1, which cannot carry a
did:web): the organization's DID is ``did:web:localhost%3A<port>:orgs:<slug>``, and the
verifier reads this instance's own DID documents and status lists from the database, so
the demo's credentials verify offline. Set ``LERKIT_PUBLIC_URL`` to choose another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from lerkit.config import Settings, SettingsError
from lerkit.core.errors import InputError

_out = Console(highlight=False, emoji=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

ORG_NAME = "Example Institute of Technology"
ORG_SLUG = "example-institute-of-technology"
OWNER_EMAIL = "registrar@example.edu"
KEY_FILE = "demo-api-key.txt"
ACTOR_LABEL = "cli:demo"

ESCO = "http://data.europa.eu/esco/skill/"


def _esco(uuid: str, name: str) -> dict[str, str]:
    """An alignment to an ESCO v1.2 skill (the URI is the concept's persistent identifier)."""
    return {
        "targetName": name,
        "targetUrl": ESCO + uuid,
        "targetCode": uuid,
        "targetFramework": "ESCO v1.2",
        "targetType": "ceasn:Competency",
    }


ACHIEVEMENTS: tuple[dict[str, Any], ...] = (
    {
        "name": "Data Analysis Fundamentals",
        "description": (
            "Collects, cleans and analyses tabular data with statistical techniques and "
            "spreadsheets, and turns the results into decisions."
        ),
        "criteria": {
            "narrative": (
                "Passed the 40-hour course: three graded lab reports and a final project "
                "analysing a public data set, graded A to C."
            )
        },
        "achievementType": "Course",
        "tags": ["data", "statistics"],
        "alignments": [
            _esco("382c11ed-20d5-4ae7-b60e-15fec527fa6c", "apply statistical analysis techniques"),
            _esco("1973c966-f236-40c9-b2d4-5d71a89019be", "use spreadsheets software"),
            _esco("be20d05c-f6b4-4580-9fcf-f00f4baab562", "make data-driven decisions"),
        ],
        "resultDescriptions": [
            {
                "key": "final-grade",
                "name": "Final project grade",
                "resultType": "LetterGrade",
                "allowedValues": ["A", "B", "C"],
                "requiredValue": "C",
            }
        ],
    },
    {
        "name": "Python Programming",
        "description": (
            "Writes, tests and debugs Python programs, and applies them to a small "
            "machine-learning task."
        ),
        "criteria": {
            "narrative": "Completed twelve programming exercises and a tested capstone project."
        },
        "achievementType": "Course",
        "tags": ["programming", "python"],
        "alignments": [
            _esco("ccd0a1d9-afda-43d9-b901-96344886e14d", "Python (computer programming)"),
            _esco("21d2f96d-35f7-4e3f-9745-c533d2dd6e97", "computer programming"),
            _esco("3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43", "machine learning"),
        ],
    },
    {
        "name": "Team Project Leadership",
        "description": "Led a student team of four to six through a semester-long project.",
        "criteria": {
            "narrative": (
                "Led the team, ran its weekly meetings and presented the result; assessed by "
                "the supervisor and by peer review."
            )
        },
        "achievementType": "Competency",
        "tags": ["leadership", "teamwork"],
        "alignments": [
            _esco("1f1d2ff8-c4c1-45cc-9812-6a7ee84a73cb", "lead a team"),
            _esco("c3687b34-fe53-4db2-ad1b-5055a6c5b6fd", "organise project meetings"),
            _esco("15d76317-c71a-4fa2-aadc-2ecc34e627b7", "communication"),
        ],
    },
)


@dataclass(frozen=True)
class DemoIssue:
    key: str  # idempotency key: what makes re-running the demo issue nothing twice
    achievement: str  # name, one of ACHIEVEMENTS
    recipient: str
    results: tuple[Mapping[str, Any], ...] = ()
    revoke_reason: str | None = None


CREDENTIALS: tuple[DemoIssue, ...] = (
    DemoIssue(
        "demo-1",
        "Data Analysis Fundamentals",
        "ada.lovelace@example.org",
        ({"resultDescription": "final-grade", "value": "A"},),
    ),
    DemoIssue("demo-2", "Python Programming", "grace.hopper@example.org"),
    DemoIssue("demo-3", "Team Project Leadership", "alan.turing@example.org"),
    DemoIssue(
        "demo-4",
        "Data Analysis Fundamentals",
        "katherine.johnson@example.org",
        ({"resultDescription": "final-grade", "value": "B"},),
        revoke_reason="issued in error: wrong cohort",
    ),
)


@dataclass
class DemoState:
    """What the demo loaded (and what it added this time)."""

    public_url: str
    org_name: str
    slug: str
    did: str
    key_file: Path
    achievements: dict[str, str] = field(default_factory=dict)  # name -> public id
    credentials: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (credential id, recipient, achievement name, status)
    added: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _did_web_possible(public_url: str) -> bool:
    from lerkit.services.errors import ValidationError
    from lerkit.services.identity import instance_did

    try:
        instance_did(public_url)
    except ValidationError:
        return False
    return True


def _write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_demo(settings: Settings) -> DemoState:
    """Migrate the database and load the demo data; idempotent."""
    from lerkit.bootstrap import build_services
    from lerkit.db.migrate import upgrade
    from lerkit.services.access import as_utc
    from lerkit.services.context import Actor
    from lerkit.services.errors import AuthenticationError, NotFoundError
    from lerkit.services.identity import organization_did_web

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    services = build_services(settings)
    key_file = settings.data_dir / KEY_FILE
    try:
        new_token: str | None = None
        with services.database.session() as session:
            try:
                org = services.organizations.get_by_slug(session, ORG_SLUG)
                created = False
            except NotFoundError:
                method = "web" if _did_web_possible(settings.public_url) else "key"
                org = services.organizations.create(
                    session,
                    name=ORG_NAME,
                    slug=ORG_SLUG,
                    did_method=method,
                    owner_email=OWNER_EMAIL,
                    profile={
                        "url": "https://www.example.edu",
                        "email": OWNER_EMAIL,
                        "description": "A fictional institute that lerkit's demo issues as.",
                    },
                    created_by=ACTOR_LABEL,
                )
                created = True
            actor = Actor(organization_id=org.id, role="owner", label=ACTOR_LABEL)
            state = DemoState(settings.public_url, org.name, org.slug, org.did, key_file)
            if created:
                state.added.append(f"organization {org.name} ({org.did})")
            elif org.did_method == "web" and org.did != organization_did_web(
                settings.public_url, org.slug
            ):
                state.warnings.append(
                    f"the demo organization was created as {org.did}, not under "
                    f"{settings.public_url}: its credentials verify only when served there. "
                    f"Remove {settings.data_dir} to start afresh."
                )
            # the API key: reuse the one in the file if it still works, else make a new one
            valid = False
            if key_file.is_file():
                token = key_file.read_text().strip()
                try:
                    found = services.api_keys.authenticate(session, token)
                    valid = found.organization_id == org.id
                except AuthenticationError:
                    valid = False
            if not valid:
                made = services.api_keys.create_initial(
                    session, actor, name="demo (owner)", member_email=OWNER_EMAIL
                )
                new_token = made.token
        if new_token is not None:  # committed: now it may be written down
            _write_secret(key_file, new_token + "\n")
            state.added.append(f"an owner API key, in {key_file}")

        existing = {
            record.to_json()["name"]: record.to_json()["id"]
            for record in services.achievements.list(actor, limit=500, offset=0).items
        }
        for data in ACHIEVEMENTS:
            name = data["name"]
            if name not in existing:
                existing[name] = services.achievements.create(actor, data).to_json()["id"]
                state.added.append(f"achievement {name}")
            state.achievements[name] = existing[name]

        started = services.clock()
        for item in CREDENTIALS:
            record = services.issuance.issue(
                actor,
                state.achievements[item.achievement],
                item.recipient,
                results=list(item.results) or None,
                idempotency_key=item.key,
            )
            if as_utc(record.issued_at) >= started:
                state.added.append(f"a {item.achievement} badge for {item.recipient}")
            if item.revoke_reason is not None and record.status != "revoked":
                record = services.issuance.revoke(actor, record.credential_id, item.revoke_reason)
                state.added.append(f"revoked {record.credential_id} ({item.recipient})")
            state.credentials.append(
                (record.credential_id, item.recipient, item.achievement, record.status)
            )
        return state
    finally:
        services.close()


def _print_guide(state: DemoState, host: str, port: int, serving: bool) -> None:
    base = state.public_url
    key_file = state.key_file
    python_id = state.achievements["Python Programming"]
    p = _out.print
    p("")
    p(f"lerkit demo — {state.org_name}", style="bold", markup=False)
    p(f"  issuer DID    {state.did}", markup=False)
    if state.added:
        p("  loaded now:", markup=False)
        for what in state.added:
            p(f"    + {what}", markup=False)
    else:
        p("  loaded now:   nothing (the demo data was already there)", markup=False)
    p("  achievements:", markup=False)
    for name, public_id in state.achievements.items():
        p(f"    {public_id}  {name}", markup=False)
    p("  credentials:", markup=False)
    for credential_id, recipient, achievement, status in state.credentials:
        p(f"    {credential_id}  {status:<8} {achievement} -> {recipient}", markup=False)
    for warning in state.warnings:
        _err.print(f"warning: {warning}")
    p("")
    p("Where to look", style="bold")
    p(f"  the API           {base}   (listening on {host}:{port})")
    p(f"  interactive docs  {base}/docs")
    p(f"  the issuer's DID  {base}/orgs/{state.slug}/did.json")
    p(f"  your API key      {key_file}   (owner role; send it as Authorization: Bearer)")
    p(f"  the database      {state.key_file.parent}   (delete it to start afresh)")
    p("")
    p("Try it (copy-paste into another terminal, in this directory)", style="bold")
    lines = [
        "# 0. your key, the base URL, and a helper that verifies badge.json",
        f"KEY=$(cat {key_file}); BASE={base}",
        'verify() { python3 -c \'import json; print(json.dumps({"verifiableCredential": '
        'json.load(open("badge.json"))["credential"]}))\' | curl -s -X POST '
        "$BASE/credentials/verify -H 'Content-Type: application/json' -d @- | python3 -c "
        '\'import json,sys; r=json.load(sys.stdin); print("verified:", r["verified"]); '
        '[print("  ", p["status"], p["code"]) for p in r["problemDetails"]]\'; }',
        "",
        "# 1. issue the Python Programming badge to an email address, then verify it",
        'curl -s -X POST $BASE/api/v1/credentials -H "Authorization: Bearer $KEY" '
        "-H 'Content-Type: application/json' "
        f'-d \'{{"achievement": "{python_id}", "recipient": "you@example.org"}}\' '
        "> badge.json && python3 -m json.tool badge.json | head -n 12",
        "verify",
        "",
        "# 2. its revocation list: note the ETag (the list's revision)",
        'LIST=$(python3 -c \'import json; print(json.load(open("badge.json"))'
        '["credential"]["credentialStatus"][0]["statusListCredential"])\')',
        "curl -s -D - -o /dev/null $LIST | grep -i etag",
        "",
        "# 3. revoke it (W3C VC-API), and fetch the list again: the ETag has changed",
        'ID=$(python3 -c \'import json; print(json.load(open("badge.json"))["id"])\')',
        'curl -s -X POST $BASE/credentials/status -H "Authorization: Bearer $KEY" '
        '-H \'Content-Type: application/json\' -d "{\\"credentialId\\": \\"$ID\\", '
        '\\"credentialStatus\\": {\\"type\\": \\"BitstringStatusListEntry\\", '
        '\\"statusPurpose\\": \\"revocation\\"}, \\"status\\": true}"; echo',
        "#    (or lerkit's REST route: curl -s -X POST $BASE/api/v1/credentials/$ID/revoke "
        "-H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' "
        '-d \'{"reason": "issued in error"}\')',
        "curl -s -D - -o /dev/null $LIST | grep -i etag",
        "",
        "# 4. verify it again: verified: False, status.revoked",
        "verify",
    ]
    for line in lines:
        p(f"  {line}" if line else "", markup=False)
    p("")
    p("The CLI tour (keys, signing, presentations, status lists, offline): lerkit tour")
    if serving:
        p("Serving until Ctrl-C.", style="bold")
    p("")


def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    serve: Annotated[
        bool, typer.Option(help="Serve the API after loading the demo (--no-serve: only load).")
    ] = True,
) -> None:
    """Load a demo issuer (organization, achievements, credentials, API key) and serve it."""
    if not os.environ.get("LERKIT_PUBLIC_URL"):
        # did:web needs a host name; the server (same process) reads the same setting
        os.environ["LERKIT_PUBLIC_URL"] = f"http://localhost:{port}"
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise InputError(str(exc)) from exc
    state = load_demo(settings)
    _print_guide(state, host, port, serve)
    if serve:
        from lerkit.cli.serve_commands import serve as run_server

        run_server(host=host, port=port, workers=1, reload=False, migrate=False, log_level="info")


__all__ = ["ACHIEVEMENTS", "CREDENTIALS", "DemoState", "demo", "load_demo"]
