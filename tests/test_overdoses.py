"""Tests of analysis.overdoses: the article's footnote 8 and public counts (DATA-SOURCES §8)."""

import matplotlib
import matplotlib.dates
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from analysis import overdoses

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that figures do not pile up across tests."""
    yield
    matplotlib.pyplot.close("all")


def claims() -> pd.DataFrame:
    """Footnote 8 of Vivant (2021): Cambridge 295 overdoses, 29 fatal, 100 more than in 2015;
    Lynn police called twice a day since 2016, ten times more than in 2012."""
    return pd.DataFrame(
        {
            "claim_id": ["C05", "C05", "C05", "C06", "C06"],
            "item": ["overdoses", "fatal", "increase_on_2015", "calls_per_day", "ratio_to_2012"],
            "value": [295, 29, 100, 2, 10],
        }
    )


def responses() -> pd.DataFrame:
    """Police/city and DPH counts (Boston Globe 2015-03-09; Lynn Journal 2016-02-26 and
    2017-02-17; Daily Item 2018-04-24; Cambridge Chronicle 2018-01-03)."""
    rows = [
        ("lynn", "2012", 2012, "overdoses", 118, "lynnjournal2016feb"),
        ("lynn", "2014", 2014, "overdoses", 281, "globe2015lynn"),
        ("lynn", "2017-01", 2017, "overdoses", 26, "lynnjournal2017feb"),
        ("lynn", "2018-01/2018-03", 2018, "heroin_overdoses", 89, "itemlive2018apr"),
        ("lynn", "12 months to January 2015", None, "heroin_overdoses", 250,
         "masscourts2015summit"),
        ("cambridge", "2015", 2015, "opioid_medical_emergencies", 368, "cambridgechronicle2018"),
        ("cambridge", "2016", 2016, "opioid_medical_emergencies", 542, "cambridgechronicle2018"),
    ]
    return pd.DataFrame(rows, columns=["place", "period", "year", "measure", "count", "source_id"])


def city_deaths() -> pd.DataFrame:
    """Cambridge opioid deaths: MDPH city/town table of August 2019 (Tables 1 and 2) and the
    Cambridge Chronicle of 2018-01-03 (confirmed deaths)."""
    rows = [
        ("cambridge", 2015, "residence", 13, "mdph2019augtowns"),
        ("cambridge", 2016, "residence", 27, "mdph2019augtowns"),
        ("cambridge", 2015, "occurrence", 24, "mdph2019augtowns"),
        ("cambridge", 2016, "occurrence", 41, "mdph2019augtowns"),
        ("cambridge", 2015, "unspecified", 13, "cambridgechronicle2018"),
        ("cambridge", 2016, "unspecified", 26, "cambridgechronicle2018"),
        ("lynn", 2016, "residence", 46, "mdph2019augtowns"),
    ]
    return pd.DataFrame(rows, columns=["place", "year", "basis", "deaths", "source_id"])


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2016", "2016-01-01", "2016-12-31"),
        ("2016-Q3", "2016-07-01", "2016-09-30"),
        ("2017-01", "2017-01-01", "2017-01-31"),
        ("2019-01/2019-09", "2019-01-01", "2019-09-30"),
    ],
)
def test_period_bounds(period, start, end):
    assert overdoses.period_bounds(period) == (pd.Timestamp(start), pd.Timestamp(end))


@pytest.mark.parametrize("period", ["2017 to early 2018", "as reported August 2019", "2016-Q5"])
def test_period_bounds_refuse_undatable_periods(period):
    with pytest.raises(ValueError, match="dates are unknown"):
        overdoses.period_bounds(period)


def test_period_bounds_refuse_a_backward_range():
    with pytest.raises(ValueError, match="ends before it starts"):
        overdoses.period_bounds("2019-09/2019-01")


def test_per_day_by_hand():
    daily = overdoses.per_day(responses()).set_index("period")
    # 2012 is a leap year: 118 / 366 = 0.3224 a day; Jan-Mar 2018 has 31 + 28 + 31 = 90 days.
    assert daily.loc["2012", "days"] == 366
    assert daily.loc["2012", "count_per_day"] == pytest.approx(118 / 366)
    assert daily.loc["2018-01/2018-03", "days"] == 90
    assert daily.loc["2018-01/2018-03", "count_per_day"] == pytest.approx(89 / 90)
    assert daily.loc["2017-01", "count_per_day"] == pytest.approx(26 / 31)
    # A period without dates is kept, with no rate: a gap, not a guess.
    assert np.isnan(daily.loc["12 months to January 2015", "count_per_day"])


def test_per_day_and_with_periods_name_missing_columns():
    with pytest.raises(KeyError, match="'deaths'"):
        overdoses.per_day(responses(), count="deaths")
    with pytest.raises(KeyError, match="'period'"):
        overdoses.with_periods(responses().drop(columns="period"))


def test_article_cambridge_by_hand():
    row = overdoses.article_cambridge(claims()).iloc[0]
    assert row["fatal_share_pct"] == pytest.approx(100 * 29 / 295)  # 9.83 %
    assert row["implied_overdoses_2015"] == 295 - 100
    assert row["change_pct"] == pytest.approx(100 * 100 / 195)  # 51.3 %


def test_article_cambridge_refuses_more_deaths_than_overdoses():
    table = claims()
    table.loc[1, "value"] = 400
    with pytest.raises(ValueError, match="400 fatal overdoses cannot exceed 295"):
        overdoses.article_cambridge(table)


def test_article_cambridge_names_a_missing_item():
    with pytest.raises(ValueError, match=r"lacks item\(s\) \['increase_on_2015'\]"):
        overdoses.article_cambridge(claims().drop(index=2))


def test_claim_values_name_unknown_claims_and_missing_columns():
    with pytest.raises(ValueError, match=r"unknown claim 'C99'; claims are \['C05', 'C06'\]"):
        overdoses.claim_values(claims(), "C99")
    with pytest.raises(KeyError, match="item"):
        overdoses.claim_values(claims().drop(columns="item"), "C05")


def test_article_lynn_by_hand():
    row = overdoses.article_lynn(claims()).iloc[0]
    assert row["calls_per_year"] == 2 * 365
    assert row["implied_calls_per_day_2012"] == pytest.approx(0.2)
    assert row["implied_calls_per_year_2012"] == pytest.approx(73)


def test_article_lynn_refuses_a_zero_ratio():
    table = claims()
    table.loc[4, "value"] = 0
    with pytest.raises(ValueError, match="must be positive"):
        overdoses.article_lynn(table)


def test_cambridge_counts_by_hand():
    counts = overdoses.cambridge_counts(claims(), responses(), city_deaths()).set_index("measure")
    assert counts.loc["police_overdoses", ["count_2015", "count_2016"]].tolist() == [195, 295]
    emergencies = counts.loc["opioid_medical_emergencies"]
    assert emergencies["change"] == 542 - 368
    assert emergencies["change_pct"] == pytest.approx(100 * 174 / 368)
    assert counts.loc["deaths_confirmed", "count_2016"] == 26
    assert counts.loc["deaths_residence", "change_pct"] == pytest.approx(100 * 14 / 13)
    assert counts.loc["deaths_occurrence", "source_id"] == "mdph2019augtowns"
    assert list(counts.index) == ["police_overdoses", "opioid_medical_emergencies",
                                  "deaths_confirmed", "deaths_residence", "deaths_occurrence"]


def test_cambridge_counts_skip_a_measure_missing_a_year():
    deaths = city_deaths()
    deaths = deaths[~((deaths["basis"] == "occurrence") & (deaths["year"] == 2015))]
    counts = overdoses.cambridge_counts(claims(), responses(), deaths)
    assert "deaths_occurrence" not in counts["measure"].tolist()


def test_plot_cambridge_hatches_the_implied_bar_and_labels_values():
    counts = overdoses.cambridge_counts(claims(), responses(), city_deaths())
    fig = overdoses.plot_cambridge(counts)
    ax = fig.axes[0]
    bars = ax.patches
    assert bars[0].get_hatch() == "///" and bars[0].get_width() == 195
    assert bars[1].get_hatch() is None
    assert {"195", "295", "368", "542"} <= {t.get_text() for t in ax.texts}
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["2015", "2016", "2015, implied by the article"]
    without_article = overdoses.plot_cambridge(counts.iloc[1:])
    assert len(without_article.legends[0].get_texts()) == 2
    with pytest.raises(KeyError, match="label"):
        overdoses.plot_cambridge(counts.drop(columns="label"))


def test_plot_lynn_draws_reference_lines_and_skips_undated_rows():
    daily = overdoses.per_day(responses()[lambda t: t["place"] == "lynn"])
    fig = overdoses.plot_lynn(daily, overdoses.article_lynn(claims()))
    ax = fig.axes[0]
    # Reference segments: 2 a day from 2016 on, 0.2 a day over 2012 only.
    segments = [c.get_segments()[0] for c in ax.collections if not isinstance(c, PathCollection)]
    references = [(seg[0][1], matplotlib.dates.num2date(seg[0][0]).year) for seg in segments[-2:]]
    assert references == [(2, 2016), (pytest.approx(0.2), 2012)]
    assert matplotlib.dates.num2date(segments[-1][1][0]).date().isoformat() == "2012-12-31"
    drawn = sorted(y for c in ax.collections if isinstance(c, PathCollection)
                   for _, y in c.get_offsets())
    assert drawn == pytest.approx(sorted([118 / 366, 281 / 365, 26 / 31, 89 / 90]))
    with pytest.raises(KeyError, match="count_per_day"):
        overdoses.plot_lynn(responses(), overdoses.article_lynn(claims()))


def shares() -> pd.DataFrame:
    """Fentanyl and other substances in MA opioid deaths with toxicology (DATA-SOURCES §7)."""
    rows = [
        ("2014", "fentanyl", 40, False),  # Sentinel & Enterprise, Aug 2018
        ("2016-Q3", "fentanyl", 75, True),  # Lowell Sun: 'almost three-quarters'
        ("2017 to early 2018", "fentanyl", 85, False),  # Taunton Gazette: period not datable
        ("2019-01/2019-09", "fentanyl", 93, False),  # WWLP, Feb 2020
        ("2019-01/2019-09", "heroin", 25, False),
    ]
    return pd.DataFrame(rows, columns=["period", "substance", "share_pct", "approximate"])


def test_plot_substance_shares_leaves_undatable_figures_out():
    fig = overdoses.plot_substance_shares(shares(), article_pct=95)
    ax = fig.axes[0]
    drawn = sorted(y for c in ax.collections if isinstance(c, PathCollection)
                   for _, y in c.get_offsets())
    assert drawn == [25, 40, 75, 93]
    assert ax.get_lines()[0].get_ydata()[0] == 95
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Fentanyl", "Heroin", "Article: fentanyl share"]


def test_plot_substance_shares_without_article_line_on_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert overdoses.plot_substance_shares(shares(), ax=ax) is fig
    assert not ax.get_lines()


def test_plot_substance_shares_rejects_unknown_substances_and_missing_columns():
    table = shares()
    table.loc[0, "substance"] = "xylazine"
    with pytest.raises(ValueError, match=r"unknown substance\(s\) \['xylazine'\]"):
        overdoses.plot_substance_shares(table)
    with pytest.raises(KeyError, match="approximate"):
        overdoses.plot_substance_shares(shares().drop(columns="approximate"))


def test_plots_accept_given_axes():
    import matplotlib.pyplot as plt

    counts = overdoses.cambridge_counts(claims(), responses(), city_deaths())
    fig, ax = plt.subplots()
    assert overdoses.plot_cambridge(counts, ax=ax) is fig
    daily = overdoses.per_day(responses()[lambda t: t["place"] == "lynn"])
    fig2, ax2 = plt.subplots()
    assert overdoses.plot_lynn(daily, overdoses.article_lynn(claims()), ax=ax2) is fig2


def test_plot_substance_shares_shades_the_years_after_the_article():
    fig = overdoses.plot_substance_shares(shares(), after="2020-01-01")
    assert "after the article" in [t.get_text() for t in fig.axes[0].texts]
