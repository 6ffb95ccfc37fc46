"""The "Rerun this chapter" and "Cite this chapter" sections at the end of every chapter page.

- builder-inited: formats the reference to the article and its BibTeX entry (`article_key:` of
  book/metadata.yml, found in the book's BibTeX files) once per build;
- doctree-read: appends "Rerun this chapter" (notebook pages: downloads and Binder) and "Cite this
  chapter" (the chapter's reference and BibTeX entry, then the article's) to the chapters of
  book/metadata.yml. A doctree change, so the PDF has them too;
- doctree-resolved: in HTML, makes the download links relative to the page (they work offline).
The wording of the references is in citation_formats. Without book/metadata.yml it does nothing.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from analysis_wheel import book_wheel
from book_metadata import METADATA_FILE, BookMetadata, app_metadata, is_chapter, page_title
from citation_formats import (
    article_bibtex,
    article_reference,
    bibtex_entry,
    chapter_reference,
    runs_to_nodes,
    slug,
)
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

LOCAL_LINK_CLASS = "book-output-link"
# Class of the literal blocks that hold a BibTeX entry (pdf_edition typesets them so that a copy
# from the PDF parses).
BIBTEX_CLASS = "bibtex-entry"


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


# The folder of the virtual environment that the recipe of "Rerun this chapter" creates.
RECIPE_ENV = "book-env"
# Class of the literal block holding that recipe (pdf_edition typesets it for copying).
RECIPE_CLASS = "rerun-recipe"
DATA_ENV = "DIVERSION_BOOK_DATA"


def rerun_recipe(wheel_url: str, notebook: str) -> str:
    """Three shell lines, run in the folder of a downloaded chapter notebook: a virtual
    environment, JupyterLab and the analysis package (with its data) in it, the notebook opened."""
    return "\n".join(
        [
            f"python3 -m venv {RECIPE_ENV}",
            f"{RECIPE_ENV}/bin/pip install jupyterlab {wheel_url}",
            f"{RECIPE_ENV}/bin/jupyter lab {notebook}",
        ]
    )


def rerun_section(
    app: Sphinx, doctree: nodes.document, meta: BookMetadata, docname: str
) -> nodes.section:
    """ "Rerun this chapter": links to the notebook, the source and Binder, and the three lines
    that run the notebook away from the repository (when the book builds its wheel)."""
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
    para += nodes.Text(".")
    section += para
    repository = nodes.reference(
        meta.repository_url, meta.repository_url, refuri=meta.repository_url
    )
    wheel = book_wheel(app)
    if wheel is None:
        para += nodes.Text(" It needs the book's ")
        para += nodes.literal("analysis", "analysis")
        para += nodes.Text(" package and data, which come with the repository ")
        para += repository
        para += nodes.Text(".")
        return section
    notebook = f"{slug(docname)}.ipynb"
    intro = nodes.paragraph()
    intro += nodes.Text(
        "To run it on your own computer, in any folder (the book's repository is not needed), "
        "save the notebook there and run these three lines with Python 3.11 or later. They create "
        "a virtual environment, install JupyterLab and the book's "
    )
    intro += nodes.literal("analysis", "analysis")
    intro += nodes.Text(" package, which carries the book's data, and open the notebook:")
    section += intro
    recipe = rerun_recipe(meta.base_url + wheel, notebook)
    section += nodes.literal_block(recipe, recipe, language="shell", classes=[RECIPE_CLASS])
    after = nodes.paragraph()
    after += nodes.Text("On Windows, type ")
    after += nodes.literal(f"{RECIPE_ENV}\\Scripts\\", f"{RECIPE_ENV}\\Scripts\\")
    after += nodes.Text(" instead of ")
    after += nodes.literal(f"{RECIPE_ENV}/bin/", f"{RECIPE_ENV}/bin/")
    after += nodes.Text(". In VS Code, open the notebook and choose the Python of ")
    after += nodes.literal(RECIPE_ENV, RECIPE_ENV)
    after += nodes.Text(" as its kernel. The notebook writes the table behind each figure into a ")
    after += nodes.literal("figdata", "figdata")
    after += nodes.Text(" folder next to it; to read another copy of the data, set ")
    after += nodes.literal(DATA_ENV, DATA_ENV)
    after += nodes.Text(" to its folder. The code and the data are in the repository ")
    after += repository
    after += nodes.Text(".")
    section += after
    return section


def bibtex_block(entry: str) -> nodes.literal_block:
    """A literal block holding one BibTeX entry."""
    return nodes.literal_block(entry, entry, language="bibtex", classes=[BIBTEX_CLASS])


def cite_section(
    doctree: nodes.document,
    meta: BookMetadata,
    title: str,
    docname: str,
    article: list,
    article_entry: str = "",
) -> nodes.section:
    """ "Cite this chapter": a formatted reference and a BibTeX entry for the chapter, then the
    article's reference and BibTeX entry (as the book's bibliography records it)."""
    section = new_section(doctree, "Cite this chapter", "cite-this-chapter")
    reference = nodes.paragraph()
    reference.extend(runs_to_nodes(chapter_reference(meta, title, docname)))
    section += reference
    section += nodes.paragraph(text="As a BibTeX entry:")
    section += bibtex_block(bibtex_entry(meta, title, docname))
    if article:
        cite_article = nodes.paragraph()
        cite_article += nodes.strong("Cite the article too:", "Cite the article too:")
        cite_article += nodes.Text(" ")
        cite_article.extend(runs_to_nodes(article))
        section += cite_article
    if article_entry:
        section += nodes.paragraph(text="The article as a BibTeX entry:")
        section += bibtex_block(article_entry)
    return section


def bib_files(app: Sphinx) -> list[Path]:
    """The book's BibTeX files."""
    names = app.config.bibtex_bibfiles if "bibtex_bibfiles" in app.config else []
    return [Path(app.srcdir) / name for name in names]


def remember_article(app: Sphinx) -> None:
    """Format the reference to the article and its BibTeX entry once per build (from the book's
    BibTeX files)."""
    meta = app.book_metadata
    app.book_article_reference = []
    app.book_article_bibtex = ""
    if meta.article_key:
        try:
            app.book_article_reference = article_reference(bib_files(app), meta.article_key)
            app.book_article_bibtex = article_bibtex(bib_files(app), meta.article_key)
        except (OSError, KeyError) as error:
            raise ExtensionError(f"chapter_sections: cannot cite the article: {error}") from error


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
    """Append "Rerun" and "Cite" sections to a chapter page."""
    meta = app.book_metadata
    docname = app.env.docname
    if not is_chapter(docname, meta.chapters):
        return
    for dependency in [Path(app.srcdir) / METADATA_FILE, *bib_files(app)]:
        app.env.note_dependency(str(dependency))
    title = page_title(doctree)
    if title is None:
        logger.warning("chapter_sections: chapter page %s has no H1 title to cite", docname)
        return
    chapter = doctree.next_node(nodes.section)
    if is_notebook(app, doctree, docname):
        chapter += rerun_section(app, doctree, meta, docname)
    chapter += cite_section(
        doctree, meta, title, docname, app.book_article_reference, app.book_article_bibtex
    )


def relative_output_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """In HTML, point links to files of the site relative to the page (works offline too)."""
    if app.builder.format != "html":
        return
    for link in doctree.findall(nodes.reference):
        if LOCAL_LINK_CLASS in link.get("classes", []):
            link["refuri"] = posixpath.relpath(link["book_path"], posixpath.dirname(docname) or ".")


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    if app_metadata(app) is None:
        return extension
    app.connect("builder-inited", remember_article)
    # Before the environment's collectors (priority 500), so the sections are in the page's TOC.
    app.connect("doctree-read", add_chapter_sections, priority=400)
    app.connect("doctree-resolved", relative_output_links)
    return extension
