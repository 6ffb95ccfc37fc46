"""On the web, a tap or click on a figure opens it full size on a page of its own, made for zooming.

Sphinx links an image to its full-size file only when the image was given a size. In the HTML
build every figure image without one gets its own width in pixels (so a desktop shows it at the
size it was drawn, and a phone, where book.css caps it at the column's width, shrinks it), and
Sphinx adds the link. The link then leads, instead of to the bare image file (which a phone shows
smaller than in the page, with no way to fit it), to a small page: the image as wide as the screen,
which a reader can pinch to zoom, its caption and a link back to the chapter. The LaTeX build is
left alone, where a forced width would push tall figures off the page.

- doctree-resolved: sizes the figure images of HTML pages;
- html-page-context: points each figure's link at its viewer page, `_images/<image name>.html`,
  and records what that page shows;
- build-finished: writes the viewer pages.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

SIZE_OPTIONS = ("scale", "width", "height")
IMAGE_DIR = "_images"
IMAGE_LINK = re.compile(
    r'<a class="reference internal image-reference" href="(?P<href>[^"]*?'
    + IMAGE_DIR
    + r'/(?P<name>[^"/]+))">\s*(?P<img><img\b[^>]*>)'
)
FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)
CAPTION = re.compile(r"<figcaption>(.*?)</figcaption>", re.S)
ALT = re.compile(r'\balt="([^"]*)"')
TAGS = re.compile(r"<[^>]+>")
HEADER_LINK = re.compile(r'<a class="headerlink".*?</a>', re.S)

VIEWER = """<!DOCTYPE html>
<html lang="{language}">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta name="robots" content="noindex" />
  <title>{title}</title>
  <style>
    body {{ margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #222; background: #fff; }}
    img {{ display: block; width: 100%; height: auto; max-height: 100vh; object-fit: contain; }}
    main > p, footer {{ margin: 0.75rem 1rem; }}
    footer {{ font-size: 0.85rem; color: #555; }}
    @media (prefers-color-scheme: dark) {{
      body {{ color: #ddd; background: #121212; }}
      a {{ color: #8ab4f8; }}
      img {{ background: #fff; }}
      footer {{ color: #aaa; }}
    }}
  </style>
</head>
<body>
  <main>
    <p><a href="{back}">← Back to {page}</a></p>
    <img src="{image}" alt="{alt}" />
    <p>{caption}</p>
  </main>
  <footer>{project} · Version {version} · Pinch or zoom to read the details.</footer>
</body>
</html>
"""


def natural_width(app: Sphinx, image: nodes.image) -> str:
    """The width an image was drawn at, in CSS pixels ("100%" when it cannot be read)."""
    from page_speed import image_size

    uri = image.get("candidates", {}).get("image/svg+xml") or image.get("uri", "")
    size = image_size(Path(app.srcdir) / uri) if uri else None
    return f"{size[0]}px" if size else "100%"


def make_figures_zoomable(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give every unsized figure image in an HTML page the width it was drawn at."""
    if app.builder.format != "html":
        return
    for figure in doctree.findall(nodes.figure):
        for image in figure.findall(nodes.image):
            if not any(option in image for option in SIZE_OPTIONS):
                image["width"] = natural_width(app, image)


def viewer_name(image_name: str) -> str:
    """File name of an image's viewer page."""
    return f"{image_name}.html"


def plain(fragment: str) -> str:
    """Text of an HTML fragment, escaped again for HTML."""
    return html.escape(" ".join(html.unescape(TAGS.sub(" ", fragment)).split()))


def link_viewers(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Point figure links at their viewer pages and record what each viewer shows."""
    body = context.get("body")
    if not isinstance(body, str) or "image-reference" not in body:
        return
    viewers = app.builder.__dict__.setdefault("book_figure_viewers", {})
    page_url = posixpath.relpath(f"{pagename}.html", IMAGE_DIR)
    title = plain(context.get("title", ""))

    def one_figure(figure: re.Match) -> str:
        text = figure.group(0)
        caption = CAPTION.search(text)
        caption_text = plain(HEADER_LINK.sub("", caption.group(1))) if caption else ""

        def relink(link: re.Match) -> str:
            name = link.group("name")
            alt = ALT.search(link.group("img"))
            viewers[name] = {
                "alt": alt.group(1) if alt else "",
                "caption": caption_text,
                "page": title,
                "back": page_url,
            }
            href = link.group("href")[: -len(name)] + viewer_name(name)
            return link.group(0).replace(f'href="{link.group("href")}"', f'href="{href}"', 1)

        return IMAGE_LINK.sub(relink, text)

    context["body"] = FIGURE.sub(one_figure, body)


def write_viewers(app: Sphinx, exception: Exception | None) -> None:
    """Write the viewer page of every figure linked by the pages written in this build."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / IMAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, shown in getattr(app.builder, "book_figure_viewers", {}).items():
        page = VIEWER.format(
            language=html.escape(app.config.language or "en"),
            title=f"Figure: {shown['page']}",
            back=html.escape(shown["back"]),
            page=shown["page"],
            image=html.escape(name),
            alt=shown["alt"],
            caption=shown["caption"],
            project=html.escape(app.config.project),
            version=html.escape(app.config.release),
        )
        (folder / viewer_name(name)).write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", make_figures_zoomable)
    app.connect("html-page-context", link_viewers)
    app.connect("build-finished", write_viewers)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "2"}
