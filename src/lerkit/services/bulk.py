"""Bulk issuance: a CSV or XLSX file, a column mapping, a dry run, then a background job.

    upload --parse_table--> Table --validate--> PreparedRow* / RowError*
    dry_run:  report the errors in plain words ("row 7: 'ada@' is not an email address")
    commit:   BulkJob + BulkRows (pending) in one transaction, then enqueue ``bulk.run``
    run:      each row in its own transaction: issue + mark the row, together
    report:   per-row outcome (row, recipient, outcome, credential id, error) as CSV

Row numbers are the spreadsheet's: the header is row 1, the first data row row 2.

**Idempotency.** Every row has an idempotency key: the mapped column, or
``bulk:`` + sha256 of the achievement and the row's mapped values (never the job or the
file name), so uploading the same file again issues nothing twice. The key is stored on
the credential (unique per organization), so it holds across jobs and across crashes.

**Crash safety.** ``run`` holds a lease (``bulk:<job>``) while it works, and handles one
row per transaction: lock the row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), skip it
unless pending, look the key up, apply the duplicate policy, call ``issue_row`` in the
same session, mark the row and bump ``processed_rows``; commit. A crash rolls back the
row in flight; nothing else is lost. If ``issue_row`` committed on its own (it may use its
own unit of work) and the process died before the row was marked, the next run finds the
credential by its key and *reconciles* the row instead of issuing again.

**Resume.** ``resume_stale_jobs`` (every worker runs it on start-up and periodically, the
in-process set-up once on start-up) re-enqueues every queued or running job that nobody
holds a lease on and that is not waiting in the queue. A job the queue still reports as
running, without a lease, is re-enqueued on the second sweep that sees it so (the first
may have caught a run between its start and its lease).

**Duplicate policy** (``BulkOptions.duplicates``), against live credentials issued earlier
to the same recipient for the same achievement under another key: ``skip`` (default:
the row is skipped and points at the earlier credential), ``allow`` (issue anyway) or
``replace`` (revoke the earlier ones, through ``revoke``, and issue).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from lerkit.core.errors import LerkitError
from lerkit.db.errors import DatabaseConflict, DatabaseUnavailable
from lerkit.db.models import (
    Achievement,
    AchievementVersion,
    BulkJob,
    BulkRow,
    IssuedCredential,
)
from lerkit.db.session import Database
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.jobs import JobQueue, JobState, Leases, TaskRegistry, hold

log = logging.getLogger(__name__)

BULK_TASK = "bulk.run"
ISSUE_SCOPE = "credentials:issue"  # as IssuanceService's
REVOKE_SCOPE = "credentials:revoke"

FIELDS: dict[str, str] = {
    "recipient_email": "recipient email",
    "recipient_did": "recipient DID",
    "recipient_name": "recipient name",
    "result": "result value",
    "evidence_url": "evidence URL",
    "idempotency_key": "idempotency key",
}
"""The fields a column can be mapped to, with the words used for them in messages."""

_ALIASES: dict[str, tuple[str, ...]] = {
    "recipient_email": ("email", "e mail", "email address", "recipient email", "mail", "recipient"),
    "recipient_did": ("did", "recipient did", "holder did", "wallet did", "learner did"),
    "recipient_name": ("name", "recipient name", "full name", "learner", "student", "learner name"),
    "result": ("result", "result value", "score", "grade", "mark", "level"),
    "evidence_url": ("evidence", "evidence url", "evidence link", "portfolio", "url", "link"),
    "idempotency_key": ("idempotency key", "key", "external id", "row id", "reference", "id"),
}

FORMATS = ("eddsa-rdfc-2022", "ed25519-signature-2020", "vc-jwt")  # as IssuanceService.issue
DUPLICATE_POLICIES = ("skip", "allow", "replace")

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._%:-]*[A-Za-z0-9._%-](?:[/?#]\S*)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class BulkLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_rows: int = 50_000
    max_columns: int = 100
    max_cell_chars: int = 2_000


@dataclass(frozen=True)
class BulkOptions:
    format: str = "eddsa-rdfc-2022"
    duplicates: str = "skip"  # skip | allow | replace
    hashed: bool = True  # hash the recipient in the credential (OB 3.0 IdentityObject)

    def check(self) -> None:
        if self.format not in FORMATS:
            raise ValidationError(f"format must be one of {', '.join(FORMATS)}")
        if self.duplicates not in DUPLICATE_POLICIES:
            raise ValidationError(f"duplicates must be one of {', '.join(DUPLICATE_POLICIES)}")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, header -> cell text)


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "message": self.message, "detail": str(self)}


@dataclass(frozen=True)
class PreparedRow:
    row: int
    recipient: str
    recipient_type: str  # email | did
    recipient_name: str | None
    result: str | None
    evidence_url: str | None
    idempotency_key: str

    def data(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "recipient_type": self.recipient_type,
            "recipient_name": self.recipient_name,
            "result": self.result,
            "evidence_url": self.evidence_url,
        }


@dataclass(frozen=True)
class DryRunReport:
    file_name: str
    headers: list[str]
    mapping: dict[str, str]
    suggested_mapping: dict[str, str]
    total_rows: int
    valid_rows: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors and self.total_rows > 0


@dataclass(frozen=True)
class RowIssue:
    """What ``issue_row`` is asked to issue for one row."""

    actor: Actor
    organization_id: int
    achievement_id: int  # database id of the Achievement (its current version is issued)
    achievement_public_id: str
    job_public_id: str
    row: int
    recipient: str
    recipient_type: str  # email | did
    recipient_name: str | None
    result: str | None
    evidence_url: str | None
    hashed: bool
    format: str
    idempotency_key: str


IssueRow = Callable[[Session, RowIssue], int]
"""Issues one row's credential and returns its ``IssuedCredential.id``. It should write
through ``session`` (then issuing and marking the row commit together); if it commits
on its own instead, reconciliation by idempotency key covers a crash in between. It
raises a ``LerkitError`` (the row fails with that message) when the row cannot be issued."""

RevokeCredential = Callable[[Session, Actor, int, str], None]
"""``revoke(session, actor, issued_credential_id, reason)`` (duplicate policy ``replace``)."""


@dataclass(frozen=True)
class JobProgress:
    job_id: str
    state: str  # queued | running | done | failed
    total: int
    processed: int
    issued: int
    skipped: int
    failed: int
    error: str | None = None

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else self.processed / self.total


@dataclass(frozen=True)
class RowOutcome:
    row: int
    recipient: str
    outcome: str  # pending | issued | skipped | failed
    credential_id: str | None
    error: str | None


# ---------------------------------------------------------------- reading the file


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _sniff_delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in (";", ",", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv_records(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"the file is not UTF-8 text (unreadable byte at position {exc.start}); "
            "in Excel choose 'CSV UTF-8' when saving"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        return [[cell.strip() for cell in record] for record in reader]
    except csv.Error as exc:
        raise ValidationError(f"row {reader.line_num}: the CSV cannot be read ({exc})") from None


def _xlsx_records(content: bytes, limits: BulkLimits) -> list[list[str]]:
    from openpyxl import load_workbook  # lazily: only XLSX uploads need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ValidationError(
            f"the file is not a readable .xlsx workbook ({type(exc).__name__})"
        ) from None
    try:
        if not workbook.worksheets:
            raise ValidationError("the workbook has no sheets")
        records: list[list[str]] = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            record = [_cell_text(v) for v in values]
            records.append(record)
            if len(records) > limits.max_rows + 1:
                break
        return records
    finally:
        workbook.close()


def parse_table(content: bytes, filename: str, limits: BulkLimits | None = None) -> Table:
    """The header and rows of a CSV (``,``, ``;`` or tab; UTF-8, with or without BOM) or
    XLSX (first sheet) upload. Raises ``ValidationError`` with a plain-words message."""
    limits = limits or BulkLimits()
    suffix = PurePath(filename).suffix.lower()
    if len(content) > limits.max_bytes:
        raise ValidationError(
            f"the file is {_size(len(content))}; the limit is {_size(limits.max_bytes)}"
        )
    if suffix in (".csv", ".txt", ".tsv"):
        records = _csv_records(content)
    elif suffix == ".xlsx":
        records = _xlsx_records(content, limits)
    elif suffix == ".xls":
        raise ValidationError("old Excel .xls files are not supported; save it as .xlsx or CSV")
    else:
        raise ValidationError(f"upload a .csv or .xlsx file (got {filename!r})")

    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(r)]
    if not numbered:
        raise ValidationError("the file is empty")
    _, raw_headers = numbered[0]
    while raw_headers and not raw_headers[-1]:
        raw_headers = raw_headers[:-1]
    if len(raw_headers) > limits.max_columns:
        raise ValidationError(
            f"the header has {len(raw_headers)} columns; the limit is {limits.max_columns}"
        )
    headers: list[str] = []
    for i, name in enumerate(raw_headers):
        name = name or f"column {_column_letter(i)}"
        if name in headers:
            first = _column_letter(headers.index(name))
            raise ValidationError(
                f"the header {name!r} appears twice (columns {first} and {_column_letter(i)})"
            )
        headers.append(name)
    data = numbered[1:]
    if len(data) > limits.max_rows:
        raise ValidationError(
            f"the file has more than {limits.max_rows} rows; split it into smaller files"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[RowError] = []
    for number, record in data:
        extra = [c for c in record[len(headers) :] if c]
        if extra:
            problems.append(
                RowError(number, f"has {len(record)} values but the header has {len(headers)}")
            )
            continue
        long_cell = next((c for c in record if len(c) > limits.max_cell_chars), None)
        if long_cell is not None:
            problems.append(
                RowError(number, f"a cell is longer than {limits.max_cell_chars} characters")
            )
            continue
        padded = record + [""] * (len(headers) - len(record))
        rows.append((number, dict(zip(headers, padded, strict=False))))
    if problems:
        raise ValidationError(
            f"{len(problems)} rows of the file cannot be read: "
            + "; ".join(map(str, problems[:5])),
            errors=[p.as_dict() for p in problems],
        )
    return Table(headers, rows)


def _normal(header: str) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", header.lower()).split())


def suggest_mapping(headers: Sequence[str]) -> dict[str, str]:
    """A guess at ``field -> column`` from the header names (each column used once)."""
    normal = {_normal(h): h for h in headers}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name, aliases in _ALIASES.items():
        for alias in (*aliases, _normal(field_name)):
            column = normal.get(alias)
            if column is not None and column not in used:
                mapping[field_name] = column
                used.add(column)
                break
    return mapping


def _check_mapping(mapping: Mapping[str, str], headers: Sequence[str]) -> None:
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ValidationError(
            f"unknown mapping field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}"
        )
    for field_name, column in mapping.items():
        if column not in headers:
            raise ValidationError(
                f"the {FIELDS[field_name]} column {column!r} is not in the file; "
                f"its columns are: {', '.join(headers)}"
            )
    if "recipient_email" not in mapping and "recipient_did" not in mapping:
        raise ValidationError("map a column to the recipient's email address or DID")


def _check_results(
    prepared: list[PreparedRow],
    errors: list[RowError],
    achievement: Mapping[str, Any],
    column: str,
) -> tuple[list[PreparedRow], list[RowError]]:
    """A result column fills the achievement's one result description (or a bare result
    when it describes none): refuse the mapping when it describes several, and explain the
    rows whose value it does not allow."""
    described = achievement.get("resultDescriptions") or []
    if len(described) > 1:
        names = ", ".join(repr(d.get("name") or d.get("key")) for d in described)
        raise ValidationError(
            f"the column {column!r} is mapped to the result, but the achievement describes "
            f"{len(described)} results ({names}); a result column needs at most one"
        )
    allowed = (described[0].get("allowedValues") or []) if described else []
    if not allowed:
        return prepared, errors
    good: list[PreparedRow] = []
    errors = list(errors)
    for row in prepared:
        if row.result is not None and row.result not in allowed:
            errors.append(
                RowError(row.row, f"{row.result!r} is not an allowed result ({', '.join(allowed)})")
            )
        else:
            good.append(row)
    errors.sort(key=lambda e: e.row)
    return good, errors


def _computed_key(achievement_public_id: str, values: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"achievement": achievement_public_id, **values}, sort_keys=True, separators=(",", ":")
    )
    return "bulk:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def validate_rows(
    table: Table, mapping: Mapping[str, str], achievement_public_id: str
) -> tuple[list[PreparedRow], list[RowError]]:
    """Every row checked; the good ones prepared, the others explained."""
    _check_mapping(mapping, table.headers)
    prepared: list[PreparedRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}

    def cell(values: dict[str, str], field_name: str) -> str:
        column = mapping.get(field_name)
        return values.get(column, "").strip() if column else ""

    for number, values in table.rows:
        problems: list[str] = []
        email, did = cell(values, "recipient_email"), cell(values, "recipient_did")
        recipient, recipient_type = "", ""
        if did:
            if _DID.fullmatch(did):
                recipient, recipient_type = did, "did"
            else:
                problems.append(f"{did!r} is not a DID (did:method:identifier)")
        elif email:
            if _EMAIL.fullmatch(email) and len(email) <= 320:
                recipient, recipient_type = email.lower(), "email"
            else:
                problems.append(f"{email!r} is not an email address")
        else:
            columns = " or ".join(
                repr(mapping[f]) for f in ("recipient_email", "recipient_did") if f in mapping
            )
            problems.append(f"no recipient: {columns} is empty")
        name = cell(values, "recipient_name") or None
        if name is not None and len(name) > 300:
            problems.append("the recipient name is longer than 300 characters")
        result = cell(values, "result") or None
        if result is not None and len(result) > 500:
            problems.append("the result is longer than 500 characters")
        evidence = cell(values, "evidence_url") or None
        if evidence is not None:
            parts = urlsplit(evidence)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in evidence:
                problems.append(f"{evidence!r} is not a web address (http:// or https://)")
        key = cell(values, "idempotency_key")
        if "idempotency_key" in mapping:
            if not key:
                problems.append(f"the idempotency key ({mapping['idempotency_key']!r}) is empty")
            elif len(key) > 200:
                problems.append("the idempotency key is longer than 200 characters")
        if problems:
            errors.extend(RowError(number, p) for p in problems)
            continue
        row_values = {
            "recipient": recipient,
            "recipient_type": recipient_type,
            "recipient_name": name,
            "result": result,
            "evidence_url": evidence,
        }
        key = key or _computed_key(achievement_public_id, row_values)
        if key in seen:
            what = (
                f"the same {mapping['idempotency_key']!r}"
                if "idempotency_key" in mapping
                else "the same recipient and values"
            )
            errors.append(RowError(number, f"repeats row {seen[key]} ({what}); remove one"))
            continue
        seen[key] = number
        prepared.append(PreparedRow(number, recipient, recipient_type, name, result, evidence, key))
    return prepared, errors


# ---------------------------------------------------------------- the service


@dataclass(frozen=True)
class _RunContext:
    actor: Actor
    organization_id: int
    achievement_id: int
    achievement_public_id: str
    job_public_id: str
    options: BulkOptions


@dataclass
class BulkService:
    db: Database
    queue: JobQueue
    leases: Leases
    issue_row: IssueRow
    clock: Clock
    entropy: Entropy
    revoke: RevokeCredential | None = None
    limits: BulkLimits = field(default_factory=BulkLimits)
    lease_ttl: float = 30.0
    _suspects: set[str] = field(default_factory=set, init=False, repr=False)

    def register_tasks(self, registry: TaskRegistry) -> None:
        """Register ``bulk.run`` in a ``TaskRegistry``."""
        registry.register(BULK_TASK, self.run)

    # -- uploading

    def _achievement(self, session: Session, actor: Actor, public_id: str) -> Achievement:
        achievement = session.scalar(
            select(Achievement).where(
                Achievement.public_id == public_id,
                Achievement.organization_id == actor.organization_id,
            )
        )
        if achievement is None:
            raise NotFoundError(f"no achievement {public_id!r}")
        if achievement.archived:
            raise ValidationError(f"the achievement {public_id!r} is archived")
        return achievement

    def _prepare(
        self,
        actor: Actor,
        achievement_id: str,
        content: bytes,
        filename: str,
        mapping: Mapping[str, str] | None,
    ) -> tuple[Table, dict[str, str], dict[str, str], list[PreparedRow], list[RowError]]:
        actor.require("issuer", ISSUE_SCOPE)
        with self.db.session() as session:
            achievement = self._achievement(session, actor, achievement_id)
            data = session.scalar(
                select(AchievementVersion.data).where(
                    AchievementVersion.achievement_id == achievement.id,
                    AchievementVersion.version == achievement.current_version,
                )
            )
        table = parse_table(content, filename, self.limits)
        suggested = suggest_mapping(table.headers)
        chosen = dict(mapping) if mapping is not None else suggested
        prepared, errors = validate_rows(table, chosen, achievement_id)
        if "result" in chosen:
            prepared, errors = _check_results(prepared, errors, data or {}, chosen["result"])
        return table, chosen, suggested, prepared, errors

    def dry_run(
        self,
        actor: Actor,
        achievement_id: str,
        content: bytes,
        filename: str,
        mapping: Mapping[str, str] | None = None,
    ) -> DryRunReport:
        """Validate every row; issue nothing. ``mapping`` defaults to the suggested one."""
        table, chosen, suggested, prepared, errors = self._prepare(
            actor, achievement_id, content, filename, mapping
        )
        return DryRunReport(
            file_name=filename,
            headers=table.headers,
            mapping=chosen,
            suggested_mapping=suggested,
            total_rows=len(table.rows),
            valid_rows=len(prepared),
            errors=errors,
        )

    def commit(
        self,
        actor: Actor,
        achievement_id: str,
        content: bytes,
        filename: str,
        mapping: Mapping[str, str] | None = None,
        options: BulkOptions | None = None,
    ) -> str:
        """Create the job and its rows, enqueue it, return its public id. A file with any
        invalid row is refused as a whole (``ValidationError`` with per-row ``errors``)."""
        options = options or BulkOptions()
        options.check()
        if options.duplicates == "replace":  # the job revokes earlier credentials
            actor.require("issuer", REVOKE_SCOPE)
        _, chosen, _, prepared, errors = self._prepare(
            actor, achievement_id, content, filename, mapping
        )
        if errors:
            raise ValidationError(
                f"{len({e.row for e in errors})} rows have problems; fix them and upload again",
                errors=[e.as_dict() for e in errors],
            )
        if not prepared:
            raise ValidationError("the file has a header but no rows")
        public_id = self.entropy(16).hex()
        now = self.clock()
        with self.db.session() as session:
            achievement = self._achievement(session, actor, achievement_id)
            job = BulkJob(
                organization_id=actor.organization_id,
                public_id=public_id,
                achievement_id=achievement.id,
                file_name=filename[:300],
                file_sha256=hashlib.sha256(content).hexdigest(),
                mapping=chosen,
                options={
                    "format": options.format,
                    "duplicates": options.duplicates,
                    "hashed": options.hashed,
                    "actor": {
                        "role": actor.role,
                        "label": actor.label,
                        "scopes": sorted(actor.scopes),
                        "api_key_id": actor.api_key_id,
                    },
                },
                state="queued",
                total_rows=len(prepared),
                processed_rows=0,
                created_at=now,
            )
            session.add(job)
            session.flush()
            session.add_all(
                BulkRow(
                    job_id=job.id,
                    row_number=row.row,
                    data=row.data(),
                    idempotency_key=row.idempotency_key,
                    state="pending",
                    errors=[],
                )
                for row in prepared
            )
        try:
            self.queue.enqueue(BULK_TASK, job_id=_queue_id(public_id), bulk_job=public_id)
        except Exception:  # saved; resume_stale_jobs starts it once the queue is back
            log.exception("bulk job %s saved but not enqueued", public_id)
        return public_id

    # -- reading progress and outcomes

    def _job(self, session: Session, actor: Actor, job_id: str) -> BulkJob:
        job = session.scalar(
            select(BulkJob).where(
                BulkJob.public_id == job_id, BulkJob.organization_id == actor.organization_id
            )
        )
        if job is None:
            raise NotFoundError(f"no bulk job {job_id!r}")
        return job

    def progress(self, actor: Actor, job_id: str) -> JobProgress:
        actor.require("viewer")
        with self.db.session() as session:
            job = self._job(session, actor, job_id)
            counts = dict(
                session.execute(
                    select(BulkRow.state, func.count())
                    .where(BulkRow.job_id == job.id)
                    .group_by(BulkRow.state)
                ).all()
            )
            return JobProgress(
                job_id=job.public_id,
                state=job.state,
                total=job.total_rows,
                processed=job.processed_rows,
                issued=counts.get("issued", 0),
                skipped=counts.get("skipped", 0),
                failed=counts.get("failed", 0),
                error=job.error,
            )

    def outcomes(self, actor: Actor, job_id: str) -> list[RowOutcome]:
        actor.require("viewer")
        with self.db.session() as session:
            job = self._job(session, actor, job_id)
            rows = session.execute(
                select(BulkRow, IssuedCredential.credential_id)
                .outerjoin(IssuedCredential, IssuedCredential.id == BulkRow.credential_id)
                .where(BulkRow.job_id == job.id)
                .order_by(BulkRow.row_number)
            ).all()
            return [
                RowOutcome(
                    row=row.row_number,
                    recipient=str(row.data.get("recipient", "")),
                    outcome=row.state,
                    credential_id=credential_id,
                    error="; ".join(map(str, row.errors)) or None,
                )
                for row, credential_id in rows
            ]

    def report_csv(self, actor: Actor, job_id: str) -> str:
        """The per-row outcome report: row, recipient, outcome, credential id, error."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["row", "recipient", "outcome", "credential id", "error"])
        for o in self.outcomes(actor, job_id):
            writer.writerow(
                [o.row, _safe_cell(o.recipient), o.outcome, o.credential_id or "", o.error or ""]
            )
        return out.getvalue()

    # -- running

    def run(self, bulk_job: str) -> None:
        """The ``bulk.run`` task: process every pending row of ``bulk_job``, then mark it
        done. Safe to call any number of times, concurrently or after a crash."""
        with hold(self.leases, _lease_name(bulk_job), self.lease_ttl) as held:
            if held is None:
                log.info("bulk job %s is being run by another worker", bulk_job)
                return
            with self.db.session() as session:
                job = session.scalar(select(BulkJob).where(BulkJob.public_id == bulk_job))
                if job is None or job.state in ("done", "failed"):
                    return
                job.state = "running"
                job.started_at = job.started_at or self.clock()
                context = self._context(session, job)
                job_pk = job.id
            while not held.lost:
                with self.db.session() as session:
                    pending = list(
                        session.scalars(
                            select(BulkRow.id)
                            .where(BulkRow.job_id == job_pk, BulkRow.state == "pending")
                            .order_by(BulkRow.row_number)
                        )
                    )
                if not pending:
                    break
                done_any = False
                for row_pk in pending:
                    if held.lost:
                        break
                    done_any |= self._process_row(row_pk, context)
                if not done_any:  # every pending row is locked by another runner
                    time.sleep(0.2)
            if held.lost:
                log.warning("bulk job %s: lease lost; another worker continues", bulk_job)
                return
            with self.db.session() as session:
                session.execute(
                    update(BulkJob)
                    .where(BulkJob.id == job_pk, BulkJob.state != "done")
                    .values(state="done", finished_at=self.clock())
                )
            self._suspects.discard(bulk_job)

    def _context(self, session: Session, job: BulkJob) -> _RunContext:
        achievement = session.get(Achievement, job.achievement_id)
        who = job.options.get("actor") or {}
        actor = Actor(
            organization_id=job.organization_id,
            role=str(who.get("role", "issuer")),
            label=str(who.get("label", f"bulk:{job.public_id}")),
            scopes=frozenset(who.get("scopes") or ()),
            api_key_id=who.get("api_key_id"),
        )
        return _RunContext(
            actor=actor,
            organization_id=job.organization_id,
            achievement_id=job.achievement_id,
            achievement_public_id=achievement.public_id if achievement else "",
            job_public_id=job.public_id,
            options=BulkOptions(
                format=str(job.options.get("format", BulkOptions.format)),
                duplicates=str(job.options.get("duplicates", BulkOptions.duplicates)),
                hashed=bool(job.options.get("hashed", BulkOptions.hashed)),
            ),
        )

    def _process_row(self, row_pk: int, context: _RunContext) -> bool:
        """Settle one row in one transaction; False if another runner holds it."""
        for attempt in (1, 2):
            try:
                with self.db.session() as session:
                    row = session.scalar(
                        select(BulkRow)
                        .where(BulkRow.id == row_pk)
                        .with_for_update(skip_locked=True)
                    )
                    if row is None:
                        return False
                    if row.state != "pending":
                        return True
                    self._settle(session, row, context)
                    _count_processed(session, row.job_id)
                return True
            except (IntegrityError, DatabaseConflict):
                if attempt == 2:
                    self._fail_row(row_pk, "could not issue this row (conflict in the database)")
                    return True
                # the key was taken meanwhile (a concurrent run or API call): reconcile
            except (SQLAlchemyError, DatabaseUnavailable):
                raise  # the database is unreachable or broken: the job resumes later
            except LerkitError as exc:
                self._fail_row(row_pk, exc.message)
                return True
            except Exception as exc:
                log.exception("bulk job %s: row %s failed", context.job_public_id, row_pk)
                self._fail_row(
                    row_pk, f"could not issue this row (internal error: {type(exc).__name__})"
                )
                return True
        return True  # pragma: no cover

    def _fail_row(self, row_pk: int, message: str) -> None:
        with self.db.session() as session:
            row = session.scalar(select(BulkRow).where(BulkRow.id == row_pk).with_for_update())
            if row is None or row.state != "pending":
                return
            row.state = "failed"
            row.errors = [message]
            _count_processed(session, row.job_id)

    def _settle(self, session: Session, row: BulkRow, context: _RunContext) -> None:
        existing = session.scalar(
            select(IssuedCredential).where(
                IssuedCredential.organization_id == context.organization_id,
                IssuedCredential.idempotency_key == row.idempotency_key,
            )
        )
        if existing is not None:
            row.credential_id = existing.id
            earlier_row = session.scalar(
                select(BulkRow.id)
                .where(
                    BulkRow.credential_id == existing.id,
                    BulkRow.idempotency_key == row.idempotency_key,
                    BulkRow.id != row.id,
                )
                .limit(1)
            )
            if earlier_row is None:  # ours: issued, then the process died before marking
                row.state = "issued"
            else:
                row.state = "skipped"
                row.errors = ["already issued by an earlier upload (same idempotency key)"]
            return
        data = row.data
        recipient = str(data["recipient"])
        policy = context.options.duplicates
        if policy != "allow":
            earlier = list(
                session.scalars(
                    select(IssuedCredential)
                    .where(
                        IssuedCredential.organization_id == context.organization_id,
                        IssuedCredential.recipient == recipient,
                        IssuedCredential.revoked_at.is_(None),
                        IssuedCredential.achievement_version_id.in_(
                            select(AchievementVersion.id).where(
                                AchievementVersion.achievement_id == context.achievement_id
                            )
                        ),
                    )
                    .order_by(IssuedCredential.id)
                )
            )
            if earlier and policy == "skip":
                row.state = "skipped"
                row.credential_id = earlier[0].id
                row.errors = [
                    f"{recipient} already holds this achievement ({earlier[0].credential_id})"
                ]
                return
            if earlier and policy == "replace":
                if self.revoke is None:
                    raise ValidationError("replacing credentials is not available here")
                for credential in earlier:
                    self.revoke(
                        session,
                        context.actor,
                        credential.id,
                        f"replaced by bulk job {context.job_public_id}",
                    )
        row.credential_id = self.issue_row(
            session,
            RowIssue(
                actor=context.actor,
                organization_id=context.organization_id,
                achievement_id=context.achievement_id,
                achievement_public_id=context.achievement_public_id,
                job_public_id=context.job_public_id,
                row=row.row_number,
                recipient=recipient,
                recipient_type=str(data["recipient_type"]),
                recipient_name=data.get("recipient_name"),
                result=data.get("result"),
                evidence_url=data.get("evidence_url"),
                hashed=context.options.hashed,
                format=context.options.format,
                idempotency_key=row.idempotency_key,
            ),
        )
        row.state = "issued"

    # -- resuming

    def resume_stale_jobs(self) -> list[str]:
        """Re-enqueue unfinished jobs that nobody is working on; returns their ids."""
        with self.db.session() as session:
            unfinished = list(
                session.scalars(
                    select(BulkJob.public_id)
                    .where(BulkJob.state.in_(("queued", "running")))
                    .order_by(BulkJob.id)
                )
            )
        resumed: list[str] = []
        for public_id in unfinished:
            if self.leases.held(_lease_name(public_id)):
                self._suspects.discard(public_id)
                continue
            state = self.queue.status(_queue_id(public_id))
            if state is JobState.QUEUED:
                continue
            if state is JobState.RUNNING and public_id not in self._suspects:
                self._suspects.add(public_id)  # maybe between its start and its lease
                continue
            self._suspects.discard(public_id)
            self.queue.enqueue(BULK_TASK, job_id=_queue_id(public_id), bulk_job=public_id)
            resumed.append(public_id)
        if resumed:
            log.info("resumed bulk jobs: %s", ", ".join(resumed))
        return resumed


def _count_processed(session: Session, job_pk: int) -> None:
    session.execute(
        update(BulkJob)
        .where(BulkJob.id == job_pk)
        .values(processed_rows=BulkJob.processed_rows + 1)
    )


def _lease_name(public_id: str) -> str:
    return f"bulk:{public_id}"


def _queue_id(public_id: str) -> str:
    return f"bulk-{public_id}"


def _safe_cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text
