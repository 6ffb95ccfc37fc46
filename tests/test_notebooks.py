"""Every notebook page of the book, exported as `make notebooks` does (jupytext, MyST Markdown to
.ipynb), runs top to bottom in a plain Jupyter kernel, outside the book build.

A reader who downloads a chapter or runs `make notebooks` gets exactly this notebook. Each one runs
in a temporary copy of its page's folder (so the tables it writes into figdata/ stay there), with
the cell timeout of the book build (`execute.timeout` in _config.yml).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from conftest import toc_docnames
from nbclient import NotebookClient

pytestmark = pytest.mark.book

REPO_ROOT = Path(__file__).resolve().parents[1]
KERNEL = "python3"


def is_notebook_page(source: Path) -> bool:
    """Whether a MyST Markdown page is a notebook (its front matter names a kernel)."""
    text = source.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return False
    front_matter = yaml.safe_load(text[4 : text.index("\n---", 4)])
    return isinstance(front_matter, dict) and "kernelspec" in front_matter


def notebook_pages() -> list[str]:
    """The TOC's pages that are notebooks."""
    return [
        name
        for name in toc_docnames()
        if (REPO_ROOT / f"{name}.md").is_file() and is_notebook_page(REPO_ROOT / f"{name}.md")
    ]


def cell_timeout() -> int:
    """Seconds a cell may run, as in the book build."""
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    return int(config["execute"]["timeout"])


def export(source: Path, folder: Path) -> Path:
    """The page as a .ipynb in `folder` (what `make notebooks` writes)."""
    notebook = jupytext.read(source)
    target = folder / f"{source.stem}.ipynb"
    jupytext.write(notebook, target)
    return target


def test_notebook_pages_are_found() -> None:
    pages = notebook_pages()
    assert "book/introduction" in pages
    assert "book/references" not in pages


def test_is_notebook_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("---\nkernelspec:\n  name: python3\n---\n# Title\n", encoding="utf-8")
    assert is_notebook_page(page)
    page.write_text("---\ntitle: x\n---\n# Title\n", encoding="utf-8")
    assert not is_notebook_page(page)
    page.write_text("# Title\n", encoding="utf-8")
    assert not is_notebook_page(page)


@pytest.mark.parametrize("page", notebook_pages())
def test_exported_notebook_runs(page: str, tmp_path: Path) -> None:
    source = REPO_ROOT / f"{page}.md"
    folder = tmp_path / Path(page).parent
    # The page's folder without its generated files: other pages' sources and local assets.
    shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns("figdata", "_build"))
    path = export(source, folder)
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == KERNEL
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells, f"{page} has no code cell"
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=cell_timeout(),
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    errors = [
        output
        for cell in code_cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    # The tables behind the figures went to the copy (the working folder), not into book/.
    if "write_figure_data" in source.read_text(encoding="utf-8"):
        assert list((folder / "figdata").glob("*.csv")), f"{page} wrote no figure table"
