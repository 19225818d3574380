"""did:web (w3c-ccg/did-method-web): the pure DID <-> URL mapping and document checks.

Fetching is an adapter's job (:mod:`lerkit.adapters.did_web`); this module only says
*which* URL to fetch and whether what came back may stand for the DID.

``did:web:example.com``                    -> ``https://example.com/.well-known/did.json``
``did:web:example.com:user:alice``         -> ``https://example.com/user/alice/did.json``
``did:web:example.com%3A3000:user:alice``  -> ``https://example.com:3000/user/alice/did.json``

Hosts must be domain names: IP addresses (including the shorthand forms such as
``127.1`` or ``0x7f.0.0.1`` that resolvers accept) are refused, as are empty, ``.``
and ``..`` path segments.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from lerkit.core.dids.base import RELATIONSHIPS, split_did_url
from lerkit.core.errors import InputError, ProblemCode, ResolutionError
from lerkit.core.types import JsonObject

PREFIX = "did:web:"
DID_CONTEXTS = frozenset({"https://www.w3.org/ns/did/v1", "https://w3id.org/did/v1"})

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# RFC 3986 pchar minus ":" (a colon separates segments in the DID), pct-encoded allowed
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})+$")
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0[xX][0-9A-Fa-f]*)$")


def _malformed(did: str, why: str) -> InputError:
    return InputError(f"malformed did:web {did!r}: {why}", ProblemCode.DID_MALFORMED)


def _check_host(host: str, subject: str) -> None:
    """Refuse IP literals and anything that is not a plain DNS name."""
    if not host:
        raise _malformed(subject, "the host is empty")
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        raise _malformed(subject, f"the host {host!r} is an IP address; did:web needs a domain")
    labels = host.rstrip(".").split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        raise _malformed(subject, f"the host {host!r} looks like an IP address")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _malformed(
            subject,
            f"the host {host!r} is not a valid domain name (use the xn-- form for IDNs)",
        )


def _parse_port(text: str, subject: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise _malformed(subject, f"the port {text!r} is not a number between 1 and 65535")
    return int(text)


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of the DID document of ``did`` (a fragment, if any, is ignored)."""
    base, _ = split_did_url(did)
    if not base.startswith(PREFIX):
        raise InputError(f"{did!r} is not a did:web", ProblemCode.DID_MALFORMED)
    if "?" in base or "/" in base:
        raise _malformed(did, "a did:web has no path or query; use ':' between segments")
    host_part, *segments = base[len(PREFIX) :].split(":")
    host, sep, port_text = host_part.replace("%3a", "%3A").partition("%3A")
    _check_host(host, did)
    netloc = host
    if sep:
        netloc = f"{host}:{_parse_port(port_text, did)}"
    for segment in segments:
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            raise _malformed(did, f"invalid path segment {segment!r}")
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{netloc}/{path}/did.json"


def url_to_did_web(url: str) -> str:
    """The did:web for an HTTPS URL: the document URL (``…/did.json``) or its base."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"malformed URL {url!r}: {exc}", ProblemCode.DID_MALFORMED) from exc
    if parts.scheme != "https":
        raise InputError(f"did:web needs an https URL, got {url!r}", ProblemCode.DID_MALFORMED)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError(
            f"a did:web URL has no query, fragment or credentials: {url!r}",
            ProblemCode.DID_MALFORMED,
        )
    host = parts.hostname or ""
    _check_host(host, url)
    segments = [s for s in parts.path.split("/")]
    if segments and segments[0] == "":
        segments = segments[1:]
    if segments and segments[-1] == "":
        segments = segments[:-1]
    if segments and segments[-1] == "did.json":
        segments = segments[:-1]
    if segments == [".well-known"]:
        segments = []
    encoded = []
    for segment in segments:
        segment = segment.replace(":", "%3A")
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            raise InputError(
                f"URL {url!r} has an invalid path segment {segment!r}", ProblemCode.DID_MALFORMED
            )
        encoded.append(segment)
    netloc = host if port is None else f"{host}%3A{port}"
    return ":".join([PREFIX + netloc, *encoded])


def check_did_web_document(did: str, document: object) -> JsonObject:
    """Check a fetched document may stand for ``did``; return it.

    The ``id`` must equal the DID; a ``@context``, when present, must include the DID
    context; embedded verification methods must belong to this DID. Raises
    :class:`ResolutionError` with ``did.document_invalid`` otherwise.
    """
    base, _ = split_did_url(did)
    if not isinstance(document, dict):
        raise ResolutionError(
            f"the DID document of {base!r} is not a JSON object", ProblemCode.DID_DOCUMENT_INVALID
        )
    if document.get("id") != base:
        raise ResolutionError(
            f"the DID document's id {document.get('id')!r} is not the DID {base!r}",
            ProblemCode.DID_DOCUMENT_INVALID,
        )
    if "@context" in document:
        contexts = document["@context"]
        listed = contexts if isinstance(contexts, list) else [contexts]
        if not any(c in DID_CONTEXTS for c in listed):
            raise ResolutionError(
                f"the DID document of {base!r} does not use the DID context "
                "https://www.w3.org/ns/did/v1",
                ProblemCode.DID_DOCUMENT_INVALID,
            )
    for key in ("verificationMethod", *RELATIONSHIPS):
        entries = document.get(key, [])
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                continue
            method_id = str(entry.get("id", ""))
            if not (method_id.startswith("#") or method_id.startswith(base + "#")):
                raise ResolutionError(
                    f"the DID document of {base!r} embeds verification method {method_id!r} "
                    "of another controller",
                    ProblemCode.DID_DOCUMENT_INVALID,
                )
    return document
