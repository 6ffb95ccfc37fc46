"""Computations behind the companion book to Vivant (2021).

Notebooks call these functions; each module is named for the part of the domain it covers.
"""

__version__ = "0.1.0"
