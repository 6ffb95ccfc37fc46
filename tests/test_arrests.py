"""Arrest series, peak and post-peak trend, shares and charts, checked against published figures."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import arrests, datasets


@pytest.fixture(scope="module")
def fbi():
    return datasets.load("fbi_drug_arrests")


@pytest.fixture(scope="module")
def marijuana():
    return datasets.load("marijuana_arrests")


@pytest.fixture(scope="module")
def timeline():
    return datasets.load("policy_timeline")


@pytest.fixture(scope="module")
def totals(fbi):
    return arrests.drug_arrest_series(fbi)


def synthetic_fbi(rows):
    """A small table shaped like fbi_drug_arrests (synthetic, for error paths)."""
    return pd.DataFrame(
        [
            {
                "year": year,
                "offense": offense,
                "arrests": count,
                "pct_of_drug_arrests": None,
                "in_series": True,
                "source_id": "test",
                "secondary": False,
            }
            for year, offense, count in rows
        ]
    )


def test_series_has_the_published_2019_and_2006_totals(totals):
    by_year = totals.set_index("year")["arrests"]
    # FBI, Crime in the United States 2019, as quoted by DrugPolicyFacts: 1,558,862 arrests.
    assert by_year[2019] == 1_558_862
    # BJS Drugs and Crime Facts: 1,889,800 (rounded) in 2006, "the high point".
    assert round(by_year[2006], -2) == 1_889_800
    # The FBI published no 2021 national estimate: the gap stays a gap.
    assert 2021 not in by_year.index
    assert by_year.index.is_monotonic_increasing and by_year.index.is_unique


def test_peak_is_2006_and_2019_is_below_it(totals):
    top = arrests.peak(totals).iloc[0]
    assert top["year"] == 2006
    assert top["arrests"] == 1_889_810
    assert totals.set_index("year").loc[2019, "arrests"] < top["arrests"]


def test_trend_since_peak_falls_and_agrees_with_the_endpoints(totals):
    trend = arrests.trend_since_peak(totals, end_year=2019).iloc[0]
    assert (trend["peak_year"], trend["first_year"], trend["last_year"]) == (2006, 2006, 2019)
    assert trend["n_years"] == 14
    # Hand reasoning: 1,558,862 / 1,889,810 = 0.8249 over 13 years is -1.47 % a year on average.
    endpoint_rate = 100 * ((1_558_862 / 1_889_810) ** (1 / 13) - 1)
    assert endpoint_rate == pytest.approx(-1.47, abs=0.01)
    assert trend["ci_low_pct"] < endpoint_rate < trend["ci_high_pct"]
    assert trend["ci_high_pct"] < 0


def test_trend_since_peak_ignores_years_after_the_end_year():
    # Synthetic: rises to a peak of 1000 in 2003, then falls exactly 4 % a year to 2008; the
    # 2010 outlier lies after the end year and must be left out.
    rising = {2000: 100, 2001: 120, 2002: 150}
    falling = {2003 + t: 1000 * 0.96**t for t in range(6)}
    table = pd.DataFrame(
        [{"year": y, "arrests": v} for y, v in {**rising, **falling, 2010: 5000}.items()]
    )
    trend = arrests.trend_since_peak(table, end_year=2008).iloc[0]
    assert (trend["peak_year"], trend["first_year"], trend["last_year"]) == (2003, 2003, 2008)
    assert trend["annual_change_pct"] == pytest.approx(-4.0)


def test_possession_share_uses_national_published_figures(fbi):
    share = arrests.possession_share(fbi).set_index("year")["possession_pct"]
    # DrugWarFacts citing FBI CIUS 2007: 1,518,975 of 1,841,182 arrests, 82.5 %.
    assert share[2007] == pytest.approx(82.5)
    assert 100 * 1_518_975 / 1_841_182 == pytest.approx(share[2007], abs=0.05)
    # FBI CIUS 2019: 86.7 % for possession.
    assert share[2019] == pytest.approx(86.7)
    # 2016: only a reporting subset of agencies; not a national share, so absent.
    assert 2016 not in share.index
    assert share.index.is_unique


def test_the_2016_share_in_the_data_is_still_a_subset(fbi):
    # NO_NATIONAL_SHARE rests on this note; if the data change, this test says so.
    row = fbi[(fbi["year"] == 2016) & (fbi["offense"] == "possession")].iloc[0]
    assert "subset" in row["note"]


def test_marijuana_series_for_massachusetts(marijuana):
    possession = arrests.marijuana_series(marijuana, "Massachusetts", "possession")
    by_year = possession.set_index("year")["arrests"]
    # Gettman (2008): 7,857 in 2006; ACLU of Massachusetts (2016): 8,695 in 2008, 616 in 2014.
    assert by_year.to_dict() == {2006: 7857, 2008: 8695, 2014: 616}
    # The ACLU's "plummeted 93%": 1 - 616 / 8,695 = 0.929.
    assert 1 - by_year[2014] / by_year[2008] == pytest.approx(0.929, abs=0.001)


def test_marijuana_laws_from_the_timeline(timeline):
    laws = arrests.marijuana_laws(timeline)
    # Vivant (2021), section 3.1: January 2009, January 2013, 2016 vote, 2018 shops.
    assert laws["year"].tolist() == [2009, 2013, 2016, 2018]
    assert laws["label"].tolist() == [
        "Possession decriminalised",
        "Medical use legal",
        "Recreational use voted",
        "First shops open",
    ]


def test_marijuana_law_without_a_label_is_an_error():
    timeline = pd.DataFrame(
        {
            "date": ["2020"],
            "year": [2020],
            "event": ["Marijuana tax changed"],
            "category": ["law"],
            "jurisdiction": ["Massachusetts"],
        }
    )
    with pytest.raises(ValueError, match="Marijuana tax changed"):
        arrests.marijuana_laws(timeline)


def test_consecutive_runs_split_at_gaps():
    assert arrests.consecutive_runs([2019, 2017, 2018, 2020, 2022, 1996]) == [
        [1996],
        [2017, 2018, 2019, 2020],
        [2022],
    ]
    assert arrests.consecutive_runs([]) == []


def line_segments(ax):
    """The x values of every drawn line (not markers alone) that joins at least two points."""
    return [
        list(line.get_xdata())
        for line in ax.lines
        if len(line.get_xdata()) > 1 and line.get_linestyle() != "None"
    ]


def test_drug_arrest_chart_never_joins_across_a_gap(totals):
    trend = arrests.trend_since_peak(totals)
    fig = arrests.plot_drug_arrests(totals, trend)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    segments = line_segments(ax)
    data_segments = [s for s in segments if s != list(range(2006, 2020))]
    for xs in data_segments:
        assert all(b - a == 1 for a, b in zip(xs, xs[1:], strict=False)), xs
        assert not (2020 in xs and 2022 in xs)
    # The fitted trend runs from the peak to 2019 only.
    assert list(range(2006, 2020)) in segments
    assert "millions" in ax.get_ylabel()
    labels = ax.get_legend_handles_labels()[1]
    # The trend falls: its label carries a typographic minus, and the word "Log-linear" keeps its
    # hyphen; the years after 2019 are named as left out of the trend.
    assert any(label.startswith("Log-linear trend 2006–2019: \u2212") for label in labels)
    assert "2020, 2022: shown, not in the trend" in labels
    # 2019 is drawn at 1.558862 million.
    points = [line for line in ax.lines if line.get_linestyle() == "None"]
    ys = dict(zip(points[0].get_xdata(), points[0].get_ydata(), strict=True))
    assert ys[2019] == pytest.approx(1.558862)
    plt.close(fig)


def test_possession_chart_marks_2016(fbi):
    _, ax = plt.subplots()
    fig = arrests.plot_possession_share(arrests.possession_share(fbi), ax=ax)
    assert fig is ax.figure
    assert any("2016" in text.get_text() for text in ax.texts)
    assert ax.get_ylim()[1] == 100
    plt.close(fig)


def test_marijuana_chart_draws_law_lines(marijuana, timeline):
    laws = arrests.marijuana_laws(timeline)
    fig = arrests.plot_marijuana_arrests(marijuana, "Massachusetts", laws=laws)
    ax = fig.axes[0]
    assert [text.get_text() for text in ax.texts] == laws["label"].tolist()
    assert ax.get_ylabel() == "Arrests"
    assert ax.get_title(loc="left") == "Massachusetts"
    plt.close(fig)
    fig = arrests.plot_marijuana_arrests(marijuana, "United States")
    assert "thousands" in fig.axes[0].get_ylabel()
    plt.close(fig)


def test_unknown_offense_lists_the_valid_ones(fbi):
    with pytest.raises(ValueError, match="total.*possession.*sale_manufacture"):
        arrests.drug_arrest_series(fbi, "trafficking")


def test_unknown_geography_lists_the_valid_ones(marijuana):
    with pytest.raises(ValueError, match=r"'Boston'.*\['Massachusetts', 'United States'\]"):
        arrests.marijuana_series(marijuana, "Boston")


def test_negative_count_names_the_year():
    table = synthetic_fbi([(2000, "total", 10), (2001, "total", -5)])
    with pytest.raises(ValueError, match=r"negative \(-5\) in year 2001"):
        arrests.drug_arrest_series(table)


def test_two_series_values_for_one_year_are_refused():
    table = synthetic_fbi([(2000, "total", 10), (2000, "total", 11)])
    with pytest.raises(ValueError, match=r"year\(s\) \[2000\]"):
        arrests.drug_arrest_series(table)


def test_missing_column_is_named():
    with pytest.raises(KeyError, match=r"'in_series'.*which has \['year'\]"):
        arrests.drug_arrest_series(pd.DataFrame({"year": [2000]}))


def test_peak_of_an_empty_series_is_refused():
    with pytest.raises(ValueError, match="empty"):
        arrests.peak(pd.DataFrame({"year": [], "arrests": []}))


def test_peak_takes_the_first_of_tied_years():
    table = pd.DataFrame({"year": [2000, 2001, 2002], "arrests": [5, 9, 9]})
    assert arrests.peak(table).iloc[0]["year"] == 2001
    assert not math.isnan(arrests.peak(table).iloc[0]["arrests"])


def test_marijuana_share_of_drug_arrests(totals, marijuana):
    share = arrests.marijuana_share(totals, marijuana).set_index("year")
    # Drug War Chronicle on the FBI 2009 UCR: 858,408 marijuana arrests, "51.6%" of drug arrests.
    assert share.loc[2009, "marijuana_pct"] == pytest.approx(51.6, abs=0.05)
    # Hand subtraction for 2006: 1,889,810 - 829,627 = 1,060,183 arrests for other drugs.
    assert share.loc[2006, "other_drug_arrests"] == 1_060_183
    # Only years that both series have: no 2019 marijuana figure, so no 2019 row.
    assert 2019 not in share.index


def test_marijuana_above_all_drugs_is_refused(marijuana):
    totals = pd.DataFrame({"year": [2018], "arrests": [1000]})
    with pytest.raises(ValueError, match=r"exceed all drug arrests in year\(s\) \[2018\]"):
        arrests.marijuana_share(totals, marijuana)


def test_marijuana_chart_can_add_other_drugs(totals, marijuana):
    share = arrests.marijuana_share(totals, marijuana)
    fig = arrests.plot_marijuana_arrests(marijuana, "United States", other_drugs=share)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(label.startswith("Other drugs") for label in labels)
    points = [line for line in fig.axes[0].lines if line.get_label().startswith("Other drugs")]
    ys = dict(zip(points[0].get_xdata(), points[0].get_ydata(), strict=True))
    assert ys[2006] == pytest.approx(1060.183)  # thousands
    plt.close(fig)


def test_decline_decomposition_2006_to_2018(totals, marijuana):
    share = arrests.marijuana_share(totals, marijuana)
    split = arrests.decline_decomposition(share, 2006, 2018).iloc[0]
    # By hand: all drugs 1,654,282 - 1,889,810 = -235,528; marijuana 663,367 - 829,627 = -166,260;
    # other drugs -235,528 + 166,260 = -69,268; marijuana's part 166,260 / 235,528 = 70.6 %.
    assert split["drug_change"] == -235_528
    assert split["marijuana_change"] == -166_260
    assert split["other_change"] == -69_268
    assert split["marijuana_pct_of_change"] == pytest.approx(70.59, abs=0.01)


def test_decline_decomposition_needs_both_years(totals, marijuana):
    share = arrests.marijuana_share(totals, marijuana)
    with pytest.raises(ValueError, match=r"year\(s\) \[2019\]; years available"):
        arrests.decline_decomposition(share, 2006, 2019)


def test_decline_decomposition_of_no_change_is_refused():
    share = pd.DataFrame(
        {
            "year": [2000, 2001],
            "drug_arrests": [10, 10],
            "marijuana_arrests": [4, 5],
            "other_drug_arrests": [6, 5],
        }
    )
    with pytest.raises(ValueError, match="did not change from 2000 to 2001"):
        arrests.decline_decomposition(share, 2000, 2001)


def test_the_nibrs_break_and_reported_counts_are_drawn_apart(totals, fbi):
    reporting = datasets.load("fbi_arrest_reporting")
    # FBI release (HSToday): 2021 data 'exclusively collected via NIBRS'.
    assert arrests.reporting_break(reporting) == 2021
    reported = fbi[(fbi["offense"] == "total") & ~fbi["in_series"] & (fbi["year"] == 2023)]
    fig = arrests.plot_drug_arrests(totals, reporting=reporting, reported=reported)
    ax = fig.axes[0]
    breaks = [line for line in ax.get_lines() if list(line.get_xdata()) == [2020.5, 2020.5]]
    assert len(breaks) == 1
    crosses = [line for line in ax.get_lines() if line.get_marker() == "X"]
    assert crosses and crosses[0].get_ydata()[0] == pytest.approx(0.907412)
    assert "not an estimate" in crosses[0].get_label()
    assert "after the article" in [text.get_text() for text in ax.texts]
    plt.close(fig)
    with pytest.raises(ValueError, match="no NIBRS year"):
        arrests.reporting_break(reporting[reporting["reporting_system"] == "srs"])


def test_possession_share_holds_published_national_shares_only(fbi):
    # The third party's 2023 shares (82%, 12%, silverlaw2025) come with reported counts, not
    # estimates: they stay in the notes and out of the share series.
    share = arrests.possession_share(fbi)
    assert share["year"].max() == 2022
    assert share.set_index("year").loc[2022, "possession_pct"] == 87.8
    fig = arrests.plot_possession_share(share, after=2019.5)
    assert any(patch.get_x() == pytest.approx(2019.5) for patch in fig.axes[0].patches)
    plt.close(fig)
