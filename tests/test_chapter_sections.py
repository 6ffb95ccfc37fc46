"""The "Rerun this chapter" and "Cite this chapter" sections (book/_ext/chapter_sections.py): their
parts, and the demo book's pages in HTML and LaTeX."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import chapter_sections as cs
import pytest
import yaml
from book_ext_demo import DEMO, parse_rst, run_sphinx, start_sphinx
from book_metadata import BookMetadata, parse_metadata
from docutils import nodes


@pytest.fixture()
def meta() -> BookMetadata:
    return parse_metadata(DEMO)


def test_new_section_ids_are_unique_in_the_page() -> None:
    document = parse_rst("Title\n=====\n\nText.\n")
    first = cs.new_section(document, "Cite this chapter", "cite-this-chapter")
    second = cs.new_section(document, "Cite this chapter", "cite-this-chapter")
    assert (first["ids"], second["ids"]) == (["cite-this-chapter"], ["cite-this-chapter-2"])


def test_binder_url(meta: BookMetadata) -> None:
    options = {"launch_buttons": {"binderhub_url": "https://mybinder.org/"}}
    assert cs.binder_url(options, meta, "book/part1/x", ".md") == (
        "https://mybinder.org/v2/gh/example/demo/trunk?urlpath=tree/book/part1/x.md"
    )
    options["launch_buttons"]["notebook_interface"] = "jupyterlab"
    assert "?urlpath=lab/tree/book/part1/x.md" in cs.binder_url(
        options, meta, "book/part1/x", ".md"
    )
    assert cs.binder_url({}, meta, "book/part1/x", ".md") is None


def test_is_notebook_reads_suffix_metadata_or_front_matter() -> None:
    def app(path: str, metadata: dict) -> SimpleNamespace:
        env = SimpleNamespace(doc2path=lambda docname: path, metadata={"doc": metadata})
        return SimpleNamespace(env=env)

    document = parse_rst("Title\n=====\n")
    assert cs.is_notebook(app("doc.ipynb", {}), document, "doc")
    assert cs.is_notebook(app("doc.md", {"kernelspec": "{}"}), document, "doc")
    assert not cs.is_notebook(app("doc.md", {}), document, "doc")
    with_front_matter = parse_rst("Title\n=====\n")
    field = nodes.field("", nodes.field_name(text="kernelspec"), nodes.field_body())
    with_front_matter.insert(0, nodes.docinfo("", field))
    assert cs.is_notebook(app("doc.md", {}), with_front_matter, "doc")


def test_demo_chapter_has_rerun_and_cite_sections(demo_build: tuple[Path, str]) -> None:
    page = (demo_build[0] / "book" / "part1" / "chapter.html").read_text(encoding="utf-8")
    assert '<section class="rerun-this-chapter" id="rerun-this-chapter">' in page
    assert 'href="../../_sources/book/part1/chapter.ipynb"' in page
    assert 'href="../../_sources/book/part1/chapter.md"' in page
    binder = "https://mybinder.org/v2/gh/example/demo/trunk?urlpath=lab/tree/book/part1/chapter.md"
    assert f'<a class="reference external" href="{binder}">run it on Binder</a>' in page
    assert (demo_build[0] / "_sources" / "book" / "part1" / "chapter.ipynb").is_file()
    assert "@incollection{demo2025:chapter," in re.sub(r"<[^>]+>", "", page)
    assert (
        "Demo Team, Ann Other (2025). A chapter &amp; more. In <em>Demo book: A test</em>" in page
    )
    assert "Cite the article too:</strong> Doe, J. A. &amp; Roe, R. (2020)." in page


def test_demo_non_chapters_have_no_cite_block(demo_build: tuple[Path, str]) -> None:
    for name in ("index", "appendix"):
        page = (demo_build[0] / "book" / f"{name}.html").read_text(encoding="utf-8")
        assert 'class="cite-this-chapter"' not in page


def test_demo_pdf_build_keeps_absolute_links(demo_latex_build: tuple[Path, str]) -> None:
    latex, warnings = demo_latex_build
    assert warnings == ""
    tex = next(latex.glob("*.tex")).read_text(encoding="utf-8")
    assert r"\sphinxhref{https://example.org/demo/\_sources/book/part1/chapter.ipynb}" in tex
    assert r"\section{Cite this chapter}" in tex


def test_chapter_without_title_is_reported(tmp_path: Path) -> None:
    (tmp_path / "book" / "part1").mkdir(parents=True)
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump({**DEMO, "article_key": ""}))
    (tmp_path / "book" / "redirects.txt").write_text("", encoding="utf-8")
    (tmp_path / "book" / "index.md").write_text("# Home\n\n```{toctree}\npart1/x\n```\n")
    (tmp_path / "book" / "part1" / "x.md").write_text("Text without a heading.\n")
    config = {"extensions": ["myst_parser", "chapter_sections"], "root_doc": "book/index"}
    warnings = run_sphinx(tmp_path, config)
    assert "chapter page book/part1/x has no H1 title to cite" in warnings


def test_extension_stops_when_the_article_is_not_in_the_bibliography(tmp_path: Path) -> None:
    from sphinx.errors import ExtensionError
    from sphinx.util.docutils import docutils_namespace

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump(DEMO))
    (tmp_path / "book" / "redirects.txt").write_text("", encoding="utf-8")
    (tmp_path / "book" / "refs.bib").write_text("", encoding="utf-8")
    (tmp_path / "book" / "index.rst").write_text("Title\n=====\n", encoding="utf-8")
    config = {
        "extensions": ["sphinxcontrib.bibtex", "chapter_sections"],
        "root_doc": "book/index",
        "bibtex_bibfiles": ["book/refs.bib"],
    }
    with docutils_namespace(), pytest.raises(ExtensionError, match="cannot cite the article"):
        start_sphinx(tmp_path, config)


def test_rerun_recipe_is_three_lines_in_the_notebook_folder() -> None:
    recipe = cs.rerun_recipe("https://example.org/demo/pkg-1.0-py3-none-any.whl", "chapter.ipynb")
    assert recipe.splitlines() == [
        "python3 -m venv book-env",
        "book-env/bin/pip install jupyterlab https://example.org/demo/pkg-1.0-py3-none-any.whl",
        "book-env/bin/jupyter lab chapter.ipynb",
    ]


def test_demo_chapter_gives_the_recipe_and_the_site_has_the_wheel(
    demo_build: tuple[Path, str],
) -> None:
    from book_ext_demo import DEMO_WHEEL

    html_dir, warnings = demo_build
    assert "analysis_wheel" not in warnings
    page = (html_dir / "book" / "part1" / "chapter.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert f"book-env/bin/pip install jupyterlab https://example.org/demo/{DEMO_WHEEL}" in text
    assert "book-env/bin/jupyter lab chapter.ipynb" in text
    assert "DIVERSION_BOOK_DATA" in text
    assert (html_dir / DEMO_WHEEL).read_bytes() == b"stand-in for make wheel"


def test_a_missing_wheel_is_a_warning(tmp_path: Path) -> None:
    from book_ext_demo import DEMO_CONFIG, write_demo_book

    write_demo_book(tmp_path)
    for wheel in (tmp_path / "_build" / "dist").iterdir():
        wheel.unlink()
    warnings = run_sphinx(tmp_path, DEMO_CONFIG)
    assert "analysis_wheel: no " in warnings and "run `make wheel`" in warnings
