"""Re-read (and so re-execute) every notebook page when a data file or the analysis package changes.

Sphinx re-reads a page when its own source changes or when a file it depends on is newer than the
page's last read. Each page therefore records every file under data/ and analysis/ as a dependency.
"""

from pathlib import Path

from sphinx.application import Sphinx

WATCHED = ("data", "analysis")
SUFFIXES = {".csv", ".json", ".py"}


def watched_files(root: Path) -> list[Path]:
    """Every data file and module whose change must re-execute the notebooks."""
    return sorted(
        path
        for folder in WATCHED
        for path in (root / folder).rglob("*")
        if path.suffix in SUFFIXES and "__pycache__" not in path.parts
    )


def note_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    """Record the watched files as dependencies of the page being read."""
    for path in watched_files(Path(app.srcdir)):
        app.env.note_dependency(str(path))


def setup(app: Sphinx) -> dict:
    app.connect("source-read", note_dependencies)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
