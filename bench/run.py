"""lerkit's sign/verify rates on one core, next to the Ed25519 floor and Digital Bazaar's JS;
then the issuing service: bulk issuance and the verify endpoint under load.

``make bench`` (runs ``.venv/bin/python bench/run.py``). A report, not a test: it always
exits 0, and prints MET / NOT MET for the target "lerkit signs and verifies at least 1.5x as
many credentials per second as the JS library" for each Data Integrity suite. After that
core section come the service sections of ``bench/service.py`` (bulk issuance of 10,000
credentials on SQLite and on PostgreSQL; ``POST /credentials/verify`` throughput and
p50/p99 latency under concurrent load from a separate process): see that file.

What is measured, for the demo OB 3.0 credential (``lerkit.demo.demo_badge``: issuer
profile, achievement with criteria, three skill alignments, result, evidence, status entry;
fixed DIDs, dates and key seed):

* lerkit: ``lerkit.core.issuer.issue`` for eddsa-rdfc-2022, Ed25519Signature2020 and VC-JWT;
  ``dataintegrity.verify_proofs`` (Data Integrity) and ``jose.verify_jwt`` (JWT); and the full
  ``verify.verify_credential`` pipeline for eddsa-rdfc-2022 (with the status list served
  from memory, so the verdict is "valid").
* the floor: raw Ed25519 ``PrivateKey.sign`` / ``PublicKey.verify`` of 64 bytes.
* Digital Bazaar's ``@digitalbazaar/vc`` (tests/interop/node_modules) signing and verifying
  THE SAME credential with the same key, through ``tests/interop/dbvc.mjs``'s own helpers
  (``importKey``, ``signingSuite``, ``verifyingSuites``, its offline document loader). The
  driver below adds only timing rounds and a ``checkStatus`` that accepts (the credential
  has a status entry, and ``vc.verifyCredential`` refuses those without one; lerkit's
  ``verify_proofs`` does not check status either).

Both sides run pinned to one CPU, one after the other (never at once). Each figure is the
median of a few timed rounds after a warm-up. The JS proofValue is compared with lerkit's:
the same key, date and canonical form give the same Ed25519 signature.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEROP = ROOT / "tests" / "interop"
DBVC = INTEROP / "dbvc.mjs"
CPU = 0
TARGET = 1.5
ROUNDS = 5
ROUND_SECONDS = 0.5  # per timed round, Python side
JS_ROUND_SECONDS = 0.8  # per timed round, JS side (slower per op: fewer ops per round)
JS_TIMEOUT = 90.0

SEED = hashlib.sha256(b"lerkit-bench:issuer-ed25519").digest()
CREATED = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
SUBJECT = "did:example:ada-lovelace"
CREDENTIAL_ID = "urn:uuid:0b1e7a3c-5d2f-4e6a-9c8b-000000000042"

# The JS side: dbvc.mjs's own helpers, with timed rounds and the same credential and key.
JS_DRIVER = r"""
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
const input = JSON.parse(readFileSync(0, 'utf8'));
const m = await import(input.dbvc);
const {makeDocumentLoader} = await import(new URL('./lib/loader.mjs', input.dbvc).href);
const vc = await import('@digitalbazaar/vc');
const keyPair = await m.importKey(input.key);
const documentLoader = makeDocumentLoader();
const unsigned = structuredClone(input.credential);
if(input.suite === 'ed25519-signature-2020') {
  const ctx = [].concat(unsigned['@context']);
  if(!ctx.includes(m.ED25519_2020_CONTEXT)) unsigned['@context'] = [...ctx, m.ED25519_2020_CONTEXT];
}
const suite = m.signingSuite({suiteName: input.suite, keyPair, created: input.created});
const verifySuites = m.verifyingSuites();
const checkStatus = async () => ({verified: true});
const sign = () => vc.issue({credential: structuredClone(unsigned), suite, documentLoader});
const verify = async signed => {
  const r = await vc.verifyCredential({credential: signed, suite: verifySuites, documentLoader,
                                       checkStatus, now: input.now});
  if(!r.verified) throw new Error('JS verification failed: ' + JSON.stringify(r.error || r));
};
async function rate(fn, seconds) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while(t - t0 < seconds * 1000) { await fn(); ++n; t = performance.now(); }
  return n * 1000 / (t - t0);
}
let signed = await sign();
await verify(signed);
const warmEnd = performance.now() + input.warmup_seconds * 1000;
while(performance.now() < warmEnd) { signed = await sign(); await verify(signed); }
const sign_rounds = [], verify_rounds = [];
for(let r = 0; r < input.rounds; ++r) {
  sign_rounds.push(await rate(async () => { signed = await sign(); }, input.round_seconds));
  verify_rounds.push(await rate(() => verify(signed), input.round_seconds));
}
process.stdout.write(JSON.stringify({sign_rounds, verify_rounds, proof: signed.proof,
                                     node: process.version}) + '\n');
"""


def pin_to_one_cpu() -> str:
    try:
        os.sched_setaffinity(0, {CPU})
        return f"pinned to CPU {CPU}"
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed
        return f"NOT pinned ({exc})"


def rate(fn: Callable[[], object], seconds: float = ROUND_SECONDS, rounds: int = ROUNDS) -> float:
    """Median operations per second over ``rounds`` timed rounds of about ``seconds``."""
    results = []
    for _ in range(rounds):
        gc.collect()
        n = 0
        t0 = time.perf_counter()
        t = t0
        while t - t0 < seconds:
            fn()
            n += 1
            t = time.perf_counter()
        results.append(n / (t - t0))
    return statistics.median(results)


def warm(*fns: Callable[[], object], seconds: float = 0.4) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for fn in fns:
            fn()


@dataclass
class Row:
    label: str
    sign: float | None
    verify: float | None
    js_sign: float | None = None
    js_verify: float | None = None


def python_side() -> dict[str, Any]:
    from lerkit.core import dataintegrity, issuer, jose
    from lerkit.core.dids.key import did_key, verification_method_id
    from lerkit.core.dids.resolver import MethodResolver
    from lerkit.core.jsonld import warm_up
    from lerkit.core.keys import KeyType, PrivateKey
    from lerkit.core.status import BitstringStatusList, status_list_credential
    from lerkit.core.verify import VerifyContext, verify_credential
    from lerkit.demo import DEMO_STATUS_LIST_URL, demo_badge

    t0 = time.perf_counter()
    warm_up()
    warm_up_ms = (time.perf_counter() - t0) * 1000

    key = PrivateKey.from_secret(KeyType.ED25519, SEED)
    did = did_key(key.public_key)
    vm = verification_method_id(key.public_key)
    credential = demo_badge(
        issuer_did=did, subject_did=SUBJECT, credential_id=CREDENTIAL_ID, valid_from=CREATED
    )
    resolver = MethodResolver()

    def signer(suite: str) -> Callable[[], Any]:
        return lambda: issuer.issue(
            credential, key, verification_method=vm, created=CREATED, suite=suite
        )

    def di_verifier(signed: Any) -> Callable[[], None]:
        def run() -> None:
            checks = dataintegrity.verify_proofs(signed, resolver=resolver, now=NOW)
            if not all(c.ok for c in checks):
                raise SystemExit(f"bench: lerkit verification failed: {checks}")

        return run

    # floor
    message = bytes(range(64))
    signature = key.sign(message)
    floor = Row(
        "Ed25519 alone (64 bytes)",
        rate(lambda: key.sign(message)),
        rate(lambda: key.public_key.verify(signature, message)),
    )

    rows: dict[str, Row] = {}
    signed: dict[str, Any] = {}
    for label, suite in (
        ("eddsa-rdfc-2022", "eddsa-rdfc-2022"),
        ("Ed25519Signature2020", "ed25519-signature-2020"),
    ):
        sign = signer(suite)
        signed[label] = sign()
        verify = di_verifier(signed[label])
        warm(sign, verify)
        rows[label] = Row(label, rate(sign), rate(verify))

    # VC-JWT
    sign_jwt = signer("vc-jwt")
    token = sign_jwt()

    def verify_jwt() -> None:
        jose.verify_jwt(token, resolver, now=NOW)

    warm(sign_jwt, verify_jwt)
    rows["VC-JWT (EdDSA)"] = Row("VC-JWT (EdDSA)", rate(sign_jwt), rate(verify_jwt))

    # the full verification pipeline, with the status list served from memory
    status_list = status_list_credential(
        DEMO_STATUS_LIST_URL,
        did,
        "revocation",
        BitstringStatusList.new(),
        valid_from=CREATED,
    )
    signed_list = issuer.issue(status_list, key, verification_method=vm, created=CREATED)

    class Lists:
        def get(self, url: str) -> Any:
            return signed_list

    ctx = VerifyContext(resolver=resolver, now=NOW, status_lists=Lists())
    verdict = verify_credential(signed["eddsa-rdfc-2022"], ctx).verdict.value

    def pipeline() -> None:
        verify_credential(signed["eddsa-rdfc-2022"], ctx)

    warm(pipeline)
    rows["pipeline"] = Row("  verify_credential (full pipeline)", None, rate(pipeline))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "floor": floor,
        "rows": rows,
        "signed": signed,
        "credential": credential,
        "key": {
            "type": "ed25519",
            "publicKeyMultibase": key.public_key.multikey,
            "secretKeyMultibase": key.secret_multikey,
            "did": did,
            "verificationMethod": vm,
        },
        "pipeline_verdict": verdict,
        "peak_rss_mb": peak_kb / 1024,
        "warm_up_ms": warm_up_ms,
        "size": len(json.dumps(signed["eddsa-rdfc-2022"], separators=(",", ":"))),
    }


def js_side(suite: str, credential: Any, key: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        return {"error": "node is not on PATH"}
    if not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        return {"error": "tests/interop/node_modules is missing (make node)"}
    command = [node, "--input-type=module", "-e", JS_DRIVER]
    taskset = shutil.which("taskset")
    if taskset:
        command = [taskset, "-c", str(CPU), *command]
    payload = {
        "dbvc": DBVC.as_uri(),
        "suite": suite,
        "credential": credential,
        "key": key,
        "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rounds": ROUNDS,
        "round_seconds": JS_ROUND_SECONDS,
        "warmup_seconds": 2.0,
    }
    env = {**os.environ, "UV_THREADPOOL_SIZE": "1"}
    try:
        proc = subprocess.run(
            command,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=INTEROP,  # bare imports resolve from tests/interop/node_modules
            env=env,
            timeout=JS_TIMEOUT,
            preexec_fn=None if taskset else lambda: os.sched_setaffinity(0, {CPU}),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {"error": str(exc)}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"node exited {proc.returncode}: {last}"}
    out: dict[str, Any] = json.loads(proc.stdout)
    out["sign"] = statistics.median(out["sign_rounds"])
    out["verify"] = statistics.median(out["verify_rounds"])
    return out


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x" if a / b >= 0.1 else f"{a / b:.3f}x"


def main() -> int:
    started = time.perf_counter()
    pinned = pin_to_one_cpu()
    py = python_side()
    js: dict[str, dict[str, Any]] = {}
    for label, suite in (
        ("eddsa-rdfc-2022", "eddsa-rdfc-2022"),
        ("Ed25519Signature2020", "ed25519-signature-2020"),
    ):
        js[label] = js_side(suite, py["credential"], py["key"])
        row = py["rows"][label]
        row.js_sign = js[label].get("sign")
        row.js_verify = js[label].get("verify")

    floor: Row = py["floor"]
    rows: list[Row] = list(py["rows"].values())
    print(
        f"lerkit bench — demo OB 3.0 credential ({py['size']:,} bytes signed, eddsa), "
        f"one core ({pinned}), median of {ROUNDS} rounds, per second"
    )
    node = next((j["node"] for j in js.values() if j.get("node")), "n/a")
    print(f"python {sys.version.split()[0]}; node {node}; @digitalbazaar/vc from tests/interop")
    print()
    header = (
        f"{'operation':<38}{'sign/s':>9}{'verify/s':>10}{'JS sign':>9}{'JS verify':>10}"
        f"{'sign vs JS':>12}{'verify vs JS':>13}{'sign/floor':>12}{'verify/floor':>13}"
    )
    print(header)
    print("-" * len(header))
    for row in [*rows, floor]:
        print(
            f"{row.label:<38}{fmt(row.sign):>9}{fmt(row.verify):>10}{fmt(row.js_sign):>9}"
            f"{fmt(row.js_verify):>10}{ratio(row.sign, row.js_sign):>12}"
            f"{ratio(row.verify, row.js_verify):>13}{ratio(row.sign, floor.sign):>12}"
            f"{ratio(row.verify, floor.verify):>13}"
        )
    print()
    print(f"full pipeline verdict: {py['pipeline_verdict']} (status list served from memory)")
    print(
        f"peak RSS (Python side): {py['peak_rss_mb']:.1f} MB; warm_up(): {py['warm_up_ms']:.1f} ms"
    )
    for label, result in js.items():
        if "error" in result:
            print(f"JS {label}: not measured ({result['error']})")
            continue
        same = result["proof"].get("proofValue") == py["signed"][label]["proof"].get("proofValue")
        print(f"JS {label}: same proofValue as lerkit: {'yes' if same else 'NO'}")
    print()
    for label in js:
        row = py["rows"][label]
        if row.js_sign is None or row.js_verify is None or row.sign is None or row.verify is None:
            print(
                f"target ≥ {TARGET}x the JS library's sign and verify rates, {label}: NOT MEASURED"
            )
            continue
        s, v = row.sign / row.js_sign, row.verify / row.js_verify
        verdict = "MET" if s >= TARGET and v >= TARGET else "NOT MET"
        print(
            f"target ≥ {TARGET}x the JS library's sign and verify rates, {label}: "
            f"{verdict} (sign {s:.2f}x, verify {v:.2f}x)"
        )
    # the issuing service: bulk issuance on SQLite and PostgreSQL, the verify endpoint under
    # load (bench/service.py; its processes are not pinned)
    import service  # bench/service.py, next to this file

    service.print_report(service.bulk_section(), service.verify_section())
    # the later areas: each bench/bench_<area>.py has ``run() -> None`` printing its section
    import importlib

    for area in ("sd", "skills", "market"):
        try:
            module = importlib.import_module(f"bench_{area}")
        except ModuleNotFoundError:
            continue
        print()
        module.run()
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
