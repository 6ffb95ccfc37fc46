"""The `analysis` package, with its data, as a wheel at the root of the site.

`make wheel` (which `make book` runs first) builds the wheel into `_build/dist/`, the sibling of the
HTML output; in an HTML build this extension copies it to the site root, where the recipe of each
chapter's "Rerun this chapter" section (chapter_sections) points. The file name follows from the
name and version in pyproject.toml (`wheel_filename`). An HTML build of the book without the wheel
warns, so a strict build fails rather than publish a recipe that points at nothing. Without
pyproject.toml or book/metadata.yml (the tiny books of the tests) it does nothing.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from book_metadata import app_metadata
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

PYPROJECT = "pyproject.toml"
# Where `make wheel` writes the wheel, relative to the folder of the HTML output.
DIST_FOLDER = "dist"


def wheel_filename(pyproject: Path) -> str:
    """The name of the pure-Python wheel that pyproject.toml describes (PEP 427 naming)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    name = re.sub(r"[-_.]+", "_", project["name"]).lower()
    return f"{name}-{project['version']}-py3-none-any.whl"


def book_wheel(app: Sphinx) -> str | None:
    """The wheel's file name for this book, or None when the book has no pyproject.toml."""
    pyproject = Path(app.srcdir) / PYPROJECT
    return wheel_filename(pyproject) if pyproject.is_file() else None


def publish_wheel(app: Sphinx) -> None:
    """In an HTML build, copy the wheel built by `make wheel` to the root of the site."""
    name = book_wheel(app)
    if app.builder.format != "html" or name is None:
        return
    wheel = Path(app.outdir).parent / DIST_FOLDER / name
    if not wheel.is_file():
        logger.warning(
            "analysis_wheel: no %s: run `make wheel` (make book does) so that the recipe of "
            '"Rerun this chapter" can install the analysis package',
            wheel,
        )
        return
    app.config.html_extra_path.append(str(wheel))


def setup(app: Sphinx) -> dict:
    extension = {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
    if app_metadata(app) is None:
        return extension
    app.connect("builder-inited", publish_wheel)
    return extension
