"""The built book in a real browser (headless Debian Chromium driven by Playwright).

Every page of the TOC (and the search page) is served from 127.0.0.1 and opened once; the tests
then check what a reader's browser saw: no console error, no uncaught exception, no request to any
other host, one visible <h1>, images with meaningful alt text, no serious or critical axe-core
finding, figures that fit a phone screen. Screenshots (desktop, each figure at phone width, print
media) are saved under `_build/screenshots/` for a person to review.

axe-core is vendored: tests/vendor/axe.min.js is npm `axe-core` (version in AXE_VERSION below,
MPL-2.0, licence in tests/vendor/axe-core-LICENSE.txt), so CI needs no npm. To update it:
`npm pack axe-core@<version>`, copy `package/axe.min.js` and `package/LICENSE` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import html_path, toc_docnames

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_VERSION = "4.14.1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
FAILING_IMPACTS = {"serious", "critical"}
# Theme-owned axe findings we could not fix, by rule id, with the reason. Each entry only excuses
# nodes whose target matches its selector pattern (never content the book writes).
# Fixed rather than allowed: the search and colour-mode buttons' label-content-name-mismatch
# (book/_templates overrides) and the bibliography's aria-required-children (book/_ext/html_fixes).
AXE_ALLOWED: dict[str, re.Pattern[str]] = {}
# Pages opened besides those of the TOC.
EXTRA_PAGES = ["search"]
PAGES = toc_docnames() + EXTRA_PAGES
LOCAL_HOSTS = {"127.0.0.1"}
NON_NETWORK_SCHEMES = {"data", "blob", "about"}
# A file name or path (`fig.svg`, `../../_images/3f2a.svg`), which myst-nb uses as the alt text of
# an image a code cell displays.
FILE_NAME = re.compile(r"(^|/)[^/\s]+\.(png|svg|jpe?g|gif|webp|pdf)$", re.IGNORECASE)
GENERIC_ALT = {"image", "figure", "picture", "graph", "chart", "plot", "img", "png", "svg"}


@dataclass
class PageAudit:
    """What the browser saw on one page."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    visible_h1: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    axe_violations: list[dict] = field(default_factory=list)
    phone_overflow: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)


def screenshot_name(docname: str) -> str:
    """File stem for a page's screenshots (`book/part1/x` -> `book__part1__x`)."""
    return docname.replace("/", "__")


def is_foreign(url: str) -> bool:
    """True for a request that leaves the machine (any host other than the local server)."""
    parts = urlsplit(url)
    if parts.scheme in NON_NETWORK_SCHEMES:
        return False
    return parts.hostname not in LOCAL_HOSTS


def alt_problem(alt: str | None, src: str) -> str | None:
    """Why an image's alt text is not meaningful, or None when it is."""
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt text"
    name = Path(urlsplit(src).path).name
    if FILE_NAME.search(text) or text == src or Path(text).name == name:
        return f"alt text is a file name: {text!r}"
    if text.lower() in GENERIC_ALT:
        return f"alt text says nothing about the image: {text!r}"
    return None


def serious_violations(violations: list[dict]) -> list[str]:
    """The axe-core findings that fail a page: serious or critical, not allow-listed."""
    problems = []
    for violation in violations:
        if violation.get("impact") not in FAILING_IMPACTS:
            continue
        allowed = AXE_ALLOWED.get(violation["id"])
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if allowed is not None and allowed.search(target):
                continue
            problems.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {target}: "
                f"{node['html'][:200]}"
            )
    return problems


def audit_page(browser, base_url: str, docname: str, screenshots: Path) -> PageAudit:
    """Open one page as a reader would and record everything the tests check."""
    url = base_url + html_path(docname)
    report = PageAudit(url=url)
    context = browser.new_context(viewport=DESKTOP)

    def route(route_, request) -> None:
        # Record, then block, anything that would leave the machine.
        if is_foreign(request.url):
            report.foreign_requests.append(request.url)
            route_.abort()
        else:
            route_.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: (
            report.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: report.page_errors.append(str(error)))
    page.on(
        "requestfailed",
        lambda request: (
            None
            if is_foreign(request.url)
            else report.failed_requests.append(f"{request.url}: {request.failure}")
        ),
    )
    page.on(
        "response",
        lambda response: (
            report.failed_requests.append(f"{response.url}: HTTP {response.status}")
            if response.status >= 400
            else None
        ),
    )
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        report.visible_h1 = [h.inner_text().strip() for h in page.locator("h1:visible").all()]
        # Figures below the first load when scrolled near (loading="lazy"): load them all now.
        page.eval_on_selector_all(
            "img[loading=lazy]", "imgs => imgs.forEach(i => i.loading = 'eager')"
        )
        page.wait_for_load_state("networkidle")
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=20_000)
        report.images = page.eval_on_selector_all(
            "img",
            "imgs => imgs.map(i => ({src: i.getAttribute('src') || '', "
            "alt: i.getAttribute('alt'), complete: i.complete, width: i.naturalWidth}))",
        )
        stem = screenshot_name(docname)
        desktop = screenshots / "desktop" / f"{stem}.png"
        page.screenshot(path=desktop, full_page=True)
        report.screenshots.append(desktop)

        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        report.axe_violations = result["violations"]

        figures = page.locator("article.bd-article figure, article.bd-article .cell_output img")
        if figures.count():
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(200)
            for i, figure in enumerate(figures.all(), start=1):
                figure.scroll_into_view_if_needed()
                phone = screenshots / "phone" / f"{stem}--figure-{i}.png"
                figure.screenshot(path=phone)
                report.screenshots.append(phone)
            report.phone_overflow = page.eval_on_selector_all(
                "article.bd-article img",
                "imgs => imgs.filter(i => i.getBoundingClientRect().right > "
                "document.documentElement.clientWidth + 1).map(i => i.getAttribute('src'))",
            )
            page.set_viewport_size(DESKTOP)
        page.emulate_media(media="print")
        printed = screenshots / "print" / f"{stem}.png"
        page.screenshot(path=printed, full_page=True)
        report.screenshots.append(printed)
    finally:
        context.close()
    return report


@pytest.fixture(scope="module")
def audits(browser, book_server: str, screenshot_dir: Path):
    """Page audits, each made once on first use and shared by the tests of this module."""
    cache: dict[str, PageAudit] = {}

    def get(docname: str) -> PageAudit:
        if docname not in cache:
            cache[docname] = audit_page(browser, book_server, docname, screenshot_dir)
        return cache[docname]

    return get


def test_axe_is_vendored() -> None:
    assert AXE_JS.is_file(), f"{AXE_JS} missing: see this module's docstring"
    head = AXE_JS.read_text(encoding="utf-8")[:300]
    assert f"axe v{AXE_VERSION}" in head, f"{AXE_JS} is not axe-core {AXE_VERSION}: {head[:120]}"


def test_alt_problem_rules() -> None:
    assert alt_problem(None, "a.png") == "no alt attribute"
    assert alt_problem("  ", "a.png") == "empty alt text"
    assert alt_problem("fig-1-1-race.svg", "x.svg") is not None
    assert alt_problem("abc123", "../_images/abc123") is not None
    assert alt_problem("../../_images/3f2a.svg", "../../_images/3f2a.svg") is not None
    assert alt_problem("Figure", "x.svg") is not None
    assert alt_problem("Line chart of overdose deaths by race, 1999-2019", "x.svg") is None


def test_is_foreign_rules() -> None:
    assert not is_foreign("http://127.0.0.1:8000/_static/x.js")
    assert not is_foreign("data:image/png;base64,AAAA")
    assert is_foreign("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js")
    assert is_foreign("https://unpkg.com/thebe@0.8.2/lib/index.js")


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_no_console_or_page_errors(audits, page_name: str) -> None:
    report = audits(page_name)
    errors = report.console_errors + report.page_errors + report.failed_requests
    assert not errors, f"{report.url}:\n" + "\n".join(errors)


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_no_request_leaves_the_machine(audits, page_name: str) -> None:
    report = audits(page_name)
    assert not report.foreign_requests, (
        f"{report.url} fetched from other hosts (vendor these or drop them):\n"
        + "\n".join(sorted(set(report.foreign_requests)))
    )


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_exactly_one_visible_h1(audits, page_name: str) -> None:
    report = audits(page_name)
    assert len(report.visible_h1) == 1, f"{report.url} shows h1 headings {report.visible_h1}"


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_images_have_meaningful_alt_text(audits, page_name: str) -> None:
    report = audits(page_name)
    problems = []
    for image in report.images:
        reason = alt_problem(image["alt"], image["src"])
        if reason:
            problems.append(f"{image['src'][:120]}: {reason}")
        if not image["complete"] or not image["width"]:
            problems.append(f"{image['src'][:120]}: did not load")
    assert not problems, f"{report.url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_no_serious_accessibility_violation(audits, page_name: str) -> None:
    report = audits(page_name)
    problems = serious_violations(report.axe_violations)
    assert not problems, f"{report.url} (axe-core {AXE_VERSION}):\n" + "\n".join(problems)


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_figures_fit_a_phone_screen(audits, page_name: str) -> None:
    report = audits(page_name)
    assert not report.phone_overflow, (
        f"{report.url}: at {PHONE['width']} px these images stick out of the screen: "
        f"{report.phone_overflow}"
    )
    assert all(path.is_file() and path.stat().st_size for path in report.screenshots)


def test_search_finds_naloxone(browser, book_server: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(book_server + "search.html?q=naloxone", wait_until="load")
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=20_000)
        texts = [item.inner_text() for item in results.all()]
        assert texts, "searching for 'naloxone' found no page"
        assert any("naloxone" in text.lower() for text in texts), texts
        assert not errors, errors
    finally:
        context.close()


# --- Reading on a phone and on a desktop (issue 19) -------------------------------------------

# A chapter page for the interaction tests: the first page of Part II (any chapter would do).
CHAPTER = next(name for name in toc_docnames() if name.startswith("book/part2/"))


def open_page(browser, base_url: str, docname: str, viewport: dict, **options):
    """A new browser context and page showing one page of the book (close the context after)."""
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(base_url + html_path(docname), wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page


def visible_chapter_links(page, root: str) -> list[str]:
    """Titles of the chapter links visible inside `root` (the sidebar or its drawer)."""
    return [
        link.inner_text().strip()
        for link in page.locator(f"{root} li.toctree-l1 > a").all()
        if link.is_visible()
    ]


def expected_chapters() -> int:
    """How many chapter links the navigation lists: every TOC page but the home page."""
    return len(toc_docnames()) - 1


def visible(page, selector: str) -> list:
    """The elements matching a selector that a reader can see."""
    return [element for element in page.locator(selector).all() if element.is_visible()]


def test_menu_drawer_opens_on_a_phone(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, PHONE)
    try:
        assert not visible_chapter_links(page, "body"), "the chapter list shows before any tap"
        buttons = visible(page, ".primary-toggle")
        assert len(buttons) == 1, f"{len(buttons)} visible menu buttons on a phone"
        buttons[0].click()
        page.wait_for_timeout(500)
        links = visible_chapter_links(page, "#pst-primary-sidebar-modal")
        assert len(links) >= expected_chapters(), (
            f"after tapping the menu button a phone shows {len(links)} chapter links: {links}"
        )
    finally:
        context.close()


def test_contents_drawer_opens_on_a_phone(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, PHONE)
    try:
        buttons = visible(page, ".secondary-toggle")
        assert len(buttons) == 1, f"{len(buttons)} visible contents buttons on a phone"
        buttons[0].click()
        page.wait_for_timeout(500)
        sections = visible(page, "#pst-secondary-sidebar-modal nav.page-toc a")
        assert len(sections) >= 3, (
            f"after tapping the contents button a phone shows {len(sections)} section links"
        )
    finally:
        context.close()


def test_menu_button_works_on_a_desktop(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, DESKTOP)
    try:
        assert len(visible_chapter_links(page, "#pst-primary-sidebar")) >= expected_chapters()
        buttons = visible(page, ".primary-toggle")
        assert len(buttons) == 1, f"{len(buttons)} visible menu buttons on a desktop"
        buttons[0].click()
        page.wait_for_timeout(800)
        assert not visible_chapter_links(page, "#pst-primary-sidebar"), (
            "the desktop menu button does not hide the chapter list"
        )
        buttons[0].click()
        page.wait_for_timeout(800)
        links = visible_chapter_links(page, "#pst-primary-sidebar")
        assert len(links) >= expected_chapters(), (
            f"after a second click the desktop shows {len(links)} chapter links"
        )
    finally:
        context.close()


def test_contents_list_shows_on_a_desktop(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, DESKTOP)
    try:
        sections = visible(page, "#pst-secondary-sidebar nav.page-toc a")
        assert len(sections) >= 3, f"the desktop shows {len(sections)} section links"
    finally:
        context.close()


def test_one_search_box_and_no_empty_band_on_a_desktop(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, DESKTOP)
    try:
        boxes = visible(page, ".search-button-field, .search-button")
        assert len(boxes) == 1, f"{len(boxes)} search boxes on a desktop"
        box = boxes[0].bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"], (
            f"the search box is out of sight: {box}"
        )
        band = page.evaluate(
            "() => { const h = document.querySelector('#pst-header');"
            " return h ? h.getBoundingClientRect().height : 0; }"
        )
        assert band == 0, f"an empty header band {band} px high tops the page"
        top = page.locator(".bd-header-article").bounding_box()
        assert top and top["y"] == 0, f"the article's button bar does not start the page: {top}"
    finally:
        context.close()


def page_theme(page) -> dict:
    """The colour theme a page shows: its data-theme and the lightness of its background."""
    return page.evaluate(
        """() => {
            const rgb = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
            return {theme: document.documentElement.dataset.theme,
                    lightness: (rgb[0] + rgb[1] + rgb[2]) / (3 * 255)};
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_mode_follows_the_system(browser, book_server: str, scheme: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, PHONE, color_scheme=scheme)
    try:
        shown = page_theme(page)
        assert shown["theme"] == scheme, f"system {scheme}, page {shown}"
        assert (shown["lightness"] > 0.5) == (scheme == "light"), shown
    finally:
        context.close()


def test_colour_button_changes_the_page_at_the_first_tap(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, PHONE, color_scheme="light")
    try:
        before = page_theme(page)
        buttons = visible(page, ".theme-switch-button")
        assert len(buttons) == 1, f"{len(buttons)} visible colour-mode buttons"
        buttons[0].click()
        page.wait_for_timeout(300)
        after = page_theme(page)
        assert after["theme"] != before["theme"], f"first tap: {before} -> {after}"
        assert abs(after["lightness"] - before["lightness"]) > 0.5, f"{before} -> {after}"
    finally:
        context.close()


LEDGER = "book/appendix/claims-ledger"


def test_claims_ledger_reads_on_a_phone(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, LEDGER, PHONE)
    try:
        rows = page.evaluate(
            """() => [...document.querySelectorAll('table.claims-ledger tbody tr')].map(tr => {
                const verdict = tr.children[3].getBoundingClientRect();
                const claim = tr.children[0].getBoundingClientRect();
                return {claim: tr.children[0].innerText.trim().slice(0, 12),
                        left: verdict.left, right: verdict.right, height: verdict.height,
                        claimRight: claim.right};
            })"""
        )
        assert len(rows) > 20, f"the ledger has {len(rows)} rows"
        width = PHONE["width"]
        off_screen = [r for r in rows if r["left"] < 0 or r["right"] > width or r["height"] < 10]
        assert not off_screen, (
            f"{len(off_screen)} of {len(rows)} verdicts are not on a {width} px screen: "
            f"{off_screen[:5]}"
        )
        sideways = page.evaluate(
            """() => [document.documentElement.scrollWidth,
                      document.querySelector('table.claims-ledger').parentElement.scrollWidth]"""
        )
        assert max(sideways) <= width, f"the ledger scrolls sideways: {sideways} > {width}"
    finally:
        context.close()


def test_claims_ledger_header_stays_in_view_on_a_desktop(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, LEDGER, DESKTOP)
    try:
        rows = page.locator("table.claims-ledger tbody tr")
        assert rows.count() > 20
        rows.nth(rows.count() // 2).scroll_into_view_if_needed()
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(300)
        header = page.locator("table.claims-ledger thead th").first.bounding_box()
        bar = page.locator(".bd-header-article").bounding_box()
        assert header and bar, (header, bar)
        assert bar["y"] + bar["height"] - 1 <= header["y"] <= DESKTOP["height"] / 3, (
            f"mid-table, the ledger's header row is not in view: header {header}, bar {bar}"
        )
    finally:
        context.close()


# Figures: text a phone reader can read, and a full-size view that fits the screen.
SMALLEST_TEXT_PX = 9
FIGURE_TEXT_SIZES = """async () => {
    const sizes = [];
    for (const img of document.querySelectorAll('article.bd-article figure img')) {
        if (!img.src.endsWith('.svg')) continue;
        const width = img.getBoundingClientRect().width;
        const text = await (await fetch(img.src)).text();
        const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
        const box = document.createElement('div');
        box.style.cssText = `position:absolute; left:0; top:0; width:${width}px`;
        svg.setAttribute('width', '100%');
        svg.removeAttribute('height');
        box.appendChild(document.importNode(svg, true));
        document.body.appendChild(box);
        let smallest = Infinity, label = '';
        for (const t of box.querySelectorAll('text')) {
            if (!t.textContent.trim()) continue;
            const m = t.getScreenCTM();
            const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
            if (px < smallest) { smallest = px; label = t.textContent.trim().slice(0, 40); }
        }
        box.remove();
        sizes.push({src: img.getAttribute('src').slice(-24), width, smallest, label});
    }
    return sizes;
}"""


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
def test_figure_text_is_readable_on_a_phone(browser, book_server: str, page_name: str) -> None:
    docname = page_name
    context, page = open_page(browser, book_server, docname, PHONE)
    try:
        sizes = page.evaluate(FIGURE_TEXT_SIZES)
        small = [s for s in sizes if s["smallest"] < SMALLEST_TEXT_PX]
        print(docname, [(s["src"][-12:], round(s["smallest"], 1)) for s in sizes])
        assert not small, (
            f"{docname}: at {PHONE['width']} px, figure text below {SMALLEST_TEXT_PX} CSS px: "
            + "; ".join(f"{s['src']} {s['smallest']:.1f} px ({s['label']!r})" for s in small)
        )
    finally:
        context.close()


def test_full_size_figure_fits_a_phone_and_zooms(browser, book_server: str) -> None:
    context, page = open_page(browser, book_server, CHAPTER, PHONE)
    try:
        link = page.locator("article.bd-article figure a.image-reference").first
        link.scroll_into_view_if_needed()
        link.click()
        page.wait_for_load_state("load")
        image = page.locator("img").first
        image.wait_for()
        box = image.bounding_box()
        assert box and 0.9 * PHONE["width"] <= box["width"] <= PHONE["width"], (
            f"the full-size figure is {box} on a {PHONE['width']} px screen"
        )
        assert box["height"] <= PHONE["height"], box
        viewport = page.locator("meta[name=viewport]").get_attribute("content") or ""
        assert "width=device-width" in viewport, viewport
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport, viewport
    finally:
        context.close()
