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
from lerkit.core.jsonld import fastpath
from lerkit.core.jsonld.loader import DocumentLoader, default_loader
from lerkit.core.types import JsonObject

_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")

# pyld's process-wide context caches are not thread-safe (LRU evictions raise KeyError
# under concurrent use); every call into pyld from this module holds this lock (the same
# lock guards the memo of ``fastpath``).
_PYLD_LOCK: threading.RLock = fastpath.LOCK


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
    loader = loader or default_loader()
    with _PYLD_LOCK:
        try:
            processor: jsonld.JsonLdProcessor
            if loader is default_loader():
                # the bundled contexts only: context processing is memoized (see fastpath)
                options: dict[str, Any] = {
                    "documentLoader": fastpath.bundled_loader(),
                    "contextResolver": fastpath.new_resolver(),
                    "base": None,
                }
                processor = fastpath.FastProcessor(on_property_dropped=_raise_dropped)
            else:
                options = {"documentLoader": loader, "base": None}
                processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
            source: JsonObject = document
            if type(document) is dict:
                source = fastpath.CloneOnDeepcopy(document)  # a faster private copy
            expanded: list[Any] = processor.expand(source, options)
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


class _URDNA2015(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 with a choice of hash (RDFC-1.0 §4.4: the hash is a parameter;
    ecdsa-rdfc-2019 with P-384 uses SHA-384, which changes the blank-node labels), and
    without a ``copy.deepcopy`` per blank-node component in Hash First Degree Quads (a
    blank node component is a flat ``{type, value}`` object of strings: a shallow copy is
    the same)."""

    def __init__(self, hash_algorithm: str = "sha256") -> None:
        super().__init__()
        self._hash_algorithm = hash_algorithm

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_algorithm)

    def modify_first_degree_component(self, id_: str, component: Any, key: str) -> Any:
        if component["type"] != "blank node":
            return component
        copied = dict(component)
        copied["value"] = "_:a" if component["value"] == id_ else "_:z"
        return copied


_URDNA2015WithHash = _URDNA2015  # the name it had before


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
                canon = _URDNA2015(self.hash_algorithm)
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


_WARM_VC2 = "https://www.w3.org/ns/credentials/v2"
_WARM_OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_WARM_ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"


def _warm_documents() -> list[JsonObject]:
    """A tiny OB 3.0 credential touching the usual nodes, and proof configurations."""
    badge: JsonObject = {
        "@context": [_WARM_VC2, _WARM_OB3],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:warm", "type": ["Profile"], "name": "w"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "w",
        "credentialSubject": {
            "id": "did:example:subject",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/a",
                "type": ["Achievement"],
                "name": "w",
                "criteria": {"narrative": "w"},
                "alignment": [
                    {"type": ["Alignment"], "targetName": "w", "targetUrl": "https://example.org/t"}
                ],
                "resultDescription": [
                    {
                        "id": "https://example.org/r",
                        "type": ["ResultDescription"],
                        "name": "w",
                        "resultType": "Percent",
                    }
                ],
            },
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "w",
                    "identityType": "emailAddress",
                    "hashed": False,
                }
            ],
            "result": [{"type": ["Result"], "value": "1", "status": "Completed"}],
        },
        "evidence": [{"id": "https://example.org/e", "type": ["Evidence"], "name": "w"}],
        "credentialStatus": [
            {
                "id": "https://example.org/status/1#0",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "0",
                "statusListCredential": "https://example.org/status/1",
            }
        ],
    }
    proof: JsonObject = {
        "@context": [_WARM_VC2, _WARM_OB3],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": "did:example:warm#key-1",
        "proofPurpose": "assertionMethod",
    }
    legacy: JsonObject = {
        **badge,
        "@context": [_WARM_VC2, _WARM_OB3, _WARM_ED2020],
    }
    legacy_proof: JsonObject = {
        "@context": [_WARM_VC2, _WARM_OB3, _WARM_ED2020],
        "type": "Ed25519Signature2020",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": "did:example:warm#key-1",
        "proofPurpose": "assertionMethod",
    }
    return [badge, proof, legacy, legacy_proof]


def warm_up() -> None:
    """Fill the context caches for OB 3.0 / VC 2.0 / Data Integrity (a few milliseconds).

    Call once at start-up (CLI, server): the first credential then costs what the next
    ones do. Pure: no I/O beyond reading the bundled contexts; safe to call repeatedly and
    from any thread.
    """
    for document in _warm_documents():
        _DEFAULT.canonicalize(document, default_loader())


__all__ = [
    "Canonicalizer",
    "ContextUnknownError",
    "PyldCanonicalizer",
    "canonicalize",
    "default_canonicalizer",
    "expand",
    "warm_up",
]
