"""The job queue and lease conformance tests: one set of tests, every implementation.

Redis-backed runs use a queue name private to the test and delete its keys afterwards;
missing Redis skips on a laptop and fails in CI.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.jobs import (
    InMemoryLeases,
    InProcessQueue,
    JobQueue,
    JobState,
    Leases,
    TaskRegistry,
    hold,
)
from support import REDIS_URL, redis_available, require


def purge_redis(connection: Any, name: str) -> None:
    """Delete every key of the rq queue / lease namespace ``name``."""
    for key in list(connection.scan_iter(f"*{name}*", count=1000)):
        connection.delete(key)
    for set_key in ("rq:workers", "rq:queues"):
        for member in connection.smembers(set_key):
            if name in member.decode():
                connection.srem(set_key, member)


@pytest.fixture
def redis_namespace() -> Iterator[tuple[Any, str]]:
    require(redis_available(), "Redis at 127.0.0.1:6379")
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    name = f"t-{uuid.uuid4().hex[:12]}"
    try:
        yield connection, name
    finally:
        purge_redis(connection, name)
        connection.close()


@dataclass
class Kit:
    queue: JobQueue
    registry: TaskRegistry
    drain: Callable[[], None]
    calls: list[dict[str, Any]]
    gate: threading.Event


def _registry(calls: list[dict[str, Any]], gate: threading.Event) -> TaskRegistry:
    registry = TaskRegistry()

    @registry.task("test.record")
    def record(**kwargs: Any) -> None:
        calls.append(kwargs)

    @registry.task("test.fail")
    def fail() -> None:
        raise RuntimeError("this task always fails")

    @registry.task("test.wait")
    def wait() -> None:
        assert gate.wait(10)

    return registry


@pytest.fixture(params=["in-process", "redis"])
def kit(request: pytest.FixtureRequest) -> Iterator[Kit]:
    calls: list[dict[str, Any]] = []
    gate = threading.Event()
    registry = _registry(calls, gate)
    if request.param == "in-process":
        queue = InProcessQueue(registry, workers=1)
        yield Kit(queue, registry, queue.drain, calls, gate)
        gate.set()
        queue.close()
        return
    from lerkit.adapters.redis_queue import RedisQueue

    connection, name = request.getfixturevalue("redis_namespace")
    rqueue = RedisQueue(connection, registry, name=name)
    yield Kit(rqueue, registry, rqueue.drain, calls, gate)
    gate.set()


def test_a_task_runs_with_its_arguments(kit: Kit) -> None:
    job_id = kit.queue.enqueue("test.record", n=1, tags=["a", "b"], meta={"k": None})
    kit.gate.set()
    kit.drain()
    assert kit.queue.status(job_id) is JobState.DONE
    assert kit.calls == [{"n": 1, "tags": ["a", "b"], "meta": {"k": None}}]


def test_a_failing_task_marks_its_job_failed(kit: Kit) -> None:
    job_id = kit.queue.enqueue("test.fail")
    kit.drain()
    assert kit.queue.status(job_id) is JobState.FAILED


def test_unknown_tasks_and_non_json_arguments_are_refused(kit: Kit) -> None:
    with pytest.raises(NotFoundError, match="no background task"):
        kit.queue.enqueue("test.nope")
    with pytest.raises(ValidationError, match="JSON"):
        kit.queue.enqueue("test.record", when=object())
    assert kit.queue.status("never-enqueued") is JobState.UNKNOWN


def test_a_named_job_is_queued_at_most_once(kit: Kit) -> None:
    kit.queue.enqueue("test.wait")  # keeps the in-process worker busy; Redis waits anyway
    first = kit.queue.enqueue("test.record", job_id="named-1", n=1)
    again = kit.queue.enqueue("test.record", job_id="named-1", n=2)
    assert first == again == "named-1"
    assert kit.queue.status("named-1") is JobState.QUEUED
    kit.gate.set()
    kit.drain()
    assert kit.calls == [{"n": 1}]
    assert kit.queue.status("named-1") is JobState.DONE
    kit.queue.enqueue("test.record", job_id="named-1", n=3)  # finished: runs again
    kit.drain()
    assert kit.calls == [{"n": 1}, {"n": 3}]


@pytest.fixture(params=["in-memory", "redis"])
def leases(request: pytest.FixtureRequest) -> Leases:
    if request.param == "in-memory":
        return InMemoryLeases()
    from lerkit.adapters.redis_queue import RedisLeases

    connection, name = request.getfixturevalue("redis_namespace")
    return RedisLeases(connection, namespace=name)


def test_a_lease_is_exclusive_until_released(leases: Leases) -> None:
    lease = leases.acquire("job-1", ttl=10)
    assert lease is not None
    assert leases.held("job-1")
    assert leases.acquire("job-1", ttl=10) is None
    assert leases.acquire("job-2", ttl=10) is not None
    assert lease.renew()
    lease.release()
    assert not leases.held("job-1")
    assert leases.acquire("job-1", ttl=10) is not None


def test_a_lapsed_lease_can_be_taken_and_its_old_holder_knows(leases: Leases) -> None:
    old = leases.acquire("job-1", ttl=0.2)
    assert old is not None
    time.sleep(0.35)
    assert not leases.held("job-1")
    new = leases.acquire("job-1", ttl=10)
    assert new is not None
    assert not old.renew()
    old.release()  # must not release the new holder's lease
    assert leases.held("job-1")


def test_hold_keeps_a_lease_alive_while_working(leases: Leases) -> None:
    with hold(leases, "job-1", ttl=0.3) as held:
        assert held is not None
        time.sleep(0.7)
        assert leases.held("job-1")
        assert not held.lost
        with hold(leases, "job-1", ttl=0.3) as other:
            assert other is None
    assert not leases.held("job-1")
