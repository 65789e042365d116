"""Benchmark ``lens analyze`` end to end on synthetic data of several sizes.

For each size it writes a synthetic few-shot dataset (``synth.py``, fixed seed), then runs
``lens analyze`` as a subprocess with ``--timings --json``, once with ``--no-cache``, once with an
empty cache directory (which fills it), once with parses and embeddings cached but not trees and
statistics ("warm": the cost of everything but the models), and once with everything cached and other
thresholds ("rerun"), and prints a Markdown table: wall time per stage, the model floor (tagging +
embedding in the same run), total / floor, peak RSS of the process and the size of the report.

    python benchmarks/run.py                      # 1k, 10k and 100k rows (the 100k run takes minutes)
    python benchmarks/run.py --sizes 1000,10000 --runs no-cache,warm,rerun
    python benchmarks/run.py --sizes 2000 --runs no-cache --engine dask --workers 2   # on a local Dask cluster
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

STAGES = ("read", "parse", "embed", "syntax", "dependency", "lexical", "semantic", "stats")


def seconds(timings: dict[str, float], stage: str) -> float:
    """A stage's seconds: an axis's is the sum of its steps (``syntax tree``, ``syntax clusters``, ...),
    which may run beside other steps. The embedding workers' start-up is inside embed already."""
    parts = (v for k, v in timings.items() if k.startswith(f"{stage} ") and not k.startswith("embed start-up"))
    return timings.get(stage, 0.0) + sum(parts)


RUNS = ("no-cache", "cold", "warm", "rerun")
#: What "rerun" changes: the cut of every tree, as someone exploring thresholds would.
OTHER_CLUSTERING = [
    "--threshold",
    "syntax=0.3",
    "--threshold",
    "dependency=0.3",
    "--threshold",
    "lexical=0.45",
    "--threshold",
    "semantic=0.15",
]


@dataclass
class Result:
    rows: int
    run: str
    engine: str
    wall: float
    timings: dict[str, float]
    peak_rss_mb: float
    cpu: float
    report_mb: float
    json_mb: float
    modes: str
    analysed: int = 0
    distinct: int = 0
    workers: int = 0

    @property
    def floor(self) -> float:
        """Tagging + embedding (model loading included) as measured in this run."""
        return self.timings.get("parse", 0.0) + self.timings.get("embed", 0.0)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def ver(pkg: str) -> str:
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    versions = ", ".join(
        f"{p} {ver(p)}" for p in ("torch", "spacy", "sentence-transformers", "rapidfuzz", "fastcluster", "numpy")
    )
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {mem} RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {versions}"
    )


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from /proc."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parent.items() if ppid in frontier]
        found += frontier
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRss:
    """Samples the summed RSS of a process and its descendants (lens embeds in a worker process;
    the kernel's ru_maxrss only knows one process at a time)."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in _descendants(self.pid)))
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


def run_lens(
    data: Path, out: Path, cache_args: list[str], python: str, engine_args: list[str]
) -> tuple[float, dict, float, float]:
    """Run ``lens analyze`` on ``data``; return wall time, the JSON document, peak RSS (MB) of all its
    processes together and the CPU seconds of the main process."""
    cmd = [
        python,
        "-m",
        "lens_cli.cli",
        "analyze",
        str(data),
        "--text-column",
        "query",
        "--seed-column",
        "source",
        "--seed-value",
        "seed",
        "-o",
        str(out / "report.html"),
        "--json",
        str(out / "report.json"),
        "--timings",
        "-q",
        *cache_args,
        *engine_args,
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    sampler = TreeRss(proc.pid)
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    peak_kb = sampler.stop()  # before the wait: the processes must still exist to be sampled
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(stderr.decode(errors="replace"))
        raise SystemExit(f"lens analyze failed with exit code {proc.returncode}: {' '.join(cmd)}")
    doc = json.loads((out / "report.json").read_text())
    # ru_maxrss (KiB on Linux) is exact for the main process; the sampled sum covers the worker too.
    return wall, doc, max(peak_kb, usage.ru_maxrss) / 1024, usage.ru_utime + usage.ru_stime


def bench(size: int, runs: list[str], workdir: Path, python: str, engine_args: list[str]) -> list[Result]:
    data = workdir / f"synthetic_{size}.csv"
    if not data.exists():
        synth.write_csv(data, size)
    with open(data, newline="", encoding="utf-8") as fh:
        # What the models see: each distinct non-empty text once (lens parses and embeds no text twice).
        distinct = len({r["query"] for r in csv.DictReader(fh) if r["query"].strip()})
    cache_dir = workdir / f"cache_{size}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    results = []
    for run in runs:
        out = workdir / f"out_{size}_{run}"
        out.mkdir(parents=True, exist_ok=True)
        if run == "no-cache":
            args = ["--no-cache"]
        else:
            args = ["--cache-dir", str(cache_dir)]
            if run in ("warm", "rerun") and not cache_dir.exists():
                run_lens(data, out, args, python, engine_args)  # fill it first
            if run == "warm":
                # Parses and embeddings cached, trees and statistics not: everything but the models.
                shutil.rmtree(cache_dir / "v1" / "results", ignore_errors=True)
            if run == "rerun":
                args += OTHER_CLUSTERING
        wall, doc, rss, cpu = run_lens(data, out, args, python, engine_args)
        modes = ",".join(
            f"{a[:3]}:{v['mode'][0]}" + (f"{v['landmarks']}" if v["mode"] == "landmark" else "")
            for a, v in doc["axes"].items()
        )
        results.append(
            Result(
                rows=size,
                run=run,
                engine=engine_label(engine_args),
                wall=wall,
                timings=doc["timings"],
                peak_rss_mb=rss,
                cpu=cpu,
                report_mb=(out / "report.html").stat().st_size / 1e6,
                json_mb=(out / "report.json").stat().st_size / 1e6,
                modes=modes,
                analysed=int(doc["input"]["rows_analysed"]),
                distinct=distinct,
                workers=int(engine_label(engine_args).partition("×")[2] or 0),
            )
        )
        print(row(results[-1]), flush=True)
    return results


def engine_label(engine_args: list[str]) -> str:
    """``local``, or ``dask×N`` for ``--engine dask --workers N``."""
    if "--engine" not in engine_args or engine_args[engine_args.index("--engine") + 1] == "local":
        return "local"
    workers = engine_args[engine_args.index("--workers") + 1] if "--workers" in engine_args else "2"
    return f"dask×{workers}"


HEADER = (
    "| rows | run | engine | parse | embed | start-up | syntax | dependency | lexical | semantic | stats | total | CPU "
    "| floor | total/floor | peak RSS | report | JSON |\n"
    "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def startup(timings: dict[str, float]) -> str:
    """The embedding workers' start-up seconds (spawn, imports, model load), ``/`` between workers;
    ``-`` when no worker started (everything cached, Dask, or a lens that does not report it)."""
    found = [timings[k] for k in ("embed start-up", "embed start-up 2") if k in timings]
    return " / ".join(f"{s:.1f}" for s in found) or "-"


def row(r: Result) -> str:
    cells = [f"{seconds(r.timings, stage):.1f}" for stage in STAGES[1:]]  # all but read
    cells.insert(STAGES.index("embed"), startup(r.timings))  # after embed
    stages = " | ".join(cells)
    ratio = f"{r.wall / r.floor:.2f}" if r.run in ("no-cache", "cold") and r.floor > 0 else "-"
    return (
        f"| {r.rows:,} | {r.run} | {r.engine} | {stages} | **{r.wall:.1f}** | {r.cpu:.1f} | {r.floor:.1f} | {ratio} "
        f"| {r.peak_rss_mb:,.0f} MB | {r.report_mb:.1f} MB | {r.json_mb:.1f} MB |"
    )


def _rate(count: float, seconds: float, workers: int) -> str:
    return f"{count / seconds:,.0f}/s ({count / seconds / workers:,.0f} per worker)" if seconds else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated row counts")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, from {', '.join(RUNS)}")
    parser.add_argument("--workdir", help="keep data, outputs and caches here (default: a temporary directory)")
    parser.add_argument("--python", default=sys.executable, help="the Python that has lens installed")
    parser.add_argument("--engine", choices=("local", "dask"), default="local", help="lens analyze --engine")
    parser.add_argument("--workers", type=int, help="with --engine dask: lens analyze --workers N (default 2)")
    args = parser.parse_args()
    if args.workers is not None and args.engine != "dask":
        parser.error("--workers needs --engine dask")
    engine_args = ["--engine", args.engine] if args.engine != "local" else []
    if args.workers is not None:
        engine_args += ["--workers", str(args.workers)]
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    runs = [r for r in args.runs.split(",") if r]
    if bad := [r for r in runs if r not in RUNS]:
        parser.error(f"unknown run {bad}; choose from {', '.join(RUNS)}")

    print(f"Machine: {machine()}")
    print(f"Load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"Command: python benchmarks/run.py --sizes {args.sizes} --runs {args.runs} {' '.join(engine_args)}".rstrip())
    print()
    print(HEADER, flush=True)
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="lens-bench-")
        workdir = Path(tmp.name)
    # The lens in this checkout, whatever is installed.
    paths = [str(HERE.parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    results = []
    try:
        for size in sizes:
            results += bench(size, runs, workdir, args.python, engine_args)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(f"\nLoad average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "\nColumns: seconds of wall time per stage, as lens reports them with --timings. Model loading is inside "
        "parse and embed. Stages overlap: embed runs in worker processes while parse and the syntax, dependency "
        "and lexical axes run; without a worker (warm cache) two axes run at a time and axis statistics (Vendi, "
        "near-duplicates, seeds) run in a thread, 'axis stats' being the wait for them at the end. total = wall "
        "time of the whole command (start-up, reading and writing included); floor = parse + embed of the same "
        "run; peak RSS = all lens processes together (sampled every 0.2 s). Runs: no-cache = --no-cache; cold = "
        "an empty cache directory (computes everything and fills it); warm = parses and embeddings cached, "
        "trees and statistics not (no model runs: its total is the cost of everything but the models); rerun = "
        "everything cached, other thresholds on every axis ("
        + " ".join(OTHER_CLUSTERING)
        + "). engine dask×N: lens analyze --engine dask "
        "--workers N, a local Dask cluster of N worker processes (started inside total and counted in peak RSS) "
        "that parses, embeds, finds nearest landmarks and seeds and counts the dataset statistics; parse and "
        "embed then include sending the texts and gathering the results."
    )
    for r in results:
        if r.workers and r.run in ("no-cache", "cold"):
            t = r.timings
            print(
                f"{r.rows:,} rows on {r.engine}, {r.run}: end to end {_rate(r.analysed, r.wall, r.workers)} rows; "
                f"parse {_rate(r.distinct, t.get('parse', 0), r.workers)} and embed "
                f"{_rate(r.distinct, t.get('embed', 0), r.workers)} distinct texts ({r.distinct:,}); "
                f"cluster start-up {t.get('cluster', 0):.1f}s"
            )
    for r in results:
        base = next((b for b in results if b.rows == r.rows and b.run in ("no-cache", "cold")), None)
        if base is None or r.run not in ("warm", "rerun"):
            continue
        pe = base.floor / max(r.floor, 1e-3)
        print(
            f"{r.rows:,} rows, {r.run} vs {base.run}: parse+embed {base.floor:.1f}s -> {r.floor:.2f}s "
            f"({pe:.0f}x), end to end {base.wall:.1f}s -> {r.wall:.1f}s ({base.wall / r.wall:.1f}x); "
            f"modes {r.modes}"
        )


if __name__ == "__main__":
    main()
