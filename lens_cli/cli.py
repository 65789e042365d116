"""The ``lens`` command line. Click only: parse options into the library's values, call the library,
write files, and turn library errors into exit codes (in one place: :class:`LensCommand`).

Exit codes (see :mod:`lens_cli.errors`): 0 success; 1 runtime failure (unreadable data, missing model,
unwritable output); 2 usage error (bad option, missing column); 3 a ``--fail-if`` gate failed (outputs
are written); 130 interrupted.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from . import __version__
from .config import (
    DEFAULT_EXACT_LIMIT,
    DEFAULT_LANDMARKS,
    DEFAULT_MAX_EXAMPLES,
    Options,
    ReadRequest,
    parse_axes,
    parse_thresholds,
    validate,
)
from .embedders import PRECISIONS
from .errors import EXIT_GATE_FAILED, EXIT_INTERRUPTED, LensError, UsageProblem
from .io import FORMATS, check_output_paths, write_texts
from .model import AXES
from .runtime.assembly import RuntimeSettings
from .runtime.context import small_pages

F = TypeVar("F", bound=Callable[..., Any])


def _one_line(message: str) -> str:
    """The promise is one ``Error:`` line: a message from a library or a file name may hold newlines."""
    return " ".join(message.split("\n")).replace("\r", " ")


def _debug() -> bool:
    return bool(os.environ.get("LENS_DEBUG"))


class LensCommand(click.Command):
    """A command whose library errors become one ``Error:`` line and the documented exit code, never a
    traceback (``LENS_DEBUG=1`` prints the traceback, with the error's cause, before that line)."""

    def invoke(self, ctx: click.Context) -> Any:
        small_pages()  # before the first large array: see lens_cli.runtime.context
        try:
            return super().invoke(ctx)
        except UsageProblem as exc:
            _show_cause(exc)
            raise click.UsageError(_one_line(str(exc))) from exc
        except LensError as exc:
            _show_cause(exc)
            raise click.ClickException(_one_line(str(exc))) from exc
        except KeyboardInterrupt:
            click.echo("Error: interrupted; no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except MemoryError as exc:
            _show_cause(exc)
            raise click.ClickException(
                "out of memory; try --sample N, a lower --exact-limit, or --embedder tfidf"
            ) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if _debug():
                raise
            raise click.ClickException(
                _one_line(
                    f"internal error: {type(exc).__name__}: {exc}; "
                    "set LENS_DEBUG=1 for the traceback and please report it"
                )
            ) from None


def _show_cause(exc: BaseException) -> None:
    if _debug():
        traceback.print_exception(exc, file=sys.stderr)


# ---------------------------------------------------------------- option groups


def _group(options: list[tuple[str, Callable[[F], F]]], build: Callable[..., Any], into: str) -> Callable[[F], F]:
    """A decorator adding ``options`` (each ``(parameter name, click.option(...))``) to a command and
    passing their values on as one value, ``into=build(**values)``."""
    names = [name for name, _ in options]

    def decorator(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            kwargs[into] = build(**values)
            return fn(*args, **kwargs)

        out: Any = wrapper
        for _, option in reversed(options):
            out = option(out)
        return cast(F, out)

    return decorator


_INPUT = [
    (
        "fmt",
        click.option("--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: from the extension)."),
    ),
    ("encoding", click.option("--encoding", help="Input encoding (default: UTF-8, with or without BOM).")),
    ("text_column", click.option("--text-column", help="The field to analyse (default: the one column of free text).")),
    ("sample", click.option("--sample", type=int, help="Analyse a random sample of N texts (recorded in the report).")),
]
_SEEDS = [
    ("seed_column", click.option("--seed-column", help="Column that marks seed examples (with --seed-value).")),
    ("seed_value", click.option("--seed-value", help="Rows whose --seed-column contains this value are seeds.")),
    (
        "seeds_path",
        click.option(
            "--seeds", "seeds_path", type=click.Path(dir_okay=False), help="Seed examples in a separate file."
        ),
    ),
]


def read_options(fn: F) -> F:
    """What to read, for one input (``PATH``): builds ``request: ReadRequest``."""

    def build(path: str, **values: Any) -> ReadRequest:
        return ReadRequest(path=path, format=values.pop("fmt"), **values)

    return _group([("path", lambda f: f), *_INPUT, *_SEEDS], build, "request")(fn)


def pair_read_options(fn: F) -> F:
    """What to read, for two inputs (``PATH_A PATH_B``): builds ``requests: tuple[ReadRequest, ReadRequest]``.
    --format, --encoding, --text-column and --sample apply to both; --text-column-b to B."""
    text_column_b = click.option(
        "--text-column-b", help="The field to analyse in B when it differs from --text-column."
    )

    def build(path_a: str, path_b: str, fmt: str | None, encoding: str | None, text_column: str | None,
              sample: int | None, text_column_b: str | None) -> tuple[ReadRequest, ReadRequest]:  # fmt: skip
        return (
            ReadRequest(path_a, fmt, encoding, text_column, sample=sample),
            ReadRequest(path_b, fmt, encoding, text_column_b or text_column, sample=sample),
        )

    group = [("path_a", lambda f: f), ("path_b", lambda f: f), *_INPUT, ("text_column_b", text_column_b)]
    return _group(group, build, "requests")(fn)


def analysis_options(max_examples: int, examples_help: str) -> Callable[[F], F]:
    """What to compute: builds ``options: Options`` (validated)."""
    group = [
        (
            "parser",
            click.option(
                "--parser",
                type=click.Choice(["auto", "spacy", "stanza"]),
                default="auto",
                show_default=True,
                help="auto: stanza when its models for --lang are present, else spaCy (English).",
            ),
        ),
        ("lang", click.option("--lang", default="en", show_default=True, help="Language code for stanza.")),
        (
            "stanza_dir",
            click.option(
                "--stanza-dir",
                type=click.Path(file_okay=False),
                help="stanza models directory (default: $STANZA_RESOURCES_DIR or ~/stanza_resources).",
            ),
        ),
        (
            "embedder",
            click.option(
                "--embedder",
                default="minilm",
                show_default=True,
                help="minilm (bundled all-MiniLM-L6-v2), tfidf (no model), or a sentence-transformers name/path.",
            ),
        ),
        (
            "embed_precision",
            click.option(
                "--embed-precision",
                type=click.Choice(PRECISIONS),
                default="auto",
                show_default=True,
                help="Sentence-transformers precision; auto: bf16 on CPUs with AMX tiles, else fp32.",
            ),
        ),
        (
            "linkage",
            click.option(
                "--linkage",
                type=click.Choice(["average", "complete", "single", "ward"]),
                default="average",
                show_default=True,
                help="Agglomerative linkage; ward applies to the semantic axis only.",
            ),
        ),
        (
            "thresholds",
            click.option(
                "--threshold",
                "thresholds",
                multiple=True,
                metavar="AXIS=VALUE",
                help="Flat-cluster cut height per axis (repeatable), e.g. --threshold syntax=0.3.",
            ),
        ),
        (
            "n_clusters",
            click.option("--clusters", "n_clusters", type=int, help="Cut every tree into K clusters instead."),
        ),
        (
            "axes",
            click.option("--axes", default=",".join(AXES), show_default=True, help="Comma-separated axes to analyse."),
        ),
        (
            "unit",
            click.option(
                "--unit",
                type=click.Choice(["auto", "text", "sentence"]),
                default="auto",
                show_default=True,
                help="What the syntax, dependency and template axes compare: whole texts, or sentences "
                "(auto: sentences when the median text is longer than 40 words).",
            ),
        ),
        (
            "random_seed",
            click.option(
                "--random-seed", type=int, default=0, show_default=True, help="Seed for --sample and landmarks."
            ),
        ),
        (
            "exact_limit",
            click.option(
                "--exact-limit",
                type=int,
                default=DEFAULT_EXACT_LIMIT,
                show_default=True,
                help="Above this many texts, cluster with landmarks.",
            ),
        ),
        (
            "landmarks",
            click.option(
                "--landmarks",
                type=int,
                default=DEFAULT_LANDMARKS,
                show_default=True,
                help="Landmarks in landmark mode.",
            ),
        ),
        (
            "max_examples",
            click.option("--max-examples", type=int, default=max_examples, show_default=True, help=examples_help),
        ),
    ]

    def build(axes: str, thresholds: tuple[str, ...], **values: Any) -> Options:
        return validate(
            Options(axes=parse_axes(axes), thresholds=parse_thresholds(thresholds, values["linkage"]), **values)
        )

    return _group(group, build, "options")


def runtime_options(fn: F) -> F:
    """Where and how to run: builds ``settings: RuntimeSettings``."""
    group = [
        (
            "cache_dir",
            click.option(
                "--cache-dir",
                type=click.Path(file_okay=False),
                help="Cache of parses, embeddings, trees and statistics "
                "(default: $LENS_CACHE_DIR, else $XDG_CACHE_HOME/lens or ~/.cache/lens).",
            ),
        ),
        ("no_cache", click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")),
        (
            "engine",
            click.option(
                "--engine",
                type=click.Choice(["local", "dask"]),
                default="local",
                show_default=True,
                help="dask: parse, embed, assign landmarks and seeds and count statistics on a Dask cluster "
                "(pip install 'lens-cli[dask]').",
            ),
        ),
        (
            "scheduler",
            click.option(
                "--scheduler",
                metavar="ADDRESS",
                help="With --engine dask: an existing scheduler, e.g. tcp://host:8786.",
            ),
        ),
        (
            "workers",
            click.option(
                "--workers", type=int, help="With --engine dask: start a local cluster of N workers (default 2)."
            ),
        ),
        ("quiet", click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")),
    ]
    return _group(group, RuntimeSettings, "settings")(fn)


# ---------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lens")
def main() -> None:
    """lens: how diverse is an LLM-generated text dataset, really?

    Clusters texts by syntax, dependency structure, vocabulary and meaning, computes diversity
    statistics, and writes one self-contained HTML report.

    \b
    Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 a --fail-if gate failed.
    """


@main.command(cls=LensCommand)
@click.argument("path", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the HTML report here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the analysis as JSON here.")
@click.option("--summary-md", type=click.Path(dir_okay=False), help="Write a short Markdown summary (for CI pages).")
@read_options
@analysis_options(DEFAULT_MAX_EXAMPLES, "Examples listed per cluster in the report.")
@click.option(
    "--fail-if",
    "gates",
    multiple=True,
    metavar="EXPR",
    help="Exit 3 when EXPR holds, e.g. 'compression_ratio>3.0' or 'syntax.seed_copy_rate>=0.25'.",
)
@click.option(
    "--timings", is_flag=True, help="Put stage timings into the report and JSON (makes them differ run to run)."
)
@runtime_options
def analyze(
    request: ReadRequest,
    options: Options,
    settings: RuntimeSettings,
    output: str | None,
    json_path: str | None,
    summary_md: str | None,
    gates: tuple[str, ...],
    timings: bool,
) -> None:
    """Analyse the texts in PATH and write a report.

    \b
    Example:
      lens analyze data.csv --text-column query -o report.html --json report.json
      lens analyze data.csv --seed-column tags --seed-value seed -o r.html \\
          --fail-if "syntax.seed_copy_rate>=0.25"
    """
    from .export import dumps, to_dict
    from .gates import evaluate, parse_gates, summary_markdown
    from .pipeline import analyze as run_analysis
    from .report import render_analysis
    from .runtime.assembly import open_runtime

    if not (output or json_path or summary_md):
        raise UsageProblem("nothing to write: give -o report.html, --json PATH and/or --summary-md PATH")
    checked = parse_gates(gates, options.axes, request.has_seeds)
    check_output_paths([request.path, request.seeds_path or ""], [output, json_path, summary_md])
    with open_runtime(settings, options) as runtime:
        analysis = run_analysis(request, options, runtime)
        doc = to_dict(analysis, include_timings=timings)
        results = evaluate(checked, doc)
        step = runtime.progress.start("write")
        # Everything is rendered before anything is written, and written all or nothing.
        files: dict[str, str] = {}
        if output:
            files[output] = render_analysis(analysis, include_timings=timings)
        if json_path:
            files[json_path] = dumps(doc)
        if summary_md:
            files[summary_md] = summary_markdown(doc, results)
        write_texts(files)
        step.done(", ".join(files))
    for r in results:
        if r.failed:
            click.echo(f"Gate failed: {r.gate.expr} (value {r.actual:.6g})", err=True)
    if any(r.failed for r in results):
        sys.exit(EXIT_GATE_FAILED)


@main.command(cls=LensCommand)
@click.argument("path_a", type=click.Path(dir_okay=True, path_type=str))
@click.argument("path_b", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the HTML comparison here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the comparison as JSON here.")
@pair_read_options
@analysis_options(5, "Examples listed per side per cluster in the HTML page.")
@click.option(
    "--unique-share",
    type=float,
    default=0.8,
    show_default=True,
    help="A union cluster is unique to a side when at least this share of its members comes from it "
    "(as counted and with both sides weighted to equal size).",
)
@runtime_options
def compare(
    requests: tuple[ReadRequest, ReadRequest],
    options: Options,
    settings: RuntimeSettings,
    output: str | None,
    json_path: str | None,
    unique_share: float,
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
    from .compare import check_unique_share, dumps_comparison, union_unit
    from .compare import compare as compare_analyses
    from .compare import union as union_of
    from .pipeline import analyze as run_analysis
    from .pipeline import cluster
    from .report.compare_page import render_comparison
    from .runtime.assembly import open_runtime

    if not (output or json_path):
        raise UsageProblem("nothing to write: give -o compare.html and/or --json PATH")
    check_unique_share(unique_share)
    check_output_paths([r.path for r in requests], [output, json_path])
    with open_runtime(settings, options) as runtime:
        a = run_analysis(requests[0], options, runtime.labelled("A"))
        b = run_analysis(requests[1], options, runtime.labelled("B"))
        union_parsed, union_vectors = union_of(a, b)
        unit = union_unit(a, b)
        union_clusters = cluster(union_parsed, union_vectors, options, runtime.labelled("A+B"), unit)
        comparison = compare_analyses(a, b, union_parsed, union_clusters, unique_share)
        step = runtime.progress.start("write")
        files: dict[str, str] = {}
        if output:
            files[output] = render_comparison(comparison, max_examples=options.max_examples)
        if json_path:
            files[json_path] = dumps_comparison(comparison)
        write_texts(files)
        step.done(", ".join(files))


@main.group()
def models() -> None:
    """Manage parser models (stanza)."""


@models.command("download", cls=LensCommand)
@click.option("--lang", default="en", show_default=True, help="Language code.")
@click.option("--stanza-dir", type=click.Path(file_okay=False), help="Where to put the models.")
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
