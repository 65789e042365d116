"""How big is the report, and how fast does Chromium open it, at a given row count?

Builds a synthetic dataset of LLM-like queries (a few templates, a long tail of word salad, some
long texts and some hostile strings), analyses it with the fast fakes from ``tests/fakes.py`` (no
models: this measures the report, not the parser), renders the HTML and, with ``--browser``,
opens it in headless Chromium and times it until the first dendrogram is drawn: ``first_chart_mark_s`` is the
page's own mark (``performance.mark("lens-drawn")``, from navigation start), ``first_chart_s`` the time until the
page is ready to explore and its chart is in the DOM, as Playwright sees it.

    PYTHONPATH=. python benchmarks/report_scale.py --rows 100000 --browser

Above ``--exact-limit`` rows (default 20,000) the axes run in landmark mode, as ``lens analyze``
would.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lens_cli import pipeline  # noqa: E402
from lens_cli.config import Options  # noqa: E402
from lens_cli.report import render_analysis  # noqa: E402
from lens_cli.runtime.assembly import local_runtime  # noqa: E402
from tests.fakes import FakeEmbedder, FakeParser  # noqa: E402

ADJ = ["sad", "upbeat", "calm", "dark", "happy", "loud", "soft", "dreamy", "angry", "warm", "cold", "slow"]
GENRE = ["jazz", "rock", "techno", "folk", "metal", "soul", "punk", "house", "blues", "country", "trance", "pop"]
NOUN = ["party", "beach", "wedding", "road", "rain", "night", "morning", "gym", "study", "dinner", "sleep", "work"]
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script><b>&amp;"]


def synthetic_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` texts: 60% from six templates, 35% word salad, 5% long texts; plus hostile strings."""
    rng = random.Random(seed)
    words = ADJ + GENRE + NOUN + [f"w{k}" for k in range(5000)]
    templates = [
        lambda: f"{rng.choice(GENRE)} music for a {rng.choice(NOUN)}",
        lambda: f"{rng.choice(ADJ)} {rng.choice(GENRE)}",
        lambda: f"songs about {rng.choice(NOUN)} and {rng.choice(NOUN)}",
        lambda: f"music that makes you want to {rng.choice(['dance', 'cry', 'run', 'sleep'])}",
        lambda: f"{rng.choice(ADJ)} {rng.choice(GENRE)} with {rng.choice(ADJ)} vocals",
        lambda: f"i want {rng.choice(ADJ)} music for the {rng.choice(NOUN)}",
    ]
    out = list(HOSTILE)
    while len(out) < n:
        r = rng.random()
        if r < 0.6:
            out.append(rng.choice(templates)())
        elif r < 0.95:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(2, 12))))
        else:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(150, 300))))
    return out[:n]


def build(rows: int, exact_limit: int, workdir: Path):
    path = workdir / f"synthetic_{rows}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(synthetic_texts(rows)):
            fh.write(json.dumps({"text": t, "tag": "seed" if i % 997 == 5 else "gen"}) + "\n")
    request = pipeline.ReadRequest(str(path), text_column="text", seed_column="tag", seed_value="seed")
    options = Options(exact_limit=exact_limit)
    return pipeline.analyze(request, options, local_runtime(options, parser=FakeParser(), embedder=FakeEmbedder()))


def open_in_chromium(html_path: Path) -> dict[str, float]:
    """Seconds from navigation to the page's ready flag and to the first drawn dendrogram."""
    from playwright.sync_api import sync_playwright

    exe = "/usr/lib/chromium/chromium"
    if not os.path.exists(exe):
        exe = shutil.which("chromium") or exe
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
            ],
            env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"},
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=60_000)
        t_load = time.perf_counter() - t0
        page.wait_for_selector("html[data-ready='1']", timeout=60_000)
        t_ready = time.perf_counter() - t0
        page.wait_for_selector("section.axis:not([hidden]) .js-plotly-plot .scatterlayer", timeout=60_000)
        t_chart = time.perf_counter() - t0
        nav = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
        # The page marks the moment its first chart is drawn (before the text data is even parsed).
        drawn = page.evaluate("(performance.getEntriesByName('lens-drawn')[0] || {startTime: -1000}).startTime")
        browser.close()
    timing = json.loads(nav)
    return {
        "load_event_s": round(t_load, 2),
        "ready_s": round(t_ready, 2),
        "first_chart_s": round(t_chart, 2),
        "first_chart_mark_s": round(drawn / 1000, 2),
        "dom_content_loaded_s": round(timing["domContentLoadedEventEnd"] / 1000, 2),
        "page_errors": len(errors),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--exact-limit", type=int, default=20_000)
    ap.add_argument("--out", type=Path, help="where to write the report (default: a temporary directory)")
    ap.add_argument("--cache", type=Path, help="pickle the analysis here and reuse it on the next run")
    ap.add_argument("--browser", action="store_true", help="also time opening the report in headless Chromium")
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lens-bench-"))
    t0 = time.perf_counter()
    if args.cache and args.cache.exists():
        analysis = pickle.loads(args.cache.read_bytes())
    else:
        analysis = build(args.rows, args.exact_limit, workdir)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(analysis))
    t_analyse = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = render_analysis(analysis)
    t_render = time.perf_counter() - t0
    out = args.out or workdir / "report.html"
    out.write_text(html, encoding="utf-8")
    result = {
        "rows": analysis.parsed.corpus.n,
        "modes": {a: c.mode for a, c in analysis.clusterings.items()},
        "clusters": {a: len(c.clusters) for a, c in analysis.clusterings.items()},
        "analyse_s": round(t_analyse, 1),
        "render_s": round(t_render, 2),
        "report_bytes": len(html.encode("utf-8")),
        "report": str(out),
    }
    if args.browser:
        result.update(open_in_chromium(out))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
