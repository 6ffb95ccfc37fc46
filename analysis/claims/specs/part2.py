"""Specs for part II, the officer re-cast as Samaritan: fentanyl and naloxone (C09-C12), the
programmes' start (C13), Boston (C14) and the Cambridge-Lynn comparison (C17-C20)."""

from __future__ import annotations

import pandas as pd

from analysis.claims.evidence import (
    ARTICLE,
    Evidence,
    Package,
    Spec,
    city,
    claim_value,
    from_candidates,
    number,
    secondary,
    timeline_year,
    unique,
    with_unit,
)
from analysis.claims.registry import register

FIELDWORK_YEAR = 2019  # last year of the fieldwork (September 2018 - June 2019)
FIELDWORK_START, FIELDWORK_END = "2018-09-01", "2019-06-30"
DAYS_PER_YEAR = 365.25
BUDGET_YEAR = 2017  # the year of the Cambridge budget the article quotes
SOURCE_YEAR = 2018  # the year of the police reports the article cites for Cambridge and Lynn
CITIES = ("Boston", "Cambridge", "Lynn", "Gloucester")

for claim_id, item in [("C09", "scheduled_year"), ("C32", "mayor_elected"),
                       ("C10", "good_samaritan_year"),
                       ("C11", "fda_approval_year"), ("C11", "ma_legal_access_year"),
                       ("C14", "deputy_superintendent_year"), ("C14", "recovery_services_year"),
                       ("C20", "clinician_year")]:
    register(claim_id, item)(timeline_year)


@register("C09", "fentanyl_share")
def fentanyl(package: Package, item: pd.Series) -> Evidence:
    """The share of opioid deaths with toxicology in which fentanyl was found."""
    rows = package.table("fentanyl_share")
    rows = rows[rows["substance"] == "fentanyl"]
    candidates = pd.DataFrame({
        "value": rows["share_pct"],
        "year": rows["year"],
        "label": [f"{period}, release of {vintage}" if isinstance(vintage, str) else period
                  for period, vintage in zip(rows["period"], rows["vintage"], strict=True)],
        "source_id": rows["source_id"],
        "secondary": rows["secondary"],
        "vintage": rows["vintage"],
    })
    return from_candidates(
        candidates, "percent", None,
        note="the article gives no year, so the figure is the release nearest the article's "
        f"access date; the MDPH figures from {int(rows['year'].min())} to "
        f"{int(rows['year'].max())} never exceed {with_unit(rows['share_pct'].max(), 'percent')}",
    )


@register("C12", "price_2007")
def naloxone_2007(package: Package, item: pd.Series) -> Evidence:
    """The price Massachusetts paid for naloxone around 2007."""
    table = package.table("naloxone_prices")
    rows = table[table["place"].str.startswith("Massachusetts") & (table["statistic"] == "price")]
    candidates = pd.DataFrame({
        "value": rows["price_usd"],
        "year": rows["year"],
        "label": [f"{period}, {kind}" for period, kind in zip(rows["period"], rows["package"],
                                                              strict=True)],
        "source_id": rows["source_id"],
        "secondary": rows["secondary"],
        "approximate": rows["year_approximate"],
    })
    return from_candidates(candidates, "usd", int(item["year"]),
                           note="the article does not say what quantity its price buys")


@register("C12", "price_2019")
def naloxone_2019(package: Package, item: pd.Series) -> Evidence:
    """No 2019 price is public; the latest prices in the data as context."""
    table = package.table("naloxone_prices").dropna(subset=["year"])
    latest = table[table["statistic"] == "price"].sort_values("year").groupby("place").tail(1)
    recent = latest[latest["year"] >= latest["year"].max() - 2]
    shown = "; ".join(
        f"{with_unit(row.price_usd, 'usd')} {row.package}, {row.place} ({row.period})"
        for row in recent.sort_values("year", ascending=False).itertuples()
    )
    return Evidence(note=f"no 2019 price was found; the latest prices in the data: {shown}")


@register("C13", "start_year_earliest", "start_year_latest")
def programme_start(package: Package, item: pd.Series) -> Evidence:
    """The earliest (latest) start among the four cities' programmes that a document other than the
    article dates: one dated before the article's earliest (after its latest) contradicts it; one
    equal to it confirms it; later (earlier) ones leave the article's date unchecked."""
    timeline = package.table("policy_timeline")
    rows = timeline[(timeline["category"] == "programme") & (timeline["source_id"] != ARTICLE)
                    & timeline["jurisdiction"].isin(CITIES)].sort_values("year", kind="stable")
    earliest = item["item"].endswith("earliest")
    if rows.empty:
        return Evidence(comparison="date",
                        note="the policy timeline dates the programmes only from the article")
    row = rows.iloc[0] if earliest else rows.iloc[-1]
    text = f"{row['jurisdiction']} programme, started {row['date']}"
    inside = row["year"] > item["value"] if earliest else row["year"] < item["value"]
    if inside:
        return Evidence(comparison="date", note=f"the only independently dated start ({text}) "
                        "falls inside the article's range, so it cannot test its end")
    return Evidence(comparison="date", public_value=float(row["year"]), public_text=text,
                    sources=(row["source_id"],),
                    note="the " + ("earliest" if earliest else "latest") + " start of the four "
                    "cities' programmes that a document other than the article dates")


@register("C14", "boston_officers")
def boston_officers(package: Package, item: pd.Series) -> Evidence:
    """Boston's sworn officers, against the article's 'more than 2,000'."""
    return from_candidates(
        city(package, "boston", "police_sworn_officers"), None, FIELDWORK_YEAR,
        comparison="more_than", note="sworn officers; no count for the fieldwork years was found",
    )


def city_figure(place: str, indicator: str, year: int, note: str = "",
                same_measure: bool = True, context: str | None = None) -> Spec:
    """C17/C18: a city figure from city_profiles, the one nearest `year` (context listed)."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        unit = "usd" if str(item["unit"]).startswith("usd") else None
        text = note
        if context is not None:
            shown = "; ".join(f"{number(row.value)} ({row.label})"
                              for row in city(package, place, context).itertuples())
            text = f"{note}; {context.replace('_', ' ')}: {shown}"
        return from_candidates(city(package, place, indicator), unit, year,
                               same_measure=same_measure, note=text)

    return spec


def population(place: str, other: str) -> Spec:
    """C17/C18: population in the budget year; flags a pair taken from different years (the year
    each printed figure most resembles is found by value, for that flag and note only)."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        article = package.table("article_city_figures")
        nearest = {}
        for town in (place, other):
            value = float(article[(article["place"] == town)
                                  & (article["indicator"] == "population")]["value"].iloc[0])
            candidates = city(package, town, "population")
            nearest[town] = (value, candidates.loc[(candidates["value"] - value).abs().idxmin()])
        (own_value, own), (other_value, theirs) = nearest[place], nearest[other]
        return from_candidates(
            city(package, place, "population"), None, BUDGET_YEAR,
            flags=("years",) if own["year"] != theirs["year"] else (),
            note=(f"the article's {number(own_value)} is nearest {number(own['value'])} "
                  f"({own['label']}); its {number(other_value)} for {other.title()} is nearest "
                  f"{number(theirs['value'])} ({theirs['label']})"),
        )

    return spec


register("C17", "population")(population("cambridge", "lynn"))
register("C17", "median_household_income")(city_figure(
    "cambridge", "median_household_income", BUDGET_YEAR,
    note="no American Community Survey release in the data gives the article's figure"))
register("C17", "police_budget")(city_figure("cambridge", "police_budget", BUDGET_YEAR))
register("C17", "police_officers")(city_figure(
    "cambridge", "police_employees", BUDGET_YEAR, same_measure=False,
    note="the public count is the whole staff, sworn and civilian",
    context="police_sworn_officers"))
register("C18", "population")(population("lynn", "cambridge"))
register("C18", "median_household_income")(city_figure(
    "lynn", "median_household_income", BUDGET_YEAR,
    note="the release nearest the budget year is chosen; the article's figure is close to the "
    "older 2006-2010 release, so its two incomes may come from different releases"))


@register("C18", "police_budget")
def lynn_budget(package: Package, item: pd.Series) -> Evidence:
    """No Lynn police budget in dollars was found; the city's public-safety share as context."""
    lynn = package.table("city_profiles")
    lynn = lynn[lynn["place"] == "lynn"]
    share = lynn[lynn["indicator"] == "public_safety_budget_share"].iloc[0]
    total = lynn[(lynn["indicator"] == "city_budget") & (lynn["source_id"] == share["source_id"])]
    total = total.iloc[0]
    return Evidence(note=(
        "no Lynn police budget in dollars for 2017 or 2018 was found; public safety, police and "
        f"fire together, was {number(share['value'])}% of the city's US${number(total['value'])} "
        f"budget for {share['period']}"))
register("C18", "police_officers")(city_figure(
    "lynn", "police_sworn_officers", SOURCE_YEAR,
    note="sworn officers; planned strengths are left out"))


@register("C18", "officers_falling")
def lynn_falling(package: Package, item: pd.Series) -> Evidence:
    """Lynn's sworn strength just before and just after the article's 2018 source."""
    counts = city(package, "lynn", "police_sworn_officers").dropna(subset=["year"])
    before = counts[counts["year"] < SOURCE_YEAR].sort_values("year").iloc[-1]
    after = counts[counts["year"] > SOURCE_YEAR].sort_values("year").iloc[0]
    change = (after["value"] - before["value"]) / before["value"]
    return Evidence(
        comparison="direction", article_value=-1.0, public_value=float(change),
        public_text=(f"{number(before['value'])} ({before['label']}) → "
                     f"{number(after['value'])} ({after['label']}), {change:+.1%}"),
        sources=unique([before["source_id"], after["source_id"]]),
        flags=secondary(before, after),
        note="sworn officers, the last count before 2018 and the first after; plans left out",
    )


@register("C19", "budget_ratio")
def budget_ratio(package: Package, item: pd.Series) -> Evidence:
    """Lynn's police budget over Cambridge's, from the article's own figures."""
    lynn = claim_value(package, "C18", "police_budget")
    cambridge = claim_value(package, "C17", "police_budget")
    return Evidence(
        public_value=lynn / cambridge,
        public_text=(f"US${number(lynn / 1e6)} million ÷ US${number(cambridge / 1e6)} million "
                     f"= {lynn / cambridge:.2f}"),
        sources=(ARTICLE,), flags=("article",),
        note="no public Lynn police budget in dollars was found, so only the article's own "
        "figures can be divided",
    )


@register("C19", "staff_ratio")
def staff_ratio(package: Package, item: pd.Series) -> Evidence:
    """Lynn's sworn officers over Cambridge's, in the latest year both are public."""
    lynn = city(package, "lynn", "police_sworn_officers").dropna(subset=["year"])
    cambridge = city(package, "cambridge", "police_sworn_officers").dropna(subset=["year"])
    pair = lynn.merge(cambridge, on="year", suffixes=("_lynn", "_cambridge"))
    pair = pair.sort_values("year").iloc[-1]
    ratio = pair["value_lynn"] / pair["value_cambridge"]
    own_lynn = claim_value(package, "C18", "police_officers")
    own_cambridge = claim_value(package, "C17", "police_officers")
    flags = ("period", "secondary") if pair["secondary_lynn"] or pair["secondary_cambridge"] \
        else ("period",)
    return Evidence(
        public_value=float(ratio),
        public_text=(f"{number(pair['value_lynn'])} ÷ {number(pair['value_cambridge'])} sworn "
                     f"officers ({pair['year']}) = {ratio:.2f}"),
        sources=unique([pair["source_id_lynn"], pair["source_id_cambridge"]]),
        same_period=False, flags=flags,
        note=(f"the article's 'half the resources' is illustrated mainly by the budgets; this row "
              f"tests it on staff, the latest year with both cities' sworn counts; the article's "
              f"own {number(own_lynn)} ÷ {number(own_cambridge)} = {own_lynn / own_cambridge:.2f} "
              "sets Lynn's sworn officers against Cambridge's whole staff"),
    )


@register("C15", "marijuana_yes", "biden_share")
def cambridge_vote(package: Package, item: pd.Series) -> Evidence:
    """Cambridge's vote share for the choice the article names, in the election it names."""
    contest, choice, year = {"marijuana_yes": ("ballot_question_4", "yes", 2016),
                             "biden_share": ("president", "biden", 2020)}[item["item"]]
    table = package.table("election_results")
    rows = table[(table["place"] == "cambridge") & (table["contest"] == contest)
                 & (table["choice"] == choice) & (table["measure"] == "vote_share")]
    candidates = pd.DataFrame({
        "value": rows["value"], "year": rows["year"], "source_id": rows["source_id"],
        "label": [f"{year}, reported {vintage}" for year, vintage in zip(rows["year"],
                                                                          rows["vintage"],
                                                                          strict=True)],
        "secondary": rows["secondary"], "vintage": rows["vintage"]})
    return from_candidates(candidates, "percent", year,
                           comparison="more_than" if choice == "biden" else "value",
                           note="unofficial results reported in the press; the official "
                           "returns were not read")


@register("C16", "treatment_cost")
def treatment_cost(package: Package, item: pd.Series) -> Evidence:
    """No average monthly cost of residential treatment was found; what was, as context."""
    costs = package.table("treatment_costs")
    day = costs[costs["unit"] == "usd_per_day"].iloc[0]
    ranges = costs[costs["statistic"] == "range"]
    shown = "; ".join(f"US${number(row.low_usd)} to US${number(row.high_usd)} "
                      f"({row.unit.replace('usd_per_', 'per ').replace('_', ' ')}, {row.basis})"
                      for row in ranges.itertuples())
    return Evidence(note=(
        "no authoritative average monthly cost for 2018-2019 was found; providers quote ranges "
        f"too wide to test a figure ({shown}), and a {day['year']} national study gives "
        f"US${number(day['low_usd'])} a day for non-hospital residential treatment"))


@register("C29", "gloucester_programme_years")
def gloucester_age(package: Package, item: pd.Series) -> Evidence:
    """The Gloucester programme's age when the fieldwork began (it ran for nine months more)."""
    timeline = package.table("policy_timeline")
    start = timeline[(timeline["jurisdiction"] == "Gloucester")
                     & (timeline["category"] == "programme")
                     & (timeline["source_id"] != ARTICLE)].iloc[0]
    began, ended = pd.Timestamp(FIELDWORK_START), pd.Timestamp(FIELDWORK_END)
    opened = pd.Timestamp(start["date"])
    age = (began - opened).days / DAYS_PER_YEAR
    return Evidence(
        public_value=round(age, 2),
        public_text=f"{age:.2f} years from {start['date']} to the start of the fieldwork",
        sources=(start["source_id"],), same_period=False, flags=("period",),
        note=f"the article does not say when in the fieldwork; at its end the programme was "
        f"{(ended - opened).days / DAYS_PER_YEAR:.2f} years old")

