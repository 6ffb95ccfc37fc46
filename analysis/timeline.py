"""Dated events and programme spans: validation, ordering and timeline (or Gantt-like) charts."""

import re
import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis import style
from analysis.checks import require_columns

# How precisely an event's date is known, and the pattern its date string must follow.
PRECISIONS = {
    "day": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "month": re.compile(r"\d{4}-\d{2}"),
    "season": re.compile(r"\d{4}"),
    "year": re.compile(r"\d{4}"),
}
REQUIRED = ["date", "precision", "event", "category"]


def _span(date: str, precision: str, row: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day and day after the last day of the period a date string stands for."""
    if precision not in PRECISIONS:
        raise ValueError(
            f"row {row}: precision {precision!r} is not one of {sorted(PRECISIONS)}"
        )
    if not PRECISIONS[precision].fullmatch(str(date)):
        raise ValueError(f"row {row}: date {date!r} does not fit precision {precision!r}")
    try:
        start = pd.Timestamp(str(date))
    except ValueError as error:
        raise ValueError(f"row {row}: date {date!r} is not a calendar date") from error
    step = {"day": pd.DateOffset(days=1), "month": pd.DateOffset(months=1)}.get(
        precision, pd.DateOffset(years=1)
    )
    return start, start + step


def order_events(table: pd.DataFrame) -> pd.DataFrame:
    """Check the events; return them in date order with the start and end of each date's period."""
    require_columns(table, REQUIRED)
    empty = table[table[REQUIRED].isna().any(axis=1)]
    if not empty.empty:
        raise ValueError(f"rows {list(empty.index)} lack one of {REQUIRED}")
    spans = [
        _span(row.date, row.precision, index)
        for index, row in zip(table.index, table.itertuples(index=False), strict=True)
    ]
    result = table.copy()
    result["start"] = [start for start, _ in spans]
    result["end"] = [end for _, end in spans]
    if "year" in result.columns:
        wrong = result[result["year"].astype("Int64") != result["start"].dt.year]
        if not wrong.empty:
            raise ValueError(
                f"rows {list(wrong.index)}: the year column disagrees with the date column"
            )
    return result.sort_values(["start", "end"], kind="stable").reset_index(drop=True)


def select(
    table: pd.DataFrame,
    categories: list[str] | None = None,
    jurisdictions: list[str] | None = None,
) -> pd.DataFrame:
    """Keep the events of the given categories and jurisdictions (None keeps all)."""
    result = table
    for column, wanted in (("category", categories), ("jurisdiction", jurisdictions)):
        if wanted is None:
            continue
        require_columns(result, [column])
        unknown = sorted(set(wanted) - set(table[column]))
        if unknown:
            raise ValueError(
                f"unknown {column}(s) {unknown}; valid: {sorted(set(table[column]))}"
            )
        result = result[result[column].isin(wanted)]
    return result.reset_index(drop=True)


def _category_colours(categories: list[str]) -> dict[str, str]:
    """A fixed colour per category, in the order given."""
    return {category: style.colour(i) for i, category in enumerate(categories)}


def _wrap(text: str, width: int) -> str:
    """Wrap a label on word boundaries to lines of at most `width` characters."""
    return "\n".join(textwrap.wrap(text, width)) or text


def plot_timeline(
    events: pd.DataFrame,
    categories: list[str] | None = None,
    ax: Axes | None = None,
    label_width: int = 30,
) -> Figure:
    """One row per event in date order, labelled on the left.

    A date known to the day or month is a dot; a date known only to the year (or season) is a bar
    spanning that year, so the chart never claims more precision than the source gives.
    """
    table = order_events(events)
    if categories is not None:
        table = select(table, categories=categories)
    order = categories or list(dict.fromkeys(table["category"]))
    colours = _category_colours(order)
    labels = [_wrap(f"{row.date}: {row.event}", label_width) for row in table.itertuples()]
    heights = [0.17 * label.count("\n") + 0.3 for label in labels]
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, max(2.0, sum(heights) + 1.2)))
    positions = np.arange(len(table))[::-1]
    for y, row in zip(positions, table.itertuples(index=False), strict=True):
        colour = colours[row.category]
        if row.precision in ("year", "season"):
            ax.barh(y, row.end - row.start, left=row.start, height=0.55, color=colour)
        else:
            ax.plot(row.start, y, marker="o", color=colour, markersize=7, linestyle="")
    ax.set_yticks(positions, labels, fontsize=style.SMALL_FONT)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.grid(axis="y", visible=False)
    first, last = table["start"].min(), table["end"].max()
    pad = (last - first) * 0.04 + pd.Timedelta(days=200)
    ax.set_xlim(first - pad, last + pad)
    ax.xaxis.set_major_locator(mdates.YearLocator(_year_step(first, last)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.tick_params(axis="x", labelsize=style.SMALL_FONT)
    ax.set_xlabel("Year", fontsize=style.SMALL_FONT)
    handles = [Patch(color=colours[c], label=c) for c in order if c in set(table["category"])]
    _legend_below(ax, handles)
    return fig


def _legend_below(ax: Axes, handles: list) -> None:
    """Put the legend under the x-axis label, about 0.6 inch below the axes whatever their size."""
    height = ax.get_position().height * ax.figure.get_figheight()
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.6 / height),
              ncol=min(2, len(handles)), fontsize=style.SMALL_FONT)


def _year_step(first: pd.Timestamp, last: pd.Timestamp) -> int:
    """Tick every 1, 2, 5 or 10 years so that about eight labels fit."""
    years = max(1, last.year - first.year)
    return next(step for step in (1, 2, 5, 10, 20) if years / step <= 9)


def programme_spans(table: pd.DataFrame, observed_until: str) -> pd.DataFrame:
    """Each programme from its start to the end of the observation period, when it was running."""
    checked = order_events(table)
    until = pd.Timestamp(observed_until)
    late = checked[checked["start"] > until]
    if not late.empty:
        raise ValueError(
            f"events start after the observation period ends ({observed_until}): "
            f"{late['event'].tolist()}"
        )
    checked["observed_until"] = until
    checked["years_running"] = (until - checked["start"]).dt.days / 365.25
    return checked


def _programme_label(group: str, member: pd.Series | None) -> str:
    """Row label of a programme, prefixed with its group unless the event already names it."""
    if member is None:
        return f"{group}: no start date given in the article"
    event = str(member["event"])
    return event if event.startswith(group) else f"{group}: {event}"


def plot_programmes(
    spans: pd.DataFrame,
    groups: list[str],
    group_column: str = "jurisdiction",
    fieldwork: tuple[str, str] | None = None,
    ax: Axes | None = None,
    label_width: int = 24,
) -> Figure:
    """Gantt-like chart: a bar per programme from its start to the end of observation, by group.

    A group with no programme keeps a labelled empty row. When only the year of a start is known,
    that year is drawn pale: the programme began at some point within it.
    """
    require_columns(spans, ["event", "start", "end", "precision", "observed_until", group_column])
    rows: list[tuple[str, pd.Series | None]] = []
    for group in groups:
        members = spans[spans[group_column] == group]
        if members.empty:
            rows.append((group, None))
        rows.extend((group, member) for _, member in members.iterrows())
    labels = [_wrap(_programme_label(group, member), label_width) for group, member in rows]
    fig, ax = style.figure_axes(
        ax,
        figsize=(
            style.FIGURE_WIDTH,
            sum(0.17 * label.count("\n") + 0.32 for label in labels) + 1.4,
        ),
    )
    colours = {group: style.colour(i) for i, group in enumerate(groups)}
    positions = np.arange(len(rows))[::-1]
    for y, (group, member) in zip(positions, rows, strict=True):
        if member is None:
            continue
        colour = colours[group]
        begin = member["start"]
        if member["precision"] in ("year", "season"):
            ax.barh(y, member["end"] - member["start"], left=member["start"], height=0.55,
                    color=colour, alpha=0.35)
            begin = member["end"]
        ax.barh(y, member["observed_until"] - begin, left=begin, height=0.55, color=colour)
    handles = [Patch(color="#7f7f7f", alpha=0.35, label="start known only to the year")]
    if fieldwork is not None:
        ax.axvspan(pd.Timestamp(fieldwork[0]), pd.Timestamp(fieldwork[1]), color="#d9d9d9",
                   alpha=0.7, zorder=0)
        handles.append(Patch(color="#d9d9d9", label="fieldwork"))
    _legend_below(ax, handles)
    ax.set_yticks(positions, labels, fontsize=style.SMALL_FONT)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="y", visible=False)
    first = spans["start"].min()
    last = spans["observed_until"].max()
    ax.set_xlim(first - pd.Timedelta(days=120), last + pd.Timedelta(days=120))
    ax.xaxis.set_major_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.tick_params(axis="x", labelsize=style.SMALL_FONT)
    ax.set_xlabel("Year", fontsize=style.SMALL_FONT)
    return fig


def as_table(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The events in date order, keeping the listed columns (all the input's columns by default)."""
    ordered = order_events(table)
    keep = columns or list(table.columns)
    require_columns(ordered, keep)
    return ordered[keep]
