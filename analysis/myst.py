"""The book's MyST Markdown as plain Markdown, for readers' notebooks (Jupyter, VS Code).

MyST roles ({cite:p}`key`, {ref}`text <label>`...), directives (admonitions, figures, list
tables...), label lines (`(label)=`) and comments mean nothing to a notebook viewer, which shows
them raw.
`PlainMarkdown().convert(text)` turns them into plain Markdown: a role into its text, an admonition
into a quotation with its title in bold, a list table into a Markdown table, a figure into its
caption, a label or a comment into nothing. Out of the book a role only has its own text to go
on: a citation shows its keys, a cross-reference its text. The book's build knows more (glued
values, figure numbers, the bibliography, page addresses) and subclasses `PlainMarkdown`
(book/_ext/reader_notebooks.py) to say it.
"""

from __future__ import annotations

import re

ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
FENCE = re.compile(r"^([ \t]*)(`{3,}|:{3,})\{([\w:.-]+)\}[ \t]*(.*?)[ \t]*$")
OPTION = re.compile(r"^:([\w-]+):(.*)$")
LABEL_LINE = re.compile(r"^\([\w.:-]+\)=$")
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}
QUOTED = {"admonition", "dropdown", "margin", "sidebar", "topic", "epigraph", *ADMONITIONS}
FIGURES = {"glue:figure", "figure"}
CODE = {"code", "code-block", "sourcecode"}
LIST_ITEM = re.compile(r"^([*+-])[ \t]+")


def split_explicit(content: str) -> tuple[str, str]:
    """(text, target) of a role's `text <target>`, or ("", content) without explicit text."""
    match = EXPLICIT.match(content)
    return (match.group(1), match.group(2)) if match else ("", content)


def closing_line(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes a fence opened at `start` (or the number of lines)."""
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
            return index
    return len(lines)


def directive_parts(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """The options of a directive (`:name: value` lines or a `---` YAML block) and its content."""
    options: dict[str, str] = {}
    index = 0
    if body and body[0].strip() == "---":
        end = next((i for i in range(1, len(body)) if body[i].strip() == "---"), len(body))
        for line in body[1:end]:
            name, _, value = line.partition(":")
            options[name.strip()] = value.strip()
        index = end + 1
    while index < len(body) and (match := OPTION.match(body[index].strip())):
        options[match.group(1)] = match.group(2).strip()
        index += 1
    return options, body[index:]


def quote(title: str, text: str) -> str:
    """A Markdown quotation with a bold title."""
    lines = ([f"**{title}**", ""] if title else []) + text.strip("\n").splitlines()
    return "\n".join(f"> {line}".rstrip() for line in lines)


def list_items(lines: list[str]) -> list[list[str]]:
    """The items of a bullet list (each item's lines, its marker removed, de-indented)."""
    items: list[list[str]] = []
    for line in lines:
        marker = LIST_ITEM.match(line)
        if marker:
            items.append([line[marker.end() :]])
        elif items:
            items[-1].append(line[2:] if line.startswith("  ") else line.lstrip())
    return items


class PlainMarkdown:
    """Converts MyST Markdown to plain Markdown; subclasses resolve roles and figures better."""

    def convert(self, text: str) -> str:
        """The whole text as plain Markdown."""
        lines = text.splitlines()
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            opener = FENCE.match(line)
            if opener:
                indent, fence, name, argument = opener.groups()
                end = closing_line(lines, index, fence)
                body = [part.removeprefix(indent) for part in lines[index + 1 : end]]
                options, content = directive_parts(body)
                out.append(indent + self.directive(name, argument, options, content))
                index = end + 1
                continue
            stripped = line.strip()
            if not (LABEL_LINE.match(stripped) or stripped == "+++" or line.startswith("%")):
                out.append(line)
            index += 1
        converted = self.substitute("\n".join(out))
        return ROLE.sub(lambda m: self.role(m.group(1), m.group(2)), converted).strip("\n")

    def substitute(self, text: str) -> str:
        """Replace the MyST substitutions (`{{ name }}`) the converter knows: none here."""
        return text

    def role(self, name: str, content: str) -> str:
        """Readable text for one role."""
        if name.startswith("cite"):
            return "[" + "; ".join(key.strip() for key in content.split(",")) + "]"
        if name == "math":
            return f"${content}$"
        text, target = split_explicit(content)
        return text or target

    def directive(self, name: str, argument: str, options: dict, content: list[str]) -> str:
        """Plain Markdown for one directive."""
        if name in CODE:
            return f"```{argument}\n" + "\n".join(content) + "\n```"
        if name == "list-table":
            return self.list_table(options, content)
        inner = self.convert("\n".join(content))
        if name in FIGURES:
            return self.figure(name, argument, options, " ".join(inner.split()))
        if name in QUOTED:
            title = self.convert(argument) if argument else ADMONITIONS.get(name, "")
            return quote(title, inner)
        if name == "math":
            return f"$$\n{inner}\n$$"
        return inner

    def figure(self, name: str, argument: str, options: dict, caption: str) -> str:
        """A figure: its image when it names a file, then its caption."""
        image = f"![{options.get('alt', '')}]({argument})\n\n" if name == "figure" else ""
        return f"{image}{caption}".strip()

    def list_table(self, options: dict, content: list[str]) -> str:
        """A MyST list table as a Markdown table (a cell's paragraphs joined by line breaks)."""
        rows = []
        for row in list_items(content):
            cells = []
            for cell in list_items(row):
                paragraphs = re.split(r"\n[ \t]*\n", self.convert("\n".join(cell)))
                text = "<br>".join(" ".join(part.split()) for part in paragraphs if part.strip())
                cells.append(text.replace("|", "\\|"))
            rows.append(cells)
        if not rows:
            return ""
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        header = rows[0] if int(options.get("header-rows", "0") or 0) else [""] * width
        body = rows[1:] if header is rows[0] else rows
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)


def plain_markdown(text: str) -> str:
    """MyST Markdown as plain Markdown, with only the text itself to go on (see the module)."""
    return PlainMarkdown().convert(text)
