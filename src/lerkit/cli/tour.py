"""`lerkit tour`: issue, present and verify a demo Open Badge, then revoke it — step by step."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel

from lerkit.bootstrap import build_verifier
from lerkit.config import Settings
from lerkit.core.dids.key import did_key
from lerkit.core.errors import InputError
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.report import VerificationReport
from lerkit.core.status import BitstringStatusList, status_list_credential
from lerkit.core.types import JsonObject
from lerkit.demo import DEMO_STATUS_LIST_URL, demo_badge


def _write(path: Path, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _write_key(path: Path, key: PrivateKey) -> str:
    from lerkit.cli.main import write_secret_file

    did = did_key(key.public_key)
    data = {
        "type": "Multikey",
        "id": f"{did}#{key.public_key.multikey}",
        "controller": did,
        "publicKeyMultibase": key.public_key.multikey,
        "secretKeyMultibase": key.secret_multikey,
    }
    write_secret_file(path, json.dumps(data, indent=2) + "\n")
    return did


def _signed_list(
    status_list: BitstringStatusList, issuer: str, key: PrivateKey, vm: str, now: datetime
) -> JsonObject:
    credential = status_list_credential(
        DEMO_STATUS_LIST_URL, issuer, "revocation", status_list, valid_from=now
    )
    signed = issue(credential, key, verification_method=vm, created=now)
    assert isinstance(signed, dict)
    return signed


def run_tour(workdir: Path, console: Console) -> None:
    from lerkit.cli.main import print_report

    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. --workdir names a file
        raise InputError(f"--workdir {workdir}: {exc.strerror or exc}") from exc
    now = datetime.now(UTC).replace(microsecond=0)

    def step(n: int, title: str, detail: str) -> None:
        console.print()
        console.print(Panel(detail, title=f"[bold]Step {n}/5 · {title}", title_align="left"))

    issuer_key = PrivateKey.generate(KeyType.ED25519, os.urandom(64))
    holder_key = PrivateKey.generate(KeyType.ED25519, os.urandom(64))
    issuer = _write_key(workdir / "issuer.key", issuer_key)
    holder = _write_key(workdir / "holder.key", holder_key)
    issuer_vm = f"{issuer}#{issuer_key.public_key.multikey}"
    holder_vm = f"{holder}#{holder_key.public_key.multikey}"
    step(
        1,
        "Keys and DIDs",
        f"The school's issuer DID:  [cyan]{issuer}[/]\n"
        f"The learner's wallet DID: [cyan]{holder}[/]\n"
        f"Key files: {workdir / 'issuer.key'}, {workdir / 'holder.key'} (mode 0600)",
    )

    status_list = BitstringStatusList.new()
    status_doc = _signed_list(status_list, issuer, issuer_key, issuer_vm, now)
    credential = demo_badge(
        issuer_did=issuer,
        subject_did=holder,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        valid_from=now,
    )
    _write(workdir / "credential.json", credential)
    signed = issue(credential, issuer_key, verification_method=issuer_vm, created=now)
    assert isinstance(signed, dict)
    _write(workdir / "signed.json", signed)
    _write(workdir / "status-list.json", status_doc)
    size = len(json.dumps(signed))
    step(
        2,
        "Issue an Open Badge",
        "Open Badges 3.0 credential 'Data Analysis Fundamentals', aligned to three ESCO skills,\n"
        f"signed with eddsa-rdfc-2022 ({size} bytes) -> {workdir / 'signed.json'}\n"
        f"Revocation entry: index 42 of {DEMO_STATUS_LIST_URL} -> {workdir / 'status-list.json'}",
    )

    resources = {DEMO_STATUS_LIST_URL: status_doc}
    verifier = build_verifier(Settings.from_env(), resources=resources)
    report = verifier.verify_credential(signed)
    step(3, "Verify it", "What an employer's verifier sees:")
    print_report(report, console)
    _expect(report, "valid", console)

    challenge, domain = f"c-{uuid.uuid4().hex[:12]}", "employer.example"
    vp = create_presentation([signed], holder=holder)
    signed_vp = sign_presentation(
        vp,
        holder_key,
        verification_method=holder_vm,
        created=now,
        challenge=challenge,
        domain=domain,
    )
    _write(workdir / "presentation.json", signed_vp)
    step(
        4,
        "Present it",
        f"The learner presents the badge to {domain}, answering challenge {challenge}:",
    )
    vp_report = verifier.verify_presentation(signed_vp, challenge=challenge, domain=domain)
    print_report(vp_report, console)
    _expect(vp_report, "valid", console)

    status_list.set(42, 1)
    revoked_doc = _signed_list(status_list, issuer, issuer_key, issuer_vm, now)
    _write(workdir / "status-list-revoked.json", revoked_doc)
    revoked_verifier = build_verifier(
        Settings.from_env(), resources={DEMO_STATUS_LIST_URL: revoked_doc}
    )
    step(5, "Revoke it", "The school sets bit 42 of its status list; the same badge now gives:")
    revoked_report = revoked_verifier.verify_credential(signed)
    print_report(revoked_report, console)
    _expect(revoked_report, "invalid", console)
    console.print()
    console.print(
        f"[bold green]Tour complete.[/] Files are in {workdir}/. Try:\n"
        f"  .venv/bin/lerkit credential verify {workdir}/signed.json "
        f"--resource {DEMO_STATUS_LIST_URL}={workdir}/status-list.json",
        soft_wrap=True,  # a command to copy: never broken across lines
    )


def _expect(report: VerificationReport, verdict: str, console: Console) -> None:
    if report.verdict.value != verdict:
        console.print(f"[red]unexpected verdict {report.verdict.value} (expected {verdict})[/]")
        raise SystemExit(1)
