"""Small fixes to the HTML that the theme and its extensions write, so pages pass a browser audit.

1. sphinx-thebe 0.3.1 registers its inline configuration script twice (once with filename None,
   once with ""), so each page declares ``const THEBE_JS_URL`` twice and the browser throws
   "Identifier 'THEBE_JS_URL' has already been declared". The first copy of each script is kept.
2. docutils writes a bibliography as ``<div role="list">`` holding ``<div role="doc-biblioentry">``
   items. That role is deprecated in ARIA 1.2 and is not a list item, so axe-core reports
   aria-required-children (critical) on the references list. The entries become list items.
The toggles of hidden code cells are written by code_cells.py (no aria-label, valid markup).
"""

from sphinx.application import Sphinx

DEPRECATED_ENTRY_ROLE = 'role="doc-biblioentry"'
LIST_ITEM_ROLE = 'role="listitem"'


def script_key(script: object) -> tuple:
    """What makes two scripts the same: their source file and their attributes (inline body)."""
    # An inline script is registered with filename None by some extensions and "" by others.
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {})
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def unique_scripts(scripts: list) -> list:
    """The scripts in their order, without repeats."""
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    """Drop repeated scripts, give bibliography entries a valid role."""
    if context.get("script_files"):
        context["script_files"] = unique_scripts(context["script_files"])
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = body.replace(DEPRECATED_ENTRY_ROLE, LIST_ITEM_ROLE)


def setup(app: Sphinx) -> dict:
    # Run after the other extensions' handlers (default priority 500) have added their scripts.
    app.connect("html-page-context", fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
