"""Specs for the conclusion: overdose deaths in the pandemic year (C27)."""

from __future__ import annotations

import pandas as pd

from analysis.claims.evidence import (
    Evidence,
    Package,
    latest_fields,
    latest_release,
    not_checkable,
    number,
    secondary,
)
from analysis.claims.registry import register
from analysis.claims.rules import best_match


@register("C27", "deaths_rising_2020")
def pandemic_deaths(package: Package, item: pd.Series) -> Evidence:
    """Deaths in the pandemic year against the year before, within one MDPH release: the release
    the ledger's rules choose (the one current when the article looked, else the first after),
    with the latest release recorded beside it."""
    year = int(item["year"])
    candidates = release_changes(package.table("mdph_opioid_deaths"), year)
    chosen = best_match(candidates, year)
    release = chosen["release"]
    before, during = release.loc[year - 1], release.loc[year]
    note = f"Massachusetts, MDPH release of {during['vintage']}"
    earlier = release[release.index < year - 1]
    if not earlier.empty and earlier["deaths"].max() > before["deaths"]:
        peak_year = int(earlier["deaths"].idxmax())
        note += (f"; the same release counts {number(earlier['deaths'].max())} deaths in "
                 f"{peak_year}, so {year} reversed a fall rather than continuing a rise")
    vintage = ("vintage",) if candidates["value"].nunique() > 1 else ()
    return Evidence(
        comparison="direction", article_value=1.0, public_value=float(chosen["value"]),
        public_text=chosen["text"], sources=(chosen["source_id"],),
        flags=vintage + secondary(during), note=note,
        **latest_fields(latest_release(candidates, chosen),
                        lambda row: f"{row['text']}, release of {row['vintage']}"),
    )


def release_changes(deaths: pd.DataFrame, year: int) -> pd.DataFrame:
    """One candidate per MDPH release that counts both `year` and the year before (confirmed and
    estimated deaths): the change between them, with the release's rows kept for the note."""
    totals = deaths[deaths["measure"] == "confirmed_and_estimated"].dropna(subset=["vintage"])
    rows = []
    for (vintage, source), release in totals.groupby(["vintage", "source_id"]):
        release = release.set_index("year")
        if not {year - 1, year} <= set(release.index):
            continue
        before, during = release.loc[year - 1], release.loc[year]
        change = (during["deaths"] - before["deaths"]) / before["deaths"]
        rows.append({
            "value": float(change), "year": year, "vintage": vintage, "source_id": source,
            "secondary": bool(during["secondary"]), "release_of": "change", "release": release,
            "label": f"release of {vintage}",
            "text": (f"{number(before['deaths'])} ({year - 1}) → {number(during['deaths'])} "
                     f"({year}), {change:+.1%}"),
        })
    return pd.DataFrame(rows)


register("C30", "crisis_since")(not_checkable(
    "the mortality series in the data begin in 1999, so they cannot show a crisis building "
    "before it"))

