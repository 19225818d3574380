"""The background worker: ``python -m lerkit.worker`` (or ``lerkit worker``).

Runs jobs from the Redis queue (``LERKIT_REDIS_URL``) against the database
(``LERKIT_DATABASE_URL``). Start as many as you like, on as many machines: they share
nothing but Redis and the database. Each worker also *sweeps*: on start-up and every
``--sweep-interval`` seconds it re-enqueues bulk jobs whose worker died (see
``BulkService.resume_stale_jobs``), so work never waits for a particular worker to return.

Plugins (``--plugin MODULE``, repeatable) are modules with ``configure(context)`` that may
register tasks on ``context.registry`` or set ``context.issue_row`` / ``context.revoke``;
without a plugin the issuer comes from ``lerkit.bootstrap.build_bulk_issuer`` when the
issuance service provides it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from lerkit import bootstrap
from lerkit.adapters.redis_queue import DEFAULT_QUEUE, RedisQueue
from lerkit.config import Settings, SettingsError
from lerkit.db.session import Database
from lerkit.services.bulk import BulkService, IssueRow, RevokeCredential
from lerkit.services.jobs import TaskRegistry

log = logging.getLogger("lerkit.worker")


@dataclass
class WorkerContext:
    """What plugins see and may fill in."""

    settings: Settings
    db: Database
    registry: TaskRegistry
    issue_row: IssueRow | None = None
    revoke: RevokeCredential | None = None
    extras: dict[str, object] = field(default_factory=dict)


@dataclass
class Worker:
    queue: RedisQueue
    bulk: BulkService
    sweep_interval: float

    def sweep_forever(self, stop: threading.Event) -> None:
        while True:
            try:
                self.bulk.resume_stale_jobs()
            except Exception:  # Redis or the database hiccuped: try next time
                log.exception("sweeping for stale jobs failed")
            if stop.wait(self.sweep_interval):
                return


def build_worker(
    settings: Settings,
    *,
    queue_name: str = DEFAULT_QUEUE,
    plugins: Sequence[str] = (),
    lease_ttl: float = 30.0,
    sweep_interval: float = 15.0,
) -> Worker:
    if not settings.redis_url:
        raise SettingsError(
            "LERKIT_REDIS_URL is not set; without Redis, jobs run inside `lerkit serve`"
        )
    db = Database(settings.effective_database_url)
    registry = TaskRegistry()
    context = WorkerContext(settings, db, registry)
    for name in plugins:
        importlib.import_module(name).configure(context)
    if context.issue_row is None:
        factory = getattr(bootstrap, "build_bulk_issuer", None)
        if factory is None:
            raise SettingsError("no issuer is configured for bulk jobs in this worker")
        context.issue_row, context.revoke = factory(settings, db)
    assert context.issue_row is not None
    queue, leases = bootstrap.build_redis_backend(settings, registry, queue_name)
    bulk = BulkService(
        db=db,
        queue=queue,
        leases=leases,
        issue_row=context.issue_row,
        revoke=context.revoke,
        clock=bootstrap.utc_now,
        entropy=os.urandom,
        lease_ttl=lease_ttl,
    )
    bulk.register_tasks(registry)
    return Worker(queue, bulk, sweep_interval)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lerkit worker", description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default=DEFAULT_QUEUE, help="queue name (default: lerkit)")
    parser.add_argument("--burst", action="store_true", help="run what is queued, then exit")
    parser.add_argument("--plugin", action="append", default=[], help="module with configure()")
    parser.add_argument("--lease-ttl", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--sweep-interval", type=float, default=15.0, help="seconds (default 15)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")
    try:
        worker = build_worker(
            Settings.from_env(),
            queue_name=args.queue,
            plugins=args.plugin,
            lease_ttl=args.lease_ttl,
            sweep_interval=args.sweep_interval,
        )
    except SettingsError as exc:
        print(f"lerkit worker: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    if args.burst:
        worker.bulk.resume_stale_jobs()
    else:
        threading.Thread(
            target=worker.sweep_forever, args=(stop,), name="lerkit-sweep", daemon=True
        ).start()
    try:
        worker.queue.worker().work(burst=args.burst, logging_level=args.log_level)
    finally:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
