"""Specs for part I, from culprits to victims: rates by race (C04), police overdose counts (C05,
C06) and the case against Purdue (C08)."""

from __future__ import annotations

import pandas as pd

from analysis import overdoses, rates
from analysis.claims.evidence import (
    ARTICLE,
    Evidence,
    Package,
    Spec,
    claim_value,
    from_candidates,
    not_checkable,
    number,
    releases,
    secondary,
    unique,
    with_unit,
)
from analysis.claims.registry import register

RACE_NOTE = ("the article prints these rates per 100,000 with a '%' sign, and cites an MDPH "
             "release (June 2020) that was not found")


def race_rate(group: str) -> Spec:
    """C04: a rate by race, against a both-sexes figure or, failing one, the mean of the rates of
    men and women of one release (the book's approximation of a both-sexes rate)."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        table = package.table("ma_opioid_rates_by_race")
        same = table[(table["year"] == item["year"]) & (table["race_ethnicity"] == group)]
        direct = same[(same["sex"] == "both") & (same["source_id"] != ARTICLE)]
        if not direct.empty:
            return from_candidates(
                releases(direct, "rate_per_100k", ["year", "race_ethnicity", "sex"]),
                "per_100k", int(item["year"]), flags=("unit", "vintage"), note=RACE_NOTE,
            )
        bounds = rates.sex_bounds_check(same)
        row = bounds[bounds["both_source_id"] == ARTICLE].iloc[0]
        male, female = row["male_rate_per_100k"], row["female_rate_per_100k"]
        mean = (male + female) / 2
        source = same[(same["vintage"] == row["male_female_vintage"])
                      & (same["sex"] == "male")].iloc[0]
        return Evidence(
            public_value=float(mean),
            public_text=(
                f"{with_unit(mean, 'per_100k')}, the mean of the rates of men "
                f"({number(male)}) and women ({number(female)}) ({int(item['year'])}, release of "
                f"{row['male_female_vintage']}); no both-sexes figure was found"
            ),
            sources=(source["source_id"],),
            flags=unique(["unit", "computed", "vintage", *secondary(source)]),
            note=f"{RACE_NOTE}; a both-sexes rate is the population-weighted mean of the two, and "
            "equal weights stand in for the population shares, which are not in the data",
        )

    return spec


register("C04", "white")(race_rate("white_non_hispanic"))
register("C04", "hispanic")(race_rate("hispanic"))
register("C04", "black")(race_rate("black_non_hispanic"))


@register("C05", "overdoses", "fatal", "increase_on_2015")
def cambridge_2016(package: Package, item: pd.Series) -> Evidence:
    """No police count is public; the DPH and MDPH counts that measure other things."""
    responses = package.table("overdose_responses")
    emergencies = responses[(responses["place"] == "cambridge")
                            & (responses["measure"] == "opioid_medical_emergencies")]
    by_year = dict(zip(emergencies["year"], emergencies["count"], strict=True))
    deaths = package.table("city_opioid_deaths")
    town = deaths[(deaths["place"] == "cambridge") & (deaths["year"] == 2016)]
    basis = dict(zip(town["basis"], town["deaths"], strict=True))
    return Evidence(note=(
        "no public count of Cambridge police overdose responses was found; other measures: DPH "
        f"opioid medical emergencies {number(by_year[2015])} (2015) and {number(by_year[2016])} "
        f"(2016); MDPH 2016 opioid deaths of Cambridge residents {basis['residence']}, deaths in "
        f"Cambridge {basis['occurrence']}"
    ))


def lynn_overdoses(package: Package) -> pd.DataFrame:
    """Lynn's opioid overdose counts (fatal or not) published by the city and police."""
    responses = package.table("overdose_responses")
    return responses[(responses["place"] == "lynn") & (responses["measure"] == "overdoses")]


@register("C06", "calls_per_day")
def lynn_calls(package: Package, item: pd.Series) -> Evidence:
    """No count of Lynn police calls is public; the city's overdose counts a day as context."""
    daily = overdoses.per_day(lynn_overdoses(package))
    shown = "; ".join(f"{row.count_per_day:.2f} a day ({row.period})" for row in daily.itertuples())
    return Evidence(note="no public count of Lynn police overdose calls after 2016; opioid "
                    f"overdoses counted in the city: {shown}")


@register("C06", "ratio_to_2012")
def lynn_ratio(package: Package, item: pd.Series) -> Evidence:
    """The article's calls a day against the city's published 2012 overdose count."""
    per_day = claim_value(package, "C06", "calls_per_day")
    base = lynn_overdoses(package)
    base = base[base["year"] == 2012].iloc[0]
    ratio = per_day * overdoses.DAYS_PER_YEAR / float(base["count"])
    return Evidence(
        public_value=ratio,
        public_text=(f"{number(per_day)} a day × {overdoses.DAYS_PER_YEAR} days ÷ "
                     f"{number(base['count'])} opioid overdoses in 2012 = {ratio:.1f}"),
        sources=(base["source_id"],),
        same_measure=False,
        flags=unique(["article", "measure", *secondary(base)]),
        note="the numerator is the article's own approximate figure, and the city's 2012 figure "
        "counts overdoses, not police calls",
    )


register("C08", "deaths_attributed")(not_checkable(
    "the Attorney General's complaint is not in the data package; the policy timeline records "
    "the case only from the article"
))
