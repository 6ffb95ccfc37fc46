"""The conversion of an executed book page into a reader's notebook
(book/_ext/reader_notebooks.py), on a made-up page and Context; tests/test_notebooks.py runs the
real ones."""

from __future__ import annotations

import nbformat
import pytest
import reader_notebooks as rn

GLUE = {
    "book/part1/page": {
        "rate": {"data": {"text/plain": "32.987"}},
        "place": {"data": {"text/plain": "'Lynn'"}},
        "fig-a": {
            "data": {
                "text/plain": "<Figure size 750x420 with 1 Axes>",
                "image/png": "iVBORw0KGgo=",
                "image/svg+xml": "<svg/>",
            }
        },
    },
    "book/part1/other": {"deaths": {"data": {"text/plain": "2227"}}},
}


@pytest.fixture()
def ctx() -> rn.Context:
    return rn.Context(
        base_url="https://example.org/book/",
        repository_url="https://github.com/example/book",
        glue=lambda docname: GLUE.get(docname, {}),
        labels={
            "fig-a": ("book/part1/page", "fig-a", ""),
            "sec-x": ("book/part2/x", "sec-x", "A section"),
        },
        figure_numbers={("book/part1/page", "fig-a"): "4"},
        titles={"book/part2/x": "Chapter X"},
        citations={
            "doe2020": rn.Citation("Doe and Roe", "2020", "J. Doe and R. Roe. *A study*. 2020."),
            "poe2019": rn.Citation("Poe", "2019", "E. Poe. *Annals*. 2019."),
        },
        substitutions={"book_version": "1.2.3"},
    )


def convert(text: str, ctx: rn.Context) -> tuple[str, rn.Conversion]:
    found = rn.Conversion()
    return rn.convert_markdown(text, "book/part1/page", ctx, found), found


def test_glued_values_are_formatted_as_the_page_prints_them(ctx: rn.Context) -> None:
    text = (
        "{glue:text}`rate:.1f` in {glue:text}`place`, {glue}`rate`, "
        "{glue:text}`other.ipynb::deaths:,d` deaths."
    )
    assert convert(text, ctx)[0] == "33.0 in Lynn, 32.987, 2,227 deaths."


def test_an_unknown_glue_key_stops_the_build(ctx: rn.Context) -> None:
    with pytest.raises(KeyError, match="no glued value 'nope'"):
        convert("{glue:text}`nope:.1f`", ctx)


def test_citations_cross_references_and_downloads(ctx: rn.Context) -> None:
    text = (
        "As {cite:t}`doe2020` show {cite:p}`doe2020,poe2019`; see {numref}`fig-a`, "
        "{numref}`Figure %s <fig-a>`, {ref}`sec-x`, {ref}`there <sec-x>`, {doc}`../part2/x`, "
        "{doc}`the start </book/index>`, {download}`CSV <figdata/fig-a.csv>`, "
        "{download}`../../data/x.csv`. Version {{ book_version }}."
    )
    converted, found = convert(text, ctx)
    assert converted == (
        "As Doe and Roe [2020] show [Doe and Roe, 2020; Poe, 2019]; see "
        "[Fig. 4](https://example.org/book/book/part1/page.html#fig-a), "
        "[Figure 4](https://example.org/book/book/part1/page.html#fig-a), "
        "[A section](https://example.org/book/book/part2/x.html#sec-x), "
        "[there](https://example.org/book/book/part2/x.html#sec-x), "
        "[Chapter X](https://example.org/book/book/part2/x.html), "
        "[the start](https://example.org/book/book/index.html), [CSV](figdata/fig-a.csv), "
        "[x.csv](https://github.com/example/book/blob/main/data/x.csv). Version 1.2.3."
    )
    assert found.cited == ["doe2020", "poe2019"]


def test_unknown_citations_and_labels_stop_the_build(ctx: rn.Context) -> None:
    with pytest.raises(KeyError, match="citation 'smith1999'"):
        convert("{cite:p}`smith1999`", ctx)
    with pytest.raises(KeyError, match="unknown label 'nowhere'"):
        convert("{ref}`nowhere`", ctx)


def test_cite_author_and_year(ctx: rn.Context) -> None:
    assert convert("{cite:author}`poe2019` ({cite:year}`poe2019`)", ctx)[0] == "Poe (2019)"


def test_glue_figure_becomes_a_numbered_caption(ctx: rn.Context) -> None:
    text = "```{glue:figure} fig-a\n:name: fig-a\n:alt: A chart.\n\nRates {cite:p}`poe2019`.\n```"
    converted, found = convert(text, ctx)
    assert converted == "**Fig. 4:** Rates [Poe, 2019]."
    assert found.figures == ["fig-a"] and found.cited == ["poe2019"]
    assert convert("```{glue:md} place\n```", ctx)[0] == "Lynn"


def markdown(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, *outputs: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    cell.outputs = list(outputs)
    return cell


def test_reader_notebook(ctx: rn.Context) -> None:
    printed = nbformat.v4.new_output(
        "execute_result", data={"text/markdown": "- {ref}`there <sec-x>`", "text/plain": "x"}
    )
    executed = nbformat.v4.new_notebook(
        cells=[
            markdown("(page)=\n# Page"),
            code("from myst_nb import glue\nfrom IPython.display import Markdown\nimport os"),
            code('fig = draw()\nstyle.glue_figure("fig-a", fig)'),
            code("x = 1", printed),
            markdown("```{glue:figure} fig-a\n:name: fig-a\nCaption.\n```\n{cite:p}`doe2020`"),
        ],
        metadata={
            "jupytext": {},
            "source_map": [1],
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
        },
    )
    reader = rn.reader_notebook(executed, "book/part1/page", ctx)
    nbformat.validate(reader)
    cells = reader.cells
    assert cells[0].source.startswith("*This notebook is the page [book/part1/page]")
    assert cells[1].source == "# Page"
    assert "from analysis.style import glue  #" in cells[2].source
    assert "from analysis.datasets import Markdown  #" in cells[2].source
    assert "import os" in cells[2].source
    assert cells[3].outputs[0]["data"]["image/png"] == "iVBORw0KGgo="
    assert cells[4].outputs[0]["data"]["text/markdown"] == (
        "- [there](https://example.org/book/book/part2/x.html#sec-x)"
    )
    assert cells[5].source == "**Fig. 4:** Caption.\n[Doe and Roe, 2020]"
    assert cells[6].source == "## References\n\n- J. Doe and R. Roe. *A study*. 2020."
    assert set(reader.metadata) == {"kernelspec"}
    assert executed.cells[2].outputs == []  # the executed notebook is left as it was


def test_a_figure_before_any_code_or_not_glued_stops(ctx: rn.Context) -> None:
    figure = markdown("```{glue:figure} fig-a\nCaption.\n```")
    with pytest.raises(ValueError, match="comes before any code cell"):
        rn.reader_notebook(nbformat.v4.new_notebook(cells=[figure]), "book/part1/page", ctx)
    missing = markdown("```{glue:figure} fig-b\nCaption.\n```")
    notebook = nbformat.v4.new_notebook(cells=[code("x = 1"), missing])
    with pytest.raises(KeyError, match="figure 'fig-b' was not glued"):
        rn.reader_notebook(notebook, "book/part1/page", ctx)


def test_citations_of_the_real_bibliography() -> None:
    from book_ext_demo import REPO_ROOT

    works = rn.citations(
        [REPO_ROOT / "book" / "references.bib", REPO_ROOT / "book" / "sources.bib"]
    )
    assert (works["vivant2021"].author, works["vivant2021"].year) == ("Vivant", "2021")
    assert works["mgl2020classes"].author == "Massachusetts General Law, Chapter 94C, Section 31"
    assert "Déviance et Société" in works["vivant2021"].reference
    assert all("\n" not in work.reference for work in works.values())


def test_citations_are_reused_while_the_bibliography_is_unchanged(tmp_path, monkeypatch) -> None:
    bib = tmp_path / "works.bib"
    bib.write_text("@book{doe2020, author = {Doe, Jane}, title = {A Book}, year = {2020},"
                   " publisher = {P}}\n", encoding="utf-8")
    first = rn.citations_cached([bib], tmp_path / "cache")
    assert (first["doe2020"].author, first["doe2020"].year) == ("Doe", "2020")
    assert (tmp_path / "cache" / rn.CITATIONS_CACHE).is_file()
    calls = []
    monkeypatch.setattr(rn, "citations", lambda files: calls.append(files) or {})
    assert rn.citations_cached([bib], tmp_path / "cache") == first  # read back, not recomputed
    assert calls == []
    bib.write_text(bib.read_text(encoding="utf-8").replace("2020}", "2021}"), encoding="utf-8")
    assert rn.citations_cached([bib], tmp_path / "cache") == {}  # the .bib changed: recomputed
    assert calls == [[bib]]
    (tmp_path / "cache" / rn.CITATIONS_CACHE).write_text("{not json", encoding="utf-8")
    assert rn.citations_cached([bib], tmp_path / "cache") == {}
