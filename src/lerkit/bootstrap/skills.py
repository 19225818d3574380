"""Wiring of skill frameworks, extraction, crosswalks, alignment (issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lerkit.adapters.fetch import BoundedFetcher
from lerkit.core.skills.taxonomy import Taxonomy, VectorIndex
from lerkit.services.skills.service import SkillsService

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.skills`` (called once by ``build_services``)."""
    services.skills = build_skills(
        services.settings, services.database, services.audit, services.clock
    )


def build_skills(settings: Any, database: Any, audit: Any, clock: Any) -> SkillsService:
    fetcher = BoundedFetcher(
        timeout=settings.fetch_timeout,
        max_bytes=max(settings.fetch_max_bytes, 4_194_304),
        allow_private=settings.allow_private_fetch,
        allow_http=settings.allow_http_fetch,
    )

    vectors = None
    if settings.skills_embeddings:
        from lerkit.services.skills import embeddings

        if embeddings.available():
            store = embeddings.db_store(database, clock)

            def vectors_of(taxonomy: Taxonomy) -> VectorIndex | None:
                return embeddings.build_index(taxonomy, store)

            vectors = vectors_of

    return SkillsService(
        database,
        audit,
        clock,
        public_url=settings.public_url,
        federation=settings.skills_federation,
        fetch=fetcher.get_json,
        vectors=vectors,
    )
