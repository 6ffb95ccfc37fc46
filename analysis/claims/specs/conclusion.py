"""Specs for the conclusion: overdose deaths in the pandemic year (C27)."""

from __future__ import annotations

import pandas as pd

from analysis.claims.evidence import Evidence, Package, not_checkable, number, secondary
from analysis.claims.registry import register


@register("C27", "deaths_rising_2020")
def pandemic_deaths(package: Package, item: pd.Series) -> Evidence:
    """Deaths in the pandemic year against the year before, within one MDPH release."""
    table = package.table("mdph_opioid_deaths")
    totals = table[table["measure"] == "confirmed_and_estimated"].dropna(subset=["vintage"])
    year = int(item["year"])
    both = totals.groupby("vintage").filter(lambda g: {year - 1, year} <= set(g["year"]))
    release = both[both["vintage"] == both["vintage"].max()].set_index("year")
    before, during = release.loc[year - 1], release.loc[year]
    change = (during["deaths"] - before["deaths"]) / before["deaths"]
    note = f"Massachusetts, MDPH release of {during['vintage']}"
    earlier = release[release.index < year - 1]
    if not earlier.empty and earlier["deaths"].max() > before["deaths"]:
        peak_year = int(earlier["deaths"].idxmax())
        note += (f"; the same release counts {number(earlier['deaths'].max())} deaths in "
                 f"{peak_year}, so {year} reversed a fall rather than continuing a rise")
    return Evidence(
        comparison="direction", article_value=1.0, public_value=float(change),
        public_text=(f"{number(before['deaths'])} ({year - 1}) → {number(during['deaths'])} "
                     f"({year}), {change:+.1%}"),
        sources=(during["source_id"],), flags=secondary(during), note=note,
    )


register("C30", "crisis_since")(not_checkable(
    "the mortality series in the data begin in 1999, so they cannot show a crisis building "
    "before it"))

