"""book/_ext/pybtex_plugins.py: pybtex's scans of installed entry points made once per build."""

from __future__ import annotations

from types import SimpleNamespace

import pybtex.plugin
import pybtex_plugins
import pytest


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    scans = []
    scan = pybtex_plugins._scan

    def counting_scan(*, group: str, name: str):
        scans.append((group, name))
        return scan(group=group, name=name)

    monkeypatch.setattr(pybtex.plugin, "entry_points", pybtex.plugin.entry_points)
    monkeypatch.setattr(pybtex_plugins.BaseStyle, "format_entry",
                        pybtex_plugins.BaseStyle.format_entry)
    pybtex_plugins.installed_entry_points.cache_clear()
    monkeypatch.setattr(pybtex_plugins, "_scan", counting_scan)
    connected = []
    pybtex_plugins.setup(SimpleNamespace(connect=lambda event, handler: connected.append(event)))
    assert connected == ["builder-inited", "build-finished"]
    yield scans
    pybtex_plugins.installed_entry_points.cache_clear()


def test_installed_plugins_are_found_as_before_and_scanned_once(patched) -> None:
    from pybtex.style.formatting.plain import Style

    assert pybtex.plugin.find_plugin("pybtex.style.formatting", "plain") is Style
    assert pybtex.plugin.find_plugin("pybtex.style.formatting", "plain") is Style
    assert patched == [("pybtex.style.formatting", "plain")]
    with pytest.raises(pybtex.plugin.PluginNotFound):
        pybtex.plugin.find_plugin("pybtex.style.formatting", "no-such-style")


def test_plugins_registered_at_run_time_still_come_first(patched) -> None:
    class Mine(pybtex.plugin.Plugin):
        pass

    pybtex.plugin.find_plugin("pybtex.style.labels", "alpha")  # scanned and remembered
    pybtex.plugin.register_plugin("pybtex.style.labels", "book-test-labels", Mine)
    try:
        assert pybtex.plugin.find_plugin("pybtex.style.labels", "book-test-labels") is Mine
    finally:
        pybtex.plugin._RUNTIME_PLUGINS["pybtex.style.labels"].pop("book-test-labels")


def formatted_html(style, entries, labels) -> list[str]:
    return [style.format_entry(label, entry).text.render_as("html")
            for label, entry in zip(labels, entries, strict=True)]


def test_formatted_entries_kept_between_builds_are_the_entries_pybtex_formats(tmp_path) -> None:
    # Every entry of the book's bibliography, formatted by pybtex itself and through the cache
    # written by one build and read by the next: the same HTML, entry by entry.
    from pathlib import Path

    from pybtex.database import parse_file

    entries = []
    for bib in ("references.bib", "sources.bib"):
        entries += list(parse_file(Path(__file__).parents[1] / "book" / bib).entries.values())
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()
    labels = [f"L{i}" for i in range(len(entries))]
    pybtex_plugins._formatted = None
    plain = formatted_html(style, entries, labels)
    cache = tmp_path / pybtex_plugins.CACHE_FILE
    try:
        pybtex_plugins.BaseStyle.format_entry = pybtex_plugins.format_entry
        pybtex_plugins._formatted = pybtex_plugins.FormattedEntries(cache)
        first = formatted_html(style, entries, labels)
        assert pybtex_plugins._formatted.computed == len(entries)
        pybtex_plugins._formatted.save()
        pybtex_plugins._formatted = pybtex_plugins.FormattedEntries(cache)
        second = formatted_html(style, entries, labels)
        assert pybtex_plugins._formatted.computed == 0  # all read from the file
        # A changed field is formatted again, not read from the file.
        entries[0].fields["title"] = "A title changed since the last build"
        changed = formatted_html(style, entries[:1], labels[:1])
        assert pybtex_plugins._formatted.computed == 1
    finally:
        pybtex_plugins.BaseStyle.format_entry = pybtex_plugins._original_format_entry
        pybtex_plugins._formatted = None
    assert plain == first == second
    assert "A title changed since the last build" in changed[0]


def test_an_unreadable_or_older_cache_is_ignored(tmp_path) -> None:
    import pickle

    cache = tmp_path / pybtex_plugins.CACHE_FILE
    cache.write_bytes(b"not a pickle")
    assert pybtex_plugins.FormattedEntries(cache).entries == {}
    cache.write_bytes(pickle.dumps((("0.0", "0.0"), {("k",): "stale"})))
    assert pybtex_plugins.FormattedEntries(cache).entries == {}
