"""The claims ledger: every figure of the article, its spec's evidence and the rules' verdict."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

import analysis.claims.specs  # noqa: F401  (importing it registers every spec)
from analysis.claims.evidence import Evidence, Package, Spec, default, printed_precision
from analysis.claims.registry import SPECS
from analysis.claims.rules import RELATIVE_TOLERANCE, VERDICTS, apply_rules, check_verdicts

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
LEDGER_COLUMNS = [
    "claim_id", "item", "section", "chapter", "claim", "value_as_printed", "unit", "source_given",
    "article_value", "precision", "comparison", "public_value", "public_text", "sources",
    "other_figures", "same_measure", "same_period", "flags", "note", "latest_value", "latest_text",
    "latest_sources",
]


def chapter_of(section: str) -> tuple[str, str]:
    """The book page (docname) and short label for an article section such as '1.1 (footnote 7)'."""
    key = str(section).split(" ")[0]
    if key not in CHAPTERS:
        raise ValueError(f"unknown article section {section!r}; valid ones are {list(CHAPTERS)}")
    return CHAPTERS[key]


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
    rows = [figure_row(item, specs.get((item["claim_id"], item["item"]), default)(package, item))
            for _, item in claims.iterrows()]
    return sort_by_section(apply_rules(pd.DataFrame(rows, columns=LEDGER_COLUMNS), tolerance))


def figure_row(item: pd.Series, evidence: Evidence) -> dict:
    """One row of the ledger before the rules: the article's figure and its spec's evidence."""
    value = evidence.article_value if not pd.isna(evidence.article_value) else item["value"]
    return {
        "claim_id": item["claim_id"],
        "item": item["item"],
        "section": item["section"],
        "chapter": chapter_of(item["section"])[0],
        "claim": item["claim"],
        "value_as_printed": item["value_as_printed"],
        "unit": item["unit"],
        "source_given": item["source_given_by_article"],
        "article_value": float(value) if not pd.isna(value) else math.nan,
        "precision": printed_precision(item["value_as_printed"], item["value"], item["unit"]),
        "comparison": evidence.comparison,
        "public_value": evidence.public_value,
        "public_text": evidence.public_text,
        "sources": ";".join(evidence.sources),
        "other_figures": evidence.other_figures,
        "same_measure": evidence.same_measure,
        "same_period": evidence.same_period,
        "flags": ";".join(evidence.flags),
        "note": evidence.note,
        "latest_value": evidence.latest_value,
        "latest_text": evidence.latest_text,
        "latest_sources": ";".join(evidence.latest_sources),
    }


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


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many rows carry each verdict, every verdict listed (zero included), in VERDICTS order."""
    check_verdicts(table, ["verdict"])
    counts = table["verdict"].value_counts()
    return pd.DataFrame({"verdict": VERDICTS, "count": [int(counts.get(v, 0)) for v in VERDICTS]})


def changed_verdicts(ledger: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """The figures whose verdict changes when the rules are rerun with another tolerance."""
    check_verdicts(ledger, ["claim_id", "item", "verdict"])
    rerun = apply_rules(ledger, tolerance)
    changed = rerun["verdict"] != ledger["verdict"]
    return pd.DataFrame({
        "claim_id": ledger.loc[changed, "claim_id"],
        "item": ledger.loc[changed, "item"],
        "relative_difference": ledger.loc[changed, "relative_difference"],
        "verdict": ledger.loc[changed, "verdict"],
        "verdict_with_new_tolerance": rerun.loc[changed, "verdict"],
    }).reset_index(drop=True)
