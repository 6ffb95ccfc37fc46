"""The book's metadata (book/metadata.yml): read and checked once, shared by the book's extensions.

Not an extension itself: book_config, chapter_sections, scholar_tags, site_addresses, social_card
and pdf_edition import it. `app_metadata(app)` reads the file the first time an extension asks and
keeps the result on the Sphinx application; without the file (e.g. the tiny books of
tests/test_strict_build.py) it returns None and the extensions do nothing.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

METADATA_FILE = "book/metadata.yml"
REQUIRED_KEYS = (
    "title",
    "authors",
    "version",
    "released",
    "base_url",
    "repository",
    "chapters",
    "redirects",
)


@dataclass(frozen=True)
class BookMetadata:
    """The book's bibliographic metadata and addresses, as read from book/metadata.yml."""

    title: str
    subtitle: str
    authors: tuple[str, ...]
    version: str
    released: str
    licence: str
    base_url: str
    repository_url: str
    branch: str
    pdf: str
    chapters: tuple[str, ...]
    redirects: str
    bibtex_key_prefix: str
    article_key: str
    publisher: str = ""

    @property
    def year(self) -> str:
        """Year of the release."""
        return self.released[:4]

    @property
    def full_title(self) -> str:
        """Title and subtitle, as a reference gives them."""
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    @property
    def author_text(self) -> str:
        """The authors as one string."""
        return ", ".join(self.authors)

    @property
    def publisher_text(self) -> str:
        """Who publishes the book: `publisher:` of the metadata, or else its authors
        (the book is published by its contributors)."""
        return self.publisher or self.author_text

    @property
    def url_path(self) -> str:
        """Path part of the base URL (for links that must work from any folder)."""
        return urlparse(self.base_url).path or "/"


def parse_metadata(raw: dict[str, Any], source: str = METADATA_FILE) -> BookMetadata:
    """Check the metadata mapping and return it as a BookMetadata."""
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: expected a mapping of metadata keys, got {type(raw).__name__}")
    missing = [key for key in REQUIRED_KEYS if not raw.get(key)]
    if missing:
        raise ValueError(f"{source}: missing or empty key(s): {', '.join(missing)}")
    base_url = str(raw["base_url"])
    if not re.fullmatch(r"https://[^/\s]+/(\S*/)?", base_url):
        raise ValueError(f"{source}: base_url {base_url!r} must be an https URL ending with '/'")
    version = str(raw["version"])
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ValueError(f"{source}: version {version!r} must look like MAJOR.MINOR.PATCH")
    released = str(raw["released"])
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", released):
        raise ValueError(f"{source}: released {released!r} must be a date YYYY-MM-DD")
    repository = raw["repository"]
    if not isinstance(repository, dict) or not repository.get("url"):
        raise ValueError(f"{source}: repository must be a mapping with a 'url' key")
    repository_url = str(repository["url"]).rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repository_url):
        raise ValueError(
            f"{source}: repository url {repository_url!r} must be https://github.com/<owner>/<repo>"
        )
    authors = raw["authors"]
    if isinstance(authors, str) or not all(isinstance(a, str) and a for a in authors):
        raise ValueError(f"{source}: authors must be a list of names")
    return BookMetadata(
        title=str(raw["title"]),
        subtitle=str(raw.get("subtitle") or ""),
        authors=tuple(authors),
        version=version,
        released=released,
        licence=str(raw.get("licence") or ""),
        base_url=base_url,
        repository_url=repository_url,
        branch=str(repository.get("branch") or "main"),
        pdf=str(raw.get("pdf") or ""),
        chapters=tuple(raw["chapters"]),
        redirects=str(raw["redirects"]),
        bibtex_key_prefix=str(raw.get("bibtex_key_prefix") or "book"),
        article_key=str(raw.get("article_key") or ""),
        publisher=str(raw.get("publisher") or ""),
    )


def load_metadata(path: Path) -> BookMetadata:
    """Read and check book/metadata.yml."""
    if not path.is_file():
        raise FileNotFoundError(f"book metadata file not found: {path}")
    return parse_metadata(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def app_metadata(app: Sphinx) -> BookMetadata | None:
    """The metadata of the book being built (read once per build), or None without the file.

    Called from the extensions' setup: a bad file stops the build with a ConfigError.
    """
    if not hasattr(app, "book_metadata"):
        path = Path(app.srcdir) / METADATA_FILE
        if not path.is_file():
            logger.info("book_metadata: no %s: the book's extensions do nothing", METADATA_FILE)
            app.book_metadata = None
        else:
            try:
                app.book_metadata = load_metadata(path)
            except ValueError as error:
                raise ConfigError(str(error)) from error
    return app.book_metadata


def is_chapter(docname: str, patterns: tuple[str, ...]) -> bool:
    """Whether a page is a chapter (gets a cite block and Scholar tags)."""
    return any(fnmatch.fnmatchcase(docname, pattern) for pattern in patterns)


def page_url(meta: BookMetadata, docname: str) -> str:
    """Public URL of a page."""
    return f"{meta.base_url}{docname}.html"


def page_title(doctree: nodes.document) -> str | None:
    """The page's H1 (a chapter without one gets no sections, summary or description)."""
    section = doctree.next_node(nodes.section)
    if section is None or not isinstance(section[0], nodes.title):
        return None
    return section[0].astext()
