"""The Redis-backed job queue (rq) and Redis leases, for several worker processes.

Processes that enqueue and processes that work share nothing but Redis and the database.
A job is the call ``run_task(task_name, kwargs)``; each worker process installs its
``TaskRegistry`` (``install_registry``, done by ``lerkit.worker``) and looks the task up by
name, so enqueuing needs no import of the task's code and kwargs stay JSON.

Workers are rq ``SimpleWorker``s: a job runs in the worker process itself (no fork), so
killing the worker kills its job, and the job shares the process's database pool and the
threads that keep its leases alive.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RqStatus

from lerkit.services.jobs import JobState, Lease, TaskRegistry, check_task_kwargs, new_job_id

DEFAULT_QUEUE = "lerkit"
DEFAULT_JOB_TIMEOUT = 6 * 3600  # seconds; a bulk job of 100,000 rows fits comfortably
_RESULT_TTL = 24 * 3600
_ID_SAFE = re.compile(r"[^A-Za-z0-9_-]")

_STATES = {
    RqStatus.CREATED: JobState.QUEUED,
    RqStatus.QUEUED: JobState.QUEUED,
    RqStatus.DEFERRED: JobState.QUEUED,
    RqStatus.SCHEDULED: JobState.QUEUED,
    RqStatus.READY_TO_ENQUEUE: JobState.QUEUED,
    RqStatus.RATE_LIMITED: JobState.QUEUED,
    RqStatus.STARTED: JobState.RUNNING,
    RqStatus.FINISHED: JobState.DONE,
    RqStatus.FAILED: JobState.FAILED,
    RqStatus.STOPPED: JobState.FAILED,
    RqStatus.CANCELED: JobState.FAILED,
}

_registry: TaskRegistry | None = None


def install_registry(registry: TaskRegistry) -> None:
    """Make ``registry`` the tasks this (worker) process runs."""
    global _registry
    _registry = registry


def run_task(task_name: str, kwargs: dict[str, Any]) -> None:
    """What rq executes: the named task of this process's registry."""
    if _registry is None:
        raise RuntimeError("this process has no task registry; start workers with `lerkit worker`")
    _registry.get(task_name)(**kwargs)


class RedisQueue:
    """``JobQueue`` on an rq queue named ``name`` (one name per deployment, or per test)."""

    def __init__(
        self,
        connection: Redis,
        registry: TaskRegistry,
        *,
        name: str = DEFAULT_QUEUE,
        job_timeout: int = DEFAULT_JOB_TIMEOUT,
    ) -> None:
        self.connection = connection
        self.registry = registry
        self.name = name
        self.job_timeout = job_timeout
        self._queue = Queue(name, connection=connection)
        self._prefix = _ID_SAFE.sub("_", name)

    def _rq_id(self, job_id: str) -> str:
        return f"{self._prefix}-{_ID_SAFE.sub('_', job_id)}"

    def _fetch(self, job_id: str) -> Job | None:
        try:
            return Job.fetch(self._rq_id(job_id), connection=self.connection)
        except NoSuchJobError:
            return None

    def enqueue(self, task_name: str, *, job_id: str | None = None, **kwargs: Any) -> str:
        self.registry.get(task_name)
        check_task_kwargs(kwargs)
        job_id = job_id or new_job_id()
        existing = self._fetch(job_id)
        if existing is not None:
            if _STATES.get(existing.get_status(), JobState.UNKNOWN) is JobState.QUEUED:
                return job_id
            existing.delete()  # finished, failed or abandoned: start a fresh run
        self._queue.enqueue(
            "lerkit.adapters.redis_queue.run_task",
            task_name,
            kwargs,
            job_id=self._rq_id(job_id),
            job_timeout=self.job_timeout,
            result_ttl=_RESULT_TTL,
            failure_ttl=_RESULT_TTL,
            description=f"lerkit {task_name}",
        )
        return job_id

    def status(self, job_id: str) -> JobState:
        job = self._fetch(job_id)
        if job is None:
            return JobState.UNKNOWN
        try:
            return _STATES.get(job.get_status(), JobState.UNKNOWN)
        except InvalidJobOperation:  # the job's hash expired between fetch and read
            return JobState.UNKNOWN

    def worker(self, *, name: str | None = None) -> SimpleWorker:
        """An rq worker for this queue, running this process's installed registry."""
        install_registry(self.registry)
        worker_name = name or f"{self._prefix}-{secrets.token_hex(4)}"
        return SimpleWorker([self._queue], connection=self.connection, name=worker_name)

    def drain(self, timeout: float = 30.0) -> None:
        """Run every queued job in this process, then return (tests, ``--burst``)."""
        deadline = time.monotonic() + timeout
        worker = self.worker()
        while self._queue.count and time.monotonic() < deadline:
            worker.work(burst=True, logging_level="WARNING")
        if self._queue.count:
            raise TimeoutError("background jobs still queued")


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class _RedisLease:
    def __init__(self, leases: RedisLeases, key: str, token: str, ttl: float) -> None:
        self._leases, self._key, self._token, self._ttl = leases, key, token, ttl

    def renew(self) -> bool:
        ms = max(1, int(self._ttl * 1000))
        return bool(self._leases.connection.eval(_RENEW, 1, self._key, self._token, ms))

    def release(self) -> None:
        self._leases.connection.eval(_RELEASE, 1, self._key, self._token)


class RedisLeases:
    """``Leases`` as Redis keys with a TTL (``SET NX PX``), renewed and released only by
    their holder's token; keys live under ``lerkit:<namespace>:lease:``."""

    def __init__(self, connection: Redis, *, namespace: str = DEFAULT_QUEUE) -> None:
        self.connection = connection
        self.namespace = namespace

    def _key(self, name: str) -> str:
        return f"lerkit:{self.namespace}:lease:{name}"

    def acquire(self, name: str, ttl: float) -> Lease | None:
        token = secrets.token_hex(8)
        key = self._key(name)
        if self.connection.set(key, token, nx=True, px=max(1, int(ttl * 1000))):
            return _RedisLease(self, key, token, ttl)
        return None

    def held(self, name: str) -> bool:
        return bool(self.connection.exists(self._key(name)))
