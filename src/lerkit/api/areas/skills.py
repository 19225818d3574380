"""Routes of skill frameworks, search, extraction, crosswalks, alignment (issue 7).

Public by design (no API key needed; a key, when sent, must be valid and adds the
organization's private frameworks and crosswalks): reading the registry (frameworks, items,
exports, skills, occupations, search, attribution) and the stateless matching routes
(normalize, extract, align, similarity) — a skills registry is shared reference data, like the
CASE Network, and other lerkit instances federate its search. Every write (framework import and
delete, crosswalk suggestions and decisions, alignments of an organization's achievement)
needs an organization API key.
"""

from __future__ import annotations

import csv
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from lerkit.api.deps import ActorDep, ServicesDep, bearer, get_actor
from lerkit.bootstrap import Services
from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.skills import formats
from lerkit.services.context import Actor
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.skills.default import attribution
from lerkit.services.skills.service import SkillsService

router = APIRouter(prefix="/api/v1/skills", tags=["Skills"])

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Uri = Annotated[str, Field(min_length=1, max_length=500)]
Method = Literal["auto", "lexical", "embedding"]
MAX_TEXT = 20_000


def _skills(services: Services) -> SkillsService:
    skills = services.skills
    if not isinstance(skills, SkillsService):  # pragma: no cover - always wired
        raise NotFoundError("skills services are not available")
    return skills


def optional_actor(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor | None:
    """The caller when an API key is sent (401 if it is not valid), else anonymous."""
    if credentials is None or not credentials.credentials:
        return None
    return get_actor(services, credentials)


MaybeActor = Annotated[Actor | None, Depends(optional_actor)]


def _embeddings(method: Method) -> bool | None:
    return None if method == "auto" else method == "embedding"


def _frameworks(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    return [f.strip() for f in raw.split(",") if f.strip()][:20] or None


# --- models -------------------------------------------------------------------------------


class NormalizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=500)
    limit: int = Field(3, ge=1, le=50)
    frameworks: list[Slug] | None = Field(None, max_length=20)
    method: Method = "auto"


class ExtractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    frameworks: list[Slug] | None = Field(None, max_length=20)
    min_confidence: float = Field(0.6, ge=0.0, le=1.0)
    limit: int = Field(100, ge=1, le=500)
    method: Method = "auto"


class AlignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=1000)
    description: str = Field("", max_length=MAX_TEXT)
    criteria: str = Field("", max_length=MAX_TEXT)
    frameworks: list[Slug] | None = Field(None, max_length=20)
    limit: int = Field(10, ge=1, le=50)
    method: Method = "auto"


class SimilarityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: Uri
    b: Uri


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["case", "rsd", "rsd-csv", "esco", "onet", "ctdl"]
    id: Slug | None = None
    public: bool = True
    replace: bool = False
    content: dict[str, Any] | list[Any] | None = Field(
        None, description="the JSON document (case, rsd, ctdl)"
    )
    text: str | None = Field(None, max_length=50_000_000, description="rsd-csv text")
    files: dict[Annotated[str, Field(max_length=200)], str] | None = Field(
        None, description="esco / onet: file name -> CSV or tab-separated text", max_length=20
    )


class CrosswalkSuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Slug
    target: Slug
    limit: int = Field(200, ge=1, le=500, description="source skills examined in this call")
    offset: int = Field(0, ge=0, le=10_000_000, description="first source skill (paging)")
    min_confidence: float = Field(0.6, ge=0.0, le=1.0)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relation: (
        Literal["exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"] | None
    ) = None


class AlignmentOut(BaseModel):
    model_config = ConfigDict(extra="allow")


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alignments: list[dict[str, Any]] = Field(min_length=1, max_length=100)
    replace: bool = False


# --- registry (public reads) ----------------------------------------------------------------


@router.get("/attribution", summary="Attribution of the bundled taxonomies (ESCO, O*NET)")
async def get_attribution() -> dict[str, Any]:
    return {"attribution": attribution()}


def _parse(body: ImportIn) -> formats.ParsedFramework:
    try:
        return _parse_body(body)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, csv.Error) as exc:
        raise InputError(
            f"the {body.format} framework cannot be read: {type(exc).__name__}: {str(exc)[:200]}",
            ProblemCode.SKILLS_FRAMEWORK_MALFORMED,
        ) from exc


def _parse_body(body: ImportIn) -> formats.ParsedFramework:
    if body.format in ("case", "rsd", "ctdl"):
        if body.content is None:
            raise ValidationError(
                f"`content` (the JSON document) is required for {body.format}",
                [{"field": "content", "message": "is required"}],
                code=ProblemCode.SKILLS_FRAMEWORK_MALFORMED,
            )
        parser = {
            "case": formats.parse_case,
            "rsd": formats.parse_rsd_json,
            "ctdl": formats.parse_ctdl,
        }
        return parser[body.format](body.content)
    if body.format == "rsd-csv":
        if not body.text:
            raise ValidationError(
                "`text` (the CSV) is required for rsd-csv",
                [{"field": "text", "message": "is required"}],
                code=ProblemCode.SKILLS_FRAMEWORK_MALFORMED,
            )
        return formats.parse_rsd_csv(body.text)
    if not body.files:
        raise ValidationError(
            f"`files` is required for {body.format}",
            [{"field": "files", "message": "is required"}],
            code=ProblemCode.SKILLS_FRAMEWORK_MALFORMED,
        )
    return (formats.parse_esco if body.format == "esco" else formats.parse_onet)(body.files)


@router.get("/frameworks", summary="Every framework the caller can see (bundled, public, own)")
async def list_frameworks(services: ServicesDep, actor: MaybeActor) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return [f.to_json() for f in _skills(services).list_frameworks(session, actor)]

    return {"frameworks": await run_in_threadpool(run), "attribution": attribution()}


@router.post(
    "/frameworks", status_code=201, summary="Import a framework (CASE, RSD, ESCO, O*NET, CTDL-ASN)"
)
async def import_framework(
    body: ImportIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        parsed = _parse(body)
        with services.database.session() as session:
            info = _skills(services).import_framework(
                session, actor, parsed, slug=body.id, public=body.public, replace=body.replace
            )
            return info.to_json()

    return await run_in_threadpool(run)


@router.get("/frameworks/{framework_id}", summary="One framework")
async def get_framework(
    framework_id: str, services: ServicesDep, actor: MaybeActor
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with services.database.session() as session:
            return _skills(services).get_framework(session, actor, framework_id).to_json()

    return await run_in_threadpool(run)


@router.delete(
    "/frameworks/{framework_id}", status_code=204, summary="Delete one of your frameworks"
)
async def delete_framework(framework_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    def run() -> None:
        with services.database.session() as session:
            _skills(services).delete_framework(session, actor, framework_id)

    await run_in_threadpool(run)
    return Response(status_code=204)


@router.get("/frameworks/{framework_id}/items", summary="A framework's items, in order")
async def framework_items(
    framework_id: str,
    services: ServicesDep,
    actor: MaybeActor,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).items(session, actor, framework_id, offset=offset, limit=limit)

    return {"items": await run_in_threadpool(run), "offset": offset, "limit": limit}


@router.get(
    "/frameworks/{framework_id}/export",
    summary="Export a framework as a CASE 1.1 CFPackage, an RSD collection (JSON-LD) or RSD CSV",
)
async def export_framework(
    framework_id: str,
    services: ServicesDep,
    actor: MaybeActor,
    format: Annotated[Literal["case", "rsd", "rsd-csv"], Query()] = "case",
) -> Response:
    def run() -> dict[str, Any] | str:
        with services.database.session() as session:
            return _skills(services).export_framework(session, actor, framework_id, format)

    out = await run_in_threadpool(run)
    if isinstance(out, str):
        return Response(out, media_type="text/csv; charset=utf-8")
    return Response(json.dumps(out, ensure_ascii=False), media_type="application/json")


@router.get(
    "/search", summary="Search skills by any label in every framework (and federated registries)"
)
async def search(
    services: ServicesDep,
    actor: MaybeActor,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    frameworks: Annotated[
        str | None, Query(max_length=1000, description="comma-separated ids")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    federated: bool = True,
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with services.database.session() as session:
            return (
                _skills(services)
                .search(
                    session,
                    actor,
                    q,
                    limit=limit,
                    frameworks=_frameworks(frameworks),
                    federated=federated,
                )
                .to_json()
            )

    return await run_in_threadpool(run)


@router.get("/skill", summary="One skill by URI, with its crosswalk links")
async def get_skill(
    services: ServicesDep,
    actor: MaybeActor,
    uri: Annotated[str, Query(min_length=1, max_length=500)],
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with services.database.session() as session:
            return _skills(services).skill(session, actor, uri)

    return await run_in_threadpool(run)


@router.get("/occupations", summary="Search occupations (ESCO, O*NET, imported)")
async def occupations(
    services: ServicesDep,
    actor: MaybeActor,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).search_occupations(session, actor, q, limit)

    return {"results": await run_in_threadpool(run), "attribution": attribution()}


@router.get("/occupation", summary="One occupation: essential/optional skills, related occupations")
async def occupation(
    services: ServicesDep,
    actor: MaybeActor,
    uri: Annotated[str, Query(min_length=1, max_length=500)],
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with services.database.session() as session:
            return _skills(services).occupation(session, actor, uri)

    return await run_in_threadpool(run)


# --- matching (public, stateless) -----------------------------------------------------------


@router.post("/normalize", summary="Framework skills for one label, with confidence")
async def normalize(body: NormalizeIn, services: ServicesDep, actor: MaybeActor) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).normalize(
                session,
                actor,
                body.label,
                limit=body.limit,
                frameworks=body.frameworks,
                embeddings=_embeddings(body.method),
            )

    return {"results": await run_in_threadpool(run), "attribution": attribution()}


@router.post(
    "/extract", summary="Every framework skill named in a text, with confidence and source words"
)
async def extract(body: ExtractIn, services: ServicesDep, actor: MaybeActor) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).extract(
                session,
                actor,
                body.text,
                frameworks=body.frameworks,
                min_confidence=body.min_confidence,
                limit=body.limit,
                embeddings=_embeddings(body.method),
            )

    return {"results": await run_in_threadpool(run), "attribution": attribution()}


@router.post("/similarity", summary="Semantic closeness of two skills (0..1)")
async def similarity(
    body: SimilarityIn, services: ServicesDep, actor: MaybeActor
) -> dict[str, Any]:
    def run() -> float:
        with services.database.session() as session:
            return _skills(services).similarity(session, actor, body.a, body.b)

    return {"a": body.a, "b": body.b, "similarity": await run_in_threadpool(run)}


@router.post("/align", summary="Suggest OB 3.0 alignments for an achievement's text")
async def align(body: AlignIn, services: ServicesDep, actor: MaybeActor) -> dict[str, Any]:
    if not (body.name or body.description or body.criteria):
        raise ValidationError(
            "give a name, a description or criteria",
            [{"field": "description", "message": "is required"}],
        )

    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).suggest_alignments(
                session,
                actor,
                name=body.name,
                description=body.description,
                criteria=body.criteria,
                limit=body.limit,
                frameworks=body.frameworks,
                embeddings=_embeddings(body.method),
            )

    return {"suggestions": await run_in_threadpool(run), "attribution": attribution()}


# --- an organization's achievements ------------------------------------------------------------


def _achievement_text(data: dict[str, Any]) -> tuple[str, str, str]:
    criteria = data.get("criteria") or {}
    narrative = criteria.get("narrative", "") if isinstance(criteria, dict) else str(criteria)
    return str(data.get("name", "")), str(data.get("description", "")), str(narrative or "")


@router.post(
    "/achievements/{achievement_id}/alignments",
    summary="Suggest OB 3.0 alignments for one of your achievements (description, criteria)",
)
async def suggest_for_achievement(
    achievement_id: str,
    services: ServicesDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    method: Method = "auto",
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        record = services.achievements.get(actor, achievement_id)
        name, description, criteria = _achievement_text(record.data)
        existing = {
            a.get("targetUrl") for a in record.data.get("alignments", []) if isinstance(a, dict)
        }
        with services.database.session() as session:
            suggestions = _skills(services).suggest_alignments(
                session,
                actor,
                name=name,
                description=description,
                criteria=criteria,
                limit=limit + len(existing),
                embeddings=_embeddings(method),
            )
        suggestions = [s for s in suggestions if s["alignment"]["targetUrl"] not in existing][
            :limit
        ]
        return {
            "achievement": record.public_id,
            "version": record.version,
            "suggestions": suggestions,
        }

    return await run_in_threadpool(run)


@router.post(
    "/achievements/{achievement_id}/alignments/accept",
    summary="Add accepted alignments to one of your achievements (a new version)",
)
async def accept_alignments(
    achievement_id: str, body: AcceptIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        record = services.achievements.get(actor, achievement_id)
        keep = [] if body.replace else list(record.data.get("alignments", []))
        urls = {a.get("targetUrl") for a in keep if isinstance(a, dict)}
        for a in body.alignments:
            a = {k: v for k, v in a.items() if k != "type"}
            if a.get("targetUrl") not in urls:
                keep.append(a)
                urls.add(a.get("targetUrl"))
        return services.achievements.edit(actor, achievement_id, {"alignments": keep}).to_json()

    return await run_in_threadpool(run)


# --- crosswalks (an organization's) ------------------------------------------------------------


@router.post(
    "/crosswalks/suggest",
    status_code=201,
    summary="Suggest exact/close matches between two frameworks",
)
async def suggest_crosswalk(
    body: CrosswalkSuggestIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).suggest_crosswalk(
                session,
                actor,
                body.source,
                body.target,
                limit=body.limit,
                min_confidence=body.min_confidence,
                offset=body.offset,
            )

    return {"crosswalks": await run_in_threadpool(run)}


@router.get("/crosswalks", summary="Your organization's crosswalk suggestions and decisions")
async def list_crosswalks(
    services: ServicesDep,
    actor: ActorDep,
    status: Literal["suggested", "confirmed", "rejected"] | None = None,
    framework: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    def run() -> list[dict[str, Any]]:
        with services.database.session() as session:
            return _skills(services).list_crosswalks(
                session, actor, status=status, framework=framework, limit=limit, offset=offset
            )

    return {"crosswalks": await run_in_threadpool(run)}


def _decide(status: str) -> Any:
    async def decide(
        crosswalk_id: str, services: ServicesDep, actor: ActorDep, body: DecisionIn | None = None
    ) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            with services.database.session() as session:
                return _skills(services).decide_crosswalk(
                    session, actor, crosswalk_id, status, body.relation if body else None
                )

        return await run_in_threadpool(run)

    return decide


router.add_api_route(
    "/crosswalks/{crosswalk_id}/confirm",
    _decide("confirmed"),
    methods=["POST"],
    summary="Confirm a crosswalk suggestion (audited)",
)
router.add_api_route(
    "/crosswalks/{crosswalk_id}/reject",
    _decide("rejected"),
    methods=["POST"],
    summary="Reject a crosswalk suggestion (audited)",
)


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
    app.include_router(router)
