#!/usr/bin/env python3
"""Score lens's JSON output against synth_templates.py's labels.

    python score.py labels.csv lens.json [--top 10] [--min-texts 2] [--json]

Standard library only (sklearn is used for the V-measure when importable, else an equivalent
implementation below). Exit code 0; problems in the inputs are reported as warnings, not crashes.

labels.csv (from synth_templates.py; row i = 0-based data record i):
  short:  text, source, template, near_copy_of, verbatim_copy_of[, kind]
  long:   text, source, opening, closing[, hedge]

lens.json (the assumed layout):
  {"axes": {"syntax"|"dependency"|"lexical"|"semantic"|"template": {
       "unit": "text"|"sentence", "threshold": float,
       "clusters": [{"id", "size", "texts", "rows": [row, ...], "medoid", "medoid_text",
                     "first_sentence_share", "last_sentence_share"}, ...],
       "unclustered": [row, ...]}},
   "seeds": {"rows": [...], "verbatim_copies": [row, ...], "near_copies": [row, ...]}}

What it prints
- text unit, per axis: homogeneity / completeness / V-measure over the rows that carry a template
  label (each cluster one class; unclustered rows and rows in no cluster are singletons), number of
  clusters, share of rows in clusters of >= 2 rows.
- sentence unit, per axis: coverage = share of texts (labels rows) in the rows of some cluster that
  reaches >= --min-texts texts; for each planted opening / closing / hedge of the labels: whether a
  cluster among the --top clusters with the most ``texts`` has a ``medoid_text`` showing that
  element's fixed words (regexes below), and its rank; the same among the --top clusters ordered by
  first_sentence_share x size (openings: texts whose first sentence is in the cluster) and
  last_sentence_share x size (closings).
- seeds: precision / recall of ``near_copies`` against near_copy_of and of ``verbatim_copies``
  against verbatim_copy_of; false positives by the labels' ``kind`` column. If lens lists verbatim
  copies among its near copies as well, they are taken out of near_copies first (and counted).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections import Counter

# Fixed words of the planted elements of synth_templates.py's long data (a medoid_text matches an
# element when any of its regexes is found in it). Keep in sync with planted.py.
PLANTED = {
    "O1": [r"^(Of course|Sure)!$", r"^Here are (some|a few|several) .* (for|to help with) .*:$"],
    "O2": [r"^Certainly!$", r"^(Let me explain|I would be happy to explain|I can explain) "],
    "O3": [r"^As an AI language model, I don't have personal "],
    "O4": [r"^Great question!$", r" is a (fascinating|complex|broad|popular) (topic|subject|area)\b"],
    "O5": [r"^There are (several|many|a number of) (ways|things you can do|strategies) to "],
    "O6": [r"^I'm sorry to hear that you're "],
    "C1": [r"^I hope (this|this information|you find this|these tips) (helps|help|helpful)"],
    "C2": [r"^(Let me know|Feel free to ask) if you have any "],
    "C3": [r"^(Good luck|Best of luck) with your "],
    "C4": [r"^In conclusion, "],
    "C5": [r"^Ultimately, the best "],
    "H1": [r"^It is difficult to say "],
    "H2": [r"^It's important to note that "],
    "H3": [r"^However, keep in mind that "],
}
_RX = {k: [re.compile(x) for x in v] for k, v in PLANTED.items()}

WARN: list[str] = []


def warn(msg: str) -> None:
    WARN.append(msg)


# ------------------------------------------------------------------------------------------------
# metrics
# ------------------------------------------------------------------------------------------------


def _entropy(counts) -> float:
    n = sum(counts)
    return -sum(c / n * math.log(c / n) for c in counts if c) if n else 0.0


def homogeneity_completeness_v(truth: list, pred: list) -> tuple[float, float, float]:
    """As sklearn.metrics.homogeneity_completeness_v_measure (natural log, beta = 1)."""
    try:
        from sklearn.metrics import homogeneity_completeness_v_measure

        h, c, v = homogeneity_completeness_v_measure(truth, pred)
        return float(h), float(c), float(v)
    except Exception:  # sklearn missing: same formulas
        pass
    n = len(truth)
    if n == 0:
        return 1.0, 1.0, 1.0
    joint = Counter(zip(truth, pred))
    ct, cp = Counter(truth), Counter(pred)
    h_c, h_k = _entropy(ct.values()), _entropy(cp.values())
    h_c_given_k = -sum(v / n * math.log(v / cp[k]) for (c, k), v in joint.items())
    h_k_given_c = -sum(v / n * math.log(v / ct[c]) for (c, k), v in joint.items())
    h = 1.0 if h_c == 0 else 1 - h_c_given_k / h_c
    c = 1.0 if h_k == 0 else 1 - h_k_given_c / h_k
    v = 0.0 if h + c == 0 else 2 * h * c / (h + c)
    return h, c, v


def prf(pred: set, gold: set) -> tuple[float, float]:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else None  # nothing predicted: precision undefined
    r = tp / len(gold) if gold else 1.0
    return p, r


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------


def read_labels(path: str) -> list[dict]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def as_rows(values, n: int, where: str) -> list[int]:
    out = []
    for v in values or []:
        try:
            r = int(v)
        except (TypeError, ValueError):
            warn(f"{where}: not a row number: {v!r}")
            continue
        if not 0 <= r < n:
            warn(f"{where}: row {r} outside the labels' 0..{n - 1}")
            continue
        out.append(r)
    return out


# ------------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------------


def score_text_axis(name: str, ax: dict, labels: list[dict]) -> dict:
    n = len(labels)
    pred: dict[int, object] = {}
    sizes = []
    for k, cl in enumerate(ax.get("clusters") or []):
        cid = cl.get("id", k)
        rows = as_rows(cl.get("rows"), n, f"{name} cluster {cid}")
        sizes.append(len(rows))
        for r in rows:
            if r in pred:
                warn(f"{name}: row {r} in more than one cluster (text unit); first kept")
                continue
            pred[r] = ("c", cid)
    unclustered = set(as_rows(ax.get("unclustered"), n, f"{name} unclustered"))
    missing = [r for r in range(n) if r not in pred and r not in unclustered]
    if missing:
        warn(
            f"{name}: {len(missing)} rows neither in a cluster nor unclustered (skipped/empty?) — counted as singletons"
        )
    for r in range(n):
        pred.setdefault(r, ("s", r))
    res = {
        "unit": "text",
        "threshold": ax.get("threshold"),
        "clusters": len(sizes),
        "rows_in_clusters_of_2plus": sum(s for s in sizes if s >= 2) / n if n else 0.0,
    }
    if labels and "template" in labels[0]:
        idx = [r for r in range(n) if labels[r].get("template")]
        h, c, v = homogeneity_completeness_v([labels[r]["template"] for r in idx], [pred[r] for r in idx])
        res.update(template_rows=len(idx), homogeneity=h, completeness=c, v_measure=v)
    return res


def planted_in(labels: list[dict]) -> list[str]:
    els = set()
    for r in labels:
        for col in ("opening", "closing", "hedge"):
            if r.get(col):
                els.add(r[col])
    return sorted(els)


def matches(text: str | None) -> set[str]:
    if not text:
        return set()
    t = " ".join(str(text).split())
    return {k for k, rxs in _RX.items() if any(rx.search(t) for rx in rxs)}


def score_sentence_axis(name: str, ax: dict, labels: list[dict], top: int, min_texts: int) -> dict:
    n = len(labels)
    clusters = []
    for k, cl in enumerate(ax.get("clusters") or []):
        rows = sorted(set(as_rows(cl.get("rows"), n, f"{name} cluster {cl.get('id', k)}")))
        texts = cl.get("texts", len(rows))
        size = cl.get("size", len(rows))
        clusters.append(
            dict(
                id=cl.get("id", k),
                rows=rows,
                texts=texts,
                size=size,
                medoid_text=cl.get("medoid_text"),
                first=(cl.get("first_sentence_share") or 0.0) * size,
                last=(cl.get("last_sentence_share") or 0.0) * size,
            )
        )
        if cl.get("medoid_text") is None:
            warn(f"{name}: cluster {cl.get('id', k)} has no medoid_text; cannot match planted elements")
    covered = set()
    for c in clusters:
        if c["texts"] >= min_texts and c["size"] >= 2:
            covered.update(c["rows"])
    res = {
        "unit": "sentence",
        "threshold": ax.get("threshold"),
        "clusters": len(clusters),
        "coverage": len(covered) / n if n else 0.0,
    }
    elements = planted_in(labels)
    if not elements:
        return res

    def ranks(order):
        out = {}
        for rank, c in enumerate(order, 1):
            for e in matches(c["medoid_text"]):
                out.setdefault(e, rank)
        return out

    by_texts = ranks(sorted(clusters, key=lambda c: (-c["texts"], -c["size"], str(c["id"]))))
    by_first = ranks(sorted(clusters, key=lambda c: (-c["first"], -c["size"], str(c["id"]))))
    by_last = ranks(sorted(clusters, key=lambda c: (-c["last"], -c["size"], str(c["id"]))))
    res["elements"] = {
        e: {
            "rank_by_texts": by_texts.get(e),
            "in_top_by_texts": (by_texts.get(e) or 10**9) <= top,
            "rank_by_first": by_first.get(e) if e[0] == "O" else None,
            "rank_by_last": by_last.get(e) if e[0] == "C" else None,
        }
        for e in elements
    }
    for kind, ch in (("openings", "O"), ("closings", "C"), ("hedges", "H")):
        es = [e for e in elements if e[0] == ch]
        if es:
            res[f"{kind}_in_top_by_texts"] = f"{sum(res['elements'][e]['in_top_by_texts'] for e in es)}/{len(es)}"
    os_ = [e for e in elements if e[0] == "O"]
    cs = [e for e in elements if e[0] == "C"]
    if os_:
        res["openings_in_top_by_first_sentence"] = f"{sum((by_first.get(e) or 10**9) <= top for e in os_)}/{len(os_)}"
    if cs:
        res["closings_in_top_by_last_sentence"] = f"{sum((by_last.get(e) or 10**9) <= top for e in cs)}/{len(cs)}"
    return res


def score_seeds(seeds: dict, labels: list[dict]) -> dict:
    n = len(labels)
    if not labels or "near_copy_of" not in labels[0]:
        return {}
    gold_near = {r for r in range(n) if labels[r].get("near_copy_of")}
    gold_verb = {r for r in range(n) if labels[r].get("verbatim_copy_of")}
    near = set(as_rows(seeds.get("near_copies"), n, "seeds.near_copies"))
    verb = set(as_rows(seeds.get("verbatim_copies"), n, "seeds.verbatim_copies"))
    overlap = near & verb
    near_only = near - verb
    p, r = prf(near_only, gold_near)
    vp, vr = prf(verb, gold_verb)
    kinds = Counter(
        labels[i].get("kind") or ("template" if labels[i].get("template") else "free") for i in near_only - gold_near
    )
    missed = Counter(labels[i].get("kind") or "?" for i in gold_near - near_only)
    seed_rows = set(as_rows(seeds.get("rows"), n, "seeds.rows"))
    gold_seeds = {i for i in range(n) if labels[i].get("source") == "seed"}
    if seed_rows and seed_rows != gold_seeds:
        warn(f"seeds.rows differ from the labels' seed rows ({len(seed_rows)} vs {len(gold_seeds)})")
    return {
        "near_copies": len(near_only),
        "near_also_verbatim": len(overlap),
        "near_precision": p,
        "near_recall": r,
        "near_false_positives_by_kind": dict(kinds),
        "near_missed_by_kind": dict(missed),
        "verbatim_copies": len(verb),
        "verbatim_precision": vp,
        "verbatim_recall": vr,
    }


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labels")
    ap.add_argument("lens_json")
    ap.add_argument("--top", type=int, default=10, help="how many clusters count as 'top' (default 10)")
    ap.add_argument("--min-texts", type=int, default=2, help="coverage counts clusters reaching >= this many texts")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args(argv)
    labels = read_labels(a.labels)
    with open(a.lens_json, encoding="utf-8") as f:
        data = json.load(f)
    out = {"labels": a.labels, "rows": len(labels), "axes": {}}
    for name, ax in sorted((data.get("axes") or {}).items()):
        if not isinstance(ax, dict) or "clusters" not in ax:
            warn(f"axis {name}: no clusters")
            continue
        unit = ax.get("unit", "text")
        if unit == "sentence":
            out["axes"][name] = score_sentence_axis(name, ax, labels, a.top, a.min_texts)
        else:
            out["axes"][name] = score_text_axis(name, ax, labels)
    if isinstance(data.get("seeds"), dict):
        out["seeds"] = score_seeds(data["seeds"], labels)
    out["warnings"] = WARN
    if a.json:
        print(json.dumps(out, indent=2, sort_keys=True))
        return 0
    print(f"labels: {a.labels} ({len(labels)} rows)")
    for name, r in out["axes"].items():
        th = r.get("threshold")
        head = f"{name:10s} [{r['unit']} unit" + (f", threshold {th}" if th is not None else "") + "]"
        if r["unit"] == "text":
            line = f"{head}: {r['clusters']} clusters, {r['rows_in_clusters_of_2plus']:.3f} of rows in clusters of >= 2"
            if "v_measure" in r:
                line += (
                    f"; over {r['template_rows']} template rows: homogeneity {r['homogeneity']:.3f}, "
                    f"completeness {r['completeness']:.3f}, V-measure {r['v_measure']:.3f}"
                )
            print(line)
        else:
            print(f"{head}: {r['clusters']} clusters, coverage {r['coverage']:.3f}")
            for key in (
                "openings_in_top_by_texts",
                "closings_in_top_by_texts",
                "hedges_in_top_by_texts",
                "openings_in_top_by_first_sentence",
                "closings_in_top_by_last_sentence",
            ):
                if key in r:
                    print(f"    {key.replace('_', ' ')} (top {a.top}): {r[key]}")
            if "elements" in r:
                cells = []
                for e, d in r["elements"].items():
                    extra = d["rank_by_first"] if e[0] == "O" else d["rank_by_last"] if e[0] == "C" else None
                    cells.append(f"{e}#{d['rank_by_texts'] or '-'}" + (f"/{extra}" if extra else ""))
                print("    rank by texts[/by first or last sentence]: " + ", ".join(cells))
    if out.get("seeds"):
        s = out["seeds"]
        print(
            f"seeds: near copies {s['near_copies']} (+{s['near_also_verbatim']} also verbatim, taken out): "
            f"precision {_f(s['near_precision'])}, recall {_f(s['near_recall'])}; "
            f"false positives {s['near_false_positives_by_kind'] or '-'}; missed {s['near_missed_by_kind'] or '-'}"
        )
        print(
            f"       verbatim copies {s['verbatim_copies']}: precision {_f(s['verbatim_precision'])}, "
            f"recall {_f(s['verbatim_recall'])}"
        )
    for w in WARN[:50]:
        print(f"warning: {w}", file=sys.stderr)
    if len(WARN) > 50:
        print(f"warning: ... and {len(WARN) - 50} more", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
