"""The skills service: framework registry (import/export), search across frameworks and
federated registries, normalization, extraction, crosswalks, alignment suggestions.

Visibility: the default taxonomy (ESCO + O*NET) and public imported frameworks are seen by
everyone (a skills registry is meant to be shared, like the CASE Network); private frameworks
only by their organization. Writes (import, delete, crosswalk decisions) need an organization
API key with the ``issuer`` role; crosswalk suggestions and decisions belong to one
organization and are audited.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.skills.formats import (
    ParsedFramework,
    ParsedItem,
    ParsedRelation,
    slugify,
    write_case,
    write_rsd,
    write_rsd_csv,
)
from lerkit.core.skills.taxonomy import CrosswalkLink, Occupation, Skill, Taxonomy, VectorIndex
from lerkit.core.skills.types import SkillMatch
from lerkit.db.models_skills import SkillCrosswalk, SkillFramework, SkillItem, SkillRelation
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.skills.default import attribution, default_taxonomy

DEFAULT_FRAMEWORKS = ("esco", "onet")
RESERVED_SLUGS = frozenset(DEFAULT_FRAMEWORKS)
OCCUPATION_KINDS = ("esco:occupation", "onet:occupation")
# relations (as imported) -> Occupation fields
OCCUPATION_RELATIONS = {
    "essential": "essential",
    "optional": "optional",
    "technology": "optional",
    "related": "related",
}

MAX_SCAN = 500  # source skills examined by one crosswalk suggestion call
FederationFetch = Callable[[str], Any]  # URL -> parsed JSON (the bounded fetcher)


@dataclass(frozen=True)
class FrameworkInfo:
    id: str  # slug
    name: str
    version: str | None
    source_format: str
    source_uri: str | None
    public: bool
    items: int
    bundled: bool = False
    owned: bool = False
    attribution: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "format": self.source_format,
            "sourceUri": self.source_uri,
            "public": self.public,
            "items": self.items,
            "bundled": self.bundled,
        }
        if self.attribution:
            out["attribution"] = self.attribution
        return out


@dataclass
class SearchResult:
    matches: list[dict[str, Any]]
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"results": self.matches, "sources": self.sources, "attribution": attribution()}


def match_json(
    m: SkillMatch, taxonomy: Taxonomy | None = None, origin: str = "local"
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "framework": m.skill.framework,
        "uri": m.skill.uri,
        "code": m.skill.code,
        "label": m.skill.label,
        "confidence": m.confidence,
        "method": m.method,
        "source": m.source,
        "origin": origin,
    }
    if taxonomy is not None:
        s = taxonomy.skill(m.skill.uri)
        if s is not None:
            out["kind"] = s.kind
    return out


class SkillsService:
    def __init__(
        self,
        database: Any,
        audit: AuditLog,
        clock: Callable[[], Any],
        *,
        public_url: str = "http://localhost:8000",
        federation: Sequence[str] = (),
        fetch: FederationFetch | None = None,
        vectors: Callable[[Taxonomy], VectorIndex | None] | None = None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock
        self.public_url = public_url.rstrip("/")
        self.federation = tuple(u.rstrip("/") for u in federation if u.strip())
        self._fetch = fetch
        self._vectors = vectors
        self._lock = threading.Lock()
        self._cache: dict[tuple[Any, ...], Taxonomy] = {}

    # --- frameworks -----------------------------------------------------------------------

    def _visible(self, actor: Actor | None) -> Any:
        if actor is None:
            return SkillFramework.public.is_(True)
        return or_(
            SkillFramework.public.is_(True),
            SkillFramework.organization_id == actor.organization_id,
        )

    def _framework_row(self, session: Session, actor: Actor | None, slug: str) -> SkillFramework:
        row = session.scalars(
            select(SkillFramework).where(SkillFramework.slug == slug, self._visible(actor))
        ).one_or_none()
        if row is None:
            raise NotFoundError(
                f"no skill framework {slug!r}", ProblemCode.SKILLS_FRAMEWORK_UNKNOWN
            )
        return row

    def _owned_row(self, session: Session, actor: Actor, slug: str) -> SkillFramework:
        row = self._framework_row(session, actor, slug)
        if row.organization_id != actor.organization_id:
            raise NotFoundError(
                f"no skill framework {slug!r} of your organization",
                ProblemCode.SKILLS_FRAMEWORK_UNKNOWN,
            )
        return row

    def list_frameworks(self, session: Session, actor: Actor | None) -> list[FrameworkInfo]:
        tx = default_taxonomy()
        out = [
            FrameworkInfo(
                id=fw,
                name=str(info["name"]),
                version=str(info["version"]),
                source_format=fw,
                source_uri=str(info["url"]),
                public=True,
                items=sum(1 for s in tx.skills if s.framework == fw),
                bundled=True,
                attribution=str(info["attribution"]),
            )
            for fw, info in tx.frameworks.items()
        ]
        rows = session.scalars(
            select(SkillFramework).where(self._visible(actor)).order_by(SkillFramework.slug)
        )
        out.extend(self._info(r, actor) for r in rows)
        return out

    def _info(self, row: SkillFramework, actor: Actor | None) -> FrameworkInfo:
        return FrameworkInfo(
            id=row.slug,
            name=row.name,
            version=row.version,
            source_format=row.source_format,
            source_uri=row.source_uri,
            public=row.public,
            items=row.item_count,
            owned=actor is not None and row.organization_id == actor.organization_id,
        )

    def get_framework(self, session: Session, actor: Actor | None, slug: str) -> FrameworkInfo:
        for info in self.list_frameworks(session, actor):
            if info.id == slug:
                return info
        raise NotFoundError(f"no skill framework {slug!r}", ProblemCode.SKILLS_FRAMEWORK_UNKNOWN)

    def import_framework(
        self,
        session: Session,
        actor: Actor | None,
        parsed: ParsedFramework,
        *,
        slug: str | None = None,
        public: bool = True,
        replace: bool = False,
    ) -> FrameworkInfo:
        """Store a parsed framework (one unit of work: the caller's session)."""
        if actor is not None:
            actor.require("issuer")
        slug = slugify(slug or parsed.slug_hint or parsed.name)
        if slug in RESERVED_SLUGS:
            raise ConflictError(
                f"{slug!r} is a bundled framework: give another id",
                ProblemCode.SKILLS_FRAMEWORK_EXISTS,
            )
        if not parsed.items:
            raise ValidationError(
                "the framework has no items", code=ProblemCode.SKILLS_FRAMEWORK_MALFORMED
            )
        existing = session.scalars(
            select(SkillFramework).where(SkillFramework.slug == slug)
        ).one_or_none()
        now = self._clock()
        if existing is not None:
            mine = actor is not None and existing.organization_id == actor.organization_id
            if actor is None and existing.organization_id is None:
                mine = True
            if not (replace and mine):
                raise ConflictError(
                    f"a skill framework {slug!r} exists already"
                    + (" (use replace to overwrite it)" if mine else ""),
                    ProblemCode.SKILLS_FRAMEWORK_EXISTS,
                )
            session.execute(delete(SkillItem).where(SkillItem.framework_id == existing.id))
            session.execute(delete(SkillRelation).where(SkillRelation.framework_id == existing.id))
            row = existing
            row.name, row.version = parsed.name[:2000], parsed.version
            row.source_format, row.source_uri = parsed.source_format, parsed.source_uri
            row.public, row.document, row.updated_at = public, parsed.document, now
        else:
            row = SkillFramework(
                public_id=secrets.token_hex(8),
                organization_id=actor.organization_id if actor is not None else None,
                slug=slug,
                name=parsed.name[:2000],
                version=parsed.version[:100] if parsed.version else None,
                source_format=parsed.source_format,
                source_uri=parsed.source_uri,
                public=public,
                document=parsed.document,
                item_count=0,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        session.flush()
        seen: set[str] = set()
        item_rows: list[dict[str, Any]] = []
        for n, item in enumerate(parsed.items):
            if item.uri in seen or len(item.uri) > 500:
                raise ValidationError(
                    f"item URI {item.uri[:80]!r} is repeated or longer than 500 characters",
                    code=ProblemCode.SKILLS_FRAMEWORK_MALFORMED,
                )
            seen.add(item.uri)
            item_rows.append(
                {
                    "framework_id": row.id,
                    "position": n,
                    "uri": item.uri,
                    "code": item.code[:200] if item.code else None,
                    "label": item.label,
                    "alt_labels": list(item.alt_labels),
                    "description": item.description,
                    "kind": item.kind[:64],
                    "broader": list(item.broader),
                    "data": item.data,
                }
            )
        rel_rows = [
            {
                "framework_id": row.id,
                "position": n,
                "source_uri": r.source[:500],
                "target_uri": r.target[:500],
                "relation": r.relation[:64],
                "data": r.data,
            }
            for n, r in enumerate(parsed.relations)
        ]
        for chunk in range(0, len(item_rows), 2000):
            session.execute(insert(SkillItem), item_rows[chunk : chunk + 2000])
        for chunk in range(0, len(rel_rows), 5000):
            session.execute(insert(SkillRelation), rel_rows[chunk : chunk + 5000])
        row.item_count = len(item_rows)
        if actor is not None:
            self._audit.record(
                session,
                actor,
                "skills.framework_imported",
                "skill_framework",
                slug,
                {"format": parsed.source_format, "items": len(item_rows), "public": public},
            )
        session.flush()
        return self._info(row, actor)

    def delete_framework(self, session: Session, actor: Actor, slug: str) -> None:
        actor.require("issuer")
        row = self._owned_row(session, actor, slug)
        session.delete(row)
        self._audit.record(session, actor, "skills.framework_deleted", "skill_framework", slug)

    def load_framework(self, session: Session, actor: Actor | None, slug: str) -> ParsedFramework:
        """A stored framework as a :class:`ParsedFramework` (items and relations in order)."""
        if slug in RESERVED_SLUGS:
            tx = default_taxonomy()
            info = tx.frameworks[slug]
            return ParsedFramework(
                name=str(info["name"]),
                source_format=slug,
                version=str(info["version"]),
                source_uri=str(info["url"]),
                slug_hint=slug,
                items=[
                    ParsedItem(
                        uri=s.uri,
                        label=s.label,
                        code=s.code,
                        alt_labels=list(s.alt_labels),
                        description=s.description,
                        kind=s.kind,
                        broader=list(s.broader),
                    )
                    for s in tx.skills
                    if s.framework == slug
                ],
            )
        row = self._framework_row(session, actor, slug)
        items = session.scalars(
            select(SkillItem).where(SkillItem.framework_id == row.id).order_by(SkillItem.position)
        )
        rels = session.scalars(
            select(SkillRelation)
            .where(SkillRelation.framework_id == row.id)
            .order_by(SkillRelation.position)
        )
        return ParsedFramework(
            name=row.name,
            source_format=row.source_format,
            version=row.version,
            source_uri=row.source_uri,
            slug_hint=row.slug,
            document=dict(row.document or {}),
            items=[
                ParsedItem(
                    uri=i.uri,
                    label=i.label,
                    code=i.code,
                    alt_labels=list(i.alt_labels or []),
                    description=i.description,
                    kind=i.kind,
                    broader=list(i.broader or []),
                    data=dict(i.data or {}),
                )
                for i in items
            ],
            relations=[
                ParsedRelation(r.source_uri, r.target_uri, r.relation, dict(r.data or {}))
                for r in rels
            ],
        )

    def export_framework(
        self, session: Session, actor: Actor | None, slug: str, fmt: str
    ) -> dict[str, Any] | str:
        parsed = self.load_framework(session, actor, slug)
        url = f"{self.public_url}/api/v1/skills/frameworks/{slug}"
        if fmt == "case":
            return write_case(parsed, document_uri=url)
        if fmt == "rsd":
            return write_rsd(parsed, collection_uri=url)
        if fmt == "rsd-csv":
            return write_rsd_csv(parsed)
        raise ValidationError(f"unknown export format {fmt!r}: case, rsd or rsd-csv")

    def items(
        self, session: Session, actor: Actor | None, slug: str, *, offset: int = 0, limit: int = 100
    ) -> list[dict[str, Any]]:
        if slug in RESERVED_SLUGS:
            skills = default_taxonomy().skills_of_framework(slug)[offset : offset + limit]
            return [_skill_json(s) for s in skills]
        row = self._framework_row(session, actor, slug)
        rows = session.scalars(
            select(SkillItem)
            .where(SkillItem.framework_id == row.id)
            .order_by(SkillItem.position)
            .offset(offset)
            .limit(limit)
        )
        return [
            {
                "framework": slug,
                "uri": r.uri,
                "code": r.code,
                "label": r.label,
                "altLabels": list(r.alt_labels or []),
                "description": r.description,
                "kind": r.kind,
                "broader": list(r.broader or []),
            }
            for r in rows
        ]

    # --- the taxonomy a caller sees -------------------------------------------------------

    def taxonomy(
        self, session: Session, actor: Actor | None, *, embeddings: bool | None = None
    ) -> Taxonomy:
        """Default taxonomy + visible imported frameworks + the caller's confirmed/suggested
        crosswalks (cached while nothing changes)."""
        rows = list(
            session.execute(
                select(SkillFramework.id, SkillFramework.slug, SkillFramework.updated_at).where(
                    self._visible(actor)
                )
            )
        )
        xw_state: tuple[Any, ...] = ()
        if actor is not None:
            xw_state = tuple(
                session.execute(
                    select(
                        func.count(SkillCrosswalk.id), func.max(SkillCrosswalk.decided_at)
                    ).where(SkillCrosswalk.organization_id == actor.organization_id)
                ).one()
            )
        if embeddings is None:
            embeddings = self._vectors is not None
        cache_key = (
            tuple(sorted((r[0], str(r[2])) for r in rows)),
            xw_state,
            actor.organization_id if actor and xw_state and xw_state[0] else None,
            embeddings,
        )
        with self._lock:
            cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        base = default_taxonomy()
        skills: list[Skill] = []
        occupations: list[Occupation] = []
        frameworks: dict[str, dict[str, Any]] = {}
        ids = [r[0] for r in rows]
        slug_of = {r[0]: r[1] for r in rows}
        if ids:
            for fw in session.scalars(select(SkillFramework).where(SkillFramework.id.in_(ids))):
                frameworks[fw.slug] = {
                    "name": fw.name,
                    "version": fw.version or "",
                    "url": fw.source_uri or "",
                    "format": fw.source_format,
                }
            # occupation relations of imported ESCO / O*NET files
            occ_rel: dict[tuple[int, str], dict[str, list[str]]] = {}
            for fid, src, dst, rel in session.execute(
                select(
                    SkillRelation.framework_id,
                    SkillRelation.source_uri,
                    SkillRelation.target_uri,
                    SkillRelation.relation,
                ).where(
                    SkillRelation.framework_id.in_(ids),
                    SkillRelation.relation.in_(OCCUPATION_RELATIONS),
                )
            ):
                kind = OCCUPATION_RELATIONS[rel]
                occ_rel.setdefault((fid, src), {}).setdefault(kind, []).append(dst)
            for it in session.scalars(select(SkillItem).where(SkillItem.framework_id.in_(ids))):
                fw_slug = slug_of[it.framework_id]
                if it.kind in OCCUPATION_KINDS:
                    rels = occ_rel.get((it.framework_id, it.uri), {})
                    occupations.append(
                        Occupation(
                            fw_slug,
                            it.uri,
                            it.label,
                            it.code,
                            tuple(it.alt_labels or ()),
                            it.description,
                            essential=tuple(rels.get("essential", ())),
                            optional=tuple(rels.get("optional", ())),
                            related=tuple(rels.get("related", ())),
                        )
                    )
                else:
                    skills.append(
                        Skill(
                            fw_slug,
                            it.uri,
                            it.label,
                            it.code,
                            tuple(it.alt_labels or ()),
                            it.description,
                            it.kind,
                            tuple(it.broader or ()),
                        )
                    )
        links: list[CrosswalkLink] = []
        if actor is not None:
            for x in session.scalars(
                select(SkillCrosswalk).where(
                    SkillCrosswalk.organization_id == actor.organization_id
                )
            ):
                links.append(
                    CrosswalkLink(
                        x.source_uri, x.target_uri, x.relation, x.confidence, x.method, x.status
                    )
                )
        rejected = {(x.source, x.target) for x in links if x.status == "rejected"}
        tx = base
        if skills or occupations or links or frameworks:
            tx = base.with_skills(
                skills,
                frameworks=frameworks,
                links=[x for x in links if x.status != "rejected"],
                occupations=occupations,
            )
            if rejected:
                tx = Taxonomy(
                    skills=tx.skills,
                    occupations=tx.occupations,
                    frameworks=tx.frameworks,
                    groups=tx.groups,
                    links=[x for x in tx.links if (x.source, x.target) not in rejected],
                )
        if embeddings is None:
            embeddings = self._vectors is not None
        if embeddings:
            if self._vectors is None:
                raise ValidationError(
                    "the embedding method needs the `embeddings` extra: "
                    "pip install 'lerkit[embeddings]'",
                    code=ProblemCode.SKILLS_EMBEDDINGS_UNAVAILABLE,
                )
            vectors = self._vectors(tx)
            if vectors is None:
                raise ValidationError(
                    "the embedding model is not installed: pip install 'lerkit[embeddings]'",
                    code=ProblemCode.SKILLS_EMBEDDINGS_UNAVAILABLE,
                )
            tx = Taxonomy(
                skills=tx.skills,
                occupations=tx.occupations,
                frameworks=tx.frameworks,
                groups=tx.groups,
                links=tx.links,
                vectors=vectors,
            )
        with self._lock:
            if len(self._cache) > 16:
                self._cache.clear()
            self._cache[cache_key] = tx
        return tx

    def _frameworks_filter(
        self, session: Session, actor: Actor | None, frameworks: Iterable[str] | None
    ) -> list[str] | None:
        if frameworks is None:
            return None
        out = [f for f in frameworks if f]
        if not out:
            return None
        visible = {i.id for i in self.list_frameworks(session, actor)}
        for f in out:
            if f not in visible:
                raise NotFoundError(
                    f"no skill framework {f!r}", ProblemCode.SKILLS_FRAMEWORK_UNKNOWN
                )
        return out

    # --- matching -------------------------------------------------------------------------

    def normalize(
        self,
        session: Session,
        actor: Actor | None,
        label: str,
        *,
        limit: int = 3,
        frameworks: Iterable[str] | None = None,
        embeddings: bool | None = None,
    ) -> list[dict[str, Any]]:
        fws = self._frameworks_filter(session, actor, frameworks)
        tx = self.taxonomy(session, actor, embeddings=embeddings)
        return [match_json(m, tx) for m in tx.normalize(label, limit=limit, frameworks=fws)]

    def extract(
        self,
        session: Session,
        actor: Actor | None,
        text: str,
        *,
        frameworks: Iterable[str] | None = None,
        min_confidence: float = 0.6,
        limit: int = 100,
        embeddings: bool | None = None,
    ) -> list[dict[str, Any]]:
        fws = self._frameworks_filter(session, actor, frameworks)
        tx = self.taxonomy(session, actor, embeddings=embeddings)
        return [
            match_json(m, tx)
            for m in tx.extract(text, frameworks=fws, min_confidence=min_confidence, limit=limit)
        ]

    def skill(self, session: Session, actor: Actor | None, uri: str) -> dict[str, Any]:
        tx = self.taxonomy(session, actor, embeddings=False)
        s = tx.skill(uri)
        if s is None:
            raise NotFoundError(f"no skill {uri[:200]!r}", ProblemCode.SKILLS_SKILL_UNKNOWN)
        out = _skill_json(s)
        out["crosswalk"] = [_link_json(x, tx) for x in tx.crosswalk(uri)]
        return out

    def similarity(self, session: Session, actor: Actor | None, a: str, b: str) -> float:
        tx = self.taxonomy(session, actor)
        for uri in (a, b):
            if tx.skill(uri) is None:
                raise NotFoundError(f"no skill {uri[:200]!r}", ProblemCode.SKILLS_SKILL_UNKNOWN)
        return tx.similarity(a, b)

    # --- search ---------------------------------------------------------------------------

    def search(
        self,
        session: Session,
        actor: Actor | None,
        q: str,
        *,
        limit: int = 20,
        frameworks: Iterable[str] | None = None,
        federated: bool = True,
    ) -> SearchResult:
        fws = self._frameworks_filter(session, actor, frameworks) if frameworks else None
        tx = self.taxonomy(session, actor, embeddings=False)
        local = tx.search(q, limit=max(limit * 3, 30), frameworks=fws)
        results = _best_per_framework_first([match_json(m, tx) for m in local], limit)
        sources: list[dict[str, Any]] = [
            {"origin": "local", "url": self.public_url, "status": "ok", "results": len(results)}
        ]
        if federated and self.federation and self._fetch is not None:
            from urllib.parse import urlencode

            for base in self.federation:
                url = f"{base}/api/v1/skills/search?" + urlencode(
                    {"q": q, "limit": limit, "federated": "false"}
                )
                try:
                    body = self._fetch(url)
                    remote = body.get("results") if isinstance(body, dict) else None
                    if not isinstance(remote, list):
                        raise ValueError("no results array")
                    count = 0
                    for r in remote[:limit]:
                        if not isinstance(r, dict) or not isinstance(r.get("uri"), str):
                            continue
                        conf = r.get("confidence")
                        results.append(
                            {
                                "framework": str(r.get("framework", ""))[:64],
                                "uri": r["uri"][:500],
                                "code": r.get("code") if isinstance(r.get("code"), str) else None,
                                "label": str(r.get("label", ""))[:500],
                                "confidence": float(conf) if isinstance(conf, int | float) else 0.0,
                                "method": str(r.get("method", ""))[:32],
                                "source": q,
                                "origin": base,
                            }
                        )
                        count += 1
                    sources.append({"origin": base, "url": url, "status": "ok", "results": count})
                except (LerkitError, ValueError, TypeError, KeyError, OSError) as exc:
                    sources.append(
                        {
                            "origin": base,
                            "url": url,
                            "status": "unavailable",
                            "code": ProblemCode.SKILLS_FEDERATION_UNAVAILABLE.value,
                            "detail": str(exc)[:200],
                        }
                    )
            merged: dict[str, dict[str, Any]] = {}
            for r in results:
                prev = merged.get(r["uri"])
                if prev is None:
                    r["origins"] = [r["origin"]]
                    merged[r["uri"]] = r
                else:
                    if r["origin"] not in prev["origins"]:
                        prev["origins"].append(r["origin"])
                    if r["confidence"] > prev["confidence"]:
                        prev.update({k: v for k, v in r.items() if k != "origins"})
            results = sorted(merged.values(), key=lambda r: -r["confidence"])[: limit * 2]
        return SearchResult(results, sources)

    # --- occupations ----------------------------------------------------------------------

    def search_occupations(
        self, session: Session, actor: Actor | None, q: str, limit: int = 10
    ) -> list[dict[str, Any]]:
        tx = self.taxonomy(session, actor, embeddings=False)
        return [_occ_json(o) for o in tx.search_occupations(q, limit=limit)]

    def occupation(self, session: Session, actor: Actor | None, uri: str) -> dict[str, Any]:
        tx = self.taxonomy(session, actor, embeddings=False)
        o = tx.occupation_record(uri)
        if o is None:
            raise NotFoundError(f"no occupation {uri[:200]!r}")
        out = _occ_json(o.ref())
        out["description"] = o.description
        out["altLabels"] = list(o.alt_labels[:50])
        out["essentialSkills"] = [
            _ref_json(r) for r in tx.skills_of_occupation(uri, essential_only=True)
        ]
        out["optionalSkills"] = [
            _ref_json(r) for u in o.optional if (r := tx.get_skill(u)) is not None
        ]
        out["related"] = [_occ_json(r) for r in tx.related_occupations(uri)]
        return out

    # --- crosswalks -----------------------------------------------------------------------

    def suggest_crosswalk(
        self,
        session: Session,
        actor: Actor,
        source: str,
        target: str,
        *,
        limit: int = 500,
        min_confidence: float = 0.6,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Suggest exact and close matches from the skills of ``source`` (from ``offset``, at
        most ``limit`` of them per call: page through big frameworks) to ``target``."""
        actor.require("issuer")
        self._frameworks_filter(session, actor, [source, target])
        if source == target:
            raise ValidationError("source and target must be two frameworks")
        tx = self.taxonomy(session, actor, embeddings=False)
        existing = {
            (x.source_uri, x.target_uri): x
            for x in session.scalars(
                select(SkillCrosswalk).where(
                    SkillCrosswalk.organization_id == actor.organization_id
                )
            )
        }
        now = self._clock()
        out: list[SkillCrosswalk] = []
        for s in tx.skills_of_framework(source)[offset : offset + min(limit, MAX_SCAN)]:
            matches = tx.counterparts(s, [target], limit=2, min_confidence=min_confidence)
            for n, m in enumerate(matches):
                if n > 0 and m.confidence < 0.8:
                    continue
                relation = (
                    "exactMatch"
                    if m.method in ("exact", "alt_label", "uri") and m.confidence >= 0.9
                    else "closeMatch"
                )
                key = (s.uri, m.skill.uri)
                row = existing.get(key)
                if row is None:
                    row = SkillCrosswalk(
                        public_id=secrets.token_hex(8),
                        organization_id=actor.organization_id,
                        source_framework=source,
                        source_uri=s.uri,
                        target_framework=target,
                        target_uri=m.skill.uri,
                        relation=relation,
                        confidence=m.confidence,
                        method=m.method,
                        status="suggested",
                        created_at=now,
                    )
                    session.add(row)
                    existing[key] = row
                out.append(row)
        session.flush()
        self._audit.record(
            session,
            actor,
            "skills.crosswalk_suggested",
            "skill_crosswalk",
            f"{source}->{target}",
            {"suggestions": len(out)},
        )
        return [_xw_json(r, tx) for r in out]

    def list_crosswalks(
        self,
        session: Session,
        actor: Actor,
        *,
        status: str | None = None,
        framework: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        q = select(SkillCrosswalk).where(SkillCrosswalk.organization_id == actor.organization_id)
        if status:
            q = q.where(SkillCrosswalk.status == status)
        if framework:
            q = q.where(
                or_(
                    SkillCrosswalk.source_framework == framework,
                    SkillCrosswalk.target_framework == framework,
                )
            )
        rows = session.scalars(q.order_by(SkillCrosswalk.id).offset(offset).limit(limit))
        tx = default_taxonomy()
        return [_xw_json(r, tx) for r in rows]

    def decide_crosswalk(
        self,
        session: Session,
        actor: Actor,
        public_id: str,
        status: str,
        relation: str | None = None,
    ) -> dict[str, Any]:
        actor.require("issuer")
        if status not in ("confirmed", "rejected", "suggested"):
            raise ValidationError("status is confirmed, rejected or suggested")
        row = session.scalars(
            select(SkillCrosswalk).where(
                SkillCrosswalk.public_id == public_id,
                SkillCrosswalk.organization_id == actor.organization_id,
            )
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"no crosswalk {public_id!r}", ProblemCode.SKILLS_CROSSWALK_UNKNOWN)
        before = {"status": row.status, "relation": row.relation}
        row.status = status
        if relation:
            row.relation = relation
        row.decided_by = actor.label[:200]
        row.decided_at = self._clock()
        self._audit.record(
            session,
            actor,
            f"skills.crosswalk_{status}",
            "skill_crosswalk",
            public_id,
            {
                "before": before,
                "source": row.source_uri,
                "target": row.target_uri,
                "relation": row.relation,
            },
        )
        session.flush()
        return _xw_json(row, default_taxonomy())

    # --- alignment ------------------------------------------------------------------------

    def suggest_alignments(
        self,
        session: Session,
        actor: Actor | None,
        *,
        name: str = "",
        description: str = "",
        criteria: str = "",
        limit: int = 10,
        frameworks: Iterable[str] | None = None,
        embeddings: bool | None = None,
    ) -> list[dict[str, Any]]:
        """OB 3.0 ``Alignment`` objects for an achievement, best first, each with its
        confidence, method and the words it came from (``lerkit:`` extension keys the
        issuer drops when accepting)."""
        fws = self._frameworks_filter(session, actor, frameworks)
        tx = self.taxonomy(session, actor, embeddings=embeddings)
        text = "\n".join(t for t in (name, description, criteria) if t)
        matches = tx.extract(text, frameworks=fws, min_confidence=0.6, limit=limit * 3)
        seen: set[str] = set()
        out: list[dict[str, Any]] = []
        for m in matches:
            if m.skill.uri in seen:
                continue
            seen.add(m.skill.uri)
            s = tx.skill(m.skill.uri)
            if s is None or s.kind.endswith("technology-class"):
                continue
            out.append(
                {
                    "alignment": alignment_of(s, tx),
                    "confidence": m.confidence,
                    "method": m.method,
                    "source": m.source,
                }
            )
            if len(out) >= limit:
                break
        return out


def alignment_of(s: Skill, tx: Taxonomy) -> dict[str, Any]:
    """An OB 3.0 Alignment for a framework skill."""
    info = tx.frameworks.get(s.framework, {})
    target_type = _target_type(s, tx)
    out: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": s.label,
        "targetUrl": s.uri
        if s.uri.startswith(("http://", "https://"))
        else f"https://lerkit.invalid/skills/{s.uri}",
        "targetFramework": str(info.get("name", s.framework)),
        "targetType": target_type,
    }
    if not s.uri.startswith(("http://", "https://")):
        out["targetUrl"] = _resolvable(s)
    if s.description:
        out["targetDescription"] = s.description[:2000]
    if s.code:
        out["targetCode"] = s.code
    elif s.framework == "esco":
        out["targetCode"] = s.uri.rsplit("/", 1)[-1]
    return out


def _target_type(s: Skill, tx: Taxonomy) -> str:
    """OB 3.0 ``targetType``: the spec's values where they fit (CFItem, ceasn:Competency),
    ``ext:`` ones for ESCO and O*NET (the OB 3.0 way to name other types)."""
    if s.framework == "esco":
        return "ext:ESCOKnowledge" if s.kind.endswith("knowledge") else "ext:ESCOSkill"
    if s.framework == "onet":
        return "ext:ONETTechnologySkill" if "technology" in s.kind else "ext:ONETSkill"
    fmt = str(tx.frameworks.get(s.framework, {}).get("format", ""))
    if fmt == "case":
        return "CFItem"
    if fmt == "ctdl":
        return "ceasn:Competency"
    return "ext:RichSkillDescriptor" if fmt == "rsd" else "ceasn:Competency"


def _resolvable(s: Skill) -> str:
    """An https URL for skills named by URN (O*NET technology examples and classes)."""
    if s.uri.startswith("urn:onet:commodity:"):
        return "https://www.onetonline.org/search/hot_tech/" + s.uri.rsplit(":", 1)[-1]
    if s.uri.startswith("urn:onet:technology:"):
        from urllib.parse import quote

        return "https://www.onetonline.org/search/tech/example?e=" + quote(s.label)
    return "https://lerkit.invalid/skills/" + hashlib.sha256(s.uri.encode()).hexdigest()[:16]


def _skill_json(s: Skill) -> dict[str, Any]:
    return {
        "framework": s.framework,
        "uri": s.uri,
        "code": s.code,
        "label": s.label,
        "altLabels": list(s.alt_labels),
        "description": s.description,
        "kind": s.kind,
        "broader": list(s.broader),
    }


def _ref_json(r: Any) -> dict[str, Any]:
    return {"framework": r.framework, "uri": r.uri, "code": r.code, "label": r.label}


def _occ_json(o: Any) -> dict[str, Any]:
    return {
        "framework": o.framework,
        "uri": o.uri,
        "code": o.code,
        "label": o.label,
        "essential": len(o.essential),
        "optional": len(o.optional),
    }


def _link_json(x: CrosswalkLink, tx: Taxonomy) -> dict[str, Any]:
    a, b = tx.get_skill(x.source), tx.get_skill(x.target)
    return {
        "source": x.source,
        "sourceLabel": a.label if a else None,
        "target": x.target,
        "targetLabel": b.label if b else None,
        "relation": x.relation,
        "confidence": x.confidence,
        "method": x.method,
        "status": x.status,
    }


def _xw_json(r: SkillCrosswalk, tx: Taxonomy) -> dict[str, Any]:
    a, b = tx.get_skill(r.source_uri), tx.get_skill(r.target_uri)
    return {
        "id": r.public_id,
        "sourceFramework": r.source_framework,
        "source": r.source_uri,
        "sourceLabel": a.label if a else None,
        "targetFramework": r.target_framework,
        "target": r.target_uri,
        "targetLabel": b.label if b else None,
        "relation": r.relation,
        "confidence": r.confidence,
        "method": r.method,
        "status": r.status,
        "decidedBy": r.decided_by,
        "decidedAt": r.decided_at.isoformat() if r.decided_at else None,
    }


def _best_per_framework_first(results: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` best, but each framework's best hit is kept (so that a label found in
    several frameworks shows in every one)."""
    chosen = results[:limit]
    have = {r["framework"] for r in chosen}
    for r in results[limit:]:
        if r["framework"] not in have and r["confidence"] >= 0.6:
            chosen.append(r)
            have.add(r["framework"])
    return sorted(chosen, key=lambda r: -r["confidence"])
