"""Gloucester's "Angel" programme (chapter 2.2): the police department's own figures for its first
year, with the shares and the cost per person recomputed from them."""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis import style
from analysis.checks import require_columns


def angel_summary(angel: pd.DataFrame) -> pd.DataFrame:
    """Gloucester's programme in figures, with the shares and cost per person recomputed."""
    require_columns(angel, ["measure", "value", "unit", "period_start", "period_end"])
    values = angel.set_index("measure")["value"].astype(float)
    needed = ["presentations", "eligible_presentations", "direct_placement_offered",
              "persons_presenting", "programme_spending", "placed_in_treatment"]
    missing = [m for m in needed if m not in values.index]
    if missing:
        raise ValueError(f"measure(s) {missing} missing; the table has {sorted(values.index)}")
    counts = values[needed]
    if (counts <= 0).any():
        raise ValueError(f"these counts must be positive: {counts[counts <= 0].to_dict()}")
    computed = pd.DataFrame(
        {
            "measure": [
                "direct_placement_offered_share_computed",
                "presentations_per_person_computed",
                "cost_per_person_computed",
            ],
            "value": [
                values["direct_placement_offered"] / values["eligible_presentations"] * 100,
                values["presentations"] / values["persons_presenting"],
                values["programme_spending"] / values["placed_in_treatment"],
            ],
            "unit": ["percent", "presentations per person", "usd"],
        }
    )
    periods = angel.set_index("measure")[["period_start", "period_end"]]
    sources = {
        "direct_placement_offered_share_computed": "direct_placement_offered",
        "presentations_per_person_computed": "presentations",
        "cost_per_person_computed": "placed_in_treatment",
    }
    origin = computed["measure"].map(sources)
    computed["period_start"] = origin.map(periods["period_start"]).to_numpy()
    computed["period_end"] = origin.map(periods["period_end"]).to_numpy()
    reported = angel[["measure", "value", "unit", "period_start", "period_end"]].copy()
    reported["value"] = reported["value"].astype(float)
    reported["computed"] = False
    computed["computed"] = True
    return pd.concat([reported, computed], ignore_index=True)


def plot_angel(summary: pd.DataFrame, axes: Sequence[Axes] | None = None) -> Figure:
    """Two panels: the first year's presentations and placements; the first months' cost."""
    require_columns(summary, ["measure", "value", "computed"])
    values = summary.set_index("measure")["value"]
    if axes is None:
        # One panel above the other: side by side they leave a phone no room for the labels.
        fig, axes = plt.subplots(2, 1, figsize=(style.FIGURE_WIDTH, 4.6),
                                 gridspec_kw={"height_ratios": [1.6, 1]})
    else:
        fig = axes[0].figure
    year_ax, cost_ax = axes
    bars = [
        ("Different people", "persons_presenting"),
        ("Times people came", "presentations"),
        ("Eligible presentations", "eligible_presentations"),
        ("Direct placement offered", "direct_placement_offered"),
    ]
    positions = np.arange(len(bars))[::-1]
    for i, (y, (_, measure)) in enumerate(zip(positions, bars, strict=True)):
        year_ax.barh(y, values[measure], color=style.colour(i))
        year_ax.text(values[measure], y, f" {values[measure]:,.0f}", va="center",
                     fontsize=style.SMALL_FONT)
    year_ax.set_yticks(positions, [label for label, _ in bars], fontsize=style.SMALL_FONT)
    year_ax.set_xlabel("Count, June 2015 to May 2016", fontsize=style.SMALL_FONT)
    year_ax.set_xlim(0, values["presentations"] * 1.45)
    share = values["direct_placement_offered_share_computed"]
    year_ax.annotate(f"{share:.1f}% of eligible\npresentations",
                     (values["direct_placement_offered"], 0), xytext=(34, 0),
                     textcoords="offset points", fontsize=style.SMALL_FONT, va="center")
    costs = [
        ("Reported", values["cost_per_person"], rf" about \${values['cost_per_person']:,.0f}"),
        ("Spending ÷ people placed", values["cost_per_person_computed"],
         rf" \${values['cost_per_person_computed']:,.2f}"),
    ]
    for i, (y, (_, value, text)) in enumerate(zip([1, 0], costs, strict=True)):
        cost_ax.barh(y, value, color=style.colour(i))
        cost_ax.text(value, y, text, va="center", fontsize=style.SMALL_FONT)
    cost_ax.set_yticks([1, 0], [label for label, _, _ in costs], fontsize=style.SMALL_FONT)
    cost_ax.set_xlabel("US$ per person placed,\nJune to October 2015", fontsize=style.SMALL_FONT)
    cost_ax.set_xlim(0, max(v for _, v, _ in costs) * 1.5)
    for ax in axes:
        ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig
