"""What a spec hands the rules: the public side of one figure's comparison, and the helpers that
build it from the data package (candidates, releases, city figures, timeline events)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import datasets
from analysis.claims.rules import best_match

ARTICLE = "vivant2021"
FIELDWORK_SOURCES = ("fieldwork", "the study")
UNITS = {"per_100k": ("", " per 100,000"), "usd": ("US$", ""), "percent": ("", "%")}
PRINTED_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?")


@dataclass(frozen=True)
class Evidence:
    """The public side of one figure's comparison, as its spec finds it in the data package."""

    comparison: str = "value"
    public_value: float = math.nan
    public_text: str = ""
    sources: tuple[str, ...] = ()
    other_figures: str = ""
    same_measure: bool = True
    same_period: bool = True
    flags: tuple[str, ...] = ()
    article_value: float = math.nan
    note: str = ""
    latest_value: float = math.nan
    latest_text: str = ""
    latest_sources: tuple[str, ...] = ()


class Package:
    """The data package's tables and source lists, each read (and validated) once.

    `tables` preloads tables by name (tests use it to hand specs constructed data).
    """

    def __init__(self, data_dir: Path | None = None,
                 tables: dict[str, pd.DataFrame] | None = None) -> None:
        self.data_dir = data_dir
        self._tables: dict[str, pd.DataFrame] = dict(tables or {})
        self._sources: dict[str, list[dict]] = {}

    def table(self, name: str) -> pd.DataFrame:
        """One dataset, validated by analysis.datasets."""
        if name not in self._tables:
            self._tables[name] = datasets.load(name, self.data_dir)
        return self._tables[name]

    def sources(self, name: str) -> list[dict]:
        """The `sources` list of one dataset's descriptor."""
        if name not in self._sources:
            self._sources[name] = datasets.resource(name, self.data_dir).get("sources", [])
        return self._sources[name]


Spec = Callable[[Package, pd.Series], Evidence]


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


def from_candidates(
    candidates: pd.DataFrame,
    unit: str | None,
    year: int | None = None,
    comparison: str = "value",
    same_measure: bool = True,
    flags: tuple[str, ...] = (),
    note: str = "",
) -> Evidence:
    """Evidence from the public figure that `best_match` chooses among several.

    A figure is for the same period only when the claim has a year and the figure is for it (a
    date compares years, so its period is always the same). Candidates have columns value, year,
    label, source_id and secondary; optionally `approximate`
    (the date is approximate), `vintage` (the release, 'YYYY-MM') and `release_of` (which figure a
    report release revises).
    """
    if candidates.empty:
        return Evidence(comparison=comparison, note=note)
    chosen = best_match(candidates, year)
    others = candidates.drop(index=chosen.name)
    same_period = comparison == "date" or (
        year is not None and not pd.isna(chosen["year"]) and int(chosen["year"]) == year)
    if "approximate" in candidates.columns and bool(chosen["approximate"]):
        same_period = False
    found = list(flags)
    if "release_of" in candidates.columns:
        releases = candidates[candidates["release_of"] == chosen["release_of"]]
        if releases["value"].nunique() > 1:
            found.append("vintage")
    found += [flag for flag, applies in (("measure", not same_measure),
                                         ("period", not same_period),
                                         ("secondary", bool(chosen["secondary"]))) if applies]
    latest = latest_release(candidates, chosen)
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
        flags=unique(found),
        note=note,
        **latest_fields(latest, lambda row: f"{with_unit(row['value'], unit)} ({row['label']})"),
    )


def release_date(vintage: object) -> pd.Timestamp:
    """A release's date from 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (NaT for anything else)."""
    text = vintage if isinstance(vintage, str) else ""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return pd.NaT
    return pd.Timestamp(text)


def latest_release(candidates: pd.DataFrame, chosen: pd.Series) -> pd.Series | None:
    """The latest release of the chosen figure, when one came out after the chosen release and
    gives another value; None otherwise. Only for the record: the verdict keeps the figure the
    rules chose, the release current when the article looked."""
    if not {"release_of", "vintage"} <= set(candidates.columns):
        return None
    same = candidates[candidates["release_of"] == chosen["release_of"]]
    dates = same["vintage"].map(release_date)
    chosen_date = release_date(chosen["vintage"])
    if dates.isna().all() or pd.isna(chosen_date):
        return None
    latest = same.loc[dates.idxmax()]
    if dates.max() <= chosen_date or float(latest["value"]) == float(chosen["value"]):
        return None
    return latest


def latest_fields(latest: pd.Series | None, text: Callable[[pd.Series], str]) -> dict:
    """The Evidence fields that record a later release (empty when there is none)."""
    if latest is None:
        return {}
    return {"latest_value": float(latest["value"]), "latest_text": text(latest),
            "latest_sources": (latest["source_id"],)}


def with_unit(value: float, unit: str | None) -> str:
    """A number with its unit as the ledger prints it, e.g. 'US$22', '29 per 100,000', '93%'."""
    if unit == "year":
        return f"{float(value):.0f}"
    prefix, suffix = UNITS.get(unit or "", ("", ""))
    return f"{prefix}{number(value)}{suffix}"


def number(value: float) -> str:
    """A number with thousands separators and at most three significant digits after the point."""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.1f}"


def unique(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Items in first-seen order, without repeats."""
    return tuple(dict.fromkeys(items))


def secondary(*rows: pd.Series) -> tuple[str, ...]:
    """The 'secondary' flag if any of the rows was read in a secondary copy."""
    return ("secondary",) if any(bool(row["secondary"]) for row in rows) else ()


def releases(table: pd.DataFrame, value: str, release_of: list[str]) -> pd.DataFrame:
    """Rows that give one figure per report release (MDPH style) as candidates."""
    out = pd.DataFrame({
        "value": table[value].astype(float),
        "year": table["year"],
        "label": [f"{year}, release of {vintage}" if isinstance(vintage, str) else f"{year}"
                  for year, vintage in zip(table["year"], table["vintage"], strict=True)],
        "source_id": table["source_id"],
        "secondary": table["secondary"],
        "vintage": table["vintage"],
    })
    out["release_of"] = ["|".join(map(str, key)) for key in table[release_of].itertuples(
        index=False)]
    return out


def city(package: Package, place: str, indicator: str) -> pd.DataFrame:
    """One city's figures for one indicator of city_profiles, as candidates (plans left out)."""
    profiles = package.table("city_profiles")
    rows = profiles[(profiles["place"] == place) & (profiles["indicator"] == indicator)]
    rows = rows[~rows["basis"].str.contains("planned")]
    return pd.DataFrame({
        "value": rows["value"].astype(float),
        "year": rows["year"],
        "label": [_city_label(period, basis)
                  for period, basis in zip(rows["period"], rows["basis"], strict=True)],
        "source_id": rows["source_id"],
        "secondary": rows["secondary"],
    })


def _city_label(period: str, basis: str) -> str:
    """'2017, Census Population Estimates Program'; basis left out when it only says 'as stated'."""
    if basis.startswith(("as stated", "as reported")) or "undated" in basis:
        return str(period)
    return f"{period}, {basis}"


def claim_value(package: Package, claim_id: str, item: str) -> float:
    """The article's value for one figure of article_claims."""
    claims = package.table("article_claims").set_index(["claim_id", "item"])
    return float(claims.loc[(claim_id, item), "value"])


def not_checkable(note: str) -> Spec:
    """A spec for a figure that no public document in the data package gives."""

    def spec(package: Package, item: pd.Series) -> Evidence:
        return Evidence(note=note)

    return spec


def default(package: Package, item: pd.Series) -> Evidence:
    """Figures without a spec: nothing in the data package speaks to them."""
    if item["source_given_by_article"] in FIELDWORK_SOURCES:
        return Evidence(note="from the study's own fieldwork")
    return Evidence(note="no public document in the data package gives this figure")


def timeline_year(package: Package, item: pd.Series) -> Evidence:
    """A year, against the policy-timeline rows that date the same event from a document other than
    the article. A row names the event in its note as 'Claim C24 (district_attorney)'; the claim's
    year plays no part in the choice, so the comparison can differ."""
    timeline = package.table("policy_timeline")
    notes = timeline["note"].fillna("")
    cited = timeline[notes.str.contains(rf"\b{item['claim_id']}\b")]
    tag = rf"\b{item['claim_id']} \({item['item']}\)"
    independent = cited[(cited["source_id"] != ARTICLE) & cited["note"].str.contains(tag)]
    if independent.empty:
        note = ("the policy timeline dates this only from the article" if not cited.empty
                else "no public document in the data package dates this")
        return Evidence(comparison="date", note=note)
    read_in_copy = _secondary_source(package)
    candidates = pd.DataFrame({
        "value": independent["year"].astype(float),
        "year": independent["year"],
        "label": list(independent["date"]),
        "source_id": independent["source_id"],
        "secondary": [read_in_copy.get(key, False) for key in independent["source_id"]],
    })
    return from_candidates(candidates, "year", None, comparison="date",
                           note="the same event, dated by a document other than the article")


def _secondary_source(package: Package) -> dict[str, bool]:
    """Whether each source of the policy timeline was read in a secondary copy."""
    return {source["id"]: bool(source.get("secondary", False))
            for source in package.sources("policy_timeline")}
