"""City comparisons: police budget and staff per resident, ratios between cities, need vs means."""

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis import style
from analysis.checks import require_columns

INDICATORS = {
    "budget_per_resident_usd": "Police budget per resident (US$)",
    "officers_per_10k": "Officers per 10,000 residents",
    "budget_per_officer_usd": "Police budget per officer (US$)",
}
NO_FIGURE = "no public figure found"
# Indicator names of the article_city_figures and city_profiles datasets -> our column names.
ARTICLE_COLUMNS = {
    "population": "population",
    "median_household_income": "median_household_income_usd",
    "police_budget": "police_budget_usd",
    "police_officers": "officers",
}
PROFILE_COLUMNS = {
    "population": "population",
    "police_budget": "police_budget_usd",
    "police_sworn_officers": "officers",
}


def _check_positive(table: pd.DataFrame, columns: list[str], key: str = "city") -> None:
    """Raise a ValueError naming the row and column of any zero or negative value."""
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table.loc[values.notna() & (values <= 0), key].tolist()
        if bad:
            raise ValueError(f"{column} must be positive; check {key} {bad}")


def city_name(place: str) -> str:
    """Display name of a place key such as 'cambridge'."""
    return place.replace("_", " ").title()


def with_city(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with a display `city` column made from the dataset's `place` keys."""
    require_columns(table, ["place"])
    return table.assign(city=table["place"].map(city_name))


def population_options(
    profiles: pd.DataFrame, places: list[str], since_year: int
) -> pd.DataFrame:
    """Every distinct population figure for the places, dated since_year or later, by kind."""
    require_columns(profiles, ["place", "indicator", "value", "year", "basis"])
    rows = profiles[
        (profiles["indicator"] == "population")
        & profiles["place"].isin(places)
        & (profiles["year"] >= since_year)
    ]
    kind = np.select(
        [rows["basis"].str.startswith("Census 2"), rows["basis"].str.startswith("ACS")],
        ["Census count", "ACS 5-year estimate"],
        default="Census yearly estimate",
    )
    table = pd.DataFrame(
        {
            "city": rows["place"].map(city_name),
            "population": rows["value"].astype(float),
            "population_year": rows["year"].astype(int),
            "population_basis": kind,
            "source_id": rows["source_id"],
        }
    )
    return table.drop_duplicates(["city", "population", "population_year"]).reset_index(drop=True)


def wide_table(figures: pd.DataFrame, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per city from a long table of place, indicator, value (indicators renamed)."""
    require_columns(figures, ["place", "indicator", "value"])
    names = columns or ARTICLE_COLUMNS
    kept = figures[figures["indicator"].isin(names)]
    repeated = kept[kept.duplicated(["place", "indicator"], keep=False)]
    if not repeated.empty:
        raise ValueError(
            "more than one value for "
            f"{sorted(set(zip(repeated['place'], repeated['indicator'], strict=True)))}"
        )
    table = kept.pivot(index="place", columns="indicator", values="value").rename(columns=names)
    table = table.reindex(columns=list(names.values()))
    table.columns.name = None
    table = table.reset_index().rename(columns={"place": "city"})
    table["city"] = table["city"].map(city_name)
    return table


def nearest(
    profiles: pd.DataFrame, indicator: str, target_year: int, places: list[str]
) -> pd.DataFrame:
    """Each place's value of an indicator dated nearest target_year (undated only if nothing else).

    Ties go to a primary source over a secondary copy, then to the later year. A place with no
    value at all keeps a row with empty value, so the gap stays visible.
    """
    require_columns(
        profiles, ["place", "indicator", "value", "year", "period", "source_id", "secondary"]
    )
    known = sorted(set(profiles["indicator"]))
    if indicator not in known:
        raise ValueError(f"unknown indicator {indicator!r}; valid: {known}")
    rows = []
    for place in places:
        candidates = profiles[(profiles["place"] == place) & (profiles["indicator"] == indicator)]
        if candidates.empty:
            rows.append({"city": city_name(place), "value": np.nan, "year": pd.NA,
                         "period": None, "source_id": None, "dated": False})
            continue
        dated = candidates[candidates["year"].notna()]
        pool = dated if not dated.empty else candidates
        distance = (pool["year"].astype(float) - target_year).abs().fillna(0)
        ranked = pool.assign(
            _distance=distance,
            _secondary=pool["secondary"].astype(bool),
            _later=-pool["year"].astype(float).fillna(0),
        ).sort_values(["_distance", "_secondary", "_later"], kind="stable")
        best = ranked.iloc[0]
        rows.append({"city": city_name(place), "value": float(best["value"]),
                     "year": best["year"], "period": best["period"],
                     "source_id": best["source_id"], "dated": not dated.empty})
    table = pd.DataFrame(rows)
    table["year"] = table["year"].astype("Int64")
    table.insert(1, "indicator", indicator)
    return table


def nearest_table(
    profiles: pd.DataFrame, places: list[str], target_year: int,
    columns: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per city: each indicator's value nearest target_year, with its year and source."""
    names = columns or PROFILE_COLUMNS
    table = pd.DataFrame({"city": [city_name(p) for p in places]})
    for indicator, column in names.items():
        picked = nearest(profiles, indicator, target_year, places).set_index("city")
        table[column] = table["city"].map(picked["value"])
        table[f"{column}_year"] = table["city"].map(picked["year"]).astype("Int64")
        table[f"{column}_period"] = table["city"].map(picked["period"])
        table[f"{column}_source"] = table["city"].map(picked["source_id"])
    return table


def indicators(cities: pd.DataFrame) -> pd.DataFrame:
    """Add budget per resident, officers per 10,000 residents and budget per officer (NaN gaps)."""
    require_columns(cities, ["city", "population", "police_budget_usd", "officers"])
    _check_positive(cities, ["population", "police_budget_usd", "officers"])
    table = cities.copy()
    population = table["population"].astype(float)
    budget = table["police_budget_usd"].astype(float)
    officers = table["officers"].astype(float)
    table["budget_per_resident_usd"] = budget / population
    table["officers_per_10k"] = officers / population * 10_000
    table["budget_per_officer_usd"] = budget / officers
    return table


def ratio(
    table: pd.DataFrame, numerator: str, denominator: str, columns: list[str]
) -> pd.DataFrame:
    """The numerator city's value divided by the denominator city's, for each listed column."""
    require_columns(table, ["city", *columns])
    rows = {}
    for city in (numerator, denominator):
        match = table[table["city"] == city]
        if len(match) != 1:
            raise ValueError(
                f"city {city!r} must appear exactly once; the table has {sorted(table['city'])}"
            )
        rows[city] = match.iloc[0]
    return pd.DataFrame(
        {
            "quantity": columns,
            f"{numerator.lower()}": [float(rows[numerator][c]) for c in columns],
            f"{denominator.lower()}": [float(rows[denominator][c]) for c in columns],
            "ratio": [float(rows[numerator][c]) / float(rows[denominator][c]) for c in columns],
        }
    )


def per_resident(
    budgets: pd.DataFrame, populations: pd.DataFrame, value: str = "police_budget_usd"
) -> pd.DataFrame:
    """Divide each city's value by every population figure found for it (one row per pair)."""
    require_columns(budgets, ["city", value])
    require_columns(populations, ["city", "population", "population_basis"])
    _check_positive(populations, ["population"])
    merged = budgets[["city", value]].merge(populations, on="city", how="inner")
    merged[f"{value.removesuffix('_usd')}_per_resident_usd"] = (
        merged[value].astype(float) / merged["population"].astype(float)
    )
    return merged


def sensitivity_range(per_resident_table: pd.DataFrame, column: str) -> pd.DataFrame:
    """For each city, the lowest and highest per-resident value and the spread in per cent."""
    require_columns(per_resident_table, ["city", column])
    grouped = per_resident_table.groupby("city", sort=False)[column]
    table = pd.DataFrame({"low": grouped.min(), "high": grouped.max()}).reset_index()
    table["spread_pct"] = (table["high"] / table["low"] - 1) * 100
    return table


def same_year_ratio(
    per_resident_table: pd.DataFrame, numerator: str, denominator: str, column: str
) -> pd.DataFrame:
    """Ratio of two cities' per-resident values, pairing populations of the same year and kind."""
    require_columns(per_resident_table, ["city", "population_year", "population_basis", column])
    keys = ["population_year", "population_basis"]
    top = per_resident_table[per_resident_table["city"] == numerator][[*keys, column]]
    bottom = per_resident_table[per_resident_table["city"] == denominator][[*keys, column]]
    paired = top.merge(bottom, on=keys, suffixes=("_numerator", "_denominator"))
    paired["ratio"] = paired[f"{column}_numerator"] / paired[f"{column}_denominator"]
    return paired.sort_values(keys).reset_index(drop=True)


def death_rate(
    deaths: pd.DataFrame, populations: pd.DataFrame, first_year: int, last_year: int
) -> pd.DataFrame:
    """Average annual deaths per 100,000 residents over a span of years, per city."""
    require_columns(deaths, ["city", "year", "deaths"])
    require_columns(populations, ["city", "population"])
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    wanted = set(range(first_year, last_year + 1))
    span = deaths[deaths["year"].between(first_year, last_year)]
    negative = span[span["deaths"] < 0]
    if not negative.empty:
        raise ValueError(f"negative deaths for {negative[['city', 'year']].values.tolist()}")
    rows = []
    for city, group in span.groupby("city", sort=False):
        missing = sorted(wanted - set(group["year"].astype(int)))
        if missing:
            raise ValueError(f"{city}: no deaths figure for {missing}; a gap is not filled in")
        rows.append({"city": city, "deaths": int(group["deaths"].sum())})
    totals = pd.DataFrame(rows, columns=["city", "deaths"])
    pops = populations[["city", "population"]]
    _check_positive(pops, ["population"])
    absent = sorted(set(totals["city"]) - set(pops["city"]))
    if absent:
        raise ValueError(f"no population for {absent}; populations cover {sorted(pops['city'])}")
    table = totals.merge(pops, on="city")
    table["years"] = last_year - first_year + 1
    table["rate_per_100k"] = table["deaths"] / (table["population"] * table["years"]) * 100_000
    return table


INDICATOR_TITLES = {
    "budget_per_resident_usd": "Budget per resident\n(US\\$)",
    "officers_per_10k": "Officers per\n10,000 residents",
    "budget_per_officer_usd": "Budget per officer\n(US\\$)",
}


def _compact(value: float) -> str:
    """A number for a bar label: thousands as 'k' above 10,000, one decimal below 100."""
    if value >= 10_000:
        return f"{value / 1000:,.0f}k"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _tick(value: float, _position: int) -> str:
    """Axis tick label: thousands as 'k' from 10,000, otherwise the plain number."""
    return f"{value / 1000:,.0f}k" if value >= 10_000 else f"{value:,.0f}"


def plot_indicator_panels(
    table: pd.DataFrame,
    columns: list[str],
    label_column: str = "city",
    notes: dict[str, str] | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """One horizontal bar panel per indicator, one above the other (side by side they leave a
    phone no room); a missing value is an annotated empty slot.

    `notes` maps an indicator to a column of short texts (e.g. the years of the inputs) printed
    under each value.
    """
    notes = notes or {}
    require_columns(table, [label_column, *columns, *notes.values()])
    if axes is None:
        fig, axes = plt.subplots(len(columns), 1, sharey=True, squeeze=False,
                                 figsize=(style.FIGURE_WIDTH,
                                          len(columns) * (0.6 * len(table) + 0.9)))
        axes = axes[:, 0]
    else:
        fig = axes[0].figure
    positions = np.arange(len(table))[::-1]
    for ax, column in zip(axes, columns, strict=True):
        values = table[column].astype(float)
        top = np.nanmax(values.to_numpy()) if values.notna().any() else 1.0
        for i, (y, value) in enumerate(zip(positions, values, strict=True)):
            if np.isnan(value):
                ax.barh(y, top, color="none", edgecolor="#9a9a9a", hatch="///", linewidth=0.6)
                ax.text(top * 0.04, y, "no public\nfigure found", va="center",
                        fontsize=style.SMALL_FONT, color="#333333",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
                continue
            ax.barh(y, value, color=style.colour(i))
            text = f" {_compact(value)}"
            if column in notes and isinstance(table[notes[column]].iloc[i], str):
                text += f"\n {table[notes[column]].iloc[i]}"
            ax.text(value, y, text, va="center", fontsize=style.SMALL_FONT)
        ax.set_title(INDICATOR_TITLES.get(column, column), fontsize=style.SMALL_FONT)
        ax.set_xlim(0, top * 1.7)
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
        ax.tick_params(axis="x", labelsize=style.SMALL_FONT)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(positions, table[label_column])
    fig.tight_layout()
    return fig


def plot_sensitivity(
    table: pd.DataFrame, column: str, article: pd.DataFrame | None = None, ax: Axes | None = None
) -> Figure:
    """Per-resident value against the year of the population figure used, one colour per city.

    Marker shapes tell the kind of population figure (population_basis); `article`, when given
    (city and the same column), adds the value obtained with the article's population as a dashed
    line.
    """
    require_columns(table, ["city", "population_year", "population_basis", column])
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.2))
    cities = list(dict.fromkeys(table["city"]))
    bases = list(dict.fromkeys(table["population_basis"]))
    markers = dict(zip(bases, ["o", "s", "D", "^", "v", "P"], strict=False))
    for i, city in enumerate(cities):
        rows = table[table["city"] == city]
        for basis, group in rows.groupby("population_basis", sort=False):
            ax.scatter(group["population_year"], group[column], marker=markers[basis], s=50,
                       color=style.colour(i), zorder=3)
        if article is not None:
            require_columns(article, ["city", column])
            level = article.loc[article["city"] == city, column]
            if not level.empty:
                ax.axhline(float(level.iloc[0]), color=style.colour(i), linestyle="--",
                           linewidth=1.2)
                ax.annotate(f"{city}, with the article's population", (1, float(level.iloc[0])),
                            xycoords=("axes fraction", "data"), xytext=(-4, 4),
                            textcoords="offset points", ha="right", fontsize=style.SMALL_FONT,
                            color=style.colour(i))
    city_handles = [Patch(color=style.colour(i), label=c) for i, c in enumerate(cities)]
    basis_handles = [
        plt.Line2D([], [], marker=markers[b], linestyle="", color="#555555", label=b)
        for b in bases
    ]
    ax.legend(handles=city_handles + basis_handles, loc="upper left", bbox_to_anchor=(0.0, -0.18),
              ncol=2)
    ax.set_xlabel("Year of the population figure")
    ax.set_ylabel("Police budget per resident (US$)")
    years = table["population_year"].astype(int)
    ax.set_xticks(range(years.min(), years.max() + 1))
    return fig


def plot_need_vs_means(
    table: pd.DataFrame,
    need: str = "rate_per_100k",
    means: str = "budget_per_resident_usd",
    ax: Axes | None = None,
) -> Figure:
    """Each city's opioid death rate against its police budget per resident.

    Rows whose `kind` is "article" are drawn hollow (the article's figures); a city with no
    budget figure at all is a dotted line at its death rate, labelled as a gap.
    """
    require_columns(table, ["city", "kind", need, means])
    fig, ax = style.figure_axes(ax, figsize=(style.FIGURE_WIDTH, 4.2))
    cities = list(dict.fromkeys(table["city"]))
    for i, city in enumerate(cities):
        rows = table[table["city"] == city]
        placed = rows[rows[means].notna()]
        for _, row in placed.iterrows():
            hollow = row["kind"] == "article"
            ax.scatter(row[means], row[need], s=80, zorder=3, linewidth=1.8,
                       facecolor="white" if hollow else style.colour(i),
                       edgecolor=style.colour(i))
            label = f"{city} (article's budget)" if hollow else city
            ax.annotate(label, (row[means], row[need]), xytext=(8, 6) if hollow else (8, -12),
                        textcoords="offset points", fontsize=style.SMALL_FONT)
        if placed.empty:
            level = float(rows[need].iloc[0])
            ax.axhline(level, color=style.colour(i), linestyle=":", linewidth=1.4)
            ax.annotate(f"{city}: {NO_FIGURE} for the police budget", (0.01, level),
                        xycoords=("axes fraction", "data"), xytext=(0, 4),
                        textcoords="offset points", fontsize=style.SMALL_FONT, color="#333333")
    ax.set_xlabel("Police budget per resident (US$)")
    ax.set_ylabel("Opioid deaths per 100,000\nresidents a year")
    ax.set_xlim(0, float(table[means].max()) * 1.3)
    ax.set_ylim(0, float(table[need].max()) * 1.2)
    return fig
