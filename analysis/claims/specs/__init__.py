"""The ledger's specs, one module per part of the article; importing this package registers them
all in `analysis.claims.registry.SPECS`."""

from analysis.claims.specs import conclusion, introduction, part1, part2, part3

__all__ = ["conclusion", "introduction", "part1", "part2", "part3"]
