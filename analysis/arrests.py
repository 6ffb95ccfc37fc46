"""US drug-law and marijuana arrests: series, peak, post-peak trend, shares and gap-aware charts."""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis import growth, style
from analysis.checks import require_columns

OFFENSES = ("total", "possession", "sale_manufacture")
# The 2016 possession share in fbi_drug_arrests covers only the agencies that reported offence
# type: the FBI published no national breakdown that year, so it is not a national share.
NO_NATIONAL_SHARE = {2016: "no national figure"}


def _check_offense(offense: str) -> None:
    """Raise unless `offense` is one of the dataset's offence codes."""
    if offense not in OFFENSES:
        raise ValueError(f"unknown offense {offense!r}; valid offenses are {list(OFFENSES)}")


def _check_counts(table: pd.DataFrame, column: str) -> None:
    """Raise a ValueError naming the year of the first negative count."""
    bad = table[table[column] < 0]
    if not bad.empty:
        first = bad.iloc[0]
        raise ValueError(f"{column} is negative ({first[column]}) in year {int(first['year'])}")


def drug_arrest_series(table: pd.DataFrame, offense: str = "total") -> pd.DataFrame:
    """Yearly US drug-law arrests of one offence type: the rows flagged `in_series` with a count."""
    require_columns(table, ["year", "offense", "arrests", "in_series", "source_id", "secondary"])
    _check_offense(offense)
    rows = table[(table["offense"] == offense) & table["in_series"] & table["arrests"].notna()]
    rows = rows[["year", "arrests", "source_id", "secondary"]].astype({"year": int, "arrests": int})
    _check_counts(rows, "arrests")
    duplicated = rows[rows["year"].duplicated()]["year"].tolist()
    if duplicated:
        raise ValueError(f"more than one {offense} series value for year(s) {duplicated}")
    return rows.sort_values("year").reset_index(drop=True)


def peak(series: pd.DataFrame, value_col: str = "arrests") -> pd.DataFrame:
    """The year with the highest value (the first one if tied), as a one-row table."""
    require_columns(series, ["year", value_col])
    if series.empty:
        raise ValueError("the series is empty: no peak")
    row = series.loc[series[value_col].idxmax()]
    return pd.DataFrame([{"year": int(row["year"]), value_col: row[value_col]}])


def trend_since_peak(
    series: pd.DataFrame, end_year: int = 2019, value_col: str = "arrests"
) -> pd.DataFrame:
    """Log-linear average annual change from the series' peak year to `end_year` inclusive."""
    top = peak(series[series["year"] <= end_year], value_col).iloc[0]
    window = series[(series["year"] >= top["year"]) & (series["year"] <= end_year)]
    trend = growth.loglinear_trend(window, value_col)
    trend.insert(1, "peak_year", int(top["year"]))
    trend.insert(2, "peak_value", top[value_col])
    return trend


def possession_share(table: pd.DataFrame) -> pd.DataFrame:
    """Published possession share of US drug-law arrests by year (national figures only)."""
    require_columns(table, ["year", "offense", "pct_of_drug_arrests", "in_series", "source_id"])
    rows = table[(table["offense"] == "possession") & table["pct_of_drug_arrests"].notna()]
    rows = rows[~rows["year"].isin(list(NO_NATIONAL_SHARE))]
    # One figure a year: the series row when there is one, otherwise the other source's figure.
    rows = rows.sort_values(["year", "in_series"], ascending=[True, False])
    rows = rows.drop_duplicates("year")
    share = rows[["year", "pct_of_drug_arrests", "source_id"]].rename(
        columns={"pct_of_drug_arrests": "possession_pct"}
    )
    return share.astype({"year": int}).reset_index(drop=True)


def marijuana_series(table: pd.DataFrame, geography: str, offense: str = "total") -> pd.DataFrame:
    """Marijuana arrests for one geography and offence type, one row per year."""
    require_columns(table, ["geography", "year", "offense", "arrests", "source_id"])
    _check_offense(offense)
    places = sorted(table["geography"].unique())
    if geography not in places:
        raise ValueError(f"unknown geography {geography!r}; valid geographies are {places}")
    rows = table[(table["geography"] == geography) & (table["offense"] == offense)]
    rows = rows[["year", "arrests", "source_id"]].astype({"year": int, "arrests": int})
    _check_counts(rows, "arrests")
    return rows.sort_values("year").reset_index(drop=True)


def marijuana_share(drug_totals: pd.DataFrame, marijuana: pd.DataFrame) -> pd.DataFrame:
    """US marijuana arrests as a % of drug-law arrests, and the rest, in years both series have."""
    require_columns(drug_totals, ["year", "arrests"])
    us = marijuana_series(marijuana, "United States", "total")
    both = drug_totals[["year", "arrests"]].merge(us[["year", "arrests"]], on="year")
    both.columns = ["year", "drug_arrests", "marijuana_arrests"]
    too_many = both[both["marijuana_arrests"] > both["drug_arrests"]]
    if not too_many.empty:
        raise ValueError(
            f"marijuana arrests exceed all drug arrests in year(s) {too_many['year'].tolist()}"
        )
    both["other_drug_arrests"] = both["drug_arrests"] - both["marijuana_arrests"]
    both["marijuana_pct"] = 100 * both["marijuana_arrests"] / both["drug_arrests"]
    return both.reset_index(drop=True)


def decline_decomposition(share: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """How much of the change in drug-law arrests between two years is marijuana's (one row)."""
    require_columns(share, ["year", "drug_arrests", "marijuana_arrests", "other_drug_arrests"])
    rows = share.set_index("year")
    missing = [y for y in (start, end) if y not in rows.index]
    if missing:
        raise ValueError(f"no figure for year(s) {missing}; years available: {list(rows.index)}")
    change = rows.loc[end] - rows.loc[start]
    if change["drug_arrests"] == 0:
        raise ValueError(f"drug-law arrests did not change from {start} to {end}: nothing to split")
    return pd.DataFrame(
        [
            {
                "start_year": start,
                "end_year": end,
                "drug_change": change["drug_arrests"],
                "marijuana_change": change["marijuana_arrests"],
                "other_change": change["other_drug_arrests"],
                "marijuana_pct_of_change": 100
                * change["marijuana_arrests"]
                / change["drug_arrests"],
            }
        ]
    )


# Short labels for the Massachusetts marijuana law changes of policy_timeline, keyed by a word
# that identifies each event; an event that matches none is an error, not a silent omission.
MARIJUANA_LAW_LABELS = {
    "decriminalised": "Possession decriminalised",
    "medical": "Medical use legal",
    "referendum": "Recreational use voted",
    "shops": "First shops open",
}


def marijuana_laws(timeline: pd.DataFrame, jurisdiction: str = "Massachusetts") -> pd.DataFrame:
    """The marijuana law changes of a jurisdiction in policy_timeline, with short labels."""
    require_columns(timeline, ["date", "year", "event", "category", "jurisdiction"])
    rows = timeline[
        (timeline["category"] == "law")
        & (timeline["jurisdiction"] == jurisdiction)
        & timeline["event"].str.contains("marijuana", case=False)
    ]
    labels = []
    for event in rows["event"]:
        found = [v for k, v in MARIJUANA_LAW_LABELS.items() if k in event.lower()]
        if len(found) != 1:
            raise ValueError(f"no single short label for the marijuana law event {event!r}")
        labels.append(found[0])
    laws = rows[["date", "year", "event"]].assign(label=labels)
    return laws.astype({"year": int}).sort_values("date").reset_index(drop=True)


# Runs of consecutive years, as the other charts split them (kept here for its callers).
consecutive_runs = style.consecutive_runs


def _plot_gap_aware(
    ax: Axes,
    table: pd.DataFrame,
    value_col: str,
    colour: str,
    label: str,
    hollow: bool = False,
    scale: float = 1.0,
) -> None:
    """Markers for every year; lines only between consecutive years, so a gap stays a gap."""
    values = table.set_index("year")[value_col] / scale
    for run in consecutive_runs(values.index):
        ax.plot(run, values.loc[run], color=colour, linewidth=1.6)
    ax.plot(
        values.index,
        values,
        linestyle="none",
        marker="o",
        markersize=5,
        color=colour,
        markerfacecolor="white" if hollow else colour,
        label=label,
    )


def _signed(value: float) -> str:
    """A number with one decimal and a typographic sign (+1.2, \u22121.2)."""
    return f"{value:+.1f}".replace("-", "\u2212")


def reporting_break(reporting: pd.DataFrame) -> int:
    """The first year of arrest data collected through NIBRS only (fbi_arrest_reporting)."""
    require_columns(reporting, ["year", "reporting_system"], "reporting_break")
    nibrs = reporting.loc[reporting["reporting_system"] == "nibrs", "year"]
    if nibrs.empty:
        raise ValueError("no NIBRS year in the reporting table: no break to mark")
    return int(nibrs.min())


def plot_drug_arrests(
    series: pd.DataFrame,
    trend: pd.DataFrame | None = None,
    end_year: int = 2019,
    ax: Axes | None = None,
    reporting: pd.DataFrame | None = None,
    reported: pd.DataFrame | None = None,
) -> Figure:
    """US drug-law arrests by year (millions), later years hollow, with the post-peak trend; the
    move to NIBRS (from `reporting`) as a dotted line, counts that are not estimates (`reported`:
    year, arrests) as crosses, years after `end_year` shaded."""
    require_columns(series, ["year", "arrests"])
    fig, ax = style.figure_axes(ax)
    fitted = series[series["year"] <= end_year]
    later = series[series["year"] > end_year]
    _plot_gap_aware(ax, fitted, "arrests", style.colour(0), "Estimated arrests", scale=1e6)
    if not later.empty:
        years = ", ".join(str(y) for y in later["year"])
        _plot_gap_aware(
            ax,
            later,
            "arrests",
            style.colour(0),
            f"{years}: shown, not in the trend",
            hollow=True,
            scale=1e6,
        )
    if trend is not None:
        row = trend.iloc[0]
        line = growth.fitted_line(trend)
        ax.plot(
            line["year"],
            line["fitted"] / 1e6,
            color=style.colour(1),
            linestyle="--",
            label=(
                f"Log-linear trend {row['first_year']}–{row['last_year']}: "
                f"{_signed(row['annual_change_pct'])} % a year"
            ),
        )
    if reported is not None and len(reported):
        require_columns(reported, ["year", "arrests"], "plot_drug_arrests (reported)")
        ax.plot(reported["year"], reported["arrests"] / 1e6, linestyle="none", marker="X",
                markersize=7, color=style.colour(2),
                label=", ".join(str(y) for y in reported["year"])
                + ": reported count, not an estimate")
    if reporting is not None:
        first = reporting_break(reporting)
        ax.axvline(first - 0.5, color=style.PALETTE["black"], linestyle=":", linewidth=1)
        ax.annotate(f"NIBRS only from {first}", xy=(first - 0.5, 0.02),
                    xycoords=("data", "axes fraction"), xytext=(-2, 0),
                    textcoords="offset points", rotation=90, ha="right", va="bottom",
                    fontsize=style.SMALL_FONT)
    if len(later) or reporting is not None:
        style.shade_after_article(ax, end_year + 0.5)
    ax.set_ylabel("Drug-law arrests (millions)")
    ax.set_xlabel("Year")
    ax.set_ylim(0, None)
    ax.legend(loc="lower left")
    return fig


def plot_possession_share(
    share: pd.DataFrame, ax: Axes | None = None, after: float | None = None
) -> Figure:
    """Possession as a % of US drug-law arrests, with years lacking a national figure marked and
    the years after `after` shaded."""
    require_columns(share, ["year", "possession_pct"])
    fig, ax = style.figure_axes(ax)
    _plot_gap_aware(ax, share, "possession_pct", style.colour(2), "Possession (published share)")
    low = np.floor(share["possession_pct"].min() / 5) * 5
    for year, reason in NO_NATIONAL_SHARE.items():
        if share["year"].min() < year < share["year"].max():
            ax.axvline(year, color=style.PALETTE["black"], linestyle=":", linewidth=1)
            ax.annotate(
                f"{year}: {reason}",
                xy=(year, 1),
                xycoords=("data", "axes fraction"),
                xytext=(4, -2),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize="small",
            )
    if after is not None:
        style.shade_after_article(ax, after, "")
    ax.set_ylim(low, 100)
    ax.set_ylabel("Possession share (%)")
    ax.set_xlabel("Year")
    ax.legend(loc="upper left")
    return fig


def plot_marijuana_arrests(
    table: pd.DataFrame,
    geography: str,
    laws: pd.DataFrame | None = None,
    other_drugs: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Marijuana arrests of one geography, with law changes and optionally other drugs' arrests."""
    fig, ax = style.figure_axes(ax)
    scale = 1e3 if table.loc[table["geography"] == geography, "arrests"].max() > 1e5 else 1.0
    for i, offense in enumerate(("total", "possession")):
        rows = marijuana_series(table, geography, offense)
        if not rows.empty:
            label = "All marijuana offences" if offense == "total" else "Marijuana possession"
            _plot_gap_aware(ax, rows, "arrests", style.colour(i), label, scale=scale)
    if other_drugs is not None:
        require_columns(other_drugs, ["year", "other_drug_arrests"])
        _plot_gap_aware(
            ax,
            other_drugs,
            "other_drug_arrests",
            style.colour(3),
            "Other drugs (all drug-law arrests minus marijuana)",
            scale=scale,
        )
    if laws is not None:
        require_columns(laws, ["year", "label"])
        for year, label in zip(laws["year"], laws["label"], strict=True):
            ax.axvline(year, color=style.PALETTE["black"], linestyle=":", linewidth=1)
            ax.annotate(
                label,
                xy=(year, 1),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                rotation=90,
                va="top",
                fontsize="small",
            )
    unit = " (thousands)" if scale > 1 else ""
    ax.set_ylabel(f"Arrests{unit}")
    ax.set_title(geography, loc="left")
    ax.set_xlabel("Year")
    ax.set_ylim(0, None)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(loc="best")
    return fig
