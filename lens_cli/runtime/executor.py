"""One executor for every step of a run: a small task graph on a few cores.

The flow (:func:`lens_cli.pipeline.analyze`) declares its steps with ``run(name, stage, *inputs)``;
inputs may be the results of earlier steps (:class:`Deferred`). :meth:`Plan.compute` then runs every
step as soon as its inputs are ready, each on one core, at most ``cores`` at a time, in the order
they were declared among those ready. The result is the same however the steps are run: stages are
functions of their inputs.

What the executor adds around each step:

- **cores**: a step holds one core while it runs (BLAS and rapidfuzz use one thread each, see
  :mod:`lens_cli.runtime.context`). A step that waits on a worker process (embedding) holds the core
  the worker uses; :meth:`Plan.spare_core` lends a core nobody needs to a second worker.
- **the results cache**: a stage the :class:`~lens_cli.runtime.cache.ResultMemo` knows (a tree, a
  Vendi score) is looked up before it runs and stored after.
- **progress**: a stage with a ``tick`` parameter is handed its step's ticker; every step's time is
  kept (:attr:`Plan.timings`).
- **one lock** for interpreter-bound loops and **reusable memory**, shared by the run's steps.

Measured on the 2-core VM (benchmarks/README.md): this replaces the earlier hand-made schedule (two
"lanes" of axes, separate statistics threads, a polling loop) at the same speed.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from . import context
from .cache import ResultMemo
from .progress import Progress, detail_of

T = TypeVar("T")


class Deferred(Generic[T]):
    """The result of a declared step, once it has run."""

    __slots__ = ("index", "plan")

    def __init__(self, plan: Plan, index: int) -> None:
        self.plan, self.index = plan, index

    def __repr__(self) -> str:
        return f"<step {self.plan._steps[self.index].name!r}>"


@dataclass
class _Step:
    name: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    needs: list[int]
    started: bool = False
    done: bool = False
    value: Any = None


def _takes_tick(fn: Callable[..., Any]) -> bool:
    try:
        return "tick" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class Plan:
    """The steps of one run (see the module docstring).

    Args:
        cores: Steps that may run at once.
        progress: Where steps report; ``None``: silent.
        memo: The results cache, if any.
        prefix: Put before every step's name (``A `` when comparing).
    """

    def __init__(
        self, cores: int = 1, progress: Progress | None = None, memo: ResultMemo | None = None, prefix: str = ""
    ) -> None:
        self.cores = max(1, cores)
        self.prefix = prefix
        self.progress = progress
        self.memo = memo
        self.timings: dict[str, float] = {}
        self._steps: list[_Step] = []
        self._free = self.cores
        self._lock = threading.Condition()
        self._context = context.RunContext(threads=1, lock=threading.RLock(), scratch=context.ScratchPool())

    def __call__(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """Declare the step ``name``: ``fn(*args, **kwargs)`` once the :class:`Deferred` among them are ready."""
        needs = sorted({d.index for d in _deferred_in((args, kwargs))})
        self._steps.append(_Step(self.prefix + name, fn, args, kwargs, needs))
        return Deferred(self, len(self._steps) - 1)

    def spare_core(self) -> Callable[[], None] | None:
        """A core no step holds, or ``None``; call the returned function to give it back."""
        with self._lock:
            if self._free < 1 or any(not s.done and self._ready(s) for s in self._pending()):
                return None
            self._free -= 1

        def give_back() -> None:
            with self._lock:
                self._free += 1
                self._lock.notify_all()

        return give_back

    def compute(self, target: Any) -> Any:
        """Run the steps ``target`` needs (a Deferred, or dicts, lists and tuples of them) and return it with
        every Deferred replaced by its value. The first step that fails stops the run: its error is raised."""
        wanted = sorted(self._closure({d.index for d in _deferred_in(target)}))
        failure: list[BaseException] = []
        # Not a ``with`` block: after a failure the steps still running are not waited for here (the
        # caller stops what they wait on, e.g. an embedding worker, when it closes the runtime).
        pool = ThreadPoolExecutor(self.cores, thread_name_prefix="lens-step")
        finished = False
        try:
            with context.one_thread_each(), self._lock:
                while not failure and not all(self._steps[i].done for i in wanted):
                    for i in wanted:
                        step = self._steps[i]
                        if self._free < 1:
                            break
                        if not step.started and self._ready(step):
                            step.started = True
                            self._free -= 1
                            pool.submit(self._run, step, failure)
                    self._lock.wait()
            finished = not failure
        finally:
            pool.shutdown(wait=finished, cancel_futures=True)
        if failure:
            raise failure[0]
        return _resolve(target)

    # -- internals -----------------------------------------------------------------------------

    def _pending(self) -> Iterator[_Step]:
        return (s for s in self._steps if not s.started)

    def _ready(self, step: _Step) -> bool:
        return all(self._steps[k].done for k in step.needs)

    def _closure(self, indices: set[int]) -> set[int]:
        todo, seen = list(indices), set(indices)
        while todo:
            for k in self._steps[todo.pop()].needs:
                if k not in seen:
                    seen.add(k)
                    todo.append(k)
        return seen

    def _run(self, step: _Step, failure: list[BaseException]) -> None:
        started = time.perf_counter()
        try:
            args = cast(tuple[Any, ...], _resolve(step.args))
            kwargs = cast(dict[str, Any], _resolve(step.kwargs))
            with context.using(self._context), self._reporting(step) as ticker:
                hit, value = self.memo.load(step.fn, args) if self.memo is not None else (False, None)
                if not hit:
                    if ticker is not None and _takes_tick(step.fn) and "tick" not in kwargs:
                        kwargs["tick"] = ticker
                    value = step.fn(*args, **kwargs)
                    if self.memo is not None:
                        self.memo.store(step.fn, args, value)
                if ticker is not None:
                    ticker.done(("from the cache; " if hit else "") + detail_of(step.fn, value))
        except BaseException as exc:  # handed to compute(), which raises it in the caller's thread
            with self._lock:
                failure.append(exc)
                self._free += 1
                self._lock.notify_all()
            return
        with self._lock:
            step.value, step.done = value, True
            step.args, step.kwargs = (), {}  # inputs no longer needed by this step
            self.timings[step.name] = time.perf_counter() - started
            self._free += 1
            self._lock.notify_all()

    @contextmanager
    def _reporting(self, step: _Step) -> Iterator[Any]:
        if self.progress is None:
            yield None
        else:
            yield self.progress.start(step.name)


def _deferred_in(obj: Any) -> Iterator[Deferred[Any]]:
    if isinstance(obj, Deferred):
        yield obj
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _deferred_in(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _deferred_in(v)


def _resolve(obj: Any) -> Any:
    """``obj`` with every Deferred replaced by its step's value (dicts, lists and tuples rebuilt)."""
    if isinstance(obj, Deferred):
        return obj.plan._steps[obj.index].value
    if isinstance(obj, Mapping):
        return {k: _resolve(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_resolve(v) for v in obj)
    if isinstance(obj, list):
        return [_resolve(v) for v in obj]
    return obj
