"""The claims ledger: each figure of Vivant (2021) beside the public record, with a ruled verdict.

A claim of the article (C01, C02...) holds one or more figures, the rows of `article_claims`. The
package is laid out as the design:

- `rules`: the verdict rules, the choice of the public figure, how figures combine into a claim;
- `evidence`: what a spec returns, and helpers that read candidates from the data package;
- `registry` and `specs`: one spec per figure, grouped by the article's parts;
- `ledger`: the ledger table; `render`: its Markdown; `plots`: its chart;
- `then_and_now`: the claims beside the series published after the article (verdicts unchanged).

No verdict is typed by hand.
"""

from analysis.claims.evidence import (
    ARTICLE,
    Evidence,
    Package,
    Spec,
    from_candidates,
    printed_precision,
    with_unit,
)
from analysis.claims.ledger import (
    CHAPTERS,
    build_ledger,
    changed_verdicts,
    chapter_of,
    sort_by_section,
    verdict_counts,
)
from analysis.claims.plots import plot_gaps
from analysis.claims.registry import SPECS, register
from analysis.claims.render import (
    chapter_claims_markdown,
    comparison_text,
    flags_markdown,
    ledger_markdown,
    summary_markdown,
)
from analysis.claims.rules import (
    ACCESS_VINTAGE,
    CLAIM_ORDER,
    COMPARISONS,
    CONSISTENT,
    DIFFERS,
    FLAGS,
    LOOSELY,
    NOT_CHECKABLE,
    RELATIVE_TOLERANCE,
    REPRODUCED,
    VERDICTS,
    apply_rules,
    best_match,
    claim_verdicts,
    flag_list,
    judge,
)
from analysis.claims.specs.part2 import BUDGET_YEAR, FIELDWORK_YEAR, SOURCE_YEAR
from analysis.claims.then_and_now import then_and_now, then_and_now_markdown

__all__ = [
    "ACCESS_VINTAGE", "ARTICLE", "BUDGET_YEAR", "CHAPTERS", "CLAIM_ORDER", "COMPARISONS",
    "CONSISTENT", "DIFFERS", "FIELDWORK_YEAR", "FLAGS", "LOOSELY", "NOT_CHECKABLE",
    "RELATIVE_TOLERANCE", "REPRODUCED", "SOURCE_YEAR", "SPECS", "VERDICTS", "Evidence", "Package",
    "Spec", "apply_rules", "best_match", "build_ledger", "changed_verdicts",
    "chapter_claims_markdown",
    "chapter_of", "claim_verdicts", "comparison_text", "flag_list", "flags_markdown",
    "from_candidates", "judge", "ledger_markdown", "plot_gaps", "printed_precision", "register",
    "sort_by_section", "summary_markdown", "then_and_now", "then_and_now_markdown",
    "verdict_counts", "with_unit",
]
