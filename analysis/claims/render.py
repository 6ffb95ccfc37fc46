"""The ledger as the book shows it: the Markdown of the ledger page and of each chapter's claims."""

from __future__ import annotations

import re

import pandas as pd

from analysis.claims.evidence import number
from analysis.claims.ledger import chapter_of, sort_by_section
from analysis.claims.rules import CLAIM_ORDER, FLAGS, check_verdicts, claim_verdicts, flag_list
from analysis.datasets import Markdown

MARKDOWN_SPECIAL = re.compile(r"([\\`*_$<>\[\]{}|#])")


def comparison_text(row: pd.Series) -> str:
    """What the book computes for one figure, in words and numbers."""
    if pd.isna(row["public_value"]):
        return "none"
    article, public = row["article_value"], row["public_value"]
    if row["comparison"] == "direction":
        said = "rising" if article > 0 else "falling"
        return f"article: {said}; public change {public:+.1%}"
    if row["comparison"] == "more_than":
        return f"{number(public)} > {number(article)}?"
    if row["comparison"] == "date":
        return f"article − public = {row['difference']:+.0f} years"
    return f"article − public = {_signed(row['difference'])} ({row['relative_difference']:+.1%})"


def _signed(value: float) -> str:
    """A difference with its sign, thousands separated, at most three significant digits."""
    size = abs(value)
    return ("+" if value >= 0 else "-") + (number(round(size)) if size >= 100 else f"{size:.3g}")


def escape_myst(text: object) -> str:
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
              "verdict", "reason", "comparison", "article_value", "difference",
              "relative_difference"]
    check_verdicts(ledger, needed)
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
        printed = escape_myst(row["value_as_printed"])
        said = [escape_myst(row["claim"]) + (f": *{printed}*" if printed else ""),
                f"Source given: {escape_myst(row['source_given'])}."]
        if pd.isna(row["public_value"]):
            public = ["No comparable public figure."]
            note = row["note"] or row["reason"]
            said_before = previous == (claim_id, note)
            previous = (claim_id, note)
            why = f"**{row['verdict']}**: " + ("as in the row above." if said_before
                                               else f"{escape_myst(note)}.")
        else:
            previous = ("", "")
            public = [f"{escape_myst(row['public_text'])}{_cite(row['sources'])}.",
                      f"*Comparison:* {escape_myst(comparison_text(row))}"]
            why = f"**{row['verdict']}**: {escape_myst(row['reason'])}"
            why += f"; {escape_myst(row['note'])}." if row["note"] else "."
        if row.get("latest_text"):
            public.append(f"*Latest release:* {escape_myst(row['latest_text'])}"
                          f"{_cite(row['latest_sources'])}; the verdict keeps the release "
                          "current when the article looked.")
        others = [text for text in str(row["other_figures"]).split("; ") if text]
        if others:
            more = len(others) - others_shown
            rest = f"; and {more} more in the CSV" if more > 0 else ""
            shown = "; ".join(others[:others_shown]) + rest
            public.append(f"*Other figures:* {escape_myst(shown)}.")
        flags = flag_list(row["flags"])
        verdict = [why] + ([f"*Flags: {', '.join(flags)}.*"] if flags else [])
        for i, cell in enumerate((first, said, public, verdict)):
            lines.append(("* - " if i == 0 else "  - ") + "\n\n    ".join(cell))
    lines.append(fence)
    return "\n".join(lines)


def summary_markdown(by_claim: pd.DataFrame) -> str:
    """A bullet per claim verdict listing its claims, each linked to its row of the ledger."""
    check_verdicts(by_claim, ["claim_id", "verdict"])
    lines = []
    for verdict in CLAIM_ORDER:
        ids = sorted(by_claim.loc[by_claim["verdict"] == verdict, "claim_id"])
        links = ", ".join(f"{{ref}}`{i} <claim-{i.lower()}>`" for i in ids) or "none"
        lines.append(f"- **{verdict}** ({len(ids)}): {links}")
    return "\n".join(lines)


def flags_markdown() -> str:
    """The ledger's flags and what each means, as a MyST bullet list."""
    return "\n".join(f"- *{name}*: {meaning}" for name, meaning in FLAGS.items())


def chapter_claims_markdown(ledger: pd.DataFrame, docname: str) -> Markdown:
    """A bullet per claim discussed on one page: its ledger row linked, its verdict, its figures."""
    check_verdicts(ledger, ["claim_id", "chapter", "claim", "value_as_printed", "verdict"])
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
            printed = f" (*{escape_myst(row.value_as_printed)}*)" if row.value_as_printed else ""
            lines.append(f"  - {escape_myst(row.claim)}{printed}: {row.verdict}")
    return Markdown("\n".join(lines))
