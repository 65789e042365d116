"""How far is lens's Vendi score on the string axes from the exact one, and what does each cost?

For each dataset (the benchmark's synthetic data of each size, ``synth.py``, and any ``--file``) it
parses the texts with the real spaCy parser (cached in ``--cache-dir``), builds each string axis's items as
``lens analyze`` does, and computes

- lens's score (``lens_cli.stats.vendi_score``: exact up to 1,500 distinct items, else the SLQ estimate with
  its interval; above 10,000 items on lens's fixed-seed sample of 10,000), and
- the exact score on the same items (every eigenvalue of the weighted kernel, float64),

and prints a Markdown table: relative error, whether the interval covers the exact value, and CPU seconds
of each. The exact score of the lexical axis at 10k items needs a few GB and a few minutes.

    python benchmarks/vendi_error.py --sizes 1000,10000,100000
    python benchmarks/vendi_error.py --sizes 1000 --file music.csv:query
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import synth  # noqa: E402

from lens_cli.config import ReadRequest  # noqa: E402
from lens_cli.distances import string_cross  # noqa: E402
from lens_cli.features import featurize  # noqa: E402
from lens_cli.io import read  # noqa: E402
from lens_cli.parsers import make_parser, parse  # noqa: E402
from lens_cli.runtime.cache import Cache, CachedParser  # noqa: E402
from lens_cli.stats import VENDI_SAMPLE, stats_sample, vendi_score  # noqa: E402
from lens_cli.vendi import dice_operator, vendi_estimate  # noqa: E402

AXES = ("syntax", "template", "dependency", "lexical")


def exact(items: list[str], counts: np.ndarray, axis: str) -> float:
    """The exact score of the weighted distinct items (no estimate at any size)."""
    big = len(items) + 1
    if axis == "lexical":
        return vendi_estimate(items, None, counts, operator=dice_operator(items, counts), exact_max=big)[0]
    return vendi_estimate(items, lambda a, b: string_cross(a, b, axis), counts, exact_max=big)[0]


def rows(name: str, request: ReadRequest, cache_dir: Path) -> list[str]:
    corpus = read(request, 0)
    parser = CachedParser(make_parser("spacy"), Cache(cache_dir), lambda message: None)
    parsed = parse(corpus, parser)
    out = []
    for axis in AXES:
        features = featurize(axis, parsed)
        t0 = time.process_time()
        lens = vendi_score(features)
        lens_cpu = time.process_time() - t0
        sample = stats_sample(features.n, VENDI_SAMPLE)
        chosen = sample if sample is not None else np.arange(features.n)
        counted = Counter(features.items[int(i)] for i in chosen)
        items, counts = list(counted), np.fromiter(counted.values(), dtype=np.float64, count=len(counted))
        t0 = time.process_time()
        reference = exact(items, counts, axis)
        exact_cpu = time.process_time() - t0
        error = lens.score / reference - 1
        interval = lens.interval
        covered = "exact" if interval is None else ("yes" if interval[0] <= reference <= interval[1] else "**no**")
        out.append(
            f"| {name} | {axis} | {features.n:,} | {len(items):,} | {reference:.3f} | {lens.score:.3f} | "
            f"{100 * error:+.2f}% | {covered} | {lens_cpu:.1f} | {exact_cpu:.1f} |"
        )
        print(out[-1], file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="synthetic dataset sizes (comma-separated)")
    ap.add_argument("--file", action="append", default=[], help="PATH:COLUMN of another dataset (repeatable)")
    ap.add_argument("--cache-dir", default=None, help="parse cache (default: a temporary directory)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lens-vendi-"))
    cache_dir = Path(args.cache_dir) if args.cache_dir else work / "cache"
    table = [
        "| data | axis | items | distinct items scored | exact | lens | error | interval covers | lens CPU s | "
        "exact CPU s |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for spec in args.file:
        path, _, column = spec.rpartition(":")
        table += rows(Path(path).name, ReadRequest(path, text_column=column), cache_dir)
    for size in (int(s) for s in args.sizes.split(",") if s):
        data = synth.write_csv(work / f"synth{size}.csv", size)
        table += rows(f"synth {size:,}", ReadRequest(str(data), text_column="query"), cache_dir)
    print("\n".join(table))


if __name__ == "__main__":
    main()
