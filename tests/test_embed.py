"""The embed stage and the embedder's length buckets, with fakes (the real model: test_models_real.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from lens_cli import embedders
from lens_cli.embedders import (
    MIN_TOKEN_ROWS,
    PAD_MULTIPLE,
    SentenceTransformerEmbedder,
    embed,
    length_order,
    plan_batches,
)
from lens_cli.model import Corpus
from tests.fakes import FakeEmbedder


class Recording(FakeEmbedder):
    """Remembers what it was asked to embed."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.calls.append(list(texts))
        return super().embed(texts, progress)


def corpus(texts: list[str], seeds: list[str]) -> Corpus:
    n = len(texts)
    return Corpus("t.csv", "csv", "text", texts, np.arange(n), np.zeros(n, bool), n, {}, seed_texts=seeds)


def test_the_stage_embeds_each_distinct_text_once_shortest_first_and_keeps_row_order():
    texts = ["a much longer text here", "mid text", "x", "mid text", "yy", "a much longer text here"]
    emb = Recording()
    vectors = embed(corpus(texts, ["a seed", "x"]), emb)
    assert emb.calls == [["x", "yy", "a seed", "mid text", "a much longer text here"]]
    assert np.array_equal(vectors.texts, FakeEmbedder().embed(texts))
    assert np.array_equal(vectors.seeds, FakeEmbedder().embed(["a seed", "x"]))


def test_length_order_is_stable():
    assert length_order(["bb", "a", "cc", "d", ""]).tolist() == [4, 1, 3, 0, 2]
    assert length_order([]).tolist() == []


def test_batches_hold_one_padded_length_each_and_cover_every_text_once():
    rng = np.random.default_rng(0)
    lengths = rng.integers(2, 257, size=1000).tolist()
    batches = plan_batches(lengths, 64, PAD_MULTIPLE)
    seen = sorted(i for _, batch in batches for i in batch)
    assert seen == list(range(1000))
    for length, batch in batches:
        assert length % PAD_MULTIPLE == 0 and 1 <= len(batch) <= 64
        assert all(length - PAD_MULTIPLE < lengths[i] <= length for i in batch)
    assert [b[0] for b in batches] == sorted((b[0] for b in batches), reverse=True)


def test_a_texts_padded_length_depends_on_its_own_length_only():
    """What the same text runs at does not depend on what else is planned with it."""
    alone = {n: plan_batches([n], 64, PAD_MULTIPLE)[0][0] for n in range(2, 40)}
    lengths = list(range(2, 40)) * 3
    for length, batch in plan_batches(lengths, 64, PAD_MULTIPLE):
        assert {alone[lengths[i]] for i in batch} == {length}
    assert MIN_TOKEN_ROWS >= 4  # below 4 token rows the GEMM takes another kernel


def test_auto_precision_follows_the_cpu_and_names_itself(monkeypatch):
    """Decided without loading the model; the cache identity carries it, so fp32 and bf16 vectors never mix."""
    monkeypatch.setattr(embedders, "cpu_has_amx", lambda: True)
    amx = SentenceTransformerEmbedder("minilm", "auto")
    monkeypatch.setattr(embedders, "cpu_has_amx", lambda: False)
    plain = SentenceTransformerEmbedder("minilm", "auto")
    assert (amx.precision, plain.precision) == ("bf16", "fp32")
    assert SentenceTransformerEmbedder("minilm", "bf16").precision == "bf16"
    a, b = amx.cache_identity(), plain.cache_identity()
    assert a is not None and b is not None
    assert a.identity["embedder"].endswith(", bf16") and b.identity["embedder"].endswith(", fp32")
    assert a.identity != b.identity


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        SentenceTransformerEmbedder("minilm", "fp16")
