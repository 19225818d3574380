"""The skills API end to end (SQLite and PostgreSQL): CASE import -> export identical, search
by any label across frameworks, extraction, normalization, crosswalk decisions (audited),
alignment suggestions for an achievement and their acceptance, federation with a second
registry over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import PUBLIC_URL, Tenant
from lerkit.config import Settings
from lerkit.db.session import Database

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "skills"
ESCO_SPREADSHEETS = "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be"


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    # the lexical method here (the embedding method: tests/integration/test_skills_registry.py)
    return Settings(
        data_dir=tmp_path, database_url=db.url, public_url=PUBLIC_URL, skills_embeddings=False
    )


def _case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (FIX / "case_digital_skills.json").read_text(encoding="utf-8")
    )
    return data


def test_case_framework_round_trip_through_the_api(client: TestClient, org_a: Tenant) -> None:
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": _case(), "id": "digital"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["items"] == 5
    assert r.json()["format"] == "case"
    exported = client.get("/api/v1/skills/frameworks/digital/export").json()
    assert exported == _case()
    # import the export again under another id: the same graph
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": exported, "id": "digital-2"},
    )
    assert r.status_code == 201
    assert client.get("/api/v1/skills/frameworks/digital-2/export").json() == _case()
    items = client.get("/api/v1/skills/frameworks/digital/items").json()["items"]
    assert [i["code"] for i in items] == ["DS", "DS.1", "DS.2", "DS.3", "DS.1.a"]
    # RSD export of a CASE framework
    rsd = client.get("/api/v1/skills/frameworks/digital/export", params={"format": "rsd"}).json()
    assert rsd["type"] == "RichSkillDescriptorCollection"
    assert len(rsd["skills"]) == 5
    csv_text = client.get(
        "/api/v1/skills/frameworks/digital/export", params={"format": "rsd-csv"}
    ).text
    assert csv_text.startswith("Canonical URL,RSD Name")
    # conflicts and bad input are problems, not 500s
    again = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": _case(), "id": "digital"},
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("skills.framework_exists")
    bad = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": {"CFItems": []}},
    )
    assert bad.status_code == 400
    assert bad.json()["type"].endswith("skills.framework_malformed")
    reserved = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": _case(), "id": "esco"},
    )
    assert reserved.status_code == 409


def test_other_formats_import(client: TestClient, org_a: Tenant) -> None:
    rsd = json.loads((FIX / "rsd_collection.json").read_text(encoding="utf-8"))
    r = client.post(
        "/api/v1/skills/frameworks", headers=org_a.headers, json={"format": "rsd", "content": rsd}
    )
    assert r.status_code == 201
    assert r.json()["id"] == "data-analysis-skills"
    assert (
        client.get(
            "/api/v1/skills/frameworks/data-analysis-skills/export", params={"format": "rsd"}
        ).json()
        == rsd
    )
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "rsd-csv", "text": (FIX / "rsd_export.csv").read_text(), "id": "osn"},
    )
    assert r.status_code == 201
    assert r.json()["items"] == 2
    ctdl = json.loads((FIX / "ctdl_framework.json").read_text(encoding="utf-8"))
    r = client.post(
        "/api/v1/skills/frameworks", headers=org_a.headers, json={"format": "ctdl", "content": ctdl}
    )
    assert r.status_code == 201
    assert r.json()["items"] == 2
    esco = {
        p.name.removeprefix("esco_"): p.read_text(encoding="utf-8") for p in FIX.glob("esco_*.csv")
    }
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "esco", "files": esco, "id": "esco-sample"},
    )
    assert r.status_code == 201
    assert r.json()["items"] == 22
    onet = {
        p.name.removeprefix("onet_"): p.read_text(encoding="utf-8") for p in FIX.glob("onet_*.txt")
    }
    r = client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "onet", "files": onet, "id": "onet-sample"},
    )
    assert r.status_code == 201
    occ = client.get("/api/v1/skills/occupations", params={"q": "Data Scientists"}).json()[
        "results"
    ]
    assert {o["framework"] for o in occ} >= {"onet", "onet-sample"}


def test_search_finds_a_label_in_every_framework(client: TestClient, org_a: Tenant) -> None:
    client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": _case(), "id": "digital"},
    )
    for q in ("Microsoft Excel", "spreadsheets"):
        hits = client.get("/api/v1/skills/search", params={"q": q}).json()
        frameworks = {h["framework"] for h in hits["results"]}
        assert {"esco", "onet", "digital"} <= frameworks, (q, frameworks)
        assert hits["attribution"]
        assert hits["sources"][0]["origin"] == "local"
    # an alternative label only
    hits = client.get("/api/v1/skills/search", params={"q": "use spreadsheets program"}).json()[
        "results"
    ]
    assert hits[0]["uri"] == ESCO_SPREADSHEETS
    assert hits[0]["method"] == "alt_label"
    assert (
        client.get("/api/v1/skills/search", params={"q": "x", "frameworks": "nope"}).status_code
        == 404
    )


def test_normalize_extract_similarity_skill(client: TestClient) -> None:
    r = client.post("/api/v1/skills/normalize", json={"label": "MS Excel"}).json()
    assert r["results"][0]["label"] == "Microsoft Excel"
    assert r["attribution"]
    assert ESCO_SPREADSHEETS in {m["uri"] for m in r["results"]}
    text = "Data analyst: SQL, Python and Microsoft Excel; project management."
    found = client.post("/api/v1/skills/extract", json={"text": text}).json()["results"]
    assert {"esco", "onet"} <= {m["framework"] for m in found}
    excel = next(m for m in found if m["label"] == "Microsoft Excel")
    assert excel["source"] == "Microsoft Excel"
    assert 0 < excel["confidence"] <= 1
    sim = client.post(
        "/api/v1/skills/similarity",
        json={"a": ESCO_SPREADSHEETS, "b": "urn:onet:commodity:43232110"},
    ).json()
    assert sim["similarity"] >= 0.7
    assert (
        client.post("/api/v1/skills/similarity", json={"a": "urn:x", "b": "urn:y"}).status_code
        == 404
    )
    skill = client.get("/api/v1/skills/skill", params={"uri": ESCO_SPREADSHEETS}).json()
    assert skill["label"] == "use spreadsheets software"
    assert skill["crosswalk"]
    occ = client.get(
        "/api/v1/skills/occupation",
        params={"uri": "https://www.onetonline.org/link/summary/15-2051.00"},
    ).json()
    assert occ["label"] == "Data Scientists"
    assert occ["essentialSkills"]
    assert occ["related"]
    missing = client.get("/api/v1/skills/occupation", params={"uri": "urn:none"})
    assert missing.status_code == 404
    r = client.post("/api/v1/skills/extract", json={"text": "x", "method": "embedding"})
    assert r.status_code == 422
    assert r.json()["type"].endswith("skills.embeddings_unavailable")
    assert client.get("/api/v1/skills/attribution").json()["attribution"][1]["framework"] == "onet"


def test_crosswalk_suggest_confirm_reject_audited(client: TestClient, org_a: Tenant) -> None:
    client.post(
        "/api/v1/skills/frameworks",
        headers=org_a.headers,
        json={"format": "case", "content": _case(), "id": "digital"},
    )
    r = client.post(
        "/api/v1/skills/crosswalks/suggest",
        headers=org_a.headers,
        json={"source": "digital", "target": "esco"},
    )
    assert r.status_code == 201, r.text
    suggestions = r.json()["crosswalks"]
    by_source = {s["sourceLabel"]: s for s in suggestions}
    sheets = by_source["Use spreadsheet software to organise, calculate and chart data."]
    assert sheets["target"] == ESCO_SPREADSHEETS
    assert sheets["status"] == "suggested"
    assert 0 < sheets["confidence"] <= 1
    assert sheets["method"]
    confirmed = client.post(
        f"/api/v1/skills/crosswalks/{sheets['id']}/confirm", headers=org_a.headers
    ).json()
    assert confirmed["status"] == "confirmed"
    assert confirmed["decidedBy"]
    other = next(s for s in suggestions if s["id"] != sheets["id"])
    rejected = client.post(
        f"/api/v1/skills/crosswalks/{other['id']}/reject",
        headers=org_a.headers,
        json={"relation": "relatedMatch"},
    ).json()
    assert rejected["status"] == "rejected"
    assert rejected["relation"] == "relatedMatch"
    listed = client.get(
        "/api/v1/skills/crosswalks", headers=org_a.headers, params={"status": "confirmed"}
    ).json()
    assert [c["id"] for c in listed["crosswalks"]] == [sheets["id"]]
    audit = client.get("/api/v1/audit-events", headers=org_a.headers).json()
    actions = {e["action"] for e in audit.get("events", audit.get("items", []))}
    assert {
        "skills.crosswalk_confirmed",
        "skills.crosswalk_rejected",
        "skills.framework_imported",
    } <= actions
    # the confirmed link now carries normalization from the CASE item to ESCO
    norm = client.post(
        "/api/v1/skills/normalize",
        headers=org_a.headers,
        json={"label": "Spreadsheets", "frameworks": ["digital", "esco"], "limit": 5},
    ).json()
    assert {m["framework"] for m in norm["results"]} == {"digital", "esco"}
    assert (
        client.post("/api/v1/skills/crosswalks/nope/confirm", headers=org_a.headers).status_code
        == 404
    )


def test_alignment_assistant(client: TestClient, org_a: Tenant) -> None:
    body = {
        "name": "Data Analyst Badge",
        "description": "Awarded for analysing data with SQL and Microsoft Excel.",
        "criteria": "Built pivot tables, wrote SQL queries and presented findings.",
    }
    suggestions = client.post("/api/v1/skills/align", json=body).json()["suggestions"]
    assert suggestions
    first = suggestions[0]["alignment"]
    assert first["type"] == ["Alignment"]
    assert first["targetName"]
    assert first["targetUrl"].startswith("http")
    assert {s["alignment"]["targetFramework"] for s in suggestions} >= {
        "ESCO (European Skills, Competences, Qualifications and Occupations)",
        "O*NET (Occupational Information Network)",
    }
    assert client.post("/api/v1/skills/align", json={}).status_code == 422
    r = client.post(
        "/api/v1/achievements",
        headers=org_a.headers,
        json={
            "name": body["name"],
            "description": body["description"],
            "criteria": {"narrative": body["criteria"]},
        },
    )
    assert r.status_code in (200, 201), r.text
    aid = r.json()["id"]
    s = client.post(f"/api/v1/skills/achievements/{aid}/alignments", headers=org_a.headers).json()
    assert s["achievement"] == aid
    assert s["suggestions"]
    chosen = [x["alignment"] for x in s["suggestions"][:2]]
    accepted = client.post(
        f"/api/v1/skills/achievements/{aid}/alignments/accept",
        headers=org_a.headers,
        json={"alignments": chosen},
    )
    assert accepted.status_code == 200, accepted.text
    data = accepted.json()
    assert data["version"] == 2
    got = client.get(f"/api/v1/achievements/{aid}", headers=org_a.headers).json()
    assert json.dumps(got).count(chosen[0]["targetUrl"]) >= 1
    again = client.post(
        f"/api/v1/skills/achievements/{aid}/alignments", headers=org_a.headers
    ).json()
    assert chosen[0]["targetUrl"] not in {x["alignment"]["targetUrl"] for x in again["suggestions"]}


class _Registry(BaseHTTPRequestHandler):
    body: bytes = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def remote_registry() -> Iterator[str]:
    _Registry.body = json.dumps(
        {
            "results": [
                {
                    "framework": "state-skills",
                    "uri": "https://skills.example.org/excel",
                    "code": "ST.1",
                    "label": "Excel proficiency",
                    "confidence": 0.97,
                    "method": "alt_label",
                }
            ]
        }
    ).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_federated_search(remote_registry: str, db: Database, tmp_path: Path) -> None:
    from lerkit.api.app import create_app
    from lerkit.bootstrap import build_services

    settings = Settings(
        data_dir=tmp_path,
        database_url=db.url,
        public_url=PUBLIC_URL,
        skills_embeddings=False,
        allow_private_fetch=True,
        allow_http_fetch=True,
        skills_federation=(remote_registry, "http://127.0.0.1:9"),
    )
    services = build_services(settings, db)
    with TestClient(create_app(services)) as client:
        r = client.get("/api/v1/skills/search", params={"q": "Microsoft Excel"}).json()
        remote = [h for h in r["results"] if h["origin"] == remote_registry]
        assert remote
        assert remote[0]["label"] == "Excel proficiency"
        assert any(h["origin"] == "local" and h["label"] == "Microsoft Excel" for h in r["results"])
        status = {s["origin"]: s["status"] for s in r["sources"]}
        assert status[remote_registry] == "ok"
        assert status["http://127.0.0.1:9"] == "unavailable"
        local_only = client.get(
            "/api/v1/skills/search", params={"q": "Microsoft Excel", "federated": "false"}
        ).json()
        assert all(h["origin"] == "local" for h in local_only["results"])
