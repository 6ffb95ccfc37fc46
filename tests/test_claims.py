"""Tests of analysis.claims: each verdict rule on constructed cases, and the verdicts of real claims
of Vivant (2021) against hand reasoning from the documents listed in DATA-SOURCES.md."""

import math
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from analysis import claims

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
NAN = math.nan


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    """The ledger built from the real data package."""
    return claims.build_ledger()


def figure(ledger: pd.DataFrame, claim_id: str, item: str) -> pd.Series:
    """One figure (row) of the ledger."""
    rows = ledger[(ledger["claim_id"] == claim_id) & (ledger["item"] == item)]
    assert len(rows) == 1, f"{claim_id} {item} should be one row"
    return rows.iloc[0]


def flags(row: pd.Series) -> set[str]:
    return set(claims.flag_list(row["flags"]))


# --- printed_precision ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "value", "unit", "expected"),
    [
        ("29 pour 100 000", 29, "per_100k", 1),  # printed to the unit
        ("20/100 000", 20, "per_100k", 1),  # a whole number below 1,000 is exact to the unit
        ("320 agents", 320, "officers", 1),
        ("2 023", 2023, "deaths", 1),
        ("32,3 (printed with %)", 32.3, "per_100k", 0.1),  # a decimal comma counts its decimals
        ("105 000", 105000, "persons", 1000),  # grouped zeros: rounded to the thousand
        ("30 000 $/mois", 30000, "usd_per_month", 10000),
        ("51 millions de $", 51_000_000, "usd", 1_000_000),  # 51 printed, in millions
        ("juin 2015", 2015, "year", 1),  # a year is exact
    ],
)
def test_printed_precision(printed, value, unit, expected):
    assert claims.printed_precision(printed, value, unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("printed", "value"),
    [("moitié moindres", 0.5), ("deux fois par jour", 2), (None, 3), ("3", NAN)],
)
def test_printed_precision_is_nan_for_words_and_missing_values(printed, value):
    assert math.isnan(claims.printed_precision(printed, value, "ratio"))


def test_printed_precision_rejects_a_value_that_is_not_the_printed_number():
    with pytest.raises(ValueError, match="not the printed number '29"):
        claims.printed_precision("29 pour 100 000", 28, "per_100k")


# --- judge: each rule on constructed cases -------------------------------------------------------


def test_no_public_figure_is_not_checkable():
    assert claims.judge("value", 5, 1, NAN)[0] == claims.NOT_CHECKABLE


def test_a_match_to_the_printed_digit_is_reproduced():
    # 29 printed to the unit covers 28.5 to 29.5.
    assert claims.judge("value", 29, 1, 29.5)[0] == claims.REPRODUCED
    assert claims.judge("value", 29, 1, 28.5)[0] == claims.REPRODUCED
    assert claims.judge("value", 29, 1, 29.51)[0] == claims.CONSISTENT


@pytest.mark.parametrize(
    ("caveat", "words"),
    [
        ({"same_measure": False}, "measures something else"),
        ({"same_period": False}, "another or an uncertain year"),
        ({"from_article": True}, "the article's own figures"),
    ],
)
def test_a_match_with_a_caveat_is_only_consistent(caveat, words):
    verdict, reason = claims.judge("value", 29, 1, 29.2, **caveat)
    assert verdict == claims.CONSISTENT and words in reason


def test_the_relative_tolerance_separates_consistent_from_differs():
    # |100 - 110| / 110 = 9.1% <= 10%; |100 - 112| / 112 = 10.7% > 10%.
    verdict, reason = claims.judge("value", 100, 1, 110)
    assert verdict == claims.CONSISTENT and "off by 9.1%" in reason
    verdict, reason = claims.judge("value", 100, 1, 112)
    assert verdict == claims.DIFFERS and "off by 10.7%" in reason
    assert claims.judge("value", 100, 1, 112, tolerance=0.11)[0] == claims.CONSISTENT


def test_words_can_never_be_reproduced():
    # 'half' has no printed digit: 0.5 against exactly 0.5 is consistent, not reproduced.
    assert claims.judge("value", 0.5, NAN, 0.5)[0] == claims.CONSISTENT


def test_a_figure_beyond_the_tolerance_says_when_it_uses_the_article():
    verdict, reason = claims.judge("value", 10, NAN, 6, from_article=True)
    assert verdict == claims.DIFFERS and reason.endswith("the article's own figures")


def test_a_zero_public_figure_only_matches_by_rounding():
    assert claims.judge("value", 0.4, 1, 0)[0] == claims.REPRODUCED
    assert claims.judge("value", 2, 1, 0)[0] == claims.DIFFERS


def test_dates_match_exactly_or_differ():
    # A year has no relative tolerance: 2012 against 2015 is 0.15% off but three years wrong.
    assert claims.judge("date", 2015, 1, 2015)[0] == claims.REPRODUCED
    assert claims.judge("date", 2012, 1, 2015)[0] == claims.DIFFERS


def test_lower_bounds():
    assert claims.judge("more_than", 2000, 1000, 2174)[0] == claims.REPRODUCED
    assert claims.judge("more_than", 2000, 1000, 2174, same_period=False)[0] == claims.CONSISTENT
    assert claims.judge("more_than", 2000, 1000, 1990)[0] == claims.DIFFERS
    assert claims.judge("more_than", 2000, 1000, 2000)[0] == claims.DIFFERS


def test_directions_are_consistent_or_differ():
    assert claims.judge("direction", 1, NAN, 0.82)[0] == claims.CONSISTENT
    assert claims.judge("direction", -1, NAN, -0.17)[0] == claims.CONSISTENT
    assert claims.judge("direction", 1, NAN, -0.05)[0] == claims.DIFFERS
    assert claims.judge("direction", 1, NAN, 0.0)[0] == claims.DIFFERS


def test_bounds_are_consistent_inside_and_differ_outside():
    verdict, reason = claims.judge("between", 32.3, 0.1, 49.5, 17.4)
    assert verdict == claims.CONSISTENT and "17.4 and 49.5" in reason
    assert claims.judge("between", 60, 0.1, 17.4, 49.5)[0] == claims.DIFFERS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ratio", 1, 1, 1), "unknown comparison 'ratio'"),
        (("value", NAN, 1, 1), "needs the article's value"),
        (("between", 1, 1, 1), "both public bounds"),
        (("value", 1, -1, 1), "precision must be positive"),
    ],
)
def test_judge_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        claims.judge(*args)


def test_judge_rejects_a_tolerance_that_is_not_a_fraction():
    with pytest.raises(ValueError, match="tolerance"):
        claims.judge("value", 1, 1, 1, tolerance=10)


# --- tables of verdicts --------------------------------------------------------------------------


def checks() -> pd.DataFrame:
    """Three constructed comparisons: a match, a 20% gap, a figure with no public counterpart."""
    return pd.DataFrame(
        {
            "claim_id": ["C90", "C90", "C91"],
            "item": ["a", "b", "c"],
            "section": ["2.3", "2.3", "intro"],
            "comparison": ["value", "value", "value"],
            "article_value": [29.0, 120.0, 5.0],
            "precision": [1.0, 1.0, 1.0],
            "public_value": [29.2, 100.0, NAN],
            "public_high": [NAN, NAN, NAN],
            "same_measure": [True, True, True],
            "same_period": [True, True, True],
            "flags": ["", "article", ""],
        }
    )


def test_apply_rules_adds_gaps_and_verdicts():
    table = claims.apply_rules(checks())
    assert list(table["verdict"]) == [claims.REPRODUCED, claims.DIFFERS, claims.NOT_CHECKABLE]
    # 120 - 100 = 20, i.e. 20% of the public figure.
    assert table.loc[1, "difference"] == pytest.approx(20)
    assert table.loc[1, "relative_difference"] == pytest.approx(0.20)
    assert "the article's own figures" in table.loc[1, "reason"]
    assert math.isnan(table.loc[2, "difference"])


def test_apply_rules_names_missing_columns():
    with pytest.raises(KeyError, match="public_high"):
        claims.apply_rules(checks().drop(columns="public_high"))


def test_a_claim_takes_its_weakest_figure():
    figures = pd.DataFrame(
        {
            "claim_id": ["C01", "C01", "C02", "C02", "C03", "C03", "C04"],
            "section": ["intro"] * 7,
            "verdict": ["reproduced", "consistent", "reproduced", "not checkable",
                        "not checkable", "differs", "reproduced"],
        }
    )
    table = claims.claim_verdicts(figures).set_index("claim_id")
    assert table["verdict"].to_dict() == {
        "C01": "consistent", "C02": "not checkable", "C03": "differs", "C04": "reproduced"
    }
    assert table.loc["C02", "figures"] == 2
    assert table.loc["C02", "figures_not_checkable"] == 1


def test_verdict_counts_lists_every_verdict():
    counts = claims.verdict_counts(pd.DataFrame({"verdict": ["differs", "differs"]}))
    assert counts.to_dict("records") == [
        {"verdict": "reproduced", "count": 0}, {"verdict": "consistent", "count": 0},
        {"verdict": "differs", "count": 2}, {"verdict": "not checkable", "count": 0},
    ]


def test_unknown_verdicts_and_missing_columns_are_named():
    with pytest.raises(ValueError, match="unknown verdict.*'true'"):
        claims.verdict_counts(pd.DataFrame({"verdict": ["true"]}))
    with pytest.raises(KeyError, match="section"):
        claims.claim_verdicts(pd.DataFrame({"claim_id": ["C01"], "verdict": ["differs"]}))


# --- choosing the public figure ------------------------------------------------------------------


def candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "value": [105162.0, 117133.0, 118977.0, 115000.0],
            "year": pd.array([2010, 2017, 2018, None], dtype="Int64"),
            "label": ["2010 census", "2017 estimate", "2018 estimate", "undated"],
            "source_id": ["a", "b", "c", "d"],
            "secondary": [False, True, False, False],
        }
    )


def test_best_match_prefers_the_claims_year_then_the_nearest_value():
    assert claims.best_match(candidates(), 105000, 2017)["label"] == "2017 estimate"
    assert claims.best_match(candidates(), 105000, None)["label"] == "2010 census"
    undated = candidates().iloc[[3]]
    assert claims.best_match(undated, 105000, 2017)["label"] == "undated"


def test_best_match_rejects_empty_or_incomplete_candidates():
    with pytest.raises(ValueError, match="no candidate"):
        claims.best_match(candidates().iloc[0:0], 1, 2017)
    with pytest.raises(KeyError, match="year"):
        claims.best_match(candidates().drop(columns="year"), 1, 2017)


def test_from_candidates_flags_period_secondary_and_revisions():
    table = candidates()
    table["release_of"] = "population"
    evidence = claims.from_candidates(table, 105000, None, 2016, same_measure=False)
    assert evidence.public_value == 117133  # 2017 and 2018 are nearest 2016; 2017 nearer 105,000
    assert set(evidence.flags) == {"vintage", "measure", "period", "secondary"}
    assert evidence.other_figures.startswith("105,162 (2010 census)")
    exact = claims.from_candidates(table.iloc[[1]], 117000, None, 2017)
    assert exact.same_period and exact.flags == ("secondary",)


def test_an_approximate_date_is_never_the_same_period():
    table = candidates().iloc[[1]].assign(approximate=True)
    assert not claims.from_candidates(table, 117000, None, 2017).same_period


def test_from_candidates_without_candidates_keeps_the_note():
    evidence = claims.from_candidates(candidates().iloc[0:0], 1, None, note="nothing found")
    assert math.isnan(evidence.public_value) and evidence.note == "nothing found"


def test_chapter_of_maps_sections_to_pages():
    assert claims.chapter_of("1.1 (footnote 7)") == ("book/part1/new-face-of-heroin", "1.1")
    assert claims.chapter_of("intro (footnote 5)")[0] == "book/introduction"
    with pytest.raises(ValueError, match="unknown article section '4.2'.*'intro'"):
        claims.chapter_of("4.2")


def test_number_formats():
    assert claims.with_unit(22, "usd") == "US$22"
    assert claims.with_unit(29, "per_100k") == "29 per 100,000"
    assert claims.with_unit(2015.0, "year") == "2015"
    assert claims.with_unit(1234.5, None) == "1,234.5"
    assert claims.with_unit(0.52941, "ratio") == "0.529"
    assert claims.flag_list(("a", "b")) == ["a", "b"]
    assert claims.flag_list(None) == claims.flag_list(NAN) == claims.flag_list("") == []
    assert claims.flag_list("unit;vintage") == ["unit", "vintage"]


# --- specs on constructed tables (branches the real data does not reach) -------------------------


def item(claim_id: str, name: str, value: float, year: int | None = None) -> pd.Series:
    return pd.Series({"claim_id": claim_id, "item": name, "value": value, "year": year,
                      "unit": "year", "source_given_by_article": "MGL"})


def timeline(source_id: str, note: str) -> pd.DataFrame:
    return pd.DataFrame({"date": ["2012-08"], "year": [2012], "category": ["law"],
                         "jurisdiction": ["Massachusetts"], "source_id": [source_id],
                         "note": [note]})


def test_a_timeline_event_from_another_source_is_compared():
    package = claims.Package(tables={"policy_timeline": timeline("mgl94c", "Claim C10")})
    evidence = claims.SPECS[("C10", "good_samaritan_year")](package, item("C10", "x", 2012))
    assert evidence.comparison == "date" and evidence.public_value == 2012
    assert evidence.sources == ("mgl94c",)


def test_a_timeline_without_the_event_says_so():
    package = claims.Package(tables={"policy_timeline": timeline("mgl94c", "Claim C22")})
    evidence = claims.SPECS[("C10", "good_samaritan_year")](package, item("C10", "x", 2012))
    assert math.isnan(evidence.public_value) and "dates this" in evidence.note


def test_a_programme_start_no_document_dates_is_not_checkable():
    table = timeline("vivant2021", "Claim C20").assign(category="programme")
    package = claims.Package(tables={"policy_timeline": table})
    evidence = claims.SPECS[("C13", "start_year_earliest")](package, item("C13", "x", 2012, 2012))
    assert math.isnan(evidence.public_value)


def test_build_ledger_rejects_specs_for_unlisted_figures():
    with pytest.raises(ValueError, match=r"\('C99', 'nothing'\)"):
        claims.build_ledger(specs={("C99", "nothing"): claims.SPECS[("C01", "ma_rate")]})


# --- the real ledger: verdicts against hand reasoning --------------------------------------------


def test_every_claim_of_the_article_is_in_the_ledger(ledger):
    listed = claims.Package().table("article_claims")
    assert len(ledger) == len(listed)
    assert set(ledger["claim_id"]) == {f"C{i:02d}" for i in range(1, 28)}
    assert set(ledger["verdict"]) <= set(claims.VERDICTS)


def test_c01_massachusetts_rate_is_reproduced(ledger):
    # MDPH, February 2020 release (AP, 2020-02-13): "the opioid-related overdose death rate was
    # 29 per 100,000 people" in 2019; the May 2021 release revises it to 28.7.
    row = figure(ledger, "C01", "ma_rate")
    assert row["public_value"] == 29 and row["verdict"] == claims.REPRODUCED
    assert "vintage" in flags(row) and "28.7" in row["other_figures"]


def test_c01_death_count_is_reproduced_in_the_release_the_article_read(ledger):
    # healthcarenews.com quoting MDPH (February 2020): "2,023 confirmed and estimated" deaths in
    # 2019; WWLP (June 2020) gives 2,015, Dorchester Reporter (May 2021) 2,002.
    row = figure(ledger, "C01", "ma_deaths")
    assert row["verdict"] == claims.REPRODUCED and "vintage" in flags(row)
    assert "2,015" in row["other_figures"] and "2,002" in row["other_figures"]


def test_c01_us_rate_is_consistent_but_not_the_same_measure(ledger):
    # Mattson et al., MMWR 2021: US age-adjusted drug overdose death rate 21.6 in 2019 (all
    # drugs). |20 - 21.6| / 21.6 = 7.4%, within 10%.
    row = figure(ledger, "C01", "us_rate")
    assert row["public_value"] == 21.6
    assert row["relative_difference"] == pytest.approx((20 - 21.6) / 21.6)
    assert row["verdict"] == claims.CONSISTENT and "measure" in flags(row)


def test_c04_rates_by_race_are_consistent_and_flag_the_percent_sign(ledger):
    # Hispanic residents 2019: 32.4 per 100,000 (This Week in Worcester, 2021-05-12);
    # |31.3 - 32.4| / 32.4 = 3.4%. White non-Hispanic 2019: men 49.5, women 17.4 (Boston Globe,
    # 2021-08-11), so a both-sexes 32.3 lies between them.
    hispanic = figure(ledger, "C04", "hispanic")
    assert hispanic["public_value"] == 32.4 and hispanic["verdict"] == claims.CONSISTENT
    white = figure(ledger, "C04", "white")
    assert (white["comparison"], white["public_value"], white["public_high"]) == (
        "between", 17.4, 49.5)
    assert white["verdict"] == claims.CONSISTENT
    assert all("unit" in flags(figure(ledger, "C04", g)) for g in ("white", "hispanic", "black"))


def test_c05_cambridge_police_counts_are_not_checkable(ledger):
    # DATA-SOURCES S6: "Cambridge '295 overdoses, 29 fatal, 2016' NOT FOUND".
    for name in ("overdoses", "fatal", "increase_on_2015"):
        assert figure(ledger, "C05", name)["verdict"] == claims.NOT_CHECKABLE
    # The note gives the DPH counts instead: 368 (2015) and 542 (2016) opioid emergencies.
    assert "368 (2015) and 542 (2016)" in figure(ledger, "C05", "fatal")["note"]


def test_c06_ten_times_2012_differs_from_the_citys_2012_count(ledger):
    # Lynn Journal, 2016-02-26: 118 opioid overdoses in 2012. Two a day is 730 a year, 730 / 118
    # = 6.19 times the 2012 count; |10 - 6.19| / 6.19 = 62%.
    row = figure(ledger, "C06", "ratio_to_2012")
    assert row["public_value"] == pytest.approx(730 / 118)
    assert row["verdict"] == claims.DIFFERS and {"article", "measure"} <= flags(row)


def test_c12_naloxone_price(ledger):
    # EMS1/WBUR: "Seven years ago, Massachusetts paid $22 per Narcan kit" (about 2007):
    # |23 - 22| / 22 = 4.5%, but the 2019 price of $180 was found nowhere.
    assert figure(ledger, "C12", "price_2007")["verdict"] == claims.CONSISTENT
    assert figure(ledger, "C12", "price_2019")["verdict"] == claims.NOT_CHECKABLE
    by_claim = claims.claim_verdicts(ledger).set_index("claim_id")["verdict"]
    assert by_claim["C12"] == claims.NOT_CHECKABLE


def test_c13_gloucester_2015_start_is_reproduced(ledger):
    # Gloucester Police Department press release (October 2015): programme running since June 1,
    # 2015; the earliest start (Lynn, 2012) is dated only by the article.
    assert figure(ledger, "C13", "start_year_latest")["verdict"] == claims.REPRODUCED
    assert figure(ledger, "C13", "start_year_earliest")["verdict"] == claims.NOT_CHECKABLE


def test_c17_budget_is_reproduced_and_population_differs(ledger):
    # Wikipedia infobox: budget $51,145,765 (2017): |51.0 - 51.146| million < 0.5 million.
    assert figure(ledger, "C17", "police_budget")["verdict"] == claims.REPRODUCED
    # Census estimate for 2017 (IndexMundi): 117,133; |105,000 - 117,133| / 117,133 = 10.4%.
    # 105,000 is the 2010 census (105,162) while Lynn's 95,000 is near its 2019 estimate (94,299).
    population = figure(ledger, "C17", "population")
    assert population["public_value"] == 117133 and population["verdict"] == claims.DIFFERS
    assert "years" in flags(population) and "years" in flags(figure(ledger, "C18", "population"))


def test_c17_c18_incomes_differ_from_the_acs_2014_2018(ledger):
    # ACS 2014-2018 (QuickFacts via IndexMundi): Cambridge $95,404, Lynn $54,598;
    # 23,404 / 95,404 = 24.5% and 10,598 / 54,598 = 19.4%.
    cambridge = figure(ledger, "C17", "median_household_income")
    lynn = figure(ledger, "C18", "median_household_income")
    assert cambridge["relative_difference"] == pytest.approx(-23404 / 95404)
    assert lynn["relative_difference"] == pytest.approx(-10598 / 54598)
    assert cambridge["verdict"] == lynn["verdict"] == claims.DIFFERS


def test_c18_lynn_staffing_is_near_and_falling(ledger):
    # Daily Item: 181 sworn officers (April 2017), 168 (May 2019). |165 - 168| / 168 = 1.8%.
    assert figure(ledger, "C18", "police_officers")["public_value"] == 168
    assert figure(ledger, "C18", "police_officers")["verdict"] == claims.CONSISTENT
    falling = figure(ledger, "C18", "officers_falling")
    assert falling["public_value"] == pytest.approx((168 - 181) / 181)
    assert falling["verdict"] == claims.CONSISTENT


def test_c19_half_the_budget_is_consistent_but_not_half_the_officers(ledger):
    # Budgets from the article itself: 27 / 51 = 0.529, 5.6% from 0.5: consistent.
    budget = figure(ledger, "C19", "budget_ratio")
    assert budget["public_value"] == pytest.approx(27 / 51)
    assert budget["verdict"] == claims.CONSISTENT and "article" in flags(budget)
    # Sworn officers in 2014: Lynn 183 (department profile), Cambridge 278 (infobox): 0.658.
    staff = figure(ledger, "C19", "staff_ratio")
    assert staff["public_value"] == pytest.approx(183 / 278)
    assert staff["verdict"] == claims.DIFFERS


def test_c21_c25_c27_directions(ledger):
    # FBI via DrugWarFacts/DrugPolicyFacts: 1,889,810 drug arrests in 2006, 1,558,862 in 2019.
    us = figure(ledger, "C21", "drug_law_arrests_us")
    assert us["public_value"] == pytest.approx(1558862 / 1889810 - 1)
    assert us["verdict"] == claims.CONSISTENT
    # No Massachusetts total: the claim, which covers both, cannot be confirmed.
    assert claims.claim_verdicts(ledger).set_index("claim_id").loc["C21", "verdict"] == (
        claims.NOT_CHECKABLE)
    # Trial Court: 5,903 Section 35 filings in FY2010, 10,770 in FY2018: +82%.
    assert figure(ledger, "C25", "section35_trend")["public_value"] == pytest.approx(
        10770 / 5903 - 1)
    # MDPH May 2021 release: 2,002 deaths in 2019, 2,104 in 2020.
    pandemic = figure(ledger, "C27", "deaths_rising_2020")
    assert pandemic["public_value"] == pytest.approx(2104 / 2002 - 1)
    assert pandemic["verdict"] == claims.CONSISTENT
    assert "2,102 deaths in 2016" in pandemic["note"]


def test_c01_claim_is_consistent_as_its_weakest_figure(ledger):
    # 29 and 2,023 reproduced, 20 against 21.6 consistent: the claim is consistent.
    assert claims.claim_verdicts(ledger).set_index("claim_id").loc["C01", "verdict"] == (
        claims.CONSISTENT)


def test_a_stricter_tolerance_changes_the_figures_between_five_and_ten_percent(ledger):
    # At 5%: C01 US rate (7.4% off) and C19 budget ratio (5.6%) no longer pass; C12 (4.5%) does.
    changed = claims.changed_verdicts(ledger, 0.05)
    assert set(zip(changed["claim_id"], changed["item"], strict=True)) == {
        ("C01", "us_rate"), ("C19", "budget_ratio")}
    assert set(changed["verdict_with_new_tolerance"]) == {claims.DIFFERS}


def test_every_cited_source_is_in_the_bibliography(ledger):
    keys = set()
    for name in ("references.bib", "sources.bib"):
        text = (REPO / "book" / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"@\w+\{([^,\s]+),", text))
    cited = {key for sources in ledger["sources"] for key in claims.flag_list(sources)}
    assert cited and cited <= keys, sorted(cited - keys)


def test_ledger_rows_follow_the_article(ledger):
    sections = [claims.chapter_of(s)[1] for s in ledger["section"]]
    order = [label for _, label in claims.CHAPTERS.values()]
    assert [order.index(s) for s in sections] == sorted(order.index(s) for s in sections)
    assert ledger.iloc[-1]["claim_id"] == "C27"  # the conclusion comes last


def test_sort_by_section_names_bad_input():
    with pytest.raises(KeyError, match="claim_id"):
        claims.sort_by_section(pd.DataFrame({"section": ["intro"]}))
    with pytest.raises(ValueError, match="unknown article section"):
        claims.sort_by_section(pd.DataFrame({"section": ["5"], "claim_id": ["C01"]}))


# --- rendering -----------------------------------------------------------------------------------


def test_comparison_texts(ledger):
    assert claims.comparison_text(figure(ledger, "C02", "incarcerated")) == "none"
    assert claims.comparison_text(figure(ledger, "C01", "us_rate")) == (
        "article − public = -1.6 (-7.4%)")
    assert claims.comparison_text(figure(ledger, "C17", "population")).startswith(
        "article − public = -12,133")
    assert claims.comparison_text(figure(ledger, "C04", "white")) == "17.4 ≤ 32.3 ≤ 49.5?"
    assert claims.comparison_text(figure(ledger, "C14", "boston_officers")) == "2,174 > 2,000?"
    assert claims.comparison_text(figure(ledger, "C13", "start_year_latest")) == (
        "article − public = +0 years")
    assert claims.comparison_text(figure(ledger, "C25", "section35_trend")) == (
        "article: rising; public change +82.4%")
    assert claims.comparison_text(figure(ledger, "C21", "drug_law_arrests_us")).startswith(
        "article: falling")


def test_ledger_markdown_has_an_anchor_per_claim_and_chapter_links(ledger):
    text = claims.ledger_markdown(ledger)
    assert text.startswith("````{list-table}") and text.endswith("````")
    for i in range(1, 28):
        assert text.count(f"(claim-c{i:02d})=") == 1
    assert "{doc}`1.1 </book/part1/new-face-of-heroin>`" in text
    assert "{doc}`Conclusion </book/conclusion>`" in text
    assert "{cite:p}`mdph2020feb`" in text
    # Dollars are escaped so that MyST does not read them as maths.
    assert "US\\$22" in text and " US$22" not in text
    assert text.count("* - ") == len(ledger) + 1  # header and one row per figure
    assert "No comparable public figure." in text and "*Flags: unit, vintage" in text
    # Cambridge's population has eight other public figures: three are shown.
    assert "and 5 more in the CSV" in text
    assert "and 6 more in the CSV" in claims.ledger_markdown(ledger, others_shown=2)
    # C05's three figures share one note: it is written out once.
    assert text.count("no public count of Cambridge police overdose responses") == 1
    assert text.count("**not checkable**: as in the row above.") >= 2


def test_ledger_markdown_requires_verdicts(ledger):
    with pytest.raises(KeyError, match="verdict"):
        claims.ledger_markdown(ledger.drop(columns="verdict"))


def test_plot_gaps_draws_the_value_comparisons(ledger):
    fig = claims.plot_gaps(ledger)
    ax = fig.axes[0]
    shown = ledger[(ledger["comparison"] == "value") & ledger["relative_difference"].notna()]
    assert len(ax.get_yticklabels()) == len(shown)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(shown)
    assert "public figure" in ax.get_xlabel()
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert "C01 MA rate" in labels and "C17 Median household income" in labels
    matplotlib.pyplot.close(fig)
    _, given = matplotlib.pyplot.subplots()
    assert claims.plot_gaps(ledger, ax=given) is given.figure
    matplotlib.pyplot.close(given.figure)


def test_plot_gaps_needs_value_comparisons(ledger):
    with pytest.raises(ValueError, match="no figure was compared by value"):
        claims.plot_gaps(ledger[ledger["comparison"] == "direction"])


def test_summary_markdown_links_each_claim_to_its_row():
    by_claim = pd.DataFrame({"claim_id": ["C02", "C01"], "verdict": ["differs", "differs"]})
    text = claims.summary_markdown(by_claim)
    assert "- **differs** (2): {ref}`C01 <claim-c01>`, {ref}`C02 <claim-c02>`" in text
    assert "- **reproduced** (0): none" in text
    positions = [text.index(f"**{verdict}**") for verdict in claims.CLAIM_ORDER]
    assert positions == sorted(positions)


def test_flags_markdown_explains_every_flag():
    text = claims.flags_markdown()
    assert all(f"- *{name}*: " in text for name in claims.FLAGS)


def test_chapter_claims_markdown_lists_the_page_claims_with_links_and_verdicts():
    ledger = pd.DataFrame(
        {
            "claim_id": ["C01", "C01", "C02"],
            "chapter": ["book/introduction", "book/introduction", "book/introduction"],
            "claim": ["MA rate 2019", "US rate 2019", "People in prison"],
            "value_as_printed": ["29 pour 100 000", "20/100 000", ""],
            "verdict": [claims.REPRODUCED, claims.CONSISTENT, claims.NOT_CHECKABLE],
            "section": ["intro", "intro", "intro"],
        }
    )
    text = claims.chapter_claims_markdown(ledger, "book/introduction")
    # A claim is only as strong as its weakest figure: reproduced + consistent -> consistent.
    assert text.splitlines() == [
        "- {ref}`C01 <claim-c01>`: **consistent** overall",
        "  - MA rate 2019 (*29 pour 100 000*): reproduced",
        "  - US rate 2019 (*20/100 000*): consistent",
        "- {ref}`C02 <claim-c02>`: **not checkable** overall",
        "  - People in prison: not checkable",
    ]


def test_chapter_claims_markdown_rejects_a_page_without_claims():
    ledger = pd.DataFrame({"claim_id": ["C01"], "chapter": ["book/introduction"], "claim": ["x"],
                           "value_as_printed": [""], "verdict": [claims.REPRODUCED]})
    with pytest.raises(ValueError, match="book/introduction"):
        claims.chapter_claims_markdown(ledger, "book/index")
