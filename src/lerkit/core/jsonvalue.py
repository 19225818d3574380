"""JSON input hygiene: parse strictly and refuse values no JSON consumer can use.

``json.loads`` lets through NaN and Infinity (not JSON), unpaired UTF-16 surrogates such as
``"\\ud800"`` (not Unicode text: nothing can be encoded, hashed or signed with them), and
nesting deep enough to exhaust Python's recursion limit in ``json``, ``copy`` or JSON-LD
expansion. Every entry point of the core runs :func:`check_json_value` on what it is given.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from lerkit.core.errors import InputError

MAX_DEPTH = 64
"""Deepest nesting accepted. Real credentials are a dozen levels deep."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def _say(name: str, text: str) -> str:
    return f"{name}: {text}" if name else text


def check_json_value(value: object, name: str = "") -> None:
    """Raise :class:`InputError` unless ``value`` is plain, finite, Unicode JSON of sane depth."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise InputError(_say(name, f"JSON nested too deeply (over {MAX_DEPTH} levels)"))
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InputError(
                _say(name, f"{item} is not a JSON number (NaN and Infinity are not JSON)")
            )
        elif isinstance(item, str) and (surrogate := _SURROGATE.search(item)):
            raise InputError(
                _say(
                    name,
                    "a string holds an unpaired UTF-16 surrogate "
                    f"(\\u{ord(surrogate[0]):04x}), which is not Unicode text",
                )
            )


def _refuse_constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number (NaN and Infinity are not JSON)")


def parse_json(text: str | bytes, name: str = "") -> Any:
    """``json.loads`` that refuses NaN/Infinity, lone surrogates and absurd nesting."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise InputError(_say(name, f"JSON nested too deeply (over {MAX_DEPTH} levels)")) from exc
    except UnicodeDecodeError as exc:
        raise InputError(_say(name, "input is not UTF-8 text")) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            _say(name, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        ) from exc
    check_json_value(value, name)
    return value
