"""pybtex's plugin lookups and formatted entries, remembered.

1. sphinxcontrib-bibtex looks up its pybtex style plugins again for every citation it resolves
   (`pybtex.plugin.find_plugin`), and each lookup not registered at run time scans every installed
   package's entry points (`importlib.metadata.entry_points`): about 850 scans per build, 7 s of a
   clean build's serial part. The installed packages do not change during a build, so the entry
   points found for a (group, name) are kept after the first scan. Plugins registered at run time
   (`pybtex.plugin.register_plugin`) are still looked up first, as before.
2. On every build, even when no page changed, sphinxcontrib-bibtex formats each entry of the
   bibliography again, twice (the reference and its tooltip): about 2 s of a 4 s no-change
   rebuild. A formatted entry depends on the style (its class and settings), the label and the
   entry's type, fields and names, and on the versions of pybtex and sphinxcontrib-bibtex; keyed by
   all of these, formatted entries are kept in the doctree folder between builds
   (`.pybtex-formatted.pickle`) and computed again whenever any of them differs.
"""

from __future__ import annotations

import functools
import pickle
from importlib.metadata import entry_points as _scan  # what pybtex.plugin calls (Python >= 3.10)
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pybtex.plugin
from pybtex.style.formatting import BaseStyle
from sphinx.application import Sphinx

CACHE_FILE = ".pybtex-formatted.pickle"


@functools.cache
def installed_entry_points(group: str, name: str) -> tuple[Any, ...]:
    """The installed entry points of `group` called `name` (scanned once per process)."""
    return tuple(_scan(group=group, name=name))


def entry_points(*, group: str, name: str) -> tuple[Any, ...]:
    """Stands for `importlib.metadata.entry_points` in pybtex.plugin (which calls it only with
    a group and a name)."""
    return installed_entry_points(group, name)


def versions() -> tuple[str, str]:
    return version("pybtex"), version("sphinxcontrib-bibtex")


def style_key(style: BaseStyle) -> tuple:
    """A style's class and settings (its plugin settings by class, as their instances hold no
    state of their own)."""
    settings = []
    for name, value in sorted(vars(style).items()):
        if callable(value) and not isinstance(value, type):
            continue  # bound methods of the style's plugins (format_name, sort...)
        if isinstance(value, bool | int | float | str | type(None)):
            settings.append((name, value))
        else:
            settings.append((name, f"{type(value).__module__}.{type(value).__qualname__}"))
    return (f"{type(style).__module__}.{type(style).__qualname__}", tuple(settings))


def entry_key(entry: Any) -> tuple:
    """Everything of a pybtex entry that formatting reads: type, fields and names."""
    return (
        entry.key,
        entry.type,
        tuple((name, str(value)) for name, value in entry.fields.items()),
        tuple((role, tuple(str(person) for person in people))
              for role, people in entry.persons.items()),
    )


class FormattedEntries:
    """Formatted entries by (style, label, entry), loaded from and saved to `path`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[tuple, Any] = {}
        self.used: dict[tuple, Any] = {}
        self.computed = 0
        if path is not None and path.is_file():
            try:
                stored_versions, entries = pickle.loads(path.read_bytes())
            except Exception:  # noqa: BLE001 - an unreadable cache is formatted again
                return
            if stored_versions == versions():
                self.entries = entries

    def format(self, original: Any, style: BaseStyle, label: str, entry: Any) -> Any:
        key = (style_key(style), label, entry_key(entry))
        if key not in self.entries:
            self.entries[key] = original(style, label, entry)
            self.computed += 1
        self.used[key] = self.entries[key]
        return self.entries[key]

    def save(self) -> None:
        """Keep the entries this build used (so the file does not grow with every edit)."""
        if self.path is None or (self.computed == 0 and self.used.keys() == self.entries.keys()):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(pickle.dumps((versions(), self.used)))


_original_format_entry = BaseStyle.format_entry
_formatted: FormattedEntries | None = None


def format_entry(self: BaseStyle, label: str, entry: Any, bib_data: Any = None) -> Any:
    """BaseStyle.format_entry, through the build's FormattedEntries when there is one."""
    if _formatted is None or bib_data is not None:
        return _original_format_entry(self, label, entry, bib_data)
    return _formatted.format(_original_format_entry, self, label, entry)


def load(app: Sphinx) -> None:
    global _formatted
    _formatted = FormattedEntries(Path(app.doctreedir) / CACHE_FILE)


def save(app: Sphinx, exception: Exception | None) -> None:
    global _formatted
    if _formatted is not None and exception is None:
        _formatted.save()
    _formatted = None


def setup(app: Sphinx) -> dict:
    pybtex.plugin.entry_points = entry_points
    BaseStyle.format_entry = format_entry
    app.connect("builder-inited", load)
    app.connect("build-finished", save)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
