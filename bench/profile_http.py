"""Where a fresh request's time goes: py-spy samples a live gunicorn worker while wrk sends distinct profiles.

The advisor runs as `make bench-http` runs it (deploy/gunicorn.conf.py, here with one sync worker so one process
holds every sample); wrk POSTs examples/checkout-api.yaml with a new name in each request
(bench/recommend_distinct.lua), so no cache answers. py-spy (the bench extra) records the worker's stacks;
each sample is put in the first category of CATEGORIES that one of its frames matches, and the report gives
each category's share of the samples, and of the busy ones: on a shared machine a worker descheduled inside a
socket write is sampled there, so the socket's share says more about the machine than about the code.

Run it with ``make profile-http`` or ``.venv/bin/python bench/profile_http.py [--duration SECONDS]``;
``--raw FILE`` keeps py-spy's collapsed stacks.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_http import ADVISOR_APP, SCRIPTS, BenchError, gunicorn, measure_body

# (category, pattern a frame of the sample matches): the first category that matches takes the sample.
CATEGORIES = [
    ("what-if search (flips)", r"^flips \("),
    ("capacity", r"^capacity \(.*capacity\.py"),
    ("rule matching (facts_of, matching, network)", r"^(matching|facts_of|network|rules_\d+|leaves_\d+) \("),
    (
        "explanation (rationale, why-not, technologies, notes, assumptions)",
        r"^(_decided|_rationale|_alternatives|_technologies|_assumptions|_once|deciding_fields|defaulted_paths"
        r"|outcome_of) \(",
    ),
    ("plan and starter files (plan, with_starters)", r"^(plan|with_starters) \("),
    ("result models (pydantic, in decide)", r"^(_component|recommend) \(.*decide\.py"),
    ("serialization (to_data, to_json, json)", r"^(to_data|to_json|dumps|_object_json) \("),
    ("answer cache (key, lookup, keeping)", r"^(answer_key|AnswerCache\.\w+) \("),
    ("reading the body (request_body)", r"^request_body \("),
    ("validation (JSON parse, pydantic profile)", r"^(read_profile|parse_profile_json|validate_profile|load_json) \("),
    ("access log", r"^(Logger\.handle|Logger\.makeRecord|JSONFormatter\.format|StreamHandler\.emit|_write_line) \("),
    ("metrics (prometheus_client)", r".*prometheus_client"),
    ("request id and timing (observe.py hooks)", r"^instrument\.<locals>\.(start|finish) \("),
    ("socket write and close (gunicorn)", r"^(write|close_graceful|sendall) \(.*util\.py"),
]
REST = "Flask, Werkzeug and gunicorn (the rest)"
SOCKET = "socket write and close (gunicorn)"


def breakdown(raw: str) -> tuple[int, collections.Counter[str]]:
    """The number of samples and how many fall in each category, from py-spy's raw (collapsed) output."""
    patterns = [(name, re.compile(pattern)) for name, pattern in CATEGORIES]
    total, shares = 0, collections.Counter[str]()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        category = next((name for name, pattern in patterns if any(pattern.match(f) for f in frames)), REST)
        shares[category] += int(count)
        total += int(count)
    return total, shares


def main(argv: list[str] | None = None) -> int:
    """Profile the live worker under load and print the breakdown; 1 when it could not measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of sampling under load [15]")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second [250]")
    parser.add_argument("--raw", type=Path, help="also keep py-spy's collapsed stacks in this file")
    parser.add_argument(
        "--bodies", choices=["distinct", "varied"], default="distinct", help="the bodies wrk sends (bench_http.py's)"
    )
    options = parser.parse_args(argv)
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        print("error: py-spy is not installed (pip install -c constraints.txt -e '.[bench]')", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="profile-http-") as work:
        work_dir = Path(work)
        body, body_path = measure_body(work_dir)
        try:
            with gunicorn(ADVISOR_APP, 1, body, work_dir) as server:
                worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
                seconds = options.duration + 4
                wrk = ["/usr/bin/wrk", "-t2", "-c16", f"-d{seconds:g}s", "-s", str(SCRIPTS[options.bodies]), server.url]
                load = subprocess.Popen([*wrk, "--", str(body_path)], stdout=subprocess.PIPE, text=True)
                time.sleep(2)  # past the first requests
                raw_path = work_dir / "stacks.txt"
                record = [spy, "record", "--pid", str(worker), "--duration", f"{options.duration:g}"]
                record += ["--rate", str(options.rate), "--format", "raw", "--output", str(raw_path), "--nonblocking"]
                subprocess.run(record, check=True, capture_output=True)
                output, _ = load.communicate(timeout=seconds + 60)
        except (BenchError, OSError, subprocess.SubprocessError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        raw = raw_path.read_text()
        if options.raw is not None:
            options.raw.write_text(raw)
    requests = re.search(r"Requests/sec:\s*([\d.]+)", output)
    total, shares = breakdown(raw)
    busy = total - shares[SOCKET]
    print(
        f"py-spy {options.rate}/s for {options.duration:g} s on one gunicorn worker,"
        f" wrk 16 connections, {options.bodies} bodies"
    )
    print(f"{requests[1] if requests else '?'} requests/s; {total} samples, {busy} outside the socket write and close")
    for name, count in shares.most_common():
        of_busy = "" if name == SOCKET else f"{100 * count / max(busy, 1):5.1f}% of busy"
        print(f"{100 * count / max(total, 1):5.1f}% of all  {of_busy:>14}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
