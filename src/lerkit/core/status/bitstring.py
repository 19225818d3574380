"""Bitstring Status List v1.0 (W3C REC), plus reading legacy StatusList2021 lists.

The list is a bitstring, GZIP-compressed and multibase-encoded (base64url without padding,
prefix ``u``). Entry ``i`` occupies ``statusSize`` bits starting at bit ``i * statusSize``;
bit 0 is the most significant bit of byte 0. Lists shorter than 131,072 entries are refused
(herd privacy), and decompression is capped at :data:`MAX_DECODED_BYTES` so a gzip bomb cannot
exhaust memory.

Everything here is pure: the caller fetches the list credential and verifies its proof (the
verification pipeline does that with the proof code); :func:`check_status` only reads it.

Errors (all :class:`~lerkit.core.errors.StatusListError`):

- ``status.list_too_short``: fewer entries than the minimum;
- ``status.index_out_of_range``: the index is past the end of the list;
- ``status.list_invalid``: bad encoding, bad gzip, oversized, wrong shape or type, URL mismatch;
- ``status.purpose_mismatch``: the entry's purpose is not among the list's purposes;
- ``status.unsupported_type``: e.g. the 1EdTech ``1EdTechRevocationList`` entry type;
- ``input.malformed``: a bad argument to a builder (negative index, value too large, ...).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lerkit.core.errors import InputError, KeyFormatError, ProblemCode, StatusListError
from lerkit.core.model.vc import VC_V2_CONTEXT, as_list, credential_types, format_datetime
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.types import JsonObject

MIN_LENGTH = 131_072
"""Minimum number of entries in a list (16 KiB of 1-bit entries): herd privacy."""

MAX_DECODED_BYTES = 16 * 1024 * 1024
"""Upper bound on a decompressed list (16 MiB = 134,217,728 one-bit entries)."""

MAX_STATUS_SIZE = 16
"""Largest ``statusSize`` accepted (2**16 status messages)."""

GZIP_LEVEL = 6
"""Compression level used by :meth:`BitstringStatusList.encode` (level 9 costs ~16x more)."""

STATUS_LIST_2021_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
LEGACY_ENTRY_TYPE = "StatusList2021Entry"
LEGACY_LIST_CREDENTIAL_TYPE = "StatusList2021Credential"
LEGACY_LIST_TYPE = "StatusList2021"
UNSUPPORTED_ENTRY_TYPES = frozenset({"1EdTechRevocationList", "RevocationList2020Status"})

_BASE10 = re.compile(r"[0-9]{1,20}")
_HEX_STATUS = re.compile(r"0x[0-9a-fA-F]{1,8}")


def _check_status_size(status_size: Any) -> int:
    if (
        not isinstance(status_size, int)
        or isinstance(status_size, bool)
        or not 1 <= status_size <= MAX_STATUS_SIZE
    ):
        raise StatusListError(
            f"statusSize must be an integer from 1 to {MAX_STATUS_SIZE}, got {status_size!r}",
            ProblemCode.STATUS_LIST_INVALID,
        )
    return status_size


class BitstringStatusList:
    """A mutable status bitstring of ``length`` entries of ``status_size`` bits each."""

    __slots__ = ("_bits", "status_size")

    def __init__(self, data: bytes | bytearray, status_size: int = 1) -> None:
        """Wrap raw (uncompressed) bits. Prefer :meth:`new` and :meth:`decode`."""
        self.status_size = _check_status_size(status_size)
        self._bits = bytearray(data)

    @classmethod
    def new(cls, length: int = MIN_LENGTH, status_size: int = 1) -> BitstringStatusList:
        """An all-zero list of at least ``length`` entries (rounded up to whole bytes).

        Fewer than :data:`MIN_LENGTH` entries is refused (``status.list_too_short``).
        """
        _check_status_size(status_size)
        if not isinstance(length, int) or isinstance(length, bool):
            raise StatusListError("length must be an integer", ProblemCode.INPUT_MALFORMED)
        if length < MIN_LENGTH:
            raise StatusListError(
                f"a status list needs at least {MIN_LENGTH} entries (herd privacy), got {length}",
                ProblemCode.STATUS_LIST_TOO_SHORT,
            )
        nbytes = -(-length * status_size // 8)
        if nbytes > MAX_DECODED_BYTES:
            raise StatusListError(
                f"a status list may hold at most {MAX_DECODED_BYTES} bytes",
                ProblemCode.INPUT_MALFORMED,
            )
        return cls(bytes(nbytes), status_size)

    @property
    def length(self) -> int:
        """Number of entries."""
        return len(self._bits) * 8 // self.status_size

    def __len__(self) -> int:
        return self.length

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BitstringStatusList):
            return NotImplemented
        return self.status_size == other.status_size and self._bits == other._bits

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"BitstringStatusList(length={self.length}, status_size={self.status_size})"

    def to_bytes(self) -> bytes:
        """The raw, uncompressed bitstring."""
        return bytes(self._bits)

    def _position(self, index: Any) -> int:
        if not isinstance(index, int) or isinstance(index, bool):
            raise StatusListError(
                f"status list index must be an integer, got {index!r}",
                ProblemCode.INPUT_MALFORMED,
            )
        if not 0 <= index < self.length:
            raise StatusListError(
                f"status list index {index} is out of range (list has {self.length} entries)",
                ProblemCode.STATUS_INDEX_OUT_OF_RANGE,
            )
        return index * self.status_size

    def get(self, index: int) -> int:
        """The status value of entry ``index`` (0 .. 2**status_size - 1)."""
        pos = self._position(index)
        bits = self._bits
        if self.status_size == 1:
            return (bits[pos >> 3] >> (7 - (pos & 7))) & 1
        value = 0
        for p in range(pos, pos + self.status_size):
            value = (value << 1) | ((bits[p >> 3] >> (7 - (p & 7))) & 1)
        return value

    def set(self, index: int, value: int = 1) -> None:
        """Set entry ``index`` to ``value`` (default 1: revoked / suspended)."""
        pos = self._position(index)
        size = self.status_size
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < (1 << size):
            raise StatusListError(
                f"status value must be an integer from 0 to {(1 << size) - 1}, got {value!r}",
                ProblemCode.INPUT_MALFORMED,
            )
        bits = self._bits
        for offset in range(size):
            p = pos + offset
            mask = 0x80 >> (p & 7)
            if (value >> (size - 1 - offset)) & 1:
                bits[p >> 3] |= mask
            else:
                bits[p >> 3] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Reset entry ``index`` to 0."""
        self.set(index, 0)

    def encode(self, *, legacy: bool = False) -> str:
        """GZIP (level 6, mtime 0: deterministic) then base64url without padding, prefixed
        ``u`` (multibase). ``legacy=True`` omits the prefix, as StatusList2021 did."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=GZIP_LEVEL, mtime=0)
        body = b64url_encode(compressed)
        return body if legacy else "u" + body

    @classmethod
    def decode(
        cls,
        encoded: str,
        status_size: int = 1,
        min_length: int = MIN_LENGTH,
        *,
        legacy: bool = False,
    ) -> BitstringStatusList:
        """Decode an ``encodedList``. ``legacy=True`` also accepts a value without the
        ``u`` prefix (StatusList2021). Fewer than ``min_length`` entries is refused."""
        _check_status_size(status_size)
        if not isinstance(encoded, str) or not encoded:
            raise StatusListError("encodedList must be a non-empty string")
        if encoded.startswith("u"):
            body = encoded[1:]
        elif legacy:
            body = encoded
        else:
            raise StatusListError(
                "encodedList must be multibase base64url (prefix 'u')",
                ProblemCode.STATUS_LIST_INVALID,
            )
        # base64 of a maximal gzip stream; anything longer cannot decode within the cap
        if len(body) > (MAX_DECODED_BYTES + MAX_DECODED_BYTES // 100 + 1024) * 4 // 3:
            raise StatusListError("encodedList is too large", ProblemCode.STATUS_LIST_INVALID)
        try:
            compressed = b64url_decode(body)
        except KeyFormatError as exc:
            raise StatusListError(
                f"encodedList is not base64url: {exc.message}", ProblemCode.STATUS_LIST_INVALID
            ) from exc
        raw = _gunzip_bounded(compressed, MAX_DECODED_BYTES)
        status_list = cls(raw, status_size)
        if status_list.length < min_length:
            raise StatusListError(
                f"status list has {status_list.length} entries, fewer than the minimum "
                f"{min_length}",
                ProblemCode.STATUS_LIST_TOO_SHORT,
            )
        return status_list


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress exactly one GZIP member, refusing output larger than ``limit`` bytes."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise StatusListError(
            f"encodedList is not valid GZIP: {exc}", ProblemCode.STATUS_LIST_INVALID
        ) from exc
    if len(out) > limit or decompressor.unconsumed_tail:
        raise StatusListError(
            f"status list decompresses to more than {limit} bytes; refused",
            ProblemCode.STATUS_LIST_INVALID,
        )
    if not decompressor.eof:
        raise StatusListError("encodedList GZIP data is truncated", ProblemCode.STATUS_LIST_INVALID)
    if decompressor.unused_data:
        raise StatusListError(
            "encodedList has data after the GZIP stream", ProblemCode.STATUS_LIST_INVALID
        )
    if not out:
        raise StatusListError("status list is empty", ProblemCode.STATUS_LIST_TOO_SHORT)
    return out


# ---------------------------------------------------------------------------------------
# Builders


def _hex_status(value: int) -> str:
    return f"0x{value:x}"


def status_entry(
    list_url: str,
    index: int,
    purpose: str,
    *,
    entry_id: str | None = None,
    status_size: int = 1,
    messages: Sequence[str] | Mapping[int, str] | None = None,
) -> JsonObject:
    """A ``BitstringStatusListEntry`` for ``credentialStatus``.

    ``statusListIndex`` is emitted as a base-10 string. When ``status_size > 1`` the
    ``messages`` (one per possible value: a sequence indexed by value, or a mapping
    value -> message covering 0 .. 2**status_size - 1) are required and become
    ``statusMessage``. ``entry_id``, when given, must differ from ``list_url``.
    """
    if not isinstance(list_url, str) or not list_url:
        raise StatusListError("list_url must be a non-empty URL", ProblemCode.INPUT_MALFORMED)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise StatusListError(
            f"index must be a non-negative integer, got {index!r}", ProblemCode.INPUT_MALFORMED
        )
    if not isinstance(purpose, str) or not purpose:
        raise StatusListError("purpose must be a non-empty string", ProblemCode.INPUT_MALFORMED)
    _check_status_size(status_size)
    if entry_id is not None and entry_id == list_url:
        raise StatusListError(
            "the entry id must not equal the status list credential URL",
            ProblemCode.INPUT_MALFORMED,
        )
    entry: JsonObject = {}
    if entry_id is not None:
        entry["id"] = entry_id
    entry.update(
        {
            "type": ENTRY_TYPE,
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
    )
    if status_size != 1:
        entry["statusSize"] = status_size
    if messages is not None:
        entry["statusMessage"] = _status_messages(messages, status_size)
    elif status_size > 1:
        raise StatusListError(
            "statusSize > 1 requires a status message for every value",
            ProblemCode.INPUT_MALFORMED,
        )
    return entry


def _status_messages(
    messages: Sequence[str] | Mapping[int, str], status_size: int
) -> list[JsonObject]:
    count = 1 << status_size
    by_value = dict(messages) if isinstance(messages, Mapping) else dict(enumerate(messages))
    if sorted(by_value) != list(range(count)) or not all(
        isinstance(m, str) for m in by_value.values()
    ):
        raise StatusListError(
            f"statusSize {status_size} needs exactly {count} messages, "
            f"one per value 0..{count - 1}",
            ProblemCode.INPUT_MALFORMED,
        )
    return [{"status": _hex_status(v), "message": by_value[v]} for v in range(count)]


def status_list_credential(
    list_url: str,
    issuer: str | Mapping[str, Any],
    purposes: str | Sequence[str],
    status_list: BitstringStatusList,
    *,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> JsonObject:
    """An unsigned VC 2.0 ``BitstringStatusListCredential`` publishing ``status_list``.

    ``id`` is ``list_url``; the subject is ``list_url + "#list"``. ``issuer`` is a URL or an
    issuer profile object. One purpose is emitted as a string, several as a list.
    """
    purpose_list = [purposes] if isinstance(purposes, str) else list(purposes)
    if not purpose_list or not all(isinstance(p, str) and p for p in purpose_list):
        raise StatusListError(
            "purposes must be one or more non-empty strings", ProblemCode.INPUT_MALFORMED
        )
    if ttl_ms is not None and (
        not isinstance(ttl_ms, int) or isinstance(ttl_ms, bool) or ttl_ms < 0
    ):
        raise StatusListError("ttl_ms must be a non-negative integer", ProblemCode.INPUT_MALFORMED)
    subject: JsonObject = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose_list[0] if len(purpose_list) == 1 else purpose_list,
        "encodedList": status_list.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: JsonObject = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        if valid_until < valid_from:
            raise InputError("valid_until is before valid_from", ProblemCode.VALIDITY_MALFORMED)
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = subject
    return credential


# ---------------------------------------------------------------------------------------
# Checking


@dataclass(frozen=True, slots=True)
class StatusResult:
    """What a status entry says. ``is_set`` is ``value != 0`` (revoked, suspended, ...)."""

    purpose: str
    value: int
    is_set: bool
    message: str | None = None


def parse_status_index(value: Any) -> int:
    """``statusListIndex`` as an int: a base-10 string (the spec) or a non-negative JSON
    integer (as 1EdTech's fixtures use)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _BASE10.fullmatch(value):
        return int(value)
    raise StatusListError(
        f"statusListIndex must be a non-negative base-10 integer string, got {value!r}",
        ProblemCode.STATUS_LIST_INVALID,
    )


def check_status(
    entry: Mapping[str, Any],
    list_credential: Mapping[str, Any],
    *,
    check_list_url: bool = True,
    min_length: int = MIN_LENGTH,
) -> StatusResult:
    """Read the status ``entry`` (one ``credentialStatus`` item) in ``list_credential``.

    Supports ``BitstringStatusListEntry`` and legacy ``StatusList2021Entry``. The list
    credential's proof and validity period are NOT checked here: the caller verifies the
    list credential first. With ``check_list_url`` (default) a list credential that has an
    ``id`` must have the entry's ``statusListCredential`` as that id.
    """
    if not isinstance(entry, Mapping):
        raise StatusListError("credentialStatus entry must be an object")
    try:
        entry_types = credential_types(entry)
    except InputError as exc:
        raise StatusListError(f"credentialStatus: {exc.message}") from exc
    unsupported = UNSUPPORTED_ENTRY_TYPES.intersection(entry_types)
    if ENTRY_TYPE in entry_types:
        legacy = False
    elif LEGACY_ENTRY_TYPE in entry_types:
        legacy = True
    elif unsupported:
        raise StatusListError(
            f"status type {sorted(unsupported)[0]} is not supported "
            f"(supported: {ENTRY_TYPE}, {LEGACY_ENTRY_TYPE})",
            ProblemCode.STATUS_UNSUPPORTED,
        )
    else:
        raise StatusListError(
            f"unsupported credentialStatus type {entry_types!r}", ProblemCode.STATUS_UNSUPPORTED
        )

    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise StatusListError("credentialStatus.statusPurpose must be a non-empty string")
    index = parse_status_index(entry.get("statusListIndex"))
    list_url = entry.get("statusListCredential")
    if not isinstance(list_url, str) or not list_url:
        raise StatusListError("credentialStatus.statusListCredential must be a URL")
    status_size = 1 if legacy else entry.get("statusSize", 1)
    try:
        status_size = _check_status_size(status_size)
    except StatusListError as exc:
        raise StatusListError(f"credentialStatus.{exc.message}") from exc
    messages = _read_messages(entry.get("statusMessage"), status_size)

    subject = _list_subject(list_credential, legacy=legacy)
    if check_list_url:
        list_id = list_credential.get("id")
        if list_id is not None and list_id != list_url:
            raise StatusListError(
                f"status list credential id {list_id!r} does not match the entry's "
                f"statusListCredential {list_url!r}",
                ProblemCode.STATUS_LIST_INVALID,
            )
    list_purposes = as_list(subject.get("statusPurpose"))
    if not list_purposes or not all(isinstance(p, str) for p in list_purposes):
        raise StatusListError("status list credentialSubject.statusPurpose is missing")
    if purpose not in list_purposes:
        raise StatusListError(
            f"entry purpose {purpose!r} is not a purpose of the status list {list_purposes!r}",
            ProblemCode.STATUS_PURPOSE_MISMATCH,
        )
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("status list credentialSubject.encodedList must be a string")
    status_list = BitstringStatusList.decode(
        encoded, status_size, min_length=min_length, legacy=legacy
    )
    value = status_list.get(index)
    return StatusResult(
        purpose=purpose, value=value, is_set=value != 0, message=messages.get(value)
    )


def _read_messages(raw: Any, status_size: int) -> dict[int, str]:
    if raw is None:
        if status_size > 1:
            raise StatusListError("credentialStatus.statusMessage is required when statusSize > 1")
        return {}
    if not isinstance(raw, list):
        raise StatusListError("credentialStatus.statusMessage must be a list")
    messages: dict[int, str] = {}
    for item in raw:
        status = item.get("status") if isinstance(item, Mapping) else None
        message = item.get("message") if isinstance(item, Mapping) else None
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
            raise StatusListError(
                f"statusMessage status must be a hex string like '0x1', got {status!r}"
            )
        if not isinstance(message, str):
            raise StatusListError("statusMessage message must be a string")
        messages[int(status, 16)] = message
    return messages


def _list_subject(list_credential: Mapping[str, Any], *, legacy: bool) -> Mapping[str, Any]:
    if not isinstance(list_credential, Mapping):
        raise StatusListError("status list credential must be an object")
    want_credential = LEGACY_LIST_CREDENTIAL_TYPE if legacy else LIST_CREDENTIAL_TYPE
    want_subject = LEGACY_LIST_TYPE if legacy else LIST_TYPE
    try:
        types = credential_types(list_credential)
    except InputError as exc:
        raise StatusListError(f"status list credential: {exc.message}") from exc
    if want_credential not in types:
        raise StatusListError(
            f"status list credential type must include {want_credential}, got {types!r}"
        )
    subjects = as_list(list_credential.get("credentialSubject"))
    matching = [
        s for s in subjects if isinstance(s, Mapping) and want_subject in as_list(s.get("type"))
    ]
    if len(matching) != 1:
        raise StatusListError(
            f"status list credential must have exactly one {want_subject} credentialSubject"
        )
    subject: Mapping[str, Any] = matching[0]
    return subject
