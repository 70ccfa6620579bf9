"""Benchmark the HTTP service against a floor: the same gunicorn settings serving an app that gives no advice.

Two gunicorn servers run side by side on free loopback ports, both with deploy/gunicorn.conf.py and the same
worker count: the advisor (``advisor.web:create_app()``) and the floor (bench/floor_app.py, which parses the
same JSON body and answers a fixed document). wrk POSTs examples/checkout-api.yaml, as JSON, to
/v1/recommendations at 16 connections on 2 threads, three times over: the same body again and again
(bench/recommend.lua), then a distinct profile name in each request (bench/recommend_distinct.lua), so an
answer cache serves the first and the engine answers every request of the second, then distinct names and
facts (bench/recommend_varied.lua: numbers across the rules' thresholds and a few choices drawn afresh for each
request, as real traffic differs), so no memo of the engine's serves them all either. Runs are interleaved (floor,
advisor, floor, advisor, ...), each after a short warm-up, so noise on a shared machine hits both alike; the
table gives the median of each: requests/s, p50 and p99 latency from wrk's distribution, and the server's CPU
time per request (master and workers, from /proc), which other programs on the machine hardly disturb.

A third server, the answering floor (floor_app.create_answering_app: the floor, plus the profile validated
with the model and the advisor's real answer for the example written as the advisor writes it, no rule evaluated),
shows what any fresh answer costs at the least on this server and framework (``--no-answering`` leaves it out).

This prints a report, not a verdict: the target lines say "target met" or "target missed" and the script
exits 0 either way. It exits 1 when a server does not start or any response is not 2xx.
Run it with ``make bench-http`` or ``.venv/bin/python bench/bench_http.py [--duration SECONDS]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from checkouts import importing_from

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
CONF = ROOT / "deploy" / "gunicorn.conf.py"
# How the requests' bodies vary: "same" repeats the profile (an answer cache may serve it), "distinct" gives each
# request its own profile name, so each pays for a whole recommendation.
SCRIPTS = {
    "same": BENCH_DIR / "recommend.lua",
    "distinct": BENCH_DIR / "recommend_distinct.lua",
    # Each request's facts differ too (numbers across the rules' thresholds, a few choices), as real traffic's do:
    # no memo of the engine's keyed by the matched rules or by a field's value can serve every request. Printed
    # for what it tells, beside the targets, which are set for the distinct bodies.
    "varied": BENCH_DIR / "recommend_varied.lua",
}
PROFILE = ROOT / "examples" / "checkout-api.yaml"
WRK = shutil.which("wrk") or "wrk"  # on PATH (Debian installs it in /usr/bin)
ADVISOR_APP = "advisor.web:create_app()"
FLOOR_APP = "floor_app:create_app()"  # imported from bench/, put on the path with --pythonpath
# The floor that also validates the profile and writes an answer of the advisor's, but evaluates no rule: the
# least a fresh answer costs on this server and framework (bench/floor_app.py says how).
ANSWERING_APP = "floor_app:create_answering_app()"
PATH = "/v1/recommendations"

CONNECTIONS = 16
THREADS = 2
STARTUP_SECONDS = 30.0

# Targets, printed beside the figures.
THROUGHPUT_TARGET = 0.8  # advisor requests/s as a share of the floor's
P99_TARGET_MS = 20.0  # advisor's 99th percentile latency at 16 connections

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class BenchError(Exception):
    """The benchmark could not measure: a server did not start, wrk failed, or a response was not 2xx."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    socket_errors: str  # wrk's own line, such as "connect 0, read 0, write 0, timeout 0", or "none"
    cpu_us_per_request: float | None = None  # the server's CPU time (master and workers) per request


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its base URL and the master's process id."""

    url: str
    pid: int


def _milliseconds(figure: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", figure)
    if not match:
        raise BenchError(f"wrk output: cannot read the latency {figure!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s, p50 and p99 (from --latency's distribution) out of wrk's report; refuse non-2xx answers."""
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    if non_2xx:
        raise BenchError(f"{non_2xx[1]} responses were not 2xx; wrk said:\n{output}")
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    percentiles = dict(re.findall(r"^\s*(50|99)%\s+(\S+)", output, re.MULTILINE))
    if not (rps and total and {"50", "99"} <= percentiles.keys()):
        raise BenchError(f"wrk output: no requests/sec, request count or latency distribution in:\n{output}")
    errors = re.search(r"Socket errors:\s*(.+)", output)
    return WrkResult(
        requests_per_second=float(rps[1]),
        p50_ms=_milliseconds(percentiles["50"]),
        p99_ms=_milliseconds(percentiles["99"]),
        requests=int(total[1]),
        socket_errors=errors[1].strip() if errors else "none",
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


@contextmanager
def gunicorn(app: str, workers: int, body: bytes, log_dir: Path, source: Path | None = None) -> Iterator[Server]:
    """Run gunicorn with deploy/gunicorn.conf.py serving `app` on a free loopback port.

    With `source`, the advisor package is imported from that checkout instead (to measure an older version
    side by side); the configuration is this checkout's either way.
    """
    port = _free_port()
    env = dict(os.environ) if source is None else importing_from(source)
    env.update(ADVISOR_HOST="127.0.0.1", ADVISOR_PORT=str(port), ADVISOR_WORKERS=str(workers))
    argv = [sys.executable, "-m", "gunicorn", "-c", str(CONF), "--pythonpath", str(BENCH_DIR), app]
    log_path = log_dir / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        # From the checkout's own folder: `python -m` puts the working directory first on the import path.
        folder = source if source is not None else ROOT
        server = subprocess.Popen(argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(server, url + PATH, body, log_path)
        yield Server(url, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_answering(server: subprocess.Popen[bytes], url: str, body: bytes, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}:\n{log_path.read_text()}")
        try:
            status = _post(url, body)
        except urllib.error.HTTPError as error:
            raise BenchError(f"POST {url} answered {error.code}: {error.read()[:500]!r}") from None
        except OSError as error:  # not listening yet
            last_problem = str(error)
            time.sleep(0.1)
            continue
        if 200 <= status < 300:
            return
        raise BenchError(f"POST {url} answered {status}")
    raise BenchError(f"POST {url} did not answer within {STARTUP_SECONDS:.0f} s ({last_problem})")


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time a gunicorn master and its workers have used so far (from Linux's /proc), or None elsewhere.

    Time on a CPU per request hardly moves when other programs share the machine, unlike requests/s.
    """
    try:
        workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ticks = 0
        for process in [pid, *map(int, workers)]:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of stat
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(server: Server, seconds: float, body_path: Path, script: Path) -> WrkResult:
    """Drive the server with wrk for `seconds`, POSTing the body in `body_path` as `script` says; read its report."""
    argv = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", "-s", str(script), server.url]
    cpu_before = server_cpu_seconds(server.pid)
    try:
        done = subprocess.run([*argv, "--", str(body_path)], capture_output=True, text=True, timeout=seconds + 60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BenchError(f"wrk: {error}") from None
    if done.returncode != 0:
        raise BenchError(f"wrk exited with status {done.returncode}:\n{done.stdout}{done.stderr}")
    result = parse_wrk(done.stdout)
    cpu_after = server_cpu_seconds(server.pid)
    if cpu_before is None or cpu_after is None or not result.requests:
        return result
    return replace(result, cpu_us_per_request=(cpu_after - cpu_before) / result.requests * 1e6)


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds each measured run lasts [10]")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each measured run [2]")
    # Three rounds, so the median of each app is a real middle value and one disturbed run cannot move it.
    parser.add_argument("--rounds", type=int, default=3, help="measured runs of each app, interleaved [3]")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both servers [2]")
    parser.add_argument(
        "--bodies",
        choices=[*SCRIPTS, "all", "both"],
        default="all",
        help="repeat the same body, give each request a distinct profile name, also vary its facts, or measure all"
        " [all] (both: same and distinct)",
    )
    parser.add_argument(
        "--advisor-app",
        default=ADVISOR_APP,
        help=f"the app measured against the floor [{ADVISOR_APP}]; {FLOOR_APP} compares the floor with itself",
    )
    parser.add_argument(
        "--answering",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the answering floor, which validates the profile and writes an answer of the advisor's"
        " but gives no advice: what any fresh answer costs at the least [on]",
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="CHECKOUT",
        help="also measure the advisor as imported from another checkout (an older commit, say), side by side",
    )
    options = parser.parse_args(argv)
    if options.duration < 1 or options.warmup < 0 or options.rounds < 1 or options.workers < 1:
        parser.error("--duration must be at least 1, --warmup at least 0, --rounds and --workers at least 1")
    return options


_COLUMNS = f"{'requests/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'CPU us/req':>10}"


def _row(name: str, result: WrkResult) -> str:
    cpu = "-" if result.cpu_us_per_request is None else f"{result.cpu_us_per_request:,.0f}"
    return f"{name:<10} {result.requests_per_second:>10,.0f} {result.p50_ms:>9.2f} {result.p99_ms:>9.2f} {cpu:>10}"


def verdict(met: bool) -> str:
    """How a target line ends."""
    return "target met" if met else "target missed"


def machine() -> str:
    """The Python, the CPUs and the load average, for a report's heading."""
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    return f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load}"


def _median_or_none(figures: list[float | None]) -> float | None:
    known = [f for f in figures if f is not None]
    return statistics.median(known) if known else None


def measure_body(work_dir: Path) -> tuple[bytes, Path]:
    """The profile wrk sends (examples/checkout-api.yaml as JSON), and the file in `work_dir` that holds it."""
    body = json.dumps(yaml.safe_load(PROFILE.read_text(encoding="utf-8"))).encode()
    body_path = work_dir / "profile.json"
    body_path.write_bytes(body)
    return body, body_path


def measure(options: argparse.Namespace, work_dir: Path) -> dict[str, dict[str, WrkResult]]:
    """Run both servers, interleave the measured runs; return each app's median figures for each kind of body."""
    body, body_path = measure_body(work_dir)
    kinds = {"all": list(SCRIPTS), "both": ["same", "distinct"]}.get(options.bodies, [options.bodies])
    medians: dict[str, dict[str, WrkResult]] = {}
    with ExitStack() as stack:
        servers = {"floor": stack.enter_context(gunicorn(FLOOR_APP, options.workers, body, work_dir))}
        if options.answering:
            servers["answering"] = stack.enter_context(gunicorn(ANSWERING_APP, options.workers, body, work_dir))
        if options.before is not None:
            servers["before"] = stack.enter_context(
                gunicorn(ADVISOR_APP, options.workers, body, work_dir, source=options.before)
            )
        servers["advisor"] = stack.enter_context(gunicorn(options.advisor_app, options.workers, body, work_dir))
        for kind in kinds:
            print(f"\n{kind} bodies\n{'':<19}{_COLUMNS}", flush=True)
            runs: dict[str, list[WrkResult]] = {name: [] for name in servers}
            for round_number in range(1, options.rounds + 1):
                for name, server in servers.items():
                    if options.warmup:
                        run_wrk(server, options.warmup, body_path, SCRIPTS[kind])
                    result = run_wrk(server, options.duration, body_path, SCRIPTS[kind])
                    runs[name].append(result)
                    line = f"round {round_number:<2} {_row(name, result)}   socket errors: {result.socket_errors}"
                    print(line, flush=True)
            medians[kind] = {name: _median(results) for name, results in runs.items()}
    return medians


def _median(results: list[WrkResult]) -> WrkResult:
    return WrkResult(
        requests_per_second=statistics.median(r.requests_per_second for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        socket_errors="; ".join(r.socket_errors for r in results),
        cpu_us_per_request=_median_or_none([r.cpu_us_per_request for r in results]),
    )


CPU_TARGET = 1.25  # advisor server CPU per request, as a multiple of the floor's


def report(kind: str, figures: dict[str, WrkResult]) -> None:
    """Print the medians of one kind of body and how they compare with the floor and the targets."""
    floor, advisor = figures["floor"], figures["advisor"]
    print(f"\n{'median':<10} {_COLUMNS}   ({kind} bodies)")
    for name, result in figures.items():
        print(_row(name, result))
    for name, result in figures.items():
        if name == "floor":
            continue
        ratio = result.requests_per_second / floor.requests_per_second
        line = f"{name}/floor throughput {ratio:.2f}"
        if floor.cpu_us_per_request and result.cpu_us_per_request:
            # On a machine the benchmark saturates, throughput follows the CPU each request costs the server.
            line += f"   server CPU per request {result.cpu_us_per_request / floor.cpu_us_per_request:.2f}x the floor's"
        print(line)
    ratio = advisor.requests_per_second / floor.requests_per_second
    print(
        f"advisor throughput {ratio:.2f} of the floor's   target >= {THROUGHPUT_TARGET}:"
        f" {verdict(ratio >= THROUGHPUT_TARGET)}"
    )
    if floor.cpu_us_per_request and advisor.cpu_us_per_request:
        cost = advisor.cpu_us_per_request / floor.cpu_us_per_request
        print(
            f"advisor server CPU per request {cost:.2f}x the floor's (steadier than requests/s on a shared machine)"
            f"   target <= {CPU_TARGET}x: {verdict(cost <= CPU_TARGET)}"
        )
    answering = figures.get("answering")
    if answering is not None and floor.cpu_us_per_request and answering.cpu_us_per_request:
        least = answering.cpu_us_per_request / floor.cpu_us_per_request
        print(
            f"answering floor (profile validated, answer written, no advice) {least:.2f}x the floor's server CPU:"
            f" the least a fresh answer costs here, against the target {CPU_TARGET}x"
        )
    print(
        f"advisor p99 {advisor.p99_ms:.2f} ms   target < {P99_TARGET_MS:g} ms at {CONNECTIONS} connections:"
        f" {verdict(advisor.p99_ms < P99_TARGET_MS)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the benchmark report; 0 when it measured (targets met or not), 1 when it could not."""
    options = _options(argv)
    print(
        f"advisor HTTP benchmark: POST {PROFILE.relative_to(ROOT)} as JSON to {PATH}, wrk {CONNECTIONS} connections,"
        f" {THREADS} threads, {options.rounds} x {options.duration:g} s per app and kind of body"
        f" (after {options.warmup:g} s warm-up), gunicorn {options.workers} sync workers"
    )
    print(f"{machine()}; app: {options.advisor_app}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-http-") as work_dir:
            medians = measure(options, Path(work_dir))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for kind, figures in medians.items():
        report(kind, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
