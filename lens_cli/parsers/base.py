"""The parser interface."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..model import ParsedText, ParserInfo

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ParserIdentity:
    """What decides a parser's output besides the text, known without loading its model.

    Attributes:
        identity: JSON-able description (backend, model, version, a fingerprint of model files...).
        info: What :meth:`Parser.info` will say once the model is loaded.
    """

    identity: dict[str, Any]
    info: ParserInfo


class Parser(Protocol):
    """Turns texts into tokens with UPOS, Penn XPOS, dependency label and head."""

    def info(self) -> ParserInfo:
        """Backend, model name and version (loads the model if needed)."""
        ...

    def cache_identity(self) -> ParserIdentity | None:
        """What decides the output besides the text, without loading the model; ``None`` when that
        cannot be told without loading it (the cache then asks :meth:`info`)."""
        ...

    def parse(self, texts: Sequence[str], progress: Progress | None = None) -> list[ParsedText]:
        """One :class:`ParsedText` per text, in order. ``progress(k)`` is called as ``k`` more are done."""
        ...
