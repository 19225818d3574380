"""Run the reference JavaScript side (``dbvc.mjs``, Digital Bazaar's libraries) from Python.

``dbvc.mjs`` reads JSON on stdin and writes JSON on stdout; on failure it exits non-zero and
prints one line ``{"error": ...}``. Its libraries are pinned in ``package.json`` /
``package-lock.json`` and installed by ``make node`` (``npm ci`` here). Tests that need it
call ``require(node_available(), "Node with tests/interop/node_modules")`` from
``tests/conftest.py``: a skip on a laptop without Node, a failure in CI.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

INTEROP_DIR = Path(__file__).resolve().parent
DBVC = INTEROP_DIR / "dbvc.mjs"
NODE_MODULES = INTEROP_DIR / "node_modules"
MIN_NODE_MAJOR = 18
DEFAULT_TIMEOUT = 120.0


class DbvcError(RuntimeError):
    """``dbvc.mjs`` failed: non-zero exit, a timeout or output that is not JSON."""

    def __init__(
        self, message: str, *, returncode: int | None = None, stdout: str = "", stderr: str = ""
    ) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def node_executable() -> str | None:
    """The ``node`` on PATH, or None."""
    return shutil.which("node")


@functools.cache
def node_available() -> bool:
    """Node (>= 18) is on PATH and the pinned JS libraries are installed in ``node_modules``."""
    node = node_executable()
    if node is None or not DBVC.is_file():
        return False
    if not (NODE_MODULES / "@digitalbazaar" / "vc" / "package.json").is_file():
        return False
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError):
        return False
    return major >= MIN_NODE_MAJOR


def run_dbvc(
    args: list[str], stdin: object | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """Run ``node dbvc.mjs ARGS`` and return its JSON output.

    ``stdin`` is serialised as JSON (a ``str`` is passed as is). Raises ``DbvcError``, with
    the script's error line and stderr, when it exits non-zero, times out or prints no JSON.
    A verification that merely fails (``{"verified": false, ...}``) is not an error.
    """
    node = node_executable()
    if node is None:
        raise DbvcError("node is not on PATH")
    text = "" if stdin is None else stdin if isinstance(stdin, str) else json.dumps(stdin)
    command = [node, str(DBVC), *map(str, args)]
    try:
        proc = subprocess.run(
            command,
            input=text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=INTEROP_DIR,
        )
    except subprocess.TimeoutExpired as e:
        raise DbvcError(
            f"dbvc {' '.join(map(str, args))} timed out after {timeout}s",
            stderr=_text(e.stderr),
        ) from e
    if proc.returncode != 0:
        error = proc.stdout.strip()
        with contextlib.suppress(IndexError, ValueError, KeyError, TypeError):
            error = json.loads(error.splitlines()[-1])["error"]
        raise DbvcError(
            f"dbvc {args[0] if args else ''} failed (exit {proc.returncode}): {error}\n"
            f"{proc.stderr.strip()}",
            returncode=proc.returncode,
            stdout=proc.stdout,
            stderr=proc.stderr,
        )
    try:
        result = json.loads(proc.stdout)
    except ValueError as e:
        raise DbvcError(
            f"dbvc {args[0] if args else ''} printed no JSON: {proc.stdout[:500]!r}\n{proc.stderr}",
            returncode=proc.returncode,
            stdout=proc.stdout,
            stderr=proc.stderr,
        ) from e
    if not isinstance(result, dict):
        raise DbvcError(
            f"dbvc printed {type(result).__name__}, not an object: {proc.stdout[:500]!r}"
        )
    return result


def make_fixtures(out: Path) -> dict[str, Any]:
    """Write the JS-signed fixtures into ``out``; return their ``manifest.json``."""
    run_dbvc(["make-fixtures", "--out", str(out)])
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text("utf-8"))
    return manifest


def verify_batch(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verify many documents in one ``dbvc verify-batch`` run; one result per item, in order.

    Each item is ``{"kind": "credential" | "presentation", "document": ..., "resources":
    {url: document}, "challenge": ..., "domain": ..., "now": ISO}`` (all but the first two
    optional; a presentation needs a challenge).
    """
    results = run_dbvc(["verify-batch"], {"items": items}).get("results")
    if not isinstance(results, list) or len(results) != len(items):
        raise DbvcError(f"verify-batch returned {results!r} for {len(items)} items")
    return results


def verify_args(case: dict[str, Any], fixtures_dir: Path) -> list[str]:
    """The ``dbvc`` arguments that verify one manifest case (credential or presentation)."""
    presentation = case["kind"] == "presentation"
    args = ["verify-vp" if presentation else "verify-vc"]
    for url, file in case.get("resources", {}).items():
        args += ["--resource", f"{url}={fixtures_dir / file}"]
    if presentation:
        args += [f"--challenge={case['challenge']}"]
        if case.get("domain"):
            args += [f"--domain={case['domain']}"]
    return args


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
