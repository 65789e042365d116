from __future__ import annotations

import json

import numpy as np
import pytest

from lens_cli.errors import ColumnError, InputError, UsageProblem
from lens_cli.io import build_corpus, check_output_paths, read_table, write_texts


def write(tmp_path, name, content, mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return str(p)


def test_music_dataset_reads_every_record(music_path):
    table = read_table(str(music_path))
    assert table.columns == ["query", "recommended artists", "all tags"]
    assert len(table.records) == 513
    corpus = build_corpus(table, "query", seed_column="all tags", seed_value="Uploaded")
    assert corpus.n == 513 and corpus.rows_skipped == {}
    assert int(corpus.is_seed.sum()) == 16
    assert corpus.texts[0] == "techno music that isn't harsh"


def test_quoted_newlines_are_one_record(tmp_path):
    path = write(tmp_path, "q.csv", 'text,n\n"line one\nline two",1\nplain,2\n"a ""quoted"", comma",3\n')
    table = read_table(path)
    assert [r["text"] for r in table.records] == ["line one\nline two", "plain", 'a "quoted", comma']


def test_rows_map_back_to_records_and_empty_are_counted(tmp_path):
    path = write(tmp_path, "e.csv", 'text\nfirst\n""\n   \nsecond\n')
    corpus = build_corpus(read_table(path), "text")
    assert corpus.texts == ["first", "second"]
    assert corpus.rows.tolist() == [0, 3]
    assert corpus.rows_skipped == {"empty": 2}
    assert corpus.rows_read == corpus.n + sum(corpus.rows_skipped.values())


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("d.tsv", "text\tx\nhello there\t1\n", ["hello there"]),
        ("d.jsonl", '{"text": "a b c"}\n\n{"text": "d e"}\n', ["a b c", "d e"]),
        ("d.json", '[{"text": "a b c"}, {"text": 5}]', ["a b c", "5"]),
        ("d.txt", "one line\nanother line\n", ["one line", "another line"]),
    ],
)
def test_formats(tmp_path, name, content, expected):
    corpus = build_corpus(read_table(write(tmp_path, name, content)), "text")
    assert corpus.texts == expected


def test_bom_and_other_encodings(tmp_path):
    bom = write(tmp_path, "b.csv", "\ufefftext\ncafé\n")
    assert read_table(bom).columns == ["text"]
    latin = write(tmp_path, "l.csv", "text\ncaf\xe9\n".encode("latin-1"), mode="wb")
    with pytest.raises(InputError, match=r"not valid UTF-8.*--encoding"):
        read_table(latin)
    assert read_table(latin, encoding="latin-1").records[0]["text"] == "café"


def test_format_override_and_unknown_extension(tmp_path):
    path = write(tmp_path, "data.dat", "text\nhello\n")
    with pytest.raises(UsageProblem, match="--format"):
        read_table(path)
    assert read_table(path, fmt="csv").records == [{"text": "hello"}]


def test_missing_column_suggests_close_names(music_path):
    table = read_table(str(music_path))
    with pytest.raises(ColumnError, match=r"no column 'qurey'.*did you mean 'query'"):
        build_corpus(table, "qurey")


def test_auto_column_needs_exactly_one_free_text_column(tmp_path):
    one = write(tmp_path, "one.csv", "id,text\n1,a long free text here\n2,another free text there\n")
    corpus = build_corpus(read_table(one), None)
    assert corpus.text_column == "text" and "free text" in corpus.notes[0]


def test_auto_column_picks_the_free_text_of_the_music_data(music_path):
    # 'recommended artists' is a comma-separated list and 'all tags' a label: not free text.
    corpus = build_corpus(read_table(str(music_path)), None)
    assert corpus.text_column == "query"
    assert "'query'" in corpus.notes[0]


def test_auto_column_refuses_ambiguity(tmp_path):
    path = write(
        tmp_path,
        "two.csv",
        "a,b\nsome free text here,other free text there\nmore words in a,more words in b\n",
    )
    with pytest.raises(ColumnError, match=r"several columns.*--text-column. Columns: 'a', 'b'"):
        build_corpus(read_table(path), None)


def test_seeds_from_a_separate_file(tmp_path):
    data = write(tmp_path, "d.csv", "text\nmusic for a party\njazz for running\n")
    seeds = write(tmp_path, "s.txt", "music for a wedding\n\n")
    corpus = build_corpus(read_table(data), "text", seed_table=read_table(seeds))
    assert corpus.seed_texts == ["music for a wedding"]
    assert not corpus.is_seed.any()


def test_seed_value_that_matches_nothing_is_a_usage_error(music_path):
    with pytest.raises(UsageProblem, match="no analysed row has 'Upload3d'"):
        build_corpus(read_table(str(music_path)), "query", seed_column="all tags", seed_value="Upload3d")


def test_sample_is_recorded_and_deterministic(music_path):
    table = read_table(str(music_path))
    a = build_corpus(table, "query", sample=50, random_seed=3)
    b = build_corpus(table, "query", sample=50, random_seed=3)
    assert a.n == 50 and np.array_equal(a.rows, b.rows)
    assert a.rows_skipped == {"not_sampled": 463} and a.sample == 50


def test_ragged_row_names_its_line(tmp_path):
    path = write(tmp_path, "r.csv", "a,b\n1,2\n3,4,5\n")
    with pytest.raises(InputError, match="line 3 has 3 fields but the header has 2"):
        read_table(path)


def test_broken_jsonl_line_is_named(tmp_path):
    path = write(tmp_path, "b.jsonl", '{"text": "ok"}\n{"text": broken}\n')
    with pytest.raises(InputError, match="line 2 is not valid JSON"):
        read_table(path)


def test_json_must_be_array_of_objects(tmp_path):
    with pytest.raises(InputError, match="array of objects"):
        read_table(write(tmp_path, "o.json", json.dumps({"text": "x"})))


def test_long_texts_are_truncated_and_noted(tmp_path):
    path = write(tmp_path, "long.csv", "text\n" + "word " * 5000 + "\nshort\n")
    corpus = build_corpus(read_table(path), "text", max_chars=100)
    assert len(corpus.texts[0]) == 100
    assert any("truncated" in n for n in corpus.notes)


def test_output_must_not_overwrite_input(tmp_path):
    data = write(tmp_path, "d.csv", "text\nx\n")
    with pytest.raises(UsageProblem, match="is an input file"):
        check_output_paths([data], [data])


def test_atomic_writes_leave_nothing_on_error(tmp_path, monkeypatch):
    target = tmp_path / "out.html"

    def boom(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr("lens_cli.io.os.replace", boom)
    with pytest.raises(RuntimeError):
        write_texts({str(target): "partial"})
    assert list(tmp_path.iterdir()) == []


def test_parquet_file_and_directory_of_partitions(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    parts = tmp_path / "dataset"
    parts.mkdir()
    pq.write_table(pa.table({"text": ["a b", "c d"], "n": [1, 2]}), parts / "part-000.parquet")
    pq.write_table(pa.table({"text": ["e f", None], "n": [3, 4]}), parts / "part-001.parquet")
    table = read_table(str(parts))
    assert table.format == "parquet" and table.columns == ["text", "n"]
    assert [r["text"] for r in table.records] == ["a b", "c d", "e f", None]
    # Only the named columns are read.
    narrow = read_table(str(parts), columns=["text"])
    assert narrow.records[0] == {"text": "a b"}
    corpus = build_corpus(narrow, "text")
    assert corpus.rows.tolist() == [0, 1, 2] and corpus.rows_skipped == {"missing": 1}
    single = read_table(str(parts / "part-001.parquet"))
    assert single.records[0] == {"text": "e f", "n": 3}


def test_directory_without_parquet_files_is_refused(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_table(str(tmp_path))
