"""`lerkit admin rotate-master-key`: every signing key is re-wrapped under the new master
key, after which the old one is no longer needed (and no longer enough)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lerkit.bootstrap import build_services
from lerkit.config import Settings
from lerkit.db.models import Organization
from lerkit.db.session import Database

OLD, NEW = "11" * 32, "22" * 32


def _cli(args: list[str], data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LERKIT_")}
    environ.update(LERKIT_DATA_DIR=str(data), LERKIT_PUBLIC_URL="http://localhost:8000", **env)
    return subprocess.run(
        [sys.executable, "-m", "lerkit.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


def _can_sign(data: Path, secret: str, old: str = "") -> bool:
    settings = Settings(
        data_dir=data,
        public_url="http://localhost:8000",
        secret_key=secret,
        old_secret_keys=(old,) if old else (),
    )
    services = build_services(settings, Database(settings.effective_database_url))
    try:
        with services.database.session() as session:
            org = session.query(Organization).one()
            services.identity.active_signer(session, org)
        return True
    except Exception:
        return False
    finally:
        services.close()


def test_rotate_master_key(tmp_path: Path) -> None:
    boot = _cli(["admin", "bootstrap", "--org", "Example College"], tmp_path, LERKIT_SECRET_KEY=OLD)
    assert boot.returncode == 0, boot.stderr
    assert _can_sign(tmp_path, OLD)
    assert not _can_sign(tmp_path, NEW)  # a different master key cannot unwrap it

    rotated = _cli(
        ["admin", "rotate-master-key"],
        tmp_path,
        LERKIT_SECRET_KEY=NEW,
        LERKIT_OLD_SECRET_KEYS=OLD,
    )
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 1 signing key" in rotated.stdout
    assert NEW not in rotated.stdout + rotated.stderr
    assert OLD not in rotated.stdout + rotated.stderr

    assert _can_sign(tmp_path, NEW)  # the new key alone is enough
    assert not _can_sign(tmp_path, OLD)  # and the old one no longer works


def test_rotate_without_the_old_key_fails_cleanly(tmp_path: Path) -> None:
    boot = _cli(["admin", "bootstrap", "--org", "Example College"], tmp_path, LERKIT_SECRET_KEY=OLD)
    assert boot.returncode == 0, boot.stderr
    result = _cli(["admin", "rotate-master-key"], tmp_path, LERKIT_SECRET_KEY=NEW)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), result.stderr
    assert _can_sign(tmp_path, OLD)  # nothing half-written: the old key still works
