"""ecdsa-sd-2023 on one core: lerkit's base-proof signing, derivation and derived-proof
verification next to Digital Bazaar's ``@digitalbazaar/ecdsa-sd-2023-cryptosuite`` (3.4.1,
tests/interop/node_modules), in the same run, on the same credential, key and pointers.

``.venv/bin/python bench/bench_sd.py`` (``run()`` from elsewhere). A report, not a test.

The credential is the demo OB 3.0 badge (``lerkit.demo.demo_badge``: issuer profile,
achievement with criteria and three alignments, result, evidence, status entry, hashed
email identifier) issued by a P-256 did:key; mandatory pointers are lerkit's OB 3.0
defaults (``default_mandatory_pointers``); the holder discloses the results and the
evidence. lerkit: ``sign_base``, ``derive``, ``dataintegrity.verify_proofs``. JS:
``jsigs.sign`` / ``jsigs.derive`` / ``jsigs.verify`` with the suite's sign / disclose /
verify cryptosuites and an offline loader (tests/interop/ecdsa_sd.mjs ``bench``).

Both sides run pinned to one CPU (``sched_setaffinity`` / ``taskset``), one after the other.
Python figures are the median of a few timed rounds after a warm-up; the JS figures are
one timed run of ``n`` operations after a warm-up (per operation they are slower, so fewer).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEROP = ROOT / "tests" / "interop"
SCRIPT = INTEROP / "ecdsa_sd.mjs"
CPU = 0
ROUNDS = 5
ROUND_SECONDS = 0.6
JS_N = 30
JS_TIMEOUT = 300.0
CREATED = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
SELECTIVE = ["/credentialSubject/result", "/evidence"]


def pin_to_one_cpu() -> str:
    try:
        os.sched_setaffinity(0, {CPU})
        return f"pinned to CPU {CPU}"
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed
        return f"NOT pinned ({exc})"


def rate(fn: Callable[[], object]) -> float:
    """Median operations per second over ``ROUNDS`` timed rounds of about ``ROUND_SECONDS``."""
    results = []
    for _ in range(ROUNDS):
        gc.collect()
        n = 0
        t0 = t = time.perf_counter()
        while t - t0 < ROUND_SECONDS:
            fn()
            n += 1
            t = time.perf_counter()
        results.append(n / (t - t0))
    return statistics.median(results)


def python_side() -> dict[str, Any]:
    from lerkit.core.dataintegrity import verify_proofs
    from lerkit.core.dids.key import did_key, verification_method_id
    from lerkit.core.dids.resolver import MethodResolver
    from lerkit.core.jsonld import warm_up
    from lerkit.core.keys import KeyType, PrivateKey
    from lerkit.core.suites.ecdsa_sd_2023 import default_mandatory_pointers, derive, sign_base
    from lerkit.demo import demo_badge

    warm_up()
    key = PrivateKey.from_secret(KeyType.P256, hashlib.sha256(b"lerkit-bench-sd:p256").digest())
    did = did_key(key.public_key)
    vm = verification_method_id(key.public_key)
    credential = demo_badge(
        issuer_did=did,
        subject_did="did:example:ada-lovelace",
        credential_id="urn:uuid:0b1e7a3c-5d2f-4e6a-9c8b-000000000043",
        valid_from=CREATED,
    )
    mandatory = default_mandatory_pointers(credential)
    resolver = MethodResolver()

    def sign() -> Any:
        return sign_base(
            credential, key, vm, mandatory_pointers=mandatory, created=CREATED, entropy=os.urandom
        )

    base = sign()
    derived = derive(base, SELECTIVE)

    def verify() -> None:
        checks = verify_proofs(derived, resolver=resolver, now=NOW)
        if not all(c.ok for c in checks):
            raise RuntimeError(f"bench: derived credential does not verify: {checks}")

    for _ in range(3):  # warm-up
        verify()
        derive(base, SELECTIVE)
    return {
        "credential": credential,
        "key": {
            "publicKeyMultibase": key.public_key.multikey,
            "secretKeyMultibase": key.secret_multikey,
        },
        "mandatory": mandatory,
        "base_bytes": len(json.dumps(base, separators=(",", ":"))),
        "derived_bytes": len(json.dumps(derived, separators=(",", ":"))),
        "sign": rate(sign),
        "derive": rate(lambda: derive(base, SELECTIVE)),
        "verify": rate(verify),
    }


def js_side(py: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        return {"error": "node is not on PATH"}
    if not (INTEROP / "node_modules" / "@digitalbazaar" / "ecdsa-sd-2023-cryptosuite").is_dir():
        return {"error": "tests/interop/node_modules is missing (make node)"}
    command = [node, str(SCRIPT), "bench"]
    taskset = shutil.which("taskset")
    if taskset:
        command = [taskset, "-c", str(CPU), *command]
    payload = {
        "credential": py["credential"],
        "key": py["key"],
        "mandatoryPointers": py["mandatory"],
        "selectivePointers": SELECTIVE,
        "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "n": JS_N,
        "warmup": 5,
    }
    try:
        proc = subprocess.run(
            command,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=INTEROP,
            env={**os.environ, "UV_THREADPOOL_SIZE": "1"},
            timeout=JS_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {"error": str(exc)}
    if proc.returncode != 0:
        return {"error": f"node exited {proc.returncode}: {proc.stdout.strip()[-300:]}"}
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.2f}x"


def run() -> dict[str, Any]:
    """Measure both sides, print the table, return the figures."""
    pinned = pin_to_one_cpu()
    py = python_side()
    js = js_side(py)
    print(
        f"ecdsa-sd-2023 — demo OB 3.0 badge (base {py['base_bytes']:,} bytes, derived "
        f"{py['derived_bytes']:,} bytes), one core ({pinned}), operations per second"
    )
    print(
        f"python {sys.version.split()[0]}; node {js.get('node', 'n/a')}; "
        "@digitalbazaar/ecdsa-sd-2023-cryptosuite 3.4.1"
    )
    print(f"mandatory: {', '.join(py['mandatory'])}; disclosed: {', '.join(SELECTIVE)}")
    print()
    print(f"{'operation':<28}{'lerkit/s':>10}{'JS/s':>10}{'lerkit vs JS':>14}")
    figures: dict[str, Any] = {"python": {}, "js": {}, "ratio": {}}
    for op, label in (
        ("sign", "sign (issuer, base proof)"),
        ("derive", "derive (holder)"),
        ("verify", "verify (verifier, derived)"),
    ):
        ours = py[op]
        theirs = js.get(f"{op}_per_s")
        figures["python"][op] = ours
        figures["js"][op] = theirs
        figures["ratio"][op] = ours / theirs if theirs else None
        js_text = f"{theirs:,.1f}" if theirs else "-"
        print(f"{label:<28}{ours:>10,.1f}{js_text:>10}{_ratio(ours, theirs):>14}")
    if "error" in js:
        print(f"\nJS side not measured: {js['error']}")
    return figures


if __name__ == "__main__":
    run()
