"""The `analysis` package as a reader installs it: the wheel that `make wheel` builds (and the site
publishes for "Rerun this chapter") carries the package and its data, declares what it needs, and,
installed in a fresh virtual environment, loads and validates every dataset from any folder,
without the repository and without writing to its data.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import fresh_venv
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from analysis import datasets

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DATA = REPO_ROOT / "data"


def wheel_name() -> str:
    project = PYPROJECT["project"]
    return f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheel, built by `make wheel` as `make book` builds it (offline, from the sources)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "wheel"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"make wheel failed:\n{result.stdout}\n{result.stderr}"
    path = REPO_ROOT / "_build" / "dist" / wheel_name()
    assert path.is_file(), f"make wheel did not write {path}"
    return path


@pytest.fixture(scope="module")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_venv.create(tmp_path_factory.mktemp("venv") / "env", wheel)


def run_python(python: Path, code: str, cwd: Path, **env: str) -> str:
    """Run code with the fresh environment's Python in `cwd`; return what it printed."""
    result = subprocess.run(
        [str(python), "-c", code],
        cwd=cwd,
        env={**fresh_venv.clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_carries_every_module_and_the_whole_data_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        modules = {
            str(path.relative_to(REPO_ROOT))
            for path in (REPO_ROOT / "analysis").rglob("*.py")
            if "__pycache__" not in path.parts
        }
        assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
        descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
        files = ["datapackage.json", *(entry["path"] for entry in descriptor["resources"])]
        for name in files:
            packaged = archive.read(f"analysis/data/{name}")
            assert packaged == (DATA / name).read_bytes(), f"{name} differs in the wheel"


def test_wheel_declares_the_packages_the_book_pins() -> None:
    lock = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {
        canonicalize_name(match.group(1)): match.group(2)
        for match in re.finditer(r"^([A-Za-z0-9][\w.-]*)==(\S+)", lock, re.M)
    }
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {canonicalize_name(str(e).split("==")[0]) for e in environment["dependencies"]}
    for spec in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in requirements.lock"
        assert requirement.specifier.contains(pins[name]), f"lock pins {name} {pins[name]}"
        assert name in conda, f"{name} is missing from environment.yml (Binder)"


def test_installed_wheel_loads_every_dataset_outside_the_repository(
    fresh_python: Path, tmp_path: Path
) -> None:
    code = (
        "import json, analysis\n"
        "from analysis import datasets\n"
        "print(json.dumps({'module': analysis.__file__, 'data': str(datasets.default_data_dir()),\n"
        "  'rows': {n: len(datasets.load(n)) for n in datasets.list_datasets()}}))\n"
    )
    report = json.loads(run_python(fresh_python, code, tmp_path))
    env = fresh_python.parents[1]
    assert Path(report["module"]).is_relative_to(env), report["module"]
    installed = Path(report["data"])
    assert installed.is_relative_to(env) and installed.name == "data"
    expected = {name: len(datasets.load(name)) for name in datasets.list_datasets()}
    assert report["rows"] == expected
    # The installed copy is data/, byte for byte; loading (checksums included) wrote nothing here.
    assert digests(installed) == digests(DATA)
    assert list(tmp_path.iterdir()) == []


def test_installed_data_are_never_written(fresh_python: Path, tmp_path: Path) -> None:
    where = run_python(
        fresh_python, "from analysis import datasets; print(datasets.default_data_dir())", tmp_path
    ).strip()
    before = digests(Path(where))
    code = (
        "from analysis import datasets, claims\n"
        "for name in datasets.list_datasets(): datasets.load(name)\n"
        "claims.build_ledger()\n"
    )
    run_python(fresh_python, code, tmp_path)
    assert digests(Path(where)) == before


def test_a_data_folder_named_by_the_environment_wins(fresh_python: Path, tmp_path: Path) -> None:
    copy = tmp_path / "my-data"
    shutil.copytree(DATA, copy)
    code = (
        "from analysis import datasets\n"
        "print(datasets.default_data_dir(), len(datasets.load('section35_filings')))\n"
    )
    folder, rows = run_python(fresh_python, code, tmp_path, DIVERSION_BOOK_DATA=str(copy)).split()
    assert Path(folder) == copy and int(rows) == len(datasets.load("section35_filings"))
    empty = tmp_path / "empty"
    empty.mkdir()
    code = (
        "from analysis import datasets\n"
        "try:\n    datasets.list_datasets()\n"
        "except datasets.DataFileError as error:\n    print(error)\n"
    )
    message = run_python(fresh_python, code, tmp_path, DIVERSION_BOOK_DATA=str(empty))
    assert "descriptor not found" in message and "DIVERSION_BOOK_DATA" in message
