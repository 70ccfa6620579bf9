"""bench/bench_page.py still measures: against a real gunicorn it gets a page (the form's POST, answered with
the result) and a JSON answer for each profile, and prints the ratio with its target. The figures of so
short a run mean nothing; that it runs, and refuses a wrong answer, is what is checked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_the_page_benchmark_runs_and_reports_each_profile():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_page.py"), "--requests", "2", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for profile in ("checkout-api", "retail-estate"):
        assert f"{profile}: the page takes " in done.stdout
    assert done.stdout.count("target <= 1.5x") == 2


def test_an_answer_that_is_not_the_page_stops_the_benchmark(tmp_path):
    """A form the advisor refuses (no name) makes the run fail with the status it got, not report figures."""
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "import bench_page\n"
        "bench_page.PROFILES = {'bad': bench_page.ROOT / 'examples' / 'checkout-api.yaml'}\n"
        "bench_page.Bodies.form = lambda self, name: b'name=&action=recommend'\n"
        "sys.exit(bench_page.main(['--requests', '1', '--rounds', '1']))\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 1
    assert "POST / answered 400" in done.stderr
