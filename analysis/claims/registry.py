"""The specs of the claims ledger, one per figure of the article that the data package speaks to.

A spec is a function `(package, item) -> Evidence` registered under the figure's (claim_id, item)
with `register`; the modules of `analysis.claims.specs` hold them, one module per part of the
article. Figures without a spec get `evidence.default` (not checkable).
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.claims.evidence import Spec

SPECS: dict[tuple[str, str], Spec] = {}


def register(claim_id: str, *items: str) -> Callable[[Spec], Spec]:
    """Register a spec for one or more figures of a claim; a figure can have only one spec."""

    def add(spec: Spec) -> Spec:
        for item in items:
            key = (claim_id, item)
            if key in SPECS:
                raise ValueError(f"figure {key} already has a spec: {SPECS[key].__name__}")
            SPECS[key] = spec
        return spec

    return add
