"""Tests of analysis.claims.rules: every verdict each rule can give, on constructed figures, and the
stated rule for choosing the public figure (never the value nearest the article's)."""

import math
import re

import pandas as pd
import pytest

from analysis.claims import rules

NAN = math.nan


# --- judge: one constructed figure for each verdict of each comparison ----------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "verdict"),
    [
        # value, same measure: 29 printed to the unit matches 28.5 to 29.5.
        (("value", 29, 1, 29.5), {}, rules.REPRODUCED),
        (("value", 29, 1, 28.5), {}, rules.REPRODUCED),
        (("value", 29, 1, 29.2), {"same_period": False}, rules.CONSISTENT),
        (("value", 29, 1, 29.2), {"flags": ("computed",)}, rules.CONSISTENT),
        # |100 - 110| / 110 = 9.1% <= 10%; |100 - 112| / 112 = 10.7% > 10%.
        (("value", 100, 1, 110), {}, rules.CONSISTENT),
        (("value", 100, 1, 112), {}, rules.DIFFERS),
        # value, another measure: a match or a near figure is loose; a gap says nothing.
        (("value", 29, 1, 29.2), {"same_measure": False}, rules.LOOSELY),
        (("value", 100, 1, 110), {"same_measure": False}, rules.LOOSELY),
        (("value", 100, 1, 112), {"same_measure": False}, rules.NOT_CHECKABLE),
        # the article's own figures: arithmetic, not the record, whatever the gap.
        (("value", 29, 1, 29), {"flags": ("article",)}, rules.NOT_CHECKABLE),
        (("value", 10, NAN, 6), {"flags": ("article",)}, rules.NOT_CHECKABLE),
        # no public figure.
        (("value", 5, 1, NAN), {}, rules.NOT_CHECKABLE),
        # dates: a year has no relative tolerance (2012 vs 2015 is 0.15% off but three years).
        (("date", 2015, 1, 2015), {}, rules.REPRODUCED),
        (("date", 2012, 1, 2015), {}, rules.DIFFERS),
        # lower bounds: more than 2,000.
        (("more_than", 2000, 1000, 2174), {}, rules.REPRODUCED),
        (("more_than", 2000, 1000, 2174), {"same_period": False}, rules.CONSISTENT),
        (("more_than", 2000, 1000, 2000), {}, rules.DIFFERS),
        (("more_than", 2000, 1000, 1990), {"same_measure": False}, rules.NOT_CHECKABLE),
        (("more_than", 2000, 1000, 2174), {"same_measure": False}, rules.LOOSELY),
        # directions: +1 rising, -1 falling, against the public change.
        (("direction", 1, NAN, 0.82), {}, rules.CONSISTENT),
        (("direction", -1, NAN, -0.17), {}, rules.CONSISTENT),
        (("direction", 1, NAN, -0.05), {}, rules.DIFFERS),
        (("direction", 1, NAN, 0.0), {}, rules.DIFFERS),
        (("direction", 1, NAN, 0.5), {"same_measure": False}, rules.LOOSELY),
    ],
)
def test_each_rule_gives_each_of_its_verdicts(args, kwargs, verdict):
    assert rules.judge(*args, **kwargs)[0] == verdict


def test_reasons_name_the_caveat():
    assert "measures something else" in rules.judge("value", 29, 1, 29.2, same_measure=False)[1]
    assert "says nothing" in rules.judge("value", 100, 1, 150, same_measure=False)[1]
    assert "another or an uncertain year" in rules.judge("value", 29, 1, 29, same_period=False)[1]
    assert "computed by the book" in rules.judge("value", 29, 1, 29, flags=["computed"])[1]
    assert "arithmetic" in rules.judge("value", 29, 1, 29, flags=["article"])[1]
    assert "off by 10.7%" in rules.judge("value", 100, 1, 112)[1]


def test_words_and_directions_can_never_be_reproduced():
    # 'half' has no printed digit: 0.5 against exactly 0.5 is consistent, not reproduced.
    assert rules.judge("value", 0.5, NAN, 0.5)[0] == rules.CONSISTENT
    verdicts = {rules.judge("direction", a, NAN, p)[0] for a in (-1, 1) for p in (-1, 0, 1)}
    assert rules.REPRODUCED not in verdicts


def test_the_tolerance_moves_the_line_between_consistent_and_differs():
    assert rules.judge("value", 100, 1, 112, tolerance=0.11)[0] == rules.CONSISTENT
    assert rules.judge("value", 100, 1, 106, tolerance=0.05)[0] == rules.DIFFERS


def test_a_zero_public_figure_only_matches_by_rounding():
    assert rules.judge("value", 0.4, 1, 0)[0] == rules.REPRODUCED
    assert rules.judge("value", 2, 1, 0)[0] == rules.DIFFERS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ratio", 1, 1, 1), "unknown comparison 'ratio'"),
        (("between", 1, 1, 1), "unknown comparison 'between'"),
        (("value", NAN, 1, 1), "needs the article's value"),
        (("value", 1, -1, 1), "precision must be positive"),
    ],
)
def test_judge_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        rules.judge(*args)


def test_judge_rejects_a_tolerance_that_is_not_a_fraction():
    with pytest.raises(ValueError, match="tolerance"):
        rules.judge("value", 1, 1, 1, tolerance=10)


# --- choosing the public figure ------------------------------------------------------------------


def candidates() -> pd.DataFrame:
    return pd.DataFrame({
        "value": [105162.0, 117133.0, 118977.0, 115000.0],
        "year": pd.array([2010, 2017, 2018, None], dtype="Int64"),
        "label": ["2010 census", "2017 estimate", "2018 estimate", "undated"],
        "source_id": ["a", "b", "c", "d"],
        "secondary": [False, True, False, False],
    })


def test_best_match_takes_the_nearest_year_never_the_nearest_value():
    assert rules.best_match(candidates(), 2017)["label"] == "2017 estimate"
    assert rules.best_match(candidates(), 2019)["label"] == "2018 estimate"
    # 2017 and 2019 are as near 2018: the later year, whatever the values
    ties = pd.DataFrame({"value": [181.0, 168.0], "year": [2017, 2019],
                         "label": ["April 2017", "May 2019"], "secondary": True})
    assert rules.best_match(ties, 2018)["label"] == "May 2019"
    assert rules.best_match(candidates().iloc[[3, 0]], 2017)["label"] == "2010 census"
    assert rules.best_match(candidates().iloc[[3]], 2017)["label"] == "undated"


def test_best_match_without_a_year_takes_primary_then_latest_then_data_order():
    table = candidates()
    assert rules.best_match(table, None)["label"] == "2018 estimate"
    same = table.assign(year=2017, secondary=False)
    assert rules.best_match(same, None)["label"] == "2010 census"
    # a primary source comes before a secondary copy of the same year
    twins = table.iloc[[1, 1]].reset_index(drop=True).assign(secondary=[True, False],
                                                              label=["copy", "primary"])
    assert rules.best_match(twins, 2017)["label"] == "primary"


def test_best_match_puts_the_same_measure_first():
    table = candidates().assign(same_measure=[True, False, True, True])
    assert rules.best_match(table, 2017)["label"] == "2018 estimate"


def test_best_match_takes_the_release_the_article_could_have_read():
    # The article consulted mass.gov in July 2020: the June 2020 release (2,015 deaths) comes
    # before February 2020 (2,023) and May 2021 (2,002), whatever the article's value.
    table = pd.DataFrame({
        "value": [2023.0, 2015.0, 2002.0, 2000.0],
        "year": [2019, 2019, 2019, 2019],
        "vintage": ["2020-02", "2020-06", "2021-05", None],
        "label": ["feb 2020", "june 2020", "may 2021", "undated"],
        "secondary": False,
    })
    assert rules.best_match(table, 2019)["label"] == "june 2020"
    assert rules.best_match(table.iloc[[2, 3]], 2019)["label"] == "may 2021"
    assert rules.best_match(table.iloc[[0, 2]], 2019)["label"] == "feb 2020"
    # a year-only vintage counts as January of that year
    years = table.assign(vintage=["2017", "2020", None, None])
    assert rules.best_match(years, 2019)["label"] == "june 2020"


def test_best_match_rejects_empty_or_incomplete_candidates():
    with pytest.raises(ValueError, match="no candidate"):
        rules.best_match(candidates().iloc[0:0], 2017)
    with pytest.raises(KeyError, match="year"):
        rules.best_match(candidates().drop(columns="year"), 2017)


# --- tables of verdicts --------------------------------------------------------------------------


def checks() -> pd.DataFrame:
    """Three constructed comparisons: a match, a 20% gap, a figure with no public counterpart."""
    return pd.DataFrame({
        "claim_id": ["C90", "C90", "C91"],
        "item": ["a", "b", "c"],
        "section": ["2.3", "2.3", "intro"],
        "comparison": ["value", "value", "value"],
        "article_value": [29.0, 120.0, 5.0],
        "precision": [1.0, 1.0, 1.0],
        "public_value": [29.2, 100.0, NAN],
        "same_measure": [True, True, True],
        "same_period": [True, True, True],
        "flags": ["", "", ""],
    })


def test_apply_rules_adds_gaps_and_verdicts():
    table = rules.apply_rules(checks())
    assert list(table["verdict"]) == [rules.REPRODUCED, rules.DIFFERS, rules.NOT_CHECKABLE]
    # 120 - 100 = 20, i.e. 20% of the public figure.
    assert table.loc[1, "difference"] == pytest.approx(20)
    assert table.loc[1, "relative_difference"] == pytest.approx(0.20)
    assert math.isnan(table.loc[2, "difference"])
    own = rules.apply_rules(checks().assign(flags=["", "article", ""]))
    assert own.loc[1, "verdict"] == rules.NOT_CHECKABLE


def test_apply_rules_names_missing_columns():
    with pytest.raises(KeyError, match="same_measure"):
        rules.apply_rules(checks().drop(columns="same_measure"))


def test_a_claim_takes_its_weakest_figure():
    figures = pd.DataFrame({
        "claim_id": ["C01", "C01", "C02", "C02", "C03", "C03", "C04", "C05", "C05"],
        "section": ["intro"] * 9,
        "verdict": ["reproduced", "consistent", "reproduced", "not checkable", "not checkable",
                    "differs", "reproduced", "consistent", "loosely comparable"],
    })
    table = rules.claim_verdicts(figures).set_index("claim_id")
    assert table["verdict"].to_dict() == {
        "C01": "consistent", "C02": "not checkable", "C03": "differs", "C04": "reproduced",
        "C05": "loosely comparable",
    }
    assert table.loc["C02", "figures"] == 2
    assert table.loc["C02", "figures_not_checkable"] == 1
    assert table.loc["C05", "figures_loosely_comparable"] == 1


def test_unknown_verdicts_and_missing_columns_are_named():
    with pytest.raises(ValueError, match="unknown verdict.*'true'"):
        rules.check_verdicts(pd.DataFrame({"verdict": ["true"]}), ["verdict"])
    with pytest.raises(KeyError, match="section"):
        rules.claim_verdicts(pd.DataFrame({"claim_id": ["C01"], "verdict": ["differs"]}))


def test_flag_list():
    assert rules.flag_list(("a", "b")) == ["a", "b"]
    assert rules.flag_list(None) == rules.flag_list(NAN) == rules.flag_list("") == []
    assert rules.flag_list("unit;vintage") == ["unit", "vintage"]


def test_the_rules_module_is_short_enough_to_read_against_the_ledger_page():
    from pathlib import Path

    assert len(Path(rules.__file__).read_text().splitlines()) < 200
