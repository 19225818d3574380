"""The ``lerkit`` command line: a thin edge over the core and services.

Exit codes (docs/cli.md):
  0  success; for ``verify``: the credential or presentation is valid
  1  ``verify``: invalid (a check failed)
  2  usage error, or input that cannot be read or parsed (one line on stderr)
  3  ``verify``: indeterminate — nothing failed, but something could not be checked
     (e.g. a did:web document or status list not available offline)
  70 internal error (a bug: please report it)
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lerkit.cli.db_commands import db_app
from lerkit.config import Settings, SettingsError
from lerkit.core.baking import sniff_media
from lerkit.core.dids.key import did_key
from lerkit.core.errors import (
    InputError,
    KeyFormatError,
    LerkitError,
    ProblemCode,
    SigningError,
)
from lerkit.core.jsonvalue import parse_json
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.model.vc import parse_datetime
from lerkit.core.report import CheckStatus, Verdict, VerificationReport
from lerkit.core.types import JsonObject
from lerkit.core.verify import parse_document

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INDETERMINATE, EXIT_INTERNAL = 0, 1, 2, 3, 70

app = typer.Typer(
    name="lerkit",
    help="Issue, hold, present and verify Learning and Employment Records "
    "(W3C VC 2.0, Open Badges 3.0, CLR 2.0).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
key_app = typer.Typer(help="Signing keys.", no_args_is_help=True)
did_app = typer.Typer(help="Decentralized identifiers.", no_args_is_help=True)
cred_app = typer.Typer(help="Sign and verify credentials.", no_args_is_help=True)
pres_app = typer.Typer(help="Create and verify presentations.", no_args_is_help=True)
status_app = typer.Typer(
    help="Bitstring status lists (revocation, suspension).", no_args_is_help=True
)
app.add_typer(key_app, name="key")
app.add_typer(did_app, name="did")
app.add_typer(cred_app, name="credential")
app.add_typer(pres_app, name="presentation")
app.add_typer(status_app, name="status-list")
app.add_typer(db_app, name="db")
from lerkit.cli.admin_commands import admin_app  # noqa: E402

app.add_typer(admin_app, name="admin")
from lerkit.cli.serve_commands import serve  # noqa: E402

app.command("serve")(serve)
from lerkit.cli.api_commands import register as register_api_commands  # noqa: E402

register_api_commands(app, key_app, cred_app)
from lerkit.cli.bake_commands import register as register_bake_commands  # noqa: E402

register_bake_commands(app)
from lerkit.cli.areas import market, oid4vp, sharing, skills, trust, wallet  # noqa: E402

for _area in (trust, skills, wallet, sharing, oid4vp, market):
    _area.register(app)


@app.command("worker")
def worker(
    queue: Annotated[str, typer.Option(help="The Redis queue to work on.")] = "lerkit",
    burst: Annotated[bool, typer.Option(help="Run what is queued, then exit.")] = False,
    plugin: Annotated[
        list[str] | None, typer.Option(help="A module with configure(context) (repeatable).")
    ] = None,
) -> None:
    """Run background jobs (bulk issuance) from Redis (LERKIT_REDIS_URL).

    Start as many as you like; without Redis, jobs run inside `lerkit serve`.
    """
    if not _settings().redis_url:
        raise InputError(
            "LERKIT_REDIS_URL is not set: `lerkit worker` runs jobs from Redis "
            "(without it, jobs run inside `lerkit serve`)"
        )
    from lerkit.worker import main as worker_main

    argv = ["--queue", queue, *(["--burst"] if burst else [])]
    for module in plugin or []:
        argv += ["--plugin", module]
    raise typer.Exit(worker_main(argv))


from lerkit.cli.demo_commands import demo  # noqa: E402

app.command("demo")(demo)

out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


# ----------------------------------------------------------------------------- helpers


def _read_input(source: str) -> bytes:
    try:
        if source == "-":
            return sys.stdin.buffer.read()
        return Path(source).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from exc


def _read_json(source: str) -> JsonObject | str:
    name = "stdin" if source == "-" else source
    try:
        raw = _read_input(source)
        if sniff_media(raw) is None:
            doc = parse_document(raw)
        else:  # a baked PNG or SVG image (`lerkit bake`)
            from lerkit.cli.bake_commands import credential_from_image

            doc = credential_from_image(raw)
    except InputError as exc:
        raise InputError(f"{name}: {exc}", exc.code) from exc
    return doc


def _read_object(source: str, what: str) -> JsonObject:
    doc = _read_json(source)
    if not isinstance(doc, dict):
        name = "stdin" if source == "-" else source
        raise InputError(f"{name}: expected a JSON {what}, got a JWT")
    return doc


def _now(value: str | None, option: str = "--now") -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        return parse_datetime(value)
    except LerkitError as exc:
        raise InputError(f"{option}: {exc}") from exc


def _resources(pairs: list[str] | None) -> dict[str, JsonObject]:
    docs: dict[str, JsonObject] = {}
    for pair in pairs or []:
        url, sep, path = pair.partition("=")
        if not sep or not url or not path:
            raise InputError(f"--resource expects URL=FILE, got {pair!r}")
        try:
            docs[url] = _read_object(path, "document")
        except InputError as exc:
            raise InputError(f"--resource {url}: {exc.message}", exc.code) from exc
    return docs


def load_key(path: str) -> tuple[PrivateKey, str]:
    """Read a key file; returns the key and its verification method id."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read key file {path}: {exc.strerror or exc}") from exc
    try:
        data = parse_json(raw)
    except InputError as exc:
        raise KeyFormatError(f"key file {path} is not usable JSON: {exc.message}") from exc
    if not isinstance(data, dict):
        raise KeyFormatError(f"key file {path} must hold a JSON object")
    if "secretKeyMultibase" in data:
        key = PrivateKey.from_multikey(data["secretKeyMultibase"])
    elif "privateKeyMultibase" in data:
        key = PrivateKey.from_multikey(data["privateKeyMultibase"])
    elif "d" in data or "privateKeyJwk" in data:
        key = PrivateKey.from_jwk(data.get("privateKeyJwk", data))
    else:
        raise KeyFormatError(
            f"key file {path} has no private key (secretKeyMultibase or a JWK with 'd')"
        )
    public = data.get("publicKeyMultibase")
    if isinstance(public, str) and public != key.public_key.multikey:
        raise KeyFormatError(f"key file {path}: publicKeyMultibase does not match the secret key")
    vm = data.get("id")
    if not isinstance(vm, str) or "#" not in vm:
        did = did_key(key.public_key)
        vm = f"{did}#{key.public_key.multikey}"
    return key, vm


def _emit_json(value: Any) -> None:
    if isinstance(value, str):
        sys.stdout.write(value + "\n")
    else:
        sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise InputError(str(exc)) from exc


_STATUS_STYLE = {
    CheckStatus.PASS: ("✔", "green"),
    CheckStatus.WARNING: ("!", "yellow"),
    CheckStatus.FAIL: ("✘", "red"),
    CheckStatus.COULD_NOT_CHECK: ("?", "magenta"),
    CheckStatus.NOT_RUN: ("·", "dim"),
}


def print_report(report: VerificationReport, console: Console = out, indent: str = "") -> None:
    verdict = report.verdict
    colour = {Verdict.VALID: "green", Verdict.INVALID: "red", Verdict.INDETERMINATE: "magenta"}
    word = {
        Verdict.VALID: "VALID",
        Verdict.INVALID: "INVALID",
        Verdict.INDETERMINATE: "COULD NOT CHECK",
    }
    console.print(
        f"{indent}[bold {colour[verdict]}]{word[verdict]}[/] {report.kind} ({report.format})"
    )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(width=len(indent) + 2)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for c in report.checks:
        mark, style = _STATUS_STYLE[c.status]
        code = f" [dim]({c.code})[/]" if c.code and c.status is not CheckStatus.PASS else ""
        table.add_row(f"{indent}[{style}]{mark}[/]", str(c.check), f"{escape(c.message)}{code}")
    console.print(table)
    for i, sub in enumerate(report.credentials, 1):
        console.print(f"{indent}  credential #{i}:")
        print_report(sub, console, indent + "    ")


def _exit_for(report: VerificationReport) -> int:
    return {
        Verdict.VALID: EXIT_OK,
        Verdict.INVALID: EXIT_INVALID,
        Verdict.INDETERMINATE: EXIT_INDETERMINATE,
    }[report.verdict]


# ----------------------------------------------------------------------------- key / did

KeyTypeOpt = Annotated[str, typer.Option("--type", "-t", help="ed25519, p256 or p384")]


@key_app.command("generate")
def key_generate(
    out_path: Annotated[Path, typer.Option("--out", "-o", help="where to write the key file")],
    key_type: KeyTypeOpt = "ed25519",
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Generate a key, write it to a key file (mode 0600) and print its did:key."""
    kt = KeyType.parse(key_type)
    if out_path.exists() and not force:
        raise InputError(f"{out_path} exists; pass --force to overwrite it")
    key = PrivateKey.generate(kt, os.urandom(64))
    did = did_key(key.public_key)
    data = {
        "type": "Multikey",
        "id": f"{did}#{key.public_key.multikey}",
        "controller": did,
        "publicKeyMultibase": key.public_key.multikey,
        "secretKeyMultibase": key.secret_multikey,
    }
    write_secret_file(out_path, json.dumps(data, indent=2) + "\n")
    out.print(did)


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600, atomically.

    A new file is written beside ``path`` and renamed over it, so an existing key file is
    never left half-written, and ``--force`` over a world-readable file does not keep its
    old permissions (``O_TRUNC`` on an existing file would).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


@did_app.command("resolve")
def did_resolve(
    did: Annotated[str, typer.Argument(help="a did:key, did:jwk or did:web")],
    resource: Annotated[
        list[str] | None, typer.Option(help="URL=FILE: a did:web document supplied offline")
    ] = None,
    allow_network: Annotated[bool, typer.Option(help="fetch did:web documents (bounded)")] = False,
) -> None:
    """Print the DID document of a DID."""
    from lerkit.bootstrap import build_resolver

    resolver = build_resolver(
        _settings(), resources=_resources(resource), allow_network=allow_network
    )
    _emit_json(resolver.resolve(did))


# ----------------------------------------------------------------------------- credentials

SUITE_HELP = (
    "eddsa-rdfc-2022 | eddsa-jcs-2022 | ecdsa-rdfc-2019 | ecdsa-jcs-2019 | "
    "ecdsa-sd-2023 | ed25519-signature-2020 | vc-jwt"
)


@cred_app.command("sign")
def credential_sign(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="the unsigned credential")],
    key: Annotated[str, typer.Option("--key", "-k", help="key file (from `lerkit key generate`)")],
    suite: Annotated[str | None, typer.Option(help=SUITE_HELP)] = None,
    created: Annotated[str | None, typer.Option(help="proof creation time (default: now)")] = None,
    mandatory: Annotated[
        list[str] | None,
        typer.Option(
            "--mandatory",
            metavar="POINTER",
            help="ecdsa-sd-2023: a JSON pointer every disclosure reveals (repeat; default: "
            "issuer, validity, status, subject id, OB 3.0 achievement)",
        ),
    ] = None,
) -> None:
    """Sign a credential and print it secured (JSON with a proof, or a VC-JWT)."""
    from lerkit.core.issuer import default_suite, issue

    private_key, vm = load_key(key)
    credential = _read_object(source, "credential")
    signed = issue(
        credential,
        private_key,
        verification_method=vm,
        created=_now(created, "--created"),
        suite=suite or default_suite(private_key),
        mandatory_pointers=mandatory or None,
        entropy=os.urandom,  # ecdsa-sd-2023's per-proof HMAC and P-256 keys
    )
    _emit_json(signed)


@cred_app.command("derive")
def credential_derive(
    source: Annotated[
        str, typer.Argument(metavar="FILE|-", help="a credential with an ecdsa-sd-2023 base proof")
    ],
    reveal: Annotated[
        list[str] | None,
        typer.Option(
            "--reveal",
            metavar="POINTER",
            help="a JSON pointer to disclose, e.g. /credentialSubject/result (repeat)",
        ),
    ] = None,
    list_pointers: Annotated[
        bool, typer.Option("--list", help="print the pointers that can be revealed, and exit")
    ] = False,
) -> None:
    """Derive the ecdsa-sd-2023 credential to present: the issuer's mandatory parts and
    the --reveal parts only, with a derived proof any verifier checks."""
    from lerkit.core.suites.ecdsa_sd_2023 import derive, disclosable_pointers

    credential = _read_object(source, "credential")
    if list_pointers:
        for pointer in disclosable_pointers(credential):
            out.print(pointer, markup=False, highlight=False)
        return
    _emit_json(derive(credential, reveal or []))


VerifyResources = Annotated[
    list[str] | None,
    typer.Option("--resource", help="URL=FILE: a status list or did:web document supplied offline"),
]
AllowNetwork = Annotated[
    bool,
    typer.Option(
        "--allow-network", help="fetch missing status lists / did:web documents (bounded)"
    ),
]
NowOpt = Annotated[str | None, typer.Option("--now", help="verify as of this time (ISO 8601)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable report")]


@cred_app.command("verify")
def credential_verify(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="a credential (JSON or JWT)")],
    resource: VerifyResources = None,
    allow_network: AllowNetwork = False,
    now: NowOpt = None,
    as_json: JsonOpt = False,
    schema: Annotated[bool, typer.Option(help="check the 1EdTech JSON Schema")] = True,
    registry: Annotated[
        str | None,
        typer.Option(help="a trust registry FILE or URL: is the issuer recognised?"),
    ] = None,
) -> None:
    """Verify a credential. Exit 0 valid, 1 invalid, 3 could not check, 2 bad input."""
    from lerkit.bootstrap import build_verifier

    document = _read_json(source)
    verifier = build_verifier(
        _settings(),
        resources=_resources(resource),
        allow_network=allow_network,
        check_schema=schema,
    )
    report = verifier.verify_credential(document, now=_now(now))
    if registry is not None:  # the trust area's registries (lerkit verify --registry too)
        from lerkit.cli.areas.trust import apply_registry, load_registry

        report = apply_registry(report, load_registry(registry), verifier)
    if as_json:
        _emit_json(report.to_json())
    else:
        print_report(report)
    raise typer.Exit(_exit_for(report))


# ----------------------------------------------------------------------------- presentations


@pres_app.command("create")
def presentation_create(
    credentials: Annotated[
        list[str], typer.Argument(metavar="CREDENTIAL...", help="signed credentials")
    ],
    key: Annotated[str, typer.Option("--key", "-k", help="the holder's key file")],
    challenge: Annotated[str | None, typer.Option(help="the verifier's challenge")] = None,
    domain: Annotated[str | None, typer.Option(help="the verifier's domain")] = None,
    suite: Annotated[str | None, typer.Option(help=SUITE_HELP)] = None,
    holder: Annotated[str | None, typer.Option(help="holder id (default: the key's DID)")] = None,
) -> None:
    """Wrap credentials in a presentation signed by the holder, for a challenge and domain."""
    from lerkit.core.holder import create_presentation, sign_presentation
    from lerkit.core.issuer import default_suite

    private_key, vm = load_key(key)
    creds = [_read_json(c) for c in credentials]
    vp = create_presentation(creds, holder=holder or vm.split("#", 1)[0])
    signed = sign_presentation(
        vp,
        private_key,
        verification_method=vm,
        created=datetime.now(UTC),
        challenge=challenge,
        domain=domain,
        suite=suite or default_suite(private_key),
    )
    _emit_json(signed)


@pres_app.command("verify")
def presentation_verify(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="a presentation (JSON or JWT)")],
    challenge: Annotated[str | None, typer.Option(help="the challenge you sent")] = None,
    domain: Annotated[str | None, typer.Option(help="your domain")] = None,
    resource: VerifyResources = None,
    allow_network: AllowNetwork = False,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a presentation and its credentials. Exit codes as for `credential verify`."""
    from lerkit.bootstrap import build_verifier

    document = _read_json(source)
    verifier = build_verifier(
        _settings(), resources=_resources(resource), allow_network=allow_network
    )
    report = verifier.verify_presentation(
        document, challenge=challenge, domain=domain, now=_now(now)
    )
    if as_json:
        _emit_json(report.to_json())
    else:
        print_report(report)
    raise typer.Exit(_exit_for(report))


# ----------------------------------------------------------------------------- status lists


STATUS_PURPOSES = ("revocation", "suspension")


@status_app.command("create")
def status_list_create(
    url: Annotated[str, typer.Option(help="the URL the list credential will be published at")],
    key: Annotated[str, typer.Option("--key", "-k", help="the issuer's key file")],
    purpose: Annotated[str, typer.Option(help="revocation | suspension")] = "revocation",
    length: Annotated[int, typer.Option(help="entries (at least 131072)")] = 131072,
) -> None:
    """Create an empty, signed BitstringStatusListCredential."""
    from lerkit.core.status import BitstringStatusList

    if purpose not in STATUS_PURPOSES:
        raise InputError(f"--purpose must be one of {', '.join(STATUS_PURPOSES)}, got {purpose!r}")
    private_key, vm = load_key(key)
    status_list = BitstringStatusList.new(length=length)
    _emit_json(_sign_list(url, purpose, status_list, private_key, vm))


def _sign_list(
    url: str, purpose: str | list[str], status_list: Any, key: PrivateKey, vm: str
) -> JsonObject:
    from lerkit.core.issuer import default_suite, issue
    from lerkit.core.status import status_list_credential

    now = datetime.now(UTC).replace(microsecond=0)
    credential = status_list_credential(
        url, vm.split("#", 1)[0], purpose, status_list, valid_from=now
    )
    signed = issue(credential, key, verification_method=vm, created=now, suite=default_suite(key))
    assert isinstance(signed, dict)
    return signed


def _list_of(list_credential: JsonObject) -> tuple[str, str | list[str], Any]:
    """URL, statusPurpose (a string, or a list of them) and bits of a list credential."""
    from lerkit.core.status import BitstringStatusList

    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or "encodedList" not in subject:
        raise InputError("not a BitstringStatusListCredential (no credentialSubject.encodedList)")
    purpose = subject.get("statusPurpose", "revocation")
    if isinstance(purpose, list) and len(purpose) == 1:
        purpose = purpose[0]
    if not (
        isinstance(purpose, str)
        or (isinstance(purpose, list) and purpose and all(isinstance(p, str) for p in purpose))
    ):
        raise InputError(
            "the status list's statusPurpose must be a string or a list of strings, "
            f"got {json.dumps(purpose)}"
        )
    url = list_credential.get("id")
    if not isinstance(url, str):
        raise InputError("the status list credential has no id (its URL)")
    return url, purpose, BitstringStatusList.decode(subject["encodedList"])


def _check_list_issuer(list_credential: JsonObject, vm: str) -> None:
    """Refuse to re-sign someone else's list: the result would be issued by the wrong DID."""
    issuer = list_credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    controller = vm.split("#", 1)[0]
    if issuer != controller:
        raise SigningError(
            f"the status list's issuer is {issuer}, but the key belongs to {controller}: "
            "sign with the key that issued the list",
            ProblemCode.ISSUER_MISMATCH,
        )


@status_app.command("set")
def status_list_set(
    source: Annotated[str, typer.Argument(metavar="LIST_FILE", help="the signed list credential")],
    index: Annotated[int, typer.Option(help="the entry's statusListIndex")],
    key: Annotated[str, typer.Option("--key", "-k", help="the issuer's key file")],
    clear: Annotated[bool, typer.Option(help="clear the bit instead (unsuspend)")] = False,
) -> None:
    """Set (revoke / suspend) or clear an entry and print the re-signed list credential."""
    private_key, vm = load_key(key)
    list_credential = _read_object(source, "status list credential")
    url, purpose, status_list = _list_of(list_credential)
    _check_list_issuer(list_credential, vm)
    if clear and "revocation" in ([purpose] if isinstance(purpose, str) else purpose):
        raise InputError("revocation cannot be undone: a revocation bit is never cleared")
    status_list.set(index, 0 if clear else 1)
    _emit_json(_sign_list(url, purpose, status_list, private_key, vm))


@status_app.command("check")
def status_list_check(
    index: Annotated[int, typer.Option(help="the entry's statusListIndex")],
    list_file: Annotated[str, typer.Argument(metavar="LIST_FILE")],
) -> None:
    """Print the value of one entry of a status list (no signature check: use verify)."""
    _url, purpose, status_list = _list_of(_read_object(list_file, "status list credential"))
    value = status_list.get(index)
    what = purpose if isinstance(purpose, str) else "/".join(purpose)
    out.print(f"{what} index {index}: {'SET' if value else 'not set'} ({value})")
    raise typer.Exit(EXIT_INVALID if value else EXIT_OK)


# ----------------------------------------------------------------------------- misc


@app.command("contexts")
def contexts() -> None:
    """List the bundled JSON-LD contexts (the only ones lerkit ever uses)."""
    from lerkit.core.jsonld import BUNDLED_CONTEXTS

    for url in sorted(BUNDLED_CONTEXTS):
        out.print(url)


@app.command("tour")
def tour(
    workdir: Annotated[Path, typer.Option(help="where to write the tour's files")] = Path(
        "lerkit-tour"
    ),
) -> None:
    """A five-step tour: issue, present and verify a demo Open Badge, then revoke it."""
    from lerkit.cli.tour import run_tour

    run_tour(workdir, out)


def _print_version(value: bool) -> None:
    # Eager: runs while parsing, before the group asks for a command (`lerkit --version`
    # has no command, which would otherwise be a usage error).
    if value:
        from lerkit import __version__

        out.print(f"lerkit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", help="print the version", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Issue, hold, present and verify Learning and Employment Records."""


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/] {escape(' '.join(message.split()))}")
    sys.exit(code)


def _exception_classes(name: str) -> tuple[type[Exception], ...]:
    """``name`` from click and from the copy of click that recent typer releases vendor
    (``typer._click``): typer raises the latter, and click itself may not be installed."""
    found: list[type[Exception]] = []
    for module_name in ("typer._click.exceptions", "click.exceptions"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls not in found:
            found.append(cls)
    return tuple(found)


_NO_ARGS_IS_HELP = _exception_classes("NoArgsIsHelpError")
_USAGE_ERRORS = _exception_classes("UsageError")
_CLICK_ERRORS = _exception_classes("ClickException")
_ABORTS: tuple[type[BaseException], ...] = (typer.Abort, *_exception_classes("Abort"))


def run(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every error into one line and an exit code."""
    try:
        result = app(args=argv, prog_name="lerkit", standalone_mode=False)
    except _NO_ARGS_IS_HELP as exc:  # `lerkit` or `lerkit key` alone: show the help
        # typer's rich help is printed while the error is built; plain click's is its message
        if _format(exc).strip():
            err.print(_format(exc), markup=False)
        sys.exit(EXIT_USAGE)
    except _USAGE_ERRORS as exc:
        ctx = getattr(exc, "ctx", None)
        path = ctx.command_path.partition(" ")[2] if ctx is not None else ""
        hint = f" (see `lerkit {path} --help`)".replace("  ", " ") if ctx is not None else ""
        _fail(_format(exc) + hint, EXIT_USAGE)
    except _ABORTS:
        _fail("aborted", EXIT_USAGE)
    except _CLICK_ERRORS as exc:
        _fail(_format(exc), EXIT_USAGE)
    except LerkitError as exc:
        _fail(f"{exc.message} [{exc.code}]", EXIT_USAGE)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 — the last edge: never a traceback for the user
        _fail(f"internal error ({type(exc).__name__}): {exc} — please report this", EXIT_INTERNAL)
    sys.exit(result if isinstance(result, int) else EXIT_OK)


def _format(exc: Exception) -> str:
    format_message = getattr(exc, "format_message", None)
    return str(format_message() if callable(format_message) else exc)


__all__ = ["ProblemCode", "app", "load_key", "print_report", "run"]
