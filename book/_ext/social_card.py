"""What a social site shows for a link to the book: Open Graph tags and the site card image.

Loads sphinxext-opengraph, and:
- config-inited: gives it the book's address, name and one image for every page;
- build-finished: draws that image (_static/site-card.png) into the HTML output.
A chapter's description (og:description) comes from scholar_tags. Without book/metadata.yml it
does nothing.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from book_metadata import METADATA_FILE, BookMetadata, app_metadata
from sphinx.application import Sphinx

SITE_CARD = "_static/site-card.png"


def configure_open_graph(app: Sphinx, config: Any) -> None:
    """Settings of the Open Graph extension."""
    meta = app.book_metadata
    config.ogp_site_url = meta.base_url
    config.ogp_site_name = meta.title
    config.ogp_image = SITE_CARD
    config.ogp_image_alt = f"{meta.title}: {meta.subtitle}"
    # No generated cards: they would need fonts and time; one site image serves every page.
    config.ogp_social_cards = {"enable": False}


def draw_site_card(meta: BookMetadata, path: Path) -> Path:
    """Draw the 1200×630 image that social sites show for a link to the book."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from analysis.style import SERIES_COLOURS

    figure = Figure(figsize=(12, 6.3), dpi=100, facecolor="white")
    stripes = SERIES_COLOURS[:6]
    for i, colour in enumerate(stripes):
        figure.patches.append(
            Rectangle(
                (i / len(stripes), 0),
                1 / len(stripes),
                0.04,
                transform=figure.transFigure,
                color=colour,
            )
        )
    title = textwrap.fill(meta.title, 26)
    figure.text(0.06, 0.86, title, fontsize=50, weight="bold", color="#1a1a1a", va="top")
    subtitle = textwrap.fill(meta.subtitle, 48)
    figure.text(0.06, 0.42, subtitle, fontsize=28, color="#333333", va="top")
    figure.text(
        0.06, 0.1, f"Version {meta.version} · {meta.base_url}", fontsize=18, color="#555555"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


def card_is_current(card: Path, sources: list[Path]) -> bool:
    """Whether the card exists and is newer than every file it is drawn from."""
    return card.is_file() and all(card.stat().st_mtime >= s.stat().st_mtime for s in sources)


def write_site_card(app: Sphinx, exception: Exception | None) -> None:
    """Draw the sharing image into the HTML output, unless an up-to-date one is already there."""
    if exception is None and app.builder.format == "html":
        card = Path(app.outdir) / SITE_CARD
        # Drawing takes seconds (matplotlib start-up): a no-change rebuild should not pay it.
        if not card_is_current(card, [Path(app.srcdir) / METADATA_FILE, Path(__file__)]):
            draw_site_card(app.book_metadata, card)


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    if app_metadata(app) is None:
        return extension
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", configure_open_graph, priority=100)
    app.connect("build-finished", write_site_card)
    return extension
