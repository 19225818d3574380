"""``lerkit bake`` / ``lerkit unbake``, and ``lerkit credential verify`` reading a baked image.

A lerkit-signed Open Badge is baked into a PNG and an SVG built here, unbaked again, and
verified straight from the image; bad images give one ``error:`` line and exit 2.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from lerkit.core.baking import unbake

SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>\n'
)


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def tiny_png(*extra: bytes) -> bytes:
    """A 1x1 greyscale PNG (``extra`` chunks after IHDR)."""
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = _chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra) + idat + _chunk(b"IEND", b"")


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    png = tmp_path / "badge.png"
    png.write_bytes(tiny_png())
    svg = tmp_path / "badge.svg"
    svg.write_text(SVG, "utf-8")
    return {"png": png, "svg": svg}


def test_help_lists_the_commands(cli: Any) -> None:
    result = cli("--help")
    assert "bake" in result.stdout
    assert "unbake" in result.stdout


@pytest.mark.parametrize("media", ["png", "svg"])
def test_bake_then_verify_the_image(
    cli: Any, tmp_path: Path, files: Any, images: dict[str, Path], media: str
) -> None:
    """The brief's end-to-end case: a lerkit-signed credential, baked, verifies as an image."""
    out = tmp_path / f"baked.{media}"
    baked = cli("bake", images[media], files.signed, "--out", out)
    assert baked.code == 0, baked.stderr
    assert f"baked the credential (JSON) into {out}" in baked.stdout
    found = unbake(out.read_bytes())
    assert (found.kind, found.media) == ("ob3", media)
    assert found.value == json.loads(files.signed.read_text("utf-8"))

    result = cli("credential", "verify", out, "--json", "--resource", files.resource)
    assert result.code == 0, result.stdout + result.stderr
    assert result.json()["verdict"] == "valid"


def test_bake_a_jwt_into_an_svg(
    cli: Any, tmp_path: Path, kit: Any, keys: Any, files: Any, images: dict[str, Path]
) -> None:
    token = kit.sign(kit.badge(keys["issuer"], keys["holder"]), keys["issuer"], "vc-jwt")
    jwt_file = kit.dump(tmp_path / "badge.jwt", token)
    out = tmp_path / "baked.svg"
    assert cli("bake", images["svg"], jwt_file, "-o", out).code == 0
    assert f'verify="{token}"'.encode() in out.read_bytes()

    unbaked = cli("unbake", out)
    assert unbaked.code == 0, unbaked.stderr
    assert unbaked.stdout == token + "\n"
    assert cli("credential", "verify", out, "--resource", files.resource).code == 0


def test_unbake_prints_and_writes(
    cli: Any, tmp_path: Path, files: Any, images: dict[str, Path]
) -> None:
    out = tmp_path / "baked.png"
    assert cli("bake", images["png"], files.signed, "--out", out).code == 0
    printed = cli("unbake", out)
    assert printed.code == 0
    assert printed.json() == json.loads(files.signed.read_text("utf-8"))
    assert printed.stderr == ""

    saved = cli("unbake", out, "--out", tmp_path / "credential.json")
    assert saved.code == 0
    assert json.loads((tmp_path / "credential.json").read_text("utf-8")) == printed.json()
    again = cli("unbake", out, "--out", tmp_path / "credential.json")
    assert again.code == 2
    assert "exists; pass --force" in again.error_line()


def test_rebake_in_place(cli: Any, tmp_path: Path, kit: Any, files: Any, images: dict) -> None:
    first = cli("bake", images["png"], files.signed, "--out", images["png"], "--force")
    assert first.code == 0, first.stderr
    other = kit.dump(tmp_path / "other.jwt", "eyJhbGciOiJFZERTQSJ9.e30.c2ln")
    assert cli("bake", images["png"], other, "--out", images["png"], "--force").code == 0
    assert unbake(images["png"].read_bytes()).value == "eyJhbGciOiJFZERTQSJ9.e30.c2ln"


def test_ob2_hosted_assertion(cli: Any, tmp_path: Path) -> None:
    """An OB 2.0 image baked per the 2.0 spec: the URL is printed, and it is not verifiable."""
    url = "https://example.org/assertions/123"
    text = b"openbadges\0\0\0\0\0" + url.encode()
    image = tmp_path / "ob2.png"
    image.write_bytes(tiny_png(_chunk(b"iTXt", text)))
    result = cli("unbake", image)
    assert result.code == 0
    assert result.stdout == url + "\n"
    assert "Open Badges 2.0 hosted assertion" in result.stderr

    verify = cli("credential", "verify", image)
    assert verify.code == 2
    line = verify.error_line()
    assert "Open Badges 2.0 assertion hosted at https://example.org/assertions/123" in line
    assert line.endswith("[image.no_credential]")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"GIF89a", "input.malformed"),  # not an image: read as JSON, and refused as such
        (tiny_png(), "image.no_credential"),
        (tiny_png()[:-4], "image.malformed"),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "image.malformed",
        ),
        (b"<html/>", "image.malformed"),
    ],
    ids=["gif", "no-credential", "truncated", "dtd", "not-svg"],
)
def test_verify_bad_images(kit: Any, tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "image"
    path.write_bytes(content)
    result = kit.invoke(["credential", "verify", str(path)])
    assert result.code == 2
    assert result.error_line().endswith(f"[{code}]")


def test_bake_refusals(kit: Any, tmp_path: Path, files: Any, images: dict[str, Path]) -> None:
    def error(*args: str | Path) -> str:
        result = kit.invoke([str(a) for a in args])
        assert result.code == 2, result.stdout
        return result.error_line()

    gif = kit.dump(tmp_path / "image.gif", "GIF89a")
    assert error("bake", gif, files.signed, "--out", tmp_path / "o").endswith("[image.malformed]")
    assert "not a PNG or SVG" in error("bake", gif, files.signed, "--out", tmp_path / "o")
    existing = kit.dump(tmp_path / "exists.png", "x")
    assert "exists; pass --force" in error("bake", images["png"], files.signed, "--out", existing)
    bad_credential = kit.dump(tmp_path / "bad.json", "[1, 2]")
    assert "bad.json" in error("bake", images["png"], bad_credential, "--out", tmp_path / "o")
    assert "cannot read image" in error("bake", tmp_path / "nope.png", files.signed, "-o", "x")
    no_credential = error("unbake", images["svg"])
    assert no_credential.endswith("[image.no_credential]")
    assert not (tmp_path / "o").exists()


def test_bake_to_stdout(cli: Any, files: Any, images: dict[str, Path]) -> None:
    result = cli("bake", images["svg"], files.signed, "--out", "-")
    assert result.code == 0, result.stderr
    assert "<openbadges:credential><![CDATA[" in result.stdout
