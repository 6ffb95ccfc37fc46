"""Tests of analysis.revisions with figures of successive MDPH reports (as in DATA-SOURCES §1a)."""

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis import revisions

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that figures do not pile up across tests."""
    yield
    matplotlib.pyplot.close("all")


def reports() -> pd.DataFrame:
    """MDPH statewide opioid-related deaths as published in dated reports (news copies)."""
    rows = [
        # year, measure, deaths, vintage, source_id
        (2016, "confirmed_and_estimated", 2149, "2018-05", "mdph2018may"),  # Taunton Gazette
        (2016, "confirmed", 2089, "2018-08", "mdph2018aug"),  # Sentinel & Enterprise
        (2016, "confirmed_and_estimated", 2102, "2020-06", "mdph2020jun"),  # WWLP
        (2016, "confirmed", 1933, None, "wickedlocalmdph2016"),  # undated copy
        (2018, "confirmed", 1617, "2019-02", "mdph2019feb"),  # Daily Item
        (2018, "additional_estimated_low", 320, "2019-02", "mdph2019feb"),
        (2018, "additional_estimated_high", 394, "2019-02", "mdph2019feb"),
        (2020, "confirmed_and_estimated", 2104, "2021-05", "mdph2021may"),  # Dorchester Reporter
        (2020, "confirmed", 2035, "2021-05", "mdph2021may"),  # This Week in Worcester
        (2020, "additional_estimated_low", 66, "2021-05", "mdph2021may"),
        (2020, "additional_estimated_high", 70, "2021-05", "mdph2021may"),
        (2012, "unspecified", 733, None, "akimova2019"),
        (2013, "unspecified", 954, None, "akimova2019"),
    ]
    return pd.DataFrame(rows, columns=["year", "measure", "deaths", "vintage", "source_id"])


def test_dated_reports_drop_undated_rows_and_parse_the_month():
    dated = revisions.dated_reports(reports())
    assert 1933 not in dated["deaths"].tolist()
    assert len(dated) == 13 - 3  # three rows have no report date
    first = dated.iloc[0]
    assert (first["year"], first["deaths"]) == (2016, 2149)
    assert first["report_date"] == pd.Timestamp("2018-05-01")


def test_dated_reports_filter_measures_and_reject_unknown_ones():
    totals = revisions.dated_reports(reports(), measures=("confirmed_and_estimated",))
    assert totals["deaths"].tolist() == [2149, 2102, 2104]
    with pytest.raises(ValueError, match=r"unknown measure\(s\) \['probable'\].*'confirmed'"):
        revisions.dated_reports(reports(), measures=("probable",))


def test_dated_reports_accept_a_bare_year_as_vintage():
    table = reports()
    table.loc[3, "vintage"] = "2017"
    dated = revisions.dated_reports(table)
    assert pd.Timestamp("2017-01-01") in dated["report_date"].tolist()


def test_dated_reports_name_missing_columns():
    with pytest.raises(KeyError, match=r"\['vintage'\]"):
        revisions.dated_reports(reports().drop(columns="vintage"))


def test_revision_spread_of_2016_by_hand():
    spread = revisions.revision_spread(
        reports(), measures=("confirmed_and_estimated", "confirmed")
    ).set_index("year")
    row = spread.loc[2016]
    # Dated reports for 2016: 2149 (May 2018), 2089 (Aug 2018), 2102 (Jun 2020).
    assert row["n_reports"] == 3
    assert (row["lowest"], row["highest"], row["spread"]) == (2089, 2149, 60)
    assert row["spread_pct_of_lowest"] == pytest.approx(100 * 60 / 2089)
    assert (row["first_vintage"], row["last_vintage"]) == ("2018-05", "2020-06")


def test_expected_total_range_adds_pending_estimates_to_confirmed():
    ranges = revisions.expected_total_range(reports()).set_index("year")
    # February 2019: 1,617 confirmed + 320 to 394 expected = 1,937 to 2,011.
    assert (ranges.loc[2018, "total_low"], ranges.loc[2018, "total_high"]) == (1937, 2011)
    assert pd.isna(ranges.loc[2018, "published_total"])
    # May 2021: 2,035 confirmed + 66 to 70 = 2,101 to 2,105, around the published total 2,104.
    assert (ranges.loc[2020, "total_low"], ranges.loc[2020, "total_high"]) == (2101, 2105)
    assert ranges.loc[2020, "published_total"] == 2104


def test_expected_total_range_is_empty_without_pending_estimates():
    table = reports()
    table = table[~table["measure"].str.startswith("additional")]
    assert revisions.expected_total_range(table).empty


def test_plot_revisions_joins_totals_and_draws_pending_range():
    fig = revisions.plot_revisions(reports(), "deaths", [2016, 2018], "Deaths (count)")
    ax = fig.axes[0]
    joined_2016 = ax.get_lines()[0]
    assert list(joined_2016.get_ydata()) == [2149, 2102]
    segments = ax.collections[-1].get_segments()
    assert [segments[0][0][1], segments[0][1][1]] == [1937, 2011]
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "confirmed + pending range" in legend_texts
    assert "additional_estimated_low" not in legend_texts
    assert ax.get_ylabel() == "Deaths (count)"


def test_plot_revisions_without_pending_has_no_range_entry():
    fig, ax = plt.subplots()
    out = revisions.plot_revisions(reports(), "deaths", [2016], "Deaths", ax=ax)
    assert out is fig
    assert "confirmed + pending range" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_revisions_names_years_without_a_dated_report():
    with pytest.raises(ValueError, match=r"no dated report for year\(s\) \[2013\]"):
        revisions.plot_revisions(reports(), "deaths", [2013, 2016], "Deaths")


def test_plots_refuse_a_measure_they_cannot_draw():
    table = reports()
    table.loc[0, "measure"] = "suspected"
    with pytest.raises(ValueError, match=r"no marker for measure\(s\) \['suspected'\]"):
        revisions.plot_revisions(table, "deaths", [2016], "Deaths")


def test_plot_by_year_of_death_dodges_reports_and_breaks_the_series_at_gaps():
    series = pd.DataFrame(
        {"year": [2010, 2011, 2013], "measure": "unspecified", "deaths": [547, 656, 954],
         "vintage": None}
    )
    fig = revisions.plot_by_year_of_death(reports(), "deaths", "Deaths", series, "compiled")
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [2010, 2011, 2012, 2013]
    assert pd.isna(line.get_ydata()[2])
    # Three dated 2016 reports (no pending rows) sit at 2016 - 0.13, 2016 and 2016 + 0.13.
    xs = sorted(x for c in ax.collections for x, _ in c.get_offsets() if 2015.5 < x < 2016.5)
    assert xs == pytest.approx([2016 - 0.13, 2016, 2016 + 0.13])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "compiled" and "confirmed only" in labels


def test_plot_deaths_and_rates_has_two_panels():
    rates = pd.DataFrame(
        {"year": [2016, 2019], "measure": "opioid_related", "rate_per_100k": [30.5, 29.0],
         "vintage": "2020-02"}
    )
    fig = revisions.plot_deaths_and_rates(reports(), rates, "akimova2019", "compiled")
    top, bottom = fig.axes
    assert bottom.get_ylabel() == "Deaths per 100,000 residents"
    assert list(top.get_lines()[0].get_ydata()) == [733, 954]


def test_plot_deaths_and_rates_names_a_missing_series():
    with pytest.raises(ValueError, match=r"no row has source_id 'nope'.*'akimova2019'"):
        revisions.plot_deaths_and_rates(reports(), reports(), "nope", "x")
    with pytest.raises(KeyError, match="source_id"):
        revisions.plot_deaths_and_rates(reports().drop(columns="source_id"), reports(), "x", "x")


def test_plots_shade_what_came_after_the_article():
    fig = revisions.plot_revisions(reports(), "deaths", [2016], "Deaths", after="2020-07")
    assert "released after the article's access" in [t.get_text() for t in fig.axes[0].texts]
    rates = pd.DataFrame({"year": [2016, 2021], "measure": "opioid_related",
                          "rate_per_100k": [30.5, 32.6], "vintage": "2022-06"})
    fig = revisions.plot_deaths_and_rates(reports(), rates, "akimova2019", "compiled",
                                          after=2019.5)
    for ax in fig.axes:
        assert "after the article" in [t.get_text() for t in ax.texts]
