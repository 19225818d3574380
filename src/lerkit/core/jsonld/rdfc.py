"""JSON-LD expansion in *safe mode* and RDFC-1.0 canonicalization.

Safe mode (as the reference JavaScript stack's ``safe: true``): a term the active context
does not define, a relative ``@id`` or ``@type`` IRI, or any unknown context is an error,
never silently dropped — otherwise a signature would cover less than the JSON shows.

The canonicalization step sits behind :class:`Canonicalizer` so a faster implementation can
be swapped in without touching the cryptosuites.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any, Protocol

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from lerkit.core.errors import ContextUnknownError, JsonLdError, LerkitError, ProblemCode
from lerkit.core.jsonld.loader import DocumentLoader, default_loader
from lerkit.core.types import JsonObject

_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")

# pyld's process-wide context caches are not thread-safe (LRU evictions raise KeyError
# under concurrent use); every call into pyld from this module holds this lock.
_PYLD_LOCK = threading.RLock()


class Canonicalizer(Protocol):
    """Turns a JSON-LD document into canonical RDFC-1.0 N-Quads."""

    name: str

    def canonicalize(self, document: JsonObject, loader: DocumentLoader) -> str:
        """Canonical N-Quads, one quad per line, each line ending in a newline."""
        ...


def _unwrap(exc: BaseException) -> LerkitError | None:
    """Find one of our errors inside pyld's chain of wrapped errors."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, LerkitError):
            return cur
        stack.append(cur.__cause__)
        stack.append(cur.__context__)
        details = getattr(cur, "details", None)
        if isinstance(details, dict):
            inner = details.get("cause")
            if isinstance(inner, BaseException):
                stack.append(inner)
        cause = getattr(cur, "cause", None)
        if isinstance(cause, BaseException):
            stack.append(cause)
    return None


def _pyld_message(exc: BaseException) -> str:
    parts: list[str] = []
    cur: BaseException | None = exc
    while cur is not None and len(parts) < 4:
        msg = getattr(cur, "message", None) or str(cur).split("\n")[0]
        if msg and msg not in parts:
            parts.append(str(msg).strip())
        cur = cur.__cause__ or getattr(cur, "cause", None)
    return "; ".join(parts) or type(exc).__name__


def _check_absolute(value: Any, where: str) -> None:
    if not isinstance(value, str) or not _ABSOLUTE_IRI.match(value):
        raise JsonLdError(
            f"relative IRI {value!r} in {where}: every identifier and type must be an absolute "
            "IRI or a term defined by the @context",
            ProblemCode.JSONLD_RELATIVE_IRI,
        )


def _check_expanded(node: Any) -> None:
    """Walk expanded JSON-LD and refuse relative ``@id`` / ``@type`` values."""
    if isinstance(node, list):
        for item in node:
            _check_expanded(item)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        if "@type" in node and node["@type"] != "@json":
            _check_absolute(node["@type"], "a value's @type")
        return
    for key, value in node.items():
        if key == "@id":
            _check_absolute(value, "@id")
        elif key == "@type":
            for t in value if isinstance(value, list) else [value]:
                _check_absolute(t, "@type")
        elif isinstance(value, (list, dict)):
            _check_expanded(value)


def _raise_dropped(term: Any) -> None:
    raise JsonLdError(
        f"undefined term {term!r}: the @context does not define it, so it would not be signed",
        ProblemCode.JSONLD_UNDEFINED_TERM,
    )


def _translate(exc: BaseException) -> LerkitError:
    ours = _unwrap(exc)
    if ours is not None:
        return ours
    return JsonLdError(f"invalid JSON-LD: {_pyld_message(exc)}", ProblemCode.JSONLD_INVALID)


def expand(document: JsonObject, loader: DocumentLoader | None = None) -> list[Any]:
    """Expand ``document`` in safe mode; raise :class:`JsonLdError` on anything lossy."""
    if not isinstance(document, dict):
        raise JsonLdError("a JSON-LD document must be a JSON object")
    options = {"documentLoader": loader or default_loader(), "base": None}
    with _PYLD_LOCK:
        try:
            processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
            expanded: list[Any] = processor.expand(document, options)
        except LerkitError:
            raise
        except Exception as exc:  # pyld raises plain and wrapped errors of many kinds
            raise _translate(exc) from exc
    _check_expanded(expanded)
    return expanded


def _dataset(document: JsonObject, loader: DocumentLoader) -> dict[str, Any]:
    expanded = expand(document, loader)
    options: dict[str, Any] = {
        "documentLoader": loader,
        "base": "",
        "produceGeneralizedRdf": False,
        "rdfDirection": None,
        "processingMode": "json-ld-1.1",
    }
    with _PYLD_LOCK:
        try:
            processor = jsonld.JsonLdProcessor()
            issuer = IdentifierIssuer("_:b")
            node_map: dict[str, Any] = {"@default": {}}
            processor._create_node_map(expanded, node_map, "@default", issuer)
            dataset: dict[str, Any] = {}
            for graph_name, graph in sorted(node_map.items()):
                if graph_name == "@default" or _ABSOLUTE_IRI.match(graph_name):
                    dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
        except LerkitError:
            raise
        except Exception as exc:
            raise _translate(exc) from exc
    return dataset


class _URDNA2015WithHash(URDNA2015):  # type: ignore[misc]
    """RDFC-1.0 with another hash than SHA-256 (RDFC-1.0 §4.4: the hash is a parameter;
    ecdsa-rdfc-2019 with P-384 uses SHA-384, which changes the blank-node labels)."""

    def __init__(self, hash_algorithm: str) -> None:
        super().__init__()
        self._hash_algorithm = hash_algorithm

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_algorithm)


class PyldCanonicalizer:
    """RDFC-1.0 (URDNA2015) with pyld, after a safe-mode expansion.

    ``hash_algorithm`` is RDFC-1.0's hash parameter (``sha256`` by default, ``sha384``).
    """

    name = "pyld"

    def __init__(self, hash_algorithm: str = "sha256") -> None:
        if hash_algorithm not in ("sha256", "sha384"):
            raise ValueError(f"unsupported RDFC-1.0 hash algorithm {hash_algorithm!r}")
        self.hash_algorithm = hash_algorithm

    def with_hash_algorithm(self, hash_algorithm: str) -> PyldCanonicalizer:
        """The same canonicalizer with another RDFC-1.0 hash algorithm."""
        if hash_algorithm == self.hash_algorithm:
            return self
        return PyldCanonicalizer(hash_algorithm)

    def canonicalize(self, document: JsonObject, loader: DocumentLoader) -> str:
        dataset = _dataset(document, loader)
        with _PYLD_LOCK:
            try:
                canon = (
                    URDNA2015()
                    if self.hash_algorithm == "sha256"
                    else _URDNA2015WithHash(self.hash_algorithm)
                )
                out: str = canon.main(dataset, {"format": "application/n-quads"})
            except Exception as exc:
                raise _translate(exc) from exc
        return out

    def to_nquads(self, document: JsonObject, loader: DocumentLoader) -> str:
        """Non-canonical N-Quads of ``document`` (blank nodes as issued by expansion)."""
        dataset = _dataset(document, loader)
        with _PYLD_LOCK:
            out: str = jsonld.JsonLdProcessor.to_nquads(dataset)
        return out


_DEFAULT = PyldCanonicalizer()


def default_canonicalizer() -> Canonicalizer:
    return _DEFAULT


def canonicalize(
    document: JsonObject,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> str:
    """Canonical RDFC-1.0 N-Quads of ``document`` using the bundled contexts."""
    return (canonicalizer or _DEFAULT).canonicalize(document, loader or default_loader())


__all__ = [
    "Canonicalizer",
    "ContextUnknownError",
    "PyldCanonicalizer",
    "canonicalize",
    "default_canonicalizer",
    "expand",
]
