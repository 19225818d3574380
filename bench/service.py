"""The issuing service's benchmarks, run by ``bench/run.py`` after the core section.

1. **Bulk issuance**: ``bench/bulk.py`` in its own process per database (SQLite, then
   PostgreSQL at 127.0.0.1:5432 in a throwaway database): N credentials (default 10,000;
   ``LERKIT_BENCH_BULK_COUNT`` to change) with revocation + suspension status entries,
   signed and stored; credentials/s and the peak RSS of that process.
2. **The verify endpoint under load**: ``lerkit serve`` (one uvicorn worker, SQLite, the
   demo data loaded by ``lerkit demo --no-serve``) on a free port, and ``bench/load.py`` in
   a separate process posting a freshly issued, valid credential to
   ``POST /credentials/verify`` from C concurrent clients (``LERKIT_BENCH_VERIFY_REQUESTS``,
   default 2,000, after 50 warm-up requests). Each verification checks the proof, resolves
   the issuer's did:web and fetches both status lists (from this instance's database) and
   verifies their proofs: the full pipeline, as for any caller.

These processes are not pinned to one CPU (the core section is): the machine's cores are
shared by the server, the load generator and PostgreSQL, as they would be in production.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BULK_COUNT = int(os.environ.get("LERKIT_BENCH_BULK_COUNT") or 10_000)
VERIFY_REQUESTS = int(os.environ.get("LERKIT_BENCH_VERIFY_REQUESTS") or 2_000)
CONCURRENCY = (1, 16)


def _unpin() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    env.update(extra)
    return env


def _run_json(command: list[str], timeout: float, **kwargs: Any) -> dict[str, Any]:
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_unpin,
        check=False,
        **kwargs,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exited {proc.returncode}: {last}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3
        ) as conn:
            conn.execute("SELECT 1")
    except Exception:  # any failure means "not here"
        return False
    return True


def bulk_section() -> list[dict[str, Any]]:
    results = []
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not postgres_available():
            results.append({"backend": backend, "error": "PostgreSQL is not at 127.0.0.1:5432"})
            continue
        command = [sys.executable, str(BENCH / "bulk.py"), "--backend", backend]
        command += ["--count", str(BULK_COUNT)]
        try:
            result = _run_json(command, timeout=3600, env=_env(), cwd=ROOT)
        except subprocess.TimeoutExpired:
            result = {"error": "timed out"}
        result.setdefault("backend", backend)
        results.append(result)
    return results


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"lerkit serve exited {proc.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("lerkit serve did not answer /healthz in time")


def verify_section() -> dict[str, Any]:
    lerkit = str(Path(sys.executable).with_name("lerkit"))
    workdir = Path(tempfile.mkdtemp(prefix="lerkit-bench-serve-"))
    port = _free_port()
    env = _env(LERKIT_DATA_DIR=str(workdir / "data"), LERKIT_PUBLIC_URL=f"http://localhost:{port}")
    proc: subprocess.Popen[bytes] | None = None
    try:
        loaded = subprocess.run(
            [lerkit, "demo", "--no-serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        if loaded.returncode != 0:
            return {"error": f"lerkit demo --no-serve exited {loaded.returncode}"}
        proc = subprocess.Popen(
            [lerkit, "serve", "--port", str(port), "--log-level", "warning"],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_unpin,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, proc)
        key = (workdir / "data" / "demo-api-key.txt").read_text().strip()
        with httpx.Client(base_url=base, timeout=30) as client:
            achievements = client.get(
                "/api/v1/achievements", headers={"Authorization": f"Bearer {key}"}
            ).json()["items"]
            issued = client.post(
                "/api/v1/credentials",
                headers={"Authorization": f"Bearer {key}"},
                json={"achievement": achievements[0]["id"], "recipient": "load@example.org"},
            )
            issued.raise_for_status()
            body = json.dumps({"verifiableCredential": issued.json()["credential"]})
            check = client.post(
                "/credentials/verify", content=body, headers={"Content-Type": "application/json"}
            )
            if check.status_code != 200 or check.json().get("verified") is not True:
                return {"error": f"the credential does not verify: {check.text[:300]}"}
        body_file = workdir / "verify-body.json"
        body_file.write_text(body)
        runs = []
        for concurrency in CONCURRENCY:
            requests = VERIFY_REQUESTS if concurrency > 1 else max(50, VERIFY_REQUESTS // 10)
            command = [sys.executable, str(BENCH / "load.py")]
            command += [
                "--url",
                base + "/credentials/verify",
                "--body",
                str(body_file),
                "--concurrency",
                str(concurrency),
            ]
            command += ["--requests", str(requests), "--warmup", "50"]
            runs.append(_run_json(command, timeout=900, env=_env()))
        return {"size": len(body), "runs": runs}
    except (OSError, RuntimeError, httpx.HTTPError, subprocess.SubprocessError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _num(value: Any, digits: int = 0) -> str:
    if not isinstance(value, int | float):
        return "-"
    return f"{value:,.{digits}f}"


def print_report(bulk: list[dict[str, Any]], verify: dict[str, Any]) -> None:
    print()
    print(
        f"issuing service — bulk issuance of {BULK_COUNT:,} credentials "
        "(OB 3.0, eddsa-rdfc-2022, revocation + suspension status entries, stored)"
    )
    header = (
        f"{'database':<12}{'credentials/s':>15}{'total s':>10}{'of which upload':>17}"
        f"{'peak RSS MB':>13}{'(before) MB':>13}{'stored':>9}{'entries':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in bulk:
        if "error" in r:
            print(f"{r['backend']:<12}not measured: {r['error']}")
            continue
        print(
            f"{r['backend']:<12}{_num(r['per_second'], 1):>15}{_num(r['seconds'], 1):>10}"
            f"{_num(r.get('commit_seconds'), 1):>17}{_num(r['peak_rss_mb'], 1):>13}"
            f"{_num(r['rss_before_mb'], 1):>13}{_num(r['stored']):>9}"
            f"{_num(r['status_entries']):>9}"
        )
    paths = {r["path"] for r in bulk if "path" in r}
    for path in sorted(paths):
        print(f"driven by: {path}; one process per database (its peak RSS is shown)")
    print()
    print(
        "issuing service — POST /credentials/verify under load "
        "(lerkit serve, 1 uvicorn worker, SQLite; load from a separate process)"
    )
    if "error" in verify:
        print(f"not measured: {verify['error']}")
        return
    print(
        f"body: a valid OB 3.0 credential ({verify['size']:,} bytes), full pipeline: proof, "
        "did:web issuer, both status lists (signed) from the instance's database"
    )
    header = (
        f"{'clients':>8}{'requests':>10}{'ok':>8}{'requests/s':>12}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'mean ms':>9}{'max ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for run in verify["runs"]:
        if "error" in run:
            print(f"not measured: {run['error']}")
            continue
        print(
            f"{run['concurrency']:>8}{_num(run['requests']):>10}{_num(run['ok']):>8}"
            f"{_num(run['per_second'], 1):>12}{_num(run['p50_ms'], 1):>9}"
            f"{_num(run['p99_ms'], 1):>9}{_num(run['mean_ms'], 1):>9}{_num(run['max_ms'], 1):>9}"
        )
        if run.get("first_failure"):
            print(f"  first failure: {run['first_failure']}")
    print(f"(machine: {os.cpu_count()} CPUs, shared by the server and the load generator)")


def main() -> int:
    bulk = bulk_section()
    verify = verify_section()
    print_report(bulk, verify)
    return 0


if __name__ == "__main__":
    sys.exit(main())
