"""Publishing: the GitHub workflow (checked offline, no marker) and the built site's sharing and
citing features (marker `book`, on the build in BOOK_HTML, default `_build/html`): sitemap, Open
Graph and Google Scholar tags, the cite and rerun blocks, the 404 page, redirects, the version on
every page, notebook downloads and the Binder button.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import book_metadata
import nbformat
import pytest
import site_addresses
import social_card
import yaml
from bs4 import BeautifulSoup
from conftest import toc_docnames

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "book.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

META = book_metadata.load_metadata(REPO_ROOT / book_metadata.METADATA_FILE)
PAGES = toc_docnames()
CHAPTERS = [name for name in PAGES if book_metadata.is_chapter(name, META.chapters)]
# Chapters that read data published after the article and so have no "What the article argues".
AFTER_THE_ARTICLE = ["book/after-the-article"]


# The workflow (offline checks, part of the unit tests).


@pytest.fixture(scope="module")
def workflow() -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); give it back its name.
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def test_workflow_matches_the_github_schema() -> None:
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_tests_on_debian_with_the_oldest_and_newest_python(workflow: dict) -> None:
    assert workflow["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    test = workflow["jobs"]["test"]
    assert test["container"] == "python:${{ matrix.python }}-bookworm"
    matrix = test["strategy"]["matrix"]["include"]
    # pyproject.toml: requires-python = ">=3.11,<3.14".
    assert [entry["python"] for entry in matrix] == ["3.11", "3.13"]
    # Only one job publishes the site and the release.
    assert [entry["publish"] for entry in matrix] == [True, False]
    assert test["env"]["PYTHON"] == "python${{ matrix.python }}"
    runs = [step.get("run", "") for step in test["steps"]]
    assert ".ci/run" in runs  # `make test`, which installs chromium, linkchecker and TeX itself
    assert workflow["permissions"] == {"contents": "read"}
    for step in test["steps"]:
        if "upload" in step.get("uses", "") or step.get("name", "").startswith(
            ("Assemble", "Put the PDF", "Prepare the site")
        ):
            assert step["if"].startswith("matrix.publish && "), step


def test_workflow_publishes_main_to_pages(workflow: dict) -> None:
    upload = next(
        step
        for step in workflow["jobs"]["test"]["steps"]
        if step.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == "_build/html"
    assert "refs/heads/main" in upload["if"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert "refs/heads/main" in deploy["if"] and "push" in deploy["if"]


def test_workflow_releases_tags_only(workflow: dict) -> None:
    release = workflow["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"] == {"contents": "write"}
    assert "gh release create" in release["steps"][-1]["run"]


def test_workflow_pdf_name_is_the_metadata_pdf(workflow: dict) -> None:
    assert workflow["env"]["PDF_NAME"] == META.pdf


def release_script(workflow: dict) -> str:
    """The shell script of the step that assembles the release archive."""
    steps = workflow["jobs"]["test"]["steps"]
    return next(step["run"] for step in steps if step.get("name") == "Assemble the release archive")


def fake_checkout(root: Path, version: str) -> None:
    """A checkout after `make test`, with a tiny built site (files made up for the test)."""
    (root / "book").mkdir(parents=True)
    (root / "book" / "metadata.yml").write_text(f'version: "{version}"\n', encoding="utf-8")
    (root / "_build" / "html").mkdir(parents=True)
    (root / "_build" / "html" / "index.html").write_text("<html></html>", encoding="utf-8")
    (root / "_build" / "html" / "diversion-book.pdf").write_bytes(b"%PDF-1.5 test")
    (root / "data").mkdir()
    (root / "data" / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    changelog = (
        f"# Changelog\n\n## {version} — 2026-01-01\n\nNew things.\n\n## 0.0.1 — 2025\n\nOld.\n"
    )
    (root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    for name in ("README.md", "CITATION.cff", "LICENSE", "LICENSE-TEXT.md"):
        (root / name).write_text(f"{name}\n", encoding="utf-8")
    (root / ".venv" / "bin").mkdir(parents=True)
    # A script, not a symlink: from Python 3.13 on, a symlink to a venv's python outside that venv
    # no longer finds the venv's packages (yaml here).
    python = root / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)


def run_release_script(workflow: dict, root: Path, tag: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "GITHUB_REF_NAME": tag, "PDF_NAME": "diversion-book.pdf"}
    return subprocess.run(
        ["bash", "-e", "-c", release_script(workflow)],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_release_archive_holds_site_pdf_data_and_checksums(workflow: dict, tmp_path: Path) -> None:
    fake_checkout(tmp_path, "1.2.3")
    result = run_release_script(workflow, tmp_path, "v1.2.3")
    assert result.returncode == 0, result.stderr
    archive = tmp_path / "dist" / "diversion-book-1.2.3.tar.gz"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        tar.extractall(tmp_path / "unpacked", filter="data")
    for name in ("html/index.html", "diversion-book.pdf", "data/table.csv", "SHA256SUMS"):
        assert f"diversion-book-1.2.3/{name}" in names
    unpacked = tmp_path / "unpacked" / "diversion-book-1.2.3"
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=unpacked)
    assert check.returncode == 0
    listed = (unpacked / "SHA256SUMS").read_text(encoding="utf-8")
    assert "./data/table.csv" in listed and "./diversion-book.pdf" in listed
    check = subprocess.run(["sha256sum", "--check", "SHA256SUMS"], cwd=tmp_path / "dist")
    assert check.returncode == 0
    notes = (tmp_path / "dist" / "notes.md").read_text(encoding="utf-8")
    assert notes.strip() == "New things."


def test_release_refuses_a_tag_that_is_not_the_version(workflow: dict, tmp_path: Path) -> None:
    fake_checkout(tmp_path, "1.2.3")
    result = run_release_script(workflow, tmp_path, "v1.2.4")
    assert result.returncode != 0
    assert "does not match version 1.2.3" in result.stderr


def test_make_serve_binds_to_this_machine_only() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^serve:.*?(?=^\S|\Z)", makefile, re.M | re.S).group(0)
    assert "scripts/pages_server.py --port $(PORT) _build/html" in recipe
    server = (REPO_ROOT / "scripts" / "pages_server.py").read_text(encoding="utf-8")
    assert 'PagesServer(("127.0.0.1", args.port)' in server


# The built site (marker `book`).

book = pytest.mark.book


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def built(book_html: Path, docname: str) -> BeautifulSoup:
    path = book_html / f"{docname}.html"
    assert path.is_file(), f"page {docname} was not built ({path} missing)"
    return parse(path)


def meta_content(soup: BeautifulSoup, key: str, attribute: str = "name") -> list[str]:
    return [tag.get("content", "") for tag in soup.find_all("meta", attrs={attribute: key})]


def is_redirect(path: Path) -> bool:
    """A page that only sends the reader elsewhere (rediraffe's or Jupyter Book's root page)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return re.search(r"""http-equiv=["']refresh["']""", text, re.I) is not None


@book
def test_there_are_chapters_to_check() -> None:
    assert "book/introduction" in CHAPTERS and "book/conclusion" in CHAPTERS
    assert sum(name.startswith("book/part") for name in CHAPTERS) >= 7


@book
def test_sitemap_lists_every_toc_page(book_html: Path) -> None:
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ElementTree.parse(book_html / "sitemap.xml").getroot()
    urls = {loc.text for loc in root.iter(f"{namespace}loc")}
    missing = [name for name in PAGES if f"{META.base_url}{name}.html" not in urls]
    assert missing == []
    assert all(url.startswith(META.base_url) for url in urls)
    assert not {url for url in urls if url.endswith(("/404.html", "/search.html"))}


@book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_scholar_tags(book_html: Path, chapter: str) -> None:
    soup = built(book_html, chapter)
    h1 = soup.select_one("article.bd-article h1")
    title = h1.get_text(" ", strip=True).rstrip("#").strip()
    url = f"{META.base_url}{chapter}.html"
    assert meta_content(soup, "citation_title") == [title]
    assert meta_content(soup, "citation_author") == list(META.authors)
    assert meta_content(soup, "citation_publication_date") == [META.released.replace("-", "/")]
    assert meta_content(soup, "citation_inbook_title") == [META.full_title]
    assert meta_content(soup, "citation_public_url") == [url]
    assert meta_content(soup, "citation_fulltext_html_url") == [url]
    assert meta_content(soup, "citation_pdf_url") == [META.base_url + META.pdf]


@book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_open_graph_tags(book_html: Path, chapter: str) -> None:
    soup = built(book_html, chapter)
    assert meta_content(soup, "og:url", "property") == [f"{META.base_url}{chapter}.html"]
    assert meta_content(soup, "og:site_name", "property") == [META.title]
    assert len(meta_content(soup, "og:title", "property")) == 1
    (description,) = meta_content(soup, "og:description", "property")
    # The summary is the opening of "What the article argues", not the page's first words; a
    # chapter without that section (the one on the years after the article) opens with its own.
    argues = soup.find(id="what-the-article-argues")
    if argues is None:
        assert chapter in AFTER_THE_ARTICLE, f"{chapter}: no 'What the article argues' section"
        argues = soup.select_one("article.bd-article section > p")
    first_words = " ".join(description.rstrip("…").split()[:6])
    assert first_words in " ".join(argues.get_text(" ").split())
    assert meta_content(soup, "description") == [description]
    (image,) = meta_content(soup, "og:image", "property")
    assert image == META.base_url + social_card.SITE_CARD
    assert (book_html / social_card.SITE_CARD).is_file()


@book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_ends_with_cite_block(book_html: Path, chapter: str) -> None:
    soup = built(book_html, chapter)
    section = soup.select_one("section#cite-this-chapter")
    assert section is not None, f"{chapter}: no 'Cite this chapter' section"
    text = " ".join(section.get_text(" ").split())
    url = f"{META.base_url}{chapter}.html"
    assert f"{META.author_text} ({META.year})." in text
    assert f"(version {META.version}). {url}" in text
    key = f"@incollection{{{META.bibtex_key_prefix}{META.year}:{chapter.rsplit('/', 1)[-1]},"
    assert key in section.select_one("pre").get_text()
    assert "Cite the article too: Vivant, E. (2021)." in text
    # It is the chapter's last section, after the template's "For discussion".
    assert section.find_next_sibling("section") is None


@book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_can_be_rerun(book_html: Path, chapter: str) -> None:
    soup = built(book_html, chapter)
    section = soup.select_one("section#rerun-this-chapter")
    assert section is not None, f"{chapter}: no 'Rerun this chapter' section"
    links = {a.get_text(" ", strip=True): a["href"] for a in section.find_all("a")}
    page_dir = (book_html / chapter).parent
    notebook = page_dir / links["as a Jupyter notebook (.ipynb)"]
    assert notebook.resolve() == (book_html / "_sources" / f"{chapter}.ipynb").resolve()
    code = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    assert code, f"{chapter}: the downloadable notebook has no code cell"
    assert (page_dir / links["as its MyST Markdown source (.md)"]).is_file()
    binder = (
        f"https://mybinder.org/v2/gh/{META.repository_url.removeprefix('https://github.com/')}"
        f"/{META.branch}?urlpath=lab/tree/{chapter}.md"
    )
    assert links["run it on Binder"] == binder
    # The theme's launch button opens the same notebook on Binder.
    assert binder in {a.get("href") for a in soup.select("a")}


@book
@pytest.mark.parametrize("other_page", [n for n in PAGES if n not in CHAPTERS])
def test_other_pages_have_no_cite_block(book_html: Path, other_page: str) -> None:
    soup = built(book_html, other_page)
    assert soup.select_one("section#cite-this-chapter") is None
    assert meta_content(soup, "citation_title") == []


@book
def test_version_is_on_every_page(book_html: Path) -> None:
    # Every page a reader can open (the theme's template fragments in _static are not pages).
    pages = [
        path
        for path in book_html.rglob("*.html")
        if not is_redirect(path) and path.relative_to(book_html).parts[0] != "_static"
    ]
    assert len(pages) >= len(PAGES)
    without = [
        str(path.relative_to(book_html))
        for path in pages
        if f"Version {META.version}" not in " ".join(parse(path).get_text(" ").split())
    ]
    assert without == []


@book
def test_404_page_links_every_chapter(book_html: Path) -> None:
    soup = parse(book_html / "404.html")
    hrefs = {a.get("href") for a in soup.select("article a, main a")}
    prefix = urlsplit(META.base_url).path
    assert [name for name in CHAPTERS if f"{prefix}{name}.html" not in hrefs] == []
    assert soup.select_one("article h1").get_text(strip=True) == "Page not found"
    # Its assets load from the site root, wherever the missing address was.
    stylesheets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert stylesheets and all(href.startswith(f"{prefix}_static/") for href in stylesheets)


@book
def test_every_redirect_leads_to_a_built_page(book_html: Path) -> None:
    redirects = site_addresses.read_redirects(REPO_ROOT / META.redirects)
    assert redirects["book/intro"] == "book/introduction"
    problems = []
    for old, new in redirects.items():
        path = book_html / f"{old}.html"
        if not path.is_file():
            problems.append(f"{old}: no redirect page")
            continue
        target = re.search(r'url=([^"]+)"', path.read_text(encoding="utf-8")).group(1)
        landing = (path.parent / target).resolve()
        if landing != (book_html / f"{new}.html").resolve() or not landing.is_file():
            problems.append(f"{old}: leads to {target}, expected an existing {new}.html")
    assert problems == []
    record = json.loads((book_html / "_rediraffe_redirected.json").read_text(encoding="utf-8"))
    assert set(record) >= set(redirects)


@book
def test_canonical_links_use_the_base_url(book_html: Path) -> None:
    for name in PAGES:
        (link,) = built(book_html, name).find_all("link", rel="canonical")
        assert link["href"] == f"{META.base_url}{name}.html"


@book
def test_site_card_is_a_1200_by_630_png(book_html: Path) -> None:
    from PIL import Image

    with Image.open(book_html / social_card.SITE_CARD) as image:
        assert (image.format, image.size) == ("PNG", (1200, 630))
