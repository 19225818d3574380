"""Public documents: the instance's and organizations' DID documents, status lists, health.

No API key: these are what verifiers anywhere fetch. Status lists carry an ``ETag`` (the
list's revision) and a short ``Cache-Control`` so that a revocation shows within seconds.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from lerkit.api.deps import ServicesDep
from lerkit.api.problems import problem, problem_responses
from lerkit.services.status_lists import CACHE_CONTROL

router = APIRouter(tags=["Public documents"])

DID_MAX_AGE = 300

_DOC = {"content": {"application/json": {"schema": {"type": "object"}}}}


def _negotiate(request: Request, preferred: str) -> str:
    accept = request.headers.get("accept", "")
    return preferred if preferred in accept else "application/json"


def _did_response(request: Request, document: Any) -> JSONResponse:
    return JSONResponse(
        document,
        media_type=_negotiate(request, "application/did+json"),
        headers={"Cache-Control": f"public, max-age={DID_MAX_AGE}"},
    )


@router.get(
    "/.well-known/did.json",
    summary="The instance's DID document (did:web)",
    responses={200: {"description": "The DID document.", **_DOC}, **problem_responses(404)},
)
async def instance_did(request: Request, services: ServicesDep) -> JSONResponse:
    document = await run_in_threadpool(services.identity.instance_did_document)
    return _did_response(request, document)


@router.get(
    "/orgs/{slug}/did.json",
    summary="An organization's DID document (did:web)",
    description="Lists the active key and every retired key, so earlier credentials verify.",
    responses={200: {"description": "The DID document.", **_DOC}, **problem_responses(404)},
)
async def organization_did(slug: str, request: Request, services: ServicesDep) -> JSONResponse:
    def load() -> Any:
        with services.database.session() as session:
            return services.identity.did_document_by_slug(session, slug)

    document = await run_in_threadpool(load)
    return _did_response(request, document)


@router.get(
    "/status/{public_id}",
    summary="A status list (signed BitstringStatusListCredential)",
    description=(
        "The signed list credential. `ETag` is the list's revision; send `If-None-Match` to "
        "get a 304 when it has not changed. Changes show at once (short `max-age`)."
    ),
    responses={
        200: {"description": "The status list credential.", **_DOC},
        304: {"description": "Not modified."},
        **problem_responses(404),
    },
)
async def status_list(public_id: str, request: Request, services: ServicesDep) -> Response:
    published = await run_in_threadpool(services.status_lists.credential, public_id)
    etag = published.etag
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(
        published.document, media_type=_negotiate(request, "application/vc"), headers=headers
    )


def _matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/"3"`` matches ``"3"``."""
    bare = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or bare in tags


@router.get(
    "/healthz",
    summary="Health: the process is up and the database answers",
    responses={
        200: {"description": "Healthy."},
        **problem_responses(503),
    },
)
def healthz(services: ServicesDep) -> Response:
    try:
        with services.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 — any failure means "not healthy"
        return problem(503, "database.unavailable", "database unavailable")
    return JSONResponse({"status": "ok", "database": services.database.backend})
