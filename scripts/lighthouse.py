"""Lighthouse scores of the built book's pages, as a phone reader gets them (`make lighthouse`).

Serves _build/html on 127.0.0.1 like GitHub Pages (scripts/pages_server.py: gzip, cache headers),
runs the pinned Lighthouse of tools/web (npm, `make web-tools`) with the system Chromium in its
default mobile emulation (simulated slow 4G, 4x CPU slowdown) several times per page, and prints
the median of each category score per page: performance, accessibility, best practices, SEO.
The runs of one page are made one after the other; the pages too (the machine has 2 cores).

Usage: .venv/bin/python scripts/lighthouse.py [--runs 5] [--pages chapters|all|DOCNAME ...]
           [--json FILE] [--preset mobile|desktop]
Exit status 0, or 1 when a page misses a target given with --min-performance and the like.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from pages_server import serving  # noqa: E402

LIGHTHOUSE = REPO_ROOT / "tools" / "web" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Metrics shown beside the scores, to say where performance points go.
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-extensions"
)


@dataclass
class PageScores:
    """Every run's scores of one page (0-100) and metrics (ms, CLS unitless)."""

    docname: str
    runs: list[dict[str, float]] = field(default_factory=list)
    metrics: list[dict[str, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def median(self, category: str) -> float:
        return statistics.median(run[category] for run in self.runs)

    def median_metric(self, metric: str) -> float:
        return statistics.median(run[metric] for run in self.metrics)


def chromium() -> str:
    """The system Chromium (Debian's), or the one named by CHROMIUM."""
    named = os.environ.get("CHROMIUM")
    found = shutil.which(named) if named else shutil.which("chromium") or shutil.which(
        "chromium-browser"
    )
    if not found:
        raise SystemExit("lighthouse: Chromium not found (apt-get install chromium, or CHROMIUM=)")
    return found


def chapter_pages() -> list[str]:
    """The chapter pages of the TOC (the `chapters:` patterns of book/metadata.yml)."""
    from conftest import toc_docnames

    meta = yaml.safe_load((REPO_ROOT / "book" / "metadata.yml").read_text(encoding="utf-8"))
    patterns = meta["chapters"]
    return [d for d in toc_docnames() if any(fnmatch.fnmatchcase(d, p) for p in patterns)]


def all_pages() -> list[str]:
    from conftest import toc_docnames

    return toc_docnames()


def run_lighthouse(url: str, workdir: Path, preset: str) -> dict:
    """One Lighthouse run of one URL; the parsed JSON report."""
    if not LIGHTHOUSE.is_file():
        raise SystemExit(f"lighthouse: {LIGHTHOUSE} missing: run `make web-tools`")
    report = workdir / "report.json"
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--chrome-path={chromium()}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=" + ",".join(CATEGORIES),
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": chromium(), "HOME": str(workdir)}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0 or not report.is_file():
        raise RuntimeError(
            f"lighthouse failed on {url} (exit {result.returncode}):\n{result.stderr[-3000:]}"
        )
    data = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return data


def scores_of(report: dict) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Category scores (0-100), metric values and the failed audits of one report."""
    scores = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        scores[name] = round(100 * score) if score is not None else 0
    audits = report["audits"]
    metrics = {name: float(audits[name].get("numericValue") or 0) for name in METRICS}
    failed = []
    for name in CATEGORIES:
        if name == "performance":
            continue
        for ref in report["categories"][name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                failed.append(f"{name}: {ref['id']} ({audit.get('title', '')})")
    errors = report.get("runtimeError")
    if errors:
        failed.append(f"runtime error: {errors}")
    return scores, metrics, failed


def measure(
    html_dir: Path, docnames: list[str], runs: int, preset: str, echo: bool = True
) -> list[PageScores]:
    """Run Lighthouse `runs` times on each page served from `html_dir`."""
    results = []
    with serving(html_dir) as base, tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        for docname in docnames:
            page = PageScores(docname)
            for _ in range(runs):
                report = run_lighthouse(f"{base}{docname}.html", Path(tmp), preset)
                scores, metrics, failed = scores_of(report)
                page.runs.append(scores)
                page.metrics.append(metrics)
                page.problems.extend(p for p in failed if p not in page.problems)
            results.append(page)
            if echo:
                print(format_row(page), flush=True)
    return results


HEADER = (
    f"{'page':46} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5}   "
    f"{'FCP':>6} {'LCP':>6} {'TBT':>6} {'CLS':>6} {'SI':>6}   runs"
)


def format_row(page: PageScores) -> str:
    """One line of the table: medians of the scores and metrics (seconds, ms for TBT)."""
    scores = " ".join(f"{page.median(c):5.0f}" for c in CATEGORIES)
    m = page.median_metric
    metrics = (
        f"{m('first-contentful-paint') / 1000:5.1f}s {m('largest-contentful-paint') / 1000:5.1f}s "
        f"{m('total-blocking-time'):4.0f}ms {m('cumulative-layout-shift'):6.3f} "
        f"{m('speed-index') / 1000:5.1f}s"
    )
    perf_runs = ",".join(str(int(r["performance"])) for r in page.runs)
    return f"{page.docname:46} {scores}   {metrics}   {perf_runs}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", nargs="*", default=["chapters"])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html")
    parser.add_argument("--preset", choices=("mobile", "desktop"), default="mobile")
    parser.add_argument("--json", type=Path, help="also write the medians to this JSON file")
    args = parser.parse_args()
    docnames: list[str] = []
    for name in args.pages:
        docnames += {"chapters": chapter_pages, "all": all_pages}.get(name, lambda n=name: [n])()
    if not (args.html / "index.html").is_file():
        raise SystemExit(f"lighthouse: no built book in {args.html}: run `make book` first")
    print(f"Lighthouse ({args.preset}), median of {args.runs} runs per page", flush=True)
    print(HEADER, flush=True)
    results = measure(args.html, docnames, args.runs, args.preset)
    problems = [f"{p.docname}: {text}" for p in results for text in p.problems]
    if problems:
        print("\nAudits that cost points outside performance:\n" + "\n".join(problems))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    p.docname: {c: p.median(c) for c in CATEGORIES} | {"runs": p.runs}
                    for p in results
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
