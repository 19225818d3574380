"""Interfaces the services depend on; adapters implement them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.keys import PrivateKey
from lerkit.core.types import JsonObject
from lerkit.db.models import Organization


class JsonFetcher(Protocol):
    """Fetches a JSON document over the network, bounded in time and size."""

    def get_json(self, url: str) -> JsonObject: ...


# ----------------------------------------------------------------------------- key store


class KeyStoreError(LerkitError):
    """A signing key cannot be sealed or opened: the master key that wrapped it is not
    configured, or the stored ciphertext does not open (tampered with, or moved to another
    row). A server-side fault, never the caller's: the API maps it to a 500."""

    default_code = ProblemCode.SIGNING_REFUSED


@dataclass(frozen=True)
class SealedKey:
    """A private key as stored: AES-256-GCM ciphertext under a data key, the data key
    wrapped by the master key ``master_key_id``. Holds no secret in the clear."""

    encrypted_private: bytes = field(repr=False)
    wrapped_data_key: bytes = field(repr=False)
    master_key_id: str


class KeyStore(Protocol):
    """Envelope encryption of signing keys under a master key.

    ``organization_id`` and ``key_id`` are bound to the ciphertext as associated data: a
    sealed key copied to another row (another organization or key id) does not open.
    """

    @property
    def master_key_id(self) -> str:
        """A short, non-secret fingerprint of the current master key."""
        ...

    def seal(self, organization_id: int, key_id: str, secret: bytes) -> SealedKey: ...

    def open(self, organization_id: int, key_id: str, sealed: SealedKey) -> bytes: ...

    def rotate_master_key(self, session: Session) -> int:
        """Re-wrap every data key not yet under the current master key; returns how many."""
        ...


# ----------------------------------------------------------------------------- signing


class Signer(Protocol):
    """The key an organization signs with now (the identity service implements it).

    ``signer_for`` returns the private key, the verification method id (a DID URL of the
    organization's DID) and the ``SigningKey`` row id (None for keys not stored, in tests).
    Raises a ``LerkitError`` when the organization has no usable active key.
    """

    def signer_for(
        self, session: Session, organization: Organization
    ) -> tuple[PrivateKey, str, int | None]: ...
