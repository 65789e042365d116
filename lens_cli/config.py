"""Run options, validated once and passed down as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass, field

from .cluster import DEFAULT_THRESHOLDS, LINKAGES
from .errors import UsageProblem
from .model import AXES

#: Above this many rows an axis switches from exact to landmark clustering.
DEFAULT_EXACT_LIMIT = 20_000
DEFAULT_LANDMARKS = 3_000
#: Examples listed per cluster in the report (the count is always shown).
DEFAULT_MAX_EXAMPLES = 50
#: Ward merge heights are Euclidean on unit vectors (2·sqrt(d) for two single texts), not in [0, 1].
WARD_THRESHOLD = 0.9


@dataclass(frozen=True)
class Options:
    """Everything that changes what an analysis computes. All of it goes into the report and JSON."""

    parser: str = "auto"
    lang: str = "en"
    stanza_dir: str | None = None
    embedder: str = "minilm"
    linkage: str = "average"
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    n_clusters: int | None = None
    exact_limit: int = DEFAULT_EXACT_LIMIT
    landmarks: int = DEFAULT_LANDMARKS
    max_examples: int = DEFAULT_MAX_EXAMPLES
    random_seed: int = 0
    engine: str = "local"

    def linkage_for(self, axis: str) -> str:
        """Ward is defined on vectors, so it applies to the semantic axis; the others use average."""
        if self.linkage == "ward":
            return "ward" if axis == "semantic" else "average"
        return self.linkage

    def threshold_for(self, axis: str) -> float:
        return self.thresholds[axis]

    def as_dict(self) -> dict[str, object]:
        return {
            "parser": self.parser,
            "lang": self.lang,
            "embedder": self.embedder,
            "linkage": self.linkage,
            "thresholds": dict(self.thresholds),
            "clusters": self.n_clusters,
            "exact_limit": self.exact_limit,
            "landmarks": self.landmarks,
            "max_examples": self.max_examples,
            "random_seed": self.random_seed,
            "engine": self.engine,
        }


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
    if options.linkage not in LINKAGES:
        raise UsageProblem(f"unknown linkage {options.linkage!r}", param="--linkage")
    if options.n_clusters is not None and options.n_clusters < 1:
        raise UsageProblem("--clusters must be at least 1", param="--clusters")
    if options.landmarks < 2:
        raise UsageProblem("--landmarks must be at least 2", param="--landmarks")
    if options.max_examples < 1:
        raise UsageProblem("--max-examples must be at least 1", param="--max-examples")
    if options.random_seed < 0:
        # numpy's generators take non-negative seeds only; it failed as an internal error.
        raise UsageProblem("--random-seed must be 0 or more", param="--random-seed")
    return options
