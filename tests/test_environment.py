"""environment.yml (Binder and conda users) agrees with requirements.lock (the pip pins the book is
built and tested with), and provides every package that the notebooks, the analysis package, the
book's Sphinx extensions and the tests import.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = REPO_ROOT / "environment.yml"
LOCK = REPO_ROOT / "requirements.lock"
REQUIREMENTS = REPO_ROOT / "requirements.in"
PYPROJECT = REPO_ROOT / "pyproject.toml"
# Entries of environment.yml that are not pinned packages.
UNPINNED = {"python", "pip", "-e ."}
CODE_CELL = re.compile(r"^(`{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)


def normalise(name: str) -> str:
    """A distribution name in its canonical form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


LOCK_LINE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+))?")


def lock_versions(text: str) -> dict[str, set[str]]:
    """Every version a uv/pip-compile lock pins for each package (a universal lock may add an
    environment marker after `name==version`, and may pin a package twice, once per marker)."""
    versions: dict[str, set[str]] = {}
    for line in text.splitlines():
        match = LOCK_LINE.fullmatch(line.strip())
        if match:
            versions.setdefault(normalise(match.group(1)), set()).add(match.group(2))
    return versions


def lock_pins(text: str) -> dict[str, str]:
    """The pin of each package of a lock file; fails when a package has more than one."""
    pins = {}
    for name, versions in lock_versions(text).items():
        if len(versions) > 1:
            raise ValueError(f"requirements.lock pins {name} at {', '.join(sorted(versions))}")
        pins[name] = versions.pop()
    return pins


def requirement_names(text: str) -> set[str]:
    """Names of the requirements of a requirements.in file."""
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(normalise(re.split(r"[<>=!~;\[\s]", line, maxsplit=1)[0]))
    return names


def environment_pins(environment: dict) -> dict[str, str]:
    """Every package of a conda environment file with its exact version (conda and pip parts)."""
    specs: list[str] = []
    for entry in environment.get("dependencies") or []:
        if isinstance(entry, dict):
            specs += entry.get("pip") or []
        else:
            specs.append(str(entry))
    pins = {}
    for spec in specs:
        if spec in UNPINNED or re.match(r"python[=<>]", spec):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", spec)
        if match is None:
            raise ValueError(
                f"environment.yml: {spec!r} is not pinned exactly (write name==version)"
            )
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def pin_mismatches(environment: dict[str, str], lock: dict[str, str]) -> list[str]:
    """Packages whose environment.yml version differs from the lock, or that the lock lacks."""
    problems = []
    for name, version in sorted(environment.items()):
        if name not in lock:
            problems.append(f"{name}=={version} is not in requirements.lock")
        elif lock[name] != version:
            problems.append(
                f"{name}: environment.yml has {version}, requirements.lock {lock[name]}"
            )
    return problems


def code_cells(markdown: str) -> list[str]:
    """Python source of the `{code-cell}` blocks of a MyST notebook (options and magics removed)."""
    cells = []
    for match in CODE_CELL.finditer(markdown):
        lines = match.group(2).splitlines()
        if lines and lines[0].strip() == "---":
            end = lines.index("---", 1)
            lines = lines[end + 1 :]
        while lines and lines[0].startswith(":"):
            lines = lines[1:]
        cells.append("\n".join(line for line in lines if not line.lstrip().startswith(("%", "!"))))
    return cells


def imported_modules(source: str, where: str) -> set[str]:
    """Top-level names of the modules a piece of Python imports (absolute imports only)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ValueError(f"{where}: cannot parse Python: {error}") from error
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def python_files(root: Path) -> list[Path]:
    """The analysis package, the book's extensions, scripts and tests (vendored code excluded)."""
    files = [*root.glob("analysis/**/*.py"), *root.glob("book/_ext/*.py")]
    files += root.glob("scripts/*.py")
    files += [path for path in root.glob("tests/**/*.py") if "vendor" not in path.parts]
    return sorted(files)


def local_modules(root: Path) -> set[str]:
    """Modules that come with the repository rather than from a package."""
    return {"analysis"} | {path.stem for path in python_files(root)}


def project_imports(root: Path) -> dict[str, set[str]]:
    """Every third-party module the project imports, with the files that import it."""
    found: dict[str, set[str]] = {}
    sources = [(path, path.read_text(encoding="utf-8")) for path in python_files(root)]
    for page in sorted(root.glob("book/**/*.md")):
        for i, cell in enumerate(code_cells(page.read_text(encoding="utf-8")), start=1):
            sources.append((Path(f"{page}#cell{i}"), cell))
    skip = local_modules(root) | set(sys.stdlib_module_names)
    for path, source in sources:
        for module in imported_modules(source, str(path)) - skip:
            found.setdefault(module, set()).add(str(Path(path).relative_to(root)))
    return found


def distributions_of(module: str) -> list[str]:
    """The installed distributions that provide a module (several for a namespace package)."""
    providers = importlib.metadata.packages_distributions().get(module)
    if not providers:
        raise LookupError(f"no installed distribution provides the module {module!r}")
    return sorted({normalise(name) for name in providers})


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lock() -> dict[str, str]:
    return lock_pins(LOCK.read_text(encoding="utf-8"))


def test_environment_allows_the_supported_pythons_from_conda_forge(environment: dict) -> None:
    # requirements.lock is compiled for every supported Python (`make lock`, --universal from
    # 3.11): environment.yml asks for the same range as pyproject.toml's requires-python.
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    assert "python>=3.11,<3.14" in environment["dependencies"]
    assert environment["channels"][0] == "conda-forge"


def test_lock_has_one_pin_per_package() -> None:
    # One version of each package whatever the Python, so the figures do not depend on it.
    many = {
        name: sorted(versions)
        for name, versions in lock_versions(LOCK.read_text(encoding="utf-8")).items()
        if len(versions) > 1
    }
    assert many == {}
    assert "--universal" in LOCK.read_text(encoding="utf-8").split("\n", 2)[1]


def test_environment_pins_match_the_lock(environment: dict, lock: dict[str, str]) -> None:
    assert pin_mismatches(environment_pins(environment), lock) == []


def test_every_direct_requirement_is_in_the_environment(environment: dict) -> None:
    wanted = requirement_names(REQUIREMENTS.read_text(encoding="utf-8"))
    assert sorted(wanted - set(environment_pins(environment))) == []


def test_every_imported_package_is_in_the_environment(environment: dict) -> None:
    provided = set(environment_pins(environment))
    missing = {
        f"{' or '.join(distributions_of(module))} (module {module}, "
        f"imported by {', '.join(sorted(files))})"
        for module, files in project_imports(REPO_ROOT).items()
        if not set(distributions_of(module)) & provided
    }
    assert sorted(missing) == []


def test_environment_installs_the_analysis_package(environment: dict) -> None:
    pip_part = next(
        entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)
    )
    assert "-e ." in pip_part


def test_lock_pins_reads_pins_and_ignores_comments() -> None:
    text = "# header\npandas==2.3.3\n    # via seaborn\nPyYAML==6.0.4\n"
    assert lock_pins(text) == {"pandas": "2.3.3", "pyyaml": "6.0.4"}


def test_lock_pins_reads_markers_and_refuses_two_pins() -> None:
    text = "colorama==0.4.6 ; sys_platform == 'win32'\nnumpy==2.4.6\n"
    assert lock_pins(text) == {"colorama": "0.4.6", "numpy": "2.4.6"}
    forked = (
        "scipy==1.17.1 ; python_full_version < '3.12'\n"
        "scipy==1.18.1 ; python_full_version >= '3.12'\n"
    )
    assert lock_versions(forked) == {"scipy": {"1.17.1", "1.18.1"}}
    with pytest.raises(ValueError, match="pins scipy at 1.17.1, 1.18.1"):
        lock_pins(forked)


def test_requirement_names_drop_specifiers_and_extras() -> None:
    text = "# comment\njupyter-book==1.0.4.post1\npandas>=2.2,<3\nFoo_Bar[extra]\n\n"
    assert requirement_names(text) == {"jupyter-book", "pandas", "foo-bar"}


def test_environment_pins_reads_conda_and_pip_parts() -> None:
    environment = {
        "dependencies": ["python>=3.11,<3.14", "pip", "numpy==2.0.1", {"pip": ["-e .", "a_b==1"]}]
    }
    assert environment_pins(environment) == {"numpy": "2.0.1", "a-b": "1"}


def test_environment_pins_rejects_a_loose_pin() -> None:
    with pytest.raises(ValueError, match="'numpy>=2' is not pinned exactly"):
        environment_pins({"dependencies": ["numpy>=2"]})


def test_pin_mismatches_names_both_versions() -> None:
    problems = pin_mismatches({"numpy": "2.0.1", "extra": "1.0"}, {"numpy": "2.0.2"})
    assert problems == [
        "extra==1.0 is not in requirements.lock",
        "numpy: environment.yml has 2.0.1, requirements.lock 2.0.2",
    ]


def test_code_cells_drop_options_front_matter_and_magics() -> None:
    page = (
        "# Title\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n"
        "%matplotlib inline\nimport a\n```\n"
        "text\n\n````{code-cell} ipython3\n---\ntags: [hide-input]\n---\nfrom b.c import d\n````\n"
        "```python\nimport not_a_cell\n```\n"
    )
    assert code_cells(page) == ["import a", "from b.c import d"]


def test_imported_modules_keeps_absolute_top_level_names() -> None:
    source = "import os.path\nimport x as y\nfrom z.w import v\nfrom . import local\n"
    assert imported_modules(source, "example") == {"os", "x", "z"}


def test_imported_modules_names_the_file_that_does_not_parse() -> None:
    with pytest.raises(ValueError, match="page.md#cell2: cannot parse Python"):
        imported_modules("import (", "page.md#cell2")


def test_distributions_of_a_module() -> None:
    assert distributions_of("yaml") == ["pyyaml"]
    # sphinxext is a namespace shared by two of the book's Sphinx extensions.
    assert {"sphinxext-opengraph", "sphinxext-rediraffe"} <= set(distributions_of("sphinxext"))
    with pytest.raises(LookupError, match="no_such_module_here"):
        distributions_of("no_such_module_here")
