"""Death rates from counts: crude rates with exact Poisson intervals, rate ratios, race charts."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from analysis import style

PER_100K = 100_000
Z_95 = stats.norm.ppf(0.975)


def _require_columns(table: pd.DataFrame, columns: list[str], what: str) -> None:
    """Raise a KeyError naming the columns `what` needs that `table` lacks, and the ones it has."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise KeyError(f"{what} needs column(s) {missing}; the table has {list(table.columns)}")


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
        lower = np.where(counts > 0, stats.chi2.ppf(alpha / 2, 2 * counts) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2
    lower = np.where(np.isnan(counts), np.nan, lower)
    return lower, upper


def crude_rates(
    table: pd.DataFrame, deaths: str = "deaths", population: str = "population"
) -> pd.DataFrame:
    """Add crude rates per 100,000 with exact (Garwood) Poisson 95% limits computed from counts."""
    _require_columns(table, [deaths, population], "crude_rates")
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
    _require_columns(table, [published], "crude_rate_check")
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
    _require_columns(table, columns, "rate_ratios")
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


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: the given axes, or a new figure."""
    if ax is None:
        return plt.subplots()
    return ax.figure, ax


def plot_rates_by_group(
    table: pd.DataFrame,
    rate: str,
    lower: str,
    upper: str,
    group: str = "race_ethnicity",
    ylabel: str = "Deaths per 100,000",
    ax: Axes | None = None,
) -> Figure:
    """One line per group over the years, with its 95% interval as a band; gaps stay gaps."""
    _require_columns(table, ["year", group, rate, lower, upper], "plot_rates_by_group")
    fig, ax = _axes(ax)
    for i, (name, rows) in enumerate(table.groupby(group, sort=False)):
        # Reindex on every year so that a missing year breaks the line instead of bridging it.
        years = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        rows = rows.set_index("year").reindex(years)
        ax.fill_between(rows.index, rows[lower], rows[upper], color=style.colour(i), alpha=0.2,
                        linewidth=0)
        ax.plot(rows.index, rows[rate], color=style.colour(i), marker="o", markersize=3, label=name)
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return fig


def plot_rate_ratios(ratios: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Rate ratios by year on a log scale, one line per pair, 95% interval as a band; 1 = parity."""
    needed = ["year", "numerator", "denominator", "rate_ratio", "rate_ratio_lower_95",
              "rate_ratio_upper_95"]
    _require_columns(ratios, needed, "plot_rate_ratios")
    fig, ax = _axes(ax)
    pairs = ratios.groupby(["numerator", "denominator"], sort=False)
    for i, ((num, den), rows) in enumerate(pairs):
        years = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        rows = rows.set_index("year").reindex(years)
        ax.fill_between(rows.index, rows["rate_ratio_lower_95"], rows["rate_ratio_upper_95"],
                        color=style.colour(i), alpha=0.25, linewidth=0)
        ax.plot(rows.index, rows["rate_ratio"], color=style.colour(i), marker="o", markersize=3,
                label=f"{num} / {den}")
    ax.axhline(1, color=style.PALETTE["black"], linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter("{x:.2g}")
    ax.yaxis.set_minor_formatter("{x:.2g}")
    ax.set_xlabel("Year")
    ax.set_ylabel("Crude rate ratio (log scale)")
    ax.legend(loc="best")
    return fig
