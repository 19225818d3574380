"""RFC 9457 problem details: the one place where errors become HTTP responses.

Every error the API returns is ``application/problem+json``::

    {"type": "https://lerkit.dev/problems/<code>", "title": ..., "status": ...,
     "detail": ..., "code": "<code>", "errors": [...]}   # errors: validation only

Handlers are keyed on base classes, once for the whole app (registered by
:func:`install`): ``LerkitError`` (services carry ``.status``; core input errors are 400),
Starlette's ``HTTPException``, request validation (422 with per-field errors), database
errors (503 "database unavailable") and, last, any other exception (500, logged, no details).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DataError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeoutError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from lerkit.core.errors import (
    CryptoError,
    InputError,
    LerkitError,
    ResolutionError,
    SigningError,
)
from lerkit.services.interfaces import KeyStoreError

log = logging.getLogger("lerkit.api")

PROBLEM_BASE = "https://lerkit.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

# HTTP statuses without a lerkit code of their own get a generic code.
_HTTP_CODES = {
    400: "request.malformed",
    401: "request.unauthorized",
    403: "request.forbidden",
    404: "request.not_found",
    405: "request.method_not_allowed",
    406: "request.not_acceptable",
    409: "request.conflict",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
    429: "request.too_many",
    500: "server.internal",
    503: "server.unavailable",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def status_of(exc: LerkitError) -> int:
    """The HTTP status of a lerkit error: its own ``.status`` when it has one (services),
    else by class: malformed input 400, refused signing 422, could-not-resolve 422."""
    status = getattr(exc, "status", None)
    if isinstance(status, int) and 400 <= status <= 599:
        return status
    if isinstance(exc, SigningError | ResolutionError):
        return 422
    if isinstance(exc, InputError | CryptoError):
        return 400
    return 400


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors as ``{"pointer": "/body/name", "field": ..., "message": ...}``."""
    out: list[dict[str, Any]] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append(
            {
                "pointer": "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in loc),
                "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
                "message": str(err.get("msg", "invalid")),
                "type": str(err.get("type", "")),
            }
        )
    return _json_safe(out)  # type: ignore[no-any-return]


async def _lerkit_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, LerkitError)
    if isinstance(exc, KeyStoreError):
        # the server's own key material is unusable: never the caller's fault, never detailed
        log.error("key store error on %s %s: %s", request.method, request.url.path, exc.code)
        return problem(500, "server.internal", "an internal error occurred; it has been logged")
    status = status_of(exc)
    if status >= 500:  # e.g. DatabaseUnavailable: the driver's words stay in the log
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        if status == 503:
            return problem(
                503, "database.unavailable", "database unavailable",
                headers={"Retry-After": "5"},
            )  # fmt: skip
        return problem(500, "server.internal", "an internal error occurred; it has been logged")
    errors = getattr(exc, "errors", None)
    headers = getattr(exc, "headers", None)
    return problem(
        status,
        str(exc.code),
        exc.message,
        errors=_json_safe(errors) if isinstance(errors, list) else None,
        headers=dict(headers) if isinstance(headers, dict) else None,
    )


async def _http_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _HTTP_CODES.get(status, "request.error" if status < 500 else "server.error")
    detail = exc.detail if isinstance(exc.detail, str) else _title(status)
    headers = dict(exc.headers) if exc.headers else None
    return problem(status, code, detail, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    body_unparseable = any(e.get("type") == "json_invalid" for e in errors)
    if body_unparseable:
        return problem(400, "request.malformed", "the request body is not valid JSON")
    return problem(422, "request.invalid", "the request is not valid", errors=errors)


async def _database_error(request: Request, exc: Exception) -> ProblemResponse:
    if isinstance(exc, IntegrityError):
        # services translate the conflicts they expect; one that slips through is a race
        log.warning("integrity error on %s %s", request.method, request.url.path)
        return problem(409, "request.conflict", "the request conflicts with existing data")
    if isinstance(exc, DataError):  # e.g. a NUL character in text on PostgreSQL
        return problem(422, "request.invalid", "a value in the request cannot be stored")
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError):
        log.error("database unavailable: %s", type(exc).__name__)
        return problem(
            503,
            "database.unavailable",
            "database unavailable",
            headers={"Retry-After": "5"},
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "server.internal", "an internal error occurred; it has been logged")


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app`` (once per app)."""
    app.add_exception_handler(LerkitError, _lerkit_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "code"],
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route can return."""
    return {
        s: {
            "description": _title(s),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for s in statuses
    }
