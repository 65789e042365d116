"""The machine-readable analysis (``--json``): a stable, documented layout with a schema version.

Every ``row`` is the 0-based position of a record among the input's data records (header
excluded). Floats are rounded to 6 decimals so that files diff cleanly and stay byte-identical.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from . import __version__
from .model import Analysis, AxisResult, Corpus, Tops

SCHEMA_VERSION = 2

DISTANCE_NAMES = {
    "syntax": "normalized Levenshtein on UPOS sequences",
    "dependency": "normalized Levenshtein on dependency-label sequences",
    "template": "normalized Levenshtein on function-word skeletons",
    "lexical": "1 - Dice on sets of lower-cased word tokens",
    "semantic": "(1 - cos) / 2 on L2-normalised sentence embeddings",
}


def _r(x: float | np.floating) -> float:
    return round(float(x), 6)


def json_ready(obj: Any, rounded: bool = True) -> Any:
    """Numpy scalars to Python, tuples to lists, floats rounded (unless not ``rounded``: then exact)."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v, rounded) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if all(type(v) is int for v in obj):  # per-row labels and indices: nothing to convert
            return list(obj)
        return [json_ready(v, rounded) for v in obj]
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "iub":
        return obj.tolist()  # Python ints and bools, nested as the array is
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _r(obj) if rounded else float(obj)
    if isinstance(obj, np.ndarray):
        return json_ready(obj.tolist(), rounded)
    return obj


def _axis(analysis: Analysis, axis: str, result: AxisResult) -> dict[str, Any]:
    rows = analysis.corpus.rows
    n = analysis.corpus.n
    clustering, st = result.clustering, result.stats
    summary = st.summary
    by_sentence = clustering.unit == "sentence"
    texts = clustering.item_texts if clustering.item_texts is not None else analysis.corpus.texts

    def row(item: int) -> int:
        """The input row of the text an item (a text, or a sentence) belongs to."""
        return int(rows[clustering.text_of(int(item))])

    out: dict[str, Any] = {
        "distance": DISTANCE_NAMES[axis],
        "unit": clustering.unit,
        "mode": clustering.mode,
        "landmarks": clustering.n_landmarks,
        "linkage": clustering.linkage_method,
        "threshold": clustering.threshold,
        "n_clusters": len(clustering.clusters),
        "clustered_share": clustering.clustered_share,
        "homogenization": summary.homogenization,
        "homogenization_estimated": summary.homogenization_estimated,
        "vendi_score": st.vendi.score,
        "vendi_sample": st.vendi.sample,
        "vendi_estimated": st.vendi.method or False,
        "vendi_interval": list(st.vendi.interval) if st.vendi.interval else None,
        "near_duplicate_pairs": summary.near_duplicate_pairs,
        "near_duplicates": [[row(i), row(j), d] for i, j, d in summary.near_duplicate_examples],
        "near_duplicates_estimated": summary.near_duplicates_estimated,
    }
    out["intervals"] = dict(st.intervals)
    if st.seeds is not None:
        out["seed_copy_rate"] = st.seeds.seed_copy_rate
    clusters = []
    for c in clustering.clusters:
        cluster: dict[str, Any] = {
            "id": c.id,
            "size": c.size,
            "texts": c.n_texts,
            "share": c.n_texts / n,
            "rows": [int(rows[t]) for t in c.texts] if c.texts is not None else [int(rows[i]) for i in c.members],
            "medoid": row(c.medoid),
            "medoid_text": texts[c.medoid],
            "pattern": c.pattern.text if c.pattern else None,
            "pattern_items": [list(it) for it in c.pattern.items] if c.pattern else None,
            "pattern_support": c.pattern.support if c.pattern else None,
            "keywords": c.keywords,
            "mean_distance": c.mean_distance,
            "mean_distance_estimated": c.estimated,
            "seed_rows": sorted({row(i) for i in c.seeds}) if by_sentence else [row(i) for i in c.seeds],
        }
        if by_sentence:
            cluster["first_sentence_share"] = c.first_share
            cluster["last_sentence_share"] = c.last_share
        clusters.append(cluster)
    out["clusters"] = clusters
    if by_sentence:
        assert clustering.unclustered_texts is not None
        out["sentences"] = len(clustering.labels)
        out["openings"] = [{"cluster": cid, "texts": k} for cid, k in clustering.openings]
        out["closings"] = [{"cluster": cid, "texts": k} for cid, k in clustering.closings]
        out["unclustered"] = [int(rows[t]) for t in clustering.unclustered_texts]
    else:
        out["unclustered"] = [int(rows[i]) for i in clustering.unclustered]
    return out


def _seeds(analysis: Analysis) -> dict[str, Any] | None:
    seeds = analysis.seeds
    if seeds is None:
        return None
    rows = analysis.corpus.rows
    from_file = seeds.seed_indices is None
    # Seeds from a file are named by their position in that file; in-data seeds by their row.
    seed_ids = (
        list(range(len(seeds.seed_texts))) if seeds.seed_indices is None else [int(rows[i]) for i in seeds.seed_indices]
    )
    children: dict[str, dict[str, int]] = {}
    nearest: dict[str, list[list[Any]]] = {}
    for axis, result in analysis.axes.items():
        copying = result.stats.seeds
        if copying is None:
            continue
        children[axis] = {str(seed_ids[s]): c for s, c in enumerate(copying.children)}
        nearest[axis] = [[int(rows[g]), seed_ids[s], d] for g, s, d in copying.nearest]
    out: dict[str, Any] = {
        "source": seeds.source,
        "from_file": from_file,
        "rows": None if from_file else seed_ids,
        "texts": seeds.seed_texts,
        "generated": seeds.generated,
        "verbatim_copies": [int(rows[i]) for i in seeds.verbatim_copies],
        "verbatim_copy_rate": len(seeds.verbatim_copies) / seeds.generated if seeds.generated else 0.0,
        "near_copies": [int(rows[i]) for i in seeds.near_copies],
        "near_copy_rate": len(seeds.near_copies) / seeds.generated if seeds.generated else 0.0,
        "copies": [int(rows[i]) for i in seeds.copies],
        "children": children,
        "nearest": nearest,
    }
    return out


def input_dict(corpus: Corpus) -> dict[str, Any]:
    """The JSON ``input`` section: what was read and what was skipped, by reason."""
    return {
        "path": corpus.path,
        "format": corpus.format,
        "text_column": corpus.text_column,
        "rows_read": corpus.rows_read,
        "rows_analysed": corpus.n,
        "rows_skipped": dict(corpus.rows_skipped),
        "sample": corpus.sample,
        "notes": list(corpus.notes),
    }


def _top(tops: Tops) -> dict[str, Any]:
    return {
        "counted_by": "texts",
        "words": tops.words,
        "overused_words": [
            {"word": o.word, "texts": o.texts, "per_million": o.rate, "english_per_million": o.english, "lift": o.lift}
            for o in tops.overused
        ],
        "ngrams": {str(k): v for k, v in tops.ngrams.items()},
        "templates": tops.templates,
        "templates_tags": tops.template_tags,
        "templates_n": tops.template_n,
    }


def to_dict(analysis: Analysis, include_timings: bool = False) -> dict[str, Any]:
    """The JSON document for an analysis."""
    corpus = analysis.corpus
    info = analysis.parsed.parser
    options = dict(analysis.options)
    options.update(
        {
            "parser": info.backend,
            "parser_model": info.model,
            "parser_version": info.version,
            "embedder_model": analysis.embedder,
        }
    )
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "lens_version": __version__,
        "input": input_dict(corpus),
        "options": options,
        "stats": analysis.dataset.as_dict(),
        "stats_intervals": analysis.intervals,
        "axes": {axis: _axis(analysis, axis, r) for axis, r in analysis.axes.items()},
        "top": _top(analysis.tops),
    }
    seeds = _seeds(analysis)
    if seeds is not None:
        doc["seeds"] = seeds
    if include_timings:
        doc["timings"] = analysis.timings
    return json_ready(doc)


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
