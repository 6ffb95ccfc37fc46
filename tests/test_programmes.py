"""Tests of analysis.programmes: Gloucester's programme figures, recomputed by hand from the police
department's press release and the NEJM letter (Schiff et al. 2017)."""

import matplotlib
import matplotlib.pyplot as plt
import pytest

from analysis import datasets, programmes

matplotlib.use("Agg")


def test_angel_summary_recomputes_share_and_cost():
    summary = programmes.angel_summary(datasets.load("gloucester_angel")).set_index("measure")
    # Schiff et al. (NEJM letter): 394 of 417 eligible presentations = 94.48%, published as 94.5%.
    assert summary.loc["direct_placement_offered_share_computed", "value"] == pytest.approx(
        394 / 417 * 100)
    # Gloucester PD press release: about $13,750 for 260 people = $52.88, published as "about $55".
    assert summary.loc["cost_per_person_computed", "value"] == pytest.approx(52.8846, abs=1e-4)
    # 429 presentations by 376 people = 1.141 presentations per person.
    assert summary.loc["presentations_per_person_computed", "value"] == pytest.approx(429 / 376)
    assert summary.loc["cost_per_person_computed", "computed"]
    assert not summary.loc["cost_per_person", "computed"]


def test_angel_summary_names_missing_and_non_positive_measures():
    angel = datasets.load("gloucester_angel")
    with pytest.raises(ValueError, match=r"measure\(s\) \['presentations'\] missing"):
        programmes.angel_summary(angel[angel["measure"] != "presentations"])
    zero = angel.copy()
    zero.loc[zero["measure"] == "placed_in_treatment", "value"] = 0.0
    with pytest.raises(ValueError, match="placed_in_treatment"):
        programmes.angel_summary(zero)


def test_angel_plot_has_two_panels():
    summary = programmes.angel_summary(datasets.load("gloucester_angel"))
    fig = programmes.plot_angel(summary)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].patches) == 4
    # The reported cost is approximate ("about $55"); the recomputed one is 13,750 / 260 = 52.88.
    assert [t.get_text() for t in fig.axes[1].texts] == [r" about \$55", r" \$52.88"]
    fig, axes = plt.subplots(1, 2)
    assert programmes.plot_angel(summary, axes=axes) is fig
