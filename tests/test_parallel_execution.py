"""Helpers of book/_ext/parallel_execution.py (its builds are tested in test_strict_build.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import parallel_execution as pe


def job(tmp_path: Path, name: str, size: int) -> pe.Job:
    path = tmp_path / f"{name}.md"
    path.write_text("x" * size, encoding="utf-8")
    return pe.Job(name, path, notebook=None, timeout=10, allow_errors=False)


def test_longest_first_uses_last_runtimes_then_size(tmp_path: Path) -> None:
    jobs = [job(tmp_path, "a", 10), job(tmp_path, "b", 30), job(tmp_path, "c", 20)]
    assert [j.docname for j in pe.longest_first(jobs, {})] == ["b", "c", "a"]
    assert [j.docname for j in pe.longest_first(jobs, {"a": 9.0, "c": 2.0})] == ["a", "c", "b"]


def test_previous_runtimes_reads_myst_nb_metadata() -> None:
    env = SimpleNamespace(
        nb_metadata={
            "ran": {"exec_data": {"runtime": 3.5}},
            "not-run": {},
            "no-time": {"exec_data": {"runtime": None}},
        }
    )
    assert pe.previous_runtimes(env) == {"ran": 3.5}
    assert pe.previous_runtimes(SimpleNamespace()) == {}


def test_default_jobs_is_at_least_one() -> None:
    assert pe.default_jobs() >= 1
