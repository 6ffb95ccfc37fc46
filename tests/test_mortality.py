"""Tests of analysis.mortality against the NCHS drug-poisoning table (data.cdc.gov jx6g-fdh6)."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from analysis import datasets, mortality


@pytest.fixture(scope="module")
def nchs() -> pd.DataFrame:
    return datasets.load("nchs_overdose_mortality")


def test_state_and_nation_keeps_only_all_groups_rows(nchs):
    rows = mortality.state_and_nation(nchs)
    # NCHS publishes 1999-2016 for each geography: 18 years x 2 places.
    assert len(rows) == 36
    assert set(rows["race_ethnicity"]) == {"All Races-All Origins"}
    ma_2016 = rows[(rows["geography"] == "Massachusetts") & (rows["year"] == 2016)].iloc[0]
    # NCHS, Massachusetts 2016: 2,227 deaths, age-adjusted rate 32.99 (31.59-34.39).
    assert ma_2016["deaths"] == 2227
    assert ma_2016["aa_rate_per_100k"] == pytest.approx(32.99)


def test_ratio_matches_hand_computation(nchs):
    ratio = mortality.state_to_nation_ratio(nchs).set_index("year")["ma_to_us_ratio"]
    # By hand from the published age-adjusted rates: 32.99 / 19.79 and 7.48 / 6.06.
    assert ratio[2016] == pytest.approx(32.99 / 19.79)
    assert ratio[1999] == pytest.approx(7.48 / 6.06)
    assert len(ratio) == 18


def test_first_year_at_least(nchs):
    ratio = mortality.state_to_nation_ratio(nchs)
    # By hand: 2001 is 10.49 / 6.79 = 1.545, the first year at 1.5 or more (1999: 1.234,
    # 2000: 7.11 / 6.17 = 1.152); 1.6 is first reached in 2016 (32.99 / 19.79 = 1.667), since
    # 2015 gives 25.67 / 16.29 = 1.576.
    assert mortality.first_year_at_least(ratio, 1.5) == 2001
    assert mortality.first_year_at_least(ratio, 1.6) == 2016
    # Massachusetts never reached twice the US all-drug rate in 1999-2016 (max 1.667 in 2016).
    assert mortality.first_year_at_least(ratio, 2.0) is None


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="aa_rate_per_100k"):
        empty = pd.DataFrame({"geography": [], "race_ethnicity": [], "year": []})
        mortality.state_and_nation(empty)


def test_missing_place_is_named(nchs):
    only_us = nchs[nchs["geography"] == "United States"]
    with pytest.raises(ValueError, match="Massachusetts"):
        mortality.state_and_nation(only_us)


def test_plot_draws_both_lines_and_the_later_points(nchs):
    points = pd.DataFrame(
        {
            "year": [2019, 2019],
            "rate_per_100k": [29.0, 21.6],
            "label": ["MA opioid-related", "US all drugs"],
            "geography": ["Massachusetts", "United States"],
        }
    )
    fig = mortality.plot_state_vs_nation(nchs, points)
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    labels = ax.get_legend_handles_labels()[1]
    assert "MA opioid-related" in labels and "US all drugs" in labels
    assert ax.get_ylim()[0] == 0


def test_plot_accepts_an_existing_axis(nchs):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    empty = pd.DataFrame(columns=["year", "rate_per_100k", "label", "geography"])
    assert mortality.plot_state_vs_nation(nchs, empty, ax=ax) is fig


def test_later_reference_points_are_the_published_2019_figures():
    points = mortality.later_reference_points(
        datasets.load("mdph_opioid_rates"), datasets.load("cdc_overdose_rates_other")
    ).set_index("geography")
    # MDPH, February 2020 report: "the opioid-related overdose death rate was 29 per 100,000".
    assert points.loc["Massachusetts", "rate_per_100k"] == 29.0
    # Mattson et al., MMWR 2021;70(6): 2019 age-adjusted all-drug rate of 21.6 per 100,000.
    assert points.loc["United States", "rate_per_100k"] == 21.6
    assert (points["year"] == 2019).all()


def test_later_reference_points_follow_the_vintage():
    points = mortality.later_reference_points(
        datasets.load("mdph_opioid_rates"), datasets.load("cdc_overdose_rates_other"),
        mdph_vintage="2021-05",
    ).set_index("geography")
    # The May 2021 report revised 2019 down to 28.7 per 100,000.
    assert points.loc["Massachusetts", "rate_per_100k"] == 28.7


def test_later_reference_points_report_an_absent_vintage():
    with pytest.raises(ValueError, match="found 0"):
        mortality.later_reference_points(
            datasets.load("mdph_opioid_rates"), datasets.load("cdc_overdose_rates_other"),
            mdph_vintage="1990-01",
        )


def test_after_article_points_one_document_per_year(nchs):
    after = mortality.after_article_points(
        nchs, datasets.load("us_overdose_rates_by_race"), datasets.load("mdph_opioid_rates"))
    us = after[after["geography"] == "United States"].set_index("year")
    # NCHS Data Briefs 329 (2017: 21.7) to 522 (2023: 31.3); 2016 stays the series' own year.
    assert us.index.min() == 2017 and us.loc[2017, "rate_per_100k"] == 21.7
    assert us.loc[2023, "rate_per_100k"] == 31.3 and us["source_id"].is_unique
    ma = after[after["geography"] == "Massachusetts"].set_index("year")
    # MDPH, latest release of each year: 2022 = 33.5 and 2023 = 30.2 (June 2024).
    assert ma.index.min() == 2020 and ma.loc[2023, "rate_per_100k"] == 30.2
    assert ma.loc[2023, "vintage"] == "2024-06"


def test_plot_with_after_points_shades_and_never_joins_them(nchs):
    import matplotlib.pyplot as plt

    after = mortality.after_article_points(
        nchs, datasets.load("us_overdose_rates_by_race"), datasets.load("mdph_opioid_rates"))
    empty = pd.DataFrame(columns=["year", "rate_per_100k", "label", "geography"])
    fig = mortality.plot_state_vs_nation(nchs, empty, after=after)
    ax = fig.axes[0]
    later_lines = [line for line in ax.get_lines() if min(line.get_xdata()) > 2016]
    assert later_lines and all(line.get_linestyle() == "None" for line in later_lines)
    assert any(text.get_text() == "after the article" for text in ax.texts)
    plt.close(fig)
