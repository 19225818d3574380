"""Bulk issuance: upload a CSV/XLSX with a column mapping, dry-run it, commit it as a
background job, follow its progress, download the per-row report. Mounted only when the
instance has a bulk issuer wired (``Services.bulk``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.api.rest.models import JobProgressOut
from lerkit.bootstrap import Services
from lerkit.core.errors import InputError
from lerkit.core.jsonvalue import parse_json
from lerkit.services.bulk import BulkOptions, BulkService

router = APIRouter(tags=["Bulk issuance"])

Upload = Annotated[UploadFile, File(description="A .csv or .xlsx file, one row per recipient.")]
Achievement = Annotated[str, Form(max_length=64, description="The achievement's public id.")]
Mapping = Annotated[
    str | None,
    Form(
        max_length=10_000,
        description='JSON object field -> column header, e.g. {"recipient": "Email"}; '
        "default: the suggested mapping.",
    ),
]


def _bulk(services: Services) -> BulkService:
    assert services.bulk is not None  # the router is mounted only then
    return services.bulk


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    value = parse_json(raw, "mapping")
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError("mapping must be a JSON object of field names to column headers")
    return value


def _progress(progress: Any) -> dict[str, Any]:
    return {
        "id": progress.job_id,
        "state": progress.state,
        "total": progress.total,
        "processed": progress.processed,
        "issued": progress.issued,
        "skipped": progress.skipped,
        "failed": progress.failed,
        "fraction": progress.fraction,
        "error": progress.error,
    }


@router.post("/bulk-jobs/dry-run", summary="Validate a file: every row, issuing nothing")
async def dry_run(
    file: Upload,
    achievement: Achievement,
    actor: ActorDep,
    services: ServicesDep,
    mapping: Mapping = None,
) -> dict[str, Any]:
    content = await file.read()
    report = await run_in_threadpool(
        _bulk(services).dry_run,
        actor,
        achievement,
        content,
        file.filename or "upload.csv",
        _mapping(mapping),
    )
    return {
        "fileName": report.file_name,
        "headers": report.headers,
        "mapping": report.mapping,
        "suggestedMapping": report.suggested_mapping,
        "totalRows": report.total_rows,
        "validRows": report.valid_rows,
        "ok": report.ok,
        "errors": [e.as_dict() for e in report.errors],
    }


@router.post(
    "/bulk-jobs",
    summary="Commit a file: issue every row in a background job",
    description="A file with any invalid row is refused whole (422, errors per row). "
    "Running the same file again issues nothing twice (duplicate policy: skip/allow/replace).",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobProgressOut,
)
async def commit(
    file: Upload,
    achievement: Achievement,
    actor: ActorDep,
    services: ServicesDep,
    mapping: Mapping = None,
    format: Annotated[
        Literal["eddsa-rdfc-2022", "ed25519-signature-2020", "vc-jwt"],
        Form(description="As for single issuance."),
    ] = "eddsa-rdfc-2022",
    duplicates: Annotated[
        Literal["skip", "allow", "replace"],
        Form(
            description="For recipients who already hold the achievement: skip the row, "
            "allow a second credential, or replace (revoke) the earlier one."
        ),
    ] = "skip",
    hashed: Annotated[
        bool, Form(description="Hash the recipient's email in the credential (salted SHA-256).")
    ] = True,
) -> dict[str, Any]:
    content = await file.read()
    bulk = _bulk(services)
    job_id = await run_in_threadpool(
        bulk.commit,
        actor,
        achievement,
        content,
        file.filename or "upload.csv",
        _mapping(mapping),
        BulkOptions(format=format, duplicates=duplicates, hashed=hashed),
    )
    return _progress(await run_in_threadpool(bulk.progress, actor, job_id))


@router.get("/bulk-jobs/{job_id}", summary="A bulk job's progress", response_model=JobProgressOut)
async def progress(job_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return _progress(await run_in_threadpool(_bulk(services).progress, actor, job_id))


@router.get("/bulk-jobs/{job_id}/rows", summary="A bulk job's outcome, row by row")
async def rows(job_id: str, actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    outcomes = await run_in_threadpool(_bulk(services).outcomes, actor, job_id)
    return [
        {
            "row": o.row,
            "recipient": o.recipient,
            "outcome": o.outcome,
            "credentialId": o.credential_id,
            "error": o.error,
        }
        for o in outcomes
    ]


@router.get(
    "/bulk-jobs/{job_id}/report.csv",
    summary="Download a bulk job's per-row report (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def report(job_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    text = await run_in_threadpool(_bulk(services).report_csv, actor, job_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="bulk-{job_id[:32]}.csv"'},
    )
