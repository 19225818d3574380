"""Achievements and credentials of the caller's organization: define, issue, read, revoke."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, status
from fastapi.concurrency import run_in_threadpool

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.api.rest.models import (
    AchievementPageOut,
    BulkStatusIn,
    BulkStatusOut,
    ClrIn,
    CredentialOut,
    CredentialPageOut,
    IssueIn,
    StatusChangeIn,
)

router = APIRouter()

AchievementData = Annotated[
    dict[str, Any],
    Body(
        description=(
            "name, description, criteria {narrative, id}, image, tags, alignments "
            "[{targetFramework, targetCode, targetUrl, targetName}], resultDescriptions, ..."
        ),
        examples=[{"name": "Data Analysis", "description": "...", "criteria": {"narrative": "."}}],
    ),
]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
PublicId = Annotated[str, "an achievement's public id"]


def _page(page: Any) -> dict[str, Any]:
    return {
        "items": [item.to_json() for item in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


# ----------------------------------------------------------------------------- achievements


@router.get(
    "/achievements",
    tags=["Achievements"],
    summary="List achievements",
    response_model=AchievementPageOut,
)
async def list_achievements(
    actor: ActorDep,
    services: ServicesDep,
    include_archived: Annotated[bool, Query(alias="includeArchived")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    page = await run_in_threadpool(
        lambda: services.achievements.list(
            actor, include_archived=include_archived, limit=limit, offset=offset
        )
    )
    return _page(page)


@router.post(
    "/achievements",
    tags=["Achievements"],
    summary="Create an achievement",
    status_code=status.HTTP_201_CREATED,
)
async def create_achievement(
    data: AchievementData, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    record = await run_in_threadpool(services.achievements.create, actor, data)
    return record.to_json()


@router.get(
    "/achievements/{achievement_id}",
    tags=["Achievements"],
    summary="An achievement (its current version, or `?version=N`)",
)
async def get_achievement(
    achievement_id: str,
    actor: ActorDep,
    services: ServicesDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> dict[str, Any]:
    record = await run_in_threadpool(services.achievements.get, actor, achievement_id, version)
    return record.to_json()


@router.patch(
    "/achievements/{achievement_id}",
    tags=["Achievements"],
    summary="Edit an achievement (creates a new version; issued credentials keep theirs)",
)
async def edit_achievement(
    achievement_id: str, changes: AchievementData, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    record = await run_in_threadpool(services.achievements.edit, actor, achievement_id, changes)
    return record.to_json()


@router.delete(
    "/achievements/{achievement_id}",
    tags=["Achievements"],
    summary="Archive an achievement (it can no longer be issued)",
)
async def archive_achievement(
    achievement_id: str, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    record = await run_in_threadpool(services.achievements.archive, actor, achievement_id)
    return record.to_json()


@router.get(
    "/achievements/{achievement_id}/versions",
    tags=["Achievements"],
    summary="Every version of an achievement, oldest first",
)
async def achievement_versions(
    achievement_id: str, actor: ActorDep, services: ServicesDep
) -> list[dict[str, Any]]:
    records = await run_in_threadpool(services.achievements.versions, actor, achievement_id)
    return [r.to_json() for r in records]


# ----------------------------------------------------------------------------- credentials


@router.post(
    "/credentials",
    tags=["Credentials"],
    summary="Issue an achievement to one recipient",
    description=(
        "Signs an OB 3.0 OpenBadgeCredential with revocation and suspension status entries. "
        "`idempotencyKey` makes a retry safe. Formats: eddsa-rdfc-2022 (default), "
        "Ed25519Signature2020, vc-jwt."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=CredentialOut,
)
async def issue_credential(body: IssueIn, actor: ActorDep, services: ServicesDep) -> Any:
    record = await run_in_threadpool(
        lambda: services.issuance.issue(
            actor,
            body.achievement,
            body.recipient,
            recipient_type=body.recipientType,
            hashed=body.hashed,
            identity_type=body.identityType,
            results=body.results,
            evidence=body.evidence,
            valid_until=body.validUntil,
            format=body.format,
            idempotency_key=body.idempotencyKey,
        )
    )
    out = record.to_json()
    if body.email and services.claims is not None:
        claims = services.claims
        claim = await run_in_threadpool(
            claims.create_for_credential, actor, record.credential_id, body.recipient, body.lang
        )
        out["claim"] = claim.to_json()
    return out


@router.post(
    "/credentials/clr",
    tags=["Credentials"],
    summary="Issue a CLR 2.0 transcript bundling a recipient's credentials",
    status_code=status.HTTP_201_CREATED,
    response_model=CredentialOut,
)
async def issue_clr(body: ClrIn, actor: ActorDep, services: ServicesDep) -> Any:
    record = await run_in_threadpool(
        lambda: services.issuance.issue_clr(
            actor,
            body.recipient,
            body.credentialIds,
            recipient_type=body.recipientType,
            hashed=body.hashed,
            identity_type=body.identityType,
            name=body.name,
            description=body.description,
            associations=body.associations,
            partial=body.partial,
            valid_until=body.validUntil,
            format=body.format,
            idempotency_key=body.idempotencyKey,
        )
    )
    return record.to_json()


@router.get(
    "/credentials",
    tags=["Credentials"],
    summary="List issued credentials (newest first), by recipient, achievement, status",
    response_model=CredentialPageOut,
)
async def list_credentials(
    actor: ActorDep,
    services: ServicesDep,
    recipient: Annotated[str | None, Query(max_length=500)] = None,
    achievement: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["active", "revoked", "suspended"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    include_documents: Annotated[bool, Query(alias="includeDocuments")] = False,
) -> dict[str, Any]:
    page = await run_in_threadpool(
        lambda: services.issuance.list_credentials(
            actor,
            recipient=recipient,
            achievement=achievement,
            status=status,
            limit=limit,
            offset=offset,
        )
    )
    return {
        "items": [c.to_json(include_document=include_documents) for c in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get(
    "/credentials/{credential_id}",
    tags=["Credentials"],
    summary="One issued credential, with the document as issued",
    response_model=CredentialOut,
)
async def get_credential(credential_id: str, actor: ActorDep, services: ServicesDep) -> Any:
    record = await run_in_threadpool(services.issuance.get_credential, actor, credential_id)
    return record.to_json()


def _status_route(action: str, summary: str) -> None:
    async def change(
        credential_id: str,
        actor: ActorDep,
        services: ServicesDep,
        body: StatusChangeIn | None = None,
    ) -> Any:
        reason = body.reason if body is not None else None
        method = getattr(services.issuance, action)
        record = await run_in_threadpool(method, actor, credential_id, reason)
        return record.to_json(include_document=False)

    change.__name__ = f"{action}_credential"
    router.add_api_route(
        f"/credentials/{{credential_id}}/{action}",
        change,
        methods=["POST"],
        tags=["Credentials"],
        summary=summary,
        response_model=CredentialOut,
    )


_status_route("revoke", "Revoke a credential for good (with a reason)")
_status_route("suspend", "Suspend a credential (with a reason)")
_status_route("unsuspend", "Lift a credential's suspension")


@router.post(
    "/credentials/status-changes",
    tags=["Credentials"],
    summary="Revoke, suspend or unsuspend many credentials at once",
    response_model=BulkStatusOut,
)
async def bulk_status_change(
    body: BulkStatusIn, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    method = getattr(services.issuance, f"{body.action}_many")
    result = await run_in_threadpool(method, actor, body.credentialIds, body.reason)
    return {
        "changed": result.changed,
        "unchanged": result.unchanged,
        "notFound": result.not_found,
        "refused": result.refused,
    }
