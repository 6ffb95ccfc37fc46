"""Teaching materials in the built book (`make book`): the home page links the teaching page, which
holds a two-hour plan per chapter; each chapter's handout carries its objectives, key figure and
questions, with only numbers that the chapter computes, and prints on one page (A4 and US Letter,
in Chromium)."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
import teaching_materials as tm
from book_metadata import is_chapter, load_metadata
from conftest import REPO_ROOT, toc_docnames

META = load_metadata(REPO_ROOT / "book" / "metadata.yml")
CHAPTERS = [name for name in toc_docnames() if is_chapter(name, META.chapters)]
TEACHING = "book/appendix/teaching"
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MARKUP = re.compile(r"\{[\w:.-]+\}`|^\s*(`{3,}|:{3,})\{|\{\{", re.M)


def main_text(page: Path | str) -> str:
    """The visible text of a built page's main content (or of an HTML string)."""
    text = page if isinstance(page, str) else page.read_text(encoding="utf-8")
    if "<main" in text:
        text = text[text.index("<main") : text.index("</main>")]
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def numbers(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def outline(chapter: str) -> tm.Outline:
    return tm.chapter_outline(chapter, (REPO_ROOT / f"{chapter}.md").read_text(encoding="utf-8"))


def handout(book_html: Path, chapter: str) -> Path:
    return book_html / tm.HANDOUT_FOLDER / f"{chapter.rsplit('/', 1)[-1]}.html"


def page_showing(book_html: Path, number: str) -> Path:
    """The chapter page that shows the figure with this number."""
    for chapter in CHAPTERS:
        page = book_html / f"{chapter}.html"
        if f'caption-number">Fig. {number} <' in page.read_text(encoding="utf-8"):
            return page
    raise AssertionError(f"no chapter shows Fig. {number}")


@pytest.mark.book
def test_home_page_links_the_teaching_page(book_html: Path) -> None:
    home = (book_html / "book" / "index.html").read_text(encoding="utf-8")
    main = home[home.index("<main") : home.index("</main>")]
    assert re.search(r'href="appendix/teaching\.html"', main)


@pytest.mark.book
def test_teaching_page_has_a_timed_plan_per_chapter(book_html: Path) -> None:
    page = (book_html / f"{TEACHING}.html").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        slug = chapter.rsplit("/", 1)[-1]
        start = page.index(f'id="seminar-{slug}"')
        section = page[start : page.index("</section>", start)]
        assert "Seminar: " in section
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)[1:]
        cells = [
            [
                html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
            ]
            for row in rows
        ]
        assert len(cells) == 7
        clock = 0
        for time, minutes, activity in cells:
            begin, end = time.split("–")
            assert begin == tm.clock(clock) and end == tm.clock(clock + int(minutes)), time
            assert activity
            clock += int(minutes)
        assert clock == 120, f"{chapter}: the plan lasts {clock} minutes"
        link = re.search(r'href="([^"]*handouts/[^"]+\.html)"', section).group(1)
        target = (book_html / TEACHING).parent / link
        assert target.resolve() == handout(book_html, chapter).resolve() and target.is_file()


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_handout_has_objectives_key_figure_and_questions(book_html: Path, chapter: str) -> None:
    path = handout(book_html, chapter)
    text = path.read_text(encoding="utf-8")
    expected = outline(chapter)
    objectives = text[text.index("<h2>Objectives</h2>") : text.index("</ul>")]
    assert objectives.count("<li>") == len(expected.objectives)
    questions = text[text.index("<h2>Questions</h2>") : text.index("</ol>")]
    assert questions.count("<li>") == len(expected.questions)
    image = re.search(r'<img src="([^"]+)" alt="([^"]+)">', text)
    assert image and (path.parent / image.group(1)).read_text("utf-8").lstrip().startswith("<?xml")
    figure = re.search(r"<strong>Fig\. (\d+)\.</strong>", text).group(1)
    assert not MARKUP.search(main_text(path)), "book markup left on the handout"
    # Every number on the handout (objectives, figure, questions) is one its pages print.
    body = main_text(text[text.index("<h2>Objectives</h2>") : text.index("<footer>")])
    known = numbers(main_text(book_html / f"{chapter}.html"))
    known |= numbers(main_text(page_showing(book_html, figure)))
    assert numbers(body) <= known, f"numbers not on the chapter's pages: {numbers(body) - known}"


@pytest.mark.browser
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_handouts_print_on_one_page(
    browser: object, book_server: str, book_html: Path, paper: str, tmp_path: Path
) -> None:
    page = browser.new_page()
    try:
        for chapter in CHAPTERS:
            url = book_server + str(handout(book_html, chapter).relative_to(book_html))
            response = page.goto(url)
            assert response is not None and response.ok, url
            assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth)")
            pdf = tmp_path / f"{chapter.rsplit('/', 1)[-1]}-{paper}.pdf"
            page.pdf(path=str(pdf), format=paper)
            info = subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout
            pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
            assert pages == 1, f"{chapter}: the handout prints on {pages} {paper} pages"
    finally:
        page.close()
