"""Naloxone price points: price multiples and average annual growth (CAGR) between two dates."""

import math
import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis import style
from analysis.checks import require_columns

SERIES = ["product", "package", "place"]
CHANGE_COLUMNS = [
    *SERIES,
    "start_period",
    "end_period",
    "start_year",
    "end_year",
    "start_price_usd",
    "end_price_usd",
    "multiple",
    "years",
    "cagr_pct",
    "source_id",
]


def cagr_pct(start_price: float, end_price: float, years: float) -> float:
    """Average annual growth in per cent that takes start_price to end_price in `years` years."""
    if not (start_price > 0 and end_price > 0):
        raise ValueError(f"prices must be positive, got {start_price} and {end_price}")
    if not years > 0:
        raise ValueError(f"years must be positive to annualise a change, got {years}")
    return (math.pow(end_price / start_price, 1 / years) - 1) * 100


def price_changes(prices: pd.DataFrame) -> pd.DataFrame:
    """For each product, package and place with two or more prices, the first-to-last change.

    Rows of a series must be stored in time order. The CAGR is left empty (NaN) when a year is
    unknown or both prices fall in the same year: such a change cannot be annualised.
    """
    require_columns(prices, [*SERIES, "period", "year", "statistic", "price_usd", "source_id"])
    points = prices[prices["statistic"] == "price"]
    bad = points[~(points["price_usd"].astype(float) > 0)]
    if not bad.empty:
        raise ValueError(f"price_usd must be positive; check rows {list(bad.index)}")
    rows = []
    for key, series in points.groupby(SERIES, sort=False):
        if len(series) < 2:
            continue
        years = series["year"].dropna().astype(int).tolist()
        if years != sorted(years):
            raise ValueError(f"series {key}: rows are not in time order (years {years})")
        first, last = series.iloc[0], series.iloc[-1]
        start, end = float(first["price_usd"]), float(last["price_usd"])
        span = np.nan
        growth = np.nan
        if pd.notna(first["year"]) and pd.notna(last["year"]):
            span = float(int(last["year"]) - int(first["year"]))
            if span > 0:
                growth = cagr_pct(start, end, span)
        rows.append(
            {
                **dict(zip(SERIES, key, strict=True)),
                "start_period": first["period"],
                "end_period": last["period"],
                "start_year": first["year"],
                "end_year": last["year"],
                "start_price_usd": start,
                "end_price_usd": end,
                "multiple": end / start,
                "years": span,
                "cagr_pct": growth,
                "source_id": first["source_id"],
            }
        )
    table = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    table["start_year"] = table["start_year"].astype("Int64")
    table["end_year"] = table["end_year"].astype("Int64")
    return table


def claim_change(claims: pd.DataFrame, claim_id: str = "C12") -> pd.DataFrame:
    """The article's own two price points (claims table rows) as one change row, labelled so."""
    require_columns(claims, ["claim_id", "item", "value", "year"])
    rows = claims[(claims["claim_id"] == claim_id) & claims["value"].notna()]
    if len(rows) != 2:
        raise ValueError(
            f"claim {claim_id} must have exactly two dated price rows, found {len(rows)}"
        )
    rows = rows.sort_values("year")
    points = pd.DataFrame(
        {
            "product": "Naloxone, product not stated",
            "package": "not stated",
            "place": "the article (not found in the sources)",
            "period": rows["year"].astype(int).astype(str).to_numpy(),
            "year": rows["year"].to_numpy(),
            "statistic": "price",
            "price_usd": rows["value"].astype(float).to_numpy(),
            "source_id": "vivant2021",
        }
    )
    return price_changes(points)


def _money(value: float) -> str:
    """A price for a chart label, with the dollar sign escaped from matplotlib's mathtext."""
    text = f"{value:,.2f}".removesuffix(".00")
    return rf"\${text}"


def _label(row: pd.Series, width: int = 24) -> str:
    """Row label: product and package, then buyer or market, then the two dated prices."""
    package = "" if row["package"] == "not stated" else f", {row['package']}"
    prices = (
        f"{_money(row['start_price_usd'])} ({row['start_period']}) → "
        f"{_money(row['end_price_usd'])} ({row['end_period']})"
    )
    lines = [f"{row['product']}{package}", str(row["place"]), prices]
    return "\n".join(textwrap.fill(line, width) for line in lines)


def plot_price_changes(
    changes: pd.DataFrame,
    claim: pd.DataFrame | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Two panels, one above the other, one row per series: the price multiple (each row named in
    full) and the average annual growth (rows named by product).

    The article's claim, when given, is the last row, in black and hatched. A series whose change
    cannot be annualised (same year, or a year unknown) keeps an annotated empty slot.
    """
    require_columns(changes, CHANGE_COLUMNS)
    table = changes.copy()
    table["is_claim"] = False
    if claim is not None and not claim.empty:
        require_columns(claim, CHANGE_COLUMNS)
        marked = claim.copy()
        marked["is_claim"] = True
        table = pd.concat([table, marked], ignore_index=True)
    if axes is None:
        fig, axes = plt.subplots(
            2, 1, figsize=(style.FIGURE_WIDTH, 1.35 * len(table) + 1.6),
            gridspec_kw={"height_ratios": [2, 1]},
        )
    else:
        fig = axes[0].figure
    positions = np.arange(len(table))[::-1]
    multiple_ax, growth_ax = axes
    top_growth = float(np.nanmax(table["cagr_pct"].to_numpy(dtype=float)))
    for y, (_, row) in zip(positions, table.iterrows(), strict=True):
        colour = "black" if row["is_claim"] else style.colour(0)
        hatch = "///" if row["is_claim"] else None
        face = "white" if row["is_claim"] else colour
        multiple_ax.barh(y, row["multiple"], color=face, edgecolor=colour, hatch=hatch)
        multiple_ax.text(row["multiple"], y, f" ×{row['multiple']:.1f}", va="center",
                         fontsize=style.SMALL_FONT)
        if pd.isna(row["cagr_pct"]):
            reason = "same year" if row["years"] == 0 else "a year unknown"
            growth_ax.text(top_growth * 0.02, y, f"not annualised: {reason}", va="center",
                           fontsize=style.SMALL_FONT, color="#444444", style="italic")
        else:
            growth_ax.barh(y, row["cagr_pct"], color=face, edgecolor=colour, hatch=hatch)
            growth_ax.text(row["cagr_pct"], y, f" {row['cagr_pct']:.1f}%", va="center",
                           fontsize=style.SMALL_FONT)
    labels = [_label(row) for _, row in table.iterrows()]
    multiple_ax.set_yticks(positions, labels, fontsize=style.SMALL_FONT)
    growth_ax.set_yticks(positions, [label.split("\n")[0] for label in labels],
                         fontsize=style.SMALL_FONT)
    multiple_ax.set_xlim(0, float(table["multiple"].max()) * 1.25)
    multiple_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"×{v:g}"))
    multiple_ax.set_xlabel("Last price ÷ first price", fontsize=style.SMALL_FONT)
    growth_ax.set_xlim(0, top_growth * 1.25)
    growth_ax.set_xlabel("Average growth (% a year)", fontsize=style.SMALL_FONT)
    for ax in axes:
        ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig
