"""Routes of job postings, candidate profiles, matching, guidance, workforce tools (issue 8).

Organizations (API key): ``/api/v1/jobs...`` (post, import, export, rank candidates),
``/api/v1/matching...`` (the log of rankings, a candidate's shared credential and its
verification), ``/api/v1/guidance...`` (occupations, gap analysis for a skill list),
``/api/v1/workforce...`` (inventory, gaps against a role, internal mobility).
Holders (holder token): ``/api/v1/wallet/talent...`` (opt in, preview, withdraw,
re-verify, matching jobs with explanations, gaps, learning recommendations, pathways).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, FastAPI, Query, Response, status

from lerkit.api.deps import ActorDep, ServicesDep
from lerkit.api.holder_auth import HolderDep
from lerkit.bootstrap import Services
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.market import MarketService
from lerkit.services.market.profiles import vector_of

router = APIRouter(prefix="/api/v1")
TAG_JOBS = "Jobs and matching"
TAG_TALENT = "Wallet: talent profile"
TAG_WORKFORCE = "Workforce"
TAG_GUIDANCE = "Guidance"

Top = Annotated[int, Query(ge=1, le=200)]
Id = Annotated[str, "a public id"]
ShortText = Annotated[str, Query(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f]+$")]
JobBody = Annotated[
    dict[str, Any],
    Body(
        description=(
            "title, description, internal, occupation (ESCO/O*NET URI), employmentType, "
            "location, datePosted, validThrough, requiredSkills / preferredSkills: "
            "[label | skill URI | {label, uri, level 1..5}]"
        ),
        examples=[
            {
                "title": "Data analyst",
                "requiredSkills": ["SQL", {"label": "MS Excel", "level": 3}],
                "preferredSkills": ["Python"],
            }
        ],
    ),
]
AnyJson = Annotated[dict[str, Any], Body()]


def _market(services: Services) -> MarketService:
    market = services.market
    if not isinstance(market, MarketService):
        raise NotFoundError("the marketplace is not enabled on this instance")
    return market


def _check_id(value: str) -> str:
    if not (0 < len(value) <= 64) or not value.isalnum():
        raise NotFoundError("no such object")
    return value


# ----------------------------------------------------------------------------- jobs


@router.post("/jobs", tags=[TAG_JOBS], summary="Post a job", status_code=status.HTTP_201_CREATED)
def create_job(data: JobBody, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.job_json(market.create_job(session, actor, data))


@router.get("/jobs", tags=[TAG_JOBS], summary="The organization's job postings")
def list_jobs(
    actor: ActorDep,
    services: ServicesDep,
    status_: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    internal: bool | None = None,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        rows = market.jobs(session, actor, status=status_, internal=internal)
        return {"items": [market.job_json(r) for r in rows]}


@router.post(
    "/jobs/import",
    tags=[TAG_JOBS],
    summary="Import a schema.org JobPosting (JSON-LD) or an HR Open 4.4 JobPosting",
    status_code=status.HTTP_201_CREATED,
)
def import_job(
    document: AnyJson,
    actor: ActorDep,
    services: ServicesDep,
    format_: Annotated[Literal["auto", "schema.org", "hropen"], Query(alias="format")] = "auto",
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.job_json(market.import_job(session, actor, document, format_))


@router.get("/jobs/{job_id}", tags=[TAG_JOBS], summary="A job posting")
def get_job(job_id: Id, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.job_json(market.job(session, actor, _check_id(job_id)))


@router.patch("/jobs/{job_id}", tags=[TAG_JOBS], summary="Edit a job posting (or close it)")
def update_job(
    job_id: Id, changes: JobBody, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.job_json(market.update_job(session, actor, _check_id(job_id), changes))


@router.delete(
    "/jobs/{job_id}",
    tags=[TAG_JOBS],
    summary="Delete a job posting",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_job(job_id: Id, actor: ActorDep, services: ServicesDep) -> Response:
    market = _market(services)
    with services.database.session() as session:
        market.delete_job(session, actor, _check_id(job_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/jobs/{job_id}/export",
    tags=[TAG_JOBS],
    summary="Export a job posting: schema.org JobPosting JSON-LD, HR Open 4.4, or lerkit JSON",
)
def export_job(
    job_id: Id,
    actor: ActorDep,
    services: ServicesDep,
    format_: Annotated[
        Literal["schema.org", "hropen", "json"], Query(alias="format")
    ] = "schema.org",
) -> Response:
    market = _market(services)
    with services.database.session() as session:
        document = market.export_job(session, actor, _check_id(job_id), format_)
    import json

    media = "application/ld+json" if format_ == "schema.org" else "application/json"
    return Response(json.dumps(document, ensure_ascii=False), media_type=media)


@router.get(
    "/jobs/{job_id}/candidates",
    tags=[TAG_JOBS],
    summary="Opted-in candidates for a job, best first, each with its explanation",
)
def candidates_for_job(
    job_id: Id, actor: ActorDep, services: ServicesDep, top: Top = 20
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        run, results = market.candidates_for_job(session, actor, _check_id(job_id), top)
        return {"run": run.public_id, "job": job_id, "candidates": results}


# ----------------------------------------------------------------------------- matching log


@router.get("/matching/runs", tags=[TAG_JOBS], summary="The organization's logged rankings")
def match_runs(
    actor: ActorDep, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return {"items": [market.run_json(r) for r in market.runs(session, actor, limit)]}


@router.get(
    "/matching/runs/{run_id}",
    tags=[TAG_JOBS],
    summary="One logged ranking with the inputs it used",
)
def match_run(run_id: Id, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.run_json(market.run(session, actor, _check_id(run_id)))


@router.get(
    "/matching/candidates/{candidate_id}/credentials/{credential_id}",
    tags=[TAG_JOBS],
    summary="A credential a candidate shared: the document as received, its verification",
)
def candidate_credential(
    candidate_id: Id, credential_id: Id, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.candidate_credential(
            session, actor, _check_id(candidate_id), _check_id(credential_id)
        )


# ----------------------------------------------------------------------------- guidance


@router.get(
    "/guidance/occupations",
    tags=[TAG_GUIDANCE],
    summary="Search the bundled occupations (ESCO, O*NET)",
)
def search_occupations(
    q: ShortText,
    actor: ActorDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    market = _market(services)
    catalog = market.resolver.catalog
    found = catalog.search_occupations(q, limit=limit) if catalog is not None else []
    return {
        "items": [
            {
                "uri": o.uri,
                "label": o.label,
                "framework": o.framework,
                "code": o.code,
                "essential": list(o.essential),
                "optional": list(o.optional),
            }
            for o in found
        ]
    }


@router.post(
    "/guidance/gap",
    tags=[TAG_GUIDANCE],
    summary="Gap of a list of skills against a job or occupation, with what closes it",
)
def guidance_gap(data: AnyJson, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    skills = data.get("skills")
    job = data.get("job")
    occupation = data.get("occupation")
    if (
        not isinstance(skills, list)
        or len(skills) > 500
        or not all(isinstance(s, str) and 0 < len(s) <= 300 and "\x00" not in s for s in skills)
    ):
        raise ValidationError("skills must be a list of labels or URIs", [{"field": "skills"}])
    for name, value in (("job", job), ("occupation", occupation)):
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 500):
            raise ValidationError(f"{name} must be a string", [{"field": name}])
    extra = set(data) - {"skills", "job", "occupation"}
    if extra:
        raise ValidationError("unknown members", [{"field": n} for n in sorted(extra)])
    claims = [{"label": s, "level": None} for s in dict.fromkeys(skills)]
    with services.database.session() as session:
        target = market.target(
            session, job=job, occupation=occupation, organization_id=actor.organization_id
        )
        from lerkit.services.market.profiles import build_skills

        built = build_skills(session, [], claims, "", market.resolver, None, services.clock())
        vector = vector_of("query", built.skills)
        return market.gap_for(session, vector, target)


# ----------------------------------------------------------------------------- workforce


@router.get(
    "/workforce/inventory",
    tags=[TAG_WORKFORCE],
    summary="Skills inventory of employees who share their profile with the organization",
)
def workforce_inventory(actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.inventory(session, actor)


RoleJob = Annotated[str | None, Query(max_length=64)]
RoleOccupation = Annotated[str | None, Query(max_length=500)]


@router.get(
    "/workforce/gaps",
    tags=[TAG_WORKFORCE],
    summary="How the consenting workforce covers a role (an internal posting or occupation)",
)
def workforce_gaps(
    actor: ActorDep,
    services: ServicesDep,
    job: RoleJob = None,
    occupation: RoleOccupation = None,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.workforce_gaps(session, actor, job=job, occupation=occupation)


@router.get(
    "/workforce/mobility",
    tags=[TAG_WORKFORCE],
    summary="Internal mobility and succession candidates for a role, explained",
)
def workforce_mobility(
    actor: ActorDep,
    services: ServicesDep,
    job: RoleJob = None,
    occupation: RoleOccupation = None,
    top: Top = 20,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        run, results = market.mobility(session, actor, job=job, occupation=occupation, top=top)
        return {"run": run.public_id, "candidates": results}


# ----------------------------------------------------------------------------- holders


@router.post(
    "/wallet/talent/profile",
    tags=[TAG_TALENT],
    summary="Opt in: a talent profile from the credentials you choose (records your consent)",
    status_code=status.HTTP_201_CREATED,
)
def opt_in(
    data: Annotated[
        dict[str, Any],
        Body(
            description=(
                "credentials: [wallet credential ids], visibility: all | selected, "
                "organizations: [slugs] (selected), workforce: [employer slugs], "
                "selfAsserted: [label | {label, level}], about: text, headline"
            ),
            examples=[{"credentials": ["<wallet credential id>"], "visibility": "all"}],
        ),
    ],
    holder: HolderDep,
    services: ServicesDep,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.profile_json(market.opt_in(session, holder.holder_id, data), owner=True)


@router.get("/wallet/talent/profile", tags=[TAG_TALENT], summary="Your talent profile")
def get_profile(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.profile_json(market.profile(session, holder.holder_id), owner=True)


@router.get(
    "/wallet/talent/profile/preview",
    tags=[TAG_TALENT],
    summary="Exactly what employers see of your profile",
)
def preview_profile(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.profile_json(market.profile(session, holder.holder_id), owner=False)


@router.post(
    "/wallet/talent/profile/refresh",
    tags=[TAG_TALENT],
    summary="Re-verify the profile's credentials (revoked or expired ones drop out)",
)
def refresh_profile(holder: HolderDep, services: ServicesDep) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        return market.profile_json(market.refresh(session, holder.holder_id), owner=True)


@router.delete(
    "/wallet/talent/profile",
    tags=[TAG_TALENT],
    summary="Withdraw: out of every index and ranking at once (your consent is withdrawn)",
    status_code=status.HTTP_204_NO_CONTENT,
)
def withdraw_profile(holder: HolderDep, services: ServicesDep) -> Response:
    market = _market(services)
    with services.database.session() as session:
        market.withdraw(session, holder.holder_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/wallet/talent/matches",
    tags=[TAG_TALENT],
    summary="Jobs for you, best first, with why each matched (or, with ?job=, why not)",
)
def my_matches(
    holder: HolderDep,
    services: ServicesDep,
    job: Annotated[str | None, Query(max_length=64)] = None,
    top: Top = 20,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        run, results = market.matches_for_holder(session, holder.holder_id, job=job, top=top)
        return {"run": run.public_id, "matches": results}


@router.get(
    "/wallet/talent/gap",
    tags=[TAG_TALENT],
    summary="Your skill gap for a job or an occupation, and the achievements that close it",
)
def my_gap(
    holder: HolderDep,
    services: ServicesDep,
    job: RoleJob = None,
    occupation: RoleOccupation = None,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        vector, _ = market.holder_vector(session, holder.holder_id)
        target = market.target(session, job=job, occupation=occupation)
        return market.gap_for(session, vector, target)


@router.get(
    "/wallet/talent/pathways",
    tags=[TAG_TALENT],
    summary="Occupations reachable from your profile, with the gap for each",
)
def my_pathways(
    holder: HolderDep,
    services: ServicesDep,
    from_: Annotated[str | None, Query(alias="from", max_length=500)] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    market = _market(services)
    with services.database.session() as session:
        vector, _ = market.holder_vector(session, holder.holder_id)
    return {"pathways": [p.to_json() for p in market.pathways_for(vector, top, from_)]}


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
    app.include_router(router)
