"""The book's metadata into the Sphinx configuration (book/_ext/book_config.py): the footer, the
substitutions pages use, and _config.yml, which must not repeat the metadata."""

from __future__ import annotations

from pathlib import Path

import book_config as bc
import pytest
import yaml
from book_ext_demo import BOOK_EXTENSIONS, DEMO, REPO_ROOT
from book_metadata import BookMetadata, parse_metadata


@pytest.fixture()
def meta() -> BookMetadata:
    return parse_metadata(DEMO)


def test_footer_shows_the_version(meta: BookMetadata) -> None:
    footer = bc.footer_html(meta)
    assert "Version 1.2.3 (2025-03-04)" in footer
    assert 'href="https://github.com/example/demo/blob/trunk/CHANGELOG.md"' in footer


def test_substitutions(meta: BookMetadata) -> None:
    assert bc.substitutions(meta) == {
        "book_version": "1.2.3",
        "book_repository": "[https://github.com/example/demo](https://github.com/example/demo)",
        "book_changelog": "[changelog](https://github.com/example/demo/blob/trunk/CHANGELOG.md)",
    }


def test_config_does_not_repeat_the_metadata() -> None:
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert not {"title", "author", "copyright"} & set(config)
    assert "baseurl" not in (config.get("html") or {})
    assert not {"url", "branch"} & set(config.get("repository") or {})
    # The extensions that apply the metadata, in the order the tests' demo book uses.
    listed = list(config["sphinx"]["local_extensions"])
    assert [name for name in listed if name in BOOK_EXTENSIONS] == BOOK_EXTENSIONS


def test_demo_pages_show_the_version(demo_build: tuple[Path, str]) -> None:
    for name in ("index", "appendix", "part1/chapter"):
        page = (demo_build[0] / "book" / f"{name}.html").read_text(encoding="utf-8")
        assert "Version 1.2.3 (2025-03-04)" in page


def test_demo_pages_can_use_the_metadata(demo_build: tuple[Path, str]) -> None:
    page = (demo_build[0] / "book" / "appendix.html").read_text(encoding="utf-8")
    changelog = "https://github.com/example/demo/blob/trunk/CHANGELOG.md"
    assert "This is version 1.2.3 of the book" in page
    assert f'<a class="reference external" href="{changelog}">changelog</a>' in page
