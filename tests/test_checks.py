"""Tests of analysis.checks."""

import pandas as pd
import pytest

from analysis.checks import require_columns


def test_present_columns_pass():
    require_columns(pd.DataFrame({"year": [2016], "deaths": [2227]}), ["year", "deaths"])


def test_missing_columns_are_named_with_those_present():
    table = pd.DataFrame({"year": [2016]})
    with pytest.raises(KeyError, match=r"crude rates needs column\(s\) \['deaths'\].*\['year'\]"):
        require_columns(table, ["year", "deaths"], "crude rates")
