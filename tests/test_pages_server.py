"""scripts/pages_server.py serves the book as GitHub Pages does: gzip, cache headers, 304s."""

from __future__ import annotations

import gzip
import sys
import urllib.request
from pathlib import Path

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from pages_server import CACHE_CONTROL, content_type, serving  # noqa: E402


def fetch(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_serves_gzip_with_cache_headers(tmp_path: Path) -> None:
    page = "<!DOCTYPE html><title>t</title>" + "<p>text</p>" * 100
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    (tmp_path / "404.html").write_text("<p>missing</p>", encoding="utf-8")
    with serving(tmp_path) as base:
        response = fetch(base, **{"Accept-Encoding": "gzip"})
        assert response.status == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Cache-Control"] == CACHE_CONTROL
        assert gzip.decompress(response.read()).decode() == page
        etag = response.headers["ETag"]
        assert fetch(base + "index.html", **{"If-None-Match": etag}).status == 304
        plain = fetch(base + "index.html")
        assert plain.headers.get("Content-Encoding") is None and plain.read().decode() == page
        assert fetch(base + "nothing.html").status == 404
        assert fetch(base + "../../etc/passwd").status == 404


def test_content_types() -> None:
    assert content_type(Path("a.js")) == "text/javascript"
    assert content_type(Path("a.svg")) == "image/svg+xml"
    assert content_type(Path("a.css")) == "text/css"
