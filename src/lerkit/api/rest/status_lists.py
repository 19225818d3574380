"""The caller's organization's Bitstring Status Lists: where each is published, how full it
is, and its current revision (the list documents themselves are public, at ``/status/...``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict

from lerkit.api.deps import ActorDep, ServicesDep

router = APIRouter(tags=["Status lists"])


class StatusListOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    purpose: str
    url: str
    size: int
    allocated: int
    full: bool
    revision: int
    updatedAt: str


@router.get(
    "/status-lists",
    summary="List the organization's status lists",
    description="Oldest first: purpose (revocation or suspension), the URL the signed list is "
    "served at, its size, how many entries are allocated, its revision (the ETag) and the "
    "time of its last change.",
    response_model=list[StatusListOut],
)
async def list_status_lists(actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    lists = await run_in_threadpool(services.status_lists.list_lists, actor)
    return [item.to_json() for item in lists]
