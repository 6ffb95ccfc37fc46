"""A fresh virtual environment holding a wheel and only what the wheel declares it needs, made
without the network, for the tests of the `analysis` package as a reader installs it.

The tests cannot download packages, so the wheel's dependencies (and whatever else the caller
names, e.g. ipykernel to run notebooks) are taken from the environment the tests run in: for each
distribution of their dependency closure, the top-level files and folders its RECORD lists are
symlinked into the new environment's site-packages. Nothing else is there: not the book's build
tools (myst-nb, Sphinx, Jupyter Book), not the repository. The wheel itself is installed by pip,
with no index and no dependency resolution, and `pip check` then confirms that every requirement
it declares is met.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Variables that would let the new environment see the repository or the book's own packages.
HIDDEN_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "DIVERSION_BOOK_DATA",
)


def wheel_requirements(wheel: Path) -> list[str]:
    """The Requires-Dist entries of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return metadata.get_all("Requires-Dist") or []


def closure(requirements: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """Every installed distribution the requirements need, transitively (extras left out)."""
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(requirements)
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        distribution = importlib.metadata.distribution(requirement.name)
        found[name] = distribution
        pending += distribution.requires or []
    return found


def link_distribution(distribution: importlib.metadata.Distribution, site_packages: Path) -> None:
    """Symlink a distribution's top-level files and folders into another site-packages."""
    if distribution.files is None:
        raise RuntimeError(f"{distribution.metadata['Name']} has no RECORD to link from")
    tops = {
        path.parts[0]
        for path in distribution.files
        if path.parts and path.parts[0] not in ("..", "__pycache__")
    }
    for top in sorted(tops):
        target = site_packages / top
        source = Path(distribution.locate_file(top))
        if source.exists() and not (target.exists() or target.is_symlink()):
            target.symlink_to(source)


def clean_environment() -> dict[str, str]:
    """The test process's environment without the variables that would leak the repository."""
    return {key: value for key, value in os.environ.items() if key not in HIDDEN_VARIABLES}


def create(folder: Path, wheel: Path, extra: tuple[str, ...] = ()) -> Path:
    """A virtual environment in `folder` with the wheel installed; return its Python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120
    )
    python = folder / "bin" / "python"
    site_packages = next(folder.glob("lib/python*/site-packages"))
    for distribution in closure([*wheel_requirements(wheel), *extra]).values():
        link_distribution(distribution, site_packages)
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    install = [*pip, "install", "--quiet", "--no-deps", "--no-index", str(wheel)]
    subprocess.run(install, check=True, timeout=300, env=clean_environment())
    check = subprocess.run(
        [*pip, "check"], capture_output=True, text=True, timeout=120, env=clean_environment()
    )
    if check.returncode != 0:
        raise RuntimeError(f"pip check in {folder}:\n{check.stdout}{check.stderr}")
    return python
