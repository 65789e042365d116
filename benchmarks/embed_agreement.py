"""Speed and agreement of lens's embedding against ``SentenceTransformer.encode`` (lens 0.2's way).

For each CSV it embeds the distinct texts of one column three ways, with all-MiniLM-L6-v2 on one torch thread:

- ``encode``: ``model.encode`` on chunks of 512 texts in file order, batch 64 (padding to each batch's longest);
- ``fp32``: lens's token-length buckets (:class:`lens_cli.embedders.SentenceTransformerEmbedder`);
- ``bf16``: the same under bfloat16 autocast (what ``--embed-precision auto`` runs on CPUs with AMX).

Speed: ``--rounds`` interleaved rounds of encode and fp32 (texts/s, median, and the median of fp32 ÷ encode
in the same round); bf16 once (unless ``--no-bf16``). Agreement with ``encode``: mean and minimum cosine per
text, Spearman correlation of all pairwise cosines among the first 1,000 texts, adjusted Rand index of
average-linkage clusters cut at the semantic axis's default threshold (distance (1 − cos) / 2 ≤ 0.2) among
the first 2,000.

    python benchmarks/embed_agreement.py DATA.csv:COLUMN [...] [--rounds 3] [--no-bf16]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from lens_cli.embedders import SentenceTransformerEmbedder, cpu_has_amx, l2_normalise


def encode(model, texts: list[str]) -> np.ndarray:
    parts = [model.encode(texts[s : s + 512], batch_size=64, convert_to_numpy=True) for s in range(0, len(texts), 512)]
    return l2_normalise(np.concatenate(parts))


def clusters(v: np.ndarray, threshold: float = 0.2) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    d = np.clip((1 - v.astype(np.float64) @ v.T.astype(np.float64)) / 2, 0, None)
    np.fill_diagonal(d, 0)
    return fcluster(linkage(squareform(d, checks=False), "average"), threshold, "distance")


def agreement(ref: np.ndarray, v: np.ndarray) -> dict[str, float]:
    from scipy.stats import spearmanr
    from sklearn.metrics import adjusted_rand_score

    cos = (ref * v).sum(axis=1)
    k = min(1000, len(v))
    iu = np.triu_indices(k, 1)
    rho = spearmanr((ref[:k] @ ref[:k].T)[iu], (v[:k] @ v[:k].T)[iu]).statistic
    m = min(2000, len(v))
    return {
        "mean_cos": float(cos.mean()),
        "min_cos": float(cos.min()),
        "spearman": float(rho),
        "ari": float(adjusted_rand_score(clusters(ref[:m]), clusters(v[:m]))),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+", help="CSV:COLUMN")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-bf16", action="store_true")
    args = ap.parse_args()
    import torch

    fp32 = SentenceTransformerEmbedder("minilm", "fp32")
    model = fp32._load()
    bf16 = SentenceTransformerEmbedder("minilm", "bf16")
    print(
        f"{platform.processor() or platform.machine()}, {cpu_model()}, AMX: {cpu_has_amx()}, torch {torch.__version__}"
    )
    print(
        "| data | texts | encode texts/s | fp32 texts/s | fp32 ÷ encode | bf16 texts/s | "
        "fp32: mean cos / min / Spearman / ARI | bf16: mean cos / min / Spearman / ARI |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for spec in args.data:
        path, column = spec.rsplit(":", 1)
        with open(path, newline="", encoding="utf-8") as f:
            texts = list(dict.fromkeys(r[column] for r in csv.DictReader(f) if r[column].strip()))
        speeds: dict[str, list[float]] = {"encode": [], "fp32": []}
        ratios = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            ref = encode(model, texts)
            speeds["encode"].append(len(texts) / (time.perf_counter() - t))
            t = time.perf_counter()
            ours = fp32.embed(texts)
            speeds["fp32"].append(len(texts) / (time.perf_counter() - t))
            ratios.append(speeds["fp32"][-1] / speeds["encode"][-1])
        cells = [
            Path(path).name,
            f"{len(texts):,}",
            f"{statistics.median(speeds['encode']):.0f}",
            f"{statistics.median(speeds['fp32']):.0f}",
            f"{statistics.median(ratios):.2f}",
        ]
        a = agreement(ref, ours)
        fp32_cell = f"{a['mean_cos']:.7f} / {a['min_cos']:.7f} / {a['spearman']:.6f} / {a['ari']:.4f}"
        if args.no_bf16:
            cells += ["", fp32_cell, ""]
        else:
            t = time.perf_counter()
            low = bf16.embed(texts)
            cells.append(f"{len(texts) / (time.perf_counter() - t):.0f}")
            b = agreement(ref, low)
            cells += [fp32_cell, f"{b['mean_cos']:.5f} / {b['min_cos']:.5f} / {b['spearman']:.5f} / {b['ari']:.4f}"]
        print("| " + " | ".join(cells) + " |", flush=True)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    main()
