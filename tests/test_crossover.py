"""Tests of analysis.crossover: rates by race across NCHS's two classifications of race (bridged
race to 2016 in the book's NCHS series, single race in the later briefs). The central test: no line
of any chart joins two classifications, so the break in the series is drawn, never smoothed."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import crossover, datasets

WHITE, BLACK, HISPANIC = "Non-Hispanic White", "Non-Hispanic Black", "Hispanic"
GROUPS = [WHITE, BLACK, HISPANIC]


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return crossover.us_race_series(datasets.load("nchs_overdose_mortality"),
                                    datasets.load("us_overdose_rates_by_race"), GROUPS)


def lines_with_points(fig) -> list[np.ndarray]:
    """The (x, y) points of every line drawn through data (gid 'run'); any other line with a
    visible stroke must be a reference line (vertical break or horizontal parity)."""
    found = []
    for ax in fig.axes:
        for line in ax.get_lines():
            x, y = (np.asarray(v, dtype=float) for v in line.get_data())
            if line.get_linestyle() in ("None", "none", "") or len(x) < 2:
                continue
            if line.get_gid() == crossover.RUN:
                found.append(np.column_stack([x, y]))
            else:
                assert len(set(x)) == 1 or len(set(y)) == 1, "an unmarked line through data"
    return found


def systems_of(points: np.ndarray, table: pd.DataFrame, value: str = "rate_per_100k") -> set:
    """The race classifications of the table rows a line passes through."""
    found = set()
    for x, y in points:
        rows = table[(table["year"] == x) & np.isclose(table[value], y)]
        assert len(rows) >= 1, (x, y)
        found |= set(rows["race_system"])
    return found


def test_no_line_of_the_chart_joins_two_race_classifications(series):
    fig = crossover.plot_us_by_race(series, GROUPS)
    lines = lines_with_points(fig)
    assert lines, "the bridged-race series is drawn as lines"
    for points in lines:
        assert len(systems_of(points, series)) == 1, points
    plt.close(fig)


def test_no_line_of_the_ratio_chart_joins_two_race_classifications(series):
    ratios = crossover.ratio_with_interval(series, BLACK, WHITE)
    fig = crossover.plot_ratio(ratios)
    lines = lines_with_points(fig)
    assert lines
    for points in lines:
        assert len(systems_of(points, ratios, "rate_ratio")) == 1, points
    plt.close(fig)


def test_a_run_that_joins_two_classifications_is_refused():
    # 2017 bridged and 2018 single race for the same group, with the source the same: consecutive
    # years, but line_segments still starts a new run at the change of classification.
    table = pd.DataFrame({"year": [2016, 2017, 2018, 2019], "race_ethnicity": WHITE,
                          "race_system": ["bridged", "bridged", "single", "single"],
                          "source_id": "x", "rate_per_100k": [25.3, 26.0, 27.0, 26.2]})
    runs = crossover.line_segments(table)
    assert runs.groupby("segment")["race_system"].nunique().max() == 1
    assert runs["segment"].tolist() == [0, 0, 1, 1]
    joined = runs.assign(segment=0)  # a run drawn across the break
    with pytest.raises(ValueError, match="joins race systems"):
        crossover.check_one_system_per_line(joined)
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="a series break must stay a break"):
        crossover._draw_runs(ax, joined.assign(lower_95=np.nan, upper_95=np.nan), "k", None)
    plt.close(fig)


def test_runs_break_at_missing_years_and_at_a_change_of_document():
    table = pd.DataFrame({"year": [2019, 2020, 2022, 2023], "race_ethnicity": BLACK,
                          "race_system": "single",
                          "source_id": ["estat", "db428", "db522", "db522"]})
    runs = crossover.line_segments(table).set_index("year")["segment"]
    assert runs[2022] == runs[2023] and runs[[2019, 2020, 2022]].nunique() == 3


def test_series_keeps_the_old_limits_and_the_new_documents_apart(series):
    old = series[series["race_system"] == "bridged"]
    new = series[series["race_system"] == "single"]
    assert old["year"].max() == 2016 and new["year"].min() == 2019
    assert old[["lower_95", "upper_95"]].notna().all().all()
    assert new[["lower_95", "upper_95"]].isna().all().all()  # no counts by race: no limits
    # NCHS Data Brief 522 (icesaturn copy): Black 47.5 and 48.9, 2022-2023, one run.
    black = new[new["race_ethnicity"] == BLACK].set_index("year")
    assert black.loc[[2022, 2023], "rate_per_100k"].tolist() == [47.5, 48.9]
    assert black.loc[2022, "segment"] == black.loc[2023, "segment"]
    assert not (series["year"].isin([2017, 2018, 2021])).any()  # gaps stay gaps


def test_ratio_interval_from_published_limits(series):
    ratios = crossover.ratio_with_interval(series, BLACK, WHITE).set_index("year")
    # NCHS 2016 (bridged): Black 17.08 (16.68-17.48), White 25.30 (25.07-25.53).
    row = ratios.loc[2016]
    assert row["rate_ratio"] == pytest.approx(17.08 / 25.30)
    se = math.sqrt((math.log(17.48 / 16.68) / (2 * 1.959964)) ** 2
                   + (math.log(25.53 / 25.07) / (2 * 1.959964)) ** 2)
    assert row["rate_ratio_lower_95"] == pytest.approx(17.08 / 25.30 * math.exp(-1.959964 * se))
    # 2020 (db428 via Good Faith Media): 35.8 / 33.1, no interval.
    assert ratios.loc[2020, "rate_ratio"] == pytest.approx(35.8 / 33.1)
    assert math.isnan(ratios.loc[2020, "rate_ratio_lower_95"])


def test_years_above_show_the_crossover(series):
    above = crossover.years_above(series, BLACK, WHITE)
    # Black above White in 1999 (bridged), not again until 2020 in the later documents.
    later = above[above["year"] > 2016]["year"].tolist()
    assert later == [2020, 2022, 2023]
    assert 2019 not in later and 1999 in above["year"].tolist()


def test_ma_chart_keeps_each_sex_in_its_own_panel():
    table = datasets.load("ma_opioid_rates_by_race")
    fig = crossover.plot_ma_by_race_and_sex(table)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Both sexes", "Men only", "Women only"]
    # The 84.6 of Black men in 2023 (men only) is drawn in the men's panel and nowhere else.
    for ax, expected in zip(fig.axes, (False, True, False), strict=True):
        drawn = any(np.isclose(np.asarray(line.get_ydata(), dtype=float), 84.6).any()
                    for line in ax.get_lines())
        assert drawn == expected, ax.get_title()
    plt.close(fig)


def test_ma_chart_rejects_unknown_groups():
    table = pd.DataFrame({"year": [2021], "race_ethnicity": ["martian"], "sex": ["both"],
                          "rate_per_100k": [1.0], "vintage": ["2022"], "source_id": ["x"]})
    with pytest.raises(ValueError, match="unknown race_ethnicity"):
        crossover.plot_ma_by_race_and_sex(table)
