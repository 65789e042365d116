"""Helpers for CLI tests: invoke ``lens`` in-process and read its one ``Error:`` line."""

from __future__ import annotations

from click.testing import CliRunner, Result

from lens_cli.cli import main


def run(*args: object) -> Result:
    """``lens ARGS...`` through Click's test runner (stderr is in ``result.output``)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def error_line(result: Result) -> str:
    """The single ``Error:`` line of a failed run; asserts there is exactly one and no traceback."""
    lines = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def analyse(
    request,
    options=None,
    progress=None,
    *,
    parser=None,
    embedder=None,
    cache=None,
    background: bool = True,
    engine=None,
    axes=None,
):
    """:func:`lens_cli.pipeline.analyze` on a local runtime built from these parts (the library's own
    :func:`~lens_cli.runtime.assembly.local_runtime`); ``engine``: run the row-wise work there instead."""
    from dataclasses import replace

    from lens_cli import pipeline
    from lens_cli.config import Options
    from lens_cli.runtime.assembly import local_runtime

    options = options if options is not None else Options()
    if axes is not None:
        options = replace(options, axes=tuple(axes))
    runtime = local_runtime(
        options, parser=parser, embedder=embedder, cache=cache, progress=progress, embed_in_worker=background
    )
    if engine is not None:
        runtime.engine, runtime.engine_name = engine, engine.describe()
    try:
        return pipeline.analyze(request, options, runtime)
    finally:
        runtime.close()


def page_texts(soup):
    """The texts a report page holds (its ``#lens-texts`` block), by corpus index."""
    import json

    from lens_cli.report import pagedata

    data = json.loads(soup.select_one("#lens-data").string)
    block = soup.select_one("#lens-texts")
    return pagedata.held_texts(block.string or "" if block is not None else "", data["upos"])
