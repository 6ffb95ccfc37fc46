"""Tests of analysis.later: the Massachusetts series after the article (latest release per year,
rates with exact Poisson limits, the 2022 peak and the fall after it) and the cities' fragments."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import datasets, later


@pytest.fixture(scope="module")
def deaths() -> pd.DataFrame:
    return datasets.load("mdph_opioid_deaths")


@pytest.fixture(scope="module")
def pairs(deaths) -> pd.DataFrame:
    return later.rates_with_limits(deaths, datasets.load("mdph_opioid_rates"))


def test_latest_release_of_each_year(deaths):
    latest = later.latest_by_year(deaths, "deaths", later.TOTAL).set_index("year")
    # MDPH June 2024 (NBC Boston, SHNS): 2019 = 2,007, 2023 = 2,125; December 2023 (mass.gov)
    # gave 2,359 for 2022, then June 2024 gave 2,357.
    assert latest.loc[2019, "deaths"] == 2007 and latest.loc[2019, "vintage"] == "2024-06"
    assert latest.loc[2022, "deaths"] == 2357 and latest.loc[2023, "deaths"] == 2125
    # 2021 is not in the June 2024 release: its latest figure is June 2023's 2,300.
    assert (latest.loc[2021, "deaths"], latest.loc[2021, "vintage"]) == (2300, "2023-06")


def test_rates_with_poisson_limits_pair_count_and_rate_of_one_release(pairs):
    rows = pairs.set_index("year")
    # June 2024: 2,125 deaths and 30.2 per 100,000 in 2023.
    assert (rows.loc[2023, "deaths"], rows.loc[2023, "rate_per_100k"]) == (2125, 30.2)
    low = stats.chi2.ppf(0.025, 2 * 2125) / 2
    assert rows.loc[2023, "rate_lower_95"] == pytest.approx(30.2 * low / 2125)
    assert (rows["rate_lower_95"] < rows["rate_per_100k"]).all()
    assert (rows["rate_per_100k"] < rows["rate_upper_95"]).all()
    # 2017 and 2018 have no release giving both a count and a rate: no limits, no row.
    assert not rows.index.isin([2017, 2018]).any()
    assert (rows["vintage"].str.len() == 7).all()


def test_rate_change_from_the_peak(pairs):
    change = later.rate_change(pairs, 2022, 2023).iloc[0]
    assert change["rate_ratio"] == pytest.approx(30.2 / 33.5)
    se = np.sqrt(1 / 2357 + 1 / 2125)
    assert change["change_lower_95_pct"] == pytest.approx(100 * (30.2 / 33.5 * np.exp(
        -1.959964 * se) - 1))
    assert change["change_upper_95_pct"] < 0  # the fall is beyond chance at 95%
    with pytest.raises(ValueError, match=r"year\(s\) \[2017\]"):
        later.rate_change(pairs, 2017, 2023)


def test_peak_and_release(deaths):
    june = later.release(deaths, "deaths", later.TOTAL, "2024-06")
    assert later.peak(june, "deaths")["year"] == 2022
    with pytest.raises(ValueError, match="no confirmed_and_estimated figure"):
        later.release(deaths, "deaths", later.TOTAL, "1999-01")
    with pytest.raises(ValueError, match="no peak"):
        later.peak(june.iloc[0:0], "deaths")


def test_deaths_chart_leaves_the_missing_year_of_the_release_open(deaths):
    article = pd.Series({"year": 2019, "value": 2023})
    fig = later.plot_ma_deaths(deaths, "2024-06", article)
    ax = fig.axes[0]
    main = ax.get_lines()[0]
    y = np.asarray(main.get_ydata(), dtype=float)
    x = np.asarray(main.get_xdata(), dtype=float)
    assert np.isnan(y[x == 2021]).all()  # not in that release: a gap, not a bridge
    assert any(np.isclose(np.asarray(line.get_ydata(), dtype=float), 1340).any()
               for line in ax.get_lines()[1:])
    assert any("after the article" == text.get_text() for text in ax.texts)
    plt.close(fig)
    fig = later.plot_ma_rates(datasets.load("mdph_opioid_rates").pipe(
        lambda rates: later.rates_with_limits(deaths, rates)), article)
    assert fig.axes[0].get_ylabel() == "Deaths per 100,000"
    plt.close(fig)


def test_city_fragments_and_gloucester_gap():
    fragments = later.city_fragments(datasets.load("city_opioid_deaths"),
                                     datasets.load("city_opioid_deaths_after_2019"))
    assert not fragments[fragments["place"] == "gloucester"]["later"].any()
    assert fragments[~fragments["later"]]["first_year"].between(2014, 2018).all()
    fig = later.plot_cities(fragments)
    notes = {ax.get_title(loc="left"): " ".join(t.get_text() for t in ax.texts)
             for ax in fig.axes}
    assert "No figure found" in notes["Gloucester"]
    assert "2022-01/2022-06: 31" in notes["Lynn"]
    assert "2022-2023: 57 (residents)" in notes["Cambridge"]
    plt.close(fig)
