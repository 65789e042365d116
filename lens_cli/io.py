"""Read: the input file into a :class:`~lens_cli.model.Corpus` (:func:`read`); and write outputs atomically."""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ColumnError, InputError, OutputError, UsageProblem
from .model import Corpus

if TYPE_CHECKING:
    from .config import ReadRequest

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "txt")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "txt",
}
#: Texts longer than this are truncated before parsing (and the truncation is reported).
DEFAULT_MAX_CHARS = 10_000

# csv refuses fields over 128 KiB by default; a 1 MB cell is data, not an error.
csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class Table:
    """Records as read from a file: ``records[i]`` is data record ``i`` (header excluded)."""

    path: str
    format: str
    columns: list[str]
    records: list[dict[str, Any]]
    #: What reading changed and the user should know (NUL characters removed, surrogates replaced).
    notes: tuple[str, ...] = ()


def detect_format(path: str, override: str | None = None) -> str:
    """The input format, from ``override`` or the file extension."""
    if override:
        return override
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise UsageProblem(
        f"cannot tell the format of {path!r} from its extension; use --format ({', '.join(f for f in FORMATS)})",
        param="--format",
    )


#: File signatures of formats people feed lens by mistake: (magic bytes, offset, message).
_SIGNATURES = (
    (b"\x1f\x8b", 0, "is gzip-compressed; decompress it first (gunzip)"),
    (b"PK\x03\x04", 0, "is a ZIP archive (an Excel workbook?); export the sheet as CSV"),
    (b"PAR1", 0, "looks like a Parquet file; use --format parquet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "is an old Excel/Office file; export the sheet as CSV"),
    (b"SQLite format 3\x00", 0, "is an SQLite database; export the table as CSV"),
)
_BINARY_KINDS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x7fELF", "an executable"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
)
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32", "utf-32"),
    (b"\x00\x00\xfe\xff", "UTF-32", "utf-32"),
    (b"\xff\xfe", "UTF-16", "utf-16"),
    (b"\xfe\xff", "UTF-16", "utf-16"),
)
#: Control characters that do not occur in text files (tab, newlines, form feed and escape excluded).
_CONTROL = frozenset(range(0x00, 0x09)) | frozenset((0x0B, 0x0E, 0x0F)) | frozenset(range(0x10, 0x1B))
_CONTROL |= frozenset((0x1C, 0x1D, 0x1E, 0x1F, 0x7F))
#: Above this share of control characters in the first 64 KiB, a file is binary, not text with a stray NUL.
BINARY_CONTROL_SHARE = 0.05
_SNIFF = 65536
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _binary_message(path: Path, data: bytes) -> str:
    kind = next((f" ({name})" for magic, name in _BINARY_KINDS if data.startswith(magic)), "")
    return f"{path} looks like a binary file{kind}, not text data; give a CSV, TSV, JSON Lines or JSON file"


def _control_share(chars: bytes | str) -> float:
    head = chars[:_SNIFF]
    if not head:
        return 0.0
    codes = head if isinstance(head, bytes) else (ord(c) for c in head)
    return sum(1 for c in codes if c in _CONTROL) / len(head)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of the start is NUL (ASCII text in UTF-16), else None."""
    head = data[:4096]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _read_text(path: Path, encoding: str | None) -> tuple[str, list[str]]:
    """The file's text and notes on what was changed in it.

    Decided per kind of bad bytes (README, "Bad input"): compressed files, archives and binaries are refused
    with what they look like; UTF-16/32 are named so that ``--encoding`` can be given; undecodable bytes name
    their line; a few stray NUL characters are removed (and counted), many make the file binary.
    """
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path} is empty: there is nothing to analyse")
    for magic, offset, message in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            raise InputError(f"{path} {message}")
    if encoding is None:
        for bom, name, enc in _BOMS:
            if data.startswith(bom):
                raise InputError(
                    f"{path} is {name} (it starts with a {name} byte-order mark); read it with --encoding {enc}"
                )
        utf16 = _utf16_without_bom(data)
        if utf16:
            raise InputError(f"{path} looks like UTF-16 (every other byte is NUL); read it with --encoding {utf16}")
    enc = encoding or "utf-8-sig"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        if _control_share(data) > BINARY_CONTROL_SHARE:
            raise InputError(_binary_message(path, data)) from None
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path} is not valid {enc.removesuffix('-sig').upper()} (byte 0x{data[exc.start]:02x} on line {line}); "
            "give the file's encoding with --encoding, e.g. --encoding cp1252 or --encoding latin-1"
        ) from None
    except LookupError:
        raise UsageProblem(f"unknown encoding {enc!r}", param="--encoding") from None
    if _control_share(text) > BINARY_CONTROL_SHARE:
        raise InputError(_binary_message(path, data))
    notes = []
    text = text.removeprefix("\ufeff")
    nul = text.count("\x00")
    if nul:
        # A stray NUL is noise in a text field: keep the row, drop the character, say so.
        text = text.replace("\x00", "")
        notes.append(f"removed {nul} NUL character{'s' if nul > 1 else ''} from {path.name}")
    return text, notes


def _read_delimited(path: Path, text: str, delimiter: str, notes: list[str]) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path} is empty: there is nothing to analyse") from None
    except csv.Error as exc:
        raise InputError(f"{path}: cannot parse the header: {exc}") from None
    # Spreadsheets export unnamed columns (often trailing, empty ones) with empty names; give them one.
    header = [h.strip() or f"column {k + 1}" for k, h in enumerate(header)]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{path}: duplicate column names in the header: {', '.join(repr(d) for d in dupes)}")
    records: list[dict[str, Any]] = []
    line = reader.line_num
    try:
        for fields in reader:
            if not fields:  # a blank line between records is not a record
                line = reader.line_num
                continue
            if len(fields) != len(header):
                raise InputError(
                    f"{path}: line {line + 1} has {len(fields)} fields but the header has {len(header)}; "
                    "fix the row or quote fields that contain the delimiter"
                )
            records.append(dict(zip(header, fields)))
            line = reader.line_num
    except csv.Error as exc:
        hint = " (a quoted field is never closed?)" if "unexpected end of data" in str(exc) else ""
        # ``line`` ends the last good record: the broken one starts on the next line.
        raise InputError(f"{path}: line {line + 1}: malformed {_fmt_name(delimiter)}: {exc}{hint}") from None
    return Table(str(path), "tsv" if delimiter == "\t" else "csv", header, records, tuple(notes))


def _fmt_name(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"


def _columns_of(records: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in records:
        for key in rec:
            seen.setdefault(key, None)
    return list(seen)


def _lines(text: str) -> list[str]:
    """Lines split at \\n, \\r\\n or \\r only: ``str.splitlines`` also splits at U+2028, U+0085 and form
    feeds, which JSON strings and texts may hold."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _json_type(obj: Any) -> str:
    if isinstance(obj, bool):
        return "boolean"
    if isinstance(obj, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(type(obj), type(obj).__name__)


def _clean_strings(records: list[dict[str, Any]], path: Path, notes: list[str]) -> list[dict[str, Any]]:
    """Clean the strings a JSON decoder made from escapes, as raw bytes are cleaned in :func:`_read_text`.

    An unpaired surrogate (``\\ud83d`` alone) cannot be encoded as UTF-8, so the report could not be
    written: it becomes U+FFFD. (The decoder joins escaped pairs into one character, so every surrogate
    left is unpaired.) A ``\\u0000`` is removed like a NUL byte. Both are counted in a note.
    """
    replaced = removed = 0

    def clean(value: Any) -> Any:
        nonlocal replaced, removed
        if isinstance(value, str):
            value, k = _SURROGATE.subn("\ufffd", value)
            replaced += k
            if "\x00" in value:
                removed += value.count("\x00")
                value = value.replace("\x00", "")
        return value

    out = [{clean(k): clean(v) for k, v in rec.items()} for rec in records]
    if replaced:
        notes.append(
            f"replaced {replaced} unpaired surrogate escape{'s' if replaced > 1 else ''} in {path.name} with U+FFFD"
        )
    if removed:
        notes.append(f"removed {removed} NUL character{'s' if removed > 1 else ''} from {path.name}")
    return out


def _read_jsonl(path: Path, text: str, notes: list[str]) -> Table:
    records: list[dict[str, Any]] = []
    for lineno, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            msg = exc.msg.removesuffix(" at")  # "Invalid control character at"
            raise InputError(f"{path}: line {lineno} is not valid JSON ({msg} at column {exc.colno})") from None
        except RecursionError:
            raise InputError(f"{path}: line {lineno} is nested too deeply to read") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}: line {lineno} is a JSON {_json_type(obj)}, expected an object")
        records.append(obj)
    records = _clean_strings(records, path, notes)
    return Table(str(path), "jsonl", _columns_of(records), records, tuple(notes))


def _read_json(path: Path, text: str, notes: list[str]) -> Table:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); for JSON Lines use .jsonl"
        ) from None
    except RecursionError:
        raise InputError(f"{path}: the JSON is nested too deeply to read") from None
    if isinstance(obj, dict):
        raise InputError(
            f"{path}: the file holds one JSON object; expected an array of objects "
            "(for one object per line, use JSON Lines: .jsonl)"
        )
    if not isinstance(obj, list):
        raise InputError(f"{path}: the file holds a JSON {_json_type(obj)}; expected an array of objects")
    for k, rec in enumerate(obj):
        if not isinstance(rec, dict):
            raise InputError(
                f"{path}: item {k} of the array is a JSON {_json_type(rec)}; expected an object per record"
            )
    records = _clean_strings(obj, path, notes)
    return Table(str(path), "json", _columns_of(records), records, tuple(notes))


def _read_txt(path: Path, text: str, notes: list[str]) -> Table:
    records = [{"text": line} for line in _lines(text)]
    return Table(str(path), "txt", ["text"], records, tuple(notes))


def _parquet_files(path: Path) -> list[Path]:
    """The Parquet files of a dataset: the file itself, or a directory's files in name order."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".pq"))
    if not files:
        raise InputError(f"{path} is a directory with no .parquet files; give a data file or a Parquet dataset")
    return files


def _read_parquet(path: Path, columns: Sequence[str] | None = None) -> Table:
    """Read a Parquet file or a directory of Parquet files (partitions), one file at a time.

    With ``columns`` only those columns are read, so a dataset much larger than memory whose text
    column fits can still be analysed. Records are numbered across files in file-name order.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: pip install 'lens-cli[parquet]'") from None
    records: list[dict[str, Any]] = []
    names: dict[str, None] = {}
    for file in _parquet_files(path):
        try:
            schema = pq.read_schema(file)
            wanted = [c for c in columns if c in schema.names] if columns else None
            table = pq.read_table(file, columns=wanted)
        except Exception as exc:
            raise InputError(f"{file}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
        for name in schema.names:
            names.setdefault(name, None)
        records.extend(table.to_pylist())
    return Table(str(path), "parquet", list(names), records)


def read_table(
    path: str, fmt: str | None = None, encoding: str | None = None, columns: Sequence[str] | None = None
) -> Table:
    """Read every record of ``path``.

    ``columns`` limits what is read where the format allows it (Parquet); other formats read all.

    Raises:
        InputError: The file is missing, unreadable or malformed.
        UsageProblem: The format cannot be determined or the encoding is unknown.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        if fmt in (None, "parquet") and any(p.rglob("*.parquet")):
            return _read_parquet(p, columns)
        raise InputError(f"{path} is a directory; give a data file (or a directory of .parquet files)")
    fmt = detect_format(path, fmt)
    try:
        if fmt == "parquet":
            return _read_parquet(p, columns)
        text, notes = _read_text(p, encoding)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if fmt == "csv":
        return _read_delimited(p, text, ",", notes)
    if fmt == "tsv":
        return _read_delimited(p, text, "\t", notes)
    if fmt == "jsonl":
        return _read_jsonl(p, text, notes)
    if fmt == "json":
        return _read_json(p, text, notes)
    return _read_txt(p, text, notes)


def _delimiter_hint(table: Table) -> str | None:
    """What to do when a CSV/TSV header came out as one column that holds another delimiter."""
    if table.format not in ("csv", "tsv") or len(table.columns) != 1:
        return None
    col = table.columns[0]
    head = f"the header is one column, {col!r}, that looks"
    if table.format == "csv" and "\t" in col:
        return f"{head} tab-separated; use --format tsv"
    if table.format == "tsv" and "," in col:
        return f"{head} comma-separated; use --format csv"
    for delimiter in ";|":
        if delimiter in col:
            return (
                f"{head} {delimiter!r}-separated; lens reads CSV separated by ',' and TSV by tabs: "
                "re-save the file with one of those"
            )
    return None


def _close_columns(name: str, columns: list[str]) -> list[str]:
    """Columns that differ from ``name`` in case only, else the closest spellings (case ignored)."""
    folded = {c.casefold(): c for c in columns}
    if name.casefold() in folded:
        return [folded[name.casefold()]]
    return [folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.5)]


def _column_error(table: Table, name: str, option: str) -> ColumnError:
    hint = _delimiter_hint(table)
    if hint:
        return ColumnError(f"no column {name!r} in {table.path}: {hint}", param=option)
    close = _close_columns(name, table.columns)
    suggestion = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "."
    cols = ", ".join(repr(c) for c in table.columns) or "(none)"
    return ColumnError(f"no column {name!r} in {table.path}{suggestion} Columns: {cols}", param=option)


def _as_text(value: Any) -> str | None:
    """A field as text, or None when it holds none: null, NaN (how pandas writes a missing value), or a
    JSON object or array."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return None


def _looks_like_free_text(table: Table, column: str) -> bool:
    values = [_as_text(r.get(column)) for r in table.records]
    strings = [v for v in values if v and v.strip()]
    if len(strings) < max(1, len(values) // 2):
        return False
    mean_words = sum(len(v.split()) for v in strings) / len(strings)
    unique_share = len(set(strings)) / len(strings)
    mostly_lists = sum(v.count(",") >= 2 for v in strings) > len(strings) / 2
    return mean_words >= 2.5 and unique_share >= 0.5 and not mostly_lists


def choose_text_column(table: Table, name: str | None) -> tuple[str, str | None]:
    """The column to analyse and, if chosen automatically, a note saying so."""
    if name is not None:
        if name not in table.columns:
            raise _column_error(table, name, "--text-column")
        return name, None
    hint = _delimiter_hint(table)
    if hint:
        raise ColumnError(f"{table.path}: {hint}", param="--text-column")
    if len(table.columns) == 1:
        return table.columns[0], f"analysing the only column, {table.columns[0]!r}"
    candidates = [c for c in table.columns if _looks_like_free_text(table, c)]
    if len(candidates) == 1:
        return candidates[
            0
        ], f"analysing column {candidates[0]!r} (the one column of free text; --text-column to choose)"
    cols = ", ".join(repr(c) for c in table.columns) or "(none)"
    which = "several columns look like" if candidates else "no column clearly looks like"
    raise ColumnError(f"{which} free text; choose one with --text-column. Columns: {cols}", param="--text-column")


def build_corpus(
    table: Table,
    text_column: str | None,
    *,
    seed_column: str | None = None,
    seed_value: str | None = None,
    seed_table: Table | None = None,
    sample: int | None = None,
    random_seed: int = 0,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Corpus:
    """Pick the text column, skip (and count) unusable records, mark seeds, sample if asked."""
    if not table.records:
        if table.format in ("csv", "tsv"):
            raise InputError(f"{table.path} has a header but no data records")
        raise InputError(f"{table.path} has no records")
    column, note = choose_text_column(table, text_column)
    notes = [note] if note else []
    notes += table.notes
    if (seed_column is None) != (seed_value is None):
        raise UsageProblem("--seed-column and --seed-value go together", param="--seed-value")
    if seed_value == "":
        # Every field contains the empty string: every row would silently be a seed.
        raise UsageProblem("--seed-value is empty; give the text that marks seed rows", param="--seed-value")
    if seed_column is not None and seed_column not in table.columns:
        raise _column_error(table, seed_column, "--seed-column")

    texts: list[str] = []
    rows: list[int] = []
    seeds: list[bool] = []
    skipped: dict[str, int] = {}
    truncated: list[int] = []
    for i, rec in enumerate(table.records):
        raw = rec.get(column)
        value = _as_text(raw)
        if value is None:
            reason = "not_text" if isinstance(raw, (dict, list)) else "missing"
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        if not value.strip():
            skipped["empty"] = skipped.get("empty", 0) + 1
            continue
        if len(value) > max_chars:
            value = value[:max_chars]
            truncated.append(i)
        texts.append(value)
        rows.append(i)
        if seed_column is not None:
            field_value = _as_text(rec.get(seed_column)) or ""
            seeds.append(seed_value in field_value)  # type: ignore[operator]
        else:
            seeds.append(False)
    if truncated:
        k = len(truncated)
        shown = ", ".join(str(r) for r in truncated[:10]) + (f" and {k - 10:,} more" if k > 10 else "")
        notes.append(
            f"{k:,} text{'s' if k > 1 else ''} longer than {max_chars:,} characters "
            f"{'were' if k > 1 else 'was'} truncated to that length (row{'s' if k > 1 else ''} {shown})"
        )
    if not texts:
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items()))
        raise InputError(f"{table.path}: no text to analyse in column {column!r} ({detail})")
    if seed_column is not None and not any(seeds):
        raise UsageProblem(
            f"no analysed row has {seed_value!r} in column {seed_column!r}; check --seed-value",
            param="--seed-value",
        )

    seed_texts: list[str] = []
    seed_source = f"{seed_column} contains {seed_value!r}" if seed_column else None
    if seed_table is not None:
        if seed_column is not None:
            raise UsageProblem("give seeds either with --seeds or with --seed-column/--seed-value", param="--seeds")
        seed_col = text_column if text_column in seed_table.columns else None
        seed_col, _ = choose_text_column(seed_table, seed_col)
        seed_texts = [v for v in (_as_text(r.get(seed_col)) for r in seed_table.records) if v and v.strip()]
        if not seed_texts:
            raise InputError(f"{seed_table.path}: no seed texts in column {seed_col!r}")
        notes += seed_table.notes
        if len(seed_texts) < len(seed_table.records):
            k = len(seed_table.records) - len(seed_texts)
            notes.append(f"{k:,} empty or missing seed{'s' if k > 1 else ''} in {seed_table.path} skipped")
        seed_texts = [s[:max_chars] for s in seed_texts]
        seed_source = f"{seed_table.path} ({len(seed_texts)} seeds)"

    rows_arr = np.asarray(rows, dtype=np.int64)
    seed_arr = np.asarray(seeds, dtype=bool)
    if sample is not None:
        if sample < 1:
            raise UsageProblem("--sample must be at least 1", param="--sample")
        if sample < len(texts):
            rng = np.random.default_rng(random_seed)
            keep = np.sort(rng.choice(len(texts), size=sample, replace=False))
            texts = [texts[k] for k in keep]
            rows_arr, seed_arr = rows_arr[keep], seed_arr[keep]
            skipped["not_sampled"] = len(rows) - sample
            notes.append(f"analysing a random sample of {sample:,} texts (--sample, --random-seed {random_seed})")
        else:
            sample = None
    return Corpus(
        path=table.path,
        format=table.format,
        text_column=column,
        texts=texts,
        rows=rows_arr,
        is_seed=seed_arr,
        rows_read=len(table.records),
        rows_skipped=dict(sorted(skipped.items())),
        seed_texts=seed_texts,
        seed_source=seed_source,
        sample=sample,
        notes=notes,
    )


def read(request: ReadRequest, random_seed: int = 0) -> Corpus:
    """Read the input (and the seeds file) into a Corpus: the text column, skipped rows counted by
    reason, seeds marked, the sample drawn."""
    # Formats that can (Parquet) read only the columns the analysis uses.
    columns = [c for c in (request.text_column, request.seed_column) if c] if request.text_column else None
    table = read_table(request.path, request.format, request.encoding, columns)
    seed_table = read_table(request.seeds_path, None, request.encoding) if request.seeds_path else None
    return build_corpus(
        table,
        request.text_column,
        seed_column=request.seed_column,
        seed_value=request.seed_value,
        seed_table=seed_table,
        sample=request.sample,
        random_seed=random_seed,
    )


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: the same real path, or hard links to one inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _probe_directory(out: str, parent: Path) -> None:
    """Create and remove a temporary file in ``parent``: the only test that also holds for root and
    read-only file systems, where ``os.access`` says yes and the write later fails."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lens-probe.", suffix=".tmp", dir=parent)
    except PermissionError:
        raise OutputError(f"cannot write {out}: permission denied") from None
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {(exc.strerror or str(exc)).lower()}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _is_stream(path: str) -> bool:
    """Whether ``path`` exists and is not a regular file: a pipe or device such as ``/dev/stdout``."""
    real = os.path.realpath(path)
    return os.path.exists(real) and not os.path.isfile(real) and not os.path.isdir(real)


def check_output_paths(inputs: list[str], outputs: list[str | None]) -> None:
    """Refuse, before any work, outputs that would overwrite an input or each other, or cannot be written."""
    seen: list[str] = []
    for out in outputs:
        if not out:
            continue
        if any(_same_file(out, p) for p in inputs if p and os.path.exists(p)):
            raise UsageProblem(f"output {out} is an input file; choose another path", param="-o")
        if any(_same_file(out, s) for s in seen):
            raise UsageProblem(f"{out} is given for two outputs", param="-o")
        seen.append(out)
        if _is_stream(out):
            if not os.access(os.path.realpath(out), os.W_OK):
                raise OutputError(f"cannot write {out}: permission denied")
            continue
        parent = Path(out).parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {out}: {parent} is not a directory")
        if not parent.is_dir():
            raise OutputError(f"cannot write {out}: directory {parent} does not exist")
        if Path(out).is_dir():
            raise OutputError(f"cannot write {out}: it is a directory")
        if not os.access(parent, os.W_OK):
            raise OutputError(f"cannot write {out}: directory {parent} is not writable")
        _probe_directory(out, Path(os.path.realpath(out)).parent)


def write_texts(files: dict[str, str]) -> None:
    """Write several UTF-8 files all or nothing.

    Each file goes to a temporary file beside its target and only when every one is complete are they
    renamed into place: an error or Ctrl-C before that leaves no output and no temporary file. A target
    that is a symbolic link is written through (the link stays a link). A pipe or device (``--json
    /dev/stdout``) is written directly, after the files are complete and before they are renamed: a
    rename would replace the device node itself.
    """
    temps: list[tuple[str, str]] = []
    streams: list[tuple[str, str]] = []
    try:
        for path, text in files.items():
            if _is_stream(path):
                streams.append((path, text))
                continue
            target = Path(os.path.realpath(path))
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
            temps.append((tmp, str(target)))
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                os.chmod(tmp, 0o644)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        for path, text in streams:
            try:
                with open(path, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        while temps:
            tmp, target_path = temps[0]
            try:
                os.replace(tmp, target_path)
            except OSError as exc:
                raise OutputError(f"cannot write {target_path}: {exc.strerror or exc}") from None
            temps.pop(0)
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def files_fingerprint(root: Path) -> str:
    """Names, sizes and modification times of the files under ``root`` (or of the file ``root``):
    changes when a model is replaced. Raises OSError when ``root`` cannot be read."""
    if root.is_file():
        st = root.stat()
        return hashlib.sha256(f"{root.name}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:20]
    if not root.is_dir():
        raise FileNotFoundError(str(root))
    parts = []
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            parts.append(f"{p.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
