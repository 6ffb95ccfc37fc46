"""Teaching materials built with the book: a two-hour seminar plan and a one-page printable
handout for every chapter.

- The directive `{seminar-plans}` (in book/appendix/teaching.md) adds one section per chapter of
  book/metadata.yml, in the order of the table of contents. Each holds a seminar plan timed by
  `seminar_plan` from the chapter's own structure (its learning objectives, figures, discussion
  questions and exercise, read from its source by `chapter_outline`), and a link to its handout.
  The plans are written when the page is resolved, once every figure has its number; the page is
  rebuilt whenever a chapter changes.
- After an HTML build, `teaching/handouts/<chapter>.html` (with the key figure next to it) is
  written for every chapter: the chapter's objectives, its key figure (the first it shows, or else
  the first it refers to) and its discussion questions on one printed page, A4 or US Letter.
  Their text is the chapter's, with the values its notebook computed and its citations written
  out (reader_notebooks.BookMarkdown): no number on a handout or in a plan is typed.
Without book/metadata.yml it does nothing.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from book_metadata import app_metadata, is_chapter, page_url
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from analysis.myst import FENCE, closing_line, directive_parts, list_items

logger = logging.getLogger(__name__)

SESSION_MINUTES = 120
HANDOUT_FOLDER = "teaching/handouts"
OBJECTIVES_TITLE = "In this chapter"
QUESTIONS_HEADING = "## For discussion"
NUMBERED_ITEM = re.compile(r"^\d+\.[ \t]+")
ROLE_TARGET = re.compile(r"\{numref\}`(?:[^`<]*<)?([^`>]+)>?`")
ANALYSIS_NAME = re.compile(r"`(analysis\.[\w.]+)`")


# --- a chapter's outline ----------------------------------------------------------------------


@dataclass
class Figure:
    """A {glue:figure} of a chapter: its glue key, its label and its caption (MyST)."""

    key: str
    name: str
    alt: str
    caption: str


@dataclass
class Outline:
    """What a seminar needs from a chapter's source (text still in MyST)."""

    docname: str
    title: str
    subtitle: str = ""
    section: str = ""  # "section 2.1", "the opening section"
    objectives: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    referred: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    exercise: str = ""


def item_text(lines: list[str]) -> str:
    """A list item's lines as one line of text."""
    return " ".join(line.strip() for line in lines if line.strip())


def numbered_items(lines: list[str]) -> list[str]:
    """The items of a numbered list (continuation lines joined)."""
    items: list[list[str]] = []
    for line in lines:
        marker = NUMBERED_ITEM.match(line)
        if marker:
            items.append([line[marker.end() :]])
        elif items and line.strip() and line.startswith(" "):
            items[-1].append(line)
        elif items and line.strip():
            break
    return [item_text(item) for item in items]


def exercise_name(lines: list[str], start: int) -> str:
    """What the exercise after a `### Exercise` heading is about: the analysis functions it
    names, or else its first sentence."""
    paragraph: list[str] = []
    for line in lines[start + 1 :]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    text = " ".join(paragraph)
    names = ANALYSIS_NAME.findall(text)
    if names:
        return "using " + " and ".join(f"`{name}`" for name in dict.fromkeys(names))
    return text.split(". ")[0]


def chapter_outline(docname: str, text: str) -> Outline:
    """The outline of a chapter page (CONTRIBUTING.md's template)."""
    lines = text.splitlines()
    title_at = next(i for i, line in enumerate(lines) if line.startswith("# "))
    outline = Outline(docname=docname, title=lines[title_at][2:].strip())
    body = lines[title_at + 1 :]
    start = next((i for i, line in enumerate(body) if line.strip()), len(body))
    end = next((i for i in range(start, len(body)) if not body[i].strip()), len(body))
    subtitle = " ".join(line.strip() for line in body[start:end])
    if subtitle.startswith("*"):
        outline.subtitle = subtitle
        where = re.search(r"section [\d.]+|(?:opening|closing) section", subtitle)
        if where:
            outline.section = (
                where.group(0) if where.group(0)[0] == "s" else f"the {where.group(0)}"
            )
    outline.referred = ROLE_TARGET.findall(text)
    index = 0
    while index < len(lines):
        opener = FENCE.match(lines[index])
        if not opener:
            if lines[index].startswith("### Exercise"):
                outline.exercise = exercise_name(lines, index)
            index += 1
            continue
        _, fence, name, argument = opener.groups()
        end = closing_line(lines, index, fence)
        options, content = directive_parts(lines[index + 1 : end])
        if name == "admonition" and argument.strip() == OBJECTIVES_TITLE:
            bullets = [line for line in content if line.strip()]
            first = next((i for i, line in enumerate(bullets) if line.startswith("- ")), None)
            if first is not None:
                last = next(
                    (i for i in range(first, len(bullets)) if bullets[i].startswith("*")),
                    len(bullets),
                )
                outline.objectives = [item_text(item) for item in list_items(bullets[first:last])]
        elif name == "admonition" and argument.startswith("Exercise"):
            outline.exercise = argument.partition(":")[2].strip() or argument
        elif name == "glue:figure":
            caption = item_text(content)
            outline.figures.append(
                Figure(argument, options.get("name", argument), options.get("alt", ""), caption)
            )
        index = end + 1
    if QUESTIONS_HEADING in lines:
        outline.questions = numbered_items(
            [line for line in lines[lines.index(QUESTIONS_HEADING) + 1 :] if line.strip()]
        )
    return outline


# --- the plan ---------------------------------------------------------------------------------


def seminar_plan(outline: Outline, figure_numbers: list[str]) -> list[tuple[int, int, str]]:
    """A two-hour seminar on a chapter: (start minute, minutes, activity) for each step.

    Fixed steps (opening 10, argument 20, break 10, exercise 25, wrap-up 10), the figures 8 minutes
    each (between 10 and 30), and the discussion questions the rest, so the steps fill exactly
    SESSION_MINUTES.
    """
    shown = ", ".join(f"Fig. {number}" for number in figure_numbers)
    if len(outline.figures) == 1:
        data = f"The data: read {shown}: what it shows, its source, what it cannot show"
    elif outline.figures:
        data = f"The data: read {shown} in turn: what each shows, its source, what it cannot show"
    elif shown:
        data = f"The data: revisit {shown} (earlier chapters) with this chapter's question"
    else:
        data = "The data: the chapter's tables and what they leave out"
    figures_minutes = min(max(8 * len(outline.figures), 10), 30)
    objectives = len(outline.objectives)
    section = f"{outline.section} of the article" if outline.section else "the article"
    exercise = outline.exercise or "the chapter's exercise"
    steps = [
        (
            10,
            f"Opening: the chapter's {objectives} learning objectives; the question {section} asks",
        ),
        (20, 'The argument: in pairs, summarise "What the article argues", then compare'),
        (figures_minutes, data),
        (10, "Break"),
        (25, f"Exercise in pairs, in the chapter's notebook: {exercise}"),
    ]
    wrap_up = (10, "Wrap-up: the claims checked in the chapter and how far the evidence goes")
    rest = SESSION_MINUTES - sum(minutes for minutes, _ in steps) - wrap_up[0]
    count = len(outline.questions)
    if count:
        discussion = (
            f"Discussion: the chapter's {count} questions, about {round(rest / count)} minutes each"
        )
    else:
        discussion = "Discussion: the chapter's questions"
    steps += [(rest, discussion), wrap_up]
    plan, start = [], 0
    for minutes, activity in steps:
        plan.append((start, minutes, activity))
        start += minutes
    return plan


def clock(minute: int) -> str:
    """Minutes from the start as h:mm."""
    return f"{minute // 60}:{minute % 60:02d}"


def plan_table(plan: list[tuple[int, int, str]]) -> nodes.table:
    """The plan as a docutils table: time, minutes, activity."""
    table = nodes.table(classes=["seminar-plan", "colwidths-given"])
    group = nodes.tgroup(cols=3)
    table += group
    for width in (20, 13, 67):
        group += nodes.colspec(colwidth=width)

    def row(*cells: str) -> nodes.row:
        line = nodes.row()
        for text in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text, text)
            line += entry
        return line

    head = nodes.thead()
    head += row("Time", "Minutes", "Activity")
    group += head
    body = nodes.tbody()
    for start, minutes, activity in plan:
        body += row(
            f"{clock(start)}–{clock(start + minutes)}", str(minutes), activity.replace("`", "")
        )
    group += body
    return table


# --- the directive and the page ---------------------------------------------------------------


class seminar_plan_node(nodes.General, nodes.Element):
    """Where a chapter's plan goes, filled in once every figure has its number."""


def toc_order(app: Sphinx) -> list[str]:
    """The book's pages in the order of the table of contents (sorted without one)."""
    site_map = getattr(app.env, "external_site_map", None)
    if site_map is None:
        return sorted(app.env.found_docs)
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order or docname not in site_map:
            return
        order.append(docname)
        for child in site_map[docname].child_files():
            visit(child)

    visit(site_map.root.docname)
    return order


def book_chapters(app: Sphinx) -> list[str]:
    meta = app_metadata(app)
    return [name for name in toc_order(app) if is_chapter(name, meta.chapters)]


def read_outline(app: Sphinx, docname: str) -> Outline:
    path = Path(app.env.doc2path(docname))
    return chapter_outline(docname, path.read_text(encoding="utf-8"))


class SeminarPlans(SphinxDirective):
    """`{seminar-plans}`: a section per chapter with its plan and a link to its handout."""

    has_content = False
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        out = []
        for docname in book_chapters(self.env.app):
            self.env.note_dependency(self.env.doc2path(docname))
            outline = read_outline(self.env.app, docname)
            ident = f"seminar-{docname.rsplit('/', 1)[-1]}"
            section = nodes.section(ids=[ident], classes=["seminar"])
            self.state.document.note_implicit_target(section)
            title = f"Seminar: {outline.title}"
            section += nodes.title(title, title)
            section += seminar_plan_node(docname=docname)
            out.append(section)
        return out


def fill_plans(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each plan placeholder with the chapter's plan and the links to it."""
    meta = app_metadata(app)
    for node in list(doctree.findall(seminar_plan_node)):
        chapter = node["docname"]
        outline = read_outline(app, chapter)
        numbers = figure_numbers(app, outline)
        intro = nodes.paragraph()
        intro += nodes.Text("Before the session: read the chapter, ")
        link = nodes.reference("", "", internal=True)
        link["refuri"] = app.builder.get_relative_uri(docname, chapter)
        link += nodes.Text(outline.title)
        intro += link
        reading = f"{outline.section} of the article" if outline.section else "the article"
        intro += nodes.Text(f", and, if you read French, {reading}. ")
        handout = f"{HANDOUT_FOLDER}/{slug(chapter)}.html"
        text = "The one-page handout for students"
        if app.builder.format == "html":
            relative = posixpath.relpath(handout, posixpath.dirname(docname) or ".")
            intro += nodes.reference(text, text, refuri=relative, classes=["seminar-handout"])
        else:
            intro += nodes.reference(text, text, refuri=meta.base_url + handout)
        intro += nodes.Text(" (objectives, key figure, questions) prints on A4 or US Letter.")
        node.replace_self([intro, plan_table(seminar_plan(outline, numbers))])


def slug(docname: str) -> str:
    return docname.rsplit("/", 1)[-1]


def figure_labels(app: Sphinx) -> dict[str, tuple[str, str]]:
    std = app.env.get_domain("std")
    labels = {label: (doc, anchor) for label, (doc, anchor) in std.anonlabels.items()}
    return labels


def figure_number(app: Sphinx, label: str) -> str:
    """The number the book gives a figure label (empty if unknown)."""
    doc, anchor = figure_labels(app).get(label, ("", ""))
    number = app.env.toc_fignumbers.get(doc, {}).get("figure", {}).get(anchor)
    return ".".join(map(str, number)) if number else ""


def figure_numbers(app: Sphinx, outline: Outline) -> list[str]:
    """The numbers of the figures a chapter shows, or else of those it refers to."""
    labels = [figure.name for figure in outline.figures] or list(dict.fromkeys(outline.referred))
    return [number for label in labels if (number := figure_number(app, label))]


def chapters_changed(app: Sphinx, env, added: set, changed: set, removed: set) -> list[str]:
    """Rebuild the pages that hold plans whenever a chapter changes."""
    meta = app_metadata(app)
    if not any(is_chapter(name, meta.chapters) for name in added | changed | removed):
        return []
    return [
        name
        for name in sorted(env.found_docs)
        if "{seminar-plans}" in Path(env.doc2path(name)).read_text(encoding="utf-8")
    ]


# --- the handouts -----------------------------------------------------------------------------

HANDOUT_CSS = """
@page { size: auto; margin: 13mm 15mm; }
body { font: 10.5pt/1.35 Georgia, "Latin Modern Roman", serif; color: #111; background: #fff;
  max-width: 46em; margin: 1.5em auto; padding: 0 1em; }
header p { margin: 0; }
.kicker { font: 8.5pt/1.3 sans-serif; text-transform: uppercase; letter-spacing: .05em;
  color: #444; }
h1 { font-size: 16pt; line-height: 1.2; margin: .15em 0 .1em; }
.subtitle { font-size: 10pt; color: #333; }
h2 { font: bold 10.5pt/1.3 sans-serif; margin: .75em 0 .3em; padding-bottom: .1em;
  border-bottom: 1px solid #888; }
ul, ol { margin: .2em 0; padding-left: 1.4em; }
li { margin: .12em 0; }
figure { margin: .3em 0 0; }
figure img { display: block; width: 100%; height: auto; max-height: 8cm; object-fit: contain; }
figcaption { font-size: 8.8pt; line-height: 1.3; margin-top: .25em; }
footer { font-size: 8pt; color: #444; border-top: 1px solid #888; margin-top: .7em;
  padding-top: .25em; }
a { color: inherit; }
.screen { font: 9pt sans-serif; margin-top: 1em; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.8pt; }
  figure img { max-height: 6.5cm; }
  figcaption { font-size: 8.2pt; line-height: 1.25; }
  .screen { display: none; }
}
"""


def markdown_html(text: str, inline: bool = True) -> str:
    """Plain Markdown (from BookMarkdown) as HTML."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark")
    return parser.renderInline(text) if inline else parser.render(text)


@dataclass
class KeyFigure:
    """A handout's figure: its number, caption (plain Markdown), alt text and image file."""

    number: str
    caption: str
    alt: str
    svg: str


def handout_html(outline: Outline, figure: KeyFigure | None, convert, meta, back: str) -> str:
    """The handout page of a chapter: `convert` turns the outline's MyST into plain Markdown."""
    esc = html.escape
    objectives = "".join(f"<li>{markdown_html(convert(text))}</li>" for text in outline.objectives)
    questions = "".join(f"<li>{markdown_html(convert(text))}</li>" for text in outline.questions)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Handout: {esc(outline.title)} · {esc(meta.title)}</title>",
        f"<style>{HANDOUT_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f'<p class="kicker">Seminar handout · {esc(meta.title)}</p>',
        f"<h1>{esc(outline.title)}</h1>",
        f'<p class="subtitle">{markdown_html(convert(outline.subtitle))}</p>'
        if outline.subtitle
        else "",
        "</header>",
        "<section>",
        "<h2>Objectives</h2>",
        "<p>After the session you should be able to:</p>",
        f"<ul>{objectives}</ul>",
        "</section>",
    ]
    if figure is not None:
        caption = markdown_html(figure.caption)
        parts += [
            "<section>",
            "<h2>Key figure</h2>",
            "<figure>",
            f'<img src="{esc(figure.svg)}" alt="{esc(figure.alt)}">',
            f"<figcaption><strong>Fig. {esc(figure.number)}.</strong> {caption}</figcaption>",
            "</figure>",
            "</section>",
        ]
    url = page_url(meta, outline.docname)
    parts += [
        "<section>",
        "<h2>Questions</h2>",
        f"<ol>{questions}</ol>",
        "</section>",
        "<footer>",
        f"From <em>{esc(meta.full_title)}</em>. Version {esc(meta.version)} of the chapter, with "
        f'its data and its notebook: <a href="{esc(url)}">{esc(url)}</a>. '
        "Text and figures: CC BY 4.0.",
        "</footer>",
        f'<p class="screen"><a href="{esc(back)}">Back to the chapter</a>. '
        "Print this page: it fits one A4 or US Letter page.</p>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def key_figure(app: Sphinx, outline: Outline, outlines: dict[str, Outline]) -> tuple:
    """(the chapter that shows it, Figure) of a chapter's key figure, or (None, None)."""
    if outline.figures:
        return outline.docname, outline.figures[0]
    labels = figure_labels(app)
    for label in outline.referred:
        doc = labels.get(label, ("", ""))[0]
        other = outlines.get(doc)
        if other is None and doc:
            other = read_outline(app, doc)
        for figure in other.figures if other else []:
            if figure.name == label:
                return doc, figure
    return None, None


def handout_converter(docname: str, ctx, found):
    """BookMarkdown for a handout: a download (the table behind a figure) links to the chapter's
    page, which offers it."""
    from reader_notebooks import BookMarkdown

    class HandoutMarkdown(BookMarkdown):
        def role(self, name: str, content: str) -> str:
            if name == "download":
                text = content.split("<", 1)[0].strip()
                return f"[{text}]({self.ctx.page_url(self.docname)})"
            return super().role(name, content)

    return HandoutMarkdown(docname, ctx, found).convert


def write_handouts(app: Sphinx, exception: Exception | None) -> None:
    """After an HTML build, write every chapter's handout (see the module docstring)."""
    if exception is not None or app.builder.format != "html":
        return
    from reader_notebooks import Conversion, build_context

    meta = app_metadata(app)
    ctx = build_context(app)
    folder = Path(app.outdir) / HANDOUT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    chapters = book_chapters(app)
    outlines = {name: read_outline(app, name) for name in chapters}
    for docname, outline in outlines.items():
        source, figure = key_figure(app, outline, outlines)
        shown = None
        if figure is not None:
            bundle = ctx.glue(source).get(figure.key)
            if bundle is None:
                raise KeyError(f"teaching_materials: figure {figure.key!r} of {source} not glued")
            svg = next(v for mime, v in bundle["data"].items() if mime.endswith("image/svg+xml"))
            image = f"{slug(docname)}-figure.svg"
            (folder / image).write_text(svg, encoding="utf-8")
            # The caption speaks the language of the chapter that shows the figure.
            caption = handout_converter(source, ctx, Conversion())(figure.caption)
            shown = KeyFigure(figure_number(app, figure.name), caption, figure.alt, image)
        convert = handout_converter(docname, ctx, Conversion())
        page = handout_html(outline, shown, convert, meta, f"../../{docname}.html")
        (folder / f"{slug(docname)}.html").write_text(page, encoding="utf-8")
    logger.info("teaching_materials: %d handouts in %s", len(outlines), HANDOUT_FOLDER)


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    if app_metadata(app) is None:
        return extension
    app.add_node(seminar_plan_node)
    app.add_directive("seminar-plans", SeminarPlans)
    app.connect("env-get-outdated", chapters_changed)
    app.connect("doctree-resolved", fill_plans)
    app.connect("build-finished", write_handouts)
    return extension
