"""Segmented (joinpoint-style) log-linear trends with one break, fitted with statsmodels.

The model is continuous at the break year k: log(y_t) = a + b1 (t - t0) + b2 max(0, t - k).
The annual percent change (APC) is 100 (exp(b1) - 1) before k and 100 (exp(b1 + b2) - 1) after.
k is chosen by grid search over observed years, each segment (k included) spanning at least
`min_points` observed years. Intervals are conditional on the chosen k, so somewhat too narrow.
"""

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# The models from their own modules: statsmodels.api imports all of statsmodels (0.6 s a notebook).
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS

from analysis import style
from analysis.checks import require_columns

Method = Literal["ols", "poisson"]
METHODS = ("ols", "poisson")


def _series(
    table: pd.DataFrame, value: str, year: str, method: str, population: str | None
) -> pd.DataFrame:
    """The validated rows the model uses: observed years only (a gap is left out, never filled)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are {list(METHODS)}")
    columns = [year, value] + ([population] if population else [])
    require_columns(table, columns, "segmented trend")
    rows = table[columns].dropna().astype(float).sort_values(year)
    repeated = rows[year][rows[year].duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"{year} {repeated} appear more than once: give one series at a time")
    smallest = 0 if method == "poisson" else 1e-300
    for column in [value] + ([population] if population else []):
        if (rows[column] < smallest).any():
            row = rows.index[rows[column] < smallest][0]
            rule = "non-negative" if method == "poisson" and column == value else "positive"
            raise ValueError(f"column {column!r}, row {row}: {rows.at[row, column]} must be {rule}")
    return rows


def _candidates(years: np.ndarray, min_points: int) -> np.ndarray:
    """Break years that leave at least `min_points` observed years in each segment."""
    if min_points < 2:
        raise ValueError(
            f"min_points must be at least 2 (a segment needs a slope), got {min_points}"
        )
    if len(years) < 2 * min_points - 1:
        raise ValueError(
            f"{len(years)} observed years are too few for two segments of at least "
            f"{min_points} years each (need {2 * min_points - 1})"
        )
    return years[min_points - 1 : len(years) - min_points + 1]


def _fit(rows: pd.DataFrame, value: str, year: str, method: str, population: str | None, k: float):
    """Fit the continuous two-segment model with its break at year k."""
    t = rows[year].to_numpy()
    design = np.column_stack([np.ones_like(t), t - t[0], np.clip(t - k, 0, None)])
    if method == "ols":
        return OLS(np.log(rows[value].to_numpy()), design).fit()
    offset = np.log(rows[population].to_numpy()) if population else None
    # Quasi-Poisson: the Pearson chi-square scale widens intervals for overdispersed counts.
    return GLM(rows[value].to_numpy(), design, family=Poisson(), offset=offset).fit(
        scale="X2"
    )


def _criterion(result, method: str) -> float:
    """Lack of fit compared across candidate breaks: residual sum of squares or deviance."""
    return float(result.ssr if method == "ols" else result.deviance)


def break_search(
    table: pd.DataFrame,
    value: str,
    year: str = "year",
    method: Method = "ols",
    population: str | None = None,
    min_points: int = 4,
) -> pd.DataFrame:
    """Lack of fit (SSE of log values for OLS, deviance for Poisson) for every candidate break."""
    rows = _series(table, value, year, method, population)
    found = [
        (int(k), _criterion(_fit(rows, value, year, method, population, k), method))
        for k in _candidates(rows[year].to_numpy(), min_points)
    ]
    return pd.DataFrame(found, columns=["break_year", "lack_of_fit"])


def _best(table, value, year, method, population, min_points):
    """The validated rows, the best break year and the model fitted there."""
    search = break_search(table, value, year, method, population, min_points)
    k = int(search.loc[search["lack_of_fit"].idxmin(), "break_year"])
    rows = _series(table, value, year, method, population)
    return rows, k, _fit(rows, value, year, method, population, k)


def _apc(result, contrast: list[float]) -> tuple[float, float, float]:
    """APC (%) of a slope contrast, with its 95% interval, from the fitted log-linear model."""
    test = result.t_test(np.array([contrast]))
    slope = float(np.squeeze(test.effect))
    low, high = np.squeeze(test.conf_int(alpha=0.05))
    return tuple(100 * (np.exp(x) - 1) for x in (slope, low, high))


def segmented_trend(
    table: pd.DataFrame,
    value: str,
    year: str = "year",
    method: Method = "ols",
    population: str | None = None,
    min_points: int = 4,
) -> pd.DataFrame:
    """Best single break and the APC with 95% interval before and after it (one row per segment).

    method="ols": least squares on log(value), value a rate. method="poisson": quasi-Poisson GLM on
    the counts in `value`, with log(population) as offset when a population column is given.
    """
    rows, k, result = _best(table, value, year, method, population, min_points)
    first, last = int(rows[year].iloc[0]), int(rows[year].iloc[-1])
    segments = [("before", first, k, [0, 1, 0]), ("after", k, last, [0, 1, 1])]
    return pd.DataFrame(
        [
            {
                "segment": name,
                "start_year": start,
                "end_year": end,
                "break_year": k,
                "apc_pct": apc,
                "apc_lower_95_pct": low,
                "apc_upper_95_pct": high,
                "method": method,
            }
            for name, start, end, contrast in segments
            for apc, low, high in [_apc(result, contrast)]
        ]
    )


def segmented_fitted(
    table: pd.DataFrame,
    value: str,
    year: str = "year",
    method: Method = "ols",
    population: str | None = None,
    min_points: int = 4,
) -> pd.DataFrame:
    """Observed and fitted values by year under the best single-break model (units of value)."""
    rows, k, result = _best(table, value, year, method, population, min_points)
    fitted = np.exp(result.fittedvalues) if method == "ols" else result.fittedvalues
    return pd.DataFrame(
        {
            "year": rows[year].astype(int).to_numpy(),
            "observed": rows[value].to_numpy(),
            "fitted": np.asarray(fitted),
            "break_year": k,
        }
    )


def plot_segmented(
    fitted: pd.DataFrame, ylabel: str, label: str = "Observed", ax: Axes | None = None
) -> Figure:
    """Observed points, the fitted two-segment curve and a dotted line at the break year."""
    needed = ["year", "observed", "fitted", "break_year"]
    require_columns(fitted, needed, "plot_segmented (from segmented_fitted)")
    fig, ax = style.figure_axes(ax)
    ax.plot(fitted["year"], fitted["observed"], "o", color=style.colour(0), label=label)
    ax.plot(fitted["year"], fitted["fitted"], "-", color=style.colour(1),
            label="Fitted segmented trend")
    k = int(fitted["break_year"].iloc[0])
    ax.axvline(k, color=style.PALETTE["black"], linestyle=":", linewidth=1)
    ax.annotate(f"break: {k}", xy=(k, 0), xycoords=("data", "axes fraction"), xytext=(4, 6),
                textcoords="offset points", fontsize="small")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return fig
