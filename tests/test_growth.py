"""Trend models checked on series whose answer is known by hand, and on a published series."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import growth

# Massachusetts Trial Court, "G.L. c. 123, § 35 2018" (16 Nov 2018), chart "District and BMC Court
# Departments Chapter 123 s. 35 Case Filings, FY2010 to FY2018": the published totals.
SECTION35_TOTALS = [5903, 6105, 7129, 7358, 7773, 8371, 10040, 10917, 10770]


def series(values, first_year=2000, name="value"):
    """A yearly table starting in `first_year`."""
    return pd.DataFrame({"year": range(first_year, first_year + len(values)), name: values})


def section35():
    return series(SECTION35_TOTALS, first_year=2010, name="filings")


def test_loglinear_recovers_constant_decline_of_four_percent():
    table = series([1000 * 0.96**t for t in range(12)])
    trend = growth.loglinear_trend(table, "value")
    row = trend.iloc[0]
    assert row["annual_change_pct"] == pytest.approx(-4.0, abs=1e-9)
    # An exact fit leaves no residual variance, so the interval collapses onto the estimate.
    assert row["ci_low_pct"] == pytest.approx(-4.0, abs=1e-6)
    assert row["ci_high_pct"] == pytest.approx(-4.0, abs=1e-6)
    assert (row["first_year"], row["last_year"], row["n_years"]) == (2000, 2011, 12)
    assert row["log_intercept"] == pytest.approx(math.log(1000))


def test_loglinear_interval_uses_t_distribution():
    # log values 0, 1, 0, 1 on years 0..3: slope by hand = sum((t-1.5)(y-0.5)) / sum((t-1.5)^2)
    # = (0.75 - 0.25 - 0.25 + 0.75) / 5 = 0.2, with a t interval on 4 - 2 = 2 df.
    logs = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.arange(4.0)
    slope = np.sum((t - t.mean()) * (logs - logs.mean())) / np.sum((t - t.mean()) ** 2)
    intercept = logs.mean() - slope * t.mean()
    residuals = logs - intercept - slope * t
    se = math.sqrt(np.sum(residuals**2) / 2 / np.sum((t - t.mean()) ** 2))
    t_975_df2 = 4.302652729911275  # t table, 2 degrees of freedom, 97.5th percentile
    row = growth.loglinear_trend(series(np.exp(logs)), "value").iloc[0]
    assert row["log_slope_per_year"] == pytest.approx(0.2)
    assert slope == pytest.approx(0.2)
    assert row["ci_low_pct"] == pytest.approx(100 * math.expm1(slope - t_975_df2 * se))
    assert row["ci_high_pct"] == pytest.approx(100 * math.expm1(slope + t_975_df2 * se))


def test_poisson_on_a_constant_series_gives_zero_growth():
    row = growth.count_trend(series([100] * 6), "value", model="poisson").iloc[0]
    assert row["annual_change_pct"] == pytest.approx(0.0, abs=1e-9)
    assert row["ci_low_pct"] < 0 < row["ci_high_pct"]
    assert row["dispersion"] == pytest.approx(0.0, abs=1e-12)


def test_count_models_recover_an_exact_halving():
    # 1024, 512, ..., 32: each year half the last, so the annual change is exactly -50 %.
    table = series([1024 / 2**t for t in range(6)])
    for model in growth.COUNT_MODELS:
        row = growth.count_trend(table, "value", model=model).iloc[0]
        assert row["annual_change_pct"] == pytest.approx(-50.0, abs=1e-4), model
        assert row["log_intercept"] == pytest.approx(math.log(1024), abs=1e-6), model


def test_pearson_dispersion_matches_hand_computation():
    # 110, 90, 90, 110 is symmetric, so the Poisson fit is the flat mean 100 (slope 0).
    # Pearson chi2 = 4 * 10**2 / 100 = 4 on 4 - 2 = 2 df: dispersion 2.
    table = series([110, 90, 90, 110])
    poisson = growth.count_trend(table, "value", model="poisson").iloc[0]
    quasi = growth.count_trend(table, "value", model="quasipoisson").iloc[0]
    assert poisson["annual_change_pct"] == pytest.approx(0.0, abs=1e-9)
    assert poisson["dispersion"] == pytest.approx(2.0)
    # Quasi-Poisson keeps the estimate and widens the log-scale half-width by sqrt(2).
    half_poisson = math.log1p(poisson["ci_high_pct"] / 100)
    half_quasi = math.log1p(quasi["ci_high_pct"] / 100)
    assert half_quasi == pytest.approx(math.sqrt(2) * half_poisson)
    assert math.isnan(quasi["log_likelihood"])


def test_compare_keeps_poisson_without_overdispersion():
    compare = growth.compare_count_models(series([100] * 5), "value")
    assert list(compare["model"]) == list(growth.COUNT_MODELS)
    assert compare.loc[compare["chosen"], "model"].tolist() == ["poisson"]
    negbin = compare.set_index("model").loc["negbin"]
    # Without extra-Poisson scatter the negative binomial collapses onto the Poisson: alpha ~ 0,
    # same slope (0) and no evidence against the Poisson variance.
    assert negbin["nb_alpha"] == pytest.approx(0.0, abs=1e-4)
    assert negbin["annual_change_pct"] == pytest.approx(0.0, abs=1e-4)
    assert compare["overdispersion_p"].iloc[0] == pytest.approx(0.5)


def starved_negative_binomial(monkeypatch):
    """Make the negative binomial optimiser stop after one iteration, so it fails to converge."""
    original = growth.NegativeBinomial.fit

    def one_step(self, *args, **kwargs):
        kwargs["maxiter"] = 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(growth.NegativeBinomial, "fit", one_step)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([150, 50, 50, 150], "quasipoisson"), ([100, 100, 100, 100], "poisson")],
)
def test_failed_negative_binomial_falls_back_on_dispersion(monkeypatch, values, expected):
    # Dispersion 50 (see above) calls for quasi-Poisson; dispersion 0 for plain Poisson.
    starved_negative_binomial(monkeypatch)
    compare = growth.compare_count_models(series(values), "value")
    assert not compare.set_index("model").loc["negbin", "converged"]
    assert compare.loc[compare["chosen"], "model"].tolist() == [expected]


def test_compare_picks_negative_binomial_when_overdispersed():
    # 150, 50, 50, 150: Pearson chi2 = 4 * 50**2 / 100 = 100 on 2 df, dispersion 50.
    compare = growth.compare_count_models(series([150, 50, 50, 150]), "value")
    assert compare["dispersion"].iloc[0] == pytest.approx(50.0)
    assert compare.loc[compare["chosen"], "model"].tolist() == ["negbin"]
    assert compare["overdispersion_p"].iloc[0] < 0.05
    negbin = compare.set_index("model").loc["negbin"]
    assert negbin["nb_alpha"] > 0
    assert negbin["converged"]


def test_section35_filings_grow_and_are_overdispersed():
    compare = growth.compare_count_models(section35(), "filings").set_index("model")
    # Hand reasoning: from 5,903 (FY2010) to 10,770 (FY2018) is a ratio of 1.8245 over 8 years,
    # a geometric mean of 1.8245 ** (1/8) - 1 = 7.8 % a year; the fitted trend must agree in sign
    # and its interval must contain that endpoint average.
    endpoint_rate = 100 * ((10770 / 5903) ** (1 / 8) - 1)
    assert endpoint_rate == pytest.approx(7.807, abs=0.01)
    for model in ("quasipoisson", "negbin"):
        row = compare.loc[model]
        assert row["ci_low_pct"] < endpoint_rate < row["ci_high_pct"], model
        assert row["ci_low_pct"] > 0, model
    # The plain Poisson interval ignores the extra-Poisson scatter of the filings: it is too narrow
    # to contain even the endpoint average, which is why the dispersion must be checked.
    assert compare.loc["poisson", "ci_low_pct"] > endpoint_rate
    assert compare.loc["poisson", "dispersion"] > 5
    assert compare.loc["negbin", "chosen"]


def test_total_change_of_section35_filings():
    change = growth.total_change(section35(), "filings").iloc[0]
    assert (change["first_year"], change["last_year"]) == (2010, 2018)
    assert change["change"] == 10770 - 5903
    assert change["change_pct"] == pytest.approx(100 * 4867 / 5903)
    assert change["ratio"] == pytest.approx(10770 / 5903)


def test_total_change_sorts_years_first():
    shuffled = series([10, 20, 40]).iloc[[2, 0, 1]]
    assert growth.total_change(shuffled, "value").iloc[0]["change_pct"] == pytest.approx(300.0)


def test_fitted_line_reproduces_the_series_it_was_fitted_on():
    table = series([1000 * 0.96**t for t in range(5)])
    line = growth.fitted_line(growth.loglinear_trend(table, "value"))
    assert list(line["year"]) == list(range(2000, 2005))
    assert np.allclose(line["fitted"], table["value"])


def test_plot_stacks_categories_to_the_published_total():
    # FY2016, same Trial Court chart: 3,919 drug + 1,487 alcohol + 125 juvenile + 4,509
    # unspecified = 10,040 filings.
    table = pd.DataFrame(
        {
            "fiscal_year": [2016] * 4 + [2017] * 2,
            "type": [
                "adult_drug_abuse",
                "adult_alcohol_abuse",
                "juveniles",
                "unspecified",
                "juveniles",
                "unspecified",
            ],
            "filings": [3919, 1487, 125, 4509, 136, 10781],
        }
    )
    trend = growth.loglinear_trend(series([10040, 10917, 10770], 2016, "filings"), "filings")
    fig = growth.plot_counts_by_category(
        table, "fiscal_year", "type", "filings", trend=trend, ylabel="Filings"
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    tops = {}
    for patch in ax.patches:
        year = round(patch.get_x() + patch.get_width() / 2)
        tops[year] = max(tops.get(year, 0), patch.get_y() + patch.get_height())
    assert tops == {2016: 10040, 2017: 10917}
    assert ax.get_ylabel() == "Filings"
    assert ax.get_xlabel() == "Year"
    assert len(ax.lines) == 1
    assert ax.lines[0].get_label() == "Fitted trend of the total (log-linear OLS)"
    # Head-room above the tallest stack (10,917) for the legend.
    assert ax.get_ylim()[1] > 10917
    plt.close(fig)
    # Category codes become readable legend entries.
    labels = ax.get_legend_handles_labels()[1]
    assert {"Adult drug abuse", "Adult alcohol abuse", "Juveniles", "Unspecified"} <= set(labels)


def test_plot_draws_on_a_given_axes():
    _, ax = plt.subplots()
    table = pd.DataFrame({"year": [2000], "kind": ["a"], "n": [3]})
    assert growth.plot_counts_by_category(table, "year", "kind", "n", ax=ax) is ax.figure
    plt.close("all")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1.0, np.nan, 3.0], r"missing for year \[2001\]"),
        ([1.0, 2.0], "at least 3 years, got 2"),
        ([1.0, 0.0, 3.0], r"must be positive.*\[2001\]"),
    ],
)
def test_loglinear_rejects_bad_series(values, message):
    with pytest.raises(ValueError, match=message):
        growth.loglinear_trend(series(values), "value")


def test_duplicate_years_are_named():
    table = pd.DataFrame({"year": [2000, 2000, 2001], "value": [1, 2, 3]})
    with pytest.raises(ValueError, match=r"\[2000\] appear"):
        growth.loglinear_trend(table, "value")


def test_missing_column_lists_the_columns():
    with pytest.raises(KeyError, match="which has"):
        growth.loglinear_trend(series([1, 2, 3]), "arrests")


@pytest.mark.parametrize("values", [[1, -2, 3], [1, 2.5, 3]])
def test_count_trend_rejects_non_counts(values):
    with pytest.raises(ValueError, match=r"non-negative whole counts; year \[2001\]"):
        growth.count_trend(series(values), "value")


def test_unknown_count_model_lists_the_valid_ones():
    with pytest.raises(ValueError, match="poisson.*quasipoisson.*negbin"):
        growth.count_trend(series([1, 2, 3]), "value", model="logit")


def test_bad_level_is_rejected():
    with pytest.raises(ValueError, match="level"):
        growth.loglinear_trend(series([1, 2, 3]), "value", level=95)


def test_total_change_of_two_years_and_not_one():
    change = growth.total_change(series([8695, 616], 2008), "value").iloc[0]
    # ACLU of Massachusetts (2016): possession arrests "plummeted 93%", 8,695 to 616.
    assert change["change_pct"] == pytest.approx(-92.9, abs=0.05)
    with pytest.raises(ValueError, match="at least 2 years, got 1"):
        growth.total_change(series([5]), "value")


def test_total_change_from_zero_is_refused():
    with pytest.raises(ValueError, match="is 0 in year 2000"):
        growth.total_change(series([0, 1, 2]), "value")


def test_fitted_line_needs_one_row():
    compare = growth.compare_count_models(section35(), "filings")
    with pytest.raises(ValueError, match="one trend row, got 3"):
        growth.fitted_line(compare)


def test_plot_missing_column_is_named():
    with pytest.raises(KeyError, match=r"\['type'\]"):
        growth.plot_counts_by_category(section35(), "year", "type", "filings")


def test_category_shares_of_section35_fy2010():
    # Trial Court chart, FY2010: 3,858 drug + 2,042 alcohol + 3 juvenile + 0 unspecified = 5,903.
    table = pd.DataFrame(
        {
            "fiscal_year": [2010] * 4,
            "category": ["adult_drug_abuse", "adult_alcohol_abuse", "juveniles", "unspecified"],
            "filings": [3858, 2042, 3, 0],
        }
    )
    shares = growth.category_shares(table, "fiscal_year", "category", "filings")
    by_type = shares.set_index("category")["share_pct"]
    assert by_type["adult_drug_abuse"] == pytest.approx(100 * 3858 / 5903)
    assert by_type["unspecified"] == 0
    assert by_type.sum() == pytest.approx(100)


def test_category_shares_of_an_empty_year_are_missing_not_zero():
    table = pd.DataFrame({"year": [2000, 2000], "kind": ["a", "b"], "n": [0, 0]})
    shares = growth.category_shares(table, "year", "kind", "n")
    assert shares["share_pct"].isna().all()


def test_category_shares_name_a_negative_count():
    table = pd.DataFrame({"year": [2000, 2000], "kind": ["a", "b"], "n": [5, -1]})
    with pytest.raises(ValueError, match=r"negative \(-1\) for 'b' in year 2000"):
        growth.category_shares(table, "year", "kind", "n")


def test_plot_hatches_the_years_not_found_and_shades_later_ones():
    table = pd.DataFrame({"year": [2017, 2018], "kind": ["a", "a"], "n": [5, 6]})
    fig = growth.plot_counts_by_category(table, "year", "kind", "n", not_found_until=2024,
                                         after=2019.5)
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_width() == pytest.approx(6.0)
    assert ax.get_xlim()[1] == pytest.approx(2024.5)
    assert {"no count found", "after the article"} <= {t.get_text() for t in ax.texts}
    plt.close(fig)
