"""The PDF-edition extension (book/_ext/pdf_edition.py): its LaTeX and HTML helpers, then small
Sphinx builds (LaTeX sources without TeX; HTML with and without a built PDF) of a made-up book."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
import yaml
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes

REPO_ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = REPO_ROOT / "book" / "_ext"
sys.path.insert(0, str(EXT_DIR))
import book_metadata  # noqa: E402  (book/_ext is not a package)
import pdf_edition as pe  # noqa: E402

# A made-up book (not the real one: its values are written out in the assertions below).
DEMO_META = {
    "title": "Demo book & co",
    "subtitle": "A test of 100% of it",
    "authors": ["Demo Team", "Ann Other"],
    "version": "1.2.3",
    "released": "2025-03-04",
    "base_url": "https://example.org/demo/",
    "repository": {"url": "https://github.com/example/demo"},
    "pdf": "demo-book.pdf",
    "chapters": ["book/intro", "book/part*/*"],
    "redirects": "book/redirects.txt",
}


def empty_document() -> nodes.document:
    """A docutils document with no content."""
    settings = get_default_settings(Parser)
    settings.report_level = 5
    return new_document("test", settings)


def section(title: str, *children: nodes.Node) -> nodes.section:
    """A section with a title and children."""
    node = nodes.section()
    node += nodes.title(title, title)
    node.extend(children)
    return node


def paragraph(text: str) -> nodes.paragraph:
    return nodes.paragraph(text, text)


def start_of_file(docname: str, *children: nodes.Node) -> addnodes.start_of_file:
    """What Sphinx's LaTeX builder puts where a toctree included a page."""
    node = addnodes.start_of_file(docname=docname)
    node.extend(children)
    return node


# --- title page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("released", "expected"),
    [("2026-11-26", "26 November 2026"), ("2025-03-04", "4 March 2025")],
)
def test_release_date_text(released: str, expected: str) -> None:
    assert pe.release_date_text(released) == expected


def test_release_date_text_names_a_bad_date() -> None:
    with pytest.raises(ValueError, match="'2025-13-01' is not a YYYY-MM-DD date"):
        pe.release_date_text("2025-13-01")


def test_title_page_has_every_element_escaped() -> None:
    latex = pe.title_page(
        "Demo book & co",
        "A test of 100% of it",
        ["Demo Team", "Ann Other"],
        "1.2.3",
        "2025-03-04",
        "https://example.org/demo/",
        "text CC BY 4.0, code MIT",
    )
    assert r"{\small Licence: text CC BY 4.0, code MIT\par}" in latex
    assert r"\hypersetup{pdftitle={Demo book \& co}, pdfauthor={Demo Team, Ann Other}}" in latex
    assert r"{\Huge\bfseries Demo book \& co\par}" in latex
    assert r"{\Large A test of 100\% of it\par}" in latex
    assert r"{\large Demo Team, Ann Other\par}" in latex
    assert r"Version 1.2.3 \textperiodcentered\ 4 March 2025" in latex
    assert r"\url{https://example.org/demo/}" in latex
    assert latex.startswith(r"\hypersetup") and latex.endswith(r"\end{titlepage}")


def test_title_page_without_subtitle_or_address() -> None:
    latex = pe.title_page("T", "", ["A"], "0.1.0", "2026-01-02", "")
    assert r"\Large" not in latex
    assert r"\url" not in latex
    assert "Licence" not in latex
    assert "Version 0.1.0 \\textperiodcentered\\ 2 January 2026" in latex


# --- parts and preface ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vers la fin de la prohibition ?", "Vers la fin de la prohibition~?"),
        ("Le « nouveau visage » : bis", "Le «~nouveau visage~»~: bis"),
        ("No French here.", "No French here."),
    ],
)
def test_french_spacing_ties_punctuation(text: str, expected: str) -> None:
    assert pe.french_spacing(text) == expected


def test_part_heading_is_unnumbered_and_in_the_contents() -> None:
    latex = pe.part_heading("Part I · Culprits & victims (prohibition ?)", appendix=False).astext()
    assert latex == (
        "\\cleardoublepage\\phantomsection\n"
        "\\addcontentsline{toc}{part}{Part I · Culprits \\& victims (prohibition~?)}\n"
        "\\part*{Part I · Culprits \\& victims (prohibition~?)}\n"
    )


def test_appendix_part_starts_appendix_numbering() -> None:
    latex = pe.part_heading("Appendices", appendix=True).astext()
    assert latex.startswith("\\appendix\n\\cleardoublepage")


def toctree(caption: str | None, *pages: str) -> addnodes.toctree:
    node = addnodes.toctree(includefiles=list(pages))
    if caption:
        node["caption"] = caption
    return node


def test_toc_parts_skip_a_caption_that_repeats_its_only_chapter() -> None:
    root = empty_document()
    root += toctree("Introduction", "intro")
    root += toctree("Part I · One", "a", "b")
    root += toctree(None, "uncaptioned")
    root += toctree("Empty")
    root += toctree("Conclusion", "end")
    root += toctree("Part II · Alone", "c")
    titles = {"intro": "Introduction", "end": "Conclusion", "c": "Some chapter"}
    assert pe.toc_parts(root, titles) == [("Part I · One", ["a", "b"]), ("Part II · Alone", ["c"])]


def assembled_book() -> nodes.document:
    """What the LaTeX builder assembles: the root page with its included pages inline."""
    document = empty_document()
    document += section(
        "Home",
        paragraph("Welcome."),
        section("Who it is for", paragraph("Students.")),
        nodes.compound(
            "",
            start_of_file("intro", section("Introduction")),
            classes=["toctree-wrapper"],
        ),
        nodes.compound(
            "",
            start_of_file("a", section("Chapter A")),
            start_of_file("b", section("Chapter B")),
            classes=["toctree-wrapper"],
        ),
        nodes.compound("", start_of_file("glossary", section("Glossary"))),
    )
    return document


def test_insert_parts_before_the_first_page_of_each_part() -> None:
    document = assembled_book()
    parts = [("Part I", ["a", "b"]), ("Appendices", ["glossary"]), ("Ghost", ["missing"])]
    assert pe.insert_parts(document, parts) == 2
    raws = [node.astext() for node in document.findall(nodes.raw)]
    assert len(raws) == 2
    assert raws[0].endswith("\\part*{Part I}\n") and not raws[0].startswith("\\appendix")
    assert raws[1].startswith("\\appendix")
    wrapper = next(document.findall(addnodes.start_of_file)).parent.parent[-2]
    assert isinstance(wrapper[0], nodes.raw) and wrapper[1]["docname"] == "a"


def test_gather_preface_makes_the_home_text_one_unnumbered_chapter() -> None:
    document = assembled_book()
    assert pe.gather_preface(document)
    root = document[0]
    assert isinstance(root[0], nodes.title)
    assert root[1].astext() == r"\setcounter{secnumdepth}{-1}"
    preface = root[2]
    assert preface[0].astext() == "About this book"
    assert [child.astext() for child in preface[1:]] == ["Welcome.", "Who it is for\n\nStudents."]
    assert root[3].astext() == r"\setcounter{secnumdepth}{0}"
    assert all(isinstance(child, nodes.compound) for child in root[4:])


def test_gather_preface_without_home_text_or_section() -> None:
    document = empty_document()
    document += section("Home", nodes.target(refid="home"), nodes.compound("", start_of_file("a")))
    assert not pe.gather_preface(document)
    assert not pe.gather_preface(empty_document())


# --- hidden code and downloads -----------------------------------------------------------


def cell(tag: str) -> nodes.container:
    """A notebook cell as myst-nb puts it in the doctree."""
    return nodes.container(
        "",
        nodes.container("", nodes.literal_block("x = 1", "x = 1"), classes=["cell_input"]),
        nodes.container("", paragraph("output"), classes=["cell_output"]),
        classes=["cell", tag],
    )


def test_drop_hidden_code_keeps_outputs_and_other_cells() -> None:
    document = empty_document()
    document += [cell("tag_hide-input"), cell("tag_hide-cell"), cell("tag_hide-input")]
    assert pe.drop_hidden_code(document) == 2
    assert [len(c) for c in document.children] == [1, 2, 1]
    assert document[0][0]["classes"] == ["cell_output"]


def literal(text: str, *classes: str) -> nodes.literal_block:
    return nodes.literal_block(text, text, classes=list(classes))


def test_typeset_copyable_boxes_bibtex_and_recipes_only() -> None:
    document = empty_document()
    document += [
        literal("@misc{a,\n  url = {https://x.org/a_b%20c},\n}", "bibtex-entry"),
        literal("print(1)", "code"),
        literal("python3 -m venv env", "rerun-recipe"),
    ]
    assert pe.typeset_copyable(document) == 2
    first, code, second = document.children
    assert isinstance(code, nodes.literal_block)
    assert first.astext() == (
        "\\begin{SaveVerbatim}{dbcopy1}\n@misc{a,\n  url = {https://x.org/a_b%20c},\n}\n"
        "\\end{SaveVerbatim}\n\\dbcopyable{dbcopy1}\n"
    )
    assert first["format"] == "latex" and "{dbcopy2}" in second.astext()


def test_copyable_latex_refuses_what_would_end_it() -> None:
    with pytest.raises(ValueError, match="cannot contain"):
        pe.copyable_latex("\\end{SaveVerbatim}", "x")


def test_move_solutions_to_a_last_chapter() -> None:
    document = empty_document()
    chapter = section("A chapter", paragraph("Exercise."), cell("tag_hide-cell"))
    chapter["docname"] = "book/ch"
    second = section("B", cell("tag_hide-cell"), cell("tag_hide-cell"))
    second["docname"] = "book/b"
    root = section("Home", start_of_file("book/ch", chapter), start_of_file("book/b", second))
    document += root
    titles = {"book/ch": "A chapter", "book/b": "Chapter B"}
    assert pe.move_solutions(document, titles, "index") == 3
    pointers = [n.astext() for n in chapter.findall(nodes.raw)]
    assert pointers == [
        "\\par\\noindent\\label{dbexercise:1}\\emph{Solution: page~\\pageref{dbsolution:1}.}\\par\n"
    ]
    last = root.children[-1]
    assert isinstance(last, addnodes.start_of_file) and last["docname"] == "pdf-solutions"
    appendix = last[0]
    assert appendix[0].astext() == "Solutions to the exercises"
    solutions = [s for s in appendix.children if isinstance(s, nodes.section)]
    assert [s[0].astext() for s in solutions] == ["A chapter", "Chapter B", "Chapter B (2)"]
    assert all(s[-1]["classes"] == ["cell", "tag_hide-cell"] for s in solutions)
    assert not list(chapter.findall(lambda n: pe.has_class(n, "tag_hide-cell")))


def test_move_solutions_without_solutions_or_pages() -> None:
    document = empty_document()
    document += section("Home", start_of_file("book/ch", section("A chapter")))
    assert pe.move_solutions(document, {}, "index") == 0
    alone = empty_document()
    alone += cell("tag_hide-cell")
    assert pe.move_solutions(alone, {}, "index") == 0


def download(text: str) -> addnodes.download_reference:
    return addnodes.download_reference("", "", nodes.literal(text, text), reftarget="f.csv")


def test_link_downloads_online_points_to_the_page() -> None:
    document = empty_document()
    # As Sphinx's inline_all_toctrees leaves it: the included page's sections are marked with
    # its name, and its top section still has the page's own document as parent.
    page = empty_document()
    chapter = section("Chapter", paragraph("See "), download("the data (CSV)"))
    chapter["docname"] = "book/part1/ch"
    page += chapter
    included = addnodes.start_of_file(docname="book/part1/ch")
    included.children = page.children
    document += included
    document += download("root data")
    assert pe.link_downloads_online(document, "https://example.org/demo/", "book/index") == 2
    links = list(document.findall(nodes.reference))
    assert [(link.astext(), link["refuri"]) for link in links] == [
        ("the data (CSV)", "https://example.org/demo/book/part1/ch.html"),
        ("root data", "https://example.org/demo/book/index.html"),
    ]
    assert not list(document.findall(addnodes.download_reference))


def test_link_downloads_without_base_url_keeps_the_text() -> None:
    document = empty_document()
    document += paragraph("")
    document[0] += download("the data (CSV)")
    assert pe.link_downloads_online(document, "", "index") == 1
    assert document.astext() == "the data (CSV)"
    assert not list(document.findall(nodes.reference))


def test_a_single_page_latex_document_gets_no_parts_or_preface() -> None:
    class Config:
        root_doc = "index"
        html_baseurl = ""

    class Builder:
        format = "latex"

    class App:
        config = Config()
        builder = Builder()

    document = empty_document()
    document += section("Home", paragraph("Only page."))
    pe.shape_latex_document(App(), document, "index")
    assert document.pformat() == (
        '<document source="test">\n    <section>\n        <title>\n            Home\n'
        "        <paragraph>\n            Only page.\n"
    )


# --- HTML button -------------------------------------------------------------------------


class FakeApp:
    """Just the attributes add_pdf_button reads."""

    def __init__(self, in_site: bool) -> None:
        self.pdf_in_site = in_site
        self.pdf_name = "demo-book.pdf"


def header_context() -> dict:
    return {
        "pathto": lambda name, resource: f"../../{name}",
        "header_buttons": [
            {"label": "launch-buttons", "buttons": []},
            {"label": "download-buttons", "buttons": [{"label": "download-source-button"}]},
        ],
    }


def test_add_pdf_button_appends_to_the_download_menu() -> None:
    context = header_context()
    pe.add_pdf_button(FakeApp(True), "book/part1/ch", "page.html", context, None)
    launch, downloads = context["header_buttons"]
    assert launch["buttons"] == []
    assert downloads["buttons"][-1] == {
        "type": "link",
        "url": "../../demo-book.pdf",
        "text": "Book (PDF)",
        "tooltip": "Download the whole book as a PDF",
        "icon": "fas fa-book",
        "label": "download-book-pdf-button",
    }


def test_no_pdf_button_without_a_pdf() -> None:
    context = header_context()
    pe.add_pdf_button(FakeApp(False), "index", "page.html", context, None)
    assert len(context["header_buttons"][1]["buttons"]) == 1


# --- small builds --------------------------------------------------------------------------

INDEX = """# Demo book & co

Welcome to the demo.

```{toctree}
:caption: Introduction
book/intro
```

```{toctree}
:caption: Part I · Culprits (prohibition ?)
book/part1/ch
book/part1/other
```

```{toctree}
:caption: Appendices
book/glossary
```

## Who it is for

Everyone.
"""
INTRO = "# Introduction\n\nThe introduction.\n"
CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# A chapter

*Un chapitre* · section 1

```{code-cell} ipython3
:tags: [hide-input]
hidden_source = 1
```

```{code-cell} ipython3
:tags: [hide-cell]
solution_source = 2
```

The data: {download}`Data behind this figure (CSV) <figdata/fig.csv>`.
"""
OTHER = "# Another chapter\n\nMore.\n"
GLOSSARY = "# Glossary\n\nWords.\n"
DEMO_CONFIG = {
    "extensions": ["myst_nb", "pdf_edition"],
    "root_doc": "index",
    "nb_execution_mode": "off",
    "html_theme": "sphinx_book_theme",
    "html_theme_options": {"use_download_button": True},
    "html_baseurl": "https://example.org/demo/",
    "latex_engine": "xelatex",
    "latex_documents": [("index", "demo-book.tex", "Wrong title", "Wrong author", "manual")],
    "exclude_patterns": ["_build"],
}


def make_demo(src: Path) -> Path:
    """Write the made-up book's sources into `src`."""
    for path, text in {
        "index.md": INDEX,
        "book/intro.md": INTRO,
        "book/part1/ch.md": CHAPTER,
        "book/part1/other.md": OTHER,
        "book/glossary.md": GLOSSARY,
        "book/part1/figdata/fig.csv": "year,deaths\n2016,1\n",
        "book/metadata.yml": yaml.safe_dump(DEMO_META),
    }.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text, encoding="utf-8")
    return src


def run_sphinx(src: Path, builder: str) -> str:
    """Build `src` with Sphinx (docutils registries restored afterwards); return its warnings."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    warnings = io.StringIO()
    with docutils_namespace():
        app = Sphinx(
            str(src),
            None,
            str(src / "_build" / builder),
            str(src / "_build" / f"doctrees-{builder}"),
            builder,
            confoverrides=DEMO_CONFIG,
            status=io.StringIO(),
            warning=warnings,
            freshenv=True,
        )
        app.build()
    return warnings.getvalue()


@pytest.fixture(scope="module")
def latex_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    src = make_demo(tmp_path_factory.mktemp("demo-latex"))
    warnings = run_sphinx(src, "latex")
    return (src / "_build" / "latex" / "demo-book.tex").read_text(encoding="utf-8"), warnings


@pytest.mark.slow
def test_latex_build_has_no_warning(latex_build: tuple[str, str]) -> None:
    assert latex_build[1] == ""


@pytest.mark.slow
def test_latex_title_page_and_running_title(latex_build: tuple[str, str]) -> None:
    tex = latex_build[0]
    assert r"\title{Demo book \& co}" in tex
    assert r"\author{Demo Team, Ann Other}" in tex
    assert r"Version 1.2.3 \textperiodcentered\ 4 March 2025" in tex
    assert r"\release{1.2.3}" in tex


@pytest.mark.slow
def test_latex_parts_follow_the_toc_captions(latex_build: tuple[str, str]) -> None:
    tex = latex_build[0]
    headings = re.findall(r"\\(part\*|chapter)\{([^}]*)\}", tex)
    assert headings == [
        ("chapter", "About this book"),
        ("chapter", "Introduction"),
        ("part*", "Part I · Culprits (prohibition~?)"),
        ("chapter", "A chapter"),
        ("chapter", "Another chapter"),
        ("part*", "Appendices"),
        ("chapter", "Glossary"),
        ("chapter", "Solutions to the exercises"),
    ]
    assert tex.index(r"\appendix") < tex.index(r"\part*{Appendices}")
    assert tex.index(r"\setcounter{secnumdepth}{-1}") < tex.index(r"\chapter{About this book}")
    assert tex.index(r"\setcounter{secnumdepth}{0}") < tex.index(r"\chapter{Introduction}")


@pytest.mark.slow
def test_latex_moves_the_solution_to_the_last_appendix(latex_build: tuple[str, str]) -> None:
    tex = latex_build[0]
    pointer = tex.index(r"\label{dbexercise:1}\emph{Solution: page~\pageref{dbsolution:1}.}")
    assert tex.index(r"\chapter{A chapter}") < pointer < tex.index(r"\chapter{Another chapter}")
    solutions = tex.index(r"\chapter{Solutions to the exercises}")
    assert solutions > tex.index(r"\chapter{Glossary}")
    assert tex.index(r"\section{A chapter}") > solutions
    code = tex.index(r"solution\PYGZus{}source")
    assert code > tex.index(r"\label{dbsolution:1}") > solutions


@pytest.mark.slow
def test_latex_drops_hidden_code_and_links_downloads(latex_build: tuple[str, str]) -> None:
    tex = latex_build[0]
    assert "hidden" not in tex and "solution" in tex
    assert (
        r"\sphinxhref{https://example.org/demo/book/part1/ch.html}"
        r"{Data behind this figure (CSV)}" in tex
    )


def test_pdf_name_agrees_with_the_latex_target() -> None:
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    metadata = yaml.safe_load((REPO_ROOT / book_metadata.METADATA_FILE).read_text(encoding="utf-8"))
    target = config["latex"]["latex_documents"]["targetname"]
    assert Path(target).with_suffix(".pdf").name == metadata["pdf"]
    assert "pdf_edition" in config["sphinx"]["local_extensions"]


@pytest.mark.slow
def test_html_build_without_pdf_offers_none(tmp_path: Path) -> None:
    src = make_demo(tmp_path)
    assert run_sphinx(src, "html") == ""
    html = src / "_build" / "html"
    assert not (html / "demo-book.pdf").exists()
    assert "download-book-pdf-button" not in (html / "book" / "part1" / "ch.html").read_text()


@pytest.mark.slow
def test_html_build_publishes_and_links_a_built_pdf(tmp_path: Path) -> None:
    src = make_demo(tmp_path)
    pdf = src / "_build" / "latex" / "demo-book.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.5 demo\n")
    assert run_sphinx(src, "html") == ""
    html = src / "_build" / "html"
    assert (html / "demo-book.pdf").read_bytes() == b"%PDF-1.5 demo\n"
    page = (html / "book" / "part1" / "ch.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="\.\./\.\./demo-book\.pdf"[^>]*download-book-pdf-button', page)
    home = (html / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="demo-book\.pdf"[^>]*download-book-pdf-button', home)


@pytest.mark.slow
def test_a_book_without_metadata_is_left_alone(tmp_path: Path) -> None:
    src = make_demo(tmp_path)
    (src / "book" / "metadata.yml").unlink()
    pdf = src / "_build" / "latex" / "demo-book.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.5 demo\n")
    assert run_sphinx(src, "html") == ""
    assert not (src / "_build" / "html" / "demo-book.pdf").exists()
