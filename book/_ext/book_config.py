"""The book's metadata (book/metadata.yml) into the Sphinx configuration: each value typed once.

config-inited: sets the title, authors, copyright, version, base URL, the theme's repository button,
the footer that shows the version on every page, and the MyST substitutions ({{ book_version }}
and the like) that let a page name the book's version and addresses. The settings of the sitemap,
404 page and redirects are in site_addresses, those of Open Graph in social_card, the PDF address
in scholar_tags. Without book/metadata.yml it does nothing.
"""

from __future__ import annotations

import html
from typing import Any

from book_metadata import BookMetadata, app_metadata
from sphinx.application import Sphinx


def footer_html(meta: BookMetadata) -> str:
    """Footer line with the version (shown on every page)."""
    changelog = f"{meta.repository_url}/blob/{meta.branch}/CHANGELOG.md"
    return (
        f'<p class="book-version">Version {html.escape(meta.version)} '
        f"({html.escape(meta.released)}) · "
        f'<a href="{html.escape(changelog)}">what changed</a> · '
        f"{html.escape(meta.licence)}</p>"
    )


def substitutions(meta: BookMetadata) -> dict[str, str]:
    """MyST substitutions that give pages the book's version and addresses."""
    changelog = f"{meta.repository_url}/blob/{meta.branch}/CHANGELOG.md"
    return {
        "book_version": meta.version,
        "book_repository": f"[{meta.repository_url}]({meta.repository_url})",
        "book_changelog": f"[changelog]({changelog})",
    }


def apply_metadata(app: Sphinx, config: Any) -> None:
    """Set the book's own configuration values from book/metadata.yml."""
    meta = app.book_metadata
    config.project = meta.title
    config.html_title = meta.title
    config.author = meta.author_text
    config.copyright = f"{meta.year}, {meta.author_text}" + (
        f" ({meta.licence})" if meta.licence else ""
    )
    config.version = config.release = meta.version
    config.html_baseurl = meta.base_url
    theme = config.html_theme_options
    theme["repository_url"] = meta.repository_url
    theme["repository_branch"] = meta.branch
    theme["use_repository_button"] = True
    theme["extra_footer"] = footer_html(meta)
    # For pages that name the book's addresses: {{ book_repository }} and the like.
    if "myst_substitutions" in config:
        config.myst_substitutions = {**substitutions(meta), **config.myst_substitutions}


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    if app_metadata(app) is None:
        return extension
    # Before the other extensions' config-inited handlers (pdf_edition's reads the version).
    app.connect("config-inited", apply_metadata, priority=100)
    return extension
