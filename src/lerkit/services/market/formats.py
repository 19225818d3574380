"""Job postings in and out: lerkit's own JSON, schema.org JobPosting JSON-LD and the HR Open
Standards 4.4 JobPosting (validated offline against the bundled JSON Schema).

The neutral form every importer produces and every exporter reads is a ``dict``::

    {"title", "description", "internal", "occupation", "employmentType", "location",
     "datePosted", "validThrough", "hiringOrganization",
     "requiredSkills": [{"label", "uri"?, "level"?, "framework"?}],
     "preferredSkills": [...]}

Skills in schema.org are ``DefinedTerm``s (``name`` as written, ``termCode``/``url`` the
skill URI, ``inDefinedTermSet`` naming the framework); whether a skill is preferred and its
level travel in two terms of lerkit's vocabulary (``lerkit:preferred``, ``lerkit:level``),
which other consumers ignore. In HR Open they are ``AnnotatedDefinedTermType``s with
``annotation.required`` / ``annotation.preferred`` and the level as a ``scaleCategory``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from lerkit.core.errors import ProblemCode
from lerkit.services.errors import ValidationError

SCHEMA_ORG = "https://schema.org"
LERKIT_NS = "https://lerkit.dev/ns/market#"
MAX_SKILLS = 200
MAX_LABEL = 300
MAX_TEXT = 20_000
LEVEL_SET = "lerkit proficiency levels (1 basic .. 5 expert)"
FRAMEWORKS = {
    "esco": ("ESCO skills", "https://esco.ec.europa.eu/en/classification/skill_main"),
    "onet": ("O*NET", "https://www.onetcenter.org/"),
}
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_URI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s]+$", re.I)

HROPEN_BASE = "https://www.hropenstandards.org/schema/4.4/"


def _invalid(message: str, errors: list[dict[str, str]] | None = None) -> ValidationError:
    return ValidationError(message, list(errors or []), code=ProblemCode.MARKET_JOB_INVALID)


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise _invalid(f"the {what} is not valid", self.items)


def _text(errors: _Errors, value: Any, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        if required:
            errors.add(field, "is required")
        return ""
    if not isinstance(value, str):
        errors.add(field, "must be a string")
        return ""
    if _CTRL.search(value):
        errors.add(field, "must not hold control characters")
        return ""
    text: str = value.strip()
    if required and not text:
        errors.add(field, "must not be empty")
    if len(text) > limit:
        errors.add(field, f"must have at most {limit} characters")
    return text[:limit]


def _skill_list(errors: _Errors, value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(field, "must be a list of skill labels, URIs or {label, uri, level}")
        return []
    if len(value) > MAX_SKILLS:
        errors.add(field, f"at most {MAX_SKILLS} skills")
        return []
    out = []
    for i, item in enumerate(value):
        f = f"{field}[{i}]"
        if isinstance(item, str):
            item = {"label": item}
        if not isinstance(item, dict):
            errors.add(f, "must be a label, a URI or an object {label, uri, level}")
            continue
        unknown = set(item) - {"label", "name", "uri", "level", "framework"}
        if unknown:
            errors.add(f, f"unknown member(s): {', '.join(sorted(unknown))}")
            continue
        label = _text(errors, item.get("label", item.get("name")), f + ".label", MAX_LABEL)
        uri = _text(errors, item.get("uri"), f + ".uri", 500)
        if uri and not _URI.match(uri):
            errors.add(f + ".uri", "must be an absolute URI")
        if not label and not uri:
            errors.add(f, "needs a label or a uri")
            continue
        level = item.get("level")
        if level is not None and (
            isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5
        ):
            errors.add(f + ".level", "must be an integer from 1 (basic) to 5 (expert)")
            level = None
        framework = _text(errors, item.get("framework"), f + ".framework", 64)
        entry: dict[str, Any] = {"label": label or uri}
        if uri:
            entry["uri"] = uri
        if level is not None:
            entry["level"] = level
        if framework:
            entry["framework"] = framework
        out.append(entry)
    return out


JOB_FIELDS = frozenset(
    {
        "title",
        "description",
        "internal",
        "occupation",
        "employmentType",
        "location",
        "datePosted",
        "validThrough",
        "requiredSkills",
        "preferredSkills",
        "status",
    }
)


def validate_job(data: Any, *, partial: bool = False) -> dict[str, Any]:
    """lerkit's own job JSON -> the neutral form (ValidationError, 422, with per-field
    errors otherwise). ``partial``: only the members given (PATCH)."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise _invalid("the job must be a JSON object", [{"field": "", "message": "object"}])
    unknown = set(data) - JOB_FIELDS
    for name in sorted(unknown):
        errors.add(name, "unknown member")
    out: dict[str, Any] = {}
    if not partial or "title" in data:
        out["title"] = _text(errors, data.get("title"), "title", 300, required=True)
    for name, limit in (
        ("description", MAX_TEXT),
        ("employmentType", 64),
        ("location", 300),
        ("datePosted", 40),
        ("validThrough", 40),
    ):
        if not partial or name in data:
            out[name] = _text(errors, data.get(name), name, limit)
    if not partial or "occupation" in data:
        occupation = _text(errors, data.get("occupation"), "occupation", 500)
        if occupation and not _URI.match(occupation):
            errors.add("occupation", "must be an occupation URI (ESCO, O*NET)")
        out["occupation"] = occupation or None
    if not partial or "internal" in data:
        internal = data.get("internal", False)
        if not isinstance(internal, bool):
            errors.add("internal", "must be true or false")
        out["internal"] = internal is True
    if "status" in data:
        if data["status"] not in ("open", "closed"):
            errors.add("status", "must be open or closed")
        out["status"] = data["status"]
    for name in ("requiredSkills", "preferredSkills"):
        if not partial or name in data:
            out[name] = _skill_list(errors, data.get(name), name)
    errors.raise_if_any("job posting")
    return out


# ---------------------------------------------------------------------------- schema.org


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _name_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("name", "legalName", "@value", "value"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return ""


def _types(doc: dict[str, Any]) -> list[str]:
    return [t for t in _as_list(doc.get("@type") or doc.get("type")) if isinstance(t, str)]


def from_schema_org(doc: Any) -> dict[str, Any]:
    """A schema.org JobPosting (JSON-LD, compacted with the schema.org context) -> a job
    JSON for :func:`validate_job`."""
    if not isinstance(doc, dict):
        raise _invalid("a JobPosting must be a JSON object")
    if "JobPosting" not in [t.rsplit("/", 1)[-1] for t in _types(doc)]:
        raise _invalid(
            "not a schema.org JobPosting", [{"field": "@type", "message": "must be JobPosting"}]
        )
    required: list[Any] = []
    preferred: list[Any] = []
    for i, term in enumerate(_as_list(doc.get("skills"))):
        if isinstance(term, str):
            required.extend(part.strip() for part in term.split(",") if part.strip())
            continue
        if not isinstance(term, dict):
            raise _invalid(
                "a skill must be text or a DefinedTerm",
                [{"field": f"skills[{i}]", "message": "text or DefinedTerm"}],
            )
        entry: dict[str, Any] = {"label": _name_of(term)}
        uri = term.get("url") or term.get("@id") or term.get("termCode")
        if isinstance(uri, str) and _URI.match(uri):
            entry["uri"] = uri
        if not entry["label"]:
            entry["label"] = entry.get("uri", "")
        level = term.get("lerkit:level", term.get(LERKIT_NS + "level"))
        if isinstance(level, int) and not isinstance(level, bool):
            entry["level"] = level
        framework = _name_of(term.get("inDefinedTermSet"))
        if framework:
            entry["framework"] = framework[:64]
        preferred_flag = term.get("lerkit:preferred", term.get(LERKIT_NS + "preferred"))
        (preferred if preferred_flag is True else required).append(entry)
    occupation = None
    for value in _as_list(doc.get("occupationalCategory")) + _as_list(
        doc.get("relevantOccupation")
    ):
        candidate = value if isinstance(value, str) else None
        if isinstance(value, dict):
            candidate = value.get("url") or value.get("@id") or value.get("codeValue")
        if isinstance(candidate, str) and _URI.match(candidate) and "://" in candidate:
            occupation = candidate
            break
    location = ""
    for place in _as_list(doc.get("jobLocation")):
        if isinstance(place, dict):
            address = place.get("address")
            location = _name_of(place) or (
                ", ".join(
                    str(address[k])
                    for k in ("addressLocality", "addressRegion", "addressCountry")
                    if isinstance(address, dict) and isinstance(address.get(k), str)
                )
                if isinstance(address, dict)
                else address
                if isinstance(address, str)
                else ""
            )
            break
    if not location and "TELECOMMUTE" in _as_list(doc.get("jobLocationType")):
        location = "remote"
    employment = _as_list(doc.get("employmentType"))
    out: dict[str, Any] = {
        "title": doc.get("title") if isinstance(doc.get("title"), str) else _name_of(doc),
        "description": doc.get("description") if isinstance(doc.get("description"), str) else None,
        "employmentType": employment[0] if employment and isinstance(employment[0], str) else None,
        "location": location or None,
        "occupation": occupation,
        "requiredSkills": required,
        "preferredSkills": preferred,
    }
    for name in ("datePosted", "validThrough"):
        if isinstance(doc.get(name), str):
            out[name] = doc[name]
    return {k: v for k, v in out.items() if v is not None}


def _defined_term_set(framework: str) -> dict[str, Any]:
    name, url = FRAMEWORKS.get(framework.lower(), (framework or "lerkit labels", ""))
    out: dict[str, Any] = {"@type": "DefinedTermSet", "name": name}
    if url:
        out["url"] = url
    return out


def to_schema_org(
    job: dict[str, Any], *, identifier: str, organization: dict[str, str]
) -> dict[str, Any]:
    """The neutral form (with normalized requirements) -> schema.org JobPosting JSON-LD."""
    skills = []
    for req in job["requirements"]:
        term: dict[str, Any] = {"@type": "DefinedTerm", "name": req["label"]}
        if req.get("known"):
            term["termCode"] = req["uri"]
            term["url"] = req["uri"]
        term["inDefinedTermSet"] = _defined_term_set(req.get("framework", ""))
        if not req["required"]:
            term["lerkit:preferred"] = True
        if req.get("level") is not None:
            term["lerkit:level"] = req["level"]
        skills.append(term)
    out: dict[str, Any] = {
        "@context": [SCHEMA_ORG, {"lerkit": LERKIT_NS}],
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "propertyID": "lerkit", "value": identifier},
        "title": job["title"],
        "description": job.get("description") or job["title"],
        "hiringOrganization": {"@type": "Organization", **organization},
        "skills": skills,
    }
    for name in ("datePosted", "validThrough", "employmentType"):
        if job.get(name):
            out[name] = job[name]
    if job.get("location"):
        out["jobLocation"] = {"@type": "Place", "address": job["location"]}
    if job.get("occupation"):
        out["occupationalCategory"] = job["occupation"]
    return out


# ---------------------------------------------------------------------------- HR Open


@cache
def _hropen_validator() -> Draft4Validator:
    root = resources.files("lerkit.core").joinpath("schemas", "hropen-jobposting")
    resources_: list[tuple[str, Resource[Any]]] = []

    def walk(node: Any, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".json"):
                content = json.loads(child.read_text("utf-8"))
                resources_.append(
                    (HROPEN_BASE + prefix + child.name, Resource.from_contents(content, DRAFT4))
                )

    walk(root, "")
    registry: Registry[Any] = Registry().with_resources(resources_)
    return Draft4Validator(
        {"$ref": HROPEN_BASE + "recruiting/json/JobPostingType.json"}, registry=registry
    )


def validate_hropen(doc: Any) -> None:
    """ValidationError (422, one entry per schema error) unless ``doc`` is a valid HR Open
    4.4 JobPosting."""
    if not isinstance(doc, dict):
        raise _invalid("an HR Open JobPosting must be a JSON object")
    errors = sorted(
        _hropen_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if errors:
        raise _invalid(
            "the HR Open JobPosting does not match its JSON Schema (4.4)",
            [
                {
                    "field": "/".join(str(p) for p in e.absolute_path),
                    "message": e.message[:300],
                }
                for e in errors[:20]
            ],
        )


def from_hropen(doc: Any) -> dict[str, Any]:
    validate_hropen(doc)
    required: list[Any] = []
    preferred: list[Any] = []
    for field in ("skills", "competencies", "knowledge", "abilities"):
        for term in _as_list(doc.get(field)):
            if not isinstance(term, dict):
                continue
            entry: dict[str, Any] = {"label": term.get("name") or term.get("termCode") or ""}
            code = term.get("termCode")
            if isinstance(code, str) and _URI.match(code):
                entry["uri"] = code
            framework = _name_of(term.get("inDefinedTermSet"))
            if framework:
                entry["framework"] = framework[:64]
            annotation = term.get("annotation") or {}
            level = _name_of({"name": (annotation.get("scaleCategory") or {}).get("termCode")})
            if level.isdigit() and 1 <= int(level) <= 5:
                entry["level"] = int(level)
            if not entry["label"]:
                continue
            if annotation.get("preferred") is True and annotation.get("required") is not True:
                preferred.append(entry)
            else:
                required.append(entry)
    occupation = None
    for term in _as_list(doc.get("occupationCategories")):
        code = term.get("termCode") if isinstance(term, dict) else None
        if isinstance(code, str) and "://" in code:
            occupation = code
            break
    descriptions = [d for d in _as_list(doc.get("formattedDescriptions")) if isinstance(d, str)]
    out: dict[str, Any] = {
        "title": doc.get("title") or doc.get("name"),
        "description": "\n".join(descriptions) or None,
        "occupation": occupation,
        "requiredSkills": required,
        "preferredSkills": preferred,
    }
    types = [t for t in _as_list(doc.get("jobLocationTypes")) if isinstance(t, str)]
    if types:
        out["location"] = types[0]
    for name in ("datePosted", "validThrough"):
        if isinstance(doc.get(name), str):
            out[name] = doc[name]
    return {k: v for k, v in out.items() if v is not None}


def to_hropen(
    job: dict[str, Any], *, identifier: str, organization: dict[str, str], posted: str
) -> dict[str, Any]:
    skills = []
    for req in job["requirements"]:
        term: dict[str, Any] = {"name": req["label"]}
        if req.get("known"):
            term["termCode"] = req["uri"]
        name, url = FRAMEWORKS.get(str(req.get("framework", "")).lower(), ("", ""))
        term["inDefinedTermSet"] = {
            "name": name or "lerkit labels",
            **({"url": url} if url else {}),
        }
        annotation: dict[str, Any] = {"required": req["required"], "preferred": not req["required"]}
        if req.get("level") is not None:
            annotation["scaleCategory"] = {
                "name": "proficiency level",
                "termCode": str(req["level"]),
                "inDefinedTermSet": {"name": LEVEL_SET},
            }
        term["annotation"] = annotation
        skills.append(term)
    out: dict[str, Any] = {
        "postingID": identifier,
        "title": job["title"],
        "name": job["title"],
        "datePosted": posted,
        "hiringOrganization": {"name": organization.get("name", "")},
        "skills": skills,
    }
    if job.get("description"):
        out["formattedDescriptions"] = [job["description"]]
    if job.get("occupation"):
        out["occupationCategories"] = [{"termCode": job["occupation"]}]
    if job.get("validThrough"):
        out["validThrough"] = job["validThrough"]
    validate_hropen(out)
    return out
