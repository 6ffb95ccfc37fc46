"""The citing and sharing extension (book/_ext/citation_meta.py): its formatting functions, the
book's metadata file, and a small Sphinx build that exercises every event handler."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import toc_docnames
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

REPO_ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = REPO_ROOT / "book" / "_ext"
_spec = importlib.util.spec_from_file_location("citation_meta", EXT_DIR / "citation_meta.py")
cm = importlib.util.module_from_spec(_spec)
sys.modules["citation_meta"] = cm  # Sphinx's setup_extension("citation_meta") finds this module
_spec.loader.exec_module(cm)

# A made-up book for the unit tests (not the real one: its values are written out below).
DEMO = {
    "title": "Demo book",
    "subtitle": "A test",
    "authors": ["Demo Team", "Ann Other"],
    "version": "1.2.3",
    "released": "2025-03-04",
    "licence": "CC BY 4.0",
    "base_url": "https://example.org/demo/",
    "repository": {"url": "https://github.com/example/demo", "branch": "trunk"},
    "pdf": "demo.pdf",
    "chapters": ["book/intro", "book/part*/*"],
    "redirects": "book/redirects.txt",
    "bibtex_key_prefix": "demo",
    "article_key": "doe2020",
}
DEMO_BIB = r"""@article{doe2020,
  author  = {Doe, Jane Anne and Roe, Richard},
  title   = {On {Massachusetts} police: a study},
  journal = {Journal of Tests},
  volume  = {7},
  number  = {2},
  pages   = {10--20},
  year    = {2020},
  url     = {https://example.org/doe2020},
}
@article{noissue2019,
  author  = {Poe, Edgar},
  title   = {A volume without issue?},
  journal = {Annals},
  volume  = {3},
  pages   = {1--2},
  year    = {2019},
}
"""


@pytest.fixture()
def meta() -> cm.BookMetadata:
    return cm.parse_metadata(DEMO)


def test_parse_metadata_reads_every_field(meta: cm.BookMetadata) -> None:
    assert meta.authors == ("Demo Team", "Ann Other")
    assert meta.year == "2025"
    assert meta.full_title == "Demo book: A test"
    assert meta.author_text == "Demo Team, Ann Other"
    assert meta.url_path == "/demo/"
    assert meta.branch == "trunk"
    assert meta.chapters == ("book/intro", "book/part*/*")


def test_parse_metadata_defaults_for_optional_keys() -> None:
    required = {key: DEMO[key] for key in cm.REQUIRED_KEYS}
    required["repository"] = {"url": "https://github.com/example/demo"}
    meta = cm.parse_metadata(required)
    assert (meta.subtitle, meta.licence, meta.pdf, meta.article_key) == ("", "", "", "")
    assert (meta.branch, meta.bibtex_key_prefix, meta.full_title) == ("main", "book", "Demo book")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "missing or empty key\\(s\\): title"),
        ({"base_url": "http://example.org/demo/"}, "must be an https URL ending with '/'"),
        ({"base_url": "https://example.org/demo"}, "must be an https URL ending with '/'"),
        ({"version": "1.2"}, "version '1.2' must look like MAJOR.MINOR.PATCH"),
        ({"released": "2025"}, "released '2025' must be a date YYYY-MM-DD"),
        ({"repository": "https://github.com/a/b"}, "repository must be a mapping"),
        ({"repository": {"url": "https://gitlab.com/a/b"}}, "must be https://github.com/<owner>"),
        ({"authors": "Demo Team"}, "authors must be a list of names"),
        ({"authors": ["Demo Team", ""]}, "authors must be a list of names"),
    ],
)
def test_parse_metadata_rejects_bad_values(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cm.parse_metadata({**DEMO, **change}, "demo.yml")


def test_parse_metadata_rejects_a_list() -> None:
    with pytest.raises(ValueError, match="expected a mapping of metadata keys, got list"):
        cm.parse_metadata(["title"])


def test_load_metadata_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="book metadata file not found"):
        cm.load_metadata(tmp_path / "metadata.yml")


def test_is_chapter_follows_the_patterns(meta: cm.BookMetadata) -> None:
    assert cm.is_chapter("book/intro", meta.chapters)
    assert cm.is_chapter("book/part2/police-gateway-to-care", meta.chapters)
    assert not cm.is_chapter("book/appendix/glossary", meta.chapters)
    assert not cm.is_chapter("book/index", meta.chapters)


def test_chapter_reference(meta: cm.BookMetadata) -> None:
    runs = cm.chapter_reference(meta, 'The "new face" of heroin', "book/part1/new-face")
    assert runs[1] == ("Demo book: A test", True)
    assert cm.runs_to_text(runs) == (
        'Demo Team, Ann Other (2025). The "new face" of heroin. In Demo book: A test '
        "(version 1.2.3). https://example.org/demo/book/part1/new-face.html"
    )


def test_chapter_reference_keeps_a_question_mark(meta: cm.BookMetadata) -> None:
    text = cm.runs_to_text(cm.chapter_reference(meta, "The end of prohibition?", "book/part3/x"))
    assert "(2025). The end of prohibition? In Demo" in text


def test_bibtex_entry(meta: cm.BookMetadata) -> None:
    entry = cm.bibtex_entry(meta, "Costs & 100% of $5 #1_a", "book/part2/costs")
    assert entry == (
        "@incollection{demo2025:costs,\n"
        "  author    = {{Demo Team} and {Ann Other}},\n"
        "  title     = {Costs \\& 100\\% of \\$5 \\#1\\_a},\n"
        "  booktitle = {Demo book: A test},\n"
        "  year      = {2025},\n"
        "  version   = {1.2.3},\n"
        "  note      = {Version 1.2.3},\n"
        "  url       = {https://example.org/demo/book/part2/costs.html},\n"
        "}"
    )


def test_article_reference_of_the_real_article() -> None:
    # Vivant (2021), Déviance et Société 45(4):613–644 (the journal issue; HAL hal-03485366).
    runs = cm.article_reference([REPO_ROOT / "book" / "references.bib"], "vivant2021")
    text = cm.runs_to_text(runs)
    assert text.startswith(
        "Vivant, E. (2021). Changer les pratiques pour sauver des vies. Ressorts"
    )
    assert runs[1] == ("Déviance et Société", True)
    assert text.endswith(", 45(4), 613–644. https://hal.science/hal-03485366")
    assert "{" not in text


def test_article_reference_formats_authors_and_issue(tmp_path: Path) -> None:
    bib = tmp_path / "demo.bib"
    bib.write_text(DEMO_BIB, encoding="utf-8")
    empty = tmp_path / "empty.bib"
    empty.write_text("", encoding="utf-8")
    text = cm.runs_to_text(cm.article_reference([empty, bib], "doe2020"))
    assert text == (
        "Doe, J. A. & Roe, R. (2020). On Massachusetts police: a study. Journal of Tests, "
        "7(2), 10–20. https://example.org/doe2020"
    )
    text = cm.runs_to_text(cm.article_reference([bib], "noissue2019"))
    assert text == "Poe, E. (2019). A volume without issue? Annals, 3, 1–2."


def test_article_reference_names_a_missing_key(tmp_path: Path) -> None:
    bib = tmp_path / "demo.bib"
    bib.write_text(DEMO_BIB, encoding="utf-8")
    with pytest.raises(KeyError, match="no entry with key 'smith1999'"):
        cm.article_reference([bib], "smith1999")


def test_runs_to_nodes_links_urls_and_italicises() -> None:
    out = cm.runs_to_nodes([("See https://a.org/x now. ", False), ("Book", True)])
    assert [type(node) for node in out] == [nodes.Text, nodes.reference, nodes.Text, nodes.emphasis]
    assert out[1]["refuri"] == "https://a.org/x"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short   text.", 50, "Short text."),
        ("One two. Three four five. Six.", 26, "One two. Three four five."),
        ("One two three four five six", 15, "One two three…"),
        ("Alpha, beta gamma", 14, "Alpha, beta…"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert cm.shorten(text, limit) == expected
    assert len(cm.shorten(text, limit)) <= limit


def parse_rst(text: str) -> nodes.document:
    """A docutils document from reStructuredText."""
    settings = get_default_settings(Parser)
    settings.report_level = 5
    document = new_document("test", settings)
    Parser().parse(text, document)
    return document


def test_prose_text_drops_citations() -> None:
    document = parse_rst("A claim (cite) here .")
    paragraph = document.next_node(nodes.paragraph)
    paragraph.clear()
    xref = nodes.inline(refdomain="cite")
    xref += nodes.Text("vivant2021")
    paragraph += [nodes.Text("A claim ("), xref, nodes.Text(") here .")]
    assert cm.prose_text(paragraph) == "A claim here."


def test_chapter_summary_and_title() -> None:
    document = parse_rst(
        "Title\n=====\n\nIntro.\n\nWhat the article argues\n-----------------------\n\n"
        ".. note:: not this\n\nIt argues this. And that.\n\nNot this.\n"
    )
    assert cm.page_title(document) == "Title"
    assert cm.chapter_summary(document) == "It argues this. And that."


def test_chapter_summary_without_the_section() -> None:
    document = parse_rst("Title\n=====\n\nOther\n-----\n\nText.\n")
    assert cm.chapter_summary(document) is None
    assert cm.page_title(parse_rst("No title here.")) is None


def test_new_section_ids_are_unique_in_the_page() -> None:
    document = parse_rst("Title\n=====\n\nText.\n")
    first = cm.new_section(document, "Cite this chapter", "cite-this-chapter")
    second = cm.new_section(document, "Cite this chapter", "cite-this-chapter")
    assert (first["ids"], second["ids"]) == (["cite-this-chapter"], ["cite-this-chapter-2"])


def test_binder_url(meta: cm.BookMetadata) -> None:
    options = {"launch_buttons": {"binderhub_url": "https://mybinder.org/"}}
    assert cm.binder_url(options, meta, "book/part1/x", ".md") == (
        "https://mybinder.org/v2/gh/example/demo/trunk?urlpath=tree/book/part1/x.md"
    )
    options["launch_buttons"]["notebook_interface"] = "jupyterlab"
    assert "?urlpath=lab/tree/book/part1/x.md" in cm.binder_url(
        options, meta, "book/part1/x", ".md"
    )
    assert cm.binder_url({}, meta, "book/part1/x", ".md") is None


def test_scholar_tags(meta: cm.BookMetadata) -> None:
    tags = cm.scholar_tags(meta, "A chapter", "book/part1/x", "https://example.org/demo/demo.pdf")
    url = "https://example.org/demo/book/part1/x.html"
    assert tags == [
        ("citation_title", "A chapter"),
        ("citation_author", "Demo Team"),
        ("citation_author", "Ann Other"),
        ("citation_publication_date", "2025/03/04"),
        ("citation_inbook_title", "Demo book: A test"),
        ("citation_language", "en"),
        ("citation_public_url", url),
        ("citation_fulltext_html_url", url),
        ("citation_pdf_url", "https://example.org/demo/demo.pdf"),
    ]
    assert ("citation_pdf_url", "") not in cm.scholar_tags(meta, "A chapter", "book/part1/x", "")
    assert len(cm.scholar_tags(meta, "A chapter", "book/part1/x", "")) == len(tags) - 1


def test_meta_tag_escapes() -> None:
    assert cm.meta_tag("citation_title", 'A "b" & c') == (
        '<meta name="citation_title" content="A &quot;b&quot; &amp; c" />'
    )


def test_notfound_body_links_chapters_from_the_site_root(meta: cm.BookMetadata) -> None:
    body = cm.notfound_body(meta, [("book/intro", "Intro & more")], "book/index")
    assert '<li><a href="/demo/book/intro.html">Intro &amp; more</a></li>' in body
    assert 'href="/demo/book/index.html">home page</a>' in body
    assert 'href="/demo/search.html"' in body


def test_footer_shows_the_version(meta: cm.BookMetadata) -> None:
    footer = cm.footer_html(meta)
    assert "Version 1.2.3 (2025-03-04)" in footer
    assert 'href="https://github.com/example/demo/blob/trunk/CHANGELOG.md"' in footer


def test_draw_site_card_is_1200_by_630(meta: cm.BookMetadata, tmp_path: Path) -> None:
    from PIL import Image

    path = cm.draw_site_card(meta, tmp_path / "static" / "card.png")
    with Image.open(path) as image:
        assert image.size == (1200, 630)


# The book's own metadata and the files that repeat it.
BOOK_METADATA = REPO_ROOT / cm.METADATA_FILE


def real_metadata() -> cm.BookMetadata:
    return cm.load_metadata(BOOK_METADATA)


def test_book_metadata_is_valid_and_cites_an_existing_article() -> None:
    meta = real_metadata()
    assert cm.article_reference([REPO_ROOT / "book" / "references.bib"], meta.article_key)
    assert (REPO_ROOT / meta.redirects).is_file()


def test_config_does_not_repeat_the_metadata() -> None:
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert not {"title", "author", "copyright"} & set(config)
    assert "baseurl" not in (config.get("html") or {})
    assert not {"url", "branch"} & set(config.get("repository") or {})
    assert "citation_meta" in config["sphinx"]["local_extensions"]


def test_citation_cff_agrees_with_the_metadata() -> None:
    meta = real_metadata()
    cff = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == meta.version
    assert str(cff["date-released"]) == meta.released
    assert cff["url"] == meta.base_url
    assert cff["repository-code"] == meta.repository_url
    assert [author["name"] for author in cff["authors"]] == list(meta.authors)
    assert cff["title"].startswith(meta.title)


def test_changelog_has_an_entry_for_the_version() -> None:
    meta = real_metadata()
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(meta.version)} \S+ {meta.released}$", changelog, re.M)


def test_redirects_point_from_free_addresses_to_toc_pages() -> None:
    pages = set(toc_docnames(REPO_ROOT / "_toc.yml"))
    redirects = redirect_map(REPO_ROOT / real_metadata().redirects)
    assert redirects["book/intro"] == "book/introduction"
    assert sorted(set(redirects.values()) - pages) == []
    assert sorted(set(redirects) & pages) == []


def redirect_map(path: Path) -> dict[str, str]:
    """The redirect map of a rediraffe file (`old new` per line, # comments)."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            old, new = line.split()
            assert old not in pairs, f"{path}: {old} is redirected twice"
            pairs[old] = new
    return pairs


# A small Sphinx build with the extension (myst-parser pages, no notebook execution).
CHAPTER = """---
kernelspec:
  name: python3
  display_name: Python 3
---

# A chapter & more

*Un chapitre* · section 1

## What the article argues

The article makes a claim {cite:p}`doe2020`. It has a second sentence.

## What the data show

Nothing yet.
"""
APPENDIX = """# An appendix

This is version {{ book_version }} of the book, changes in the {{ book_changelog }}.
"""
INDEX = """# Demo book

```{toctree}
part1/chapter
appendix
```

```{bibliography}
```
"""


def run_sphinx(src: Path, overrides: dict, builder: str = "html") -> str:
    """Build `src` with Sphinx (docutils registries restored afterwards); return its warnings."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    warnings = io.StringIO()
    with docutils_namespace():
        app = Sphinx(
            str(src),
            None,
            str(src / "_build" / builder),
            str(src / "_build" / "doctrees"),
            builder,
            # A dict of our own: Sphinx adds the extensions' suffixes to the source_suffix it is
            # given, and would otherwise change its shared default for later builds in this run.
            confoverrides={"source_suffix": {".rst": "restructuredtext"}, **overrides},
            status=io.StringIO(),
            warning=warnings,
            freshenv=True,
        )
        app.build()
    return warnings.getvalue()


DEMO_CONFIG = {
    "extensions": ["myst_parser", "sphinxcontrib.bibtex", "citation_meta"],
    "root_doc": "book/index",
    "bibtex_bibfiles": ["book/refs.bib"],
    "html_theme": "sphinx_book_theme",
    "myst_enable_extensions": ["substitution"],
    "html_theme_options": {
        "launch_buttons": {
            "binderhub_url": "https://mybinder.org",
            "notebook_interface": "jupyterlab",
        }
    },
    "exclude_patterns": ["_build"],
}


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    src = tmp_path_factory.mktemp("demo")
    (src / "book" / "part1").mkdir(parents=True)
    (src / "book" / "metadata.yml").write_text(yaml.safe_dump(DEMO), encoding="utf-8")
    (src / "book" / "redirects.txt").write_text(
        "# old\nbook/old book/part1/chapter\nbook/gone book/not-in-this-build\n"
    )
    (src / "book" / "refs.bib").write_text(DEMO_BIB, encoding="utf-8")
    (src / "book" / "_ext").mkdir()
    shutil.copy(EXT_DIR / "redirect.html", src / "book" / "_ext" / "redirect.html")
    (src / "book" / "index.md").write_text(INDEX, encoding="utf-8")
    (src / "book" / "appendix.md").write_text(APPENDIX, encoding="utf-8")
    (src / "book" / "part1" / "chapter.md").write_text(CHAPTER, encoding="utf-8")
    # The executed notebook that myst-nb would leave for the theme to offer as a download.
    executed = src / "_build" / "jupyter_execute" / "book" / "part1" / "chapter.ipynb"
    executed.parent.mkdir(parents=True)
    executed.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    warnings = run_sphinx(src, DEMO_CONFIG)
    return src / "_build" / "html", warnings


def test_demo_build_has_no_warning(demo_build: tuple[Path, str]) -> None:
    assert demo_build[1] == ""


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


def test_demo_chapter_has_scholar_and_open_graph_tags(demo_build: tuple[Path, str]) -> None:
    page = (demo_build[0] / "book" / "part1" / "chapter.html").read_text(encoding="utf-8")
    assert '<meta name="citation_title" content="A chapter &amp; more" />' in page
    assert '<meta name="citation_pdf_url" content="https://example.org/demo/demo.pdf" />' in page
    summary = "The article makes a claim. It has a second sentence."
    assert f'<meta name="description" content="{summary}" />' in page
    assert f'<meta property="og:description" content="{summary}" />' in page
    assert 'content="https://example.org/demo/_static/site-card.png"' in page
    assert "Version 1.2.3 (2025-03-04)" in page


def test_demo_non_chapters_have_no_cite_block(demo_build: tuple[Path, str]) -> None:
    for name in ("index", "appendix"):
        page = (demo_build[0] / "book" / f"{name}.html").read_text(encoding="utf-8")
        assert 'class="cite-this-chapter"' not in page
        assert "citation_title" not in page
        assert "Version 1.2.3" in page


def test_demo_pages_can_use_the_metadata(demo_build: tuple[Path, str]) -> None:
    page = (demo_build[0] / "book" / "appendix.html").read_text(encoding="utf-8")
    changelog = "https://github.com/example/demo/blob/trunk/CHANGELOG.md"
    assert "This is version 1.2.3 of the book" in page
    assert f'<a class="reference external" href="{changelog}">changelog</a>' in page


def test_demo_site_files(demo_build: tuple[Path, str]) -> None:
    html = demo_build[0]
    sitemap = (html / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/demo/book/part1/chapter.html</loc>" in sitemap
    assert "404.html" not in sitemap
    notfound = (html / "404.html").read_text(encoding="utf-8")
    assert '<a href="/demo/book/part1/chapter.html">A chapter &amp; more</a>' in notfound
    redirect = (html / "book" / "old.html").read_text(encoding="utf-8")
    assert 'url=part1/chapter.html"' in redirect
    assert not (html / "book" / "gone.html").exists()
    assert (html / cm.SITE_CARD).is_file()


def test_demo_pdf_build_keeps_absolute_links(demo_build: tuple[Path, str]) -> None:
    src = demo_build[0].parents[1]
    assert run_sphinx(src, DEMO_CONFIG, builder="latex") == ""
    tex = next((src / "_build" / "latex").glob("*.tex")).read_text(encoding="utf-8")
    assert r"\sphinxhref{https://example.org/demo/\_sources/book/part1/chapter.ipynb}" in tex
    assert r"\section{Cite this chapter}" in tex
    assert not (src / "_build" / "latex" / cm.SITE_CARD).exists()


def test_chapter_without_title_is_reported(tmp_path: Path) -> None:
    (tmp_path / "book" / "part1").mkdir(parents=True)
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump({**DEMO, "article_key": ""}))
    (tmp_path / "book" / "redirects.txt").write_text("", encoding="utf-8")
    (tmp_path / "book" / "index.md").write_text("# Home\n\n```{toctree}\npart1/x\n```\n")
    (tmp_path / "book" / "part1" / "x.md").write_text("Text without a heading.\n")
    config = {"extensions": ["myst_parser", "citation_meta"], "root_doc": "book/index"}
    warnings = run_sphinx(tmp_path, config)
    assert "chapter page book/part1/x has no H1 title to cite" in warnings


def test_is_notebook_reads_suffix_metadata_or_front_matter() -> None:
    from types import SimpleNamespace

    def app(path: str, metadata: dict) -> SimpleNamespace:
        env = SimpleNamespace(doc2path=lambda docname: path, metadata={"doc": metadata})
        return SimpleNamespace(env=env)

    document = parse_rst("Title\n=====\n")
    assert cm.is_notebook(app("doc.ipynb", {}), document, "doc")
    assert cm.is_notebook(app("doc.md", {"kernelspec": "{}"}), document, "doc")
    assert not cm.is_notebook(app("doc.md", {}), document, "doc")
    with_front_matter = parse_rst("Title\n=====\n")
    field = nodes.field("", nodes.field_name(text="kernelspec"), nodes.field_body())
    with_front_matter.insert(0, nodes.docinfo("", field))
    assert cm.is_notebook(app("doc.md", {}), with_front_matter, "doc")


def test_extension_does_nothing_without_metadata(tmp_path: Path) -> None:
    (tmp_path / "index.rst").write_text("Title\n=====\n\nText.\n", encoding="utf-8")
    assert run_sphinx(tmp_path, {"extensions": ["citation_meta"]}) == ""
    html = tmp_path / "_build" / "html"
    assert not (html / "sitemap.xml").exists()
    assert "Version" not in (html / "index.html").read_text(encoding="utf-8")


def test_extension_stops_on_bad_metadata(tmp_path: Path) -> None:
    from sphinx.application import Sphinx
    from sphinx.errors import ConfigError
    from sphinx.util.docutils import docutils_namespace

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump({**DEMO, "version": "one"}))
    with docutils_namespace(), pytest.raises(ConfigError, match="version 'one' must look"):
        Sphinx(
            str(tmp_path),
            None,
            str(tmp_path / "_build"),
            str(tmp_path / "_doctrees"),
            "html",
            confoverrides={
                "extensions": ["citation_meta"],
                "source_suffix": {".rst": "restructuredtext"},
            },
            status=io.StringIO(),
            warning=io.StringIO(),
        )


def test_extension_stops_without_its_redirects_file(tmp_path: Path) -> None:
    from sphinx.application import Sphinx
    from sphinx.errors import ConfigError
    from sphinx.util.docutils import docutils_namespace

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump(DEMO))
    with docutils_namespace(), pytest.raises(ConfigError, match="redirects.txt does not exist"):
        Sphinx(
            str(tmp_path),
            None,
            str(tmp_path / "_build"),
            str(tmp_path / "_doctrees"),
            "html",
            confoverrides={
                "extensions": ["citation_meta"],
                "source_suffix": {".rst": "restructuredtext"},
            },
            status=io.StringIO(),
            warning=io.StringIO(),
        )


def test_extension_stops_when_the_article_is_not_in_the_bibliography(tmp_path: Path) -> None:
    from sphinx.application import Sphinx
    from sphinx.errors import ExtensionError
    from sphinx.util.docutils import docutils_namespace

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "metadata.yml").write_text(yaml.safe_dump(DEMO))
    (tmp_path / "book" / "redirects.txt").write_text("", encoding="utf-8")
    (tmp_path / "book" / "refs.bib").write_text("", encoding="utf-8")
    (tmp_path / "book" / "index.rst").write_text("Title\n=====\n", encoding="utf-8")
    with docutils_namespace(), pytest.raises(ExtensionError, match="cannot cite the article"):
        Sphinx(
            str(tmp_path),
            None,
            str(tmp_path / "_build"),
            str(tmp_path / "_doctrees"),
            "html",
            confoverrides={
                "source_suffix": {".rst": "restructuredtext"},
                "extensions": ["sphinxcontrib.bibtex", "citation_meta"],
                "root_doc": "book/index",
                "bibtex_bibfiles": ["book/refs.bib"],
            },
            status=io.StringIO(),
            warning=io.StringIO(),
        )


def test_card_is_current_compares_modification_times(tmp_path: Path) -> None:
    import os

    source, card = tmp_path / "metadata.yml", tmp_path / "card.png"
    source.write_text("title: x\n")
    assert not cm.card_is_current(card, [source])  # no card yet
    card.write_bytes(b"png")
    os.utime(source, (1_000, 1_000))
    os.utime(card, (2_000, 2_000))
    assert cm.card_is_current(card, [source])
    os.utime(source, (3_000, 3_000))  # the metadata changed after the card was drawn
    assert not cm.card_is_current(card, [source])
