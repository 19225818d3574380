"""VC-API exchanges (see :mod:`lerkit.services.exchanges` for the design).

Protected: ``POST /api/v1/exchanges`` (an API key with the issuer role). Public (the
exchange id is the capability): the interaction URL ``GET /interactions/{id}`` (JSON
protocols, or a small HTML page), and the exchange itself,
``GET|POST /workflows/{workflow_id}/exchanges/{exchange_id}``. Errors are problem+json.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lerkit.api.deps import ActorDep, ServicesDep, get_actor
from lerkit.api.problems import problem_responses
from lerkit.bootstrap import Services
from lerkit.core.jsonvalue import parse_json
from lerkit.services.errors import NotFoundError
from lerkit.services.exchanges import (
    DEFAULT_EXCHANGE_SECONDS,
    MAX_EXCHANGE_SECONDS,
    ExchangeService,
)

router = APIRouter(tags=["VC-API: exchanges"])
manage_router = APIRouter(
    tags=["VC-API: exchanges"],
    dependencies=[Depends(get_actor)],
    responses=problem_responses(401, 403, 404, 413, 422),
)

NO_STORE = {"Cache-Control": "no-store"}
_JSON = {"content": {"application/json": {"schema": {"type": "object"}}}}


def _service(services: Services) -> ExchangeService:
    if services.exchanges is None:
        raise NotFoundError("VC-API exchanges are not enabled on this instance")
    return services.exchanges


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    offer: str | None = Field(
        default=None, max_length=64, description="an OpenID4VCI offer's id (or give achievement)"
    )
    achievement: str | None = Field(
        default=None, max_length=64, description="the achievement's public id"
    )
    recipient: str | None = Field(
        default=None, max_length=500, description="whom the exchange is meant for"
    )
    expires_in: int = Field(
        default=DEFAULT_EXCHANGE_SECONDS, ge=60, le=MAX_EXCHANGE_SECONDS, alias="expiresIn"
    )


@manage_router.post(
    "/exchanges",
    summary="Create a VC-API exchange (DIDAuth, then issue) for an offer or an achievement",
    description=(
        "The wallet starts from `interactionUrl` (`?iuv=1`); `exchangeUrl` is the VC-API "
        "exchange of the `didauth-issue` workflow. Single use; expires at `expires`."
    ),
    status_code=status.HTTP_201_CREATED,
)
async def create_exchange(
    body: ExchangeIn, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    service = _service(services)
    created = await run_in_threadpool(
        lambda: service.create(
            actor,
            offer=body.offer,
            achievement=body.achievement,
            recipient=body.recipient,
            expires_in=body.expires_in,
        )
    )
    return created.to_json()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claim your credential</title></head>
<body><main>
<h1>Claim your credential</h1>
<p>Open this link with a wallet that speaks the VC-API, such as the Learner Credential
Wallet:</p>
<p><a href="{lcw}">Open in the Learner Credential Wallet</a></p>
<p>Or give your wallet this address: <code>{url}</code></p>
</main></body></html>
"""


@router.get(
    "/interactions/{exchange_id}",
    summary="Interaction URL: the protocols a wallet can use to claim the credential",
    description='`Accept: application/json` → `{"protocols": {"vcapi": ...}}`; else HTML.',
    responses={200: {**_JSON, "content": {**_JSON["content"], "text/html": {}}}},
)
async def interaction(exchange_id: str, request: Request, services: ServicesDep) -> Any:
    service = _service(services)
    answer = await run_in_threadpool(service.protocols, exchange_id)
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "application/json" not in accept:
        url = service.interaction_url(exchange_id)
        request_json = json.dumps(
            {"credentialRequestOrigin": str(request.base_url).rstrip("/"), **answer},
            separators=(",", ":"),
        )
        lcw = f"https://lcw.app/request.html?request={quote(request_json, safe='')}"
        page = _PAGE.format(lcw=html.escape(lcw), url=html.escape(url))
        return HTMLResponse(page, headers=NO_STORE)
    return JSONResponse(answer, headers=NO_STORE)


@router.get(
    "/workflows/{workflow_id}/exchanges/{exchange_id}",
    summary="The state of an exchange (pending, active, complete, invalid)",
    responses={200: _JSON, **problem_responses(404)},
)
async def exchange_state(workflow_id: str, exchange_id: str, services: ServicesDep) -> JSONResponse:
    service = _service(services)
    answer = await run_in_threadpool(service.state, workflow_id, exchange_id)
    return JSONResponse(answer, headers=NO_STORE)


@router.post(
    "/workflows/{workflow_id}/exchanges/{exchange_id}",
    summary="Continue an exchange: `{}` → a DIDAuth request; `{verifiablePresentation}` → VC",
    description=(
        "`{}` returns `{verifiablePresentationRequest}` (DIDAuthentication with a fresh "
        "challenge); `{verifiablePresentation}` (an `authentication` proof answering it) "
        "returns `{verifiablePresentation: {verifiableCredential: [...]}}`."
    ),
    responses={200: _JSON, **problem_responses(400, 404, 413, 422)},
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def exchange_message(
    workflow_id: str, exchange_id: str, request: Request, services: ServicesDep
) -> JSONResponse:
    service = _service(services)
    raw = await request.body()
    body: Any = parse_json(raw) if raw.strip() else {}
    answer = await run_in_threadpool(service.message, workflow_id, exchange_id, body)
    return JSONResponse(answer, headers=NO_STORE)


def install(app: FastAPI) -> None:
    """Mount the exchange routes (``POST /api/v1/exchanges`` and the public ones)."""
    app.include_router(router)
    app.include_router(manage_router, prefix="/api/v1")
