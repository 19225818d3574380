"""``Taxonomy.neighbours``: the close skills of a skill at once, the same as asking
``similarity`` of every skill (the marketplace ranks new jobs with it)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lerkit.core.skills.taxonomy import Skill, Taxonomy
from lerkit.services.skills import default_taxonomy
from lerkit.services.skills.embeddings import EmbeddingIndex

ESCO_SPREADSHEETS = "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be"
ESCO_PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


@pytest.fixture(scope="module")
def tx() -> Taxonomy:
    return default_taxonomy()


@pytest.fixture(scope="module")
def anchors(tx: Taxonomy) -> list[str]:
    rng = random.Random(7)
    return [ESCO_SPREADSHEETS, ESCO_PYTHON, "urn:onet:technology:microsoft-excel"] + [
        s.uri for s in rng.sample(list(tx.skills), 12)
    ]


@pytest.fixture(scope="module")
def sample(tx: Taxonomy) -> list[str]:
    return [s.uri for s in random.Random(11).sample(list(tx.skills), 1500)]


@pytest.mark.parametrize("min_score", [0.6, 0.3])
def test_scores_are_similarity_and_nothing_is_missing(
    tx: Taxonomy, anchors: list[str], sample: list[str], min_score: float
) -> None:
    for a in anchors:
        found = dict(tx.neighbours(a, min_score))
        assert found[a] == 1.0
        for b, score in found.items():
            assert score == pytest.approx(tx.similarity(a, b), abs=1e-4)
            assert score >= min_score
        # every skill of the sample (and every neighbour's neighbour: skills that share
        # words) close enough is listed
        pool = set(sample) | {b for n in list(found)[:5] for b, _ in tx.neighbours(n, 0.3)}
        for b in pool:
            if tx.similarity(a, b) >= min_score:
                assert b in found, (a, b, tx.similarity(a, b))


def test_top_k_is_best_first(tx: Taxonomy, anchors: list[str], sample: list[str]) -> None:
    for a in anchors:
        top = tx.neighbours(a, 0.5, k=5)
        assert len(top) <= 5
        assert top[0] == (a, 1.0)
        assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
        if len(top) == 5:
            kth = top[-1][1]
            listed = {u for u, _ in top}
            for b in sample:
                if tx.similarity(a, b) > kth:
                    assert b in listed, (a, b)
    spreadsheets = [u for u, _ in tx.neighbours(ESCO_SPREADSHEETS, 0.6)]
    assert "urn:onet:technology:microsoft-excel" in spreadsheets or any(
        "spreadsheet" in u for u in spreadsheets
    )


def test_crosswalk_partner_of_an_unknown_uri(tx: Taxonomy) -> None:
    assert tx.neighbours("urn:nothing", 0.6) == [("urn:nothing", 1.0)]


def test_with_vectors_agrees_with_asking_every_skill() -> None:
    """With sentence vectors, the nearest come from one matrix product; brute force agrees."""
    rng = np.random.default_rng(3)
    words = ["data", "analysis", "python", "teaching", "welding", "nursing", "sales", "cloud"]
    skills = [
        Skill(
            framework="t",
            uri=f"urn:t:{i}",
            label=" ".join(rng.choice(words, size=2, replace=False)),
            broader=(f"urn:g:{i % 3}",),
        )
        for i in range(200)
    ]
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    vectors[1::2] = vectors[::2] + 0.3 * rng.normal(size=(100, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    tx = Taxonomy(skills=skills, vectors=EmbeddingIndex([s.uri for s in skills], vectors))
    for a in ("urn:t:0", "urn:t:7", "urn:t:120"):
        for min_score in (0.6, 0.35):
            brute = sorted(
                ((s.uri, tx.similarity(a, s.uri)) for s in skills),
                key=lambda p: (-p[1], p[0]),
            )
            want = [(u, v) for u, v in brute if v >= min_score and v > 0]
            assert tx.neighbours(a, min_score) == want
