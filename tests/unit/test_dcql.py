"""DCQL (OpenID4VP 1.0 §6-§7): the spec's examples parse; claims paths, values, claim sets,
credential sets, meta and holder binding decide matches; malformed queries are refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lerkit.core import dcql
from lerkit.core.errors import InputError, ProblemCode
from support import FIXTURES

EXAMPLES = FIXTURES / "oid4vp"
QUERIES = sorted(
    p.name
    for p in EXAMPLES.glob("*.json")
    if p.name not in ("ldp_vc.json", "sd_jwt_vc_unsecured.json")
)
PID = "https://credentials.example.com/identity_credential"


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def _pid(**claims: Any) -> dcql.Candidate:
    base = {"vct": PID, **claims}
    return dcql.Candidate("pid", "dc+sd-jwt", base, vct=PID)


@pytest.mark.parametrize("name", QUERIES)
def test_the_specs_examples_parse_and_round_trip(name: str) -> None:
    raw = _load(name)
    query = dcql.parse_query(raw)
    again = dcql.parse_query(query.to_json())
    assert again == query
    assert [q.id for q in query.credentials] == [c["id"] for c in raw["credentials"]]


def test_simple_query_against_the_specs_sd_jwt_credential() -> None:
    query = dcql.parse_query(_load("simple.json"))
    claims = _load("sd_jwt_vc_unsecured.json")
    candidate = dcql.Candidate("c", "dc+sd-jwt", claims, vct=claims["vct"])
    result = dcql.evaluate(query, [candidate])
    # the example credential has no address: it does not answer
    assert result.satisfiable is False
    assert "address.street_address" in result.outcomes["my_credential"].failures["c"]
    with_address = dcql.Candidate(
        "d", "dc+sd-jwt", {**claims, "address": {"street_address": "1 Main St"}}, vct=PID
    )
    result = dcql.evaluate(query, [candidate, with_address])
    assert result.satisfiable is True
    [match] = result.outcomes["my_credential"].matches
    assert match.ref == "d"
    assert match.pointers == ["/family_name", "/given_name", "/address/street_address"]


def test_ldp_vc_query_against_the_specs_credential() -> None:
    query = dcql.parse_query(_load("dcql_ldp_vc.json"))
    credential = _load("ldp_vc.json")
    candidate = dcql.Candidate(
        "vc", "ldp_vc", credential, types=tuple(credential["type"]), holder_binding=True
    )
    result = dcql.evaluate(query, [candidate])
    assert result.satisfiable
    assert len(result.outcomes["example_ldp_vc"].matches[0].disclosed) == 7
    as_jwt = dcql.Candidate("vc", "jwt_vc_json", credential, types=tuple(credential["type"]))
    assert not dcql.evaluate(query, [as_jwt]).satisfiable  # wrong format
    unbound = dcql.Candidate(
        "vc", "ldp_vc", credential, types=("IDCredential",), holder_binding=False
    )
    why = dcql.match_candidate(query.credentials[0], unbound)
    assert why == "the credential is not bound to the holder's key"
    relaxed = copy.deepcopy(_load("dcql_ldp_vc.json"))
    relaxed["credentials"][0]["require_cryptographic_holder_binding"] = False
    assert dcql.evaluate(dcql.parse_query(relaxed), [unbound]).satisfiable


def test_values_match_type_and_value() -> None:
    query = dcql.parse_query(_load("value_matching_simple.json"))
    good = _pid(
        family_name="Doe", given_name="J", address={"street_address": "x"}, postal_code="90210"
    )
    assert dcql.evaluate(query, [good]).satisfiable
    for bad in (
        {"family_name": "Dough"},
        {"postal_code": "90212"},
        {"postal_code": 90210},  # a number is not the string "90210"
    ):
        claims = {**good.claims, **bad}
        candidate = dcql.Candidate("pid", "dc+sd-jwt", claims, vct=PID)
        assert not dcql.evaluate(query, [candidate]).satisfiable, bad
    flags = dcql.parse_query(
        {
            "credentials": [
                {
                    "id": "c",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [PID]},
                    "claims": [{"path": ["over_18"], "values": [True]}],
                }
            ]
        }
    )
    assert dcql.evaluate(flags, [_pid(over_18=True)]).satisfiable
    assert not dcql.evaluate(flags, [_pid(over_18=1)]).satisfiable  # true is not 1


def test_claim_sets_pick_the_first_satisfiable_set() -> None:
    query = dcql.parse_query(_load("claims_alternatives.json"))
    both = _pid(family_name="D", postal_code="1", locality="L", region="R", date_of_birth="x")
    [match] = dcql.evaluate(query, [both]).outcomes["pid"].matches
    assert match.claim_set == 0
    assert match.pointers == ["/family_name", "/locality", "/region", "/date_of_birth"]
    second = _pid(family_name="D", postal_code="1", date_of_birth="x")
    [match] = dcql.evaluate(query, [second]).outcomes["pid"].matches
    assert match.claim_set == 1
    assert set(match.values) == {"a", "b", "e"}
    assert not dcql.evaluate(query, [_pid(family_name="D")]).satisfiable


def test_credential_sets_required_and_optional() -> None:
    query = dcql.parse_query(_load("credentials_alternatives.json"))

    def cand(ref: str, vct: str, **claims: Any) -> dcql.Candidate:
        return dcql.Candidate(ref, "dc+sd-jwt", {"vct": vct, **claims}, vct=vct)

    reduced1 = cand(
        "r1",
        "https://credentials.example.com/reduced_identity_credential",
        family_name="D",
        given_name="J",
    )
    reduced2 = cand(
        "r2", "https://cred.example/residence_credential", postal_code="1", locality="L", region="R"
    )
    rewards = cand("n", "https://company.example/company_rewards", rewards_number=7)
    assert not dcql.evaluate(query, [reduced1]).satisfiable
    result = dcql.evaluate(query, [reduced1, reduced2])
    assert result.satisfiable  # the optional rewards set may stay unanswered
    assert dcql.choose(query, result) == ["pid_reduced_cred_1", "pid_reduced_cred_2"]
    result = dcql.evaluate(query, [reduced1, reduced2, rewards])
    assert dcql.choose(query, result) == [
        "pid_reduced_cred_1",
        "pid_reduced_cred_2",
        "nice_to_have",
    ]
    assert dcql.satisfied(query, ["pid"])
    assert not dcql.satisfied(query, ["nice_to_have"])


def test_mdoc_queries_parse_but_match_nothing() -> None:
    query = dcql.parse_query(_load("complex_mdoc.json"))
    assert not dcql.evaluate(query, [_pid()]).satisfiable


def test_type_values_alternatives() -> None:
    query = dcql.parse_query(
        {
            "credentials": [
                {
                    "id": "b",
                    "format": "ldp_vc",
                    "meta": {"type_values": [["A", "B"], ["C"]]},
                }
            ]
        }
    )

    def with_types(*types: str) -> bool:
        return dcql.evaluate(query, [dcql.Candidate("x", "ldp_vc", {}, types=types)]).satisfiable

    assert with_types("VerifiableCredential", "B", "A")
    assert with_types("C")
    assert not with_types("A")
    assert not with_types()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["a", "b"], [(("a", "b"), 1)]),
        (["list", None, "x"], [(("list", 0, "x"), 1), (("list", 2, "x"), 3)]),
        (["list", 1], [(("list", 1), {"y": 2})]),
        (
            ["list", None],
            [(("list", 0), {"x": 1}), (("list", 1), {"y": 2}), (("list", 2), {"x": 3})],
        ),
    ],
)
def test_claims_path_selection(path: list[Any], expected: list[Any]) -> None:
    data = {"a": {"b": 1}, "list": [{"x": 1}, {"y": 2}, {"x": 3}]}
    assert dcql.select(data, path) == expected


@pytest.mark.parametrize(
    "path", [["missing"], ["a", 0], ["a", None], ["list", "x"], ["list", 9], ["a", "b", "c"]]
)
def test_claims_path_errors(path: list[Any]) -> None:
    data = {"a": {"b": 1}, "list": [{"x": 1}]}
    with pytest.raises(dcql.PathError):
        dcql.select(data, path)


def test_a_null_claim_is_not_a_claim() -> None:
    claim = dcql.ClaimQuery(path=("a",))
    assert dcql.match_claim({"a": None}, claim) is None
    assert dcql.match_claim({"a": 0}, claim) == [(("a",), 0)]


BAD = [
    ({}, "credentials"),
    ({"credentials": []}, "must not be empty"),
    ({"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {"type_values": [["X"]]}}]}, "id"),
    ({"credentials": [{"id": "a", "format": "pdf", "meta": {}}]}, "format"),
    ({"credentials": [{"id": "a", "format": "ldp_vc"}]}, "meta is required"),
    ({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]}, "type_values"),
    ({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[]]}}]}, "empty"),
    (
        {"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {}, "claims": [{"path": []}]}]},
        "path",
    ),
    (
        {
            "credentials": [
                {"id": "a", "format": "dc+sd-jwt", "meta": {}, "claims": [{"path": [-1]}]}
            ]
        },
        "non-negative",
    ),
    (
        {
            "credentials": [
                {"id": "a", "format": "dc+sd-jwt", "meta": {}, "claims": [{"path": [1.5]}]}
            ]
        },
        "non-negative",
    ),
    (
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "dc+sd-jwt",
                    "meta": {},
                    "claims": [{"path": ["x"], "values": [{"o": 1}]}],
                }
            ]
        },
        "values",
    ),
    (
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "dc+sd-jwt",
                    "meta": {},
                    "claims": [{"id": "x", "path": ["x"]}],
                    "claim_sets": [["y"]],
                }
            ]
        },
        "unknown claim",
    ),
    (
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "dc+sd-jwt",
                    "meta": {},
                    "claims": [{"path": ["x"]}],
                    "claim_sets": [["x"]],
                }
            ]
        },
        "every claim needs an id",
    ),
    (
        {
            "credentials": [
                {"id": "a", "format": "dc+sd-jwt", "meta": {}},
                {"id": "a", "format": "dc+sd-jwt", "meta": {}},
            ]
        },
        "used twice",
    ),
    (
        {
            "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {}}],
            "credential_sets": [{"options": [["b"]]}],
        },
        "unknown query",
    ),
    (
        {
            "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {}, "multiple": "yes"}],
        },
        "multiple",
    ),
    (
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "dc+sd-jwt",
                    "meta": {},
                    "trusted_authorities": [{"type": "x509", "values": ["a"]}],
                }
            ],
        },
        "trusted_authorities",
    ),
    ([], "object"),
]


@pytest.mark.parametrize(("query", "message"), BAD)
def test_malformed_queries_are_refused(query: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        dcql.parse_query(query)
    assert caught.value.code is ProblemCode.DCQL_INVALID
    assert message in caught.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_parse_never_raises_anything_but_input_error(value: Any) -> None:
    for candidate in (value, {"credentials": value}, {"credentials": [value]}):
        code = ProblemCode.DCQL_INVALID
        try:
            dcql.parse_query(candidate)
        except InputError as exc:
            code = exc.code
        assert code is ProblemCode.DCQL_INVALID


@settings(max_examples=200, deadline=None)
@given(
    json_values,
    st.lists(st.none() | st.text(max_size=3) | st.integers(0, 3), min_size=1, max_size=4),
)
def test_select_only_raises_path_error(data: Any, path: list[Any]) -> None:
    try:
        found = dcql.select(data, path)
    except dcql.PathError:
        return
    assert found
    for pointer, value in found:
        node = data
        for step in pointer:
            node = node[step]
        assert node == value
