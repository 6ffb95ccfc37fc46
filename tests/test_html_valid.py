"""The built HTML is valid: the W3C Nu HTML checker finds no error in any page of the site.

The checker is npm's `vnu-jar` (pinned in tools/web/package-lock.json, installed by `make
web-tools`), run with the system's Java. Every HTML file of the build is checked except the theme's
macro templates under _static/ (Jinja source files the theme copies there; no page links to them).
A missing checker or Java fails the test: it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO_ROOT

pytestmark = pytest.mark.book

VNU_JAR = REPO_ROOT / "tools" / "web" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NOT_PAGES = {"_static"}


def site_pages(book_html: Path) -> list[Path]:
    """Every HTML page of the built site (not the theme's templates in _static/)."""
    return sorted(
        path
        for path in book_html.rglob("*.html")
        if not NOT_PAGES & set(path.relative_to(book_html).parts)
    )


def run_vnu(pages: list[Path]) -> list[dict]:
    """The checker's messages (errors only) for these files."""
    java = shutil.which("java")
    assert java, "java not found: `apt-get install -y openjdk-17-jre-headless` (done by .ci/run)"
    assert VNU_JAR.is_file(), f"{VNU_JAR} missing: run `make web-tools`"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    # vnu writes its JSON report to stderr and exits 1 when it found errors.
    assert result.returncode in (0, 1), f"vnu failed (exit {result.returncode}): {result.stderr}"
    return json.loads(result.stderr)["messages"]


def page_of(url: str, book_html: Path) -> str:
    """A checked file's path inside the build, from the checker's file: URL."""
    return url.removeprefix("file:").removeprefix(str(book_html.resolve()) + "/")


def test_site_has_pages(book_html: Path) -> None:
    pages = site_pages(book_html)
    assert book_html / "index.html" in pages and len(pages) > 10, pages


def test_html_is_valid(book_html: Path) -> None:
    messages = run_vnu(site_pages(book_html))
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    by_page = Counter(page_of(m.get("url", ""), book_html) for m in errors)
    details = [
        f"{page_of(m.get('url', ''), book_html)}:{m.get('lastLine', '?')}: {m.get('message')}"
        f" [{(m.get('extract') or '').strip()[:100]}]"
        for m in errors[:40]
    ]
    assert not errors, (
        f"the W3C Nu checker finds {len(errors)} errors ({dict(by_page)}):\n" + "\n".join(details)
    )
