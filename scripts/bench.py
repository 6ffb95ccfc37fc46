"""Measure the book's build times and weight against its budgets, beside a peer book (`make bench`).

For this book, and for a peer Jupyter Book given with --peer (`make bench PEER=path`), in one run:
- the clean build (every notebook executed), median of --runs builds, each in a fresh copy of
  the sources (clean builds of the book and of the peer alternate, so both see the same load);
- the no-change rebuild (median of --runs) and the rebuild after a one-paragraph edit of one
  chapter (median of --runs edits);
- per executed page, the clean build divided by the pages that execute code;
- per notebook, executed alone in a fresh kernel: kernel start, the notebook's imports (its
  top-level import statements, run first), and the rest of its work;
- for this book, the size of the site and the heaviest page (its HTML plus the images it shows).
Each budget gets PASS or FAIL; the exit status is 1 when a budget fails, 2 when a build fails.
Builds are offline (scripts/offline.sh) and use the flags of `make book` (the peer: none, as its
own instructions say). Other processes on the machine slow every figure: the table names them.

Usage: .venv/bin/python scripts/bench.py [--runs 3] [--edit PAGE]
           [--peer PATH [--peer-python PY] [--peer-name NAME] [--peer-edit PAGE]]...
       .venv/bin/python scripts/bench.py --split PAGE...   (print the split of notebooks as JSON)
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "scripts" / "offline.sh"
CLEAN_BUILD_BUDGET_S = 45.0
EDIT_REBUILD_BUDGET_S = 15.0
REBUILD_BUDGET_RATIO = 0.10
PER_PAGE_RATIO_BUDGET = 1.0
PAGE_BUDGET_BYTES = 1_500_000  # 1.5 MB (decimal megabytes)
NOT_PAGES = {"_static", "_sources", "_downloads", "_images"}
DEFAULT_EDIT = "book/part2/compassion-to-save-lives.md"
PEER_EDIT_CANDIDATES = ("docs/python_by_example.md",)
SKIP_COPY = {"_build", ".venv", ".venv-cff", ".venv-lock", ".git", "node_modules", "notebooks"}


def make_build_flags(makefile: Path = REPO_ROOT / "Makefile") -> list[str]:
    """The flags `make book` gives jupyter-book (JB_FLAGS in the Makefile)."""
    for line in makefile.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition(":=")
        if sep and name.strip() == "JB_FLAGS":
            return shlex.split(value)
    raise ValueError(f"{makefile}: no JB_FLAGS line")


# ---------------------------------------------------------------------------------------------
# Which pages execute, and what each notebook imports


def toc_files(toc: Path) -> list[str]:
    """The files of a Jupyter Book TOC (root first), as written there (without suffix)."""
    import yaml

    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    files.append(str(node[key]))
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key) or [])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    return list(dict.fromkeys(name.removesuffix(".md").removesuffix(".ipynb") for name in files))


def source_of(book: Path, name: str) -> Path | None:
    """The source file of a TOC entry (.md or .ipynb)."""
    for suffix in (".md", ".ipynb"):
        path = book / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def read_notebook(path: Path):
    """A page as a notebook (jupytext reads MyST Markdown and .ipynb), or None if it is not one."""
    import warnings

    import jupytext

    if path.suffix == ".md":
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---") or "kernelspec:" not in text.split("\n---", 2)[0]:
            return None
    with warnings.catch_warnings():  # jupytext warns of cells in python3 beside ipython3
        warnings.simplefilter("ignore", UserWarning)
        return jupytext.read(path)


def code_sources(notebook) -> list[str]:
    """The non-empty code cells of a notebook."""
    return [
        cell.source for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()
    ]


def executed_pages(book: Path) -> list[Path]:
    """The pages of a book's TOC that execute code (a notebook with at least one code cell)."""
    pages = []
    for name in toc_files(book / "_toc.yml"):
        path = source_of(book, name)
        if path is None:
            continue
        notebook = read_notebook(path)
        if notebook is not None and code_sources(notebook):
            pages.append(path)
    return pages


def import_statements(sources: list[str]) -> str:
    """The top-level import statements of code cells, in order (magics and shell lines skipped)."""
    lines = []
    for source in sources:
        kept = "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
        )
        try:
            tree = ast.parse(kept)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                lines.append(ast.get_source_segment(kept, node))
    return "\n".join(dict.fromkeys(line for line in lines if line))


# ---------------------------------------------------------------------------------------------
# The split of one notebook: kernel start, imports, work


def split_notebook(path: Path, timeout: float = 300.0) -> dict[str, float | str]:
    """Execute a notebook alone in a fresh kernel (in its folder) and time the three parts."""
    from jupyter_client.manager import KernelManager

    notebook = read_notebook(path)
    sources = code_sources(notebook)
    kernel = (notebook.metadata.get("kernelspec") or {}).get("name") or "python3"
    start = time.perf_counter()
    manager = KernelManager(kernel_name=kernel)
    manager.start_kernel(cwd=str(path.parent))
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=timeout)
        ready = time.perf_counter()

        def run(code: str) -> None:
            reply = client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                content = reply["content"]
                raise RuntimeError(f"{path}: {content.get('ename')}: {content.get('evalue')}")

        run(import_statements(sources) or "pass")
        imported = time.perf_counter()
        for source in sources:
            run(source)
        done = time.perf_counter()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return {
        "page": str(path),
        "kernel_s": ready - start,
        "imports_s": imported - ready,
        "work_s": done - imported,
        "total_s": done - start,
    }


def split_in(python: str, pages: list[Path]) -> list[dict]:
    """The split of each page, measured by `python` (the book's or the peer's environment)."""
    command = [python, str(Path(__file__).resolve()), "--split", *map(str, pages)]
    done = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"split failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Builds


@dataclass
class Book:
    """A book to measure: where its sources are, how to build it, which page to edit."""

    name: str
    source: Path  # the folder to copy (the repository, or the peer's repository)
    book_dir: str  # the folder with _config.yml, relative to `source`
    jupyter_book: Path
    flags: list[str]
    edit: str  # a page to edit, relative to the book folder
    clean: list[float] = field(default_factory=list)
    clean_cpu: list[float] = field(default_factory=list)  # CPU seconds of all its processes
    no_change: list[float] = field(default_factory=list)
    edited: list[float] = field(default_factory=list)
    pages: list[Path] = field(default_factory=list)
    split: list[dict] = field(default_factory=list)
    last_copy: Path | None = None

    @property
    def python(self) -> str:
        return str(self.jupyter_book.parent / "python")


def copy_sources(source: Path, target: Path) -> None:
    """A copy of a book's sources without builds, environments or caches."""
    ignore = shutil.ignore_patterns(*SKIP_COPY, "__pycache__", ".pytest_cache", "figdata")
    shutil.copytree(source, target, ignore=ignore, symlinks=True)
    # The wheel `make book` builds before the HTML (make wheel), which the build publishes.
    if (source / "_build" / "dist").is_dir():
        shutil.copytree(source / "_build" / "dist", target / "_build" / "dist")


def build(book: Book, root: Path) -> tuple[float, subprocess.CompletedProcess]:
    """Build a book copy as its own command would (offline); seconds and result. The CPU time of
    the build and of every process it started (kernels included) is left in `build.cpu`."""
    command = [str(book.jupyter_book), "build", *book.flags, book.book_dir]
    if OFFLINE.is_file():
        command = [str(OFFLINE), *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=root, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    build.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, result


def checked(book: Book, what: str, outcome: tuple[float, subprocess.CompletedProcess]) -> float:
    """The seconds of a build that succeeded; exits with status 2 when it failed."""
    seconds, result = outcome
    if result.returncode != 0:
        print(result.stdout[-4000:] + result.stderr[-4000:])
        print(f"bench: {book.name}: the {what} failed (exit {result.returncode})")
        sys.exit(2)
    return seconds


def clean_build(book: Book, scratch: Path, n: int) -> None:
    """One clean build of a fresh copy; the copy of the last one is kept for the rebuilds."""
    root = scratch / f"{book.name}-{n}"
    copy_sources(book.source, root)
    print(f"bench: {book.name}: clean build {n} ...", flush=True)
    book.clean.append(checked(book, "clean build", build(book, root)))
    book.clean_cpu.append(build.cpu)
    if book.last_copy is not None:
        shutil.rmtree(book.last_copy, ignore_errors=True)
    book.last_copy = root


def rebuilds(book: Book, runs: int) -> None:
    """No-change rebuilds, then rebuilds after editing one page (a paragraph appended)."""
    root = book.last_copy
    for n in range(runs):
        print(f"bench: {book.name}: no-change rebuild {n + 1}/{runs} ...", flush=True)
        book.no_change.append(checked(book, "no-change rebuild", build(book, root)))
    page = root / book.book_dir / book.edit
    for n in range(runs):
        print(f"bench: {book.name}: rebuild after editing {book.edit} {n + 1}/{runs} ...",
              flush=True)
        with page.open("a", encoding="utf-8") as handle:
            handle.write(f"\nA paragraph added by the benchmark ({n + 1}).\n")
        book.edited.append(checked(book, "rebuild after an edit", build(book, root)))


# ---------------------------------------------------------------------------------------------
# Page weight (this book only)


def folder_size(folder: Path) -> int:
    """Bytes of every file under a folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def page_weights(html: Path) -> list[tuple[str, int, int, list[tuple[str, int]]]]:
    """Every page with its HTML bytes, image bytes and images, heaviest first."""
    from bs4 import BeautifulSoup

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


# ---------------------------------------------------------------------------------------------
# Report


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def table(rows: list[tuple[str, ...]]) -> str:
    """A plain-text table; the first row is the header."""
    width = max(len(row) for row in rows)
    rows = [tuple(row) + ("",) * (width - len(row)) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(width)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def runs_text(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def other_processes() -> list[str]:
    """Commands using a noticeable share of CPU besides this benchmark (what else was running)."""
    done = subprocess.run(
        ["ps", "-eo", "pid,ppid,pcpu,args", "--sort=-pcpu"], capture_output=True, text=True
    )
    mine = {os.getpid(), os.getppid()}
    busy = []
    for line in done.stdout.splitlines()[1:]:
        parts = line.split(None, 3)
        if len(parts) < 4:
            continue
        pid, ppid, cpu, args = int(parts[0]), int(parts[1]), float(parts[2]), parts[3]
        if pid in mine or ppid in mine or cpu < 5.0:
            continue
        busy.append(f"{cpu:.0f}% {args[:110]}")
    return busy[:8]


def split_rows(book: Book) -> list[tuple[str, ...]]:
    rows = []
    for row in book.split:
        name = Path(row["page"]).relative_to(book.last_copy / book.book_dir).as_posix()
        rows.append(
            (
                f"  {book.name}: {name}",
                f"{row['kernel_s']:.1f} s",
                f"{row['imports_s']:.1f} s",
                f"{row['work_s']:.1f} s",
                f"{row['total_s']:.1f} s",
            )
        )
    if book.split:
        keys = ("kernel_s", "imports_s", "work_s", "total_s")
        total = {key: sum(r[key] for r in book.split) for key in keys}
        n = len(book.split)
        rows.append(
            (
                f"  {book.name}: mean of {n} notebooks",
                f"{total['kernel_s'] / n:.1f} s",
                f"{total['imports_s'] / n:.1f} s",
                f"{total['work_s'] / n:.1f} s",
                f"{total['total_s'] / n:.1f} s",
            )
        )
        share = (total["kernel_s"] + total["imports_s"]) / total["total_s"]
        rows.append((f"  {book.name}: kernel start and imports, share of all", f"{share:.0%}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables; the exit status says whether budgets hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds per measure (median taken)")
    parser.add_argument("--peer", type=Path, action="append", default=[],
                        help="a peer Jupyter Book (its folder or repository); may be repeated")
    parser.add_argument("--peer-python", action="append", default=[],
                        help="Python of each peer's environment, in order (default: ours)")
    parser.add_argument("--peer-name", action="append", default=[],
                        help="a name for each peer, in order (default: peer, peer2, ...)")
    parser.add_argument("--peer-edit", action="append", default=[],
                        help="the page edited in each peer, in order (default: a page of its own)")
    parser.add_argument("--edit", default=DEFAULT_EDIT, help="the page edited for the rebuild")
    parser.add_argument("--keep", type=Path, help="build here and keep the copies")
    parser.add_argument("--split", nargs="+", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.split:
        print(json.dumps([split_notebook(path.resolve()) for path in args.split]))
        return 0
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")

    ours = Book("book", REPO_ROOT, ".", Path(sys.executable).parent / "jupyter-book",
                make_build_flags(), args.edit)
    books = [ours]
    for n, peer_path in enumerate(args.peer):
        peer_source = peer_path.resolve()
        configs = sorted(
            p.parent for p in peer_source.glob("**/_config.yml") if "_build" not in p.parts
        )
        if not configs:
            parser.error(f"--peer {peer_path}: no _config.yml under it")
        book_dir = configs[0]
        edit = args.peer_edit[n] if n < len(args.peer_edit) else next(
            (c for c in PEER_EDIT_CANDIDATES if (book_dir / c).is_file()),
            executed_pages(book_dir)[0].relative_to(book_dir).as_posix(),
        )
        python = Path(args.peer_python[n] if n < len(args.peer_python) else sys.executable)
        default_name = "peer" if n == 0 else f"peer{n + 1}"
        name = args.peer_name[n] if n < len(args.peer_name) else default_name
        books.append(
            Book(name, peer_source, book_dir.relative_to(peer_source).as_posix() or ".",
                 python.parent / "jupyter-book", [], edit)
        )

    for book in books:  # fail now rather than after the clean builds
        if not (book.source / book.book_dir / book.edit).is_file():
            folder = book.source / book.book_dir
            parser.error(f"{book.name}: no page {book.edit} to edit in {folder}")

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="book-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    busy_before = other_processes()
    try:
        for n in range(1, args.runs + 1):
            for book in books:  # alternate, so that both see the same load
                clean_build(book, scratch, n)
        for book in books:
            rebuilds(book, args.runs)
        for book in books:
            book.pages = executed_pages(book.last_copy / book.book_dir)
            print(f"bench: {book.name}: split of {len(book.pages)} notebooks ...", flush=True)
            book.split = split_in(book.python, book.pages)
        busy_after = other_processes()
        html = ours.last_copy / "_build" / "html"
        site_bytes = folder_size(html)
        weights = page_weights(html)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)

    clean_s = median(ours.clean)
    no_change_s = median(ours.no_change)
    edit_s = median(ours.edited)
    per_page = clean_s / len(ours.pages)
    heaviest = weights[0] if weights else ("(no page)", 0, 0, [])
    heaviest_bytes = heaviest[1] + heaviest[2]
    checks = {
        "clean build": clean_s <= CLEAN_BUILD_BUDGET_S,
        "no-change rebuild": no_change_s / clean_s <= REBUILD_BUDGET_RATIO,
        "one-chapter edit": edit_s <= EDIT_REBUILD_BUDGET_S,
        "heaviest page": heaviest_bytes <= PAGE_BUDGET_BYTES,
    }
    peers = books[1:]
    if peers:  # the budget compares with the first peer
        first_per_page = median(peers[0].clean) / len(peers[0].pages)
        checks[f"per executed page vs {peers[0].name}"] = (
            per_page / first_per_page <= PER_PAGE_RATIO_BUDGET
        )

    header = [f"measure (median of {args.runs})", "book"]
    for peer in peers:
        header += [peer.name, f"book / {peer.name}"]
    header.append("budget")

    def row(name: str, measure, budget: str) -> tuple[str, ...]:
        """A row: `measure(book)` for the book, then each peer's value and the ratio."""
        ours_value = measure(ours)
        cells = [name, f"{ours_value:.1f} s"]
        for peer in peers:
            cells += [f"{measure(peer):.1f} s", ratio(ours_value, measure(peer))]
        return (*cells, budget)

    pages = ", ".join(f"{book.name} {len(book.pages)}" for book in books)
    per_page_budget = ""
    if peers:
        ok = checks[f"per executed page vs {peers[0].name}"]
        per_page_budget = f"book/{peers[0].name} <= {PER_PAGE_RATIO_BUDGET:.1f}  {verdict(ok)}"
    rows = [tuple(header)]
    rows.append(row("clean build (every notebook executed)", lambda b: median(b.clean),
                    f"<= {CLEAN_BUILD_BUDGET_S:.0f} s  {verdict(checks['clean build'])}"))
    rows.append(row("  CPU time of the clean build (all processes)", lambda b: median(b.clean_cpu),
                    "load-independent"))
    rows.append(row(f"  per executed page ({pages} pages)",
                    lambda b: median(b.clean) / len(b.pages), per_page_budget))
    rows.append(row("no-change rebuild", lambda b: median(b.no_change),
                    f"<= {REBUILD_BUDGET_RATIO:.0%} of clean ({no_change_s / clean_s:.1%})  "
                    f"{verdict(checks['no-change rebuild'])}"))
    rows.append(row("rebuild after a one-chapter edit", lambda b: median(b.edited),
                    f"<= {EDIT_REBUILD_BUDGET_S:.0f} s  {verdict(checks['one-chapter edit'])}"))
    print()
    print(table(rows))
    print()
    for book in books:
        print(f"{book.name} runs: clean {runs_text(book.clean)} s "
              f"(CPU {runs_text(book.clean_cpu)} s); no-change "
              f"{runs_text(book.no_change)} s; after editing {book.edit}: "
              f"{runs_text(book.edited)} s")

    print()
    split_table = [
        ("notebook, alone in a fresh kernel", "kernel start", "imports", "work", "total")
    ]
    for book in books:
        split_table += split_rows(book)
    print(table(split_table))

    print()
    weight_rows = [("page weight (book)", "value", "budget")]
    weight_rows.append(("site size (_build/html)", f"{site_bytes / 1e6:.2f} MB", ""))
    weight_rows.append(
        (
            f"heaviest page: {heaviest[0]}",
            f"{heaviest_bytes / 1e6:.2f} MB (HTML {heaviest[1] / 1e3:.0f} kB + "
            f"{len(heaviest[3])} images {heaviest[2] / 1e3:.0f} kB)",
            f"<= {PAGE_BUDGET_BYTES / 1e6:.1f} MB  {verdict(checks['heaviest page'])}",
        )
    )
    for name, html_bytes, image_bytes, images in weights[1:4]:
        weight_rows.append(
            (f"  next: {name}", f"{(html_bytes + image_bytes) / 1e6:.2f} MB", f"{len(images)} img")
        )
    print(table(weight_rows))

    print()
    print(f"machine: {os.cpu_count()} cores; other processes using CPU at the start: "
          + ("; ".join(busy_before) or "none")
          + "; at the end: " + ("; ".join(busy_after) or "none"))
    failed = [name for name, ok in checks.items() if not ok]
    print("bench: all budgets PASS" if not failed else f"bench: FAIL: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
