"""The notebooks readers get, `make notebooks` and each page's .ipynb download (the same files:
the HTML build writes them into `_sources/`, book/_ext/reader_notebooks.py), run as a reader runs
them: copied into a temporary folder outside the repository, executed by a kernel of a fresh virtual
environment where only the book's wheel (the one the site publishes) and what it declares are
installed (tests/fresh_venv.py).

Each must read as plain prose (no MyST role, directive or label left, in its text or in the
Markdown its cells print), show every figure of its page (as many images as the page, before and
after running it), and run top to bottom without the book's build tools (myst-nb is not installed).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import fresh_venv
import nbformat
import pytest
import yaml
from conftest import REPO_ROOT, toc_docnames
from nbclient import NotebookClient

pytestmark = pytest.mark.book

KERNEL = "book-reader"
ROLE = re.compile(r"\{[\w:.-]+\}`")
DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{[\w:.-]+\}", re.M)
LABEL = re.compile(r"^\([\w.:-]+\)=\s*$", re.M)
# A page's own figures and output images (theme icons live under _static/).
PAGE_IMAGE = re.compile(r"<img\b[^>]*\bsrc=\"[^\"]*_images/[^\"]+\"")


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


def page_images(book_html: Path, page: str) -> int:
    """How many figures and output images the built page shows."""
    text = (book_html / f"{page}.html").read_text(encoding="utf-8")
    main = text[text.index("<main") : text.index("</main>")]
    return len(PAGE_IMAGE.findall(main))


def notebook_images(notebook: nbformat.NotebookNode) -> int:
    """How many images the outputs of a notebook's code cells show."""
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if any(mime.startswith("image/") for mime in output.get("data", {}))
    )


def book_markup(notebook: nbformat.NotebookNode) -> list[str]:
    """MyST markup left in a notebook's Markdown cells or in the Markdown its cells print."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            texts.append(cell.source)
        for output in cell.get("outputs", []):
            texts.append(str(output.get("data", {}).get("text/markdown", "")))
    found = []
    for text in texts:
        found += ROLE.findall(text) + DIRECTIVE.findall(text) + LABEL.findall(text)
    return found


def wheel_in_site(book_html: Path) -> Path:
    wheels = sorted(book_html.glob("*.whl"))
    assert len(wheels) == 1, f"expected the analysis wheel at the root of {book_html}: {wheels}"
    return wheels[0]


@pytest.fixture(scope="session")
def reader_kernel(book_html: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernel spec for a fresh environment with the site's wheel; returns the spec folder."""
    env = tmp_path_factory.mktemp("reader") / "env"
    python = fresh_venv.create(env, wheel_in_site(book_html), extra=("ipykernel",))
    spec = env / "share" / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Book reader", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return spec.parent


def run_notebook(path: Path, kernels: Path) -> nbformat.NotebookNode:
    """Execute a notebook in its folder with the reader's kernel; return it with its outputs."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    manager = KernelManager(
        kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=cell_timeout(),
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The kernel sees neither the repository nor the book build's variables.
    client.execute(env=fresh_venv.clean_environment(), cwd=str(path.parent))
    return notebook


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


def test_make_notebooks_exports_the_downloads(book_html: Path, tmp_path: Path) -> None:
    target = tmp_path / "notebooks"
    result = subprocess.run(
        ["make", "--no-print-directory", "notebooks", f"NOTEBOOKS={target}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for page in notebook_pages():
        exported = target / f"{page.removeprefix('book/')}.ipynb"
        download = book_html / "_sources" / f"{page}.ipynb"
        assert exported.read_bytes() == download.read_bytes(), page


@pytest.mark.parametrize("page", notebook_pages())
def test_reader_notebook_reads_as_prose_and_shows_every_figure(
    page: str, book_html: Path, reader_kernel: Path, tmp_path: Path
) -> None:
    download = book_html / "_sources" / f"{page}.ipynb"
    assert download.is_file(), f"no notebook to download for {page}"
    # A reader's folder, far from the repository: the notebook alone.
    folder = tmp_path / "reader"
    folder.mkdir()
    assert not folder.is_relative_to(REPO_ROOT)
    path = folder / download.name
    shutil.copy(download, path)
    expected = page_images(book_html, page)

    stored = nbformat.read(path, as_version=4)
    assert book_markup(stored) == [], f"{page}: book markup left in the notebook"
    assert notebook_images(stored) == expected, f"{page}: figures not shown as on the page"
    code = "\n".join(cell.source for cell in stored.cells if cell.cell_type == "code")
    assert "myst_nb" not in code

    ran = run_notebook(path, reader_kernel)  # raises CellExecutionError, naming the cell
    errors = [
        output
        for cell in ran.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    assert notebook_images(ran) == expected, f"{page}: the rerun shows other figures"
    assert book_markup(ran) == [], f"{page}: the rerun prints book markup"
    # The tables behind the figures went next to the notebook.
    if "write_figure_data" in code:
        assert list((folder / "figdata").glob("*.csv")), f"{page} wrote no figure table"


def test_rerun_recipe_installs_the_site_wheel_and_opens_the_download(book_html: Path) -> None:
    from book_metadata import is_chapter, load_metadata

    meta = load_metadata(REPO_ROOT / "book" / "metadata.yml")
    wheel = wheel_in_site(book_html).name
    chapters = [page for page in notebook_pages() if is_chapter(page, meta.chapters)]
    assert chapters
    for page in chapters:
        text = (book_html / f"{page}.html").read_text(encoding="utf-8")
        block = re.search(
            r'<div class="[^"]*rerun-recipe[^"]*"[^>]*>.*?<pre>(.*?)</pre>', text, re.S
        )
        assert block, f"{page}: no recipe in 'Rerun this chapter'"
        lines = html.unescape(re.sub(r"<[^>]+>", "", block.group(1))).strip().splitlines()
        notebook = f"{page.rsplit('/', 1)[-1]}.ipynb"
        assert lines == [
            "python3 -m venv book-env",
            f"book-env/bin/pip install jupyterlab {meta.base_url}{wheel}",
            f"book-env/bin/jupyter lab {notebook}",
        ]
        # The page's download is that notebook.
        assert f'href="{"../" * page.count("/")}_sources/{page}.ipynb"' in text
