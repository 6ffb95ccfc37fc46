"""Tests of analysis.claims.then_and_now: the article's claims beside the later series, with the
ledger's verdict at the article's time copied, never recomputed."""

import pandas as pd
import pytest

from analysis import claims
from analysis.claims.then_and_now import LATER, then_and_now, then_and_now_markdown


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return claims.build_ledger()


@pytest.fixture(scope="module")
def table(ledger) -> pd.DataFrame:
    return then_and_now(ledger).set_index(["claim_id", "item"])


def test_one_row_per_figure_the_later_series_bear_on(table):
    assert list(table.index) == list(LATER)


def test_verdicts_are_the_ledgers_at_the_articles_time(ledger, table):
    judged = ledger.set_index(["claim_id", "item"])["verdict"]
    for key, row in table.iterrows():
        assert row["verdict_then"] == judged[key], key
    # C27 is judged on the May 2021 release, whatever June 2024 says.
    assert table.loc[("C27", "deaths_rising_2020"), "public_then"].endswith("+5.1%")


def test_latest_releases_and_later_series(table):
    deaths = table.loc[("C01", "ma_deaths")]
    # MDPH June 2024: 2,007 deaths in 2019; 2,357 in 2022 and 2,125 in 2023.
    assert deaths["latest_release"] == "2,007 (2019, release of 2024-06)"
    assert "2,125 (2023, release of 2024-06)" in deaths["later_series"]
    assert "1,340 'confirmed' in a press report" in deaths["later_series"]
    # NCHS Data Brief 522: 31.3 in 2023.
    assert "31.3 per 100,000 (2023)" in table.loc[("C01", "us_rate"), "later_series"]
    # MDPH June 2023: Black non-Hispanic, both sexes, 51.7 in 2022; men only 84.6 in 2023.
    black = table.loc[("C04", "black"), "later_series"]
    assert "both sexes: 36.4 per 100,000 (2021" in black and "84.6 per 100,000 (2023" in black
    white = table.loc[("C04", "white"), "later_series"]
    assert "both sexes: none found" in white and "after 2020 was found" in white
    arrests = table.loc[("C21", "drug_law_arrests_us"), "later_series"]
    assert "no national estimate for 2021" in arrests and "NIBRS" in arrests
    assert "907,412" in arrests and "not an estimate" in arrests
    assert table.loc[("C25", "section35_trend"), "later_series"].startswith(
        "No count of petitions after fiscal year 2018")
    peak = table.loc[("C27", "deaths_rising_2020"), "later_series"]
    assert peak.startswith("Deaths reached 2,357 in 2022") and peak.endswith("-9.8%")


def test_markdown_links_each_claim_to_the_ledger(ledger):
    text = then_and_now_markdown(then_and_now(ledger))
    assert text.startswith("````{list-table}") and text.rstrip().endswith("````")
    assert "{ref}`C27 <claim-c27>` (deaths_rising_2020)" in text
    assert "**reproduced**" in text  # C01's 29, at the article's time
    assert text.count("\n* - ") == len(LATER) + 1  # the header and one row per figure


def test_then_and_now_needs_a_ruled_ledger(ledger):
    with pytest.raises(ValueError, match="unknown verdict"):
        then_and_now(ledger.assign(verdict="probably fine"))
