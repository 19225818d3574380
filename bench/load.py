"""Load generator: POST one body to one URL, from N concurrent clients, a fixed number of
times; print requests/s and latency percentiles as one JSON line.

    python bench/load.py --url http://127.0.0.1:8000/credentials/verify --body body.json \
        [--concurrency 16] [--requests 2000] [--warmup 50] [--expect '"verified":true']

Run by ``bench/run.py`` as its own process, so the load does not share the server's
interpreter. asyncio + httpx: each client keeps one connection and sends its next request
when the previous answer has been read (closed loop). A response counts as OK when its
status is 200 and its body contains ``--expect``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (sorted here)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _run(args: argparse.Namespace) -> dict[str, object]:
    body = Path(args.body).read_bytes()
    expect = args.expect.encode()
    headers = {"Content-Type": "application/json"}
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    latencies: list[float] = []
    failures: list[str] = []
    remaining = args.requests
    ok_count = 0

    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one() -> tuple[float, bool, str]:
            t0 = time.perf_counter()
            response = await client.post(args.url, content=body, headers=headers)
            elapsed = time.perf_counter() - t0
            ok = response.status_code == 200 and expect in response.content
            return elapsed, ok, f"{response.status_code}: {response.text[:200]}"

        for _ in range(args.warmup):  # warm the server (and the connections) first
            await one()

        async def client_loop() -> None:
            nonlocal remaining, ok_count
            while remaining > 0:
                remaining -= 1
                try:
                    elapsed, ok, detail = await one()
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(elapsed)
                if ok:
                    ok_count += 1
                else:
                    failures.append(detail)

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(args.concurrency)))
        seconds = time.perf_counter() - started

    return {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "ok": ok_count,
        "failed": len(failures),
        "first_failure": failures[0] if failures else None,
        "seconds": seconds,
        "per_second": args.requests / seconds,
        "p50_ms": percentile(latencies, 0.50) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else None,
        "max_ms": max(latencies) * 1000 if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", required=True, help="file with the request body (JSON)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--expect", default='"verified":true')
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(_run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
