"""The PDF edition, read back with poppler's pdftotext and pdfimages.

The PDF is the one named by BOOK_PDF (`make pdf-tests` passes `_build/latex/diversion-book.pdf`,
which `make pdf` writes); without BOOK_PDF the test builds one into a temporary folder. The pages
expected are those of the TOC (BOOK_TOC, default `_toc.yml`), read from their sources: every page
title and French section title, every figure caption, the bibliography, the title page's version
and date. A missing PDF, TeX or poppler fails these tests: they never skip.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, toc_docnames, toc_file

pytestmark = pytest.mark.slow

PDF_NAME = "diversion-book.pdf"
BUILD_TIMEOUT_S = 3600
# A figure directive (glue or plain) in a MyST page, with backtick or colon fences.
FIGURE_START = re.compile(r"^(`{3,}|:{3,})\{(glue:figure|figure)\}")
FIGURE_OPTION = re.compile(r"^:[\w-]+:")
CAPTION_WORDS = 8
# Characters of French text that a wrong font or encoding would lose.
FRENCH_CHARACTERS = set("éèêëàâîïôûùçœæÉÈÀÇŒ«»")
# Text that shows a glued value or a figure printed as its Python repr instead of its value.
FAILED_OUTPUT = ("np.float64(", "np.int64(", "<Figure size", "{glue", "glue:text")


def squash(text: str) -> str:
    """Letters and digits only, lower case (accents kept): compares text across line breaks,
    hyphenation, ligatures and typographic quotes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def page_source(docname: str) -> Path:
    """The source file of a TOC page."""
    for suffix in (".md", ".ipynb"):
        path = REPO_ROOT / f"{docname}{suffix}"
        if path.is_file():
            return path
    raise AssertionError(f"TOC page {docname} has no source file ({docname}.md or .ipynb)")


def strip_markup(text: str) -> str:
    """MyST inline markup removed: links keep their text, roles and math are dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\{[\w:.-]+\}`[^`]*`", " ", text)
    return re.sub(r"\$[^$]*\$", " ", text)


def page_title(source: Path) -> str:
    """The H1 of a page."""
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return strip_markup(line[2:]).strip()
    raise AssertionError(f"{source}: no H1 title")


def french_title(source: Path) -> str | None:
    """The italic French section title under a chapter's H1, if it has one."""
    lines = source.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# "):
            following = [text for text in lines[i + 1 :] if text.strip()]
            match = re.match(r"^\*([^*]+)\*", following[0]) if following else None
            return match.group(1).strip() if match else None
    return None


def caption_openings(source: Path) -> list[str]:
    """The opening words of each figure caption of a page (up to its first role or math)."""
    lines = source.read_text(encoding="utf-8").splitlines()
    openings = []
    for i, line in enumerate(lines):
        if not FIGURE_START.match(line):
            continue
        fence = FIGURE_START.match(line).group(1)
        caption: list[str] = []
        for text in lines[i + 1 :]:
            if text.startswith(fence) or (caption and not text.strip()):
                break
            if text.strip() and not (not caption and FIGURE_OPTION.match(text)):
                caption.append(text.strip())
        text = " ".join(caption)
        before_role = re.split(r"\{[\w:.-]+\}`|\$", text)[0]
        words = strip_markup(before_role).split()[:CAPTION_WORDS]
        assert words, f"{source}: a figure at line {i + 1} has no caption text before a role"
        openings.append(" ".join(words))
    return openings


def run(command: list[str], **kwargs: object) -> str:
    """Run a command and return its standard output; fail with its output if it fails."""
    tool = shutil.which(command[0]) or command[0]
    if not Path(tool).exists():
        pytest.fail(f"{command[0]} not found: install poppler-utils (.ci/run does)")
    result = subprocess.run(
        [tool, *command[1:]], capture_output=True, text=True, check=False, **kwargs
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def build_pdf(output: Path) -> Path:
    """Build the book's PDF (xelatex) into `output`, as `make pdf` does; return its path."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    env = {**os.environ, "LATEXOPTS": "-interaction=nonstopmode -halt-on-error"}
    command = [str(jupyter_book), "build", "-W", "-n", "--keep-going", "--builder", "pdflatex"]
    command += ["--path-output", str(output), "--toc", str(toc_file()), str(REPO_ROOT)]
    run(command, cwd=REPO_ROOT, env=env, timeout=BUILD_TIMEOUT_S)
    return output / "_build" / "latex" / PDF_NAME


@pytest.fixture(scope="session")
def book_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PDF under test: BOOK_PDF, or a fresh build."""
    named = os.environ.get("BOOK_PDF")
    if not named:
        pdf = build_pdf(tmp_path_factory.mktemp("pdf-build"))
    else:
        pdf = Path(named) if Path(named).is_absolute() else REPO_ROOT / named
    if not pdf.is_file():
        pytest.fail(f"no PDF at {pdf}: run `make pdf` first, or unset BOOK_PDF to build one")
    return pdf


@pytest.fixture(scope="session")
def pdf_text(book_pdf: Path) -> str:
    return run(["pdftotext", "-enc", "UTF-8", str(book_pdf), "-"])


@pytest.fixture(scope="session")
def squashed_text(pdf_text: str) -> str:
    return squash(pdf_text)


@pytest.fixture(scope="session")
def sources() -> dict[str, Path]:
    """Source file of every page of the TOC."""
    return {docname: page_source(docname) for docname in toc_docnames()}


def metadata() -> dict:
    return yaml.safe_load((REPO_ROOT / "book" / "metadata.yml").read_text(encoding="utf-8"))


def test_pdf_is_newer_than_the_pages(book_pdf: Path, sources: dict[str, Path]) -> None:
    built = book_pdf.stat().st_mtime
    stale = [str(path) for path in sources.values() if path.stat().st_mtime > built]
    assert not stale, f"{book_pdf} is older than {stale}: rebuild it with `make pdf`"


def test_title_page_has_title_version_and_date(book_pdf: Path) -> None:
    meta = metadata()
    first = run(["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(book_pdf), "-"])
    released = dt.date.fromisoformat(str(meta["released"]))
    assert squash(meta["title"]) in squash(first)
    assert squash(meta["subtitle"]) in squash(first)
    assert f"Version {meta['version']}" in first
    assert f"{released.day} {released:%B %Y}" in first
    assert squash(meta["licence"]) in squash(first)


def test_pdf_properties_name_the_book(book_pdf: Path) -> None:
    info = run(["pdfinfo", str(book_pdf)])
    assert re.search(rf"^Title:\s+{re.escape(metadata()['title'])}$", info, re.MULTILINE)


def test_every_toc_page_title_is_in_the_pdf(squashed_text: str, sources: dict[str, Path]) -> None:
    missing = [
        f"{docname}: {page_title(path)!r}"
        for docname, path in sources.items()
        if squash(page_title(path)) not in squashed_text
    ]
    assert not missing, f"page titles not found in the PDF: {missing}"


def test_french_section_titles_keep_their_accents(
    squashed_text: str, pdf_text: str, sources: dict[str, Path]
) -> None:
    titles = [title for path in sources.values() if (title := french_title(path))]
    assert titles, "no chapter has a French section title under its H1"
    missing = [title for title in titles if squash(title) not in squashed_text]
    assert not missing, f"French titles not found (or accents lost) in the PDF: {missing}"
    used = set("".join(titles)) & FRENCH_CHARACTERS
    assert used <= set(pdf_text), f"missing characters: {sorted(used - set(pdf_text))}"


def test_french_characters_of_the_sources_survive(pdf_text: str, sources: dict[str, Path]) -> None:
    used = set("".join(path.read_text(encoding="utf-8") for path in sources.values()))
    used &= FRENCH_CHARACTERS
    assert {"é", "«", "»"} <= used
    assert used <= set(pdf_text), f"characters lost in the PDF: {sorted(used - set(pdf_text))}"
    assert "Déviance et Société" in " ".join(pdf_text.split())


def test_every_figure_caption_is_in_the_pdf(squashed_text: str, sources: dict[str, Path]) -> None:
    openings = [
        (docname, words) for docname, path in sources.items() for words in caption_openings(path)
    ]
    missing = [
        f"{docname}: {words!r}" for docname, words in openings if squash(words) not in squashed_text
    ]
    assert not missing, f"figure captions not found in the PDF: {missing}"


def image_placements(book_pdf: Path) -> list[tuple[int, int]]:
    """(page, object id) of every image drawn in the PDF (alpha masks left out)."""
    rows = [line.split() for line in run(["pdfimages", "-list", str(book_pdf)]).splitlines()[2:]]
    return [(int(row[0]), int(row[10])) for row in rows if row[2] == "image"]


def test_figures_are_numbered_images(
    book_pdf: Path, pdf_text: str, sources: dict[str, Path]
) -> None:
    expected = sum(len(caption_openings(path)) for path in sources.values())
    numbers = sorted({int(n) for n in re.findall(r"Fig\. (\d+): ", pdf_text)})
    assert numbers == list(range(1, expected + 1))
    assert len(image_placements(book_pdf)) >= expected


def test_every_image_is_drawn_once(book_pdf: Path) -> None:
    placements = image_placements(book_pdf)
    pages: dict[int, list[int]] = {}
    for page, image in placements:
        pages.setdefault(image, []).append(page)
    repeated = {image: on for image, on in pages.items() if len(on) > 1}
    # The usual cause: a notebook cell that glues a matplotlib figure also shows it as its own
    # output, because the figure is still open when the cell ends (close it after glue).
    assert not repeated, "images drawn more than once (PDF pages): " + "; ".join(
        str(on) for on in repeated.values()
    )


def test_no_unresolved_reference_or_failed_output(pdf_text: str) -> None:
    assert "??" not in pdf_text
    found = [text for text in FAILED_OUTPUT if text in pdf_text]
    assert not found, f"the PDF shows unformatted output: {found}"


def test_latex_log_is_clean(book_pdf: Path) -> None:
    log = book_pdf.with_suffix(".log")
    assert log.is_file(), f"no LaTeX log next to {book_pdf}"
    text = log.read_text(encoding="utf-8", errors="replace")
    problems = re.findall(
        r"^(?:Missing character: .*|LaTeX Warning: (?:Reference|Citation|Hyper reference) .*"
        r"|LaTeX Warning: There were undefined references.*)$",
        text,
        re.MULTILINE,
    )
    assert not problems, "\n".join(sorted(set(problems)))


def test_citations_and_bibliography(pdf_text: str, squashed_text: str) -> None:
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    article = parse_file(str(REPO_ROOT / "book" / "references.bib")).entries["vivant2021"]
    title = Text.from_latex(article.fields["title"]).render_as("text")
    assert "œuvre" in title
    assert squash(title) in squashed_text
    assert "[Vivant, 2021]" in " ".join(pdf_text.split())


def test_page_count_at_least_one_page_per_toc_page(
    book_pdf: Path, sources: dict[str, Path]
) -> None:
    info = run(["pdfinfo", str(book_pdf)])
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))
    # Title page, contents, then every page of the TOC starts a new page.
    assert pages >= 2 + len(sources)


def test_toc_file_is_read(sources: dict[str, Path]) -> None:
    toc = yaml.safe_load(toc_file().read_text(encoding="utf-8"))
    assert next(iter(sources)) == toc["root"]


# --- what a teacher prints and a reader copies ------------------------------------------------

CODE_CELL = re.compile(r"^(`{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)
SOLUTIONS_TITLE = "Solutions to the exercises"


def solution_cells(source: Path) -> list[str]:
    """The code of a page's solution cells (code cells tagged hide-cell)."""
    cells = []
    for match in CODE_CELL.finditer(source.read_text(encoding="utf-8")):
        lines = match.group(2).splitlines()
        tags = [line for line in lines if line.startswith(":tags:")]
        if tags and "hide-cell" in tags[0]:
            cells.append("\n".join(line for line in lines if not line.startswith(":")))
    return cells


def signature(code: str) -> str:
    """A line of a cell that identifies it in the PDF text: its longest line that is not a
    comment, squashed."""
    lines = [
        line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return squash(max(lines, key=len))[:40]


def pages_of(pdf_text: str) -> list[str]:
    return pdf_text.split("\f")


def solutions_start(pages: list[str]) -> int:
    """Index of the page that opens the appendix of solutions (not the contents' line)."""
    for index, text in enumerate(pages):
        lines = [line.strip() for line in text.splitlines()]
        if SOLUTIONS_TITLE in lines and "Exercise on page" in text:
            return index
    raise AssertionError(f"no appendix {SOLUTIONS_TITLE!r} in the PDF")


def test_solutions_are_in_an_appendix_at_the_end(pdf_text: str, sources: dict[str, Path]) -> None:
    pages = pages_of(pdf_text)
    start = solutions_start(pages)
    before = squash("".join(pages[:start]))
    after = squash("".join(pages[start:]))
    solutions = [(name, code) for name, path in sources.items() for code in solution_cells(path)]
    assert len(solutions) >= 9, "every chapter has an exercise with its solution"
    for name, code in solutions:
        mark = signature(code)
        assert mark in after, f"{name}: solution not in the appendix ({mark})"
        assert mark not in before, f"{name}: the solution is printed before the appendix ({mark})"
    # Each exercise points to its solution, and each solution back to its exercise.
    text_before = "".join(pages[:start])
    assert len(re.findall(r"Solution: page \d+\.", text_before)) == len(solutions)
    assert len(re.findall(r"Exercise on page \d+\.", "".join(pages[start:]))) == len(solutions)
    # The appendix is the book's last chapter.
    assert not re.search(r"^Appendix [A-Z]\. (?!Solutions)", "".join(pages[start:]), re.M)


def copied_blocks(pdf_text: str, kind: str) -> list[str]:
    """The BibTeX entries of one type as the PDF's text gives them (a copy from the page)."""
    return re.findall(rf"^@{kind}\{{.*?^\}}$", pdf_text, re.S | re.M)


def test_bibtex_copied_from_the_pdf_is_valid(pdf_text: str, sources: dict[str, Path]) -> None:
    from book_metadata import is_chapter, load_metadata, page_url
    from pybtex import errors
    from pybtex.database import parse_string

    errors.set_strict_mode(True)
    meta = load_metadata(REPO_ROOT / "book" / "metadata.yml")
    chapters = [name for name in sources if is_chapter(name, meta.chapters)]
    entries = copied_blocks(pdf_text, "incollection")
    assert len(entries) == len(chapters)
    urls = set()
    for entry in entries:
        assert "→" not in entry and "␣" not in entry and "continues" not in entry, entry
        fields = next(iter(parse_string(entry, "bibtex").entries.values())).fields
        assert fields["version"] == meta.version
        urls.add(fields["url"])
    assert urls == {page_url(meta, name) for name in chapters}
    articles = copied_blocks(pdf_text, "article")
    assert len(articles) == len(chapters)
    for entry in articles:
        fields = parse_string(entry, "bibtex").entries[meta.article_key].fields
        assert fields["url"] == "https://hal.science/hal-03485366"
        assert "ambiguïtés" in fields["title"] and "Massachusetts" in fields["title"]


def test_rerun_recipe_copied_from_the_pdf_is_whole(pdf_text: str, sources: dict[str, Path]) -> None:
    from book_metadata import is_chapter, load_metadata

    meta = load_metadata(REPO_ROOT / "book" / "metadata.yml")
    lines = pdf_text.splitlines()
    install = {line for line in lines if line.startswith("book-env/bin/pip install jupyterlab ")}
    assert install == {
        f"book-env/bin/pip install jupyterlab {meta.base_url}diversion_book_analysis-"
        f"{meta.version}-py3-none-any.whl"
    }
    opened = {line for line in lines if line.startswith("book-env/bin/jupyter lab ")}
    chapters = [name for name in sources if is_chapter(name, meta.chapters)]
    assert opened == {
        f"book-env/bin/jupyter lab {name.rsplit('/', 1)[-1]}.ipynb" for name in chapters
    }
