"""Pages that open fast on a phone: one small stylesheet, no blocking script, sized lazy figures.

Measured with Lighthouse (`make lighthouse`), a chapter scored 45-51 on a simulated phone: the
theme's 1.45 MiB fontawesome.js, a 388 KiB stylesheet (about 91 % unused) and twenty other files
blocked the first paint, the search index was loaded by every page, and figures had no size. This
extension, with book/_templates/layout.html (which drops fontawesome.js and the search scripts
outside the search page), makes the pages light:

- html-page-context: every script is deferred, but on the search page (inline snippets that need
  the deferred DOCUMENTATION_OPTIONS run when the document is parsed); sphinx-thebe's scripts
  are dropped (the book has no live-code button); the page links one stylesheet,
  `_static/styles/site.css`; figure images get their width and height (no layout shift) and,
  except the first of a page, load lazily.
- build-finished: writes `site.css`: the theme's and extensions' stylesheets in their order, less
  every rule whose selector names a class, id or element that appears neither in a page of the
  site nor in a script it loads (so rules for states scripts add are kept); and replaces the
  Font Awesome web fonts (about 400 KiB) by subsets holding only the icons the stylesheet uses.
  Icons are drawn by these fonts; fontawesome.js only redrew them as inline SVG.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

SITE_CSS = "_static/styles/site.css"
FONT_DIR = "_static/fonts"
# The theme's stylesheets that its layout links before Sphinx's own list (head_pre_assets).
THEME_CSS = ("_static/styles/theme.css", "_static/styles/pydata-sphinx-theme.css")
# Scripts of sphinx-thebe: only a "live code" launch button would use them.
THEBE = ("sphinx-thebe.js", "THEBE_JS_URL")
IMG_TAG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')
SVG_SIZE = re.compile(
    r"<svg\b[^>]*?\bwidth=\"([\d.]+)(pt|px)?\"[^>]*?\bheight=\"([\d.]+)(pt|px)?\"", re.S
)
PX_PER = {"pt": 4 / 3, "px": 1.0, None: 1.0, "": 1.0}


# --- scripts ---------------------------------------------------------------------------------


def deferred_scripts(scripts: list) -> list:
    """The page's scripts: files deferred, inline snippets that need Sphinx's options delayed."""
    from sphinx.builders.html._assets import _JavaScript

    result = []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""
        attributes = dict(getattr(script, "attributes", {}))
        body = attributes.get("body", "")
        if any(mark in str(filename) or mark in body for mark in THEBE):
            continue
        if filename:
            if "async" not in attributes:
                attributes["defer"] = "defer"
            result.append(_JavaScript(filename, priority=script.priority, **attributes))
        elif "DOCUMENTATION_OPTIONS" in body:
            attributes["body"] = (
                f'document.addEventListener("DOMContentLoaded", () => {{ {body} }});'
            )
            result.append(_JavaScript(None, priority=script.priority, **attributes))
        else:
            result.append(script)
    return result


# --- figures ---------------------------------------------------------------------------------


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height in CSS pixels of an SVG (from its root element) or a PNG, or None."""
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    match = SVG_SIZE.search(head.decode("utf-8", errors="replace"))
    if match is None:
        return None
    width, w_unit, height, h_unit = match.groups()
    return round(float(width) * PX_PER[w_unit]), round(float(height) * PX_PER[h_unit])


def image_sources(app: Sphinx) -> dict[str, Path]:
    """Each file of _images/ (by name) and the source file Sphinx copies it from."""
    return {
        name: Path(app.srcdir) / source for source, name in app.builder.images.items()
    }


def size_images(body: str, sources: dict[str, Path]) -> str:
    """Give every <img> of _images/ its width and height; load all but the first lazily."""
    seen = 0

    def fix(match: re.Match) -> str:
        nonlocal seen
        tag = match.group(0)
        src = SRC.search(tag)
        if not src or "/_images/" not in "/" + src.group(1):
            return tag
        seen += 1
        size = image_size(sources.get(posixpath.basename(src.group(1)), Path()))
        extra = ""
        if size and " width=" not in tag:
            extra += f' width="{size[0]}" height="{size[1]}"'
        if seen > 1 and " loading=" not in tag:
            extra += ' loading="lazy"'
        if " decoding=" not in tag:
            extra += ' decoding="async"'
        return tag[:-2] + extra + " />" if tag.endswith("/>") else tag[:-1] + extra + ">"

    return IMG_TAG.sub(fix, body)


# --- the page --------------------------------------------------------------------------------


def bundled_css(app: Sphinx) -> list[str]:
    """The stylesheets site.css replaces, in the order pages linked them (paths in the output)."""
    names = list(THEME_CSS)
    for css in app.builder.css_files:
        filename = str(getattr(css, "filename", css))
        if filename and "://" not in filename and filename not in names:
            names.append(filename)
    return names


def fast_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Deferred scripts, one stylesheet, sized and lazy figures."""
    from sphinx.builders.html._assets import _CascadingStyleSheet

    # The search page's own scripts (searchtools.js) run at once and need doctools.js: not deferred.
    if context.get("script_files") and pagename != "search":
        context["script_files"] = deferred_scripts(context["script_files"])
    bundled = set(bundled_css(app))
    others = [
        css
        for css in context.get("css_files", [])
        if str(getattr(css, "filename", css)) not in bundled
    ]
    # Sphinx adds ?v=<checksum> of the site.css an earlier build left (Sphinx checks nothing else).
    site = _CascadingStyleSheet(SITE_CSS, priority=0, rel="stylesheet")
    context["css_files"] = [site, *others]
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = size_images(body, image_sources(app))


# --- the stylesheet --------------------------------------------------------------------------

URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]([^'\"]+)['\"]\s*\)?\s*;")
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
ID = re.compile(r"#(-?[_a-zA-Z][\w-]*)")
TAG = re.compile(r"(?:^|[\s>+~(])([a-zA-Z][\w-]*)")
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
WORD = re.compile(r"[A-Za-z_][\w-]*")
PRIVATE_USE = re.compile(r"\\([eEfF][0-9a-fA-F]{3})\b")


def read_css(outdir: Path, name: str, target: str) -> str:
    """A stylesheet of the output with its imports inlined and urls made relative to `target`."""
    path = outdir / name
    text = path.read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        imported = posixpath.normpath(posixpath.join(posixpath.dirname(name), match.group(1)))
        return read_css(outdir, imported, target)

    def relocate(match: re.Match) -> str:
        url = match.group(2).strip()
        if re.match(r"^(data:|[a-z]+://|/|#)", url):
            return match.group(0)
        absolute = posixpath.normpath(posixpath.join(posixpath.dirname(name), url))
        return f'url("{posixpath.relpath(absolute, posixpath.dirname(target))}")'

    return URL.sub(relocate, IMPORT.sub(inline, text))


def without_functional_pseudos(selector: str) -> str:
    """A selector without its :not(...) and :has(...) parts (not needed for it to match)."""
    out, i = [], 0
    while i < len(selector):
        match = re.match(r":(not|has)\(", selector[i:])
        if not match:
            out.append(selector[i])
            i += 1
            continue
        depth, j = 0, i + len(match.group(0)) - 1
        while j < len(selector):
            depth += {"(": 1, ")": -1}.get(selector[j], 0)
            if depth == 0:
                break
            j += 1
        i = j + 1
    return "".join(out)


def split_selectors(prelude: str) -> list[str]:
    """The selectors of a rule's comma-separated list."""
    parts, depth, current = [], 0, []
    for char in prelude:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


class Vocabulary:
    """The classes, ids and element names the pages and their scripts may use."""

    def __init__(self, html: str, scripts: str) -> None:
        words = set(WORD.findall(scripts))
        self.classes = {
            name for value in re.findall(r'class="([^"]*)"', html) for name in value.split()
        } | words
        self.ids = set(re.findall(r'id="([^"]*)"', html)) | words
        self.tags = {t.lower() for t in re.findall(r"<([a-zA-Z][\w-]*)", html)} | {
            w.lower() for w in words
        }
        # Scripts build names such as "bs-tooltip-" + placement.
        self.prefixes = tuple(w for w in words if w.endswith("-") and len(w) > 3)

    def has_class(self, name: str) -> bool:
        return name in self.classes or name.startswith(self.prefixes)

    def may_match(self, selector: str) -> bool:
        """Whether an element of some page could match the selector (never a false no)."""
        core = ATTRIBUTE.sub("", without_functional_pseudos(selector))
        core = re.sub(r"::?[\w-]+(\([^)]*\))?", "", core)
        return (
            all(self.has_class(name) for name in CLASS.findall(core))
            and all(name in self.ids for name in ID.findall(core))
            and all(name.lower() in self.tags for name in TAG.findall(core))
        )


def prune(rules: list, vocabulary: Vocabulary) -> list:
    """The rules that may apply to the site (at-rules kept, their contents pruned)."""
    import tinycss2

    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            prelude = tinycss2.serialize(rule.prelude)
            if any(vocabulary.may_match(s) for s in split_selectors(prelude)):
                kept.append(rule)
        elif rule.type == "at-rule":
            if rule.lower_at_keyword in ("media", "supports", "layer", "container") and (
                rule.content is not None
            ):
                inner = tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                inner = prune(inner, vocabulary)
                if inner:
                    newline = tinycss2.ast.WhitespaceToken(0, 0, "\n")
                    rule.content = [token for r in inner for token in (r, newline)]
                    kept.append(rule)
            else:
                kept.append(rule)
    return kept


def subset_icon_fonts(css: str, outdir: Path) -> str:
    """Replace the Font Awesome fonts by subsets with the stylesheet's icons (WOFF files)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # Icons are Unicode private-use characters, written as such or as CSS escapes (\f0c9).
    codepoints = {int(code, 16) for code in PRIVATE_USE.findall(css)}
    codepoints |= {ord(char) for char in css if 0xE000 <= ord(char) <= 0xF8FF}
    fonts = sorted(set(re.findall(r"url\(\"?([^\")]*fa-[\w-]+\.ttf)\"?\)", css)))
    css_dir = posixpath.dirname(SITE_CSS)
    (outdir / FONT_DIR).mkdir(parents=True, exist_ok=True)
    for font_url in fonts:
        source = outdir / posixpath.normpath(posixpath.join(css_dir, font_url))
        font = TTFont(source)
        available = set(font.getBestCmap())
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(codepoints & available) or [0x20])
        subsetter.subset(font)
        stem = Path(font_url).stem
        target = f"{FONT_DIR}/{stem}.subset.woff"
        font.flavor = "woff"
        font.save(outdir / target)
        woff2 = font_url[:-4] + ".woff2"
        new_src = f'url("{posixpath.relpath(target, css_dir)}") format("woff")'
        css = re.sub(
            r"src:\s*url\(\"?"
            + re.escape(woff2)
            + r"\"?\)\s*format\([^)]*\)\s*,\s*url\(\"?"
            + re.escape(font_url)
            + r"\"?\)\s*format\([^)]*\)",
            "src:" + new_src,
            css,
        )
    return css


def write_site_css(app: Sphinx, exception: Exception | None) -> None:
    """Bundle, prune and write the site's one stylesheet, with its icon fonts."""
    if exception is not None or app.builder.format != "html":
        return
    import tinycss2

    outdir = Path(app.outdir)
    names = [name for name in bundled_css(app) if (outdir / name).is_file()]
    full = "\n".join(read_css(outdir, name, SITE_CSS) for name in names)
    pages = [
        p for p in outdir.rglob("*.html") if "_static" not in p.relative_to(outdir).parts
    ]
    html = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in pages)
    scripts = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (outdir / "_static").rglob("*.js")
        if p.name != "fontawesome.js" and "locales" not in p.parts
    )
    # The stylesheet depends only on the stylesheets, pages and scripts read above (and this
    # module): when none changed and the output is there, a rebuild keeps it (seconds saved).
    import hashlib

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for part in (full, html, scripts):
        digest.update(part.encode("utf-8", errors="replace") + b"\0")
    key_file = Path(app.doctreedir) / f"{SITE_CSS.replace('/', '_')}.key"
    if (outdir / SITE_CSS).is_file() and key_file.is_file() and \
            key_file.read_text(encoding="utf-8") == digest.hexdigest():
        logger.info("page_speed: %s unchanged", SITE_CSS)
        return
    rules = tinycss2.parse_stylesheet(full, skip_comments=True, skip_whitespace=True)
    kept = prune(rules, Vocabulary(html, scripts))
    css = "\n".join(tinycss2.serialize([rule]) for rule in kept)
    css = subset_icon_fonts(css, outdir)
    (outdir / SITE_CSS).write_text(css, encoding="utf-8")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(digest.hexdigest(), encoding="utf-8")
    logger.info(
        "page_speed: %s: %d of %d bytes of CSS kept", SITE_CSS, len(css), len(full)
    )


def setup(app: Sphinx) -> dict:
    # After html_fixes (900), which removes repeated scripts.
    app.connect("html-page-context", fast_page, priority=950)
    # Last: pydata-sphinx-theme rewrites pygments.css (light and dark styles) on build-finished.
    app.connect("build-finished", write_site_css, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
