"""Precompute the default taxonomy's skill embeddings (all-MiniLM-L6-v2), shipped as int8.

    python tools/build_skills_embeddings.py [OUT]

Needs the ``embeddings`` extra. Embeds each skill's preferred label (in the order of
``default.json.gz``), L2-normalized, quantized to int8 (``round(v * 127)``), and writes
``src/lerkit/data/skills/default-minilm.npz`` with ``vectors`` (N x 384 int8) and
``labels_sha256`` (to check that the vectors belong to the bundled taxonomy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from lerkit.services.skills import default_taxonomy
from lerkit.services.skills.embeddings import MODEL_NAME, labels_digest, load_model


def main(argv: list[str]) -> None:
    out = (
        Path(argv[1])
        if len(argv) > 1
        else (Path(__file__).resolve().parents[1] / "src/lerkit/data/skills/default-minilm.npz")
    )
    tx = default_taxonomy()
    labels = [s.label for s in tx.skills]
    model = load_model()
    vectors = model.encode(
        labels, batch_size=256, normalize_embeddings=True, show_progress_bar=False
    )
    q = np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 127.0), -127, 127).astype(np.int8)
    np.savez_compressed(
        out, vectors=q, labels_sha256=np.array(labels_digest(labels)), model=np.array(MODEL_NAME)
    )
    print(f"{out}: {q.shape[0]} vectors, {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv)
