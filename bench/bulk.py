"""Bulk issuance benchmark: N credentials with status entries, stored, on one database.

    python bench/bulk.py --backend sqlite|postgresql [--count 10000]

Prints one JSON line. Run by ``bench/run.py`` (``make bench``) once per backend, each in
its own process, so that the peak RSS it reports (``ru_maxrss``) is that of the process
doing this issuance and nothing else.

What it does, through the services as ``lerkit serve`` wires them (``build_services``):

* a fresh database — SQLite: a file in a temporary directory; PostgreSQL: a throwaway
  database ``lerkit_bench_<hex>`` created on 127.0.0.1:5432 and dropped at the end —
  migrated to head; a fresh organization (did:web) and one achievement (three ESCO
  alignments, as in the demo);
* **bulk path** (when ``services.bulk`` is wired): a CSV of N recipients' email addresses,
  ``BulkService.commit`` (parse, validate every row, store the job and its rows), then the
  ``bulk.run`` job on the in-process queue: each row signed (eddsa-rdfc-2022), given a
  revocation and a suspension status entry at random free indexes, and stored, one
  transaction per row (credential + entries + row outcome);
* **loop path** (no bulk wiring): ``IssuanceService.issue`` N times with idempotency keys.

Then it checks that N credentials and 2N status entries are stored.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database (dropped afterwards for PostgreSQL)."""
    if backend == "sqlite":
        yield f"sqlite:///{(workdir / 'bench.db').resolve()}"
        return
    import psycopg
    from psycopg.sql import SQL, Identifier

    name = f"lerkit_bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(**PG, dbname="postgres", autocommit=True, connect_timeout=3)
    try:
        admin.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
        try:
            yield f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(SQL("DROP DATABASE IF EXISTS {}").format(Identifier(name)))
    finally:
        admin.close()


def run(backend: str, count: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from lerkit.bootstrap import build_services
    from lerkit.cli.demo_commands import ACHIEVEMENTS
    from lerkit.config import Settings
    from lerkit.core.jsonld import warm_up
    from lerkit.db.migrate import upgrade
    from lerkit.db.models import IssuedCredential, StatusEntry
    from lerkit.services.context import Actor

    with (
        tempfile.TemporaryDirectory(prefix="lerkit-bench-") as tmp,
        database(backend, Path(tmp)) as url,
    ):
        settings = Settings(
            data_dir=Path(tmp), database_url=url, public_url="http://localhost:8000"
        )
        upgrade(url)
        services = build_services(settings)
        try:
            warm_up()
            with services.database.session() as session:
                org = services.organizations.create(
                    session,
                    name="Bench University",
                    slug="bench-university",
                    did_method="web",
                    owner_email="registrar@bench.example",
                    created_by="bench",
                )
                actor = Actor(organization_id=org.id, role="owner", label="bench")
            achievement = services.achievements.create(actor, ACHIEVEMENTS[1]).to_json()["id"]
            # one credential first, outside the timing (first-use costs: key unsealing, ...)
            services.issuance.issue(actor, achievement, "warm-up@bench.example")
            rss_before = _rss_mb()
            emails = [f"learner{i:05d}@bench.example" for i in range(count)]
            commit_seconds: float | None = None
            t0 = time.perf_counter()
            if services.bulk is not None:
                path = "bulk runner (BulkService.commit + bulk.run on the in-process queue)"
                content = ("email\n" + "\n".join(emails) + "\n").encode()
                job = services.bulk.commit(actor, achievement, content, "bench.csv")
                commit_seconds = time.perf_counter() - t0
                drain = getattr(services.queue, "drain", None)
                if callable(drain):
                    drain(timeout=3600)
                while True:  # the job is done when its state says so
                    progress = services.bulk.progress(actor, job)
                    if progress.state in ("done", "failed"):
                        break
                    time.sleep(0.05)
                if progress.state != "done" or progress.issued != count:
                    raise SystemExit(f"bulk job ended {progress}")
            else:
                path = "IssuanceService.issue in a loop (bulk runner not wired)"
                for i, email in enumerate(emails):
                    services.issuance.issue(actor, achievement, email, idempotency_key=f"b-{i}")
            seconds = time.perf_counter() - t0
            with services.database.session() as session:
                stored = session.scalar(select(func.count()).select_from(IssuedCredential))
                entries = session.scalar(select(func.count()).select_from(StatusEntry))
            stored = (stored or 0) - 1  # the warm-up credential
            entries = (entries or 0) - 2
            if stored != count or entries != 2 * count:
                raise SystemExit(f"stored {stored} credentials and {entries} status entries")
        finally:
            services.close()
    return {
        "backend": backend,
        "count": count,
        "path": path,
        "seconds": seconds,
        "commit_seconds": commit_seconds,
        "per_second": count / seconds,
        "stored": stored,
        "status_entries": entries,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.backend, args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
