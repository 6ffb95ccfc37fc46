"""The book's build is strict: proved on three tiny books built with the project's configuration.

Each tiny book is a copy of `_config.yml` (its extensions, templates, exclude patterns and execution
settings), a two-page TOC and a tiny bibliography, built with the flags of `make book` (JB_FLAGS in
the Makefile). The clean book must build; the same book with one broken cross-reference, or with one
notebook cell that raises, must fail the build.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
BUILD_TIMEOUT_S = 300

TINY_BIB = """@book{tiny2020,
  author = {Doe, Jane},
  title = {A Tiny Book},
  publisher = {Nowhere Press},
  year = {2020},
}
"""
INDEX_PAGE = """# A tiny book

This page cites a tiny work {cite:p}`tiny2020` and points to {numref}`{label}` on the next page.

```{bibliography}
```
"""
NOTEBOOK_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""
NOTEBOOK_PAGE = NOTEBOOK_HEADER + """
# A tiny notebook

```{code-cell} ipython3
value = {expression}
print(value)
```

```{table} Two numbers.
:name: tbl-tiny

| a | b |
|---|---|
| 1 | 2 |
```
"""
# What changes between the clean tiny book and each broken one.
VARIANTS = {
    "clean": {"label": "tbl-tiny", "expression": "1 + 1"},
    "broken-numref": {"label": "tbl-does-not-exist", "expression": "1 + 1"},
    "failing-cell": {"label": "tbl-tiny", "expression": "1 / 0"},
}


def make_build_flags(makefile: Path = REPO_ROOT / "Makefile") -> list[str]:
    """The flags `make book` passes to `jupyter-book build` (JB_FLAGS in the Makefile)."""
    match = re.search(r"^JB_FLAGS\s*:?=\s*(.*)$", makefile.read_text(encoding="utf-8"), re.M)
    if match is None:
        raise ValueError(f"{makefile}: no JB_FLAGS line; the strict build flags must be named")
    return shlex.split(match.group(1))


def copy_config_paths(config: dict, book: Path) -> None:
    """Copy into the tiny book the folders the configuration names (extensions, templates...)."""
    sphinx = config.get("sphinx") or {}
    paths = list((sphinx.get("local_extensions") or {}).values())
    sphinx_config = sphinx.get("config") or {}
    for key in ("templates_path", "html_static_path", "html_extra_path"):
        value = sphinx_config.get(key) or []
        paths += [value] if isinstance(value, str) else list(value)
    html = config.get("html") or {}
    paths += [value for value in (config.get("logo"), html.get("favicon")) if value]
    for relative in dict.fromkeys(str(p) for p in paths):
        source = REPO_ROOT / relative
        target = book / relative
        if source.is_dir():
            shutil.copytree(
                source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def write_tiny_book(root: Path, label: str, expression: str) -> Path:
    """A two-page book with the project's configuration; returns its folder."""
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["bibtex_bibfiles"] = ["book/tiny.bib"]
    (root / "book").mkdir(parents=True)
    copy_config_paths(config, root)
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    toc = {"format": "jb-book", "root": "book/index", "chapters": [{"file": "book/notebook"}]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    (root / "book" / "tiny.bib").write_text(TINY_BIB, encoding="utf-8")
    (root / "book" / "index.md").write_text(INDEX_PAGE.replace("{label}", label), encoding="utf-8")
    notebook = NOTEBOOK_PAGE.replace("{expression}", expression)
    (root / "book" / "notebook.md").write_text(notebook, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """Build the three tiny books side by side; their results by variant name."""
    flags = make_build_flags()
    running = {}
    for name, variant in VARIANTS.items():
        root = write_tiny_book(tmp_path_factory.mktemp(name) / "book", **variant)
        log = (root.parent / "build.log").open("w+", encoding="utf-8")
        command = [str(JUPYTER_BOOK), "build", *flags, "."]
        process = subprocess.Popen(
            command, cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        running[name] = (command, process, log, root)
    results = {}
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    for name, (command, process, log, root) in running.items():
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        results[name] = subprocess.CompletedProcess(command, process.returncode, output, "")
        results[name].root = root  # type: ignore[attr-defined]
    return results


def test_make_book_flags_are_strict() -> None:
    flags = make_build_flags()
    # -W turns warnings into errors, -n reports every broken reference; --keep-going lists them all.
    assert {"-W", "-n", "--keep-going"} <= set(flags), f"JB_FLAGS is {flags}"


def test_make_build_flags_needs_the_line(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text("book:\n\tjupyter-book build .\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no JB_FLAGS"):
        make_build_flags(makefile)


def test_clean_tiny_book_builds(builds: dict) -> None:
    result = builds["clean"]
    assert result.returncode == 0, f"the clean tiny book failed to build:\n{result.stdout[-6000:]}"
    html = result.root / "_build" / "html"
    notebook_page = (html / "book" / "notebook.html").read_text(encoding="utf-8")
    assert "A tiny notebook" in notebook_page
    # The cell ran: its output (1 + 1) is in the page, and the reference was numbered.
    assert re.search(r"<pre>(?:<span></span>)?\s*2\s*</pre>", notebook_page), (
        "the cell's output 2 is not shown"
    )
    index_page = (html / "book" / "index.html").read_text(encoding="utf-8")
    assert "Table 1" in index_page


def test_broken_numref_fails_the_build(builds: dict) -> None:
    result = builds["broken-numref"]
    assert result.returncode != 0, "a broken {numref} did not fail the build"
    assert "tbl-does-not-exist" in result.stdout, result.stdout[-6000:]


def test_failing_cell_fails_the_build(builds: dict) -> None:
    result = builds["failing-cell"]
    assert result.returncode != 0, "a notebook cell that raises did not fail the build"
    assert "ZeroDivisionError" in result.stdout, result.stdout[-6000:]


DATA_PAGE = NOTEBOOK_HEADER + """
# A page that reads data

```{code-cell} ipython3
from pathlib import Path

print("value read:", Path("../data/value.csv").read_text().strip())
```
"""


def test_changed_data_reexecutes_the_notebooks(tmp_path: Path) -> None:
    """A figure is never older than its data: editing data/ alone re-executes the pages.

    The notebooks' code is the same in both builds, so the jupyter-cache that hands executed
    notebooks to myst-nb (book/_ext/parallel_execution.py) holds a match from the first build:
    the page must show the new value all the same."""
    root = write_tiny_book(tmp_path / "book", **VARIANTS["clean"])
    (root / "book" / "notebook.md").write_text(DATA_PAGE, encoding="utf-8")
    (root / "book" / "index.md").write_text("# A tiny book\n\nNothing else.\n", encoding="utf-8")
    (root / "data").mkdir()
    data = root / "data" / "value.csv"
    command = [str(JUPYTER_BOOK), "build", *make_build_flags(), "."]
    page = root / "_build" / "html" / "book" / "notebook.html"
    for value in ("41", "42"):
        data.write_text(value + "\n", encoding="utf-8")
        done = subprocess.run(command, cwd=root, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_S)
        assert done.returncode == 0, done.stdout[-3000:]
        assert f"value read: {value}" in page.read_text(encoding="utf-8")


COUNTING_PAGE = NOTEBOOK_HEADER + """
# A page that reads data and counts its runs

```{code-cell} ipython3
import time
from pathlib import Path

with Path("../runs.log").open("a") as log:
    log.write(f"{name} start {time.time()}\\n")
time.sleep(4)
print("value read:", int(Path("../data/value.csv").read_text()))
with Path("../runs.log").open("a") as log:
    log.write(f"{name} end {time.time()}\\n")
```
"""


def write_two_notebook_book(root: Path) -> Path:
    """A tiny book with two notebook pages that log when they run and read data/value.csv."""
    root = write_tiny_book(root, **VARIANTS["clean"])
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("sphinx", {}).setdefault("config", {})["nb_parallel_jobs"] = 2
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    toc = {
        "format": "jb-book",
        "root": "book/index",
        "chapters": [{"file": "book/first"}, {"file": "book/second"}],
    }
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    (root / "book" / "index.md").write_text("# A tiny book\n\nNothing else.\n", encoding="utf-8")
    (root / "book" / "notebook.md").unlink()
    for name in ("first", "second"):
        page = COUNTING_PAGE.replace("{name}", name)
        (root / "book" / f"{name}.md").write_text(page, encoding="utf-8")
    (root / "data").mkdir()
    return root


def build_tiny(root: Path) -> subprocess.CompletedProcess:
    command = [str(JUPYTER_BOOK), "build", *make_build_flags(), "."]
    return subprocess.run(command, cwd=root, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_S)


def runs(root: Path) -> dict[str, list[tuple[str, float]]]:
    """What book/runs.log recorded: for each page, its (event, time) pairs."""
    logged: dict[str, list[tuple[str, float]]] = {}
    for line in (root / "runs.log").read_text(encoding="utf-8").splitlines():
        name, event, moment = line.split()
        logged.setdefault(name, []).append((event, float(moment)))
    return logged


def test_notebooks_execute_once_each_and_at_the_same_time(tmp_path: Path) -> None:
    """Both pages are executed once (myst-nb takes the executed notebooks instead of running them
    again) and while the other runs (two at a time, nb_parallel_jobs)."""
    root = write_two_notebook_book(tmp_path / "book")
    (root / "data" / "value.csv").write_text("41\n", encoding="utf-8")
    done = build_tiny(root)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "executing 2 notebooks, 2 at a time" in done.stdout
    logged = runs(root)
    assert {name: [event for event, _ in events] for name, events in logged.items()} == {
        "first": ["start", "end"],
        "second": ["start", "end"],
    }
    (first_start, first_end), (second_start, second_end) = (
        [moment for _, moment in logged[name]] for name in ("first", "second")
    )
    assert first_start < second_end and second_start < first_end, "they ran one after the other"
    for name in ("first", "second"):
        html = (root / "_build" / "html" / "book" / f"{name}.html").read_text(encoding="utf-8")
        assert "value read: 41" in html
    # One cache record per page, also after a page's code changes.
    assert len(cache_records(root)) == 2
    first = root / "book" / "first.md"
    first.write_text(first.read_text(encoding="utf-8") + EXTRA_CELL, encoding="utf-8")
    done = build_tiny(root)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "executing 1 notebooks" in done.stdout
    assert [event for event, _ in runs(root)["first"]] == ["start", "end", "start", "end"]
    assert "second" in runs(root) and len(runs(root)["second"]) == 2  # not run again
    assert sorted(Path(uri).name for uri in cache_records(root)) == ["first.md", "second.md"]


EXTRA_CELL = """
```{code-cell} ipython3
print("a second cell")
```
"""


def cache_records(root: Path) -> list[str]:
    """The pages (URIs) of the records in the book's jupyter-cache."""
    from jupyter_cache import get_cache

    cache = get_cache(root / "_build" / ".jupyter_cache")
    try:
        return [record.uri for record in cache.list_cache_records()]
    finally:
        cache.db.dispose()  # close the SQLite connection (Python 3.13 warns of an open one)


def test_a_notebook_that_now_fails_is_not_taken_from_the_cache(tmp_path: Path) -> None:
    """Data that break a page fail the build, though the cache holds that page's earlier run."""
    root = write_two_notebook_book(tmp_path / "book")
    data = root / "data" / "value.csv"
    data.write_text("41\n", encoding="utf-8")
    assert build_tiny(root).returncode == 0
    data.write_text("not a number\n", encoding="utf-8")
    done = build_tiny(root)
    assert done.returncode != 0, "a page whose data now break it was served from the cache"
    output = done.stdout + done.stderr
    assert "ValueError" in output, output[-6000:]
