"""The book as one PDF (`make pdf`), and the link from the HTML book to it.

LaTeX builds (Sphinx's own LaTeX class; see `latex:` in _config.yml):
- the title page gives the title, subtitle, authors, version and release date of
  book/metadata.yml;
- the home page's own sections become one unnumbered opening chapter instead of one chapter each;
- each caption of _toc.yml becomes an unnumbered part, except a caption that only repeats the
  title of its single chapter ("Introduction", "Conclusion"); the appendices part starts
  LaTeX's appendix numbering (A, B, ...);
- the code of cells tagged `hide-input` is left out (the HTML hides it; the notebooks keep it);
- the solution of each exercise (a cell tagged `hide-cell`, behind a toggle in HTML) moves to an
  appendix at the end of the book, "Solutions to the exercises", and the chapter gives its page:
  the chapters can be handed to students without the answers;
- a BibTeX entry or the shell lines of "Rerun this chapter" (literal blocks of class
  `bibtex-entry` or `rerun-recipe`) are set in one unbreakable box, scaled down to the line when
  needed, so that a copy from the PDF gives the text unchanged (no wrapped line, no continuation
  mark, no "continued on next page");
- a {download} link (the CSV behind a figure) points to the chapter's online page, which has it.
HTML builds: when the PDF has been built into the sibling `latex/` folder of the HTML output
(`make pdf` before `make book`), it is copied to the site root under the name `pdf:` of
book/metadata.yml and each page's download menu offers it. Without a PDF nothing is linked, so a
strict build never points at a missing file.
Without book/metadata.yml (e.g. the tiny books of tests/test_strict_build.py) only the
code and download changes apply.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging, texescape

logger = logging.getLogger(__name__)

PREFACE_TITLE = "About this book"
APPENDIX_CAPTION = "Appendices"
HIDDEN_INPUT_TAG = "tag_hide-input"
SOLUTION_TAG = "tag_hide-cell"
SOLUTIONS_TITLE = "Solutions to the exercises"
SOLUTIONS_DOCNAME = "pdf-solutions"
COPYABLE_CLASSES = ("bibtex-entry", "rerun-recipe")
DOWNLOAD_GROUP = "download-buttons"
PDF_BUTTON_LABEL = "download-book-pdf-button"
# Sphinx fills its LaTeX escape tables when a LaTeX builder starts; the title page is made earlier.
texescape.init()


def escape(text: str) -> str:
    """Text escaped for xelatex (Unicode characters pass through)."""
    return texescape.escape(text, "xelatex")


def release_date_text(released: str) -> str:
    """A YYYY-MM-DD date as it reads on a title page: '26 November 2026'."""
    try:
        day = dt.date.fromisoformat(released)
    except ValueError as error:
        raise ValueError(f"release date {released!r} is not a YYYY-MM-DD date") from error
    return f"{day.day} {day:%B %Y}"


def title_page(
    title: str,
    subtitle: str,
    authors: list[str],
    version: str,
    released: str,
    url: str,
    licence: str = "",
) -> str:
    """LaTeX of the title page: title, subtitle, authors, version, release date, address and
    licence."""
    lines = [
        rf"\hypersetup{{pdftitle={{{escape(title)}}}, pdfauthor={{{escape(', '.join(authors))}}}}}",
        r"\begin{titlepage}",
        r"\centering",
        r"\vspace*{0.22\textheight}",
        rf"{{\Huge\bfseries {escape(title)}\par}}",
    ]
    if subtitle:
        lines += [r"\vspace{1.2em}", rf"{{\Large {escape(subtitle)}\par}}"]
    lines += [
        r"\vspace{3em}",
        rf"{{\large {escape(', '.join(authors))}\par}}",
        r"\vfill",
        rf"{{\large Version {escape(version)} \textperiodcentered\ "
        rf"{escape(release_date_text(released))}\par}}",
    ]
    if url:
        lines += [r"\vspace{0.6em}", rf"{{\small\url{{{url}}}\par}}"]
    if licence:
        lines += [r"\vspace{0.3em}", rf"{{\small Licence: {escape(licence)}\par}}"]
    lines += [r"\end{titlepage}"]
    return "\n".join(lines)


def configure_latex(app: Sphinx, config: object) -> None:
    """Title page, version and date of the PDF from the book's metadata."""
    from book_metadata import app_metadata

    meta = app_metadata(app)
    app.pdf_metadata = meta
    app.pdf_name = ""
    if meta is None:
        return
    app.pdf_name = meta.pdf
    config.latex_elements["maketitle"] = title_page(
        meta.title,
        meta.subtitle,
        list(meta.authors),
        meta.version,
        meta.released,
        meta.base_url,
        meta.licence,
    )
    if not config.release:
        config.release = config.version = meta.version


def set_document_title(app: Sphinx, env: object) -> None:
    """Give the LaTeX document the book's title and authors (running heads, PDF properties)."""
    meta = getattr(app, "pdf_metadata", None)
    if meta is None or app.builder.format != "latex":
        return
    # Jupyter Book overrides latex_documents after the config events (with its default title
    # when _config.yml has none), so this runs once the sources have been read.
    app.config.latex_documents = [
        (start, target, escape(meta.title), escape(meta.author_text), theme, *rest)
        for start, target, _title, _author, theme, *rest in app.config.latex_documents
    ]


def built_pdf(app: Sphinx) -> Path | None:
    """The PDF written by `make pdf` next to this HTML build, if there is one."""
    if not getattr(app, "pdf_name", ""):
        return None
    path = Path(app.outdir).parent / "latex" / app.pdf_name
    return path if path.is_file() else None


def publish_pdf(app: Sphinx) -> None:
    """In an HTML build, copy the built PDF (if any) to the root of the site."""
    app.pdf_in_site = False
    if app.builder.format != "html":
        return
    pdf = built_pdf(app)
    if pdf is None:
        logger.info("pdf_edition: no built PDF next to %s: the site will not offer one", app.outdir)
        return
    app.config.html_extra_path.append(str(pdf))
    app.pdf_in_site = True


def pdf_button(url: str) -> dict:
    """The download-menu entry (sphinx-book-theme header button) for the whole book as a PDF."""
    return {
        "type": "link",
        "url": url,
        "text": "Book (PDF)",
        "tooltip": "Download the whole book as a PDF",
        "icon": "fas fa-book",
        "label": PDF_BUTTON_LABEL,
    }


def add_pdf_button(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object
) -> None:
    """Offer the whole-book PDF in the page's download menu (when the site has it)."""
    if not getattr(app, "pdf_in_site", False):
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == DOWNLOAD_GROUP:
            button["buttons"].append(pdf_button(context["pathto"](app.pdf_name, 1)))


def has_class(node: nodes.Node, name: str) -> bool:
    """Whether a docutils element carries a class."""
    return isinstance(node, nodes.Element) and name in node.get("classes", [])


def drop_hidden_code(doctree: nodes.Node) -> int:
    """Remove the source of cells tagged hide-input (keeping their output); return how many."""
    dropped = 0
    for cell in list(doctree.findall(lambda n: has_class(n, HIDDEN_INPUT_TAG))):
        for child in list(cell.children):
            if has_class(child, "cell_input"):
                cell.remove(child)
                dropped += 1
    return dropped


def copyable_latex(text: str, name: str) -> str:
    """LaTeX that sets text verbatim in one box (\\dbcopyable of diversionbook.sty)."""
    if "\\end{SaveVerbatim}" in text:
        raise ValueError("a copyable block cannot contain \\end{SaveVerbatim}")
    return (
        f"\\begin{{SaveVerbatim}}{{{name}}}\n{text}\n\\end{{SaveVerbatim}}\n"
        f"\\dbcopyable{{{name}}}\n"
    )


def typeset_copyable(doctree: nodes.Node) -> int:
    """Set the BibTeX entries and shell recipes for copying (see the module docstring)."""
    blocks = [
        block
        for block in doctree.findall(nodes.literal_block)
        if any(name in block.get("classes", []) for name in COPYABLE_CLASSES)
    ]
    for number, block in enumerate(blocks, 1):
        latex = copyable_latex(block.astext(), f"dbcopy{number}")
        block.parent.replace(block, nodes.raw("", latex, format="latex"))
    return len(blocks)


def top_pages(doctree: nodes.Node) -> list[addnodes.start_of_file]:
    """The pages included by the root page's toctrees (not those included by other pages)."""
    pages = []
    for page in doctree.findall(addnodes.start_of_file):
        parent = page.parent
        while parent is not None and not isinstance(parent, addnodes.start_of_file):
            parent = parent.parent
        if parent is None:
            pages.append(page)
    return pages


def move_solutions(doctree: nodes.Node, titles: dict[str, str], root_doc: str) -> int:
    """Move every solution cell into a last appendix chapter; leave its page number in its
    place. Return how many moved."""
    cells = list(doctree.findall(lambda n: has_class(n, SOLUTION_TAG)))
    pages = top_pages(doctree)
    if not cells or not pages:
        return 0
    appendix = nodes.section(ids=[SOLUTIONS_DOCNAME], classes=[SOLUTIONS_DOCNAME])
    appendix += nodes.title(SOLUTIONS_TITLE, SOLUTIONS_TITLE)
    intro = (
        "The solution of each chapter's exercise: the code that answers it and what the code "
        "prints, as in the chapter's notebook. The chapters give the page of their solution."
    )
    appendix += nodes.paragraph(intro, intro)
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, 1):
        page = page_of(cell, root_doc)
        seen[page] = seen.get(page, 0) + 1
        title = titles.get(page, page) + (f" ({seen[page]})" if seen[page] > 1 else "")
        pointer = (
            f"\\par\\noindent\\label{{dbexercise:{number}}}"
            f"\\emph{{Solution: page~\\pageref{{dbsolution:{number}}}.}}\\par\n"
        )
        cell.parent.replace(cell, nodes.raw("", pointer, format="latex"))
        solution = nodes.section(ids=[f"{SOLUTIONS_DOCNAME}-{number}"])
        solution += nodes.title(title, title)
        back = (
            f"\\label{{dbsolution:{number}}}"
            f"\\emph{{Exercise on page~\\pageref{{dbexercise:{number}}}.}}\\par\n"
        )
        solution += nodes.raw("", back, format="latex")
        solution += cell
        appendix += solution
    chapter = addnodes.start_of_file(docname=SOLUTIONS_DOCNAME)
    chapter += appendix
    last = pages[-1]
    last.parent.insert(last.parent.index(last) + 1, chapter)
    return len(cells)


def page_of(node: nodes.Node, default: str) -> str:
    """The page a node of the assembled LaTeX document comes from."""
    # Sphinx marks each section of an included page with the page's name (the top sections of an
    # included page keep their old parent, so the start_of_file node is not always reachable).
    parent = node
    while parent is not None:
        if isinstance(parent, (nodes.section, addnodes.start_of_file)) and "docname" in parent:
            return parent["docname"]
        parent = parent.parent
    return default


def link_downloads_online(doctree: nodes.Node, base_url: str, root_doc: str) -> int:
    """Point each {download} link at its page of the online book; return how many."""
    changed = 0
    for link in list(doctree.findall(addnodes.download_reference)):
        text = link.astext()
        if base_url:
            url = f"{base_url}{page_of(link, root_doc)}.html"
            link.replace_self(nodes.reference(text, text, refuri=url))
        else:
            link.replace_self(nodes.Text(text))
        changed += 1
    return changed


def toc_parts(root_tree: nodes.Node, titles: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(caption, pages) of each captioned toctree of the root page that needs its own part."""
    parts = []
    for toctree in root_tree.findall(addnodes.toctree):
        caption = toctree.get("caption")
        pages = [str(name) for name in toctree["includefiles"]]
        if not caption or not pages:
            continue
        if len(pages) == 1 and titles.get(pages[0], "").strip() == caption.strip():
            continue
        parts.append((caption, pages))
    return parts


def french_spacing(latex: str) -> str:
    """Tie French punctuation to its word: no line break before ? ! : ; » or after «."""
    latex = re.sub(r" +([?!:;»])", r"~\1", latex)
    return re.sub(r"« +", "«~", latex)


def part_heading(caption: str, appendix: bool) -> nodes.raw:
    """Raw LaTeX starting an unnumbered part (in the contents and the PDF bookmarks)."""
    text = french_spacing(escape(caption))
    start = r"\appendix" + "\n" if appendix else ""
    latex = (
        f"{start}\\cleardoublepage\\phantomsection\n"
        f"\\addcontentsline{{toc}}{{part}}{{{text}}}\n\\part*{{{text}}}\n"
    )
    return nodes.raw("", latex, format="latex")


def insert_parts(doctree: nodes.Node, parts: list[tuple[str, list[str]]]) -> int:
    """Put a part heading before the first page of each part; return how many."""
    inserted = 0
    for caption, pages in parts:
        for page in doctree.findall(addnodes.start_of_file):
            if page["docname"] == pages[0]:
                appendix = caption.strip() == APPENDIX_CAPTION
                page.parent.insert(page.parent.index(page), part_heading(caption, appendix))
                inserted += 1
                break
    return inserted


def gather_preface(doctree: nodes.Node, title: str = PREFACE_TITLE) -> bool:
    """Make the root page's own text one unnumbered chapter; return whether there was any."""
    root = doctree.next_node(nodes.section)
    if root is None:
        return False
    own = [
        child
        for child in root.children[1:]
        if not isinstance(child, (addnodes.start_of_file, nodes.target))
        and not child.next_node(addnodes.start_of_file)
    ]
    if not own:
        return False
    preface = nodes.section(ids=["pdf-preface"], classes=["pdf-preface"])
    preface += nodes.title(title, title)
    for child in own:
        root.remove(child)
        preface += child
    position = 1
    root.insert(position, nodes.raw("", r"\setcounter{secnumdepth}{-1}", format="latex"))
    root.insert(position + 1, preface)
    root.insert(position + 2, nodes.raw("", r"\setcounter{secnumdepth}{0}", format="latex"))
    return True


def shape_latex_document(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Shape the assembled LaTeX document (see the module docstring)."""
    if app.builder.format != "latex":
        return
    drop_hidden_code(doctree)
    typeset_copyable(doctree)
    link_downloads_online(doctree, app.config.html_baseurl, app.config.root_doc)
    if docname != app.config.root_doc or not doctree.next_node(addnodes.start_of_file):
        return
    titles = {name: title.astext() for name, title in app.env.titles.items()}
    insert_parts(doctree, toc_parts(app.env.get_doctree(docname), titles))
    gather_preface(doctree)
    move_solutions(doctree, titles, app.config.root_doc)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", configure_latex, priority=200)
    app.connect("builder-inited", publish_pdf)
    app.connect("env-updated", set_document_title)
    app.connect("html-page-context", add_pdf_button, priority=600)
    app.connect("doctree-resolved", shape_latex_document)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
