"""The Dask engine on a 2-worker local cluster (loopback only): same results, worker loss, errors."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

from lens_cli import engines
from lens_cli.cli import main
from lens_cli.engines import DaskEmbedder, DaskEngine, DaskParser, ModelSpec
from lens_cli.errors import LensError, UsageProblem

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


def test_models_load_once_per_worker(engine, monkeypatch):
    monkeypatch.setattr(engines, "PARSE_PARTITION", 10)
    spec = ModelSpec("tests.fakes:FakeParser")
    parser = DaskParser(engine, spec)

    def calls() -> list[tuple[int, int]]:
        """Per worker: how many parsers it holds for the spec, and how many calls they served."""
        got = engine.client.run(
            lambda: [getattr(v, "calls", 0) for k, v in engines._WORKER_MODELS.items() if str(k) == str(spec)]
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
