"""Lighthouse on every chapter page, as a reader on a phone gets it (issue 19).

The pinned Lighthouse of tools/web (`make web-tools`) runs with the system Chromium in its default
mobile emulation (simulated slow 4G, 4x CPU slowdown) against the built book served like GitHub
Pages (scripts/pages_server.py: gzip, cache headers). Each chapter is measured LIGHTHOUSE_RUNS
times (default 5) and its median scores must reach: performance 90, accessibility, best practices
and SEO 100. `make lighthouse` prints the same table for any page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, chromium_path

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import lighthouse  # noqa: E402

pytestmark = pytest.mark.browser

RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "5"))
CHAPTERS = lighthouse.chapter_pages()
TARGETS = {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100}


@pytest.fixture(scope="module")
def scores(book_html: Path) -> dict[str, lighthouse.PageScores]:
    """Every chapter measured RUNS times (once for the module)."""
    assert chromium_path(), "Chromium not found: apt-get install -y chromium (done by .ci/run)"
    assert lighthouse.LIGHTHOUSE.is_file(), f"{lighthouse.LIGHTHOUSE} missing: make web-tools"
    results = lighthouse.measure(book_html, CHAPTERS, RUNS, "mobile", echo=False)
    print("\n" + lighthouse.HEADER)
    for page in results:
        print(lighthouse.format_row(page))
    return {page.docname: page for page in results}


def test_every_chapter_is_measured() -> None:
    assert len(CHAPTERS) >= 9 and "book/introduction" in CHAPTERS, CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS, ids=CHAPTERS)
def test_lighthouse_scores(scores: dict, chapter: str) -> None:
    page = scores[chapter]
    low = {
        category: page.median(category)
        for category, target in TARGETS.items()
        if page.median(category) < target
    }
    assert not low, (
        f"{chapter}: median Lighthouse scores below target {TARGETS}: {low}\n"
        f"{lighthouse.HEADER}\n{lighthouse.format_row(page)}\n" + "\n".join(page.problems)
    )
