"""A real worker process killed in the middle of a bulk job: nothing lost, nothing twice.

PostgreSQL and Redis. The worker (``python -m lerkit.worker``) loads a test plugin,
written to ``tmp_path`` and put on ``PYTHONPATH``, whose ``issue_row`` writes the
credential through the runner's session after sleeping a little per row, so the kill
lands mid-job. The first worker is killed with SIGKILL (its whole process group: nothing
of it survives); a second worker starts, its sweep finds the job (the lease lapsed, rq
still says "started"), re-enqueues it and finishes it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from test_bulk import FakeIssuer, csv_file, make_service, seed
from test_jobs import purge_redis

from lerkit.adapters.redis_queue import RedisLeases, RedisQueue
from lerkit.db.models import BulkJob, BulkRow, IssuedCredential
from lerkit.db.session import Database
from lerkit.services.jobs import TaskRegistry
from support import REDIS_URL, redis_available, require

ROWS = 300

PLUGIN = """
import os
import time

from test_bulk import write_credential

DELAY = float(os.environ["LERKIT_TEST_ROW_DELAY"])


def issue_row(session, issue):
    time.sleep(DELAY)
    return write_credential(session, issue)


def configure(context):
    context.issue_row = issue_row
"""


@pytest.fixture
def redis_queue_name() -> Iterator[str]:
    require(redis_available(), "Redis at 127.0.0.1:6379")
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    name = f"t-crash-{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        purge_redis(connection, name)
        connection.close()


def wait_for(what: str, check: Callable[[], Any], timeout: float, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    db: Database, database_url: str, redis_queue_name: str, tmp_path: Path
) -> None:
    from redis import Redis

    actor, achievement = seed(db)
    plugin = f"lerkit_test_plugin_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{plugin}.py").write_text(PLUGIN)
    tests_dir = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "LERKIT_DATABASE_URL": database_url,
        "LERKIT_REDIS_URL": REDIS_URL,
        "LERKIT_DATA_DIR": str(tmp_path / "data"),
        "LERKIT_TEST_ROW_DELAY": "0.02",
        "PYTHONPATH": os.pathsep.join(
            [str(tmp_path), str(tests_dir / "integration"), str(tests_dir)]
        ),
    }
    command = [
        sys.executable,
        "-m",
        "lerkit.worker",
        "--queue",
        redis_queue_name,
        "--plugin",
        plugin,
        "--lease-ttl",
        "1",
        "--sweep-interval",
        "0.3",
        "--log-level",
        "WARNING",
    ]
    log = tmp_path / "worker.log"

    def start_worker() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    connection = Redis.from_url(REDIS_URL)
    queue = RedisQueue(connection, TaskRegistry(), name=redis_queue_name)
    bulk = make_service(
        db, FakeIssuer(), queue, RedisLeases(connection, namespace=redis_queue_name)
    )
    bulk.register_tasks(queue.registry)
    content = csv_file(*(f"learner{i}@example.org,Learner {i},{i % 100}" for i in range(ROWS)))
    job = bulk.commit(actor, achievement, content, "cohort.csv")

    def processed() -> int:
        with db.session() as session:
            count = session.scalar(select(BulkJob.processed_rows).where(BulkJob.public_id == job))
        return count or 0

    first = start_worker()
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_for("the first rows", lambda: processed() >= 40, 60, log)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        at_kill = processed()
        assert at_kill < ROWS, "the job finished before the kill; the test proves nothing"

        second = start_worker()
        wait_for("the job to finish", lambda: bulk.progress(actor, job).state == "done", 90, log)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(10)
        connection.close()

    progress = bulk.progress(actor, job)
    assert (progress.state, progress.processed, progress.total) == ("done", ROWS, ROWS)
    assert (progress.issued, progress.skipped, progress.failed) == (ROWS, 0, 0)
    with db.session() as session:
        keys = list(session.scalars(select(IssuedCredential.idempotency_key)))
        row_keys = set(session.scalars(select(BulkRow.idempotency_key)))
        linked = session.scalar(
            select(func.count(func.distinct(BulkRow.credential_id))).where(
                BulkRow.state == "issued"
            )
        )
    assert len(keys) == ROWS, "a credential was lost or issued twice"
    assert set(keys) == row_keys
    assert linked == ROWS
    assert bulk.resume_stale_jobs() == []
