"""How the book cites: the text of a reference to a chapter or to the article, and a BibTeX entry.

Plain functions, no Sphinx events: chapter_sections puts their output in the "Cite this chapter"
section. A reference is a list of (text, italic) runs, so HTML and LaTeX can set the title of the
book or journal in italics.
"""

from __future__ import annotations

import re
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
