"""Settings, read from the environment in this one place (variables prefixed ``LERKIT_``).

| variable | default | meaning |
| --- | --- | --- |
| LERKIT_ALLOW_PRIVATE_FETCH | 0 | let fetches reach private, loopback, link-local addresses |
| LERKIT_FETCH_TIMEOUT | 5 | seconds an outbound fetch (did:web, status list) may take |
| LERKIT_FETCH_MAX_BYTES | 1048576 | largest body an outbound fetch may read |
| LERKIT_ALLOW_HTTP_FETCH | 0 | allow plain http:// fetches (tests, intranets) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    allow_private_fetch: bool = False
    allow_http_fetch: bool = False
    fetch_timeout: float = 5.0
    fetch_max_bytes: int = 1_048_576

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            allow_private_fetch=_flag(env, "LERKIT_ALLOW_PRIVATE_FETCH"),
            allow_http_fetch=_flag(env, "LERKIT_ALLOW_HTTP_FETCH"),
            fetch_timeout=_number(env, "LERKIT_FETCH_TIMEOUT", 5.0),
            fetch_max_bytes=int(_number(env, "LERKIT_FETCH_MAX_BYTES", 1_048_576)),
        )
