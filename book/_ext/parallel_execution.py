"""Execute the notebooks that Sphinx is about to read, several at once, before it reads them.

myst-nb executes each notebook page while Sphinx reads it, one after another, so one core works
while the other waits. With `execute_notebooks: cache` in _config.yml, myst-nb instead looks each
page up in its jupyter-cache (`_build/.jupyter_cache`) by the hash of its code cells. This
extension fills that cache first: when Sphinx has listed the pages it will (re-)read, it executes
every notebook among them, up to `nb_parallel_jobs` at a time (default: one per core), each in its
own kernel with its page's folder as working directory, exactly as myst-nb would, and stores the
executed notebooks under the hash myst-nb will look for. Then myst-nb finds every page there.

Each kernel is forked from one process that imported, once per build, the modules the book's
notebooks import (forked_kernels.py; `nb_fork_kernels: 0` launches each kernel as a new process):
a real ipykernel, whose outputs are those of a launched one (tests/test_forked_kernels.py), without
a Python start and the imports of pandas, matplotlib, statsmodels and `analysis` per notebook.

What stays as with `execute_notebooks: force`:
- every page that is (re-)read is executed again, whatever the cache holds: a record with the same
  code is overwritten, so a page re-read because data/ or analysis/ changed
  (data_dependencies.py) shows the new results, never the cached old ones;
- a notebook that fails here leaves no record for its code (an older one is removed), so myst-nb
  executes it itself while reading it and fails the build with its usual error and traceback
  (`nb_execution_raise_on_error`);
- pages that are not re-read are not executed (their doctrees are unchanged).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import forked_kernels
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.matching import Matcher

logger = logging.getLogger(__name__)

IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+)|from\s+([\w.]+)\s+import\s+([\w\s,()]+))")


@dataclass
class Job:
    """One notebook to execute: its page, its notebook node, where and how to run it."""

    docname: str
    path: Path
    notebook: object
    timeout: int | None
    allow_errors: bool
    seconds: float = 0.0
    error: str | None = field(default=None)


def default_jobs() -> int:
    """Notebooks executed at once when nothing is configured: one per core."""
    return max(1, os.cpu_count() or 1)


def longest_first(jobs: list[Job], previous: dict[str, float]) -> list[Job]:
    """Start the notebooks that took longest last time first (then the largest sources), so that
    no long one starts last while the other cores idle."""
    return sorted(
        jobs,
        key=lambda job: (previous.get(job.docname, 0.0), job.path.stat().st_size),
        reverse=True,
    )


def previous_runtimes(env: BuildEnvironment) -> dict[str, float]:
    """Seconds each notebook took to execute in the previous build, as myst-nb recorded them."""
    runtimes = {}
    for docname, metadata in (getattr(env, "nb_metadata", None) or {}).items():
        runtime = (metadata.get("exec_data") or {}).get("runtime")
        if isinstance(runtime, int | float):
            runtimes[docname] = float(runtime)
    return runtimes


def read_job(env: BuildEnvironment, docname: str) -> Job | None:
    """The notebook of a page as myst-nb will read it (same reader, kernel alias and file-level
    settings, so the same cache hash), or None when the page is not a notebook to execute."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    nb_config = env.mystnb_config
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    kernel_name = notebook.metadata.get("kernelspec", {}).get("name")
    if kernel_name is not None:
        for pattern, alias in (nb_config.kernel_rgx_aliases or {}).items():
            if re.fullmatch(pattern, kernel_name):
                notebook.metadata["kernelspec"]["name"] = alias
                break
    if nb_config.metadata_key in notebook.metadata:
        overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        try:
            nb_config = nb_config.copy(**overrides)
        except Exception:  # myst-nb warns about it while reading the page
            return None
    if nb_config.execution_mode != "cache":
        return None
    posix = PurePosixPath(path.as_posix())
    if any(posix.match(pattern) for pattern in nb_config.execution_excludepatterns or ()):
        return None
    if not any(cell.cell_type == "code" for cell in notebook.cells):
        return None
    timeout, allow_errors = nb_config.execution_timeout, nb_config.execution_allow_errors
    # jupyter-cache's single_nb_execution (which myst-nb calls) lets notebook metadata override.
    execution = notebook.metadata.get("execution") or {}
    timeout = execution.get("timeout", timeout)
    allow_errors = execution.get("allow_errors", allow_errors)
    return Job(docname, path, notebook, timeout, allow_errors)


async def execute(job: Job, slots: asyncio.Semaphore) -> None:
    """Execute one notebook in its own kernel, in its page's folder (as myst-nb does)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    async with slots:
        client = NotebookClient(
            job.notebook,
            kernel_manager_class=forked_kernels.kernel_manager_class(),
            timeout=job.timeout,
            allow_errors=job.allow_errors,
            record_timing=False,
            resources={"metadata": {"path": str(job.path.parent)}},
        )
        start = time.perf_counter()
        try:
            await client.async_execute()
        except (CellExecutionError, CellTimeoutError):
            job.error = traceback.format_exc()
        except Exception:  # a kernel that dies or does not start: myst-nb will report it
            job.error = traceback.format_exc()
        job.seconds = time.perf_counter() - start


async def execute_all(jobs: list[Job], parallel: int) -> None:
    """Execute the notebooks, `parallel` at a time, in the order given."""
    slots = asyncio.Semaphore(parallel)
    await asyncio.gather(*(execute(job, slots) for job in jobs))


def store(cache_path: str, jobs: list[Job]) -> None:
    """Cache the executed notebooks, one record per page (its earlier records are dropped, so the
    cache does not grow with every edit); a failed notebook leaves no record for its page."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(cache_path)
    by_page: dict[str, list[int]] = {}
    for record in cache.list_cache_records():
        by_page.setdefault(record.uri, []).append(record.pk)
    for job in jobs:
        for pk in by_page.get(str(job.path), []):
            with suppress(KeyError):  # a record whose notebook file is already gone
                cache.remove_cache(pk)
        if job.error is None:
            cache.cache_notebook_bundle(
                CacheBundleIn(job.notebook, str(job.path), data={"execution_seconds": job.seconds}),
                check_validity=False,
                overwrite=True,
            )
            continue
        with suppress(KeyError):  # a record of the same code under another page's name
            cache.remove_cache(cache.match_cache_notebook(job.notebook).pk)
    cache.db.dispose()  # myst-nb opens the cache again for each page


def execute_before_reading(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Handler of env-before-read-docs: execute the notebooks among the pages to be read."""
    if getattr(env, "mystnb_config", None) is None or env.mystnb_config.execution_mode != "cache":
        stop_zygote(app)
        return
    jobs = [job for job in (read_job(env, docname) for docname in docnames) if job is not None]
    if not jobs:
        stop_zygote(app)
        return
    parallel = app.config.nb_parallel_jobs or default_jobs()
    jobs = longest_first(jobs, previous_runtimes(env))
    zygote = getattr(app, "kernel_zygote", None)
    forked = zygote is not None and zygote.ready()
    logger.info(
        f"executing {len(jobs)} notebooks, {parallel} at a time"
        + (" (kernels forked from a process that has imported their modules)" if forked else "")
        + (f" (kernels launched: {zygote.unsafe})" if zygote is not None and not forked else "")
        + " ..."
    )
    start = time.perf_counter()
    forked_kernels.use_zygote(zygote if forked else None)
    try:
        asyncio.run(execute_all(jobs, parallel))
    finally:
        forked_kernels.use_zygote(None)
        stop_zygote(app)
    store(env.mystnb_config.execution_cache_path, jobs)
    failed = [job.docname for job in jobs if job.error is not None]
    logger.info(
        f"executed {len(jobs) - len(failed)} notebooks in {time.perf_counter() - start:.1f} s"
        + (f"; left to myst-nb, which will report the error: {', '.join(failed)}" if failed else "")
    )


def notebook_imports(srcdir: Path, exclude: list[str]) -> list[str]:
    """The modules that the project's MyST notebooks import (`import a.b`, and for
    `from a import b, c` the module a and, where they are modules, a.b and a.c), in order."""
    matcher = Matcher(exclude)
    modules: dict[str, None] = {}
    for path in sorted(srcdir.rglob("*.md")):
        relative = PurePosixPath(path.relative_to(srcdir).as_posix())
        # As Sphinx finds pages: a pattern that matches a folder excludes what is in it.
        if any(matcher(str(part)) for part in (relative, *relative.parents[:-1])):
            continue
        text = path.read_text(encoding="utf-8")
        if "{code-cell}" not in text:
            continue
        for line in text.splitlines():
            found = IMPORT.match(line)
            if found is None:
                continue
            if found.group(1):
                modules[found.group(1)] = None
                continue
            package = found.group(2)
            modules[package] = None
            for name in re.split(r"[\s,()]+", found.group(3)):
                if name.isidentifier():
                    modules[f"{package}.{name}"] = None
    return list(modules)


def start_zygote(app: Sphinx) -> None:
    """Handler of builder-inited: start importing the notebooks' modules in the kernel zygote
    (forked_kernels.py) while Sphinx reads its environment; only when myst-nb executes through
    the cache, and unless nb_fork_kernels is off."""
    if app.config.nb_execution_mode != "cache" or not app.config.nb_fork_kernels:
        return
    modules = notebook_imports(Path(app.srcdir), list(app.config.exclude_patterns))
    app.kernel_zygote = forked_kernels.Zygote(modules)
    app.kernel_zygote.start()


def stop_zygote(app: Sphinx, *args: object) -> None:
    zygote = getattr(app, "kernel_zygote", None)
    if zygote is not None:
        app.kernel_zygote = None
        zygote.stop()


def setup(app: Sphinx) -> dict:
    app.add_config_value("nb_parallel_jobs", 0, "env", [int])
    # Kernels forked from one process that has imported what the notebooks import (saves a
    # kernel start and the imports per notebook); 0 launches each kernel as a new process.
    app.add_config_value("nb_fork_kernels", 1, "env", [int])
    app.connect("builder-inited", start_zygote)
    app.connect("build-finished", stop_zygote)
    # After the other handlers, which may add pages to read (priority 500 is the default).
    app.connect("env-before-read-docs", execute_before_reading, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
