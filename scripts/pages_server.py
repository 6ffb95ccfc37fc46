"""Serve the built book on 127.0.0.1 as GitHub Pages serves it: gzip and the same cache headers.

GitHub Pages compresses text files (HTML, CSS, JavaScript, SVG, JSON) with gzip for clients that
accept it, sends `Cache-Control: max-age=600`, an ETag and Last-Modified, and answers a repeated
request with 304. Speed measurements (`make lighthouse`, tests/test_lighthouse.py) and the browser
tests use this server, so they see the book as its readers do. `make serve` uses it too.

Usage: python scripts/pages_server.py [--port 8000] [DIRECTORY]
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import http.server
import mimetypes
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

CACHE_CONTROL = "max-age=600"
COMPRESSED_TYPES = {
    "text/html",
    "text/css",
    "text/plain",
    "text/xml",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
}
# Files smaller than this are sent as they are (gzip would not save a packet).
MIN_COMPRESSED_SIZE = 256


@lru_cache(maxsize=1024)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The gzip of a file (cached per path and version)."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


def content_type(path: Path) -> str:
    """MIME type of a file by its suffix (JavaScript as text/javascript, as browsers expect)."""
    if path.suffix in (".js", ".mjs"):
        return "text/javascript"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with gzip, Cache-Control, ETag and Last-Modified, like GitHub Pages."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _file(self) -> Path | None:
        """The file a request path names (a folder's index.html), or None."""
        root = Path(self.directory).resolve()
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        path = (root / relative).resolve()
        if root != path and root not in path.parents:
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def do_HEAD(self) -> None:  # noqa: N802 (the http.server interface)
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        path = self._file()
        if path is None:
            not_found = Path(self.directory) / "404.html"
            data = not_found.read_bytes() if not_found.is_file() else b"Not found"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            return
        stat = path.stat()
        kind = content_type(path)
        version = f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode()
        etag = '"' + hashlib.sha1(version).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", CACHE_CONTROL)
            self.end_headers()
            return
        compress = (
            kind.split(";")[0] in COMPRESSED_TYPES
            and stat.st_size >= MIN_COMPRESSED_SIZE
            and "gzip" in self.headers.get("Accept-Encoding", "")
        )
        data = (
            _gzipped(str(path), stat.st_mtime_ns, stat.st_size) if compress else path.read_bytes()
        )
        self.send_response(200)
        if kind.startswith("text/") or kind in COMPRESSED_TYPES:
            kind += "; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", CACHE_CONTROL)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("Vary", "Accept-Encoding")
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if body:
            self.wfile.write(data)


class PagesServer(http.server.ThreadingHTTPServer):
    """The threaded server, quiet when a browser drops a connection it no longer needs."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving(directory: Path, port: int = 0) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port by default) in a thread; yields the base URL."""
    handler = partial(PagesHandler, directory=str(directory))
    server = PagesServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, name="pages-server", daemon=True)
    thread.start()
    host, bound = server.server_address[:2]
    try:
        yield f"http://{host}:{bound}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="_build/html")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()
    handler = partial(PagesHandler, directory=args.directory)
    server = PagesServer(("127.0.0.1", args.port), handler)
    print(f"Serving {args.directory} at http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
