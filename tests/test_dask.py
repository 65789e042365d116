"""The Dask engine on a 2-worker local cluster (loopback only): same results, worker loss, errors."""

from __future__ import annotations

import csv
import json
import os
import random
import signal

import numpy as np
import pytest
from click.testing import CliRunner

from lens_cli import distances as dist
from lens_cli import seeds, stats
from lens_cli.cli import main
from lens_cli.config import Options, ReadRequest
from lens_cli.embedders import l2_normalise
from lens_cli.engine import LOCAL, LocalEngine
from lens_cli.errors import LensError, UsageProblem
from lens_cli.runtime import context
from lens_cli.runtime import dask as engines
from lens_cli.runtime.dask import DaskEmbedder, DaskEngine, DaskParser, ModelSpec
from lens_cli.runtime.progress import Progress

from .clitools import analyse
from .fakes import FakeEmbedder, FakeParser

pytest.importorskip("distributed")

TEXTS = [f"music for {w} number {k}" for k, w in enumerate(["a party", "running", "the beach", "jazz"] * 30)]


@pytest.fixture(scope="module")
def engine():
    with DaskEngine(workers=2) as eng:
        yield eng


def test_parse_and_embed_on_workers_equal_local(engine, monkeypatch):
    monkeypatch.setattr(engines, "PARSE_PARTITION", 7)
    monkeypatch.setattr(engines, "EMBED_PARTITION", 11)
    parser = DaskParser(engine, ModelSpec("tests.fakes:FakeParser"))
    assert parser.info() == FakeParser().info()
    seen = []
    assert parser.parse(TEXTS, seen.append) == FakeParser().parse(TEXTS)
    assert sum(seen) == len(TEXTS) and len(seen) == -(-len(TEXTS) // 7)
    emb = DaskEmbedder(engine, ModelSpec("tests.fakes:FakeEmbedder"), "fake")
    assert np.array_equal(emb.embed(TEXTS), FakeEmbedder().embed(TEXTS))
    assert emb.describe() == FakeEmbedder().describe()


def test_texts_in_the_task_graph_raise_no_large_graph_warning(engine):
    """At a million rows the texts make a graph of tens of MB; Dask's advice is not for lens's users."""
    import warnings

    import dask

    parser = DaskParser(engine, ModelSpec("tests.fakes:FakeParser"))
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1B"}), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parser.parse(TEXTS) == FakeParser().parse(TEXTS)


def test_models_load_once_per_worker(engine, monkeypatch):
    monkeypatch.setattr(engines, "PARSE_PARTITION", 10)
    spec = ModelSpec("tests.fakes:FakeParser")
    parser = DaskParser(engine, spec)

    def calls() -> list[tuple[int, int]]:
        """Per worker: how many parsers it holds for the spec, and how many calls they served."""
        got = engine.client.run(
            lambda dask_worker: [
                getattr(v, "calls", 0)
                for k, v in dask_worker.plugins[engines.PLUGIN].models.items()
                if str(k) == str(spec)
            ]
        )
        return [(len(v), sum(v)) for v in got.values()]

    before = sum(c for _, c in calls())
    parser.parse(TEXTS)
    parser.parse(TEXTS)
    after = calls()
    # One parser per worker, however many partitions it was given: 2 x 12 partitions in all.
    assert all(held <= 1 for held, _ in after)
    assert sum(c for _, c in after) - before == 2 * -(-len(TEXTS) // 10)


def test_a_killed_worker_costs_a_retry_not_the_result(monkeypatch):
    monkeypatch.setattr(engines, "PARSE_PARTITION", 4)
    texts = TEXTS[:48]
    with DaskEngine(workers=2) as eng:
        parser = DaskParser(eng, ModelSpec("tests.fakes:SlowParser", (("delay", 0.3),)))
        pids = list(eng.client.run(os.getpid).values())
        killed = []

        def kill_once(_k: int) -> None:
            if not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        out = parser.parse(texts, kill_once)
    assert killed
    assert out == FakeParser().parse(texts)


def test_a_task_that_always_fails_is_a_clear_error(engine):
    parser = DaskParser(engine, ModelSpec("tests.fakes:FailingParser"))
    with pytest.raises(LensError, match="a Dask task failed: RuntimeError: this parser always fails"):
        parser.parse(TEXTS[:5])


def test_scheduler_and_workers_are_exclusive():
    with pytest.raises(UsageProblem, match="not both"):
        DaskEngine(scheduler="tcp://127.0.0.1:1", workers=2)


def test_unreachable_scheduler_is_a_clear_error():
    with (
        pytest.raises(LensError, match=r"cannot connect to Dask scheduler tcp://127\.0\.0\.1:9"),
        DaskEngine(scheduler="tcp://127.0.0.1:9"),
    ):
        pass


def test_without_dask_installed_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(UsageProblem, match=r"pip install 'lens-cli\[dask\]'"), DaskEngine(workers=1):
        pass


def _json_without_engine(path) -> dict:
    doc = json.loads(path.read_text())
    doc["options"].pop("engine", None)
    return doc


@pytest.mark.model
def test_cli_dask_engine_gives_the_local_result_on_real_data(music_path, tmp_path):
    """A few hundred rows through spaCy and MiniLM, locally and on 2 Dask workers: the same JSON."""
    outs = {}
    for engine_args in ([], ["--engine", "dask", "--workers", "2"]):
        js = tmp_path / f"r{len(engine_args)}.json"
        r = CliRunner().invoke(
            main,
            [
                "analyze",
                str(music_path),
                "--text-column",
                "query",
                "--seed-column",
                "all tags",
                "--seed-value",
                "Uploaded",
                "--json",
                str(js),
                "--no-cache",
                "-q",
                *engine_args,
            ],
        )
        assert r.exit_code == 0, r.output
        outs[len(engine_args)] = js
    local, dask = (json.loads(p.read_text()) for p in outs.values())
    assert local["options"]["engine"] == "local" and dask["options"]["engine"].startswith("dask (2 workers")
    assert _json_without_engine(outs[0]) == _json_without_engine(outs[4])


# ---- the row-wise work on the workers: landmark and seed assignment, dataset counts ----

FAKE_PARSER = ModelSpec("tests.fakes:FakeParser")
FAKE_EMBEDDER = ModelSpec("tests.fakes:FakeEmbedder")
SEEDS = [
    "music for a rainy afternoon",
    "songs that make you want to dance",
    "I want calm music for studying",
    "upbeat songs for running",
    "sad songs about the sea",
    "jazz for a dinner with friends",
]
WORDS = ["party", "beach", "night", "road trip", "morning", "gym", "rain", "city", "coffee", "forest"]
FORMS = [
    "music for a {} {}",
    "songs that make you want to {} at the {}",
    "I want calm music for the {} and the {}",
    "upbeat songs for {} in the {} !",
    "sad songs about {} , {} and more",
    "what is a good playlist for {} with {} ?",
]


def few_shot_rows(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` generated rows (templated, with verbatim seed copies and duplicates) after the seeds."""
    rng = random.Random(seed)
    rows = [(s, "seed") for s in SEEDS]
    while len(rows) < n:
        r = rng.random()
        if r < 0.05:
            text = rng.choice(SEEDS)
        elif r < 0.15 and len(rows) > len(SEEDS):
            text = rng.choice(rows[len(SEEDS) :])[0]
        else:
            text = rng.choice(FORMS).format(rng.choice(WORDS), rng.choice(WORDS))
            if rng.random() < 0.2:
                text = text.upper() if rng.random() < 0.5 else text + " please"
        rows.append((text, "generated"))
    return rows


def write_rows(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["query", "source"])
        w.writerows(rows)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks, partitions and merges far smaller than the data, none dividing it evenly: 40 targets
    give 37 rows per block, tasks of 2 blocks; parses and embeddings in partitions of 64."""
    monkeypatch.setattr(dist, "BLOCK_ELEMENTS", 4 * 40 * 37)
    monkeypatch.setattr(engines, "NEAREST_PARTITION", 80)
    monkeypatch.setattr(engines, "PARSE_PARTITION", 64)
    monkeypatch.setattr(engines, "EMBED_PARTITION", 64)
    monkeypatch.setattr(engines, "MERGE_FANIN", 3)


def test_cli_dask_engine_gives_the_local_result_in_landmark_mode(tmp_path, fakes, small_blocks, monkeypatch):
    """A few hundred rows in landmark mode with seeds, locally and on 2 Dask workers: the same JSON."""
    monkeypatch.setattr(engines, "parser_spec", lambda *a: FAKE_PARSER)
    monkeypatch.setattr(engines, "embedder_spec", lambda *a: FAKE_EMBEDDER)
    data = tmp_path / "few_shot.csv"
    write_rows(data, few_shot_rows(400))
    docs = {}
    for name, engine_args in (("local", []), ("dask", ["--engine", "dask", "--workers", "2"])):
        js = tmp_path / f"{name}.json"
        args = ["analyze", str(data), "--text-column", "query", "--seed-column", "source", "--seed-value", "seed"]
        args += ["--exact-limit", "100", "--landmarks", "24", "--json", str(js), "--no-cache", "-q", *engine_args]
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, r.output
        docs[name] = json.loads(js.read_text())
    local, dask = docs["local"], docs["dask"]
    assert local["options"].pop("engine") == "local"
    assert dask["options"].pop("engine").startswith("dask (2 workers")
    assert {a["mode"] for a in local["axes"].values()} == {"landmark"}
    # 24 landmarks where there are more distinct items; the template axis has fewer distinct skeletons.
    assert [a["landmarks"] for a in local["axes"].values()] == [24, 24, 11, 24, 24]
    assert local["seeds"]["copies"] and local["stats"]["self_repetition"] > 0
    assert local == dask


def _strings(rng: np.random.Generator, n: int) -> list[str]:
    """Random tag strings, with duplicates and empty ones: many ties."""
    alphabet = "abcdefgh"
    pool = ["".join(rng.choice(list(alphabet), size=rng.integers(0, 9))) for _ in range(n // 2)]
    return [pool[i] for i in rng.integers(0, len(pool), size=n)]


def _vectors(rng: np.random.Generator, n: int, d: int = 384) -> np.ndarray:
    """Random unit vectors (float32), with duplicates and zero rows."""
    x = l2_normalise(rng.standard_normal((n, d)).astype(np.float32))
    x[rng.integers(0, n, size=n // 10)] = 0.0
    x[rng.integers(0, n, size=n // 5)] = x[rng.integers(0, n, size=n // 5)]
    return x


def _local_nearest(axis, items, targets, order=None):
    """What the local engine computes in a run (where the executor limits BLAS and rapidfuzz to one thread)."""
    with context.using(context.RunContext(threads=1)), context.one_thread_each():
        return LOCAL.nearest(axis, items, targets, order=order)


@pytest.mark.parametrize("axis", ["syntax", "lexical", "semantic"])
def test_nearest_on_workers_equals_local(engine, small_blocks, axis):
    rng = np.random.default_rng(7)
    items = _vectors(rng, 301) if axis == "semantic" else _strings(rng, 301)
    chosen = rng.choice(301, size=40, replace=False)
    targets = items[chosen] if axis == "semantic" else [items[i] for i in chosen]
    order = rng.permutation(40)
    for o in (None, order):
        seen: list[int] = []
        near, d = engine.nearest(axis, items, targets, order=o, advance=seen.append)
        ref_near, ref_d = _local_nearest(axis, items, targets, o)
        assert near.dtype == ref_near.dtype and d.dtype == ref_d.dtype
        assert np.array_equal(near, ref_near) and np.array_equal(d, ref_d)
        # 301 items in tasks of 2 blocks of 37: 5 tasks, the last one short.
        assert sorted(seen) == [5, 74, 74, 74, 74]


def test_seed_nearest_on_workers_equals_local(engine, small_blocks):
    """With ties broken by seed text, as seed_stats does on the full matrix."""
    rng = np.random.default_rng(11)
    strings = _strings(rng, 250)
    seed_strings = _strings(rng, 12)
    keys = [f"seed text {k}" for k in rng.permutation(12)]
    generated = np.flatnonzero(rng.random(250) < 0.8)
    order = seeds.seed_order(12, keys)
    near, d = engine.nearest("syntax", strings, seed_strings, order=order)
    ours = seeds.copying(generated, near[generated], d[generated], 0.25, 12)
    assert ours == seeds.seed_stats(dist.string_cross(strings, seed_strings, "syntax"), generated, 0.25, seed_keys=keys)
    vectors, seed_vectors = _vectors(rng, 250), _vectors(rng, 12)
    near, d = engine.nearest("semantic", vectors, seed_vectors, order=order)
    ref_near, ref_d = _local_nearest("semantic", vectors, seed_vectors, order)
    assert np.array_equal(near, ref_near) and np.array_equal(d, ref_d)


def test_dataset_stats_on_workers_equal_local(engine, small_blocks):
    """Partly parsed on the workers (counted there), partly 'from the cache' (sent): the local figures."""
    texts = [t for t, _ in few_shot_rows(500, seed=3)] + ["", "   ", "a b c d a b c d a b c d"]
    parsed = FakeParser().parse(texts)
    distinct = list(dict.fromkeys(texts))
    DaskParser(engine, FAKE_PARSER).parse(distinct[: 2 * len(distinct) // 3])
    out = stats.dataset_figures(texts, parsed, 510, {"empty": 7}, engine=engine)
    assert engine.stats_partitions["on workers"] > 1 and engine.stats_partitions["sent"] > 1
    assert out == stats.dataset_figures(texts, parsed, 510, {"empty": 7})
    assert not engine._parses  # released once counted


def test_the_row_wise_work_runs_on_the_workers(engine, small_blocks, monkeypatch, tmp_path):
    """The pipeline with the engine: landmark and seed assignment and dataset counts are tasks on the
    workers (counted there), and nothing of it runs here."""

    from distributed import get_task_stream

    def not_here(*args, **kwargs):
        raise AssertionError("computed on the client")

    monkeypatch.setattr(LocalEngine, "nearest", not_here)
    monkeypatch.setattr(LocalEngine, "dataset_counts", not_here)
    monkeypatch.setattr(stats, "dataset_counts", not_here)
    monkeypatch.setattr(stats, "count_rows", not_here)
    data = tmp_path / "few_shot.csv"
    write_rows(data, few_shot_rows(300, seed=5))
    request = ReadRequest(str(data), text_column="query", seed_column="source", seed_value="seed")

    workers = set(engine.client.scheduler_info()["workers"])
    assert len(workers) == 2
    with get_task_stream(engine.client) as stream:
        analysis = analyse(
            request,
            Options(exact_limit=50, landmarks=40),
            Progress(quiet=True),
            parser=DaskParser(engine, FAKE_PARSER),
            embedder=DaskEmbedder(engine, FAKE_EMBEDDER, "fake"),
            background=False,
            engine=engine,
        )
    assert {c.mode for c in analysis.clusterings.values()} == {"landmark"}
    prefixes = {
        "nearest": "_nearest_part",
        "count": "_count_part",
        "merge": "_merge_counts",
        "figures": "_figures_part",
    }
    keys = [str(t["key"]).strip("(')") for t in stream.data]
    ran = {k: sum(key.startswith(p) for key in keys) for k, p in prefixes.items()}
    # Per axis at least one landmark task and one seed task; parses counted where they are.
    assert ran["nearest"] >= 2 * 4 and ran["count"] >= 2 and ran["figures"] == ran["count"] and ran["merge"] >= 1
    # The task functions ran on the workers, never in this process.
    assert stream.data and {t["worker"] for t in stream.data} <= workers
