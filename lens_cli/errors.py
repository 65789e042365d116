"""Typed errors raised by the library. Only ``cli.py`` turns them into exit codes.

* :class:`UsageProblem` and subclasses -> exit 2 (bad option value, missing column).
* :class:`LensError` otherwise -> exit 1 (unreadable data, missing model).
* Failed ``--fail-if`` gates -> exit 3 (not an error: outputs are still written).
* Interrupted (Ctrl-C) -> exit 130, no output written.

An error raised because of another keeps it as its ``__cause__``; ``LENS_DEBUG=1`` prints both.
"""

from __future__ import annotations

EXIT_RUNTIME = 1
EXIT_USAGE = 2
EXIT_GATE_FAILED = 3
EXIT_INTERRUPTED = 130


class LensError(Exception):
    """A runtime failure with a message that says how to fix it (exit 1)."""


class InputError(LensError):
    """The input file cannot be read as data (exit 1)."""


class MissingModelError(LensError):
    """A model the run needs is not installed (exit 1)."""


class OutputError(LensError):
    """An output file cannot be written (exit 1)."""


class UsageProblem(LensError):
    """The user asked for something that does not fit the data or options (exit 2).

    Attributes:
        param: The option the problem is about (``"--text-column"``), if any.
    """

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class ColumnError(UsageProblem):
    """A named column does not exist, or no text column could be chosen (exit 2)."""
