"""Reader notebooks: every notebook page as a Jupyter notebook that reads as plain prose and shows
its figures, for the page's .ipynb download and `make notebooks`.

myst-nb executes each notebook page and leaves the executed notebook in `_build/jupyter_execute/`,
which the theme copies to `_sources/` for the download button. That copy still holds the book's
markup ({glue:text}, {cite:p}, {numref}, the {glue:figure} directive...) and none of its figures
(glued values are stored apart, in `<page>.glue.json`). When an HTML build finishes, this extension
writes in its place a notebook in which:
- every role is readable text: a glued value formatted as the page prints it, a citation as
  [Author, year] with the works cited listed at the end, a cross-reference as a link to the online
  page, a figure number as "Fig. N", a download as a link;
- every directive is plain Markdown: an admonition a quotation with its title in bold, a
  {glue:figure} its caption ("Fig. N: ..."), under the output of the code cell that draws the
  figure, which now shows it;
- `from myst_nb import glue` becomes `from analysis.style import glue`, which shows figures outside
  the book build, and `from IPython.display import Markdown` becomes `from analysis.datasets
  import Markdown`, which prints the book's markup as plain Markdown there: the notebook runs with
  only the analysis package (and Jupyter) installed, and its output reads as prose.
The notebooks that the build executes see DIVERSION_BOOK_BUILD=1 (set here), so that there
analysis.style glues figures instead of showing them.

The Markdown conversion is analysis.myst's (the same that a rerun notebook prints its Markdown
with), told by `BookMarkdown` what the build knows about a page (a `Context`: glued values,
labels, figure numbers, titles, the bibliography); `reader_notebook` converts one notebook.
"""

from __future__ import annotations

import copy
import json
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

from analysis.myst import PlainMarkdown, split_explicit

logger = logging.getLogger(__name__)

BOOK_BUILD_ENV = "DIVERSION_BOOK_BUILD"
EXECUTED_FOLDER = "jupyter_execute"
GLUE_SUFFIX = ".glue.json"
GLUE_PREFIX = "application/papermill.record/"
# Imports of the book's pages and what a reader's notebook imports instead: the same names, which
# behave as in the book during its build and show plain output elsewhere (analysis.style.glue,
# analysis.datasets.Markdown).
READER_IMPORTS = [
    (
        re.compile(r"^from myst_nb import glue[ \t]*$", re.M),
        "from analysis.style import glue  # myst-nb's glue in the book; shows figures here",
    ),
    (
        re.compile(r"^from IPython\.display import Markdown[ \t]*$", re.M),
        "from analysis.datasets import Markdown  # the book's markup as plain Markdown here",
    ),
]

SUBSTITUTION = re.compile(r"\{\{\s*([\w-]+)\s*\}\}")


@dataclass
class Citation:
    """How a work is cited in the text ([label]) and listed at the end (reference)."""

    author: str
    year: str
    reference: str


@dataclass
class Context:
    """What the build knows that a notebook's Markdown refers to."""

    base_url: str = ""
    repository_url: str = ""
    branch: str = "main"
    # docname -> glue key -> MIME bundle (read lazily from the executed notebooks' glue files)
    glue: Callable[[str], dict[str, dict]] = lambda docname: {}
    # label -> (docname, anchor, title)
    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # (docname, anchor) -> figure number
    figure_numbers: dict[tuple[str, str], str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)
    substitutions: dict[str, str] = field(default_factory=dict)

    def page_url(self, docname: str, anchor: str = "") -> str:
        """Address of a page of the book (online when the book has a base URL)."""
        return f"{self.base_url}{docname}.html" + (f"#{anchor}" if anchor else "")


# --- glued values ---------------------------------------------------------------------------


def format_value(bundle: dict, fmt: str) -> str:
    """A glued value as the page prints it (myst-nb's own formatting of text/plain)."""
    from myst_nb.core.variables import format_plain_text

    data = bundle.get("data", bundle)
    data = {mime.removeprefix(GLUE_PREFIX): value for mime, value in data.items()}
    if "text/markdown" in data and not fmt:
        return str(data["text/markdown"]).strip()
    return format_plain_text(str(data.get("text/plain", "")), fmt)


def glued_text(content: str, docname: str, ctx: Context, default_fmt: str) -> str:
    """The text of a {glue} or {glue:text} role (`key:fmt`, or `page.ipynb::key:fmt`)."""
    key, fmt = content, default_fmt
    if re.search(r":[^:]*$", content) and not content.endswith("::"):
        head, tail = content.rsplit(":", 1)
        if not head.endswith(":"):
            key, fmt = head, tail
    page = docname
    if "::" in key:
        path, key = key.split("::", 1)
        page = posixpath.normpath(posixpath.join(posixpath.dirname(docname), path))
        page = page.removesuffix(".ipynb").removesuffix(".md")
    bundle = ctx.glue(page).get(key)
    if bundle is None:
        raise KeyError(f"{docname}: no glued value {key!r} in {page}")
    return format_value(bundle, fmt)


# --- the book's markup ----------------------------------------------------------------------


def resolve_doc(target: str, docname: str) -> str:
    """The docname a {doc} target names (absolute from the source root, or relative)."""
    target = target.removesuffix(".md").removesuffix(".ipynb")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(docname), target))


def cite_text(name: str, keys: list[str], ctx: Context, cited: list[str]) -> str:
    """An author-year citation: [A, 2020; B, 2019], or A [2020] for a textual one."""
    for key in keys:
        if key not in ctx.citations:
            raise KeyError(f"citation {key!r} is not in the bibliography")
        if key not in cited:
            cited.append(key)
    works = [ctx.citations[key] for key in keys]
    if name in ("cite:t", "cite:ts"):
        return ", ".join(f"{work.author} [{work.year}]" for work in works)
    if name == "cite:author":
        return ", ".join(work.author for work in works)
    if name == "cite:year":
        return ", ".join(work.year for work in works)
    return "[" + "; ".join(f"{work.author}, {work.year}" for work in works) + "]"


@dataclass
class Conversion:
    """What converting one notebook's Markdown found: works cited, glued figures shown."""

    cited: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


class BookMarkdown(PlainMarkdown):
    """analysis.myst's conversion, with what the build knows about one page (its Context)."""

    def __init__(self, docname: str, ctx: Context, found: Conversion) -> None:
        self.docname, self.ctx, self.found = docname, ctx, found

    def substitute(self, text: str) -> str:
        subs = self.ctx.substitutions
        return SUBSTITUTION.sub(lambda m: subs.get(m.group(1), m.group(0)), text)

    def role(self, name: str, content: str) -> str:
        ctx, docname = self.ctx, self.docname
        if name == "glue:text":
            return glued_text(content, docname, ctx, "s")
        if name in ("glue", "glue:any"):
            return glued_text(content, docname, ctx, "")
        if name.startswith("cite"):
            keys = [key.strip() for key in content.split(",")]
            return cite_text(name, keys, ctx, self.found.cited)
        text, target = split_explicit(content)
        if name == "doc":
            page = resolve_doc(target, docname)
            return f"[{text or ctx.titles.get(page, page)}]({ctx.page_url(page)})"
        if name in ("ref", "numref"):
            if target not in ctx.labels:
                raise KeyError(f"{docname}: unknown label {target!r}")
            page, anchor, title = ctx.labels[target]
            if name == "numref":
                number = ctx.figure_numbers.get((page, anchor), "")
                text = (text or "Fig. {number}").replace("%s", "{number}").format(number=number)
            return f"[{text or title}]({ctx.page_url(page, anchor)})"
        if name == "download":
            if target.startswith(("figdata/", "./figdata/")):
                return f"[{text or target}]({target})"  # written next to the notebook as it runs
            path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target))
            url = f"{ctx.repository_url}/blob/{ctx.branch}/{path}" if ctx.repository_url else path
            return f"[{text or posixpath.basename(target)}]({url})"
        return super().role(name, content)

    def figure(self, name: str, argument: str, options: dict, caption: str) -> str:
        number = ""
        if options.get("name", "") in self.ctx.labels:
            page, anchor, _ = self.ctx.labels[options["name"]]
            number = self.ctx.figure_numbers.get((page, anchor), "")
        if name == "glue:figure":
            self.found.figures.append(argument)
            return (f"**Fig. {number}:** " if number else "") + caption
        return super().figure(name, argument, options, caption)

    def directive(self, name: str, argument: str, options: dict, content: list[str]) -> str:
        if name.startswith("glue") and name != "glue:figure":
            return glued_text(argument, self.docname, self.ctx, "")
        return super().directive(name, argument, options, content)


def convert_markdown(source: str, docname: str, ctx: Context, found: Conversion) -> str:
    """A page's MyST Markdown as plain Markdown (see the module docstring)."""
    return BookMarkdown(docname, ctx, found).convert(source)


# --- notebooks ------------------------------------------------------------------------------


def figure_output(bundle: dict) -> nbformat.NotebookNode:
    """A display_data output that shows a glued figure."""
    data = {mime.removeprefix(GLUE_PREFIX): value for mime, value in bundle["data"].items()}
    shown = {
        mime: data[mime] for mime in ("image/svg+xml", "image/png", "text/plain") if mime in data
    }
    return nbformat.v4.new_output("display_data", data=shown, metadata={})


def glues_key(cell: nbformat.NotebookNode, key: str) -> bool:
    """Whether a code cell glues a value under this key."""
    quoted = re.escape(key)
    return bool(re.search(rf"glue\w*\(\s*[\"']{quoted}[\"']", cell.source))


def reference_list(cited: list[str], ctx: Context) -> str:
    """The works cited, in alphabetical order of their citation, as a Markdown list."""
    works = sorted(cited, key=lambda key: (ctx.citations[key].author, ctx.citations[key].year))
    items = [f"- {ctx.citations[key].reference}" for key in works]
    return "## References\n\n" + "\n".join(items)


def reader_notebook(
    executed: nbformat.NotebookNode, docname: str, ctx: Context
) -> nbformat.NotebookNode:
    """The executed notebook of a page as a notebook for readers (see the module docstring)."""
    notebook = copy.deepcopy(executed)
    found = Conversion()
    glue = ctx.glue(docname)
    code_cells_so_far: list[nbformat.NotebookNode] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            before = len(found.figures)
            cell.source = convert_markdown(cell.source, docname, ctx, found)
            for key in found.figures[before:]:
                if key not in glue:
                    raise KeyError(f"{docname}: figure {key!r} was not glued")
                drawer = next(
                    (c for c in reversed(code_cells_so_far) if glues_key(c, key)),
                    code_cells_so_far[-1] if code_cells_so_far else None,
                )
                if drawer is None:
                    raise ValueError(f"{docname}: figure {key!r} comes before any code cell")
                drawer.outputs.append(figure_output(glue[key]))
        elif cell.cell_type == "code":
            for pattern, replacement in READER_IMPORTS:
                cell.source = pattern.sub(replacement, cell.source)
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    data["text/markdown"] = convert_markdown(
                        data["text/markdown"], docname, ctx, found
                    )
            code_cells_so_far.append(cell)
    title = ctx.titles.get(docname, docname)
    intro = (
        f"*This notebook is the page [{title}]({ctx.page_url(docname)}) of the book, with the "
        "book's markup turned into plain text. Its code cells redraw every figure and table from "
        "the book's data: run them all (Run ▸ Run All Cells) after installing the book's "
        '`analysis` package, as the section "Rerun this chapter" at the end of each chapter '
        "explains.*"
    )
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(intro))
    if found.cited:
        notebook.cells.append(nbformat.v4.new_markdown_cell(reference_list(found.cited, ctx)))
    for key in ("jupytext", "source_map"):
        notebook.metadata.pop(key, None)
    return notebook


# --- the bibliography -------------------------------------------------------------------------


def latex_text(value: str) -> str:
    """A BibTeX field as plain text. LaTeX is parsed only where there is some (a backslash or a
    dollar): pybtex's parser takes tens of milliseconds a name, seconds for the book."""
    if "\\" in value or "$" in value:
        from pybtex.richtext import Text

        return Text.from_latex(value).render_as("text")
    return value.replace("{", "").replace("}", "")


def citation_label_author(entry) -> str:
    """The author part of an author-year label: A, A and B, A et al."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [latex_text(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not names:  # as sphinxcontrib-bibtex labels it: the title
        return latex_text(entry.fields.get("title", entry.key))
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


# Formatting every work with pybtex takes seconds (Text.from_latex on each name); the result
# depends only on the .bib files, so it is kept next to the build and reused while they are
# unchanged (the reader notebooks and the handouts of one build share it too).
CITATIONS_CACHE = ".reader-citations.json"


def citations_cached(bib_files: list[Path], cache_dir: Path | None) -> dict[str, Citation]:
    """citations(bib_files), read from `cache_dir` when the .bib files have not changed."""
    import hashlib

    import pybtex

    digest = hashlib.sha256(pybtex.__version__.encode())
    for path in bib_files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    key = digest.hexdigest()
    cache = cache_dir / CITATIONS_CACHE if cache_dir is not None else None
    if cache is not None and cache.is_file():
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            stored = {}
        if stored.get("key") == key:
            return {name: Citation(**work) for name, work in stored["works"].items()}
    works = citations(bib_files)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "works": {
            name: vars(work) for name, work in works.items()}}), encoding="utf-8")
    return works


def citations(bib_files: list[Path]) -> dict[str, Citation]:
    """Every work of the book's .bib files: its author-year label and its reference as Markdown."""
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin
    from pybtex.richtext import Text

    style = find_plugin("pybtex.style.formatting", "plain")()
    works: dict[str, Citation] = {}
    for bib_file in bib_files:
        for key, entry in parse_file(str(bib_file), "bibtex").entries.items():
            author = citation_label_author(entry)
            year = latex_text(entry.fields.get("year", "n.d."))
            try:
                reference = style.format_entry(key, entry).text.render_as("markdown")
            except Exception:  # pybtex's plain style wants fields this entry does not need
                title = Text.from_latex(entry.fields.get("title", key)).render_as("markdown")
                url = entry.fields.get("url", "")
                reference = f"{author} ({year}). *{title}*." + (f" <{url}>" if url else "")
            works[key] = Citation(author=author, year=year, reference=reference.replace("\n", " "))
    return works


# --- the Sphinx side --------------------------------------------------------------------------


def build_context(app: Sphinx) -> Context:
    """The Context of an HTML build that has read every page, made once per build: the reader
    notebooks and the handouts (teaching_materials) share it, and its glued values."""
    if getattr(app, "book_reader_context", None) is None:
        app.book_reader_context = _new_context(app)
    return app.book_reader_context


def _new_context(app: Sphinx) -> Context:
    env = app.env
    std = env.get_domain("std")
    labels = {
        label: (docname, anchor, title) for label, (docname, anchor, title) in std.labels.items()
    }
    for label, (docname, anchor) in std.anonlabels.items():
        labels.setdefault(label, (docname, anchor, ""))
    numbers = {
        (docname, anchor): ".".join(map(str, number))
        for docname, kinds in env.toc_fignumbers.items()
        for anchor, number in kinds.get("figure", {}).items()
    }
    executed = Path(app.outdir).parent / EXECUTED_FOLDER
    cache: dict[str, dict[str, dict]] = {}

    def glue(docname: str) -> dict[str, dict]:
        if docname not in cache:
            path = executed / f"{docname}{GLUE_SUFFIX}"
            cache[docname] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return cache[docname]

    meta = getattr(app, "book_metadata", None)
    names = app.config.bibtex_bibfiles if "bibtex_bibfiles" in app.config else []
    substitutions = dict(getattr(app.config, "myst_substitutions", {}) or {})
    return Context(
        base_url=app.config.html_baseurl or "",
        repository_url=meta.repository_url if meta else "",
        branch=meta.branch if meta else "main",
        glue=glue,
        labels=labels,
        figure_numbers=numbers,
        titles={docname: title.astext() for docname, title in env.titles.items()},
        citations=citations_cached([Path(app.srcdir) / name for name in names],
                                   Path(app.doctreedir)),
        substitutions={key: str(value) for key, value in substitutions.items()},
    )


def write_reader_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """After an HTML build, put a reader notebook in `_sources/` for every executed page."""
    if exception is not None or app.builder.format != "html":
        return
    executed = Path(app.outdir).parent / EXECUTED_FOLDER
    ctx = None
    written = 0
    for docname in sorted(app.env.found_docs):
        source = executed / f"{docname}.ipynb"
        if not source.is_file():
            continue
        ctx = ctx or build_context(app)
        notebook = reader_notebook(nbformat.read(source, as_version=4), docname, ctx)
        target = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        written += 1
    logger.info("reader_notebooks: %d notebooks for readers in _sources/", written)


def setup(app: Sphinx) -> dict:
    # The notebooks the build executes inherit this (analysis.style then glues, not shows).
    os.environ[BOOK_BUILD_ENV] = "1"
    app.connect("build-finished", write_reader_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
