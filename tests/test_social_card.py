"""What a social site shows for a link to the book (book/_ext/social_card.py): the site card and
the demo book's Open Graph image."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import social_card as sc
from book_ext_demo import DEMO
from book_metadata import BookMetadata, parse_metadata


@pytest.fixture()
def meta() -> BookMetadata:
    return parse_metadata(DEMO)


def test_draw_site_card_is_1200_by_630(meta: BookMetadata, tmp_path: Path) -> None:
    from PIL import Image

    path = sc.draw_site_card(meta, tmp_path / "static" / "card.png")
    with Image.open(path) as image:
        assert image.size == (1200, 630)


def test_card_is_current_compares_modification_times(tmp_path: Path) -> None:
    source, card = tmp_path / "metadata.yml", tmp_path / "card.png"
    source.write_text("title: x\n")
    assert not sc.card_is_current(card, [source])  # no card yet
    card.write_bytes(b"png")
    os.utime(source, (1_000, 1_000))
    os.utime(card, (2_000, 2_000))
    assert sc.card_is_current(card, [source])
    os.utime(source, (3_000, 3_000))  # the metadata changed after the card was drawn
    assert not sc.card_is_current(card, [source])


def test_demo_pages_share_the_site_card(demo_build: tuple[Path, str]) -> None:
    html = demo_build[0]
    page = (html / "book" / "part1" / "chapter.html").read_text(encoding="utf-8")
    assert 'content="https://example.org/demo/_static/site-card.png"' in page
    assert (html / sc.SITE_CARD).is_file()


def test_demo_pdf_build_draws_no_card(demo_latex_build: tuple[Path, str]) -> None:
    assert not (demo_latex_build[0] / sc.SITE_CARD).exists()
