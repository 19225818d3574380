"""Baked badges (lerkit.core.baking): OB 3.0 baking into PNG and SVG, unbaking OB 3.0 and
OB 2.0, and every refusal.

The images are built here, from the specs (PNG: W3C PNG §5 chunk layout and §11.3.4.5
iTXt; OB 3.0 §5.3 "Baked Badge"; OB 2.0 Baking Specification), with a PNG chunk reader of
the tests' own, so the module is never checked against itself.
"""

from __future__ import annotations

import contextlib
import json
import struct
import zlib
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lerkit.core.baking import (
    MAX_CREDENTIAL_BYTES,
    MAX_IMAGE_BYTES,
    OB2_SVG_NAMESPACE,
    OB3_SVG_NAMESPACE,
    Unbaked,
    bake_png,
    bake_svg,
    sniff_media,
    unbake,
)
from lerkit.core.errors import InputError, ProblemCode

SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:2f8a4a3e-96b4-4b0c-9a3e-7b1f0c6d2e11",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Ex & Co <Lab>"},
    "validFrom": "2024-01-01T00:00:00Z",
    "name": "Tricky ]]> name — naïve <b>&amp;</b>",
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"id": "urn:x"}},
    "proof": [{"type": "DataIntegrityProof", "proofValue": "z3abc"}],
}
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZTppc3N1ZXIifQ.c2lnbmF0dXJl"
OTHER_JWS = "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ1cm46eCJ9.b3RoZXI"

OB2_ASSERTION: dict[str, Any] = {
    "@context": "https://w3id.org/openbadges/v2",
    "id": "https://example.org/assertions/123",
    "type": "Assertion",
    "recipient": {"type": "email", "identity": "alice@example.org", "hashed": False},
    "issuedOn": "2016-12-31T23:59:59+00:00",
    "verification": {"type": "hosted"},
    "badge": "https://example.org/badges/5",
}


# ----------------------------------------------------------------------------- PNG helpers


def chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def itxt(keyword: bytes, text: bytes, *, flag: int = 0, method: int = 0) -> bytes:
    return chunk(b"iTXt", keyword + b"\0" + bytes([flag, method]) + b"\0\0" + text)


def tiny_png(*extra: bytes, after_idat: bytes = b"") -> bytes:
    """A 2x1 8-bit greyscale PNG; ``extra`` chunks go after IHDR."""
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 0, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\x00\x10\xf0"))
    text = chunk(b"tEXt", b"Software\0lerkit tests")
    return SIGNATURE + ihdr + b"".join(extra) + text + idat + after_idat + chunk(b"IEND", b"")


def read_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The tests' own PNG reader: every chunk, asserting lengths and CRCs."""
    assert png[:8] == SIGNATURE
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        ctype, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(ctype + data), f"bad CRC on {ctype!r}"
        chunks.append((ctype, data))
        pos += 12 + length
    assert pos == len(png)
    return chunks


def credential_chunks(png: bytes) -> list[bytes]:
    return [
        data
        for ctype, data in read_chunks(png)
        if ctype == b"iTXt" and data.split(b"\0", 1)[0] == b"openbadgecredential"
    ]


# ----------------------------------------------------------------------------- SVG helpers

SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="64">\n'
    "  <title>Badge — “quoted”</title>\n"
    '  <circle cx="256" cy="256" r="200" fill="#3a7"/>\n'
    "</svg>\n"
).encode()


def ob2_svg(inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg"\n     xmlns:openbadges="{OB2_SVG_NAMESPACE}"'
        ' viewBox="0 0 512 512">\n'
        f"  {inner}\n"
        '  <rect width="1" height="1"/>\n'
        "</svg>\n"
    ).encode()


def refused(data: bytes, code: ProblemCode, match: str | None = None) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        unbake(data)
    assert info.value.code is code, info.value
    return info.value


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("credential", [CREDENTIAL, JWS], ids=["json", "jws"])
def test_png_round_trip(credential: dict[str, Any] | str) -> None:
    baked = bake_png(tiny_png(), credential)
    assert unbake(baked) == Unbaked("ob3", "png", credential)
    assert unbake(baked).form == ("json" if isinstance(credential, dict) else "jws")


@pytest.mark.parametrize("credential", [CREDENTIAL, JWS], ids=["json", "jws"])
def test_svg_round_trip(credential: dict[str, Any] | str) -> None:
    baked = bake_svg(SVG, credential)
    assert unbake(baked) == Unbaked("ob3", "svg", credential)
    assert bake_svg(SVG.decode(), credential) == baked  # str in, same bytes out


def test_baked_png_is_still_a_valid_png() -> None:
    original = tiny_png()
    baked = bake_png(original, CREDENTIAL)
    chunks = read_chunks(baked)
    types = [ctype for ctype, _ in chunks]
    assert types == [b"IHDR", b"iTXt", b"tEXt", b"IDAT", b"IEND"]
    assert [c for c in chunks if c[0] != b"iTXt"] == read_chunks(original)  # all else intact
    keyword, rest = chunks[1][1].split(b"\0", 1)
    assert keyword == b"openbadgecredential"
    assert rest[:4] == b"\0\0\0\0"  # not compressed, method 0, no language, no translation
    assert json.loads(rest[4:].decode("utf-8")) == CREDENTIAL
    idat = next(data for ctype, data in chunks if ctype == b"IDAT")
    assert zlib.decompress(idat) == b"\x00\x10\xf0"  # the pixels are untouched


def test_rebaking_a_png_replaces_the_credential() -> None:
    once = bake_png(tiny_png(), CREDENTIAL)
    assert bake_png(once, CREDENTIAL) == once  # idempotent
    twice = bake_png(once, JWS)
    assert len(credential_chunks(twice)) == 1
    assert unbake(twice).value == JWS


def test_baking_a_png_drops_an_ob2_assertion() -> None:
    ob2 = tiny_png(itxt(b"openbadges", b"https://example.org/assertions/1"))
    legacy = tiny_png(chunk(b"tEXt", b"openbadges\0https://example.org/assertions/1"))
    for image in (ob2, legacy):
        baked = bake_png(image, JWS)
        keywords = [d.split(b"\0", 1)[0] for t, d in read_chunks(baked) if t in (b"iTXt", b"tEXt")]
        assert keywords == [b"openbadgecredential", b"Software"]


def test_baked_svg_shape() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    root = ElementTree.fromstring(baked)  # stdlib parser: fine, the input has no DTD
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root[0].tag == f"{{{OB3_SVG_NAMESPACE}}}credential"  # the first child
    assert json.loads(root[0].text or "") == CREDENTIAL
    text = baked.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text.split(">", 2)[1]
    assert text.count("]]>") == 1  # the credential's own "]]>" is escaped as \u003e
    # directly after the root start tag; the rest of the document byte for byte
    head, tail = SVG.split(b'width="64">')
    assert baked.startswith(head)
    assert baked.endswith(tail)
    root_tag = b'width="64" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    assert root_tag + b"<openbadges:credential><![CDATA[" in baked


def test_baked_svg_with_jws_uses_verify() -> None:
    baked = bake_svg(SVG, JWS)
    root = ElementTree.fromstring(baked)
    element = root[0]
    assert element.tag == f"{{{OB3_SVG_NAMESPACE}}}credential"
    assert element.attrib == {"verify": JWS}
    assert not (element.text or "").strip()


def test_rebaking_an_svg_replaces_the_credential() -> None:
    once = bake_svg(SVG, CREDENTIAL)
    assert bake_svg(once, CREDENTIAL) == once
    twice = bake_svg(once, JWS)
    assert twice.count(b"openbadges:credential") == 2  # one start tag, one end tag
    assert twice.count(b"xmlns:openbadges") == 1
    assert unbake(twice).value == JWS
    assert bake_svg(twice, CREDENTIAL) == once


def test_baking_an_svg_replaces_an_ob2_assertion() -> None:
    image = ob2_svg('<openbadges:assertion verify="https://example.org/assertions/1"/>')
    baked = bake_svg(image, CREDENTIAL)
    assert b"openbadges.org" not in baked
    assert b"assertion" not in baked
    assert unbake(baked) == Unbaked("ob3", "svg", CREDENTIAL)


def test_baking_an_empty_svg() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', JWS)
    assert baked == (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="'
        + OB3_SVG_NAMESPACE.encode()
        + b'"><openbadges:credential verify="'
        + JWS.encode()
        + b'"></openbadges:credential></svg>'
    )
    assert unbake(baked).value == JWS


def test_unbake_split_cdata_and_whitespace() -> None:
    """Other bakers escape ``]]>`` by splitting the CDATA section, and pretty-print."""
    body = json.dumps({"name": "a]]>b"}, indent=2).replace("]]>", "]]]]><![CDATA[>")
    image = SVG.replace(
        b'width="64">',
        b'width="64" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">\n'
        b"  <openbadges:credential>\n    <![CDATA[" + body.encode() + b"]]>\n"
        b"  </openbadges:credential>",
    )
    assert unbake(image).value == {"name": "a]]>b"}


def test_ob3_preferred_over_ob2() -> None:
    png = tiny_png(
        itxt(b"openbadges", json.dumps(OB2_ASSERTION).encode()),
        itxt(b"openbadgecredential", JWS.encode()),
    )
    assert unbake(png) == Unbaked("ob3", "png", JWS)


# ----------------------------------------------------------------------------- OB 2.0


@pytest.mark.parametrize(
    ("text", "form"),
    [
        (json.dumps(OB2_ASSERTION), "json"),
        (JWS, "jws"),
        ("https://example.org/assertions/123", "url"),
    ],
)
def test_unbake_ob2_png(text: str, form: str) -> None:
    found = unbake(tiny_png(itxt(b"openbadges", text.encode())))
    assert (found.kind, found.media, found.form) == ("ob2", "png", form)
    assert found.value == (OB2_ASSERTION if form == "json" else text)


def test_unbake_legacy_png_text_chunk() -> None:
    """Pre-2.0 badges: the hosted assertion's URL in a tEXt chunk (OB 2.0 baking, "Legacy")."""
    png = tiny_png(chunk(b"tEXt", b"openbadges\0https://example.org/assertions/7"))
    assert unbake(png) == Unbaked("ob2", "png", "https://example.org/assertions/7")


def test_unbake_ob2_svg_hosted_with_json_body() -> None:
    """The example of the OB 2.0 baking spec: a verify URL and the assertion in CDATA."""
    image = ob2_svg(
        '<openbadges:assertion verify="https://example.org/assertions/123">\n'
        f"    <![CDATA[\n{json.dumps(OB2_ASSERTION, indent=2)}\n    ]]>\n"
        "  </openbadges:assertion>"
    )
    assert unbake(image) == Unbaked("ob2", "svg", OB2_ASSERTION)


@pytest.mark.parametrize("verify", [JWS, "https://example.org/assertions/123"])
def test_unbake_ob2_svg_verify_only(verify: str) -> None:
    image = ob2_svg(f'<openbadges:assertion verify="{verify}"/>')
    assert unbake(image) == Unbaked("ob2", "svg", verify)


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a....", b'{"a": 1}', JWS.encode(), b"\x89PNG\r\n", b"  hello"],
    ids=["empty", "gif", "json", "jws", "short-signature", "text"],
)
def test_not_an_image(data: bytes) -> None:
    refused(data, ProblemCode.IMAGE_MALFORMED, "not a PNG or SVG")


def test_png_corruptions() -> None:
    good = bake_png(tiny_png(), CREDENTIAL)
    bad_crc = bytearray(good)
    bad_crc[8 + 25 + 30] ^= 0x01  # a byte inside the iTXt chunk's data
    refused(bytes(bad_crc), ProblemCode.IMAGE_MALFORMED, "wrong CRC")
    refused(good[:-6], ProblemCode.IMAGE_MALFORMED, "truncated")
    refused(good[:-12], ProblemCode.IMAGE_MALFORMED, "without an IEND")
    refused(good + b"junk", ProblemCode.IMAGE_MALFORMED, "after its IEND")
    no_ihdr = SIGNATURE + chunk(b"IDAT", b"") + chunk(b"IEND", b"")
    refused(no_ihdr, ProblemCode.IMAGE_MALFORMED, "IHDR")
    bad_type = good[:12] + b"IH1R" + good[16:]
    refused(bad_type, ProblemCode.IMAGE_MALFORMED, "invalid type")
    huge_length = good[:8] + b"\xff\xff\xff\xf0" + good[12:]
    refused(huge_length, ProblemCode.IMAGE_MALFORMED, "truncated")
    with pytest.raises(InputError, match="wrong CRC"):
        bake_png(bytes(bad_crc), JWS)


def test_compressed_itxt_is_refused() -> None:
    """Both baking specs: "Compression MUST NOT be used". lerkit refuses rather than inflates."""
    compressed = itxt(b"openbadgecredential", zlib.compress(JWS.encode()), flag=1)
    refused(tiny_png(compressed), ProblemCode.IMAGE_MALFORMED, "compressed")
    odd = itxt(b"openbadgecredential", JWS.encode(), flag=2)
    refused(tiny_png(odd), ProblemCode.IMAGE_MALFORMED, "compression flag")


def test_two_credential_chunks_are_refused() -> None:
    two = tiny_png(
        itxt(b"openbadgecredential", JWS.encode()),
        after_idat=itxt(b"openbadgecredential", OTHER_JWS.encode()),
    )
    refused(two, ProblemCode.IMAGE_MALFORMED, "2 iTXt 'openbadgecredential' chunks")
    assert unbake(bake_png(two, JWS)).value == JWS  # baking repairs it: exactly one again
    two_ob2 = tiny_png(
        itxt(b"openbadges", b"https://example.org/a"),
        chunk(b"tEXt", b"openbadges\0https://example.org/b"),
    )
    refused(two_ob2, ProblemCode.IMAGE_MALFORMED, "2 'openbadges' chunks")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"not a credential", "neither JSON nor a compact JWS"),
        (b"https://example.org/a/1", "neither"),  # a URL is OB 2.0 only
        (b"[1, 2]", "neither"),
        (b'{"a": ', "not usable JSON"),
        (b'{"a": NaN}', "not usable JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_unusable_png_values(text: bytes, match: str) -> None:
    refused(tiny_png(itxt(b"openbadgecredential", text)), ProblemCode.IMAGE_MALFORMED, match)


def test_itxt_without_separators() -> None:
    broken = chunk(b"iTXt", b"openbadgecredential\0\0\0no-separators")
    refused(tiny_png(broken), ProblemCode.IMAGE_MALFORMED, "separators")
    truncated = chunk(b"iTXt", b"openbadgecredential\0\0")
    refused(tiny_png(truncated), ProblemCode.IMAGE_MALFORMED, "truncated")


def test_no_credential() -> None:
    refused(tiny_png(), ProblemCode.IMAGE_NO_CREDENTIAL, "no baked credential")
    refused(SVG, ProblemCode.IMAGE_NO_CREDENTIAL, "no baked credential")
    other = tiny_png(itxt(b"Comment", b"hello"), chunk(b"zTXt", b"openbadges\0\0x"))
    refused(other, ProblemCode.IMAGE_NO_CREDENTIAL)


def test_sizes_are_capped() -> None:
    refused(SIGNATURE + bytes(MAX_IMAGE_BYTES), ProblemCode.IMAGE_TOO_LARGE, "image")
    big_svg = b"<svg>" + b" " * MAX_IMAGE_BYTES + b"</svg>"
    with pytest.raises(InputError) as info:
        bake_svg(big_svg, JWS)
    assert info.value.code is ProblemCode.IMAGE_TOO_LARGE
    huge = {"name": "x" * MAX_CREDENTIAL_BYTES}
    for bake in (lambda: bake_png(tiny_png(), huge), lambda: bake_svg(SVG, huge)):
        with pytest.raises(InputError, match="credential") as info:
            bake()
        assert info.value.code is ProblemCode.IMAGE_TOO_LARGE
    text = b'{"name": "' + b"x" * MAX_CREDENTIAL_BYTES + b'"}'
    refused(tiny_png(itxt(b"openbadgecredential", text)), ProblemCode.IMAGE_TOO_LARGE)


def test_bad_credentials_to_bake() -> None:
    for bad in ("not a jws", "a.b", '{"a": 1}', "a.b.c d"):
        with pytest.raises(InputError, match="compact JWS") as info:
            bake_png(tiny_png(), bad)
        assert info.value.code is ProblemCode.INPUT_MALFORMED
    with pytest.raises(InputError, match="NaN"):
        bake_svg(SVG, {"x": float("nan")})
    with pytest.raises(InputError):
        bake_png(tiny_png(), 42)  # type: ignore[arg-type]


DTDS = {
    "doctype": (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg/>'
    ),
    "billion-laughs": (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY a "lollollollollol">\n'
        b' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
        b' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n<svg><text>&c;</text></svg>'
    ),
    "xxe": (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<svg xmlns:openbadges='https://purl.imsglobal.org/ob/v3p0'>"
        b"<openbadges:credential>&x;</openbadges:credential></svg>"
    ),
    "parameter-entity": (
        b'<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://example.org/evil.dtd"> %p;]><svg/>'
    ),
}


@pytest.mark.parametrize("svg", DTDS.values(), ids=DTDS.keys())
def test_dtds_are_refused(svg: bytes) -> None:
    refused(svg, ProblemCode.IMAGE_MALFORMED, "DOCTYPE")
    with pytest.raises(InputError, match="DOCTYPE"):
        bake_svg(svg, JWS)


@pytest.mark.parametrize(
    ("svg", "match"),
    [
        (b"<svg><g></svg>", "not well-formed"),
        (b"<svg></svg><svg></svg>", "not well-formed"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "root element is <html>"),
        (b'<svg xmlns="http://example.org/not-svg"/>', "root element is <svg>"),
        (b"<svg>\x00</svg>", "not well-formed"),
        (b"<", "not well-formed"),
    ],
)
def test_svg_refusals(svg: bytes, match: str) -> None:
    refused(svg, ProblemCode.IMAGE_MALFORMED, match)


def ob3_svg(inner: str) -> bytes:
    return (
        f'<svg xmlns="{SVG_NS}" xmlns:openbadges="{OB3_SVG_NAMESPACE}">{inner}<g/></svg>'
    ).encode()


@pytest.mark.parametrize(
    ("inner", "match"),
    [
        (
            f'<openbadges:credential verify="{JWS}"/><openbadges:credential verify="{JWS}"/>',
            "2 <openbadges:credential> elements",
        ),
        (
            f'<openbadges:credential verify="{JWS}"><![CDATA[{{"a": 1}}]]></openbadges:credential>',
            "both a verify attribute and a JSON body",
        ),
        ('<openbadges:credential verify="https://example.org/x"/>', "not a compact JWS"),
        ("<openbadges:credential/>", "empty"),
        ("<openbadges:credential><g/></openbadges:credential>", "holds elements"),
        ("<openbadges:credential>hello</openbadges:credential>", "neither"),
        ("<openbadges:credential><![CDATA[{]]></openbadges:credential>", "not usable JSON"),
    ],
)
def test_unusable_svg_credentials(inner: str, match: str) -> None:
    refused(ob3_svg(inner), ProblemCode.IMAGE_MALFORMED, match)


def test_two_ob2_assertions_are_refused() -> None:
    one = '<openbadges:assertion verify="https://example.org/a"/>'
    refused(ob2_svg(one + one), ProblemCode.IMAGE_MALFORMED, "2 <openbadges:assertion>")


def test_svg_bake_refusals() -> None:
    latin1 = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg><title>caf\xe9</title></svg>'
    with pytest.raises(InputError, match="not UTF-8"):
        bake_svg(latin1, JWS)
    declared = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg/>'
    with pytest.raises(InputError, match="encoding ISO-8859-1"):
        bake_svg(declared, JWS)
    other_prefix = b'<svg xmlns:openbadges="urn:something-else"/>'
    with pytest.raises(InputError, match="re-bind"):
        bake_svg(other_prefix, JWS)
    with pytest.raises(InputError, match="not an SVG"):
        bake_svg(b"hello", JWS)
    with pytest.raises(InputError, match="not a PNG"):
        bake_png(SVG, JWS)


def test_unbake_svg_in_another_encoding() -> None:
    """Unbaking reads any encoding expat knows; only baking needs UTF-8."""
    image = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        f'<svg xmlns:openbadges="{OB3_SVG_NAMESPACE}"><title>café</title>'
        f'<openbadges:credential verify="{JWS}"/></svg>'
    ).encode("latin-1")
    assert unbake(image).value == JWS


def test_sniff_media() -> None:
    assert sniff_media(tiny_png()) == "png"
    assert sniff_media(b"\xef\xbb\xbf\n  <svg/>") == "svg"
    assert sniff_media(b'{"a": 1}') is None
    assert sniff_media(JWS.encode()) is None


# ----------------------------------------------------------------------------- properties

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_input_errors(data: bytes) -> None:
    try:
        found = unbake(data)
    except InputError:
        return
    assert found.kind in ("ob3", "ob2")


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    only_input_errors(data)
    only_input_errors(SIGNATURE + data)
    only_input_errors(b"<svg>" + data)


@FUZZ
@given(st.text(alphabet=st.sampled_from('<>/!?[]"=&; abx:-\n'), max_size=200))
def test_random_markup(text: str) -> None:
    only_input_errors(text.encode())
    only_input_errors(ob3_svg(text))
    with contextlib.suppress(InputError):
        bake_svg(ob3_svg(text), JWS)


BAKED = bake_png(tiny_png(), CREDENTIAL)


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(BAKED) - 1), st.integers(0, 255), st.sampled_from("sdi")),
        min_size=1,
        max_size=4,
    )
)
def test_png_mutations(mutations: list[tuple[int, int, str]]) -> None:
    """Set, delete or insert bytes anywhere (fixing the CRCs half the time)."""
    data = bytearray(BAKED)
    for index, value, how in mutations:
        index %= max(len(data), 1)
        if how == "s":
            data[index] = value
        elif how == "d":
            del data[index]
        else:
            data.insert(index, value)
    candidates = [bytes(data), _fix_crcs(bytes(data))]
    for candidate in candidates:
        only_input_errors(candidate)
        with contextlib.suppress(InputError):
            bake_png(candidate, JWS)


def _fix_crcs(png: bytes) -> bytes:
    """Recompute every CRC a mutated PNG's chunk layout still lets us find."""
    out, pos = bytearray(png), 8
    while pos + 12 <= len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if pos + 12 + length > len(png):
            break
        crc = zlib.crc32(png[pos + 4 : pos + 8 + length])
        out[pos + 8 + length : pos + 12 + length] = struct.pack(">I", crc)
        pos += 12 + length
    return bytes(out)
