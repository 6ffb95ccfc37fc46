"""Tests of analysis.budgets: hand computations from the article's and the public city figures."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import budgets, datasets

matplotlib.use("Agg")


def article_pair() -> pd.DataFrame:
    """Cambridge and Lynn as the article prints them (Vivant 2021, section 2.3; claims C17, C18)."""
    table = budgets.wide_table(datasets.load("article_city_figures"))
    return table[table["city"].isin(["Cambridge", "Lynn"])].reset_index(drop=True)


def test_article_figures_pivot_to_one_row_per_city():
    table = budgets.wide_table(datasets.load("article_city_figures")).set_index("city")
    assert list(table.index) == ["Boston", "Cambridge", "Lynn"]
    assert table.loc["Cambridge", "police_budget_usd"] == 51_000_000
    assert table.loc["Lynn", "officers"] == 165
    assert np.isnan(table.loc["Boston", "population"])  # the article gives Boston's officers only


def test_wide_table_refuses_two_values_for_one_cell():
    figures = pd.DataFrame({"place": ["lynn", "lynn"], "indicator": ["population"] * 2,
                            "value": [95000.0, 94299.0]})
    with pytest.raises(ValueError, match=r"more than one value for \[\('lynn', 'population'\)\]"):
        budgets.wide_table(figures)


def test_indicators_by_hand_from_the_article():
    table = budgets.indicators(article_pair()).set_index("city")
    # 51e6 / 105,000 = 485.71; 27e6 / 95,000 = 284.21 dollars per resident.
    assert table.loc["Cambridge", "budget_per_resident_usd"] == pytest.approx(485.714, abs=1e-3)
    assert table.loc["Lynn", "budget_per_resident_usd"] == pytest.approx(284.211, abs=1e-3)
    # 320 / 105,000 * 10,000 = 30.476; 165 / 95,000 * 10,000 = 17.368 officers per 10,000.
    assert table.loc["Cambridge", "officers_per_10k"] == pytest.approx(30.476, abs=1e-3)
    assert table.loc["Lynn", "officers_per_10k"] == pytest.approx(17.368, abs=1e-3)
    # 51e6 / 320 = 159,375; 27e6 / 165 = 163,636.36 dollars per officer.
    assert table.loc["Cambridge", "budget_per_officer_usd"] == pytest.approx(159_375)
    assert table.loc["Lynn", "budget_per_officer_usd"] == pytest.approx(163_636.36, abs=0.01)


def test_lynn_has_about_half_of_cambridge_in_the_article():
    table = budgets.indicators(article_pair())
    ratios = budgets.ratio(table, "Lynn", "Cambridge",
                           ["police_budget_usd", "officers", "budget_per_resident_usd"])
    ratios = ratios.set_index("quantity")
    # 27 / 51 = 0.5294; 165 / 320 = 0.5156; 284.21 / 485.71 = 0.5851 (claim C19: "half").
    assert ratios.loc["police_budget_usd", "ratio"] == pytest.approx(0.5294, abs=1e-4)
    assert ratios.loc["officers", "ratio"] == pytest.approx(0.5156, abs=1e-4)
    assert ratios.loc["budget_per_resident_usd", "ratio"] == pytest.approx(0.5851, abs=1e-4)
    assert ratios.loc["officers", "lynn"] == 165


def test_ratio_names_an_unknown_city():
    with pytest.raises(ValueError, match=r"city 'Salem' must appear exactly once; the table has "
                                         r"\['Cambridge', 'Lynn'\]"):
        budgets.ratio(article_pair(), "Salem", "Cambridge", ["officers"])


def test_indicators_name_a_non_positive_input_and_a_missing_column():
    bad = article_pair()
    bad.loc[1, "population"] = -95000
    with pytest.raises(ValueError, match=r"population must be positive; check city \['Lynn'\]"):
        budgets.indicators(bad)
    with pytest.raises(KeyError, match=r"\['officers'\]"):
        budgets.indicators(article_pair().drop(columns="officers"))


def test_indicators_leave_a_missing_budget_missing():
    table = pd.DataFrame({"city": ["Gloucester"], "population": [29731.0],
                          "police_budget_usd": [np.nan], "officers": [65.0]})
    result = budgets.indicators(table).iloc[0]
    assert np.isnan(result["budget_per_resident_usd"])
    # 65 / 29,731 * 10,000 = 21.863 sworn officers per 10,000 residents.
    assert result["officers_per_10k"] == pytest.approx(21.863, abs=1e-3)


def test_nearest_public_figures_to_2017():
    profiles = datasets.load("city_profiles")
    places = ["boston", "cambridge", "lynn", "gloucester"]
    population = budgets.nearest(profiles, "population", 2017, places).set_index("city")
    # Census PEP 2017 estimate for Cambridge (IndexMundi copy): 117,133.
    assert population.loc["Cambridge", "value"] == 117_133
    # Boston has only census counts (2000, 2010): the 2010 count, 617,594, is nearest.
    assert population.loc["Boston", "value"] == 617_594
    officers = budgets.nearest(profiles, "police_sworn_officers", 2017, places).set_index("city")
    # Daily Item, 26 April 2017: Lynn "is operating with 181 officers".
    assert officers.loc["Lynn", "value"] == 181
    # Gloucester's only count (65 sworn officers, PAARI) is undated: used, and flagged.
    assert officers.loc["Gloucester", "value"] == 65
    assert not officers.loc["Gloucester", "dated"]
    budget = budgets.nearest(profiles, "police_budget", 2017, places).set_index("city")
    assert np.isnan(budget.loc["Lynn", "value"])  # no Lynn police budget in dollars was found
    assert budget.loc["Cambridge", "value"] == 51_145_765


def test_nearest_prefers_a_primary_source_then_a_later_year():
    profiles = pd.DataFrame({
        "place": ["x", "x", "x"], "indicator": ["population"] * 3,
        "value": [100.0, 101.0, 102.0], "year": pd.array([2016, 2016, 2018], dtype="Int64"),
        "period": ["2016", "2016", "2018"], "source_id": ["copy", "primary", "later"],
        "secondary": [True, False, False],
    })
    assert budgets.nearest(profiles, "population", 2016, ["x"]).iloc[0]["source_id"] == "primary"
    assert budgets.nearest(profiles, "population", 2017, ["x"]).iloc[0]["source_id"] == "later"


def test_nearest_names_an_unknown_indicator():
    with pytest.raises(ValueError, match="unknown indicator 'budget'; valid: "):
        budgets.nearest(datasets.load("city_profiles"), "budget", 2017, ["lynn"])


def test_nearest_table_keeps_year_and_source_of_each_input():
    table = budgets.nearest_table(datasets.load("city_profiles"), ["cambridge", "lynn"], 2017)
    cambridge = table.set_index("city").loc["Cambridge"]
    assert cambridge["police_budget_usd_year"] == 2017
    assert cambridge["officers"] == 278  # sworn officers, 2014 infobox
    assert cambridge["officers_period"] == "2014"
    assert table.set_index("city").loc["Lynn", "police_budget_usd_source"] is None


def test_per_resident_with_every_population_and_its_spread():
    options = budgets.population_options(datasets.load("city_profiles"), ["cambridge", "lynn"],
                                         since_year=2010)
    assert set(options["population_basis"]) == {
        "Census count", "Census yearly estimate", "ACS 5-year estimate"}
    assert options["population_year"].min() == 2010
    table = budgets.per_resident(article_pair(), options)
    census = table[(table["city"] == "Cambridge") & (table["population_year"] == 2010)].iloc[0]
    # 51e6 / 105,162 (2010 census) = 484.966 dollars per resident.
    assert census["police_budget_per_resident_usd"] == pytest.approx(484.966, abs=1e-3)
    spread = budgets.sensitivity_range(table, "police_budget_per_resident_usd").set_index("city")
    # Lynn: 27e6 / 90,329 = 298.907 (2010) and 27e6 / 94,299 = 286.323 (2019 estimate).
    assert spread.loc["Lynn", "high"] == pytest.approx(298.907, abs=1e-3)
    assert spread.loc["Lynn", "low"] == pytest.approx(286.323, abs=1e-3)
    expected = (298.907 / 286.323 - 1) * 100
    assert spread.loc["Lynn", "spread_pct"] == pytest.approx(expected, abs=1e-3)


def test_same_year_ratio_pairs_populations_of_one_year():
    options = budgets.population_options(datasets.load("city_profiles"), ["cambridge", "lynn"],
                                         since_year=2010)
    table = budgets.per_resident(article_pair(), options)
    paired = budgets.same_year_ratio(table, "Lynn", "Cambridge", "police_budget_per_resident_usd")
    census = paired.set_index("population_year").loc[2010, "ratio"]
    # (27e6 / 90,329) / (51e6 / 105,162) = 298.907 / 484.966 = 0.61635.
    assert census == pytest.approx(0.61635, abs=1e-5)


def test_per_resident_needs_population_basis():
    with pytest.raises(KeyError, match=r"\['population_basis'\]"):
        budgets.per_resident(article_pair(), pd.DataFrame({"city": ["Lynn"], "population": [1.0]}))


def test_death_rate_of_lynn_2014_2018_by_hand():
    deaths = budgets.with_city(datasets.load("city_opioid_deaths"))
    residents = deaths[deaths["basis"] == "residence"]
    population = pd.DataFrame({"city": ["Lynn", "Cambridge", "Boston", "Gloucester"],
                               "population": [90329, 105162, 617594, 28789]})
    rates = budgets.death_rate(residents, population, 2014, 2018).set_index("city")
    # MDPH city/town table, August 2019, Table 1: Lynn 42 + 47 + 46 + 63 + 51 = 249 deaths;
    # 249 / (90,329 * 5) * 100,000 = 55.13 per 100,000 a year.
    assert rates.loc["Lynn", "deaths"] == 249
    assert rates.loc["Lynn", "rate_per_100k"] == pytest.approx(55.132, abs=1e-3)
    # Cambridge: 8 + 13 + 27 + 12 + 11 = 71; 71 / (105,162 * 5) * 100,000 = 13.503.
    assert rates.loc["Cambridge", "rate_per_100k"] == pytest.approx(13.503, abs=1e-3)


@pytest.mark.parametrize("years,population,message", [
    ([2014, 2015], [1000], r"Lynn: no deaths figure for \[2016\]"),
    ([2014, 2015, 2016], [], r"no population for \['Lynn'\]"),
])
def test_death_rate_keeps_gaps_and_names_them(years, population, message):
    deaths = pd.DataFrame({"city": ["Lynn"] * len(years), "year": years,
                           "deaths": [1] * len(years)})
    populations = pd.DataFrame({"city": ["Lynn"] * len(population), "population": population})
    with pytest.raises(ValueError, match=message):
        budgets.death_rate(deaths, populations, 2014, 2016)


def test_death_rate_rejects_negative_deaths_and_reversed_years():
    deaths = pd.DataFrame({"city": ["Lynn"], "year": [2014], "deaths": [-1]})
    populations = pd.DataFrame({"city": ["Lynn"], "population": [1000]})
    with pytest.raises(ValueError, match=r"negative deaths for \[\['Lynn', 2014\]\]"):
        budgets.death_rate(deaths, populations, 2014, 2014)
    with pytest.raises(ValueError, match="last_year 2013 is before first_year 2014"):
        budgets.death_rate(deaths, populations, 2014, 2013)


def test_city_name_and_with_city():
    assert budgets.city_name("cambridge") == "Cambridge"
    assert budgets.city_name("new_bedford") == "New Bedford"
    assert list(budgets.with_city(pd.DataFrame({"place": ["lynn"]}))["city"]) == ["Lynn"]


def test_panels_show_a_gap_as_an_annotated_empty_slot():
    table = pd.DataFrame({"city": ["Cambridge", "Lynn"], "budget_per_resident_usd": [437.0, np.nan],
                          "officers_per_10k": [23.7, 19.2], "note": ["2017 ÷ 2017", None]})
    fig = budgets.plot_indicator_panels(table, ["budget_per_resident_usd", "officers_per_10k"],
                                        notes={"budget_per_resident_usd": "note"})
    first = fig.axes[0]
    texts = [t.get_text() for t in first.texts]
    assert "no public\nfigure found" in texts
    assert " 437\n 2017 ÷ 2017" in texts
    assert [t.get_text() for t in first.get_yticklabels()] == ["Cambridge", "Lynn"]
    assert budgets._compact(15_000) == "15k" and budgets._compact(23.7) == "23.7"
    assert budgets._tick(20_000, 0) == "20k" and budgets._tick(250, 0) == "250"


def test_panels_on_given_axes_and_an_all_missing_indicator():
    fig, axes = plt.subplots(1, 1, squeeze=False)
    table = pd.DataFrame({"city": ["Lynn"], "budget_per_officer_usd": [np.nan]})
    assert budgets.plot_indicator_panels(table, ["budget_per_officer_usd"], axes=axes[0]) is fig


def test_sensitivity_plot_draws_a_dot_per_population_and_the_article_line():
    options = budgets.population_options(datasets.load("city_profiles"), ["cambridge", "lynn"],
                                         since_year=2010)
    table = budgets.per_resident(article_pair(), options)
    column = "police_budget_per_resident_usd"
    article = budgets.indicators(article_pair()).rename(columns={"budget_per_resident_usd": column})
    fig = budgets.plot_sensitivity(table, column, article=article)
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(table)
    assert len(ax.lines) == 2  # one dashed line per city
    fig, ax = plt.subplots()
    assert budgets.plot_sensitivity(table, column, ax=ax) is fig
    assert not ax.lines


def test_need_vs_means_marks_the_article_and_the_gap():
    table = pd.DataFrame({"city": ["Lynn", "Cambridge", "Gloucester"],
                          "kind": ["article", "independent", "independent"],
                          "rate_per_100k": [55.1, 13.5, 41.0],
                          "budget_per_resident_usd": [284.2, 436.6, np.nan]})
    fig = budgets.plot_need_vs_means(table)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Lynn (article's budget)" in texts
    assert "Gloucester: no public figure found for the police budget" in texts
    assert len(fig.axes[0].lines) == 1
