"""The ``lens`` command line. Click only: parse options, call the library, write files, map errors.

Exit codes: 0 success; 1 runtime failure (unreadable data, missing model, unwritable output);
2 usage error (bad option, missing column); 3 a ``--fail-if`` gate failed (outputs are written).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import (
    DEFAULT_EXACT_LIMIT,
    DEFAULT_LANDMARKS,
    DEFAULT_MAX_EXAMPLES,
    Options,
    parse_thresholds,
    validate,
)
from .errors import LensError, UsageProblem
from .io import FORMATS, check_output_paths, write_texts
from .model import AXES

EXIT_GATE_FAILED = 3
F = TypeVar("F", bound=Callable[..., Any])


def _one_line(message: str) -> str:
    """The promise is one ``Error:`` line: a message from a library or a file name may hold newlines."""
    return " ".join(message.split("\n")).replace("\r", " ")


def _fail(exc: LensError) -> click.ClickException:
    """Typed library errors -> Click's: usage problems exit 2, everything else exits 1."""
    if isinstance(exc, UsageProblem):
        return click.UsageError(_one_line(str(exc)))
    return click.ClickException(_one_line(str(exc)))


def handle_errors(fn: F) -> F:
    """Turn library errors into one ``Error:`` line and the documented exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LensError as exc:
            raise _fail(exc) from None
        except KeyboardInterrupt:
            click.echo("Error: interrupted; no output was written", err=True)
            sys.exit(130)
        except MemoryError:
            raise click.ClickException(
                "out of memory; try --sample N, a lower --exact-limit, or --embedder tfidf"
            ) from None
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("LENS_DEBUG"):
                raise
            raise click.ClickException(
                _one_line(
                    f"internal error: {type(exc).__name__}: {exc}; "
                    "set LENS_DEBUG=1 for the traceback and please report it"
                )
            ) from None

    return wrapper  # type: ignore[return-value]


def input_options(fn: F) -> F:
    """Options that say how to read the input file."""
    decorators = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: from the extension)."),
        click.option("--encoding", help="Input encoding (default: UTF-8, with or without BOM)."),
        click.option("--text-column", help="The field to analyse (default: the one column of free text)."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def analysis_options(fn: F) -> F:
    """Options that change what is computed."""
    decorators = [
        click.option(
            "--parser",
            type=click.Choice(["auto", "spacy", "stanza"]),
            default="auto",
            show_default=True,
            help="auto: stanza when its models for --lang are present, else spaCy (English).",
        ),
        click.option("--lang", default="en", show_default=True, help="Language code for stanza."),
        click.option(
            "--stanza-dir",
            type=click.Path(file_okay=False),
            help="stanza models directory (default: $STANZA_RESOURCES_DIR or ~/stanza_resources).",
        ),
        click.option(
            "--embedder",
            default="minilm",
            show_default=True,
            help="minilm (bundled all-MiniLM-L6-v2), tfidf (no model), or a sentence-transformers name/path.",
        ),
        click.option(
            "--linkage",
            type=click.Choice(["average", "complete", "single", "ward"]),
            default="average",
            show_default=True,
            help="Agglomerative linkage; ward applies to the semantic axis only.",
        ),
        click.option(
            "--threshold",
            "thresholds",
            multiple=True,
            metavar="AXIS=VALUE",
            help="Flat-cluster cut height per axis (repeatable), e.g. --threshold syntax=0.3.",
        ),
        click.option("--clusters", "n_clusters", type=int, help="Cut every tree into K clusters instead."),
        click.option(
            "--axes",
            "axes",
            default=",".join(AXES),
            show_default=True,
            help="Comma-separated axes to analyse.",
        ),
        click.option("--sample", type=int, help="Analyse a random sample of N texts (recorded in the report)."),
        click.option("--random-seed", type=int, default=0, show_default=True, help="Seed for --sample and landmarks."),
        click.option(
            "--exact-limit",
            type=int,
            default=DEFAULT_EXACT_LIMIT,
            show_default=True,
            help="Above this many texts, cluster with landmarks.",
        ),
        click.option(
            "--landmarks",
            type=int,
            default=DEFAULT_LANDMARKS,
            show_default=True,
            help="Landmarks in landmark mode.",
        ),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def _parse_axes(value: str) -> tuple[str, ...]:
    axes = tuple(a.strip() for a in value.split(",") if a.strip())
    bad = [a for a in axes if a not in AXES]
    if bad or not axes:
        raise UsageProblem(
            f"--axes: unknown axis {', '.join(bad) or '(none)'}; choose from {', '.join(AXES)}",
            param="--axes",
        )
    return tuple(a for a in AXES if a in axes)


def _options(
    parser: str,
    lang: str,
    stanza_dir: str | None,
    embedder: str,
    linkage: str,
    thresholds: tuple[str, ...],
    n_clusters: int | None,
    exact_limit: int,
    landmarks: int,
    max_examples: int,
    random_seed: int,
) -> Options:
    """The validated Options from the values of :func:`analysis_options` (shared by analyze and compare)."""
    return validate(
        Options(
            parser=parser,
            lang=lang,
            stanza_dir=stanza_dir,
            embedder=embedder,
            linkage=linkage,
            thresholds=parse_thresholds(thresholds, linkage),
            n_clusters=n_clusters,
            exact_limit=exact_limit,
            landmarks=landmarks,
            max_examples=max_examples,
            random_seed=random_seed,
        )
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lens")
def main() -> None:
    """lens: how diverse is an LLM-generated text dataset, really?

    Clusters texts by syntax, dependency structure, vocabulary and meaning, computes diversity
    statistics, and writes one self-contained HTML report.

    \b
    Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 a --fail-if gate failed.
    """


@main.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the HTML report here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the analysis as JSON here.")
@click.option("--summary-md", type=click.Path(dir_okay=False), help="Write a short Markdown summary (for CI pages).")
@input_options
@click.option("--seed-column", help="Column that marks seed examples (with --seed-value).")
@click.option("--seed-value", help="Rows whose --seed-column contains this value are seeds.")
@click.option("--seeds", "seeds_path", type=click.Path(dir_okay=False), help="Seed examples in a separate file.")
@analysis_options
@click.option(
    "--max-examples",
    type=int,
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Examples listed per cluster in the report.",
)
@click.option(
    "--fail-if",
    "gates",
    multiple=True,
    metavar="EXPR",
    help="Exit 3 when EXPR holds, e.g. 'compression_ratio>3.0' or 'syntax.seed_copy_rate>=0.25'.",
)
@click.option(
    "--timings",
    is_flag=True,
    help="Put stage timings into the report and JSON (makes them differ run to run).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache of parses and embeddings (default: $LENS_CACHE_DIR, else $XDG_CACHE_HOME/lens or ~/.cache/lens).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="dask: parse, embed, assign landmarks and seeds and count statistics on a Dask cluster "
    "(pip install 'lens-cli[dask]').",
)
@click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: an existing scheduler, e.g. tcp://host:8786.")
@click.option("--workers", type=int, help="With --engine dask: start a local cluster of N workers (default 2).")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@handle_errors
def analyze(
    path: str,
    output: str | None,
    json_path: str | None,
    summary_md: str | None,
    fmt: str | None,
    encoding: str | None,
    text_column: str | None,
    seed_column: str | None,
    seed_value: str | None,
    seeds_path: str | None,
    parser: str,
    lang: str,
    stanza_dir: str | None,
    embedder: str,
    linkage: str,
    thresholds: tuple[str, ...],
    n_clusters: int | None,
    axes: str,
    sample: int | None,
    random_seed: int,
    exact_limit: int,
    landmarks: int,
    max_examples: int,
    gates: tuple[str, ...],
    timings: bool,
    cache_dir: str | None,
    no_cache: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    quiet: bool,
) -> None:
    """Analyse the texts in PATH and write a report.

    \b
    Example:
      lens analyze data.csv --text-column query -o report.html --json report.json
      lens analyze data.csv --seed-column tags --seed-value seed -o r.html \\
          --fail-if "syntax.seed_copy_rate>=0.25"
    """
    from . import pipeline
    from .cache import Cache, default_cache_dir
    from .export import dumps, to_dict
    from .gates import evaluate, parse_gate, summary_markdown
    from .progress import Progress
    from .report import dendrogram_figures, render_analysis

    if not (output or json_path or summary_md):
        raise UsageProblem("nothing to write: give -o report.html, --json PATH and/or --summary-md PATH")
    parsed_gates = [parse_gate(g) for g in gates]
    if any(g.name.endswith("seed_copy_rate") or g.name.startswith("seeds.") for g in parsed_gates) and not (
        seed_column or seeds_path
    ):
        raise UsageProblem("seed gates need seeds: --seed-column/--seed-value or --seeds", param="--fail-if")
    axis_list = _parse_axes(axes)
    for g in parsed_gates:
        head = g.name.partition(".")[0]
        if head in AXES and head not in axis_list:
            raise UsageProblem(f"--fail-if {g.expr!r}: axis {head!r} is not analysed (--axes)", param="--fail-if")
    options = _options(
        parser,
        lang,
        stanza_dir,
        embedder,
        linkage,
        thresholds,
        n_clusters,
        exact_limit,
        landmarks,
        max_examples,
        random_seed,
    )
    inputs = [path] + ([seeds_path] if seeds_path else [])
    check_output_paths(inputs, [output, json_path, summary_md])
    request = pipeline.ReadRequest(
        path=path,
        format=fmt,
        encoding=encoding,
        text_column=text_column,
        seed_column=seed_column,
        seed_value=seed_value,
        seeds_path=seeds_path,
        sample=sample,
    )
    progress = Progress(quiet=quiet)
    cache = None if no_cache else Cache(Path(cache_dir) if cache_dir else default_cache_dir())
    # The report's tree charts need the clusters only: drawn while the axis statistics finish.
    dendrograms: dict[str, Any] = {}
    draw = (lambda clusterings, texts: dendrograms.update(dendrogram_figures(clusterings, texts))) if output else None

    if engine == "dask":
        analysis = _run_on_dask(request, options, progress, axis_list, cache, scheduler, workers, draw)
    else:
        if scheduler or workers:
            raise UsageProblem("--scheduler and --workers need --engine dask", param="--engine")
        analysis = pipeline.run(request, options, progress, axes=axis_list, cache=cache, clustered=draw)
    doc = to_dict(analysis, include_timings=timings)
    results = evaluate(parsed_gates, doc)

    progress.stage("write")
    # Everything is rendered before anything is written, and written all or nothing.
    files: dict[str, str] = {}
    if output:
        files[output] = render_analysis(analysis, include_timings=timings, dendrograms=dendrograms or None)
    if json_path:
        files[json_path] = dumps(doc)
    if summary_md:
        files[summary_md] = summary_markdown(doc, results)
    write_texts(files)
    progress.done(", ".join(p for p in (output, json_path, summary_md) if p))

    failed = [r for r in results if r.failed]
    for r in results:
        if r.failed:
            click.echo(f"Gate failed: {r.gate.expr} (value {r.actual:.6g})", err=True)
    if failed:
        sys.exit(EXIT_GATE_FAILED)


def _run_on_dask(
    request: Any,
    options: Options,
    progress: Any,
    axes: tuple[str, ...],
    cache: Any,
    scheduler: str | None,
    workers: int | None,
    clustered: Any = None,
) -> Any:
    """The pipeline with parsing, embedding and the row-wise work on a Dask cluster (see lens_cli.engines)."""
    from dataclasses import replace

    from . import pipeline
    from .embedders import make_embedder
    from .engines import DaskEmbedder, DaskEngine, DaskParser, embedder_spec, parser_spec

    t0 = time.perf_counter()
    with DaskEngine(scheduler=scheduler, workers=workers) as eng:
        started = time.perf_counter() - t0
        parser = DaskParser(eng, parser_spec(options.parser, options.lang, options.stanza_dir))
        # TF-IDF is fitted on the whole corpus: it runs here, not in partitions.
        embedder = (
            make_embedder("tfidf")
            if options.embedder == "tfidf"
            else DaskEmbedder(eng, embedder_spec(options.embedder), options.embedder)
        )
        opts = replace(options, engine=eng.describe())
        analysis = pipeline.run(
            request,
            opts,
            progress,
            parser=parser,
            embedder=embedder,
            axes=axes,
            cache=cache,
            background=False,
            engine=eng,
            clustered=clustered,
        )
    # Starting a local cluster (or connecting to one) comes before every other stage.
    return replace(analysis, timings={"cluster": started, **analysis.timings})


@main.command()
@click.argument("path_a", type=click.Path(dir_okay=True, path_type=str))
@click.argument("path_b", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the HTML comparison here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the comparison as JSON here.")
@input_options
@click.option("--text-column-b", help="The field to analyse in B when it differs from --text-column.")
@analysis_options
@click.option(
    "--unique-share",
    type=float,
    default=0.8,
    show_default=True,
    help="A union cluster is unique to a side when at least this share of its members comes from it "
    "(as counted and with both sides weighted to equal size).",
)
@click.option(
    "--max-examples",
    type=int,
    default=5,
    show_default=True,
    help="Examples listed per side per cluster in the HTML page.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@handle_errors
def compare(
    path_a: str,
    path_b: str,
    output: str | None,
    json_path: str | None,
    fmt: str | None,
    encoding: str | None,
    text_column: str | None,
    text_column_b: str | None,
    parser: str,
    lang: str,
    stanza_dir: str | None,
    embedder: str,
    linkage: str,
    thresholds: tuple[str, ...],
    n_clusters: int | None,
    axes: str,
    sample: int | None,
    random_seed: int,
    exact_limit: int,
    landmarks: int,
    unique_share: float,
    max_examples: int,
    quiet: bool,
) -> None:
    """Compare two datasets: statistics side by side, and the clusters only one of them has.

    Each side is analysed as `lens analyze` would; then A and B are clustered together per axis and
    every cluster is labelled by where its members come from (only A, only B, or mixed).
    --format, --encoding and --sample apply to both sides.

    \b
    Example:
      lens compare prompt_v1.csv prompt_v2.csv --text-column text -o compare.html --json compare.json
      lens compare seeds.csv generated.jsonl --text-column query --text-column-b output -o c.html
    """
    from . import pipeline
    from .compare import dumps_comparison, render_comparison, run_compare
    from .progress import Progress

    if not (output or json_path):
        raise UsageProblem("nothing to write: give -o compare.html and/or --json PATH")
    axis_list = _parse_axes(axes)
    options = _options(
        parser,
        lang,
        stanza_dir,
        embedder,
        linkage,
        thresholds,
        n_clusters,
        exact_limit,
        landmarks,
        max_examples,
        random_seed,
    )
    check_output_paths([path_a, path_b], [output, json_path])
    requests = [
        pipeline.ReadRequest(path=p, format=fmt, encoding=encoding, text_column=col, sample=sample)
        for p, col in ((path_a, text_column), (path_b, text_column_b or text_column))
    ]
    progress = Progress(quiet=quiet)
    comparison = run_compare(*requests, options, progress, axes=axis_list, unique_share=unique_share)

    progress.stage("write")
    files: dict[str, str] = {}
    if output:
        files[output] = render_comparison(comparison, max_examples=max_examples)
    if json_path:
        files[json_path] = dumps_comparison(comparison)
    write_texts(files)
    progress.done(", ".join(p for p in (output, json_path) if p))


@main.group()
def models() -> None:
    """Manage parser models (stanza)."""


@models.command("download")
@click.option("--lang", default="en", show_default=True, help="Language code.")
@click.option("--stanza-dir", type=click.Path(file_okay=False), help="Where to put the models.")
@handle_errors
def models_download(lang: str, stanza_dir: str | None) -> None:
    """Download stanza's models for a language (needs network access).

    \b
    Example:
      lens models download --lang de --stanza-dir ~/stanza_resources
    """
    from .parsers.stanza_backend import download_models

    target = download_models(lang, stanza_dir)
    click.echo(f"stanza models for {lang!r} are in {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
