"""One look for every figure: one theme, a colour-blind-safe palette, figure-data export.

The theme is seaborn's "whitegrid" style in its "notebook" context, written out as matplotlib
settings so that a chapter does not pay for importing seaborn (about 2 s per notebook kernel).
"""

import textwrap
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from analysis.datasets import in_book_build

# Okabe & Ito (2008) palette: distinguishable under the common forms of colour blindness.
PALETTE: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
# The order in which series take colours; yellow comes last because it is faint on white.
SERIES_COLOURS: list[str] = [
    PALETTE[name]
    for name in ("blue", "vermillion", "green", "purple", "orange", "sky_blue", "black", "yellow")
]
FIGURE_DATA_DIR = "figdata"
# Figures are drawn for a phone first. A 375 px wide phone shows the book's column 327 px wide, so
# a figure FIGURE_WIDTH inches wide is scaled to 327 / (72 * FIGURE_WIDTH) of its size in points:
# text of SMALL_FONT points is then 9 CSS pixels or more (tests/test_browser.py measures it). On a
# desktop figures show at their own size (96 px an inch), no wider than the column.
FIGURE_WIDTH = 5.0
SMALL_FONT = 10

# What seaborn 0.13's set_theme(context="notebook", style="whitegrid") sets, as matplotlib settings
# (seaborn's default colour map aside: the book draws no colour-mapped figure).
WHITEGRID_NOTEBOOK: dict[str, object] = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.linewidth": 1.25,
    "font.sans-serif": [
        "Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"
    ],
    "font.size": 12.0,
    "axes.labelsize": 12.0,
    "axes.titlesize": 12.0,
    "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 11.0,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.left": False,
    "ytick.color": ".15",
    "ytick.labelsize": 11.0,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}


def set_theme() -> None:
    """Apply the book's theme and make notebooks emit SVG (web) and PNG (PDF) figures."""
    plt.rcParams.update(WHITEGRID_NOTEBOOK)
    plt.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=SERIES_COLOURS),
            "figure.figsize": (FIGURE_WIDTH, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.titlesize": "medium",
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "legend.fontsize": SMALL_FONT,
            "legend.title_fontsize": SMALL_FONT,
            "svg.fonttype": "none",
        }
    )
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython there is no inline backend to configure
        return
    set_matplotlib_formats("svg", "png")


def figure_axes(
    ax: Axes | None = None, figsize: tuple[float, float] | None = None
) -> tuple[Figure, Axes]:
    """The axes to draw on and their figure: the given axes, or a new figure of `figsize`."""
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def colour(i: int) -> str:
    """Colour of the i-th series (wraps around the palette)."""
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


def write_figure_data(table: pd.DataFrame, name: str, directory: str | Path = ".") -> Path:
    """Write the table behind a figure as `<directory>/figdata/<name>.csv` and return its path."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"figure data name {name!r} must be a plain file stem such as 'fig-intro'")
    folder = Path(directory) / FIGURE_DATA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False)
    return path


def glue(key: str, value: object, display: bool = True) -> None:
    """myst-nb's glue while the book is built; in a reader's notebook (no myst-nb needed), show a
    figure where the book would paste it, and anything else only if `display` is true."""
    if in_book_build():
        from myst_nb import glue as myst_glue

        myst_glue(key, value, display=display)
        return
    if not (display or isinstance(value, Figure)):
        return
    try:
        from IPython.display import display as show
    except ImportError:  # a plain Python script: nowhere to show it
        return
    show(value)


def glue_figure(key: str, fig: Figure) -> None:
    """Glue a figure for a `glue:figure` directive, at most FIGURE_WIDTH wide (a reader's notebook
    shows it instead), then close it so its cell does not show it twice."""
    glue(key, fit_width(fig), display=False)
    plt.close(fig)


def _wrap_to_figure(fig: Figure, text: Text, renderer: object) -> None:
    """Wrap a title or axis label that sticks out of the figure onto more lines."""
    box = text.get_window_extent(renderer)
    right = fig.bbox.width
    if not text.get_text() or (box.x0 >= 0 and box.x1 <= right):
        return
    room = right - max(box.x0, 0) if box.x0 >= 0 else right
    lines = text.get_text().split("\n")
    longest = max(len(line) for line in lines)
    chars = max(12, int(longest * room / box.width) - 1)
    text.set_text("\n".join(textwrap.fill(line, chars) for line in lines))


def _narrow_legend(legend: object, room: float, renderer: object) -> None:
    """One column, and entries wrapped, for a legend wider than `room` (display units)."""
    legend.set_ncols(1)
    box = legend.get_window_extent(renderer)
    if box.width <= room:
        return
    for text in legend.get_texts():
        extent = text.get_window_extent(renderer).width
        if extent > 0.8 * room:
            chars = max(16, int(len(text.get_text()) * 0.8 * room / extent))
            text.set_text(textwrap.fill(text.get_text(), chars))


def _wrap_category_labels(fig: Figure, width: float, renderer: object) -> None:
    """Wrap the category names of a bar or dot chart that take almost half the width."""
    for ax in fig.axes:
        labels = ax.get_yticklabels()
        if not any(sum(c.isalpha() for c in label.get_text()) > 3 for label in labels):
            continue  # numbers, not names
        if any("\n" in label.get_text() for label in labels):
            continue  # wrapped by the plot function, which made room for the lines
        widest = max((label.get_window_extent(renderer).width for label in labels), default=0)
        if widest <= 0.45 * width * fig.dpi:
            continue
        longest = max(max(len(line) for line in label.get_text().split("\n")) for label in labels)
        chars = max(12, int(longest * 0.45 * width * fig.dpi / widest))
        wrapped = [
            "\n".join(textwrap.fill(line, chars) for line in label.get_text().split("\n"))
            for label in labels
        ]
        ax.set_yticks(ax.get_yticks(), wrapped)


def _layout(fig: Figure) -> None:
    """Lay the figure out as drawing it would (text sizes, ticks, legends), without rasterising
    anything: measuring needs the layout only, and the figure is drawn once, when it is saved."""
    fig.draw_without_rendering()


def _thin_year_ticks(fig: Figure) -> None:
    """On a date axis whose year labels run into each other, label every 2nd, 4th... year."""
    import matplotlib.dates as mdates

    for ax in fig.axes:
        for _ in range(4):
            locator = ax.xaxis.get_major_locator()
            if not isinstance(locator, mdates.YearLocator):
                break
            _layout(fig)
            renderer = fig.canvas.get_renderer()
            shown = [t for t in ax.get_xticklabels() if t.get_text()]
            needed = sum(t.get_window_extent(renderer).width for t in shown) * 1.4
            if needed <= ax.get_window_extent(renderer).width:
                break
            ax.xaxis.set_major_locator(mdates.YearLocator(2 * locator.base.step))


def fit_width(fig: Figure, width: float = FIGURE_WIDTH, tries: int = 8) -> Figure:
    """Make a figure at most `width` inches wide as saved, labels and legends included.

    Notebooks save figures cropped to what they draw (bbox_inches="tight"), so tick labels, titles
    and legends outside the axes make a figure wider than its size; a wider figure is scaled down
    further on a phone, and its text with it. So a figure drawn wider than `width` is set to it,
    labels that stick out of it are given room inside it (tight_layout),
    legends wider than the figure go to one column, titles, axis labels and long category names
    wrap, the axes narrow (to no less than half their width; text keeps its size) and year axes
    label fewer years if theirs run into each other. A figure
    still too wide is left for its plot function to fix.
    """
    current, height = fig.get_size_inches()
    if current > width:
        fig.set_size_inches(width, height)
    # The saved image adds savefig.pad_inches on each side of what is drawn.
    width -= 2 * float(plt.rcParams["savefig.pad_inches"])
    _layout(fig)
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())
    if drawn.x0 < -0.01 or drawn.x1 > fig.get_size_inches()[0] + 0.01:
        # Labels stick out of the canvas: make room for them inside it first.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
    smallest = 0.5 * fig.get_size_inches()[0]
    for _ in range(tries):
        _layout(fig)
        renderer = fig.canvas.get_renderer()
        for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
            if legend is None:
                continue
            box = legend.get_window_extent(renderer)
            room = min(width * fig.dpi, fig.bbox.width - max(box.x0, 0))
            if box.width > room:
                _narrow_legend(legend, room, renderer)
        for ax in fig.axes:
            for text in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label):
                _wrap_to_figure(fig, text, renderer)
        _wrap_category_labels(fig, width, renderer)
        for ax in fig.axes:
            # Years every so often on a narrow axis, not every year on top of each other.
            locator = ax.xaxis.get_major_locator()
            if isinstance(locator, MaxNLocator):
                locator.set_params(nbins="auto")
        _layout(fig)
        saved = fig.get_tightbbox(fig.canvas.get_renderer()).width
        if saved <= width + 0.005:
            break
        current, height = fig.get_size_inches()
        boxes = [ax.get_position() for ax in fig.axes]
        span = max(b.x1 for b in boxes) - min(b.x0 for b in boxes) if boxes else 1.0
        narrower = max(current - (saved - width) / max(span, 0.2) - 0.01, smallest)
        if narrower >= current - 0.005:
            break
        fig.set_size_inches(narrower, height)
    _thin_year_ticks(fig)
    return fig


def glue_number(key: str, value: object) -> None:
    """Glue a number for the prose as a plain Python number (numpy scalars print as np.float64)."""
    glue(key, value.item() if hasattr(value, "item") else value, display=False)


def consecutive_runs(years: object) -> list[list[int]]:
    """Split years into runs of consecutive years, sorted (a missing year starts a new run): a
    chart draws a line within a run and leaves the gap between runs visible."""
    runs: list[list[int]] = []
    for year in sorted(int(y) for y in years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return runs


# Later points (after the article's years) sit on a light grey band, so the article's years stay
# readable; a span where no figure was found gets a hatched band with its reason.
AFTER_SHADE = "0.92"
GAP_HATCH = "////"


def shade_after_article(
    ax: Axes, start: object, label: str = "after the article", end: object | None = None,
    label_at: str = "top",
) -> None:
    """A grey band behind the data from `start` (a year or a date) to `end` or the right edge,
    labelled at its top (or bottom) left; call it after drawing, so that the limits are known."""
    left, right = ax.get_xlim()
    first = ax.convert_xunits(start)  # dates become axis numbers, like the limits
    last = right if end is None else ax.convert_xunits(end)
    ax.axvspan(first, last, color=AFTER_SHADE, zorder=0, linewidth=0)
    ax.set_xlim(left, right)
    top = label_at == "top"
    ax.annotate(label, xy=(first, 1 if top else 0), xycoords=("data", "axes fraction"),
                xytext=(3, -3 if top else 3), textcoords="offset points", ha="left",
                va="top" if top else "bottom", fontsize=SMALL_FONT, color="0.3")


def mark_gap(ax: Axes, start: object, end: object, label: str, label_at: str = "bottom") -> None:
    """A hatched band from `start` to `end` for years no source gave, labelled at its foot (or
    top)."""
    ax.axvspan(start, end, facecolor="none", edgecolor="0.6", hatch=GAP_HATCH, linewidth=0,
               zorder=0.5)  # above the grey band of later years, below the data
    top = label_at == "top"
    ax.annotate(label, xy=(start, 1 if top else 0), xycoords=("data", "axes fraction"),
                xytext=(2, -3 if top else 3), textcoords="offset points", ha="left",
                va="top" if top else "bottom", fontsize=SMALL_FONT, color="0.3", rotation=90)
