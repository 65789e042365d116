"""What the report and the comparison page share: the Jinja environment, page data as safe JSON,
pattern chips, axis titles and number formats."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from ..model import ClusterSummary
from .charts import CLUSTER_COLOURS

#: Characters of one text kept for display.
DISPLAY_CHARS = 600

UPOS_TAGS = (
    "NOUN",
    "PROPN",
    "PRON",
    "VERB",
    "AUX",
    "ADJ",
    "ADV",
    "ADP",
    "DET",
    "NUM",
    "CCONJ",
    "SCONJ",
    "PART",
    "INTJ",
    "PUNCT",
    "SYM",
    "X",
)

AXIS_TITLES = {
    "syntax": (
        "Syntax",
        "Texts compared by their part-of-speech sequence: clusters are shared grammatical templates.",
    ),
    "dependency": (
        "Dependency",
        "Texts compared by their dependency-label sequence: shared sentence structure.",
    ),
    "template": (
        "Template",
        "Texts compared by their function-word skeleton (function words kept, each run of content words one "
        "slot _): shared templates, whatever fills the slots.",
    ),
    "lexical": ("Lexical", "Texts compared by the set of words they use: shared vocabulary."),
    "semantic": ("Semantic", "Texts compared by sentence embeddings: shared meaning."),
}


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` as unicode escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


@dataclass(frozen=True)
class Chip:
    """One pattern item: a literal word or a tag slot."""

    text: str
    kind: str  # "word" or "slot"
    tag: str  # UPOS for the colour; empty for dependency slots


def fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def value_text(x: float, kind: str = "num") -> str:
    """A figure as the pages show it: ``int`` a count with thousands separators, ``pct`` a share in percent,
    else three decimals."""
    if kind == "int":
        return f"{round(x):,}"
    return pct(x) if kind == "pct" else fmt(x)


def interval_text(interval: Sequence[float] | None, kind: str = "num", digits: int = 3) -> str:
    """A 95% interval as shown beside its value: ``"3.21–3.35"``, or ``""`` without one."""
    if interval is None or len(interval) != 2:
        return ""
    lo, hi = float(interval[0]), float(interval[1])
    if kind == "pct":
        return f"{100 * lo:.1f}–{100 * hi:.1f}%"
    if kind == "int":
        return f"{round(lo):,}–{round(hi):,}"
    return f"{lo:.{digits}f}–{hi:.{digits}f}"


def chips_of(cluster: ClusterSummary, axis: str) -> list[Chip]:
    if cluster.pattern is None:
        return []
    return [Chip(v, k, v if (k == "slot" and axis == "syntax") else "") for k, v in cluster.pattern.items]


def note_of(chips: Sequence[Chip], keywords: Sequence[str]) -> str:
    return " ".join(c.text for c in chips) or ", ".join(keywords)


def figure_json(fig: Any) -> dict[str, Any]:
    """The figure as plain data, without plotly.py's default template (7 kB a figure; the page styles charts)."""
    out = fig.to_plotly_json()
    out["layout"].pop("template", None)
    return out


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment, made once per process: each template is compiled once (~0.25 s for the
    report's), however many pages are rendered."""
    templates = resources.files("lens_cli.report").joinpath("templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: templates.joinpath(name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["num"] = fmt
    env.globals["coloured_clusters"] = len(CLUSTER_COLOURS)
    env.globals["asset"] = lambda name: Markup(templates.joinpath(name).read_text(encoding="utf-8"))
    return env
