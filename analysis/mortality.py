"""Overdose mortality in Massachusetts against the United States (the introduction's figure)."""

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis import style
from analysis.checks import require_columns
from analysis.later import LAST_ARTICLE_YEAR, latest_by_year

ALL_GROUPS = "All Races-All Origins"
STATE = "Massachusetts"
NATION = "United States"


def state_and_nation(nchs: pd.DataFrame) -> pd.DataFrame:
    """Massachusetts and US rows (all races, both sexes) of the NCHS drug-poisoning table."""
    missing = {"geography", "race_ethnicity", "year", "aa_rate_per_100k"} - set(nchs.columns)
    if missing:
        raise ValueError(f"NCHS table lacks column(s) {sorted(missing)}")
    rows = nchs[(nchs["race_ethnicity"] == ALL_GROUPS) & nchs["geography"].isin([STATE, NATION])]
    for place in (STATE, NATION):
        if not (rows["geography"] == place).any():
            raise ValueError(f"NCHS table has no {ALL_GROUPS!r} rows for {place!r}")
    return rows.sort_values(["geography", "year"]).reset_index(drop=True)


def state_to_nation_ratio(nchs: pd.DataFrame, column: str = "aa_rate_per_100k") -> pd.DataFrame:
    """Massachusetts rate divided by the US rate, year by year (years both report)."""
    rows = state_and_nation(nchs).pivot(index="year", columns="geography", values=column)
    ratio = (rows[STATE] / rows[NATION]).dropna()
    return ratio.rename("ma_to_us_ratio").reset_index()


def first_year_at_least(ratio: pd.DataFrame, threshold: float) -> int | None:
    """First year in which the Massachusetts/US ratio reaches the threshold, or None."""
    reached = ratio.loc[ratio["ma_to_us_ratio"] >= threshold, "year"]
    return int(reached.min()) if not reached.empty else None


def plot_state_vs_nation(
    nchs: pd.DataFrame, later_points: pd.DataFrame, ax: plt.Axes | None = None,
    after: pd.DataFrame | None = None,
) -> Figure:
    """Age-adjusted MA and US rates with 95% limits, plus later single-year points with labels.

    `later_points` needs columns year, rate_per_100k, label and geography: they are other measures
    (e.g. opioid-only counts from the state) and are drawn as separate markers, never joined to the
    NCHS lines. `after` (see after_article_points) adds hollow markers, one per document, and
    shades the years after the article.
    """
    rows = state_and_nation(nchs)
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.4))
    colours = {STATE: style.colour(0), NATION: style.colour(1)}
    for place, group in rows.groupby("geography"):
        ax.fill_between(
            group["year"], group["aa_lower_95"], group["aa_upper_95"],
            color=colours[place], alpha=0.2, linewidth=0,
        )
        ax.plot(group["year"], group["aa_rate_per_100k"], color=colours[place], marker="o",
                markersize=3, label=f"{place}, all drugs, age-adjusted (NCHS)")
    markers = ["D", "s", "^", "v"]
    for i, point in enumerate(later_points.itertuples(index=False)):
        ax.scatter(point.year, point.rate_per_100k, marker=markers[i % len(markers)], s=55,
                   color=colours.get(point.geography, style.colour(2)), edgecolor="black",
                   zorder=3, label=point.label)
    if after is not None:
        _plot_after(ax, after, colours)
    elif len(later_points):
        gap_end = later_points["year"].min() - 0.5
        ax.axvspan(rows["year"].max() + 0.5, gap_end, color="0.92", zorder=0)
        ax.text(gap_end - 0.15, 1, "not covered by\nthe NCHS series", ha="right", va="bottom",
                fontsize=style.SMALL_FONT, color="0.3", rotation=90)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Year of death")
    ax.set_ylabel("Deaths per 100,000 residents")
    ax.set_ylim(bottom=0)
    # Below the chart from the figure's left edge: the labels are long and a phone is narrow.
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.02), bbox_transform=fig.transFigure,
              fontsize="small", ncol=1)
    return fig


AFTER_MARKERS = {STATE: "s", NATION: "o"}


def _plot_after(ax: plt.Axes, after: pd.DataFrame, colours: dict[str, str]) -> None:
    """Hollow markers for later figures, never joined (each year is its own document), and the
    years after the article shaded."""
    require_columns(after, ["year", "geography", "rate_per_100k", "label"], "the later points")
    for (place, label), points in after.groupby(["geography", "label"], sort=False):
        ax.plot(points["year"], points["rate_per_100k"], linestyle="none",
                marker=AFTER_MARKERS.get(place, "^"), markersize=6, markerfacecolor="white",
                color=colours.get(place, style.colour(2)), label=label)
    style.shade_after_article(ax, LAST_ARTICLE_YEAR + 0.5)


def after_article_points(
    nchs: pd.DataFrame, us_later: pd.DataFrame, mdph_rates: pd.DataFrame,
    first_state_year: int = LAST_ARTICLE_YEAR + 1,
) -> pd.DataFrame:
    """The US all-drug age-adjusted rate from each NCHS Data Brief for the years after the NCHS
    series, and the state's opioid-related rate for each year after the article from its latest
    MDPH release."""
    require_columns(us_later, ["year", "race_ethnicity", "sex", "measure", "rate_per_100k",
                               "source_id", "vintage"], "after_article_points (US)")
    us = us_later[(us_later["race_ethnicity"] == ALL_GROUPS) & (us_later["sex"] == "both")
                  & (us_later["measure"] == "all_drug_overdose")]
    series_end = state_and_nation(nchs)["year"].max()
    us = us[us["year"] > series_end]
    state = latest_by_year(mdph_rates, "rate_per_100k", "opioid_related")
    state = state[state["year"] >= first_state_year]
    def points(rows: pd.DataFrame, geography: str, measure: str, label: str) -> pd.DataFrame:
        return rows[["year", "rate_per_100k", "source_id", "vintage"]].assign(
            geography=geography, measure=measure, label=label
        )[["year", "geography", "rate_per_100k", "measure", "label", "source_id", "vintage"]]

    return pd.concat([
        points(us, NATION, "all drugs, age-adjusted (NCHS Data Briefs)",
               "United States, all drugs, age-adjusted: one NCHS Data Brief per year"),
        points(state, STATE, "opioid-related (MDPH)",
               "Massachusetts, opioid-related (MDPH): latest release of each year"),
    ], ignore_index=True).astype({"year": int})


def _one_row(table: pd.DataFrame, what: str, **criteria: object) -> pd.Series:
    """The one row of `table` matching every criterion, or a ValueError saying what was sought."""
    mask = pd.Series(True, index=table.index)
    for column, value in criteria.items():
        mask &= table[column] == value
    rows = table[mask]
    if len(rows) != 1:
        raise ValueError(f"expected one row for {what} ({criteria}), found {len(rows)}")
    return rows.iloc[0]


def later_reference_points(
    mdph_rates: pd.DataFrame,
    us_rates: pd.DataFrame,
    year: int = 2019,
    mdph_vintage: str = "2020-02",
    us_source: str = "mattson2021mmwr",
) -> pd.DataFrame:
    """The state's opioid-related rate (one report vintage) and the US all-drug rate of a year."""
    state = _one_row(mdph_rates, "the MDPH opioid-related rate", year=year,
                     measure="opioid_related", vintage=mdph_vintage)
    nation = _one_row(us_rates, "the US all-drug rate", year=year, geography=NATION,
                      measure="all_drug_overdose", rate_type="age_adjusted", source_id=us_source)
    return pd.DataFrame(
        {
            "year": [year, year],
            "geography": [STATE, NATION],
            "rate_per_100k": [float(state["rate_per_100k"]), float(nation["rate_per_100k"])],
            "measure": ["opioid-related (MDPH)", "all drugs, age-adjusted (CDC)"],
            "label": [
                f"Massachusetts {year}, opioid-related (MDPH, report of {mdph_vintage})",
                f"United States {year}, all drugs, age-adjusted (CDC)",
            ],
            "source_id": [state["source_id"], nation["source_id"]],
        }
    )
