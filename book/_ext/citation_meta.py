"""Cite, share and rerun: the book's metadata (book/metadata.yml) applied to every page.

When the source folder has book/metadata.yml, this extension loads the sharing extensions
(sphinx-sitemap, sphinxext-opengraph, sphinx-notfound-page, sphinxext-rediraffe) and:
- config-inited: sets every value that depends on the metadata (title, authors, version, base
  URL, repository, footer, sitemap, Open Graph, 404 page, redirects, PDF address), so that each is
  typed once;
- doctree-read: appends "Rerun this chapter" and "Cite this chapter" to every chapter page (a
  doctree change, so the PDF has them too) and records the chapter's summary;
- html-page-context: adds Google Scholar (Highwire Press) tags and a description to chapter pages;
- html-collect-pages: lists the chapters on the 404 page;
- build-finished: draws the image shown when a link to the book is shared.
Without book/metadata.yml (e.g. the tiny books of tests/test_strict_build.py) it does nothing.
"""

from __future__ import annotations

import fnmatch
import html
import posixpath
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

METADATA_FILE = "book/metadata.yml"
SHARING_EXTENSIONS = (
    "sphinx_sitemap",
    "sphinxext.opengraph",
    "notfound.extension",
    "sphinxext.rediraffe",
)
SITE_CARD = "_static/site-card.png"
REDIRECT_TEMPLATE = "book/_ext/redirect.html"
SUMMARY_SECTION = "what the article argues"
SUMMARY_LENGTH = 300
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
LOCAL_LINK_CLASS = "book-output-link"


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
    )


def load_metadata(path: Path) -> BookMetadata:
    """Read and check book/metadata.yml."""
    if not path.is_file():
        raise FileNotFoundError(f"book metadata file not found: {path}")
    return parse_metadata(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def is_chapter(docname: str, patterns: tuple[str, ...]) -> bool:
    """Whether a page is a chapter (gets a cite block and Scholar tags)."""
    return any(fnmatch.fnmatchcase(docname, pattern) for pattern in patterns)


def page_url(meta: BookMetadata, docname: str) -> str:
    """Public URL of a page."""
    return f"{meta.base_url}{docname}.html"


def slug(docname: str) -> str:
    """Last part of a page's path: the chapter's stable short name."""
    return docname.rsplit("/", 1)[-1]


def end_sentence(text: str) -> str:
    """The text followed by a full stop, unless it already ends a sentence."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def chapter_reference(meta: BookMetadata, title: str, docname: str) -> list[tuple[str, bool]]:
    """Author-date reference to a chapter, as (text, italic) runs."""
    return [
        (f"{meta.author_text} ({meta.year}). {end_sentence(title)} In ", False),
        (meta.full_title, True),
        (f" (version {meta.version}). {page_url(meta, docname)}", False),
    ]


def bibtex_escape(text: str) -> str:
    """Escape the characters that BibTeX or LaTeX read as commands."""
    return re.sub(r"([&%$#_])", r"\\\1", text)


def bibtex_entry(meta: BookMetadata, title: str, docname: str) -> str:
    """BibTeX entry for a chapter (corporate authors braced so they are not split into names)."""
    authors = " and ".join(f"{{{bibtex_escape(name)}}}" for name in meta.authors)
    fields = [
        ("author", authors),
        ("title", bibtex_escape(title)),
        ("booktitle", bibtex_escape(meta.full_title)),
        ("year", meta.year),
        ("version", meta.version),
        ("note", f"Version {meta.version}"),
        ("url", page_url(meta, docname)),
    ]
    body = ",\n".join(f"  {name:<9} = {{{value}}}" for name, value in fields)
    return f"@incollection{{{meta.bibtex_key_prefix}{meta.year}:{slug(docname)},\n{body},\n}}"


def article_reference(bib_files: list[Path], key: str) -> list[tuple[str, bool]]:
    """Author-date reference to a journal article found in .bib files, as (text, italic) runs."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    for bib_file in bib_files:
        entries = parse_file(str(bib_file), "bibtex").entries
        if key in entries:
            entry = entries[key]
            break
    else:
        raise KeyError(f"no entry with key {key!r} in {', '.join(map(str, bib_files))}")

    def field(name: str) -> str:
        return Text.from_latex(entry.fields.get(name, "")).render_as("text")

    names = []
    for person in entry.persons.get("author", []):
        last = Text.from_latex(" ".join(person.last_names)).render_as("text")
        initials = " ".join(
            f"{Text.from_latex(n).render_as('text')[0]}."
            for n in [*person.first_names, *person.middle_names]
        )
        names.append(f"{last}, {initials}" if initials else last)
    issue = f"{field('volume')}({field('number')})" if field("number") else field("volume")
    pages = field("pages").replace("--", "–")
    url = f" {field('url')}" if field("url") else ""
    return [
        (f"{' & '.join(names)} ({field('year')}). {end_sentence(field('title'))} ", False),
        (field("journal"), True),
        (f", {issue}, {pages}.{url}", False),
    ]


def runs_to_text(runs: list[tuple[str, bool]]) -> str:
    """Plain text of a list of (text, italic) runs."""
    return "".join(text for text, _ in runs)


def runs_to_nodes(runs: list[tuple[str, bool]]) -> list[nodes.Node]:
    """Docutils nodes for (text, italic) runs; URLs become links."""
    out: list[nodes.Node] = []
    for text, italic in runs:
        if italic:
            out.append(nodes.emphasis(text, text))
            continue
        for i, part in enumerate(re.split(r"(https?://\S+)", text)):
            if i % 2:
                out.append(nodes.reference(part, part, refuri=part))
            elif part:
                out.append(nodes.Text(part))
    return out


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


def prose_text(node: nodes.Node) -> str:
    """Text of a paragraph without its citations (which read as bare keys before resolution)."""
    parts = []
    for child in node.findall(nodes.Text):
        if any(
            getattr(parent, "get", lambda *_: None)("refdomain") == "cite"
            for parent in _ancestors(child, node)
        ):
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


def chapter_summary(doctree: nodes.document) -> str | None:
    """Summary of a chapter: the opening of its "What the article argues" section."""
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None or title.astext().strip().lower() != SUMMARY_SECTION:
            continue
        for child in section.children:
            if isinstance(child, nodes.paragraph) and prose_text(child):
                return shorten(prose_text(child))
    return None


def page_title(doctree: nodes.document) -> str | None:
    """The page's H1."""
    section = doctree.next_node(nodes.section)
    if section is None or not isinstance(section[0], nodes.title):
        return None
    return section[0].astext()


def new_section(doctree: nodes.document, title: str, ident: str) -> nodes.section:
    """An empty section with a page-unique id (no label: nothing to clash across pages)."""
    unique, n = ident, 1
    while unique in doctree.ids:
        n += 1
        unique = f"{ident}-{n}"
    section = nodes.section(ids=[unique], classes=[ident])
    doctree.ids[unique] = section
    section += nodes.title(title, title)
    return section


def binder_url(theme_options: dict, meta: BookMetadata, docname: str, suffix: str) -> str | None:
    """Binder address that opens a page's source, as the theme's launch button builds it."""
    launch = theme_options.get("launch_buttons") or {}
    hub = str(launch.get("binderhub_url") or "").rstrip("/")
    if not hub:
        return None
    owner_repo = meta.repository_url.removeprefix("https://github.com/")
    interface = "lab/tree" if launch.get("notebook_interface") == "jupyterlab" else "tree"
    return f"{hub}/v2/gh/{owner_repo}/{meta.branch}?urlpath={interface}/{docname}{suffix}"


def output_link(text: str, path: str, meta: BookMetadata) -> nodes.reference:
    """Link to a file of the built site (absolute; made relative in HTML builds)."""
    link = nodes.reference(text, text, refuri=meta.base_url + path, classes=[LOCAL_LINK_CLASS])
    link["book_path"] = path
    return link


def rerun_section(
    app: Sphinx, doctree: nodes.document, meta: BookMetadata, docname: str
) -> nodes.section:
    """ "Rerun this chapter": links to the notebook, the source and Binder."""
    suffix = Path(app.env.doc2path(docname)).suffix
    section = new_section(doctree, "Rerun this chapter", "rerun-this-chapter")
    para = nodes.paragraph()
    para += nodes.Text("This chapter is a notebook. Download it ")
    para += output_link("as a Jupyter notebook (.ipynb)", f"_sources/{docname}.ipynb", meta)
    para += nodes.Text(" or ")
    para += output_link(
        f"as its MyST Markdown source ({suffix})", f"_sources/{docname}{suffix}", meta
    )
    binder = binder_url(app.config.html_theme_options, meta, docname, suffix)
    if binder:
        para += nodes.Text(", or ")
        para += nodes.reference("run it on Binder", "run it on Binder", refuri=binder)
    para += nodes.Text(". It needs the book's ")
    para += nodes.literal("analysis", "analysis")
    para += nodes.Text(" package and data, which come with the repository ")
    para += nodes.reference(meta.repository_url, meta.repository_url, refuri=meta.repository_url)
    para += nodes.Text(".")
    section += para
    return section


def cite_section(
    doctree: nodes.document, meta: BookMetadata, title: str, docname: str, article: list
) -> nodes.section:
    """ "Cite this chapter": a formatted reference, a BibTeX entry and the article's reference."""
    section = new_section(doctree, "Cite this chapter", "cite-this-chapter")
    reference = nodes.paragraph()
    reference.extend(runs_to_nodes(chapter_reference(meta, title, docname)))
    section += reference
    section += nodes.paragraph(text="As a BibTeX entry:")
    entry = bibtex_entry(meta, title, docname)
    section += nodes.literal_block(entry, entry, language="bibtex")
    if article:
        cite_article = nodes.paragraph()
        cite_article += nodes.strong("Cite the article too:", "Cite the article too:")
        cite_article += nodes.Text(" ")
        cite_article.extend(runs_to_nodes(article))
        section += cite_article
    return section


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
    """Set every configuration value that derives from book/metadata.yml."""
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
    # The sitemap lists pages at <base_url><page>.html (no language or version folders).
    config.sitemap_url_scheme = "{link}"
    config.sitemap_excludes = ["search.html", "genindex.html", "404.html"]
    config.ogp_site_url = meta.base_url
    config.ogp_site_name = meta.title
    config.ogp_image = SITE_CARD
    config.ogp_image_alt = f"{meta.title}: {meta.subtitle}"
    # No generated cards: they would need fonts and time; one site image serves every page.
    config.ogp_social_cards = {"enable": False}
    # The 404 page is served at any depth: its links and assets use absolute paths.
    config.notfound_urls_prefix = meta.url_path
    # Filled in once the pages are known (see `redirects_to_built_pages`).
    config.rediraffe_redirects = {}
    config.rediraffe_template = REDIRECT_TEMPLATE
    # For pages that name the book's addresses: {{ book_repository }} and the like.
    if "myst_substitutions" in config:
        config.myst_substitutions = {**substitutions(meta), **config.myst_substitutions}
    if not config.book_pdf_url and meta.pdf:
        config.book_pdf_url = meta.base_url + meta.pdf


def bib_files(app: Sphinx) -> list[Path]:
    """The book's BibTeX files."""
    names = app.config.bibtex_bibfiles if "bibtex_bibfiles" in app.config else []
    return [Path(app.srcdir) / name for name in names]


def read_redirects(path: Path) -> dict[str, str]:
    """The redirect map of a rediraffe file: old page -> new page (docnames)."""
    from sphinxext.rediraffe import create_graph

    if not path.is_file():
        raise ConfigError(f"citation_meta: the redirects file {path} does not exist")
    return create_graph(path)


def redirects_to_built_pages(app: Sphinx, env: Any) -> None:
    """Give rediraffe the redirects whose target is a page of this build.

    A build of part of the book (a private TOC) must not fail on a redirect to a page it leaves
    out; the full book has every target (tests/test_citation_meta.py checks them against the TOC
    and tests/test_publishing.py checks the built redirects).
    """
    redirects = read_redirects(Path(app.srcdir) / app.book_metadata.redirects)
    kept = {old: new for old, new in redirects.items() if new in env.found_docs}
    skipped = sorted(set(redirects) - set(kept))
    if skipped:
        logger.info("citation_meta: no redirect for %s (target not in this build)", skipped)
    app.config.rediraffe_redirects = kept


def remember_article(app: Sphinx) -> None:
    """Format the reference to the article once per build (from the book's BibTeX files)."""
    meta = app.book_metadata
    app.book_article_reference = []
    if meta.article_key:
        try:
            app.book_article_reference = article_reference(bib_files(app), meta.article_key)
        except (OSError, KeyError) as error:
            raise ExtensionError(f"citation_meta: cannot cite the article: {error}") from error


def is_notebook(app: Sphinx, doctree: nodes.document, docname: str) -> bool:
    """Whether a page is a notebook (an .ipynb, or a MyST page with a kernelspec)."""
    if (
        str(app.env.doc2path(docname)).endswith(".ipynb")
        or "kernelspec" in app.env.metadata[docname]
    ):
        return True
    # Before Sphinx copies the front matter into the page metadata it is the docinfo.
    return any(
        field[0].astext() == "kernelspec"
        for info in doctree.findall(nodes.docinfo)
        for field in info.findall(nodes.field)
    )


def add_chapter_sections(app: Sphinx, doctree: nodes.document) -> None:
    """Append "Rerun" and "Cite" sections to a chapter page and record its summary."""
    meta = app.book_metadata
    docname = app.env.docname
    if not is_chapter(docname, meta.chapters):
        return
    for dependency in [Path(app.srcdir) / METADATA_FILE, *bib_files(app)]:
        app.env.note_dependency(str(dependency))
    title = page_title(doctree)
    if title is None:
        logger.warning("citation_meta: chapter page %s has no H1 title to cite", docname)
        return
    chapter = doctree.next_node(nodes.section)
    page_meta = app.env.metadata[docname]
    if is_notebook(app, doctree, docname):
        chapter += rerun_section(app, doctree, meta, docname)
    chapter += cite_section(doctree, meta, title, docname, app.book_article_reference)
    summary = chapter_summary(doctree)
    if summary and "og:description" not in page_meta:
        page_meta["og:description"] = summary
    page_meta["book_summary"] = summary or ""


def relative_output_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """In HTML, point links to files of the site relative to the page (works offline too)."""
    if app.builder.format != "html":
        return
    for link in doctree.findall(nodes.reference):
        if LOCAL_LINK_CLASS in link.get("classes", []):
            link["refuri"] = posixpath.relpath(link["book_path"], posixpath.dirname(docname) or ".")


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
    # Public address of the book as one PDF; by default <base_url><pdf> from the metadata.
    app.add_config_value("book_pdf_url", "", "html", types=[str])
    metadata_file = Path(app.srcdir) / METADATA_FILE
    if not metadata_file.is_file():
        logger.info("citation_meta: no %s in this source folder: nothing to apply", METADATA_FILE)
        return extension
    try:
        app.book_metadata = load_metadata(metadata_file)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    read_redirects(Path(app.srcdir) / app.book_metadata.redirects)
    for name in SHARING_EXTENSIONS:
        app.setup_extension(name)
    app.connect("config-inited", apply_metadata, priority=100)
    app.connect("builder-inited", remember_article)
    app.connect("env-updated", redirects_to_built_pages)
    app.connect("doctree-read", add_chapter_sections, priority=400)
    app.connect("doctree-resolved", relative_output_links)
    app.connect("html-page-context", add_page_tags, priority=400)
    app.connect("html-collect-pages", fill_notfound_page, priority=400)
    app.connect("build-finished", write_site_card)
    return extension
