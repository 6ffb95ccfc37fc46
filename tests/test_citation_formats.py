"""How the book cites (book/_ext/citation_formats.py): references to a chapter and to the article,
and the BibTeX entry of a chapter."""

from __future__ import annotations

from pathlib import Path

import citation_formats as cf
import pytest
from book_ext_demo import DEMO, DEMO_BIB, REPO_ROOT
from book_metadata import BookMetadata, parse_metadata
from docutils import nodes


@pytest.fixture()
def meta() -> BookMetadata:
    return parse_metadata(DEMO)


def test_chapter_reference(meta: BookMetadata) -> None:
    runs = cf.chapter_reference(meta, 'The "new face" of heroin', "book/part1/new-face")
    assert runs[1] == ("Demo book: A test", True)
    assert cf.runs_to_text(runs) == (
        'Demo Team, Ann Other (2025). The "new face" of heroin. In Demo book: A test '
        "(version 1.2.3). https://example.org/demo/book/part1/new-face.html"
    )


def test_chapter_reference_keeps_a_question_mark(meta: BookMetadata) -> None:
    text = cf.runs_to_text(cf.chapter_reference(meta, "The end of prohibition?", "book/part3/x"))
    assert "(2025). The end of prohibition? In Demo" in text


def test_bibtex_entry(meta: BookMetadata) -> None:
    entry = cf.bibtex_entry(meta, "Costs & 100% of $5 #1_a", "book/part2/costs")
    assert entry == (
        "@incollection{demo2025:costs,\n"
        "  author = {{Demo Team} and {Ann Other}},\n"
        "  title = {{Costs \\& 100\\% of \\$5 \\#1\\_a}},\n"
        "  booktitle = {Demo book: A test},\n"
        "  publisher = {Demo Team, Ann Other},\n"
        "  year = {2025},\n"
        "  version = {1.2.3},\n"
        "  url = {https://example.org/demo/book/part2/costs.html},\n"
        "}"
    )


def test_bibtex_entry_names_a_publisher_when_the_metadata_does(meta: BookMetadata) -> None:
    from dataclasses import replace

    entry = cf.bibtex_entry(replace(meta, publisher="Demo Press"), "A", "book/part1/a")
    assert "  publisher = {Demo Press},\n" in entry


def test_bibtex_field_wraps_between_words_and_never_inside_a_url() -> None:
    words = " ".join(["word"] * 40)
    lines = cf.bibtex_field("title", words).splitlines()
    assert len(lines) > 1
    assert all(len(line) <= cf.BIBTEX_WIDTH for line in lines)
    assert lines[0].startswith("  title = {word") and lines[-1].endswith("word},")
    assert all(line.startswith("    word") for line in lines[1:])
    url = "https://example.org/" + "a" * 120
    assert cf.bibtex_field("url", url) == f"  url = {{{url}}},"


def test_article_reference_of_the_real_article() -> None:
    # Vivant (2021), Déviance et Société 45(4):613–644 (the journal issue; HAL hal-03485366).
    runs = cf.article_reference([REPO_ROOT / "book" / "references.bib"], "vivant2021")
    text = cf.runs_to_text(runs)
    assert text.startswith(
        "Vivant, E. (2021). Changer les pratiques pour sauver des vies. Ressorts"
    )
    assert runs[1] == ("Déviance et Société", True)
    assert text.endswith(", 45(4), 613–644. https://hal.science/hal-03485366")
    assert "{" not in text


def test_article_reference_formats_authors_and_issue(tmp_path: Path) -> None:
    bib = tmp_path / "demo.bib"
    bib.write_text(DEMO_BIB, encoding="utf-8")
    empty = tmp_path / "empty.bib"
    empty.write_text("", encoding="utf-8")
    text = cf.runs_to_text(cf.article_reference([empty, bib], "doe2020"))
    assert text == (
        "Doe, J. A. & Roe, R. (2020). On Massachusetts police: a study. Journal of Tests, "
        "7(2), 10–20. https://example.org/doe2020"
    )
    text = cf.runs_to_text(cf.article_reference([bib], "noissue2019"))
    assert text == "Poe, E. (2019). A volume without issue? Annals, 3, 1–2."


def test_article_reference_names_a_missing_key(tmp_path: Path) -> None:
    bib = tmp_path / "demo.bib"
    bib.write_text(DEMO_BIB, encoding="utf-8")
    with pytest.raises(KeyError, match="no entry with key 'smith1999'"):
        cf.article_reference([bib], "smith1999")


def test_runs_to_nodes_links_urls_and_italicises() -> None:
    out = cf.runs_to_nodes([("See https://a.org/x now. ", False), ("Book", True)])
    assert [type(node) for node in out] == [nodes.Text, nodes.reference, nodes.Text, nodes.emphasis]
    assert out[1]["refuri"] == "https://a.org/x"


def test_article_bibtex_copies_the_bibliography_entry(tmp_path: Path) -> None:
    bib = tmp_path / "demo.bib"
    bib.write_text(DEMO_BIB, encoding="utf-8")
    assert cf.article_bibtex([bib], "doe2020") == (
        "@article{doe2020,\n"
        "  author = {Doe, Jane Anne and Roe, Richard},\n"
        "  title = {On {Massachusetts} police: a study},\n"
        "  journal = {Journal of Tests},\n"
        "  volume = {7},\n"
        "  number = {2},\n"
        "  pages = {10--20},\n"
        "  year = {2020},\n"
        "  url = {https://example.org/doe2020},\n"
        "}"
    )
