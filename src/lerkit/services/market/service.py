"""The marketplace: job postings, opt-in candidate profiles, matching both ways (explained
and logged), guidance (gaps, learning recommendations, career pathways) and employers'
workforce tools. Every method takes the caller's session (one unit of work).

The in-memory candidate index is loaded from the database on first use and kept in step
with it: before every ranking, profiles changed since the last look are re-read
(``updated_at`` watermark), so that another process's changes are seen too; a withdrawal in
this process takes effect at once.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lerkit.core.errors import ProblemCode
from lerkit.core.matching.gap import Offering, Pathway, gap, pathways, recommend
from lerkit.core.matching.index import CandidateIndex
from lerkit.core.matching.model import (
    ENGINE_VERSION,
    CandidateVector,
    JobVector,
    Requirement,
    Weights,
    vectors_digest,
)
from lerkit.core.matching.scoring import Match, rank_jobs, score
from lerkit.db.models import Achievement, AchievementVersion, Organization
from lerkit.db.models_market import CandidateProfile, JobPosting, MatchRun
from lerkit.db.models_wallet import ConsentRecord
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.market import formats
from lerkit.services.market.profiles import (
    Recognised,
    active_profile,
    build_skills,
    holder_rows,
    vector_of,
)
from lerkit.services.market.resolver import SkillResolver
from lerkit.services.wallet.consent import ConsentLedger

Reverify = Callable[[Session, int, str], Any]
MAX_TOP = 200
CONSENT_KIND = "talent_profile"
PURPOSE = "talent matching: employers on this platform rank and contact me for jobs"
WORKFORCE_PURPOSE = "workforce planning: skills inventory, internal mobility, succession"


def _check_top(top: int) -> int:
    if not 1 <= top <= MAX_TOP:
        raise ValidationError(
            f"top must be between 1 and {MAX_TOP}", [{"field": "top", "message": "1..200"}]
        )
    return top


class MarketService:
    def __init__(
        self,
        *,
        resolver: Callable[[], SkillResolver],
        consent: ConsentLedger,
        clock: Clock,
        entropy: Entropy,
        recognised: Recognised | None = None,
        reverify: Reverify | None = None,
        weights: Weights | None = None,
    ) -> None:
        self._resolver_factory = resolver
        self._resolver: SkillResolver | None = None
        self._consent = consent
        self._clock = clock
        self._entropy = entropy
        self._recognised = recognised
        self._reverify = reverify
        self.weights = weights or Weights()
        self.index = CandidateIndex()
        self._by_row: dict[int, str] = {}  # profile row id -> its public id in the index
        self._watermark: datetime | None = None
        self._lock = threading.RLock()
        consent.on_withdraw(CONSENT_KIND, self._consent_withdrawn)

    @property
    def resolver(self) -> SkillResolver:
        if self._resolver is None:
            self._resolver = self._resolver_factory()
        return self._resolver

    def _id(self) -> str:
        return self._entropy(16).hex()

    # ------------------------------------------------------------------------ jobs
    def _requirements(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for field, required in (("requiredSkills", True), ("preferredSkills", False)):
            for item in data.get(field) or []:
                resolved = self.resolver.resolve(item.get("uri") or item["label"])
                uri = resolved.uri
                if not resolved.known and item.get("uri"):
                    uri = item["uri"]  # another framework's URI: matched exactly
                out.append(
                    {
                        "label": item["label"],
                        "uri": uri,
                        "known": resolved.known or bool(item.get("uri")),
                        "skillLabel": resolved.skill_label,
                        "framework": resolved.framework or item.get("framework", ""),
                        "confidence": round(resolved.confidence, 4),
                        "method": resolved.method,
                        "required": required,
                        "level": item.get("level"),
                    }
                )
        return out

    def create_job(
        self, session: Session, actor: Actor, data: Any, *, source: str = "api"
    ) -> JobPosting:
        actor.require("issuer")
        clean = formats.validate_job(data)
        now = self._clock()
        job = JobPosting(
            organization_id=actor.organization_id,
            public_id=self._id(),
            title=clean["title"],
            description=clean.get("description", ""),
            status=clean.get("status", "open"),
            internal=clean.get("internal", False),
            occupation=clean.get("occupation"),
            data={
                k: clean[k]
                for k in ("employmentType", "location", "datePosted", "validThrough")
                if clean.get(k)
            },
            requirements=self._requirements(clean),
            source=source,
            created_at=now,
            updated_at=now,
        )
        session.add(job)
        session.flush()
        return job

    def import_job(self, session: Session, actor: Actor, document: Any, fmt: str) -> JobPosting:
        actor.require("issuer")
        if fmt == "auto":
            is_ld = isinstance(document, dict) and ("@context" in document or "@type" in document)
            fmt = "schema.org" if is_ld else "hropen"
        if fmt == "schema.org":
            data = formats.from_schema_org(document)
        elif fmt == "hropen":
            data = formats.from_hropen(document)
        else:
            raise ValidationError("format must be schema.org, hropen or auto")
        return self.create_job(session, actor, data, source=fmt)

    def job(self, session: Session, actor: Actor, public_id: str) -> JobPosting:
        row = session.scalar(select(JobPosting).where(JobPosting.public_id == public_id))
        if row is None or row.organization_id != actor.organization_id:
            raise NotFoundError("no such job posting")
        return row

    def jobs(
        self,
        session: Session,
        actor: Actor,
        *,
        status: str | None = None,
        internal: bool | None = None,
    ) -> list[JobPosting]:
        query = select(JobPosting).where(JobPosting.organization_id == actor.organization_id)
        if status is not None:
            query = query.where(JobPosting.status == status)
        if internal is not None:
            query = query.where(JobPosting.internal == internal)
        return list(
            session.scalars(query.order_by(JobPosting.created_at.desc(), JobPosting.id.desc()))
        )

    def update_job(
        self, session: Session, actor: Actor, public_id: str, changes: Any
    ) -> JobPosting:
        actor.require("issuer")
        row = self.job(session, actor, public_id)
        clean = formats.validate_job(changes, partial=True)
        for name in ("title", "description", "status", "internal", "occupation"):
            if name in clean:
                setattr(row, name, clean[name] if name != "description" else clean[name] or "")
        data = dict(row.data)
        for name in ("employmentType", "location", "datePosted", "validThrough"):
            if name in clean:
                if clean[name]:
                    data[name] = clean[name]
                else:
                    data.pop(name, None)
        row.data = data
        if "requiredSkills" in clean or "preferredSkills" in clean:
            current = self.job_json(row)
            merged = {
                "requiredSkills": clean.get("requiredSkills", current["requiredSkills"]),
                "preferredSkills": clean.get("preferredSkills", current["preferredSkills"]),
            }
            row.requirements = self._requirements(merged)
        row.updated_at = self._clock()
        return row

    def delete_job(self, session: Session, actor: Actor, public_id: str) -> None:
        actor.require("issuer")
        session.delete(self.job(session, actor, public_id))

    @staticmethod
    def job_json(row: JobPosting) -> dict[str, Any]:
        def skills(required: bool) -> list[dict[str, Any]]:
            return [
                {
                    k: r.get(k)
                    for k in (
                        "label",
                        "uri",
                        "skillLabel",
                        "framework",
                        "confidence",
                        "method",
                        "level",
                    )
                }
                for r in row.requirements
                if r["required"] is required
            ]

        return {
            "id": row.public_id,
            "title": row.title,
            "description": row.description,
            "status": row.status,
            "internal": row.internal,
            "occupation": row.occupation,
            **row.data,
            "requiredSkills": skills(True),
            "preferredSkills": skills(False),
            "source": row.source,
            "createdAt": row.created_at.isoformat(),
            "updatedAt": row.updated_at.isoformat(),
        }

    def export_job(
        self, session: Session, actor: Actor, public_id: str, fmt: str
    ) -> dict[str, Any]:
        row = self.job(session, actor, public_id)
        org = session.get(Organization, row.organization_id)
        assert org is not None
        neutral = {
            "title": row.title,
            "description": row.description,
            "occupation": row.occupation,
            **row.data,
            "requirements": row.requirements,
        }
        if fmt == "schema.org":
            return formats.to_schema_org(
                neutral,
                identifier=row.public_id,
                organization={"name": org.name, "sameAs": org.did},
            )
        if fmt == "hropen":
            return formats.to_hropen(
                neutral,
                identifier=row.public_id,
                organization={"name": org.name},
                posted=row.data.get("datePosted") or row.created_at.isoformat(),
            )
        if fmt == "json":
            return self.job_json(row)
        raise ValidationError("format must be json, schema.org or hropen")

    @staticmethod
    def job_vector(row: JobPosting) -> JobVector:
        return JobVector(
            row.public_id,
            tuple(
                Requirement(
                    r["uri"], r["label"], r["required"], r.get("level"), r.get("skillLabel", "")
                )
                for r in row.requirements
            ),
            row.title,
        )

    def occupation_vector(self, uri: str) -> JobVector:
        catalog = self.resolver.catalog
        occupation = catalog.occupation(uri) if catalog is not None else None
        if occupation is None:
            raise NotFoundError("no such occupation in the bundled frameworks")
        get_skill = getattr(catalog, "get_skill", None)

        def label(skill_uri: str) -> str:
            ref = get_skill(skill_uri) if callable(get_skill) else None
            return ref.label if ref is not None else skill_uri

        reqs = [Requirement(u, label(u), True) for u in occupation.essential]
        reqs += [Requirement(u, label(u), False) for u in occupation.optional]
        return JobVector(occupation.uri, tuple(reqs), occupation.label)

    # ------------------------------------------------------------------------ profiles
    def _validate_profile(self, session: Session, data: Any) -> dict[str, Any]:
        errors: list[dict[str, str]] = []
        if not isinstance(data, dict):
            raise ValidationError("the profile must be a JSON object")
        known = {
            "credentials",
            "visibility",
            "organizations",
            "workforce",
            "selfAsserted",
            "about",
            "headline",
        }
        for name in sorted(set(data) - known):
            errors.append({"field": name, "message": "unknown member"})
        credentials = data.get("credentials", [])
        if (
            not isinstance(credentials, list)
            or not all(isinstance(c, str) and len(c) <= 64 for c in credentials)
            or len(credentials) > 500
        ):
            errors.append({"field": "credentials", "message": "a list of wallet credential ids"})
            credentials = []
        visibility = data.get("visibility", "all")
        if visibility not in ("all", "selected"):
            errors.append({"field": "visibility", "message": "all or selected"})
        slugs: dict[str, list[str]] = {}
        for name in ("organizations", "workforce"):
            value = data.get(name, [])
            if (
                not isinstance(value, list)
                or not all(isinstance(s, str) and 0 < len(s) <= 64 for s in value)
                or len(value) > 100
            ):
                errors.append({"field": name, "message": "a list of organization slugs"})
                value = []
            found = (
                set(session.scalars(select(Organization.slug).where(Organization.slug.in_(value))))
                if value
                else set()
            )
            for slug in value:
                if slug not in found:
                    errors.append({"field": name, "message": f"no organization {slug!r}"})
            slugs[name] = list(dict.fromkeys(value))
        if visibility == "selected" and not slugs.get("organizations"):
            errors.append(
                {
                    "field": "organizations",
                    "message": "name the organizations who may see the profile",
                }
            )
        asserted = []
        raw = data.get("selfAsserted", [])
        if not isinstance(raw, list) or len(raw) > 100:
            errors.append({"field": "selfAsserted", "message": "a list of skills"})
            raw = []
        for i, item in enumerate(raw):
            entry = {"label": item} if isinstance(item, str) else item
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("label"), str)
                or not entry["label"].strip()
                or len(entry["label"]) > 300
                or "\x00" in entry["label"]
                or set(entry) - {"label", "level"}
            ):
                errors.append(
                    {"field": f"selfAsserted[{i}]", "message": "a label or {label, level}"}
                )
                continue
            level = entry.get("level")
            if level is not None and (
                isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5
            ):
                errors.append({"field": f"selfAsserted[{i}].level", "message": "1..5"})
                continue
            asserted.append({"label": entry["label"].strip(), "level": level})
        texts = {}
        for name, limit in (("about", 5000), ("headline", 200)):
            value = data.get(name, "")
            if not isinstance(value, str) or len(value) > limit or "\x00" in value:
                errors.append({"field": name, "message": f"text of at most {limit} characters"})
                value = ""
            texts[name] = value.strip()
        if errors:
            raise ValidationError("the talent profile is not valid", errors)
        return {
            "credentials": list(dict.fromkeys(credentials)),
            "visibility": visibility,
            "organizations": slugs["organizations"] if visibility == "selected" else [],
            "workforce": slugs["workforce"],
            "selfAsserted": asserted,
            **texts,
        }

    def opt_in(self, session: Session, holder_id: int, data: Any) -> CandidateProfile:
        """Create (or replace) the holder's profile from the credentials they chose, and
        record the ongoing consent (the earlier one, if any, is withdrawn)."""
        clean = self._validate_profile(session, data)
        rows = holder_rows(session, holder_id, clean["credentials"])
        missing = set(clean["credentials"]) - {r.public_id for r in rows}
        if missing:
            raise ValidationError(
                "some credentials are not in your wallet",
                [
                    {"field": "credentials", "message": f"no credential {c}"}
                    for c in sorted(missing)
                ],
            )
        now = self._clock()
        row = session.scalar(
            select(CandidateProfile).where(CandidateProfile.holder_id == holder_id)
        )
        if row is not None and row.consent_id:
            self._withdraw_consent(session, holder_id, row.consent_id)
        if row is None:
            row = CandidateProfile(holder_id=holder_id, created_at=now, updated_at=now)
            session.add(row)
        row.public_id = self._id()  # a new opt-in is a new profile id
        row.status = "active"
        row.visibility = clean["visibility"]
        row.organizations = clean["organizations"]
        row.workforce = clean["workforce"]
        row.credentials = clean["credentials"]
        row.self_asserted = clean["selfAsserted"]
        row.about = clean["about"]
        row.headline = clean["headline"]
        row.withdrawn_at = None
        self._rebuild(session, row, rows)
        row.updated_at = now
        session.flush()
        self._record_consent(session, row)
        return row

    def _record_consent(self, session: Session, row: CandidateProfile) -> None:
        """Record the profile's ongoing ``talent_profile`` consent and link it."""
        recipients = (
            "every employer on this platform"
            if row.visibility == "all"
            else "organizations: " + ", ".join(row.organizations)
        )
        if row.workforce:
            recipients += "; workforce of: " + ", ".join(row.workforce)
        consent = self._consent.record(
            session,
            row.holder_id,
            kind=CONSENT_KIND,
            recipient=recipients,
            purpose=PURPOSE + (("; " + WORKFORCE_PURPOSE) if row.workforce else ""),
            disclosed=[{"credential": c, "fields": ["*"]} for c in row.credentials],
            reference=row.public_id,
            ongoing=True,
        )
        row.consent_id = consent.public_id
        session.flush()

    def _rebuild(
        self, session: Session, row: CandidateProfile, rows: Sequence[Any] | None = None
    ) -> None:
        if rows is None:
            rows = holder_rows(session, row.holder_id, row.credentials)
        built = build_skills(
            session,
            rows,
            row.self_asserted,
            row.about,
            self.resolver,
            self._recognised,
            self._clock(),
        )
        row.skills = built.skills
        row.excluded = built.excluded

    def profile(self, session: Session, holder_id: int) -> CandidateProfile:
        row = active_profile(session, holder_id)
        if row is None:
            raise NotFoundError(
                "you have no talent profile: opt in first", ProblemCode.MARKET_NO_PROFILE
            )
        return row

    def refresh(self, session: Session, holder_id: int) -> CandidateProfile:
        """Re-verify every credential of the profile (revoked or expired ones drop out)
        and rebuild its skills."""
        row = self.profile(session, holder_id)
        for public_id in row.credentials:
            if self._reverify is not None:
                try:
                    self._reverify(session, holder_id, public_id)
                except NotFoundError:
                    continue  # deleted from the wallet since: gives no evidence
        self._rebuild(session, row)
        row.updated_at = self._clock()
        session.flush()
        return row

    def withdraw(self, session: Session, holder_id: int) -> None:
        """Withdraw the profile: out of every index and ranking at once."""
        row = self.profile(session, holder_id)
        if row.consent_id:
            self._withdraw_consent(session, holder_id, row.consent_id)
        self._mark_withdrawn(row)

    def _withdraw_consent(self, session: Session, holder_id: int, consent_id: str) -> None:
        try:
            record = self._consent.get(session, holder_id, consent_id)
        except NotFoundError:
            return
        if record.withdrawn_at is None:
            self._consent.withdraw(session, holder_id, consent_id)

    def _consent_withdrawn(self, session: Session, record: ConsentRecord) -> None:
        """The ledger's hook: the holder withdrew the profile's consent from the ledger."""
        row = session.scalar(
            select(CandidateProfile).where(CandidateProfile.public_id == record.reference)
        )
        if row is not None and row.status == "active":
            self._mark_withdrawn(row)

    def _mark_withdrawn(self, row: CandidateProfile) -> None:
        now = self._clock()
        row.status = "withdrawn"
        row.withdrawn_at = now
        row.updated_at = now
        with self._lock:
            self.index.remove(row.public_id)

    def profile_json(self, row: CandidateProfile, *, owner: bool) -> dict[str, Any]:
        """The profile as employers see it (``owner=False``: exactly the preview), or with
        the holder's own settings added."""
        shown: dict[str, Any] = {
            "id": row.public_id,
            "headline": row.headline,
            "skills": row.skills,
            "credentials": row.credentials,
        }
        if owner:
            shown.update(
                {
                    "status": row.status,
                    "visibility": row.visibility,
                    "organizations": row.organizations,
                    "workforce": row.workforce,
                    "selfAsserted": row.self_asserted,
                    "about": row.about,
                    "consent": row.consent_id,
                    "excluded": row.excluded,
                    "updatedAt": row.updated_at.isoformat(),
                }
            )
        return shown

    # ------------------------------------------------------------------------ the index
    def sync(self, session: Session) -> None:
        """Bring the index in step with the database (all of it on first use): profiles
        changed since the last look are re-read; a re-opt-in (new profile id) replaces the
        old id; when the count of active profiles disagrees with the index (a holder was
        erased), stale ids are dropped."""
        with self._lock:
            query = select(CandidateProfile)
            if self._watermark is not None:
                query = query.where(
                    CandidateProfile.updated_at >= self._watermark - timedelta(seconds=2)
                )
            rows = list(session.scalars(query))
            latest = self._watermark
            fresh = []
            for row in rows:
                old = self._by_row.get(row.id)
                if old is not None and old != row.public_id:
                    self.index.remove(old)
                if row.status != "active":
                    self.index.remove(row.public_id)
                    self._by_row.pop(row.id, None)
                else:
                    fresh.append(vector_of(row.public_id, row.skills))
                    self._by_row[row.id] = row.public_id
                if latest is None or row.updated_at > latest:
                    latest = row.updated_at
            self.resolver.learn_keys([s.uri for v in fresh for s in v.skills])
            if self._watermark is None:
                self.index.add_bulk(fresh)
            else:
                for vector in fresh:
                    self.index.add(vector)
            self._watermark = latest or self._clock()
            active = session.scalar(
                select(func.count())
                .select_from(CandidateProfile)
                .where(CandidateProfile.status == "active")
            )
            if active != len(self.index):
                current = dict(
                    session.execute(
                        select(CandidateProfile.public_id, CandidateProfile.id).where(
                            CandidateProfile.status == "active"
                        )
                    ).all()
                )
                for stale in set(self.index.ids()) - set(current):
                    self.index.remove(stale)
                self._by_row = {row_id: pid for pid, row_id in current.items()}

    def _neighbours(self, uri: str) -> list[tuple[str, float]]:
        return self.resolver.neighbours(uri, self.weights.min_similarity)

    def _similarity(self, a: str, b: str) -> float:
        return self.resolver.similarity(a, b)

    def _log(
        self,
        session: Session,
        *,
        direction: str,
        subject: str,
        jobs: Sequence[JobVector],
        candidates: Sequence[CandidateVector],
        matches: Sequence[Match],
        organization_id: int | None = None,
        holder_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> MatchRun:
        run = MatchRun(
            public_id=self._id(),
            organization_id=organization_id,
            holder_id=holder_id,
            direction=direction,
            subject=subject,
            inputs={
                "jobs": [j.id for j in jobs],
                "candidates": [c.id for c in candidates],
                "vectorsDigest": vectors_digest(jobs, candidates),
                "weights": self.weights.to_json(),
                "engineVersion": ENGINE_VERSION,
                "protectedAttributes": "none: the scorer's input holds only skill vectors",
                **(extra or {}),
            },
            results=[
                {
                    "id": m.candidate_id if direction != "jobs-for-candidate" else m.job_id,
                    "score": round(m.score, 6),
                }
                for m in matches
            ],
            created_at=self._clock(),
        )
        session.add(run)
        session.flush()
        return run

    def _visible(self, row: CandidateProfile, slug: str, *, workforce: bool) -> bool:
        if workforce:
            return slug in (row.workforce or [])
        return row.visibility == "all" or slug in (row.organizations or [])

    def _rank_profiles(
        self, session: Session, actor: Actor, job: JobVector, top: int, *, workforce: bool
    ) -> list[tuple[CandidateProfile, Match]]:
        self.sync(session)
        org = session.get(Organization, actor.organization_id)
        assert org is not None
        want = top
        k = max(4 * top, 50)
        while True:
            ranked = self.index.rank(job, self._neighbours, self.weights, k)
            ids = [r.candidate_id for r in ranked]
            rows = (
                {
                    r.public_id: r
                    for r in session.scalars(
                        select(CandidateProfile).where(CandidateProfile.public_id.in_(ids))
                    )
                }
                if ids
                else {}
            )
            out = []
            for r in ranked:
                row = rows.get(r.candidate_id)
                if (
                    row is None
                    or row.status != "active"
                    or not self._visible(row, org.slug, workforce=workforce)
                ):
                    continue
                if row.consent_id is None or not self._consent_active(session, row):
                    self._mark_withdrawn(row)
                    continue
                vector = vector_of(row.public_id, row.skills)
                out.append((row, score(job, vector, self._similarity, self.weights)))
                if len(out) >= want:
                    break
            if len(out) >= want or len(ranked) < k:
                return out
            k *= 4

    def _consent_active(self, session: Session, row: CandidateProfile) -> bool:
        record = session.scalar(
            select(ConsentRecord).where(ConsentRecord.public_id == row.consent_id)
        )
        return record is not None and record.withdrawn_at is None

    def candidates_for_job(
        self, session: Session, actor: Actor, public_id: str, top: int = 20
    ) -> tuple[MatchRun, list[dict[str, Any]]]:
        """Opted-in candidates who share with this organization, best first, explained."""
        _check_top(top)
        row = self.job(session, actor, public_id)
        job = self.job_vector(row)
        found = self._rank_profiles(session, actor, job, top, workforce=False)
        run = self._log(
            session,
            direction="candidates-for-job",
            subject=row.public_id,
            jobs=[job],
            candidates=[vector_of(p.public_id, p.skills) for p, _ in found],
            matches=[m for _, m in found],
            organization_id=actor.organization_id,
            extra={"indexSize": len(self.index)},
        )
        return run, [self._candidate_result(p, m) for p, m in found]

    def _candidate_result(self, row: CandidateProfile, match: Match) -> dict[str, Any]:
        explanation = match.explanation()
        for met in explanation["met"]:  # each credential links to its proof and verification
            for evidence in met["matchedBy"]["evidence"]:
                if evidence.get("credential"):
                    evidence["verification"] = (
                        f"/api/v1/matching/candidates/{row.public_id}"
                        f"/credentials/{evidence['credential']}"
                    )
        return {
            "candidate": row.public_id,
            "headline": row.headline,
            "score": round(match.score, 6),
            "explanation": explanation,
        }

    def runs(self, session: Session, actor: Actor, limit: int = 50) -> list[MatchRun]:
        return list(
            session.scalars(
                select(MatchRun)
                .where(MatchRun.organization_id == actor.organization_id)
                .order_by(MatchRun.created_at.desc(), MatchRun.id.desc())
                .limit(limit)
            )
        )

    def run(self, session: Session, actor: Actor, public_id: str) -> MatchRun:
        row = session.scalar(select(MatchRun).where(MatchRun.public_id == public_id))
        if row is None or row.organization_id != actor.organization_id:
            raise NotFoundError("no such match run")
        return row

    @staticmethod
    def run_json(row: MatchRun) -> dict[str, Any]:
        return {
            "id": row.public_id,
            "direction": row.direction,
            "subject": row.subject,
            "inputs": row.inputs,
            "results": row.results,
            "createdAt": row.created_at.isoformat(),
        }

    def candidate_credential(
        self, session: Session, actor: Actor, profile_id: str, credential_id: str
    ) -> dict[str, Any]:
        """A credential a candidate shared with the profile: the document as received and
        its latest verification (the link from an explanation to its proof)."""
        org = session.get(Organization, actor.organization_id)
        assert org is not None
        row = session.scalar(
            select(CandidateProfile).where(CandidateProfile.public_id == profile_id)
        )
        if (
            row is None
            or row.status != "active"
            or credential_id not in (row.credentials or [])
            or not (
                self._visible(row, org.slug, workforce=False)
                or self._visible(row, org.slug, workforce=True)
            )
            or not self._consent_active(session, row)
        ):
            raise NotFoundError("no such shared credential")
        rows = holder_rows(session, row.holder_id, [credential_id])
        if not rows:
            raise NotFoundError("no such shared credential")
        wc = rows[0]
        return {
            "credential": wc.public_id,
            "format": wc.format,
            "document": wc.document,
            "verdict": wc.verdict,
            "verifiedAt": wc.verified_at.isoformat(),
            "report": wc.report,
        }

    # ------------------------------------------------------------------------ holder side
    def holder_vector(
        self, session: Session, holder_id: int
    ) -> tuple[CandidateVector, CandidateProfile | None]:
        """The holder's profile vector, or (without a profile) one built from every
        credential in their wallet — for their own guidance only, never shown to others."""
        row = active_profile(session, holder_id)
        if row is not None:
            return vector_of(row.public_id, row.skills), row
        built = build_skills(
            session,
            holder_rows(session, holder_id),
            [],
            "",
            self.resolver,
            self._recognised,
            self._clock(),
        )
        return vector_of("wallet", built.skills), None

    def open_jobs_for(self, session: Session, row: CandidateProfile | None) -> list[JobPosting]:
        query = select(JobPosting).where(JobPosting.status == "open")
        jobs = list(session.scalars(query.order_by(JobPosting.id)))
        slugs = set(row.workforce or []) if row is not None else set()
        if not jobs:
            return []
        org_slugs = {
            oid: slug for oid, slug in session.execute(select(Organization.id, Organization.slug))
        }
        return [j for j in jobs if not j.internal or org_slugs.get(j.organization_id) in slugs]

    def matches_for_holder(
        self, session: Session, holder_id: int, *, job: str | None = None, top: int = 20
    ) -> tuple[MatchRun, list[dict[str, Any]]]:
        """Jobs for the holder, best first, each explained; ``job``: why this one (even at 0)."""
        _check_top(top)
        vector, row = self.holder_vector(session, holder_id)
        postings = self.open_jobs_for(session, row)
        if job is not None:
            postings = [p for p in postings if p.public_id == job]
            if not postings:
                raise NotFoundError("no such open job posting")
        by_id = {p.public_id: p for p in postings}
        vectors = [self.job_vector(p) for p in postings]
        if job is not None:
            matches = [score(vectors[0], vector, self._similarity, self.weights)]
        else:
            matches = rank_jobs(vector, vectors, self._similarity, self.weights, top)
        run = self._log(
            session,
            direction="jobs-for-candidate",
            subject=row.public_id if row is not None else "wallet",
            jobs=vectors,
            candidates=[vector],
            matches=matches,
            holder_id=holder_id,
        )
        orgs = {o.id: o for o in session.scalars(select(Organization))}
        out = []
        for m in matches:
            posting = by_id[m.job_id]
            org = orgs.get(posting.organization_id)
            out.append(
                {
                    "job": posting.public_id,
                    "title": posting.title,
                    "organization": {"slug": org.slug, "name": org.name} if org else None,
                    "internal": posting.internal,
                    "score": round(m.score, 6),
                    "explanation": m.explanation(),
                }
            )
        return run, out

    def holder_runs(self, session: Session, holder_id: int, limit: int = 50) -> list[MatchRun]:
        return list(
            session.scalars(
                select(MatchRun)
                .where(MatchRun.holder_id == holder_id)
                .order_by(MatchRun.created_at.desc(), MatchRun.id.desc())
                .limit(limit)
            )
        )

    # ------------------------------------------------------------------------ guidance
    def target(
        self,
        session: Session,
        *,
        job: str | None,
        occupation: str | None,
        organization_id: int | None = None,
    ) -> JobVector:
        if (job is None) == (occupation is None):
            raise ValidationError(
                "give a job or an occupation",
                [{"field": "job", "message": "one of job, occupation"}],
            )
        if occupation is not None:
            return self.occupation_vector(occupation)
        row = session.scalar(select(JobPosting).where(JobPosting.public_id == job))
        if (
            row is None
            or (organization_id is not None and row.organization_id != organization_id)
            or (organization_id is None and row.status != "open")
        ):
            raise NotFoundError("no such job posting")
        return self.job_vector(row)

    def offerings(self, session: Session) -> list[Offering]:
        """Achievements offered on the platform (not archived), with their skill URIs."""
        rows = session.execute(
            select(Achievement, AchievementVersion, Organization)
            .join(
                AchievementVersion,
                (AchievementVersion.achievement_id == Achievement.id)
                & (AchievementVersion.version == Achievement.current_version),
            )
            .join(Organization, Organization.id == Achievement.organization_id)
            .where(Achievement.archived.is_(False))
        ).all()
        out = []
        for achievement, version, org in rows:
            uris = []
            for alignment in version.data.get("alignments", []) or []:
                label = alignment.get("targetUrl") or alignment.get("targetName") or ""
                resolved = self.resolver.resolve(label)
                if not resolved.known and alignment.get("targetName"):
                    resolved = self.resolver.resolve(alignment["targetName"])
                uris.append(resolved.uri)
            if uris:
                out.append(
                    Offering(
                        achievement.public_id,
                        str(version.data.get("name", "")),
                        tuple(uris),
                        org.name,
                    )
                )
        return out

    def gap_for(
        self, session: Session, vector: CandidateVector, target: JobVector, limit: int = 10
    ) -> dict[str, Any]:
        g = gap(vector, target, self._similarity, self.weights)
        recs = recommend(g.missing, self.offerings(session), self._similarity, self.weights, limit)
        return {**g.to_json(), "recommendations": [r.to_json() for r in recs]}

    def pathways_for(
        self, vector: CandidateVector, limit: int = 10, start: str | None = None
    ) -> list[Pathway]:
        catalog = self.resolver.catalog
        if catalog is None:
            return []
        candidates: dict[str, str] = {}
        mine = {s.uri for s in vector.skills}
        occupations = getattr(catalog, "occupations", None)
        if occupations:
            overlap: Counter[str] = Counter()
            for occ in occupations:
                shared = len(mine & set(occ.essential)) + 0.5 * len(mine & set(occ.optional))
                if shared:
                    overlap[occ.uri] = int(shared * 2)
            for uri, _ in overlap.most_common(3 * limit):
                candidates[uri] = "overlap"
        else:
            for s in vector.skills:
                for occ in catalog.search_occupations(s.label, limit=3):
                    candidates.setdefault(occ.uri, "overlap")
        seeds = [start] if start else list(candidates)[:5]
        for seed in seeds:
            for occ in catalog.related_occupations(seed):
                candidates.setdefault(occ.uri, "related")
        if start:
            candidates.pop(start, None)
        targets = []
        for uri, relation in candidates.items():
            try:
                targets.append((self.occupation_vector(uri), relation))
            except NotFoundError:
                continue
        return pathways(vector, targets, self._similarity, self.weights, limit)

    # ------------------------------------------------------------------------ workforce
    def _workforce_rows(self, session: Session, actor: Actor) -> list[CandidateProfile]:
        org = session.get(Organization, actor.organization_id)
        assert org is not None
        rows = session.scalars(select(CandidateProfile).where(CandidateProfile.status == "active"))
        return [
            r for r in rows if org.slug in (r.workforce or []) and self._consent_active(session, r)
        ]

    def inventory(self, session: Session, actor: Actor) -> dict[str, Any]:
        actor.require("viewer")
        rows = self._workforce_rows(session, actor)
        skills: dict[str, dict[str, Any]] = {}
        kinds: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            for s in row.skills:
                entry = skills.setdefault(
                    s["uri"], {"skill": s["uri"], "label": s["label"], "people": 0, "verified": 0}
                )
                entry["people"] += 1
                if s["weight"] >= 0.8:
                    entry["verified"] += 1
                for e in s.get("evidence", []):
                    kinds[s["uri"]][e["kind"]] += 1
        listed = sorted(skills.values(), key=lambda e: (-e["people"], e["label"]))
        for entry in listed:
            entry["evidence"] = dict(kinds[entry["skill"]])
        return {
            "employees": len(rows),
            "skills": listed,
            "people": [
                {"candidate": r.public_id, "headline": r.headline, "skills": len(r.skills)}
                for r in rows
            ],
        }

    def workforce_gaps(
        self, session: Session, actor: Actor, *, job: str | None, occupation: str | None
    ) -> dict[str, Any]:
        actor.require("viewer")
        target = self.target(
            session, job=job, occupation=occupation, organization_id=actor.organization_id
        )
        rows = self._workforce_rows(session, actor)
        matches = [
            score(target, vector_of(r.public_id, r.skills), self._similarity, self.weights)
            for r in rows
        ]
        coverage = []
        for i, req in enumerate(target.requirements):
            met = sum(1 for m in matches if m.outcomes[i].met)
            coverage.append(
                {
                    "label": req.label,
                    "skill": req.uri,
                    "required": req.required,
                    "people": met,
                    "share": round(met / len(rows), 4) if rows else 0.0,
                }
            )
        missing = [c for c in coverage if c["people"] == 0]
        recs = recommend(
            [
                r
                for r in target.requirements
                if any(c["skill"] == r.uri and c["people"] == 0 for c in coverage)
            ],
            self.offerings(session),
            self._similarity,
            self.weights,
        )
        return {
            "target": target.id,
            "title": target.title,
            "employees": len(rows),
            "coverage": coverage,
            "missing": missing,
            "recommendations": [r.to_json() for r in recs],
        }

    def mobility(
        self,
        session: Session,
        actor: Actor,
        *,
        job: str | None,
        occupation: str | None,
        top: int = 20,
    ) -> tuple[MatchRun, list[dict[str, Any]]]:
        """Internal mobility and succession: consenting employees ranked for a role, each
        with what they would still need."""
        actor.require("viewer")
        _check_top(top)
        target = self.target(
            session, job=job, occupation=occupation, organization_id=actor.organization_id
        )
        found = self._rank_profiles(session, actor, target, top, workforce=True)
        run = self._log(
            session,
            direction="workforce-mobility",
            subject=target.id[:64],
            jobs=[target],
            candidates=[vector_of(p.public_id, p.skills) for p, _ in found],
            matches=[m for _, m in found],
            organization_id=actor.organization_id,
        )
        return run, [self._candidate_result(p, m) for p, m in found]

    def count_profiles(self, session: Session) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(CandidateProfile)
                .where(CandidateProfile.status == "active")
            )
            or 0
        )
