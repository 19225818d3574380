"""Selective-disclosure primitives of W3C vc-di-ecdsa §3.4 (shared by ecdsa-sd-2023).

The functions are named after the specification's algorithms:

* :func:`parse_pointer` / :func:`select_json_ld` — JSON Pointers (RFC 6901) select parts of
  a *compact* JSON-LD document; every object on the way keeps its ``id`` (unless it is a
  blank node identifier) and its ``type``;
* :func:`skolemize_expanded` / :func:`skolemize_compact` — give every blank node an
  ``urn:bnid:`` IRI so that a selection keeps the identity of the nodes it cuts out;
* :func:`to_deskolemized_quads` — JSON-LD to RDF, turning the ``urn:bnid:`` IRIs back into
  blank nodes;
* :func:`label_replacement_canonicalize` — RDFC-1.0, then every canonical blank-node label
  replaced by the label a *label map factory* gives it (HMAC-based for the issuer and the
  holder, a received map for the verifier); the N-Quads come back sorted;
* :func:`relabel_blank_nodes`, :func:`canonicalize_and_group` — the canonical N-Quads of a
  document grouped by which ones a set of pointers selects;
* :func:`cbor_encode` / :func:`cbor_decode` — the small CBOR subset the proof values use.

Pure: no I/O, no clock, no randomness (the skolem labels are a counter; they never leave
this module, since the blank nodes are canonicalized again). JSON-LD runs in safe mode through
:mod:`lerkit.core.jsonld` and its bundled contexts.

Errors: :class:`~lerkit.core.errors.InputError` with ``sd.pointer_invalid`` for a bad or
unmatched pointer, ``proof.malformed`` for bad CBOR; JSON-LD errors come unchanged.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import serialize_nquad

from lerkit.core.errors import InputError, JsonLdError, LerkitError, ProblemCode
from lerkit.core.jsonld import DocumentLoader, default_loader, expand, fastpath
from lerkit.core.multibase import b64url_encode
from lerkit.core.types import JsonObject

Quad = dict[str, Any]
"""A pyld RDF quad: ``{"subject": {...}, "predicate": {...}, "object": {...}[, "name": ...]}``."""

LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]
"""Given the canonical id map (input label -> canonical label, no ``_:``), returns the map
input label -> replacement label (no ``_:``)."""

SKOLEM_PREFIX = "urn:bnid:"
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_MAX_POINTER_DEPTH = 64
_INDEX = re.compile(r"0|[1-9][0-9]*")


# -- JSON pointers and selection ---------------------------------------------------------


def _pointer_error(message: str) -> InputError:
    return InputError(message, ProblemCode.SD_POINTER_INVALID)


def parse_pointer(pointer: object) -> list[str]:
    """The reference tokens of a JSON Pointer (RFC 6901), unescaped; ``""`` is ``[]``."""
    if not isinstance(pointer, str):
        raise _pointer_error(f"a JSON pointer must be a string, not {type(pointer).__name__}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _pointer_error(f"JSON pointer {pointer!r} must start with '/'")
    tokens = []
    for raw in pointer.split("/")[1:]:
        if re.search(r"~(?![01])", raw):
            raise _pointer_error(f"JSON pointer {pointer!r} has an invalid '~' escape")
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    if len(tokens) > _MAX_POINTER_DEPTH:
        raise _pointer_error(f"JSON pointer {pointer!r} is too deep")
    return tokens


def escape_token(token: str) -> str:
    """A reference token escaped for a JSON Pointer."""
    return token.replace("~", "~0").replace("/", "~1")


def _step(value: Any, token: str, pointer: str) -> Any:
    """``value[token]`` (an array index for an array); raise if it does not exist."""
    if isinstance(value, list):
        if not _INDEX.fullmatch(token) or int(token) >= len(value):
            raise _pointer_error(f"JSON pointer {pointer!r} does not match the document")
        return value[int(token)]
    if isinstance(value, dict) and token in value:
        return value[token]
    raise _pointer_error(f"JSON pointer {pointer!r} does not match the document")


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value ``pointer`` names in ``document``; ``sd.pointer_invalid`` if none."""
    value = document
    for token in parse_pointer(pointer):
        value = _step(value, token, pointer)
    return value


class _Sparse(dict[int, Any]):
    """An array under construction during selection: index -> selected value."""


def _clone(value: Any) -> Any:
    return fastpath.json_clone(value)


def _init_selection(
    source: Any, include_types: bool, selection: dict[str, Any] | None = None
) -> Any:
    selection = {} if selection is None else selection
    if not isinstance(source, dict):
        return selection
    node_id = source.get("id")
    if isinstance(node_id, str) and node_id and not node_id.startswith("_:"):
        selection["id"] = node_id
    if include_types and source.get("type"):
        selection["type"] = _clone(source["type"])
    return selection


def _get(container: Any, key: str | int) -> Any:
    if isinstance(container, list):
        return container[key] if isinstance(key, int) and key < len(container) else None
    return container.get(key)


def _collapsed_array(value: Any, token: str) -> bool:
    return token == "0" and isinstance(value, dict) and "0" not in value  # noqa: S105


def _expanded_single(value: Any, token: str) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], dict)
        and not _INDEX.fullmatch(token)
    )


def _select_paths(
    document: JsonObject,
    pointer: str,
    tokens: list[str],
    selection: JsonObject,
    include_types: bool,
    lenient: bool,
) -> None:
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    key: str | int = ""
    for token in tokens:
        if lenient and _collapsed_array(value, token):
            continue  # an array of one value that compaction made a single value
        if lenient and _expanded_single(value, token):
            # a single value that compaction (a @set container) made an array of one
            selected_parent = selected_value
            value = value[0]
            key = 0
            selected_value = _get(selected_parent, key)
            if selected_value is None:
                selected_value = _init_selection(value, include_types)
                selected_parent[key] = selected_value
        selected_parent = selected_value
        value_parent = value
        value = _step(value_parent, token, pointer)
        key = int(token) if isinstance(value_parent, list) else token
        selected_value = _get(selected_parent, key)
        if selected_value is None:
            selected_value = (
                _Sparse() if isinstance(value, list) else _init_selection(value, include_types)
            )
            selected_parent[key] = selected_value
    if isinstance(value, list):
        selected_value = _clone(value)
    elif isinstance(value, dict):
        merged = dict(selected_value) if isinstance(selected_value, dict) else {}
        merged.update(_clone(value))
        selected_value = merged
    else:
        selected_value = value
    selected_parent[key] = selected_value


def _densify(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_densify(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {k: _densify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_densify(v) for v in value]
    return value


def select_json_ld(
    document: JsonObject,
    pointers: Sequence[str],
    *,
    include_types: bool = True,
    lenient: bool = False,
) -> JsonObject | None:
    """The parts of ``document`` that ``pointers`` name, with ``@context`` (selectJsonLd).

    Every object on the way to a selected value keeps its ``id`` (unless it is a blank
    node identifier) and, with ``include_types``, its ``type``. None for no pointers.

    ``lenient`` (used on the *compacted* skolemized document, never on the credential
    itself): JSON-LD compaction turns an array of one object into that object (and a
    ``@set`` container a single object into an array of one), so a pointer written for the
    credential (``/evidence/0``) may not match the compact form; there, index ``0`` into an
    object is that object, and a name into an array of one object is a name in that object.
    Both select the same statements, so derived proofs stay what other implementations
    compute wherever they accept the pointer.
    """
    if not isinstance(document, dict):
        raise InputError("a document to select from must be a JSON object")
    if not pointers:
        return None
    selection: JsonObject = {"@context": _clone(document.get("@context"))}
    _init_selection(document, include_types, selection)
    for pointer in pointers:
        tokens = parse_pointer(pointer)
        if not tokens:
            whole: JsonObject = _clone(document)
            return whole
        _select_paths(document, pointer, tokens, selection, include_types, lenient)
    result: JsonObject = _densify(selection)
    return result


# -- skolemization and RDF ---------------------------------------------------------------


def _blank_ids(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _blank_ids(item, found)
    elif isinstance(node, dict):
        node_id = node.get("@id")
        if isinstance(node_id, str) and node_id.startswith("_:"):
            found.add(node_id)
        for key, value in node.items():
            if key != "@value" and isinstance(value, (list, dict)):
                _blank_ids(value, found)


def skolemize_expanded(expanded: list[Any]) -> list[Any]:
    """Expanded JSON-LD with every blank node named ``urn:bnid:<label>`` (skolemizeExpandedJsonLd).

    A node without ``@id`` gets a fresh label from a counter (a prefix no blank node of the
    document uses); ``_:x`` becomes ``urn:bnid:x`` (it may be shared).
    """
    existing: set[str] = set()
    _blank_ids(expanded, existing)
    prefix = "_lerkit_"
    while any(label.startswith("_:" + prefix) for label in existing):
        prefix += "_"
    counter = [0]

    def walk(elements: list[Any]) -> list[Any]:
        out: list[Any] = []
        for element in elements:
            if not isinstance(element, dict) or "@value" in element:
                out.append(_clone(element))
                continue
            node: dict[str, Any] = {}
            for key, value in element.items():
                node[key] = walk(value) if isinstance(value, list) else walk([value])[0]
            if "@list" in node or "@set" in node:
                out.append(node)  # a list object is not a node: it has no identifier
                continue
            node_id = node.get("@id")
            if node_id is None:
                node["@id"] = f"{SKOLEM_PREFIX}{prefix}{counter[0]}"
                counter[0] += 1
            elif isinstance(node_id, str) and node_id.startswith("_:"):
                node["@id"] = SKOLEM_PREFIX + node_id[2:]
            out.append(node)
        return out

    return walk(expanded)


def _compact(expanded: list[Any], context: Any, loader: DocumentLoader) -> JsonObject:
    """pyld compaction of already expanded JSON-LD with ``context``."""
    with fastpath.LOCK:
        try:
            processor: jsonld.JsonLdProcessor
            options: dict[str, Any]
            if loader is default_loader():
                options = {
                    "documentLoader": fastpath.bundled_loader(),
                    "contextResolver": fastpath.new_resolver(),
                    "base": None,
                    "skipExpansion": True,
                }
                processor = fastpath.FastProcessor()
            else:
                options = {"documentLoader": loader, "base": None, "skipExpansion": True}
                processor = jsonld.JsonLdProcessor()
            compacted: JsonObject = processor.compact(expanded, {"@context": context}, options)
        except LerkitError:
            raise
        except Exception as exc:  # pyld raises errors of many kinds
            raise JsonLdError(f"invalid JSON-LD: cannot compact: {exc}") from exc
    return compacted


@dataclass(frozen=True)
class Skolemized:
    """A document with its blank nodes named: expanded and compact forms."""

    expanded: list[Any]
    compact: JsonObject


def skolemize_compact(document: JsonObject, loader: DocumentLoader) -> Skolemized:
    """Expand (safe mode), skolemize, compact again with the document's own ``@context``."""
    if not isinstance(document, dict) or "@context" not in document:
        raise InputError(
            "selective disclosure needs a compact JSON-LD document with an @context",
            ProblemCode.CONTEXT_INVALID,
        )
    expanded = skolemize_expanded(expand(document, loader))
    compact = _compact(_clone(expanded), document["@context"], loader)
    return Skolemized(expanded, compact)


def _deskolemize(component: dict[str, Any]) -> dict[str, Any]:
    value = component.get("value")
    if (
        component.get("type") == "IRI"
        and isinstance(value, str)
        and value.startswith(SKOLEM_PREFIX)
    ):
        return {"type": "blank node", "value": "_:" + value[len(SKOLEM_PREFIX) :]}
    return component


def to_deskolemized_quads(expanded: list[Any]) -> list[Quad]:
    """The RDF quads of expanded JSON-LD, ``urn:bnid:x`` IRIs turned into blank nodes ``_:x``."""
    options: dict[str, Any] = {
        "base": "",
        "produceGeneralizedRdf": False,
        "rdfDirection": None,
        "processingMode": "json-ld-1.1",
    }
    quads: list[Quad] = []
    with fastpath.LOCK:
        try:
            processor = jsonld.JsonLdProcessor()
            issuer = IdentifierIssuer("_:b")
            node_map: dict[str, Any] = {"@default": {}}
            processor._create_node_map(_clone(expanded), node_map, "@default", issuer)
            for graph_name, graph in sorted(node_map.items()):
                if graph_name != "@default" and not _ABSOLUTE_IRI.match(graph_name):
                    continue
                for triple in processor._graph_to_rdf(graph, issuer, options):
                    quad: Quad = {
                        k: _deskolemize(triple[k]) for k in ("subject", "predicate", "object")
                    }
                    if graph_name != "@default":
                        kind = "blank node" if graph_name.startswith("_:") else "IRI"
                        quad["name"] = _deskolemize({"type": kind, "value": graph_name})
                    quads.append(quad)
        except LerkitError:
            raise
        except Exception as exc:
            raise JsonLdError(f"invalid JSON-LD: cannot produce RDF: {exc}") from exc
    return quads


def document_quads(document: JsonObject, loader: DocumentLoader) -> list[Quad]:
    """The (deskolemized) quads of a compact document."""
    return to_deskolemized_quads(expand(document, loader))


def _components(quad: Quad) -> Iterable[str]:
    return ("subject", "object", "name") if "name" in quad else ("subject", "object")


def serialize_quad(quad: Quad, relabel: Mapping[str, str] | None = None) -> str:
    """One N-Quad line; blank node labels (without ``_:``) renamed through ``relabel``."""
    if relabel is not None:
        quad = dict(quad)
        for key in _components(quad):
            component = quad[key]
            if component["type"] == "blank node":
                label = component["value"][2:]
                if label not in relabel:
                    raise InputError(f"no replacement for blank node label {label!r}")
                quad[key] = {"type": "blank node", "value": "_:" + relabel[label]}
    line: str = serialize_nquad(quad)
    return line


def relabel_blank_nodes(quads: Sequence[Quad], label_map: Mapping[str, str]) -> list[str]:
    """N-Quad lines with every blank node label replaced through ``label_map``."""
    return [serialize_quad(q, label_map) for q in quads]


# -- RDFC-1.0 with label replacement -----------------------------------------------------


class _Rdfc(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 (SHA-256) without a deep copy per blank-node component."""

    def modify_first_degree_component(self, id_: str, component: Any, key: str) -> Any:
        if component["type"] != "blank node":
            return component
        return {"type": "blank node", "value": "_:a" if component["value"] == id_ else "_:z"}


@dataclass(frozen=True)
class Canonical:
    """The result of :func:`label_replacement_canonicalize`."""

    nquads: list[str]
    """Sorted N-Quad lines, each ending in a newline, blank nodes relabelled."""
    label_map: dict[str, str]
    """Input label -> replacement label (labels without ``_:``)."""
    canonical_id_map: dict[str, str]
    """Input label -> canonical ``c14nN`` label."""


def canonical_id_map(quads: Sequence[Quad]) -> tuple[dict[str, str], list[Quad]]:
    """RDFC-1.0 over ``quads``: (input label -> ``c14nN``, the quads with canonical labels)."""
    # rename the input labels first: pyld leaves a label that already starts with `_:c14n`
    renamed: dict[str, str] = {}
    dataset: dict[str, list[Quad]] = {}
    for quad in quads:
        copy: Quad = {"predicate": quad["predicate"]}
        for key in _components(quad):
            component = quad[key]
            if component["type"] == "blank node":
                label = component["value"][2:]
                if label not in renamed:
                    renamed[label] = f"_:i{len(renamed)}"
                component = {"type": "blank node", "value": renamed[label]}
            copy[key] = component
        name = copy.pop("name", None)
        graph = "@default" if name is None else name["value"]
        dataset.setdefault(graph, []).append(copy)
    with fastpath.LOCK:
        try:
            canon = _Rdfc()
            canon.main(dataset, {"format": "application/n-quads"})
        except Exception as exc:
            raise JsonLdError(f"RDF canonicalization failed: {exc}") from exc
        issued = dict(canon.canonical_issuer.existing)
        canonical_quads: list[Quad] = list(canon.quads)
    id_map = {label: issued[internal][2:] for label, internal in renamed.items()}
    return id_map, canonical_quads


def label_replacement_canonicalize(
    quads: Sequence[Quad], label_map_factory: LabelMapFactory
) -> Canonical:
    """Canonicalize ``quads`` with RDFC-1.0, replace the canonical labels through the map the
    factory makes from the canonical id map, and sort (labelReplacementCanonicalizeNQuads)."""
    id_map, canonical_quads = canonical_id_map(quads)
    label_map = label_map_factory(id_map)
    c14n_to_new = {id_map[label]: new for label, new in label_map.items()}
    lines = sorted(serialize_quad(q, c14n_to_new) for q in canonical_quads)
    return Canonical(lines, label_map, id_map)


def hmac_label_map_factory(hmac_key: bytes) -> LabelMapFactory:
    """createHmacIdLabelMapFunction: ``c14nN`` -> ``u`` + base64url(HMAC-SHA-256(key, c14nN))."""

    def factory(canonical: Mapping[str, str]) -> dict[str, str]:
        return {
            label: "u"
            + b64url_encode(_hmac.new(hmac_key, c14n.encode("utf-8"), hashlib.sha256).digest())
            for label, c14n in canonical.items()
        }

    return factory


def given_label_map_factory(label_map: Mapping[str, str]) -> LabelMapFactory:
    """createLabelMapFunction: ``c14nN`` -> the label ``label_map`` gives (a verifier's map)."""

    def factory(canonical: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for label, c14n in canonical.items():
            if c14n not in label_map:
                raise InputError(f"the proof's label map has no entry for blank node {c14n!r}")
            out[label] = label_map[c14n]
        return out

    return factory


# -- grouping --------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Which canonical N-Quads (by index) a set of pointers selects."""

    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized_quads: list[Quad]


@dataclass(frozen=True)
class Grouped:
    """The result of :func:`canonicalize_and_group`."""

    groups: dict[str, Group]
    skolemized: Skolemized
    label_map: dict[str, str]
    nquads: list[str]


def select_canonical_nquads(
    compact: JsonObject,
    pointers: Sequence[str],
    label_map: Mapping[str, str],
    loader: DocumentLoader,
) -> tuple[list[Quad], list[str]]:
    """The deskolemized quads a selection holds, and their lines relabelled by ``label_map``."""
    selection = select_json_ld(compact, pointers, lenient=True)
    if selection is None:
        return [], []
    quads = document_quads(selection, loader)
    return quads, relabel_blank_nodes(quads, label_map)


def canonicalize_and_group(
    document: JsonObject,
    label_map_factory: LabelMapFactory,
    groups: Mapping[str, Sequence[str]],
    loader: DocumentLoader | None = None,
) -> Grouped:
    """canonicalizeAndGroup: the document's canonical (relabelled) N-Quads, and for each
    named group of pointers the indexes of the N-Quads it selects."""
    loader = loader or default_loader()
    skolemized = skolemize_compact(document, loader)
    quads = to_deskolemized_quads(skolemized.expanded)
    canonical = label_replacement_canonicalize(quads, label_map_factory)
    results: dict[str, Group] = {}
    for name, pointers in groups.items():
        selected_quads, selected = select_canonical_nquads(
            skolemized.compact, pointers, canonical.label_map, loader
        )
        wanted = set(selected)
        matching: dict[int, str] = {}
        non_matching: dict[int, str] = {}
        for index, line in enumerate(canonical.nquads):
            (matching if line in wanted else non_matching)[index] = line
        results[name] = Group(matching, non_matching, selected_quads)
    return Grouped(results, skolemized, canonical.label_map, canonical.nquads)


# -- CBOR (RFC 8949), the subset the proof values use ------------------------------------


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("CBOR integer too large")


def cbor_encode(value: Any) -> bytes:
    """Deterministic CBOR of ints, bytes, strings, lists and maps (map keys sorted as RFC 8949
    §4.2.1 says: by their encoded bytes, as cborg does)."""
    if isinstance(value, bool) or value is None:
        raise TypeError("booleans and null are not used in these proof values")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, (bytes, bytearray)):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        items = sorted((cbor_encode(k), cbor_encode(v)) for k, v in value.items())
        return _head(5, len(items)) + b"".join(k + v for k, v in items)
    raise TypeError(f"cannot CBOR-encode {type(value).__name__}")


class _CborReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def fail(self, message: str) -> InputError:
        return InputError(f"proofValue: bad CBOR: {message}", ProblemCode.PROOF_MALFORMED)

    def take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise self.fail("truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def head(self) -> tuple[int, int]:
        first = self.take(1)[0]
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        if info in (24, 25, 26, 27):
            return major, int.from_bytes(self.take(1 << (info - 24)), "big")
        raise self.fail("indefinite lengths and reserved values are not used")

    def item(self, depth: int = 0) -> Any:
        if depth > 8:
            raise self.fail("nested too deeply")
        major, arg = self.head()
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return self.take(arg)
        if major == 3:
            try:
                return self.take(arg).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self.fail("a text string is not UTF-8") from exc
        if major == 4:
            if arg > len(self.data) - self.pos:
                raise self.fail("truncated")
            return [self.item(depth + 1) for _ in range(arg)]
        if major == 5:
            if arg > len(self.data) - self.pos:
                raise self.fail("truncated")
            out: dict[Any, Any] = {}
            for _ in range(arg):
                key = self.item(depth + 1)
                if not isinstance(key, (int, str)):
                    raise self.fail("a map key is neither an integer nor a string")
                if key in out:
                    raise self.fail("a map key is repeated")
                out[key] = self.item(depth + 1)
            return out
        if major == 6 and arg == 64:  # a typed array of bytes (uint8), as bytes
            value = self.item(depth + 1)
            if not isinstance(value, bytes):
                raise self.fail("tag 64 must wrap a byte string")
            return value
        raise self.fail(f"unexpected major type {major}")


def cbor_decode(data: bytes) -> Any:
    """Decode one CBOR item that fills ``data``; ``proof.malformed`` for anything else."""
    reader = _CborReader(data)
    value = reader.item()
    if reader.pos != len(data):
        raise reader.fail("trailing bytes")
    return value


__all__ = [
    "Canonical",
    "Group",
    "Grouped",
    "LabelMapFactory",
    "Skolemized",
    "canonical_id_map",
    "canonicalize_and_group",
    "cbor_decode",
    "cbor_encode",
    "document_quads",
    "escape_token",
    "given_label_map_factory",
    "hmac_label_map_factory",
    "label_replacement_canonicalize",
    "parse_pointer",
    "relabel_blank_nodes",
    "resolve_pointer",
    "select_canonical_nquads",
    "select_json_ld",
    "serialize_quad",
    "skolemize_compact",
    "skolemize_expanded",
    "to_deskolemized_quads",
]
