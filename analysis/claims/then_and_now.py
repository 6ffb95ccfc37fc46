"""The article's claims then and now: for each figure the later series bear on, the ledger's
verdict at the article's time, the figure judged, the latest release of that figure, and what the
later series show. The verdict column is copied from the ledger, never recomputed."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analysis.claims.evidence import Package, number, with_unit
from analysis.claims.render import escape_myst
from analysis.claims.rules import check_verdicts
from analysis.datasets import Markdown

LATER_YEAR = 2019  # figures for years after this one are "later"
US_TOTAL = "All Races-All Origins"


def _releases(rows: pd.DataFrame, value: str, unit: str | None) -> str:
    """'value (year, release of vintage)' for each row, in year order."""
    return "; ".join(f"{with_unit(row[value], unit)} ({row['year']}, release of {row['vintage']})"
                     for _, row in rows.sort_values("year").iterrows())


def _latest_per_year(table: pd.DataFrame, value: str, **where: object) -> pd.DataFrame:
    """Rows after LATER_YEAR matching `where`, one per year: the latest release that gives it."""
    rows = table[table["year"] > LATER_YEAR]
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    rows = rows.dropna(subset=["vintage", value])
    dated = rows.assign(date=pd.to_datetime(rows["vintage"].astype(str), format="mixed"))
    return dated.sort_values(["year", "date"]).groupby("year").tail(1)


def ma_rate(package: Package) -> str:
    """Statewide rates after 2019, each year from its latest release."""
    rates = _latest_per_year(package.table("mdph_opioid_rates"), "rate_per_100k",
                             measure="opioid_related")
    return "Statewide opioid-related rate: " + _releases(rates, "rate_per_100k", "per_100k")


def ma_deaths(package: Package) -> str:
    """Statewide deaths after 2019, each year from its latest release, and any later figure of
    another measure."""
    deaths = package.table("mdph_opioid_deaths")
    totals = _latest_per_year(deaths, "deaths", measure="confirmed_and_estimated")
    other = deaths[(deaths["year"] > totals["year"].max()) & (deaths["measure"] == "confirmed")]
    text = "Confirmed and estimated deaths: " + _releases(totals, "deaths", None)
    for _, row in other.iterrows():
        text += (f"; {row['year']}: {number(row['deaths'])} 'confirmed' in a press report "
                 f"({row['vintage']}) whose source and measure are uncertain")
    return text


def us_rate(package: Package) -> str:
    """The US all-drug rate after 2019, one NCHS Data Brief per year."""
    us = package.table("us_overdose_rates_by_race")
    totals = us[(us["race_ethnicity"] == US_TOTAL) & (us["year"] > LATER_YEAR)]
    return "US all-drug rate, age-adjusted, one NCHS Data Brief per year: " + "; ".join(
        f"{with_unit(row.rate_per_100k, 'per_100k')} ({row.year})"
        for row in totals.sort_values("year").itertuples())


def race(group: str, label: str) -> Callable[[Package], str]:
    """Later Massachusetts rates of one group: both sexes and each sex apart, gaps named."""

    def later(package: Package) -> str:
        """The group's later rates by sex, and what was not found."""
        table = package.table("ma_opioid_rates_by_race")
        rows = table[(table["race_ethnicity"] == group) & (table["year"] > LATER_YEAR)]
        parts = []
        for sex, what in (("both", "both sexes"), ("male", "men only"), ("female", "women only")):
            some = _latest_per_year(rows, "rate_per_100k", sex=sex)
            found = _releases(some, "rate_per_100k", "per_100k") if len(some) else "none found"
            parts.append(f"{what}: {found}")
        last = int(rows["year"].max()) if len(rows) else LATER_YEAR
        return (f"{label} residents, " + "; ".join(parts)
                + f"; no rate of any kind after {last} was found")

    return later


def fentanyl(package: Package) -> str:
    """Fentanyl's share of opioid deaths with toxicology after 2019."""
    shares = package.table("fentanyl_share")
    rows = shares[(shares["substance"] == "fentanyl") & (shares["year"] > LATER_YEAR)]
    return "Fentanyl present: " + "; ".join(
        f"{'about ' if row.approximate else ''}{with_unit(row.share_pct, 'percent')} "
        f"({row.period}, release of {row.vintage})"
        for row in rows.sort_values("year").itertuples())


def us_arrests(package: Package) -> str:
    """US drug-law arrest estimates after 2019, the missing estimate and the NIBRS break."""
    arrests = package.table("fbi_drug_arrests")
    series = arrests[(arrests["offense"] == "total") & arrests["in_series"]
                     & (arrests["year"] > LATER_YEAR)].dropna(subset=["arrests"])
    reporting = package.table("fbi_arrest_reporting")
    no_estimate = reporting[reporting["national_estimate"].fillna(True).eq(False)]
    parts = [f"{number(row.arrests)} ({row.year})"
             for row in series.sort_values("year").itertuples()]
    gaps = ", ".join(str(year) for year in sorted(no_estimate["year"].unique()))
    nibrs = int(reporting.loc[reporting["reporting_system"] == "nibrs", "year"].min())
    reported = arrests[(arrests["offense"] == "total") & ~arrests["in_series"]
                       & (arrests["year"] > series["year"].max())].dropna(subset=["arrests"])
    counts = "".join(f"; {row.year}: only a third party's count of {number(row.arrests)} "
                     "arrests reported, not an estimate" for row in reported.itertuples())
    return (f"FBI estimates: {'; '.join(parts)}; no national estimate for {gaps}{counts}; from "
            f"{nibrs} the figures come from another reporting system (NIBRS), so the later points "
            "are not a continuation of the series")


def section35(package: Package) -> str:
    """Section 35 petitions after the Trial Court series: the gap."""
    filings = package.table("section35_filings")
    last = int(filings["fiscal_year"].max())
    return f"No count of petitions after fiscal year {last} was found"


def pandemic(package: Package) -> str:
    """The peak of statewide deaths after 2019 and the latest year, each from its latest release."""
    deaths = package.table("mdph_opioid_deaths")
    totals = _latest_per_year(deaths, "deaths", measure="confirmed_and_estimated")
    top = totals.loc[totals["deaths"].idxmax()]
    last = totals.loc[totals["year"].idxmax()]
    change = (last["deaths"] - top["deaths"]) / top["deaths"]
    return (f"Deaths reached {number(top['deaths'])} in {top['year']} (release of "
            f"{top['vintage']}), then {number(last['deaths'])} in {last['year']} (release of "
            f"{last['vintage']}), {change:+.1%}")


LATER: dict[tuple[str, str], Callable[[Package], str]] = {
    ("C01", "ma_rate"): ma_rate,
    ("C01", "ma_deaths"): ma_deaths,
    ("C01", "us_rate"): us_rate,
    ("C04", "white"): race("white_non_hispanic", "White non-Hispanic"),
    ("C04", "hispanic"): race("hispanic", "Hispanic"),
    ("C04", "black"): race("black_non_hispanic", "Black non-Hispanic"),
    ("C09", "fentanyl_share"): fentanyl,
    ("C21", "drug_law_arrests_us"): us_arrests,
    ("C25", "section35_trend"): section35,
    ("C27", "deaths_rising_2020"): pandemic,
}


def then_and_now(ledger: pd.DataFrame, package: Package | None = None) -> pd.DataFrame:
    """One row per figure the later series bear on: the ledger's verdict and public figure at the
    article's time, the latest release of that figure, and what the later series show."""
    check_verdicts(ledger, ["claim_id", "item", "value_as_printed", "public_text", "latest_text"])
    package = package or Package()
    figures = ledger.set_index(["claim_id", "item"])
    rows = []
    for key, later in LATER.items():
        row = figures.loc[key]
        rows.append({
            "claim_id": key[0], "item": key[1], "claim": row["claim"],
            "article": row["value_as_printed"], "verdict_then": row["verdict"],
            "public_then": row["public_text"] or "no comparable public figure",
            "latest_release": row["latest_text"] or "no later release changed it",
            "later_series": later(package),
        })
    return pd.DataFrame(rows)


def then_and_now_markdown(table: pd.DataFrame) -> Markdown:
    """The table as a MyST list-table, each claim linked to its row of the ledger."""
    fence = "`" * 4
    lines = [f"{fence}{{list-table}}", ":header-rows: 1", ":widths: 14 22 30 34",
             ":class: then-and-now", "",
             "* - Claim", "  - The article, and the verdict at its time",
             "  - Public figure then (latest release)", "  - What the later series show"]
    for row in table.itertuples(index=False):
        lines += [
            f"* - {{ref}}`{row.claim_id} <claim-{row.claim_id.lower()}>` ({row.item})",
            f"  - {escape_myst(row.claim)}: *{escape_myst(row.article)}*; **{row.verdict_then}**",
            f"  - {escape_myst(row.public_then)} ({escape_myst(row.latest_release)})",
            f"  - {escape_myst(row.later_series)}",
        ]
    lines.append(fence)
    return Markdown("\n".join(lines))
