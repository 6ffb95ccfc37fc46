"""One look for every figure: one theme, a colour-blind-safe palette, figure-data export.

The theme is seaborn's "whitegrid" style in its "notebook" context, written out as matplotlib
settings so that a chapter does not pay for importing seaborn (about 2 s per notebook kernel).
"""

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
            "figure.figsize": (7.5, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.titlesize": "medium",
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
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
    """Glue a figure for a `glue:figure` directive (a reader's notebook shows it instead), then
    close it so its cell does not show it twice."""
    glue(key, fig, display=False)
    plt.close(fig)


def glue_number(key: str, value: object) -> None:
    """Glue a number for the prose as a plain Python number (numpy scalars print as np.float64)."""
    glue(key, value.item() if hasattr(value, "item") else value, display=False)


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
                va="top" if top else "bottom", fontsize="x-small", color="0.3")


def mark_gap(ax: Axes, start: object, end: object, label: str, label_at: str = "bottom") -> None:
    """A hatched band from `start` to `end` for years no source gave, labelled at its foot (or
    top)."""
    ax.axvspan(start, end, facecolor="none", edgecolor="0.6", hatch=GAP_HATCH, linewidth=0,
               zorder=0.5)  # above the grey band of later years, below the data
    top = label_at == "top"
    ax.annotate(label, xy=(start, 1 if top else 0), xycoords=("data", "axes fraction"),
                xytext=(2, -3 if top else 3), textcoords="offset points", ha="left",
                va="top" if top else "bottom", fontsize="x-small", color="0.3", rotation=90)
