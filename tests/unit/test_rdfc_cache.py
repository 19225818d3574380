"""The memoized context processing (``lerkit.core.jsonld.fastpath``) changes nothing but speed.

Reference ("uncached") runs use a :class:`StaticDocumentLoader` that is not the default
loader: those go through stock pyld, exactly as before the memo existed.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lerkit.core.errors import ContextUnknownError, JsonLdError
from lerkit.core.jsonld import (
    BUNDLED_CONTEXTS,
    PyldCanonicalizer,
    StaticDocumentLoader,
    canonicalize,
    default_loader,
    expand,
    fastpath,
)

VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"


def uncached(document: Any, hash_algorithm: str = "sha256") -> str:
    """Canonical N-Quads through stock pyld (a loader that is not the default one)."""
    return PyldCanonicalizer(hash_algorithm).canonicalize(document, StaticDocumentLoader())


def cached(document: Any, hash_algorithm: str = "sha256") -> str:
    return PyldCanonicalizer(hash_algorithm).canonicalize(document, default_loader())


# ------------------------------------------------------------------ OB-like documents

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)
_slug = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
_iri = st.builds(lambda s: f"https://example.org/{s}", _slug)
_did = st.builds(lambda s: f"did:example:{s}", _slug)


@st.composite
def profiles(draw: Any, depth: int = 0) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": draw(st.one_of(_iri, _did)), "type": ["Profile"]}
    if draw(st.booleans()):
        profile["name"] = draw(_text)
    if draw(st.booleans()):
        profile["url"] = draw(_iri)
    if depth < 1 and draw(st.booleans()):
        profile["parentOrg"] = draw(profiles(depth + 1))
    return profile


@st.composite
def alignments(draw: Any) -> dict[str, Any]:
    alignment: dict[str, Any] = {
        "type": draw(st.sampled_from([["Alignment"], "Alignment"])),
        "targetName": draw(_text),
        "targetUrl": draw(_iri),
    }
    if draw(st.booleans()):
        alignment["targetCode"] = draw(_text)
    if draw(st.booleans()):
        alignment["targetType"] = draw(st.sampled_from(["CFItem", "CTDL", "ext:Custom"]))
    return alignment


@st.composite
def achievements(draw: Any, depth: int = 0) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": draw(_iri),
        "type": ["Achievement"],
        "name": draw(_text),
        "criteria": {"narrative": draw(_text)},
    }
    if draw(st.booleans()):
        achievement["description"] = draw(_text)
    if draw(st.booleans()):
        achievement["alignment"] = draw(st.lists(alignments(), max_size=3))
    if draw(st.booleans()):
        achievement["creator"] = draw(profiles())
    if draw(st.booleans()):
        achievement["tag"] = draw(st.lists(_text, max_size=3))
    if draw(st.booleans()):
        achievement["achievementType"] = draw(st.sampled_from(["Badge", "Certificate"]))
    if depth < 1 and draw(st.booleans()):
        achievement["related"] = [{"id": draw(_iri), "type": ["Related"], "version": draw(_text)}]
    return achievement


@st.composite
def credentials(draw: Any) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if draw(st.booleans()):
        subject["id"] = draw(_did)
    if draw(st.booleans()):
        subject["achievement"] = draw(achievements())
    if draw(st.booleans()):
        subject["result"] = [
            {"type": ["Result"], "value": draw(_text), "status": "Completed"}
            for _ in range(draw(st.integers(0, 2)))
        ]
    doc: dict[str, Any] = {
        "@context": [VC2, OB3],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": draw(st.one_of(_did, profiles())),
        "validFrom": "2024-01-01T00:00:00Z",
        "name": draw(_text),
        "credentialSubject": subject,
    }
    if draw(st.booleans()):
        doc["id"] = draw(st.builds(lambda s: f"urn:uuid:{s}", _slug))
    if draw(st.booleans()):
        doc["evidence"] = [
            {"id": draw(_iri), "type": ["Evidence"], "narrative": draw(_text)}
            for _ in range(draw(st.integers(0, 2)))
        ]
    if draw(st.booleans()):
        doc["@context"] = [VC2, OB3, ED2020]
    return doc


def demo() -> dict[str, Any]:
    from datetime import UTC, datetime

    from lerkit.demo import demo_badge

    return demo_badge(
        issuer_did="did:example:issuer",
        subject_did="did:example:ada",
        credential_id="urn:uuid:7e1d0c4e-0000-4000-8000-000000000001",
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
    )


# ------------------------------------------------------------------ equivalence


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_same_output_as_uncached(doc: dict[str, Any]) -> None:
    before = copy.deepcopy(doc)
    reference = uncached(doc)
    assert cached(doc) == reference
    assert cached(doc) == reference  # warm memo
    assert doc == before  # the input is never modified


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_same_output_after_clearing_the_memo(doc: dict[str, Any]) -> None:
    warm = cached(doc)
    with fastpath.LOCK:
        fastpath.clear()
    assert cached(doc) == warm == uncached(doc)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_sha384_variant_unchanged(doc: dict[str, Any]) -> None:
    assert cached(doc, "sha384") == uncached(doc, "sha384")


def test_demo_badge_and_expansion_match() -> None:
    doc = demo()
    assert cached(doc) == uncached(doc)
    assert expand(doc) == expand(doc, StaticDocumentLoader())


def test_memo_hits_on_repeated_documents() -> None:
    doc = demo()
    canonicalize(doc)
    with fastpath.LOCK:
        before = fastpath.stats()
    canonicalize(doc)
    with fastpath.LOCK:
        after = fastpath.stats()
    assert after["misses"] == before["misses"]  # nothing processed again
    assert after["hits"] > before["hits"]


# ------------------------------------------------------------------ safe mode kept


@pytest.mark.parametrize("warm", [False, True])
def test_safe_mode_still_refuses(warm: bool) -> None:
    if warm:
        canonicalize(demo())
    undefined = demo()
    undefined["credentialSubject"]["achievement"]["notAnObTerm"] = "x"
    with pytest.raises(JsonLdError):
        canonicalize(undefined)
    relative = demo()
    relative["credentialSubject"]["achievement"]["id"] = "relative/path"
    with pytest.raises(JsonLdError):
        canonicalize(relative)
    relative_type = demo()
    relative_type["evidence"][0]["type"] = ["NotAType"]
    with pytest.raises(JsonLdError):
        canonicalize(relative_type)


def test_unknown_context_still_refused() -> None:
    doc = demo()
    doc["@context"] = [VC2, "https://example.org/not-bundled/v1"]
    with pytest.raises(ContextUnknownError):
        canonicalize(doc)


def test_bundled_documents_are_not_modified() -> None:
    snapshot = {url: json.dumps(BUNDLED_CONTEXTS[url], sort_keys=True) for url in BUNDLED_CONTEXTS}
    canonicalize(demo())
    doc = demo()
    doc["@context"] = [VC2, OB3, ED2020]
    canonicalize(doc)
    assert {
        url: json.dumps(BUNDLED_CONTEXTS[url], sort_keys=True) for url in BUNDLED_CONTEXTS
    } == snapshot


# ------------------------------------------------------------------ inline contexts


def _with_inline(ctx: dict[str, Any]) -> dict[str, Any]:
    doc = demo()
    doc["@context"] = [VC2, OB3, ctx]
    doc["credentialSubject"]["score"] = "42"
    return doc


def test_mutated_inline_context_gives_the_new_result() -> None:
    ctx: dict[str, Any] = {"score": "https://example.org/a#score"}
    doc = _with_inline(ctx)
    first = cached(doc)
    assert "https://example.org/a#score" in first
    ctx["score"] = "https://example.org/b#score"  # the same object, changed
    second = cached(doc)
    assert "https://example.org/b#score" in second
    assert "https://example.org/a#score" not in second
    assert second == uncached(doc)
    # a fresh object with the first content, after other contexts: still the first meaning
    again = demo()
    again["@context"] = [VC2, OB3, ED2020, {"score": "https://example.org/a#score"}]
    again["credentialSubject"]["score"] = "42"
    assert "https://example.org/a#score" in cached(again)
    assert cached(again) == uncached(again)


def test_mutated_inline_scoped_context_gives_the_new_result() -> None:
    scoped: dict[str, Any] = {"level": "https://example.org/a#level"}
    ctx = {"Special": {"@id": "https://example.org/Special", "@context": scoped}}
    doc = demo()
    doc["@context"] = [VC2, OB3, ctx]
    doc["credentialSubject"]["type"] = ["AchievementSubject", "Special"]
    doc["credentialSubject"]["level"] = "3"
    assert "https://example.org/a#level" in cached(doc)
    scoped["level"] = "https://example.org/b#level"
    out = cached(doc)
    assert "https://example.org/b#level" in out
    assert "https://example.org/a#level" not in out
    assert out == uncached(doc)


def test_inline_context_dropping_a_term_is_refused_after_mutation() -> None:
    ctx: dict[str, Any] = {"score": "https://example.org/a#score"}
    doc = _with_inline(ctx)
    cached(doc)
    del ctx["score"]
    with pytest.raises(JsonLdError):
        cached(doc)


# ------------------------------------------------------------------ threads


def test_threads_give_identical_results() -> None:
    docs = [demo()]
    for i, extra in enumerate([ED2020, None]):
        d = demo()
        if extra:
            d["@context"] = [VC2, OB3, extra]
        d["name"] = f"variant {i}"
        docs.append(d)
    docs.append(_with_inline({"score": "https://example.org/t#score"}))
    expected = [uncached(d) for d in docs]
    with fastpath.LOCK:
        fastpath.clear()
    errors: list[BaseException] = []
    results: list[list[tuple[int, str]]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(50):
                k = (i + t) % len(docs)
                results[t].append((k, canonicalize(docs[k])))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for per_thread in results:
        assert len(per_thread) == 50
        for k, out in per_thread:
            assert out == expected[k]
