"""Death rates by race across NCHS's two classifications of race: one tidy series per group that
keeps the break, rate ratios with intervals where the published limits allow, and charts that
never join two classifications (or two documents) in one line."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from analysis import style
from analysis.checks import require_columns
from analysis.rates import RACE_LABELS, SEX_LABELS, Z_95, ratio_axes

US = "United States"
SYSTEMS = {"bridged": "bridged race", "single": "single race"}
MARKERS = {"bridged": "o", "single": "D"}
MA_GROUPS = {**RACE_LABELS, "american_indian": "American Indian"}
LINE_KEYS = ("race_ethnicity", "race_system", "source_id")
RUN = "run"  # the gid of every line drawn through data points
COLUMNS = ["year", "race_ethnicity", "race_system", "rate_per_100k", "lower_95", "upper_95",
           "source_id", "vintage"]


def us_race_series(
    nchs: pd.DataFrame,
    later: pd.DataFrame,
    groups: list[str],
    nchs_source: str = "nchs2018drugpoisoning",
) -> pd.DataFrame:
    """US all-drug age-adjusted rates of `groups`, both sexes: the NCHS series to 2016 (bridged
    race, with published 95% limits) and the later documents (single race, no limits)."""
    require_columns(nchs, ["geography", "race_ethnicity", "year", "aa_rate_per_100k",
                           "aa_lower_95", "aa_upper_95"], "us_race_series (NCHS series)")
    require_columns(later, ["year", "race_ethnicity", "sex", "measure", "race_system",
                            "rate_per_100k", "vintage", "source_id"], "us_race_series (later)")
    old = nchs[(nchs["geography"] == US) & nchs["race_ethnicity"].isin(groups)]
    old = pd.DataFrame({
        "year": old["year"], "race_ethnicity": old["race_ethnicity"], "race_system": "bridged",
        "rate_per_100k": old["aa_rate_per_100k"], "lower_95": old["aa_lower_95"],
        "upper_95": old["aa_upper_95"], "source_id": nchs_source, "vintage": "2019-03",
    })
    new = later[(later["sex"] == "both") & (later["measure"] == "all_drug_overdose")
                & later["race_ethnicity"].isin(groups)]
    new = new.assign(lower_95=np.nan, upper_95=np.nan)[COLUMNS]
    series = pd.concat([old[COLUMNS], new], ignore_index=True)
    series = series.astype({"year": int, "rate_per_100k": float})
    return line_segments(series.sort_values(["race_ethnicity", "year", "race_system"]))


def line_segments(table: pd.DataFrame, keys: tuple[str, ...] = LINE_KEYS) -> pd.DataFrame:
    """Number the runs that may be drawn as one line: consecutive years with the same `keys`
    (group, race classification, document). A missing year or any change of key starts a run."""
    require_columns(table, ["year", *keys], "line_segments")
    ordered = table.sort_values([*keys, "year"], kind="stable").reset_index(drop=True)
    same = (ordered[list(keys)] == ordered[list(keys)].shift()).all(axis=1)
    follows = ordered["year"] == ordered["year"].shift() + 1
    ordered["segment"] = (~(same & follows)).cumsum() - 1
    return ordered


def check_one_system_per_line(table: pd.DataFrame) -> None:
    """Raise a ValueError if a drawable run joins two classifications of race."""
    require_columns(table, ["segment", "race_system", "race_ethnicity", "year"])
    systems = table.groupby("segment")["race_system"].nunique()
    mixed = systems[systems > 1].index
    if len(mixed):
        rows = table[table["segment"] == mixed[0]]
        raise ValueError(
            f"segment {mixed[0]} ({rows['race_ethnicity'].iloc[0]}, years "
            f"{rows['year'].min()}-{rows['year'].max()}) joins race systems "
            f"{sorted(rows['race_system'].unique())}: a series break must stay a break")


def ratio_with_interval(series: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    """numerator's rate ÷ denominator's, year by year, for rates of the same classification and
    document; a 95% interval where both rates have published limits (log scale, independent
    groups: SE = sqrt(se1² + se2²), each se from its limits), none otherwise."""
    require_columns(series, COLUMNS, "ratio_with_interval")
    keys = ["year", "race_system", "source_id"]
    sides = [series[series["race_ethnicity"] == name].set_index(keys) for name in
             (numerator, denominator)]
    pair = sides[0].join(sides[1], how="inner", lsuffix="_num", rsuffix="_den").reset_index()
    ratio = pair["rate_per_100k_num"] / pair["rate_per_100k_den"]

    def log_se(side: str) -> pd.Series:
        return (np.log(pair[f"upper_95_{side}"]) - np.log(pair[f"lower_95_{side}"])) / (2 * Z_95)

    se = np.sqrt(log_se("num") ** 2 + log_se("den") ** 2)
    return pd.DataFrame({
        "year": pair["year"], "race_system": pair["race_system"], "source_id": pair["source_id"],
        "numerator": numerator, "denominator": denominator, "rate_ratio": ratio,
        "rate_ratio_lower_95": ratio * np.exp(-Z_95 * se),
        "rate_ratio_upper_95": ratio * np.exp(Z_95 * se),
    }).sort_values(["year", "race_system"]).reset_index(drop=True)


def years_above(series: pd.DataFrame, group: str, other: str) -> pd.DataFrame:
    """Years in which `group`'s rate is above `other`'s, within one classification and document."""
    ratios = ratio_with_interval(series, group, other)
    return ratios[ratios["rate_ratio"] > 1].reset_index(drop=True)


def _draw_runs(ax: Axes, table: pd.DataFrame, colour: str, label: str | None) -> None:
    """Lines within each run, markers everywhere (filled: bridged race; hollow: single race)."""
    check_one_system_per_line(table)
    for _, run in table.groupby("segment"):
        system = run["race_system"].iloc[0]
        if len(run) > 1:
            ax.plot(run["year"], run["rate_per_100k"], color=colour, linewidth=1.4,
                    linestyle="-" if system == "bridged" else "--", gid=RUN)
        ax.plot(run["year"], run["rate_per_100k"], linestyle="none", color=colour,
                marker=MARKERS[system], markersize=4 if system == "bridged" else 6,
                markerfacecolor=colour if system == "bridged" else "white")
        limits = run.dropna(subset=["lower_95", "upper_95"])
        if len(limits):
            ax.fill_between(limits["year"], limits["lower_95"], limits["upper_95"],
                            color=colour, alpha=0.2, linewidth=0)
    if label:
        ax.plot([], [], color=colour, linewidth=1.4, label=label)


def plot_us_by_race(
    series: pd.DataFrame, groups: list[str], break_year: int = 2018, after: float = 2019.5,
    ax: Axes | None = None,
) -> Figure:
    """US rates by group across the race-classification break: bridged-race lines with limits,
    later single-race points (dashed only within one document), the break and the gap marked."""
    require_columns(series, [*COLUMNS, "segment"], "plot_us_by_race")
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.6))
    for i, group in enumerate(groups):
        _draw_runs(ax, series[series["race_ethnicity"] == group], style.colour(i), group)
    style.shade_after_article(ax, after, "after the article", label_at="bottom")
    _mark_break(ax, series, break_year)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Year of death")
    ax.set_ylabel("Deaths per 100,000 (age-adjusted)")
    ax.set_ylim(bottom=0)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="0.3", marker=MARKERS[s], linestyle="none",
                       markerfacecolor="0.3" if s == "bridged" else "white",
                       label=f"{label.capitalize()}") for s, label in SYSTEMS.items()]
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    return fig


def _mark_break(ax: Axes, series: pd.DataFrame, break_year: int) -> None:
    """The classification break as a dotted line; years with no row for any group hatched."""
    ax.axvline(break_year - 0.5, color=style.PALETTE["black"], linestyle=":", linewidth=1)
    ax.annotate("race classification changes", xy=(break_year - 0.5, 0.98),
                xycoords=("data", "axes fraction"), xytext=(-2, 0), textcoords="offset points",
                rotation=90, ha="right", va="top", fontsize=style.SMALL_FONT)
    years = sorted(series["year"].unique())
    missing = [y for y in range(years[0], years[-1] + 1) if y not in years]
    for run in style.consecutive_runs(missing):
        style.mark_gap(ax, run[0] - 0.5, run[-1] + 0.5, "not found", label_at="top")


def plot_ratio(ratios: pd.DataFrame, after: float = 2019.5, ax: Axes | None = None) -> Figure:
    """One group's rate over another's by year, log scale, parity dashed, 95% interval where
    computable; runs never cross a change of classification or document."""
    require_columns(ratios, ["year", "race_system", "source_id", "rate_ratio",
                             "rate_ratio_lower_95", "rate_ratio_upper_95"], "plot_ratio")
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 3.4))
    table = line_segments(ratios.assign(race_ethnicity="ratio").rename(
        columns={"rate_ratio": "rate_per_100k", "rate_ratio_lower_95": "lower_95",
                 "rate_ratio_upper_95": "upper_95"}))
    _draw_runs(ax, table, style.colour(0), None)
    ratio_axes(ax)
    style.shade_after_article(ax, after, "after the article", label_at="bottom")
    first = ratios.iloc[0]
    ax.set_ylabel(f"{first['numerator'].split()[-1]} ÷ {first['denominator'].split()[-1]} "
                  "(log scale)")
    ax.set_xlabel("Year of death")
    return fig


def plot_ma_by_race_and_sex(
    table: pd.DataFrame, article_source: str = "vivant2021", after: float = 2019.5,
    fig: Figure | None = None,
) -> Figure:
    """Massachusetts rates by group, one panel per sex, so that a rate for men is never read as a
    rate for both sexes; points of one release are joined, releases never; the article's figures
    are diamonds."""
    require_columns(table, ["year", "race_ethnicity", "sex", "rate_per_100k", "vintage",
                            "source_id"], "plot_ma_by_race_and_sex")
    unknown = sorted(set(table["race_ethnicity"]) - set(MA_GROUPS))
    if unknown:
        raise ValueError(f"unknown race_ethnicity {unknown}; valid values are {list(MA_GROUPS)}")
    if fig is None:
        fig = plt.figure(figsize=(style.FIGURE_WIDTH, 7.6))
    # One panel above another, so that each has the width of a phone's screen.
    axes = fig.subplots(3, 1, sharex=True, sharey=True)
    runs = line_segments(table.assign(race_system="not_stated"),
                         keys=("race_ethnicity", "sex", "source_id"))
    groups = [g for g in MA_GROUPS if g in set(table["race_ethnicity"])]
    for ax, sex in zip(axes, SEX_LABELS, strict=True):
        for i, group in enumerate(groups):
            colour = style.colour(i)
            for _, run in runs[(runs["sex"] == sex) & (runs["race_ethnicity"] == group)].groupby(
                    "segment"):
                article = run["source_id"].iloc[0] == article_source
                if len(run) > 1:
                    ax.plot(run["year"], run["rate_per_100k"], color=colour, linewidth=1.2,
                            gid=RUN)
                ax.plot(run["year"], run["rate_per_100k"], linestyle="none", color=colour,
                        marker="D" if article else "o", markersize=6 if article else 4,
                        markeredgecolor="black" if article else colour, markeredgewidth=0.5)
        ax.set_title(SEX_LABELS[sex] + ("" if sex == "both" else " only"))
        first, last = int(table["year"].min()), int(table["year"].max())
        ax.set_xticks(range(first, last + 1))
        ax.set_xlim(first - 0.5, last + 0.5)
        style.shade_after_article(ax, after, "later")
        ax.set_ylabel("Per 100,000")
    axes[0].set_ylim(bottom=0)
    axes[-1].set_xlabel("Year of death")
    handles = [Line2D([], [], color=style.colour(i), marker="o", label=MA_GROUPS[g])
               for i, g in enumerate(groups)]
    handles.append(Line2D([], [], color="0.3", marker="D", linestyle="none",
                          markeredgecolor="black", label="As printed in the article (2019)"))
    fig.tight_layout()
    fig.legend(handles=handles, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 0.0),
               fontsize=style.SMALL_FONT)
    return fig
