"""The metadata loader shared by the book's extensions (book/_ext/book_metadata.py): its checks,
the book's own book/metadata.yml and the files that repeat it, and what every extension does
without the file or with a bad one."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import book_metadata as bm
import pytest
import yaml
from book_ext_demo import BOOK_EXTENSIONS, DEMO, REPO_ROOT, parse_rst, run_sphinx, start_sphinx
from citation_formats import article_reference


@pytest.fixture()
def meta() -> bm.BookMetadata:
    return bm.parse_metadata(DEMO)


def test_parse_metadata_reads_every_field(meta: bm.BookMetadata) -> None:
    assert meta.authors == ("Demo Team", "Ann Other")
    assert meta.year == "2025"
    assert meta.full_title == "Demo book: A test"
    assert meta.author_text == "Demo Team, Ann Other"
    assert meta.url_path == "/demo/"
    assert meta.branch == "trunk"
    assert meta.chapters == ("book/intro", "book/part*/*")


def test_parse_metadata_defaults_for_optional_keys() -> None:
    required = {key: DEMO[key] for key in bm.REQUIRED_KEYS}
    required["repository"] = {"url": "https://github.com/example/demo"}
    meta = bm.parse_metadata(required)
    assert (meta.subtitle, meta.licence, meta.pdf, meta.article_key) == ("", "", "", "")
    assert (meta.branch, meta.bibtex_key_prefix, meta.full_title) == ("main", "book", "Demo book")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "missing or empty key\\(s\\): title"),
        ({"base_url": "http://example.org/demo/"}, "must be an https URL ending with '/'"),
        ({"base_url": "https://example.org/demo"}, "must be an https URL ending with '/'"),
        ({"version": "1.2"}, "version '1.2' must look like MAJOR.MINOR.PATCH"),
        ({"released": "2025"}, "released '2025' must be a date YYYY-MM-DD"),
        ({"repository": "https://github.com/a/b"}, "repository must be a mapping"),
        ({"repository": {"url": "https://gitlab.com/a/b"}}, "must be https://github.com/<owner>"),
        ({"authors": "Demo Team"}, "authors must be a list of names"),
        ({"authors": ["Demo Team", ""]}, "authors must be a list of names"),
    ],
)
def test_parse_metadata_rejects_bad_values(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bm.parse_metadata({**DEMO, **change}, "demo.yml")


def test_parse_metadata_rejects_a_list() -> None:
    with pytest.raises(ValueError, match="expected a mapping of metadata keys, got list"):
        bm.parse_metadata(["title"])


def test_load_metadata_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="book metadata file not found"):
        bm.load_metadata(tmp_path / "metadata.yml")


def test_app_metadata_reads_the_file_once(tmp_path: Path) -> None:
    from sphinx.errors import ConfigError

    app = SimpleNamespace(srcdir=str(tmp_path))
    assert bm.app_metadata(app) is None  # no book/metadata.yml
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump(DEMO))
    assert bm.app_metadata(app) is None  # kept from the first call
    app = SimpleNamespace(srcdir=str(tmp_path))
    assert bm.app_metadata(app).title == "Demo book"
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump({**DEMO, "version": "one"}))
    assert bm.app_metadata(app).version == "1.2.3"
    with pytest.raises(ConfigError, match="version 'one' must look"):
        bm.app_metadata(SimpleNamespace(srcdir=str(tmp_path)))


def test_is_chapter_follows_the_patterns(meta: bm.BookMetadata) -> None:
    assert bm.is_chapter("book/intro", meta.chapters)
    assert bm.is_chapter("book/part2/police-gateway-to-care", meta.chapters)
    assert not bm.is_chapter("book/appendix/glossary", meta.chapters)
    assert not bm.is_chapter("book/index", meta.chapters)


def test_page_url(meta: bm.BookMetadata) -> None:
    assert bm.page_url(meta, "book/part1/x") == "https://example.org/demo/book/part1/x.html"


def test_page_title() -> None:
    assert bm.page_title(parse_rst("Title\n=====\n\nOther\n-----\n\nText.\n")) == "Title"
    assert bm.page_title(parse_rst("No title here.")) is None


# The book's own metadata and the files that repeat it.
BOOK_METADATA = REPO_ROOT / bm.METADATA_FILE


def real_metadata() -> bm.BookMetadata:
    return bm.load_metadata(BOOK_METADATA)


def test_book_metadata_is_valid_and_cites_an_existing_article() -> None:
    meta = real_metadata()
    assert article_reference([REPO_ROOT / "book" / "references.bib"], meta.article_key)
    assert (REPO_ROOT / meta.redirects).is_file()


def test_citation_cff_agrees_with_the_metadata() -> None:
    meta = real_metadata()
    cff = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == meta.version
    assert str(cff["date-released"]) == meta.released
    assert cff["url"] == meta.base_url
    assert cff["repository-code"] == meta.repository_url
    assert [author["name"] for author in cff["authors"]] == list(meta.authors)
    assert cff["title"].startswith(meta.title)


def test_changelog_has_an_entry_for_the_version() -> None:
    meta = real_metadata()
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(meta.version)} \S+ {meta.released}$", changelog, re.M)


# Every extension on the demo book, and on books without metadata or with bad metadata.


def test_demo_build_has_no_warning(demo_build: tuple[Path, str]) -> None:
    assert demo_build[1] == ""


def test_extensions_do_nothing_without_metadata(tmp_path: Path) -> None:
    (tmp_path / "index.rst").write_text("Title\n=====\n\nText.\n", encoding="utf-8")
    assert run_sphinx(tmp_path, {"extensions": BOOK_EXTENSIONS}) == ""
    html = tmp_path / "_build" / "html"
    assert not (html / "sitemap.xml").exists()
    assert "Version" not in (html / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("extension", BOOK_EXTENSIONS)
def test_extension_stops_on_bad_metadata(tmp_path: Path, extension: str) -> None:
    from sphinx.errors import ConfigError
    from sphinx.util.docutils import docutils_namespace

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump({**DEMO, "version": "one"}))
    with docutils_namespace(), pytest.raises(ConfigError, match="version 'one' must look"):
        start_sphinx(tmp_path, {"extensions": [extension]})
