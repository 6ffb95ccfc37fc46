"""Tests of analysis.trends on constructed series with known answers and on the NCHS MA series."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis import trends

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that figures do not pile up across tests."""
    yield
    matplotlib.pyplot.close("all")


def two_speed_series(break_year: int = 2008) -> pd.DataFrame:
    """A rate growing exactly 5 %/yr from 2000 to the break year, then exactly 20 %/yr to 2015."""
    years = np.arange(2000, 2016)
    rate = np.where(
        years <= break_year,
        10 * 1.05 ** (years - 2000),
        10 * 1.05 ** (break_year - 2000) * 1.20 ** (years - break_year),
    )
    population = np.full(len(years), 5_000_000.0)
    return pd.DataFrame(
        {"year": years, "rate_per_100k": rate, "deaths": np.round(rate * population / 1e5),
         "population": population}
    )


def nchs_massachusetts() -> pd.DataFrame:
    """MA age-adjusted drug-poisoning death rates 1999-2016, NCHS data.cdc.gov jx6g-fdh6."""
    return pd.DataFrame(
        {
            "year": range(1999, 2017),
            "aa_rate_per_100k": [7.48, 7.11, 10.49, 10.72, 12.63, 10.28, 11.98, 14.69, 14.00,
                                 11.90, 12.24, 11.01, 12.73, 12.73, 16.00, 19.04, 25.67, 32.99],
        }
    )


def test_ols_recovers_known_break_and_growth_rates():
    table = trends.segmented_trend(two_speed_series(), "rate_per_100k")
    before, after = table.iloc[0], table.iloc[1]
    assert table["break_year"].tolist() == [2008, 2008]
    assert before["apc_pct"] == pytest.approx(5.0, abs=1e-6)
    assert after["apc_pct"] == pytest.approx(20.0, abs=1e-6)
    assert (before["start_year"], before["end_year"]) == (2000, 2008)
    assert (after["start_year"], after["end_year"]) == (2008, 2015)
    assert before["apc_lower_95_pct"] <= 5.0 <= before["apc_upper_95_pct"] + 1e-9


def test_poisson_recovers_known_break_from_counts_with_offset():
    table = trends.segmented_trend(
        two_speed_series(2010), "deaths", method="poisson", population="population"
    )
    assert table["break_year"].iloc[0] == 2010
    # Counts are rounded to whole deaths, so the growth rates are recovered to within 0.05 points.
    assert table["apc_pct"].tolist() == pytest.approx([5.0, 20.0], abs=0.05)
    assert (table["method"] == "poisson").all()


def test_poisson_without_population_models_the_counts_themselves():
    series = two_speed_series(2006).drop(columns="population")
    table = trends.segmented_trend(series, "deaths", method="poisson")
    assert table["break_year"].iloc[0] == 2006
    assert table["apc_pct"].tolist() == pytest.approx([5.0, 20.0], abs=0.05)


def test_break_search_lists_every_allowed_break_and_is_zero_at_the_true_one():
    search = trends.break_search(two_speed_series(), "rate_per_100k", min_points=4)
    # 16 years, at least 4 years per segment (break included): breaks 2003 to 2012.
    assert search["break_year"].tolist() == list(range(2003, 2013))
    assert search.set_index("break_year").loc[2008, "lack_of_fit"] == pytest.approx(0, abs=1e-20)
    assert (search.drop(index=search.index[search["break_year"] == 2008])["lack_of_fit"] > 0).all()


def test_fitted_values_follow_the_constructed_series():
    series = two_speed_series()
    fitted = trends.segmented_fitted(series, "rate_per_100k")
    assert fitted["fitted"].to_numpy() == pytest.approx(series["rate_per_100k"].to_numpy())
    assert fitted["observed"].tolist() == series["rate_per_100k"].tolist()
    assert (fitted["break_year"] == 2008).all()


def test_a_missing_year_is_left_out_not_filled():
    series = two_speed_series()
    series.loc[series["year"] == 2012, "rate_per_100k"] = np.nan
    fitted = trends.segmented_fitted(series, "rate_per_100k")
    assert 2012 not in fitted["year"].tolist()
    assert len(fitted) == 15
    assert fitted["break_year"].iloc[0] == 2008


def test_massachusetts_break_falls_when_the_fentanyl_era_surge_starts():
    # By hand from the NCHS table: between 2006 and 2012 the rate stays between 11.0 and 14.7
    # (no growth), then rises 26 %, 19 %, 35 % and 29 % a year from 2012 to 2016. A single break
    # therefore belongs at 2012 or 2013, with slow growth before it and fast growth after it.
    table = trends.segmented_trend(nchs_massachusetts(), "aa_rate_per_100k")
    before, after = table.iloc[0], table.iloc[1]
    assert before["break_year"] in (2012, 2013)
    assert before["apc_pct"] < 10
    assert after["apc_pct"] > 15
    assert after["apc_lower_95_pct"] > before["apc_upper_95_pct"]


def test_unknown_method_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown method 'loess'.*'ols', 'poisson'"):
        trends.segmented_trend(two_speed_series(), "rate_per_100k", method="loess")


def test_missing_column_is_named():
    with pytest.raises(KeyError, match=r"\['rate'\]"):
        trends.break_search(two_speed_series(), "rate")


def test_repeated_years_are_refused():
    series = pd.concat([two_speed_series(), two_speed_series()])
    with pytest.raises(ValueError, match="more than once"):
        trends.break_search(series, "rate_per_100k")


def test_zero_rate_cannot_be_logged():
    series = two_speed_series()
    series.loc[3, "rate_per_100k"] = 0
    with pytest.raises(ValueError, match=r"column 'rate_per_100k', row 3: 0.0 must be positive"):
        trends.break_search(series, "rate_per_100k")


def test_negative_count_is_named_for_poisson():
    series = two_speed_series()
    series.loc[5, "deaths"] = -4
    with pytest.raises(ValueError, match=r"column 'deaths', row 5: -4.0 must be non-negative"):
        trends.break_search(series, "deaths", method="poisson", population="population")


def test_too_short_series_is_refused():
    with pytest.raises(ValueError, match="too few"):
        trends.break_search(two_speed_series().head(6), "rate_per_100k", min_points=4)


def test_segments_need_at_least_two_points():
    with pytest.raises(ValueError, match="min_points must be at least 2"):
        trends.break_search(two_speed_series(), "rate_per_100k", min_points=1)


def test_plot_marks_the_break_and_names_missing_columns():
    fitted = trends.segmented_fitted(two_speed_series(), "rate_per_100k")
    fig = trends.plot_segmented(fitted, ylabel="Deaths per 100,000")
    ax = fig.axes[0]
    assert ax.get_lines()[2].get_xdata()[0] == 2008
    assert ax.get_ylabel() == "Deaths per 100,000"
    assert "break: 2008" in [text.get_text() for text in ax.texts]
    import matplotlib.pyplot as plt

    fig2, ax2 = plt.subplots()
    assert trends.plot_segmented(fitted, "y", ax=ax2) is fig2
    with pytest.raises(KeyError, match="fitted"):
        trends.plot_segmented(fitted.drop(columns="fitted"), "y")
