"""The seminar plans and handouts (book/_ext/teaching_materials.py): a chapter's outline read from
its source, the two-hour plan timed from it, the handout page; on a made-up chapter, then on the
book's own chapters."""

from __future__ import annotations

from pathlib import Path

import pytest
import teaching_materials as tm
from book_metadata import is_chapter, load_metadata
from conftest import REPO_ROOT, toc_docnames

CHAPTER = """---
kernelspec:
  name: python3
---

(ch-x)=
# A chapter

*Un chapitre sur
deux lignes* · Vivant (2021), section 2.1

:::{admonition} In this chapter
:class: tip
After reading it you should be able to:
- state the question;
- compute a rate of {glue:text}`x_rate:.1f` per
  100,000;
- read a map.

*Prerequisites:* none. *Time to read:* about 20 minutes.
:::

## What the data show

```{glue:figure} fig-x-a
:name: fig-x-a
:alt: A chart.

The caption {cite:p}`doe2020`.
```

See {numref}`fig-x-a` and {numref}`Figure %s <fig-y-b>`.

## For discussion

1. Why this?
2. Why that, over
   two lines?

:::{admonition} Exercise: the rate by year
:class: note
Using `analysis.rates.crude_rates`, compute it.
:::
"""


@pytest.fixture()
def outline() -> tm.Outline:
    return tm.chapter_outline("book/part2/x", CHAPTER)


def test_chapter_outline(outline: tm.Outline) -> None:
    assert outline.title == "A chapter"
    assert outline.subtitle == "*Un chapitre sur deux lignes* · Vivant (2021), section 2.1"
    assert outline.section == "section 2.1"
    assert outline.objectives == [
        "state the question;",
        "compute a rate of {glue:text}`x_rate:.1f` per 100,000;",
        "read a map.",
    ]
    assert [(f.key, f.name, f.alt, f.caption) for f in outline.figures] == [
        ("fig-x-a", "fig-x-a", "A chart.", "The caption {cite:p}`doe2020`.")
    ]
    assert outline.referred == ["fig-x-a", "fig-y-b"]
    assert outline.questions == ["Why this?", "Why that, over two lines?"]
    assert outline.exercise == "the rate by year"


def test_an_exercise_under_a_heading_is_named_by_its_functions() -> None:
    text = "# T\n\n### Exercise\n\nUsing `analysis.growth.fit` and `analysis.growth.fit`, do.\n"
    assert tm.chapter_outline("x", text).exercise == "using `analysis.growth.fit`"
    text = "# T\n\n### Exercise\n\nCompare the two. Then say why.\n"
    assert tm.chapter_outline("x", text).exercise == "Compare the two"


def test_opening_and_closing_sections() -> None:
    assert tm.chapter_outline("x", "# T\n\n*T* · Vivant (2021), opening section\n").section == (
        "the opening section"
    )
    assert tm.chapter_outline("x", "# T\n\nNo subtitle.\n").section == ""


def check_plan(plan: list[tuple[int, int, str]]) -> None:
    """Steps follow each other from 0:00 and fill the two hours exactly."""
    start = 0
    for begin, minutes, activity in plan:
        assert begin == start and minutes > 0 and activity
        start += minutes
    assert start == tm.SESSION_MINUTES == 120


def test_seminar_plan_fills_two_hours(outline: tm.Outline) -> None:
    plan = tm.seminar_plan(outline, ["7"])
    check_plan(plan)
    activities = [activity for _, _, activity in plan]
    assert activities[0].startswith("Opening: the chapter's 3 learning objectives")
    assert "section 2.1 of the article" in activities[0]
    assert activities[2] == "The data: read Fig. 7: what it shows, its source, what it cannot show"
    assert activities[4].endswith("the rate by year")
    assert activities[5] == "Discussion: the chapter's 2 questions, about 18 minutes each"
    assert [minutes for _, minutes, _ in plan] == [10, 20, 10, 10, 25, 35, 10]


@pytest.mark.parametrize(("figures", "minutes"), [(0, 10), (1, 10), (2, 16), (3, 24), (6, 30)])
def test_figures_take_eight_minutes_each_within_bounds(figures: int, minutes: int) -> None:
    outline = tm.Outline(
        docname="x",
        title="T",
        figures=[tm.Figure(f"k{i}", f"k{i}", "", "") for i in range(figures)],
        questions=["q"] * 4,
    )
    plan = tm.seminar_plan(outline, [str(i) for i in range(figures)])
    check_plan(plan)
    assert plan[2][1] == minutes


def test_plan_without_figures_or_questions() -> None:
    bare = tm.Outline(docname="x", title="T")
    plan = tm.seminar_plan(bare, [])
    check_plan(plan)
    assert plan[2][2] == "The data: the chapter's tables and what they leave out"
    assert plan[5][2] == "Discussion: the chapter's questions"
    referred = tm.seminar_plan(bare, ["3", "4"])
    assert (
        referred[2][2]
        == "The data: revisit Fig. 3, Fig. 4 (earlier chapters) with this chapter's question"
    )


def test_clock_and_plan_table(outline: tm.Outline) -> None:
    assert [tm.clock(m) for m in (0, 55, 60, 120)] == ["0:00", "0:55", "1:00", "2:00"]
    table = tm.plan_table(tm.seminar_plan(outline, ["7"]))
    rows = [
        [entry.astext() for entry in row] for row in table.findall(lambda n: n.tagname == "row")
    ]
    assert rows[0] == ["Time", "Minutes", "Activity"]
    assert rows[1][:2] == ["0:00–0:10", "10"] and rows[-1][:2] == ["1:50–2:00", "10"]
    assert "`" not in rows[5][2]


def test_handout_html(outline: tm.Outline) -> None:
    meta = load_metadata(REPO_ROOT / "book" / "metadata.yml")
    figure = tm.KeyFigure("7", "The caption [Doe, 2020].", 'A "chart".', "x-figure.svg")
    page = tm.handout_html(
        outline,
        figure,
        lambda text: text.replace("{glue:text}`x_rate:.1f`", "32.9"),
        meta,
        "../../x.html",
    )
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<h1>A chapter</h1>" in page
    assert "<li>compute a rate of 32.9 per 100,000;</li>" in page
    assert '<img src="x-figure.svg" alt="A &quot;chart&quot;.">' in page
    assert "<strong>Fig. 7.</strong> The caption [Doe, 2020].</figcaption>" in page
    assert "<ol><li>Why this?</li><li>Why that, over two lines?</li></ol>" in page
    assert '<a href="../../x.html">Back to the chapter</a>' in page
    assert "@page" in page and "Key figure" in page
    assert "Key figure" not in tm.handout_html(outline, None, str, meta, "x")


# --- the book's own chapters -------------------------------------------------------------------

META = load_metadata(REPO_ROOT / "book" / "metadata.yml")
CHAPTERS = [name for name in toc_docnames() if is_chapter(name, META.chapters)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_gives_a_seminar(chapter: str) -> None:
    outline = tm.chapter_outline(chapter, (REPO_ROOT / f"{chapter}.md").read_text("utf-8"))
    assert len(outline.objectives) >= 3, "the 'In this chapter' admonition lists objectives"
    assert len(outline.questions) >= 3, "'## For discussion' numbers the questions"
    assert outline.exercise, "an exercise (admonition 'Exercise: ...' or '### Exercise')"
    if chapter == "book/after-the-article":  # the one chapter that mirrors no section
        assert outline.subtitle and not outline.section, "it says it mirrors no section"
    else:
        assert outline.section, "the line under the title names the article's section"
    assert outline.figures or outline.referred, "a figure to put on the handout"
    check_plan(tm.seminar_plan(outline, ["1"] * max(len(outline.figures), 1)))


def test_the_teaching_page_asks_for_the_plans() -> None:
    assert "```{seminar-plans}\n```" in (REPO_ROOT / "book/appendix/teaching.md").read_text()


def test_no_file_refers_to_the_missing_article_notes() -> None:
    import subprocess

    name = "ARTICLE" + ".md"  # not in the repository: nothing may point to it
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    found = [
        path
        for path in files
        if path
        and (REPO_ROOT / path).is_file()
        and name in (REPO_ROOT / path).read_text(encoding="utf-8", errors="replace")
    ]
    assert found == []
    assert not Path(REPO_ROOT / name).exists()
