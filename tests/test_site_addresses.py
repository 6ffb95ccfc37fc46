"""The site's addresses (book/_ext/site_addresses.py): the 404 page, the book's redirects, and the
demo book's sitemap, 404 page and redirects."""

from __future__ import annotations

from pathlib import Path

import pytest
import site_addresses as sa
import yaml
from book_ext_demo import DEMO, REPO_ROOT, start_sphinx
from book_metadata import METADATA_FILE, BookMetadata, load_metadata, parse_metadata
from conftest import toc_docnames


@pytest.fixture()
def meta() -> BookMetadata:
    return parse_metadata(DEMO)


def test_notfound_body_links_chapters_from_the_site_root(meta: BookMetadata) -> None:
    body = sa.notfound_body(meta, [("book/intro", "Intro & more")], "book/index")
    assert '<li><a href="/demo/book/intro.html">Intro &amp; more</a></li>' in body
    assert 'href="/demo/book/index.html">home page</a>' in body
    assert 'href="/demo/search.html"' in body


def redirect_map(path: Path) -> dict[str, str]:
    """The redirect map of a rediraffe file (`old new` per line, # comments)."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            old, new = line.split()
            assert old not in pairs, f"{path}: {old} is redirected twice"
            pairs[old] = new
    return pairs


def test_redirects_point_from_free_addresses_to_toc_pages() -> None:
    pages = set(toc_docnames(REPO_ROOT / "_toc.yml"))
    redirects = redirect_map(REPO_ROOT / load_metadata(REPO_ROOT / METADATA_FILE).redirects)
    assert redirects["book/intro"] == "book/introduction"
    assert sorted(set(redirects.values()) - pages) == []
    assert sorted(set(redirects) & pages) == []


def test_demo_site_files(demo_build: tuple[Path, str]) -> None:
    html = demo_build[0]
    sitemap = (html / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/demo/book/part1/chapter.html</loc>" in sitemap
    assert "404.html" not in sitemap
    notfound = (html / "404.html").read_text(encoding="utf-8")
    assert '<a href="/demo/book/part1/chapter.html">A chapter &amp; more</a>' in notfound
    redirect = (html / "book" / "old.html").read_text(encoding="utf-8")
    assert 'url=part1/chapter.html"' in redirect
    assert not (html / "book" / "gone.html").exists()


def test_extension_stops_without_its_redirects_file(tmp_path: Path) -> None:
    from sphinx.errors import ConfigError
    from sphinx.util.docutils import docutils_namespace

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump(DEMO))
    with docutils_namespace(), pytest.raises(ConfigError, match="redirects.txt does not exist"):
        start_sphinx(tmp_path, {"extensions": ["site_addresses"]})
