"""The results cache: trees, landmarks and axis statistics reused when only the cut changes."""

from __future__ import annotations

import functools
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from lens_cli import cluster, distances, pipeline, stats
from lens_cli.engine import LocalEngine
from lens_cli.model import AXES
from lens_cli.runtime import cache as cache_mod
from lens_cli.runtime.cache import Cache, result_key

from .clitools import run

TEXTS = [
    f"{a} music for {b} {c}"
    for a in ("calm", "loud", "happy", "sad", "old")
    for b in ("a party", "running", "the beach", "studying")
    for c in ("now", "please", "")
] + ["jazz", "soul music", "music for a party", "music for a party"]


NONE = {
    "condensed": 0,
    "exact_tree": 0,
    "build_tree": 0,
    "nearest": 0,
    "axis_stats": 0,
    "sampled_summary": 0,
    "dataset_stats": 0,
}


@pytest.fixture
def calls(monkeypatch):
    """How often the expensive steps ran: distances, trees, nearest landmarks, axis statistics (the Vendi
    score; in landmark mode also the sampled distance summary)."""
    counts = dict(NONE)
    lock = threading.Lock()  # steps run on several threads

    def counting(name, fn):
        @functools.wraps(fn)  # the results cache knows a stage by its qualified name
        def wrapper(*args, **kwargs):
            with lock:
                counts[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    for name in ("string_condensed", "embedding_condensed", "distinct_distances"):
        monkeypatch.setattr(distances, name, counting("condensed", getattr(distances, name)))
    # cluster.py calls its tree builders by name within the module; a distinct tree is an exact-mode tree.
    monkeypatch.setattr(cluster, "exact_tree", counting("exact_tree", cluster.exact_tree))
    monkeypatch.setattr(cluster, "distinct_tree", counting("exact_tree", cluster.distinct_tree))
    monkeypatch.setattr(cluster, "build_tree", counting("build_tree", cluster.build_tree))
    monkeypatch.setattr(LocalEngine, "nearest", counting("nearest", LocalEngine.nearest))
    # The executor runs the statistics stages the pipeline module names.
    monkeypatch.setattr(pipeline, "vendi_score", counting("axis_stats", pipeline.vendi_score))
    monkeypatch.setattr(stats, "sampled_distance_summary", counting("sampled_summary", stats.sampled_distance_summary))
    monkeypatch.setattr(pipeline, "dataset_stats", counting("dataset_stats", pipeline.dataset_stats))
    return counts


def analyze(tmp_path: Path, name: str, *flags: object) -> tuple[bytes, bytes, str]:
    data = tmp_path / "d.csv"
    if not data.exists():
        data.write_text("text\n" + "".join(f'"{t}"\n' for t in TEXTS))
    js, html = tmp_path / f"{name}.json", tmp_path / f"{name}.html"
    r = run("analyze", data, "--text-column", "text", "--json", js, "-o", html, *flags)
    assert r.exit_code == 0, r.output
    return js.read_bytes(), html.read_bytes(), r.output


def results(root: Path) -> list[Path]:
    return sorted(root.rglob("*.res"))


OTHER_CUT = ("--threshold", "syntax=0.4", "--threshold", "lexical=0.3", "--threshold", "semantic=0.1")


def test_another_cut_reuses_trees_and_statistics_and_equals_a_fresh_run(fakes, calls, tmp_path):
    cache = ("--cache-dir", tmp_path / "c")
    analyze(tmp_path, "first", *cache, "-q")
    assert calls["exact_tree"] == len(AXES) and calls["axis_stats"] == len(AXES) and calls["condensed"] == len(AXES)
    assert calls["dataset_stats"] == 1
    assert len(results(tmp_path / "c")) == 2 * len(AXES) + 1  # a tree and the statistics per axis, the dataset's
    for key in calls:
        calls[key] = 0
    js, html, _ = analyze(tmp_path, "again", *cache, *OTHER_CUT, "-q")
    assert calls == NONE
    fresh_js, fresh_html, _ = analyze(tmp_path, "fresh", "--no-cache", *OTHER_CUT, "-q")
    assert (js, html) == (fresh_js, fresh_html)
    # The cut did change something, so the equality above says the cached tree was cut anew.
    first = json.loads((tmp_path / "first.json").read_text())
    assert first["axes"]["syntax"]["clusters"] != json.loads(js)["axes"]["syntax"]["clusters"]
    for key in calls:
        calls[key] = 0
    analyze(tmp_path, "k", *cache, "--clusters", "3", "-q")
    assert calls["exact_tree"] == 0 and calls["axis_stats"] == 0


def test_another_linkage_builds_new_trees_but_reuses_the_statistics(fakes, calls, tmp_path):
    cache = ("--cache-dir", tmp_path / "c")
    analyze(tmp_path, "first", *cache, "-q")
    for key in calls:
        calls[key] = 0
    js, _, _ = analyze(tmp_path, "complete", *cache, "--linkage", "complete", "-q")
    assert calls["exact_tree"] == len(AXES) and calls["axis_stats"] == 0
    fresh, _, _ = analyze(tmp_path, "fresh", "--no-cache", "--linkage", "complete", "-q")
    assert js == fresh


def test_landmark_mode_reuses_landmarks_and_trees(fakes, calls, tmp_path):
    flags = ("--cache-dir", tmp_path / "c", "--exact-limit", "20", "--landmarks", "12")
    first, _, _ = analyze(tmp_path, "first", *flags, "-q")
    assert calls["nearest"] == len(AXES) and calls["build_tree"] == len(AXES) and calls["axis_stats"] == len(AXES)
    assert calls["sampled_summary"] == len(AXES)
    assert all(a["mode"] == "landmark" for a in json.loads(first)["axes"].values())
    for key in calls:
        calls[key] = 0
    js, html, _ = analyze(tmp_path, "again", *flags, *OTHER_CUT, "-q")
    assert calls == NONE
    assert (js, html) == analyze(tmp_path, "fresh", "--no-cache", *flags[2:], *OTHER_CUT, "-q")[:2]
    # Other landmarks: the landmark trees are computed again, the statistics are not.
    for key in calls:
        calls[key] = 0
    analyze(tmp_path, "more", *flags, "--landmarks", "15", "-q")
    assert calls["nearest"] == len(AXES) and calls["build_tree"] == len(AXES) and calls["axis_stats"] == 0
    assert calls["sampled_summary"] == 0


def test_other_texts_do_not_hit(fakes, calls, tmp_path):
    analyze(tmp_path, "first", "--cache-dir", tmp_path / "c", "-q")
    (tmp_path / "d.csv").write_text("text\n" + "".join(f'"{t}"\n' for t in [*TEXTS[:-1], "something else"]))
    for key in calls:
        calls[key] = 0
    analyze(tmp_path, "other", "--cache-dir", tmp_path / "c", "-q")
    assert calls["exact_tree"] == len(AXES) and calls["axis_stats"] == len(AXES)


@pytest.mark.parametrize("damage", ["flip", "truncate", "swap"])
def test_a_damaged_result_is_noted_removed_and_computed_again(fakes, calls, tmp_path, damage):
    cache = ("--cache-dir", tmp_path / "c")
    first, _, _ = analyze(tmp_path, "first", *cache, "-q")
    files = results(tmp_path / "c")
    trees = [p for p in files if p.name.startswith("tree-")]
    if damage == "flip":
        data = bytearray(trees[0].read_bytes())
        data[len(data) // 2] ^= 0xFF
        trees[0].write_bytes(bytes(data))
    elif damage == "truncate":
        trees[0].write_bytes(trees[0].read_bytes()[:40])
    else:  # a valid file under another key's name: its header names the other key
        trees[0].write_bytes(trees[1].read_bytes())
    for key in calls:
        calls[key] = 0
    js, _, out = analyze(tmp_path, "again", *cache)
    assert calls["exact_tree"] == 1 and calls["axis_stats"] == 0
    assert "note: cache: ignored tree-" in out
    assert js == first
    assert len(results(tmp_path / "c")) == len(files)  # removed, then written afresh


def test_no_cache_stores_no_results(fakes, tmp_path):
    analyze(tmp_path, "first", "--no-cache", "-q")
    assert results(Path(os.environ["LENS_CACHE_DIR"])) == []


def test_store_and_load_round_trip(tmp_path):
    cache = Cache(tmp_path)
    arrays = {
        "linkage": np.array([[0, 1, 0.1 + 0.2, 2]], dtype=np.float64),
        "order": np.array([3, 1, 2], dtype=np.int64),
        "f32": np.array([[1.5, np.float32(1) / 3]], dtype=np.float32),
        "empty": np.zeros((0, 4)),
    }
    meta = {"vendi_score": 1 / 3, "examples": [[1, 2, 0.1]], "name": "ünïcode"}
    cache.store_result("tree", "k1", meta, arrays)
    got = cache.load_result("tree", "k1")
    assert got is not None
    assert got[0] == meta
    assert set(got[1]) == set(arrays)
    for name, arr in arrays.items():
        assert got[1][name].dtype == arr.dtype and np.array_equal(got[1][name], arr)
    assert cache.load_result("tree", "k2") is None
    assert cache.load_result("stats", "k1") is None  # no such file: kinds are separate
    assert cache.notes == []


def test_least_recently_used_results_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_mod, "MAX_RESULTS", 3)
    cache = Cache(tmp_path)
    for k in range(3):
        cache.store_result("tree", f"k{k}", {}, {"a": np.arange(k + 1)})
        path = tmp_path / "v1" / "results" / f"tree-k{k}.res"
        os.utime(path, ns=(10**18 + k, 10**18 + k))
    assert cache.load_result("tree", "k0") is not None  # used now: the newest
    cache.store_result("tree", "k3", {}, {"a": np.arange(4)})
    kept = sorted(p.name for p in results(tmp_path))
    assert kept == ["tree-k0.res", "tree-k2.res", "tree-k3.res"]


def test_result_keys_depend_on_every_part():
    base = result_key("syntax", ["a", "b"], np.array([1.0, 2.0], dtype=np.float32))
    assert base == result_key("syntax", ["a", "b"], np.array([1.0, 2.0], dtype=np.float32))
    others = {
        result_key("lexical", ["a", "b"], np.array([1.0, 2.0], dtype=np.float32)),
        result_key("syntax", ["ab"], np.array([1.0, 2.0], dtype=np.float32)),
        result_key("syntax", ["a", "b"], np.array([1.0, 2.0], dtype=np.float64)),
        result_key("syntax", ["a", "b"], np.array([[1.0, 2.0]], dtype=np.float32)),
        result_key("syntax", ["b", "a"], np.array([1.0, 2.0], dtype=np.float32)),
    }
    assert base not in others and len(others) == 5


def test_dataset_statistics_key_depends_on_texts_parses_and_skipped_rows():
    from dataclasses import replace

    from lens_cli.model import Corpus, ParsedCorpus, ParserInfo

    from .fakes import FakeParser

    def corpus(texts, rows_read=None, skipped=None):
        n = len(texts)
        read = rows_read if rows_read is not None else n
        return Corpus("d.csv", "csv", "text", texts, np.arange(n), np.zeros(n, bool), read, skipped or {})

    def key(c, parsed):
        return result_key("dataset", *cache_mod._dataset_key(ParsedCorpus(c, parsed, ParserInfo("fake", "m", "0"))))

    texts = ["music for a party", "jazz", "music for a party"]
    parsed = FakeParser().parse(texts)
    base = key(corpus(texts), parsed)
    shared = [parsed[0], parsed[1], parsed[0]]  # rows of one text share its parse, as parse() makes them
    assert key(corpus(texts), shared) == base
    other_tag = [replace(parsed[0], tokens=(replace(parsed[0].tokens[0], xpos="VB"), *parsed[0].tokens[1:]))]
    others = {
        key(corpus(texts), other_tag + parsed[1:]),
        key(corpus(["music for a party!", "jazz", "music for a party"]), parsed),
        key(corpus(texts, rows_read=4, skipped={"empty": 1}), parsed),
        key(corpus(texts, rows_read=4, skipped={"sampled": 1}), parsed),
        key(corpus([texts[1], texts[0], texts[2]]), [parsed[1], parsed[0], parsed[2]]),
    }
    assert base not in others and len(others) == 5
