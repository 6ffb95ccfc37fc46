"""What search engines and Google Scholar read in a chapter page's <head>.

- config-inited: the public address of the book as one PDF (`book_pdf_url`; by default
  <base_url><pdf> of book/metadata.yml), which Scholar's `citation_pdf_url` gives;
- doctree-read: records a chapter's summary (the opening of its "What the article argues"
  section, or of the page for a chapter without one) as its description, for the Open Graph tags
  too; env-updated: once every page's title is known, a link to a page reads as that page's title
  in the summary, as it does on the page;
- html-page-context: adds Google Scholar (Highwire Press) tags and the description to chapter pages.
Without book/metadata.yml it does nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any

from book_metadata import BookMetadata, app_metadata, is_chapter, page_title, page_url
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import docname_join

SUMMARY_SECTION = "what the article argues"
SUMMARY_LENGTH = 300


def shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The text cut to at most `limit` characters: whole sentences if possible, else whole words."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def prose_text(node: nodes.Node, titles: dict[str, str] | None = None, base: str = "") -> str:
    """Text of a paragraph without its citations (which read as bare keys before resolution);
    with `titles` (docname: title), a link to a page without its own text reads as the title."""
    parts = []
    named: set[int] = set()
    for child in node.findall(nodes.Text):
        chain = _ancestors(child, node)
        if any(getattr(parent, "get", lambda *_: None)("refdomain") == "cite" for parent in chain):
            continue
        link = next((parent for parent in chain if isinstance(parent, addnodes.pending_xref)
                     and parent.get("reftype") == "doc" and not parent.get("refexplicit")), None)
        target = docname_join(base, link["reftarget"]) if link is not None else ""
        if titles is not None and target in titles:
            if id(link) not in named:
                named.add(id(link))
                parts.append(titles[target])
            continue
        parts.append(child.astext())
    text = " ".join("".join(parts).split())
    text = re.sub(r"\s*\(\s*[;,]*\s*\)", "", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


def _ancestors(node: nodes.Node, stop: nodes.Node) -> list[nodes.Node]:
    """The parents of `node` up to (not including) `stop`."""
    chain = []
    parent = node.parent
    while parent is not None and parent is not stop:
        chain.append(parent)
        parent = parent.parent
    return chain


def chapter_summary(
    doctree: nodes.document, titles: dict[str, str] | None = None, base: str = ""
) -> str | None:
    """Summary of a chapter: the opening of its "What the article argues" section or, for a
    chapter without one, the first paragraph under its title (before any section)."""
    sections = list(doctree.findall(nodes.section))
    for section in sections:
        title = section.next_node(nodes.title)
        if title is not None and title.astext().strip().lower() == SUMMARY_SECTION:
            return _first_paragraph(section, titles, base)
    return _first_paragraph(sections[0], titles, base) if sections else None


def _first_paragraph(section: nodes.section, titles: dict[str, str] | None,
                     base: str) -> str | None:
    """The first paragraph with prose directly in a section, shortened; None if there is none."""
    for child in section.children:
        if isinstance(child, nodes.paragraph) and prose_text(child, titles, base):
            return shorten(prose_text(child, titles, base))
    return None


def scholar_tags(
    meta: BookMetadata, title: str, docname: str, pdf_url: str
) -> list[tuple[str, str]]:
    """Google Scholar (Highwire Press) tags of a chapter."""
    url = page_url(meta, docname)
    tags = [("citation_title", title)]
    tags += [("citation_author", name) for name in meta.authors]
    tags += [
        ("citation_publication_date", meta.released.replace("-", "/")),
        ("citation_inbook_title", meta.full_title),
        ("citation_language", "en"),
        ("citation_public_url", url),
        ("citation_fulltext_html_url", url),
    ]
    if pdf_url:
        tags.append(("citation_pdf_url", pdf_url))
    return tags


def meta_tag(name: str, content: str) -> str:
    """One <meta name=... content=...> element."""
    return f'<meta name="{html.escape(name)}" content="{html.escape(content)}" />'


def set_pdf_url(app: Sphinx, config: Any) -> None:
    """The PDF's public address from the metadata, unless the configuration gives one."""
    meta = app.book_metadata
    if not config.book_pdf_url and meta.pdf:
        config.book_pdf_url = meta.base_url + meta.pdf


def record_summary(app: Sphinx, doctree: nodes.document) -> None:
    """Keep a chapter's summary as its description (`og:description`, unless the page sets one)."""
    meta = app.book_metadata
    docname = app.env.docname
    # A chapter without an H1 is reported by chapter_sections and gets no summary.
    if not is_chapter(docname, meta.chapters) or page_title(doctree) is None:
        return
    page_meta = app.env.metadata[docname]
    summary = chapter_summary(doctree)
    if summary and "og:description" not in page_meta:
        page_meta["og:description"] = summary
    page_meta["book_summary"] = summary or ""


def resolve_summaries(app: Sphinx, env: BuildEnvironment) -> None:
    """Once all titles are known, rewrite each chapter's summary with links read as page titles
    (a description set by the page itself is left alone)."""
    meta = app.book_metadata
    titles = {docname: title.astext() for docname, title in env.titles.items()}
    for docname in sorted(env.found_docs):
        page_meta = env.metadata.get(docname, {})
        recorded = page_meta.get("book_summary")
        if not recorded or not is_chapter(docname, meta.chapters):
            continue
        summary = chapter_summary(env.get_doctree(docname), titles, docname) or recorded
        if page_meta.get("og:description") == recorded:
            page_meta["og:description"] = summary
        page_meta["book_summary"] = summary


def add_page_tags(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.document | None
) -> None:
    """Add Scholar tags and a description to chapter pages."""
    meta = app.book_metadata
    if doctree is None or not is_chapter(pagename, meta.chapters):
        return
    title = app.env.titles[pagename].astext()
    lines = [
        meta_tag(name, content)
        for name, content in scholar_tags(meta, title, pagename, app.config.book_pdf_url)
    ]
    summary = app.env.metadata[pagename].get("book_summary")
    if summary:
        lines.append(meta_tag("description", summary))
    context["metatags"] = context.get("metatags", "") + "\n".join(lines) + "\n"


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    # Public address of the book as one PDF; by default <base_url><pdf> from the metadata.
    app.add_config_value("book_pdf_url", "", "html", types=[str])
    if app_metadata(app) is None:
        return extension
    app.connect("config-inited", set_pdf_url, priority=100)
    app.connect("doctree-read", record_summary, priority=400)
    app.connect("env-updated", resolve_summaries)
    # Before sphinxext-opengraph (priority 500) adds its own tags.
    app.connect("html-page-context", add_page_tags, priority=400)
    return extension
