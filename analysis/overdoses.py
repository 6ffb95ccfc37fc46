"""Overdose counts by police and health sources, the article's city figures, fentanyl's share."""

import re

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis import style
from analysis.checks import require_columns

DAYS_PER_YEAR = 365
# Footnote 8 of the article: Lynn police called about twice a day since 2016, ten times 2012.
ARTICLE_LYNN_SINCE = 2016
ARTICLE_LYNN_BASE = 2012
SUBSTANCE_LABELS = {
    "fentanyl": "Fentanyl",
    "heroin": "Heroin",
    "cocaine": "Cocaine",
    "prescription_opioids": "Prescription opioids",
}
MEASURE_LABELS = {
    "police_overdoses": "Overdoses police responded to (article)",
    "opioid_medical_emergencies": "Opioid medical emergencies (DPH)",
    "deaths_confirmed": "Confirmed opioid deaths (DPH, via press)",
    "deaths_residence": "Opioid deaths of residents (MDPH 2019)",
    "deaths_occurrence": "Opioid deaths in the city (MDPH 2019)",
}


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a period written YYYY, YYYY-MM, YYYY-Qn or YYYY-MM/YYYY-MM."""
    text = str(period).strip()
    if re.fullmatch(r"\d{4}", text):
        return pd.Timestamp(f"{text}-01-01"), pd.Timestamp(f"{text}-12-31")
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", text)
    if quarter:
        start = pd.Period(f"{quarter[1]}Q{quarter[2]}", freq="Q")
        return start.start_time.normalize(), start.end_time.normalize()
    months = re.fullmatch(r"(\d{4}-\d{2})(?:/(\d{4}-\d{2}))?", text)
    if months:
        first = pd.Period(months[1], freq="M")
        last = pd.Period(months[2] or months[1], freq="M")
        if last < first:
            raise ValueError(f"period {period!r} ends before it starts")
        return first.start_time.normalize(), last.end_time.normalize()
    raise ValueError(
        f"period {period!r} is not YYYY, YYYY-MM, YYYY-Qn or YYYY-MM/YYYY-MM: its dates are unknown"
    )


def with_periods(table: pd.DataFrame) -> pd.DataFrame:
    """Add period_start, period_end and days; left empty where the period's dates are unknown."""
    if "period" not in table.columns:
        raise KeyError(f"table needs a 'period' column; it has {list(table.columns)}")
    bounds = []
    for period in table["period"]:
        try:
            bounds.append(period_bounds(period))
        except ValueError:
            bounds.append((pd.NaT, pd.NaT))
    out = table.copy()
    out["period_start"] = pd.to_datetime([start for start, _ in bounds])
    out["period_end"] = pd.to_datetime([end for _, end in bounds])
    out["days"] = (out["period_end"] - out["period_start"]).dt.days + 1
    return out


def per_day(table: pd.DataFrame, count: str = "count") -> pd.DataFrame:
    """Counts divided by the days of their period (`count_per_day`); unknown periods stay empty."""
    if count not in table.columns:
        raise KeyError(f"table needs column {count!r}; it has {list(table.columns)}")
    out = with_periods(table)
    out["count_per_day"] = out[count].astype(float) / out["days"]
    return out


def claim_values(claims: pd.DataFrame, claim_id: str) -> dict[str, float]:
    """The article's values for one claim of the ledger, by item (e.g. C05 → overdoses, fatal)."""
    require_columns(claims, ["claim_id", "item", "value"], "claim_values (claims table)")
    rows = claims[claims["claim_id"] == claim_id]
    if rows.empty:
        valid = sorted(claims["claim_id"].unique())
        raise ValueError(f"unknown claim {claim_id!r}; claims are {valid}")
    return {item: float(value) for item, value in zip(rows["item"], rows["value"], strict=True)}


def article_cambridge(claims: pd.DataFrame) -> pd.DataFrame:
    """Cambridge 2016 per the article (C05): fatal share and the 2015 count its increase implies."""
    values = claim_values(claims, "C05")
    needed = ["overdoses", "fatal", "increase_on_2015"]
    absent = [item for item in needed if item not in values]
    if absent:
        raise ValueError(f"claim C05 lacks item(s) {absent}; it has {sorted(values)}")
    overdoses, fatal, increase = (values[item] for item in needed)
    if not 0 <= fatal <= overdoses:
        raise ValueError(f"C05: {fatal:g} fatal overdoses cannot exceed {overdoses:g} overdoses")
    implied_2015 = overdoses - increase
    return pd.DataFrame(
        [
            {
                "overdoses_2016": overdoses,
                "fatal_2016": fatal,
                "fatal_share_pct": 100 * fatal / overdoses,
                "implied_overdoses_2015": implied_2015,
                "change_pct": 100 * increase / implied_2015,
            }
        ]
    )


def article_lynn(claims: pd.DataFrame) -> pd.DataFrame:
    """Lynn per the article (C06): calls a day, yearly equivalent and the implied 2012 level."""
    values = claim_values(claims, "C06")
    per_day_now, ratio = values["calls_per_day"], values["ratio_to_2012"]
    if ratio <= 0 or per_day_now < 0:
        raise ValueError(
            f"C06: calls a day ({per_day_now:g}) and ratio ({ratio:g}) must be positive"
        )
    return pd.DataFrame(
        [
            {
                "calls_per_day": per_day_now,
                "calls_per_year": per_day_now * DAYS_PER_YEAR,
                "ratio_to_2012": ratio,
                "implied_calls_per_day_2012": per_day_now / ratio,
                "implied_calls_per_year_2012": per_day_now * DAYS_PER_YEAR / ratio,
            }
        ]
    )


def cambridge_counts(
    claims: pd.DataFrame, responses: pd.DataFrame, city_deaths: pd.DataFrame
) -> pd.DataFrame:
    """Cambridge 2015 and 2016 side by side, one row per source and measure, with the change."""
    article = article_cambridge(claims).iloc[0]
    rows = [("police_overdoses", "vivant2021", article["implied_overdoses_2015"],
             article["overdoses_2016"])]
    cambridge = responses[(responses["place"] == "cambridge")]
    emergencies = cambridge[cambridge["measure"] == "opioid_medical_emergencies"]
    deaths = city_deaths[city_deaths["place"] == "cambridge"]
    sources = [
        ("opioid_medical_emergencies", emergencies, "count"),
        ("deaths_confirmed", deaths[deaths["basis"] == "unspecified"], "deaths"),
        ("deaths_residence", deaths[deaths["basis"] == "residence"], "deaths"),
        ("deaths_occurrence", deaths[deaths["basis"] == "occurrence"], "deaths"),
    ]
    for measure, table, column in sources:
        by_year = table.set_index("year")[column]
        if 2015 in by_year.index and 2016 in by_year.index:
            rows.append((measure, table["source_id"].iloc[0], by_year[2015], by_year[2016]))
    out = pd.DataFrame(rows, columns=["measure", "source_id", "count_2015", "count_2016"])
    out[["count_2015", "count_2016"]] = out[["count_2015", "count_2016"]].astype(float)
    out["change"] = out["count_2016"] - out["count_2015"]
    out["change_pct"] = 100 * out["change"] / out["count_2015"]
    out["label"] = out["measure"].map(MEASURE_LABELS)
    return out


def plot_cambridge(counts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Paired bars, 2015 and 2016, for each Cambridge count; the article's 2015 bar is hatched
    because it is implied (2016 minus the stated increase), not published."""
    needed = ["measure", "count_2015", "count_2016", "label"]
    require_columns(counts, needed, "plot_cambridge (from cambridge_counts)")
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 3.8))
    y = np.arange(len(counts))
    height = 0.38
    bars_2015 = ax.barh(y - height / 2, counts["count_2015"], height, color=style.colour(0),
                        label="2015")
    ax.barh(y + height / 2, counts["count_2016"], height, color=style.colour(1), label="2016")
    for bar, measure in zip(bars_2015, counts["measure"], strict=True):
        if measure == "police_overdoses":
            bar.set_hatch("///")
            bar.set_facecolor("white")
            bar.set_edgecolor(style.colour(0))
    for i, row in enumerate(counts.itertuples(index=False)):
        ax.annotate(f"{row.count_2015:.0f}", (row.count_2015, i - height / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize="small")
        ax.annotate(f"{row.count_2016:.0f}", (row.count_2016, i + height / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(y, counts["label"])
    ax.invert_yaxis()
    ax.set_xlabel("Count per year")
    ax.set_xlim(0, 1.12 * counts[["count_2015", "count_2016"]].max().max())
    handles = [Patch(color=style.colour(i), label=str(year)) for i, year in enumerate((2015, 2016))]
    if (counts["measure"] == "police_overdoses").any():
        handles.append(Patch(facecolor="white", edgecolor=style.colour(0), hatch="///",
                             label="2015, implied by the article"))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
    return fig


def plot_lynn(daily: pd.DataFrame, article: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Lynn counts per day over their periods (segments), with the article's 'two a day' since
    2016 and the 2012 level its 'ten times more' implies, as reference lines."""
    needed = ["period_start", "period_end", "count_per_day", "measure"]
    require_columns(daily, needed, "plot_lynn (from per_day)")
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.0))
    shown = daily.dropna(subset=["count_per_day"])
    labels = {"overdoses": "Overdoses (police or city)",
              "heroin_overdoses": "Heroin overdoses (police or city)",
              "fatal_overdoses": "Fatal overdoses (police or city)"}
    for i, (measure, rows) in enumerate(shown.groupby("measure", sort=False)):
        colour = style.colour(i)
        ax.hlines(rows["count_per_day"], rows["period_start"], rows["period_end"], color=colour,
                  linewidth=3, label=labels.get(measure, measure))
        middle = rows["period_start"] + (rows["period_end"] - rows["period_start"]) / 2
        ax.scatter(middle, rows["count_per_day"], color=colour, s=18, zorder=3)
    claim = article.iloc[0]
    # The article's figures refer to 2016 onwards and to 2012: draw each over its own years only.
    since = pd.Timestamp(f"{ARTICLE_LYNN_SINCE}-01-01")
    end = max(shown["period_end"].max(), pd.Timestamp(f"{ARTICLE_LYNN_SINCE}-12-31"))
    label = f"Article: about {claim['calls_per_day']:g} calls a day since {ARTICLE_LYNN_SINCE}"
    ax.hlines(claim["calls_per_day"], since, end, color=style.PALETTE["black"], linestyle="--",
              linewidth=1.5, label=label)
    base_start, base_end = period_bounds(str(ARTICLE_LYNN_BASE))
    ax.hlines(claim["implied_calls_per_day_2012"], base_start, base_end,
              color=style.PALETTE["black"], linestyle=":", linewidth=2,
              label=f"{ARTICLE_LYNN_BASE} level implied by the article's "
                    f"'{claim['ratio_to_2012']:g} times more'")
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_ylabel("Count per day")
    ax.set_xlabel("Period covered")
    ax.set_ylim(0, 1.15 * max(claim["calls_per_day"], shown["count_per_day"].max()))
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.02), bbox_transform=fig.transFigure,
              ncol=1, fontsize="small")
    return fig


def plot_substance_shares(
    shares: pd.DataFrame, article_pct: float | None = None, ax: Axes | None = None,
    after: object | None = None,
) -> Figure:
    """Share of deaths with toxicology in which each substance was found, drawn over the period
    each figure covers; approximate figures ('nearly') hollow; undatable periods left out; from
    the date `after` on, a grey band marks the years after the article."""
    needed = ["period", "substance", "share_pct", "approximate"]
    require_columns(shares, needed, "plot_substance_shares")
    unknown = sorted(set(shares["substance"]) - set(SUBSTANCE_LABELS))
    if unknown:
        raise ValueError(f"unknown substance(s) {unknown}; known ones are {list(SUBSTANCE_LABELS)}")
    dated = with_periods(shares).dropna(subset=["period_start"])
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.0))
    for i, substance in enumerate(s for s in SUBSTANCE_LABELS if s in set(dated["substance"])):
        rows = dated[dated["substance"] == substance]
        colour = style.colour(i)
        ax.hlines(rows["share_pct"], rows["period_start"], rows["period_end"], color=colour,
                  linewidth=2.5, alpha=0.8)
        middle = rows["period_start"] + (rows["period_end"] - rows["period_start"]) / 2
        ax.scatter(middle, rows["share_pct"], s=36, zorder=3, color=colour,
                   facecolor=np.where(rows["approximate"], "white", colour),
                   label=SUBSTANCE_LABELS[substance])
    if article_pct is not None:
        ax.axhline(article_pct, color=style.PALETTE["black"], linestyle="--", linewidth=1,
                   label="Article: fentanyl share")
    if after is not None:
        style.shade_after_article(ax, pd.Timestamp(after))
    ax.set_ylim(0, 100)
    ax.set_ylabel("Share of deaths with toxicology (%)")
    ax.set_xlabel("Period covered by the figure")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.02), bbox_transform=fig.transFigure)
    return fig
