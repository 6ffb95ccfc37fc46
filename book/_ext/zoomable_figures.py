"""On the web, a tap or click on a figure opens its full-size image, which a phone can then zoom.

Sphinx links an image to its full-size file only when the image was given a size. In the HTML build
every figure image without one gets `width: 100%` (the width it is shown at anyway), so that Sphinx
adds the link; the LaTeX build is left alone, where a forced width would push tall figures off the
page.
"""

from docutils import nodes
from sphinx.application import Sphinx

SIZE_OPTIONS = ("scale", "width", "height")


def make_figures_zoomable(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give every unsized figure image in an HTML page the width it is displayed at."""
    if app.builder.format != "html":
        return
    for figure in doctree.findall(nodes.figure):
        for image in figure.findall(nodes.image):
            if not any(option in image for option in SIZE_OPTIONS):
                image["width"] = "100%"


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", make_figures_zoomable)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
