"""Progress on stderr: a bar with rate and ETA on a terminal, plain lines otherwise, or nothing."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: Off a terminal, a long stage prints a progress line at most this often (seconds).
LINE_EVERY = 30.0


def phase(progress: Any, label: str, total: int = 0) -> None:
    """``progress.phase(label, total)`` when ``progress`` has phases; stand-ins may have only
    ``stage``/``advance``/``done``/``note``."""
    step = getattr(progress, "phase", None)
    if step is not None:
        step(label, total)


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Reports stages. ``stage(name, total)`` starts one; ``phase(label, total)`` names a step
    within it; ``advance(k)`` moves the count; ``done()`` ends the stage.

    On a terminal the bar redraws at most 10 times a second. Off a terminal (CI logs) each stage
    prints one line when it ends, with its time, and a stage with a known total that runs long
    prints a progress line (count, rate, ETA) every :data:`LINE_EVERY` seconds, so that a
    100k-row run shows signs of life without flooding the log.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        quiet: bool = False,
        tty: bool | None = None,
        line_every: float = LINE_EVERY,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() if tty is None else tty
        self.line_every = line_every
        self._name = ""
        self._label = ""
        self._total = 0
        self._count = 0
        self._start = 0.0
        self._phase_start = 0.0
        self._last = 0.0
        self._last_line = 0.0
        self._background: dict[str, Callable[[], tuple[int, int]]] = {}

    def background(self, name: str, counts: Callable[[], tuple[int, int]] | None) -> None:
        """Show ``name count/total`` of work going on elsewhere (a worker process) after the
        current stage; ``counts`` returns ``(count, total)``. ``None`` stops showing it."""
        if counts is None:
            self._background.pop(name, None)
        else:
            self._background[name] = counts

    def set_count(self, count: int) -> None:
        """Set the current count (for work counted elsewhere) and redraw."""
        self.advance(count - self._count)

    def stage(self, name: str, total: int = 0, started: float | None = None) -> None:
        """Start a stage; ``started`` (a ``time.perf_counter()`` value) when its work began earlier,
        elsewhere (a worker), so that its time, rate and ETA count from then."""
        self._name, self._label, self._total, self._count = name, "", total, 0
        self._last = self._last_line = time.perf_counter()
        self._start = self._phase_start = started if started is not None else self._last
        self._draw()

    def phase(self, label: str, total: int = 0) -> None:
        """A named step of the current stage with its own count (``tree``, ``clusters``...)."""
        self._label, self._total, self._count = label, total, 0
        self._phase_start = self._last = time.perf_counter()
        self._draw()

    def advance(self, k: int = 1) -> None:
        self._count += k
        if self.quiet:
            return
        now = time.perf_counter()
        if self.tty:
            if now - self._last >= 0.1:
                self._last = now
                self._draw()
        elif self._total and now - self._last_line >= self.line_every:
            self._last_line = now
            self.stream.write(self._status(now) + "\n")
            self.stream.flush()

    def _others(self) -> str:
        parts = []
        for name, counts in self._background.items():
            if name != self._name:
                count, total = counts()
                parts.append(f"{name} {count:,}/{total:,}")
        return "" if not parts else "  | " + ", ".join(parts)

    def _status(self, now: float) -> str:
        name = f"{self._name}: {self._label}" if self._label else self._name
        if not self._total:
            return f"{name} ... {_duration(now - self._start)}{self._others()}"
        elapsed = now - self._phase_start
        frac = min(1.0, self._count / self._total)
        rate = self._count / elapsed if elapsed > 0 else 0.0
        eta = (self._total - self._count) / rate if rate > 0 else 0.0
        return f"{name} {self._count:,}/{self._total:,} ({frac:.0%}) {rate:,.0f}/s ETA {_duration(eta)}{self._others()}"

    def _draw(self) -> None:
        if self.quiet or not self.tty:
            return
        now = time.perf_counter()
        name = f"{self._name}: {self._label}" if self._label else self._name
        if self._total:
            frac = min(1.0, self._count / self._total)
            elapsed = now - self._phase_start
            rate = self._count / elapsed if elapsed > 0 else 0.0
            eta = (self._total - self._count) / rate if rate > 0 else 0.0
            bar = "#" * int(frac * 24)
            text = f"{name:<24} [{bar:<24}] {self._count:>7,}/{self._total:,} {rate:7,.0f}/s ETA {_duration(eta):>6}"
        else:
            text = f"{name:<24} ... {_duration(now - self._start)}"
        self.stream.write("\r\x1b[2K" + text + self._others())
        self.stream.flush()

    def done(self, detail: str = "") -> float:
        elapsed = time.perf_counter() - self._start
        if not self.quiet:
            msg = f"{self._name:<10} {elapsed:6.1f}s" + (f"  {detail}" if detail else "")
            self.stream.write(("\r\x1b[2K" if self.tty else "") + msg + "\n")
            self.stream.flush()
        return elapsed

    def note(self, message: str) -> None:
        if not self.quiet:
            self.stream.write(("\r\x1b[2K" if self.tty else "") + message + "\n")
            self.stream.flush()
