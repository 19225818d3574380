"""Request dependencies: the wired services, and the authenticated caller (``Actor``)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lerkit.bootstrap import Services
from lerkit.services.context import Actor
from lerkit.services.errors import AuthenticationError

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An organization's API key: `Authorization: Bearer <key>`.",
)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


class Unauthenticated(AuthenticationError):
    """401 with the ``WWW-Authenticate`` challenge RFC 6750 asks for."""

    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="lerkit"'}


def get_actor(  # sync: FastAPI runs it in the thread pool, like the endpoints
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The caller, from ``Authorization: Bearer <API key>``; 401 without a valid key."""
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("an API key is required: send `Authorization: Bearer <key>`")
    try:
        with services.database.session() as session:
            actor = services.api_keys.authenticate(session, credentials.credentials)
    except AuthenticationError as exc:
        raise Unauthenticated(exc.message) from exc
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
