"""Input checks shared by the analysis modules: errors that say what is missing and where."""

import pandas as pd


def require_columns(table: pd.DataFrame, columns: list[str], what: str = "this step") -> None:
    """Raise a KeyError naming the columns `what` needs that `table` lacks, and the ones it has."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise KeyError(
            f"{what} needs column(s) {missing}, not in the table, which has {list(table.columns)}"
        )
