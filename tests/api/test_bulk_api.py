"""Bulk issuance through the REST API with the real issuer, on SQLite and PostgreSQL:
a 50-row CSV -> dry run with per-row errors -> commit -> progress -> report CSV -> every
credential verifies; uploading the same file again issues nothing. And the wiring:
Redis when ``LERKIT_REDIS_URL`` is set, in-process jobs resumed at start-up otherwise."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

from fastapi.testclient import TestClient

from api.conftest import Tenant
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from lerkit.services.jobs import InMemoryLeases, InProcessQueue, JobState
from support import REDIS_URL, redis_available, require

COURSE = {
    "name": "Forklift Safety",
    "description": "Operates a counterbalance forklift safely.",
    "criteria": {"narrative": "Passed the practical and the written test."},
    "resultDescriptions": [
        {
            "key": "grade",
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValues": ["A", "B", "C"],
        }
    ],
}
ROWS = 50


def class_list(extra: list[str] | None = None) -> bytes:
    lines = ["Email,Name,Grade,Evidence"]
    lines += [
        f"learner{i:02d}@example.org,Learner {i},{'ABC'[i % 3]},https://portfolio.example/{i}"
        for i in range(ROWS)
    ]
    return ("\r\n".join(lines + (extra or [])) + "\r\n").encode("utf-8")


def upload(file: bytes, achievement: str, **form: str) -> dict[str, Any]:
    return {
        "data": {"achievement": achievement, **form},
        "files": {"file": ("class-2025.csv", file, "text/csv")},
    }


def finish(client: TestClient, services: Services, tenant: Tenant, job: str) -> dict[str, Any]:
    assert isinstance(services.queue, InProcessQueue)
    services.queue.drain(timeout=120)
    progress = client.get(f"/api/v1/bulk-jobs/{job}", headers=tenant.headers)
    assert progress.status_code == 200, progress.text
    body: dict[str, Any] = progress.json()
    return body


def test_a_class_list_is_issued_in_bulk(
    client: TestClient, services: Services, org_a: Tenant
) -> None:
    headers = org_a.headers
    created = client.post("/api/v1/achievements", json=COURSE, headers=headers)
    assert created.status_code == 201, created.text
    achievement = created.json()["id"]

    # the dry run explains every bad row and issues nothing
    bad = class_list(
        [
            "not-an-email,Nobody,A,https://portfolio.example/x",
            "late@example.org,Late,F,https://portfolio.example/late",
            "link@example.org,Link,B,ftp://portfolio.example/link",
        ]
    )
    dry = client.post("/api/v1/bulk-jobs/dry-run", **upload(bad, achievement), headers=headers)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["suggestedMapping"] == {
        "recipient_email": "Email",
        "recipient_name": "Name",
        "result": "Grade",
        "evidence_url": "Evidence",
    }
    assert (report["totalRows"], report["validRows"], report["ok"]) == (ROWS + 3, ROWS, False)
    assert [(e["row"], e["message"]) for e in report["errors"]] == [
        (ROWS + 2, "'not-an-email' is not an email address"),
        (ROWS + 3, "'F' is not an allowed result (A, B, C)"),
        (ROWS + 4, "'ftp://portfolio.example/link' is not a web address (http:// or https://)"),
    ]
    refused = client.post("/api/v1/bulk-jobs", **upload(bad, achievement), headers=headers)
    assert refused.status_code == 422, refused.text
    assert {e["row"] for e in refused.json()["errors"]} == {ROWS + 2, ROWS + 3, ROWS + 4}
    listed = client.get("/api/v1/credentials", headers=headers).json()
    assert listed["total"] == 0

    # commit: a background job with progress, then a per-row report
    good = class_list()
    dry = client.post("/api/v1/bulk-jobs/dry-run", **upload(good, achievement), headers=headers)
    assert dry.json()["ok"] is True
    committed = client.post("/api/v1/bulk-jobs", **upload(good, achievement), headers=headers)
    assert committed.status_code == 202, committed.text
    job = committed.json()
    assert job["total"] == ROWS
    assert job["state"] in ("queued", "running", "done")
    progress = finish(client, services, org_a, job["id"])
    assert progress == {
        "id": job["id"],
        "state": "done",
        "total": ROWS,
        "processed": ROWS,
        "issued": ROWS,
        "skipped": 0,
        "failed": 0,
        "fraction": 1.0,
        "error": None,
    }
    downloaded = client.get(f"/api/v1/bulk-jobs/{job['id']}/report.csv", headers=headers)
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(downloaded.text)))
    assert [int(line["row"]) for line in lines] == list(range(2, ROWS + 2))
    assert {line["outcome"] for line in lines} == {"issued"}
    assert [line["recipient"] for line in lines][:2] == [
        "learner00@example.org",
        "learner01@example.org",
    ]
    ids = [line["credential id"] for line in lines]
    assert len(set(ids)) == ROWS

    # every credential is real: it verifies, with its result, name and evidence
    for i, credential_id in enumerate(ids):
        record = client.get(f"/api/v1/credentials/{credential_id}", headers=headers).json()
        assert record["recipient"] == f"learner{i:02d}@example.org"
        assert record["achievement"] == achievement
        credential = record["credential"]
        verified = client.post("/credentials/verify", json={"verifiableCredential": credential})
        assert verified.status_code == 200, verified.text
        assert verified.json()["verified"] is True
        subject = credential["credentialSubject"]
        assert subject["result"][0]["value"] == "ABC"[i % 3]
        assert [x["identityType"] for x in subject["identifier"]] == ["emailAddress", "name"]
        assert all(x["hashed"] for x in subject["identifier"])
        assert credential["evidence"][0]["id"] == f"https://portfolio.example/{i}"
        assert len(credential["credentialStatus"]) == 2

    # the same file again issues nothing
    again = client.post("/api/v1/bulk-jobs", **upload(good, achievement), headers=headers)
    assert again.status_code == 202, again.text
    progress = finish(client, services, org_a, again.json()["id"])
    assert (progress["state"], progress["issued"], progress["skipped"]) == ("done", 0, ROWS)
    rows = client.get(f"/api/v1/bulk-jobs/{again.json()['id']}/rows", headers=headers).json()
    assert [r["credentialId"] for r in rows] == ids
    assert client.get("/api/v1/credentials", headers=headers).json()["total"] == ROWS


def test_replacing_needs_the_revoke_scope_and_revokes_the_earlier_credential(
    client: TestClient, services: Services, org_a: Tenant
) -> None:
    achievement = client.post("/api/v1/achievements", json=COURSE, headers=org_a.headers)
    achievement_id = achievement.json()["id"]
    one = b"Email,Grade\r\nada@example.org,A\r\n"
    first = client.post("/api/v1/bulk-jobs", **upload(one, achievement_id), headers=org_a.headers)
    finish(client, services, org_a, first.json()["id"])
    issuer_key = client.post(
        "/api/v1/api-keys",
        json={"name": "LMS", "role": "issuer", "scopes": ["credentials:issue"]},
        headers=org_a.headers,
    ).json()["token"]
    lms = {"Authorization": f"Bearer {issuer_key}"}
    regrade = b"Email,Grade\r\nada@example.org,B\r\n"
    form = upload(regrade, achievement_id, duplicates="replace")
    assert client.post("/api/v1/bulk-jobs", **form, headers=lms).status_code == 403
    second = client.post("/api/v1/bulk-jobs", **form, headers=org_a.headers)
    assert second.status_code == 202, second.text
    progress = finish(client, services, org_a, second.json()["id"])
    assert (progress["issued"], progress["failed"]) == (1, 0)
    listed = client.get("/api/v1/credentials", headers=org_a.headers).json()["items"]
    assert sorted(c["status"] for c in listed) == ["active", "revoked"]


def test_unfinished_jobs_run_when_the_service_starts(
    settings: Settings, db: Database, services: Services, org_a: Tenant, client: TestClient
) -> None:
    achievement = client.post("/api/v1/achievements", json=COURSE, headers=org_a.headers)

    class Lost:  # a queue that loses what it is given (the process died)
        def enqueue(self, task_name: str, *, job_id: str | None = None, **kwargs: Any) -> str:
            return job_id or "lost"

        def status(self, job_id: str) -> JobState:
            return JobState.UNKNOWN

    assert services.bulk is not None
    lost = dataclasses.replace(services.bulk, queue=Lost(), leases=InMemoryLeases())
    job = lost.commit(org_a.actor, achievement.json()["id"], class_list(), "class.csv")
    restarted = build_services(settings, db)
    try:
        assert isinstance(restarted.queue, InProcessQueue)
        restarted.queue.drain(timeout=120)
        assert restarted.bulk is not None
        progress = restarted.bulk.progress(org_a.actor, job)
        assert (progress.state, progress.issued) == ("done", ROWS)
    finally:
        restarted.queue.close()


def test_with_redis_jobs_go_to_the_redis_queue(settings: Settings, db: Database) -> None:
    require(redis_available(), "Redis at 127.0.0.1:6379")
    from lerkit.adapters.redis_queue import RedisLeases, RedisQueue

    wired = build_services(dataclasses.replace(settings, redis_url=REDIS_URL), db)
    try:
        assert isinstance(wired.queue, RedisQueue)
        assert wired.bulk is not None
        assert isinstance(wired.bulk.leases, RedisLeases)
        assert "bulk.run" in wired.queue.registry
    finally:
        wired.close()
