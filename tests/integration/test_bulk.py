"""Bulk issuance: reading files, the dry run, commit -> job -> report (in process), the
duplicate policies, idempotency across uploads, and recovery after a crash in a row.

The issuer is a fake ``issue_row`` that writes ``IssuedCredential`` rows through the
runner's session and records its calls; the database is real (SQLite and PostgreSQL).
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lerkit.db.models import (
    Achievement,
    AchievementVersion,
    BulkRow,
    IssuedCredential,
    Organization,
)
from lerkit.db.session import Database
from lerkit.services.bulk import (
    BulkLimits,
    BulkOptions,
    BulkService,
    RowIssue,
    parse_table,
    suggest_mapping,
    validate_rows,
)
from lerkit.services.context import Actor
from lerkit.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from lerkit.services.jobs import InMemoryLeases, InProcessQueue, JobState, TaskRegistry

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

# ------------------------------------------------------------------ reading files


def test_csv_with_bom_and_semicolons_is_read() -> None:
    content = (
        "\ufeffE-mail;Name;Score\r\n"
        "ada@example.org;Ada Lovelace;A\r\n"
        "\r\n"
        'alan@example.org;"Turing; Alan";B\r\n'
    )
    table = parse_table(content.encode("utf-8"), "grades.csv")
    assert table.headers == ["E-mail", "Name", "Score"]
    assert table.rows == [
        (2, {"E-mail": "ada@example.org", "Name": "Ada Lovelace", "Score": "A"}),
        (4, {"E-mail": "alan@example.org", "Name": "Turing; Alan", "Score": "B"}),
    ]
    assert suggest_mapping(table.headers) == {
        "recipient_email": "E-mail",
        "recipient_name": "Name",
        "result": "Score",
    }


def test_csv_with_commas_is_read() -> None:
    table = parse_table(b"email,did\nada@example.org,\n,did:key:z6Mk\n", "x.CSV")
    assert [values for _, values in table.rows] == [
        {"email": "ada@example.org", "did": ""},
        {"email": "", "did": "did:key:z6Mk"},
    ]


def test_xlsx_is_read_from_its_first_sheet() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Email address", "Grade", "Evidence"])
    sheet.append(["ada@example.org", 97.0, "https://example.org/e/1"])
    sheet.append([None, None, None])
    sheet.append(["alan@example.org", 88.5, None])
    out = io.BytesIO()
    book.save(out)
    table = parse_table(out.getvalue(), "grades.xlsx")
    assert table.rows == [
        (
            2,
            {
                "Email address": "ada@example.org",
                "Grade": "97",
                "Evidence": "https://example.org/e/1",
            },
        ),
        (4, {"Email address": "alan@example.org", "Grade": "88.5", "Evidence": ""}),
    ]
    assert suggest_mapping(table.headers)["evidence_url"] == "Evidence"


@pytest.mark.parametrize(
    ("content", "name", "limits", "message"),
    [
        (b"email\n" + "é".encode("latin-1"), "a.csv", None, "not UTF-8 text"),
        (b"email\n" + b"a@b.co\n" * 100, "a.csv", BulkLimits(max_bytes=100), "the limit is"),
        (b"email\n" + b"a@b.co\n" * 11, "a.csv", BulkLimits(max_rows=10), "more than 10 rows"),
        (b"x", "a.xls", None, ".xls files are not supported"),
        (b"x", "a.pdf", None, "upload a .csv or .xlsx"),
        (b"not a zip", "a.xlsx", None, "not a readable .xlsx"),
        (b"email,name,email\n", "a.csv", None, "'email' appears twice (columns A and C)"),
        (b"email\na@b.co,extra\n", "a.csv", None, "row 2: has 2 values but the header has 1"),
        (b"\n\n", "a.csv", None, "the file is empty"),
    ],
)
def test_unreadable_files_are_refused_in_plain_words(
    content: bytes, name: str, limits: BulkLimits | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_table(content, name, limits)


def test_every_row_is_validated_with_plain_messages() -> None:
    content = (
        "email,did,name,result,evidence\n"
        "ada@example.org,,Ada,A,https://example.org/1\n"  # 2 ok
        "ada@,,Ada,A,\n"  # 3
        ",did:nope,Bob,,\n"  # 4
        ",,Nobody,,\n"  # 5
        "carol@example.org,,Carol,,ftp://example.org/x\n"  # 6
        "ADA@example.org,,Ada,A,https://example.org/1\n"  # 7 repeats 2
        ",did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,Dave,,\n"  # 8 ok
    )
    table = parse_table(content.encode(), "f.csv")
    mapping = suggest_mapping(table.headers)
    rows, errors = validate_rows(table, mapping, "ach-1")
    assert [r.row for r in rows] == [2, 8]
    assert [r.recipient_type for r in rows] == ["email", "did"]
    assert [str(e) for e in errors] == [
        "row 3: 'ada@' is not an email address",
        "row 4: 'did:nope' is not a DID (did:method:identifier)",
        "row 5: no recipient: 'email' or 'did' is empty",
        "row 6: 'ftp://example.org/x' is not a web address (http:// or https://)",
        "row 7: repeats row 2 (the same recipient and values); remove one",
    ]


def test_mappings_are_checked_against_the_header() -> None:
    table = parse_table(b"mail,who\na@b.co,A\n", "f.csv")
    with pytest.raises(ValidationError, match="column 'Email' is not in the file"):
        validate_rows(table, {"recipient_email": "Email"}, "a")
    with pytest.raises(ValidationError, match="email address or DID"):
        validate_rows(table, {"recipient_name": "who"}, "a")
    with pytest.raises(ValidationError, match="unknown mapping field"):
        validate_rows(table, {"recipient_email": "mail", "colour": "who"}, "a")


def test_keys_come_from_the_mapped_column_or_the_row_content() -> None:
    table = parse_table(b"email,ref\na@b.co,K-1\nc@d.co,\n", "f.csv")
    rows, errors = validate_rows(table, {"recipient_email": "email", "idempotency_key": "ref"}, "a")
    assert [r.idempotency_key for r in rows] == ["K-1"]
    assert [str(e) for e in errors] == ["row 3: the idempotency key ('ref') is empty"]
    one, _ = validate_rows(table, {"recipient_email": "email"}, "ach-1")
    reordered = parse_table(b"ref,email\n,c@d.co\nK-1,a@b.co\n", "other-name.csv")
    two, _ = validate_rows(reordered, {"recipient_email": "email"}, "ach-1")
    other, _ = validate_rows(table, {"recipient_email": "email"}, "ach-2")
    assert {r.idempotency_key for r in one} == {r.idempotency_key for r in two}
    assert not {r.idempotency_key for r in one} & {r.idempotency_key for r in other}


# ------------------------------------------------------------------ the service


@dataclass
class FakeIssuer:
    """``issue_row`` writing a credential through the runner's session."""

    clock_start: datetime = START
    calls: list[RowIssue] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)
    crash_at_call: int | None = None
    gate: threading.Event | None = None
    gate_after: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, session: Session, issue: RowIssue) -> int:
        with self._lock:
            self.calls.append(issue)
            n = len(self.calls)
        if self.gate is not None and n > self.gate_after:
            assert self.gate.wait(10)
        if self.crash_at_call == n:
            raise KeyboardInterrupt("the process dies in the middle of a row")
        if issue.recipient in self.fail_for:
            raise ValidationError(f"{issue.recipient} cannot receive credentials")
        return write_credential(session, issue)


def write_credential(session: Session, issue: RowIssue) -> int:
    version = session.scalar(
        select(AchievementVersion.id)
        .where(AchievementVersion.achievement_id == issue.achievement_id)
        .order_by(AchievementVersion.version.desc())
        .limit(1)
    )
    credential = IssuedCredential(
        organization_id=issue.organization_id,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        achievement_version_id=version,
        recipient=issue.recipient,
        recipient_type=issue.recipient_type,
        format=issue.format,
        document="{}",
        idempotency_key=issue.idempotency_key,
        issued_at=START,
    )
    session.add(credential)
    session.flush()
    return credential.id


def revoke(session: Session, actor: Actor, credential_pk: int, reason: str) -> None:
    credential = session.get(IssuedCredential, credential_pk)
    assert credential is not None
    credential.revoked_at = START
    credential.status_reason = reason


class HeldQueue:
    """A queue that only records: jobs wait until the test runs them (a stopped worker)."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    def enqueue(self, task_name: str, *, job_id: str | None = None, **kwargs: Any) -> str:
        job_id = job_id or uuid.uuid4().hex
        self.jobs[job_id] = {"task": task_name, **kwargs}
        return job_id

    def status(self, job_id: str) -> JobState:
        return JobState.QUEUED if job_id in self.jobs else JobState.UNKNOWN


def seed(db: Database, slug: str = "school") -> tuple[Actor, str]:
    """An organization with one achievement; returns an issuer actor and its public id."""
    with db.session() as session:
        org = Organization(
            slug=slug,
            name=slug.title(),
            did=f"did:key:z{slug}",
            did_method="key",
            profile={},
            created_at=START,
        )
        session.add(org)
        session.flush()
        achievement = Achievement(
            organization_id=org.id,
            public_id=f"ach-{slug}",
            current_version=1,
            archived=False,
            created_at=START,
        )
        session.add(achievement)
        session.flush()
        session.add(
            AchievementVersion(
                achievement_id=achievement.id, version=1, data={"name": "Safety"}, created_at=START
            )
        )
        return Actor(org.id, "issuer", "key:test"), achievement.public_id


def counter_clock() -> Any:
    ticks = itertools.count()
    return lambda: START + timedelta(seconds=next(ticks))


def entropy_from(seed_value: int) -> Any:
    ticks = itertools.count(seed_value * 1000)
    return lambda n: next(ticks).to_bytes(n, "big")


@dataclass
class World:
    db: Database
    actor: Actor
    achievement: str
    issuer: FakeIssuer
    queue: InProcessQueue
    bulk: BulkService


def make_service(
    db: Database, issuer: FakeIssuer, queue: Any, leases: Any = None, seed_value: int = 1
) -> BulkService:
    return BulkService(
        db=db,
        queue=queue,
        leases=leases or InMemoryLeases(),
        issue_row=issuer,
        revoke=revoke,
        clock=counter_clock(),
        entropy=entropy_from(seed_value),
    )


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    actor, achievement = seed(db)
    issuer = FakeIssuer()
    registry = TaskRegistry()
    queue = InProcessQueue(registry, workers=1)
    bulk = make_service(db, issuer, queue)
    bulk.register_tasks(registry)
    yield World(db, actor, achievement, issuer, queue, bulk)
    queue.close()


def csv_file(*rows: str, header: str = "email,name,result") -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


def report_rows(world: World, job: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(world.bulk.report_csv(world.actor, job))))


def test_dry_run_reports_every_problem_and_issues_nothing(world: World) -> None:
    content = csv_file("ada@example.org,Ada,A", "ada@,Bad,B", "=cmd@example.org,X,C")
    report = world.bulk.dry_run(world.actor, world.achievement, content, "f.csv")
    assert not report.ok
    assert report.total_rows == 3
    assert report.valid_rows == 2
    assert [str(e) for e in report.errors] == ["row 3: 'ada@' is not an email address"]
    assert report.mapping == report.suggested_mapping
    with pytest.raises(ValidationError) as refused:
        world.bulk.commit(world.actor, world.achievement, content, "f.csv")
    assert refused.value.errors[0]["detail"] == "row 3: 'ada@' is not an email address"
    assert world.issuer.calls == []


def test_commit_runs_the_job_and_reports_each_row(world: World) -> None:
    world.issuer.fail_for = {"bob@example.org"}
    content = csv_file(
        "ada@example.org,Ada,A",
        "bob@example.org,Bob,B",
        "=cmd@example.org,Eve,C",
        "dan@example.org,,",
    )
    job = world.bulk.commit(world.actor, world.achievement, content, "grades.csv")
    world.queue.drain()
    progress = world.bulk.progress(world.actor, job)
    assert (progress.state, progress.total, progress.processed) == ("done", 4, 4)
    assert (progress.issued, progress.skipped, progress.failed) == (3, 0, 1)
    assert progress.fraction == 1.0
    rows = report_rows(world, job)
    assert [(r["row"], r["recipient"], r["outcome"]) for r in rows] == [
        ("2", "ada@example.org", "issued"),
        ("3", "bob@example.org", "failed"),
        ("4", "'=cmd@example.org", "issued"),
        ("5", "dan@example.org", "issued"),
    ]
    assert rows[1]["error"] == "bob@example.org cannot receive credentials"
    assert rows[1]["credential id"] == ""
    assert all(r["credential id"].startswith("urn:uuid:") for r in rows if r["outcome"] == "issued")
    issue = world.issuer.calls[0]
    assert (issue.recipient_name, issue.result, issue.format, issue.actor) == (
        "Ada",
        "A",
        "eddsa-rdfc-2022",
        world.actor,
    )


def test_uploading_the_same_file_again_issues_nothing_twice(world: World) -> None:
    content = csv_file("ada@example.org,Ada,A", "bob@example.org,Bob,B")
    first = world.bulk.commit(world.actor, world.achievement, content, "a.csv")
    world.queue.drain()
    for policy in ("skip", "allow", "replace"):
        again = world.bulk.commit(
            world.actor,
            world.achievement,
            content,
            "renamed.csv",
            options=BulkOptions(duplicates=policy),
        )
        world.queue.drain()
        assert [r["outcome"] for r in report_rows(world, again)] == ["skipped", "skipped"]
        assert {r["credential id"] for r in report_rows(world, again)} == {
            r["credential id"] for r in report_rows(world, first)
        }
    assert len(world.issuer.calls) == 2
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 2
        assert (
            session.scalar(select(func.count()).where(IssuedCredential.revoked_at.is_not(None)))
            == 0
        )


@pytest.mark.parametrize(
    ("policy", "issued", "live"),
    [("skip", 1, 1), ("allow", 2, 2), ("replace", 2, 1)],
)
def test_duplicate_policy_for_an_earlier_credential(
    world: World, policy: str, issued: int, live: int
) -> None:
    world.bulk.commit(world.actor, world.achievement, csv_file("ada@example.org,Ada,A"), "a.csv")
    world.queue.drain()
    job = world.bulk.commit(
        world.actor,
        world.achievement,
        csv_file("Ada@Example.org,Ada,A+"),  # same person, another result: another key
        "b.csv",
        options=BulkOptions(duplicates=policy),
    )
    world.queue.drain()
    assert len(world.issuer.calls) == issued
    with world.db.session() as session:
        credentials = list(session.scalars(select(IssuedCredential).order_by(IssuedCredential.id)))
    assert len([c for c in credentials if c.revoked_at is None]) == live
    outcome = report_rows(world, job)[0]
    if policy == "skip":
        assert outcome["outcome"] == "skipped"
        assert outcome["credential id"] == credentials[0].credential_id
        assert "already holds this achievement" in outcome["error"]
    else:
        assert outcome["outcome"] == "issued"
        assert outcome["credential id"] == credentials[1].credential_id
    if policy == "replace":
        assert credentials[0].status_reason == f"replaced by bulk job {job}"


def test_a_crash_in_the_middle_of_a_row_loses_and_duplicates_nothing(db: Database) -> None:
    actor, achievement = seed(db)
    issuer = FakeIssuer(crash_at_call=3)
    queue = HeldQueue()
    bulk = make_service(db, issuer, queue)
    content = csv_file(*(f"p{i}@example.org,P{i},{i}" for i in range(6)))
    job = bulk.commit(actor, achievement, content, "a.csv")
    assert queue.jobs == {f"bulk-{job}": {"task": "bulk.run", "bulk_job": job}}
    with pytest.raises(KeyboardInterrupt):
        bulk.run(job)
    progress = bulk.progress(actor, job)
    assert (progress.state, progress.processed, progress.issued) == ("running", 2, 2)
    issuer.crash_at_call = None
    restarted = make_service(db, issuer, HeldQueue())  # a new process: fresh leases
    restarted.run(job)
    progress = restarted.progress(actor, job)
    assert (progress.state, progress.processed, progress.issued) == ("done", 6, 6)
    with db.session() as session:
        keys = list(session.scalars(select(IssuedCredential.idempotency_key)))
    assert len(keys) == len(set(keys)) == 6


def test_a_credential_issued_but_not_marked_is_reconciled(db: Database) -> None:
    actor, achievement = seed(db)
    issuer = FakeIssuer()
    bulk = make_service(db, issuer, HeldQueue())
    job = bulk.commit(
        actor, achievement, csv_file("ada@example.org,Ada,A", "bob@example.org,Bob,B"), "a.csv"
    )
    # the issuance committed on its own, then the worker died before marking row 3
    with db.session() as session:
        row = session.scalar(select(BulkRow).where(BulkRow.row_number == 3))
        assert row is not None
        issue = RowIssue(
            actor=actor,
            organization_id=actor.organization_id,
            achievement_id=_achievement_pk(session),
            achievement_public_id=achievement,
            job_public_id=job,
            row=3,
            recipient="bob@example.org",
            recipient_type="email",
            recipient_name="Bob",
            result="B",
            evidence_url=None,
            hashed=False,
            format="eddsa-rdfc-2022",
            idempotency_key=row.idempotency_key,
        )
        orphan = write_credential(session, issue)
    bulk.run(job)
    assert [c.recipient for c in issuer.calls] == ["ada@example.org"]
    with db.session() as session:
        row = session.scalar(select(BulkRow).where(BulkRow.row_number == 3))
        assert row is not None
        assert (row.state, row.credential_id) == ("issued", orphan)
        assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 2


def _achievement_pk(session: Session) -> int:
    pk = session.scalar(select(Achievement.id))
    assert pk is not None
    return pk


def test_progress_is_readable_while_the_job_runs(world: World) -> None:
    world.issuer.gate = threading.Event()
    world.issuer.gate_after = 3
    content = csv_file(*(f"p{i}@example.org,P{i},{i}" for i in range(8)))
    job = world.bulk.commit(world.actor, world.achievement, content, "a.csv")
    for _ in range(200):
        progress = world.bulk.progress(world.actor, job)
        if progress.processed == 3:
            break
        threading.Event().wait(0.02)
    assert (progress.state, progress.processed, progress.total) == ("running", 3, 8)
    world.issuer.gate.set()
    world.queue.drain()
    assert world.bulk.progress(world.actor, job).state == "done"


def test_unfinished_jobs_resume_after_a_restart(db: Database) -> None:
    actor, achievement = seed(db)
    issuer = FakeIssuer()
    before = make_service(db, issuer, HeldQueue())  # the process dies before running it
    job = before.commit(actor, achievement, csv_file("ada@example.org,Ada,A"), "a.csv")
    registry = TaskRegistry()
    queue = InProcessQueue(registry, workers=1)
    after = make_service(db, issuer, queue, seed_value=2)
    after.register_tasks(registry)
    assert after.resume_stale_jobs() == [job]
    queue.drain()
    assert after.progress(actor, job).state == "done"
    assert after.resume_stale_jobs() == []
    queue.close()


def test_jobs_are_walled_off_between_organizations_and_roles(world: World) -> None:
    other, other_achievement = seed(world.db, "other")
    content = csv_file("ada@example.org,Ada,A")
    job = world.bulk.commit(world.actor, world.achievement, content, "a.csv")
    world.queue.drain()
    with pytest.raises(NotFoundError):
        world.bulk.progress(other, job)
    with pytest.raises(NotFoundError):
        world.bulk.report_csv(other, job)
    with pytest.raises(NotFoundError):
        world.bulk.commit(other, world.achievement, content, "a.csv")
    viewer = Actor(world.actor.organization_id, "viewer", "key:viewer")
    with pytest.raises(PermissionDeniedError):
        world.bulk.dry_run(viewer, world.achievement, content, "a.csv")
    assert world.bulk.progress(viewer, job).state == "done"
    assert other_achievement != world.achievement


def test_a_key_taken_by_a_concurrent_issuer_is_reconciled_not_failed(db: Database) -> None:
    """Another process issues the row's key between the runner's look-up and its insert:
    the insert fails as a (translated) conflict, and the retry finds and adopts it."""
    actor, achievement = seed(db)
    taken: list[int] = []

    def racing(session: Session, issue: RowIssue) -> int:
        if not taken:
            with db.session() as other:  # the concurrent issuer commits first
                taken.append(write_credential(other, issue))
        return write_credential(session, issue)  # the unique key refuses this one

    bulk = make_service(db, FakeIssuer(), HeldQueue())
    bulk.issue_row = racing
    job = bulk.commit(actor, achievement, csv_file("ada@example.org,Ada,A"), "a.csv")
    bulk.run(job)
    progress = bulk.progress(actor, job)
    assert (progress.issued, progress.failed, progress.processed) == (1, 0, 1)
    with db.session() as session:
        row = session.scalar(select(BulkRow))
        assert row is not None
        assert row.credential_id == taken[0]
        assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 1


def test_a_result_column_must_fit_the_achievement(db: Database) -> None:
    actor, achievement = seed(db)
    bulk = make_service(db, FakeIssuer(), HeldQueue())
    with db.session() as session:
        version = session.scalar(select(AchievementVersion))
        assert version is not None
        version.data = {
            "name": "Safety",
            "resultDescriptions": [
                {"key": "grade", "name": "Grade", "allowedValues": ["A", "B"]},
                {"key": "hours", "name": "Hours"},
            ],
        }
    with pytest.raises(ValidationError, match="describes 2 results"):
        bulk.dry_run(actor, achievement, csv_file("ada@example.org,Ada,A"), "a.csv")
    with db.session() as session:
        version = session.scalar(select(AchievementVersion))
        assert version is not None
        version.data = {
            "name": "Safety",
            "resultDescriptions": [{"key": "grade", "name": "Grade", "allowedValues": ["A", "B"]}],
        }
    report = bulk.dry_run(
        actor, achievement, csv_file("ada@example.org,Ada,A", "bob@example.org,Bob,C"), "a.csv"
    )
    assert [str(e) for e in report.errors] == ["row 3: 'C' is not an allowed result (A, B)"]
    assert report.valid_rows == 1
