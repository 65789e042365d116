"""The real default backends: spaCy's small English model and MiniLM, on a few texts."""

from __future__ import annotations

import numpy as np
import pytest

from lens_cli.embedders import SentenceTransformerEmbedder, TfidfEmbedder

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


def test_unknown_sentence_transformer_is_a_clear_error():
    from lens_cli.errors import MissingModelError

    with pytest.raises(MissingModelError, match="cannot load sentence-transformers model"):
        SentenceTransformerEmbedder("/nonexistent/model").embed(["x"])


def test_tfidf_is_deterministic():
    texts = ["jazz for studying", "jazz for running", "metal music", "loud metal music"]
    a, b = TfidfEmbedder().embed(texts), TfidfEmbedder().embed(texts)
    assert np.array_equal(a, b)
    assert a[0] @ a[1] > a[0] @ a[2]
