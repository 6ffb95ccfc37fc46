"""The ledger's rules: how a comparator is chosen, how one figure is judged, how a claim is judged.

Every verdict of the claims ledger comes from this module; the ledger page explains the same rules
in words. `tolerance` is RELATIVE_TOLERANCE unless stated.

Choosing the public figure (`best_match`), by these keys in turn, never by closeness to the
article's value: a figure of the same measure first; then the year nearest the claim's year
(undated figures last); then, among releases of the same figure, the latest release published on or
before the article's access date (ACCESS_VINTAGE), else the earliest after it; then a primary
source before a secondary copy; then the later year; then data order.

Judging one figure (`judge`):
- no public figure → "not checkable";
- a comparison that uses the article's own figures checks arithmetic, not the record → "not
  checkable";
- a value matches when the public figure is within half a unit of the last digit the article prints
  (29 matches 28.5 to 29.5); a lower bound ("more than") matches when the public figure is above
  it; a date matches when the years are equal. A match is "reproduced" when the public figure is
  for the same year and is read, not computed by the book; otherwise "consistent";
- a value that does not match is "consistent" within `tolerance` of the public figure, else
  "differs"; a date or lower bound that does not match "differs";
- a stated direction (rising, falling) is "consistent" when the public series moves that way, else
  "differs"; it can never be "reproduced";
- when the public figure measures something else, the verdict above is capped: a match or a figure
  within `tolerance` is only "loosely comparable", and a gap says nothing about the article, so
  "differs" becomes "not checkable".
A claim holds only as far as its weakest figure: its verdict is the last of its figures' verdicts
in CLAIM_ORDER.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from analysis.checks import require_columns

REPRODUCED, CONSISTENT, DIFFERS = "reproduced", "consistent", "differs"
LOOSELY, NOT_CHECKABLE = "loosely comparable", "not checkable"
VERDICTS = (REPRODUCED, CONSISTENT, LOOSELY, DIFFERS, NOT_CHECKABLE)
CLAIM_ORDER = (REPRODUCED, CONSISTENT, LOOSELY, NOT_CHECKABLE, DIFFERS)
RELATIVE_TOLERANCE = 0.10
COMPARISONS = ("value", "date", "more_than", "direction")
ACCESS_VINTAGE = "2020-07"  # the article consulted mass.gov on 23 July 2020
FLAGS = {
    "measure": "the public figure measures something else",
    "period": "the public figure is for another year, or its date is approximate or unknown",
    "computed": "the public figure is the book's computation from published figures",
    "years": "the article compares two cities with figures from different years",
    "vintage": "the figure changes from one report release to the next",
    "unit": "the article prints the figure with the wrong unit",
    "article": "the comparison uses the article's own figures",
    "secondary": "the public figure was read in a secondary copy",
}


def best_match(candidates: pd.DataFrame, year: int | None) -> pd.Series:
    """The public figure chosen by the stated rule (see the module doc); the value plays no part."""
    require_columns(candidates, ["value", "year"], "best_match (candidates)")
    if candidates.empty:
        raise ValueError("no candidate figures to choose from")
    keys = pd.DataFrame(index=candidates.index)
    same = candidates.get("same_measure", pd.Series(True, index=candidates.index))
    keys["other_measure"] = ~same.astype(bool)
    years = pd.to_numeric(candidates["year"], errors="coerce").astype(float)
    keys["year_gap"] = (years - year).abs().fillna(math.inf) if year is not None else 0.0
    vintage = candidates.get("vintage", pd.Series(None, index=candidates.index, dtype=object))
    months = pd.to_datetime(vintage.map(_month), format="%Y-%m", errors="coerce")
    access = pd.Timestamp(ACCESS_VINTAGE)
    keys["after_access"] = (months > access) | months.isna()
    keys["vintage_gap"] = (months - access).abs().dt.days.fillna(math.inf)
    keys["secondary"] = candidates.get("secondary", False)
    keys["earlier"] = -years.fillna(-math.inf)
    return candidates.loc[keys.sort_values(list(keys.columns), kind="stable").index[0]]


def _month(vintage: object) -> str | None:
    """A release date as 'YYYY-MM' (a day is dropped, '2017' counts as January); else None."""
    text = str(vintage) if isinstance(vintage, str) else ""
    return text[:7] if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text) else (
        f"{text}-01" if re.fullmatch(r"\d{4}", text) else None)


def judge(
    comparison: str,
    article_value: float,
    precision: float,
    public_value: float,
    same_measure: bool = True,
    same_period: bool = True,
    flags: tuple[str, ...] | list[str] = (),
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
    if "article" in flags:
        return NOT_CHECKABLE, "uses the article's own figures: checks arithmetic, not the record"
    verdict, reason = _same_measure_verdict(comparison, article_value, precision, public_value,
                                            same_period, "computed" in flags, tolerance)
    if same_measure:
        return verdict, reason
    if verdict == DIFFERS:
        return NOT_CHECKABLE, f"{reason}, but the public figure measures something else, so " \
            "the gap says nothing about the article"
    return LOOSELY, f"{reason}, but the public figure measures something else"


def _same_measure_verdict(comparison: str, article_value: float, precision: float,
                          public_value: float, same_period: bool, computed: bool,
                          tolerance: float) -> tuple[str, str]:
    """The verdict as if the public figure measured the same thing as the article's."""
    if comparison == "direction":
        if np.sign(public_value) == np.sign(article_value) != 0:
            return CONSISTENT, "the public series moves the way the article says"
        return DIFFERS, "the public series does not move the way the article says"
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
        caveats = [text for text, applies in (("is for another or an uncertain year",
                                               not same_period), ("is computed by the book",
                                                                  computed)) if applies]
        if not caveats:
            return REPRODUCED, what
        return CONSISTENT, f"{what}, but the public figure {' and '.join(caveats)}"
    relative = gap / abs(public_value) if public_value else math.inf
    off = f"off by {relative:.1%}"
    if relative <= tolerance:
        return CONSISTENT, f"within {tolerance:.0%} of the public figure ({off})"
    return DIFFERS, f"{off}, beyond the {tolerance:.0%} tolerance"


def flag_list(flags: object) -> list[str]:
    """Flags stored as a ';'-joined string (or a tuple or list) as a list."""
    if isinstance(flags, (tuple, list)):
        return list(flags)
    if flags is None or pd.isna(flags) or flags == "":
        return []
    return str(flags).split(";")


def check_verdicts(table: pd.DataFrame, columns: list[str]) -> None:
    """Raise a KeyError for missing columns, a ValueError for verdicts outside VERDICTS."""
    require_columns(table, columns, "the verdict table")
    if unknown := sorted(set(table["verdict"]) - set(VERDICTS)):
        raise ValueError(f"unknown verdict(s) {unknown}; valid ones are {list(VERDICTS)}")


def apply_rules(checks: pd.DataFrame, tolerance: float = RELATIVE_TOLERANCE) -> pd.DataFrame:
    """Add the gap to the public figure, the verdict and its reason to a table of comparisons."""
    needed = ["comparison", "article_value", "precision", "public_value", "same_measure",
              "same_period", "flags"]
    require_columns(checks, needed, "the comparison table")
    table = checks.copy()
    article = table["article_value"].astype(float)
    public = table["public_value"].astype(float)
    table["difference"] = (article - public).where(table["comparison"].isin(["value", "date"]))
    relative = table["difference"] / public.abs()
    table["relative_difference"] = relative.where((table["comparison"] == "value") & (public != 0))
    results = [
        judge(row.comparison, row.article_value, row.precision, row.public_value,
              bool(row.same_measure), bool(row.same_period), flag_list(row.flags), tolerance)
        for row in table.itertuples(index=False)
    ]
    table["verdict"] = [verdict for verdict, _ in results]
    table["reason"] = [reason for _, reason in results]
    return table


def claim_verdicts(ledger: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: how many of its figures got each verdict, and the claim's verdict."""
    check_verdicts(ledger, ["claim_id", "section", "verdict"])
    rank = {verdict: i for i, verdict in enumerate(CLAIM_ORDER)}
    return pd.DataFrame([
        {"claim_id": claim_id, "section": figures["section"].iloc[0], "figures": len(figures),
         **{f"figures_{v.replace(' ', '_')}": int((figures["verdict"] == v).sum())
            for v in VERDICTS},
         "verdict": max(figures["verdict"], key=rank.__getitem__)}
        for claim_id, figures in ledger.groupby("claim_id", sort=True)
    ])
