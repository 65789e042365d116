"""Findings: the few things a person should look at first, each with a number and a link into the page.

Each candidate below is computed from the finished analysis; the ones that say something (a share worth a look)
are kept, most telling first, at most :data:`MAX_FINDINGS`. A finding's ``href`` is an anchor on the page: an
axis (``#axis-template``), a cluster (``#syntax-c3``), a seed (``#seed-4``) or a section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Analysis, Clustering
from .common import AXIS_TITLES, pct

MAX_FINDINGS = 7
#: Clusters counted as "the top templates".
TOP_TEMPLATES = 5
#: Overused words named in a finding.
OVERUSED_NAMED = 5


@dataclass(frozen=True)
class Finding:
    """One thing to look at.

    Attributes:
        number: The figure it rests on, as shown ("42%", "78").
        text: What it says, after the number.
        href: Where the page shows it.
        link: The link's words.
        weight: How much it matters, for the order (a share, roughly).
        tone: ``""``, ``"warn"`` or ``"bad"``.
    """

    number: str
    text: str
    href: str
    link: str
    weight: float
    tone: str = ""


def _texts_of(clustering: Clustering, ids: Sequence[int]) -> int:
    """Texts in the clusters ``ids`` (in sentence unit a text counts once however many of its sentences are in)."""
    clusters = [c for c in clustering.clusters if c.id in set(ids)]
    if clustering.owner is None:
        return sum(c.size for c in clusters)
    if not clusters:
        return 0
    return len(np.unique(np.concatenate([clustering.owner[c.members] for c in clusters])))


def _tone(share: float, warn: float, bad: float) -> str:
    return "bad" if share >= bad else "warn" if share >= warn else ""


def template_finding(analysis: Analysis) -> Finding | None:
    """How much of the data the few largest template (or syntax) clusters hold."""
    axis = next((a for a in ("template", "syntax") if a in analysis.axes), None)
    if axis is None:
        return None
    clustering = analysis.clusterings[axis]
    top = [c.id for c in clustering.clusters[:TOP_TEMPLATES]]
    if not top:
        return None
    n = analysis.corpus.n
    share = _texts_of(clustering, top) / n if n else 0.0
    k = len(top)
    what = f"the {k} largest {axis} clusters" if k > 1 else f"the largest {axis} cluster"
    where = "have a sentence in" if clustering.unit == "sentence" else "are in"
    shapes = "templates" if k > 1 else "template"
    return Finding(
        pct(share),
        f"of texts {where} {what}: {k} {shapes} cover them.",
        f"#axis-{axis}",
        f"{AXIS_TITLES[axis][0]} clusters",
        share,
        _tone(share, 0.3, 0.6),
    )


def seed_findings(analysis: Analysis, seed_labels: Sequence[str]) -> list[Finding]:
    """The most copied seed, and verbatim and near copies of seeds."""
    seeds = analysis.seeds
    if seeds is None:
        return []
    out = []
    axis = next((a for a in ("template", "syntax", "lexical", "semantic") if a in analysis.axes), None)
    copying = analysis.axes[axis].stats.seeds if axis else None
    generated = seeds.generated
    if copying is not None and copying.children and max(copying.children) > 0:
        s = int(np.argmax(copying.children))
        count = copying.children[s]
        share = count / generated if generated else 0.0
        out.append(
            Finding(
                f"{count:,}",
                f"generated texts follow {seed_labels[s]} on the {axis} axis ({pct(share)} of generated texts).",
                f"#seed-{s}",
                "seed copying",
                share + 0.05,
                _tone(share, 0.1, 0.25),
            )
        )
    if seeds.verbatim_copies:
        k = len(seeds.verbatim_copies)
        share = k / generated if generated else 0.0
        out.append(
            Finding(f"{k:,}", "generated texts repeat a seed verbatim.", "#seeds", "seed copying", share + 0.1, "bad")
        )
    return out


def duplicate_findings(analysis: Analysis) -> list[Finding]:
    """Repeated texts, and near-duplicate pairs by wording."""
    out = []
    stats = analysis.dataset
    if stats.duplicate_rate > 0:
        k = stats.rows_analysed - stats.unique_texts
        out.append(
            Finding(
                pct(stats.duplicate_rate),
                f"of rows ({k:,}) repeat an earlier text after folding case and spaces.",
                "#card-unique-texts",
                "unique texts",
                stats.duplicate_rate,
                _tone(stats.duplicate_rate, 0.02, 0.1),
            )
        )
    for axis in ("lexical", "semantic"):
        if axis not in analysis.axes:
            continue
        summary = analysis.axes[axis].stats.summary
        if summary.near_duplicate_pairs:
            pairs = summary.near_duplicate_pairs
            where = " in a sample of texts" if summary.near_duplicates_estimated else ""
            meaning = "wording" if axis == "lexical" else "meaning"
            out.append(
                Finding(
                    f"{pairs:,}",
                    f"near-duplicate pairs by {meaning}{where} (distance ≤ 0.05).",
                    f"#near-{axis}",
                    "near-duplicates",
                    min(0.3, pairs / max(1, analysis.corpus.n)),
                    "warn",
                )
            )
            break
    return out


def overused_finding(analysis: Analysis) -> Finding | None:
    """The words used most often compared with general English (ranked by lift, :mod:`lens_cli.english`)."""
    overused = analysis.tops.overused
    if not overused:
        return None
    names = ", ".join(f"{o.word} (×{o.lift:,.0f})" for o in overused[:OVERUSED_NAMED])
    return Finding(
        f"{len(overused):,}",
        f"overused words, by how many times more often than in general English: {names}.",
        "#overused",
        "overused words",
        0.2,
    )


def opening_findings(analysis: Analysis) -> list[Finding]:
    """In sentence unit, the sentence template that opens (or closes) the most texts."""
    out = []
    n = analysis.corpus.n
    for axis in ("template", "syntax"):
        clustering = analysis.clusterings.get(axis)
        if clustering is None or clustering.unit != "sentence":
            continue
        for ends, verb in ((clustering.openings, "open"), (clustering.closings, "close")):
            if not ends:
                continue
            cid, texts = ends[0]
            share = texts / n if n else 0.0
            out.append(
                Finding(
                    pct(share),
                    f"of texts {verb} with a sentence of {axis} cluster #{cid}.",
                    f"#{axis}-{'openings' if verb == 'open' else 'closings'}",
                    f"{verb}ings",
                    share,
                    _tone(share, 0.2, 0.4),
                )
            )
        break
    return out


def meaning_finding(analysis: Analysis) -> Finding | None:
    """The largest cluster of texts meaning (almost) the same."""
    clustering = analysis.clusterings.get("semantic")
    if clustering is None or not clustering.clusters:
        return None
    c = clustering.clusters[0]
    n = analysis.corpus.n
    share = c.n_texts / n if n else 0.0
    words = ", ".join(c.keywords[:3])
    about = f" ({words})" if words else ""
    return Finding(
        pct(share),
        f"of texts mean almost the same: the largest semantic cluster{about}.",
        "#semantic-c1",
        "semantic cluster #1",
        share * 0.8,
        _tone(share, 0.1, 0.3),
    )


def sparse_findings(analysis: Analysis) -> list[Finding]:
    """Axes where the cut leaves almost every text unclustered: a hint to move the slider."""
    out = []
    for axis, clustering in analysis.clusterings.items():
        share = clustering.clustered_share
        if clustering.n_texts >= 20 and share < 0.05:
            out.append(
                Finding(
                    pct(share),
                    f"of texts are in a {axis} cluster at cut {_cut(clustering)}: "
                    "drag the axis's slider up to see coarser groups.",
                    f"#cut-{axis}",
                    f"{axis} slider",
                    0.05,
                )
            )
    return out[:2]


def _cut(clustering: Clustering) -> str:
    if clustering.threshold is not None:
        return f"{clustering.threshold:g}"
    return f"{clustering.n_clusters} clusters"


def findings(analysis: Analysis, seed_labels: Sequence[str]) -> list[Finding]:
    """The findings worth showing, most telling first."""
    candidates: list[Finding | None] = [
        *seed_findings(analysis, seed_labels),
        template_finding(analysis),
        *duplicate_findings(analysis),
        overused_finding(analysis),
        *opening_findings(analysis),
        meaning_finding(analysis),
        *sparse_findings(analysis),
    ]
    kept = [f for f in candidates if f is not None]
    kept.sort(key=lambda f: -f.weight)  # stable: equal weights keep the order above
    return kept[:MAX_FINDINGS]
