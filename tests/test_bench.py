"""Helpers of scripts/bench.py (`make bench`): which pages execute, what a notebook imports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench", REPO_ROOT / "scripts" / "bench.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["bench"] = bench
spec.loader.exec_module(bench)

HEADER = (
    "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n"
)


def test_import_statements_keeps_top_level_imports_in_order() -> None:
    cells = [
        "%matplotlib inline\nimport numpy as np\nx = 1\n",
        "from analysis import style\n\ndef f():\n    import os\n",
        "import numpy as np\nimport (",  # a cell that does not parse is skipped
    ]
    assert bench.import_statements(cells) == "import numpy as np\nfrom analysis import style"


def test_executed_pages_are_toc_notebooks_with_code(tmp_path: Path) -> None:
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n- file: prose\n- file: empty\n- file: code.md\n",
        encoding="utf-8",
    )
    (tmp_path / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "prose.md").write_text("# Prose\n\n```python\nimport os\n```\n", encoding="utf-8")
    (tmp_path / "empty.md").write_text(HEADER + "# No code\n", encoding="utf-8")
    (tmp_path / "code.md").write_text(
        HEADER + "# Code\n\n```{code-cell} ipython3\nprint(1)\n```\n", encoding="utf-8"
    )
    (tmp_path / "orphan.md").write_text(
        HEADER + "```{code-cell} ipython3\nprint(2)\n```\n", encoding="utf-8"
    )
    assert bench.toc_files(tmp_path / "_toc.yml") == ["index", "prose", "empty", "code"]
    assert bench.executed_pages(tmp_path) == [tmp_path / "code.md"]


def test_this_book_has_executed_pages_and_strict_flags() -> None:
    pages = bench.executed_pages(REPO_ROOT)
    assert REPO_ROOT / "book" / "introduction.md" in pages
    assert REPO_ROOT / "book" / "references.md" not in pages
    assert (REPO_ROOT / bench.DEFAULT_EDIT) in pages
    assert {"-W", "-n", "--keep-going"} <= set(bench.make_build_flags())


def test_table_and_ratio() -> None:
    text = bench.table([("a", "bb"), ("ccc", "d", "extra")])
    assert text.splitlines() == ["a    bb", "---  --  -----", "ccc  d   extra"]
    assert bench.ratio(6.0, 8.0) == "0.75x"
    assert bench.ratio(1.0, 0.0) == "-"
