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
    pybtex_plugins.installed_entry_points.cache_clear()
    monkeypatch.setattr(pybtex_plugins, "_scan", counting_scan)
    pybtex_plugins.setup(SimpleNamespace())
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
