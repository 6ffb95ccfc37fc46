"""Shared fixtures for the checks of the built book (HTML files) and of the book in a browser.

Where things are, overridable by environment variables so the same tests run on any build:
- BOOK_HTML: the built HTML (default `_build/html`, what `make book` writes);
- BOOK_TOC: the table of contents whose pages must all be there (default `_toc.yml`);
- BOOK_SCREENSHOTS: where the browser tests save screenshots (default `<BOOK_HTML>/../screenshots`);
- CHROMIUM: the browser binary (default: `chromium` on PATH, as Debian installs it).
A missing build or a missing browser fails these tests: they never skip.

Also, for the tests of the extensions in book/_ext: that folder on the import path, and the demo
book of tests/book_ext_demo.py built once per run (fixtures `demo_build`, `demo_latex_build`).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
# The extensions of book/_ext (not a package), imported by name as Sphinx imports them.
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))

# --no-sandbox: CI runs as root. The other flags stop Chromium's own background connections (to
# update, sync and probe services), which this offline machine would refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _from_env(name: str, default: Path) -> Path:
    """A path from an environment variable (relative to the repository root), or the default."""
    value = os.environ.get(name)
    if not value:
        return default
    path = Path(value)
    return path if path.is_absolute() else REPO_ROOT / path


def book_html_dir() -> Path:
    """Folder of the built HTML book."""
    return _from_env("BOOK_HTML", REPO_ROOT / "_build" / "html")


def toc_file() -> Path:
    """Table of contents listing the pages that must be in the built book."""
    return _from_env("BOOK_TOC", REPO_ROOT / "_toc.yml")


def _toc_entries(node: object) -> Iterator[str]:
    """Every `file:` of a Jupyter Book TOC node, depth first, in reading order."""
    if isinstance(node, dict):
        if "file" in node:
            yield str(node["file"])
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                yield from _toc_entries(child)
    elif isinstance(node, list):
        for child in node:
            yield from _toc_entries(child)


def toc_docnames(path: Path | None = None) -> list[str]:
    """Pages of the TOC as Sphinx docnames (`book/part1/new-face-of-heroin`), root first."""
    path = path or toc_file()
    toc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError(f"{path}: a Jupyter Book TOC needs a 'root' entry")
    names = [str(toc["root"]), *_toc_entries(toc)]
    # A file may be written with its suffix in the TOC; the built page drops it.
    names = [name.removesuffix(".md").removesuffix(".ipynb") for name in names]
    return list(dict.fromkeys(names))


def html_path(docname: str) -> str:
    """Path of a page inside the built HTML, relative to its root."""
    return f"{docname}.html"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes `docname` once per page of the TOC."""
    if "docname" in metafunc.fixturenames:
        names = toc_docnames()
        metafunc.parametrize("docname", names, ids=names)


@pytest.fixture(scope="session")
def book_html() -> Path:
    """The built HTML book; fails (does not skip) when it has not been built."""
    folder = book_html_dir()
    if not (folder / "index.html").is_file():
        pytest.fail(
            f"no built book at {folder} (index.html missing): run `make book` first, "
            "or point BOOK_HTML at a build"
        )
    return folder


@pytest.fixture(scope="session")
def screenshot_dir(book_html: Path) -> Path:
    """Folder for the browser tests' screenshots (created, emptied of old PNGs)."""
    folder = _from_env("BOOK_SCREENSHOTS", book_html.parent / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.rglob("*.png"):
        old.unlink()
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def book_server(book_html: Path) -> Iterator[str]:
    """Serve the built book on 127.0.0.1 (a free port) for the session; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def chromium_path() -> str | None:
    """Debian's Chromium binary, or the one named by CHROMIUM."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright; fails when the browser is missing."""
    executable = chromium_path()
    if executable is None:
        pytest.fail(
            "Chromium not found: install it (`apt-get install -y chromium`, done by .ci/run) "
            "or set CHROMIUM to its path; the browser tests must not be skipped"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo book of tests/book_ext_demo.py built to HTML: (HTML folder, warnings)."""
    from book_ext_demo import DEMO_CONFIG, run_sphinx, write_demo_book

    src = tmp_path_factory.mktemp("demo")
    write_demo_book(src)
    warnings = run_sphinx(src, DEMO_CONFIG)
    return src / "_build" / "html", warnings


@pytest.fixture(scope="session")
def demo_latex_build(demo_build: tuple[Path, str]) -> tuple[Path, str]:
    """The same demo book built to LaTeX, after the HTML: (LaTeX folder, warnings)."""
    from book_ext_demo import DEMO_CONFIG, run_sphinx

    src = demo_build[0].parents[1]
    warnings = run_sphinx(src, DEMO_CONFIG, builder="latex")
    return src / "_build" / "latex", warnings
