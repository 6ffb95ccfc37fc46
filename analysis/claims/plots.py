"""The ledger's chart: how far each figure compared by value lies from its public figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis import style
from analysis.claims.rules import (
    CONSISTENT,
    DIFFERS,
    LOOSELY,
    NOT_CHECKABLE,
    RELATIVE_TOLERANCE,
    REPRODUCED,
    check_verdicts,
)


def _figure_label(claim_id: str, item: str) -> str:
    """'C01 MA rate' from claim C01, item ma_rate."""
    words = [{"ma": "MA", "us": "US"}.get(word, word) for word in item.split("_")]
    return f"{claim_id} {words[0][:1].upper()}{words[0][1:]} {' '.join(words[1:])}".rstrip()


def plot_gaps(ledger: pd.DataFrame, tolerance: float = RELATIVE_TOLERANCE,
              ax: Axes | None = None) -> Figure:
    """Dot chart: each figure compared by value, as its gap to the public figure (% of it)."""
    check_verdicts(ledger, ["claim_id", "item", "relative_difference", "verdict", "comparison"])
    shown = ledger[(ledger["comparison"] == "value") & ledger["relative_difference"].notna()]
    if shown.empty:
        raise ValueError("no figure was compared by value, so there is no gap to draw")
    shown = shown.sort_values("relative_difference", kind="stable").reset_index(drop=True)
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 0.32 * len(shown) + 1.4))
    ax.axvspan(-100 * tolerance, 100 * tolerance, color=style.PALETTE["sky_blue"], alpha=0.15,
               lw=0)
    ax.axvline(0, color=style.PALETTE["black"], lw=0.8)
    looks = {REPRODUCED: ("o", style.colour(0)), CONSISTENT: ("s", style.colour(2)),
             LOOSELY: ("^", style.colour(3)), DIFFERS: ("D", style.colour(1)),
             NOT_CHECKABLE: ("x", style.colour(4))}
    for verdict, (marker, colour) in looks.items():
        rows = shown[shown["verdict"] == verdict]
        ax.scatter(100 * rows["relative_difference"], rows.index, marker=marker, color=colour,
                   s=42, zorder=3)
    ax.set_yticks(shown.index, [_figure_label(row.claim_id, row.item)
                                for row in shown.itertuples()])
    ax.invert_yaxis()
    ax.margins(x=0.06)
    ax.set_xlabel("Article's figure minus the public figure (% of the public figure)")
    ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], ls="", marker=marker, color=colour, label=verdict)
               for verdict, (marker, colour) in looks.items()]
    handles.append(plt.Rectangle((0, 0), 1, 1, color=style.PALETTE["sky_blue"], alpha=0.15,
                                 label=f"within ±{tolerance:.0%}"))
    fig.tight_layout()
    # Above the chart from the figure's left edge, where it hides no dot.
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
    return fig
