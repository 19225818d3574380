"""Errors of the services layer. The API maps each class once (RFC 9457 problem+json):

    ServiceError (LerkitError)
    ├── NotFoundError          404  request.not_found (also for another tenant's objects)
    ├── AuthenticationError    401  request.unauthorized
    ├── PermissionDeniedError  403  request.forbidden
    ├── ConflictError          409  request.conflict
    └── ValidationError        422  request.invalid (with per-field ``errors``)

Core errors (InputError and subclasses) map to 400/422 the same way.
"""

from __future__ import annotations

from typing import Any

from lerkit.core.errors import LerkitError, ProblemCode


class ServiceError(LerkitError):
    status = 400


class NotFoundError(ServiceError):
    default_code = ProblemCode.NOT_FOUND
    status = 404


class AuthenticationError(ServiceError):
    default_code = ProblemCode.UNAUTHORIZED
    status = 401


class PermissionDeniedError(ServiceError):
    default_code = ProblemCode.FORBIDDEN
    status = 403


class ConflictError(ServiceError):
    default_code = ProblemCode.CONFLICT
    status = 409


class ValidationError(ServiceError):
    default_code = ProblemCode.VALIDATION
    status = 422

    def __init__(
        self,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        code: ProblemCode | None = None,
    ) -> None:
        super().__init__(message, code)
        self.errors = errors or []
