"""Hostile and broken input: one parametrized test, one case per bad input (sqlite-utils ``test_sniff`` style).

Each case is decided on purpose (README, "Bad input"): either a valid report, or exactly one ``Error:`` line with
exit code 1 (the data cannot be read) or 2 (a usage problem), never a traceback and never a partial output file.
The fast run uses the fakes; a few cases run again with the real spaCy parser and ``--embedder tfidf``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from lens_cli import pipeline
from lens_cli.cli import main
from lens_cli.io import DEFAULT_MAX_CHARS
from lens_cli.runtime import assembly

from .clitools import page_texts
from .fakes import FakeEmbedder, FakeParser

Content = bytes | str | None


@dataclass(frozen=True)
class Case:
    """One bad input.

    Attributes:
        id: The test id (also the README row).
        name: File name of the input, inside the test's temporary directory.
        content: The file's bytes (str is written as UTF-8); ``None`` for no file, ``"<dir>"`` for a directory.
        exit_code: 0 (a report is written), 1 or 2.
        error: The exact ``Error:`` line; ``{path}`` is the input, ``{tmp}`` the test's directory.
        args: Extra options (``{tmp}`` is replaced as in ``error``).
        auto_column: Leave out ``--text-column text`` and let lens choose the column.
        output: The report's path, relative to the test's directory.
        check: For a report, extra checks on the JSON document and the HTML soup.
        setup: Called with the test's directory after the input is written (links, permissions).
    """

    id: str
    name: str
    content: Content
    exit_code: int
    error: str | None = None
    args: tuple[str, ...] = ()
    auto_column: bool = False
    output: str = "report.html"
    check: Callable[[dict[str, Any], BeautifulSoup], None] | None = None
    setup: Callable[[Path], None] | None = field(default=None, compare=False)


def _texts(doc: dict[str, Any], soup: BeautifulSoup) -> list[str]:
    """The analysed texts as the report's data block holds them, in row order."""
    held = page_texts(soup)
    return [held[i].text for i in sorted(held)]


def _skipped(reason_counts: dict[str, int]) -> Callable[[dict[str, Any], BeautifulSoup], None]:
    def check(doc: dict[str, Any], soup: BeautifulSoup) -> None:
        assert doc["input"]["rows_skipped"] == reason_counts

    return check


def _note(fragment: str) -> Callable[[dict[str, Any], BeautifulSoup], None]:
    def check(doc: dict[str, Any], soup: BeautifulSoup) -> None:
        assert any(fragment in n for n in doc["input"]["notes"]), doc["input"]["notes"]
        assert any(fragment in li.get_text() for li in soup.select("ul.notes li"))

    return check


def _texts_are(*expected: str) -> Callable[[dict[str, Any], BeautifulSoup], None]:
    def check(doc: dict[str, Any], soup: BeautifulSoup) -> None:
        assert _texts(doc, soup) == list(expected)

    return check


def _one_cluster_of_all(doc: dict[str, Any], soup: BeautifulSoup) -> None:
    n = doc["input"]["rows_analysed"]
    for axis, a in doc["axes"].items():
        assert [sorted(c["rows"]) for c in a["clusters"]] == [list(range(n))], axis
    assert doc["stats"]["unique_texts"] == 1
    assert doc["stats"]["duplicate_rate"] == pytest.approx(1 - 1 / n)


def _rows_together(*rows: int) -> Callable[[dict[str, Any], BeautifulSoup], None]:
    def check(doc: dict[str, Any], soup: BeautifulSoup) -> None:
        for axis, a in doc["axes"].items():
            assert any(set(rows) <= set(c["rows"]) for c in a["clusters"]), axis

    return check


def _nothing_clustered(doc: dict[str, Any], soup: BeautifulSoup) -> None:
    for a in doc["axes"].values():
        assert a["clusters"] == [] and a["unclustered"] == [0]


def _truncated(doc: dict[str, Any], soup: BeautifulSoup) -> None:
    _note(f"longer than {DEFAULT_MAX_CHARS:,} characters was truncated")(doc, soup)
    lengths = [len(t) for t in _texts(doc, soup)]
    assert doc["input"]["rows_analysed"] == 2 and lengths[1] == len("short one")


SCRIPTS = [
    "東京は日本の首都です",
    "Москва столица России",
    "القاهرة هي عاصمة مصر",
    "ירושלים היא עיר עתיקה",
    "mixed עברית and English",
]
ODD_CHARACTERS = [
    "I love 🎵 music 🎉",
    "zero\u200bwidth\u200djoiner\u2060here",
    "combining e\u0301\u0301 and n\u0303",
    "👨\u200d👩\u200d👧\u200d👦 family",
    "\u202eright-to-left override\u202c text",
]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
TSV_AS_CSV = "text\tlabel\nmusic for a party\ta\njazz for running\tb\n"
SEMICOLONS = "text;label\nmusic for a party;a\njazz for running;b\n"


def _zip_bytes() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


CASES = [
    # --- nothing to read
    Case("empty-file", "empty.csv", b"", 1, "Error: {path} is empty: there is nothing to analyse"),
    Case("blank-lines-only", "blank.csv", "\n  \n\n", 1, "Error: {path} is empty: there is nothing to analyse"),
    Case("header-only", "header.csv", "text,label\n", 1, "Error: {path} has a header but no data records"),
    Case("empty-json-array", "empty.json", "[]", 1, "Error: {path} has no records"),
    Case(
        "all-texts-empty",
        "blank_texts.csv",
        'text,label\n"",a\n"   ",b\n"\t",c\n',
        1,
        "Error: {path}: no text to analyse in column 'text' (empty: 3)",
    ),
    # --- columns
    Case(
        "missing-column",
        "cols.csv",
        "query,label\nmusic for a party,a\n",
        2,
        "Error: no column 'text' in {path}. Columns: 'query', 'label'",
    ),
    Case(
        "misspelled-column",
        "cols.csv",
        "query,label\nmusic for a party,a\n",
        2,
        "Error: no column 'qeury' in {path}; did you mean 'query'? Columns: 'query', 'label'",
        args=("--text-column", "qeury"),
    ),
    Case(
        "column-in-wrong-case",
        "cols.csv",
        "Query,label\nmusic for a party,a\n",
        2,
        "Error: no column 'QUERY' in {path}; did you mean 'Query'? Columns: 'Query', 'label'",
        args=("--text-column", "QUERY"),
    ),
    Case(
        "tab-delimited-named-csv",
        "tabs.csv",
        TSV_AS_CSV,
        2,
        "Error: no column 'text' in {path}: the header is one column, 'text\\tlabel', that looks tab-separated; "
        "use --format tsv",
    ),
    Case(
        "semicolon-delimited-no-column-given",
        "semi.csv",
        SEMICOLONS,
        2,
        "Error: {path}: the header is one column, 'text;label', that looks ';'-separated; lens reads CSV "
        "separated by ',' and TSV by tabs: re-save the file with one of those",
        auto_column=True,
    ),
    # --- encodings and bytes
    Case(
        "latin-1-bytes",
        "latin.csv",
        "text\nmusic for a caf\xe9\n".encode("latin-1"),
        1,
        "Error: {path} is not valid UTF-8 (byte 0xe9 on line 2); give the file's encoding with --encoding, "
        "e.g. --encoding cp1252 or --encoding latin-1",
    ),
    Case(
        "latin-1-with-encoding",
        "latin.csv",
        "text\nmusic for a caf\xe9\n".encode("latin-1"),
        0,
        args=("--encoding", "latin-1"),
        check=_texts_are("music for a café"),
    ),
    Case(
        "unknown-encoding",
        "ok.csv",
        "text\nmusic\n",
        2,
        "Error: unknown encoding 'utf-99'",
        args=("--encoding", "utf-99"),
    ),
    Case(
        "utf-8-bom",
        "bom.csv",
        "\ufefftext\nmusic for a party\njazz for running\n",
        0,
        check=_texts_are("music for a party", "jazz for running"),
    ),
    Case(
        "utf-8-bom-with-encoding-utf-8",
        "bom.csv",
        "\ufefftext\nmusic for a party\n",
        0,
        args=("--encoding", "utf-8"),
        check=_texts_are("music for a party"),
    ),
    Case(
        "utf-16-with-bom",
        "utf16.csv",
        "text\nmusic for a party\n".encode("utf-16"),
        1,
        "Error: {path} is UTF-16 (it starts with a UTF-16 byte-order mark); read it with --encoding utf-16",
    ),
    Case(
        "utf-16-with-encoding",
        "utf16.csv",
        "text\nmusic for a party\njazz for running\n".encode("utf-16"),
        0,
        args=("--encoding", "utf-16"),
        check=_texts_are("music for a party", "jazz for running"),
    ),
    Case(
        "utf-16-without-bom",
        "utf16le.csv",
        "text\nmusic for a party\n".encode("utf-16-le"),
        1,
        "Error: {path} looks like UTF-16 (every other byte is NUL); read it with --encoding utf-16-le",
    ),
    Case(
        "stray-nul-bytes",
        "nul.csv",
        b"text\nmusic for a\x00 party\njazz\x00 for running\n",
        0,
        check=lambda doc, soup: (
            _note("removed 2 NUL characters")(doc, soup),
            _texts_are("music for a party", "jazz for running")(doc, soup),
        ),
    ),
    Case(
        "binary-png",
        "image.csv",
        PNG,
        1,
        "Error: {path} looks like a binary file (a PNG image), not text data; give a CSV, TSV, JSON Lines or JSON file",
    ),
    Case(
        "binary-noise",
        "noise.csv",
        bytes((i * 37 + 11) % 256 for i in range(4096)),
        1,
        "Error: {path} looks like a binary file, not text data; give a CSV, TSV, JSON Lines or JSON file",
    ),
    Case(
        "all-nul-bytes",
        "zeros.csv",
        b"\x00" * 2048,
        1,
        "Error: {path} looks like a binary file, not text data; give a CSV, TSV, JSON Lines or JSON file",
    ),
    Case(
        "gzip-compressed",
        "data.csv",
        gzip.compress(b"text\nmusic for a party\n", mtime=0),
        1,
        "Error: {path} is gzip-compressed; decompress it first (gunzip)",
    ),
    Case(
        "excel-workbook",
        "sheet.csv",
        _zip_bytes(),
        1,
        "Error: {path} is a ZIP archive (an Excel workbook?); export the sheet as CSV",
    ),
    # --- CSV structure
    Case(
        "ragged-row",
        "ragged.csv",
        'text,n\n"music for a\nparty",1\njazz,2,3\n',
        1,
        "Error: {path}: line 4 has 3 fields but the header has 2; fix the row or quote fields that contain "
        "the delimiter",
    ),
    Case(
        "unclosed-quote",
        "quote.csv",
        'text,n\nmusic,1\n"jazz for\nrunning,2\n',
        1,
        "Error: {path}: line 3: malformed CSV: unexpected end of data (a quoted field is never closed?)",
    ),
    Case(
        "duplicate-header",
        "dupe.csv",
        "text,text\na,b\n",
        1,
        "Error: {path}: duplicate column names in the header: 'text'",
    ),
    Case(
        "unnamed-header-cells",
        "unnamed.csv",
        "text,,\nmusic for a party,,\njazz for running,,\n",
        0,
        check=_texts_are("music for a party", "jazz for running"),
    ),
    Case(
        "unnamed-header-cells-auto-column",
        "unnamed.csv",
        "text,,\nmusic for a party,,\njazz for running,,\n",
        0,
        auto_column=True,
        check=_note("analysing column 'text' (the one column of free text"),
    ),
    Case(
        "one-megabyte-cell",
        "big.csv",
        "text\n" + "word " * 220_000 + "\nshort one\n",
        0,
        check=_truncated,
    ),
    # --- sizes and sameness
    Case("one-row", "one.csv", "text\nmusic for a party\n", 0, check=_nothing_clustered),
    Case(
        "two-rows",
        "two.csv",
        "text\nmusic for a party\njazz for running\n",
        0,
        check=_texts_are("music for a party", "jazz for running"),
    ),
    Case("all-identical-rows", "same.csv", "text\n" + "music for a party\n" * 6, 0, check=_one_cluster_of_all),
    # --- scripts and characters
    Case(
        "non-latin-and-rtl-scripts",
        "scripts.csv",
        "text\n" + "\n".join(SCRIPTS) + "\n",
        0,
        check=_texts_are(*SCRIPTS),
    ),
    Case(
        "emoji-zero-width-combining",
        "odd.csv",
        "text\n" + "\n".join(ODD_CHARACTERS) + "\n",
        0,
        check=_texts_are(*ODD_CHARACTERS),
    ),
    Case(
        "emoji-only-duplicates",
        "emoji.csv",
        "text\n🎉🎉\n🎉🎉\n🎵\n",
        0,
        check=_rows_together(0, 1),
    ),
    Case(
        "numbers-only", "numbers.csv", "text\n1\n2\n3.5\n-42\n1e9\n", 0, check=_texts_are("1", "2", "3.5", "-42", "1e9")
    ),
    # --- JSON and JSON Lines
    Case(
        "jsonl-broken-line",
        "broken.jsonl",
        '{"text": "music for a party"}\n{"text": broken}\n',
        1,
        "Error: {path}: line 2 is not valid JSON (Expecting value at column 10)",
    ),
    Case(
        "jsonl-line-is-an-array",
        "array_line.jsonl",
        '{"text": "music"}\n[1, 2]\n',
        1,
        "Error: {path}: line 2 is a JSON array, expected an object",
    ),
    Case(
        "jsonl-line-separator-inside-a-string",
        "ls.jsonl",
        '{"text": "music\u2028for a party"}\n{"text": "jazz\x85for\u2029running"}\n',
        0,
        check=_texts_are("music\u2028for a party", "jazz\x85for\u2029running"),
    ),
    Case(
        "jsonl-unpaired-surrogate",
        "surrogate.jsonl",
        '{"text": "music \\ud83d for a party"}\n{"text": "jazz \\ud83c\\udfb5"}\n',
        0,
        check=lambda doc, soup: (
            _note("replaced 1 unpaired surrogate")(doc, soup),
            _texts_are("music \ufffd for a party", "jazz 🎵")(doc, soup),
        ),
    ),
    Case(
        "jsonl-escaped-nul",
        "nul.jsonl",
        '{"text": "music\\u0000 for a party"}\n{"text": "jazz for running"}\n',
        0,
        check=lambda doc, soup: (
            _note("removed 1 NUL character from nul.jsonl")(doc, soup),
            _texts_are("music for a party", "jazz for running")(doc, soup),
        ),
    ),
    Case(
        "jsonl-null-nan-missing-and-object-values",
        "mixed.jsonl",
        '{"text": "music for a party"}\n{"text": null}\n{"text": NaN}\n{"other": "x"}\n'
        '{"text": {"a": 1}}\n{"text": ""}\n{"text": "jazz for running"}\n',
        0,
        check=_skipped({"empty": 1, "missing": 3, "not_text": 1}),
    ),
    Case(
        "json-object-not-array",
        "object.json",
        '{"text": "music for a party"}',
        1,
        "Error: {path}: the file holds one JSON object; expected an array of objects (for one object per line, "
        "use JSON Lines: .jsonl)",
    ),
    Case(
        "json-array-of-numbers",
        "numbers.json",
        "[1, 2, 3]",
        1,
        "Error: {path}: item 0 of the array is a JSON number; expected an object per record",
    ),
    Case(
        "json-invalid",
        "bad.json",
        '[{"text": "music"} {"text": "jazz"}]',
        1,
        "Error: {path}: not valid JSON (Expecting ',' delimiter at line 1, column 20); for JSON Lines use .jsonl",
    ),
    Case(
        "json-nested-too-deeply",
        "deep.json",
        "[" * 100_000 + "]" * 100_000,
        1,
        "Error: {path}: the JSON is nested too deeply to read",
    ),
    Case(
        "jsonl-line-nested-too-deeply",
        "deep.jsonl",
        '{"text": "music"}\n{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        1,
        "Error: {path}: line 2 is nested too deeply to read",
    ),
    Case(
        "column-name-with-a-newline",
        "newline.csv",
        '"te\nxt",label\nmusic for a party,a\n',
        2,
        "Error: no column 'text' in {path}; did you mean 'te\\nxt'? Columns: 'te\\nxt', 'label'",
    ),
    # --- options that do not fit the data
    Case(
        "empty-seed-value",
        "seeds.csv",
        "text,tag\nmusic for a party,seed\njazz for running,gen\n",
        2,
        "Error: --seed-value is empty; give the text that marks seed rows",
        args=("--seed-column", "tag", "--seed-value", ""),
    ),
    Case(
        "negative-random-seed",
        "ok.csv",
        "text\nmusic for a party\njazz for running\n",
        2,
        "Error: --random-seed must be 0 or more",
        args=("--sample", "1", "--random-seed", "-1"),
    ),
    # --- paths
    Case("missing-file", "nope.csv", None, 1, "Error: {path}: no such file"),
    Case(
        "directory",
        "adir",
        "<dir>",
        1,
        "Error: {path} is a directory; give a data file (or a directory of .parquet files)",
    ),
    Case(
        "unknown-extension",
        "data.xyz",
        "text\nmusic\n",
        2,
        "Error: cannot tell the format of '{path}' from its extension; use --format (csv, tsv, jsonl, json, "
        "parquet, txt)",
    ),
    Case(
        "output-directory-missing",
        "ok.csv",
        "text\nmusic\n",
        1,
        "Error: cannot write {tmp}/no/such/dir/report.html: directory {tmp}/no/such/dir does not exist",
        output="no/such/dir/report.html",
    ),
    Case(
        "output-inside-a-file",
        "ok.csv",
        "text\nmusic\n",
        1,
        "Error: cannot write {tmp}/ok.csv/report.html: {tmp}/ok.csv is not a directory",
        output="ok.csv/report.html",
    ),
    Case(
        "output-is-the-input",
        "ok.csv",
        "text\nmusic\n",
        2,
        "Error: output {tmp}/ok.csv is an input file; choose another path",
        output="ok.csv",
    ),
    Case(
        "json-output-is-the-input",
        "ok.csv",
        "text\nmusic\n",
        2,
        "Error: output {tmp}/ok.csv is an input file; choose another path",
        args=("--json", "{tmp}/ok.csv"),
    ),
    Case(
        "output-is-a-hard-link-to-the-input",
        "ok.csv",
        "text\nmusic\n",
        2,
        "Error: output {tmp}/link.html is an input file; choose another path",
        output="link.html",
        setup=lambda tmp: os.link(tmp / "ok.csv", tmp / "link.html"),
    ),
]


def _write_input(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / case.name
    if case.content == "<dir>":
        path.mkdir()
    elif isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif isinstance(case.content, str):
        path.write_bytes(case.content.encode("utf-8"))
    return path


def run_case(tmp_path: Path, case: Case, extra: tuple[str, ...] = ()):
    path = _write_input(tmp_path, case)
    if case.setup:
        case.setup(tmp_path)
    out = tmp_path / case.output
    js = tmp_path / "analysis.json"
    args = ["analyze", str(path), "-o", str(out), "--json", str(js), "-q"]
    if not case.auto_column and "--text-column" not in case.args:
        args += ["--text-column", "text"]
    args += [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, [*args, *extra])
    return path, out, js, before, result


def _check_outcome(tmp_path: Path, case: Case, path: Path, out: Path, js: Path, before: set, result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.exit_code, result.output
    if case.exit_code:
        errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
        assert errors == [case.error.format(path=path, tmp=tmp_path)]
        # Nothing written: the directory holds what it held before the run.
        assert set(tmp_path.rglob("*")) == before
        return
    doc = json.loads(js.read_text(encoding="utf-8"))
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    # Nothing lost: every record is analysed or skipped for a counted reason, and every analysed row is in
    # exactly one cluster or the unclustered list on every axis.
    inp = doc["input"]
    assert inp["rows_read"] == inp["rows_analysed"] + sum(inp["rows_skipped"].values())
    assert doc["stats"]["rows_skipped"] == sum(inp["rows_skipped"].values())
    for a in doc["axes"].values():
        rows = [r for c in a["clusters"] for r in c["rows"]] + a["unclustered"]
        assert len(rows) == len(set(rows)) == inp["rows_analysed"]
    if case.check:
        case.check(doc, soup)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(tmp_path, fakes, case):
    _check_outcome(tmp_path, case, *run_case(tmp_path, case))


def test_every_case_is_in_the_docs():
    from .conftest import ROOT

    doc = (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8")
    section = doc.split("# Bad input", 1)[1].split("\n## ", 1)[0]
    for case in CASES:
        assert f"`{case.id}`" in section, f"{case.id} is not in docs/bad-input.md's table"
    marked = set(re.findall(r"`([a-z0-9-]+)` †", section))
    assert marked == {c.id for c in REAL_BACKEND_CASES}, "the † marks must name the real-backend cases"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_output_directory(tmp_path, fakes):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        case = Case(
            "read-only-dir",
            "ok.csv",
            "text\nmusic\n",
            1,
            "Error: cannot write {tmp}/ro/report.html: directory {tmp}/ro is not writable",
            output="ro/report.html",
        )
        _check_outcome(tmp_path, case, *run_case(tmp_path, case))
    finally:
        ro.chmod(0o755)


def test_output_that_cannot_be_created_is_refused_before_the_analysis(tmp_path, monkeypatch):
    """Root ignores directory permissions, so simulate a file system that refuses the file."""
    import tempfile

    parsed = []

    class CountingParser(FakeParser):
        def parse(self, texts, progress=None):
            parsed.append(len(texts))
            return super().parse(texts, progress)

    monkeypatch.setattr(assembly, "make_parser", lambda *a, **k: CountingParser())
    monkeypatch.setattr(assembly, "make_embedder", lambda *a, **k: FakeEmbedder())

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    case = Case(
        "refused",
        "ok.csv",
        "text\nmusic\n",
        1,
        "Error: cannot write {tmp}/report.html: permission denied",
    )
    _check_outcome(tmp_path, case, *run_case(tmp_path, case))
    assert parsed == []  # refused up front, not after minutes of parsing


REAL_BACKEND_CASES = [
    c
    for c in CASES
    if c.id
    in {
        "non-latin-and-rtl-scripts",
        "emoji-zero-width-combining",
        "emoji-only-duplicates",
        "numbers-only",
        "one-megabyte-cell",
        "all-identical-rows",
        "one-row",
        "jsonl-unpaired-surrogate",
        "stray-nul-bytes",
    }
]


@pytest.mark.model
@pytest.mark.parametrize("case", REAL_BACKEND_CASES, ids=[c.id for c in REAL_BACKEND_CASES])
def test_bad_input_with_real_parser(tmp_path, case):
    """The real spaCy parser (and the TF-IDF embedder) take the odd texts without crashing or warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_case(tmp_path, case, ("--parser", "spacy", "--embedder", "tfidf"))
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    _check_outcome(tmp_path, case, *result)
    doc = json.loads((tmp_path / "analysis.json").read_text(encoding="utf-8"))
    assert doc["options"]["parser"] == "spacy"


# --- nothing lost -------------------------------------------------------------------------------------------------

MIXED_ROWS = [
    {"text": "music for a party"},
    {"text": ""},
    {"text": "   "},
    {"text": None},
    {"other": "no text field"},
    {"text": ["a", "list"]},
    {"text": "jazz for running"},
    {"text": "music for a party"},
    {"text": 7},
]


def test_every_row_is_analysed_or_counted_in_json_and_report(tmp_path, fakes):
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in MIXED_ROWS) + "\n", encoding="utf-8")
    out, js = tmp_path / "r.html", tmp_path / "r.json"
    result = CliRunner().invoke(
        main, ["analyze", str(src), "--text-column", "text", "-o", str(out), "--json", str(js), "-q"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(js.read_text(encoding="utf-8"))
    inp = doc["input"]
    expected_skips = {"empty": 2, "missing": 2, "not_text": 1}
    assert inp["rows_skipped"] == expected_skips
    assert inp["rows_read"] == len(MIXED_ROWS)
    assert inp["rows_analysed"] == len(MIXED_ROWS) - sum(expected_skips.values())
    assert doc["stats"]["rows_skipped"] == sum(expected_skips.values())
    assert doc["stats"]["empty_skipped"] == expected_skips["empty"]
    analysed = {i for i, r in enumerate(MIXED_ROWS) if isinstance(r.get("text"), (str, int)) and str(r["text"]).strip()}
    for axis, a in doc["axes"].items():
        rows = [r for c in a["clusters"] for r in c["rows"]] + a["unclustered"]
        assert sorted(rows) == sorted(analysed), axis
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    run = {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in soup.select("dl.run dt")}
    assert run["rows"] == (
        f"{inp['rows_read']:,} read, {inp['rows_analysed']:,} analysed, skipped: "
        + ", ".join(f"{k} {v}" for k, v in expected_skips.items())
    )
    card = next(c for c in soup.select(".card") if c.select_one(".card-label").get_text() == "Rows analysed")
    assert card.select_one(".card-value").get_text() == str(inp["rows_analysed"])
    assert f"{sum(expected_skips.values())} skipped" in card.select_one(".card-guide").get_text()


INTERNAL = "Error: internal error: RuntimeError: boom; set LENS_DEBUG=1 for the traceback and please report it"


@pytest.mark.parametrize(
    ("target", "exc", "exit_code", "error"),
    [
        ("lens_cli.report.render_analysis", KeyboardInterrupt, 130, "Error: interrupted; no output was written"),
        ("lens_cli.report.render_analysis", RuntimeError, 1, INTERNAL),
        ("lens_cli.export.dumps", RuntimeError, 1, INTERNAL),
        ("lens_cli.gates.summary_markdown", KeyboardInterrupt, 130, "Error: interrupted; no output was written"),
        ("os.replace", KeyboardInterrupt, 130, "Error: interrupted; no output was written"),
    ],
)
def test_failure_or_ctrl_c_while_writing_leaves_no_file(tmp_path, fakes, monkeypatch, target, exc, exit_code, error):
    """Every output is rendered before any is written, and all are renamed into place only when all are
    complete: a failure at any point leaves neither an output nor a temporary file."""
    src = tmp_path / "d.csv"
    src.write_text("text\nmusic for a party\njazz for running\nmusic for the beach\n", encoding="utf-8")
    module, _, name = target.rpartition(".")
    import importlib

    def boom(*args, **kwargs):
        raise exc("boom")

    monkeypatch.setattr(importlib.import_module(module), name, boom)
    monkeypatch.delenv("LENS_DEBUG", raising=False)
    outs = [tmp_path / "r.html", tmp_path / "r.json", tmp_path / "s.md"]
    args = ["analyze", str(src), "--text-column", "text", "-o", str(outs[0]), "--json", str(outs[1])]
    result = CliRunner().invoke(main, [*args, "--summary-md", str(outs[2]), "-q"])
    assert result.exit_code == exit_code, result.output
    assert [ln for ln in result.output.splitlines() if ln.startswith("Error:")] == [error]
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_ctrl_c_during_the_analysis_leaves_no_file(tmp_path, monkeypatch):
    class InterruptedParser(FakeParser):
        def parse(self, texts, progress=None):
            raise KeyboardInterrupt

    monkeypatch.setattr(assembly, "make_parser", lambda *a, **k: InterruptedParser())
    src = tmp_path / "d.csv"
    src.write_text("text\nmusic for a party\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(src), "-o", str(tmp_path / "r.html"), "-q"])
    assert result.exit_code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


# --- nothing injected ---------------------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "</script><script>alert(2)</script>",
    "<img src=x onerror=alert(3)>",
    '"><svg onload=alert(4)>',
    "{{ 7*7 }} {% raw %}",
    "javascript:alert(5)",
    "=cmd|' /C calc'!A0",
    "<!-- ]]> &amp; &lt;b&gt; \u2028 <b>bold</b>",
]
HOSTILE_COLUMN = '<script>alert("column")</script>'
HOSTILE_FILE = '"><img src=x onerror=alert(9)>.jsonl'
NORMAL = ["music for a party", "music for running", "jazz for the beach", "sad songs"]
#: Every text of the hostile input as read (the unpaired surrogate becomes U+FFFD).
ALL_TEXTS = {*HOSTILE, *NORMAL, "lone \ufffd surrogate"}


def _render(tmp_path: Path, texts: list[str], column: str, filename: str) -> tuple[BeautifulSoup, str, dict, Path]:
    """The report and JSON of ``texts`` (each twice, marked as seeds) plus four ordinary generated texts."""
    rows = [{column: t, "tag": "seed"} for t in texts for _ in range(2)]
    rows += [{column: t, "tag": "gen"} for t in NORMAL]
    rows.append({column: "lone \ud83d surrogate", "tag": "gen"})  # makes a note naming the file
    src = tmp_path / filename
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    stem = "benign" if filename.startswith("safe") else "hostile"
    out, js = tmp_path / f"{stem}.html", tmp_path / f"{stem}.json"
    args = ["analyze", str(src), "--text-column", column, "--seed-column", "tag", "--seed-value", "seed"]
    result = CliRunner().invoke(main, [*args, "-o", str(out), "--json", str(js), "-q"])
    assert result.exit_code == 0, result.output
    html_text = out.read_text(encoding="utf-8")
    return BeautifulSoup(html_text, "html.parser"), html_text, json.loads(js.read_text(encoding="utf-8")), src


@pytest.fixture
def hostile_report(tmp_path, monkeypatch, fakes):
    import plotly.offline

    monkeypatch.setattr(plotly.offline, "get_plotlyjs", lambda: "/* plotly */")
    return _render(tmp_path, HOSTILE, HOSTILE_COLUMN, HOSTILE_FILE)


def test_hostile_data_makes_no_element_or_attribute(hostile_report, tmp_path):
    soup, html_text, _, _ = hostile_report
    # The same input with harmless texts, column and file name shows the templates' own elements and scripts.
    benign, _, _, _ = _render(tmp_path, [f"safe text {k}" for k in range(len(HOSTILE))], "text", "safe.jsonl")
    assert {t.name for t in soup.find_all(True)} <= {t.name for t in benign.find_all(True)}
    assert not soup.find_all(["img", "svg", "iframe", "object", "embed", "form", "base", "link"])
    scripts = [(s.get("type"), s.get("id")) for s in soup.find_all("script")]
    assert scripts == [(s.get("type"), s.get("id")) for s in benign.find_all("script")]
    assert [s.string for s in soup.find_all("script")].count("/* plotly */") == 1
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), (tag.name, attr)
            text = " ".join(value) if isinstance(value, list) else value
            assert "javascript:" not in text.lower() and "alert(" not in text, (tag.name, attr, text)
    # No data string survives unescaped anywhere in the page source.
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>bold</b>", "<!-- ]]>"):
        assert raw not in html_text


def _visible(el) -> str:
    """An element's text without the 'row N' label the templates put in front of a text."""
    for label in el.select("span.muted, span.row-id"):
        label.extract()
    return el.get_text().strip()


def test_hostile_texts_are_shown_as_literal_text_everywhere(hostile_report):
    soup, _, _doc, src = hostile_report
    # Page title, header, notes and run details name the file and the column literally.
    assert soup.title.string == f"lens report: {src}"
    assert soup.select_one("header.top code").get_text() == HOSTILE_COLUMN
    assert any(HOSTILE_FILE in li.get_text() for li in soup.select("ul.notes li"))
    run = {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in soup.select("dl.run dt")}
    assert run["input"] == f"{src} (jsonl), column {HOSTILE_COLUMN!r}"
    # Seed table: every hostile text is a seed, so every one is listed, literally.
    assert {tr.select("td")[1].get_text() for tr in soup.select("table.seeds tbody tr")} == set(HOSTILE)
    # Medoids and near-duplicate pairs.
    medoids = {q.get_text() for q in soup.select("p.medoid q")}
    assert medoids <= ALL_TEXTS and medoids & set(HOSTILE)
    near = {_visible(td) for tr in soup.select("table.near tbody tr") for td in tr.select("td")[1:]}
    assert near <= ALL_TEXTS and near & set(HOSTILE)
    # Pattern chips and keywords hold tokens of the texts (the fake parser splits '<' from 'script').
    tokens = {t.text.lower() for p in FakeParser().parse(sorted(ALL_TEXTS)) for t in p.tokens}
    chips = [c.get_text() for c in soup.select(".chip-word")] + [k.get_text() for k in soup.select(".kw")]
    assert chips and set(chips) <= tokens and {"<", ">"} & set(chips)


def test_hostile_texts_are_literal_in_the_embedded_json_and_figures(hostile_report):
    import html

    soup, _, doc, _ = hostile_report
    for block in ("#lens-data", "#lens-figures"):
        raw = soup.select_one(block).string
        assert "<" not in raw and ">" not in raw and "&" not in raw, block
    held = page_texts(soup).values()
    store_texts = {h.text for h in held}
    assert set(HOSTILE) <= store_texts <= ALL_TEXTS
    store_tokens = {tok for h in held for tok in h.tokens}
    assert {"<", "script", ">"} <= store_tokens
    figures = json.loads(soup.select_one("#lens-figures").string)
    hovers = []
    for fig_id, fig in figures.items():
        for trace in fig["data"]:
            if trace.get("name") == "nodes":
                # Leaves read "TEXT<br>cluster #k"; branch points start with a bold count.
                hovers += [t.rsplit("<br>", 1)[0] for t in trace["text"] if not t.startswith("<b>")]
            if trace.get("type") == "bar":
                # Plotly reads labels as HTML: they are escaped.
                labels = [label for label in trace["y"] if isinstance(label, str)]
                assert not any("<" in label or ">" in label for label in labels), fig_id
    # Leaf hover texts are HTML-escaped once (Plotly renders a subset of HTML) and unescape to the texts.
    assert not any("<" in h for h in hovers)
    assert {html.unescape(h) for h in hovers} == {t for t in ALL_TEXTS}
    # The JSON output is data: the texts are there as they are.
    medoid_texts = {c["medoid_text"] for a in doc["axes"].values() for c in a["clusters"]}
    assert medoid_texts & set(HOSTILE)
    assert set(doc["seeds"]["texts"]) == set(HOSTILE)


# --- outputs that are not plain files ------------------------------------------------------------------------------


def test_output_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path, fakes):
    src = tmp_path / "d.csv"
    src.write_text("text\nmusic for a party\njazz for running\n", encoding="utf-8")
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "r.json"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["analyze", str(src), "--text-column", "text", "--json", str(link), "-q"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert json.loads(target.read_text(encoding="utf-8"))["input"]["rows_read"] == 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["latest.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_json_to_a_pipe_is_written_into_the_pipe(tmp_path, fakes):
    """``--json /dev/stdout | jq`` must write into the pipe, not rename a file over the device node."""
    import threading

    src = tmp_path / "d.csv"
    src.write_text("text\nmusic for a party\njazz for running\n", encoding="utf-8")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    result = CliRunner().invoke(main, ["analyze", str(src), "--text-column", "text", "--json", str(fifo), "-q"])
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert fifo.is_fifo()
    assert received and json.loads(received[0])["input"]["rows_read"] == 2


def test_an_internal_error_with_a_multi_line_message_is_one_error_line(tmp_path, fakes, monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("first line\nsecond line")

    monkeypatch.setattr(pipeline, "dataset_stats", boom)
    monkeypatch.delenv("LENS_DEBUG", raising=False)
    src = tmp_path / "d.csv"
    src.write_text("text\nmusic for a party\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(src), "--json", str(tmp_path / "r.json"), "-q"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: internal error: ValueError: first line second line; set LENS_DEBUG=1 for the traceback and "
        "please report it"
    ]
