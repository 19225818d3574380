"""Bitstring Status List v1.0 (and legacy StatusList2021 reading).

Vectors: 1EdTech validator fixtures ``tests/fixtures/1edtech-validator/ob30/bit-string-list``
(``testlist``: a BitstringStatusListCredential of 131,072 entries with bit 23 set; two
credentials whose entry points at index 23), see shared/standards/SOURCES.md.
"""

from __future__ import annotations

import base64
import copy
import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lerkit.core.errors import InputError, ProblemCode, StatusListError
from lerkit.core.jsonld import canonicalize
from lerkit.core.model import basic_shape_errors
from lerkit.core.status import (
    MAX_DECODED_BYTES,
    MIN_LENGTH,
    BitstringStatusList,
    StatusResult,
    check_status,
    parse_status_index,
    status_entry,
    status_list_credential,
)
from support import FIXTURES, load_json

BSL = FIXTURES / "1edtech-validator" / "ob30" / "bit-string-list"
LIST_URL = "https://issuer.example/status/1"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------------------------------
# the bitstring


def test_new_list_is_all_zero_and_min_length() -> None:
    status_list = BitstringStatusList.new()
    assert status_list.length == MIN_LENGTH == 131_072
    assert status_list.to_bytes() == bytes(16 * 1024)
    assert status_list.get(0) == 0
    assert status_list.get(MIN_LENGTH - 1) == 0


def test_new_refuses_fewer_than_131072_entries() -> None:
    with pytest.raises(StatusListError) as info:
        BitstringStatusList.new(MIN_LENGTH - 1)
    assert info.value.code == ProblemCode.STATUS_LIST_TOO_SHORT


def test_set_get_clear() -> None:
    status_list = BitstringStatusList.new()
    status_list.set(7)
    status_list.set(131_071)
    assert status_list.get(7) == 1
    assert status_list.get(6) == 0
    assert status_list.get(8) == 0
    assert status_list.get(131_071) == 1
    status_list.clear(7)
    assert status_list.get(7) == 0
    assert status_list.get(131_071) == 1


def test_index_zero_is_most_significant_bit_of_byte_zero() -> None:
    status_list = BitstringStatusList.new()
    status_list.set(0)
    raw = status_list.to_bytes()
    assert raw[0] == 0b1000_0000
    status_list.set(7)
    status_list.set(9)
    raw = status_list.to_bytes()
    assert raw[0] == 0b1000_0001
    assert raw[1] == 0b0100_0000
    assert raw[2:] == bytes(len(raw) - 2)


@pytest.mark.parametrize("index", [-1, MIN_LENGTH, 10**9])
def test_out_of_range(index: int) -> None:
    status_list = BitstringStatusList.new()
    for op in (status_list.get, status_list.set, status_list.clear):
        with pytest.raises(StatusListError) as info:
            op(index)
        assert info.value.code == ProblemCode.STATUS_INDEX_OUT_OF_RANGE


def test_bad_values_refused() -> None:
    status_list = BitstringStatusList.new()
    with pytest.raises(StatusListError):
        status_list.set(1, 2)  # 1-bit entries hold 0 or 1
    with pytest.raises(StatusListError):
        status_list.get(True)  # a bool is not an index
    with pytest.raises(StatusListError):
        BitstringStatusList.new(status_size=0)


def test_status_size_two() -> None:
    status_list = BitstringStatusList.new(MIN_LENGTH, status_size=2)
    assert status_list.length == MIN_LENGTH
    assert len(status_list.to_bytes()) == 32 * 1024
    status_list.set(0, 0b10)
    status_list.set(1, 0b01)
    status_list.set(3, 0b11)
    # entry i occupies bits 2i, 2i+1, first bit most significant
    assert status_list.to_bytes()[0] == 0b10_01_00_11
    assert [status_list.get(i) for i in range(5)] == [2, 1, 0, 3, 0]
    status_list.clear(3)
    assert status_list.get(3) == 0
    with pytest.raises(StatusListError):
        status_list.set(0, 4)


def test_encode_decode_round_trip() -> None:
    status_list = BitstringStatusList.new()
    for i in (0, 1, 23, 4096, 131_071):
        status_list.set(i)
    encoded = status_list.encode()
    assert encoded.startswith("uH4sI")  # multibase 'u' + base64url of the gzip magic
    assert "=" not in encoded
    decoded = BitstringStatusList.decode(encoded)
    assert decoded == status_list
    assert [decoded.get(i) for i in (0, 1, 2, 23, 4096, 131_071)] == [1, 1, 0, 1, 1, 1]
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == status_list.to_bytes()


def test_encoding_is_deterministic() -> None:
    a, b = BitstringStatusList.new(), BitstringStatusList.new()
    a.set(42)
    b.set(42)
    assert a.encode() == b.encode()
    # gzip header: magic, deflate, no flags, mtime 0
    compressed = base64.urlsafe_b64decode(a.encode()[1:] + "===")
    assert compressed[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00"


def test_decode_refuses_short_lists() -> None:
    short = "u" + _b64(gzip.compress(bytes(1024), mtime=0))
    with pytest.raises(StatusListError) as info:
        BitstringStatusList.decode(short)
    assert info.value.code == ProblemCode.STATUS_LIST_TOO_SHORT
    # an ecosystem with a lower bound can say so
    assert BitstringStatusList.decode(short, min_length=8192).length == 8192


def test_decode_status_size_changes_entry_count() -> None:
    encoded = BitstringStatusList.new(2 * MIN_LENGTH).encode()
    assert BitstringStatusList.decode(encoded, status_size=2).length == MIN_LENGTH
    with pytest.raises(StatusListError) as info:
        BitstringStatusList.decode(BitstringStatusList.new().encode(), status_size=2)
    assert info.value.code == ProblemCode.STATUS_LIST_TOO_SHORT


def test_prefix_rules() -> None:
    status_list = BitstringStatusList.new()
    status_list.set(3)
    legacy = status_list.encode(legacy=True)
    assert not legacy.startswith("u")
    with pytest.raises(StatusListError) as info:
        BitstringStatusList.decode(legacy)
    assert info.value.code == ProblemCode.STATUS_LIST_INVALID
    assert BitstringStatusList.decode(legacy, legacy=True).get(3) == 1
    assert BitstringStatusList.decode(status_list.encode(), legacy=True).get(3) == 1


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "u",
        "u!!!!",
        "u" + _b64(b"not gzip at all"),
        "u" + _b64(gzip.compress(bytes(16384), mtime=0)[:-6]),  # truncated
        "u" + _b64(gzip.compress(bytes(16384), mtime=0) + b"trailing"),
        "u" + _b64(gzip.compress(b"", mtime=0)),  # empty list
        "zH4sI",  # base58 is not what the spec says
    ],
)
def test_decode_refuses_malformed(encoded: str) -> None:
    with pytest.raises(StatusListError) as info:
        BitstringStatusList.decode(encoded)
    assert info.value.code in (ProblemCode.STATUS_LIST_INVALID, ProblemCode.STATUS_LIST_TOO_SHORT)


def test_gzip_bomb_is_refused() -> None:
    # 64 MiB of zeros compress to ~64 KiB: decompression stops at the cap
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9, mtime=0)
    assert len(bomb) < 100_000
    with pytest.raises(StatusListError) as info:
        BitstringStatusList.decode("u" + _b64(bomb))
    assert info.value.code == ProblemCode.STATUS_LIST_INVALID
    assert "more than" in info.value.message
    # exactly at the cap is fine
    at_cap = gzip.compress(bytes(MAX_DECODED_BYTES), mtime=0)
    assert BitstringStatusList.decode("u" + _b64(at_cap)).length == MAX_DECODED_BYTES * 8


@settings(max_examples=40, deadline=None)
@given(
    indexes=st.sets(st.integers(min_value=0, max_value=MIN_LENGTH - 1), max_size=64),
    status_size=st.sampled_from([1, 2, 4]),
    data=st.data(),
)
def test_property_round_trip(indexes: set[int], status_size: int, data: st.DataObject) -> None:
    status_list = BitstringStatusList.new(MIN_LENGTH, status_size)
    values: dict[int, int] = {}
    for index in indexes:
        value = data.draw(st.integers(min_value=0, max_value=(1 << status_size) - 1))
        status_list.set(index, value)
        values[index] = value
    decoded = BitstringStatusList.decode(status_list.encode(), status_size)
    assert decoded == status_list
    for index, value in values.items():
        assert decoded.get(index) == value
    # nothing else was touched
    raw = decoded.to_bytes()
    assert sum(bin(b).count("1") for b in raw) == sum(bin(v).count("1") for v in values.values())


# ---------------------------------------------------------------------------------------
# entries and list credentials


def test_status_entry_shape() -> None:
    entry = status_entry(LIST_URL, 94567, "revocation")
    assert entry == {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    with_id = status_entry(LIST_URL, 1, "suspension", entry_id=f"{LIST_URL}#1")
    assert with_id["id"] == f"{LIST_URL}#1"


def test_status_entry_refusals() -> None:
    with pytest.raises(InputError):
        status_entry(LIST_URL, -1, "revocation")
    with pytest.raises(InputError):
        status_entry(LIST_URL, 1, "revocation", entry_id=LIST_URL)  # MUST NOT equal
    with pytest.raises(InputError):
        status_entry(LIST_URL, 1, "message", status_size=2)  # messages required
    with pytest.raises(InputError):
        status_entry(LIST_URL, 1, "message", status_size=2, messages=["a", "b", "c"])


def test_status_entry_with_messages() -> None:
    entry = status_entry(
        LIST_URL,
        5,
        "message",
        status_size=2,
        messages={0: "pending", 1: "accepted", 2: "rejected", 3: "undefined"},
    )
    assert entry["statusSize"] == 2
    assert entry["statusMessage"] == [
        {"status": "0x0", "message": "pending"},
        {"status": "0x1", "message": "accepted"},
        {"status": "0x2", "message": "rejected"},
        {"status": "0x3", "message": "undefined"},
    ]


def _list_credential(status_list: BitstringStatusList, purposes: Any = "revocation") -> Any:
    return status_list_credential(
        LIST_URL,
        "did:example:issuer",
        purposes,
        status_list,
        valid_from=NOW,
        valid_until=NOW + timedelta(days=30),
        ttl_ms=300_000,
    )


def test_status_list_credential_shape_and_json_ld() -> None:
    status_list = BitstringStatusList.new()
    credential = _list_credential(status_list)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["id"] == LIST_URL
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["validFrom"] == "2025-03-01T12:00:00Z"
    assert credential["validUntil"] == "2025-03-31T12:00:00Z"
    assert credential["credentialSubject"] == {
        "id": f"{LIST_URL}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": status_list.encode(),
        "ttl": 300_000,
    }
    assert basic_shape_errors(credential) == []
    nquads = canonicalize(credential)
    assert "<https://www.w3.org/ns/credentials/status#encodedList>" in nquads
    assert "<https://www.w3.org/ns/credentials/status#ttl>" in nquads
    several = _list_credential(status_list, ["revocation", "suspension"])
    assert several["credentialSubject"]["statusPurpose"] == ["revocation", "suspension"]
    with pytest.raises(InputError):
        _list_credential(status_list, [])


# ---------------------------------------------------------------------------------------
# check_status


def test_check_status_round_trip() -> None:
    status_list = BitstringStatusList.new()
    status_list.set(94567)
    credential = _list_credential(status_list, ["revocation", "suspension"])
    revoked = check_status(status_entry(LIST_URL, 94567, "revocation"), credential)
    assert revoked == StatusResult(purpose="revocation", value=1, is_set=True, message=None)
    fine = check_status(status_entry(LIST_URL, 94566, "suspension"), credential)
    assert (fine.value, fine.is_set) == (0, False)


def test_check_status_size_two_with_messages() -> None:
    status_list = BitstringStatusList.new(MIN_LENGTH, status_size=2)
    status_list.set(5, 2)
    credential = _list_credential(status_list, "message")
    messages = ["pending", "accepted", "rejected", "undefined"]
    entry = status_entry(LIST_URL, 5, "message", status_size=2, messages=messages)
    result = check_status(entry, credential)
    assert result == StatusResult(purpose="message", value=2, is_set=True, message="rejected")
    other = check_status(
        status_entry(LIST_URL, 6, "message", status_size=2, messages=messages), credential
    )
    assert (other.value, other.message) == (0, "pending")


def test_check_status_purpose_mismatch() -> None:
    credential = _list_credential(BitstringStatusList.new(), "revocation")
    with pytest.raises(StatusListError) as info:
        check_status(status_entry(LIST_URL, 1, "suspension"), credential)
    assert info.value.code == ProblemCode.STATUS_PURPOSE_MISMATCH


def test_check_status_url_mismatch() -> None:
    credential = _list_credential(BitstringStatusList.new())
    entry = status_entry("https://elsewhere.example/status/9", 1, "revocation")
    with pytest.raises(StatusListError) as info:
        check_status(entry, credential)
    assert info.value.code == ProblemCode.STATUS_LIST_INVALID
    assert check_status(entry, credential, check_list_url=False).is_set is False


def test_check_status_index_out_of_range() -> None:
    credential = _list_credential(BitstringStatusList.new())
    with pytest.raises(StatusListError) as info:
        check_status(status_entry(LIST_URL, MIN_LENGTH, "revocation"), credential)
    assert info.value.code == ProblemCode.STATUS_INDEX_OUT_OF_RANGE


def test_check_status_short_list() -> None:
    credential = _list_credential(BitstringStatusList.new())
    credential["credentialSubject"]["encodedList"] = "u" + _b64(gzip.compress(bytes(100)))
    with pytest.raises(StatusListError) as info:
        check_status(status_entry(LIST_URL, 1, "revocation"), credential)
    assert info.value.code == ProblemCode.STATUS_LIST_TOO_SHORT


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("23", 23), ("007", 7), (23, 23)],
)
def test_parse_status_index(value: Any, expected: int) -> None:
    assert parse_status_index(value) == expected


@pytest.mark.parametrize("value", ["-1", "+1", "0x17", "1e3", " 1", "1.0", "", -1, 1.0, True, None])
def test_parse_status_index_refuses(value: Any) -> None:
    with pytest.raises(StatusListError):
        parse_status_index(value)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e, c: e.pop("statusPurpose"),
        lambda e, c: e.pop("statusListCredential"),
        lambda e, c: e.update(statusListIndex="abc"),
        lambda e, c: e.update(statusSize=0),
        lambda e, c: e.update(statusSize=2),  # statusMessage then required
        lambda e, c: e.update(statusMessage=[{"status": "one", "message": "x"}]),
        lambda e, c: c.update(type=["VerifiableCredential"]),
        lambda e, c: c["credentialSubject"].update(type="Other"),
        lambda e, c: c["credentialSubject"].pop("encodedList"),
        lambda e, c: c["credentialSubject"].pop("statusPurpose"),
    ],
)
def test_check_status_malformed(mutate: Any) -> None:
    entry = status_entry(LIST_URL, 1, "revocation")
    credential = _list_credential(BitstringStatusList.new())
    mutate(entry, credential)
    with pytest.raises(StatusListError) as info:
        check_status(entry, credential)
    assert info.value.code == ProblemCode.STATUS_LIST_INVALID


def test_unsupported_status_types() -> None:
    credential = _list_credential(BitstringStatusList.new())
    old = load_json(FIXTURES / "1edtech-validator" / "ob30" / "credential-status-revoked.json")
    entry = old["credentialStatus"]
    assert entry["type"] == "1EdTechRevocationList"
    with pytest.raises(StatusListError) as info:
        check_status(entry, credential)
    assert info.value.code == ProblemCode.STATUS_UNSUPPORTED
    with pytest.raises(StatusListError) as info:
        check_status({"type": "SomethingElse"}, credential)
    assert info.value.code == ProblemCode.STATUS_UNSUPPORTED


def test_legacy_status_list_2021() -> None:
    status_list = BitstringStatusList.new()
    status_list.set(23)
    credential = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": status_list.encode(legacy=True),
        },
    }
    entry = {
        "id": f"{LIST_URL}#23",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "23",
        "statusListCredential": LIST_URL,
    }
    assert check_status(entry, credential).is_set
    assert canonicalize(credential)
    # a 2021 entry against a Bitstring list credential is a mismatch
    with pytest.raises(StatusListError):
        check_status(entry, _list_credential(status_list))


# ---------------------------------------------------------------------------------------
# 1EdTech fixtures


def test_1edtech_testlist_has_bit_23_set() -> None:
    testlist = load_json(BSL / "testlist")
    status_list = BitstringStatusList.decode(testlist["credentialSubject"]["encodedList"])
    assert status_list.length == MIN_LENGTH
    assert status_list.get(23) == 1
    assert status_list.to_bytes()[2] == 0b0000_0001  # index 23 = last bit of byte 2
    assert [i for i in range(64) if status_list.get(i)] == [23]


@pytest.mark.parametrize(
    "name", ["credential-status-revoked.json", "credential-status-revoked-blank-nodes.json"]
)
def test_1edtech_revoked_credentials(name: str) -> None:
    credential = load_json(BSL / name)
    testlist = load_json(BSL / "testlist")
    entry = credential["credentialStatus"]
    assert entry["statusListIndex"] == 23  # numeric, where the spec says a string
    # the fixture list's id (https://example.com/credentials/status/3) is not the URL the
    # entries point at (a raw.githubusercontent.com path): 1EdTech's validator does not
    # compare them, we do by default
    with pytest.raises(StatusListError) as info:
        check_status(entry, testlist)
    assert info.value.code == ProblemCode.STATUS_LIST_INVALID
    result = check_status(entry, testlist, check_list_url=False)
    assert result == StatusResult(purpose="revocation", value=1, is_set=True, message=None)
    # the same list, served with a matching id, needs no opt-out
    assert check_status(entry, {**copy.deepcopy(testlist), "id": entry["statusListCredential"]})
