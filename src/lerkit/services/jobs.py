"""Background jobs behind an interface: named tasks, a queue that runs them, and leases.

A *task* is a plain function registered under a stable name (``TaskRegistry``); a queue
runs ``task(**kwargs)`` somewhere else: in a thread of this process (``InProcessQueue``,
the default) or in another process (``lerkit.adapters.redis_queue.RedisQueue``, where
several worker processes share nothing but the database and Redis). Keyword arguments
must be JSON values: tasks receive ids, never objects.

A *lease* says "somebody alive is working on X". Whoever runs a long task holds one and
renews it while working; if its process dies the lease lapses after ``ttl`` seconds and
another worker may take the work over (``lerkit.services.bulk.BulkService.resume_stale_jobs``).
Leases only decide *who works*; correctness never depends on them (each step of a task is
idempotent and transactional).

Errors: ``NotFoundError`` for an unknown task name; a task's own exceptions mark its job
``failed`` and are never raised by ``enqueue``.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from lerkit.services.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

Task = Callable[..., Any]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"  # never enqueued here, expired, or lost with a restarted process


PENDING_STATES = frozenset({JobState.QUEUED, JobState.RUNNING})


class TaskRegistry:
    """Named tasks. The names are the contract between whoever enqueues and the workers."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}

    def register(self, name: str, task: Task) -> None:
        if not name or not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"task names are letters, digits, '.', '_' and '-': {name!r}")
        self._tasks[name] = task

    def task(self, name: str) -> Callable[[Task], Task]:
        """Decorator form of ``register``."""

        def decorate(fn: Task) -> Task:
            self.register(name, fn)
            return fn

        return decorate

    def get(self, name: str) -> Task:
        try:
            return self._tasks[name]
        except KeyError:
            raise NotFoundError(f"no background task is named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    def names(self) -> list[str]:
        return sorted(self._tasks)


class JobQueue(Protocol):
    """Runs registered tasks in the background.

    ``enqueue`` returns the job's id. Passing ``job_id`` names the job: while a job of that
    id is still *queued*, enqueueing it again returns the same id and adds nothing (so a
    sweep that re-enqueues lost work cannot pile up copies); once it runs, finished, failed
    or was lost, enqueueing it again starts a fresh run.
    """

    def enqueue(self, task_name: str, *, job_id: str | None = None, **kwargs: Any) -> str: ...

    def status(self, job_id: str) -> JobState: ...


class Lease(Protocol):
    def renew(self) -> bool:
        """Extend the lease by its ttl; False if it had lapsed and someone else took it."""
        ...

    def release(self) -> None: ...


class Leases(Protocol):
    """Short-lived, renewable exclusive claims, shared by every worker of a deployment."""

    def acquire(self, name: str, ttl: float) -> Lease | None:
        """The lease, or None if somebody else holds it."""
        ...

    def held(self, name: str) -> bool: ...


def check_task_kwargs(kwargs: dict[str, Any]) -> None:
    def ok(value: Any) -> bool:
        if value is None or isinstance(value, str | int | float | bool):
            return True
        if isinstance(value, list | tuple):
            return all(ok(v) for v in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and ok(v) for k, v in value.items())
        return False

    bad = [key for key, value in kwargs.items() if not ok(value)]
    if bad:
        raise ValidationError(f"task arguments must be JSON values; not: {', '.join(bad)}")


def new_job_id() -> str:
    return secrets.token_hex(12)


@dataclass
class _Run:
    state: JobState
    future: Future[Any] | None = None
    error: str | None = None


class InProcessQueue:
    """Runs tasks on a small thread pool of this process (``workers=0``: inline, at enqueue).

    Nothing survives the process: after a restart every job is ``unknown``, which is what
    lets ``resume_stale_jobs`` pick the work up again on start-up.
    """

    def __init__(self, registry: TaskRegistry, *, workers: int = 2) -> None:
        self.registry = registry
        self._inline = workers == 0
        self._pool = None if self._inline else ThreadPoolExecutor(workers, "lerkit-job")
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    def enqueue(self, task_name: str, *, job_id: str | None = None, **kwargs: Any) -> str:
        task = self.registry.get(task_name)
        check_task_kwargs(kwargs)
        job_id = job_id or new_job_id()
        with self._lock:
            current = self._runs.get(job_id)
            if current is not None and current.state is JobState.QUEUED:
                return job_id
            run = self._runs[job_id] = _Run(JobState.QUEUED)
        if self._pool is None:
            self._execute(run, task, kwargs)
        else:
            run.future = self._pool.submit(self._execute, run, task, kwargs)
        return job_id

    def _execute(self, run: _Run, task: Task, kwargs: dict[str, Any]) -> None:
        with self._lock:
            run.state = JobState.RUNNING
        try:
            task(**kwargs)
        except Exception as exc:
            log.exception("background task failed")
            with self._lock:
                run.state, run.error = JobState.FAILED, f"{type(exc).__name__}: {exc}"
            return
        with self._lock:
            run.state = JobState.DONE

    def status(self, job_id: str) -> JobState:
        with self._lock:
            run = self._runs.get(job_id)
            return JobState.UNKNOWN if run is None else run.state

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every job enqueued so far has finished (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                futures = [r.future for r in self._runs.values() if r.future is not None]
            pending = [f for f in futures if not f.done()]
            if not pending:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("background jobs still running")
            pending[0].exception(timeout=remaining)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


@dataclass
class _MemoryLease:
    owner: Leases
    name: str
    token: str
    ttl: float

    def renew(self) -> bool:
        assert isinstance(self.owner, InMemoryLeases)
        return self.owner._renew(self)

    def release(self) -> None:
        assert isinstance(self.owner, InMemoryLeases)
        self.owner._release(self)


@dataclass
class InMemoryLeases:
    """Leases of one process; ``clock`` returns seconds (monotonic by default)."""

    clock: Callable[[], float] = time.monotonic
    _held: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, name: str, ttl: float) -> Lease | None:
        with self._lock:
            now = self.clock()
            current = self._held.get(name)
            if current is not None and current[1] > now:
                return None
            token = secrets.token_hex(8)
            self._held[name] = (token, now + ttl)
            return _MemoryLease(self, name, token, ttl)

    def held(self, name: str) -> bool:
        with self._lock:
            current = self._held.get(name)
            return current is not None and current[1] > self.clock()

    def _renew(self, lease: _MemoryLease) -> bool:
        with self._lock:
            current = self._held.get(lease.name)
            if current is None or current[0] != lease.token:
                return False
            self._held[lease.name] = (lease.token, self.clock() + lease.ttl)
            return True

    def _release(self, lease: _MemoryLease) -> None:
        with self._lock:
            current = self._held.get(lease.name)
            if current is not None and current[0] == lease.token:
                del self._held[lease.name]


class HeldLease:
    """A lease kept alive by a daemon thread (renewing every ttl/3) while work goes on.

    ``lost`` turns true if a renewal failed: the holder should stop at its next step.
    The thread dies with the process, so a killed worker's lease lapses after ``ttl``.
    """

    def __init__(self, lease: Lease, ttl: float) -> None:
        self._lease = lease
        self._ttl = ttl
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._keep, name="lerkit-lease", daemon=True)
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            try:
                if not self._lease.renew():
                    self.lost = True
                    return
            except Exception:  # a blip reaching the lease store: try again next tick
                log.warning("could not renew a lease", exc_info=True)

    def release(self) -> None:
        self._stop.set()
        self._thread.join()
        if not self.lost:
            self._lease.release()


@contextmanager
def hold(leases: Leases, name: str, ttl: float) -> Iterator[HeldLease | None]:
    """``with hold(leases, name, ttl) as held:`` -- None if somebody else holds ``name``."""
    lease = leases.acquire(name, ttl)
    if lease is None:
        yield None
        return
    held = HeldLease(lease, ttl)
    try:
        yield held
    finally:
        held.release()
