"""The authenticated holder of a wallet request: ``HolderDep``.

Two ways in:

- ``Authorization: Bearer lw_...`` (a holder API token): no CSRF check (a browser never
  sends it on its own);
- the web session cookie ``lerkit_wallet`` (set by sign-in: HttpOnly, SameSite=Lax,
  Secure when the public URL is https; server-side row with an expiry). Every unsafe
  request (POST, PUT, PATCH, DELETE) authenticated by the cookie must carry the session's
  CSRF token, as the ``X-CSRF-Token`` header or a ``csrf_token`` form field; otherwise
  403 ``wallet.csrf_failed``.

Every wallet route depends on :func:`get_holder`.
"""

from __future__ import annotations

import hmac
from typing import Annotated, ClassVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response

from lerkit.api.deps import ServicesDep
from lerkit.bootstrap import Services
from lerkit.core.errors import ProblemCode
from lerkit.services.errors import AuthenticationError, PermissionDeniedError
from lerkit.services.wallet.accounts import HolderPrincipal

SESSION_COOKIE = "lerkit_wallet"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

holder_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="HolderToken",
    description="A holder's API token: `Authorization: Bearer lw_...`.",
)


class HolderUnauthenticated(AuthenticationError):
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="lerkit-wallet"'}


class CsrfFailed(PermissionDeniedError):
    default_code = ProblemCode.WALLET_CSRF


def _token_holder(services: Services, token: str) -> HolderPrincipal:
    assert services.wallet_base is not None
    try:
        with services.database.session() as session:
            return services.wallet_base.accounts.authenticate_token(session, token)
    except AuthenticationError as exc:
        raise HolderUnauthenticated(exc.message) from exc


def cookie_holder(services: Services, cookie: str | None) -> tuple[HolderPrincipal, str] | None:
    """The holder and CSRF token of a session cookie; None when absent or not valid."""
    if not cookie or services.wallet is None:
        return None
    try:
        with services.database.session() as session:
            found: tuple[HolderPrincipal, str] = services.wallet.signin.authenticate_cookie(
                session, cookie
            )
            return found
    except AuthenticationError:
        return None


async def check_csrf(request: Request, expected: str) -> None:
    """403 unless the request carries ``expected`` (header or form field)."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfFailed(
            "this change needs the session's CSRF token (X-CSRF-Token header or csrf_token "
            "field): reload the page and try again"
        )


async def get_holder(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(holder_bearer)],
) -> HolderPrincipal:
    """The holder, from their token or session cookie; 401 otherwise (never says which
    part was wrong); 403 for a cookie request without its CSRF token."""
    if services.wallet_base is None:
        raise HolderUnauthenticated("the wallet is not enabled on this instance")
    if credentials is not None and credentials.credentials:
        return await run_in_threadpool(_token_holder, services, credentials.credentials)
    found = await run_in_threadpool(cookie_holder, services, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise HolderUnauthenticated(
            "sign in, or send a holder token: `Authorization: Bearer lw_...`"
        )
    principal, csrf = found
    request.state.wallet_csrf = csrf
    if request.method.upper() not in SAFE_METHODS:
        await check_csrf(request, csrf)
    return principal


HolderDep = Annotated[HolderPrincipal, Depends(get_holder)]


def set_session_cookie(response: Response, services: Services, cookie: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=services.settings.public_url.startswith("https://"),
    )


def clear_session_cookie(response: Response, services: Services) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=services.settings.public_url.startswith("https://"),
    )
