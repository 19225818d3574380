"""Baked badges: an Open Badges credential carried inside a PNG or SVG image.

Open Badges 3.0 §5.3 ("Baked Badge") and the Open Badges 2.0 Baking Specification:

- **PNG**: one ``iTXt`` chunk, keyword ``openbadgecredential`` (OB 3.0) or ``openbadges``
  (OB 2.0), uncompressed, whose text is the credential's JSON or its compact JWS (OB 2.0:
  the assertion's JSON, a JWS, or the URL of a hosted assertion — pre-2.0 images carry
  that URL in a ``tEXt`` ``openbadges`` chunk, which is read too).
- **SVG**: ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the root and an
  ``<openbadges:credential>`` element directly after ``<svg ...>``, holding the JSON in
  CDATA or the JWS in a ``verify`` attribute (OB 2.0: namespace ``http://openbadges.org``,
  ``<openbadges:assertion verify="URL or JWS">`` with the JSON, if any, in CDATA).

Pure: bytes in, bytes out. Nothing here fetches a hosted assertion or verifies anything;
:func:`unbake` returns what the image carries and the verification pipeline does the rest.

Decisions (each refusal is an :class:`~lerkit.core.errors.InputError`):

- Baking *replaces*: every credential chunk or element already in the image — OB 3.0 and
  OB 2.0 — is removed first, so a baked image carries exactly one credential. Re-baking
  the same credential gives the same bytes.
- The PNG chunk goes directly after ``IHDR``, so extractors that stop at the first match
  find it without reading the image data.
- A *compressed* credential chunk is refused, not inflated: both specs say compression
  MUST NOT be used, so such an image is not a conforming baked badge, and refusing it
  leaves no decompression bomb to defend against.
- More than one credential chunk (or element) of the same version is refused: the specs
  allow one, and two would make the image ambiguous. Where an image holds both an OB 3.0
  credential and an OB 2.0 assertion, the OB 3.0 credential is the one returned.
- PNGs are read strictly: the signature, ``IHDR`` first, every chunk's CRC, ``IEND`` last
  and nothing after it. Only the chunk layer is checked, never the pixels.
- SVG is parsed with the stdlib's streaming expat parser, and any ``<!DOCTYPE`` (hence any
  ``<!ENTITY``: internal subsets, external DTDs, XXE, "billion laughs") is refused before
  it is read; no entity is ever resolved. Baking edits the original bytes (the document is
  never re-serialized) and needs UTF-8. The JSON baked into CDATA writes ``<``, ``>`` and
  ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` (and everything non-ASCII as ``\\uXXXX``),
  so ``]]>`` can never end the section early and the JSON parses to the same value;
  CDATA split by other bakers (``]]]]><![CDATA[>``) is read as one text.
- Sizes are capped: images at :data:`MAX_IMAGE_BYTES` (a baked result too), the
  credential at :data:`MAX_CREDENTIAL_BYTES`.

Problem codes: ``image.malformed``, ``image.no_credential``, ``image.too_large``;
``input.malformed`` for a credential argument that is neither a JSON object nor a compact JWS.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Literal
from xml.parsers import expat

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.jsonvalue import check_json_value, parse_json
from lerkit.core.types import JsonObject

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""Largest image read or written (10 MB)."""
MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024
"""Largest credential baked or unbaked (2 MB of UTF-8)."""

OB3_PNG_KEYWORD = b"openbadgecredential"
OB2_PNG_KEYWORD = b"openbadges"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_SVG_NAMESPACE = "http://openbadges.org"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Kind = Literal["ob3", "ob2"]
Media = Literal["png", "svg"]

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_VERSION_NAME = {"ob3": "Open Badges 3.0 credential", "ob2": "Open Badges 2.0 assertion"}


@dataclass(frozen=True)
class Unbaked:
    """What a baked image carries.

    ``value`` is the credential's JSON object, its compact JWS, or (OB 2.0 only) the URL
    of a hosted assertion; :attr:`form` says which.
    """

    kind: Kind
    media: Media
    value: JsonObject | str

    @property
    def form(self) -> Literal["json", "jws", "url"]:
        if isinstance(self.value, dict):
            return "json"
        return "jws" if _JWS.fullmatch(self.value) else "url"


def _malformed(message: str) -> InputError:
    return InputError(message, ProblemCode.IMAGE_MALFORMED)


def _check_image_size(data: bytes) -> None:
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(
            f"the image is {len(data):,} bytes, over the {MAX_IMAGE_BYTES:,}-byte limit",
            ProblemCode.IMAGE_TOO_LARGE,
        )


def _check_credential_size(size: int) -> None:
    if size > MAX_CREDENTIAL_BYTES:
        raise InputError(
            f"the credential is {size:,} bytes, over the {MAX_CREDENTIAL_BYTES:,}-byte limit",
            ProblemCode.IMAGE_TOO_LARGE,
        )


def sniff_media(data: bytes) -> Media | None:
    """``"png"`` for the PNG signature, ``"svg"`` for text starting with ``<`` (XML), else None.

    Neither JSON nor a JWT can start with ``<``, so anything that does is read as an SVG
    (and refused clearly if it is not one).
    """
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"<"):
        return "svg"
    return None


# ----------------------------------------------------------------------------- the credential


def _credential_text(credential: JsonObject | str) -> tuple[str, bool]:
    """The text to bake and whether it is JSON (else a compact JWS)."""
    if isinstance(credential, dict):
        check_json_value(credential, "the credential")
        return json.dumps(credential, ensure_ascii=False, separators=(",", ":")), True
    if isinstance(credential, str):
        token = credential.strip()
        if not _JWS.fullmatch(token):
            raise InputError(
                "the credential to bake must be a JSON object or a compact JWS "
                "(header.payload.signature)"
            )
        return token, False
    raise InputError("the credential to bake must be a JSON object or a compact JWS")


def _parse_value(text: str, kind: Kind, where: str) -> JsonObject | str:
    """Read what a chunk or element carries: JSON, a compact JWS, or (OB 2.0) a URL."""
    _check_credential_size(len(text.encode("utf-8", "surrogatepass")))
    value = text.strip()
    if not value:
        raise _malformed(f"the {where} is empty")
    if value.startswith("{"):
        try:
            parsed = parse_json(value)
        except InputError as exc:
            raise _malformed(f"the {where} is not usable JSON: {exc.message}") from exc
        if not isinstance(parsed, dict):  # pragma: no cover - "{" always parses to an object
            raise _malformed(f"the {where} is not a JSON object")
        return parsed
    if _JWS.fullmatch(value):
        return value
    if kind == "ob2" and _URL.fullmatch(value):
        return value
    expected = "JSON, a compact JWS nor a URL" if kind == "ob2" else "JSON nor a compact JWS"
    raise _malformed(f"the {where} holds neither {expected}")


# ----------------------------------------------------------------------------- PNG


@dataclass(frozen=True)
class _Chunk:
    type: bytes
    data: bytes
    offset: int

    @property
    def name(self) -> str:
        return self.type.decode("ascii")


def _png_chunks(png: bytes) -> list[_Chunk]:
    """Every chunk of a PNG, checked: signature, lengths, types, CRCs, IHDR first, IEND last."""
    if not png.startswith(PNG_SIGNATURE):
        raise _malformed("not a PNG image (no PNG signature)")
    chunks: list[_Chunk] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if len(png) - pos < 12:
            if pos == len(png):
                raise _malformed("the PNG ends without an IEND chunk")
            raise _malformed(f"the PNG is truncated (an incomplete chunk at byte {pos})")
        (length,) = struct.unpack_from(">I", png, pos)
        ctype = png[pos + 4 : pos + 8]
        if not (ctype.isascii() and ctype.isalpha()):
            raise _malformed(f"the PNG chunk at byte {pos} has an invalid type {ctype!r}")
        name = ctype.decode("ascii")
        if length > 0x7FFFFFFF or pos + 12 + length > len(png):
            raise _malformed(
                f"the PNG is truncated (chunk {name} at byte {pos} claims {length:,} bytes)"
            )
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        if zlib.crc32(data, zlib.crc32(ctype)) != crc:
            raise _malformed(f"the PNG chunk {name} at byte {pos} has a wrong CRC")
        if not chunks and (ctype != b"IHDR" or length != 13):
            raise _malformed("the PNG does not start with an IHDR chunk")
        chunks.append(_Chunk(ctype, data, pos))
        pos += 12 + length
        if ctype == b"IEND":
            if pos != len(png):
                raise _malformed(f"the PNG has {len(png) - pos:,} bytes after its IEND chunk")
            return chunks


def _encode_chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(ctype))
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def _keyword(chunk: _Chunk) -> bytes | None:
    """The keyword of a tEXt / iTXt chunk (None for other chunks or no separator)."""
    if chunk.type not in (b"tEXt", b"iTXt"):
        return None
    keyword, sep, _rest = chunk.data.partition(b"\0")
    return keyword if sep else None


def _is_credential_chunk(chunk: _Chunk) -> bool:
    keyword = _keyword(chunk)
    if chunk.type == b"iTXt":
        return keyword in (OB3_PNG_KEYWORD, OB2_PNG_KEYWORD)
    return chunk.type == b"tEXt" and keyword == OB2_PNG_KEYWORD


def _chunk_text(chunk: _Chunk) -> str:
    """The text of an ``iTXt`` (UTF-8, uncompressed) or ``tEXt`` (Latin-1) chunk."""
    where = f"{chunk.name} chunk at byte {chunk.offset}"
    _keyword_bytes, _sep, rest = chunk.data.partition(b"\0")
    if chunk.type == b"tEXt":
        return rest.decode("latin-1")
    if len(rest) < 2:
        raise _malformed(f"the {where} is truncated")
    flag, method, rest = rest[0], rest[1], rest[2:]
    if flag == 1:
        raise _malformed(
            f"the {where} is compressed: the Open Badges baking specs forbid compression"
        )
    if flag != 0 or method != 0:
        raise _malformed(f"the {where} has an invalid compression flag or method")
    _language, sep1, rest = rest.partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2):
        raise _malformed(f"the {where} is malformed (missing separators)")
    _check_credential_size(len(text))
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed(f"the {where} is not UTF-8 text") from exc


def _unbake_png(png: bytes) -> Unbaked:
    chunks = _png_chunks(png)
    ob3 = [c for c in chunks if c.type == b"iTXt" and _keyword(c) == OB3_PNG_KEYWORD]
    ob2 = [c for c in chunks if _is_credential_chunk(c) and _keyword(c) == OB2_PNG_KEYWORD]
    for found, label in ((ob3, "iTXt 'openbadgecredential'"), (ob2, "'openbadges'")):
        if len(found) > 1:
            raise _malformed(f"the PNG has {len(found)} {label} chunks: the baking spec allows one")
    kind: Kind
    if ob3:
        kind, chunk = "ob3", ob3[0]
    elif ob2:
        kind, chunk = "ob2", ob2[0]
    else:
        raise InputError(
            "the PNG holds no baked credential (no iTXt chunk 'openbadgecredential')",
            ProblemCode.IMAGE_NO_CREDENTIAL,
        )
    value = _parse_value(_chunk_text(chunk), kind, f"{_VERSION_NAME[kind]} in the PNG")
    return Unbaked(kind, "png", value)


def bake_png(png: bytes, credential: JsonObject | str) -> bytes:
    """``png`` with ``credential`` (a JSON object or a compact JWS) baked in (OB 3.0).

    The ``iTXt`` ``openbadgecredential`` chunk (uncompressed, no language tag) goes
    directly after ``IHDR``; every credential chunk already there (OB 3.0 or 2.0) is
    removed first.
    """
    _check_image_size(png)
    text, _is_json = _credential_text(credential)
    encoded = text.encode("utf-8")
    _check_credential_size(len(encoded))
    chunks = _png_chunks(png)
    itxt = _encode_chunk(b"iTXt", OB3_PNG_KEYWORD + b"\0\0\0\0\0" + encoded)
    out = [PNG_SIGNATURE]
    for chunk in chunks:
        if _is_credential_chunk(chunk):
            continue
        out.append(png[chunk.offset : chunk.offset + 12 + len(chunk.data)])
        if chunk.type == b"IHDR":
            out.append(itxt)
    baked = b"".join(out)
    _check_image_size(baked)
    return baked


# ----------------------------------------------------------------------------- SVG

_START_TAG = re.compile(rb"<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
_START_TAG_NAME = re.compile(rb"<([^\s/>]+)")
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_OB3_ELEMENT = f"{OB3_SVG_NAMESPACE} credential"
_OB2_ELEMENT = f"{OB2_SVG_NAMESPACE} assertion"


@dataclass
class _Element:
    """A credential element found in an SVG, with its byte span."""

    kind: Kind
    start: int
    tag_end: int
    empty: bool
    depth: int
    verify: str | None
    end: int = -1
    text: list[str] = field(default_factory=list)
    has_children: bool = False


def _start_tag_end(data: bytes, start: int) -> tuple[int, bool]:
    """End offset of the start tag at ``start`` and whether it is an empty-element tag."""
    match = _START_TAG.match(data, start)
    if match is None:  # pragma: no cover - expat has just accepted this tag
        raise _malformed(f"the SVG has an unreadable tag at byte {start}")
    return match.end(), match.group(1) == b"/"


class _SvgScan:
    """One pass of expat over an SVG: the root tag's span and every credential element."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.root: tuple[int, int, bool] | None = None
        self.found: list[_Element] = []
        self._inside: _Element | None = None
        self._depth = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external_entity
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self._parser = parser
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise _malformed(
                f"the SVG is not well-formed XML: {expat.ErrorString(exc.code)} "
                f"(line {exc.lineno}, column {exc.offset})"
            ) from exc
        except (ValueError, UnicodeError) as exc:  # pragma: no cover - defensive
            raise _malformed(f"the SVG cannot be read: {exc}") from exc
        if self.root is None:  # pragma: no cover - expat requires a root element
            raise _malformed("the SVG has no root element")

    def _doctype(self, *_args: object) -> None:
        raise _malformed(
            "the SVG has a <!DOCTYPE>: refused (DTDs and entities are never processed; "
            "remove the DOCTYPE line)"
        )

    def _entity(self, *_args: object) -> None:  # pragma: no cover - needs a DOCTYPE first
        raise _malformed("the SVG declares an <!ENTITY>: refused")

    def _external_entity(self, *_args: object) -> int:  # pragma: no cover - as above
        raise _malformed("the SVG refers to an external entity: refused")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if self._depth == 0:
            namespace, _sep, local = name.rpartition(" ")
            if local != "svg" or namespace not in ("", SVG_NAMESPACE):
                raise _malformed(f"not an SVG image (the root element is <{local}>)")
            start = self._parser.CurrentByteIndex
            self.root = (start, *_start_tag_end(self.data, start))
        elif self._inside is not None:
            self._inside.has_children = True
        elif name in (_OB3_ELEMENT, _OB2_ELEMENT):
            kind: Kind = "ob3" if name == _OB3_ELEMENT else "ob2"
            start = self._parser.CurrentByteIndex
            tag_end, empty = _start_tag_end(self.data, start)
            self._inside = _Element(
                kind, start, tag_end, empty, self._depth, attributes.get("verify")
            )
            self.found.append(self._inside)
        self._depth += 1

    def _end(self, _name: str) -> None:
        self._depth -= 1
        element = self._inside
        if element is not None and self._depth == element.depth:
            if element.empty:
                element.end = element.tag_end
            else:
                close = self.data.find(b">", self._parser.CurrentByteIndex)
                element.end = close + 1
            self._inside = None

    def _text(self, text: str) -> None:
        if self._inside is not None:
            self._inside.text.append(text)


def _unbake_svg(svg: bytes) -> Unbaked:
    scan = _SvgScan(svg)
    ob3 = [e for e in scan.found if e.kind == "ob3"]
    ob2 = [e for e in scan.found if e.kind == "ob2"]
    for found, label in ((ob3, "<openbadges:credential>"), (ob2, "<openbadges:assertion>")):
        if len(found) > 1:
            raise _malformed(f"the SVG has {len(found)} {label} elements: the spec allows one")
    if not scan.found:
        raise InputError(
            "the SVG holds no baked credential (no <openbadges:credential> element in the "
            f"namespace {OB3_SVG_NAMESPACE})",
            ProblemCode.IMAGE_NO_CREDENTIAL,
        )
    element = ob3[0] if ob3 else ob2[0]
    kind = element.kind
    where = f"{_VERSION_NAME[kind]} in the SVG"
    if element.has_children:
        raise _malformed(f"the {where} holds elements, not JSON text")
    body = "".join(element.text).strip()
    verify = (element.verify or "").strip()
    if kind == "ob3":
        if verify and body:
            raise _malformed(f"the {where} has both a verify attribute and a JSON body")
        if verify:
            if not _JWS.fullmatch(verify):
                raise _malformed(f"the verify attribute of the {where} is not a compact JWS")
            return Unbaked(kind, "svg", verify)
    elif not body and verify:  # OB 2.0: a JWS or a hosted assertion's URL
        return Unbaked(kind, "svg", _parse_value(verify, kind, f"verify attribute of the {where}"))
    return Unbaked(kind, "svg", _parse_value(body, kind, where))


def _credential_element(credential: JsonObject | str) -> bytes:
    text, is_json = _credential_text(credential)
    _check_credential_size(len(text.encode("utf-8")))
    if not is_json:  # a compact JWS: base64url and dots, nothing to escape
        return f'<openbadges:credential verify="{text}"></openbadges:credential>'.encode()
    assert isinstance(credential, dict)
    body = json.dumps(credential, ensure_ascii=True, separators=(",", ":"))
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    _check_credential_size(len(body))
    return f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>".encode("ascii")


def _tag_name(tag: bytes) -> bytes:
    match = _START_TAG_NAME.match(tag)
    if match is None:  # pragma: no cover - expat has accepted this tag
        raise _malformed("the SVG's root tag is unreadable")
    return match.group(1)


def _declare_namespace(tag: bytes) -> bytes:
    """The root start tag with ``xmlns:openbadges`` bound to the OB 3.0 namespace."""
    pos = 1 + len(_tag_name(tag))
    while (attribute := _ATTRIBUTE.match(tag, pos)) is not None:
        if attribute.group(1) == b"xmlns:openbadges":
            value = attribute.group(2)[1:-1].decode("utf-8")
            if value == OB3_SVG_NAMESPACE:
                return tag
            if value != OB2_SVG_NAMESPACE:
                raise _malformed(
                    f"the SVG binds the prefix 'openbadges' to {value!r}, "
                    f"not {OB3_SVG_NAMESPACE}: refusing to re-bind it"
                )
            start, end = attribute.span(2)
            return tag[:start] + f'"{OB3_SVG_NAMESPACE}"'.encode() + tag[end:]
        pos = attribute.end()
    return tag[:pos] + f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"'.encode() + tag[pos:]


def bake_svg(svg: bytes | str, credential: JsonObject | str) -> bytes:
    """``svg`` with ``credential`` (a JSON object or a compact JWS) baked in (OB 3.0).

    Declares ``xmlns:openbadges`` on the root and puts ``<openbadges:credential>``
    directly after the root start tag: the JSON in CDATA, or a JWS in ``verify``. Every
    credential element already there (OB 3.0 or 2.0) is removed; the rest of the document
    is left byte for byte as it was. The SVG must be UTF-8.
    """
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    _check_image_size(data)
    element = _credential_element(credential)
    if sniff_media(data) != "svg":
        raise _malformed("not an SVG image (it does not start with '<')")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("the SVG is not UTF-8 text: lerkit bakes UTF-8 SVGs only") from exc
    declared = _ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise _malformed(
            f"the SVG declares the encoding {declared.group(1).decode()}: "
            "lerkit bakes UTF-8 SVGs only"
        )
    scan = _SvgScan(data)
    assert scan.root is not None
    root_start, root_end, root_empty = scan.root
    tag = _declare_namespace(data[root_start:root_end])
    rest = data[root_end:]
    if root_empty:  # <svg .../> becomes <svg ...>credential</svg>
        tag = tag[:-2].rstrip() + b">"
        rest = b"</" + _tag_name(tag) + b">" + rest
    else:
        pieces, pos = [], root_end
        for found in sorted(scan.found, key=lambda e: e.start):
            pieces.append(data[pos : found.start])
            pos = found.end
        pieces.append(data[pos:])
        rest = b"".join(pieces)
    baked = data[:root_start] + tag + element + rest
    _check_image_size(baked)
    return baked


# ----------------------------------------------------------------------------- unbake


def unbake(data: bytes) -> Unbaked:
    """The credential baked into a PNG or SVG image (OB 3.0, else OB 2.0).

    Raises :class:`InputError`: ``image.malformed`` (not a PNG/SVG, corrupt, compressed
    or duplicate credential chunk, DTD, unreadable value), ``image.no_credential``,
    ``image.too_large``.
    """
    _check_image_size(data)
    media = sniff_media(data)
    if media == "png":
        return _unbake_png(data)
    if media == "svg":
        return _unbake_svg(data)
    raise _malformed("not a PNG or SVG image")


__all__ = [
    "MAX_CREDENTIAL_BYTES",
    "MAX_IMAGE_BYTES",
    "OB2_PNG_KEYWORD",
    "OB2_SVG_NAMESPACE",
    "OB3_PNG_KEYWORD",
    "OB3_SVG_NAMESPACE",
    "Unbaked",
    "bake_png",
    "bake_svg",
    "sniff_media",
    "unbake",
]
