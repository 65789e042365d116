"""What makes large inputs fast must not change results: landmark mode, weighted trees, the
deduplicated Vendi score, chunked near-duplicates, the faster pattern search, progress, the worker."""

from __future__ import annotations

import io
import math
import random
from collections import Counter

import fastcluster
import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from lens_cli import distances as dist
from lens_cli import stats as stats_mod
from lens_cli.cluster import Cut, TreeSpec, build_tree, cluster_exact, cut_tree, grow_tree, weighted_average_linkage
from lens_cli.config import Options, ReadRequest
from lens_cli.errors import MissingModelError, UsageProblem
from lens_cli.features import featurize
from lens_cli.model import Corpus, Pattern
from lens_cli.parsers import parse
from lens_cli.patterns import mine_pattern
from lens_cli.runtime.context import SILENT
from lens_cli.runtime.embed_worker import EmbedJob
from lens_cli.runtime.progress import Progress

from .clitools import analyse
from .fakes import FakeEmbedder, FakeParser

# Three groups far apart on every axis, many exact duplicates, a few unique texts each.
GROUPS = [
    ["music for {}", ["parties", "running", "dinner", "work", "sleep", "travel", "coffee"]],
    ["I want to dance with the {} and the {}", ["band", "crowd", "lights", "night"]],
    ["why does my {} keep crashing ?", ["laptop", "printer", "router", "phone", "tablet"]],
]


def grouped_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        template, words = rng.choice(GROUPS)
        out.append(template.format(*(rng.choice(words) for _ in range(template.count("{}")))))
    return out


def run_on(tmp_path, texts, **options):
    path = tmp_path / "d.csv"
    path.write_text("text\n" + "".join(f"{t}\n" for t in texts))
    request = ReadRequest(path=str(path), text_column="text")
    return analyse(request, Options(**options), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())


def distinct_items(analysis, axis: str) -> int:
    """How many different items an axis sees (strings, or case-folded texts on the semantic axis)."""
    if axis == "semantic":
        return len({t.casefold() for t in analysis.parsed.corpus.texts})
    return len(set(dist.axis_strings(axis, analysis.parsed.parsed, dist.Codebook())))


def partition(clustering) -> set[frozenset[int]]:
    parts = {frozenset(c.members.tolist()) for c in clustering.clusters}
    parts |= {frozenset([int(i)]) for i in clustering.unclustered}
    return parts


@pytest.mark.parametrize("landmarks", [5, 3000])
def test_landmark_mode_finds_the_exact_clusters_of_separated_groups(tmp_path, landmarks):
    texts = grouped_texts(300)
    exact = run_on(tmp_path, texts)
    lm = run_on(tmp_path, texts, exact_limit=50, landmarks=landmarks)
    for axis in ("syntax", "dependency", "lexical", "semantic"):
        e, m = exact.clusterings[axis], lm.clusterings[axis]
        assert e.mode == "exact" and m.mode == "landmark"
        assert m.n_landmarks == min(landmarks, distinct_items(lm, axis))
        # Every row in exactly one cluster (or unclustered).
        rows = np.concatenate([c.members for c in m.clusters] + [m.unclustered])
        assert sorted(rows.tolist()) == list(range(len(texts)))
        if axis != "lexical":  # words vary inside a group, so lexical clusters split differently
            assert partition(m) == partition(e), axis


def test_landmarks_are_distinct_items_and_fixed(tmp_path):
    texts = grouped_texts(400, seed=1)
    a = run_on(tmp_path, texts, exact_limit=10, landmarks=7)
    b = run_on(tmp_path, texts, exact_limit=10, landmarks=7)
    for axis in a.clusterings:
        ca, cb = a.clusterings[axis], b.clusterings[axis]
        assert ca.n_landmarks == min(7, distinct_items(a, axis))
        assert np.array_equal(ca.tree_rows, cb.tree_rows) and np.array_equal(ca.labels, cb.labels)
    strings = dist.axis_strings("syntax", a.parsed.parsed, dist.Codebook())
    lm = a.clusterings["syntax"].tree_rows
    assert len({strings[i] for i in lm}) == len(lm)  # identical sequences count once


def test_with_every_distinct_item_a_landmark_the_weighted_tree_is_the_exact_tree():
    """Duplicates merge first at height 0 in the exact tree; weighting each distinct item by its
    count gives the same tree above that, so the same flat clusters at any cut."""
    rng = np.random.default_rng(3)
    points = rng.random((120, 3))
    counts = rng.integers(1, 6, size=len(points))
    rows = np.repeat(points, counts, axis=0)
    exact = fastcluster.linkage(pdist(rows), method="average")
    weighted = weighted_average_linkage(pdist(points), len(points), counts.astype(float))
    heights = np.sort(exact[:, 2])
    assert np.allclose(np.sort(weighted[:, 2]), heights[heights > 1e-12])
    owner = np.repeat(np.arange(len(points)), counts)
    for cut in (0.05, 0.2, 0.4):
        e = hierarchy.fcluster(exact, cut, "distance")
        w = hierarchy.fcluster(weighted, cut, "distance")[owner]
        assert len(set(zip(e, w))) == len(set(e)) == len(set(w))


def test_weighted_average_linkage_with_unit_weights_is_average_linkage():
    rng = np.random.default_rng(4)
    d = pdist(rng.random((80, 4)))
    ours = weighted_average_linkage(d, 80, np.ones(80))
    ref = fastcluster.linkage(d, method="average")
    hierarchy.is_valid_linkage(ours, throw=True)
    assert np.allclose(ours[:, 2], ref[:, 2])
    assert np.array_equal(ours[:, [0, 1, 3]], ref[:, [0, 1, 3]])


def test_in_place_tree_gives_the_same_clusters():
    rng = np.random.default_rng(5)
    x = np.vstack([c + rng.normal(scale=0.02, size=(30, 2)) for c in ([0, 0], [1, 0], [0, 1])])
    n = len(x)
    d32 = pdist(x).astype(np.float32)
    parsed = FakeParser().parse(["t"] * n)
    sq = dist.square(d32, n)

    def pair_fn(idx):
        return sq[np.ix_(idx, idx)]

    plain = cluster_exact("syntax", d32, parsed, np.zeros(n, bool), method="average", threshold=0.3, k=None)
    work = d32.astype(np.float64)
    inplace = cluster_exact(
        "syntax",
        work,
        parsed,
        np.zeros(n, bool),
        method="average",
        threshold=0.3,
        k=None,
        pair_fn=pair_fn,
        overwrite=True,
    )
    assert np.array_equal(plain.labels, inplace.labels)
    assert [c.medoid for c in plain.clusters] == [c.medoid for c in inplace.clusters]
    assert np.allclose([c.mean_distance for c in plain.clusters], [c.mean_distance for c in inplace.clusters])
    assert np.array_equal(build_tree(d32, n, "average").leaf_order, plain.leaf_order)


def test_vendi_on_distinct_items_with_counts_equals_vendi_on_all_rows():
    rng = np.random.default_rng(6)
    alphabet = list("abcdef")
    distinct = ["".join(rng.choice(alphabet, size=rng.integers(1, 7))) for _ in range(40)]
    strings = [distinct[i] for i in rng.integers(0, len(distinct), size=300)]

    def pair_fn(idx):
        return dist.string_cross([strings[i] for i in idx], [strings[i] for i in idx], "syntax")

    rows = np.arange(len(strings))
    full = stats_mod.vendi_from_similarity(1.0 - pair_fn(rows))
    assert stats_mod.vendi_of_rows(rows, pair_fn, strings) == pytest.approx(full, rel=1e-9)
    assert stats_mod.vendi_of_rows(rows, pair_fn, None) == pytest.approx(full, rel=1e-12)


def test_chunked_distance_summary_equals_the_direct_one(monkeypatch):
    rng = np.random.default_rng(7)
    n = 60
    cond = rng.choice([0.0, 0.03, 0.05, 0.2, 0.7], size=n * (n - 1) // 2).astype(np.float32)
    monkeypatch.setattr(stats_mod, "SUMMARY_CHUNK", 97)  # many chunks, boundaries everywhere
    got = stats_mod.distance_summary(cond.astype(np.float64), n)
    iu = np.triu_indices(n, 1)
    hit = cond <= np.float32(0.05)
    order = np.lexsort((iu[1][hit], iu[0][hit], cond[hit]))[: stats_mod.NEAR_DUPLICATE_EXAMPLES]
    expected = [(int(iu[0][hit][o]), int(iu[1][hit][o]), float(cond[hit][o])) for o in order]
    assert got.near_duplicate_pairs == int(hit.sum())
    assert got.near_duplicate_examples == expected
    assert got.homogenization == pytest.approx(1 - cond.mean(dtype=np.float64))


# --- the pattern search: the fast one finds what the plain one finds --------------------------


def reference_mine_pattern(members, axis):
    """The plain branch-and-bound search lens used before, kept here as the definition."""
    from lens_cli.patterns import BRANCH, MAX_ITEMS, MAX_MEMBERS, MIN_SUPPORT, SUPPORT_EXPONENT, _weight, token_items

    if not members:
        return None
    if len(members) > MAX_MEMBERS:
        step = len(members) / MAX_MEMBERS
        members = [members[int(k * step)] for k in range(MAX_MEMBERS)]
    seqs = [token_items(p, axis) for p in members]
    n = len(seqs)
    min_count = max(1, math.ceil(MIN_SUPPORT * n))
    best = None

    def first(seq, item, start):
        k = 0 if item[0] == "word" else 1
        return next((pos for pos in range(start, len(seq)) if seq[pos][k] == item), -1)

    def candidates(state):
        counts = Counter()
        for s, end in state:
            counts.update({x for pair in seqs[s][end:] for x in pair})
        frequent = [(item, c) for item, c in counts.items() if c >= min_count]
        frequent.sort(key=lambda ic: (-ic[1] * _weight(ic[0]), ic[0]))
        return frequent[:BRANCH]

    def visit(items, weight, state):
        nonlocal best
        if items:
            score = (len(state) / n) ** SUPPORT_EXPONENT * weight
            key = tuple(f"{k}:{v}" for k, v in items)
            if best is None or score > best[0] + 1e-12 or (abs(score - best[0]) <= 1e-12 and key < best[1]):
                best = (score, key, items, len(state))
        if len(items) >= MAX_ITEMS:
            return
        for item, count in candidates(state):
            bound = (count / n) ** SUPPORT_EXPONENT * (weight + _weight(item) + 2.0 * (MAX_ITEMS - len(items) - 1))
            if best is not None and bound < best[0] - 1e-12:
                continue
            new_state = [(s, p + 1) for s, end in state if (p := first(seqs[s], item, end)) >= 0]
            visit((*items, item), weight + _weight(item), new_state)

    visit((), 0.0, [(s, 0) for s in range(n)])
    if best is None:
        return None
    shown = tuple((k, v if k == "word" or axis == "syntax" else v.upper()) for k, v in best[2])
    return Pattern(items=shown, support=best[3] / n)


WORDS = "music for a the with to i want dance sad calm jazz soul punk and is that make you , . ?"


def test_fast_pattern_search_finds_what_the_plain_search_finds():
    words = WORDS.split()
    rng = random.Random(1)
    parser = FakeParser()
    for _ in range(300):
        base = [rng.choice(words) for _ in range(rng.randint(1, 10))]
        texts = []
        for _ in range(rng.randint(1, 25)):
            t = list(base) if rng.random() < 0.6 else [rng.choice(words) for _ in range(rng.randint(0, 10))]
            for _ in range(rng.randint(0, 3)):
                if t:
                    t[rng.randrange(len(t))] = rng.choice(words)
            texts.append(" ".join(t))
        members = parser.parse(texts)
        for axis in ("syntax", "dependency"):
            assert mine_pattern(members, axis) == reference_mine_pattern(members, axis), (texts, axis)


# --- progress -------------------------------------------------------------------------------------


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_off_a_terminal_prints_periodic_lines_with_rate_and_eta():
    out = Stream(tty=False)
    p = Progress(out, line_every=0.0)
    step = p.start("embed")
    step.phase("", 100)
    step(40)
    step.done("100 texts")
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0].startswith("embed 40/100 (40%)") and "/s ETA" in lines[0]
    assert lines[-1].startswith("embed") and "100 texts" in lines[-1]


def test_progress_on_a_terminal_shows_phases_and_work_elsewhere():
    out = Stream(tty=True)
    p = Progress(out)
    embed = p.start("embed")
    embed.phase("", 10)
    embed(5)
    syntax = p.start("syntax")
    syntax.phase("tree")
    assert "syntax: tree" in out.getvalue() and "embed 5/10" in out.getvalue()
    # A step that took no time and has nothing to say prints no line; the one with something to say ends last.
    syntax.done()
    embed.done("10 texts")
    assert out.getvalue().endswith("\n")


def test_stages_run_without_a_ticker():
    """Outside an executor a stage's ticker is SILENT, which does nothing."""
    assert SILENT.phase("tree") is None
    assert SILENT(3) is None
    texts = ["music for a party", "music for a party", "jazz for running", "I want to dance"]
    n = len(texts)
    corpus = Corpus("t.txt", "txt", "text", texts, np.arange(n), np.zeros(n, bool), n, {})
    parsed = parse(corpus, FakeParser())
    features = featurize("syntax", parsed)
    tree = grow_tree(features, TreeSpec("average"))
    clustering = cut_tree(tree, features, Cut(0.25))
    assert len(clustering.labels) == n and clustering.labels[0] == clustering.labels[1] != 0


# --- the embedding worker -------------------------------------------------------------------------


class Unavailable(FakeEmbedder):
    def embed(self, texts, progress=None):
        raise MissingModelError("no such model here")


def test_worker_process_embeds_like_this_process():
    texts = ["music for parties", "jazz", "soul music", "jazz"]
    vectors, described = EmbedJob(FakeEmbedder(), texts).wait()
    assert np.array_equal(vectors, FakeEmbedder().embed(texts)) and described == FakeEmbedder().describe()


def test_two_workers_taking_chunks_give_the_vectors_in_order(monkeypatch):
    from lens_cli.runtime import embed_worker

    monkeypatch.setattr(embed_worker, "CHUNK", 3)
    texts = [f"text {chr(97 + k % 26) * (k % 7 + 1)}" for k in range(40)]
    job = EmbedJob(FakeEmbedder(), texts)
    job.add_worker()
    vectors, _ = job.wait()
    assert job.workers == 2 and job.count == len(texts)
    assert np.array_equal(vectors, FakeEmbedder().embed(texts))


def test_worker_embedder_records_each_workers_start_up_and_keeps_to_its_limit(monkeypatch):
    from lens_cli.runtime import embed_worker
    from lens_cli.runtime.embed_worker import WorkerEmbedder

    monkeypatch.setattr(embed_worker, "CHUNK", 2)
    monkeypatch.setattr(embed_worker, "SECOND_WORKER_CHUNKS", 1)
    texts = [f"text {chr(97 + k % 26) * (k % 5 + 1)}" for k in range(60)]
    lent: list[int] = []

    def spare_core():
        lent.append(1)
        return lambda: None

    for limit, expected in ((1, ["embed start-up"]), (2, ["embed start-up", "embed start-up 2"])):
        timings: dict[str, float] = {}
        worker = WorkerEmbedder(FakeEmbedder(), spare_core, max_workers=limit, timings=timings)
        vectors = worker.embed(texts)
        assert np.array_equal(vectors, FakeEmbedder().embed(texts))
        assert worker.workers_used <= limit
        # the second worker joins only while chunks are left: the 30 chunks outlast its start-up
        assert sorted(timings) == expected[: worker.workers_used] and worker.workers_used == limit
        assert all(0 < seconds < 60 for seconds in timings.values())


def test_embedding_threads_and_workers_come_from_the_environment(monkeypatch):
    from lens_cli.runtime.assembly import EmbedTuning, embed_tuning

    monkeypatch.delenv("LENS_EMBED_THREADS", raising=False)
    monkeypatch.delenv("LENS_EMBED_WORKERS", raising=False)
    assert embed_tuning() == EmbedTuning(threads=1, workers=2)
    monkeypatch.setenv("LENS_EMBED_THREADS", "2")
    monkeypatch.setenv("LENS_EMBED_WORKERS", " 1 ")
    assert embed_tuning() == EmbedTuning(threads=2, workers=1)
    for bad in ("0", "two", "-1", "1.5", "65"):
        monkeypatch.setenv("LENS_EMBED_THREADS", bad)
        with pytest.raises(UsageProblem, match="LENS_EMBED_THREADS must be a whole number"):
            embed_tuning()


def test_worker_errors_arrive_as_lens_errors():
    with pytest.raises(MissingModelError, match="no such model here"):
        EmbedJob(Unavailable(), ["a text"]).wait()


@pytest.mark.model
def test_minilm_in_the_worker_equals_minilm_here():
    from lens_cli.embedders import SentenceTransformerEmbedder

    texts = grouped_texts(150)
    vectors, described = EmbedJob(SentenceTransformerEmbedder("minilm"), texts).wait()
    here = SentenceTransformerEmbedder("minilm")
    assert np.array_equal(vectors, here.embed(texts))
    assert described == here.describe()


def test_two_axes_at_a_time_give_the_same_analysis_as_one_at_a_time(tmp_path, monkeypatch):
    from lens_cli.export import dumps, to_dict
    from lens_cli.runtime import assembly

    texts = grouped_texts(200, seed=2)
    monkeypatch.setattr(assembly, "available_cores", lambda: 2)
    parallel = dumps(to_dict(run_on(tmp_path, texts)))
    monkeypatch.setattr(assembly, "available_cores", lambda: 1)
    sequential = dumps(to_dict(run_on(tmp_path, texts)))
    assert parallel == sequential
