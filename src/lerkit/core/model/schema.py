"""Validation against the bundled 1EdTech JSON Schemas (OB 3.0, CLR 2.0; Draft 2019-09).

The schemas ship in ``lerkit/core/schemas/`` and are served from a :mod:`referencing`
registry built from those files only: nothing is ever fetched, and a ``$ref`` to anything
else is reported as an issue. Validators are compiled once per schema and cached.

The 1EdTech schemas accept *any* single string as a ``type`` (their branch for JSON-LD
compacted values), so ``"type": "InvalidEvidence"`` passes them. :func:`validate` therefore
adds the data model's rule that each object's ``type`` includes its class name (``Evidence``,
``Profile``, ``AchievementSubject``...) at every place the OB 3.0 / CLR 2.0 model fixes the
class, as 1EdTech's validator does with its separate type checks. Those issues have code
``schema.invalid`` too and point at the offending ``type``.

The bundled schemas are the current ones (OB context 3.0.3 on VC Data Model 2.0). A VC Data
Model 1.1 credential (first context ``https://www.w3.org/2018/credentials/v1``) is *not*
validated against them when the schema is chosen automatically: every such credential would
fail ``@context[0]`` and the real problems would drown. :func:`validate` instead returns one
issue with code ``schema.unknown`` saying the credential is VCDM 1.1 and was not checked
("could not check", not "invalid"). Pass ``schema_id`` explicitly to validate it anyway.

Nothing here raises for a bad credential: issues are returned. :class:`InputError`
(``schema.unknown``) is raised only for a ``schema_id`` that is not bundled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT201909

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.model.clr import CLR_CREDENTIAL_SCHEMA
from lerkit.core.model.ob3 import (
    JSON_SCHEMA_VALIDATOR_2019,
    OB_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    OB_ENDORSEMENT_CREDENTIAL_SCHEMA,
)
from lerkit.core.model.vc import as_list, contexts, credential_types, is_v1

CLR_ACHIEVEMENT_CREDENTIAL_SCHEMA = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_achievementcredential_schema.json"
CLR_ENDORSEMENT_CREDENTIAL_SCHEMA = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_endorsementcredential_schema.json"
_SCHEMA_DIRS = ("ob-v3p0", "clr-v2p0")
_CLR_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/clr/v2p0/context"


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One schema problem: ``path`` is a JSONPath into the credential (``$.issuer.type``)."""

    path: str
    message: str
    code: str = ProblemCode.SCHEMA_INVALID
    schema_id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    root = resources.files("lerkit.core").joinpath("schemas")
    found: dict[str, dict[str, Any]] = {}
    for directory in _SCHEMA_DIRS:
        for entry in sorted(root.joinpath(directory).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                schema: dict[str, Any] = json.loads(entry.read_text("utf-8"))
                found[schema["$id"]] = schema
    return found


@cache
def _registry() -> Registry[Any]:
    resources_ = [
        (uri, Resource.from_contents(schema, default_specification=DRAFT201909))
        for uri, schema in _schemas().items()
    ]
    # no ``retrieve``: any reference outside the bundle is Unresolvable, never fetched
    return Registry().with_resources(resources_).crawl()


def bundled_schema_ids() -> frozenset[str]:
    """Every bundled schema ``$id``."""
    return frozenset(_schemas())


@cache
def _validator(schema_id: str) -> Draft201909Validator:
    schema = _schemas().get(schema_id)
    if schema is None:
        raise InputError(f"no bundled JSON Schema {schema_id!r}", ProblemCode.SCHEMA_UNKNOWN)
    return Draft201909Validator(schema, registry=_registry())


def schema_for(credential: Mapping[str, Any]) -> str | None:
    """The bundled schema id for a credential's type, or ``None`` when there is none.

    ``ClrCredential`` -> CLR; ``AchievementCredential``/``OpenBadgeCredential`` and
    ``EndorsementCredential`` -> OB, or their CLR twins when a CLR context is listed.
    """
    try:
        types = set(credential_types(credential))
    except InputError:
        return None
    in_clr = any(
        isinstance(c, str) and c.startswith(_CLR_CONTEXT_PREFIX) for c in contexts(credential)
    )
    if "ClrCredential" in types:
        return CLR_CREDENTIAL_SCHEMA
    if types & {"AchievementCredential", "OpenBadgeCredential"}:
        return CLR_ACHIEVEMENT_CREDENTIAL_SCHEMA if in_clr else OB_ACHIEVEMENT_CREDENTIAL_SCHEMA
    if "EndorsementCredential" in types:
        return CLR_ENDORSEMENT_CREDENTIAL_SCHEMA if in_clr else OB_ENDORSEMENT_CREDENTIAL_SCHEMA
    return None


def validate(credential: Any, schema_id: str | None = None) -> list[SchemaIssue]:
    """Validate against ``schema_id`` or, when omitted, the schema :func:`schema_for` picks.

    Empty list = valid. With no ``schema_id``, a VCDM 1.1 credential or one of no known type
    gives a single ``schema.unknown`` issue (not checked) instead.
    """
    if schema_id is None:
        if isinstance(credential, Mapping) and is_v1(credential):
            return [
                SchemaIssue(
                    "$['@context'][0]",
                    "VC Data Model 1.1 credential: the bundled 1EdTech schemas describe "
                    "OB 3.0 / CLR 2.0 on VC Data Model 2.0 only, so it was not schema-checked",
                    ProblemCode.SCHEMA_UNKNOWN,
                )
            ]
        schema_id = schema_for(credential) if isinstance(credential, Mapping) else None
        if schema_id is None:
            return [
                SchemaIssue(
                    "$.type",
                    "no bundled JSON Schema for this credential's type "
                    "(OB AchievementCredential/OpenBadgeCredential, EndorsementCredential, "
                    "ClrCredential are known)",
                    ProblemCode.SCHEMA_UNKNOWN,
                )
            ]
    return _run_with_types(credential, schema_id)


def _run_with_types(instance: Any, schema_id: str) -> list[SchemaIssue]:
    issues = _run(instance, schema_id)
    kind = _SCHEMA_KINDS.get(schema_id)
    if kind is not None and isinstance(instance, Mapping):
        # one issue per path; the type rule's message says what was expected, so it wins
        by_path = {issue.path: issue for issue in type_issues(instance, kind, schema_id)}
        merged = [by_path.pop(issue.path, issue) for issue in issues]
        issues = merged + list(by_path.values())
    return issues


def _run(instance: Any, schema_id: str) -> list[SchemaIssue]:
    validator = _validator(schema_id)
    issues: list[SchemaIssue] = []
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
        for error in errors:
            issues.extend(i for i in _issues(error, schema_id) if i not in issues)
    except Unresolvable as exc:
        issues.append(
            SchemaIssue(
                "$",
                f"schema {schema_id} refers to {exc} which is not bundled (never fetched)",
                ProblemCode.SCHEMA_UNKNOWN,
                schema_id,
            )
        )
    return issues


def _depth(errors: list[ValidationError]) -> int:
    return max(len(e.absolute_path) for e in errors)


def _explain(error: ValidationError) -> list[ValidationError]:
    """The failures that explain ``error``. For a failed ``oneOf``/``anyOf``, the failures
    of the alternative that got deepest into the instance: that is the one the author
    meant (an array of Evidence whose second item has a bad ``type`` is reported at
    ``$.evidence[1].type``, not as "not an object" at ``$.evidence``). When no alternative
    gets deeper than the error itself, the single most relevant failure is reported."""
    if not error.context or error.validator not in ("oneOf", "anyOf"):
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(key, []).extend(_explain(sub))
    best = max(branches.values(), key=_depth)
    if _depth(best) > len(error.absolute_path):
        return best
    return [best_match([error])]


def _issues(error: ValidationError, schema_id: str) -> list[SchemaIssue]:
    issues: list[SchemaIssue] = []
    for leaf in _explain(error):
        message = leaf.message if leaf is error else f"{leaf.message} (no alternative matched)"
        issue = SchemaIssue(leaf.json_path, message, ProblemCode.SCHEMA_INVALID, schema_id)
        if issue not in issues:
            issues.append(issue)
    return issues


def declared_schema_ids(credential: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(type, id)`` of each ``credentialSchema`` entry (entries without both are skipped)."""
    pairs: list[tuple[str, str]] = []
    for entry in as_list(credential.get("credentialSchema")):
        if isinstance(entry, Mapping):
            kind, ident = entry.get("type"), entry.get("id")
            if isinstance(kind, str) and isinstance(ident, str):
                pairs.append((kind, ident))
    return pairs


def check_credential_schemas(credential: Mapping[str, Any]) -> list[SchemaIssue]:
    """Validate against each schema the credential declares in ``credentialSchema``.

    Entries of type ``1EdTechJsonSchemaValidator2019`` whose ``id`` is a bundled schema
    are validated; any other entry (a schema URL not bundled, another validator type) gives
    a ``schema.unknown`` issue ("could not check"): nothing is fetched.
    """
    issues: list[SchemaIssue] = []
    bundled = bundled_schema_ids()
    for i, (kind, ident) in enumerate(declared_schema_ids(credential)):
        where = f"$.credentialSchema[{i}]"
        if kind != JSON_SCHEMA_VALIDATOR_2019:
            issues.append(
                SchemaIssue(
                    where,
                    f"credentialSchema type {kind!r} is not supported "
                    f"(only {JSON_SCHEMA_VALIDATOR_2019}); {ident} not checked",
                    ProblemCode.SCHEMA_UNKNOWN,
                    ident,
                )
            )
        elif ident not in bundled:
            issues.append(
                SchemaIssue(
                    where,
                    f"schema {ident} is not bundled (schemas are never fetched); not checked",
                    ProblemCode.SCHEMA_UNKNOWN,
                    ident,
                )
            )
        elif is_v1(credential):
            issues.append(
                SchemaIssue(
                    where,
                    f"the bundled {ident} is for VC Data Model 2.0 and this credential is "
                    "VCDM 1.1; not checked",
                    ProblemCode.SCHEMA_UNKNOWN,
                    ident,
                )
            )
        else:
            issues.extend(_run_with_types(credential, ident))
    return issues


# ---------------------------------------------------------------------------------------
# The data model's type rules (what the schemas' "any string" branch lets through)

_CREDENTIAL_KINDS = frozenset({"AchievementCredential", "EndorsementCredential", "ClrCredential"})

# kind -> (acceptable class names: one must be in ``type``, {property: kind of its values})
_SHAPES: dict[str, tuple[frozenset[str], dict[str, str]]] = {
    "AchievementCredential": (
        frozenset({"AchievementCredential", "OpenBadgeCredential"}),
        {
            "issuer": "Profile",
            "credentialSubject": "AchievementSubject",
            "evidence": "Evidence",
            "endorsement": "EndorsementCredential",
            "image": "Image",
        },
    ),
    "EndorsementCredential": (
        frozenset({"EndorsementCredential"}),
        {"issuer": "Profile", "credentialSubject": "EndorsementSubject", "evidence": "Evidence"},
    ),
    "ClrCredential": (
        frozenset({"ClrCredential"}),
        {
            "issuer": "Profile",
            "credentialSubject": "ClrSubject",
            "evidence": "Evidence",
            "endorsement": "EndorsementCredential",
            "image": "Image",
        },
    ),
    "ClrSubject": (
        frozenset({"ClrSubject"}),
        {
            "identifier": "IdentityObject",
            "achievement": "Achievement",
            "association": "Association",
            "verifiableCredential": "*credential",
        },
    ),
    "AchievementSubject": (
        frozenset({"AchievementSubject"}),
        {
            "achievement": "Achievement",
            "identifier": "IdentityObject",
            "result": "Result",
            "source": "Profile",
            "image": "Image",
        },
    ),
    "Achievement": (
        frozenset({"Achievement"}),
        {
            "alignment": "Alignment",
            "creator": "Profile",
            "image": "Image",
            "otherIdentifier": "IdentifierEntry",
            "related": "Related",
            "resultDescription": "ResultDescription",
            "endorsement": "EndorsementCredential",
        },
    ),
    "Profile": (
        frozenset({"Profile"}),
        {
            "image": "Image",
            "parentOrg": "Profile",
            "otherIdentifier": "IdentifierEntry",
            "address": "Address",
            "endorsement": "EndorsementCredential",
        },
    ),
    "ResultDescription": (
        frozenset({"ResultDescription"}),
        {"alignment": "Alignment", "rubricCriterionLevel": "RubricCriterionLevel"},
    ),
    "RubricCriterionLevel": (frozenset({"RubricCriterionLevel"}), {"alignment": "Alignment"}),
    "Result": (frozenset({"Result"}), {"alignment": "Alignment"}),
    "Address": (frozenset({"Address"}), {"geo": "GeoCoordinates"}),
    "GeoCoordinates": (frozenset({"GeoCoordinates"}), {}),
    "Alignment": (frozenset({"Alignment"}), {}),
    "Association": (frozenset({"Association"}), {}),
    "EndorsementSubject": (frozenset({"EndorsementSubject"}), {}),
    "Evidence": (frozenset({"Evidence"}), {}),
    "IdentifierEntry": (frozenset({"IdentifierEntry"}), {}),
    "IdentityObject": (frozenset({"IdentityObject"}), {}),
    "Image": (frozenset({"Image"}), {}),
    "Related": (frozenset({"Related"}), {}),
}

_SCHEMA_KINDS: dict[str, str] = {
    OB_ACHIEVEMENT_CREDENTIAL_SCHEMA: "AchievementCredential",
    CLR_ACHIEVEMENT_CREDENTIAL_SCHEMA: "AchievementCredential",
    OB_ENDORSEMENT_CREDENTIAL_SCHEMA: "EndorsementCredential",
    CLR_ENDORSEMENT_CREDENTIAL_SCHEMA: "EndorsementCredential",
    CLR_CREDENTIAL_SCHEMA: "ClrCredential",
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json": "Profile",
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_profile_schema.json": "Profile",
}


def _credential_kind(doc: Mapping[str, Any]) -> str | None:
    schema_id = schema_for(doc)
    return _SCHEMA_KINDS.get(schema_id) if schema_id else None


def _type_values(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def type_issues(
    doc: Mapping[str, Any], kind: str, schema_id: str | None = None, path: str = "$"
) -> list[SchemaIssue]:
    """Objects whose ``type`` lacks their class name, walking ``doc`` as a ``kind`` object
    (``"AchievementCredential"``, ``"Profile"``...). A missing or non-string ``type`` is
    left to the JSON Schema."""
    issues: list[SchemaIssue] = []
    _walk_types(doc, kind, path, schema_id, issues)
    return issues


def _walk_types(
    node: Any, kind: str, path: str, schema_id: str | None, issues: list[SchemaIssue]
) -> None:
    if not isinstance(node, Mapping):
        return
    if kind == "*credential":
        found = _credential_kind(node)
        if found is None:
            return
        kind = found
    names, children = _SHAPES[kind]
    types = _type_values(node.get("type"))
    if types is not None:
        missing: list[str] = []
        if kind in _CREDENTIAL_KINDS and "VerifiableCredential" not in types:
            missing.append("'VerifiableCredential'")
        if not names.intersection(types):
            missing.append(" or ".join(repr(n) for n in sorted(names)))
        if missing:
            issues.append(
                SchemaIssue(
                    f"{path}.type",
                    f"type must include {' and '.join(missing)} (found {types!r})",
                    ProblemCode.SCHEMA_INVALID,
                    schema_id,
                )
            )
    for prop, child_kind in children.items():
        value = node.get(prop)
        if isinstance(value, list):
            for i, item in enumerate(value):
                _walk_types(item, child_kind, f"{path}.{prop}[{i}]", schema_id, issues)
        else:
            _walk_types(value, child_kind, f"{path}.{prop}", schema_id, issues)
