"""Same answer every time: byte-identical outputs for the same input, and the same clusters and statistics
when the rows are shuffled (README, "Determinism").

Runs that must agree run in separate processes with different ``PYTHONHASHSEED``: two runs in one process
would share the hash seed and hide an order that comes from iterating a set of strings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lens_cli import distances as dist
from lens_cli.cluster import cluster_exact
from lens_cli.model import ParsedText, Token

from .conftest import ROOT, SAMPLE

#: Statistics whose definition depends on the order of the texts (README, "Determinism").
ORDER_DEPENDENT_STATS = {"ngram_diversity", "ngram_diversity_terms", "compression_ratio", "compression_ratio_pos"}

WITH_FAKES = """
import sys
from lens_cli.cli import main
from lens_cli.runtime import assembly
from tests.fakes import FakeEmbedder, FakeParser
assembly.make_parser = lambda *a, **k: FakeParser()
assembly.make_embedder = lambda *a, **k: FakeEmbedder()
main(sys.argv[1:], prog_name="lens")
"""


def lens(args: list[str], hash_seed: int, fakes: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": str(hash_seed)}
    cmd = [sys.executable, "-c", WITH_FAKES] if fakes else [sys.executable, "-m", "lens_cli.cli"]
    return subprocess.run([*cmd, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def analyse_twice(tmp_path: Path, extra: list[str], fakes: bool) -> list[tuple[str, str, str]]:
    digests = []
    for k, hash_seed in enumerate((1, 2)):
        out, js, md = tmp_path / f"r{k}.html", tmp_path / f"r{k}.json", tmp_path / f"s{k}.md"
        args = ["analyze", str(SAMPLE), "--text-column", "query", "--seed-column", "source", "--seed-value", "seed"]
        result = lens(
            [*args, *extra, "-o", str(out), "--json", str(js), "--summary-md", str(md), "-q"], hash_seed, fakes
        )
        assert result.returncode == 0, result.stderr
        digests.append((sha256(out), sha256(js), sha256(md)))
    return digests


def test_same_input_gives_byte_identical_outputs_with_fakes(tmp_path):
    first, second = analyse_twice(tmp_path, [], fakes=True)
    assert first == second


@pytest.mark.model
def test_same_input_gives_byte_identical_outputs_with_real_models(tmp_path):
    """The real spaCy parser and MiniLM embedder, each run in its own process."""
    first, second = analyse_twice(tmp_path, ["--parser", "spacy", "--embedder", "minilm"], fakes=False)
    assert first == second


# --- ties ----------------------------------------------------------------------------------------------------------


def tagged(*tags: str) -> ParsedText:
    words = [f"{t.lower()}{i}" for i, t in enumerate(tags)]  # a real parser tags equal texts alike
    return ParsedText(tuple(Token(w, w, t, t, "dep", 0, False) for w, t in zip(words, tags)))


# Syntax distances a-b 0.2, b-c 0.2, a-c 0.4: a tie for the first merge, and the third text joins at 0.3.
TIED = {
    "a": tagged("NOUN", "NOUN", "NOUN", "NOUN", "NOUN"),
    "b": tagged("NOUN", "VERB", "NOUN", "NOUN", "NOUN"),
    "c": tagged("NOUN", "VERB", "ADJ", "NOUN", "NOUN"),
}


@pytest.mark.parametrize("method", ["average", "complete", "single"])
def test_tied_merges_give_the_same_clusters_in_any_row_order(method):
    """fastcluster breaks ties by index: the clusters were {a, b} or {b, c} by which row came first."""
    seen = set()
    for names in itertools.permutations(TIED):
        parsed = [TIED[k] for k in names]
        condensed = dist.string_condensed(dist.axis_strings("syntax", parsed, dist.Codebook()), "syntax")
        c = cluster_exact("syntax", condensed, parsed, np.zeros(3, bool), method=method, threshold=0.25, k=None)
        clusters = frozenset(frozenset(names[i] for i in cl.members) for cl in c.clusters)
        seen.add((clusters, tuple(names[i] for i in c.leaf_order)))
    assert len(seen) == 1, seen


# --- shuffled rows -------------------------------------------------------------------------------------------------


def shuffled_copy(src: Path, dst: Path, seed: int) -> list[int]:
    """Write ``src``'s data records to ``dst`` in a random order; ``order[k]`` is the source row of new row k."""
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"), newline="")))
    header, records = rows[0], rows[1:]
    order = [int(i) for i in np.random.default_rng(seed).permutation(len(records))]
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(records[i] for i in order)
    return order


def texts_of(path: Path, column: str) -> list[str]:
    return [r[column] for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))]


def by_text(doc: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    """Everything in the JSON that must not depend on row order, with every row replaced by its text."""

    def bag(rows: list[int]) -> tuple[str, ...]:
        return tuple(sorted(texts[r] for r in rows))

    axes = {}
    for name, a in doc["axes"].items():
        axes[name] = {
            "clusters": sorted(
                (bag(c["rows"]), c["medoid_text"], c["pattern"], tuple(c["keywords"]), bag(c["seed_rows"]))
                for c in a["clusters"]
            ),
            "unclustered": bag(a["unclustered"]),
            "figures": {k: a[k] for k in ("n_clusters", "clustered_share", "near_duplicate_pairs", "seed_copy_rate")},
            "near_duplicates": sorted(tuple(sorted((texts[i], texts[j]))) for i, j, _ in a["near_duplicates"]),
        }
    seeds = doc["seeds"]
    return {
        "axes": axes,
        "stats": {k: v for k, v in doc["stats"].items() if k not in ORDER_DEPENDENT_STATS},
        "top": doc["top"],
        "seeds": {
            "rows": bag(seeds["rows"]),
            "verbatim_copies": bag(seeds["verbatim_copies"]),
            "copies": bag(seeds["copies"]),
            "children": {
                axis: Counter({texts[int(s)]: n for s, n in per.items() if n})
                for axis, per in seeds["children"].items()
            },
        },
        "input": {k: doc["input"][k] for k in ("rows_read", "rows_analysed", "rows_skipped")},
    }


def close_stats(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Equal up to the summation order of floats (the JSON rounds to 6 decimals)."""
    for key, va in a.items():
        if isinstance(va, dict):
            close_stats(va, b[key])
        else:
            assert b[key] == pytest.approx(va, abs=2e-6), key


@pytest.mark.parametrize("seed", [0, 1])
def test_shuffled_rows_give_the_same_clusters_and_statistics(tmp_path, seed):
    shuffled = tmp_path / "shuffled.csv"
    shuffled_copy(SAMPLE, shuffled, seed)
    docs = []
    for k, src in enumerate((SAMPLE, shuffled)):
        js = tmp_path / f"r{k}.json"
        args = ["analyze", str(src), "--text-column", "query", "--seed-column", "source", "--seed-value", "seed"]
        result = lens([*args, "--json", str(js), "-q"], hash_seed=k + 1)
        assert result.returncode == 0, result.stderr
        doc = json.loads(js.read_text(encoding="utf-8"))
        docs.append(by_text(doc, texts_of(src, "query")))
    original, reordered = docs
    close_stats(original.pop("stats"), reordered.pop("stats"))
    for axis in original["axes"]:
        close_stats(original["axes"][axis].pop("figures"), reordered["axes"][axis].pop("figures"))
    assert reordered == original


def test_a_text_equally_close_to_two_seeds_is_the_child_of_the_same_seed_in_any_order():
    from lens_cli.seeds import seed_stats

    seeds = ["music for a party", "jazz for running"]
    # One generated text (row 0) at distance 0.2 from both seeds.
    d = np.array([[0.2, 0.2]], dtype=np.float32)
    forward = seed_stats(d, np.array([0]), 0.25, seed_keys=seeds)
    backward = seed_stats(d[:, ::-1], np.array([0]), 0.25, seed_keys=seeds[::-1])
    assert seeds[forward.nearest[0][1]] == seeds[::-1][backward.nearest[0][1]] == "jazz for running"
    assert forward.children == backward.children[::-1] == [0, 1]


def test_listed_near_duplicates_do_not_depend_on_row_order(tmp_path):
    """More tied pairs than are listed: the listed ones were the first by row number."""
    from lens_cli.config import Options, ReadRequest
    from lens_cli.runtime.progress import Progress
    from lens_cli.stats import NEAR_DUPLICATE_EXAMPLES

    from .clitools import analyse
    from .fakes import FakeEmbedder, FakeParser

    texts = [f"text {k:03d}" for k in range(NEAR_DUPLICATE_EXAMPLES)]  # one tag sequence: all pairs tie at 0
    listed = []
    for seed in (0, 1):
        shuffled = [texts[i] for i in np.random.default_rng(seed).permutation(len(texts))]
        path = tmp_path / f"d{seed}.txt"
        path.write_text("\n".join(shuffled) + "\n")
        analysis = analyse(
            ReadRequest(str(path)),
            Options(),
            Progress(quiet=True),
            parser=FakeParser(),
            embedder=FakeEmbedder(),
            axes=("syntax",),
        )
        summary = analysis.axes["syntax"].stats.summary
        pairs = summary.near_duplicate_examples
        assert summary.near_duplicate_pairs > len(pairs) == NEAR_DUPLICATE_EXAMPLES
        listed.append({frozenset((shuffled[i], shuffled[j])) for i, j, _ in pairs})
    assert listed[0] == listed[1]
