"""OpenID4VP with independent implementations.

* **Digital Bazaar** (``@digitalbazaar/vc``, through ``dbvc.mjs``): an issuer signs a
  credential for a holder's did:key, the holder signs a VP over it for the request's nonce
  (``challenge``) and client id (``domain``); lerkit's ``direct_post`` accepts it. A VP for
  another nonce or audience, or over a changed credential, is rejected with
  ``vp.nonce_mismatch`` / ``vp.audience_mismatch`` / ``vp.presentation_invalid``.
* **sd-jwt-js** (``@sd-jwt/sd-jwt-vc`` 0.19.0, through ``sdjwt.mjs``): an SD-JWT VC issued
  and presented by the JS library with a KB-JWT for the request's ``aud``/``nonce`` is
  accepted with exactly the disclosed claims; wrong nonce, wrong audience and a tampered
  signature are rejected with the right code.
* **dcql** (the OpenWallet Foundation's ``dcql`` 3.0.0, through ``oid4vp_dcql.mjs``): the
  queries lerkit makes (its templates) and the spec's examples parse there, and on a table
  of queries x credentials the two implementations agree on which queries match and
  whether the whole query is satisfied (and on which malformed queries to refuse).

The wallet's side reads the request as any wallet would: it fetches the request object
from ``request_uri`` and takes ``client_id``, ``nonce``, ``state`` and ``response_uri``
from it.
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.conftest as _api_fixtures
from api.conftest import make_tenant
from interop.node import INTEROP_DIR, NODE_MODULES, node_available, node_executable, run_dbvc
from lerkit.bootstrap import Services
from lerkit.core import dcql
from lerkit.core.dids import did_jwk
from lerkit.core.errors import InputError
from lerkit.core.jose import decode_unverified
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.services.oid4vp import templates
from support import FIXTURES, require

pytestmark = pytest.mark.interop

# the API suite's fixtures (app, client, services over a migrated database), by name
for _name in (
    "_postgres_worker_db",
    "_sqlite_template",
    "app",
    "client",
    "database_url",
    "db",
    "services",
    "settings",
):
    globals()[_name] = getattr(_api_fixtures, _name)

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
VCT = "https://credentials.example.org/ler/employment"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _node(script: str, command: str, stdin: Any) -> dict[str, Any]:
    node = node_executable()
    assert node is not None
    proc = subprocess.run(
        [node, str(INTEROP_DIR / script), command],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=INTEROP_DIR,
    )
    assert proc.returncode == 0, f"{script} {command}: {proc.stdout}\n{proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


@pytest.fixture(autouse=True)
def _requirements() -> None:
    require(
        node_available()
        and (NODE_MODULES / "dcql" / "package.json").is_file()
        and (NODE_MODULES / "@sd-jwt" / "sd-jwt-vc" / "package.json").is_file(),
        "Node with tests/interop/node_modules (@digitalbazaar/vc, @sd-jwt/sd-jwt-vc, dcql)",
    )


# ----------------------------------------------------------------------------- the verifier


def _request(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/presentation-requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    token = client.get(f"/oid4vp/requests/{made['id']}")
    assert token.status_code == 200
    _header, payload = decode_unverified(token.text)
    made["wallet_view"] = payload  # what a wallet reads: client_id, nonce, state, ...
    return made


def _post(client: TestClient, made: dict[str, Any], vp_token: dict[str, Any]) -> Any:
    params = made["wallet_view"]
    uri = params["response_uri"].removeprefix("https://lerkit.test")
    return client.post(uri, data={"vp_token": json.dumps(vp_token), "state": params["state"]})


def _status(client: TestClient, headers: dict[str, str], made: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = client.get(
        f"/api/v1/presentation-requests/{made['id']}", headers=headers
    ).json()
    return result


# ----------------------------------------------------------------------------- Digital Bazaar


@pytest.fixture(scope="module")
def db_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require(node_available(), "Node with tests/interop/node_modules")
    folder = tmp_path_factory.mktemp("oid4vp-keys")
    keys = {}
    for name, seed in (("issuer", "11"), ("holder", "22")):
        key = run_dbvc(["keygen", "--type", "ed25519", "--seed", seed * 32])
        path = folder / f"{name}.json"
        path.write_text(json.dumps(key))
        keys[name] = path
    return keys


def _did(path: Path) -> str:
    return str(json.loads(path.read_text())["did"])


SKILL = "https://skills.example/esco/analyse-data"


def _db_credential(keys: dict[str, Path]) -> dict[str, Any]:
    credential = {
        "@context": [VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6f1b8c0e-3a51-4f33-9a0b-6c4f5e2d1a77",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Analysis Fundamentals",
        "issuer": {"id": _did(keys["issuer"]), "type": ["Profile"], "name": "JS College"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": _did(keys["holder"]),
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://js-college.example/achievements/data",
                "type": ["Achievement"],
                "name": "Data Analysis Fundamentals",
                "description": "Collects, cleans and analyses data sets.",
                "criteria": {"narrative": "Passed the final assessment."},
                "alignment": [
                    {"type": ["Alignment"], "targetName": "analyse data", "targetUrl": SKILL}
                ],
            },
        },
    }
    return run_dbvc(
        ["sign-vc", "--key", str(keys["issuer"]), "--suite", "eddsa-rdfc-2022"], credential
    )


def _db_vp(keys: dict[str, Path], credential: dict[str, Any], challenge: str, domain: str) -> Any:
    return run_dbvc(
        [
            "sign-vp",
            "--key",
            str(keys["holder"]),
            "--suite",
            "eddsa-rdfc-2022",
            f"--challenge={challenge}",  # a nonce may start with "-": never a separate argument
            f"--domain={domain}",
        ],
        {"verifiableCredential": [credential], "holder": _did(keys["holder"])},
    )


@SQLITE_ONLY
def test_a_digital_bazaar_presentation_is_accepted(
    client: TestClient, services: Services, db_keys: dict[str, Path]
) -> None:
    org = make_tenant(services, "employer")
    made = _request(
        client,
        org.headers,
        template="ob3-skill",
        skill=SKILL,
        trustedIssuers=[_did(db_keys["issuer"])],
    )
    params = made["wallet_view"]
    credential = _db_credential(db_keys)
    vp = _db_vp(db_keys, credential, params["nonce"], params["client_id"])
    response = _post(client, made, {"badge": [vp]})
    assert response.status_code == 200, response.text
    view = _status(client, org.headers, made)
    assert view["status"] == "verified"
    [entry] = view["claims"]["badge"]
    assert entry["claims"]["skill"] == [SKILL]
    assert entry["claims"]["achievement"] == ["Data Analysis Fundamentals"]
    assert entry["issuer"] == _did(db_keys["issuer"])
    assert view["reports"][0]["verified"] is True


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong-nonce", "vp.nonce_mismatch"),
        ("wrong-audience", "vp.audience_mismatch"),
        ("tampered", "vp.presentation_invalid"),
        ("other-holder", "vp.holder_binding"),
    ],
)
def test_bad_digital_bazaar_presentations_are_rejected(
    client: TestClient, services: Services, db_keys: dict[str, Path], case: str, code: str
) -> None:
    org = make_tenant(services, "employer")
    made = _request(client, org.headers, template="vc-type", type="OpenBadgeCredential")
    params = made["wallet_view"]
    credential = _db_credential(db_keys)
    nonce, domain = params["nonce"], params["client_id"]
    keys = dict(db_keys)
    if case == "wrong-nonce":
        nonce = "an-older-nonce-0000000000"
    elif case == "wrong-audience":
        domain = "decentralized_identifier:did:web:elsewhere.example"
    elif case == "tampered":
        credential = copy.deepcopy(credential)
        credential["credentialSubject"]["achievement"]["name"] = "Chief data officer"
    elif case == "other-holder":  # a VP by the issuer, not by the credential's subject
        keys["holder"] = db_keys["issuer"]
    vp = _db_vp(keys, credential, nonce, domain)
    response = _post(client, made, {"ldp": [vp]})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    view = _status(client, org.headers, made)
    assert view["status"] == "rejected"
    assert view["error"]["code"] == code
    assert view["claims"] == {}


# ----------------------------------------------------------------------------- sd-jwt-js


ISSUER = PrivateKey.generate(KeyType.P256, b"oid4vp-interop-issuer-p256-key-material!")
HOLDER = PrivateKey.generate(KeyType.P256, b"oid4vp-interop-holder-p256-key-material!")


def _js_credential() -> str:
    iss = did_jwk(ISSUER.public_key)
    issued = _node(
        "sdjwt.mjs",
        "issue",
        {
            "claims": {
                "iss": iss,
                "vct": VCT,
                "iat": int(datetime.now(UTC).timestamp()) - 60,
                "given_name": "Ada",
                "family_name": "Lovelace",
                "role": "Data analyst",
            },
            "frame": {"_sd": ["given_name", "family_name", "role"]},
            "issuer_jwk": ISSUER.private_jwk,
            "kid": f"{iss}#0",
            "holder_jwk": HOLDER.public_key.jwk,
        },
    )
    return str(issued["credential"])


def _js_present(credential: str, *, aud: str, nonce: str) -> str:
    presented = _node(
        "sdjwt.mjs",
        "present",
        {
            "credential": credential,
            "frame": {"role": True},
            "holder_jwk": HOLDER.private_jwk,
            "aud": aud,
            "nonce": nonce,
        },
    )
    return str(presented["presentation"])


@SQLITE_ONLY
def test_an_sd_jwt_js_presentation_is_accepted(client: TestClient, services: Services) -> None:
    org = make_tenant(services, "employer")
    made = _request(client, org.headers, template="sd-jwt-vc", vct=VCT, claims=["role"])
    params = made["wallet_view"]
    presentation = _js_present(_js_credential(), aud=params["client_id"], nonce=params["nonce"])
    response = _post(client, made, {"credential": [presentation]})
    assert response.status_code == 200, response.text
    view = _status(client, org.headers, made)
    assert view["status"] == "verified"
    [entry] = view["claims"]["credential"]
    assert entry["claims"] == {"0": ["Data analyst"]}
    assert entry["disclosed"]["role"] == "Data analyst"
    assert "given_name" not in entry["disclosed"]
    assert "family_name" not in entry["disclosed"]
    assert entry["issuer"] == did_jwk(ISSUER.public_key)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong-nonce", "vp.nonce_mismatch"),
        ("wrong-audience", "vp.audience_mismatch"),
        ("tampered", "vp.presentation_invalid"),
        ("no-key-binding", "vp.holder_binding"),
    ],
)
def test_bad_sd_jwt_js_presentations_are_rejected(
    client: TestClient, services: Services, case: str, code: str
) -> None:
    org = make_tenant(services, "employer")
    made = _request(client, org.headers, template="sd-jwt-vc", vct=VCT, claims=["role"])
    params = made["wallet_view"]
    aud, nonce = params["client_id"], params["nonce"]
    if case == "wrong-nonce":
        nonce = "an-older-nonce-0000000000"
    elif case == "wrong-audience":
        aud = "decentralized_identifier:did:web:elsewhere.example"
    presentation = _js_present(_js_credential(), aud=aud, nonce=nonce)
    if case == "tampered":  # change the issuer's signature
        jwt, rest = presentation.split("~", 1)
        head, body, signature = jwt.split(".")
        flipped = "A" if signature[5] != "A" else "B"
        presentation = f"{head}.{body}.{signature[:5]}{flipped}{signature[6:]}~{rest}"
    elif case == "no-key-binding":
        presentation = presentation.rsplit("~", 1)[0] + "~"
    response = _post(client, made, {"credential": [presentation]})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert _status(client, org.headers, made)["status"] == "rejected"


# ----------------------------------------------------------------------------- dcql


def _credential_for_js(candidate: dcql.Candidate) -> dict[str, Any]:
    if candidate.format in dcql.SD_JWT_FORMATS:
        return {
            "credential_format": "dc+sd-jwt",
            "vct": candidate.vct,
            "claims": candidate.claims,
            "cryptographic_holder_binding": candidate.holder_binding,
        }
    return {
        "credential_format": candidate.format,
        "type": list(candidate.types),
        "claims": candidate.claims,
        "cryptographic_holder_binding": candidate.holder_binding,
    }


OB3 = {
    "@context": [VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:web:college.example", "type": ["Profile"]},
    "credentialSubject": {
        "id": "did:key:z6Mkholder",
        "achievement": {
            "name": "Data Analysis Fundamentals",
            "alignment": [
                {"targetName": "teamwork", "targetUrl": "https://skills.example/teamwork"},
                {"targetName": "analyse data", "targetUrl": "https://skills.example/data"},
            ],
        },
    },
}
OB3_TYPES = (
    "VerifiableCredential",
    "OpenBadgeCredential",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
)
BADGE = dcql.Candidate("badge", "ldp_vc", OB3, types=OB3_TYPES)
BADGE_JWT = dcql.Candidate("badge-jwt", "jwt_vc_json", OB3, types=OB3_TYPES)
UNBOUND = dcql.Candidate("unbound", "ldp_vc", OB3, types=OB3_TYPES, holder_binding=False)
PID_VCT = "https://credentials.example.com/identity_credential"
PID = dcql.Candidate(
    "pid",
    "dc+sd-jwt",
    {
        "vct": PID_VCT,
        "given_name": "John",
        "family_name": "Doe",
        "birthdate": "1940-01-01",
        "address": {"street_address": "1 Main St"},
        "postal_code": "90210",
        "over_18": True,
        "nationalities": ["DE", "FR"],
    },
    vct=PID_VCT,
)
SD_BADGE = dcql.Candidate(
    "sd-badge",
    "dc+sd-jwt",
    {"vct": "https://college.example/vct/open-badge", "achievement": {"name": "Data"}},
    vct="https://college.example/vct/open-badge",
)


def _q(*credentials: dict[str, Any], sets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"credentials": list(credentials)}
    if sets is not None:
        out["credential_sets"] = sets
    return out


def _sd(id_: str = "q", vct: str = PID_VCT, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "format": "dc+sd-jwt", "meta": {"vct_values": [vct]}, **extra}


def _examples() -> list[dict[str, Any]]:
    names = [
        "simple.json",
        "value_matching_simple.json",
        "claims_alternatives.json",
        "credentials_alternatives.json",
        "dcql_ldp_vc.json",
        "dcql_jwt_vc.json",
        "complex_mdoc.json",
    ]
    return [json.loads((FIXTURES / "oid4vp" / n).read_text("utf-8")) for n in names]


ALL = [BADGE, BADGE_JWT, UNBOUND, PID, SD_BADGE]
CASES: list[tuple[str, dict[str, Any] | Any, list[dcql.Candidate]]] = [
    *[(f"example-{i}", q, ALL) for i, q in enumerate(_examples())],
    (
        "ob3-skill-url",
        templates.build("ob3-skill", {"skill": "https://skills.example/data"}).dcql,
        ALL,
    ),
    ("ob3-skill-name", templates.build("ob3-skill", {"skill": "analyse data"}).dcql, ALL),
    ("ob3-skill-absent", templates.build("ob3-skill", {"skill": "juggling"}).dcql, ALL),
    (
        "ob3-trusted",
        templates.build(
            "ob3-skill", {"skill": "teamwork", "trusted_issuers": ["did:web:college.example"]}
        ).dcql,
        ALL,
    ),
    (
        "ob3-untrusted",
        templates.build(
            "ob3-skill", {"skill": "teamwork", "trusted_issuers": ["did:web:other.example"]}
        ).dcql,
        ALL,
    ),
    (
        "sd-jwt-vc",
        templates.build(
            "sd-jwt-vc",
            {"vct": "https://college.example/vct/open-badge", "claims": ["achievement.name"]},
        ).dcql,
        ALL,
    ),
    ("vc-type", templates.build("vc-type", {"type": "OpenBadgeCredential"}).dcql, [BADGE_JWT]),
    ("vc-type-none", templates.build("vc-type", {"type": "UniversityDegree"}).dcql, ALL),
    ("values-bool", _q(_sd(claims=[{"path": ["over_18"], "values": [True]}])), ALL),
    ("values-int-vs-bool", _q(_sd(claims=[{"path": ["over_18"], "values": [1]}])), ALL),
    ("values-string-vs-int", _q(_sd(claims=[{"path": ["postal_code"], "values": [90210]}])), ALL),
    ("array-index", _q(_sd(claims=[{"path": ["nationalities", 1], "values": ["FR"]}])), ALL),
    ("array-index-out", _q(_sd(claims=[{"path": ["nationalities", 5]}])), ALL),
    ("array-wildcard", _q(_sd(claims=[{"path": ["nationalities", None], "values": ["DE"]}])), ALL),
    ("not-an-array", _q(_sd(claims=[{"path": ["given_name", 0]}])), ALL),
    (
        "binding-not-required",
        _q(
            {
                "id": "b",
                "format": "ldp_vc",
                "require_cryptographic_holder_binding": False,
                "meta": {"type_values": [["OpenBadgeCredential"]]},
            }
        ),
        [UNBOUND],
    ),
    (
        "binding-required",
        _q({"id": "b", "format": "ldp_vc", "meta": {"type_values": [["OpenBadgeCredential"]]}}),
        [UNBOUND],
    ),
    (
        "optional-set",
        _q(
            _sd("a"),
            _sd("b", vct="urn:none"),
            sets=[{"options": [["a"]]}, {"options": [["b"]], "required": False}],
        ),
        ALL,
    ),
    (
        "required-set-missing",
        _q(_sd("a"), _sd("b", vct="urn:none"), sets=[{"options": [["b"]]}]),
        ALL,
    ),
    ("no-sets-all-needed", _q(_sd("a"), _sd("b", vct="urn:none")), ALL),
    (
        "claim-sets",
        _q(
            _sd(
                claims=[{"id": "x", "path": ["missing"]}, {"id": "y", "path": ["given_name"]}],
                claim_sets=[["x"], ["y"]],
            )
        ),
        ALL,
    ),
    (
        "claim-sets-none",
        _q(
            _sd(
                claims=[{"id": "x", "path": ["missing"]}, {"id": "y", "path": ["given_name"]}],
                claim_sets=[["x"]],
            )
        ),
        ALL,
    ),
    # refused by both
    ("bad-id", _q({"id": "a b", "format": "ldp_vc", "meta": {"type_values": [["X"]]}}), ALL),
    ("empty", {"credentials": []}, ALL),
    ("dup-ids", _q(_sd("a"), _sd("a")), ALL),
    ("bad-path", _q(_sd(claims=[{"path": [-1]}])), ALL),
    ("empty-path", _q(_sd(claims=[{"path": []}])), ALL),
    ("bad-values", _q(_sd(claims=[{"path": ["x"], "values": [{"o": 1}]}])), ALL),
    ("unknown-claim-set", _q(_sd(claims=[{"id": "x", "path": ["x"]}], claim_sets=[["y"]])), ALL),
    ("unknown-set-member", _q(_sd("a"), sets=[{"options": [["z"]]}]), ALL),
    ("w3c-without-type-values", _q({"id": "a", "format": "ldp_vc", "meta": {}}), ALL),
    ("unknown-format", _q({"id": "a", "format": "pdf", "meta": {}}), ALL),
]


def test_lerkit_and_the_dcql_package_agree() -> None:
    payload = {
        "cases": [
            {"query": query, "credentials": [_credential_for_js(c) for c in candidates]}
            for _name, query, candidates in CASES
        ]
    }
    results = _node("oid4vp_dcql.mjs", "check", payload)["results"]
    assert len(results) == len(CASES)
    disagreements = []
    parsed_both = 0
    for (name, query, candidates), js in zip(CASES, results, strict=True):
        try:
            parsed = dcql.parse_query(query)
        except InputError:
            if js["parsed"]:
                disagreements.append((name, "lerkit refuses, dcql parses"))
            continue
        if not js["parsed"]:
            disagreements.append((name, f"dcql refuses: {js['error']}"))
            continue
        parsed_both += 1
        evaluation = dcql.evaluate(parsed, candidates)
        ours = {qid: o.success for qid, o in evaluation.outcomes.items()}
        if ours != js["matches"] or evaluation.satisfiable != js["can_be_satisfied"]:
            disagreements.append(
                (
                    name,
                    {
                        "lerkit": [ours, evaluation.satisfiable],
                        "dcql": [js["matches"], js["can_be_satisfied"]],
                    },
                )
            )
    assert disagreements == []
    assert parsed_both >= 25  # the table is mostly about evaluation, not refusals
    satisfied = [r["can_be_satisfied"] for r in results if r["parsed"]]
    assert True in satisfied
    assert False in satisfied
