"""Progress on stderr: a bar with rate and ETA on a terminal, one line per stage otherwise, or nothing."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Reports stages. ``stage(name, total)`` starts one; ``advance(k)`` moves it; ``done()`` ends it.

    On a terminal the bar redraws at most 10 times a second. Off a terminal (CI logs) each stage
    prints one line when it ends, with its time, so logs stay readable.
    """

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() if tty is None else tty
        self._name = ""
        self._total = 0
        self._count = 0
        self._start = 0.0
        self._last = 0.0

    def stage(self, name: str, total: int = 0) -> None:
        self._name, self._total, self._count = name, total, 0
        self._start = self._last = time.perf_counter()
        self._draw()

    def advance(self, k: int = 1) -> None:
        self._count += k
        now = time.perf_counter()
        if self.tty and now - self._last >= 0.1:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        if self.quiet or not self.tty:
            return
        elapsed = time.perf_counter() - self._start
        if self._total:
            frac = min(1.0, self._count / self._total)
            rate = self._count / elapsed if elapsed > 0 else 0.0
            eta = (self._total - self._count) / rate if rate > 0 else 0.0
            bar = "#" * int(frac * 24)
            text = f"\r{self._name:<10} [{bar:<24}] {self._count:>7,}/{self._total:,} {rate:7.0f}/s ETA {eta:5.1f}s"
        else:
            text = f"\r{self._name:<10} ..."
        self.stream.write(text)
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
            self.stream.write(message + "\n")
            self.stream.flush()
