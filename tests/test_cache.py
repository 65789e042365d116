"""The parse and embedding cache: hits skip the models, bad packs are never trusted, runs may overlap."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from lens_cli.config import Options, ReadRequest
from lens_cli.embedders import TfidfEmbedder
from lens_cli.model import ParserInfo
from lens_cli.runtime import cache as cache_mod
from lens_cli.runtime.cache import Cache, embedder_namespace, parser_namespace
from lens_cli.runtime.progress import Progress

from .clitools import analyse as run_analysis
from .clitools import run
from .fakes import FakeEmbedder, FakeParser

TEXTS = ["music for a party", "music for running", "jazz music", "soul music", "music for a party", "sad songs"]


class CountingParser(FakeParser):
    """A FakeParser that remembers every text it parsed."""

    def __init__(self, version: str = "0") -> None:
        super().__init__()
        self.version = version
        self.seen: list[str] = []

    def info(self) -> ParserInfo:
        return ParserInfo("fake", "fake-lexicon", self.version)

    def parse(self, texts, progress=None):
        self.seen.extend(texts)
        return super().parse(texts, progress)


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts, progress=None):
        self.seen.extend(texts)
        return super().embed(texts, progress)


def write_csv(path: Path, texts: list[str]) -> Path:
    path.write_text("text\n" + "".join(f'"{t}"\n' for t in texts))
    return path


def analyse(path: Path, cache: Cache | None, parser=None, embedder=None):
    request = ReadRequest(path=str(path), text_column="text")
    return run_analysis(
        request,
        Options(),
        Progress(quiet=True),
        parser=parser or CountingParser(),
        embedder=embedder or CountingEmbedder(),
        cache=cache,
    )


def packs(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pack"))


def test_second_run_uses_the_cache_and_not_the_models(tmp_path):
    data = write_csv(tmp_path / "d.csv", TEXTS)
    cache = Cache(tmp_path / "cache")
    p1, e1 = CountingParser(), CountingEmbedder()
    first = analyse(data, cache, p1, e1)
    # Each distinct text is parsed and embedded once, even without a cache hit.
    assert sorted(p1.seen) == sorted(set(TEXTS)) and sorted(e1.seen) == sorted(set(TEXTS))
    assert len(packs(tmp_path / "cache")) == 2  # one parse pack, one embedding pack

    p2, e2 = CountingParser(), CountingEmbedder()
    second = analyse(data, cache, p2, e2)
    assert p2.calls == 0 and e2.seen == []
    assert second.parsed.parsed == first.parsed.parsed
    assert second.embedder == first.embedder


def test_other_clustering_options_still_use_the_cache(tmp_path):
    data = write_csv(tmp_path / "d.csv", TEXTS)
    cache = Cache(tmp_path / "cache")
    analyse(data, cache)
    p, e = CountingParser(), CountingEmbedder()
    request = ReadRequest(path=str(data), text_column="text")
    options = Options(linkage="complete", n_clusters=2, exact_limit=3, landmarks=2)
    run_analysis(request, options, Progress(quiet=True), parser=p, embedder=e, cache=cache)
    assert p.calls == 0 and e.seen == []


def test_only_new_texts_are_computed(tmp_path):
    cache = Cache(tmp_path / "cache")
    analyse(write_csv(tmp_path / "a.csv", TEXTS), cache)
    p, e = CountingParser(), CountingEmbedder()
    analyse(write_csv(tmp_path / "b.csv", [*TEXTS, "metal for lifting", "jazz music"]), cache, p, e)
    assert p.seen == ["metal for lifting"] and e.seen == ["metal for lifting"]


def test_another_parser_version_does_not_hit(tmp_path):
    data = write_csv(tmp_path / "d.csv", TEXTS)
    cache = Cache(tmp_path / "cache")
    analyse(data, cache, CountingParser("1"))
    p = CountingParser("2")
    analyse(data, cache, p)
    assert sorted(p.seen) == sorted(set(TEXTS))


def test_cached_values_equal_computed_ones(tmp_path):
    cache = Cache(tmp_path / "cache")
    parser, embedder = FakeParser(), FakeEmbedder()
    ns_p, ns_e = parser_namespace(parser), embedder_namespace(embedder)
    parsed = parser.parse(TEXTS)
    vectors = embedder.embed(TEXTS)
    cache.store(ns_p, dict(zip(TEXTS, parsed)))
    cache.store(ns_e, {t: vectors[i] for i, t in enumerate(TEXTS)})
    got_p = cache.load(ns_p, [*TEXTS, "not there"])
    got_e = cache.load(ns_e, TEXTS)
    assert "not there" not in got_p
    assert all(got_p[t] == p for t, p in zip(TEXTS, parsed))
    assert all(np.array_equal(got_e[t], vectors[i]) and got_e[t].dtype == np.float32 for i, t in enumerate(TEXTS))


def _flip(data: bytes, at: int, bit: int = 0x40) -> bytes:
    return data[:at] + bytes([data[at] ^ bit]) + data[at + 1 :]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="checksum-byte"),
        pytest.param(lambda b: _flip(b, len(b) // 2), id="middle-bit"),
        pytest.param(lambda b: _flip(b, len(b) - 40, 0x01), id="payload-bit"),
        pytest.param(lambda b: b[: len(b) // 3], id="truncated"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"not a pack at all", id="garbage"),
    ],
)
def test_a_corrupt_pack_is_ignored_removed_and_recomputed(tmp_path, damage):
    data = write_csv(tmp_path / "d.csv", TEXTS)
    cache = Cache(tmp_path / "cache")
    first = analyse(data, cache)
    parse_pack = next(p for p in packs(tmp_path / "cache") if p.parent.name.startswith("parse-"))
    parse_pack.write_bytes(damage(parse_pack.read_bytes()))

    p = CountingParser()
    again = analyse(data, cache, p)
    assert sorted(p.seen) == sorted(set(TEXTS))  # nothing trusted from the damaged pack
    assert again.parsed.parsed == first.parsed.parsed
    assert not parse_pack.exists()
    # The recomputed parses were cached again, in a new, valid pack.
    p3 = CountingParser()
    analyse(data, cache, p3)
    assert p3.calls == 0


def test_a_foreign_pack_is_not_trusted(tmp_path):
    """A valid pack copied into another namespace's directory (another model) is rejected."""
    data = write_csv(tmp_path / "d.csv", TEXTS)
    root = tmp_path / "cache"
    analyse(data, Cache(root), CountingParser("1"))
    theirs = next(p for p in packs(root) if p.parent.name.startswith("parse-"))
    mine = parser_namespace(CountingParser("2"))
    target = root / "v1" / mine.dirname
    target.mkdir(parents=True)
    (target / theirs.name).write_bytes(theirs.read_bytes())

    c = Cache(root)
    assert c.load(mine, TEXTS) == {}
    assert any("another namespace" in n for n in c.notes)
    # The same bytes are fine where they belong.
    assert len(Cache(root).load(parser_namespace(CountingParser("1")), TEXTS)) == len(set(TEXTS))


def test_run_notes_a_corrupt_pack(tmp_path):
    data = write_csv(tmp_path / "d.csv", TEXTS)
    root = tmp_path / "cache"
    analyse(data, Cache(root))
    for p in packs(root):
        p.write_bytes(b"garbage")
    stream = _Stream()
    request = ReadRequest(path=str(data), text_column="text")
    run_analysis(
        request, Options(), Progress(stream, tty=False), parser=FakeParser(), embedder=FakeEmbedder(), cache=Cache(root)
    )
    assert "cache: ignored" in stream.text


class _Stream:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_an_unwritable_cache_does_not_fail_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    stream = _Stream()
    request = ReadRequest(path=str(write_csv(tmp_path / "d.csv", TEXTS)), text_column="text")
    analysis = run_analysis(
        request,
        Options(),
        Progress(stream, tty=False),
        parser=FakeParser(),
        embedder=FakeEmbedder(),
        cache=Cache(blocker / "cache"),
    )
    assert analysis.parsed.corpus.n == len(TEXTS)
    assert "could not write" in stream.text


def test_many_packs_are_merged_into_one(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_mod, "MAX_PACKS", 3)
    cache = Cache(tmp_path / "cache")
    parser = FakeParser()
    ns = parser_namespace(parser)
    texts = [f"text number {i}" for i in range(8)]
    for t in texts:
        cache.store(ns, {t: parser.parse([t])[0]})
    assert len(packs(tmp_path / "cache")) <= 3
    got = cache.load(ns, texts)
    assert sorted(got) == sorted(texts)
    assert all(got[t] == parser.parse([t])[0] for t in texts)


def test_tfidf_vectors_are_not_cached():
    assert embedder_namespace(TfidfEmbedder()) is None


def _texts(worker: int, rnd: int) -> list[str]:
    return [f"shared text {k}" for k in range(50)] + [f"worker {worker} round {rnd} text {k}" for k in range(1500)]


def _writer(root: str, worker: int, rounds: int) -> None:
    """Store and load overlapping entries; fail loudly on anything read back wrong."""
    cache = Cache(Path(root))
    parser = FakeParser()
    ns = parser_namespace(parser)
    for r in range(rounds):
        texts = _texts(worker, r)
        cache.store(ns, dict(zip(texts, parser.parse(texts))))
        got = cache.load(ns, texts)
        for t in texts:
            if t in got and got[t] != parser.parse([t])[0]:
                raise AssertionError(f"wrong value for {t!r}")
        if cache.notes:
            raise AssertionError(f"unexpected notes: {cache.notes}")


def test_two_processes_writing_at_once_do_not_corrupt_the_cache(tmp_path, monkeypatch):
    """Two writers (which also merge packs) and a reader in this process, all at once."""
    monkeypatch.setattr(cache_mod, "MAX_PACKS", 4)
    rounds = 10
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path / "cache"), w, rounds)) for w in range(2)]
    for p in procs:
        p.start()
    reader = Cache(tmp_path / "cache")
    ns = parser_namespace(FakeParser())
    while any(p.is_alive() for p in procs):
        reader.load(ns, _texts(0, 0))
        assert reader.notes == []  # never a partial or corrupt pack, even mid-write
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    cache = Cache(tmp_path / "cache")
    texts = [t for w in range(2) for r in range(rounds) for t in _texts(w, r)]
    got = cache.load(ns, texts)
    assert sorted(got) == sorted(set(texts))  # nothing lost
    assert cache.notes == []
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.name.endswith(".tmp")]


def test_an_interrupted_write_leaves_no_pack(tmp_path, monkeypatch):
    """Packs appear whole or not at all: a write that fails half-way leaves nothing behind."""
    cache = Cache(tmp_path / "cache")
    ns = parser_namespace(FakeParser())

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.os, "fsync", broken_fsync)
    cache.store(ns, dict(zip(TEXTS, FakeParser().parse(TEXTS))))
    assert any("could not write" in n for n in cache.notes)
    assert [p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []
    monkeypatch.undo()
    assert Cache(tmp_path / "cache").load(ns, TEXTS) == {}


# --- through the command line ------------------------------------------------------------------


def test_cached_and_uncached_runs_write_identical_outputs(fakes, tmp_path):
    data = write_csv(tmp_path / "d.csv", TEXTS * 3)
    outs = []
    for k, flags in enumerate([["--no-cache"], ["--cache-dir", tmp_path / "c"], ["--cache-dir", tmp_path / "c"]]):
        js, html = tmp_path / f"r{k}.json", tmp_path / f"r{k}.html"
        r = run("analyze", data, "--text-column", "text", "--json", js, "-o", html, "-q", *flags)
        assert r.exit_code == 0, r.output
        outs.append((js.read_bytes(), html.read_bytes()))
    assert outs[0] == outs[1] == outs[2]
    assert json.loads(outs[0][0])["input"]["rows_analysed"] == len(TEXTS) * 3


def test_no_cache_writes_nothing_and_cache_dir_is_used(fakes, tmp_path):
    data = write_csv(tmp_path / "d.csv", TEXTS)
    default = Path(os.environ["LENS_CACHE_DIR"])
    assert run("analyze", data, "--text-column", "text", "--json", tmp_path / "r.json", "--no-cache").exit_code == 0
    assert packs(default) == []
    assert run("analyze", data, "--text-column", "text", "--json", tmp_path / "r.json").exit_code == 0
    assert len(packs(default)) == 2  # the default location (the test's private LENS_CACHE_DIR)
    own = tmp_path / "own"
    assert (
        run("analyze", data, "--text-column", "text", "--json", tmp_path / "r.json", "--cache-dir", own).exit_code == 0
    )
    assert len(packs(own)) == 2


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LENS_CACHE_DIR", str(tmp_path / "a"))
    assert cache_mod.default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("LENS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.default_cache_dir() == tmp_path / "xdg" / "lens"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_mod.default_cache_dir() == tmp_path / "home" / ".cache" / "lens"


# --- real models: the namespaces found without loading equal what the loaded models say ----------


@pytest.mark.model
def test_spacy_namespace_matches_the_loaded_model(spacy_parser):
    ns = parser_namespace(spacy_parser.__class__())
    assert ns.info == spacy_parser.info()


@pytest.mark.model
def test_minilm_namespace_matches_the_loaded_model():
    from lens_cli.embedders import SentenceTransformerEmbedder

    ns = embedder_namespace(SentenceTransformerEmbedder("minilm"))
    assert ns is not None and ns.info == SentenceTransformerEmbedder("minilm").describe()
