"""How the book cites: the text of a reference to a chapter or to the article, and a BibTeX entry.

Plain functions, no Sphinx events: chapter_sections puts their output in the "Cite this chapter"
section. A reference is a list of (text, italic) runs, so HTML and LaTeX can set the title of the
book or journal in italics.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from book_metadata import BookMetadata, page_url
from docutils import nodes


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


# Lines of a BibTeX entry are wrapped at this width (between words, never inside a URL), so the
# entry can be copied from a narrow page or a PDF and still parse: BibTeX reads a line break
# inside braces as a space.
BIBTEX_WIDTH = 78
# Fields whose value must stay on one line (a break would add a space to the address).
UNBREAKABLE_FIELDS = ("url", "doi")


def bibtex_field(name: str, value: str, width: int = BIBTEX_WIDTH) -> str:
    """One `  name = {value},` field, wrapped at spaces (continuation lines indented)."""
    first = f"  {name} = {{"
    if name in UNBREAKABLE_FIELDS:
        return f"{first}{value}}},"
    lines = textwrap.wrap(
        f"{value}}},",
        width=width,
        initial_indent=first,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines)


def format_bibtex(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    """A BibTeX entry from (field, value) pairs; values are written inside braces as given."""
    body = "\n".join(bibtex_field(name, value) for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def bibtex_entry(meta: BookMetadata, title: str, docname: str) -> str:
    """BibTeX entry for a chapter.

    An @incollection with every field the standard styles require (so `bibtex` with plain, unsrt,
    alpha or abbrv, and biber, give no warning): the book is published by its contributors. The
    title is braced so that styles which lower-case titles keep it as written; corporate authors
    are braced so they are not split into first and last names. `version` and `url` are kept for
    the styles that print them (biblatex); the version is given once.
    """
    authors = " and ".join(f"{{{bibtex_escape(name)}}}" for name in meta.authors)
    fields = [
        ("author", authors),
        ("title", f"{{{bibtex_escape(title)}}}"),
        ("booktitle", bibtex_escape(meta.full_title)),
        ("publisher", bibtex_escape(meta.publisher_text)),
        ("year", meta.year),
        ("version", meta.version),
        ("url", page_url(meta, docname)),
    ]
    key = f"{meta.bibtex_key_prefix}{meta.year}:{slug(docname)}"
    return format_bibtex("incollection", key, fields)


def bib_entry(bib_files: list[Path], key: str):
    """The entry with this key in the first .bib file that has it (a pybtex Entry)."""
    from pybtex.database import parse_file

    for bib_file in bib_files:
        entries = parse_file(str(bib_file), "bibtex").entries
        if key in entries:
            return entries[key]
    raise KeyError(f"no entry with key {key!r} in {', '.join(map(str, bib_files))}")


def article_bibtex(bib_files: list[Path], key: str) -> str:
    """The article's BibTeX entry as the book's .bib files record it (no field added)."""
    entry = bib_entry(bib_files, key)
    fields = [
        (role, " and ".join(str(person) for person in persons))
        for role, persons in entry.persons.items()
    ]
    fields += list(entry.fields.items())
    return format_bibtex(entry.type, key, fields)


def article_reference(bib_files: list[Path], key: str) -> list[tuple[str, bool]]:
    """Author-date reference to a journal article found in .bib files, as (text, italic) runs."""
    from pybtex.richtext import Text

    entry = bib_entry(bib_files, key)

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
