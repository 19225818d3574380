"""DCQL, the Digital Credentials Query Language of OpenID4VP 1.0 (§6-§7): parse, evaluate.

Pure: no I/O. A verifier writes a query; a wallet evaluates it against the credentials it
holds; the verifier evaluates it again against what was presented.

* :func:`parse_query` checks a query's shape (ids, formats, ``meta``, claims paths,
  ``values``, ``claim_sets``, ``credential_sets``) and returns a :class:`DcqlQuery`; any
  problem raises :class:`InputError` with ``dcql.invalid``.
* :func:`select` applies a claims path pointer (§7: strings select object members,
  ``null`` every array element, integers one element) to a JSON value.
* :func:`evaluate` matches a query against :class:`Candidate` credentials (format, types or
  ``vct``, the claims as JSON, whether they are bound to the holder's key): per credential
  query, which candidates satisfy it, through which claim set, disclosing which claims
  (JSON pointers into the candidate's claims); and whether the whole query can be
  satisfied (its required credential sets, or else every credential query).

``type_values`` are compared with the candidate's ``types`` as the caller lists them: give
both the compact names and the expanded IRIs (``lerkit.core.oid4vp.credential_types``),
since the spec asks for expanded IRIs and its own examples use compact names.
``trusted_authorities`` (X.509 AKI, ETSI trusted lists, OpenID Federation) are parsed but
lerkit cannot evaluate them, so a query that has them matches no candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.types import JsonObject

FORMATS = ("dc+sd-jwt", "vc+sd-jwt", "ldp_vc", "jwt_vc_json", "mso_mdoc")
W3C_FORMATS = ("ldp_vc", "jwt_vc_json")
SD_JWT_FORMATS = ("dc+sd-jwt", "vc+sd-jwt")
TRUSTED_AUTHORITY_TYPES = ("aki", "etsi_tl", "openid_federation")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CREDENTIALS = 50
MAX_CLAIMS = 100
MAX_PATH = 32
MAX_VALUES = 100

PathElement = str | int | None
Pointer = tuple[str | int, ...]
"""A concrete location in a JSON value (no wildcards): object keys and array indexes."""


def _invalid(message: str) -> InputError:
    return InputError(f"invalid DCQL query: {message}", ProblemCode.DCQL_INVALID)


@dataclass(frozen=True)
class ClaimQuery:
    path: tuple[PathElement, ...]
    id: str | None = None
    values: tuple[str | int | bool, ...] | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {}
        if self.id is not None:
            out["id"] = self.id
        out["path"] = list(self.path)
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class CredentialQuery:
    id: str
    format: str
    meta: JsonObject
    claims: tuple[ClaimQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    multiple: bool = False
    require_binding: bool = True
    trusted_authorities: tuple[JsonObject, ...] | None = None

    def claim(self, claim_id: str) -> ClaimQuery:
        for c in self.claims or ():
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)

    def to_json(self) -> JsonObject:
        out: JsonObject = {"id": self.id, "format": self.format, "meta": self.meta}
        if self.multiple:
            out["multiple"] = True
        if not self.require_binding:
            out["require_cryptographic_holder_binding"] = False
        if self.trusted_authorities is not None:
            out["trusted_authorities"] = list(self.trusted_authorities)
        if self.claims is not None:
            out["claims"] = [c.to_json() for c in self.claims]
        if self.claim_sets is not None:
            out["claim_sets"] = [list(s) for s in self.claim_sets]
        return out


@dataclass(frozen=True)
class CredentialSetQuery:
    options: tuple[tuple[str, ...], ...]
    required: bool = True
    purpose: Any = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"options": [list(o) for o in self.options]}
        if not self.required:
            out["required"] = False
        if self.purpose is not None:
            out["purpose"] = self.purpose
        return out


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def query(self, query_id: str) -> CredentialQuery:
        for q in self.credentials:
            if q.id == query_id:
                return q
        raise KeyError(query_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.credentials)

    def to_json(self) -> JsonObject:
        out: JsonObject = {"credentials": [q.to_json() for q in self.credentials]}
        if self.credential_sets is not None:
            out["credential_sets"] = [s.to_json() for s in self.credential_sets]
        return out

    def purposes(self) -> list[str]:
        """The ``purpose`` strings of the credential sets (shown to the holder)."""
        return [
            s.purpose
            for s in self.credential_sets or ()
            if isinstance(s.purpose, str) and s.purpose
        ]


# --------------------------------------------------------------------------- parsing


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be a JSON object")
    return value


def _array(value: object, where: str, *, limit: int, empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid(f"{where} must be an array")
    if not value and not empty:
        raise _invalid(f"{where} must not be empty")
    if len(value) > limit:
        raise _invalid(f"{where} has more than {limit} entries")
    return value


def _identifier(value: object, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise _invalid(f"{where} must be 1-64 letters, digits, '_' or '-'")
    return value


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(f"{where} must be true or false")
    return value


def _path(value: object, where: str) -> tuple[PathElement, ...]:
    items = _array(value, where, limit=MAX_PATH)
    out: list[PathElement] = []
    for i, item in enumerate(items):
        index = isinstance(item, int) and not isinstance(item, bool) and item >= 0
        if item is None or isinstance(item, str) or index:
            out.append(item)
        else:
            raise _invalid(f"{where}[{i}] must be a string, null or a non-negative integer")
    return tuple(out)


def _values(value: object, where: str) -> tuple[str | int | bool, ...]:
    items = _array(value, where, limit=MAX_VALUES)
    for i, item in enumerate(items):
        if not isinstance(item, str | int | bool):
            raise _invalid(f"{where}[{i}] must be a string, an integer or a boolean")
    return tuple(items)


def _meta(fmt: str, value: object, where: str) -> JsonObject:
    meta = dict(_object(value, where))
    if fmt in W3C_FORMATS:
        alternatives = _array(meta.get("type_values"), f"{where}.type_values", limit=20)
        for i, alt in enumerate(alternatives):
            types = _array(alt, f"{where}.type_values[{i}]", limit=20)
            if not all(isinstance(t, str) and t for t in types):
                raise _invalid(f"{where}.type_values[{i}] must hold non-empty strings")
    elif fmt in SD_JWT_FORMATS:
        if "vct_values" in meta:
            vcts = _array(meta["vct_values"], f"{where}.vct_values", limit=50)
            if not all(isinstance(t, str) and t for t in vcts):
                raise _invalid(f"{where}.vct_values must hold non-empty strings")
    elif (
        fmt == "mso_mdoc" and "doctype_value" in meta and not isinstance(meta["doctype_value"], str)
    ):
        raise _invalid(f"{where}.doctype_value must be a string")
    return meta


def _credential_query(value: object, index: int) -> CredentialQuery:
    where = f"credentials[{index}]"
    q = _object(value, where)
    query_id = _identifier(q.get("id"), f"{where}.id")
    fmt = q.get("format")
    if fmt not in FORMATS:
        raise _invalid(f"{where}.format must be one of {', '.join(FORMATS)}")
    assert isinstance(fmt, str)
    if "meta" not in q:
        raise _invalid(f"{where}.meta is required")
    meta = _meta(fmt, q["meta"], f"{where}.meta")
    multiple = _boolean(q.get("multiple", False), f"{where}.multiple")
    binding = _boolean(
        q.get("require_cryptographic_holder_binding", True),
        f"{where}.require_cryptographic_holder_binding",
    )
    authorities: tuple[JsonObject, ...] | None = None
    if "trusted_authorities" in q:
        items = _array(q["trusted_authorities"], f"{where}.trusted_authorities", limit=20)
        parsed: list[JsonObject] = []
        for i, item in enumerate(items):
            ta = _object(item, f"{where}.trusted_authorities[{i}]")
            if ta.get("type") not in TRUSTED_AUTHORITY_TYPES:
                raise _invalid(
                    f"{where}.trusted_authorities[{i}].type must be one of "
                    + ", ".join(TRUSTED_AUTHORITY_TYPES)
                )
            vals = _array(ta.get("values"), f"{where}.trusted_authorities[{i}].values", limit=50)
            if not all(isinstance(v, str) and v for v in vals):
                raise _invalid(f"{where}.trusted_authorities[{i}].values must hold strings")
            parsed.append({"type": ta["type"], "values": list(vals)})
        authorities = tuple(parsed)
    claims: tuple[ClaimQuery, ...] | None = None
    if "claims" in q:
        items = _array(q["claims"], f"{where}.claims", limit=MAX_CLAIMS)
        parsed_claims: list[ClaimQuery] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            cw = f"{where}.claims[{i}]"
            c = _object(item, cw)
            claim_id = None
            if "id" in c:
                claim_id = _identifier(c["id"], f"{cw}.id")
                if claim_id in seen:
                    raise _invalid(f"{cw}.id {claim_id!r} is used twice")
                seen.add(claim_id)
            if fmt == "mso_mdoc" and "path" not in c:
                if not isinstance(c.get("namespace"), str) or not isinstance(
                    c.get("claim_name"), str
                ):
                    raise _invalid(f"{cw} needs a path (or namespace and claim_name)")
                path: tuple[PathElement, ...] = (c["namespace"], c["claim_name"])
            else:
                path = _path(c.get("path"), f"{cw}.path")
            values = _values(c["values"], f"{cw}.values") if "values" in c else None
            parsed_claims.append(ClaimQuery(path=path, id=claim_id, values=values))
        claims = tuple(parsed_claims)
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    if "claim_sets" in q:
        if claims is None:
            raise _invalid(f"{where}.claim_sets needs claims")
        ids = {c.id for c in claims}
        if None in ids:
            raise _invalid(f"{where}: with claim_sets, every claim needs an id")
        sets = _array(q["claim_sets"], f"{where}.claim_sets", limit=50)
        parsed_sets: list[tuple[str, ...]] = []
        for i, s in enumerate(sets):
            members = _array(s, f"{where}.claim_sets[{i}]", limit=MAX_CLAIMS)
            for m in members:
                if _identifier(m, f"{where}.claim_sets[{i}]") not in ids:
                    raise _invalid(f"{where}.claim_sets[{i}] names an unknown claim {m!r}")
            parsed_sets.append(tuple(members))
        claim_sets = tuple(parsed_sets)
    return CredentialQuery(
        id=query_id,
        format=fmt,
        meta=meta,
        claims=claims,
        claim_sets=claim_sets,
        multiple=multiple,
        require_binding=binding,
        trusted_authorities=authorities,
    )


def parse_query(value: object) -> DcqlQuery:
    """Check a DCQL query (a parsed JSON object); raise ``dcql.invalid`` if it is not one."""
    q = _object(value, "the query")
    items = _array(q.get("credentials"), "credentials", limit=MAX_CREDENTIALS)
    credentials = tuple(_credential_query(item, i) for i, item in enumerate(items))
    ids = [c.id for c in credentials]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _invalid(f"credential query ids are used twice: {', '.join(duplicates)}")
    sets: tuple[CredentialSetQuery, ...] | None = None
    if "credential_sets" in q:
        raw = _array(q["credential_sets"], "credential_sets", limit=20)
        parsed: list[CredentialSetQuery] = []
        for i, item in enumerate(raw):
            s = _object(item, f"credential_sets[{i}]")
            options = _array(s.get("options"), f"credential_sets[{i}].options", limit=20)
            opts: list[tuple[str, ...]] = []
            for j, option in enumerate(options):
                members = _array(option, f"credential_sets[{i}].options[{j}]", limit=50)
                for m in members:
                    if _identifier(m, f"credential_sets[{i}].options[{j}]") not in ids:
                        raise _invalid(
                            f"credential_sets[{i}].options[{j}] names an unknown query {m!r}"
                        )
                opts.append(tuple(members))
            required = _boolean(s.get("required", True), f"credential_sets[{i}].required")
            purpose = s.get("purpose")
            if purpose is not None and not isinstance(purpose, str | int | float | dict):
                raise _invalid(f"credential_sets[{i}].purpose must be a string, number or object")
            parsed.append(CredentialSetQuery(tuple(opts), required, purpose))
        sets = tuple(parsed)
    return DcqlQuery(credentials, sets)


# --------------------------------------------------------------------------- claims paths


class PathError(Exception):
    """The path does not fit the data (§7: "abort processing and return an error")."""


def select(data: Any, path: Sequence[PathElement]) -> list[tuple[Pointer, Any]]:
    """The elements a claims path pointer selects in ``data``, each with its concrete
    location. Raises :class:`PathError` when a step meets the wrong kind of value, or
    when nothing is left selected."""
    selected: list[tuple[Pointer, Any]] = [((), data)]
    for step in path:
        nxt: list[tuple[Pointer, Any]] = []
        for where, value in selected:
            if isinstance(step, str):
                if not isinstance(value, dict):
                    raise PathError(f"{_show(where)} is not an object")
                if step in value:
                    nxt.append(((*where, step), value[step]))
            elif step is None:
                if not isinstance(value, list):
                    raise PathError(f"{_show(where)} is not an array")
                nxt.extend(((*where, i), item) for i, item in enumerate(value))
            else:
                if not isinstance(value, list):
                    raise PathError(f"{_show(where)} is not an array")
                if step < len(value):
                    nxt.append(((*where, step), value[step]))
        selected = nxt
        if not selected:
            raise PathError("no element is selected")
    return selected


def _show(pointer: Pointer) -> str:
    return json_pointer(pointer) or "the root"


def json_pointer(pointer: Pointer) -> str:
    """RFC 6901 text of a concrete location."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in pointer)


def _same(a: Any, b: Any) -> bool:
    """Equal in JSON type and value (``true`` is not ``1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return False


def match_claim(data: Any, claim: ClaimQuery) -> list[tuple[Pointer, Any]] | None:
    """The elements that answer ``claim`` (None when it is not answered): selected, not
    null, and, with ``values``, equal in type and value to one of them."""
    try:
        selected = select(data, claim.path)
    except PathError:
        return None
    found = [(p, v) for p, v in selected if v is not None]
    if claim.values is not None:
        found = [(p, v) for p, v in found if any(_same(v, want) for want in claim.values)]
    return found or None


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Candidate:
    """A credential as DCQL sees it. ``ref`` is the caller's handle on it."""

    ref: str
    format: str
    claims: JsonObject
    types: tuple[str, ...] = ()
    vct: str | None = None
    holder_binding: bool = True


@dataclass(frozen=True)
class Match:
    """A candidate that satisfies a credential query: the claim set used (None without
    claim sets), the claims it answers (claim id or index -> values) and the concrete
    locations to disclose."""

    query_id: str
    ref: str
    claim_set: int | None
    disclosed: tuple[Pointer, ...]
    values: JsonObject = field(default_factory=dict)

    @property
    def pointers(self) -> list[str]:
        return [json_pointer(p) for p in self.disclosed]


@dataclass(frozen=True)
class QueryOutcome:
    query_id: str
    matches: tuple[Match, ...]
    failures: dict[str, str]  # candidate ref -> why it does not fit

    @property
    def success(self) -> bool:
        return bool(self.matches)


@dataclass(frozen=True)
class Evaluation:
    outcomes: dict[str, QueryOutcome]
    satisfiable: bool
    credential_sets: tuple[tuple[tuple[str, ...], ...], ...] | None = None  # matching options

    def to_json(self) -> JsonObject:
        return {
            "satisfiable": self.satisfiable,
            "queries": {
                qid: {
                    "matches": [
                        {"ref": m.ref, "claimSet": m.claim_set, "disclosed": m.pointers}
                        for m in o.matches
                    ],
                    "failures": o.failures,
                }
                for qid, o in self.outcomes.items()
            },
        }


def meta_mismatch(query: CredentialQuery, candidate: Candidate) -> str | None:
    """Why ``candidate`` does not fit the query's format, meta and binding (None: it does)."""
    if query.format in SD_JWT_FORMATS:
        if candidate.format not in SD_JWT_FORMATS:
            return f"the format is {candidate.format}, not {query.format}"
        vcts = query.meta.get("vct_values")
        if candidate.vct is None:
            return "the credential has no vct"
        if isinstance(vcts, list) and candidate.vct not in vcts:
            return f"the vct is {candidate.vct}, not one of {', '.join(vcts)}"
    elif candidate.format != query.format:
        return f"the format is {candidate.format}, not {query.format}"
    if query.format in W3C_FORMATS:
        alternatives = query.meta.get("type_values") or []
        have = set(candidate.types)
        if not any(set(alt) <= have for alt in alternatives):
            wanted = " or ".join("[" + ", ".join(alt) + "]" for alt in alternatives)
            return f"the types are not {wanted}"
    if query.format == "mso_mdoc":
        return "mdoc credentials are not supported"
    if query.require_binding and not candidate.holder_binding:
        return "the credential is not bound to the holder's key"
    if query.trusted_authorities is not None:
        return "trusted_authorities (X.509, ETSI, OpenID Federation) cannot be evaluated"
    return None


def match_candidate(query: CredentialQuery, candidate: Candidate) -> Match | str:
    """A :class:`Match`, or why the candidate does not satisfy the query."""
    why = meta_mismatch(query, candidate)
    if why is not None:
        return why
    if query.claims is None:
        return Match(query.id, candidate.ref, None, ())
    answered: dict[int, list[tuple[Pointer, Any]]] = {}
    for i, claim in enumerate(query.claims):
        found = match_claim(candidate.claims, claim)
        if found is not None:
            answered[i] = found
    index_of = {c.id: i for i, c in enumerate(query.claims)}
    sets: Sequence[tuple[int, ...]]
    if query.claim_sets is None:
        sets = [tuple(range(len(query.claims)))]
    else:
        sets = [tuple(index_of[m] for m in s) for s in query.claim_sets]
    for n, members in enumerate(sets):
        if all(i in answered for i in members):
            pointers: list[Pointer] = []
            values: JsonObject = {}
            for i in members:
                key = query.claims[i].id or str(i)
                values[key] = [v for _, v in answered[i]]
                for p, _ in answered[i]:
                    if p not in pointers:
                        pointers.append(p)
            return Match(
                query.id,
                candidate.ref,
                None if query.claim_sets is None else n,
                tuple(pointers),
                values,
            )
    missing = [
        json_path_text(query.claims[i].path) for i in range(len(query.claims)) if i not in answered
    ]
    return "missing or different claims: " + ", ".join(missing)


def json_path_text(path: Sequence[PathElement]) -> str:
    """A claims path for people: ``credentialSubject.achievement.alignment[*].targetName``."""
    out = ""
    for step in path:
        if step is None:
            out += "[*]"
        elif isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + step
    return out or "(root)"


def satisfied(query: DcqlQuery, answered: Iterable[str]) -> bool:
    """Is the query satisfied when the credential queries ``answered`` have a credential?"""
    present = set(answered)
    if query.credential_sets is not None:
        return all(
            not s.required or any(set(option) <= present for option in s.options)
            for s in query.credential_sets
        )
    return all(q.id in present for q in query.credentials)


def evaluate(query: DcqlQuery, candidates: Sequence[Candidate]) -> Evaluation:
    """Match every credential query against every candidate."""
    outcomes: dict[str, QueryOutcome] = {}
    for q in query.credentials:
        matches: list[Match] = []
        failures: dict[str, str] = {}
        for c in candidates:
            result = match_candidate(q, c)
            if isinstance(result, Match):
                matches.append(result)
            else:
                failures[c.ref] = result
        outcomes[q.id] = QueryOutcome(q.id, tuple(matches), failures)
    answered = [qid for qid, o in outcomes.items() if o.success]
    sets = None
    if query.credential_sets is not None:
        sets = tuple(
            tuple(o for o in s.options if set(o) <= set(answered)) for s in query.credential_sets
        )
    return Evaluation(outcomes, satisfied(query, answered), sets)


def choose(query: DcqlQuery, evaluation: Evaluation) -> list[str]:
    """The credential queries a wallet answers by default: with credential sets, the first
    matching option of every set (optional sets too, when they match); without, every
    query that has a match."""
    if query.credential_sets is None:
        return [qid for qid, o in evaluation.outcomes.items() if o.success]
    chosen: list[str] = []
    for matching in evaluation.credential_sets or ():
        if matching:
            for qid in matching[0]:
                if qid not in chosen:
                    chosen.append(qid)
    return chosen


__all__ = [
    "Candidate",
    "ClaimQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "Evaluation",
    "Match",
    "PathError",
    "QueryOutcome",
    "choose",
    "evaluate",
    "json_path_text",
    "json_pointer",
    "match_candidate",
    "match_claim",
    "meta_mismatch",
    "parse_query",
    "satisfied",
    "select",
]
