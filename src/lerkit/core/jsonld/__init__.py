"""JSON-LD for the core: a strict offline document loader, RDFC-1.0 and JCS canonicalization."""

from lerkit.core.jsonld.jcs import jcs
from lerkit.core.jsonld.loader import (
    BUNDLED_CONTEXTS,
    DocumentLoader,
    StaticDocumentLoader,
    default_loader,
)
from lerkit.core.jsonld.rdfc import (
    Canonicalizer,
    PyldCanonicalizer,
    canonicalize,
    default_canonicalizer,
    expand,
    warm_up,
)

__all__ = [
    "BUNDLED_CONTEXTS",
    "Canonicalizer",
    "DocumentLoader",
    "PyldCanonicalizer",
    "StaticDocumentLoader",
    "canonicalize",
    "default_canonicalizer",
    "default_loader",
    "expand",
    "jcs",
    "warm_up",
]
