"""Death rates from counts: crude rates with exact Poisson intervals, rate ratios, race charts."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator
from scipy import special

from analysis import style
from analysis.checks import require_columns

PER_100K = 100_000
# The normal quantile and chi-square quantiles straight from scipy.special, which scipy.stats calls
# for norm.ppf and chi2.ppf (the same numbers), without importing scipy.stats (0.5 s a notebook).
Z_95 = special.ndtri(0.975)
RATIO_TICKS = [0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4]


def _check_non_negative(table: pd.DataFrame, column: str, strictly_positive: bool = False) -> None:
    """Raise a ValueError naming the first row whose `column` is negative (or zero if strict)."""
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values <= 0 if strictly_positive else values < 0
    non_numeric = values.isna() & table[column].notna()
    if non_numeric.any():
        row = non_numeric.idxmax()
        raise ValueError(f"column {column!r}, row {row}: {table.at[row, column]!r} is not a number")
    if bad.any():
        row = bad.idxmax()
        rule = "positive" if strictly_positive else "non-negative"
        raise ValueError(f"column {column!r}, row {row}: {values[row]} must be {rule}")


def poisson_exact_interval(
    counts: float | np.ndarray | pd.Series, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood, chi-square) confidence limits for a Poisson count; NaN counts give NaN."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    counts = np.asarray(counts, dtype=float)
    if np.any(counts < 0):
        raise ValueError(f"Poisson counts must be non-negative, got {counts[counts < 0].tolist()}")
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        # chi2.ppf(q, 2k) / 2 is gammaincinv(k, q).
        lower = np.where(counts > 0, special.gammaincinv(counts, alpha / 2), 0.0)
        upper = special.gammaincinv(counts + 1, 1 - alpha / 2)
    lower = np.where(np.isnan(counts), np.nan, lower)
    return lower, upper


def crude_rates(
    table: pd.DataFrame, deaths: str = "deaths", population: str = "population"
) -> pd.DataFrame:
    """Add crude rates per 100,000 with exact (Garwood) Poisson 95% limits computed from counts."""
    require_columns(table, [deaths, population], "crude_rates")
    _check_non_negative(table, deaths)
    _check_non_negative(table, population, strictly_positive=True)
    out = table.copy()
    count = out[deaths].astype(float)
    people = out[population].astype(float)
    lower, upper = poisson_exact_interval(count)
    out["computed_crude_per_100k"] = count / people * PER_100K
    out["computed_lower_95_per_100k"] = lower / people * PER_100K
    out["computed_upper_95_per_100k"] = upper / people * PER_100K
    return out


def crude_rate_check(table: pd.DataFrame, published: str = "crude_rate_per_100k") -> pd.DataFrame:
    """Our crude rates beside the published ones, row by row, with their absolute difference."""
    require_columns(table, [published], "crude_rate_check")
    ours = crude_rates(table)
    ours["abs_diff_per_100k"] = (ours["computed_crude_per_100k"] - ours[published]).abs()
    return ours


def rate_ratios(
    table: pd.DataFrame,
    numerator: str,
    denominator: str,
    group: str = "race_ethnicity",
    by: str = "year",
    adjusted: str | None = None,
) -> pd.DataFrame:
    """Crude rate ratio numerator/denominator per `by`, with a 95% log-normal interval from counts.

    SE(log RR) = sqrt(1/d1 + 1/d2) (Poisson counts, populations taken as fixed). If `adjusted`
    names a rate column, the ratio of those rates is added as a point estimate only.
    """
    columns = [group, by, "deaths", "population"] + ([adjusted] if adjusted else [])
    require_columns(table, columns, "rate_ratios")
    valid = sorted(table[group].dropna().unique())
    for name in (numerator, denominator):
        if name not in valid:
            raise ValueError(f"unknown {group} {name!r}; valid values are {valid}")
    rated = crude_rates(table)
    sides = []
    for role, name in (("numerator", numerator), ("denominator", denominator)):
        side = rated[rated[group] == name]
        repeated = side[by][side[by].duplicated()].unique().tolist()
        if repeated:
            raise ValueError(
                f"{group} {name!r} has several rows for {by} {repeated}: filter the table "
                "(e.g. to one geography) first"
            )
        keep = {"deaths": f"deaths_{role}", "computed_crude_per_100k": f"rate_{role}"}
        if adjusted:
            keep[adjusted] = f"adjusted_{role}"
        sides.append(side.set_index(by)[list(keep)].rename(columns=keep))
    pair = sides[0].join(sides[1], how="inner")
    log_ratio = np.log(pair["rate_numerator"] / pair["rate_denominator"])
    se = np.sqrt(1 / pair["deaths_numerator"] + 1 / pair["deaths_denominator"])
    out = pd.DataFrame(
        {
            by: pair.index,
            "numerator": numerator,
            "denominator": denominator,
            "deaths_numerator": pair["deaths_numerator"].to_numpy(),
            "deaths_denominator": pair["deaths_denominator"].to_numpy(),
            "rate_ratio": np.exp(log_ratio).to_numpy(),
            "rate_ratio_lower_95": np.exp(log_ratio - Z_95 * se).to_numpy(),
            "rate_ratio_upper_95": np.exp(log_ratio + Z_95 * se).to_numpy(),
        }
    )
    if adjusted:
        adjusted_ratio = pair["adjusted_numerator"] / pair["adjusted_denominator"]
        out["age_adjusted_rate_ratio"] = adjusted_ratio.to_numpy()
    return out.reset_index(drop=True)


def plot_rates_by_group(
    table: pd.DataFrame,
    rate: str,
    lower: str,
    upper: str,
    group: str = "race_ethnicity",
    ylabel: str = "Deaths per 100,000",
    order: list[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One line per group over the years (in `order` if given), 95% limits as a band; gaps stay."""
    require_columns(table, ["year", group, rate, lower, upper], "plot_rates_by_group")
    present = list(dict.fromkeys(table[group]))
    order = order or present
    unknown = [name for name in order if name not in present]
    if unknown:
        raise ValueError(f"{group} {unknown} not in the table; it has {present}")
    fig, ax = style.figure_axes(ax)
    for i, name in enumerate(order):
        rows = table[table[group] == name]
        # Reindex on every year so that a missing year breaks the line instead of bridging it.
        years = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        rows = rows.set_index("year").reindex(years)
        ax.fill_between(rows.index, rows[lower], rows[upper], color=style.colour(i), alpha=0.2,
                        linewidth=0)
        ax.plot(rows.index, rows[rate], color=style.colour(i), marker="o", markersize=3, label=name)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return fig


def ratio_axes(ax: Axes) -> None:
    """Axes for rate ratios by year: log scale with plain ticks (RATIO_TICKS within the data),
    parity dashed, whole years."""
    ax.axhline(1, color=style.PALETTE["black"], linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.yaxis.set_major_locator(FixedLocator([t for t in RATIO_TICKS if low <= t <= high]))
    ax.yaxis.set_major_formatter("{x:g}")
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_rate_ratios(ratios: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Rate ratios by year on a log scale, one line per pair, 95% interval as a band; 1 = parity."""
    needed = ["year", "numerator", "denominator", "rate_ratio", "rate_ratio_lower_95",
              "rate_ratio_upper_95"]
    require_columns(ratios, needed, "plot_rate_ratios")
    fig, ax = style.figure_axes(ax)
    pairs = ratios.groupby(["numerator", "denominator"], sort=False)
    for i, ((num, den), rows) in enumerate(pairs):
        years = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        rows = rows.set_index("year").reindex(years)
        ax.fill_between(rows.index, rows["rate_ratio_lower_95"], rows["rate_ratio_upper_95"],
                        color=style.colour(i), alpha=0.25, linewidth=0)
        ax.plot(rows.index, rows["rate_ratio"], color=style.colour(i), marker="o", markersize=3,
                label=f"{num} / {den}")
    ratio_axes(ax)
    ax.set_xlabel("Year")
    ax.set_ylabel("Crude rate ratio (log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1)
    return fig


RACE_LABELS = {
    "white_non_hispanic": "White non-Hispanic",
    "black_non_hispanic": "Black non-Hispanic",
    "hispanic": "Hispanic",
    "asian_pacific_islander": "Asian/Pacific Islander",
}
SEX_LABELS = {"both": "Both sexes", "male": "Men", "female": "Women"}


def sex_bounds_check(table: pd.DataFrame) -> pd.DataFrame:
    """Set each both-sexes rate beside the male and female rates of the latest release giving both.

    A both-sexes rate is the population-weighted mean of the male and female rates (exactly so for
    crude rates), so it must lie between them; `implied_female_weight` = (male - both) /
    (male - female) is the female population share that mean would need.
    """
    needed = ["year", "race_ethnicity", "sex", "rate_per_100k", "vintage", "source_id"]
    require_columns(table, needed, "sex_bounds_check")
    unknown = sorted(set(table["sex"]) - set(SEX_LABELS))
    if unknown:
        raise ValueError(f"unknown sex value(s) {unknown}; valid values are {list(SEX_LABELS)}")
    found = []
    for both in table[table["sex"] == "both"].itertuples(index=False):
        same = table[
            (table["year"] == both.year) & (table["race_ethnicity"] == both.race_ethnicity)
        ]
        by_sex = same[same["sex"] != "both"].pivot_table(
            index="vintage", columns="sex", values="rate_per_100k", aggfunc="first"
        )
        if not {"male", "female"} <= set(by_sex.columns):
            continue
        paired = by_sex.dropna(subset=["male", "female"]).sort_index()
        if paired.empty:
            continue
        vintage = paired.index[-1]
        male, female = paired.loc[vintage, "male"], paired.loc[vintage, "female"]
        low, high = sorted([female, male])
        found.append(
            {
                "year": both.year,
                "race_ethnicity": both.race_ethnicity,
                "both_rate_per_100k": both.rate_per_100k,
                "both_source_id": both.source_id,
                "both_vintage": both.vintage,
                "male_rate_per_100k": male,
                "female_rate_per_100k": female,
                "male_female_vintage": vintage,
                "midpoint_per_100k": (male + female) / 2,
                "between_male_and_female": bool(low <= both.rate_per_100k <= high),
                "implied_female_weight": (male - both.rate_per_100k) / (male - female),
            }
        )
    columns = ["year", "race_ethnicity", "both_rate_per_100k", "both_source_id", "both_vintage",
               "male_rate_per_100k", "female_rate_per_100k", "male_female_vintage",
               "midpoint_per_100k", "between_male_and_female", "implied_female_weight"]
    return pd.DataFrame(found, columns=columns)


def plot_rates_by_race_and_sex(
    table: pd.DataFrame, article_source: str = "vivant2021", fig: Figure | None = None
) -> Figure:
    """Dot chart, one panel per sex: every published rate by group, marked by year and source.

    Figures of `article_source` are drawn apart from the public-health releases; several vintages
    of the same figure sit side by side rather than being averaged.
    """
    needed = ["year", "race_ethnicity", "sex", "rate_per_100k", "vintage", "source_id"]
    require_columns(table, needed, "plot_rates_by_race_and_sex")
    unknown = sorted(set(table["race_ethnicity"]) - set(RACE_LABELS))
    if unknown:
        raise ValueError(f"unknown race_ethnicity {unknown}; valid values are {list(RACE_LABELS)}")
    if fig is None:
        fig = plt.figure(figsize=(style.FIGURE_WIDTH, 3.6))
    axes = fig.subplots(1, 3, sharex=True, sharey=True)
    groups = list(RACE_LABELS)
    kinds = {
        ("article", 2019): ("2019, as printed in the article", style.colour(1), "D"),
        ("release", 2019): ("2019, public-health releases", style.colour(0), "o"),
        ("release", 2020): ("2020, public-health releases", style.colour(2), "s"),
    }
    table = table.assign(kind=np.where(table["source_id"] == article_source, "article", "release"))
    for ax, sex in zip(axes, SEX_LABELS, strict=True):
        rows = table[table["sex"] == sex].sort_values("vintage")
        for (kind, year), points in rows.groupby(["kind", "year"]):
            label, colour, marker = kinds.get((kind, year), (f"{year}, {kind}", "0.4", "X"))
            # Lift each vintage of the same figure a little so that repeated values stay visible.
            rank = points.groupby(["race_ethnicity"]).cumcount()
            offset = {("article", 2019): 0.22, ("release", 2019): 0.0}.get((kind, year), -0.22)
            step = -0.07 if offset < 0 else 0.07
            y = points["race_ethnicity"].map(groups.index) + offset + step * rank
            ax.scatter(points["rate_per_100k"], y, color=colour, marker=marker, s=34,
                       edgecolor="black", linewidth=0.3, label=label, zorder=3)
        ax.set_title(SEX_LABELS[sex])
        ax.set_yticks(range(len(groups)), [RACE_LABELS[g] for g in groups])
        ax.set_ylim(len(groups) - 0.5, -0.5)
    axes[1].set_xlabel("Deaths per 100,000 residents")
    axes[0].set_xlim(0, 1.08 * table["rate_per_100k"].max())
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="upper center", ncol=1, bbox_to_anchor=(0.5, 0.0),
               fontsize="small")
    return fig
