"""Helpers for the end-to-end CLI tests: run ``python -m lerkit.cli`` as a user would.

Fixtures build their inputs (keys, credentials, status lists) in-process with the library,
which is fast; the command under test always runs as a real subprocess.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lerkit.core.dids.key import did_key
from lerkit.core.issuer import default_suite, issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.status import BitstringStatusList, status_entry, status_list_credential
from lerkit.demo import DEMO_STATUS_LIST_URL, demo_badge

T0 = datetime(2024, 1, 1, tzinfo=UTC)
"""validFrom of the test credentials and creation time of their proofs."""

SUSPENSION_LIST_URL = "https://example.org/status/suspension"


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error_line(self) -> str:
        """The one line a failing command prints: ``error: ...`` and nothing else."""
        assert "Traceback" not in self.stderr, self.stderr
        lines = self.stderr.splitlines()
        assert len(lines) == 1, f"expected exactly one line on stderr, got:\n{self.stderr}"
        assert lines[0].startswith("error: "), lines[0]
        assert "internal error" not in lines[0], lines[0]
        return lines[0]

    def codes(self) -> set[str]:
        """Problem codes of every failing / unchecked check in a ``--json`` report."""
        found: set[str] = set()

        def walk(report: dict[str, Any]) -> None:
            for check in report.get("checks", []):
                if check.get("code"):
                    found.add(check["code"])
            for sub in report.get("credentials", []):
                walk(sub)

        walk(self.json())
        return found


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    env.update(NO_COLOR="1", COLUMNS="200", PYTHONDONTWRITEBYTECODE="1")
    return env


class Cli:
    """``cli("credential", "verify", path)`` -> :class:`Result`, run in ``cwd``."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(
        self, *args: str | Path, stdin: bytes | str | None = None, timeout: float = 60
    ) -> Result:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        proc = subprocess.run(
            [sys.executable, "-m", "lerkit.cli", *map(str, args)],
            cwd=self.cwd,
            input=data if data is not None else b"",
            capture_output=True,
            timeout=timeout,
            env=_env(),
            check=False,
        )
        return Result(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def invoke(argv: list[str], stdin: bytes | str = b"") -> Result:
    """Run ``lerkit.cli.main.run(argv)`` in this process (fast; for the fuzz and the many
    bad-input cases): stdin patched, stdout/stderr captured, SystemExit -> exit code.

    Anything else escaping ``run`` is a bug and propagates to the test.
    """
    from lerkit.cli.main import run

    data = stdin.encode() if isinstance(stdin, str) else stdin
    fake_stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    code: int | None = None
    saved_stdin = sys.stdin
    sys.stdin = fake_stdin
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            run(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = saved_stdin
    assert code is not None, "run() returned instead of exiting"
    return Result(code, stdout.getvalue(), stderr.getvalue())


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Key:
    path: Path
    did: str
    vm: str
    private: PrivateKey


def write_key(path: Path, key_type: KeyType, vm: str | None = None) -> Key:
    """A key file as ``lerkit key generate`` writes it (``vm`` overrides its ``id``)."""
    private = PrivateKey.generate(key_type, os.urandom(64))
    did = did_key(private.public_key)
    vm = vm or f"{did}#{private.public_key.multikey}"
    data = {
        "type": "Multikey",
        "id": vm,
        "controller": vm.split("#", 1)[0],
        "publicKeyMultibase": private.public_key.multikey,
        "secretKeyMultibase": private.secret_multikey,
    }
    path.write_text(json.dumps(data, indent=2), "utf-8")
    path.chmod(0o600)
    return Key(path, vm.split("#", 1)[0], vm, private)


@pytest.fixture(scope="session")
def inputs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inputs")


@pytest.fixture(scope="session")
def keys(inputs_dir: Path) -> dict[str, Key]:
    """issuer (Ed25519), holder (Ed25519), p256 and p384 key files."""
    return {
        "issuer": write_key(inputs_dir / "issuer.key", KeyType.ED25519),
        "holder": write_key(inputs_dir / "holder.key", KeyType.ED25519),
        "p256": write_key(inputs_dir / "p256.key", KeyType.P256),
        "p384": write_key(inputs_dir / "p384.key", KeyType.P384),
    }


def badge(issuer: Key, holder: Key, **changes: Any) -> dict[str, Any]:
    """The demo Open Badge (revocation entry: index 42 of DEMO_STATUS_LIST_URL)."""
    credential = demo_badge(
        issuer_did=issuer.did,
        subject_did=holder.did,
        credential_id="urn:uuid:6e3f1b7c-1f0a-4a53-9b1e-2f4f1a2b3c4d",
        valid_from=T0,
    )
    credential.update(changes)
    return credential


def sign(credential: dict[str, Any], key: Key, suite: str | None = None) -> Any:
    return issue(
        credential,
        key.private,
        verification_method=key.vm,
        created=T0,
        suite=suite or default_suite(key.private),
    )


def signed_list(
    key: Key, url: str = DEMO_STATUS_LIST_URL, purpose: str = "revocation", *set_bits: int
) -> dict[str, Any]:
    status_list = BitstringStatusList.new()
    for index in set_bits:
        status_list.set(index, 1)
    credential = status_list_credential(url, key.did, purpose, status_list, valid_from=T0)
    signed = sign(credential, key)
    assert isinstance(signed, dict)
    return signed


def dump(path: Path, value: Any) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value), "utf-8")
    return path


@dataclass(frozen=True)
class Files:
    """Ready-made input files (in a per-session directory)."""

    unsigned: Path  # the demo badge, issuer = keys["issuer"]
    signed: Path  # the same, eddsa-rdfc-2022
    status_list: Path  # revocation list for DEMO_STATUS_LIST_URL, nothing set
    revoked_list: Path  # the same list with bit 42 set

    @property
    def resource(self) -> str:
        return f"{DEMO_STATUS_LIST_URL}={self.status_list}"


@pytest.fixture(scope="session")
def files(inputs_dir: Path, keys: dict[str, Key]) -> Files:
    unsigned = badge(keys["issuer"], keys["holder"])
    return Files(
        unsigned=dump(inputs_dir / "credential.json", unsigned),
        signed=dump(inputs_dir / "signed.json", sign(unsigned, keys["issuer"])),
        status_list=dump(inputs_dir / "status-list.json", signed_list(keys["issuer"])),
        revoked_list=dump(
            inputs_dir / "revoked-list.json",
            signed_list(keys["issuer"], DEMO_STATUS_LIST_URL, "revocation", 42),
        ),
    )


class Kit:
    """The helpers above, for test modules (a fixture: conftest modules are not imported)."""

    T0 = T0
    SUSPENSION_LIST_URL = SUSPENSION_LIST_URL
    DEMO_STATUS_LIST_URL = DEMO_STATUS_LIST_URL
    Result = Result
    Cli = Cli
    invoke = staticmethod(invoke)
    badge = staticmethod(badge)
    sign = staticmethod(sign)
    signed_list = staticmethod(signed_list)
    dump = staticmethod(dump)
    write_key = staticmethod(write_key)
    status_entry = staticmethod(status_entry)


@pytest.fixture(scope="session")
def kit() -> type[Kit]:
    return Kit
