from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from lens_cli import pipeline
from lens_cli.cli import main

from .clitools import error_line, run

DATA = (
    "text,tag\nmusic for a party,seed\nmusic for running,gen\nmusic for the beach,gen\njazz music,gen\nsoul music,gen\n"
)


@pytest.fixture
def data(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(DATA)
    return p


def test_analyze_writes_report_json_and_summary(fakes, data, tmp_path):
    out, js, md = tmp_path / "r.html", tmp_path / "r.json", tmp_path / "s.md"
    r = run(
        "analyze",
        data,
        "--text-column",
        "text",
        "--seed-column",
        "tag",
        "--seed-value",
        "seed",
        "-o",
        out,
        "--json",
        js,
        "--summary-md",
        md,
        "-q",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text())
    assert doc["schema_version"] == 2
    assert doc["input"]["rows_read"] == 5 and doc["input"]["text_column"] == "text"
    assert set(doc["axes"]) == {"syntax", "dependency", "template", "lexical", "semantic"}
    syntax = doc["axes"]["syntax"]
    rows = sorted(r for c in syntax["clusters"] for r in c["rows"]) + syntax["unclustered"]
    assert sorted(rows) == [0, 1, 2, 3, 4]
    assert doc["seeds"]["rows"] == [0]
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "| compression_ratio |" in md.read_text()


def test_same_input_gives_byte_identical_outputs(fakes, data, tmp_path):
    outs = []
    for k in range(2):
        o, j = tmp_path / f"r{k}.html", tmp_path / f"r{k}.json"
        assert run("analyze", data, "--text-column", "text", "-o", o, "--json", j, "-q").exit_code == 0
        outs.append((o.read_bytes(), j.read_bytes()))
    assert outs[0] == outs[1]


def test_gates_fail_with_exit_3_and_still_write(fakes, data, tmp_path):
    js = tmp_path / "r.json"
    r = run(
        "analyze",
        data,
        "--text-column",
        "text",
        "--json",
        js,
        "-q",
        "--fail-if",
        "compression_ratio>0.5",
        "--fail-if",
        "syntax.n_clusters>100",
    )
    assert r.exit_code == 3
    assert js.exists()
    assert "Gate failed: compression_ratio>0.5 (value" in r.output
    assert "syntax.n_clusters" not in r.output


def test_gates_pass(fakes, data, tmp_path):
    r = run(
        "analyze",
        data,
        "--text-column",
        "text",
        "--json",
        tmp_path / "r.json",
        "-q",
        "--fail-if",
        "compression_ratio>100",
    )
    assert r.exit_code == 0


def test_unknown_gate_name_lists_valid_names(data, tmp_path):
    r = run("analyze", data, "--json", tmp_path / "r.json", "--fail-if", "compresion_ratio>3")
    assert r.exit_code == 2
    assert "unknown statistic 'compresion_ratio'. Valid names: rows_read" in error_line(r)
    assert not (tmp_path / "r.json").exists()


def test_unknown_embed_precision_is_a_usage_error(data, tmp_path):
    r = run("analyze", data, "--embed-precision", "fp16", "-o", tmp_path / "r.html")
    assert r.exit_code == 2
    assert "Invalid value for '--embed-precision': 'fp16' is not one of 'auto', 'fp32', 'bf16'" in error_line(r)
    assert not (tmp_path / "r.html").exists()


def test_bad_embedding_thread_count_is_a_usage_error(fakes, data, tmp_path, monkeypatch):
    monkeypatch.setenv("LENS_EMBED_WORKERS", "none")
    r = run("analyze", data, "-o", tmp_path / "r.html")
    assert r.exit_code == 2
    assert error_line(r) == "Error: LENS_EMBED_WORKERS must be a whole number from 1 to 64, not 'none'"
    assert not (tmp_path / "r.html").exists()


def test_embed_precision_reaches_the_json_options(fakes, data, tmp_path):
    r = run("analyze", data, "--embed-precision", "fp32", "--json", tmp_path / "r.json")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "r.json").read_text())["options"]["embed_precision"] == "fp32"


def test_missing_column_is_a_usage_error(fakes, data, tmp_path):
    r = run("analyze", data, "--text-column", "txt", "-o", tmp_path / "r.html")
    assert r.exit_code == 2
    assert error_line(r) == (f"Error: no column 'txt' in {data}; did you mean 'text'? Columns: 'text', 'tag'")
    assert not (tmp_path / "r.html").exists()


def test_missing_file_is_a_runtime_error(tmp_path):
    r = run("analyze", tmp_path / "nope.csv", "-o", tmp_path / "r.html")
    assert r.exit_code == 1
    assert error_line(r) == f"Error: {tmp_path / 'nope.csv'}: no such file"


def test_nothing_to_write_is_a_usage_error(data):
    r = run("analyze", data)
    assert r.exit_code == 2 and "nothing to write" in error_line(r)


def test_output_onto_input_is_refused(data):
    r = run("analyze", data, "-o", data)
    assert r.exit_code == 2 and "is an input file" in error_line(r)
    assert data.read_text() == DATA


def test_bad_threshold(data, tmp_path):
    r = run("analyze", data, "-o", tmp_path / "r.html", "--threshold", "syntax=2")
    assert r.exit_code == 2 and "[0, 1]" in error_line(r)
    r = run("analyze", data, "-o", tmp_path / "r.html", "--threshold", "sintax=0.2")
    assert r.exit_code == 2 and "AXIS=VALUE" in error_line(r)


def test_stanza_without_models_says_how_to_get_them(data, tmp_path):
    r = run(
        "analyze",
        data,
        "--text-column",
        "text",
        "--parser",
        "stanza",
        "--stanza-dir",
        tmp_path / "none",
        "-o",
        tmp_path / "r.html",
    )
    assert r.exit_code == 1
    assert "lens models download --lang en" in error_line(r)


def test_internal_errors_are_one_line(fakes, data, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise ValueError("unexpected")

    monkeypatch.setattr(pipeline, "dataset_stats", boom)
    monkeypatch.delenv("LENS_DEBUG", raising=False)
    r = run("analyze", data, "--text-column", "text", "-o", tmp_path / "r.html")
    assert r.exit_code == 1
    assert "internal error: ValueError: unexpected" in error_line(r)
    assert not (tmp_path / "r.html").exists()


def test_axes_option_limits_the_work(fakes, data, tmp_path):
    js = tmp_path / "r.json"
    assert run("analyze", data, "--text-column", "text", "--axes", "syntax,lexical", "--json", js, "-q").exit_code == 0
    assert set(json.loads(js.read_text())["axes"]) == {"syntax", "lexical"}


def test_progress_is_line_based_off_a_terminal(fakes, data, tmp_path):
    r = CliRunner().invoke(main, ["analyze", str(data), "--text-column", "text", "--json", str(tmp_path / "r.json")])
    assert r.exit_code == 0
    assert "\r" not in r.output
    assert any(line.startswith("parse") for line in r.output.splitlines())


def test_every_command_has_help():
    for args in (["--help"], ["analyze", "--help"], ["models", "--help"], ["models", "download", "--help"]):
        r = run(*args)
        assert r.exit_code == 0 and "Usage:" in r.output


@pytest.mark.model
def test_real_models_end_to_end_on_sample_data(tmp_path):
    from .conftest import SAMPLE

    js, out = tmp_path / "r.json", tmp_path / "r.html"
    r = run(
        "analyze",
        SAMPLE,
        "--text-column",
        "query",
        "--seed-column",
        "source",
        "--seed-value",
        "seed",
        "-o",
        out,
        "--json",
        js,
        "-q",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text())
    assert doc["options"]["parser"] == "spacy" and "MiniLM" in doc["options"]["embedder_model"]
    assert doc["input"]["rows_skipped"] == {"empty": 1}
    assert doc["input"]["rows_read"] == doc["input"]["rows_analysed"] + 1
    assert doc["seeds"]["verbatim_copies"]  # the sample copies seeds on purpose
    assert os.path.getsize(out) < 10 * 1024 * 1024


def test_commands_stop_numpy_asking_for_huge_pages_unless_told_to(fakes, data, tmp_path, monkeypatch):
    """First writes to huge pages were 6-20x slower on the project's VMs (docs/performance.md): every
    command turns numpy's request off, and keeps NUMPY_MADVISE_HUGEPAGE when the user set it."""
    from numpy._core import multiarray

    from lens_cli.runtime.context import HUGEPAGE_VAR, small_pages

    before = multiarray._get_madvise_hugepage()
    environ = {k: v for k, v in os.environ.items() if k != HUGEPAGE_VAR}
    monkeypatch.setattr(os, "environ", environ)
    try:
        multiarray._set_madvise_hugepage(True)
        r = run("analyze", data, "--json", tmp_path / "r.json")
        assert r.exit_code == 0, r.output
        assert multiarray._get_madvise_hugepage() is False and environ[HUGEPAGE_VAR] == "0"
        multiarray._set_madvise_hugepage(True)
        environ[HUGEPAGE_VAR] = "1"
        assert small_pages() is True and multiarray._get_madvise_hugepage() is True
    finally:
        multiarray._set_madvise_hugepage(before)
