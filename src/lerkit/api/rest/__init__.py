"""lerkit's REST API (``/api/v1``): every route needs an API key (``Authorization: Bearer``)
and acts only on the caller's organization; another organization's objects are 404."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from lerkit.api.deps import get_actor
from lerkit.api.problems import problem_responses
from lerkit.api.rest import bulk, credentials, organization, status_lists

router = APIRouter(
    dependencies=[Depends(get_actor)],
    responses=problem_responses(401, 403, 404, 413, 422, 503),
)
router.include_router(organization.router)
router.include_router(credentials.router)
router.include_router(status_lists.router)

bulk_router = APIRouter(
    dependencies=[Depends(get_actor)],
    responses=problem_responses(401, 403, 404, 413, 422, 503),
)
bulk_router.include_router(bulk.router)
