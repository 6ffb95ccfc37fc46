"""The claims ledger: each figure of Vivant (2021) beside the public record, with a ruled verdict.

A claim of the article (C01, C02...) holds one or more figures, the items of `article_claims`. For
each figure a *spec* (a small function registered in SPECS) picks the comparable public figures from
the data package and says how to compare them; `judge` applies the same rules to every figure, and
`claim_verdicts` combines the figures of a claim. No verdict is typed by hand.

Rules (`judge`), with `tolerance` = RELATIVE_TOLERANCE unless stated:
- no comparable public figure → "not checkable";
- a value matches when the public figure is within half a unit of the last digit the article prints
  (29 matches 28.5 to 29.5; 51 million matches 50.5 to 51.5 million); a lower bound ("more than")
  matches when the public figure is above it. A match is "reproduced" if the public figure measures
  the same thing in the same year and does not use the article's own figures, else "consistent";
- a value that does not match is "consistent" within `tolerance` of the public figure, else
  "differs";
- a stated direction (rising, falling) is "consistent" when the public series moves that way, else
  "differs"; a figure with only bounds (a both-sexes rate between the rates of men and women) is
  "consistent" inside them, else "differs". Neither can be "reproduced".
A claim holds only if every figure holds: its verdict is its weakest figure's, in CLAIM_ORDER.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis import datasets, overdoses, rates, style
from analysis.checks import require_columns
from analysis.datasets import Markdown

REPRODUCED, CONSISTENT, DIFFERS = "reproduced", "consistent", "differs"
NOT_CHECKABLE = "not checkable"
VERDICTS = (REPRODUCED, CONSISTENT, DIFFERS, NOT_CHECKABLE)
CLAIM_ORDER = (REPRODUCED, CONSISTENT, NOT_CHECKABLE, DIFFERS)
RELATIVE_TOLERANCE = 0.10
COMPARISONS = ("value", "date", "more_than", "between", "direction")
ARTICLE = "vivant2021"
FLAGS = {
    "measure": "the public figure measures something else",
    "period": "the public figure is for another year, or its date is approximate or unknown",
    "years": "the article compares two cities with figures from different years",
    "vintage": "the figure changes from one report release to the next",
    "unit": "the article prints the figure with the wrong unit",
    "article": "the comparison uses the article's own figures",
    "secondary": "the public figure was read in a secondary copy",
}
CHAPTERS = {
    "intro": ("book/introduction", "Introduction"),
    "1.1": ("book/part1/new-face-of-heroin", "1.1"),
    "1.2": ("book/part1/police-see-users-differently", "1.2"),
    "2.1": ("book/part2/compassion-to-save-lives", "2.1"),
    "2.2": ("book/part2/police-gateway-to-care", "2.2"),
    "2.3": ("book/part2/municipal-policing-inequality", "2.3"),
    "3.1": ("book/part3/professional-organisations", "3.1"),
    "3.2": ("book/part3/benevolent-coercion", "3.2"),
    "conclusion": ("book/conclusion", "Conclusion"),
}
UNITS = {
    "per_100k": ("", " per 100,000"),
    "usd": ("US$", ""),
    "percent": ("", "%"),
}
FIELDWORK_SOURCES = ("fieldwork", "the study")
FIELDWORK_YEAR = 2019  # last year of the fieldwork (September 2018 - June 2019)
BUDGET_YEAR = 2017  # the year of the Cambridge budget the article quotes
SOURCE_YEAR = 2018  # the year of the police reports the article cites for Cambridge and Lynn
PRINTED_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_$<>\[\]{}|#])")
LEDGER_COLUMNS = [
    "claim_id", "item", "section", "chapter", "claim", "value_as_printed", "unit", "source_given",
    "article_value", "precision", "comparison", "public_value", "public_high", "public_text",
    "sources", "other_figures", "same_measure", "same_period", "flags", "note",
]


@dataclass(frozen=True)
class Evidence:
    """The public side of one figure's comparison, as its spec finds it in the data package."""

    comparison: str = "value"
    public_value: float = math.nan
    public_high: float = math.nan
    public_text: str = ""
    sources: tuple[str, ...] = ()
    other_figures: str = ""
    same_measure: bool = True
    same_period: bool = True
    flags: tuple[str, ...] = ()
    article_value: float = math.nan
    note: str = ""


class Package:
    """The data package's tables and source lists, each read (and validated) once.

    `tables` preloads tables by name (tests use it to hand specs constructed data).
    """

    def __init__(self, data_dir: Path | None = None,
                 tables: dict[str, pd.DataFrame] | None = None) -> None:
        self.data_dir = data_dir
        self._tables: dict[str, pd.DataFrame] = dict(tables or {})

    def table(self, name: str) -> pd.DataFrame:
        """One dataset, validated by analysis.datasets."""
        if name not in self._tables:
            self._tables[name] = datasets.load(name, self.data_dir)
        return self._tables[name]

    def sources(self, name: str) -> list[dict]:
        """The `sources` list of one dataset's descriptor."""
        return datasets.resource(name, self.data_dir).get("sources", [])


Spec = Callable[[Package, pd.Series], Evidence]


# --- Rules ---------------------------------------------------------------------------------------


def printed_precision(printed: str | None, value: float, unit: str | None) -> float:
    """Place value of the last digit the article prints, in `value`'s unit (NaN for words).

    A number printed in groups of three digits (105 000) counts as rounded to its last non-zero
    digit (thousands); any other whole number (20, 320) is exact to the unit; a decimal comma counts
    its decimals (32,3 → 0.1); a word ('deux', 'moitié') gives NaN; a year is exact.
    """
    if unit == "year":
        return 1.0
    if printed is None or pd.isna(printed) or pd.isna(value):
        return math.nan
    match = PRINTED_NUMBER.search(str(printed))
    if match is None:
        return math.nan
    grouped = re.search(r"[ \u00a0\u202f]", match.group()) is not None
    digits = re.sub(r"[ \u00a0\u202f]", "", match.group())
    if "," in digits:
        whole, decimals = digits.split(",")
        number, step = float(f"{whole}.{decimals}"), 10.0 ** -len(decimals)
    else:
        zeros = len(digits) - len(digits.rstrip("0")) if grouped else 0
        number, step = float(digits), 10.0**zeros
    scale = value / number if number else math.nan
    power = round(math.log10(scale)) if scale > 0 else 0
    if not math.isclose(scale, 10.0**power, rel_tol=1e-9):
        raise ValueError(
            f"value {value:g} is not the printed number {printed!r} times a power of ten"
        )
    return step * 10.0**power


def judge(
    comparison: str,
    article_value: float,
    precision: float,
    public_value: float,
    public_high: float = math.nan,
    same_measure: bool = True,
    same_period: bool = True,
    from_article: bool = False,
    tolerance: float = RELATIVE_TOLERANCE,
) -> tuple[str, str]:
    """Verdict and one-line reason for one figure, by the ledger's rules (see the module doc)."""
    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r}; valid ones are {list(COMPARISONS)}")
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be a fraction in [0, 1), not {tolerance!r}")
    if pd.isna(public_value):
        return NOT_CHECKABLE, "no comparable public figure in the data package"
    if pd.isna(article_value):
        raise ValueError(f"a {comparison!r} comparison needs the article's value")
    if comparison == "direction":
        if np.sign(public_value) == np.sign(article_value) != 0:
            return CONSISTENT, "the public series moves the way the article says"
        return DIFFERS, "the public series does not move the way the article says"
    if comparison == "between":
        if pd.isna(public_high):
            raise ValueError("a 'between' comparison needs both public bounds")
        low, high = sorted([public_value, public_high])
        bounds = f"{_number(low)} and {_number(high)}"
        if low <= article_value <= high:
            return CONSISTENT, f"lies between the public bounds {bounds}"
        return DIFFERS, f"lies outside the public bounds {bounds}"
    if comparison == "more_than":
        if public_value <= article_value:
            return DIFFERS, "the public figure is not above the article's lower bound"
        matched, what = True, "the public figure is above the article's lower bound"
    else:
        if not pd.isna(precision) and precision <= 0:
            raise ValueError(f"precision must be positive, not {precision!r}")
        gap = abs(article_value - public_value)
        matched = not pd.isna(precision) and gap <= precision / 2 * (1 + 1e-9)
        what = "matches the public figure to the digit the article prints"
        if comparison == "date" and not matched:
            return DIFFERS, "another date than the public record's"
    if matched:
        caveats = [
            text
            for text, applies in (
                ("uses the article's own figures", from_article),
                ("measures something else", not same_measure),
                ("is for another or an uncertain year", not same_period),
            )
            if applies
        ]
        if not caveats:
            return REPRODUCED, what
        return CONSISTENT, f"{what}, but the comparison {' and '.join(caveats)}"
    relative = gap / abs(public_value) if public_value else math.inf
    own = "; the comparison uses the article's own figures" if from_article else ""
    off = f"off by {relative:.1%}"
    if relative <= tolerance:
        return CONSISTENT, f"within {tolerance:.0%} of the public figure ({off})" + own
    return DIFFERS, f"{off}, beyond the {tolerance:.0%} tolerance" + own


def apply_rules(checks: pd.DataFrame, tolerance: float = RELATIVE_TOLERANCE) -> pd.DataFrame:
    """Add the gap to the public figure, the verdict and its reason to a table of comparisons."""
    needed = ["comparison", "article_value", "precision", "public_value", "public_high",
              "same_measure", "same_period", "flags"]
    require_columns(checks, needed, "the comparison table")
    table = checks.copy()
    article = table["article_value"].astype(float)
    public = table["public_value"].astype(float)
    table["difference"] = (article - public).where(table["comparison"].isin(["value", "date"]))
    relative = table["difference"] / public.abs()
    table["relative_difference"] = relative.where((table["comparison"] == "value") & (public != 0))
    results = [
        judge(
            row.comparison, row.article_value, row.precision, row.public_value, row.public_high,
            bool(row.same_measure), bool(row.same_period), "article" in flag_list(row.flags),
            tolerance,
        )
        for row in table.itertuples(index=False)
    ]
    table["verdict"] = [verdict for verdict, _ in results]
    table["reason"] = [reason for _, reason in results]
    return table


def _check_verdicts(table: pd.DataFrame, columns: list[str]) -> None:
    """Raise a KeyError for missing columns, a ValueError for verdicts outside VERDICTS."""
    require_columns(table, columns, "the verdict table")
    unknown = sorted(set(table["verdict"]) - set(VERDICTS))
    if unknown:
        raise ValueError(f"unknown verdict(s) {unknown}; valid ones are {list(VERDICTS)}")


def claim_verdicts(ledger: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: how many of its figures got each verdict, and the claim's verdict."""
    _check_verdicts(ledger, ["claim_id", "section", "verdict"])
    rank = {verdict: i for i, verdict in enumerate(CLAIM_ORDER)}
    rows = []
    for claim_id, figures in ledger.groupby("claim_id", sort=True):
        verdicts = list(figures["verdict"])
        rows.append(
            {
                "claim_id": claim_id,
                "section": figures["section"].iloc[0],
                "figures": len(verdicts),
                **{f"figures_{v.replace(' ', '_')}": verdicts.count(v) for v in VERDICTS},
                "verdict": max(verdicts, key=rank.__getitem__),
            }
        )
    return pd.DataFrame(rows)


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many rows carry each verdict, every verdict listed (zero included), in VERDICTS order."""
    _check_verdicts(table, ["verdict"])
    counts = table["verdict"].value_counts()
    return pd.DataFrame({"verdict": VERDICTS, "count": [int(counts.get(v, 0)) for v in VERDICTS]})


def changed_verdicts(ledger: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """The figures whose verdict changes when the rules are rerun with another tolerance."""
    _check_verdicts(ledger, ["claim_id", "item", "verdict"])
    rerun = apply_rules(ledger, tolerance)
    changed = rerun["verdict"] != ledger["verdict"]
    return pd.DataFrame(
        {
            "claim_id": ledger.loc[changed, "claim_id"],
            "item": ledger.loc[changed, "item"],
            "relative_difference": ledger.loc[changed, "relative_difference"],
            "verdict": ledger.loc[changed, "verdict"],
            "verdict_with_new_tolerance": rerun.loc[changed, "verdict"],
        }
    ).reset_index(drop=True)


# --- Helpers for the specs -----------------------------------------------------------------------


def chapter_of(section: str) -> tuple[str, str]:
    """The book page (docname) and short label for an article section such as '1.1 (footnote 7)'."""
    key = str(section).split(" ")[0]
    if key not in CHAPTERS:
        raise ValueError(f"unknown article section {section!r}; valid ones are {list(CHAPTERS)}")
    return CHAPTERS[key]


def best_match(candidates: pd.DataFrame, article_value: float, year: int | None) -> pd.Series:
    """The candidate nearest the claim's year (undated last), then nearest the article's value."""
    require_columns(candidates, ["value", "year"], "best_match (candidates)")
    if candidates.empty:
        raise ValueError("no candidate figures to choose from")
    years = pd.to_numeric(candidates["year"], errors="coerce").astype(float)
    year_gap = (years - year).abs().fillna(math.inf) if year is not None else years * 0
    value_gap = (candidates["value"].astype(float) - article_value).abs()
    order = pd.DataFrame({"year_gap": year_gap.fillna(0), "value_gap": value_gap})
    return candidates.loc[order.sort_values(["year_gap", "value_gap"], kind="stable").index[0]]


def from_candidates(
    candidates: pd.DataFrame,
    article_value: float,
    unit: str | None,
    year: int | None = None,
    comparison: str = "value",
    same_measure: bool = True,
    flags: tuple[str, ...] = (),
    note: str = "",
) -> Evidence:
    """Evidence from the best of several public figures.

    Candidates have columns value, year, label, source_id and secondary; optionally `approximate`
    (the date is approximate) and `release_of` (which figure a report release revises).
    """
    if candidates.empty:
        return Evidence(comparison=comparison, note=note)
    chosen = best_match(candidates, article_value, year)
    others = candidates.drop(index=chosen.name)
    same_period = year is None or (not pd.isna(chosen["year"]) and int(chosen["year"]) == year)
    if "approximate" in candidates.columns and bool(chosen["approximate"]):
        same_period = False
    found = list(flags)
    if "release_of" in candidates.columns:
        releases = candidates[candidates["release_of"] == chosen["release_of"]]
        if releases["value"].nunique() > 1:
            found.append("vintage")
    if not same_measure:
        found.append("measure")
    if not same_period:
        found.append("period")
    if bool(chosen["secondary"]):
        found.append("secondary")
    return Evidence(
        comparison=comparison,
        public_value=float(chosen["value"]),
        public_text=f"{with_unit(chosen['value'], unit)} ({chosen['label']})",
        sources=(chosen["source_id"],),
        other_figures="; ".join(
            f"{with_unit(row.value, unit)} ({row.label})" for row in others.itertuples()
        ),
        same_measure=same_measure,
        same_period=same_period,
        flags=_unique(found),
        note=note,
    )


def flag_list(flags: object) -> list[str]:
    """Flags stored as a ';'-joined string (or a tuple or list) as a list."""
    if isinstance(flags, (tuple, list)):
        return list(flags)
    if flags is None or pd.isna(flags) or flags == "":
        return []
    return str(flags).split(";")


def with_unit(value: float, unit: str | None) -> str:
    """A number with its unit as the ledger prints it, e.g. 'US$22', '29 per 100,000', '93%'."""
    if unit == "year":
        return f"{float(value):.0f}"
    prefix, suffix = UNITS.get(unit or "", ("", ""))
    return f"{prefix}{_number(value)}{suffix}"


def _number(value: float) -> str:
    """A number with thousands separators and at most three significant digits after the point."""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.1f}"


def _unique(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Items in first-seen order, without repeats."""
    return tuple(dict.fromkeys(items))


def _secondary(*rows: pd.Series) -> tuple[str, ...]:
    """The 'secondary' flag if any of the rows was read in a secondary copy."""
    return ("secondary",) if any(bool(row["secondary"]) for row in rows) else ()


def _releases(table: pd.DataFrame, value: str, release_of: list[str]) -> pd.DataFrame:
    """Rows that give one figure per report release (MDPH style) as candidates."""
    out = pd.DataFrame(
        {
            "value": table[value].astype(float),
            "year": table["year"],
            "label": [
                f"{year}, release of {vintage}" if isinstance(vintage, str) else f"{year}"
                for year, vintage in zip(table["year"], table["vintage"], strict=True)
            ],
            "source_id": table["source_id"],
            "secondary": table["secondary"],
        }
    )
    out["release_of"] = table[release_of].astype(str).agg("|".join, axis=1)
    return out


def _city(package: Package, place: str, indicator: str) -> pd.DataFrame:
    """One city's figures for one indicator of city_profiles, as candidates (plans left out)."""
    profiles = package.table("city_profiles")
    rows = profiles[(profiles["place"] == place) & (profiles["indicator"] == indicator)]
    rows = rows[~rows["basis"].str.contains("planned")]
    return pd.DataFrame(
        {
            "value": rows["value"].astype(float),
            "year": rows["year"],
            "label": [_city_label(period, basis)
                      for period, basis in zip(rows["period"], rows["basis"], strict=True)],
            "source_id": rows["source_id"],
            "secondary": rows["secondary"],
        }
    )


def _city_label(period: str, basis: str) -> str:
    """'2017, Census Population Estimates Program'; basis left out when it only says 'as stated'."""
    if basis.startswith(("as stated", "as reported")) or "undated" in basis:
        return str(period)
    return f"{period}, {basis}"


def _claim_value(package: Package, claim_id: str, item: str) -> float:
    """The article's value for one figure of article_claims."""
    claims = package.table("article_claims").set_index(["claim_id", "item"])
    return float(claims.loc[(claim_id, item), "value"])


def _not_checkable(note: str) -> Spec:
    """A spec for a figure that no public document in the data package gives."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        return Evidence(note=note)

    return spec


def _default(package: Package, item: pd.Series) -> Evidence:
    """Figures without a spec: nothing in the data package speaks to them."""
    if item["source_given_by_article"] in FIELDWORK_SOURCES:
        return Evidence(note="from the study's own fieldwork")
    return Evidence(note="no public document in the data package gives this figure")


def _timeline_year(package: Package, item: pd.Series) -> Evidence:
    """A year, against the policy-timeline events of the claim that a document other than the
    article dates (the timeline names the claim in its note)."""
    timeline = package.table("policy_timeline")
    cited = timeline[timeline["note"].fillna("").str.contains(item["claim_id"])]
    independent = cited[cited["source_id"] != ARTICLE]
    if independent.empty:
        note = ("the policy timeline records this only from the article" if not cited.empty
                else "no public document in the data package dates this")
        return Evidence(comparison="date", note=note)
    candidates = pd.DataFrame(
        {
            "value": independent["year"].astype(float),
            "year": independent["year"],
            "label": list(independent["date"]),
            "source_id": independent["source_id"],
            "secondary": False,
        }
    )
    return from_candidates(candidates, item["value"], "year", None, comparison="date",
                           note="the timeline event nearest the article's year")


# --- Specs: one per figure that the data package can speak to -----------------------------------


def _ma_rate(package: Package, item: pd.Series) -> Evidence:
    """C01: MDPH's headline opioid-related death rate for the year, every release."""
    table = package.table("mdph_opioid_rates")
    rows = table[(table["year"] == item["year"]) & (table["measure"] == "opioid_related")]
    return from_candidates(
        _releases(rows, "rate_per_100k", ["year", "measure"]), item["value"], "per_100k",
        int(item["year"]), note="MDPH opioid-related overdose death rate",
    )


def _ma_deaths(package: Package, item: pd.Series) -> Evidence:
    """C01: MDPH opioid-related deaths, confirmed and estimated, for the year, every release."""
    table = package.table("mdph_opioid_deaths")
    rows = table[(table["year"] == item["year"]) & (table["measure"] == "confirmed_and_estimated")]
    return from_candidates(
        _releases(rows, "deaths", ["year", "measure"]), item["value"], None, int(item["year"]),
        note="MDPH opioid-related overdose deaths, confirmed and estimated",
    )


def _us_rate(package: Package, item: pd.Series) -> Evidence:
    """C01: the CDC's US rate, which counts all drug overdoses (MDPH's counts opioids only)."""
    table = package.table("cdc_overdose_rates_other")
    us = table[table["geography"] == "United States"]
    rows = us[(us["year"] == item["year"]) & (us["measure"] == "all_drug_overdose")]
    candidates = pd.DataFrame(
        {
            "value": rows["rate_per_100k"],
            "year": rows["year"],
            "label": [f"{year}, all drug overdoses, {kind.replace('_', '-')}"
                      for year, kind in zip(rows["year"], rows["rate_type"], strict=True)],
            "source_id": rows["source_id"],
            "secondary": rows["secondary"],
        }
    ).drop_duplicates(subset=["value", "year"])
    opioid = us[us["measure"] == "opioid_involved_overdose"].sort_values("year").iloc[-1]
    return from_candidates(
        candidates, item["value"], "per_100k", int(item["year"]), same_measure=False,
        note=(
            "the CDC counts all drug overdoses, the Massachusetts rate beside it opioid-related "
            f"deaths only; the latest US opioid-involved rate in the data is "
            f"{with_unit(opioid['rate_per_100k'], 'per_100k')} ({opioid['year']})"
        ),
    )


def _race_rate(group: str) -> Spec:
    """C04: a rate by race, against a both-sexes figure or, failing one, the sex-specific bounds."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        table = package.table("ma_opioid_rates_by_race")
        same = table[(table["year"] == item["year"]) & (table["race_ethnicity"] == group)]
        direct = same[(same["sex"] == "both") & (same["source_id"] != ARTICLE)]
        note = "the article prints these rates per 100,000 with a '%' sign, and cites an earlier "
        note += "MDPH release than the public figures here"
        if not direct.empty:
            return from_candidates(
                _releases(direct, "rate_per_100k", ["year", "race_ethnicity", "sex"]),
                item["value"], "per_100k", int(item["year"]), flags=("unit", "vintage"),
                note=note,
            )
        bounds = rates.sex_bounds_check(same)
        row = bounds[bounds["both_source_id"] == ARTICLE].iloc[0]
        male, female = row["male_rate_per_100k"], row["female_rate_per_100k"]
        source = same[(same["vintage"] == row["male_female_vintage"])
                      & (same["sex"] == "male")].iloc[0]
        return Evidence(
            comparison="between",
            public_value=float(female),
            public_high=float(male),
            public_text=(
                f"women {with_unit(female, 'per_100k')}, men {with_unit(male, 'per_100k')} "
                f"({int(item['year'])}, release of {row['male_female_vintage']}); no both-sexes "
                "figure found"
            ),
            sources=(source["source_id"],),
            flags=_unique(["unit", "vintage", *_secondary(source)]),
            note=f"{note}; a rate for both sexes lies between the rates of men and women",
        )

    return spec


def _cambridge_2016(package: Package, item: pd.Series) -> Evidence:
    """C05: no police count is public; the DPH and MDPH counts that measure other things."""
    responses = package.table("overdose_responses")
    emergencies = responses[(responses["place"] == "cambridge")
                            & (responses["measure"] == "opioid_medical_emergencies")]
    by_year = dict(zip(emergencies["year"], emergencies["count"], strict=True))
    deaths = package.table("city_opioid_deaths")
    town = deaths[(deaths["place"] == "cambridge") & (deaths["year"] == 2016)]
    basis = dict(zip(town["basis"], town["deaths"], strict=True))
    return Evidence(
        note=(
            "no public count of Cambridge police overdose responses was found; other measures: DPH "
            f"opioid medical emergencies {_number(by_year[2015])} (2015) and "
            f"{_number(by_year[2016])} (2016); MDPH 2016 opioid deaths of Cambridge residents "
            f"{basis['residence']}, deaths in Cambridge {basis['occurrence']}"
        )
    )


def _lynn_overdoses(package: Package) -> pd.DataFrame:
    """Lynn's opioid overdose counts (fatal or not) published by the city and police."""
    responses = package.table("overdose_responses")
    return responses[(responses["place"] == "lynn") & (responses["measure"] == "overdoses")]


def _lynn_calls(package: Package, item: pd.Series) -> Evidence:
    """C06: no count of Lynn police calls is public; the city's overdose counts a day as context."""
    daily = overdoses.per_day(_lynn_overdoses(package))
    shown = "; ".join(f"{row.count_per_day:.2f} a day ({row.period})" for row in daily.itertuples())
    return Evidence(
        note="no public count of Lynn police overdose calls after 2016; opioid overdoses counted "
        f"in the city: {shown}"
    )


def _lynn_ratio(package: Package, item: pd.Series) -> Evidence:
    """C06: the article's calls a day against the city's published 2012 overdose count."""
    per_day = _claim_value(package, "C06", "calls_per_day")
    counts = _lynn_overdoses(package)
    base = counts[counts["year"] == 2012].iloc[0]
    ratio = per_day * overdoses.DAYS_PER_YEAR / float(base["count"])
    return Evidence(
        public_value=ratio,
        public_text=(
            f"{_number(per_day)} a day × {overdoses.DAYS_PER_YEAR} days ÷ {_number(base['count'])} "
            f"opioid overdoses in 2012 = {ratio:.1f}"
        ),
        sources=(base["source_id"],),
        same_measure=False,
        flags=_unique(["article", "measure", *_secondary(base)]),
        note="the city's 2012 figure counts overdoses, not police calls",
    )


def _fentanyl(package: Package, item: pd.Series) -> Evidence:
    """C09: the share of opioid deaths with toxicology in which fentanyl was found."""
    table = package.table("fentanyl_share")
    rows = table[table["substance"] == "fentanyl"]
    candidates = pd.DataFrame(
        {
            "value": rows["share_pct"],
            "year": rows["year"],
            "label": [f"{period}, release of {vintage}" if isinstance(vintage, str) else period
                      for period, vintage in zip(rows["period"], rows["vintage"], strict=True)],
            "source_id": rows["source_id"],
            "secondary": rows["secondary"],
        }
    )
    return from_candidates(
        candidates, item["value"], "percent", None,
        note=f"the article gives no year; the MDPH figures from {int(rows['year'].min())} to "
        f"{int(rows['year'].max())} never exceed {with_unit(rows['share_pct'].max(), 'percent')}",
    )


def _naloxone_2007(package: Package, item: pd.Series) -> Evidence:
    """C12: the price Massachusetts paid for naloxone around 2007."""
    table = package.table("naloxone_prices")
    rows = table[table["place"].str.startswith("Massachusetts") & (table["statistic"] == "price")]
    candidates = pd.DataFrame(
        {
            "value": rows["price_usd"],
            "year": rows["year"],
            "label": [f"{period}, {package_}"
                      for period, package_ in zip(rows["period"], rows["package"], strict=True)],
            "source_id": rows["source_id"],
            "secondary": rows["secondary"],
            "approximate": rows["year_approximate"],
        }
    )
    return from_candidates(
        candidates, item["value"], "usd", int(item["year"]),
        note="the article does not say what quantity its price buys",
    )


def _naloxone_2019(package: Package, item: pd.Series) -> Evidence:
    """C12: no 2019 price is public; the latest prices in the data as context."""
    table = package.table("naloxone_prices").dropna(subset=["year"])
    latest = table[table["statistic"] == "price"].sort_values("year").groupby("place").tail(1)
    recent = latest[latest["year"] >= latest["year"].max() - 2]
    shown = "; ".join(
        f"{with_unit(row.price_usd, 'usd')} {row.package}, {row.place} ({row.period})"
        for row in recent.sort_values("year", ascending=False).itertuples()
    )
    return Evidence(note=f"no 2019 price was found; the latest prices in the data: {shown}")


def _programme_start(package: Package, item: pd.Series) -> Evidence:
    """C13: a diversion programme whose start a document other than the article dates."""
    timeline = package.table("policy_timeline")
    rows = timeline[(timeline["category"] == "programme") & (timeline["source_id"] != ARTICLE)]
    rows = rows[rows["year"] == item["value"]]
    if rows.empty:
        return Evidence(note="the policy timeline dates this start only from the article")
    candidates = pd.DataFrame(
        {
            "value": rows["year"].astype(float),
            "year": rows["year"],
            "label": [f"{place} programme, started {date}"
                      for date, place in zip(rows["date"], rows["jurisdiction"], strict=True)],
            "source_id": rows["source_id"],
            "secondary": False,
        }
    )
    return from_candidates(candidates, item["value"], "year", int(item["year"]), comparison="date")


def _boston_officers(package: Package, item: pd.Series) -> Evidence:
    """C14: Boston's sworn officers, against the article's 'more than 2,000'."""
    return from_candidates(
        _city(package, "boston", "police_sworn_officers"), item["value"], None, FIELDWORK_YEAR,
        comparison="more_than", note="sworn officers; no count for the fieldwork years was found",
    )


def _city_figure(place: str, indicator: str, year: int, note: str = "",
                 same_measure: bool = True, context: str | None = None) -> Spec:
    """C17/C18: a city figure from city_profiles, the one nearest `year` (context listed)."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        unit = "usd" if str(item["unit"]).startswith("usd") else None
        text = note
        if context is not None:
            shown = "; ".join(
                f"{_number(row.value)} ({row.label})"
                for row in _city(package, place, context).itertuples()
            )
            text = f"{note}; {context.replace('_', ' ')}: {shown}"
        return from_candidates(
            _city(package, place, indicator), item["value"], unit, year,
            same_measure=same_measure, note=text,
        )

    return spec


def _population(place: str, other: str) -> Spec:
    """C17/C18: population in the budget year; flags a pair taken from different years."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        article = package.table("article_city_figures")
        nearest = {}
        for city in (place, other):
            value = float(article[(article["place"] == city)
                                  & (article["indicator"] == "population")]["value"].iloc[0])
            candidates = _city(package, city, "population")
            nearest[city] = (value, candidates.loc[(candidates["value"] - value).abs().idxmin()])
        (own_value, own), (other_value, theirs) = nearest[place], nearest[other]
        return from_candidates(
            _city(package, place, "population"), item["value"], None, BUDGET_YEAR,
            flags=("years",) if own["year"] != theirs["year"] else (),
            note=(
                f"the article's {_number(own_value)} is nearest {_number(own['value'])} "
                f"({own['label']}); its {_number(other_value)} for {other.title()} is nearest "
                f"{_number(theirs['value'])} ({theirs['label']})"
            ),
        )

    return spec


def _lynn_falling(package: Package, item: pd.Series) -> Evidence:
    """C18: Lynn's sworn strength just before and just after the article's 2018 source."""
    counts = _city(package, "lynn", "police_sworn_officers").dropna(subset=["year"])
    before = counts[counts["year"] < SOURCE_YEAR].sort_values("year").iloc[-1]
    after = counts[counts["year"] > SOURCE_YEAR].sort_values("year").iloc[0]
    change = (after["value"] - before["value"]) / before["value"]
    return Evidence(
        comparison="direction",
        article_value=-1.0,
        public_value=float(change),
        public_text=(f"{_number(before['value'])} ({before['label']}) → "
                     f"{_number(after['value'])} ({after['label']}), {change:+.1%}"),
        sources=_unique([before["source_id"], after["source_id"]]),
        flags=_secondary(before, after),
        note="sworn officers, the last count before 2018 and the first after; plans left out",
    )


def _budget_ratio(package: Package, item: pd.Series) -> Evidence:
    """C19: Lynn's police budget over Cambridge's, from the article's own figures."""
    lynn = _claim_value(package, "C18", "police_budget")
    cambridge = _claim_value(package, "C17", "police_budget")
    return Evidence(
        public_value=lynn / cambridge,
        public_text=(f"US${_number(lynn / 1e6)} million ÷ US${_number(cambridge / 1e6)} million "
                     f"= {lynn / cambridge:.2f}"),
        sources=(ARTICLE,),
        flags=("article",),
        note="no public Lynn police budget in dollars was found, so only the article's own "
        "figures can be divided",
    )


def _staff_ratio(package: Package, item: pd.Series) -> Evidence:
    """C19: Lynn's sworn officers over Cambridge's, in the latest year both are public."""
    lynn = _city(package, "lynn", "police_sworn_officers").dropna(subset=["year"])
    cambridge = _city(package, "cambridge", "police_sworn_officers").dropna(subset=["year"])
    pair = lynn.merge(cambridge, on="year", suffixes=("_lynn", "_cambridge"))
    pair = pair.sort_values("year").iloc[-1]
    ratio = pair["value_lynn"] / pair["value_cambridge"]
    own_lynn = _claim_value(package, "C18", "police_officers")
    own_cambridge = _claim_value(package, "C17", "police_officers")
    secondary = bool(pair["secondary_lynn"] or pair["secondary_cambridge"])
    return Evidence(
        public_value=float(ratio),
        public_text=(f"{_number(pair['value_lynn'])} ÷ {_number(pair['value_cambridge'])} sworn "
                     f"officers ({pair['year']}) = {ratio:.2f}"),
        sources=_unique([pair["source_id_lynn"], pair["source_id_cambridge"]]),
        same_period=False,
        flags=("period", "secondary") if secondary else ("period",),
        note=(f"the latest year with both cities' sworn counts; the article's own "
              f"{_number(own_lynn)} ÷ {_number(own_cambridge)} = {own_lynn / own_cambridge:.2f} "
              "sets Lynn's sworn officers against Cambridge's whole staff"),
    )


def _us_arrests(package: Package, item: pd.Series) -> Evidence:
    """C21: US drug-law arrests from their mid-2000s peak to the last year of the fieldwork."""
    table = package.table("fbi_drug_arrests")
    series = table[(table["offense"] == "total") & table["in_series"]].dropna(subset=["arrests"])
    mid = series[series["year"].between(2004, 2007)]
    peak = mid.loc[mid["arrests"].idxmax()]
    end = series[series["year"] == FIELDWORK_YEAR].iloc[0]
    change = (end["arrests"] - peak["arrests"]) / peak["arrests"]
    return Evidence(
        comparison="direction",
        article_value=-1.0,
        public_value=float(change),
        public_text=(f"{_number(peak['arrests'])} ({peak['year']}) → {_number(end['arrests'])} "
                     f"({end['year']}), {change:+.1%}"),
        sources=_unique([peak["source_id"], end["source_id"]]),
        flags=_secondary(peak, end),
        note="FBI estimates of US arrests for drug abuse violations, from the mid-2000s peak to "
        "the last year of the fieldwork",
    )


def _local_arrests(package: Package, item: pd.Series) -> Evidence:
    """C21: no Massachusetts total of drug arrests is public; marijuana possession as context."""
    table = package.table("marijuana_arrests")
    rows = table[(table["geography"] == "Massachusetts") & (table["offense"] == "possession")]
    latest = rows.sort_values("year").iloc[-1]
    series = rows[rows["source_id"] == latest["source_id"]].sort_values("year")
    first, last = series.iloc[0], series.iloc[-1]
    return Evidence(
        note=(
            "no Massachusetts total of drug-law arrests was found; marijuana possession arrests "
            f"alone went from {_number(first['arrests'])} ({first['year']}) to "
            f"{_number(last['arrests'])} ({last['year']}), across the 2009 decriminalisation"
        )
    )


def _section35(package: Package, item: pd.Series) -> Evidence:
    """C25: Section 35 petitions filed, first and last fiscal year of the Trial Court series."""
    table = package.table("section35_filings")
    totals = table[table["category"] == "total"].sort_values("fiscal_year")
    first, last = totals.iloc[0], totals.iloc[-1]
    change = (last["filings"] - first["filings"]) / first["filings"]
    source = package.sources("section35_filings")[0]
    return Evidence(
        comparison="direction",
        article_value=1.0,
        public_value=float(change),
        public_text=(f"{_number(first['filings'])} (FY{first['fiscal_year']}) → "
                     f"{_number(last['filings'])} (FY{last['fiscal_year']}), {change:+.0%}"),
        sources=(source["id"],),
        flags=("secondary",) if source.get("secondary") else (),
        note="petitions filed in the District Court and the Boston Municipal Court",
    )


def _pandemic_deaths(package: Package, item: pd.Series) -> Evidence:
    """C27: deaths in the pandemic year against the year before, within one MDPH release."""
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
        note += (f"; the same release counts {_number(earlier['deaths'].max())} deaths in "
                 f"{peak_year}, so {year} reversed a fall rather than continuing a rise")
    return Evidence(
        comparison="direction",
        article_value=1.0,
        public_value=float(change),
        public_text=(f"{_number(before['deaths'])} ({year - 1}) → {_number(during['deaths'])} "
                     f"({year}), {change:+.1%}"),
        sources=(during["source_id"],),
        flags=_secondary(during),
        note=note,
    )


SPECS: dict[tuple[str, str], Spec] = {
    ("C01", "ma_rate"): _ma_rate,
    ("C01", "us_rate"): _us_rate,
    ("C01", "ma_deaths"): _ma_deaths,
    ("C04", "white"): _race_rate("white_non_hispanic"),
    ("C04", "hispanic"): _race_rate("hispanic"),
    ("C04", "black"): _race_rate("black_non_hispanic"),
    ("C05", "overdoses"): _cambridge_2016,
    ("C05", "fatal"): _cambridge_2016,
    ("C05", "increase_on_2015"): _cambridge_2016,
    ("C06", "calls_per_day"): _lynn_calls,
    ("C06", "ratio_to_2012"): _lynn_ratio,
    ("C08", "deaths_attributed"): _not_checkable(
        "the Attorney General's complaint is not in the data package; the policy timeline "
        "records the case only from the article"
    ),
    ("C09", "fentanyl_share"): _fentanyl,
    ("C09", "scheduled_year"): _timeline_year,
    ("C10", "good_samaritan_year"): _timeline_year,
    ("C11", "fda_approval_year"): _timeline_year,
    ("C11", "ma_legal_access_year"): _timeline_year,
    ("C12", "price_2007"): _naloxone_2007,
    ("C12", "price_2019"): _naloxone_2019,
    ("C13", "start_year_earliest"): _programme_start,
    ("C13", "start_year_latest"): _programme_start,
    ("C14", "boston_officers"): _boston_officers,
    ("C14", "deputy_superintendent_year"): _timeline_year,
    ("C14", "recovery_services_year"): _timeline_year,
    ("C17", "population"): _population("cambridge", "lynn"),
    ("C17", "median_household_income"): _city_figure(
        "cambridge", "median_household_income", BUDGET_YEAR,
        note="no American Community Survey release in the data gives the article's figure",
    ),
    ("C17", "police_budget"): _city_figure("cambridge", "police_budget", BUDGET_YEAR),
    ("C17", "police_officers"): _city_figure(
        "cambridge", "police_employees", BUDGET_YEAR, same_measure=False,
        note="the public count is the whole staff, sworn and civilian",
        context="police_sworn_officers",
    ),
    ("C18", "population"): _population("lynn", "cambridge"),
    ("C18", "median_household_income"): _city_figure(
        "lynn", "median_household_income", BUDGET_YEAR,
        note="the article's figure is nearest an older American Community Survey release",
    ),
    ("C18", "police_budget"): _not_checkable(
        "no Lynn police budget in dollars for 2017 or 2018 was found"
    ),
    ("C18", "police_officers"): _city_figure(
        "lynn", "police_sworn_officers", SOURCE_YEAR,
        note="sworn officers; planned strengths are left out",
    ),
    ("C18", "officers_falling"): _lynn_falling,
    ("C19", "budget_ratio"): _budget_ratio,
    ("C19", "staff_ratio"): _staff_ratio,
    ("C20", "clinician_year"): _timeline_year,
    ("C21", "drug_law_arrests"): _not_checkable(
        "the claim covers Massachusetts and the United States; the two halves are the next rows"
    ),
    ("C21", "drug_law_arrests_us"): _us_arrests,
    ("C21", "drug_law_arrests_massachusetts"): _local_arrests,
    ("C22", "decriminalisation"): _timeline_year,
    ("C22", "medical"): _timeline_year,
    ("C22", "recreational_vote"): _timeline_year,
    ("C22", "shops_open"): _timeline_year,
    ("C23", "leap"): _timeline_year,
    ("C23", "lead"): _timeline_year,
    ("C23", "paari"): _timeline_year,
    ("C24", "commissioner"): _timeline_year,
    ("C24", "district_attorney"): _timeline_year,
    ("C25", "section35_trend"): _section35,
    ("C26", "clean_sweep"): _timeline_year,
    ("C27", "deaths_rising_2020"): _pandemic_deaths,
}


# --- The ledger ----------------------------------------------------------------------------------


def build_ledger(data_dir: Path | None = None, tolerance: float = RELATIVE_TOLERANCE,
                 specs: dict[tuple[str, str], Spec] | None = None) -> pd.DataFrame:
    """The ledger: one row per figure of the article, with the public figure, gap and verdict."""
    specs = SPECS if specs is None else specs
    package = Package(data_dir)
    claims = package.table("article_claims")
    listed = set(zip(claims["claim_id"], claims["item"], strict=True))
    stale = sorted(set(specs) - listed)
    if stale:
        raise ValueError(f"spec(s) for figures that article_claims does not list: {stale}")
    rows = []
    for _, item in claims.iterrows():
        evidence = specs.get((item["claim_id"], item["item"]), _default)(package, item)
        value = evidence.article_value if not pd.isna(evidence.article_value) else item["value"]
        rows.append(
            {
                "claim_id": item["claim_id"],
                "item": item["item"],
                "section": item["section"],
                "chapter": chapter_of(item["section"])[0],
                "claim": item["claim"],
                "value_as_printed": item["value_as_printed"],
                "unit": item["unit"],
                "source_given": item["source_given_by_article"],
                "article_value": float(value) if not pd.isna(value) else math.nan,
                "precision": printed_precision(item["value_as_printed"], item["value"],
                                               item["unit"]),
                "comparison": evidence.comparison,
                "public_value": evidence.public_value,
                "public_high": evidence.public_high,
                "public_text": evidence.public_text,
                "sources": ";".join(evidence.sources),
                "other_figures": evidence.other_figures,
                "same_measure": evidence.same_measure,
                "same_period": evidence.same_period,
                "flags": ";".join(evidence.flags),
                "note": evidence.note,
            }
        )
    return sort_by_section(apply_rules(pd.DataFrame(rows, columns=LEDGER_COLUMNS), tolerance))


def sort_by_section(ledger: pd.DataFrame) -> pd.DataFrame:
    """Rows in the article's order: by section, then claim, keeping each claim's figure order."""
    for column in ("section", "claim_id"):
        if column not in ledger.columns:
            raise KeyError(f"ledger needs a {column!r} column; it has {list(ledger.columns)}")
    keys = [list(CHAPTERS.values()).index(chapter_of(section)) for section in ledger["section"]]
    order = pd.DataFrame(
        {"section": keys, "claim": ledger["claim_id"].to_numpy(), "row": range(len(ledger))}
    ).sort_values(["section", "claim", "row"], kind="stable")
    return ledger.iloc[order["row"].to_numpy()].reset_index(drop=True)


def comparison_text(row: pd.Series) -> str:
    """What the book computes for one figure, in words and numbers."""
    if pd.isna(row["public_value"]):
        return "none"
    article, public = row["article_value"], row["public_value"]
    if row["comparison"] == "direction":
        said = "rising" if article > 0 else "falling"
        return f"article: {said}; public change {public:+.1%}"
    if row["comparison"] == "between":
        low, high = sorted([public, row["public_high"]])
        return f"{_number(low)} ≤ {_number(article)} ≤ {_number(high)}?"
    if row["comparison"] == "more_than":
        return f"{_number(public)} > {_number(article)}?"
    if row["comparison"] == "date":
        return f"article − public = {row['difference']:+.0f} years"
    return f"article − public = {_signed(row['difference'])} ({row['relative_difference']:+.1%})"


def _signed(value: float) -> str:
    """A difference with its sign, thousands separated, at most three significant digits."""
    size = abs(value)
    return ("+" if value >= 0 else "-") + (_number(round(size)) if size >= 100 else f"{size:.3g}")


def _escape(text: object) -> str:
    """Text made safe for MyST (no accidental roles, math, emphasis or HTML)."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _cite(sources: object) -> str:
    """A {cite:p} role for ';'-joined BibTeX keys (empty when there are none)."""
    keys = [key for key in flag_list(sources) if key]
    return f" {{cite:p}}`{','.join(keys)}`" if keys else ""


def ledger_markdown(ledger: pd.DataFrame, others_shown: int = 3) -> str:
    """The ledger as a MyST list-table in section order, an anchor per claim, chapter links."""
    needed = ["claim_id", "section", "chapter", "claim", "value_as_printed", "source_given",
              "public_value", "public_text", "sources", "other_figures", "flags", "note",
              "verdict", "reason", "comparison", "article_value", "public_high", "difference",
              "relative_difference"]
    _check_verdicts(ledger, needed)
    fence = "`" * 4
    lines = [f"{fence}{{list-table}}", ":header-rows: 1", ":widths: 12 28 32 28",
             ":class: claims-ledger", "",
             "* - Claim", "  - The article says", "  - Public record", "  - Verdict and why"]
    seen: set[str] = set()
    previous = ("", "")
    for _, row in sort_by_section(ledger).iterrows():
        _, label = chapter_of(row["section"])
        link = f"{{doc}}`{label} </{row['chapter']}>`"
        claim_id = row["claim_id"]
        first = [f"{claim_id} · {link}"]
        if claim_id not in seen:
            seen.add(claim_id)
            first = [f"(claim-{claim_id.lower()})=", f"**{claim_id}** · {link}"]
        printed = _escape(row["value_as_printed"])
        said = [_escape(row["claim"]) + (f": *{printed}*" if printed else ""),
                f"Source given: {_escape(row['source_given'])}."]
        if pd.isna(row["public_value"]):
            public = ["No comparable public figure."]
            note = row["note"] or row["reason"]
            said_before = previous == (claim_id, note)
            previous = (claim_id, note)
            why = f"**{row['verdict']}**: " + ("as in the row above." if said_before
                                               else f"{_escape(note)}.")
        else:
            previous = ("", "")
            public = [f"{_escape(row['public_text'])}{_cite(row['sources'])}.",
                      f"*Comparison:* {_escape(comparison_text(row))}"]
            why = f"**{row['verdict']}**: {_escape(row['reason'])}"
            why += f"; {_escape(row['note'])}." if row["note"] else "."
        others = [text for text in str(row["other_figures"]).split("; ") if text]
        if others:
            more = len(others) - others_shown
            rest = f"; and {more} more in the CSV" if more > 0 else ""
            shown = "; ".join(others[:others_shown]) + rest
            public.append(f"*Other figures:* {_escape(shown)}.")
        flags = flag_list(row["flags"])
        verdict = [why] + ([f"*Flags: {', '.join(flags)}.*"] if flags else [])
        for i, cell in enumerate((first, said, public, verdict)):
            lines.append(("* - " if i == 0 else "  - ") + "\n\n    ".join(cell))
    lines.append(fence)
    return "\n".join(lines)


def summary_markdown(by_claim: pd.DataFrame) -> str:
    """A bullet per claim verdict listing its claims, each linked to its row of the ledger."""
    _check_verdicts(by_claim, ["claim_id", "verdict"])
    lines = []
    for verdict in CLAIM_ORDER:
        ids = sorted(by_claim.loc[by_claim["verdict"] == verdict, "claim_id"])
        links = ", ".join(f"{{ref}}`{i} <claim-{i.lower()}>`" for i in ids) or "none"
        lines.append(f"- **{verdict}** ({len(ids)}): {links}")
    return "\n".join(lines)


def flags_markdown() -> str:
    """The ledger's flags and what each means, as a MyST bullet list."""
    return "\n".join(f"- *{name}*: {meaning}" for name, meaning in FLAGS.items())


def _figure_label(claim_id: str, item: str) -> str:
    """'C01 MA rate' from claim C01, item ma_rate."""
    words = [{"ma": "MA", "us": "US"}.get(word, word) for word in item.split("_")]
    return f"{claim_id} {words[0][:1].upper()}{words[0][1:]} {' '.join(words[1:])}".rstrip()


def plot_gaps(ledger: pd.DataFrame, tolerance: float = RELATIVE_TOLERANCE,
              ax: Axes | None = None) -> Figure:
    """Dot chart: each figure compared by value, as its gap to the public figure (% of it)."""
    _check_verdicts(ledger, ["claim_id", "item", "relative_difference", "verdict", "comparison"])
    shown = ledger[(ledger["comparison"] == "value") & ledger["relative_difference"].notna()]
    if shown.empty:
        raise ValueError("no figure was compared by value, so there is no gap to draw")
    shown = shown.sort_values("relative_difference", kind="stable").reset_index(drop=True)
    fig, ax = style.figure_axes(ax, figsize=(7.5, 0.32 * len(shown) + 1.4))
    ax.axvspan(-100 * tolerance, 100 * tolerance, color=style.PALETTE["sky_blue"], alpha=0.15,
               lw=0)
    ax.axvline(0, color=style.PALETTE["black"], lw=0.8)
    looks = {REPRODUCED: ("o", style.colour(0)), CONSISTENT: ("s", style.colour(2)),
             DIFFERS: ("D", style.colour(1))}
    for verdict, (marker, colour) in looks.items():
        rows = shown[shown["verdict"] == verdict]
        ax.scatter(100 * rows["relative_difference"], rows.index, marker=marker, color=colour,
                   s=42, zorder=3)
    ax.set_yticks(shown.index, [_figure_label(row.claim_id, row.item)
                                for row in shown.itertuples()])
    ax.invert_yaxis()
    ax.margins(x=0.06)
    ax.set_xlabel("Article's figure minus the public figure (% of the public figure)")
    ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], ls="", marker=marker, color=colour, label=verdict)
               for verdict, (marker, colour) in looks.items()]
    handles.append(plt.Rectangle((0, 0), 1, 1, color=style.PALETTE["sky_blue"], alpha=0.15,
                                 label=f"within ±{tolerance:.0%}"))
    ax.legend(handles=handles, loc="upper right")
    fig.tight_layout()
    return fig


def chapter_claims_markdown(ledger: pd.DataFrame, docname: str) -> Markdown:
    """A bullet per claim discussed on one page: its ledger row linked, its verdict, its figures."""
    _check_verdicts(ledger, ["claim_id", "chapter", "claim", "value_as_printed", "verdict"])
    known = sorted(set(ledger["chapter"]))
    if docname not in known:
        raise ValueError(f"no claim is discussed on {docname!r}; pages with claims: {known}")
    mine = ledger[ledger["chapter"] == docname]
    overall = claim_verdicts(mine).set_index("claim_id")["verdict"]
    lines = []
    for claim_id, figures in mine.groupby("claim_id", sort=True):
        lines.append(f"- {{ref}}`{claim_id} <claim-{claim_id.lower()}>`: "
                     f"**{overall[claim_id]}** overall")
        for row in figures.itertuples(index=False):
            printed = f" (*{_escape(row.value_as_printed)}*)" if row.value_as_printed else ""
            lines.append(f"  - {_escape(row.claim)}{printed}: {row.verdict}")
    return Markdown("\n".join(lines))
