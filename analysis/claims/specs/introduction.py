"""Specs for the introduction: Massachusetts and US overdose mortality in 2019 (C01)."""

from __future__ import annotations

import pandas as pd

from analysis.claims.evidence import Evidence, Package, from_candidates, releases, with_unit
from analysis.claims.registry import register


@register("C01", "ma_rate")
def ma_rate(package: Package, item: pd.Series) -> Evidence:
    """MDPH's headline opioid-related death rate for the year, every release."""
    table = package.table("mdph_opioid_rates")
    rows = table[(table["year"] == item["year"]) & (table["measure"] == "opioid_related")]
    return from_candidates(
        releases(rows, "rate_per_100k", ["year", "measure"]), "per_100k", int(item["year"]),
        note="MDPH opioid-related overdose death rate; MDPH does not say in these releases "
        "whether the rate is crude or age-adjusted",
    )


@register("C01", "ma_deaths")
def ma_deaths(package: Package, item: pd.Series) -> Evidence:
    """MDPH opioid-related deaths, confirmed and estimated, for the year, every release."""
    table = package.table("mdph_opioid_deaths")
    rows = table[(table["year"] == item["year"]) & (table["measure"] == "confirmed_and_estimated")]
    return from_candidates(
        releases(rows, "deaths", ["year", "measure"]), None, int(item["year"]),
        note="MDPH opioid-related overdose deaths, confirmed and estimated",
    )


@register("C01", "us_rate")
def us_rate(package: Package, item: pd.Series) -> Evidence:
    """The CDC's US rate, which counts all drug overdoses (MDPH's counts opioids only)."""
    table = package.table("cdc_overdose_rates_other")
    us = table[table["geography"] == "United States"]
    rows = us[(us["year"] == item["year"]) & (us["measure"] == "all_drug_overdose")]
    candidates = pd.DataFrame({
        "value": rows["rate_per_100k"],
        "year": rows["year"],
        "label": [f"{year}, all drug overdoses, {kind.replace('_', '-')}"
                  for year, kind in zip(rows["year"], rows["rate_type"], strict=True)],
        "source_id": rows["source_id"],
        "secondary": rows["secondary"],
    }).drop_duplicates(subset=["value", "year"])
    opioid = us[us["measure"] == "opioid_involved_overdose"].sort_values("year").iloc[-1]
    return from_candidates(
        candidates, "per_100k", int(item["year"]), same_measure=False,
        note=(
            "the article does not say what its '20' measures and no public figure of 20 was "
            "found; the CDC's figure counts all drug overdoses and is age-adjusted, while the "
            "Massachusetts rate beside it counts opioid-related deaths; the latest US "
            f"opioid-involved rate in the data is {with_unit(opioid['rate_per_100k'], 'per_100k')} "
            f"({opioid['year']})"
        ),
    )
