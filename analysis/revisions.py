"""Report vintages of MDPH figures: the same year of death published with different values."""

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis import style
from analysis.checks import require_columns

# Ranges of deaths still pending in a report: not totals, so never plotted as totals.
PENDING = ("additional_estimated_low", "additional_estimated_high")
# Measures that count every opioid-related death of the year (confirmed plus pending estimates).
TOTAL_MEASURES = ("confirmed_and_estimated", "confirmed_or_probable")
MARKERS = {
    "confirmed_and_estimated": "o",
    "confirmed_or_probable": "D",
    "confirmed": "s",
    "unintentional_confirmed": "v",
    "unintentional_undetermined_with_estimates": "^",
    "opioid_related": "o",
    "unintentional": "^",
    "unspecified": "X",
}
LABELS = {
    "confirmed_and_estimated": "confirmed + estimated",
    "confirmed_or_probable": "confirmed or probable",
    "confirmed": "confirmed only",
    "unintentional_confirmed": "unintentional, confirmed",
    "unintentional_undetermined_with_estimates": "unintentional/undetermined + est.",
    "opioid_related": "opioid-related (headline rate)",
    "unintentional": "unintentional only",
    "unspecified": "definition not stated",
}


def _check(table: pd.DataFrame, value: str) -> None:
    """Raise a KeyError naming the columns a vintage table lacks."""
    require_columns(table, ["year", "measure", value, "vintage"], "the vintage table")


def _plottable(reports: pd.DataFrame) -> pd.DataFrame:
    """Drop pending-estimate rows; raise a ValueError naming measures the charts cannot draw."""
    unknown = sorted(set(reports["measure"]) - set(MARKERS) - set(PENDING))
    if unknown:
        raise ValueError(f"no marker for measure(s) {unknown}; known measures are {list(MARKERS)}")
    return reports[~reports["measure"].isin(PENDING)].reset_index(drop=True)


def dated_reports(
    table: pd.DataFrame, value: str = "deaths", measures: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Rows whose report date is known, with `report_date` (YYYY-MM → first of the month)."""
    _check(table, value)
    if measures is not None:
        valid = sorted(table["measure"].unique())
        unknown = [m for m in measures if m not in valid]
        if unknown:
            raise ValueError(f"unknown measure(s) {unknown}; valid measures are {valid}")
        table = table[table["measure"].isin(measures)]
    out = table[table["vintage"].notna() & (table["vintage"].astype(str) != "")].copy()
    out["report_date"] = pd.to_datetime(out["vintage"].astype(str), format="mixed")
    return out.sort_values(["year", "report_date"]).reset_index(drop=True)


def revision_spread(
    table: pd.DataFrame, value: str = "deaths", measures: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Per year of death: how many dated reports, lowest and highest value, and their spread."""
    reports = dated_reports(table, value, measures)
    grouped = reports.groupby("year")
    out = pd.DataFrame(
        {
            "n_reports": grouped[value].size(),
            "lowest": grouped[value].min(),
            "highest": grouped[value].max(),
            "first_vintage": grouped["vintage"].first(),
            "last_vintage": grouped["vintage"].last(),
        }
    ).reset_index()
    out["spread"] = out["highest"] - out["lowest"]
    out["spread_pct_of_lowest"] = 100 * out["spread"] / out["lowest"]
    return out


def expected_total_range(table: pd.DataFrame) -> pd.DataFrame:
    """Confirmed deaths plus the low/high pending estimate, by year and report, beside the total."""
    _check(table, "deaths")
    wide = table.pivot_table(index=["year", "vintage"], columns="measure", values="deaths",
                             aggfunc="first")
    needed = ["confirmed", "additional_estimated_low", "additional_estimated_high"]
    if any(column not in wide.columns for column in needed):
        return pd.DataFrame(columns=["year", "vintage", "confirmed", "total_low", "total_high",
                                     "published_total"])
    wide = wide.dropna(subset=needed)
    out = pd.DataFrame(
        {
            "confirmed": wide["confirmed"],
            "total_low": wide["confirmed"] + wide["additional_estimated_low"],
            "total_high": wide["confirmed"] + wide["additional_estimated_high"],
            "published_total": wide.get("confirmed_and_estimated"),
        }
    )
    return out.reset_index()


def _legends(
    ax: Axes, years: list[int], measures: list[str], connect: tuple[str, ...], with_pending: bool
) -> None:
    """Two legends: colour = year of death, marker = measure (and the pending-range bar)."""
    by_year = [Line2D([], [], color=style.colour(i), marker="o", linestyle="-", label=str(year))
               for i, year in enumerate(years)]
    # Below the axes, side by side: a phone has no room for legends beside a figure.
    first = ax.legend(handles=by_year, title="Year of death", loc="upper left",
                      bbox_to_anchor=(0.0, -0.16), ncol=4)
    ax.add_artist(first)
    by_measure = [Line2D([], [], color="0.3", marker=MARKERS[m], linestyle="none",
                         markerfacecolor="0.3" if m in connect else "white", label=LABELS[m])
                  for m in measures]
    if with_pending:
        by_measure.append(Line2D([], [], color="0.3", linewidth=2.5, alpha=0.6,
                                 label="confirmed + pending range"))
    ax.legend(handles=by_measure, title="Measure", loc="upper left", bbox_to_anchor=(0.0, -0.42))


def plot_revisions(
    table: pd.DataFrame,
    value: str,
    years: list[int],
    ylabel: str,
    connect: tuple[str, ...] = TOTAL_MEASURES + ("opioid_related",),
    ax: Axes | None = None,
    after: str | None = None,
) -> Figure:
    """Value published for each year of death against the report date; one colour per year.

    Reports of a `connect` measure are joined by a line within a year; others are markers only.
    Reports dated after `after` (a date, e.g. when the article consulted the data) are shaded.
    """
    reports = _plottable(dated_reports(table, value))
    absent = [year for year in years if year not in set(reports["year"])]
    if absent:
        raise ValueError(f"no dated report for year(s) {absent}; years with one: "
                         f"{sorted(reports['year'].unique().tolist())}")
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.2))
    shown = reports[reports["year"].isin(years)]
    for i, year in enumerate(years):
        rows = shown[shown["year"] == year]
        joined = rows[rows["measure"].isin(connect)]
        ax.plot(joined["report_date"], joined[value], color=style.colour(i), linewidth=1.2)
        for measure, points in rows.groupby("measure"):
            ax.scatter(points["report_date"], points[value], color=style.colour(i), s=30,
                       marker=MARKERS[measure], zorder=3,
                       facecolor=style.colour(i) if measure in connect else "white")
    pending = expected_total_range(table)
    pending = pending[pending["year"].isin(years)]
    for row in pending.itertuples(index=False):
        when = pd.to_datetime(str(row.vintage), format="mixed")
        ax.vlines(when, row.total_low, row.total_high, color=style.colour(years.index(row.year)),
                  linewidth=2.5, alpha=0.6)
    _legends(ax, years, sorted(shown["measure"].unique(), key=list(MARKERS).index),
             connect, with_pending=not pending.empty)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    if after is not None:
        style.shade_after_article(ax, pd.Timestamp(after), "released after the article's access")
    ax.set_xlabel("Date of the report")
    ax.set_ylabel(ylabel)
    return fig


def plot_deaths_and_rates(
    deaths: pd.DataFrame, rates: pd.DataFrame, series_source: str, series_label: str,
    after: float | None = None,
) -> Figure:
    """Two stacked panels by year of death: counts (plus an undated series), rates per 100,000;
    years of death after `after` shaded as after the article."""
    if "source_id" not in deaths.columns:
        raise KeyError("deaths table needs column 'source_id' to pick the undated series")
    series = deaths[deaths["source_id"] == series_source]
    if series.empty:
        raise ValueError(f"no row has source_id {series_source!r}; valid ids are "
                         f"{sorted(deaths['source_id'].unique())}")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(style.FIGURE_WIDTH, 7.2), sharex=True)
    plot_by_year_of_death(deaths, "deaths", "Deaths (count)", series, series_label, ax=top)
    plot_by_year_of_death(rates, "rate_per_100k", "Deaths per 100,000 residents", ax=bottom)
    if after is not None:
        for ax in (top, bottom):
            style.shade_after_article(ax, after)
    top.set_xlabel("")
    top.set_title("a. Deaths", loc="left")
    bottom.set_title("b. Rates", loc="left")
    return fig


def plot_by_year_of_death(
    table: pd.DataFrame,
    value: str,
    ylabel: str,
    series: pd.DataFrame | None = None,
    series_label: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Every dated report by year of death, one marker and colour per measure, plus an optional
    undated reference series drawn as a grey line (a missing year breaks it)."""
    reports = _plottable(dated_reports(table, value))
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.2))
    if series is not None:
        _check(series, value)
        years = range(int(series["year"].min()), int(series["year"].max()) + 1)
        line = series.set_index("year")[value].reindex(years)
        ax.plot(line.index, line.to_numpy(), color="0.6", linewidth=1.5, label=series_label)
    # Spread the reports of one year of death sideways, in date order, so none hides another.
    rank = reports.groupby("year").cumcount()
    size = reports.groupby("year")["year"].transform("size")
    x = reports["year"] + 0.13 * (rank - (size - 1) / 2)
    measures = sorted(reports["measure"].unique(), key=list(MARKERS).index)
    for i, measure in enumerate(measures):
        rows = reports["measure"] == measure
        ax.scatter(x[rows], reports.loc[rows, value], s=30, marker=MARKERS[measure],
                   color=style.colour(i), edgecolor="black", linewidth=0.3, zorder=3,
                   label=LABELS[measure])
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.22))
    ax.set_xlabel("Year of death")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    return fig
