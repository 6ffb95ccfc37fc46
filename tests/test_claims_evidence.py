"""Tests of analysis.claims.evidence: the printed precision of the article's figures, evidence
from candidate figures, and the ledger's number formats."""

import math

import pandas as pd
import pytest

from analysis import claims
from analysis.claims import evidence

NAN = math.nan


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


def candidates() -> pd.DataFrame:
    return pd.DataFrame({
        "value": [105162.0, 117133.0, 118977.0, 115000.0],
        "year": pd.array([2010, 2017, 2018, None], dtype="Int64"),
        "label": ["2010 census", "2017 estimate", "2018 estimate", "undated"],
        "source_id": ["a", "b", "c", "d"],
        "secondary": [False, True, False, False],
    })


def test_from_candidates_flags_period_secondary_and_revisions():
    table = candidates().assign(release_of="population")
    found = claims.from_candidates(table, None, 2016, same_measure=False)
    assert found.public_value == 117133  # 2017 is as near 2016 as 2015 would be; first in order
    assert set(found.flags) == {"vintage", "measure", "period", "secondary"}
    assert found.other_figures.startswith("105,162 (2010 census)")
    exact = claims.from_candidates(table.iloc[[1]], None, 2017)
    assert exact.same_period and exact.flags == ("secondary",)


def test_a_figure_without_a_claim_year_or_with_an_approximate_date_is_not_the_same_period():
    assert not claims.from_candidates(candidates().iloc[[1]], None, None).same_period
    table = candidates().iloc[[1]].assign(approximate=True)
    assert not claims.from_candidates(table, None, 2017).same_period
    # a date compares years, so its period is the same by construction
    assert claims.from_candidates(candidates().iloc[[1]], "year", None, "date").same_period


def test_from_candidates_without_candidates_keeps_the_note():
    found = claims.from_candidates(candidates().iloc[0:0], None, note="nothing found")
    assert math.isnan(found.public_value) and found.note == "nothing found"


def test_number_formats():
    assert claims.with_unit(22, "usd") == "US$22"
    assert claims.with_unit(29, "per_100k") == "29 per 100,000"
    assert claims.with_unit(2015.0, "year") == "2015"
    assert claims.with_unit(1234.5, None) == "1,234.5"
    assert claims.with_unit(0.52941, "ratio") == "0.529"


def test_figures_without_a_spec_say_why_they_are_not_checkable():
    fieldwork = pd.Series({"source_given_by_article": "fieldwork"})
    assert evidence.default(claims.Package(), fieldwork).note == "from the study's own fieldwork"
    cited = pd.Series({"source_given_by_article": "The Sentencing Project 2018"})
    assert "no public document" in evidence.default(claims.Package(), cited).note


def test_a_figure_can_have_only_one_spec():
    with pytest.raises(ValueError, match=r"\('C01', 'ma_rate'\) already has a spec"):
        claims.register("C01", "ma_rate")(evidence.default)


def releases_of_one_figure(values: list[float], vintages: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "value": values, "year": 2019, "label": [f"2019, release of {v}" for v in vintages],
        "source_id": [f"r{i}" for i in range(len(values))], "secondary": False,
        "vintage": vintages, "release_of": "deaths 2019"})


def test_from_candidates_records_a_later_release_beside_the_one_judged():
    # The release current at the access date (2020-06) is judged; 2024-06 is recorded beside it.
    table = releases_of_one_figure([2023, 2015, 2002, 2007], ["2020-02", "2020-06", "2021-05",
                                                              "2024-06"])
    found = claims.from_candidates(table, None, 2019)
    assert found.public_value == 2015 and found.sources == ("r1",)
    assert found.latest_value == 2007 and found.latest_sources == ("r3",)
    assert found.latest_text == "2,007 (2019, release of 2024-06)"


@pytest.mark.parametrize(("values", "vintages"), [
    ([2015, 2015], ["2020-06", "2024-06"]),  # the later release did not change the figure
    ([2015, 2023], ["2020-06", "2020-02"]),  # the chosen release is the latest
    ([2015, 2007], ["2020-06", "undated"]),  # a release without a date cannot be ordered
])
def test_from_candidates_records_no_later_release_when_none_changed_the_figure(values, vintages):
    found = claims.from_candidates(releases_of_one_figure(values, vintages), None, 2019)
    assert math.isnan(found.latest_value) and found.latest_text == "" and not found.latest_sources


def test_later_releases_need_the_release_a_figure_belongs_to():
    table = releases_of_one_figure([2015, 2007], ["2020-06", "2024-06"]).drop(
        columns="release_of")
    assert evidence.latest_release(table, table.iloc[0]) is None
    assert evidence.release_date("2020-06") == pd.Timestamp("2020-06-01")
    assert pd.isna(evidence.release_date("CIUS 2005")) and pd.isna(evidence.release_date(None))
