"""bench/bench_http.py still measures: against real gunicorns and wrk it serves the floor, the answering floor
and the advisor, and prints their figures with the targets. The figures of so short a run mean nothing; that
it runs and reports each server is what is checked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_the_http_benchmark_runs_and_reports_the_answering_floor_beside_the_advisor():
    argv = ["--bodies", "distinct", "--duration", "1", "--warmup", "0", "--rounds", "1"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_http.py"), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("floor", "answering", "advisor"):
        assert f"round 1  {name} " in done.stdout
    assert "answering/floor throughput" in done.stdout and "advisor/floor throughput" in done.stdout
    assert "the least a fresh answer costs here" in done.stdout
    assert "target >= 0.8" in done.stdout and "target <= 1.25x" in done.stdout
