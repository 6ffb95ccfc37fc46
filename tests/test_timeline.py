"""Tests of analysis.timeline: date periods, ordering, validation errors and the two charts."""

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis import datasets, timeline

matplotlib.use("Agg")


def sample() -> pd.DataFrame:
    """Three events (synthetic, for tests only), deliberately out of order."""
    return pd.DataFrame(
        {
            "date": ["2015-06-01", "2012", "2013-01"],
            "year": [2015, 2012, 2013],
            "precision": ["day", "year", "month"],
            "event": ["C starts", "A law", "B rule"],
            "category": ["programme", "law", "law"],
            "jurisdiction": ["Gloucester", "Massachusetts", "Massachusetts"],
        }
    )


def test_events_are_sorted_with_the_period_each_date_stands_for():
    table = timeline.order_events(sample())
    assert list(table["event"]) == ["A law", "B rule", "C starts"]
    assert table.loc[0, "start"] == pd.Timestamp("2012-01-01")
    assert table.loc[0, "end"] == pd.Timestamp("2013-01-01")
    assert table.loc[1, "end"] == pd.Timestamp("2013-02-01")
    assert table.loc[2, "end"] == pd.Timestamp("2015-06-02")


def test_a_season_is_drawn_as_its_year():
    row = pd.DataFrame({"date": ["2019"], "precision": ["season"], "event": ["sweep"],
                        "category": ["operation"]})
    table = timeline.order_events(row)
    assert (table.loc[0, "start"], table.loc[0, "end"]) == (
        pd.Timestamp("2019-01-01"), pd.Timestamp("2020-01-01"))


@pytest.mark.parametrize("date,precision,message", [
    ("2012", "decade",
     r"row 0: precision 'decade' is not one of \['day', 'month', 'season', 'year'\]"),
    ("2012-05", "year", "row 0: date '2012-05' does not fit precision 'year'"),
    ("2012-13", "month", "row 0: date '2012-13' is not a calendar date"),
])
def test_bad_dates_are_named(date, precision, message):
    row = pd.DataFrame({"date": [date], "precision": [precision], "event": ["x"],
                        "category": ["law"]})
    with pytest.raises(ValueError, match=message):
        timeline.order_events(row)


def test_missing_columns_and_cells_are_named():
    with pytest.raises(KeyError, match=r"\['precision'\]"):
        timeline.order_events(sample().drop(columns="precision"))
    gap = sample()
    gap.loc[1, "event"] = None
    with pytest.raises(ValueError, match=r"rows \[1\] lack one of"):
        timeline.order_events(gap)


def test_year_column_must_agree_with_the_date():
    wrong = sample()
    wrong.loc[2, "year"] = 2014
    with pytest.raises(ValueError, match=r"rows \[2\]: the year column disagrees"):
        timeline.order_events(wrong)


def test_select_filters_and_lists_valid_values():
    laws = timeline.select(sample(), categories=["law"])
    assert sorted(laws["event"]) == ["A law", "B rule"]
    local = timeline.select(sample(), jurisdictions=["Gloucester"])
    assert list(local["event"]) == ["C starts"]
    valid = r"unknown category\(s\) \['lawz'\]; valid: \['law', 'programme'\]"
    with pytest.raises(ValueError, match=valid):
        timeline.select(sample(), categories=["lawz"])


def test_programme_spans_count_years_to_the_end_of_observation():
    spans = timeline.programme_spans(sample(), observed_until="2019-06-30")
    first = spans.iloc[0]
    # 2012-01-01 to 2019-06-30 is 2,737 days: 2737 / 365.25 = 7.4935 years.
    assert first["years_running"] == pytest.approx(2737 / 365.25)
    late = r"start after the observation period ends \(2014-01-01\): \['C starts'\]"
    with pytest.raises(ValueError, match=late):
        timeline.programme_spans(sample(), observed_until="2014-01-01")


def test_plot_timeline_has_one_labelled_row_per_event():
    fig = timeline.plot_timeline(sample())
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("2012: A law")  # the earliest event is the top row
    assert labels[-1].startswith("2015-06-01: C starts")
    assert len(ax.patches) == 1  # only the year-precision event is a bar
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["law", "programme"]


def test_plot_timeline_keeps_only_the_categories_asked_for():
    fig, ax = plt.subplots()
    assert timeline.plot_timeline(sample(), categories=["law"], ax=ax) is fig
    assert len(ax.get_yticklabels()) == 2


def test_plot_programmes_keeps_an_empty_row_for_a_group_without_dates():
    spans = timeline.programme_spans(sample(), observed_until="2019-06-30")
    fig = timeline.plot_programmes(spans, ["Gloucester", "Cambridge", "Massachusetts"],
                                   fieldwork=("2018-09-01", "2019-06-30"))
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert "Cambridge: no start date given in the article" in labels
    assert labels[0] == "Gloucester: C starts"
    assert len(labels) == 4


def test_plot_programmes_without_fieldwork_band():
    spans = timeline.programme_spans(sample(), observed_until="2019-06-30")
    fig, ax = plt.subplots()
    assert timeline.plot_programmes(spans, ["Gloucester"], ax=ax) is fig
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["start known only to the year"]


def test_as_table_orders_and_selects_columns():
    table = timeline.as_table(sample(), ["date", "event"])
    assert list(table.columns) == ["date", "event"]
    assert list(table["date"]) == ["2012", "2013-01", "2015-06-01"]
    with pytest.raises(KeyError, match=r"\['source_id'\]"):
        timeline.as_table(sample(), ["source_id"])


def test_every_event_of_the_data_package_is_valid_and_dated_as_the_article_says():
    table = timeline.order_events(datasets.load("policy_timeline"))
    assert table["start"].is_monotonic_increasing
    good_samaritan = table[table["event"].str.startswith("Good Samaritan")]
    # Article section 2.1: immunity extended to overdoses in 2012 (claim C10).
    assert list(good_samaritan["year"]) == [2012]
