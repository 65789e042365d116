"""``lens compare A B``: side-by-side statistics, cluster source labels, JSON, HTML and CLI behaviour."""

from __future__ import annotations

import csv
import json

import pytest
from bs4 import BeautifulSoup

from lens_cli import compare, pipeline
from lens_cli.config import Options, ReadRequest
from lens_cli.errors import UsageProblem
from lens_cli.export import to_dict as analysis_dict
from lens_cli.report import compare_page
from lens_cli.runtime.assembly import local_runtime
from lens_cli.runtime.progress import Progress

from .clitools import analyse, error_line, run
from .fakes import FakeEmbedder, FakeParser

# A: one template ("music for a NOUN", one case-folded duplicate) and a two-word genre.
# Record 2 of A is empty: A's rows must be record positions, so they skip it.
A_TEXTS = [
    "music for a party",
    "music for a beach",
    "",
    "music for a funeral",
    "music for a wedding",
    "Music for a party",
    "jazz music",
]
# B: a different template ("I want ADJ NOUN") and two two-word genres; it never uses A's template.
B_TEXTS = [
    "I want calm jazz",
    "I want sad songs",
    "I want upbeat music",
    "jazz music",
    "soul music",
]
HOSTILE = "<script>alert(1)</script>"


def write_csv(path, column, texts):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([column, "other"])
        for t in texts:
            w.writerow([t, "x"])
    return path


@pytest.fixture
def files(tmp_path):
    return write_csv(tmp_path / "a.csv", "text", A_TEXTS), write_csv(tmp_path / "b.csv", "text", B_TEXTS)


def compare_requests(request_a, request_b, options, *, parser, embedder=None, unique_share=0.8):
    """What ``lens compare`` does, on a local runtime: analyse A and B, cluster their union, compare."""
    runtime = local_runtime(options, parser=parser, embedder=embedder)
    try:
        a = pipeline.analyze(request_a, options, runtime.labelled("A"))
        b = pipeline.analyze(request_b, options, runtime.labelled("B"))
        union_parsed, union_vectors = compare.union(a, b)
        union_clusters = pipeline.cluster(union_parsed, union_vectors, options, runtime.labelled("A+B"))
        return compare.compare(a, b, union_parsed, union_clusters, unique_share)
    finally:
        runtime.close()


def run_compare(path_a, path_b, **kw):
    return compare_requests(
        ReadRequest(str(path_a), text_column="text"),
        ReadRequest(str(path_b), text_column=kw.pop("text_column_b", "text")),
        kw.pop("options", Options()),
        parser=FakeParser(),
        embedder=FakeEmbedder(),
        **kw,
    )


@pytest.fixture
def comparison(files):
    return run_compare(*files)


@pytest.fixture
def doc(comparison):
    return compare.to_dict(comparison)


# ---------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("n_a", "n_b", "total_a", "total_b", "expected"),
    [
        (8, 2, 100, 100, "a"),  # equal sizes: 80% of the members
        (7, 3, 100, 100, "mixed"),
        (2, 8, 100, 100, "b"),
        (4, 1, 10, 10, "a"),
        (2, 2, 10, 10, "mixed"),
        (0, 20, 16, 497, "b"),  # no member from A at all
        (3, 78, 16, 497, "mixed"),  # B by count, but A's texts fall in it as often as B's
        (1, 5, 16, 497, "mixed"),  # A by balanced share, but five of six members are B
        (5, 1, 16, 497, "a"),
        (1, 200, 16, 497, "b"),  # B by count and by balanced share (A's 6% vs B's 40%)
    ],
)
def test_classify(n_a, n_b, total_a, total_b, expected):
    assert compare.classify(n_a, n_b, total_a, total_b, 0.8) == expected
    # The rule is symmetric in the sides.
    mirrored = {"a": "b", "b": "a", "mixed": "mixed"}[expected]
    assert compare.classify(n_b, n_a, total_b, total_a, 0.8) == mirrored


def test_classify_unique_share_one_means_pure():
    assert compare.classify(5, 0, 10, 10, 1.0) == "a"
    assert compare.classify(5, 1, 10, 10, 1.0) == "mixed"


def test_balanced_share():
    assert compare.balanced_share(1, 1, 10, 10) == pytest.approx(0.5)
    assert compare.balanced_share(1, 2, 10, 20) == pytest.approx(0.5)
    assert compare.balanced_share(3, 1, 10, 10) == pytest.approx(0.75)


def test_delta_is_b_minus_a_recursively():
    a = {"x": 1, "y": {"z": 0.5}, "l": [1, 2], "s": "p", "flag": True}
    b = {"x": 4, "y": {"z": 0.25}, "l": [0, 5], "s": "q", "flag": False}
    assert compare.delta(a, b) == {"x": 3, "y": {"z": -0.25}, "l": [-1, 3], "s": None, "flag": None}


@pytest.mark.parametrize(
    ("key", "a", "b", "ia", "ib", "expected"),
    [
        ("homogenization", 0.30, 0.50, None, None, compare.MORE_REPETITIVE),
        ("homogenization", 0.50, 0.30, None, None, compare.MORE_DIVERSE),
        ("vendi_score", 10.0, 12.0, None, None, compare.MORE_DIVERSE),
        ("vendi_score", 10.0, 10.4, None, None, compare.NO_CLEAR_DIFFERENCE),  # within 5% of the larger
        ("rows_read", 3, 9, None, None, ""),  # no direction
        # With intervals: half-widths 0.1 and 0.1 give noise 0.141; a difference of 0.2 counts, 0.1 does not.
        ("duplicate_rate", 0.3, 0.5, [0.2, 0.4], [0.4, 0.6], compare.MORE_REPETITIVE),
        ("duplicate_rate", 0.3, 0.4, [0.2, 0.4], [0.3, 0.5], compare.NO_CLEAR_DIFFERENCE),
        # Narrow intervals make a small difference count that the 5% rule would call noise.
        ("distinct_n.1", 0.50, 0.51, [0.499, 0.501], [0.509, 0.511], compare.MORE_DIVERSE),
    ],
)
def test_verdict(key, a, b, ia, ib, expected):
    assert compare.verdict(key, a, b, ia, ib) == expected


def test_verdicts_look_up_dotted_keys():
    a = {"distinct_n": {"1": 0.5}, "duplicate_rate": 0.1}
    b = {"distinct_n": {"1": 0.9}, "duplicate_rate": 0.1}
    out = compare.verdicts(a, b, {"distinct_n": {"1": [0.45, 0.55]}}, {"distinct_n": {"1": [0.85, 0.95]}})
    assert out == {"distinct_n.1": compare.MORE_DIVERSE, "duplicate_rate": compare.NO_CLEAR_DIFFERENCE}


# ---------------------------------------------------------------- statistics


def test_deltas_on_hand_computed_statistics(doc):
    a, b, d = doc["stats"]["a"], doc["stats"]["b"], doc["stats"]["delta"]
    assert a["rows_read"] == 7 and a["rows_analysed"] == 6 and a["empty_skipped"] == 1
    assert b["rows_analysed"] == 5
    # A: 6 texts, "Music for a party" folds onto "music for a party".
    assert a["duplicate_rate"] == pytest.approx(1 / 6, abs=1e-6)
    assert b["duplicate_rate"] == 0
    assert d["duplicate_rate"] == pytest.approx(-1 / 6, abs=1e-6)
    # Words: A 5 x 4 + 2 = 22 tokens, 8 distinct; B 3 x 4 + 2 + 2 = 16 tokens, 9 distinct.
    assert a["distinct_n"]["1"] == pytest.approx(8 / 22, abs=1e-6)
    assert b["distinct_n"]["1"] == pytest.approx(9 / 16, abs=1e-6)
    assert d["distinct_n"]["1"] == pytest.approx(9 / 16 - 8 / 22, abs=1e-6)
    assert d["tokens_per_text"]["mean"] == pytest.approx(16 / 5 - 22 / 6, abs=1e-6)
    assert d["vocabulary_size"] == 9 - 8
    assert d["compression_ratio"] == pytest.approx(b["compression_ratio"] - a["compression_ratio"], abs=2e-6)


def test_each_side_matches_lens_analyze_on_its_own_file(files, doc):
    """Compare reuses the analysis code: each side's numbers are what ``lens analyze`` gives for that file."""
    for side, path in zip(("a", "b"), files):
        analysed = analysis_dict(
            analyse(
                ReadRequest(str(path), text_column="text"),
                Options(),
                Progress(quiet=True),
                parser=FakeParser(),
                embedder=FakeEmbedder(),
            )
        )
        assert doc["stats"][side] == analysed["stats"]
        for axis, block in doc["axes"].items():
            mine, theirs = block[side], analysed["axes"][axis]
            for key in ("homogenization", "vendi_score", "near_duplicate_pairs", "n_clusters", "clustered_share"):
                assert mine[key] == theirs[key], (side, axis, key)
            assert block["delta"]["homogenization"] == pytest.approx(
                block["b"]["homogenization"] - block["a"]["homogenization"], abs=2e-6
            )


# ---------------------------------------------------------------- source labelling


def test_template_only_a_has_is_an_a_only_cluster(doc):
    union = doc["axes"]["syntax"]["union"]
    by_rows = {(tuple(sorted(c["rows"]["a"])), tuple(sorted(c["rows"]["b"]))): c for c in union["clusters"]}
    # A's "music for a NOUN" rows (record 2 is empty, so positions skip it).
    a_only = by_rows[((0, 1, 3, 4, 5), ())]
    assert a_only["source"] == "a" and a_only["n_a"] == 5 and a_only["n_b"] == 0
    assert a_only["pattern"] == "music for a NOUN"
    b_only = by_rows[((), (0, 1, 2))]
    assert b_only["source"] == "b" and b_only["pattern"] == "i want ADJ NOUN"
    mixed = by_rows[((6,), (3, 4))]
    assert mixed["source"] == "mixed" and mixed["share_a"] == pytest.approx(1 / 3, abs=1e-6)
    assert union["clusters_by_source"] == {"a": 1, "mixed": 1, "b": 1}
    # 3 of the 11 clustered texts (5 + 3 + 3) sit in the mixed cluster.
    assert union["overlap"] == pytest.approx(3 / 11, abs=1e-6)
    assert union["mixed_cluster_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert union["placement"]["a"] == pytest.approx(
        {"unique": 5 / 6, "mixed": 1 / 6, "other": 0, "unclustered": 0}, abs=1e-6
    )
    assert union["placement"]["b"] == pytest.approx(
        {"unique": 3 / 5, "mixed": 2 / 5, "other": 0, "unclustered": 0}, abs=1e-6
    )


def test_unique_share_changes_the_labels(files):
    # At 0.6 the mixed cluster (1 A, 2 B) becomes B's: both its shares of B are >= 0.6.
    loose = compare.to_dict(run_compare(*files, unique_share=0.6))
    sources = sorted(c["source"] for c in loose["axes"]["syntax"]["union"]["clusters"])
    assert sources == ["a", "b", "b"]


def test_unique_share_out_of_range_is_a_usage_problem(files):
    with pytest.raises(UsageProblem, match="--unique-share"):
        run_compare(*files, unique_share=0.5)


# ---------------------------------------------------------------- JSON layout


def test_json_layout(doc):
    assert doc["schema_version"] == compare.SCHEMA_VERSION and doc["kind"] == "lens-compare"
    assert list(doc) == ["schema_version", "kind", "lens_version", "inputs", "options", "stats", "axes"]
    assert doc["inputs"]["a"]["rows_skipped"] == {"empty": 1}
    assert doc["options"]["unique_share"] == 0.8 and doc["options"]["parser"] == "fake"
    assert set(doc["stats"]) == {"a", "b", "delta", "intervals", "verdicts"}
    assert set(doc["stats"]["intervals"]) == {"a", "b"}
    assert doc["stats"]["verdicts"]["duplicate_rate"] in (
        compare.MORE_DIVERSE,
        compare.MORE_REPETITIVE,
        compare.NO_CLEAR_DIFFERENCE,
    )
    assert list(doc["axes"]) == ["syntax", "dependency", "template", "lexical", "semantic"]
    for axis, block in doc["axes"].items():
        assert set(block) == {"a", "b", "delta", "union", "intervals", "verdicts"}
        union = block["union"]
        for key in ("distance", "mode", "threshold", "n_clusters", "clusters_by_source", "overlap", "placement"):
            assert key in union, (axis, key)
        # Every record with text appears exactly once per side: in a cluster or unclustered.
        for side, expected in (("a", [0, 1, 3, 4, 5, 6]), ("b", [0, 1, 2, 3, 4])):
            rows = [r for c in union["clusters"] for r in c["rows"][side]] + union["unclustered"][side]
            assert sorted(rows) == expected, (axis, side)
        for c in union["clusters"]:
            assert c["size"] == c["n_a"] + c["n_b"] == len(c["rows"]["a"]) + len(c["rows"]["b"])
            assert c["medoid"]["side"] in ("a", "b")
            assert c["medoid"]["row"] in c["rows"][c["medoid"]["side"]]
        for side in ("a", "b"):
            assert sum(union["placement"][side].values()) == pytest.approx(1.0)


def test_text_column_b(tmp_path):
    a = write_csv(tmp_path / "a.csv", "text", A_TEXTS)
    b = write_csv(tmp_path / "b.csv", "output", B_TEXTS)
    doc = compare.to_dict(run_compare(a, b, text_column_b="output"))
    assert doc["inputs"]["b"]["text_column"] == "output"
    assert doc["inputs"]["b"]["rows_analysed"] == len(B_TEXTS)


def test_figures(comparison):
    fig = compare_page.stats_figure(comparison).to_dict()
    assert [t["name"] for t in fig["data"]] == ["A", "B"]
    assert list(fig["data"][1]["y"]) == [
        pytest.approx(compare.lookup(comparison.b.stats, k)) for k in compare_page.KEY_STATS
    ]
    placement = compare_page.placement_figure(comparison).to_dict()
    assert placement["layout"]["barmode"] == "stack"
    totals = [sum(t["x"][k] for t in placement["data"]) for k in range(len(placement["data"][0]["x"]))]
    assert totals == [pytest.approx(1.0)] * 10  # 5 axes x 2 sides


# ---------------------------------------------------------------- HTML


@pytest.fixture
def page(tmp_path):
    a = write_csv(tmp_path / "a.csv", "text", A_TEXTS)
    b = write_csv(tmp_path / "b.csv", "text", [*B_TEXTS, HOSTILE, "a </script><b>bold</b> & more"])
    html = compare_page.render(compare_page.build_context(run_compare(a, b), plotly_js="/* plotly */"))
    return BeautifulSoup(html, "html.parser"), html


def test_html_structure(page):
    soup, _ = page
    assert soup.title.string.startswith("lens compare:")
    assert [s["data-axis"] for s in soup.select("section.axis-block")] == [
        "syntax",
        "dependency",
        "template",
        "lexical",
        "semantic",
    ]
    assert len(soup.select("#dataset table.cmp-stats tbody tr")) == len(compare_page.DATASET_STATS)
    syntax = soup.select_one("#axis-syntax")
    assert [g["data-source"] for g in syntax.select("div.group")] == ["a", "mixed", "b"]
    a_group = syntax.select_one('div.group[data-source="a"]')
    (cluster,) = a_group.select("details.cluster")
    assert cluster.select_one(".counts").get_text() == "A 5 · B 0"
    assert [s.get_text() for s in cluster.select(".chip")] == ["music", "for", "a", "NOUN"]
    a_examples = cluster.select('[data-side="a"] li')
    assert len(a_examples) == 5 and a_examples[0].select_one(".row-id").get_text().startswith("row ")
    figures = json.loads(soup.select_one("#lens-figures").string)
    assert set(figures) == {"fig-stats", "fig-homogenization", "fig-placement"}
    for fid in figures:
        assert soup.select_one(f"#{fid}") is not None


def test_html_escapes_data(page):
    soup, html = page
    scripts = soup.find_all("script")
    # The figures JSON, plotly.js and the small plotting script: nothing from the data.
    assert len(scripts) == 3
    assert all("alert" not in (s.string or "") for s in scripts)
    assert soup.find("b") is None or all(b.get_text() != "bold" for b in soup.find_all("b"))
    texts = [li.span.get_text() for li in soup.select('[data-side="b"] li')]
    assert HOSTILE in texts
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_size_warning_and_readings(tmp_path):
    a = write_csv(tmp_path / "a.csv", "text", A_TEXTS[:2])
    b = write_csv(tmp_path / "b.csv", "text", A_TEXTS + B_TEXTS)
    ctx = compare_page.build_context(run_compare(a, b), plotly_js="")
    assert "--sample 2" in ctx.size_warning
    by_label = {r.label: r for r in ctx.dataset}
    assert by_label["Compression ratio"].reading == compare_page.SIZES_DIFFER
    assert by_label["Tokens per text (mean)"].reading == ""  # no direction: longer texts are not more diverse
    same = compare_page.build_context(run_compare(*[write_csv(tmp_path / f"{k}.csv", "text", B_TEXTS) for k in "cd"]))
    assert same.size_warning == ""
    assert all(r.delta.lstrip("+-").strip("0.,% p") == "" for r in same.dataset)


def test_example_budget_caps_the_page(files, monkeypatch):
    monkeypatch.setattr(compare_page, "AXIS_EXAMPLE_BUDGET", 4)
    ctx = compare_page.build_context(run_compare(*files), plotly_js="", max_examples=5)
    syntax = ctx.axes[0]
    shown = [len(c.examples[s]) for g in syntax.groups for c in g.clusters for s in ("a", "b")]
    assert sum(shown) == 4
    # The largest cluster (A's template, 5 texts) gets the budget first.
    largest = min((c for g in syntax.groups for c in g.clusters), key=lambda c: c.id)
    assert largest.source == "a" and len(largest.examples["a"]) == 4
    soup = BeautifulSoup(compare_page.render(ctx), "html.parser")
    assert "example budget" in soup.select_one("#axis-syntax").get_text()


def test_examples_alternate_sides_and_respect_the_cap(comparison):
    mixed = next(c for c in comparison.axes["syntax"].clusters if c.source == "mixed")  # 1 A, 2 B
    both = compare_page._examples(comparison, mixed.summary, max_examples=5, cap=2)
    assert (len(both["a"]), len(both["b"])) == (1, 1)
    one_each = compare_page._examples(comparison, mixed.summary, max_examples=1, cap=10)
    assert (len(one_each["a"]), len(one_each["b"])) == (1, 1)
    medoid_side, medoid_row = comparison.side_of(mixed.summary.medoid)
    assert compare_page._examples(comparison, mixed.summary, 5, 10)[medoid_side][0].row == medoid_row


# ---------------------------------------------------------------- CLI


def test_cli_writes_outputs_byte_identically(fakes, files, tmp_path):
    outs = []
    for k in range(2):
        html, js = tmp_path / f"c{k}.html", tmp_path / f"c{k}.json"
        r = run("compare", *files, "--text-column", "text", "-o", html, "--json", js, "-q")
        assert r.exit_code == 0, r.output
        outs.append((html.read_bytes(), js.read_bytes()))
    assert outs[0] == outs[1]
    doc = json.loads(outs[0][1])
    assert doc["kind"] == "lens-compare" and doc["inputs"]["a"]["path"] == str(files[0])
    # plotly.js is inlined exactly once.
    soup = BeautifulSoup(outs[0][0], "html.parser")
    big = [s for s in soup.find_all("script") if len(s.string or "") > 1_000_000]
    assert len(big) == 1


def test_cli_text_column_b(fakes, tmp_path):
    a = write_csv(tmp_path / "a.csv", "text", A_TEXTS)
    b = write_csv(tmp_path / "b.csv", "output", B_TEXTS)
    js = tmp_path / "c.json"
    r = run("compare", a, b, "--text-column", "text", "--text-column-b", "output", "--json", js, "-q")
    assert r.exit_code == 0, r.output
    assert json.loads(js.read_text())["inputs"]["b"]["text_column"] == "output"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--text-column", "text"], 2, "Error: nothing to write: give -o compare.html and/or --json PATH"),
        (
            ["--text-column", "txt", "--json", "{tmp}/c.json"],
            2,
            "Error: no column 'txt' in {a}; did you mean 'text'? Columns: 'text', 'other'",
        ),
        (
            ["--text-column", "text", "--unique-share", "0.4", "--json", "{tmp}/c.json"],
            2,
            "Error: --unique-share must be in (0.5, 1]; got 0.4",
        ),
        (
            ["--text-column", "text", "-o", "{b}"],
            2,
            "Error: output {b} is an input file; choose another path",
        ),
        (
            ["--text-column", "text", "--axes", "syntax,shape", "--json", "{tmp}/c.json"],
            2,
            "Error: --axes: unknown axis shape; choose from syntax, dependency, template, lexical, semantic",
        ),
    ],
)
def test_cli_usage_errors(fakes, files, tmp_path, args, code, message):
    a, b = files
    fill = {"tmp": tmp_path, "a": a, "b": b}
    r = run("compare", a, b, *[x.format(**fill) for x in args])
    assert r.exit_code == code, r.output
    assert error_line(r) == message.format(**fill)
    assert not (tmp_path / "c.json").exists()
    assert b.read_text(encoding="utf-8").startswith("text,other")


def test_cli_runtime_errors(fakes, files, tmp_path):
    a, _ = files
    missing = tmp_path / "nope.csv"
    html = tmp_path / "c.html"
    r = run("compare", a, missing, "--text-column", "text", "-o", html)
    assert r.exit_code == 1
    assert error_line(r) == f"Error: {missing}: no such file"
    assert not html.exists()
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n")
    r = run("compare", a, empty, "--text-column", "text", "-o", html)
    assert r.exit_code == 1
    assert error_line(r) == f"Error: {empty} has a header but no data records"
    assert not html.exists()


def test_cli_sample_applies_to_each_side(fakes, files, tmp_path):
    js = tmp_path / "c.json"
    r = run("compare", *files, "--text-column", "text", "--sample", "3", "--json", js, "-q")
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text())
    assert doc["inputs"]["a"]["rows_analysed"] == 3 and doc["inputs"]["b"]["rows_analysed"] == 3
    assert doc["inputs"]["a"]["sample"] == 3


# ---------------------------------------------------------------- real models


@pytest.mark.model
def test_music_seeds_vs_generated(music_path, spacy_parser, tmp_path):
    """The LinguisticLens music data split into its human-written seeds and the generations."""
    with open(music_path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        records = list(reader)
    parts = {"seeds": [r for r in records if "Uploaded" in r["all tags"]]}
    parts["generated"] = [r for r in records if "Uploaded" not in r["all tags"]]
    paths = {}
    for name, rows in parts.items():
        paths[name] = tmp_path / f"{name}.csv"
        with open(paths[name], "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    result = compare_requests(
        ReadRequest(str(paths["seeds"]), text_column="query"),
        ReadRequest(str(paths["generated"]), text_column="query"),
        Options(),
        parser=spacy_parser,
    )
    doc = compare.to_dict(result)
    n_seeds, n_generated = len(parts["seeds"]), len(parts["generated"])
    assert doc["inputs"]["a"]["rows_analysed"] == n_seeds and doc["inputs"]["b"]["rows_analysed"] == n_generated
    assert "sentence-transformers" in doc["options"]["embedder_model"] or "MiniLM" in doc["options"]["embedder_model"]
    for axis, block in doc["axes"].items():
        union = block["union"]
        for side, n in (("a", n_seeds), ("b", n_generated)):
            rows = [r for c in union["clusters"] for r in c["rows"][side]] + union["unclustered"][side]
            assert sorted(rows) == list(range(n)), (axis, side)
        # The generator copies seed templates (mixed clusters) and also makes patterns no seed has.
        assert union["clusters_by_source"]["mixed"] > 0, axis
        assert union["placement"]["b"]["unique"] > 0, axis
    # The same numbers as lens analyze's statistics code on the generated texts alone.
    from lens_cli.stats import compression_ratio

    generated_texts = [r["query"] for r in parts["generated"] if r["query"].strip()]
    assert doc["stats"]["b"]["compression_ratio"] == pytest.approx(compression_ratio(generated_texts), abs=1e-6)
    page = BeautifulSoup(compare_page.render(compare_page.build_context(result, plotly_js="")), "html.parser")
    assert page.select_one("#size-warning") is not None
    assert len(page.select("section.axis-block")) == 5
