"""Bitstring Status List v1.0: build, encode, decode and read status lists (pure)."""

from lerkit.core.status.bitstring import (
    MAX_DECODED_BYTES,
    MIN_LENGTH,
    BitstringStatusList,
    StatusResult,
    check_status,
    parse_status_index,
    status_entry,
    status_list_credential,
)

__all__ = [
    "MAX_DECODED_BYTES",
    "MIN_LENGTH",
    "BitstringStatusList",
    "StatusResult",
    "check_status",
    "parse_status_index",
    "status_entry",
    "status_list_credential",
]
