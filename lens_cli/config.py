"""What a run is asked to do: what to read (:class:`ReadRequest`) and what to compute (:class:`Options`),
validated once and passed down as frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cluster import DEFAULT_THRESHOLDS, LINKAGES, Cut, TreeSpec
from .errors import UsageProblem
from .model import AXES, UNITS

#: Above this many rows an axis switches from exact to landmark clustering.
DEFAULT_EXACT_LIMIT = 20_000
DEFAULT_LANDMARKS = 3_000
#: Examples listed per cluster in the report (the count is always shown).
DEFAULT_MAX_EXAMPLES = 50
#: Ward merge heights are Euclidean on unit vectors (2·sqrt(d) for two single texts), not in [0, 1].
WARD_THRESHOLD = 0.9


@dataclass(frozen=True)
class ReadRequest:
    """What to read: the input file, its format and columns, the seeds, and an optional sample.

    Attributes:
        path: The data file (or a directory of Parquet files).
        format: ``csv``, ``tsv``, ``jsonl``, ``json``, ``parquet`` or ``txt``; ``None``: from the extension.
        encoding: The text encoding; ``None``: UTF-8 with or without BOM.
        text_column: The field to analyse; ``None``: the one column of free text.
        seed_column: With ``seed_value``: rows whose field contains the value are seeds.
        seed_value: See ``seed_column``.
        seeds_path: Seeds in a separate file instead.
        sample: Analyse a fixed-seed random sample of this many texts.
    """

    path: str
    format: str | None = None
    encoding: str | None = None
    text_column: str | None = None
    seed_column: str | None = None
    seed_value: str | None = None
    seeds_path: str | None = None
    sample: int | None = None

    @property
    def has_seeds(self) -> bool:
        return bool(self.seed_column or self.seeds_path)


@dataclass(frozen=True)
class Options:
    """Everything that changes what an analysis computes. All of it goes into the report and JSON.

    Attributes:
        axes: The axes analysed, in :data:`~lens_cli.model.AXES` order.
        parser: ``auto``, ``spacy`` or ``stanza``.
        lang: Language code for stanza.
        stanza_dir: stanza's models directory.
        embedder: ``minilm``, ``tfidf`` or a sentence-transformers model name or path.
        embed_precision: ``auto``, ``fp32`` or ``bf16`` for a sentence-transformers model (``auto``: bf16
            where the CPU has AMX tiles).
        linkage: ``average``, ``complete``, ``single`` or ``ward`` (ward: semantic axis only).
        thresholds: The flat-cluster cut height per axis.
        n_clusters: Cut every tree into this many clusters instead.
        exact_limit: Above this many texts, cluster with landmarks.
        landmarks: Landmarks in landmark mode.
        max_examples: Examples listed per cluster in the report.
        random_seed: Seed for ``--sample`` and landmarks.
        unit: ``auto``, ``text`` or ``sentence``: what the syntax, dependency and template axes compare.
    """

    axes: tuple[str, ...] = AXES
    parser: str = "auto"
    lang: str = "en"
    stanza_dir: str | None = None
    embedder: str = "minilm"
    embed_precision: str = "auto"
    linkage: str = "average"
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    n_clusters: int | None = None
    exact_limit: int = DEFAULT_EXACT_LIMIT
    landmarks: int = DEFAULT_LANDMARKS
    max_examples: int = DEFAULT_MAX_EXAMPLES
    random_seed: int = 0
    unit: str = "auto"

    def linkage_for(self, axis: str) -> str:
        """Ward is defined on vectors, so it applies to the semantic axis; the others use average."""
        if self.linkage == "ward":
            return "ward" if axis == "semantic" else "average"
        return self.linkage

    def threshold_for(self, axis: str) -> float:
        return self.thresholds[axis]

    def tree_spec(self, axis: str) -> TreeSpec:
        """How the tree of ``axis`` is grown: exactly up to ``exact_limit`` items, else on landmarks."""
        return TreeSpec(self.linkage_for(axis), self.exact_limit, self.landmarks, self.random_seed)

    def cut_for(self, axis: str) -> Cut:
        return Cut(self.thresholds[axis], self.n_clusters)

    def as_dict(self, engine: str = "local", unit: str | None = None) -> dict[str, Any]:
        """The JSON ``options`` (before the parser and embedder that ran are added); ``unit`` is the unit
        the run used (``--unit auto`` decides it from the texts)."""
        return {
            "parser": self.parser,
            "lang": self.lang,
            "embedder": self.embedder,
            "embed_precision": self.embed_precision,
            "linkage": self.linkage,
            "thresholds": dict(self.thresholds),
            "clusters": self.n_clusters,
            "exact_limit": self.exact_limit,
            "landmarks": self.landmarks,
            "max_examples": self.max_examples,
            "random_seed": self.random_seed,
            "engine": engine,
            "unit": unit or self.unit,
            "unit_requested": self.unit,
        }


def parse_axes(value: str) -> tuple[str, ...]:
    """``"lexical,syntax"`` -> the axes in :data:`~lens_cli.model.AXES` order."""
    axes = tuple(a.strip() for a in value.split(",") if a.strip())
    bad = [a for a in axes if a not in AXES]
    if bad or not axes:
        raise UsageProblem(
            f"--axes: unknown axis {', '.join(bad) or '(none)'}; choose from {', '.join(AXES)}",
            param="--axes",
        )
    return tuple(a for a in AXES if a in axes)


def parse_thresholds(values: tuple[str, ...], linkage: str = "average") -> dict[str, float]:
    """``("syntax=0.3", ...)`` -> a full per-axis threshold dict over the defaults."""
    out = dict(DEFAULT_THRESHOLDS)
    if linkage == "ward":
        out["semantic"] = WARD_THRESHOLD
    for raw in values:
        axis, sep, num = raw.partition("=")
        axis = axis.strip()
        if not sep or axis not in AXES:
            raise UsageProblem(
                f"--threshold takes AXIS=VALUE with AXIS one of {', '.join(AXES)}; got {raw!r}",
                param="--threshold",
            )
        try:
            value = float(num)
        except ValueError:
            raise UsageProblem(f"--threshold {raw!r}: {num!r} is not a number", param="--threshold") from None
        upper = float("inf") if (axis == "semantic" and linkage == "ward") else 1.0
        if not 0.0 <= value <= upper:
            raise UsageProblem(f"--threshold {raw!r}: a distance threshold lies in [0, 1]", param="--threshold")
        out[axis] = value
    return out


def validate(options: Options) -> Options:
    """``options`` if they make sense, else a :class:`~lens_cli.errors.UsageProblem` naming the option."""
    if options.linkage not in LINKAGES:
        raise UsageProblem(f"unknown linkage {options.linkage!r}", param="--linkage")
    if options.n_clusters is not None and options.n_clusters < 1:
        raise UsageProblem("--clusters must be at least 1", param="--clusters")
    if options.landmarks < 2:
        raise UsageProblem("--landmarks must be at least 2", param="--landmarks")
    if options.max_examples < 1:
        raise UsageProblem("--max-examples must be at least 1", param="--max-examples")
    if options.unit not in ("auto", *UNITS):
        raise UsageProblem(f"--unit must be auto, text or sentence; got {options.unit!r}", param="--unit")
    if options.random_seed < 0:
        # numpy's generators take non-negative seeds only; it failed as an internal error.
        raise UsageProblem("--random-seed must be 0 or more", param="--random-seed")
    return options
