"""Settings, read from the environment in this one place (variables prefixed ``LERKIT_``).

- LERKIT_DATA_DIR (./data): where the embedded SQLite database and the master key file live
- LERKIT_DATABASE_URL (sqlite under the data dir): a SQLAlchemy URL, e.g.
  postgresql+psycopg://postgres@127.0.0.1:5432/lerkit
- LERKIT_PUBLIC_URL (http://127.0.0.1:8000): the base URL the instance is reached at;
  did:web identifiers and status-list URLs derive from it
- LERKIT_SECRET_KEY: the master key wrapping signing keys (else LERKIT_SECRET_KEY_FILE,
  default $LERKIT_DATA_DIR/master.key, created on first use with mode 0600)
- LERKIT_OLD_SECRET_KEYS: comma-separated retired master keys, for rotation
- LERKIT_REDIS_URL: Redis for background jobs (unset: jobs run in-process)
- LERKIT_ALLOW_PRIVATE_FETCH (0): let fetches reach private, loopback, link-local addresses
- LERKIT_ALLOW_HTTP_FETCH (0): allow plain http:// fetches (tests, intranets)
- LERKIT_FETCH_TIMEOUT (5): seconds an outbound fetch (did:web, status list) may take
- LERKIT_FETCH_MAX_BYTES (1048576): largest body an outbound fetch may read
- LERKIT_SMTP_HOST: the SMTP server that sends claim-link emails (unset: no email is sent;
  each delivery is recorded as failed, "no SMTP server is configured")
- LERKIT_SMTP_PORT (587): its port
- LERKIT_SMTP_USER, LERKIT_SMTP_PASSWORD: login, when the server asks for one (the password
  is never logged nor shown in ``repr``)
- LERKIT_SMTP_STARTTLS (1): upgrade the connection with STARTTLS before logging in
- LERKIT_SMTP_FROM (lerkit@localhost): the From address of claim-link emails
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


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


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, default)
    if value != int(value) or value > 65535:
        raise SettingsError(f"{name} must be a TCP port (1..65535), got {env.get(name)!r}")
    return int(value)


def _public_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"LERKIT_PUBLIC_URL must be an http(s) base URL, got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings:
    allow_private_fetch: bool = False
    allow_http_fetch: bool = False
    fetch_timeout: float = 5.0
    fetch_max_bytes: int = 1_048_576
    data_dir: Path = Path("data")
    database_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = field(default=None, repr=False)
    secret_key_file: Path | None = None
    old_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = True
    smtp_from: str = "lerkit@localhost"
    # skills (issue 7): other lerkit instances whose skill registries the search federates
    # (LERKIT_SKILLS_FEDERATION, comma-separated base URLs), and the embedding method
    # (LERKIT_SKILLS_EMBEDDINGS=0 keeps the lexical method even with the extra installed)
    skills_federation: tuple[str, ...] = ()
    skills_embeddings: bool = True

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lerkit.db').resolve()}"

    @property
    def effective_secret_key_file(self) -> Path:
        return self.secret_key_file or (self.data_dir / "master.key")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("LERKIT_DATA_DIR") or "data")
        key_file = env.get("LERKIT_SECRET_KEY_FILE")
        old = tuple(
            k.strip() for k in env.get("LERKIT_OLD_SECRET_KEYS", "").split(",") if k.strip()
        )
        return cls(
            allow_private_fetch=_flag(env, "LERKIT_ALLOW_PRIVATE_FETCH"),
            allow_http_fetch=_flag(env, "LERKIT_ALLOW_HTTP_FETCH"),
            fetch_timeout=_number(env, "LERKIT_FETCH_TIMEOUT", 5.0),
            fetch_max_bytes=int(_number(env, "LERKIT_FETCH_MAX_BYTES", 1_048_576)),
            data_dir=data_dir,
            database_url=env.get("LERKIT_DATABASE_URL") or None,
            public_url=_public_url(env.get("LERKIT_PUBLIC_URL") or "http://127.0.0.1:8000"),
            secret_key=env.get("LERKIT_SECRET_KEY") or None,
            secret_key_file=Path(key_file) if key_file else None,
            old_secret_keys=old,
            redis_url=env.get("LERKIT_REDIS_URL") or None,
            smtp_host=env.get("LERKIT_SMTP_HOST") or None,
            smtp_port=_port(env, "LERKIT_SMTP_PORT", 587),
            smtp_user=env.get("LERKIT_SMTP_USER") or None,
            smtp_password=env.get("LERKIT_SMTP_PASSWORD") or None,
            smtp_starttls=env.get("LERKIT_SMTP_STARTTLS", "1").strip() == ""
            or _flag(env, "LERKIT_SMTP_STARTTLS"),
            smtp_from=env.get("LERKIT_SMTP_FROM") or "lerkit@localhost",
            skills_federation=tuple(
                u.strip().rstrip("/")
                for u in env.get("LERKIT_SKILLS_FEDERATION", "").split(",")
                if u.strip()
            ),
            skills_embeddings=env.get("LERKIT_SKILLS_EMBEDDINGS", "1").strip() == ""
            or _flag(env, "LERKIT_SKILLS_EMBEDDINGS"),
        )
