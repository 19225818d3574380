"""Build lerkit's bundled default skills taxonomy from the official ESCO and O*NET downloads.

    python tools/build_skills_data.py ESCO_DIR ONET_DIR [OUT]

``ESCO_DIR`` holds the two ESCO v1.1.1 CSV zips (classification "en" and the
language-independent relations); ``ONET_DIR`` the O*NET 29.1 tab-separated files (``.txt`` or
``.txt.gz``). Writes ``src/lerkit/data/skills/default.json.gz`` (compact arrays, see
``lerkit.core.skills.taxonomy`` for the layout). Deterministic: same input, same bytes.

What it keeps and how it modifies the sources (the attribution in ``ATTRIBUTION.md`` says so):
ESCO skills (preferred + alternative labels, description, type, reuse level, broader skill
groups), ESCO occupations (labels, description, ISCO code, essential/optional skills);
O*NET occupations (title, description, alternate titles, related occupations, skills and
knowledge of importance >= 3.0, technology skills), the 35 skills and 33 knowledge elements,
technology skill examples and their UNSPSC commodity classes. Derived: vendor-less short names
of technology examples ("Microsoft Excel" -> "Excel"), and a suggested crosswalk from O*NET
technology commodity classes and elements to ESCO skills (lexical, see ``crosswalk_default``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

csv.field_size_limit(10**8)

ONET_OCC = "https://www.onetonline.org/link/summary/{}"
ONET_ELEMENT = "https://www.onetonline.org/find/descriptor/result/{}"
ONET_COMMODITY = "urn:onet:commodity:{}"
ONET_TECH = "urn:onet:technology:{}"

# Publishers that prefix O*NET technology examples; their examples also get the short name.
VENDORS = {
    "Microsoft",
    "Oracle",
    "IBM",
    "Autodesk",
    "Adobe",
    "SAP",
    "Google",
    "Apache",
    "Apple",
    "Siemens",
    "ESRI",
    "Bentley",
    "Cadence",
    "Corel",
    "Sage",
    "Intuit",
    "Cisco",
    "Amazon",
    "Atlassian",
    "Salesforce",
    "Dassault",
    "Mentor",
    "Synopsys",
    "Epic",
    "Cerner",
    "Trimble",
    "Hexagon",
    "Infor",
    "Workday",
    "Adobe Systems",
    "VMware",
    "Red",
    "Citrix",
    "Symantec",
    "McAfee",
    "Novell",
    "Unity",
    "Wolfram",
    "MathWorks",
    "Minitab",
    "SAS",
    "Tableau",
    "Qlik",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _read_zip_csv(zpath: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(zpath) as z:
        data = z.read(name).decode("utf-8")
    return list(csv.DictReader(io.StringIO(data)))


def _read_tsv(d: Path, name: str) -> list[dict[str, str]]:
    for candidate in (d / f"{name}.txt.gz", d / f"{name}.txt"):
        if candidate.exists():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
                return list(csv.DictReader(fh, delimiter="\t"))
    raise FileNotFoundError(d / name)


def _lines(value: str) -> list[str]:
    out: list[str] = []
    for line in (value or "").split("\n"):
        line = line.strip()
        if line and line not in out:
            out.append(line)
    return out


def build(esco_dir: Path, onet_dir: Path) -> dict[str, object]:
    zips = sorted(esco_dir.glob("*.zip"))
    cls = next(z for z in zips if " en " in z.name)
    rel = next(z for z in zips if z is not cls)

    skills: list[
        list[object]
    ] = []  # fw, uri, code, label, alts, description, kind, broader, hidden
    index: dict[str, int] = {}
    groups: list[list[object]] = []  # uri, label, code
    group_index: dict[str, int] = {}

    for row in _read_zip_csv(cls, "skillGroups_en.csv"):
        group_index[row["conceptUri"]] = len(groups)
        groups.append([row["conceptUri"], row["preferredLabel"], row["code"] or None])

    broader: dict[str, list[int]] = defaultdict(list)
    for row in _read_zip_csv(rel, "broaderRelationsSkillPillar.csv"):
        if row["broaderUri"] in group_index:
            broader[row["conceptUri"]].append(group_index[row["broaderUri"]])

    for row in sorted(_read_zip_csv(cls, "skills_en.csv"), key=lambda r: r["conceptUri"]):
        if row["status"] != "released":
            continue
        uri = row["conceptUri"]
        label = row["preferredLabel"].strip()
        alts = [a for a in _lines(row["altLabels"]) if a != label]
        hidden = [h for h in _lines(row["hiddenLabels"]) if h != label and h not in alts]
        kind = "esco:knowledge" if row["skillType"] == "knowledge" else "esco:skill"
        index[uri] = len(skills)
        skills.append(
            [
                "esco",
                uri,
                None,
                label,
                alts,
                row["description"].strip(),
                kind,
                sorted(set(broader.get(uri, []))),
                hidden,
            ]
        )

    # O*NET elements (skills, knowledge) with their Content Model definitions.
    content = {r["Element ID"]: r for r in _read_tsv(onet_dir, "Content Model Reference")}
    onet_ratings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for table, kind in (("Skills", "onet:skill"), ("Knowledge", "onet:knowledge")):
        for row in _read_tsv(onet_dir, table):
            eid = row["Element ID"]
            uri = ONET_ELEMENT.format(eid)
            if uri not in index:
                index[uri] = len(skills)
                desc = content.get(eid, {}).get("Description", "")
                skills.append(["onet", uri, eid, row["Element Name"], [], desc, kind, [], []])
            if row["Scale ID"] == "IM" and row["Recommend Suppress"] != "Y":
                onet_ratings[row["O*NET-SOC Code"]].append((uri, float(row["Data Value"])))

    # Technology: commodity classes, then examples (a child of their first commodity).
    tech_rows = _read_tsv(onet_dir, "Technology Skills")
    commodities = sorted({(r["Commodity Code"], r["Commodity Title"]) for r in tech_rows})
    for code, title in commodities:
        uri = ONET_COMMODITY.format(code)
        index[uri] = len(skills)
        skills.append(["onet", uri, code, title, [], "", "onet:technology-class", [], []])
    examples: dict[str, list[str]] = {}
    for r in tech_rows:
        examples.setdefault(r["Example"], [])
        if r["Commodity Code"] not in examples[r["Example"]]:
            examples[r["Example"]].append(r["Commodity Code"])
    tech_uri: dict[str, str] = {}
    for name in sorted(examples):
        uri = ONET_TECH.format(_slug(name))
        while uri in index:  # distinct names that slug alike
            uri += "-x"
        tech_uri[name] = uri
        alts: list[str] = []
        words = name.split()
        if len(words) > 1 and words[0] in VENDORS and len(" ".join(words[1:])) >= 3:
            alts.append(" ".join(words[1:]))
        commodity_uris = [ONET_COMMODITY.format(c) for c in examples[name]]
        index[uri] = len(skills)
        skills.append(
            [
                "onet",
                uri,
                None,
                name,
                alts,
                "",
                "onet:technology",
                [index[c] for c in commodity_uris],
                [],
            ]
        )

    # Occupations.
    occupations: list[
        list[object]
    ] = []  # fw, uri, code, label, alts, description, ess, opt, related
    occ_index: dict[str, int] = {}
    esco_occ = sorted(_read_zip_csv(cls, "occupations_en.csv"), key=lambda r: r["conceptUri"])
    relations: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for row in _read_zip_csv(rel, "occupationSkillRelations.csv"):
        if row["skillUri"] not in index:
            continue
        pair = relations[row["occupationUri"]]
        (pair[0] if row["relationType"] == "essential" else pair[1]).append(index[row["skillUri"]])
    for row in esco_occ:
        if row["status"] != "released":
            continue
        uri = row["conceptUri"]
        ess, opt = relations.get(uri, ([], []))
        occ_index[uri] = len(occupations)
        label = row["preferredLabel"].strip()
        occupations.append(
            [
                "esco",
                uri,
                row["code"] or None,
                label,
                [a for a in _lines(row["altLabels"]) if a != label],
                row["description"].strip(),
                sorted(set(ess)),
                sorted(set(opt)),
                [],
            ]
        )

    alt_titles: dict[str, list[str]] = defaultdict(list)
    for r in _read_tsv(onet_dir, "Alternate Titles"):
        for t in (r["Alternate Title"], r["Short Title"]):
            t = (t or "").strip()
            if t and t not in alt_titles[r["O*NET-SOC Code"]]:
                alt_titles[r["O*NET-SOC Code"]].append(t)
    tech_by_occ: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for r in tech_rows:
        tech_by_occ[r["O*NET-SOC Code"]].append(
            (index[tech_uri[r["Example"]]], r["Hot Technology"] == "Y" or r["In Demand"] == "Y")
        )
    onet_occ = sorted(_read_tsv(onet_dir, "Occupation Data"), key=lambda r: r["O*NET-SOC Code"])
    for r in onet_occ:
        code = r["O*NET-SOC Code"]
        uri = ONET_OCC.format(code)
        ess = [index[u] for u, v in onet_ratings.get(code, []) if v >= 3.5]
        opt = [index[u] for u, v in onet_ratings.get(code, []) if 3.0 <= v < 3.5]
        for idx, hot in tech_by_occ.get(code, []):
            (ess if hot else opt).append(idx)
        occ_index[uri] = len(occupations)
        occupations.append(
            [
                "onet",
                uri,
                code,
                r["Title"],
                [t for t in alt_titles.get(code, []) if t != r["Title"]],
                r["Description"],
                sorted(set(ess)),
                sorted(set(opt) - set(ess)),
                [],
            ]
        )
    for r in _read_tsv(onet_dir, "Related Occupations"):
        a = occ_index.get(ONET_OCC.format(r["O*NET-SOC Code"]))
        b = occ_index.get(ONET_OCC.format(r["Related O*NET-SOC Code"]))
        if a is not None and b is not None:
            related = occupations[a][8]
            assert isinstance(related, list)
            if b not in related:
                related.append(b)

    crosswalk = crosswalk_default(skills)
    return {
        "format": "lerkit-skills-default/1",
        "frameworks": {
            "esco": {
                "name": "ESCO (European Skills, Competences, Qualifications and Occupations)",
                "version": "1.1.1",
                "publisher": "European Commission",
                "url": "https://esco.ec.europa.eu/",
                "licence": "Commission Decision 2011/833/EU (reuse with acknowledgement)",
                "attribution": "This service uses the ESCO classification of the European "
                "Commission (v1.1.1, English; modified: selected fields, released concepts only).",
            },
            "onet": {
                "name": "O*NET (Occupational Information Network)",
                "version": "29.1",
                "publisher": "U.S. Department of Labor, Employment and Training Administration",
                "url": "https://www.onetcenter.org/",
                "licence": "CC BY 4.0",
                "attribution": "This product includes information from the O*NET 29.1 Database "
                "by the U.S. Department of Labor, Employment and Training Administration "
                "(USDOL/ETA). Used under the CC BY 4.0 license. O*NET® is a trademark of "
                "USDOL/ETA. lerkit has modified all or some of this information. USDOL/ETA has "
                "not approved, endorsed, or tested these modifications.",
            },
        },
        "groups": groups,
        "skills": skills,
        "occupations": occupations,
        "crosswalk": crosswalk,
    }


def crosswalk_default(skills: list[list[object]]) -> list[list[object]]:
    """Suggested O*NET -> ESCO links: equal labels (exactMatch) for every O*NET skill; for
    elements and technology classes, the best lexical ESCO match (closeMatch)."""
    from lerkit.core.skills.taxonomy import Skill, Taxonomy

    esco = [
        Skill(str(s[0]), str(s[1]), str(s[3]), None, tuple(s[4]), hidden_labels=tuple(s[8]))  # type: ignore[arg-type]
        for s in skills
        if s[0] == "esco"
    ]
    tx = Taxonomy(skills=esco)
    out: list[list[object]] = []
    for s in skills:
        if s[0] != "onet":
            continue
        label = str(s[3])
        matches = tx.normalize(label, limit=1, min_confidence=0.0)
        best = matches[0] if matches else None
        if best and best.method in ("exact", "alt_label") and best.confidence >= 0.9:
            out.append([s[1], best.skill.uri, "exactMatch", best.confidence, "label"])
        elif best and best.method == "alt_label" and best.confidence >= 0.8:
            # an ESCO hidden label (a tool named as an example of the skill)
            out.append([s[1], best.skill.uri, "narrowMatch", best.confidence, "hidden_label"])
        elif s[6] != "onet:technology" and best and best.confidence >= 0.55:
            out.append([s[1], best.skill.uri, "closeMatch", best.confidence, best.method])
    return out


def main(argv: list[str]) -> None:
    esco_dir, onet_dir = Path(argv[1]), Path(argv[2])
    out = (
        Path(argv[3])
        if len(argv) > 3
        else (Path(__file__).resolve().parents[1] / "src/lerkit/data/skills/default.json.gz")
    )
    data = build(esco_dir, onet_dir)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with (
        open(out, "wb") as fh,
        gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz,
    ):
        gz.write(raw)
    print(
        f"{out}: {len(data['skills'])} skills, {len(data['occupations'])} occupations, "  # type: ignore[arg-type]
        f"{len(raw) / 1e6:.1f} MB json, {out.stat().st_size / 1e6:.1f} MB gz"
    )


if __name__ == "__main__":
    main(sys.argv)
