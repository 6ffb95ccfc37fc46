"""book/_ext/forked_kernels.py and the zygote's use in parallel_execution.py: kernels forked from
a process that imported the notebooks' modules give the outputs launched kernels give."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import forked_kernels as fk
import nbformat
import parallel_execution as pe
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELLS = [
    "import os, sys\nimport matplotlib.pyplot as plt\n"
    "from IPython.display import Markdown, display",
    "print('out'); print('err', file=sys.stderr)",
    "display(Markdown('**bold**'), metadata={'scrapbook': {'name': 'key'}})",
    "fig, ax = plt.subplots(figsize=(2, 1)); ax.plot([1, 2], [2, 1]); plt.show()",
    "{'cwd': os.path.basename(os.getcwd()), 'language': os.environ.get('BOOK_TEST_LANGUAGE')}",
]


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


def run(nb: nbformat.NotebookNode, folder: Path, forking: bool) -> nbformat.NotebookNode:
    kwargs = {"kernel_manager_class": fk.kernel_manager_class()} if forking else {}
    client = NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(folder)}}, **kwargs)
    asyncio.run(client.async_execute())
    return nb


def outputs(nb: nbformat.NotebookNode) -> list:
    return [cell.outputs for cell in nb.cells]


@pytest.fixture
def zygote(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BOOK_TEST_LANGUAGE", "fr")
    started = fk.Zygote(["matplotlib.pyplot", "IPython.display"])
    started.start()
    fk.use_zygote(started)
    yield started
    fk.use_zygote(None)
    started.stop()


def test_a_forked_kernel_gives_a_launched_kernels_outputs(tmp_path: Path, zygote) -> None:
    (tmp_path / "page").mkdir()
    forked = run(notebook(CELLS), tmp_path / "page", forking=True)
    assert zygote.ready() and zygote.unsafe is None
    assert "matplotlib.pyplot" in zygote.loaded and "ipykernel.ipkernel" in zygote.loaded
    fk.use_zygote(None)
    launched = run(notebook(CELLS), tmp_path / "page", forking=False)
    assert outputs(forked) == outputs(launched)
    assert forked.metadata.language_info == launched.metadata.language_info
    stream, markdown, figure, result = (forked.cells[i].outputs for i in (1, 2, 3, 4))
    assert [(o.name, o.text) for o in stream] == [("stdout", "out\n"), ("stderr", "err\n")]
    assert markdown[0].metadata == {"scrapbook": {"name": "key"}}
    assert "image/png" in figure[0].data
    # The page's folder as working directory, and the environment of the build.
    assert result[0].data["text/plain"] == "{'cwd': 'page', 'language': 'fr'}"


def test_the_kernel_is_a_child_of_the_zygote(tmp_path: Path, zygote) -> None:
    nb = run(notebook(["import os\nos.getppid()"]), tmp_path, forking=True)
    assert nb.cells[0].outputs[0].data["text/plain"] == str(zygote.process.pid)


def test_an_error_in_a_forked_kernel_fails_as_in_a_launched_one(tmp_path: Path, zygote) -> None:
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run(notebook(["1 / 0"]), tmp_path, forking=True)


def test_without_a_zygote_kernels_are_launched(tmp_path: Path) -> None:
    fk.use_zygote(None)
    nb = run(notebook(["import os\nos.getppid()"]), tmp_path, forking=True)
    assert nb.cells[0].outputs[0].data["text/plain"] == str(os.getpid())


def test_a_zygote_with_a_thread_refuses_to_fork(tmp_path: Path, monkeypatch) -> None:
    # A module that starts a thread when imported: forking would copy a process mid-thread.
    (tmp_path / "threaded.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    refused = fk.Zygote(["threaded"])
    refused.start()
    try:
        assert not refused.ready()
        assert refused.unsafe == "2 threads are running"
        fk.use_zygote(refused)
        nb = run(notebook(["import os\nos.getppid()"]), tmp_path, forking=True)
        assert nb.cells[0].outputs[0].data["text/plain"] == str(os.getpid())  # launched
    finally:
        fk.use_zygote(None)
        refused.stop()


def test_fork_safe_names_what_would_make_a_fork_differ(monkeypatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.delitem(sys.modules, "matplotlib_inline.backend_inline", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel.kernelapp", raising=False)
    assert fk.fork_safe() is None
    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", object())
    assert "ipykernel.kernelapp" in fk.fork_safe()
    monkeypatch.setitem(sys.modules, "matplotlib_inline.backend_inline", object())
    assert "inline backend" in fk.fork_safe()
    monkeypatch.setattr(threading, "active_count", lambda: 3)
    assert fk.fork_safe() == "3 threads are running"


def test_preload_skips_modules_that_do_not_import() -> None:
    assert fk.preload(["json", "no_such_module_here", "os.path"]) == ["json", "os.path"]


def test_forkable_only_for_this_interpreters_ipykernel() -> None:
    assert fk.forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"])
    assert not fk.forkable(["/usr/bin/other-python", "-m", "ipykernel_launcher", "-f", "c.json"])
    assert not fk.forkable([sys.executable, "-m", "other_kernel", "-f", "c.json"])
    assert not fk.forkable([sys.executable])


def test_forked_process_polls_signals_and_waits() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    process = fk.ForkedProcess(child.pid)
    assert process.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.05)
    process.kill()
    child.wait()  # the parent (here the test, in the book the zygote) collects it
    assert process.wait(timeout=5) == 0 and process.poll() == 0


def test_notebook_imports_lists_what_notebooks_import(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "page.md").write_text(
        "# Page\n\n```{code-cell} ipython3\nimport pandas as pd\n"
        "from analysis import datasets, style\nfrom myst_nb import glue\n```\n\n"
        "from the prose, not an import line\n",
        encoding="utf-8",
    )
    (tmp_path / "book" / "prose.md").write_text("```python\nimport numpy\n```\n", encoding="utf-8")
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "copy.md").write_text("{code-cell}\nimport scipy\n", encoding="utf-8")
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "page.md").write_text("{code-cell}\nimport sympy\n", encoding="utf-8")
    assert pe.notebook_imports(tmp_path, ["skipped", "_build"]) == [
        "pandas", "analysis", "analysis.datasets", "analysis.style", "myst_nb", "myst_nb.glue",
    ]


def test_an_unused_zygote_stops_without_waiting_for_its_imports(tmp_path: Path,
                                                                monkeypatch) -> None:
    import time

    (tmp_path / "slow_import.py").write_text("import time\ntime.sleep(10)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    zygote = fk.Zygote(["slow_import"])
    zygote.start()
    start = time.perf_counter()
    zygote.stop()
    assert time.perf_counter() - start < 2  # the module sleeps 10 s when imported
    assert zygote.process is None
