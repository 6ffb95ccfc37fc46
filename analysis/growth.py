"""Average annual change of a yearly series: log-linear OLS and count regressions on year."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

# The models from their own modules: statsmodels.api imports all of statsmodels (0.6 s a notebook).
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationWarning,
)
from statsmodels.tools.tools import add_constant

from analysis import style
from analysis.checks import require_columns

COUNT_MODELS = ("poisson", "quasipoisson", "negbin")
MODEL_NAMES = {
    "poisson": "Poisson",
    "quasipoisson": "quasi-Poisson",
    "negbin": "negative binomial",
    "log-linear OLS": "log-linear OLS",
}
TREND_COLUMNS = [
    "model",
    "first_year",
    "last_year",
    "n_years",
    "annual_change_pct",
    "ci_low_pct",
    "ci_high_pct",
    "log_intercept",
    "log_slope_per_year",
    "dispersion",
    "nb_alpha",
    "log_likelihood",
    "converged",
]


def _check_level(level: float) -> None:
    """Raise unless the confidence level is a fraction such as 0.95."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1 (e.g. 0.95), got {level}")


def _series(table: pd.DataFrame, value_col: str, year_col: str, min_years: int = 3) -> pd.DataFrame:
    """Check a yearly series and return it sorted by year, with integer years and float values."""
    require_columns(table, [year_col, value_col])
    data = table[[year_col, value_col]]
    empty = data[data[value_col].isna()]
    if not empty.empty:
        raise ValueError(
            f"{value_col} is missing for {year_col} {empty[year_col].tolist()}: "
            "drop those years (a gap is never filled in) before fitting a trend"
        )
    duplicated = data[data[year_col].duplicated()][year_col].tolist()
    if duplicated:
        raise ValueError(f"{year_col} {duplicated} appear(s) more than once: one row per year")
    if len(data) < min_years:
        raise ValueError(f"this needs at least {min_years} years, got {len(data)}")
    return data.sort_values(year_col).astype({year_col: int, value_col: float})


def _positive(data: pd.DataFrame, value_col: str, year_col: str) -> None:
    """Raise if a value cannot be logged, naming the year."""
    bad = data[data[value_col] <= 0]
    if not bad.empty:
        raise ValueError(
            f"{value_col} must be positive for a log-linear trend; "
            f"{year_col} {bad[year_col].tolist()} have {bad[value_col].tolist()}"
        )


def _row(
    model: str,
    data: pd.DataFrame,
    year_col: str,
    params: np.ndarray,
    low: float,
    high: float,
    **extra: float | bool,
) -> pd.DataFrame:
    """One tidy row describing a fitted trend (slope on the log scale, change in percent)."""
    row = {
        "model": model,
        "first_year": int(data[year_col].iloc[0]),
        "last_year": int(data[year_col].iloc[-1]),
        "n_years": len(data),
        "annual_change_pct": 100 * np.expm1(params[1]),
        "ci_low_pct": 100 * np.expm1(low),
        "ci_high_pct": 100 * np.expm1(high),
        "log_intercept": float(params[0]),
        "log_slope_per_year": float(params[1]),
        "dispersion": np.nan,
        "nb_alpha": np.nan,
        "log_likelihood": np.nan,
        "converged": True,
    }
    row.update(extra)
    return pd.DataFrame([row], columns=TREND_COLUMNS)


def _design(data: pd.DataFrame, year_col: str) -> np.ndarray:
    """Constant and years since the first year (so the intercept is the first year's level)."""
    return add_constant((data[year_col] - data[year_col].iloc[0]).to_numpy(float))


def loglinear_trend(
    table: pd.DataFrame, value_col: str, year_col: str = "year", level: float = 0.95
) -> pd.DataFrame:
    """Average annual % change from OLS of log(value) on year, with a t-based interval."""
    _check_level(level)
    data = _series(table, value_col, year_col)
    _positive(data, value_col, year_col)
    fit = OLS(np.log(data[value_col].to_numpy()), _design(data, year_col)).fit()
    half = stats.t.ppf(0.5 + level / 2, fit.df_resid) * fit.bse[1]
    return _row(
        "log-linear OLS",
        data,
        year_col,
        fit.params,
        fit.params[1] - half,
        fit.params[1] + half,
    )


def count_trend(
    table: pd.DataFrame,
    count_col: str,
    year_col: str = "year",
    model: str = "poisson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Average annual % change from a Poisson, quasi-Poisson or negative binomial (NB2) GLM."""
    if model not in COUNT_MODELS:
        raise ValueError(f"unknown count model {model!r}; choose one of {list(COUNT_MODELS)}")
    _check_level(level)
    data = _series(table, count_col, year_col)
    counts = data[count_col].to_numpy()
    bad = data[(counts < 0) | (counts != np.round(counts))]
    if not bad.empty:
        raise ValueError(
            f"{count_col} must hold non-negative whole counts; "
            f"{year_col} {bad[year_col].tolist()} have {bad[count_col].tolist()}"
        )
    design = _design(data, year_col)
    with warnings.catch_warnings():
        # A series that the trend fits exactly (e.g. a constant count) is flagged as "perfect
        # separation" by statsmodels; for a rate-on-year model that is a perfect fit, not a flaw.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        poisson = GLM(counts, design, family=Poisson()).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid)
    z = stats.norm.ppf(0.5 + level / 2)
    params, slope_se = np.asarray(poisson.params), poisson.bse[1]
    extra = {"log_likelihood": float(poisson.llf)}
    if model == "negbin":
        with warnings.catch_warnings():
            # With no overdispersion alpha runs to its bound of 0; the fit is then reported as not
            # converged (and no interval is given) instead of printing optimiser warnings.
            warnings.simplefilter("ignore", HessianInversionWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = NegativeBinomial(counts, design, loglike_method="nb2").fit(
                method="lbfgs", disp=0, maxiter=1000
            )
        params, slope_se = np.asarray(fit.params), fit.bse[1]
        extra = {
            "nb_alpha": float(fit.params[2]),
            "log_likelihood": float(fit.llf),
            "converged": bool(fit.mle_retvals["converged"]) and bool(np.isfinite(slope_se)),
        }
    elif model == "quasipoisson":
        # Same estimates as Poisson, standard errors scaled by the Pearson dispersion; there is no
        # likelihood to report.
        slope_se = slope_se * np.sqrt(dispersion)
        extra = {}
    return _row(
        model,
        data,
        year_col,
        params,
        params[1] - z * slope_se,
        params[1] + z * slope_se,
        dispersion=dispersion,
        **extra,
    )


def compare_count_models(
    table: pd.DataFrame, count_col: str, year_col: str = "year", level: float = 0.95
) -> pd.DataFrame:
    """Poisson, quasi-Poisson and NB trends, an LR test of overdispersion and the chosen model."""
    rows = pd.concat(
        [count_trend(table, count_col, year_col, m, level) for m in COUNT_MODELS],
        ignore_index=True,
    )
    llf = rows.set_index("model")["log_likelihood"]
    # alpha = 0 lies on the edge of the parameter space: the LR statistic is a 50:50 mixture of
    # chi2(0) and chi2(1), so the p-value is half the chi2(1) tail (Cameron & Trivedi 2013, 3.4).
    lr = max(0.0, 2 * (llf["negbin"] - llf["poisson"]))
    p_value = 0.5 * stats.chi2.sf(lr, df=1)
    nb_usable = bool(rows.set_index("model").loc["negbin", "converged"])
    # The negative binomial is preferred when the data reject the Poisson variance (at 5 %). If
    # its fit failed, overdispersion (Pearson dispersion above 1) is handled by quasi-Poisson.
    if nb_usable:
        chosen = "negbin" if p_value < 0.05 else "poisson"
    else:
        chosen = "quasipoisson" if rows["dispersion"].iloc[0] > 1 else "poisson"
    rows["overdispersion_lr"] = lr
    rows["overdispersion_p"] = p_value
    rows["chosen"] = rows["model"] == chosen
    return rows


def total_change(table: pd.DataFrame, value_col: str, year_col: str = "year") -> pd.DataFrame:
    """Change from the first to the last year of the table, in units and in percent."""
    data = _series(table, value_col, year_col, min_years=2)
    first, last = data.iloc[0], data.iloc[-1]
    if first[value_col] == 0:
        raise ValueError(f"{value_col} is 0 in {year_col} {int(first[year_col])}: no % change")
    return pd.DataFrame(
        [
            {
                "first_year": int(first[year_col]),
                "last_year": int(last[year_col]),
                "first_value": first[value_col],
                "last_value": last[value_col],
                "change": last[value_col] - first[value_col],
                "change_pct": 100 * (last[value_col] / first[value_col] - 1),
                "ratio": last[value_col] / first[value_col],
            }
        ]
    )


def category_shares(
    table: pd.DataFrame, year_col: str, category_col: str, count_col: str
) -> pd.DataFrame:
    """Each category's percentage of its year's summed counts (`share_pct`), in tidy form."""
    require_columns(table, [year_col, category_col, count_col])
    negative = table[table[count_col] < 0]
    if not negative.empty:
        first = negative.iloc[0]
        raise ValueError(
            f"{count_col} is negative ({first[count_col]}) for {first[category_col]!r} "
            f"in {year_col} {first[year_col]}"
        )
    result = table[[year_col, category_col, count_col]].copy()
    totals = result.groupby(year_col)[count_col].transform("sum")
    result["share_pct"] = 100 * result[count_col] / totals.where(totals > 0)
    return result.sort_values([year_col, category_col]).reset_index(drop=True)


def fitted_line(trend: pd.DataFrame, year_col: str = "year") -> pd.DataFrame:
    """Yearly fitted values of a one-row trend table, over the years it was fitted on."""
    if len(trend) != 1:
        raise ValueError(f"expected one trend row, got {len(trend)}: select the model first")
    row = trend.iloc[0]
    years = np.arange(row["first_year"], row["last_year"] + 1)
    fitted = np.exp(row["log_intercept"] + row["log_slope_per_year"] * (years - years[0]))
    return pd.DataFrame({year_col: years, "fitted": fitted, "model": row["model"]})


def plot_counts_by_category(
    table: pd.DataFrame,
    year_col: str,
    category_col: str,
    count_col: str,
    trend: pd.DataFrame | None = None,
    ylabel: str = "Count",
    xlabel: str = "Year",
    ax: plt.Axes | None = None,
    not_found_until: int | None = None,
    after: float | None = None,
) -> Figure:
    """Stacked bars of yearly counts by category, with an optional fitted trend of the total;
    years after the last bar up to `not_found_until` are hatched as not found, and years after
    `after` shaded as after the article."""
    require_columns(table, [year_col, category_col, count_col])
    _, ax = style.figure_axes(ax)
    wide = table.pivot_table(
        index=year_col, columns=category_col, values=count_col, aggfunc="sum", sort=False
    ).sort_index()
    bottom = np.zeros(len(wide))
    for i, category in enumerate(wide.columns):
        heights = wide[category].fillna(0).to_numpy()
        label = str(category).replace("_", " ").capitalize()
        ax.bar(wide.index, heights, bottom=bottom, color=style.colour(i), label=label)
        bottom += heights
    if trend is not None:
        line = fitted_line(trend, year_col)
        ax.plot(
            line[year_col],
            line["fitted"],
            color=style.PALETTE["black"],
            linestyle="--",
            label=f"Fitted trend of the total ({MODEL_NAMES[trend.iloc[0]['model']]})",
        )
    ax.set_xticks(wide.index)
    if not_found_until is not None:
        last = int(wide.index.max())
        ax.set_xlim(wide.index.min() - 0.6, not_found_until + 0.5)
        ax.set_xticks(range(int(wide.index.min()), not_found_until + 1, 2))
        style.mark_gap(ax, last + 0.5, not_found_until + 0.5, "no count found")
    if after is not None:
        style.shade_after_article(ax, after)
    ax.set_ylim(0, 1.3 * max(bottom.max(), 1))
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(loc="upper left")
    return ax.figure
