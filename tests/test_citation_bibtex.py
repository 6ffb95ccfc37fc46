"""The BibTeX entries of "Cite this chapter" (the chapter's and the article's), as a reader pastes
them into a bibliography: parsed by pybtex, formatted by pybtex's plain style, and run through a
real `bibtex` (TeX Live) with the common styles. None may warn.

The entries are those of the real book (book/metadata.yml, the TOC's chapters, book/references.bib);
the last test reads them back from the built HTML pages (`make book`).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from book_metadata import is_chapter, load_metadata, page_url
from citation_formats import article_bibtex, bibtex_entry
from conftest import REPO_ROOT, toc_docnames

# Styles of a standard TeX Live (base and natbib): the ones a reader is most likely to use.
STYLES = ("plain", "unsrt", "alpha", "abbrv", "plainnat", "apalike")
META = load_metadata(REPO_ROOT / "book" / "metadata.yml")
BIB_FILES = [REPO_ROOT / "book" / "references.bib", REPO_ROOT / "book" / "sources.bib"]


def chapter_title(docname: str) -> str:
    """The H1 of a chapter's source."""
    for line in (REPO_ROOT / f"{docname}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{docname}: no H1")


def chapters() -> list[str]:
    return [name for name in toc_docnames() if is_chapter(name, META.chapters)]


def book_entries() -> list[str]:
    """Every chapter's entry and the article's, as the book builds them."""
    entries = [bibtex_entry(META, chapter_title(name), name) for name in chapters()]
    return [*entries, article_bibtex(BIB_FILES, META.article_key)]


def run_bibtex(entries: list[str], style: str, folder: Path) -> str:
    """Run TeX Live's bibtex on the entries with a style; return its output and log."""
    tool = shutil.which("bibtex")
    if tool is None:
        pytest.fail("bibtex not found: install TeX Live (.ci/run does)")
    keys = [re.match(r"@\w+\{([^,]+),", entry).group(1) for entry in entries]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refs.bib").write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    aux = ["\\relax", *(f"\\citation{{{key}}}" for key in keys)]
    aux += [f"\\bibstyle{{{style}}}", "\\bibdata{refs}"]
    (folder / "job.aux").write_text("\n".join(aux) + "\n", encoding="utf-8")
    result = subprocess.run(
        [tool, "job"], cwd=folder, capture_output=True, text=True, check=False, timeout=60
    )
    log = (folder / "job.blg").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, f"bibtex {style} failed:\n{result.stdout}\n{log}"
    bbl = (folder / "job.bbl").read_text(encoding="utf-8", errors="replace")
    assert bbl.count("\\bibitem") == len(keys), bbl
    return result.stdout + log


def check_with_pybtex(entries: list[str]) -> dict:
    """Parse the entries strictly and format them with pybtex's plain style; return them."""
    from pybtex import errors
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    errors.set_strict_mode(True)
    bibliography = parse_string("\n\n".join(entries), "bibtex")
    style = find_plugin("pybtex.style.formatting", "plain")()
    formatted = list(style.format_entries(bibliography.entries.values()))  # raises on a gap
    assert len(formatted) == len(entries)
    return bibliography.entries


def test_every_chapter_has_an_entry() -> None:
    assert len(chapters()) >= 9
    assert "book/introduction" in chapters() and "book/appendix/data" not in chapters()


@pytest.mark.parametrize("style", STYLES)
def test_bibtex_gives_no_warning(style: str, tmp_path: Path) -> None:
    output = run_bibtex(book_entries(), style, tmp_path)
    assert "Warning--" not in output, output
    assert "error message" not in output, output


def test_pybtex_reads_and_formats_every_entry() -> None:
    entries = check_with_pybtex(book_entries())
    for name in chapters():
        key = f"{META.bibtex_key_prefix}{META.year}:{name.rsplit('/', 1)[-1]}"
        fields = entries[key].fields
        assert fields["url"] == page_url(META, name)
        assert fields["version"] == META.version
        # The version is given once: not repeated in a note (or anywhere else).
        assert "note" not in fields
        assert sum(META.version in value for value in fields.values()) == 1
        assert fields["publisher"] and fields["booktitle"] == META.full_title


def test_the_article_entry_is_the_bibliography_entry_with_no_doi_added() -> None:
    from pybtex.database import parse_file

    recorded = parse_file(str(BIB_FILES[0])).entries[META.article_key]
    entry = check_with_pybtex([article_bibtex(BIB_FILES, META.article_key)])[META.article_key]
    assert dict(entry.fields) == dict(recorded.fields)
    assert [str(p) for p in entry.persons["author"]] == ["Vivant, Elsa"]
    assert "doi" not in {name.lower() for name in entry.fields}
    assert entry.fields["url"].startswith("https://hal.science/")


def built_bibtex_blocks(page: Path) -> list[str]:
    """The text of the BibTeX blocks of a built HTML page."""
    text = page.read_text(encoding="utf-8")
    block = r'<div class="[^"]*highlight-bibtex[^"]*"[^>]*>.*?<pre>(.*?)</pre>'
    blocks = re.findall(block, text, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in blocks]


@pytest.mark.book
def test_built_pages_give_clean_bibtex(book_html: Path, tmp_path: Path) -> None:
    article = article_bibtex(BIB_FILES, META.article_key)
    chapter_entries = []
    for name in chapters():
        blocks = built_bibtex_blocks(book_html / f"{name}.html")
        assert len(blocks) == 2, f"{name}: expected the chapter's and the article's BibTeX"
        assert blocks[1] == article
        chapter_entries.append(blocks[0])
    entries = [*chapter_entries, article]
    check_with_pybtex(entries)
    for style in STYLES:
        output = run_bibtex(entries, style, tmp_path / style)
        assert "Warning--" not in output, f"{style}: {output}"
