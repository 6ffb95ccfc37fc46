"""Load the book's datasets by name, validated against data/datapackage.json.

The descriptor (Frictionless Data Package v1) is the contract: every CSV's header, cell types,
constraints and sha256 checksum are checked before a table is returned. Nothing is written.

Where the data are (`default_data_dir()`): the folder named by the environment variable
DIVERSION_BOOK_DATA if it is set; else the copy installed with the package (the wheel carries the
data package as `analysis/data`); else the repository's `data/` folder (a checkout, or an editable
install).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.myst import plain_markdown

DESCRIPTOR = "datapackage.json"
DATA_ENV = "DIVERSION_BOOK_DATA"
# The data package as installed from a wheel, and as found in a checkout of the repository.
PACKAGE_DATA_DIR: Path = Path(__file__).resolve().parent / "data"
REPOSITORY_DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"

TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0"}
INTEGER = re.compile(r"[-+]?\d+")
NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
YEAR = re.compile(r"\d{4}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TYPES = ("string", "integer", "year", "number", "date", "boolean")


class DataError(ValueError):
    """Base class of every error raised by this module."""


class UnknownDatasetError(DataError):
    """The name is not a resource of the data package."""


class DataFileError(DataError):
    """A file is missing, unreadable or not parseable."""


class DataValidationError(DataError):
    """A CSV breaks its schema (header, type or constraint)."""


class ChecksumError(DataError):
    """A CSV no longer matches the sha256 recorded in the descriptor."""


def default_data_dir() -> Path:
    """The data folder used when none is given (see the module docstring for the order)."""
    named = os.environ.get(DATA_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    if (PACKAGE_DATA_DIR / DESCRIPTOR).is_file():
        return PACKAGE_DATA_DIR
    return REPOSITORY_DATA_DIR


# The data folder found at import time (default_data_dir() reads the environment at each call).
DATA_DIR: Path = default_data_dir()


def _folder(data_dir: Path | None) -> Path:
    """The data directory to use: the given one, or default_data_dir()."""
    return Path(data_dir) if data_dir is not None else default_data_dir()


def _descriptor(data_dir: Path | None) -> dict[str, Any]:
    """The parsed datapackage.json of a data directory."""
    path = _folder(data_dir) / DESCRIPTOR
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DataFileError(
            f"{path}: descriptor not found (install the analysis package from the book's wheel, "
            f"which carries the data, or set {DATA_ENV} to the folder of datapackage.json)"
        ) from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFileError(f"{path}: unreadable descriptor ({error})") from error


def list_datasets(data_dir: Path | None = None) -> list[str]:
    """Names of all datasets described in datapackage.json, in descriptor order."""
    return [entry["name"] for entry in _descriptor(data_dir)["resources"]]


def resource(name: str, data_dir: Path | None = None) -> dict:
    """The descriptor entry (sources, caveats, schema...) of one dataset."""
    for entry in _descriptor(data_dir)["resources"]:
        if entry["name"] == name:
            return entry
    valid = ", ".join(list_datasets(data_dir))
    raise UnknownDatasetError(f"unknown dataset {name!r}; valid names: {valid}")


def csv_path(name: str, data_dir: Path | None = None) -> Path:
    """Absolute path of a dataset's CSV file."""
    return _folder(data_dir) / resource(name, data_dir)["path"]


def _parse(cell: str, kind: str) -> Any:
    """Convert one non-empty cell to its schema type; raise ValueError when it does not fit."""
    if kind == "string":
        return cell
    if kind in ("integer", "year"):
        if not (INTEGER if kind == "integer" else YEAR).fullmatch(cell):
            raise ValueError
        return int(cell)
    if kind == "number":
        if not NUMBER.fullmatch(cell):
            raise ValueError
        return float(cell)
    if kind == "date":
        if not DATE.fullmatch(cell):
            raise ValueError
        return date.fromisoformat(cell)
    if cell in TRUE_VALUES or cell in FALSE_VALUES:  # boolean, the last supported type
        return cell in TRUE_VALUES
    raise ValueError


def _broken_rule(value: Any, constraints: dict[str, Any]) -> str | None:
    """Describe the first constraint a parsed value breaks, or None."""
    if "minimum" in constraints and value < constraints["minimum"]:
        return f"violates minimum {constraints['minimum']}"
    if "maximum" in constraints and value > constraints["maximum"]:
        return f"violates maximum {constraints['maximum']}"
    if "enum" in constraints and value not in constraints["enum"]:
        return f"is not one of {constraints['enum']}"
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], str(value)):
        return f"does not match pattern {constraints['pattern']!r}"
    return None


def _read_rows(path: Path, label: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV into its header and (line number, cells) rows."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            rows = [(reader.line_num, cells) for cells in reader]
    except FileNotFoundError as error:
        raise DataFileError(f"{label}: file not found ({path})") from error
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataFileError(f"{label}: cannot parse CSV ({error})") from error
    if not header:
        raise DataFileError(f"{label}: empty file, no header")
    return header, rows


def _check_header(header: list[str], names: list[str], label: str) -> None:
    """Raise unless the CSV header lists exactly the schema's fields, in order."""
    if header == names:
        return
    missing = [name for name in names if name not in header]
    extra = [name for name in header if name not in names]
    detail = "; ".join(
        part
        for part in (
            f"missing column(s) {missing}" if missing else "",
            f"unexpected column(s) {extra}" if extra else "",
        )
        if part
    )
    raise DataValidationError(
        f"{label}, line 1: header {header} does not match schema fields {names}"
        + (f" ({detail})" if detail else " (order differs)")
    )


def _typed_columns(entry: dict[str, Any], path: Path, label: str) -> dict[str, list[Any]]:
    """Parse and check every cell of a resource's CSV; return typed columns."""
    fields = entry["schema"]["fields"]
    names = [field["name"] for field in fields]
    for field in fields:
        if field.get("type", "string") not in TYPES:
            raise DataError(
                f"{label}: unsupported field type {field['type']!r} for {field['name']!r}"
            )
    header, rows = _read_rows(path, label)
    _check_header(header, names, label)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    key = entry["schema"].get("primaryKey", [])
    seen: dict[tuple, int] = {}
    for line, cells in rows:
        if len(cells) != len(names):
            raise DataValidationError(
                f"{label}, line {line}: {len(cells)} cells where the header has {len(names)}"
            )
        for field, cell in zip(fields, cells, strict=True):
            where = f"{label}, line {line}, column {field['name']!r}"
            constraints = field.get("constraints", {})
            if cell == "":
                if constraints.get("required"):
                    raise DataValidationError(f"{where}: empty cell violates required")
                columns[field["name"]].append(None)
                continue
            try:
                value = _parse(cell, field.get("type", "string"))
            except ValueError:
                raise DataValidationError(
                    f"{where}: {cell!r} is not of type {field.get('type', 'string')}"
                ) from None
            rule = _broken_rule(value, constraints)
            if rule:
                raise DataValidationError(f"{where}: {cell!r} {rule}")
            columns[field["name"]].append(value)
        if key:
            values = tuple(cells[names.index(name)] for name in key)
            if values in seen:
                raise DataValidationError(
                    f"{label}, line {line}: primary key {key} = {list(values)} "
                    f"repeats line {seen[values]}"
                )
            seen[values] = line
    return columns


def _check_hash(entry: dict[str, Any], path: Path, label: str) -> None:
    """Raise ChecksumError when the file's sha256 differs from the descriptor's hash."""
    recorded = entry.get("hash", "")
    actual = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    if recorded != actual:
        raise ChecksumError(
            f"{label} changed since it was described in datapackage.json "
            f"(sha256 recorded {recorded.removeprefix('sha256:') or 'none'}, "
            f"file has {actual.removeprefix('sha256:')})"
        )


DTYPES = {"integer": "Int64", "year": "Int64", "number": "float64", "boolean": "bool"}


def load(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Read one dataset as a typed DataFrame after validating it against the descriptor."""
    folder = _folder(data_dir)
    entry = resource(name, folder)
    path = folder / entry["path"]
    label = f"{folder.name}/{entry['path']}"
    columns = _typed_columns(entry, path, label)
    _check_hash(entry, path, label)
    frame = pd.DataFrame(columns)
    for field in entry["schema"]["fields"]:
        kind = field.get("type", "string")
        column = field["name"]
        if kind == "date":
            frame[column] = pd.to_datetime(frame[column])
        elif kind == "boolean" and frame[column].isna().any():
            frame[column] = frame[column].astype("boolean")
        elif kind in DTYPES:
            frame[column] = frame[column].astype(DTYPES[kind])
        else:
            frame[column] = frame[column].astype(object)
    return frame


BOOK_BUILD_ENV = "DIVERSION_BOOK_BUILD"


def in_book_build() -> bool:
    """Whether this runs in a notebook that the book build executes (book/_ext/reader_notebooks.py
    sets DIVERSION_BOOK_BUILD=1 for them); not in a reader's notebook or a script."""
    return os.environ.get(BOOK_BUILD_ENV) == "1"


class Markdown(str):
    """Text that Jupyter displays as Markdown: MyST for the book build, plain Markdown in a
    reader's notebook (analysis.myst)."""

    def _repr_markdown_(self) -> str:
        return str(self) if in_book_build() else plain_markdown(self)


def _markdown_text(text: str) -> str:
    """Escape the characters that MyST would read as math or emphasis in descriptor prose."""
    return text.replace("$", r"\$").replace("*", r"\*")


def catalogue(link_base: str, data_dir: Path | None = None) -> Markdown:
    """MyST Markdown describing every dataset (Data appendix); CSV links begin with link_base."""
    parts = []
    for name in list_datasets(data_dir):
        entry = resource(name, data_dir)
        rows = len(load(name, data_dir))
        licences = ", ".join(f"[{lic['name']}]({lic['path']})" for lic in entry["licenses"])
        fields = ", ".join(f"`{field['name']}`" for field in entry["schema"]["fields"])
        sources = [
            f"- {_markdown_text(s['publisher'])}: *{_markdown_text(s['title'])}* "
            f"{{cite:p}}`{s['id']}`. Table: {_markdown_text(s['table'])}. "
            f"Vintage: {_markdown_text(s['vintage'])}. "
            + ("Read in a secondary copy. " if s["secondary"] else "Read at the publisher. ")
            + f"<{s['path']}>"
            for s in entry["sources"]
        ]
        caveats = [f"- {_markdown_text(caveat)}" for caveat in entry["caveats"]]
        parts.append(
            "\n".join(
                [
                    f"(data-{name.replace('_', '-')})=",
                    f"## {_markdown_text(entry['title'])}",
                    "",
                    f"`{name}`: {rows} rows; columns {fields}. "
                    f"Download {{download}}`{entry['path']} <{link_base}{entry['path']}>` "
                    f"(sha256 `{entry['hash'].removeprefix('sha256:')[:12]}…`). "
                    f"Licence: {licences}.",
                    "",
                    _markdown_text(entry["description"]),
                    "",
                    "**Sources**",
                    "",
                    *sources,
                    "",
                    "**Caveats and gaps**",
                    "",
                    *caveats,
                    "",
                ]
            )
        )
    return Markdown("\n".join(parts))
