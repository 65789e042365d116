"""Progress on stderr: the steps running now with their counts, rate and ETA on a terminal; plain
lines otherwise (CI logs); or nothing.

Several steps run at once (see :mod:`lens_cli.runtime.executor`). On a terminal one status line shows
them all and is redrawn at most 10 times a second. Off a terminal each step prints one line when it
ends, with its time and what it made, and a step with a known total that runs long prints a progress
line (count, rate, ETA) every :data:`LINE_EVERY` seconds, so that a 100k-row run shows signs of life
without flooding the log.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

#: Off a terminal, a long step prints a progress line at most this often (seconds).
LINE_EVERY = 30.0
#: A step faster than this (seconds) with nothing to say prints no line.
QUIET_BELOW = 0.1


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Step:
    """One running step: a :class:`~lens_cli.runtime.context.Ticker` for its stage."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress = progress
        self.name = name
        self.label = ""
        self.total = 0
        self.count = 0
        self.started = self.phase_started = self.last_line = time.perf_counter()

    def phase(self, label: str, total: int = 0) -> None:
        """A named part of the step (``distances``, ``tree``) with its own count."""
        with self.progress.lock:
            self.label, self.total, self.count = label, total, 0
            self.phase_started = self.last_line = time.perf_counter()
        self.progress.redraw()

    def __call__(self, k: int = 1) -> None:
        with self.progress.lock:
            self.count += k
        self.progress.ticked(self)

    def status(self, now: float) -> str:
        name = f"{self.name}: {self.label}" if self.label else self.name
        if not self.total:
            return f"{name} ... {_duration(now - self.started)}"
        elapsed = now - self.phase_started
        frac = min(1.0, self.count / self.total)
        rate = self.count / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.count) / rate if rate > 0 else 0.0
        return f"{name} {self.count:,}/{self.total:,} ({frac:.0%}) {rate:,.0f}/s ETA {_duration(eta)}"

    def done(self, detail: str = "") -> float:
        """The step ended: one line with its time and ``detail``."""
        return self.progress.finished(self, detail)


class Progress:
    """Where a run reports its steps and notes (see the module docstring)."""

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
        self.lock = threading.RLock()
        self._running: list[Step] = []
        self._last_draw = 0.0

    def start(self, name: str) -> Step:
        step = Step(self, name)
        with self.lock:
            self._running.append(step)
        self.redraw()
        return step

    def ticked(self, step: Step) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        with self.lock:
            if self.tty:
                if now - self._last_draw >= 0.1:
                    self._draw(now)
            elif step.total and now - step.last_line >= self.line_every:
                step.last_line = now
                self._write(step.status(now) + "\n")

    def redraw(self) -> None:
        if self.quiet or not self.tty:
            return
        with self.lock:
            self._draw(time.perf_counter())

    def finished(self, step: Step, detail: str) -> float:
        elapsed = time.perf_counter() - step.started
        with self.lock:
            if step in self._running:
                self._running.remove(step)
            if self.quiet:
                return elapsed
            # Steps that take no time and make nothing worth a word (assembling a result) keep quiet.
            if detail or elapsed >= QUIET_BELOW:
                line = f"{step.name:<20} {elapsed:6.1f}s" + (f"  {detail}" if detail else "")
                self._write(self._clear() + line + "\n")
            elif self.tty:
                self._write(self._clear())  # the status line showed this step: redrawn without it below
            if self.tty:
                self._draw(time.perf_counter())
        return elapsed

    def note(self, message: str) -> None:
        if self.quiet:
            return
        with self.lock:
            self._write(self._clear() + message + "\n")
            if self.tty:
                self._draw(time.perf_counter())

    def _clear(self) -> str:
        return "\r\x1b[2K" if self.tty else ""

    def _draw(self, now: float) -> None:
        self._last_draw = now
        if not self._running:
            return
        self._write("\r\x1b[2K" + " · ".join(s.status(now) for s in self._running))

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


#: What the line at the end of a step says about its result, by stage.
_DETAILS: dict[str, Callable[[Any], str]] = {
    "lens_cli.parsers.parse": lambda p: (
        f"{p.corpus.n:,} texts with {p.parser.backend} {p.parser.model} {p.parser.version}"
    ),
    "lens_cli.embedders.embed": lambda v: f"{len(v.texts):,} texts with {v.model}",
    "lens_cli.cluster.grow_tree": lambda t: (
        f"{t.mode}" + ("" if t.landmarks is None else f" ({len(t.landmarks):,} landmarks)")
    ),
    "lens_cli.cluster.cut_tree": lambda c: (
        f"{len(c.clusters):,} clusters" + (" of sentences" if c.unit == "sentence" else "")
    ),
    "lens_cli.features.choose_unit": lambda unit: f"the syntax, dependency and template axes compare {unit}s",
    "lens_cli.stats.vendi_score": lambda v: f"{v.score:.1f}" + (f" on a sample of {v.sample:,}" if v.sample else ""),
}


def detail_of(fn: Callable[..., Any], result: Any) -> str:
    """A few words on ``result`` for the line that ends its step."""
    describe = _DETAILS.get(f"{fn.__module__}.{fn.__qualname__}")
    return describe(result) if describe is not None else ""
