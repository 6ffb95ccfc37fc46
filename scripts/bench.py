"""Measure the book's build and weight against its budgets (`make bench`).

Prints one table: a clean build into a temporary folder (every notebook executed), the median of
three no-change rebuilds and its ratio to the clean build, the execution time of each notebook
(as myst-nb recorded it in the build environment), the size of the whole site and the heaviest
page (its HTML plus the images it shows). Each budget gets PASS or FAIL; the exit status is 1 when
a budget fails and 2 when the book does not build.

Usage: .venv/bin/python scripts/bench.py [--toc _toc.yml] [--runs 3] [--keep DIR] [--jb-flags ..]
"""

from __future__ import annotations

import argparse
import pickle
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

REPO_ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
OFFLINE = REPO_ROOT / "scripts" / "offline.sh"
CLEAN_BUILD_BUDGET_S = 120.0
REBUILD_BUDGET_RATIO = 0.10
PAGE_BUDGET_BYTES = 1_500_000  # 1.5 MB (decimal megabytes)
NOT_PAGES = {"_static", "_sources", "_downloads", "_images"}


def make_build_flags(makefile: Path = REPO_ROOT / "Makefile") -> list[str]:
    """The flags `make book` gives jupyter-book (JB_FLAGS in the Makefile)."""
    for line in makefile.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition(":=")
        if sep and name.strip() == "JB_FLAGS":
            return shlex.split(value)
    raise ValueError(f"{makefile}: no JB_FLAGS line")


def build(
    output: Path, toc: Path | None, flags: list[str]
) -> tuple[float, subprocess.CompletedProcess]:
    """Build the book into `output` as `make book` does (offline); returns seconds and result."""
    command = [str(JUPYTER_BOOK), "build", *flags, "--path-output", str(output)]
    if toc is not None:
        command += ["--toc", str(toc)]
    command.append(".")
    if OFFLINE.is_file():
        command = [str(OFFLINE), *command]
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    return time.perf_counter() - start, result


def execution_times(output: Path) -> dict[str, float | None]:
    """Seconds each notebook took to execute, from the environment myst-nb saved."""
    pickled = output / "_build" / ".doctrees" / "environment.pickle"
    if not pickled.is_file():
        return {}
    with pickled.open("rb") as handle:
        env = pickle.load(handle)
    metadata = getattr(env, "nb_metadata", {}) or {}
    times = {}
    for docname in sorted(metadata):
        exec_data = metadata[docname].get("exec_data")
        if exec_data:
            times[docname] = exec_data.get("runtime")
    return times


def folder_size(folder: Path) -> int:
    """Bytes of every file under a folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def page_weights(html: Path) -> list[tuple[str, int, int, list[tuple[str, int]]]]:
    """Every page with its HTML bytes, image bytes and images, heaviest first."""
    weights = []
    for page in html.rglob("*.html"):
        relative = page.relative_to(html)
        if relative.parts[0] in NOT_PAGES:
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        images: dict[str, int] = {}
        for img in soup.find_all("img"):
            parts = urlsplit(img.get("src", ""))
            if parts.scheme or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_file():
                images[str(target.relative_to(html.resolve()))] = target.stat().st_size
        html_bytes = page.stat().st_size
        weights.append((str(relative), html_bytes, sum(images.values()), sorted(images.items())))
    return sorted(weights, key=lambda row: row[1] + row[2], reverse=True)


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def table(rows: list[tuple[str, str, str]]) -> str:
    """A plain-text table of (measure, value, budget/verdict) rows."""
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; the exit status says whether budgets hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toc", type=Path, help="build with this TOC instead of _toc.yml")
    parser.add_argument("--runs", type=int, default=3, help="no-change rebuilds (median taken)")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temp dir)")
    parser.add_argument(
        "--jb-flags", help="jupyter-book build flags (default: JB_FLAGS of the Makefile)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    flags = make_build_flags() if args.jb_flags is None else shlex.split(args.jb_flags)

    output = args.keep or Path(tempfile.mkdtemp(prefix="book-bench-"))
    if output.exists() and any(output.iterdir()):
        shutil.rmtree(output / "_build", ignore_errors=True)
    output.mkdir(parents=True, exist_ok=True)
    try:
        print(f"bench: clean build into {output} ...", flush=True)
        clean_s, result = build(output, args.toc, flags)
        if result.returncode != 0:
            print(result.stdout[-4000:] + result.stderr[-4000:])
            print(f"bench: the clean build failed (exit {result.returncode}); nothing measured")
            return 2
        times = execution_times(output)
        rebuilds = []
        for n in range(args.runs):
            print(f"bench: no-change rebuild {n + 1}/{args.runs} ...", flush=True)
            seconds, result = build(output, args.toc, flags)
            if result.returncode != 0:
                print(result.stdout[-4000:] + result.stderr[-4000:])
                print(f"bench: a no-change rebuild failed (exit {result.returncode})")
                return 2
            rebuilds.append(seconds)
        html = output / "_build" / "html"
        site_bytes = folder_size(html)
        weights = page_weights(html)
    finally:
        if args.keep is None:
            shutil.rmtree(output, ignore_errors=True)

    rebuild_s = statistics.median(rebuilds)
    ratio = rebuild_s / clean_s
    heaviest = weights[0] if weights else ("(no page)", 0, 0, [])
    heaviest_bytes = heaviest[1] + heaviest[2]
    checks = {
        "clean build": clean_s <= CLEAN_BUILD_BUDGET_S,
        "no-change rebuild": ratio <= REBUILD_BUDGET_RATIO,
        "heaviest page": heaviest_bytes <= PAGE_BUDGET_BYTES,
    }
    rows = [("measure", "value", "budget")]
    rows.append(
        (
            "clean build (all notebooks executed)",
            f"{clean_s:.1f} s",
            f"<= {CLEAN_BUILD_BUDGET_S:.0f} s  {verdict(checks['clean build'])}",
        )
    )
    runs = ", ".join(f"{s:.1f}" for s in rebuilds)
    rows.append(
        (
            f"no-change rebuild (median of {len(rebuilds)}: {runs} s)",
            f"{rebuild_s:.1f} s = {ratio:.1%} of clean",
            f"<= {REBUILD_BUDGET_RATIO:.0%}  {verdict(checks['no-change rebuild'])}",
        )
    )
    for docname, seconds in times.items():
        value = "not recorded" if seconds is None else f"{seconds:.1f} s"
        rows.append((f"  execution: {docname}", value, ""))
    if times:
        total = sum(s for s in times.values() if s is not None)
        rows.append(("  execution: all notebooks", f"{total:.1f} s", ""))
    rows.append(("site size (_build/html)", f"{site_bytes / 1e6:.2f} MB", ""))
    rows.append(
        (
            f"heaviest page: {heaviest[0]}",
            f"{heaviest_bytes / 1e6:.2f} MB (HTML {heaviest[1] / 1e3:.0f} kB + "
            f"{len(heaviest[3])} images {heaviest[2] / 1e3:.0f} kB)",
            f"<= {PAGE_BUDGET_BYTES / 1e6:.1f} MB  {verdict(checks['heaviest page'])}",
        )
    )
    for image, size in heaviest[3]:
        rows.append((f"    {image}", f"{size / 1e3:.0f} kB", ""))
    for name, html_bytes, image_bytes, images in weights[1:4]:
        rows.append(
            (f"  next: {name}", f"{(html_bytes + image_bytes) / 1e6:.2f} MB", f"{len(images)} img")
        )
    print()
    print(table(rows))
    failed = [name for name, ok in checks.items() if not ok]
    print()
    print("bench: all budgets PASS" if not failed else f"bench: FAIL: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
