"""Read the input file into a :class:`~lens_cli.model.Corpus`, and write outputs atomically."""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ColumnError, InputError, OutputError, UsageProblem
from .model import Corpus

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


def _read_text(path: Path, encoding: str | None) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path} is empty: there is nothing to analyse")
    if data[:4] in (b"PK\x03\x04", b"\x1f\x8b\x08\x00") or data.count(b"\x00") > max(16, len(data) // 100):
        raise InputError(f"{path} looks like a binary file, not text data; give a CSV, TSV, JSONL or JSON file")
    enc = encoding or "utf-8-sig"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not valid {enc.removesuffix('-sig').upper()} (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); try --encoding latin-1 or the file's real encoding"
        ) from None
    except LookupError:
        raise UsageProblem(f"unknown encoding {enc!r}", param="--encoding") from None
    if encoding and encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        text = text.removeprefix("\ufeff")
    if "\x00" in text:
        # A stray NUL is noise in a text field; keep the row, drop the byte.
        text = text.replace("\x00", "")
    return text


def _read_delimited(path: Path, text: str, delimiter: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path} is empty: there is nothing to analyse") from None
    except csv.Error as exc:
        raise InputError(f"{path}: cannot parse the header: {exc}") from None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{path}: duplicate column names in the header: {', '.join(dupes)}")
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
        raise InputError(f"{path}: line {reader.line_num}: malformed {_fmt_name(delimiter)}: {exc}") from None
    return Table(str(path), "tsv" if delimiter == "\t" else "csv", header, records)


def _fmt_name(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"


def _columns_of(records: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in records:
        for key in rec:
            seen.setdefault(key, None)
    return list(seen)


def _read_jsonl(path: Path, text: str) -> Table:
    records: list[dict[str, Any]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {lineno} is not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}: line {lineno} is a JSON {type(obj).__name__}, expected an object")
        records.append(obj)
    return Table(str(path), "jsonl", _columns_of(records), records)


def _read_json(path: Path, text: str) -> Table:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); for JSON Lines use .jsonl"
        ) from None
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise InputError(f"{path}: expected a JSON array of objects (one object per record)")
    return Table(str(path), "json", _columns_of(obj), obj)


def _read_txt(path: Path, text: str) -> Table:
    records = [{"text": line} for line in text.splitlines()]
    return Table(str(path), "txt", ["text"], records)


def _read_parquet(path: Path) -> Table:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: pip install 'lens-cli[parquet]'") from None
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read as Parquet: {exc}") from None
    records = table.to_pylist()
    return Table(str(path), "parquet", list(table.column_names), records)


def read_table(path: str, fmt: str | None = None, encoding: str | None = None) -> Table:
    """Read every record of ``path``.

    Raises:
        InputError: The file is missing, unreadable or malformed.
        UsageProblem: The format cannot be determined or the encoding is unknown.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path} is a directory; give a data file")
    fmt = detect_format(path, fmt)
    try:
        if fmt == "parquet":
            return _read_parquet(p)
        text = _read_text(p, encoding)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if fmt == "csv":
        return _read_delimited(p, text, ",")
    if fmt == "tsv":
        return _read_delimited(p, text, "\t")
    if fmt == "jsonl":
        return _read_jsonl(p, text)
    if fmt == "json":
        return _read_json(p, text)
    return _read_txt(p, text)


def _column_error(table: Table, name: str, option: str) -> ColumnError:
    close = difflib.get_close_matches(name, table.columns, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    cols = ", ".join(repr(c) for c in table.columns) or "(none)"
    extra = ""
    if len(table.columns) == 1 and ("\t" in table.columns[0] or ";" in table.columns[0]):
        extra = " (the header has one column: is the delimiter wrong? try --format tsv)"
    return ColumnError(f"no column {name!r} in {table.path}{hint} Columns: {cols}{extra}", param=option)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
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
        raise InputError(f"{table.path} has a header but no data records")
    column, note = choose_text_column(table, text_column)
    notes = [note] if note else []
    if (seed_column is None) != (seed_value is None):
        raise UsageProblem("--seed-column and --seed-value go together", param="--seed-value")
    if seed_column is not None and seed_column not in table.columns:
        raise _column_error(table, seed_column, "--seed-column")

    texts: list[str] = []
    rows: list[int] = []
    seeds: list[bool] = []
    skipped: dict[str, int] = {}
    truncated = 0
    for i, rec in enumerate(table.records):
        raw = rec.get(column)
        value = _as_text(raw)
        if value is None:
            reason = "missing" if raw is None else "not_text"
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        if not value.strip():
            skipped["empty"] = skipped.get("empty", 0) + 1
            continue
        if len(value) > max_chars:
            value = value[:max_chars]
            truncated += 1
        texts.append(value)
        rows.append(i)
        if seed_column is not None:
            field_value = _as_text(rec.get(seed_column)) or ""
            seeds.append(seed_value in field_value)  # type: ignore[operator]
        else:
            seeds.append(False)
    if truncated:
        notes.append(f"{truncated} text(s) longer than {max_chars:,} characters were truncated to that length")
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


def check_output_paths(inputs: list[str], outputs: list[str | None]) -> None:
    """Refuse outputs that would overwrite an input or each other."""
    real_inputs = {os.path.realpath(p) for p in inputs if p}
    seen: set[str] = set()
    for out in outputs:
        if not out:
            continue
        real = os.path.realpath(out)
        if real in real_inputs:
            raise UsageProblem(f"output {out} is an input file; choose another path", param="-o")
        if real in seen:
            raise UsageProblem(f"{out} is given for two outputs", param="-o")
        seen.add(real)
        parent = Path(real).parent
        if not parent.is_dir():
            raise OutputError(f"cannot write {out}: directory {parent} does not exist")
        if Path(real).is_dir():
            raise OutputError(f"cannot write {out}: it is a directory")
        if not os.access(parent, os.W_OK):
            raise OutputError(f"cannot write {out}: directory {parent} is not writable")


@contextlib.contextmanager
def atomic_writer(path: str, mode: str = "w") -> Iterator[Any]:
    """Write to a temporary file beside ``path`` and rename it into place on success only."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str, text: str) -> None:
    """Atomically write ``text`` to ``path`` as UTF-8."""
    try:
        with atomic_writer(path) as fh:
            fh.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
