"""The market service on SQLite and PostgreSQL (tiny in-memory taxonomy): evidence weights
and expiry, the index rebuilt from the database by a fresh service (another process),
withdrawal through the consent ledger, logged rankings, guidance."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from lerkit.db.models import Achievement, AchievementVersion, Organization
from lerkit.db.models_market import MatchRun
from lerkit.db.models_wallet import ConsentRecord, Holder, WalletCredential
from lerkit.db.session import Database
from lerkit.services.context import Actor
from lerkit.services.market import MarketService, SkillResolver
from lerkit.services.wallet.consent import ConsentLedger
from market_support import OCC, TinyTaxonomy, uri

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _service(trusted: set[str] | None = None) -> tuple[MarketService, ConsentLedger]:
    rng = random.Random()
    ledger = ConsentLedger(lambda: NOW, rng.randbytes)
    taxonomy = TinyTaxonomy()
    trusted = trusted or set()
    market = MarketService(
        resolver=lambda: SkillResolver(taxonomy, taxonomy),
        consent=ledger,
        clock=lambda: NOW,
        entropy=rng.randbytes,
        recognised=lambda s, issuer, types, achievement: issuer in trusted,
    )
    return market, ledger


def _org(db: Database, slug: str) -> Actor:
    with db.session() as s:
        org = Organization(
            slug=slug, name=slug.upper(), did=f"did:web:x:{slug}", did_method="web", created_at=NOW
        )
        s.add(org)
        s.flush()
        return Actor(organization_id=org.id, role="owner", label="test")


def _holder(db: Database, name: str, credentials: list[dict[str, Any]]) -> tuple[int, list[str]]:
    with db.session() as s:
        holder = Holder(
            public_id=name * 4,
            email=f"{name}@x.org",
            display_name=name,
            password_hash="x",
            created_at=NOW,
        )
        s.add(holder)
        s.flush()
        ids = []
        for i, c in enumerate(credentials):
            row = WalletCredential(
                holder_id=holder.id,
                public_id=f"{name}{i:027d}",
                format="ldp_vc",
                document="{}",
                content_hash=f"{name}{i}".ljust(64, "0"),
                source="file",
                summary={
                    "types": ["VerifiableCredential", "OpenBadgeCredential"],
                    "issuer": {"id": c.get("issuer", "did:web:school")},
                    "name": c.get("name", "Badge"),
                    "validUntil": c.get("validUntil"),
                    "skills": [{"targetName": n, "targetUrl": u} for n, u in c["skills"]],
                },
                verdict=c.get("verdict", "valid"),
                report={},
                verified_at=NOW,
                received_at=NOW,
            )
            s.add(row)
            ids.append(row.public_id)
        return holder.id, ids


def test_evidence_weights_expiry_and_rebuild_from_db(db: Database) -> None:
    market, _ledger = _service(trusted={"did:web:accredited"})
    employer = _org(db, "acme")
    alice, alice_wc = _holder(
        db,
        "alice",
        [
            {"skills": [("Python", uri("python"))], "issuer": "did:web:accredited"},
            {"skills": [("SQL", uri("sql"))]},
            {"skills": [("statistics", "")], "validUntil": (NOW - timedelta(days=1)).isoformat()},
            {"skills": [("Java", uri("java"))], "verdict": "invalid"},
        ],
    )
    bob, bob_wc = _holder(db, "bobb", [{"skills": [("python", "")]}])
    with db.session() as s:
        profile = market.opt_in(
            s,
            alice,
            {
                "credentials": alice_wc,
                "selfAsserted": ["leadership"],
                "about": "I love machine learning.",
            },
        )
        skills = {k["uri"]: k for k in profile.skills}
        assert skills[uri("python")]["weight"] == 1.0  # trusted issuer
        assert skills[uri("sql")]["weight"] == 0.8  # verified
        assert skills[uri("lead")]["weight"] == 0.4  # self-asserted
        assert skills[uri("ml")]["weight"] == 0.2  # inferred from text
        assert uri("stats") not in skills
        assert uri("java") not in skills
        assert {e["reason"] for e in profile.excluded} == {
            "it has expired",
            "it does not verify (invalid)",
        }
        consent = s.scalar(
            select(ConsentRecord).where(ConsentRecord.reference == profile.public_id)
        )
        assert consent is not None
        assert consent.ongoing
        assert consent.kind == "talent_profile"
        assert [d["credential"] for d in consent.disclosed] == alice_wc
        market.opt_in(s, bob, {"credentials": bob_wc})
        job = market.create_job(
            s,
            employer,
            {"title": "Dev", "requiredSkills": ["Pyhton"], "preferredSkills": ["java", "SQL"]},
        )
        job_id = job.public_id
        _run, results = market.candidates_for_job(s, employer, job_id)
        assert next(r["candidate"] for r in results) == profile.public_id
        alice_id = profile.public_id
    # a fresh service (another process, a restart) rebuilds its index from the database
    fresh, ledger2 = _service(trusted={"did:web:accredited"})
    with db.session() as s:
        _, again = fresh.candidates_for_job(s, employer, job_id)
        assert [(r["candidate"], r["score"]) for r in again] == [
            (r["candidate"], r["score"]) for r in results
        ]
        assert len(fresh.index) == 2
        logged = s.scalars(select(MatchRun).order_by(MatchRun.id)).all()
        assert len(logged) == 2
        assert logged[0].inputs["candidates"] == [r["candidate"] for r in results]
        assert logged[0].inputs["weights"] == market.weights.to_json()
        # Alice withdraws through the consent ledger: her profile leaves the index at once
        record = s.scalar(select(ConsentRecord).where(ConsentRecord.reference == alice_id))
        assert record is not None
        ledger2.withdraw(s, alice, record.public_id)
        assert alice_id not in fresh.index
        _, after = fresh.candidates_for_job(s, employer, job_id)
        assert alice_id not in [r["candidate"] for r in after]
    # the first service (another process) learns it from the database on its next ranking
    with db.session() as s:
        _, seen = market.candidates_for_job(s, employer, job_id)
        assert alice_id not in [r["candidate"] for r in seen]


def test_guidance_gap_recommendations_pathways(db: Database) -> None:
    market, _ = _service()
    school = _org(db, "school")
    with db.session() as s:
        for name, skills in (
            ("Stats course", ["stats"]),
            ("ML course", ["ml", "stats"]),
            ("Nursing", ["nurse"]),
        ):
            achievement = Achievement(
                organization_id=school.organization_id,
                public_id=name[:5].lower().ljust(8, "x"),
                current_version=1,
                created_at=NOW,
            )
            s.add(achievement)
            s.flush()
            s.add(
                AchievementVersion(
                    achievement_id=achievement.id,
                    version=1,
                    created_at=NOW,
                    data={
                        "name": name,
                        "alignments": [{"targetName": k, "targetUrl": uri(k)} for k in skills],
                    },
                )
            )
    learner, _wc = _holder(db, "lena", [{"skills": [("SQL", uri("sql")), ("Excel", uri("excel"))]}])
    with db.session() as s:
        vector, profile = market.holder_vector(s, learner)  # no profile: from the whole wallet
        assert profile is None
        assert {c.uri for c in vector.skills} == {uri("sql"), uri("excel")}
        target = market.occupation_vector(OCC + "data-scientist")
        result = market.gap_for(s, vector, target)
        missing = {m["skill"] for m in result["missing"]}
        assert missing == {uri("python"), uri("stats"), uri("ml")}
        recs = result["recommendations"]
        assert recs[0]["title"] == "ML course"  # closes ML and statistics (and ties first)
        assert [r["share"] for r in recs] == sorted((r["share"] for r in recs), reverse=True)
        assert {c["skill"] for c in recs[0]["closes"]} == {uri("ml"), uri("stats")}
        assert "Nursing" not in [r["title"] for r in recs]
        paths = market.pathways_for(vector, 5)
        assert paths[0].occupation.id == OCC + "data-analyst"  # readiest first
        assert all(p.occupation.id != OCC + "nurse" for p in paths)


def test_re_opt_in_and_erasure_seen_by_another_process(db: Database) -> None:
    first, _ = _service()
    second, _ = _service()
    employer = _org(db, "acme")
    holder, wc = _holder(db, "cara", [{"skills": [("SQL", uri("sql"))]}])
    with db.session() as s:
        old_id = first.opt_in(s, holder, {"credentials": wc}).public_id
        job_id = first.create_job(
            s, employer, {"title": "Analyst", "requiredSkills": ["SQL"]}
        ).public_id
        _, ranked = first.candidates_for_job(s, employer, job_id)
        assert [r["candidate"] for r in ranked] == [old_id]
    with db.session() as s:  # another process: the holder opts in again (a new profile id)
        new_id = second.opt_in(s, holder, {"credentials": wc, "headline": "again"}).public_id
    assert new_id != old_id
    with db.session() as s:
        _, ranked = first.candidates_for_job(s, employer, job_id)
        assert [r["candidate"] for r in ranked] == [new_id]
        assert old_id not in first.index
    with db.session() as s:  # the holder's account is erased (rows cascade)
        s.delete(s.get(Holder, holder))
    with db.session() as s:
        _, ranked = first.candidates_for_job(s, employer, job_id)
        assert ranked == []
        assert len(first.index) == 0
