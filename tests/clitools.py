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
