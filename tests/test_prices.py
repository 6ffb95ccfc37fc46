"""Tests of analysis.prices: CAGR and price multiples by hand, and on the naloxone price points."""

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis import datasets, prices

matplotlib.use("Agg")


def points(rows: list[tuple]) -> pd.DataFrame:
    """A small price table (synthetic, for tests only) in the naloxone_prices layout."""
    columns = ["product", "package", "place", "period", "year", "statistic", "price_usd",
               "source_id"]
    table = pd.DataFrame(rows, columns=columns)
    table["year"] = table["year"].astype("Int64")
    return table


def test_cagr_of_a_doubling_in_one_year_is_one_hundred_percent():
    assert prices.cagr_pct(100, 200, 1) == pytest.approx(100.0)


def test_cagr_of_ten_percent_twice():
    # 100 * 1.1 * 1.1 = 121.
    assert prices.cagr_pct(100, 121, 2) == pytest.approx(10.0)


def test_cagr_of_the_article_figures_by_hand():
    # (180 / 23) ** (1 / 12): 180 / 23 = 7.826087, ln = 2.057463, / 12 = 0.171455,
    # exp = 1.187033, so 18.70% a year.
    assert prices.cagr_pct(23, 180, 12) == pytest.approx(18.70, abs=0.01)


@pytest.mark.parametrize("start,end,years,message", [
    (0, 10, 2, "prices must be positive"),
    (10, -1, 2, "prices must be positive"),
    (10, 20, 0, "years must be positive"),
])
def test_cagr_rejects_what_cannot_be_annualised(start, end, years, message):
    with pytest.raises(ValueError, match=message):
        prices.cagr_pct(start, end, years)


def test_price_changes_first_to_last_with_gaps_left_empty():
    table = points([
        ("A", "kit", "X", "2010", 2010, "price", 10.0, "s1"),
        ("A", "kit", "X", "2012", 2012, "price", 12.0, "s1"),
        ("A", "kit", "X", "2014", 2014, "price", 40.0, "s1"),
        ("B", "dose", "Y", "2014-02", 2014, "price", 18.5, "s2"),
        ("B", "dose", "Y", "2014-12", 2014, "price", 44.54, "s2"),
        ("C", "kit", "Z", "earlier", None, "price", 16.0, "s3"),
        ("C", "kit", "Z", "2017", 2017, "price", 45.0, "s3"),
        ("D", "dose", "W", "2015", 2015, "price", 20.0, "s4"),
        ("E", "dose", "V", "2015", 2015, "range_low", 33.0, "s5"),
        ("E", "dose", "V", "2015", 2015, "range_high", 67.0, "s5"),
    ])
    changes = prices.price_changes(table).set_index("product")
    assert list(changes.index) == ["A", "B", "C"]  # single prices and ranges are not changes
    # A: 40 / 10 = 4 over 4 years: 4 ** 0.25 = sqrt(2) = 1.41421, so 41.42% a year.
    assert changes.loc["A", "multiple"] == pytest.approx(4.0)
    assert changes.loc["A", "years"] == 4
    assert changes.loc["A", "cagr_pct"] == pytest.approx((math.sqrt(2) - 1) * 100)
    assert changes.loc["A", "start_period"] == "2010"
    # B: within one year, the multiple exists but no annual rate.
    assert changes.loc["B", "multiple"] == pytest.approx(44.54 / 18.5)
    assert changes.loc["B", "years"] == 0
    assert np.isnan(changes.loc["B", "cagr_pct"])
    # C: the first year is unknown.
    assert np.isnan(changes.loc["C", "years"])
    assert np.isnan(changes.loc["C", "cagr_pct"])
    assert changes.loc["C", "multiple"] == pytest.approx(45 / 16)


def test_price_changes_require_time_order():
    table = points([
        ("A", "kit", "X", "2014", 2014, "price", 40.0, "s1"),
        ("A", "kit", "X", "2010", 2010, "price", 10.0, "s1"),
    ])
    with pytest.raises(ValueError, match="not in time order"):
        prices.price_changes(table)


def test_price_changes_reject_a_non_positive_price():
    table = points([
        ("A", "kit", "X", "2010", 2010, "price", 10.0, "s1"),
        ("A", "kit", "X", "2014", 2014, "price", 0.0, "s1"),
    ])
    with pytest.raises(ValueError, match=r"price_usd must be positive; check rows \[1\]"):
        prices.price_changes(table)


def test_price_changes_name_missing_columns():
    with pytest.raises(KeyError, match=r"\['price_usd'\]"):
        prices.price_changes(points([]).drop(columns="price_usd"))


def test_massachusetts_kit_and_evzio_from_the_data_package():
    changes = prices.price_changes(datasets.load("naloxone_prices")).set_index("product")
    # EMS1 (summarising WBUR): Massachusetts paid $22 per Narcan kit about 2007 and $42 about 2014.
    kit = changes.loc["Narcan (naloxone) kit"]
    assert kit["multiple"] == pytest.approx(42 / 22)
    # (42 / 22) ** (1 / 7): 1.909091 ** 0.142857 = 1.096776, so 9.68% a year.
    assert kit["cagr_pct"] == pytest.approx(9.68, abs=0.01)
    # DrugRehab.com: Evzio rose from $690 (2014) to $4,500 (2016); sqrt(6.52174) = 2.55377.
    evzio = changes.loc["Evzio auto-injector"]
    assert evzio["multiple"] == pytest.approx(6.5217, abs=1e-4)
    assert evzio["cagr_pct"] == pytest.approx(155.38, abs=0.01)


def test_claim_change_reads_the_article_figures():
    claim = prices.claim_change(datasets.load("article_claims")).iloc[0]
    # Article, footnote 14: $23 in 2007, $180 in 2019.
    assert (claim["start_year"], claim["end_year"]) == (2007, 2019)
    assert claim["multiple"] == pytest.approx(180 / 23)
    assert claim["cagr_pct"] == pytest.approx(18.70, abs=0.01)
    assert claim["source_id"] == "vivant2021"


def test_claim_change_needs_two_dated_prices():
    claims = pd.DataFrame({"claim_id": ["C12"], "item": ["price_2007"], "value": [23.0],
                           "year": [2007]})
    with pytest.raises(ValueError, match="exactly two dated price rows, found 1"):
        prices.claim_change(claims)


def test_plot_marks_the_claim_and_the_changes_it_cannot_annualise():
    changes = prices.price_changes(datasets.load("naloxone_prices"))
    claim = prices.claim_change(datasets.load("article_claims"))
    fig = prices.plot_price_changes(changes, claim)
    multiple_ax, growth_ax = fig.axes
    assert len(multiple_ax.patches) == len(changes) + 1
    assert multiple_ax.patches[-1].get_hatch() == "///"
    notes = [t.get_text() for t in growth_ax.texts if t.get_text().startswith("not annualised")]
    assert len(notes) == int(changes["cagr_pct"].isna().sum())
    assert "the article (not found" in multiple_ax.get_yticklabels()[-1].get_text()


def test_plot_on_given_axes_without_claim():
    import matplotlib.pyplot as plt

    changes = prices.price_changes(datasets.load("naloxone_prices"))
    fig, axes = plt.subplots(1, 2)
    assert prices.plot_price_changes(changes, axes=axes) is fig
    assert len(axes[0].patches) == len(changes)
