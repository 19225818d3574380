"""Baked badges on the command line: a credential carried inside a PNG or SVG image.

    lerkit bake IMAGE CREDENTIAL --out OUT [--force]   bake an OB 3.0 credential (JSON or JWT)
    lerkit unbake IMAGE [--out FILE] [--force]         print (or save) what an image carries

``lerkit credential verify`` (and ``presentation create``) read baked images directly:
``main._read_json`` hands anything that starts like a PNG or SVG to
:func:`credential_from_image`. The image type always comes from the file's bytes, never
from its name. Errors are ``InputError``s (one line, exit 2); see
:mod:`lerkit.core.baking` for what is refused and why.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from lerkit.core.baking import MAX_IMAGE_BYTES, bake_png, bake_svg, sniff_media, unbake
from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.types import JsonObject
from lerkit.core.verify import parse_document

out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

_MEDIA_NAME = {"png": "PNG", "svg": "SVG"}


def _read_file(path: str, what: str) -> bytes:
    """``path`` (``-``: stdin), refused past MAX_IMAGE_BYTES without reading it all."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_IMAGE_BYTES + 1)
        else:
            with Path(path).open("rb") as fh:
                data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(
            f"{what} {path} is over the {MAX_IMAGE_BYTES:,}-byte limit",
            ProblemCode.IMAGE_TOO_LARGE,
        )
    return data


def _write_file(path: Path, data: bytes, force: bool) -> None:
    """Write ``data`` to ``path`` atomically (a new file renamed over it)."""
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def credential_from_image(data: bytes) -> JsonObject | str:
    """The OB 3.0 credential (JSON object or compact JWS) baked into a PNG or SVG image.

    An image holding only an Open Badges 2.0 assertion is refused: it is not a
    verifiable credential (``lerkit unbake`` shows it).
    """
    found = unbake(data)
    if found.kind == "ob2":
        hosted = f" hosted at {found.value}" if found.form == "url" else ""
        raise InputError(
            f"the {_MEDIA_NAME[found.media]} holds an Open Badges 2.0 assertion{hosted}, "
            "not a verifiable credential: lerkit verifies Open Badges 3.0 credentials "
            "(`lerkit unbake` prints the assertion)",
            ProblemCode.IMAGE_NO_CREDENTIAL,
        )
    return found.value


def _read_credential(path: str) -> JsonObject | str:
    raw = _read_file(path, "credential")
    try:
        if sniff_media(raw) is not None:  # re-bake what another image carries
            return credential_from_image(raw)
        return parse_document(raw)
    except InputError as exc:
        raise InputError(f"{path}: {exc.message}", exc.code) from exc


def bake(
    image: Annotated[str, typer.Argument(metavar="IMAGE", help="a PNG or SVG image")],
    credential: Annotated[
        str,
        typer.Argument(metavar="CREDENTIAL", help="the signed credential: JSON or a VC-JWT"),
    ],
    out_path: Annotated[
        str, typer.Option("--out", "-o", metavar="OUT", help="the baked image to write (-: stdout)")
    ],
    force: Annotated[bool, typer.Option(help="overwrite an existing OUT")] = False,
) -> None:
    """Bake an Open Badges 3.0 credential into a PNG or SVG image.

    PNG: an iTXt chunk 'openbadgecredential'; SVG: an <openbadges:credential> element.
    A credential already baked into the image is replaced.
    """
    raw = _read_file(image, "image")
    document = _read_credential(credential)
    media = sniff_media(raw)
    try:
        if media == "png":
            baked = bake_png(raw, document)
        elif media == "svg":
            baked = bake_svg(raw, document)
        else:
            raise InputError("not a PNG or SVG image", ProblemCode.IMAGE_MALFORMED)
    except InputError as exc:
        raise InputError(f"{image}: {exc.message}", exc.code) from exc
    assert media is not None
    form = "JSON" if isinstance(document, dict) else "JWT"
    if out_path == "-":
        sys.stdout.buffer.write(baked)
        sys.stdout.flush()
        return
    _write_file(Path(out_path), baked, force)
    out.print(f"baked the credential ({form}) into {escape(out_path)} ({_MEDIA_NAME[media]})")


def unbake_command(
    image: Annotated[str, typer.Argument(metavar="IMAGE", help="a baked PNG or SVG image")],
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the credential here, not stdout")
    ] = None,
    force: Annotated[bool, typer.Option(help="overwrite an existing --out file")] = False,
) -> None:
    """Print the credential baked into a PNG or SVG image (Open Badges 3.0 or 2.0).

    An Open Badges 2.0 image may carry only the URL of a hosted assertion: it is printed
    (lerkit does not fetch it).
    """
    raw = _read_file(image, "image")
    try:
        found = unbake(raw)
    except InputError as exc:
        raise InputError(f"{image}: {exc.message}", exc.code) from exc
    value = found.value
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    if out_path is None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        _write_file(out_path, (text + "\n").encode("utf-8"), force)
    media = _MEDIA_NAME[found.media]
    if found.kind == "ob2" and found.form == "url":
        err.print(
            f"note: the {media} holds an Open Badges 2.0 hosted assertion: fetch it from "
            "the URL above (lerkit does not fetch it)"
        )
    elif found.kind == "ob2":
        what = "JSON" if found.form == "json" else "signed (JWS)"
        err.print(f"note: the {media} holds an Open Badges 2.0 assertion ({what})")
    elif out_path is not None:
        form = "JSON" if found.form == "json" else "JWT"
        out.print(f"wrote the Open Badges 3.0 credential ({form}) to {escape(str(out_path))}")


def register(app: typer.Typer) -> None:
    """Add ``bake`` and ``unbake`` to the ``lerkit`` app."""
    app.command("bake")(bake)
    app.command("unbake")(unbake_command)


__all__ = ["credential_from_image", "register"]
