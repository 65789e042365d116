"""Shared fixtures: fakes for fast tests, and session-scoped real models for the few tests that need them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lens_cli.parsers import SpacyParser

from .fakes import FakeEmbedder, FakeParser

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
MUSIC = SHARED_DATA / "music_new.csv"
SAMPLE = ROOT / "sample_data" / "music_queries.csv"


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory, monkeypatch):
    """Every test caches under its own temporary directory, never in the user's ~/.cache/lens."""
    monkeypatch.setenv("LENS_CACHE_DIR", str(tmp_path_factory.mktemp("lens-cache")))


@pytest.fixture
def fakes(monkeypatch):
    """The runtime's default parser and embedder replaced by the small fakes."""
    from lens_cli.runtime import assembly

    monkeypatch.setattr(assembly, "make_parser", lambda *a, **k: FakeParser())
    monkeypatch.setattr(assembly, "make_embedder", lambda *a, **k: FakeEmbedder())


@pytest.fixture
def fake_parser() -> FakeParser:
    return FakeParser()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def music_path() -> Path:
    if not MUSIC.exists():
        if os.environ.get("LENS_REQUIRE_SHARED_DATA"):
            pytest.fail(f"{MUSIC} is missing: this project's CI (.ci/run) has the shared data beside the clone")
        pytest.skip(
            "needs LinguisticLens's music_new.csv at ../shared/data/ beside the clone (the project's own CI has it)"
        )
    return MUSIC


@pytest.fixture(scope="session")
def spacy_parser() -> SpacyParser:
    """The real default parser, loaded once per session."""
    return SpacyParser()


@pytest.fixture(scope="session")
def music_parsed(music_path, spacy_parser):
    """The shared music dataset, column ``query``, parsed with the real spaCy model."""
    from lens_cli.io import build_corpus, read_table

    corpus = build_corpus(read_table(str(music_path)), "query", seed_column="all tags", seed_value="Uploaded")
    return corpus, spacy_parser.parse(corpus.texts)
