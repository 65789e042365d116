"""The parser interface."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..model import ParsedText, ParserInfo

Progress = Callable[[int], None]


class Parser(Protocol):
    """Turns texts into tokens with UPOS, Penn XPOS, dependency label and head."""

    def info(self) -> ParserInfo:
        """Backend, model name and version (loads the model if needed)."""
        ...

    def parse(self, texts: Sequence[str], progress: Progress | None = None) -> list[ParsedText]:
        """One :class:`ParsedText` per text, in order. ``progress(k)`` is called as ``k`` more are done."""
        ...
