"""Skills: load time, normalization and extraction throughput (labels per second) and memory,
with and without the embedding model (``make bench`` calls run(); a report, not a test).

Labels are written as people write them, from the bundled taxonomy (seeded): the preferred
label, an alternative label, a one-letter typo of either, upper/lower-case variants. Each
method is reported next to a reference measured in the same run:

* the floor: an exact-label dictionary lookup (case-folded preferred + alternative labels);
* lexical: ``Taxonomy.normalize`` (alt labels, stems, abbreviations, fuzzy, token overlap);
* embedding: the same with all-MiniLM-L6-v2 vectors (bundled int8 vectors for the default
  taxonomy; the label is embedded per call) — only when the ``embeddings`` extra is installed;
* extraction: ``Taxonomy.extract`` over job-description-like texts made of those labels
  (labels per second = labels planted in the texts / seconds).

Accuracy: the share of labels whose generating skill is in the top 3. Memory: tracemalloc
peak of building the lexical index, and the process's peak RSS after each stage.
"""

from __future__ import annotations

import gc
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CPU = 0
SEED = 20261129
N_LABELS = 2000
N_EMBED = 300
N_TEXTS = 100


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 6:
        return s
    i = rng.randrange(1, len(s) - 2)
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]  # swap two letters


def _labels(taxonomy: Any, n: int) -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    skills = [s for s in taxonomy.skills if not s.kind.endswith("technology-class")]
    out: list[tuple[str, str]] = []
    while len(out) < n:
        s = rng.choice(skills)
        kind = rng.random()
        label = rng.choice(s.alt_labels) if s.alt_labels and kind < 0.4 else s.label
        if 0.4 <= kind < 0.6:
            label = _typo(rng, label)
        elif kind >= 0.9:
            label = label.upper() if rng.random() < 0.5 else label.title()
        out.append((label, s.uri))
    return out


def _rate(fn: Any, items: list[Any]) -> tuple[float, list[Any]]:
    t = time.perf_counter()
    results = [fn(x) for x in items]
    return len(items) / (time.perf_counter() - t), results


def run() -> None:
    print("\n== skills: normalization and extraction (bench/bench_skills.py)")
    try:
        os.sched_setaffinity(0, {CPU})
        pinned = f"pinned to CPU {CPU}"
    except (AttributeError, OSError):
        pinned = "not pinned"
    from lerkit.core.skills.taxonomy import Taxonomy
    from lerkit.core.skills.text import key
    from lerkit.services.skills import default_taxonomy, embeddings

    gc.collect()
    t = time.perf_counter()
    taxonomy = default_taxonomy()
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    taxonomy.normalize("warm up the stem index")
    index_s = time.perf_counter() - t
    print(f"  {pinned}; {len(taxonomy.skills):,} skills, {len(taxonomy.occupations):,} occupations")
    print(
        f"  load: {load_s:.2f} s (JSON + objects + label index); stem index on first use: "
        f"{index_s:.2f} s; peak RSS {_rss_mb():.0f} MiB"
    )
    from lerkit.core.skills.taxonomy import from_default_data
    from lerkit.services.skills import load_default_data

    tracemalloc.start()
    again = from_default_data(load_default_data())
    again.normalize("warm up the stem index")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del again
    gc.collect()
    print(
        "  memory of one lexical taxonomy with its indexes (tracemalloc peak): "
        f"{peak / 2**20:.0f} MiB"
    )

    labels = _labels(taxonomy, N_LABELS)
    floor: dict[str, str] = {}
    for s in taxonomy.skills:
        for label in (s.label, *s.alt_labels):
            floor.setdefault(key(label), s.uri)
    rate, got = _rate(lambda x: floor.get(key(x[0])), labels)
    acc = sum(1 for (lab, uri), g in zip(labels, got, strict=True) if g == uri) / len(labels)
    print(f"  floor (exact dictionary lookup): {rate:,.0f} labels/s, top-1 accuracy {acc:.0%}")

    def lexical(x: tuple[str, str]) -> list[str]:
        return [m.skill.uri for m in taxonomy.normalize(x[0], limit=3)]

    rate, got = _rate(lexical, labels)
    acc = sum(1 for (lab, uri), g in zip(labels, got, strict=True) if uri in g) / len(labels)
    print(
        f"  lexical normalize: {rate:,.0f} labels/s, top-3 accuracy {acc:.0%}; "
        f"peak RSS {_rss_mb():.0f} MiB"
    )

    rng = random.Random(SEED + 1)
    texts: list[tuple[str, int]] = []
    for _ in range(N_TEXTS):
        chosen = [rng.choice(labels)[0] for _ in range(8)]
        text = (
            f"We are looking for someone able to {chosen[0]} and {chosen[1]}. "
            f"Experience with {chosen[2]}, {chosen[3]} and {chosen[4]} is required. "
            f"Nice to have: {chosen[5]}; {chosen[6]}; {chosen[7]}."
        )
        texts.append((text, 8))
    t = time.perf_counter()
    found = sum(len(taxonomy.extract(text)) for text, _ in texts)
    secs = time.perf_counter() - t
    print(
        f"  lexical extract: {N_TEXTS * 8 / secs:,.0f} labels/s ({N_TEXTS / secs:,.1f} texts/s, "
        f"{found / N_TEXTS:.1f} skills found per text)"
    )

    if not embeddings.available():
        print(
            "  embedding: the `embeddings` extra is not installed "
            "(pip install 'lerkit[embeddings]')"
        )
        return
    rss_before = _rss_mb()
    t = time.perf_counter()
    index = embeddings.build_index(taxonomy, None, max_compute=0)
    embeddings.load_model()
    model_s = time.perf_counter() - t
    etx = Taxonomy(
        skills=taxonomy.skills,
        occupations=taxonomy.occupations,
        frameworks=taxonomy.frameworks,
        groups=taxonomy.groups,
        links=taxonomy.links,
        vectors=index,
    )
    etx.normalize("warm up")
    print(
        f"  embedding model + bundled vectors: {model_s:.1f} s; "
        f"peak RSS {rss_before:.0f} -> {_rss_mb():.0f} MiB"
    )
    sample = labels[:N_EMBED]
    rate_l, got_l = _rate(
        lambda x: [m.skill.uri for m in taxonomy.normalize(x[0], limit=3)], sample
    )
    rate_e, got_e = _rate(lambda x: [m.skill.uri for m in etx.normalize(x[0], limit=3)], sample)
    acc_l = sum(1 for (lab, uri), g in zip(sample, got_l, strict=True) if uri in g) / len(sample)
    acc_e = sum(1 for (lab, uri), g in zip(sample, got_e, strict=True) if uri in g) / len(sample)
    print(
        f"  same {N_EMBED} labels: lexical {rate_l:,.0f} labels/s (top-3 {acc_l:.0%}) vs "
        f"lexical+embedding {rate_e:,.0f} labels/s (top-3 {acc_e:.0%})"
    )
    t = time.perf_counter()
    for text, _ in texts[:20]:
        etx.extract(text)
    secs = time.perf_counter() - t
    print(
        f"  extract with embeddings: {20 * 8 / secs:,.0f} labels/s ({20 / secs:,.1f} texts/s); "
        f"peak RSS {_rss_mb():.0f} MiB"
    )


if __name__ == "__main__":
    run()
