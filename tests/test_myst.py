"""analysis.myst: the book's MyST Markdown as plain Markdown for readers' notebooks."""

from __future__ import annotations

import pytest

from analysis import myst
from analysis.myst import PlainMarkdown, plain_markdown


def test_roles_become_their_text() -> None:
    text = (
        "See {ref}`C01 <claim-c01>`, {doc}`the data </book/appendix/data>`, {ref}`claims-ledger`"
        " and {numref}`fig-1`; sources {cite:p}`a2020,b2019` and {cite:t}`c2018`; "
        "{download}`table.csv <figdata/table.csv>`; {term}`diversion`; {math}`x^2`."
    )
    assert plain_markdown(text) == (
        "See C01, the data, claims-ledger and fig-1; sources [a2020; b2019] and [c2018]; "
        "table.csv; diversion; $x^2$."
    )


def test_labels_comments_and_block_breaks_go() -> None:
    text = "(claim-c01)=\n# Title\n% a comment\n+++\nText.\n  (indented-label)=\n"
    assert plain_markdown(text) == "# Title\nText."


def test_admonitions_become_quotations() -> None:
    text = (
        ":::{admonition} In {term}`this` chapter\n:class: tip\nLearn:\n- one;\n- two.\n:::\n\n"
        "```{note}\nA note with {cite:p}`x`.\n```\n"
        "::::{dropdown}\n:::{tip}\nInner.\n:::\n::::"
    )
    assert plain_markdown(text) == (
        "> **In this chapter**\n>\n> Learn:\n> - one;\n> - two.\n\n"
        "> **Note**\n>\n> A note with [x].\n"
        "> > **Tip**\n> >\n> > Inner."
    )


def test_figures_become_their_caption() -> None:
    text = (
        "```{glue:figure} fig-key\n:name: fig-key\n:alt: A chart.\n\nThe caption,\n"
        "on two lines {cite:p}`src`.\n```\n\n"
        "```{figure} images/map.png\n---\nname: fig-map\nalt: A map\n---\nA map.\n```"
    )
    assert plain_markdown(text) == (
        "The caption, on two lines [src].\n\n![A map](images/map.png)\n\nA map."
    )


def test_code_math_and_unknown_directives() -> None:
    text = (
        "```{code-block} python\nx = {1: 2}\n```\n"
        "```{math}\na = b\n```\n"
        "```{epigraph}\nWords.\n```\n"
        "```{unknown} arg\n:opt: 1\nKept {ref}`text <x>`.\n```"
    )
    assert plain_markdown(text) == (
        "```python\nx = {1: 2}\n```\n$$\na = b\n$$\n> Words.\nKept text."
    )


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert plain_markdown("Before.\n```{note}\nOpen note") == "Before.\n> **Note**\n>\n> Open note"


def test_list_table_becomes_a_markdown_table() -> None:
    text = (
        "````{list-table}\n:header-rows: 1\n:widths: 20 80\n\n"
        "* - Claim\n  - Verdict\n"
        "* - (claim-c01)=\n\n    **C01** · {doc}`Intro </book/introduction>`\n"
        "  - Holds | mostly\n\n    Second paragraph {cite:p}`a,b`.\n"
        "* - C02\n"
        "````"
    )
    assert plain_markdown(text) == (
        "| Claim | Verdict |\n| --- | --- |\n"
        "| **C01** · Intro | Holds \\| mostly<br>Second paragraph [a; b]. |\n"
        "| C02 |  |"
    )


def test_list_table_without_header_rows_and_empty() -> None:
    assert plain_markdown("```{list-table}\n* - a\n  - b\n```") == (
        "|  |  |\n| --- | --- |\n| a | b |"
    )
    assert plain_markdown("```{list-table}\n```") == ""


def test_directive_parts_reads_both_option_styles() -> None:
    assert myst.directive_parts([":name: x", ":alt: y z", "Body"]) == (
        {"name": "x", "alt": "y z"},
        ["Body"],
    )
    assert myst.directive_parts(["---", "name: x", "---", "Body"]) == ({"name": "x"}, ["Body"])


def test_split_explicit() -> None:
    assert myst.split_explicit("text <target>") == ("text", "target")
    assert myst.split_explicit("target") == ("", "target")


def test_a_subclass_resolves_roles_figures_and_substitutions() -> None:
    class Book(PlainMarkdown):
        def role(self, name: str, content: str) -> str:
            return "1,234" if name == "glue:text" else super().role(name, content)

        def figure(self, name: str, argument: str, options: dict, caption: str) -> str:
            return f"**Fig. 3:** {caption}"

        def substitute(self, text: str) -> str:
            return text.replace("{{ version }}", "1.0")

    text = "```{glue:figure} k\nCaption {glue:text}`n:,.0f`.\n```\nVersion {{ version }}."
    assert Book().convert(text) == "**Fig. 3:** Caption 1,234.\nVersion 1.0."


@pytest.mark.parametrize("name", sorted(myst.ADMONITIONS))
def test_every_admonition_has_a_title(name: str) -> None:
    assert plain_markdown(f"```{{{name}}}\nBody.\n```").startswith(
        f"> **{myst.ADMONITIONS[name]}**"
    )
