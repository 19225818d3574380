"""The authenticated holder of a wallet request: ``HolderDep``.

``Authorization: Bearer lw_...`` (a holder API token). The wallet area may add web
sessions (cookie + CSRF) here; every wallet route depends on :func:`get_holder`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lerkit.api.deps import ServicesDep
from lerkit.services.errors import AuthenticationError
from lerkit.services.wallet.accounts import HolderPrincipal

holder_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="HolderToken",
    description="A holder's API token: `Authorization: Bearer lw_...`.",
)


class HolderUnauthenticated(AuthenticationError):
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="lerkit-wallet"'}


def get_holder(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(holder_bearer)],
) -> HolderPrincipal:
    """The holder, from their token; 401 otherwise (never says which part was wrong)."""
    if credentials is None or not credentials.credentials or services.wallet_base is None:
        raise HolderUnauthenticated("a holder token is required: `Authorization: Bearer lw_...`")
    try:
        with services.database.session() as session:
            return services.wallet_base.accounts.authenticate_token(
                session, credentials.credentials
            )
    except AuthenticationError as exc:
        raise HolderUnauthenticated(exc.message) from exc


HolderDep = Annotated[HolderPrincipal, Depends(get_holder)]
