"""CI gates (``--fail-if "compression_ratio>3.0"``) and the Markdown summary for CI job pages.

A gate names a number in the JSON output: a dataset statistic by its name
(``compression_ratio``, ``compression_ratio_pos.xpos``, ``distinct_n.2``), a per-axis figure as
``AXIS.NAME`` (``syntax.seed_copy_rate``), or a seed figure as ``seeds.NAME``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import UsageProblem
from .model import AXES

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_EXPR = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")

DATASET_NAMES = (
    "rows_read",
    "rows_analysed",
    "rows_skipped",
    "empty_skipped",
    "unique_texts",
    "duplicate_rate",
    "tokens_per_text.mean",
    "tokens_per_text.median",
    "tokens_per_text.p10",
    "tokens_per_text.p90",
    "vocabulary_size",
    "distinct_n.1",
    "distinct_n.2",
    "distinct_n.3",
    "distinct_n.4",
    "ngram_diversity",
    "compression_ratio",
    "compression_ratio_pos.xpos",
    "compression_ratio_pos.upos",
    "self_repetition",
    "template_rate",
    "templates_per_token",
)
AXIS_NAMES = (
    "homogenization",
    "vendi_score",
    "n_clusters",
    "clustered_share",
    "near_duplicate_pairs",
    "seed_copy_rate",
)
SEED_NAMES = ("verbatim_copy_rate", "near_copy_rate")


def valid_names() -> list[str]:
    """Every name a gate may use."""
    names = list(DATASET_NAMES)
    names += [f"{a}.{m}" for a in AXES for m in AXIS_NAMES]
    names += [f"seeds.{m}" for m in SEED_NAMES]
    return names


@dataclass(frozen=True)
class Gate:
    """One ``NAME OP NUMBER`` condition; the run fails when it holds."""

    expr: str
    name: str
    op: str
    value: float

    def lookup(self, doc: dict[str, Any]) -> float:
        head, _, rest = self.name.partition(".")
        if head in AXES:
            node: Any = doc["axes"].get(head)
            if node is None:
                raise UsageProblem(f"--fail-if {self.expr!r}: axis {head!r} was not analysed", param="--fail-if")
            path = [rest]
        elif head == "seeds":
            node = doc.get("seeds")
            if node is None:
                raise UsageProblem(
                    f"--fail-if {self.expr!r} needs seeds (--seed-column/--seed-value or --seeds)",
                    param="--fail-if",
                )
            path = [rest]
        else:
            node = doc["stats"]
            path = self.name.split(".")
        for key in path:
            if not isinstance(node, dict) or key not in node:
                raise UsageProblem(
                    f"--fail-if {self.expr!r}: {self.name} is not in this analysis (seed figures need seeds)",
                    param="--fail-if",
                )
            node = node[key]
        return float(node)

    def fails(self, actual: float) -> bool:
        return _OPS[self.op](actual, self.value)


def parse_gates(exprs: Sequence[str], axes: Sequence[str], has_seeds: bool) -> list[Gate]:
    """Every ``--fail-if`` expression parsed and checked against what the run will compute: the axes it
    analyses and whether it has seeds (a usage error otherwise, before any work)."""
    gates = [parse_gate(e) for e in exprs]
    if not has_seeds and any(g.name.endswith("seed_copy_rate") or g.name.startswith("seeds.") for g in gates):
        raise UsageProblem("seed gates need seeds: --seed-column/--seed-value or --seeds", param="--fail-if")
    for g in gates:
        head = g.name.partition(".")[0]
        if head in AXES and head not in axes:
            raise UsageProblem(f"--fail-if {g.expr!r}: axis {head!r} is not analysed (--axes)", param="--fail-if")
    return gates


def parse_gate(expr: str) -> Gate:
    """Parse ``NAME OP NUMBER``; unknown names are a usage error listing the valid ones."""
    m = _EXPR.match(expr)
    if not m:
        raise UsageProblem(
            f"--fail-if {expr!r}: expected NAME OP NUMBER, e.g. 'compression_ratio>3.0' (OP: > >= < <= == !=)",
            param="--fail-if",
        )
    name, op, num = m.groups()
    if name not in valid_names():
        raise UsageProblem(
            f"--fail-if {expr!r}: unknown statistic {name!r}. Valid names: {', '.join(valid_names())}",
            param="--fail-if",
        )
    return Gate(expr, name, op, float(num))


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    actual: float
    failed: bool


def evaluate(gates: list[Gate], doc: dict[str, Any]) -> list[GateResult]:
    out = []
    for g in gates:
        actual = g.lookup(doc)
        out.append(GateResult(g, actual, g.fails(actual)))
    return out


def summary_markdown(doc: dict[str, Any], results: list[GateResult]) -> str:
    """A short Markdown summary: the headline statistics, per-axis figures and gate outcomes."""
    s = doc["stats"]
    lines = [
        f"## lens: {doc['input']['path']}",
        "",
        f"{doc['input']['rows_analysed']:,} texts analysed of {doc['input']['rows_read']:,} read "
        f"(column `{doc['input']['text_column']}`).",
        "",
        "| statistic | value |",
        "|---|---|",
        f"| unique texts | {s['unique_texts']:,} (duplicate rate {s['duplicate_rate']:.1%}) |",
        f"| compression_ratio | {s['compression_ratio']:.3f} |",
        f"| ngram_diversity | {s['ngram_diversity']:.3f} |",
        f"| self_repetition | {s['self_repetition']:.4f} |",
        f"| compression_ratio_pos.xpos | {s['compression_ratio_pos']['xpos']:.3f} |",
        f"| template_rate | {s['template_rate']:.1%} |",
        "",
        "| axis | clusters | homogenization | vendi_score | seed_copy_rate |",
        "|---|---|---|---|---|",
    ]
    for axis, a in doc["axes"].items():
        scr = f"{a['seed_copy_rate']:.1%}" if "seed_copy_rate" in a else "–"
        lines.append(f"| {axis} | {a['n_clusters']} | {a['homogenization']:.3f} | {a['vendi_score']:.1f} | {scr} |")
    if results:
        lines += ["", "| gate | value | result |", "|---|---|---|"]
        for r in results:
            lines.append(f"| `{r.gate.expr}` | {r.actual:.4g} | {'**failed**' if r.failed else 'passed'} |")
    return "\n".join(lines) + "\n"
