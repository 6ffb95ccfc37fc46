"""After the article: the later points of the Massachusetts series (each year from the latest
release that gives it, never a revised year spliced into another release's line), the 2022 peak
and the fall after it with exact Poisson limits where a release gives both count and rate, and
the four cities' fragments."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis import revisions, style
from analysis.checks import require_columns
from analysis.rates import Z_95, poisson_exact_interval

LAST_ARTICLE_YEAR = 2019  # the latest year of death the article's figures refer to
AFTER = LAST_ARTICLE_YEAR + 0.5  # where "after the article" begins on a year axis
TOTAL = "confirmed_and_estimated"
RATE = "opioid_related"
CITIES = ("boston", "cambridge", "lynn", "gloucester")
BASIS_MARKERS = {"residence": "o", "occurrence": "s", "unspecified": "X"}
BASIS_LABELS = {"residence": "residents", "occurrence": "deaths in the city",
                "unspecified": "basis not stated"}


def latest_by_year(table: pd.DataFrame, value: str, measure: str) -> pd.DataFrame:
    """For each year, the figure of the latest dated release that gives it (one measure)."""
    rows = revisions.dated_reports(table, value, (measure,))
    latest = rows.sort_values(["year", "report_date"]).groupby("year").tail(1)
    return latest[["year", value, "vintage", "source_id", "secondary"]].reset_index(drop=True)


def release(table: pd.DataFrame, value: str, measure: str, vintage: str) -> pd.DataFrame:
    """Every year one release gives for one measure, in year order."""
    require_columns(table, ["year", "measure", value, "vintage", "source_id"], "release")
    rows = table[(table["measure"] == measure) & (table["vintage"] == vintage)]
    if rows.empty:
        raise ValueError(f"no {measure} figure in a release of {vintage!r}")
    return rows.sort_values("year").reset_index(drop=True)


def rates_with_limits(deaths: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Per year, the latest release giving both the count (confirmed and estimated) and the rate,
    with exact (Garwood) Poisson 95% limits of the rate: rate × limit(d) / d for d deaths. Exact
    for a crude rate; MDPH does not say whether its rate is crude."""
    counts = deaths[deaths["measure"] == TOTAL][["year", "vintage", "deaths", "source_id"]]
    rated = rates[rates["measure"] == RATE][["year", "vintage", "rate_per_100k", "source_id"]]
    pairs = counts.merge(rated, on=["year", "vintage"], suffixes=("", "_rate")).dropna(
        subset=["vintage"])
    pairs["report_date"] = pd.to_datetime(pairs["vintage"], format="mixed")
    pairs = pairs.sort_values(["year", "report_date"]).groupby("year").tail(1)
    low, high = poisson_exact_interval(pairs["deaths"].astype(float))
    count = pairs["deaths"].astype(float).to_numpy()
    pairs["rate_lower_95"] = pairs["rate_per_100k"] * low / count
    pairs["rate_upper_95"] = pairs["rate_per_100k"] * high / count
    columns = ["year", "vintage", "source_id", "deaths", "rate_per_100k", "rate_lower_95",
               "rate_upper_95"]
    return pairs[columns].reset_index(drop=True)


def rate_change(pairs: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """The rate of `end` over that of `start`, with a 95% interval from the two counts (log scale,
    SE = sqrt(1/d1 + 1/d2), populations taken as known), as a one-row table."""
    require_columns(pairs, ["year", "deaths", "rate_per_100k", "vintage"], "rate_change")
    rows = pairs.set_index("year")
    missing = [year for year in (start, end) if year not in rows.index]
    if missing:
        raise ValueError(f"no count and rate of one release for year(s) {missing}")
    first, last = rows.loc[start], rows.loc[end]
    ratio = last["rate_per_100k"] / first["rate_per_100k"]
    se = np.sqrt(1 / float(first["deaths"]) + 1 / float(last["deaths"]))
    return pd.DataFrame([{
        "start_year": start, "end_year": end, "start_rate": first["rate_per_100k"],
        "end_rate": last["rate_per_100k"], "start_vintage": first["vintage"],
        "end_vintage": last["vintage"], "rate_ratio": ratio,
        "change_pct": 100 * (ratio - 1),
        "change_lower_95_pct": 100 * (ratio * np.exp(-Z_95 * se) - 1),
        "change_upper_95_pct": 100 * (ratio * np.exp(Z_95 * se) - 1),
    }])


def peak(table: pd.DataFrame, value: str) -> pd.Series:
    """The row with the highest value (the first if tied)."""
    require_columns(table, ["year", value], "peak")
    if table.empty:
        raise ValueError("no rows: no peak")
    return table.loc[table[value].astype(float).idxmax()]


def plot_ma_deaths(
    deaths: pd.DataFrame, main_vintage: str, article: pd.Series | None = None,
    first_year: int = 2016, ax: Axes | None = None,
) -> Figure:
    """Deaths by year of death: one release drawn as a line (its missing years left open), the
    latest figure of other releases for the years it lacks as hollow markers, figures of other
    measures as crosses, the article's figure as a diamond, later years shaded."""
    require_columns(deaths, ["year", "measure", "deaths", "vintage", "source_id"])
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 3.8))
    main = release(deaths, "deaths", TOTAL, main_vintage)
    main = main[main["year"] >= first_year]
    years = range(int(main["year"].min()), int(main["year"].max()) + 1)
    line = main.set_index("year")["deaths"].reindex(years).astype(float)
    ax.plot(line.index, line.to_numpy(), color=style.colour(0), marker="o", markersize=5,
            label=f"Release of {main_vintage} (confirmed and estimated)")
    others = latest_by_year(deaths, "deaths", TOTAL)
    others = others[(others["year"] >= first_year) & ~others["year"].isin(main["year"])]
    ax.plot(others["year"], others["deaths"], linestyle="none", marker="o", markersize=6,
            color=style.colour(1), markerfacecolor="white",
            label="Year missing from that release: latest other release")
    later = deaths[(deaths["year"] > main["year"].max()) & (deaths["measure"] != TOTAL)
                   & ~deaths["measure"].isin(revisions.PENDING)]
    ax.plot(later["year"], later["deaths"], linestyle="none", marker="X", markersize=7,
            color=style.colour(2), label="Another measure, source uncertain (press report)")
    if article is not None:
        ax.plot([article["year"]], [article["value"]], linestyle="none", marker="D",
                markersize=7, color=style.colour(3), markeredgecolor="black",
                label="The article's figure")
    style.shade_after_article(ax, AFTER)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylim(0, None)
    ax.set_xlabel("Year of death")
    ax.set_ylabel("Opioid-related deaths")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def plot_ma_rates(
    pairs: pd.DataFrame, article: pd.Series | None = None, ax: Axes | None = None
) -> Figure:
    """Rates by year with exact Poisson 95% limits, each year from its own release, so the points
    are not joined; the article's figure as a diamond, later years shaded."""
    require_columns(pairs, ["year", "rate_per_100k", "rate_lower_95", "rate_upper_95"])
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 3.4))
    errors = np.vstack([pairs["rate_per_100k"] - pairs["rate_lower_95"],
                        pairs["rate_upper_95"] - pairs["rate_per_100k"]])
    ax.errorbar(pairs["year"], pairs["rate_per_100k"], yerr=errors, fmt="o", capsize=3,
                color=style.colour(0), label="Latest release giving count and rate, 95% limits")
    if article is not None:
        ax.plot([article["year"] - 0.15], [article["value"]], linestyle="none", marker="D",
                markersize=7, color=style.colour(3), markeredgecolor="black",
                label="The article's figure")
    style.shade_after_article(ax, AFTER)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, None)
    ax.set_xlabel("Year of death")
    ax.set_ylabel("Deaths per 100,000")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def city_fragments(old: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """The MDPH city table (2014-2018) and the later fragments in one table: place, period,
    first_year, months, basis, deaths, vintage, source_id; later = True after the article."""
    require_columns(old, ["place", "year", "basis", "deaths", "vintage", "source_id"])
    require_columns(later, ["place", "period", "first_year", "months", "basis", "deaths",
                            "vintage", "source_id"])
    table = old[old["source_id"] == "mdph2019augtowns"]
    before = pd.DataFrame({
        "place": table["place"], "period": table["year"].astype(str), "first_year": table["year"],
        "months": 12, "basis": table["basis"], "deaths": table["deaths"],
        "vintage": table["vintage"], "source_id": table["source_id"], "later": False})
    after = later[["place", "period", "first_year", "months", "basis", "deaths", "vintage",
                   "source_id"]].assign(later=True)
    return pd.concat([before, after], ignore_index=True).astype({"first_year": int})


def _partial_note(rows: pd.DataFrame) -> str:
    """The counts of periods other than one calendar year, as text for a panel."""
    parts = [f"{row.period}: {row.deaths:,} ({BASIS_LABELS[row.basis]})"
             for row in rows.itertuples() if row.months != 12]
    return "Not drawn:\n" + "\n".join(parts) if parts else ""


def plot_cities(fragments: pd.DataFrame, cities: tuple[str, ...] = CITIES) -> Figure:
    """One panel per city: the MDPH table to 2018 as lines, later yearly figures as markers by
    basis, other periods listed in the panel, a city with nothing later says so."""
    require_columns(fragments, ["place", "period", "first_year", "months", "basis", "deaths",
                                "later"], "plot_cities")
    # One panel above another, so that each has the width of a phone's screen.
    fig, axes = plt.subplots(len(cities), 1, figsize=(style.FIGURE_WIDTH, 2.3 * len(cities)),
                             sharex=True)
    for ax, place in zip(axes, cities, strict=True):
        rows = fragments[fragments["place"] == place]
        for i, basis in enumerate(("residence", "occurrence")):
            line = rows[~rows["later"] & (rows["basis"] == basis)].sort_values("first_year")
            ax.plot(line["first_year"], line["deaths"], color=style.colour(i),
                    linestyle="-" if basis == "residence" else "--", linewidth=1.2)
        yearly = rows[rows["later"] & (rows["months"] == 12)]
        for basis, points in yearly.groupby("basis"):
            colour = {"residence": style.colour(0), "occurrence": style.colour(1)}.get(
                basis, style.colour(2))
            ax.plot(points["first_year"], points["deaths"], linestyle="none",
                    marker=BASIS_MARKERS[basis], markersize=6, color=colour,
                    markerfacecolor="white" if basis == "occurrence" else colour)
        note = _partial_note(rows[rows["later"]])
        if not rows["later"].any():
            note = "No figure found\nafter 2018"
        if note:  # above the data: the axis is raised to make room
            ax.text(0.98, 0.96, note, transform=ax.transAxes, ha="right", va="top",
                    fontsize=style.SMALL_FONT, color="0.25")
        ax.set_title(place.capitalize(), loc="left")
        ax.set_ylim(0, rows["deaths"].max() * (1.7 if note else 1.1))
        ax.set_xlim(2013.5, 2024.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        style.shade_after_article(ax, AFTER, "later", label_at="bottom")
        ax.set_ylabel("Deaths")
    axes[-1].set_xlabel("Year of death")
    handles = [plt.Line2D([], [], color=style.colour(0), label="Residents, MDPH table (to 2018)"),
               plt.Line2D([], [], color=style.colour(1), linestyle="--",
                          label="Deaths in the city, MDPH table (to 2018)")]
    handles += [plt.Line2D([], [], linestyle="none", marker=BASIS_MARKERS[basis],
                           color=colour, markerfacecolor="white" if basis == "occurrence"
                           else colour, label=f"Later: {BASIS_LABELS[basis]}")
                for basis, colour in (("residence", style.colour(0)),
                                      ("occurrence", style.colour(1)),
                                      ("unspecified", style.colour(2)))]
    fig.tight_layout()
    fig.legend(handles=handles, loc="upper center", ncol=1, bbox_to_anchor=(0.5, 0.0),
               fontsize=style.SMALL_FONT)
    return fig
