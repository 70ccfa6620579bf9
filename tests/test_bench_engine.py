"""bench/bench_engine.py's side by side with another checkout still runs: beside this very checkout, the same
generated rules load on both sides with the same digest; a checkout whose bench cannot write the rules is
said so in a line, not a traceback. The figures of so short a run mean nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow


def bench_beside(checkout: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_engine.py"), "--smoke", "--before", str(checkout)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_loading_beside_another_checkout_gives_both_figures_and_the_same_digest():
    report = bench_beside(ROOT)
    assert f"loading 1,000 rules side by side with {ROOT}" in report
    sides = [line for line in report.splitlines() if line.startswith(("  before ", "  now "))]
    assert len(sides) == 2 and all(line.endswith(str(ROOT / "advisor")) for line in sides)  # where each imported it
    assert "x the CPU time (same digest); no slower: target " in report


def test_each_side_imports_the_advisor_of_its_own_checkout(tmp_path):
    # A copy of this checkout stands for an older one: the report must say its advisor was the one loading.
    ignored = shutil.ignore_patterns("__pycache__")
    for folder in ("advisor", "bench"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=ignored)
    report = bench_beside(tmp_path)
    assert "  before " in report and report.split("  before ", 1)[1].splitlines()[0].endswith(str(tmp_path / "advisor"))
    assert report.split("  now ", 1)[1].splitlines()[0].endswith(str(ROOT / "advisor"))
    assert "(same digest)" in report


def test_a_checkout_whose_bench_cannot_write_the_rules_is_named(tmp_path):
    (tmp_path / "bench").mkdir()
    report = bench_beside(tmp_path)
    assert f"{tmp_path}'s bench could not write the rules: ModuleNotFoundError" in report
