"""Tests of analysis.rates: hand computations, textbook values and published NCHS figures."""

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis import rates

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that figures do not pile up across tests."""
    yield
    matplotlib.pyplot.close("all")


def nchs_rows() -> pd.DataFrame:
    """Rows transcribed from NCHS 'Drug Poisoning Mortality by State' (data.cdc.gov jx6g-fdh6)."""
    return pd.DataFrame(
        {
            "geography": ["Massachusetts", "United States", "United States"],
            "race_ethnicity": ["All Races-All Origins", "Non-Hispanic White", "Non-Hispanic Black"],
            "year": [2016, 2016, 2016],
            "deaths": [2227, 49457, 7220],
            "population": [6811779, 201324760, 42141669],
            # Published crude rates per 100,000 (same NCHS table).
            "crude_rate_per_100k": [32.69, 24.57, 17.13],
            # Published age-adjusted rates per 100,000 (same NCHS table).
            "aa_rate_per_100k": [32.99, 25.30, 17.08],
        }
    )


def test_exact_interval_matches_textbook_value_for_ten_events():
    # Exact limits for 10 events from a printed chi-square table: chi2(0.025; 20 df) / 2 =
    # 9.591 / 2 = 4.795 and chi2(0.975; 22 df) / 2 = 36.781 / 2 = 18.390 (the usual textbook pair).
    lower, upper = rates.poisson_exact_interval(10)
    assert float(lower) == pytest.approx(4.795, abs=5e-4)
    assert float(upper) == pytest.approx(18.390, abs=5e-4)


def test_exact_interval_for_zero_events_starts_at_zero():
    # With no event the lower limit is 0 and the upper limit is -ln(0.025) = 3.689.
    lower, upper = rates.poisson_exact_interval(np.array([0.0]))
    assert lower[0] == 0
    assert upper[0] == pytest.approx(-math.log(0.025), abs=1e-9)


def test_exact_interval_keeps_a_missing_count_missing():
    lower, upper = rates.poisson_exact_interval(np.array([np.nan, 1.0]))
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    # One event: lower = chi2(0.025, 2)/2 = -ln(0.975) = 0.0253.
    assert lower[1] == pytest.approx(-math.log(0.975), abs=1e-9)


@pytest.mark.parametrize("level", [0, 1, 1.5])
def test_exact_interval_rejects_impossible_levels(level):
    with pytest.raises(ValueError, match="level"):
        rates.poisson_exact_interval(5, level=level)


def test_exact_interval_rejects_negative_counts():
    with pytest.raises(ValueError, match="non-negative"):
        rates.poisson_exact_interval(np.array([3, -2]))


def test_crude_rate_reproduces_published_massachusetts_2016():
    out = rates.crude_rates(nchs_rows())
    # 2227 / 6811779 * 100000 = 32.693...; NCHS publishes 32.69.
    assert out.loc[0, "computed_crude_per_100k"] == pytest.approx(2227 / 6811779 * 1e5)
    assert round(out.loc[0, "computed_crude_per_100k"], 2) == 32.69
    lower, upper = rates.poisson_exact_interval(2227)
    assert out.loc[0, "computed_lower_95_per_100k"] == pytest.approx(lower / 6811779 * 1e5)
    assert out.loc[0, "computed_upper_95_per_100k"] == pytest.approx(upper / 6811779 * 1e5)
    low, high = out.loc[0, ["computed_lower_95_per_100k", "computed_upper_95_per_100k"]]
    assert low < 32.69 < high


def test_crude_rate_check_differences_are_rounding_only():
    check = rates.crude_rate_check(nchs_rows())
    # Published values are rounded to 2 decimals, so no difference can exceed 0.005.
    assert (check["abs_diff_per_100k"] <= 0.005).all()
    assert check.loc[1, "abs_diff_per_100k"] == pytest.approx(abs(49457 / 201324760 * 1e5 - 24.57))


def test_crude_rates_name_missing_columns():
    with pytest.raises(KeyError, match=r"\['population'\]"):
        rates.crude_rates(nchs_rows().drop(columns="population"))


def test_crude_rates_name_the_row_with_a_negative_count():
    table = nchs_rows()
    table.loc[2, "deaths"] = -1
    with pytest.raises(ValueError, match=r"column 'deaths', row 2: -1"):
        rates.crude_rates(table)


def test_crude_rates_reject_zero_population():
    table = nchs_rows()
    table.loc[1, "population"] = 0
    with pytest.raises(ValueError, match=r"column 'population', row 1: 0 must be positive"):
        rates.crude_rates(table)


def test_crude_rates_reject_text_in_counts():
    table = nchs_rows().astype({"deaths": object})
    table.loc[0, "deaths"] = "many"
    with pytest.raises(ValueError, match=r"row 0: 'many' is not a number"):
        rates.crude_rates(table)


def test_crude_rate_keeps_a_gap_as_a_gap():
    table = nchs_rows().astype({"deaths": float})
    table.loc[0, "deaths"] = np.nan
    out = rates.crude_rates(table)
    assert np.isnan(out.loc[0, "computed_crude_per_100k"])
    assert np.isnan(out.loc[0, "computed_lower_95_per_100k"])


def test_rate_ratio_white_black_2016_by_hand():
    ratios = rates.rate_ratios(
        nchs_rows(), "Non-Hispanic White", "Non-Hispanic Black", adjusted="aa_rate_per_100k"
    )
    row = ratios.iloc[0]
    ratio = (49457 / 201324760) / (7220 / 42141669)  # = 1.4339
    se = math.sqrt(1 / 49457 + 1 / 7220)  # = 0.012599
    assert row["rate_ratio"] == pytest.approx(ratio)
    assert row["rate_ratio"] == pytest.approx(1.4339, abs=1e-4)
    assert row["rate_ratio_lower_95"] == pytest.approx(ratio * math.exp(-1.959964 * se), rel=1e-6)
    assert row["rate_ratio_upper_95"] == pytest.approx(ratio * math.exp(1.959964 * se), rel=1e-6)
    assert row["age_adjusted_rate_ratio"] == pytest.approx(25.30 / 17.08)
    assert (row["deaths_numerator"], row["deaths_denominator"]) == (49457, 7220)


def test_rate_ratio_without_adjusted_column_has_no_adjusted_ratio():
    ratios = rates.rate_ratios(nchs_rows(), "Non-Hispanic White", "Non-Hispanic Black")
    assert "age_adjusted_rate_ratio" not in ratios.columns


def test_rate_ratio_lists_valid_groups_for_an_unknown_one():
    with pytest.raises(ValueError, match=r"unknown race_ethnicity 'Asian'.*Non-Hispanic Black"):
        rates.rate_ratios(nchs_rows(), "Asian", "Non-Hispanic Black")


def test_rate_ratio_refuses_two_rows_for_one_year():
    table = pd.concat([nchs_rows(), nchs_rows().iloc[[1]]], ignore_index=True)
    table.loc[3, "geography"] = "Massachusetts"
    with pytest.raises(ValueError, match=r"several rows for year \[2016\]"):
        rates.rate_ratios(table, "Non-Hispanic White", "Non-Hispanic Black")


def series_for_plot() -> pd.DataFrame:
    """Two groups; the second skips 2002, which must stay a gap."""
    return pd.DataFrame(
        {
            "year": [2000, 2001, 2002, 2003, 2000, 2001, 2003],
            "race_ethnicity": ["A"] * 4 + ["B"] * 3,
            "rate": [1.0, 2.0, 3.0, 4.0, 2.0, 2.5, 3.5],
            "lower": [0.5, 1.5, 2.5, 3.5, 1.5, 2.0, 3.0],
            "upper": [1.5, 2.5, 3.5, 4.5, 2.5, 3.0, 4.0],
        }
    )


def test_plot_rates_by_group_breaks_the_line_at_a_missing_year():
    fig = rates.plot_rates_by_group(series_for_plot(), "rate", "lower", "upper")
    ax = fig.axes[0]
    line_b = ax.get_lines()[1]
    assert list(line_b.get_xdata()) == [2000, 2001, 2002, 2003]
    assert np.isnan(line_b.get_ydata()[2])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
    assert ax.get_ylabel() == "Deaths per 100,000"


def test_plot_rates_by_group_draws_on_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert rates.plot_rates_by_group(series_for_plot(), "rate", "lower", "upper", ax=ax) is fig


def test_plot_rates_by_group_names_missing_columns():
    with pytest.raises(KeyError, match="upper"):
        rates.plot_rates_by_group(series_for_plot().drop(columns="upper"), "rate", "lower", "upper")


def test_plot_rate_ratios_draws_parity_line_and_one_line_per_pair():
    table = pd.DataFrame(
        {
            "race_ethnicity": ["W", "B", "W", "B"],
            "year": [2000, 2000, 2001, 2001],
            "deaths": [100, 50, 120, 60],
            "population": [1000, 1000, 1000, 1000],
        }
    )
    ratios = rates.rate_ratios(table, "W", "B")
    fig = rates.plot_rate_ratios(ratios)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([2.0, 2.0])
    assert list(ax.get_lines()[1].get_ydata()) == [1, 1]


def test_plot_rate_ratios_names_missing_columns():
    with pytest.raises(KeyError, match="rate_ratio_lower_95"):
        rates.plot_rate_ratios(pd.DataFrame({"year": [2000]}))


def race_sex_rows() -> pd.DataFrame:
    """MA opioid-related death rates per 100,000 by race and sex (DATA-SOURCES §2 and S2)."""
    rows = [
        # Article, footnote 7 (Vivant 2021), citing MDPH June 2020.
        (2019, "white_non_hispanic", "both", 32.3, "2020-06", "vivant2021"),
        (2019, "black_non_hispanic", "both", 21.6, "2020-06", "vivant2021"),
        # This Week in Worcester, 2021-05-12 (MDPH May 2021).
        (2019, "hispanic", "both", 32.4, "2021-05", "mdph2021may"),
        (2019, "black_non_hispanic", "male", 32.6, "2021-05", "mdph2021may"),
        # Boston Globe, 2021-08-11 (MDPH Public Health Council, August 2021).
        (2019, "white_non_hispanic", "male", 49.5, "2021-08", "mdph2021aug"),
        (2019, "white_non_hispanic", "female", 17.4, "2021-08", "mdph2021aug"),
        (2019, "black_non_hispanic", "male", 32.6, "2021-08", "mdph2021aug"),
        (2019, "black_non_hispanic", "female", 12.3, "2021-08", "mdph2021aug"),
        (2019, "hispanic", "male", 57.2, "2021-08", "mdph2021aug"),
        (2020, "hispanic", "male", 58.9, "2021-08", "mdph2021aug"),
        (2020, "hispanic", "female", 13.8, "2021-08", "mdph2021aug"),
        # MetroWest Health Foundation, 2021-11-22: a male rate without its female counterpart.
        (2020, "hispanic", "male", 59.8, "2021-11", "mdph2021nov"),
        (2020, "hispanic", "both", 35.4, "2021-05", "mdph2021may"),
        (2019, "asian_pacific_islander", "both", 2.6, "2021-05", "mdph2021may"),
    ]
    return pd.DataFrame(
        rows, columns=["year", "race_ethnicity", "sex", "rate_per_100k", "vintage", "source_id"]
    )


def test_sex_bounds_check_by_hand():
    check = rates.sex_bounds_check(race_sex_rows()).set_index(["year", "race_ethnicity"])
    white = check.loc[(2019, "white_non_hispanic")]
    assert white["between_male_and_female"]
    # (49.5 - 32.3) / (49.5 - 17.4) = 17.2 / 32.1 = 0.5358; midpoint (49.5 + 17.4) / 2 = 33.45.
    assert white["implied_female_weight"] == pytest.approx(17.2 / 32.1)
    assert white["midpoint_per_100k"] == pytest.approx(33.45)
    assert white["both_source_id"] == "vivant2021"
    # The Hispanic 2020 rate pairs with the August 2021 release, the latest giving both sexes:
    # (58.9 - 35.4) / (58.9 - 13.8) = 23.5 / 45.1, not the November male-only 59.8.
    hispanic = check.loc[(2020, "hispanic")]
    assert hispanic["male_rate_per_100k"] == 58.9
    assert hispanic["male_female_vintage"] == "2021-08"
    assert hispanic["implied_female_weight"] == pytest.approx(23.5 / 45.1)
    # 2019 Hispanic male has no female rate in the same release here; API has no sex rates at all.
    assert (2019, "hispanic") not in check.index
    assert (2019, "asian_pacific_islander") not in check.index
    assert len(check) == 3


def test_sex_bounds_check_flags_a_rate_outside_the_sex_rates():
    table = race_sex_rows()
    table.loc[1, "rate_per_100k"] = 40.0  # above the male rate 32.6: impossible for a mean
    check = rates.sex_bounds_check(table).set_index(["year", "race_ethnicity"])
    assert not check.loc[(2019, "black_non_hispanic"), "between_male_and_female"]


def test_sex_bounds_check_skips_groups_without_both_sex_rates_in_one_release():
    table = race_sex_rows()
    table = table[~((table["race_ethnicity"] == "white_non_hispanic") & (table["sex"] == "female"))]
    check = rates.sex_bounds_check(table)
    assert "white_non_hispanic" not in check["race_ethnicity"].tolist()


def test_sex_bounds_check_rejects_unknown_sex_and_missing_columns():
    table = race_sex_rows()
    table.loc[0, "sex"] = "all"
    with pytest.raises(ValueError, match=r"unknown sex value\(s\) \['all'\].*'female'"):
        rates.sex_bounds_check(table)
    with pytest.raises(KeyError, match="vintage"):
        rates.sex_bounds_check(race_sex_rows().drop(columns="vintage"))


def test_plot_rates_by_race_and_sex_draws_every_figure_in_its_panel():
    fig = rates.plot_rates_by_race_and_sex(race_sex_rows())
    both, men, women = fig.axes
    def values(ax):
        return sorted(x for c in ax.collections for x, _ in c.get_offsets())
    assert values(both) == sorted([32.3, 21.6, 32.4, 35.4, 2.6])
    assert values(men) == sorted([32.6, 49.5, 32.6, 57.2, 58.9, 59.8])
    assert values(women) == sorted([17.4, 12.3, 13.8])
    assert both.get_xlim() == pytest.approx((0, 1.08 * 59.8))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "2019, as printed in the article"
    assert set(labels) == {"2019, as printed in the article", "2019, public-health releases",
                           "2020, public-health releases"}


def test_plot_rates_by_race_and_sex_marks_an_unexpected_year_apart():
    table = race_sex_rows()
    table.loc[0, "year"] = 2021
    fig = rates.plot_rates_by_race_and_sex(table)
    assert "2021, article" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_plot_rates_by_race_and_sex_lists_valid_groups():
    table = race_sex_rows()
    table.loc[0, "race_ethnicity"] = "white"
    with pytest.raises(ValueError, match=r"unknown race_ethnicity \['white'\].*hispanic"):
        rates.plot_rates_by_race_and_sex(table)


def test_sex_bounds_check_does_not_pair_sexes_from_different_releases():
    table = race_sex_rows()
    # A 2019 Hispanic female rate from another release than the male one (57.2, August 2021).
    extra = pd.DataFrame([(2019, "hispanic", "female", 8.2, "2021-05", "mdph2021may")],
                         columns=table.columns)
    check = rates.sex_bounds_check(pd.concat([table, extra], ignore_index=True))
    assert not ((check["year"] == 2019) & (check["race_ethnicity"] == "hispanic")).any()


def test_plot_rates_by_group_follows_the_given_order_and_names_unknown_groups():
    fig = rates.plot_rates_by_group(series_for_plot(), "rate", "lower", "upper", order=["B", "A"])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["B", "A"]
    with pytest.raises(ValueError, match=r"\['C'\] not in the table; it has \['A', 'B'\]"):
        rates.plot_rates_by_group(series_for_plot(), "rate", "lower", "upper", order=["A", "C"])


def test_exact_interval_equals_scipy_stats_chi2():
    # rates computes the Garwood limits with scipy.special (cheaper to import than scipy.stats):
    # the numbers must be exactly those of the textbook chi-square formula.
    from scipy import stats

    counts = np.array([0.0, 1, 2, 5, 17, 250, 2227, np.nan])
    lower, upper = rates.poisson_exact_interval(counts)
    alpha = 1 - 0.95
    with np.errstate(invalid="ignore"):
        expected_lower = np.where(counts > 0, stats.chi2.ppf(alpha / 2, 2 * counts) / 2, 0.0)
        expected_upper = stats.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2
    expected_lower = np.where(np.isnan(counts), np.nan, expected_lower)
    np.testing.assert_array_equal(lower, expected_lower)
    np.testing.assert_array_equal(upper, expected_upper)
    assert rates.Z_95 == stats.norm.ppf(0.975)
