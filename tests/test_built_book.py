"""Checks of the built HTML book: every TOC page is there, has text, shows no error, and its
images and internal links resolve. Run after `make book` (or with BOOK_HTML pointing at a build).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import html_path, toc_docnames

pytestmark = pytest.mark.book

# A page must say something beyond its title: the shortest real page (the references) lists ~70
# works; an empty chapter shell (title, French title, nothing else) has about a dozen words.
MIN_WORDS = 60
# myst-nb marks error and stderr outputs with these classes; docutils marks reST problems with
# "system-message" (shown when a role or directive fails but the build goes on).
ERROR_SELECTORS = [
    ".output.traceback",
    ".output.stderr",
    ".output.error",
    ".system-message",
    ".problematic",
]
# Words that only appear in a cell output when something went wrong.
ERROR_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b"),
    re.compile(r"\bError:"),
]
# Text that marks a failed glue or reference left in the page.
PAGE_ERROR_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"System Message:"),
]


def parse(path: Path) -> BeautifulSoup:
    """The parsed HTML of a built page."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def main_article(soup: BeautifulSoup, where: str) -> Tag:
    """The page's main article (the theme's `article.bd-article`)."""
    article = soup.select_one("article.bd-article") or soup.select_one("main")
    if article is None:
        raise AssertionError(f"{where}: no <article class='bd-article'> or <main> element")
    return article


def visible_words(article: Tag) -> list[str]:
    """Words of the article as a reader sees them (no permalink signs, no scripts)."""
    article = BeautifulSoup(str(article), "html.parser")
    for junk in article.select("a.headerlink, script, style"):
        junk.decompose()
    return re.findall(r"\w+", article.get_text(" "))


def page(book_html: Path, docname: str) -> Path:
    """The built file of a TOC page; fails with the page name when it is missing."""
    path = book_html / html_path(docname)
    assert path.is_file(), f"page {docname!r} of the TOC was not built: {path} is missing"
    return path


def local_target(page_path: Path, url: str) -> Path | None:
    """The file a relative URL of a page points to, or None for data:, mailto: and external URLs."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page_path.parent / unquote(parts.path)).resolve()


def test_toc_lists_pages() -> None:
    # The TOC read here is the one the book is built from: a root plus its chapters.
    names = toc_docnames()
    assert len(names) >= 2, f"the TOC lists only {names}"
    assert len(names) == len(set(names))


def test_page_exists_and_has_text(book_html: Path, docname: str) -> None:
    soup = parse(page(book_html, docname))
    article = main_article(soup, docname)
    words = visible_words(article)
    assert len(words) >= MIN_WORDS, (
        f"page {docname!r} has only {len(words)} words of text in its article: "
        f"{' '.join(words)[:300]!r}"
    )
    headings = article.find_all("h1")
    assert len(headings) == 1, (
        f"page {docname!r} has {len(headings)} <h1> in its article, expected exactly one: "
        f"{[h.get_text(' ', strip=True) for h in headings]}"
    )


def test_page_images_exist(book_html: Path, docname: str) -> None:
    path = page(book_html, docname)
    soup = parse(path)
    problems = []
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if not src:
            problems.append(f"<img> without src: {str(img)[:120]}")
            continue
        if urlsplit(src).scheme in ("http", "https") or src.startswith("//"):
            problems.append(f"image loaded from another site (vendor it): {src}")
            continue
        target = local_target(path, src)
        if target is None:  # a data: URI is part of the page itself
            continue
        if not target.is_file():
            problems.append(f"missing image {src} (looked for {target})")
        elif target.stat().st_size == 0:
            problems.append(f"empty image file {src}")
    assert not problems, f"page {docname!r}:\n" + "\n".join(problems)


def test_figures_are_not_drawn_by_code_cells(book_html: Path, docname: str) -> None:
    # Figures are pasted with glue:figure (numbered, captioned, with alt text). An image in a cell's
    # output is a figure the inline backend displayed because the cell left it open: the reader
    # sees it twice, the second time without caption or alt text (myst-nb uses its file path).
    soup = parse(page(book_html, docname))
    article = main_article(soup, docname)
    leaked = []
    for img in article.select(".cell_output img"):
        cell = img.find_parent(class_="cell")
        section = img.find_parent("section")
        where = section.get("id", "?") if section else "?"
        tags = [c for c in (cell.get("class", []) if cell else []) if c.startswith("tag_")]
        leaked.append(f"section #{where}, cell {tags}: {img.get('src', '')[-60:]}")
    assert not leaked, (
        f"page {docname!r}: code cells display {len(leaked)} image(s) outside a glue:figure "
        "(close the figure after gluing it, e.g. plt.close(fig), or tag the output remove-output):"
        "\n" + "\n".join(leaked)
    )


def test_page_shows_no_error(book_html: Path, docname: str) -> None:
    soup = parse(page(book_html, docname))
    article = main_article(soup, docname)
    problems = []
    for selector in ERROR_SELECTORS:
        for node in article.select(selector):
            problems.append(f"{selector}: {node.get_text(' ', strip=True)[:300]}")
    for output in article.select(".cell_output, .output"):
        text = output.get_text(" ", strip=True)
        for pattern in ERROR_PATTERNS:
            match = pattern.search(text)
            if match:
                problems.append(f"cell output contains {match.group(0)!r}: {text[:300]}")
    page_text = article.get_text(" ", strip=True)
    for pattern in PAGE_ERROR_PATTERNS:
        if pattern.search(page_text):
            problems.append(f"page text contains {pattern.pattern!r}")
    assert not problems, f"page {docname!r} shows errors:\n" + "\n".join(dict.fromkeys(problems))


def test_page_scripts_are_not_repeated(book_html: Path, docname: str) -> None:
    # A script included twice redeclares its constants and throws in the browser (see
    # book/_ext/html_fixes.py, which removes sphinx-thebe's repeated configuration script).
    soup = parse(page(book_html, docname))
    seen: dict[str, int] = {}
    for script in soup.find_all("script"):
        if script.get("type") not in (None, "", "text/javascript", "module"):
            continue  # data blocks such as text/x-thebe-config are not run
        key = script.get("src") or script.get_text().strip()
        if key:
            seen[key] = seen.get(key, 0) + 1
    repeated = {key[:100]: n for key, n in seen.items() if n > 1}
    assert not repeated, f"page {docname!r} includes these scripts more than once: {repeated}"


def test_bibliography_roles_are_valid(book_html: Path, docname: str) -> None:
    # docutils' role="doc-biblioentry" is deprecated and breaks role="list" (axe-core critical);
    # book/_ext/html_fixes.py turns bibliography entries into list items.
    text = page(book_html, docname).read_text(encoding="utf-8")
    assert 'role="doc-biblioentry"' not in text, f"page {docname!r} still uses doc-biblioentry"


def linkchecker_config(folder: Path) -> Path:
    """A linkchecker configuration that also checks #anchors inside the book."""
    config = folder / "linkcheckerrc"
    config.write_text("[AnchorCheck]\n", encoding="utf-8")
    config.chmod(0o644)
    return config


def test_internal_links_resolve(book_html: Path) -> None:
    executable = shutil.which("linkchecker")
    assert executable, "linkchecker not found: `apt-get install -y linkchecker` (done by .ci/run)"
    # Run as root, linkchecker drops to the user `nobody`, who must be able to read the book:
    # check a world-readable copy (pytest's tmp_path is private to its owner).
    workdir = Path(tempfile.mkdtemp(prefix="book-linkcheck-"))
    try:
        workdir.chmod(0o755)
        copy = workdir / "html"
        shutil.copytree(book_html, copy)
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        config = linkchecker_config(workdir)
        starts = [html_path(name) for name in toc_docnames()] + ["index.html", "search.html"]
        starts += ["genindex.html"] if (copy / "genindex.html").is_file() else []
        # External links are not followed by default (only their syntax is checked): no network.
        result = subprocess.run(
            [executable, "--no-status", "--config", str(config), "--threads", "4", *starts],
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    output = result.stdout + result.stderr
    summary = re.search(r"(\d+) warnings? found\. (\d+) errors? found", output)
    assert summary is not None, f"linkchecker gave no summary (exit {result.returncode}):\n{output}"
    assert result.returncode == 0 and summary.groups() == ("0", "0"), (
        f"linkchecker found broken internal links (exit {result.returncode}):\n{output[-20000:]}"
    )


def test_figures_open_full_size(book_html: Path, docname: str) -> None:
    # book/_ext/zoomable_figures.py: a tap on a figure opens a page showing its image, which a
    # phone can zoom.
    path = page(book_html, docname)
    article = main_article(parse(path), docname)
    unlinked = []
    for img in article.select("figure img"):
        name = Path(img["src"]).name
        link = img.find_parent("a")
        target = local_target(path, link["href"]) if link and link.get("href") else None
        if target is None or not target.is_file() or target.name != f"{name}.html":
            unlinked.append(f"{name[-20:]}: link to {target}")
            continue
        viewer = parse(target)
        shown = [Path(i.get("src", "")).name for i in viewer.find_all("img")]
        if shown != [name] or not viewer.find("meta", attrs={"name": "viewport"}):
            unlinked.append(f"{target.name}: shows {shown}, viewport meta missing?")
    assert not unlinked, f"page {docname!r}: figures without a full-size view: {unlinked}"


# --- What a reader sees (issue 19) ------------------------------------------------------------

# Missing values as pandas and tabulate print them: never shown to readers (a table shows a dash or
# says why a value is missing). "None" is an English word too, so it counts only as the whole text
# of a table cell or as a word of a cell's output.
MISSING_WORDS = re.compile(r"\b(nan|NaN|NaT)\b|<NA>")
MISSING_CELL = {"nan", "NaN", "NaT", "None", "<NA>", "null"}
# A MyST role or directive name left as text: {term}`x`, {glue:text}`x`, {cite:p}`x`, {doc}`x`.
RAW_ROLE = re.compile(r"\{[a-z][a-z-]*(?::[a-z-]+)*\}`")


def reader_text(article: Tag) -> Tag:
    """A copy of the article without what a reader never sees as text (scripts, code sources)."""
    copy = BeautifulSoup(str(article), "html.parser")
    for junk in copy.select("script, style, a.headerlink, .cell_input, div.highlight, pre"):
        junk.decompose()
    return copy


def test_no_missing_value_markers_shown(book_html: Path, docname: str) -> None:
    text = reader_text(main_article(parse(page(book_html, docname)), docname))
    problems = []
    for match in MISSING_WORDS.finditer(text.get_text(" ")):
        context = text.get_text(" ")[max(0, match.start() - 60) : match.end() + 20]
        problems.append(f"{match.group(0)!r} in ...{' '.join(context.split())}...")
    for cell in text.select("td, th"):
        if cell.get_text(" ", strip=True) in MISSING_CELL:
            row = cell.find_parent("tr").get_text(" | ", strip=True)[:120]
            problems.append(f"table cell {cell.get_text(strip=True)!r} in row {row!r}")
    for output in text.select(".cell_output"):
        words = set(re.findall(r"[\w<>]+", output.get_text(" ")))
        if words & MISSING_CELL:
            shown = output.get_text(" ", strip=True)[:120]
            problems.append(f"cell output shows {sorted(words & MISSING_CELL)}: {shown!r}")
    assert not problems, f"page {docname!r} shows missing-value markers:\n" + "\n".join(problems)


def test_no_raw_markup_shown(book_html: Path, docname: str) -> None:
    text = reader_text(main_article(parse(page(book_html, docname)), docname)).get_text(" ")
    found = [text[max(0, m.start() - 40) : m.end() + 30] for m in RAW_ROLE.finditer(text)]
    assert not found, f"page {docname!r} shows MyST markup as text: {found}"


def test_solutions_are_labelled(book_html: Path, docname: str) -> None:
    # book/_ext/code_cells.py: a hidden cell that answers an exercise opens with "Show solution".
    article = main_article(parse(page(book_html, docname)), docname)
    wrong = []
    for cell in article.select("div.cell.tag_hide-cell"):
        summary = cell.select_one("details > summary")
        shown = summary.select_one(".collapsed").get_text(strip=True) if summary else None
        if shown != "Show solution":
            code = cell.select_one(".cell_input pre")
            wrong.append(f"{shown!r} on {code.get_text()[:60] if code else cell.get('class')!r}")
    assert not wrong, f"page {docname!r}: solution toggles not labelled 'Show solution': {wrong}"
