"""The envelope key store: sealing, binding to rows, master keys and their rotation."""

from __future__ import annotations

import base64
import logging
import os
import random
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey, load_master_key_file
from lerkit.config import Settings, SettingsError
from lerkit.db.models import SigningKey
from lerkit.db.session import Database
from lerkit.services.audit import AuditLog
from lerkit.services.identity import Identity
from lerkit.services.interfaces import KeyStore, KeyStoreError, SealedKey
from lerkit.services.organizations import Organizations

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def entropy(seed: int = 7):
    rng = random.Random(seed)
    return rng.randbytes


def services(store: KeyStore, seed: int = 1) -> tuple[Organizations, Identity]:
    audit = AuditLog(lambda: NOW)
    identity = Identity(store, audit, lambda: NOW, entropy(seed), "https://lerkit.example")
    return Organizations(identity, audit, lambda: NOW), identity


def test_seal_and_open_round_trip() -> None:
    store = EnvelopeKeyStore(MasterKey(OLD), entropy=entropy())
    secret = b"\x11" * 32
    sealed = store.seal(7, "key-1", secret)
    assert sealed.master_key_id == store.master_key_id == MasterKey(OLD).key_id
    assert secret not in sealed.encrypted_private
    assert secret not in sealed.wrapped_data_key
    assert store.open(7, "key-1", sealed) == secret
    # a fresh data key and nonces every time
    again = store.seal(7, "key-1", secret)
    assert again.encrypted_private != sealed.encrypted_private
    assert again.wrapped_data_key != sealed.wrapped_data_key


@pytest.mark.parametrize(("org", "key_id"), [(8, "key-1"), (7, "key-2")])
def test_ciphertext_is_bound_to_its_organization_and_key_id(org: int, key_id: str) -> None:
    store = EnvelopeKeyStore(MasterKey(OLD), entropy=entropy())
    sealed = store.seal(7, "key-1", b"\x22" * 32)
    with pytest.raises(KeyStoreError, match="another row"):
        store.open(org, key_id, sealed)


def test_tampered_ciphertext_does_not_open() -> None:
    store = EnvelopeKeyStore(MasterKey(OLD), entropy=entropy())
    sealed = store.seal(7, "key-1", b"\x22" * 32)
    flipped = bytearray(sealed.encrypted_private)
    flipped[-1] ^= 1
    with pytest.raises(KeyStoreError):
        store.open(7, "key-1", SealedKey(bytes(flipped), sealed.wrapped_data_key, "x"))
    with pytest.raises(KeyStoreError):
        store.open(
            7, "key-1", SealedKey(bytes(flipped), sealed.wrapped_data_key, sealed.master_key_id)
        )
    with pytest.raises(KeyStoreError, match="malformed"):
        store.open(7, "key-1", SealedKey(b"", sealed.wrapped_data_key, sealed.master_key_id))


def test_unknown_master_key_is_named_not_revealed() -> None:
    sealed = EnvelopeKeyStore(MasterKey(OLD), entropy=entropy()).seal(1, "key-1", b"\x01" * 32)
    with pytest.raises(KeyStoreError, match="not configured") as caught:
        EnvelopeKeyStore(MasterKey(NEW)).open(1, "key-1", sealed)
    assert OLD.hex() not in str(caught.value)


def test_master_key_formats() -> None:
    assert MasterKey.parse(OLD.hex()).key_id == MasterKey(OLD).key_id
    b64 = base64.urlsafe_b64encode(OLD).decode()
    assert MasterKey.parse(b64).key_id == MasterKey(OLD).key_id
    assert MasterKey.parse(b64.rstrip("=")).key_id == MasterKey(OLD).key_id
    phrase = MasterKey.parse("correct horse battery staple, but longer")
    assert phrase.key_id == MasterKey.parse("correct horse battery staple, but longer").key_id
    assert phrase.key_id != MasterKey.parse("another passphrase entirely, also long").key_id
    with pytest.raises(SettingsError):
        MasterKey.parse("   ")
    assert len(MasterKey(OLD).key_id) == 16


def test_secrets_never_in_repr() -> None:
    master = MasterKey(OLD)
    store = EnvelopeKeyStore(master, [MasterKey(NEW)])
    sealed = store.seal(1, "key-1", b"\x33" * 32)
    settings = Settings(secret_key=OLD.hex(), old_secret_keys=(NEW.hex(),))
    for text in (repr(master), repr(store), repr(sealed), repr(settings)):
        assert OLD.hex() not in text
        assert NEW.hex() not in text
        assert repr(OLD) not in text
        assert repr(b"\x33" * 32) not in text
    assert repr(sealed.encrypted_private) not in repr(sealed)


def test_key_file_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "master.key"
    first = load_master_key_file(path)
    assert path.stat().st_size == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_master_key_file(path).key_id == first.key_id
    # from settings: the key file is used when LERKIT_SECRET_KEY is not set
    store = EnvelopeKeyStore.from_settings(Settings(secret_key_file=path))
    assert store.master_key_id == first.key_id
    default = EnvelopeKeyStore.from_settings(Settings(data_dir=tmp_path / "data"))
    assert (tmp_path / "data" / "master.key").exists()
    assert default.master_key_id != first.key_id


def test_key_file_in_hex_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text(OLD.hex() + "\n")
    os.chmod(path, 0o600)
    assert load_master_key_file(path).key_id == MasterKey(OLD).key_id
    path.write_text("not a key")
    with pytest.raises(SettingsError, match="32 bytes"):
        load_master_key_file(path)


def test_settings_secret_key_wins_and_old_keys_unwrap() -> None:
    old_store = EnvelopeKeyStore.from_settings(Settings(secret_key=OLD.hex()))
    sealed = old_store.seal(3, "key-1", b"\x44" * 32)
    store = EnvelopeKeyStore.from_settings(
        Settings(secret_key=NEW.hex(), old_secret_keys=(OLD.hex(),))
    )
    assert store.master_key_id == MasterKey(NEW).key_id
    assert store.open(3, "key-1", sealed) == b"\x44" * 32
    rewrapped = store.rewrap(3, "key-1", sealed)
    assert rewrapped.master_key_id == store.master_key_id
    assert EnvelopeKeyStore(MasterKey(NEW)).open(3, "key-1", rewrapped) == b"\x44" * 32


# ----------------------------------------------------------------------------- on the database


def test_rotate_master_key_rewraps_every_key(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    old_store = EnvelopeKeyStore(MasterKey(OLD), entropy=entropy(1))
    orgs, identity = services(old_store)
    with db.session() as s:
        a = orgs.create(s, name="Acme", owner_email="o@acme.example")
        orgs.create(s, name="Beta", did_method="key", owner_email="o@beta.example")
    with db.session() as s:
        s.add(a)
        identity_old = identity
        from lerkit.services.context import Actor

        identity_old.rotate_signing_key(s, Actor(a.id, "owner", "test"))
    with db.session() as s:
        expected = {
            (r.organization_id, r.key_id): old_store.open(
                r.organization_id,
                r.key_id,
                SealedKey(r.encrypted_private, r.wrapped_data_key, r.master_key_id),
            )
            for r in s.scalars(select(SigningKey)).all()
        }
    assert len(expected) == 3

    only_new = EnvelopeKeyStore(MasterKey(NEW))
    with db.session() as s:
        row = s.scalars(select(SigningKey)).first()
        assert row is not None
        with pytest.raises(KeyStoreError, match="not configured"):
            only_new.open(
                row.organization_id,
                row.key_id,
                SealedKey(row.encrypted_private, row.wrapped_data_key, row.master_key_id),
            )

    rotating = EnvelopeKeyStore(MasterKey(NEW), [MasterKey(OLD)], entropy=entropy(2))
    with db.session() as s:
        assert rotating.rotate_master_key(s) == 3
    with db.session() as s:
        assert rotating.rotate_master_key(s) == 0  # nothing left under the old key
        rows = s.scalars(select(SigningKey)).all()
        assert {r.master_key_id for r in rows} == {only_new.master_key_id}
        for r in rows:
            sealed = SealedKey(r.encrypted_private, r.wrapped_data_key, r.master_key_id)
            assert (
                only_new.open(r.organization_id, r.key_id, sealed)
                == expected[(r.organization_id, r.key_id)]
            )

    # the whole service works with only the new master key configured
    _, identity_new = services(only_new)
    with db.session() as s:
        s.add(a)
        key, vm, row = identity_new.active_signer(s, a)
        assert vm == f"{a.did}#key-2"
        assert key.public_key.multikey == row.public_multikey

    logged = caplog.text
    for secret in expected.values():
        assert secret.hex() not in logged
        assert repr(secret) not in logged
    assert OLD.hex() not in logged
    assert NEW.hex() not in logged


def test_swapping_sealed_keys_between_rows_fails(db: Database) -> None:
    store = EnvelopeKeyStore(MasterKey(OLD), entropy=entropy(3))
    orgs, identity = services(store)
    with db.session() as s:
        a = orgs.create(s, name="Acme", owner_email="o@acme.example")
        b = orgs.create(s, name="Beta", owner_email="o@beta.example")
    with db.session() as s:
        ka = s.scalars(select(SigningKey).where(SigningKey.organization_id == a.id)).one()
        kb = s.scalars(select(SigningKey).where(SigningKey.organization_id == b.id)).one()
        ka.encrypted_private, kb.encrypted_private = kb.encrypted_private, ka.encrypted_private
        ka.wrapped_data_key, kb.wrapped_data_key = kb.wrapped_data_key, ka.wrapped_data_key
        ka.public_multikey, kb.public_multikey = kb.public_multikey, ka.public_multikey
    with db.session() as s:
        s.add(a)
        with pytest.raises(KeyStoreError, match="another row"):
            identity.active_signer(s, a)
