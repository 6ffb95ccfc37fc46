"""What search engines and Google Scholar read in a chapter's <head> (book/_ext/scholar_tags.py):
the summary that becomes the description, the Scholar tags, and the demo book's pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import scholar_tags as st
from book_ext_demo import DEMO, parse_rst
from book_metadata import BookMetadata, parse_metadata
from docutils import nodes


@pytest.fixture()
def meta() -> BookMetadata:
    return parse_metadata(DEMO)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short   text.", 50, "Short text."),
        ("One two. Three four five. Six.", 26, "One two. Three four five."),
        ("One two three four five six", 15, "One two three…"),
        ("Alpha, beta gamma", 14, "Alpha, beta…"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert st.shorten(text, limit) == expected
    assert len(st.shorten(text, limit)) <= limit


def test_prose_text_drops_citations() -> None:
    document = parse_rst("A claim (cite) here .")
    paragraph = document.next_node(nodes.paragraph)
    paragraph.clear()
    xref = nodes.inline(refdomain="cite")
    xref += nodes.Text("vivant2021")
    paragraph += [nodes.Text("A claim ("), xref, nodes.Text(") here .")]
    assert st.prose_text(paragraph) == "A claim here."


def test_chapter_summary() -> None:
    document = parse_rst(
        "Title\n=====\n\nIntro.\n\nWhat the article argues\n-----------------------\n\n"
        ".. note:: not this\n\nIt argues this. And that.\n\nNot this.\n"
    )
    assert st.chapter_summary(document) == "It argues this. And that."


def test_chapter_summary_without_the_section() -> None:
    document = parse_rst("Title\n=====\n\nOther\n-----\n\nText.\n")
    assert st.chapter_summary(document) is None


def test_scholar_tags(meta: BookMetadata) -> None:
    tags = st.scholar_tags(meta, "A chapter", "book/part1/x", "https://example.org/demo/demo.pdf")
    url = "https://example.org/demo/book/part1/x.html"
    assert tags == [
        ("citation_title", "A chapter"),
        ("citation_author", "Demo Team"),
        ("citation_author", "Ann Other"),
        ("citation_publication_date", "2025/03/04"),
        ("citation_inbook_title", "Demo book: A test"),
        ("citation_language", "en"),
        ("citation_public_url", url),
        ("citation_fulltext_html_url", url),
        ("citation_pdf_url", "https://example.org/demo/demo.pdf"),
    ]
    assert ("citation_pdf_url", "") not in st.scholar_tags(meta, "A chapter", "book/part1/x", "")
    assert len(st.scholar_tags(meta, "A chapter", "book/part1/x", "")) == len(tags) - 1


def test_meta_tag_escapes() -> None:
    assert st.meta_tag("citation_title", 'A "b" & c') == (
        '<meta name="citation_title" content="A &quot;b&quot; &amp; c" />'
    )


def test_demo_chapter_has_scholar_and_open_graph_tags(demo_build: tuple[Path, str]) -> None:
    page = (demo_build[0] / "book" / "part1" / "chapter.html").read_text(encoding="utf-8")
    assert '<meta name="citation_title" content="A chapter &amp; more" />' in page
    assert '<meta name="citation_pdf_url" content="https://example.org/demo/demo.pdf" />' in page
    summary = "The article makes a claim. It has a second sentence."
    assert f'<meta name="description" content="{summary}" />' in page
    assert f'<meta property="og:description" content="{summary}" />' in page


def test_demo_non_chapters_have_no_scholar_tags(demo_build: tuple[Path, str]) -> None:
    for name in ("index", "appendix"):
        page = (demo_build[0] / "book" / f"{name}.html").read_text(encoding="utf-8")
        assert "citation_title" not in page


def test_chapter_summary_falls_back_to_the_opening_paragraph() -> None:
    document = parse_rst("Title\n=====\n\nIt opens with this.\n\nOther\n-----\n\nText.\n")
    assert st.chapter_summary(document) == "It opens with this."


def test_a_link_to_a_page_reads_as_its_title() -> None:
    from sphinx import addnodes

    document = parse_rst("Title\n=====\n\nWhat the article argues\n-----------------------\n\nx\n")
    paragraph = document.next_node(nodes.paragraph)
    paragraph.clear()
    link = addnodes.pending_xref(refdomain="std", reftype="doc", reftarget="introduction",
                                 refexplicit=False)
    link += nodes.literal("introduction", "introduction")
    paragraph += [nodes.Text("The question the "), link, nodes.Text(" set out.")]
    assert st.chapter_summary(document) == "The question the introduction set out."
    titles = {"book/introduction": "Introduction"}
    assert st.chapter_summary(document, titles, "book/conclusion") == (
        "The question the Introduction set out.")
