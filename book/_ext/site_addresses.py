"""The site's addresses: the sitemap, the 404 page and the redirects from old page addresses.

Loads sphinx-sitemap, sphinx-notfound-page and sphinxext-rediraffe, and:
- config-inited: lists pages at <base_url><page>.html in the sitemap, serves the 404 page at any
  depth (absolute links) and redirects with book/_ext/redirect.html;
- env-updated: gives rediraffe the redirects of `redirects:` in book/metadata.yml whose target is
  a page of this build;
- html-collect-pages: lists the chapters on the 404 page;
- build-finished: writes the site's root index.html as a redirect page to the home page, from the
  same template as the other redirects (sphinx-external-toc would otherwise write a bare
  `<meta http-equiv="Refresh">` with no doctype or title, which is not valid HTML).
Without book/metadata.yml it does nothing; without its redirects file it stops the build.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from book_metadata import BookMetadata, app_metadata, is_chapter
from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ADDRESS_EXTENSIONS = ("sphinx_sitemap", "notfound.extension", "sphinxext.rediraffe")
REDIRECT_TEMPLATE = "book/_ext/redirect.html"


def configure_addresses(app: Sphinx, config: Any) -> None:
    """Settings of the sitemap, 404-page and redirect extensions."""
    meta = app.book_metadata
    # The sitemap lists pages at <base_url><page>.html (no language or version folders).
    config.sitemap_url_scheme = "{link}"
    config.sitemap_excludes = ["search.html", "genindex.html", "404.html"]
    # The 404 page is served at any depth: its links and assets use absolute paths.
    config.notfound_urls_prefix = meta.url_path
    # Filled in once the pages are known (see `redirects_to_built_pages`).
    config.rediraffe_redirects = {}
    config.rediraffe_template = REDIRECT_TEMPLATE


def read_redirects(path: Path) -> dict[str, str]:
    """The redirect map of a rediraffe file: old page -> new page (docnames)."""
    from sphinxext.rediraffe import create_graph

    if not path.is_file():
        raise ConfigError(f"site_addresses: the redirects file {path} does not exist")
    return create_graph(path)


def redirects_to_built_pages(app: Sphinx, env: Any) -> None:
    """Give rediraffe the redirects whose target is a page of this build.

    A build of part of the book (a private TOC) must not fail on a redirect to a page it leaves
    out; the full book has every target (tests/test_site_addresses.py checks them against the TOC
    and tests/test_publishing.py checks the built redirects).
    """
    redirects = read_redirects(Path(app.srcdir) / app.book_metadata.redirects)
    kept = {old: new for old, new in redirects.items() if new in env.found_docs}
    skipped = sorted(set(redirects) - set(kept))
    if skipped:
        logger.info("site_addresses: no redirect for %s (target not in this build)", skipped)
    app.config.rediraffe_redirects = kept


def toc_order(app: Sphinx) -> list[str]:
    """Every page in the order of the table of contents (depth first from the root)."""
    order: list[str] = []
    stack = [app.config.root_doc]
    while stack:
        docname = stack.pop()
        if docname not in order:
            order.append(docname)
            stack.extend(reversed(app.env.toctree_includes.get(docname, [])))
    return order


def notfound_body(meta: BookMetadata, chapters: list[tuple[str, str]], root_doc: str) -> str:
    """HTML body of the 404 page: what happened and links to every chapter (absolute paths)."""
    prefix = meta.url_path
    home = f"{prefix}{root_doc}.html"
    items = "\n".join(
        f'<li><a href="{html.escape(prefix + docname)}.html">{html.escape(title)}</a></li>'
        for docname, title in chapters
    )
    return (
        "<h1>Page not found</h1>\n"
        "<p>No page of this book has that address. Chapter addresses follow the sections of "
        "the article and do not change; the old address of a renamed page redirects to the new "
        f'one. Start again from the <a href="{html.escape(home)}">home page</a>, use '
        f'the <a href="{html.escape(prefix)}search.html">search</a>, or go to a chapter:</p>\n'
        f"<ul>\n{items}\n</ul>\n"
    )


def fill_notfound_page(app: Sphinx) -> list:
    """Give the 404 page the list of chapters (read from the table of contents)."""
    meta = app.book_metadata
    chapters = [
        (docname, app.env.titles[docname].astext())
        for docname in toc_order(app)
        if is_chapter(docname, meta.chapters) and docname in app.env.titles
    ]
    context = dict(app.config.notfound_context)
    context["title"] = "Page not found"
    context["body"] = notfound_body(meta, chapters, app.config.root_doc)
    app.config.notfound_context = context
    return []


def root_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Write <outdir>/index.html as a redirect page to the home page (when that is not index)."""
    root_doc = app.config.root_doc
    if exception is not None or app.builder.format != "html" or root_doc == "index":
        return
    import jinja2

    target = f"{root_doc}.html"
    template = jinja2.Template((Path(app.srcdir) / REDIRECT_TEMPLATE).read_text(encoding="utf-8"))
    page = template.render(rel_url=target, to_url=target)
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    meta = app_metadata(app)
    if meta is None:
        return extension
    read_redirects(Path(app.srcdir) / meta.redirects)
    for name in ADDRESS_EXTENSIONS:
        app.setup_extension(name)
    app.connect("config-inited", configure_addresses, priority=100)
    app.connect("env-updated", redirects_to_built_pages)
    # Before sphinx-notfound-page (priority 500) writes the page from its context.
    app.connect("html-collect-pages", fill_notfound_page, priority=400)
    # Before sphinx-external-toc (priority 500), which writes a bare redirect when none exists.
    app.connect("build-finished", root_redirect, priority=400)
    return extension
