"""Tests of the data loader (analysis.datasets): API, dtypes, and what it does with broken copies.

Every corruption is made in a copy of data/ under tmp_path; the real files are checked to be
byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import datasets
from analysis.datasets import (
    ChecksumError,
    DataError,
    DataFileError,
    DataValidationError,
    UnknownDatasetError,
)

REAL = datasets.DATA_DIR


def _digest_all(folder: Path) -> dict[str, str]:
    """sha256 of every file in a folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def real_digests() -> dict[str, str]:
    """Digests of the real data/ files before any test of this module runs."""
    return _digest_all(REAL)


@pytest.fixture
def copy(tmp_path: Path, real_digests: dict[str, str]):
    """A writable copy of data/ named 'data'; afterwards, data/ itself must be unchanged."""
    target = tmp_path / "data"
    shutil.copytree(REAL, target)
    yield target
    assert _digest_all(REAL) == real_digests


def _edit_line(path: Path, line_number: int, old: str, new: str) -> None:
    """Replace text in one line (1-based, header = 1) of a file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_number - 1], (old, lines[line_number - 1])
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _rehash(folder: Path, name: str) -> None:
    """Record a copied CSV's new sha256 in the copied descriptor (to test content rules alone)."""
    descriptor = folder / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    for entry in package["resources"]:
        if entry["name"] == name:
            digest = hashlib.sha256((folder / entry["path"]).read_bytes()).hexdigest()
            entry["hash"] = f"sha256:{digest}"
    descriptor.write_text(json.dumps(package), encoding="utf-8")


# --- the API on the real data ---------------------------------------------------------------------


def test_data_dir_is_the_repository_data_folder():
    assert REAL == Path(__file__).resolve().parents[1] / "data"
    assert (REAL / "datapackage.json").is_file()


def test_every_described_dataset_loads_and_every_csv_is_described():
    names = datasets.list_datasets()
    assert len(names) == len(set(names))
    assert {datasets.csv_path(n).name for n in names} == {p.name for p in REAL.glob("*.csv")}
    for name in names:
        table = datasets.load(name)
        fields = datasets.resource(name)["schema"]["fields"]
        assert list(table.columns) == [f["name"] for f in fields]
        assert len(table) > 0, name


def test_the_datasets_other_engineers_rely_on_exist():
    expected = {
        "nchs_overdose_mortality", "mdph_opioid_deaths", "mdph_opioid_rates",
        "cdc_overdose_rates_other", "ma_opioid_rates_by_race", "fbi_drug_arrests",
        "marijuana_arrests", "section35_filings", "city_profiles", "article_city_figures",
        "city_opioid_deaths", "overdose_responses", "naloxone_prices", "fentanyl_share",
        "gloucester_angel", "policy_timeline", "article_claims", "mdph_county_opioid_deaths",
    }  # fmt: skip
    assert expected <= set(datasets.list_datasets())


def test_dtypes_follow_the_schema():
    nchs = datasets.load("nchs_overdose_mortality")
    assert nchs["year"].dtype == "Int64" and nchs["deaths"].dtype == "Int64"
    assert nchs["aa_rate_per_100k"].dtype == "float64"
    assert nchs["geography"].dtype == object
    deaths = datasets.load("mdph_opioid_deaths")
    assert deaths["secondary"].dtype == bool
    assert deaths["vintage"].isna().any()  # undated copies keep an empty vintage, not a guess
    angel = datasets.load("gloucester_angel")
    assert pd.api.types.is_datetime64_any_dtype(angel["period_start"])
    assert angel["period_start"].min() == pd.Timestamp("2015-06-01")
    arrests = datasets.load("fbi_drug_arrests")
    assert arrests["arrests"].isna().any() and arrests["arrests"].dtype == "Int64"


def test_resource_and_csv_path():
    entry = datasets.resource("section35_filings")
    assert entry["path"] == "section35_filings.csv"
    assert entry["hash"].startswith("sha256:")
    assert datasets.csv_path("section35_filings") == REAL / "section35_filings.csv"


def test_every_error_is_a_data_error_and_a_value_error():
    for error in (UnknownDatasetError, DataFileError, DataValidationError, ChecksumError):
        assert issubclass(error, DataError) and issubclass(error, ValueError)


# --- what the loader refuses ----------------------------------------------------------------------


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(UnknownDatasetError) as caught:
        datasets.load("nchs_mortality")
    message = str(caught.value)
    assert "'nchs_mortality'" in message
    assert "nchs_overdose_mortality" in message and "article_claims" in message


def test_bad_type(copy: Path):
    # NCHS, line 19 = Massachusetts 2016 (2,227 deaths)
    _edit_line(copy / "nchs_overdose_mortality.csv", 19, ",2227,", ",2227a,")
    with pytest.raises(DataValidationError) as caught:
        datasets.load("nchs_overdose_mortality", copy)
    assert str(caught.value) == (
        "data/nchs_overdose_mortality.csv, line 19, column 'deaths': '2227a' is not of type integer"
    )


def test_wrong_number_of_cells(copy: Path):
    _edit_line(copy / "nchs_overdose_mortality.csv", 19, ",2227,", ",2,227,")
    with pytest.raises(DataValidationError) as caught:
        datasets.load("nchs_overdose_mortality", copy)
    assert str(caught.value) == (
        "data/nchs_overdose_mortality.csv, line 19: 10 cells where the header has 9"
    )


def test_bad_number_cell(copy: Path):
    _edit_line(copy / "nchs_overdose_mortality.csv", 19, ",32.99,", ",32.99%,")
    with pytest.raises(DataValidationError) as caught:
        datasets.load("nchs_overdose_mortality", copy)
    assert str(caught.value) == (
        "data/nchs_overdose_mortality.csv, line 19, column 'aa_rate_per_100k': "
        "'32.99%' is not of type number"
    )


def test_bad_integer_cell(copy: Path):
    _edit_line(copy / "section35_filings.csv", 10, "2018,total,10770", "2018,total,10770.5")
    with pytest.raises(DataValidationError, match=r"line 10, column 'filings': '10770.5' is not "):
        datasets.load("section35_filings", copy)


@pytest.mark.parametrize(
    ("name", "line", "old", "new", "expected"),
    [
        ("section35_filings", 2, "2010,total,5903", "2010,total,-3",
         "data/section35_filings.csv, line 2, column 'filings': '-3' violates minimum 0"),
        ("section35_filings", 2, "2010,total", "2009,total",
         "data/section35_filings.csv, line 2, column 'fiscal_year': '2009' violates minimum 2010"),
        ("fentanyl_share", 2, ",40,", ",140,",
         "data/fentanyl_share.csv, line 2, column 'share_pct': '140' violates maximum 100"),
        ("section35_filings", 2, "total", "totals",
         "data/section35_filings.csv, line 2, column 'category': 'totals' is not one of"),
        ("mdph_opioid_deaths", 21, ",2015-10,", ",Oct 2015,",
         "data/mdph_opioid_deaths.csv, line 21, column 'vintage': 'Oct 2015' does not match"),
        ("mdph_opioid_deaths", 21, ",true,", ",yes,",
         "data/mdph_opioid_deaths.csv, line 21, column 'secondary': 'yes' is not of type boolean"),
        ("gloucester_angel", 2, "2015-06-01", "2015-06-31",
         "data/gloucester_angel.csv, line 2, column 'period_start': '2015-06-31' is not of type"),
        ("gloucester_angel", 2, "2015-06-01", "1 June 2015",
         "data/gloucester_angel.csv, line 2, column 'period_start': '1 June 2015' is not of type"),
        ("nchs_overdose_mortality", 2, ",1999,", ",99,",
         "data/nchs_overdose_mortality.csv, line 2, column 'year': '99' is not of type year"),
        ("nchs_overdose_mortality", 2, ",488,", ",,",
         "data/nchs_overdose_mortality.csv, line 2, column 'deaths': empty cell violates required"),
        ("section35_filings", 3, "2011,total", "2010,total",
         "data/section35_filings.csv, line 3: primary key ['fiscal_year', 'category'] = "
         "['2010', 'total'] repeats line 2"),
    ],
)  # fmt: skip
def test_rule_broken(copy: Path, name: str, line: int, old: str, new: str, expected: str):
    _edit_line(copy / f"{name}.csv", line, old, new)
    with pytest.raises(DataValidationError) as caught:
        datasets.load(name, copy)
    assert str(caught.value).startswith(expected)


def test_missing_column_is_named(copy: Path):
    path = copy / "section35_filings.csv"
    rows = [line.rsplit(",", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        datasets.load("section35_filings", copy)
    message = str(caught.value)
    assert message.startswith("data/section35_filings.csv, line 1: header")
    assert "missing column(s) ['filings']" in message


def test_extra_and_reordered_columns_are_named(copy: Path):
    path = copy / "section35_filings.csv"
    _edit_line(path, 1, "fiscal_year,category,filings", "fiscal_year,category,filings,remark")
    with pytest.raises(DataValidationError, match=r"unexpected column\(s\) \['remark'\]"):
        datasets.load("section35_filings", copy)
    _edit_line(path, 1, "fiscal_year,category,filings,remark", "category,fiscal_year,filings")
    with pytest.raises(DataValidationError, match=r"line 1: header .* \(order differs\)"):
        datasets.load("section35_filings", copy)


def test_changed_bytes_fail_the_checksum(copy: Path):
    # A valid-looking edit: NCHS Massachusetts 2016, 2,227 deaths changed to 2,228.
    _edit_line(copy / "nchs_overdose_mortality.csv", 19, ",2227,", ",2228,")
    with pytest.raises(ChecksumError) as caught:
        datasets.load("nchs_overdose_mortality", copy)
    message = str(caught.value)
    assert message.startswith(
        "data/nchs_overdose_mortality.csv changed since it was described in datapackage.json"
    )
    assert datasets.resource("nchs_overdose_mortality")["hash"].removeprefix("sha256:") in message


def test_content_rules_are_checked_independently_of_the_checksum(copy: Path):
    _edit_line(copy / "section35_filings.csv", 2, "2010,total,5903", "2010,total,-3")
    _rehash(copy, "section35_filings")
    with pytest.raises(DataValidationError, match="violates minimum 0"):
        datasets.load("section35_filings", copy)


def test_missing_file_is_named(copy: Path):
    (copy / "fentanyl_share.csv").unlink()
    with pytest.raises(DataFileError) as caught:
        datasets.load("fentanyl_share", copy)
    assert "data/fentanyl_share.csv" in str(caught.value)
    assert "not found" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file, no header"),
        (b'fiscal_year,category,filings\n2010,"total,5903\n', "cannot parse CSV"),
        (b"fiscal_year,category,filings\n2010,total,59\xff03\n", "cannot parse CSV"),
    ],
)
def test_unparseable_file_is_named(copy: Path, content: bytes, expected: str):
    (copy / "section35_filings.csv").write_bytes(content)
    with pytest.raises(DataFileError) as caught:
        datasets.load("section35_filings", copy)
    assert str(caught.value).startswith("data/section35_filings.csv: " + expected)


def test_missing_or_broken_descriptor(copy: Path):
    descriptor = copy / "datapackage.json"
    descriptor.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match="datapackage.json: unreadable descriptor"):
        datasets.list_datasets(copy)
    descriptor.unlink()
    with pytest.raises(DataFileError, match="datapackage.json: descriptor not found"):
        datasets.resource("section35_filings", copy)


def test_unsupported_field_type_is_reported(copy: Path):
    descriptor = copy / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    package["resources"][0]["schema"]["fields"][0]["type"] = "geopoint"
    descriptor.write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(DataError, match="unsupported field type 'geopoint'"):
        datasets.load(package["resources"][0]["name"], copy)


def test_optional_boolean_with_gaps_keeps_them(copy: Path):
    descriptor = copy / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    entry = next(r for r in package["resources"] if r["name"] == "fentanyl_share")
    field = next(f for f in entry["schema"]["fields"] if f["name"] == "approximate")
    field["constraints"].pop("required")
    descriptor.write_text(json.dumps(package), encoding="utf-8")
    _edit_line(copy / "fentanyl_share.csv", 2, ",40,false,", ",40,,")
    _rehash(copy, "fentanyl_share")
    table = datasets.load("fentanyl_share", copy)
    assert table["approximate"].dtype == "boolean"
    assert table["approximate"].isna().sum() == 1


# --- the Data appendix -------------------------------------------------------------------------


def test_catalogue_describes_every_dataset_with_a_download_link(monkeypatch):
    text = datasets.catalogue(link_base="../../data/")
    monkeypatch.setenv(datasets.BOOK_BUILD_ENV, "1")
    assert text._repr_markdown_() == text  # shown as MyST Markdown in the book
    monkeypatch.delenv(datasets.BOOK_BUILD_ENV)
    plain = text._repr_markdown_()  # in a reader's notebook: no MyST roles or labels
    assert "{cite:p}`" not in plain and "{download}`" not in plain and ")=\n" not in plain
    for name in datasets.list_datasets():
        entry = datasets.resource(name)
        assert f"{{download}}`{name}.csv <../../data/{name}.csv>`" in text
        assert f"(data-{name.replace('_', '-')})=" in text
        for source in entry["sources"]:
            assert f"<{source['path']}>" in text and f"{{cite:p}}`{source['id']}`" in text
    # Dollar signs would open MyST math: they are escaped.
    assert r"\$51,145,765" in text and " $51" not in text
    assert text.count("Read in a secondary copy.") + text.count("Read at the publisher.") == sum(
        len(datasets.resource(name)["sources"]) for name in datasets.list_datasets()
    )


@pytest.mark.book
def test_built_data_appendix_links_to_every_csv(book_html: Path):
    page = book_html / "book" / "appendix" / "data.html"
    text = page.read_text(encoding="utf-8")
    links = re.findall(r'class="reference download internal" download="" href="([^"]+)"', text)
    targets = {
        Path(html.unescape(link)).name: (page.parent / html.unescape(link)) for link in links
    }
    assert set(targets) == {datasets.csv_path(name).name for name in datasets.list_datasets()}
    for name, target in targets.items():
        assert target.resolve().read_bytes() == (REAL / name).read_bytes(), name


def test_default_data_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A checkout (or an editable install): the repository's data/.
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    assert datasets.default_data_dir() == datasets.REPOSITORY_DATA_DIR == REAL
    # An installed wheel: the copy inside the package, once it has a descriptor.
    packaged = tmp_path / "analysis" / "data"
    packaged.mkdir(parents=True)
    monkeypatch.setattr(datasets, "PACKAGE_DATA_DIR", packaged)
    assert datasets.default_data_dir() == datasets.REPOSITORY_DATA_DIR
    shutil.copy(REAL / datasets.DESCRIPTOR, packaged / datasets.DESCRIPTOR)
    assert datasets.default_data_dir() == packaged
    # The environment variable wins over both.
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "elsewhere"))
    assert datasets.default_data_dir() == tmp_path / "elsewhere"


def test_data_dir_from_the_environment_is_used_by_load(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(datasets.DATA_ENV, str(copy))
    assert datasets.csv_path("section35_filings") == copy / "section35_filings.csv"
    assert len(datasets.load("section35_filings")) > 0
    monkeypatch.setenv(datasets.DATA_ENV, str(copy / "missing"))
    with pytest.raises(DataFileError, match="descriptor not found.*DIVERSION_BOOK_DATA"):
        datasets.list_datasets()

