"""pybtex's plugin lookup, remembered for the build.

sphinxcontrib-bibtex looks up its pybtex style plugins again for every citation it resolves
(`pybtex.plugin.find_plugin`), and each lookup not registered at run time scans every installed
package's entry points (`importlib.metadata.entry_points`): about 850 scans per build, 7 s of a
clean build's serial part. The installed packages do not change during a build, so the entry
points found for a (group, name) are kept after the first scan. Plugins registered at run time
(`pybtex.plugin.register_plugin`, as sphinxcontrib-bibtex does for its own styles) are still
looked up first, as before: only the scan of installed entry points is remembered.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points as _scan  # what pybtex.plugin calls (Python >= 3.10)
from typing import Any

import pybtex.plugin
from sphinx.application import Sphinx


@functools.cache
def installed_entry_points(group: str, name: str) -> tuple[Any, ...]:
    """The installed entry points of `group` called `name` (scanned once per process)."""
    return tuple(_scan(group=group, name=name))


def entry_points(*, group: str, name: str) -> tuple[Any, ...]:
    """Stands for `importlib.metadata.entry_points` in pybtex.plugin (which calls it only with
    a group and a name)."""
    return installed_entry_points(group, name)


def setup(app: Sphinx) -> dict:
    pybtex.plugin.entry_points = entry_points
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
