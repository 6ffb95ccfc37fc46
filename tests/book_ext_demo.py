"""A made-up book for the tests of the extensions in book/_ext (not the real one: its values are
written out in the tests), and small Sphinx builds with them (myst-parser pages, no notebook
execution). conftest.py puts book/_ext on the import path and builds this book once per run
(fixtures `demo_build` and `demo_latex_build`)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import nbformat
import yaml
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx.application import Sphinx

REPO_ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = REPO_ROOT / "book" / "_ext"
# The extensions that apply book/metadata.yml, in the order of _config.yml.
BOOK_EXTENSIONS = [
    "book_config",
    "site_addresses",
    "social_card",
    "chapter_sections",
    "analysis_wheel",
    "scholar_tags",
]

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

# The demo's package: the wheel that "Rerun this chapter" installs (a stand-in file, never opened).
PYPROJECT = """[project]
name = "demo-analysis"
version = "1.2.3"
"""
DEMO_WHEEL = "demo_analysis-1.2.3-py3-none-any.whl"

DEMO_CONFIG = {
    "extensions": ["myst_parser", "sphinxcontrib.bibtex", *BOOK_EXTENSIONS],
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


def parse_rst(text: str) -> nodes.document:
    """A docutils document from reStructuredText."""
    settings = get_default_settings(Parser)
    settings.report_level = 5
    document = new_document("test", settings)
    Parser().parse(text, document)
    return document


def start_sphinx(
    src: Path, overrides: dict, builder: str = "html", warning: io.StringIO | None = None
) -> Sphinx:
    """A Sphinx application on `src` (call inside docutils_namespace())."""
    return Sphinx(
        str(src),
        None,
        str(src / "_build" / builder),
        str(src / "_build" / "doctrees"),
        builder,
        # A dict of our own: Sphinx adds the extensions' suffixes to the source_suffix it is
        # given, and would otherwise change its shared default for later builds in this run.
        confoverrides={"source_suffix": {".rst": "restructuredtext"}, **overrides},
        status=io.StringIO(),
        warning=warning if warning is not None else io.StringIO(),
        freshenv=True,
    )


def run_sphinx(src: Path, overrides: dict, builder: str = "html") -> str:
    """Build `src` with Sphinx (docutils registries restored afterwards); return its warnings."""
    from sphinx.util.docutils import docutils_namespace

    warnings = io.StringIO()
    with docutils_namespace():
        start_sphinx(src, overrides, builder, warnings).build()
    return warnings.getvalue()


def write_demo_book(src: Path) -> None:
    """The demo book's sources in `src`: metadata, redirects, BibTeX, three pages, a pyproject.toml
    and the wheel that `make wheel` would have built from it."""
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
    (src / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (src / "_build" / "dist").mkdir(parents=True)
    (src / "_build" / "dist" / DEMO_WHEEL).write_bytes(b"stand-in for make wheel")
    # The executed notebook that myst-nb would leave for the theme to offer as a download.
    executed = src / "_build" / "jupyter_execute" / "book" / "part1" / "chapter.ipynb"
    executed.parent.mkdir(parents=True)
    executed.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
