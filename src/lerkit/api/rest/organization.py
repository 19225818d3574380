"""The caller's organization: profile, members, API keys, signing keys, audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.api.rest.models import (
    ApiKeyIn,
    ApiKeyOut,
    AuditPageOut,
    CreatedApiKeyOut,
    MemberIn,
    MemberOut,
    MemberRoleIn,
    OrganizationOut,
    ProfileUpdate,
    RotateIn,
    SigningKeyOut,
)
from lerkit.bootstrap import Services
from lerkit.services.context import Actor

router = APIRouter()


def _organization(services: Services, actor: Actor) -> dict[str, Any]:
    with services.database.session() as session:
        org = services.organizations.get(session, actor)
        profile = services.organizations.profile(session, actor)
        return {
            "slug": org.slug,
            "name": org.name,
            "did": org.did,
            "didMethod": org.did_method,
            "profile": profile.to_json(),
        }


@router.get(
    "/organization",
    tags=["Organization"],
    summary="The caller's organization and its OB 3.0 issuer profile",
    response_model=OrganizationOut,
)
def get_organization(actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return _organization(services, actor)


@router.patch(
    "/organization",
    tags=["Organization"],
    summary="Update the organization's name and profile (admin)",
    description='Fields sent as `null` or `""` are cleared; fields not sent are kept.',
    response_model=OrganizationOut,
)
def update_organization(
    body: ProfileUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    with services.database.session() as session:
        services.organizations.update_profile(session, actor, body.model_dump(exclude_unset=True))
    return _organization(services, actor)


# ----------------------------------------------------------------------------- members


@router.get(
    "/organization/members",
    tags=["Organization"],
    summary="List members",
    response_model=list[MemberOut],
)
def list_members(actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [m.to_json() for m in services.organizations.list_members(session, actor)]


@router.post(
    "/organization/members",
    tags=["Organization"],
    summary="Add a member (admin)",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
)
def add_member(body: MemberIn, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        info = services.organizations.add_member(session, actor, body.email, body.role)
        return info.to_json()


@router.patch(
    "/organization/members/{email}",
    tags=["Organization"],
    summary="Change a member's role (admin)",
    response_model=MemberOut,
)
def change_member(
    email: str, body: MemberRoleIn, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    with services.database.session() as session:
        info = services.organizations.change_member_role(session, actor, email, body.role)
        return info.to_json()


@router.delete(
    "/organization/members/{email}",
    tags=["Organization"],
    summary="Remove a member (admin); their API keys stop working",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def remove_member(email: str, actor: ActorDep, services: ServicesDep) -> Response:
    with services.database.session() as session:
        services.organizations.remove_member(session, actor, email)
    return Response(status_code=204)


# ----------------------------------------------------------------------------- API keys


@router.get(
    "/api-keys",
    tags=["Access"],
    summary="List API keys (admin; never their secrets)",
    response_model=list[ApiKeyOut],
)
def list_api_keys(
    actor: ActorDep,
    services: ServicesDep,
    include_revoked: Annotated[bool, Query(alias="includeRevoked")] = True,
) -> list[dict[str, Any]]:
    with services.database.session() as session:
        keys = services.api_keys.list(session, actor, include_revoked=include_revoked)
        return [k.to_json() for k in keys]


@router.post(
    "/api-keys",
    tags=["Access"],
    summary="Create an API key (admin); `token` is shown this once",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedApiKeyOut,
)
def create_api_key(body: ApiKeyIn, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        created = services.api_keys.create(
            session,
            actor,
            name=body.name,
            role=body.role,
            scopes=body.scopes,
            expires_at=body.expiresAt,
            member_email=body.memberEmail,
        )
    return {**created.info.to_json(), "token": created.token}


@router.delete(
    "/api-keys/{key_id}",
    tags=["Access"],
    summary="Revoke an API key (admin); it stops working at once",
    response_model=ApiKeyOut,
)
def revoke_api_key(key_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        return services.api_keys.revoke(session, actor, key_id).to_json()


# ----------------------------------------------------------------------------- signing keys


@router.get(
    "/signing-keys",
    tags=["Access"],
    summary="List signing keys with how many live credentials each signed",
    response_model=list[SigningKeyOut],
)
def list_signing_keys(actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [k.to_json() for k in services.identity.list_keys(session, actor)]


@router.get(
    "/signing-keys/{key_id}",
    tags=["Access"],
    summary="One signing key (public part only)",
    response_model=SigningKeyOut,
)
def get_signing_key(key_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    with services.database.session() as session:
        return services.identity.get_key(session, actor, key_id).to_json()


@router.post(
    "/signing-keys/rotate",
    tags=["Access"],
    summary="Rotate the signing key (admin, did:web only)",
    description="A new key signs from now on; the retired one stays in the DID document.",
    status_code=status.HTTP_201_CREATED,
    response_model=SigningKeyOut,
)
def rotate_signing_key(
    actor: ActorDep, services: ServicesDep, body: RotateIn | None = None
) -> dict[str, Any]:
    key_type = body.keyType if body is not None else "ed25519"
    with services.database.session() as session:
        return services.identity.rotate_signing_key(session, actor, key_type).to_json()


# ----------------------------------------------------------------------------- audit


@router.get(
    "/audit-events",
    tags=["Organization"],
    summary="The audit log, newest first (admin)",
    response_model=AuditPageOut,
)
def list_audit_events(
    actor: ActorDep,
    services: ServicesDep,
    since: datetime | None = None,
    until: datetime | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(alias="objectType", max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    with services.database.session() as session:
        page = services.audit.list_events(
            session,
            actor,
            since=since,
            until=until,
            action=action,
            object_type=object_type,
            limit=limit,
            cursor=cursor,
        )
        return {"events": [e.to_json() for e in page.events], "nextCursor": page.next_cursor}
