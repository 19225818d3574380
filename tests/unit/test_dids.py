"""did:key, did:jwk, did:web mapping and the MethodResolver (pure: no sockets here).

Sources: w3c-ccg/did-method-key (prefixes ``z6Mk`` Ed25519, ``zDn`` P-256, ``z82`` P-384),
quartzjer/did-jwk ``spec.md`` (document shape, ``use`` rules, the P-256 example below),
w3c-ccg/did-method-web (mapping examples).
"""

from __future__ import annotations

import pytest

from lerkit.core.dids import (
    MethodResolver,
    check_did_web_document,
    did_jwk,
    did_key,
    did_web_to_url,
    find_verification_method,
    jwk_from_did_jwk,
    public_key_from_did_jwk,
    resolve_did_jwk,
    resolve_did_key,
    url_to_did_web,
)
from lerkit.core.errors import InputError, ProblemCode, ResolutionError
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_decode
from lerkit.core.types import JsonObject

KEY_TYPES = [KeyType.ED25519, KeyType.P256, KeyType.P384]


def key_of(key_type: KeyType, seed: int = 1) -> PrivateKey:
    return PrivateKey.generate(key_type, bytes([seed]) * 64)


# --------------------------------------------------------------------------- did:key


@pytest.mark.parametrize(
    ("key_type", "prefix"),
    [
        (KeyType.ED25519, "did:key:z6Mk"),
        (KeyType.P256, "did:key:zDn"),
        (KeyType.P384, "did:key:z82"),
    ],
)
def test_did_key_prefix_and_document(key_type: KeyType, prefix: str) -> None:
    key = key_of(key_type)
    did = did_key(key.public_key)
    assert did.startswith(prefix)
    doc = resolve_did_key(did)
    vm_id = f"{did}#{did.removeprefix('did:key:')}"
    vm = find_verification_method(doc, vm_id, "assertionMethod")
    assert vm.public_key == key.public_key
    assert MethodResolver().resolve(did) == doc


# --------------------------------------------------------------------------- did:jwk

# quartzjer/did-jwk spec.md, P-256 example
SPEC_DID_JWK = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVV"
    "M3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)


def test_did_jwk_spec_example() -> None:
    doc = resolve_did_jwk(SPEC_DID_JWK)
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
    ]
    vm = doc["verificationMethod"][0]
    assert vm["id"] == SPEC_DID_JWK + "#0"
    assert vm["type"] == "JsonWebKey2020"
    assert vm["controller"] == SPEC_DID_JWK
    assert vm["publicKeyJwk"]["crv"] == "P-256"
    for rel in (
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
        "keyAgreement",
    ):
        assert doc[rel] == [SPEC_DID_JWK + "#0"]
    assert public_key_from_did_jwk(SPEC_DID_JWK).key_type is KeyType.P256


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_did_jwk_round_trip(key_type: KeyType) -> None:
    key = key_of(key_type, 7)
    did = did_jwk(key.public_key)
    # JCS: members in code-point order, no whitespace
    raw = b64url_decode(did.removeprefix("did:jwk:")).decode()
    assert " " not in raw
    assert raw.startswith('{"crv":')
    assert jwk_from_did_jwk(did) == key.public_key.jwk
    assert public_key_from_did_jwk(did + "#0") == key.public_key
    doc = MethodResolver().resolve(did)
    vm = find_verification_method(doc, did + "#0", "authentication")
    assert vm.public_key == key.public_key


def _did_jwk_of(jwk: JsonObject) -> str:
    import base64
    import json

    data = json.dumps(jwk).encode()
    return "did:jwk:" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_did_jwk_use_sig_and_enc() -> None:
    jwk = key_of(KeyType.ED25519).public_key.jwk
    sig = resolve_did_jwk(_did_jwk_of({**jwk, "use": "sig"}))
    assert "keyAgreement" not in sig
    assert "assertionMethod" in sig
    enc = resolve_did_jwk(_did_jwk_of({**jwk, "use": "enc"}))
    assert "keyAgreement" in enc
    assert "assertionMethod" not in enc
    assert "authentication" not in enc


@pytest.mark.parametrize(
    "did",
    [
        "did:jwk:",
        "did:jwk:!!!",
        "did:jwk:" + "eyJhIjoxfQ",  # {"a":1}: not a JWK
        "did:jwk:WzFd",  # [1]
        "did:key:z6Mk",  # wrong method
    ],
)
def test_did_jwk_malformed(did: str) -> None:
    with pytest.raises(InputError) as info:
        resolve_did_jwk(did)
    assert info.value.code is ProblemCode.DID_MALFORMED


def test_did_jwk_refuses_private_key() -> None:
    did = _did_jwk_of(key_of(KeyType.P256).private_jwk)
    with pytest.raises(InputError, match="private"):
        resolve_did_jwk(did)


# --------------------------------------------------------------------------- did:web

WEB_TABLE = [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
    ("did:web:example.com:user:alice", "https://example.com/user/alice/did.json"),
    ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ("did:web:example.com%3A8443", "https://example.com:8443/.well-known/did.json"),
    ("did:web:sub.example.co.uk:a:b:c", "https://sub.example.co.uk/a/b/c/did.json"),
    ("did:web:localhost%3A8080", "https://localhost:8080/.well-known/did.json"),
]


@pytest.mark.parametrize(("did", "url"), WEB_TABLE)
def test_did_web_mapping_both_ways(did: str, url: str) -> None:
    assert did_web_to_url(did) == url
    assert url_to_did_web(url) == did


def test_did_web_fragment_ignored_and_base_urls() -> None:
    assert did_web_to_url("did:web:example.com#key-1") == "https://example.com/.well-known/did.json"
    assert url_to_did_web("https://example.com") == "did:web:example.com"
    assert url_to_did_web("https://example.com/") == "did:web:example.com"
    assert url_to_did_web("https://example.com/user/alice") == "did:web:example.com:user:alice"
    assert (
        did_web_to_url("did:web:example.com%3a3000")
        == "https://example.com:3000/.well-known/did.json"
    )


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:127.0.0.1",
        "did:web:127.1",
        "did:web:0x7f000001",
        "did:web:10.0.0.1%3A8080",
        "did:web:169.254.169.254",
        "did:web:%5B%3A%3A1%5D",  # [::1]
        "did:web:example.com%3A0",
        "did:web:example.com%3A70000",
        "did:web:example.com%3Aabc",
        "did:web:example.com:",
        "did:web:example.com::x",
        "did:web:example.com:..",
        "did:web:example.com:a/b",
        "did:web:exa mple.com",
        "did:web:-bad-.com",
        "did:web:example.com?x=1",
        "did:key:z6Mk",
    ],
)
def test_did_web_refusals(did: str) -> None:
    with pytest.raises(InputError) as info:
        did_web_to_url(did)
    assert info.value.code is ProblemCode.DID_MALFORMED


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/did.json",
        "https://127.0.0.1/.well-known/did.json",
        "https://[::1]/did.json",
        "https://example.com/did.json?x=1",
        "https://user:pw@example.com/",
        "https://example.com:99999/",
    ],
)
def test_url_to_did_web_refusals(url: str) -> None:
    with pytest.raises(InputError) as info:
        url_to_did_web(url)
    assert info.value.code is ProblemCode.DID_MALFORMED


def _web_doc(did: str) -> JsonObject:
    key = key_of(KeyType.ED25519, 3)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.multikey,
            }
        ],
        "assertionMethod": ["#key-1"],
    }


def test_check_did_web_document() -> None:
    did = "did:web:example.com"
    doc = _web_doc(did)
    assert check_did_web_document(did, doc) is doc
    cases: list[object] = [
        [doc],
        {**doc, "id": "did:web:evil.example"},
        {**doc, "@context": "https://www.w3.org/2018/credentials/v1"},
        {**doc, "verificationMethod": [{**doc["verificationMethod"][0], "id": "did:key:z6Mk#x"}]},
    ]
    for bad in cases:
        with pytest.raises(ResolutionError) as info:
            check_did_web_document(did, bad)
        assert info.value.code is ProblemCode.DID_DOCUMENT_INVALID


# --------------------------------------------------------------------------- MethodResolver


class FakeWeb:
    def __init__(self, documents: dict[str, JsonObject]) -> None:
        self.documents = documents
        self.calls: list[str] = []

    def resolve(self, did: str) -> JsonObject:
        self.calls.append(did)
        return self.documents[did]


def test_resolver_did_web_offline_by_did_or_url() -> None:
    did = "did:web:example.com:issuers:1"
    doc = _web_doc(did)
    assert MethodResolver(documents={did: doc}).resolve(did) == doc
    url = "https://example.com/issuers/1/did.json"
    assert MethodResolver(documents={url: doc}).resolve(did + "#key-1") == doc
    # offline documents are checked too
    with pytest.raises(ResolutionError) as info:
        MethodResolver(documents={url: _web_doc("did:web:other.example")}).resolve(did)
    assert info.value.code is ProblemCode.DID_DOCUMENT_INVALID


def test_resolver_did_web_not_offline_names_the_flags() -> None:
    with pytest.raises(ResolutionError) as info:
        MethodResolver().resolve("did:web:example.com")
    assert info.value.code is ProblemCode.DID_UNRESOLVABLE
    message = str(info.value)
    assert "not available offline" in message
    assert "--allow-network" in message
    assert "--resource https://example.com/.well-known/did.json=FILE" in message


def test_resolver_uses_web_adapter_after_documents() -> None:
    did = "did:web:example.com"
    web = FakeWeb({did: _web_doc(did)})
    resolver = MethodResolver(web=web)
    assert resolver.resolve(did)["id"] == did
    assert web.calls == [did]
    # offline wins over the adapter
    offline = MethodResolver(web=web, documents={did: _web_doc(did)})
    offline.resolve(did)
    assert web.calls == [did]
    # did:key never goes to the adapter
    resolver.resolve(did_key(key_of(KeyType.P256).public_key))
    assert web.calls == [did]


def test_resolver_https_controller_documents() -> None:
    url = "https://example.edu/keys/1"
    jwk = key_of(KeyType.P256).public_key.jwk
    assert MethodResolver(documents={url: jwk}).resolve(url + "#x") == jwk
    with pytest.raises(ResolutionError) as info:
        MethodResolver().resolve(url)
    assert "--resource https://example.edu/keys/1=FILE" in str(info.value)
    with pytest.raises(ResolutionError) as info:
        MethodResolver(documents={url: {"id": "https://evil.example/"}}).resolve(url)
    assert info.value.code is ProblemCode.DID_DOCUMENT_INVALID


@pytest.mark.parametrize("did", ["did:example:123", "did:velocity:v2:0xabc", "did:ion:x"])
def test_resolver_unsupported_methods(did: str) -> None:
    with pytest.raises(ResolutionError) as info:
        MethodResolver().resolve(did)
    assert info.value.code is ProblemCode.DID_UNSUPPORTED_METHOD


@pytest.mark.parametrize("value", ["", "urn:uuid:1234", "example.com"])
def test_resolver_rejects_non_dids(value: str) -> None:
    with pytest.raises(InputError):
        MethodResolver().resolve(value)
