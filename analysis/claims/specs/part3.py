"""Specs for part III, towards the end of prohibition: drug-law arrests (C21), marijuana law and
the reform organisations (C22, C23), Boston's leadership (C24), civil commitment (C25) and the
'clean sweep' (C26)."""

from __future__ import annotations

import pandas as pd

from analysis.claims.evidence import (
    Evidence,
    Package,
    not_checkable,
    number,
    secondary,
    timeline_year,
    unique,
)
from analysis.claims.registry import register

LAST_FIELDWORK_YEAR = 2019

for claim_id, item in [("C31", "anti_drug_abuse_act_1986"), ("C31", "anti_drug_abuse_act_1988"),
                       ("C31", "violent_crime_control_act"), ("C31", "quality_housing_act"),
                       ("C22", "decriminalisation"), ("C22", "medical"),
                       ("C22", "recreational_vote"), ("C22", "shops_open"), ("C23", "leap"),
                       ("C23", "lead"), ("C23", "paari"), ("C24", "commissioner"),
                       ("C24", "district_attorney"), ("C26", "clean_sweep")]:
    register(claim_id, item)(timeline_year)

register("C21", "drug_law_arrests")(not_checkable(
    "the claim covers Massachusetts and the United States; the two halves are the next rows"))


@register("C21", "drug_law_arrests_us")
def us_arrests(package: Package, item: pd.Series) -> Evidence:
    """US drug-law arrests from their mid-2000s peak to the last year of the fieldwork."""
    table = package.table("fbi_drug_arrests")
    series = table[(table["offense"] == "total") & table["in_series"]].dropna(subset=["arrests"])
    mid = series[series["year"].between(2004, 2007)]
    peak = mid.loc[mid["arrests"].idxmax()]
    end = series[series["year"] == LAST_FIELDWORK_YEAR].iloc[0]
    change = (end["arrests"] - peak["arrests"]) / peak["arrests"]
    trough = series[series["year"].between(2011, LAST_FIELDWORK_YEAR)]
    low = trough.loc[trough["arrests"].idxmin()]
    late = (end["arrests"] - low["arrests"]) / low["arrests"]
    return Evidence(
        comparison="direction", article_value=-1.0, public_value=float(change),
        public_text=(f"{number(peak['arrests'])} ({peak['year']}) → {number(end['arrests'])} "
                     f"({end['year']}), {change:+.1%}"),
        sources=unique([peak["source_id"], end["source_id"]]),
        flags=secondary(peak, end),
        note="FBI estimates of US arrests for drug abuse violations, from the mid-2000s peak to "
        "the last year of the fieldwork; the fall is not steady: from the lowest year after 2010 "
        f"({low['year']}) to {end['year']} arrests rose {late:+.1%}",
    )


@register("C21", "drug_law_arrests_massachusetts")
def local_arrests(package: Package, item: pd.Series) -> Evidence:
    """No Massachusetts total of drug arrests is public; marijuana possession as context."""
    table = package.table("marijuana_arrests")
    rows = table[(table["geography"] == "Massachusetts") & (table["offense"] == "possession")]
    latest = rows.sort_values("year").iloc[-1]
    series = rows[rows["source_id"] == latest["source_id"]].sort_values("year")
    first, last = series.iloc[0], series.iloc[-1]
    return Evidence(note=(
        "no Massachusetts total of drug-law arrests was found; marijuana possession arrests alone "
        f"went from {number(first['arrests'])} ({first['year']}) to {number(last['arrests'])} "
        f"({last['year']}), across the 2009 decriminalisation"
    ))


@register("C25", "section35_trend")
def section35(package: Package, item: pd.Series) -> Evidence:
    """Section 35 petitions filed, first and last fiscal year of the Trial Court series."""
    totals = package.table("section35_filings")
    totals = totals[totals["category"] == "total"].sort_values("fiscal_year")
    first, last = totals.iloc[0], totals.iloc[-1]
    change = (last["filings"] - first["filings"]) / first["filings"]
    before = totals.iloc[-2]
    final = (last["filings"] - before["filings"]) / before["filings"]
    source = package.sources("section35_filings")[0]
    return Evidence(
        comparison="direction", article_value=1.0, public_value=float(change),
        public_text=(f"{number(first['filings'])} (FY{first['fiscal_year']}) → "
                     f"{number(last['filings'])} (FY{last['fiscal_year']}), {change:+.0%}"),
        sources=(source["id"],),
        flags=("secondary",) if source.get("secondary") else (),
        note="petitions filed in the District Court and the Boston Municipal Court, not people "
        "committed; the article does not name Section 35 (the identification is the book's); "
        f"FY{last['fiscal_year']} changed by {final:+.1%} on FY{before['fiscal_year']}",
    )
