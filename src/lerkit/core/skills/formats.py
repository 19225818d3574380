"""Skill framework formats: parse and write 1EdTech CASE 1.1, Open Skills Network RSDs (JSON-LD
and CSV), ESCO CSV, O*NET text files and CTDL-ASN JSON-LD (pure: text and dicts in, dicts out).

Every parser returns a :class:`ParsedFramework`: the framework-level source objects
(``document``), its items with the fields the index needs *and* the source object as it came
(``data``), and its relations (with their source object). Writers start from the kept source
objects, so CASE import -> export gives back the same package, key for key.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lerkit.core.errors import InputError, ProblemCode


@dataclass
class ParsedItem:
    uri: str
    label: str
    code: str | None = None
    alt_labels: list[str] = field(default_factory=list)
    description: str = ""
    kind: str = "skill"
    broader: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedRelation:
    source: str
    target: str
    relation: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedFramework:
    name: str
    source_format: str  # case | rsd | esco | onet | ctdl
    version: str | None = None
    source_uri: str | None = None
    slug_hint: str = ""
    document: dict[str, Any] = field(default_factory=dict)
    items: list[ParsedItem] = field(default_factory=list)
    relations: list[ParsedRelation] = field(default_factory=list)


def _bad(message: str) -> InputError:
    return InputError(message, ProblemCode.SKILLS_FRAMEWORK_MALFORMED)


def slugify(text: str, fallback: str = "framework") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    return slug or fallback


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):  # JSON-LD language map / value object
        if "@value" in value:
            return _str(value["@value"])
        for lang in ("en", "en-US", "en-us", "en-GB"):
            if lang in value:
                return _str(value[lang])
        return _str(next(iter(value.values()), ""))
    if isinstance(value, list):
        return _str(value[0]) if value else ""
    return str(value)


def _strs(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out.extend(_strs(v))
        return out
    if isinstance(value, Mapping) and "@value" not in value:
        out = []
        for v in value.values():
            out.extend(_strs(v))
        return out
    s = _str(value).strip()
    return [s] if s else []


def _uri_of(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Mapping):
        return _str(node.get("uri") or node.get("id") or node.get("@id") or node.get("identifier"))
    return ""


# --- CASE 1.1 ------------------------------------------------------------------------------

CASE_ITEM_KEYS = ("CFItems", "CFItem")


def parse_case(package: Any) -> ParsedFramework:
    """A CASE 1.1 CFPackage (``CFDocument``, ``CFItems``, ``CFAssociations``,
    ``CFDefinitions``...)."""
    if not isinstance(package, Mapping) or not isinstance(package.get("CFDocument"), Mapping):
        raise _bad("a CASE package is a JSON object with a CFDocument")
    doc = package["CFDocument"]
    items_raw = package.get("CFItems", [])
    assocs_raw = package.get("CFAssociations", [])
    if not isinstance(items_raw, list) or not isinstance(assocs_raw, list):
        raise _bad("CFItems and CFAssociations must be arrays")
    document = {k: v for k, v in package.items() if k not in ("CFItems", "CFAssociations")}
    document["@keys"] = list(package.keys())
    items: list[ParsedItem] = []
    seen: set[str] = set()
    for raw in items_raw:
        if not isinstance(raw, Mapping):
            raise _bad("every CFItem is an object")
        uri = _str(raw.get("uri")) or _str(raw.get("identifier"))
        label = _str(raw.get("fullStatement")).strip()
        if not uri or not label:
            raise _bad("every CFItem needs a uri (or identifier) and a fullStatement")
        if uri in seen:
            raise _bad(f"duplicate CFItem {uri}")
        seen.add(uri)
        alts = [
            s
            for s in (
                _str(raw.get("abbreviatedStatement")).strip(),
                _str(raw.get("alternativeLabel")).strip(),
            )
            if s and s != label
        ]
        keywords = raw.get("conceptKeywords") or raw.get("keywords")
        if isinstance(keywords, str):
            keywords = [k.strip() for k in re.split(r"[,;|]", keywords)]
        for kw in _strs(keywords):
            if kw and kw not in alts and kw != label:
                alts.append(kw)
        kind = _str(raw.get("CFItemType")) or "CFItem"
        items.append(
            ParsedItem(
                uri=uri,
                label=label,
                code=_str(raw.get("humanCodingScheme")) or None,
                alt_labels=alts,
                description=_str(raw.get("notes")),
                kind=kind[:64],
                data=dict(raw),
            )
        )
    relations: list[ParsedRelation] = []
    broader: dict[str, list[str]] = {}
    for raw in assocs_raw:
        if not isinstance(raw, Mapping):
            raise _bad("every CFAssociation is an object")
        src = _uri_of(raw.get("originNodeURI"))
        dst = _uri_of(raw.get("destinationNodeURI"))
        rel = _str(raw.get("associationType"))
        if not src or not dst or not rel:
            raise _bad(
                "every CFAssociation needs originNodeURI, destinationNodeURI, associationType"
            )
        relations.append(ParsedRelation(src, dst, rel[:64], dict(raw)))
        if rel == "isChildOf":
            broader.setdefault(src, []).append(dst)
    for item in items:
        item.broader = broader.get(item.uri, [])
    title = _str(doc.get("title")) or "CASE framework"
    return ParsedFramework(
        name=title,
        source_format="case",
        version=_str(doc.get("version")) or None,
        source_uri=_str(doc.get("uri")) or None,
        slug_hint=slugify(title),
        document=document,
        items=items,
        relations=relations,
    )


def write_case(framework: ParsedFramework, *, document_uri: str | None = None) -> dict[str, Any]:
    """A CFPackage. Items and associations imported from CASE come back as they were."""
    doc = dict(framework.document)
    keys = doc.pop("@keys", None)
    if "CFDocument" not in doc:
        doc["CFDocument"] = {
            "identifier": slugify(framework.name),
            "uri": document_uri or framework.source_uri or "",
            "title": framework.name,
            "creator": "lerkit",
            "version": framework.version or "",
        }
    cf_doc = doc["CFDocument"]
    items = [
        item.data if item.data.get("fullStatement") else _case_item(item, cf_doc)
        for item in framework.items
    ]
    assocs: list[dict[str, Any]] = []
    for n, rel in enumerate(framework.relations):
        if rel.data.get("associationType"):
            assocs.append(rel.data)
        else:
            assocs.append(
                {
                    "identifier": f"{slugify(framework.name)}-assoc-{n}",
                    "associationType": rel.relation,
                    "originNodeURI": {"title": "", "identifier": rel.source, "uri": rel.source},
                    "destinationNodeURI": {
                        "title": "",
                        "identifier": rel.target,
                        "uri": rel.target,
                    },
                }
            )
    out: dict[str, Any] = {**doc, "CFItems": items, "CFAssociations": assocs}
    if isinstance(keys, list):
        order = [k for k in keys if k in out] + [k for k in out if k not in keys]
        out = {k: out[k] for k in order}
    return out


def _case_item(item: ParsedItem, cf_doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "identifier": item.uri.rsplit("/", 1)[-1] or item.uri,
        "uri": item.uri,
        "fullStatement": item.label,
        "CFItemType": item.kind,
        "CFDocumentURI": {
            "title": _str(cf_doc.get("title")),
            "identifier": _str(cf_doc.get("identifier")),
            "uri": _str(cf_doc.get("uri")),
        },
    }
    if item.code:
        out["humanCodingScheme"] = item.code
    if item.alt_labels:
        out["conceptKeywords"] = list(item.alt_labels)
    if item.description:
        out["notes"] = item.description
    return out


# --- Open Skills Network RSDs ------------------------------------------------------------


def _rsd_item(raw: Mapping[str, Any]) -> ParsedItem:
    uri = _str(raw.get("id") or raw.get("canonicalUrl") or raw.get("@id"))
    label = _str(raw.get("skillName")).strip()
    if not uri or not label:
        raise _bad("every RSD needs an id and a skillName")
    keywords = [k for k in _strs(raw.get("keywords")) if k != label]
    categories = _strs(raw.get("categories") or raw.get("category"))
    return ParsedItem(
        uri=uri,
        label=label,
        code=_str(raw.get("uuid")) or None,
        alt_labels=keywords,
        description=_str(raw.get("skillStatement")),
        kind="RichSkillDescriptor",
        broader=[f"category:{c}" for c in categories],
        data=dict(raw),
    )


def _rsd_relations(item: ParsedItem) -> list[ParsedRelation]:
    out: list[ParsedRelation] = []
    for a in item.data.get("alignments") or []:
        target = _uri_of(a) or _str(a.get("targetUrl") if isinstance(a, Mapping) else "")
        if target:
            out.append(ParsedRelation(item.uri, target, "alignment"))
    for o in item.data.get("occupations") or []:
        code = _str(o.get("code") if isinstance(o, Mapping) else o)
        if code:
            out.append(ParsedRelation(item.uri, f"soc:{code}", "occupation"))
    return out


def parse_rsd_json(document: Any) -> ParsedFramework:
    """An RSD, a list of RSDs, or an RSD collection (``skills`` array) in OSN JSON-LD."""
    if isinstance(document, list):
        raws, meta = document, {}
    elif isinstance(document, Mapping) and isinstance(document.get("skills"), list):
        raws, meta = document["skills"], {k: v for k, v in document.items() if k != "skills"}
    elif isinstance(document, Mapping) and document.get("skillName"):
        raws, meta = [document], {}
    else:
        raise _bad("expected an RSD, an array of RSDs or a collection with `skills`")
    items = []
    for raw in raws:
        if not isinstance(raw, Mapping):
            raise _bad("every RSD is an object")
        items.append(_rsd_item(raw))
    name = _str(meta.get("name")) or "Rich Skill Descriptors"
    relations = [r for item in items for r in _rsd_relations(item)]
    return ParsedFramework(
        name=name,
        source_format="rsd",
        source_uri=_str(meta.get("id")) or None,
        slug_hint=slugify(name, "rsd"),
        document={"collection": meta} if meta else {},
        items=items,
        relations=relations,
    )


RSD_CSV_FIELDS = {
    "id": ("Canonical URL", "canonical url", "id", "URL"),
    "skillName": ("RSD Name", "Skill Name", "skillName", "name"),
    "author": ("Author", "Authors"),
    "skillStatement": ("Skill Statement", "skillStatement", "statement"),
    "categories": ("Category", "Categories"),
    "keywords": ("Keywords", "Keyword"),
    "standards": ("Standards",),
    "certifications": ("Certifications",),
    "occupations": ("O*NET Job Codes", "Occupations"),
    "employers": ("Employers",),
    "alignmentName": ("Alignment Name", "Alignment Names"),
    "alignmentUrl": ("Alignment URL", "Alignment URLs"),
    "alignmentFramework": ("Alignment Framework",),
}
_MULTI = {"categories", "keywords", "standards", "certifications", "occupations", "employers"}


def parse_rsd_csv(text: str) -> ParsedFramework:
    """The Open Skills Network CSV export (one RSD per row; lists separated by ``;``)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise _bad("the CSV has no header row")
    headers = {h.strip().lower(): h for h in reader.fieldnames if h}
    items: list[ParsedItem] = []
    for row in reader:
        raw: dict[str, Any] = {"type": "RichSkillDescriptor"}
        for key, names in RSD_CSV_FIELDS.items():
            for name in names:
                h = headers.get(name.lower())
                if h is not None and (row.get(h) or "").strip():
                    value = row[h].strip()
                    if key in _MULTI:
                        raw[key] = [v.strip() for v in re.split(r"[;|\n]", value) if v.strip()]
                    else:
                        raw[key] = value
                    break
        if key_align := raw.pop("alignmentUrl", None):
            raw["alignments"] = [
                {
                    "id": key_align,
                    "skillName": raw.pop("alignmentName", ""),
                    "isPartOf": {"name": raw.pop("alignmentFramework", "")},
                }
            ]
        else:
            raw.pop("alignmentName", None)
            raw.pop("alignmentFramework", None)
        if "occupations" in raw:
            raw["occupations"] = [{"code": c} for c in raw["occupations"]]
        if "categories" in raw:
            raw["category"] = raw["categories"][0]
        items.append(_rsd_item(raw))
    if not items:
        raise _bad("the CSV has no RSD rows")
    return ParsedFramework(
        name="Rich Skill Descriptors",
        source_format="rsd",
        slug_hint="rsd",
        items=items,
        relations=[r for item in items for r in _rsd_relations(item)],
    )


RSD_CONTEXT = "https://rsd.openskillsnetwork.org/context-v1.json"


def write_rsd(framework: ParsedFramework, *, collection_uri: str | None = None) -> dict[str, Any]:
    """An RSD collection (OSN JSON-LD); RSDs imported as such come back as they were."""
    skills: list[dict[str, Any]] = []
    for item in framework.items:
        if item.kind == "RichSkillDescriptor" and item.data.get("skillName"):
            skills.append(dict(item.data))
            continue
        rsd: dict[str, Any] = {
            "@context": RSD_CONTEXT,
            "type": "RichSkillDescriptor",
            "id": item.uri,
            "skillName": item.label,
            "skillStatement": item.description or item.label,
            "status": "published",
        }
        if item.alt_labels:
            rsd["keywords"] = list(item.alt_labels)
        if item.code:
            rsd["standards"] = [{"name": item.code}]
        rsd["alignments"] = [
            {"id": item.uri, "skillName": item.label, "isPartOf": {"name": framework.name}}
        ]
        skills.append(rsd)
    meta = dict(framework.document.get("collection") or {})
    meta.setdefault("@context", RSD_CONTEXT)
    meta.setdefault("type", "RichSkillDescriptorCollection")
    meta.setdefault("id", collection_uri or framework.source_uri or "")
    meta.setdefault("name", framework.name)
    return {**meta, "skills": skills}


def write_rsd_csv(framework: ParsedFramework) -> str:
    """The OSN CSV layout (one RSD per row)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "Canonical URL",
            "RSD Name",
            "Author",
            "Skill Statement",
            "Categories",
            "Keywords",
            "Standards",
            "Certifications",
            "O*NET Job Codes",
            "Employers",
            "Alignment Name",
            "Alignment URL",
            "Alignment Framework",
        ]
    )
    for rsd in write_rsd(framework)["skills"]:
        align = (
            (rsd.get("alignments") or [{}])[0] if isinstance(rsd.get("alignments"), list) else {}
        )
        w.writerow(
            [
                rsd.get("id", ""),
                rsd.get("skillName", ""),
                _str(rsd.get("author")),
                rsd.get("skillStatement", ""),
                "; ".join(_strs(rsd.get("categories") or rsd.get("category"))),
                "; ".join(_strs(rsd.get("keywords"))),
                "; ".join(
                    _str(s.get("name") if isinstance(s, Mapping) else s)
                    for s in rsd.get("standards") or []
                ),
                "; ".join(
                    _str(s.get("name") if isinstance(s, Mapping) else s)
                    for s in rsd.get("certifications") or []
                ),
                "; ".join(
                    _str(o.get("code") if isinstance(o, Mapping) else o)
                    for o in rsd.get("occupations") or []
                ),
                "; ".join(
                    _str(e.get("name") if isinstance(e, Mapping) else e)
                    for e in rsd.get("employers") or []
                ),
                _str(align.get("skillName") if isinstance(align, Mapping) else ""),
                _uri_of(align),
                _str(
                    (align.get("isPartOf") or {}).get("name") if isinstance(align, Mapping) else ""
                ),
            ]
        )
    return buf.getvalue()


# --- ESCO CSV ------------------------------------------------------------------------------


def _lines(value: str | None) -> list[str]:
    out: list[str] = []
    for line in (value or "").split("\n"):
        line = line.strip()
        if line and line not in out:
            out.append(line)
    return out


def parse_esco(files: Mapping[str, str]) -> ParsedFramework:
    """ESCO CSV files by name: ``skills_<lang>.csv`` (required), ``occupations_<lang>.csv``,
    ``occupationSkillRelations.csv``, ``broaderRelationsSkillPillar.csv`` (optional)."""
    by_prefix = {
        name.rsplit("/", 1)[-1].split("_")[0].split(".")[0]: text for name, text in files.items()
    }
    if "skills" not in by_prefix:
        raise _bad("ESCO import needs skills_<lang>.csv")
    items: list[ParsedItem] = []
    relations: list[ParsedRelation] = []
    broader: dict[str, list[str]] = {}
    if "broaderRelationsSkillPillar" in by_prefix:
        for row in csv.DictReader(io.StringIO(by_prefix["broaderRelationsSkillPillar"])):
            broader.setdefault(row.get("conceptUri", ""), []).append(row.get("broaderUri", ""))
    for row in csv.DictReader(io.StringIO(by_prefix["skills"].lstrip("\ufeff"))):
        uri, label = row.get("conceptUri", ""), (row.get("preferredLabel") or "").strip()
        if not uri or not label:
            raise _bad("every ESCO skill row needs conceptUri and preferredLabel")
        items.append(
            ParsedItem(
                uri=uri,
                label=label,
                alt_labels=[a for a in _lines(row.get("altLabels")) if a != label],
                description=(row.get("description") or "").strip(),
                kind="esco:knowledge" if row.get("skillType") == "knowledge" else "esco:skill",
                broader=broader.get(uri, []),
                data={k: v for k, v in row.items() if k and v},
            )
        )
    if "occupations" in by_prefix:
        for row in csv.DictReader(io.StringIO(by_prefix["occupations"].lstrip("\ufeff"))):
            label = (row.get("preferredLabel") or "").strip()
            items.append(
                ParsedItem(
                    uri=row.get("conceptUri", ""),
                    label=label,
                    code=row.get("code") or None,
                    alt_labels=[a for a in _lines(row.get("altLabels")) if a != label],
                    description=(row.get("description") or "").strip(),
                    kind="esco:occupation",
                    data={k: v for k, v in row.items() if k and v},
                )
            )
    if "occupationSkillRelations" in by_prefix:
        for row in csv.DictReader(io.StringIO(by_prefix["occupationSkillRelations"])):
            relations.append(
                ParsedRelation(row["occupationUri"], row["skillUri"], row["relationType"])
            )
    return ParsedFramework(
        name="ESCO", source_format="esco", slug_hint="esco-import", items=items, relations=relations
    )


# --- O*NET text files ----------------------------------------------------------------------

ONET_OCC = "https://www.onetonline.org/link/summary/{}"
ONET_ELEMENT = "https://www.onetonline.org/find/descriptor/result/{}"
ONET_TECH = "urn:onet:technology:{}"


def _tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter="\t"))


def parse_onet(files: Mapping[str, str]) -> ParsedFramework:
    """O*NET database text files by name (``Occupation Data.txt``, ``Technology Skills.txt``,
    ``Skills.txt``, ``Knowledge.txt``, ``Related Occupations.txt``, ``Alternate Titles.txt``)."""
    known = (
        "occupation data",
        "technology skills",
        "skills",
        "knowledge",
        "related occupations",
        "alternate titles",
    )
    by_name: dict[str, str] = {}
    for name, text in files.items():
        base = re.sub(r"\.txt(\.gz)?$", "", name.rsplit("/", 1)[-1]).lower().replace("_", " ")
        for k in known:  # "Skills.txt", "onet_Skills.txt", "db_29_1_text/Skills.txt"
            if base == k or base.endswith(" " + k):
                by_name.setdefault(k, text)
                break
    if not any(k in by_name for k in ("occupation data", "technology skills", "skills")):
        raise _bad("O*NET import needs Occupation Data, Technology Skills or Skills text files")
    items: dict[str, ParsedItem] = {}
    relations: list[ParsedRelation] = []
    alt_titles: dict[str, list[str]] = {}
    for row in _tsv(by_name.get("alternate titles", "")):
        alt_titles.setdefault(row.get("O*NET-SOC Code", ""), []).append(
            row.get("Alternate Title", "")
        )
    for row in _tsv(by_name.get("occupation data", "")):
        code = row.get("O*NET-SOC Code", "")
        if not code or not row.get("Title"):
            raise _bad("every O*NET occupation needs a code and a title")
        items[ONET_OCC.format(code)] = ParsedItem(
            uri=ONET_OCC.format(code),
            label=row["Title"],
            code=code,
            alt_labels=alt_titles.get(code, []),
            description=row.get("Description", ""),
            kind="onet:occupation",
        )
    for table, kind in (("skills", "onet:skill"), ("knowledge", "onet:knowledge")):
        for row in _tsv(by_name.get(table, "")):
            eid, name = row.get("Element ID", ""), row.get("Element Name", "")
            if not eid or not name:
                continue
            uri = ONET_ELEMENT.format(eid)
            items.setdefault(uri, ParsedItem(uri=uri, label=name, code=eid, kind=kind))
            if row.get("Scale ID") == "IM":
                relations.append(
                    ParsedRelation(
                        ONET_OCC.format(row.get("O*NET-SOC Code", "")),
                        uri,
                        "importance",
                        {"value": row.get("Data Value", "")},
                    )
                )
    for row in _tsv(by_name.get("technology skills", "")):
        name = row.get("Example", "")
        if not name:
            continue
        uri = ONET_TECH.format(slugify(name, "tech"))
        items.setdefault(
            uri,
            ParsedItem(
                uri=uri,
                label=name,
                kind="onet:technology",
                data={
                    "commodityCode": row.get("Commodity Code", ""),
                    "commodityTitle": row.get("Commodity Title", ""),
                },
            ),
        )
        relations.append(
            ParsedRelation(ONET_OCC.format(row.get("O*NET-SOC Code", "")), uri, "technology")
        )
    for row in _tsv(by_name.get("related occupations", "")):
        relations.append(
            ParsedRelation(
                ONET_OCC.format(row.get("O*NET-SOC Code", "")),
                ONET_OCC.format(row.get("Related O*NET-SOC Code", "")),
                "related",
                {"tier": row.get("Relatedness Tier", "")},
            )
        )
    return ParsedFramework(
        name="O*NET",
        source_format="onet",
        slug_hint="onet-import",
        items=list(items.values()),
        relations=relations,
    )


# --- CTDL-ASN JSON-LD ----------------------------------------------------------------------

CTDL_RELATIONS = (
    "ceasn:isChildOf",
    "ceasn:exactAlignment",
    "ceasn:majorAlignment",
    "ceasn:minorAlignment",
    "ceasn:narrowAlignment",
    "ceasn:broadAlignment",
    "ceasn:prerequisiteAlignment",
    "ceasn:skillEmbodied",
    "ceasn:knowledgeEmbodied",
    "ceasn:crossSubjectReference",
)


def _types(node: Mapping[str, Any]) -> list[str]:
    t = node.get("@type") or node.get("type") or []
    return [t] if isinstance(t, str) else [str(x) for x in t]


def parse_ctdl(document: Any) -> ParsedFramework:
    """A CTDL-ASN competency framework (``@graph`` with ``ceasn:CompetencyFramework`` and
    ``ceasn:Competency`` nodes)."""
    if isinstance(document, Mapping) and isinstance(document.get("@graph"), list):
        graph: Sequence[Any] = document["@graph"]
    elif isinstance(document, list):
        graph = document
    else:
        raise _bad("a CTDL-ASN framework is a JSON-LD document with an @graph")
    frameworks = [
        n for n in graph if isinstance(n, Mapping) and "ceasn:CompetencyFramework" in _types(n)
    ]
    competencies = [n for n in graph if isinstance(n, Mapping) and "ceasn:Competency" in _types(n)]
    if not frameworks and not competencies:
        raise _bad("no ceasn:CompetencyFramework or ceasn:Competency in the @graph")
    fw = frameworks[0] if frameworks else {}
    items: list[ParsedItem] = []
    relations: list[ParsedRelation] = []
    for node in competencies:
        uri = _str(node.get("@id"))
        label = _str(node.get("ceasn:competencyText")).strip()
        if not uri or not label:
            raise _bad("every ceasn:Competency needs @id and ceasn:competencyText")
        alts = [
            a
            for a in _strs(node.get("ceasn:competencyLabel"))
            + _strs(node.get("ceasn:conceptKeyword"))
            + _strs(node.get("ceasn:altCodedNotation"))
            if a != label
        ]
        parents = _strs(node.get("ceasn:isChildOf"))
        items.append(
            ParsedItem(
                uri=uri,
                label=label,
                code=_str(node.get("ceasn:codedNotation")) or None,
                alt_labels=alts,
                description=_str(node.get("ceasn:comment")),
                kind=_str(node.get("ceasn:competencyCategory")) or "ceasn:Competency",
                broader=parents,
                data=dict(node),
            )
        )
        for rel in CTDL_RELATIONS:
            for target in _strs(node.get(rel)):
                relations.append(ParsedRelation(uri, target, rel.split(":", 1)[1]))
    name = _str(fw.get("ceasn:name")) or "CTDL-ASN framework"
    context = document.get("@context") if isinstance(document, Mapping) else None
    return ParsedFramework(
        name=name,
        source_format="ctdl",
        source_uri=_str(fw.get("@id")) or None,
        slug_hint=slugify(name),
        document={"@context": context, "framework": dict(fw)},
        items=items,
        relations=relations,
    )


def detect_format(name: str, content: Any) -> str:
    """Guess the format of an upload from its file name and parsed JSON (or text)."""
    lower = name.lower()
    if isinstance(content, Mapping):
        if "CFDocument" in content:
            return "case"
        if "@graph" in content:
            return "ctdl"
        if "skills" in content or "skillName" in content:
            return "rsd"
    if isinstance(content, list):
        return "rsd"
    if lower.endswith(".csv"):
        return "esco" if "skills_" in lower else "rsd"
    raise _bad("could not tell the format: give one of case, rsd, rsd-csv, esco, onet, ctdl")


def relations_index(relations: Iterable[ParsedRelation]) -> dict[str, list[ParsedRelation]]:
    out: dict[str, list[ParsedRelation]] = {}
    for r in relations:
        out.setdefault(r.source, []).append(r)
    return out
