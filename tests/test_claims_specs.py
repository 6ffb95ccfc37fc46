"""Tests of the ledger's specs (analysis.claims.specs) on constructed tables: every spec reaches
every verdict its comparison allows, so no spec can only flatter the article. The figures are
made up for the test; the real verdicts are tested in test_claims_ledger.py."""

import math

import pandas as pd
import pytest

from analysis import claims
from analysis.claims.ledger import figure_row
from analysis.claims.rules import (
    CONSISTENT,
    DIFFERS,
    LOOSELY,
    NOT_CHECKABLE,
    REPRODUCED,
    apply_rules,
)

ARTICLE_CLAIMS = claims.Package().table("article_claims").set_index(["claim_id", "item"])


def verdict(claim_id: str, item: str, **tables: pd.DataFrame) -> str:
    """The verdict the rules give one figure of the article when its spec reads `tables`."""
    row = ARTICLE_CLAIMS.loc[(claim_id, item)]
    figure = pd.concat([pd.Series({"claim_id": claim_id, "item": item}), row])
    evidence = claims.SPECS[(claim_id, item)](claims.Package(tables=tables), figure)
    return apply_rules(pd.DataFrame([figure_row(figure, evidence)]))["verdict"].iloc[0]


def mdph_rates(rate: float, year: int = 2019) -> pd.DataFrame:
    return pd.DataFrame({"year": [year], "measure": ["opioid_related"], "rate_per_100k": [rate],
                         "vintage": ["2020-06"], "source_id": ["x"], "secondary": [False]})


@pytest.mark.parametrize(("rate", "expected"), [
    (29.4, REPRODUCED), (31, CONSISTENT), (35, DIFFERS)])
def test_c01_ma_rate(rate, expected):
    # the article prints 29: 29.4 rounds to it, 31 is 6.5% off, 35 is 17% off
    assert verdict("C01", "ma_rate", mdph_opioid_rates=mdph_rates(rate)) == expected


def test_c01_ma_rate_of_another_year_is_not_checkable():
    assert verdict("C01", "ma_rate", mdph_opioid_rates=mdph_rates(29, 2018)) == NOT_CHECKABLE


def us_rates(rate: float) -> pd.DataFrame:
    return pd.DataFrame({
        "geography": ["United States"] * 2, "year": [2019, 2019],
        "measure": ["all_drug_overdose", "opioid_involved_overdose"],
        "rate_type": ["age_adjusted"] * 2, "deaths": [1, 1], "rate_per_100k": [rate, 15.5],
        "source_id": ["x", "x"], "secondary": [False, False]})


@pytest.mark.parametrize(("rate", "expected"), [
    (20, LOOSELY), (21.6, LOOSELY), (30, NOT_CHECKABLE)])
def test_c01_us_rate_of_all_drugs_is_at_best_loosely_comparable(rate, expected):
    assert verdict("C01", "us_rate", cdc_overdose_rates_other=us_rates(rate)) == expected


def race_rates(male: float, female: float, both: float | None = None) -> pd.DataFrame:
    rows = [("both", 32.3, "2020-06", "vivant2021"), ("male", male, "2021-08", "globe"),
            ("female", female, "2021-08", "globe")]
    if both is not None:
        rows.append(("both", both, "2021-05", "worcester"))
    return pd.DataFrame({
        "year": 2019, "race_ethnicity": "white_non_hispanic",
        "sex": [r[0] for r in rows], "rate_per_100k": [r[1] for r in rows],
        "rate_type": "age_adjusted", "vintage": [r[2] for r in rows],
        "source_id": [r[3] for r in rows], "secondary": True})


@pytest.mark.parametrize(("male", "female", "both", "expected"), [
    (49.5, 17.4, None, CONSISTENT),  # (49.5 + 17.4) / 2 = 33.45, 3.4% above 32.3
    (45.0, 19.6, None, CONSISTENT),  # 32.3 exactly, but computed: never reproduced
    (60.0, 40.0, None, DIFFERS),  # 50, 35% off
    (49.5, 17.4, 32.3, REPRODUCED),  # a published both-sexes rate comes first
    (49.5, 17.4, 40.0, DIFFERS),
])
def test_c04_rate_by_race(male, female, both, expected):
    table = race_rates(male, female, both)
    assert verdict("C04", "white", ma_opioid_rates_by_race=table) == expected


def test_c06_ratio_built_on_the_articles_own_figure_is_not_checkable():
    lynn = pd.DataFrame({"place": ["lynn"], "period": ["2012"], "year": [2012],
                         "measure": ["overdoses"], "count": [73], "reported_by": ["city"],
                         "source_id": ["x"], "secondary": [False]})
    # 2 a day * 365 / 73 = 10: exactly the article's ten times, still only arithmetic on its 2
    assert verdict("C06", "ratio_to_2012", overdose_responses=lynn) == NOT_CHECKABLE


def fentanyl(share: float) -> pd.DataFrame:
    return pd.DataFrame({"period": ["2020-Q1"], "year": [2020], "substance": ["fentanyl"],
                         "share_pct": [share], "approximate": [False], "vintage": ["2020-06"],
                         "source_id": ["x"], "secondary": [False]})


@pytest.mark.parametrize(("share", "expected"), [(95, CONSISTENT), (90, CONSISTENT),
                                                 (80, DIFFERS)])
def test_c09_fentanyl_share_without_a_year_is_never_reproduced(share, expected):
    assert verdict("C09", "fentanyl_share", fentanyl_share=fentanyl(share)) == expected


def naloxone(price: float, approximate: bool = False) -> pd.DataFrame:
    return pd.DataFrame({
        "product": ["naloxone"], "package": ["kit"], "place": ["Massachusetts (state)"],
        "period": ["2007"], "year": [2007], "year_approximate": [approximate],
        "statistic": ["price"], "price_usd": [price], "source_id": ["x"], "secondary": [False]})


@pytest.mark.parametrize(("price", "approximate", "expected"), [
    (23, False, REPRODUCED), (23, True, CONSISTENT), (22, False, CONSISTENT),
    (30, False, DIFFERS)])
def test_c12_naloxone_price(price, approximate, expected):
    assert verdict("C12", "price_2007", naloxone_prices=naloxone(price, approximate)) == expected


def programmes(*starts: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame({
        "date": [str(year) for _, year in starts], "year": [year for _, year in starts],
        "precision": "year", "event": "programme starts", "category": "programme",
        "jurisdiction": [place for place, _ in starts], "source_id": "press",
        "article_section": "2.2", "note": ""})


@pytest.mark.parametrize(("item", "starts", "expected"), [
    ("start_year_earliest", [("Lynn", 2012), ("Gloucester", 2015)], REPRODUCED),
    ("start_year_earliest", [("Cambridge", 2010), ("Gloucester", 2015)], DIFFERS),
    ("start_year_earliest", [("Gloucester", 2015)], NOT_CHECKABLE),
    ("start_year_latest", [("Gloucester", 2015)], REPRODUCED),
    ("start_year_latest", [("Gloucester", 2015), ("Boston", 2017)], DIFFERS),
    ("start_year_latest", [("Lynn", 2013)], NOT_CHECKABLE),
    ("start_year_latest", [("Seattle", 2017)], NOT_CHECKABLE),  # not one of the four cities
])
def test_c13_programme_start(item, starts, expected):
    assert verdict("C13", item, policy_timeline=programmes(*starts)) == expected


def profiles(place: str, indicator: str, *values: tuple[float, int | None]) -> pd.DataFrame:
    return pd.DataFrame({
        "place": place, "indicator": indicator, "value": [v for v, _ in values], "unit": "x",
        "period": [str(y) for _, y in values],
        "year": pd.array([y for _, y in values], dtype="Int64"),
        "basis": "as stated", "source_id": "x", "secondary": False})


@pytest.mark.parametrize(("count", "year", "expected"), [
    (2174, 2019, REPRODUCED), (2174, None, CONSISTENT), (1900, 2019, DIFFERS)])
def test_c14_more_than_two_thousand_officers(count, year, expected):
    table = profiles("boston", "police_sworn_officers", (count, year))
    assert verdict("C14", "boston_officers", city_profiles=table) == expected


@pytest.mark.parametrize(("budget", "expected"), [
    (51_145_765, REPRODUCED), (53_000_000, CONSISTENT), (60_000_000, DIFFERS)])
def test_c17_police_budget(budget, expected):
    table = profiles("cambridge", "police_budget", (budget, 2017))
    assert verdict("C17", "police_budget", city_profiles=table) == expected


@pytest.mark.parametrize(("staff", "expected"), [(319, LOOSELY), (400, NOT_CHECKABLE)])
def test_c17_officers_against_the_whole_staff_are_loosely_comparable(staff, expected):
    table = pd.concat([profiles("cambridge", "police_employees", (staff, 2017)),
                       profiles("cambridge", "police_sworn_officers", (278, 2014))])
    assert verdict("C17", "police_officers", city_profiles=table) == expected


@pytest.mark.parametrize(("population", "expected"), [
    (105_300, REPRODUCED), (110_000, CONSISTENT), (117_133, DIFFERS)])
def test_c17_population(population, expected):
    table = pd.concat([profiles("cambridge", "population", (population, 2017)),
                       profiles("lynn", "population", (95_000, 2017))])
    article = pd.DataFrame({"place": ["cambridge", "lynn"], "indicator": "population",
                            "value": [105_000, 95_000]})
    assert verdict("C17", "population", city_profiles=table,
                   article_city_figures=article) == expected


@pytest.mark.parametrize(("before", "after", "expected"), [
    (181, 168, CONSISTENT), (160, 170, DIFFERS)])
def test_c18_officers_falling(before, after, expected):
    table = profiles("lynn", "police_sworn_officers", (before, 2017), (after, 2019))
    assert verdict("C18", "officers_falling", city_profiles=table) == expected


def test_c19_budget_ratio_of_the_articles_own_budgets_is_not_checkable():
    assert verdict("C19", "budget_ratio") == NOT_CHECKABLE


@pytest.mark.parametrize(("lynn", "expected"), [(139, CONSISTENT), (183, DIFFERS)])
def test_c19_staff_ratio(lynn, expected):
    # 139 / 278 = 0.5 exactly, but for another year than the article's; 183 / 278 = 0.66
    table = pd.concat([profiles("lynn", "police_sworn_officers", (lynn, 2014)),
                       profiles("cambridge", "police_sworn_officers", (278, 2014))])
    assert verdict("C19", "staff_ratio", city_profiles=table) == expected


def arrests(*counts: tuple[int, int]) -> pd.DataFrame:
    return pd.DataFrame({
        "year": [y for y, _ in counts], "offense": "total", "arrests": [a for _, a in counts],
        "pct_of_drug_arrests": math.nan, "pct_of_all_arrests": math.nan, "in_series": True,
        "source_id": "x", "secondary": False})


@pytest.mark.parametrize(("counts", "expected"), [
    ([(2006, 1_900_000), (2012, 1_500_000), (2019, 1_550_000)], CONSISTENT),
    ([(2006, 1_500_000), (2012, 1_600_000), (2019, 1_900_000)], DIFFERS)])
def test_c21_us_arrests(counts, expected):
    assert verdict("C21", "drug_law_arrests_us", fbi_drug_arrests=arrests(*counts)) == expected


@pytest.mark.parametrize(("last", "expected"), [(10_770, CONSISTENT), (5_000, DIFFERS)])
def test_c25_section35(last, expected):
    table = pd.DataFrame({"fiscal_year": [2010, 2017, 2018], "category": "total",
                          "filings": [5_903, 10_911, last]})
    assert verdict("C25", "section35_trend", section35_filings=table) == expected


@pytest.mark.parametrize(("during", "expected"), [(2_104, CONSISTENT), (1_900, DIFFERS)])
def test_c27_pandemic_deaths(during, expected):
    table = pd.DataFrame({"year": [2019, 2020], "measure": "confirmed_and_estimated",
                          "deaths": [2_002, during], "vintage": "2021-05", "source_id": "x",
                          "secondary": False})
    assert verdict("C27", "deaths_rising_2020", mdph_opioid_deaths=table) == expected


@pytest.mark.parametrize(("first", "later", "expected"), [
    (2_104, 1_900, CONSISTENT),  # the later release reverses the rise: the verdict stays
    (1_900, 2_104, DIFFERS),  # the later release shows a rise: the verdict still stays
])
def test_c27_is_judged_on_the_first_release_after_the_access_date(first, later, expected):
    rows = [(2019, 2_002, "2021-05"), (2020, first, "2021-05"), (2019, 2_007, "2024-06"),
            (2020, later, "2024-06"), (2016, 2_111, "2024-06")]
    table = pd.DataFrame({"year": [r[0] for r in rows], "measure": "confirmed_and_estimated",
                          "deaths": [r[1] for r in rows], "vintage": [r[2] for r in rows],
                          "source_id": ["may2021", "may2021", "june2024", "june2024",
                                        "june2024"], "secondary": False})
    assert verdict("C27", "deaths_rising_2020", mdph_opioid_deaths=table) == expected
    row = ARTICLE_CLAIMS.loc[("C27", "deaths_rising_2020")]
    figure = pd.concat([pd.Series({"claim_id": "C27", "item": "deaths_rising_2020"}), row])
    found = claims.SPECS[("C27", "deaths_rising_2020")](
        claims.Package(tables={"mdph_opioid_deaths": table}), figure)
    assert found.sources == ("may2021",) and found.latest_sources == ("june2024",)
    assert found.latest_value == pytest.approx(later / 2_007 - 1)
    assert found.latest_text.endswith("release of 2024-06") and "vintage" in found.flags


def timeline(year: int, note: str, source_id: str = "mgl94c") -> pd.DataFrame:
    return pd.DataFrame({"date": [str(year)], "year": [year], "precision": "year",
                         "event": "law", "category": ["law"],
                         "jurisdiction": ["Massachusetts"], "source_id": [source_id],
                         "article_section": "2.1", "note": [note]})


@pytest.mark.parametrize(("year", "note", "source_id", "expected"), [
    (2012, "Claim C10 (good_samaritan_year)", "mgl94c", REPRODUCED),
    (2011, "Claim C10 (good_samaritan_year)", "mgl94c", DIFFERS),
    (2012, "Claim C10 (good_samaritan_year)", "vivant2021", NOT_CHECKABLE),  # the article only
    (2012, "Claim C10", "mgl94c", NOT_CHECKABLE),  # does not say it dates the same event
    (2012, "Claim C22 (good_samaritan_year)", "mgl94c", NOT_CHECKABLE),
])
def test_timeline_years(year, note, source_id, expected):
    table = timeline(year, note, source_id)
    assert verdict("C10", "good_samaritan_year", policy_timeline=table) == expected
