"""Benchmark the result page against the JSON answer for the same profile, on one live gunicorn.

The page is what a browser does for a submitted form: `POST /` with the profile form-encoded (the fields a
permalink holds, and action=recommend), answered with the result page (200); an advisor that answers 303 with
the permalink instead (before the form answered at once) is followed there with a `GET`, as a browser would.
The permalink's page alone (its GET) is measured too. The JSON answer is
`POST /v1/recommendations` with the same profile as JSON. Every request
names a profile of its own (as bench/recommend_distinct.lua does), so no answer cache can serve it.

Batches of each kind are interleaved (JSON, page, permalink, JSON, ...) against the same server, for two profiles:
examples/checkout-api.yaml (one workload) and examples/retail-estate.yaml (an estate of components). For each
batch the server's CPU time (master and worker, from /proc) is divided by the answers given, which other
programs on a shared machine hardly disturb, and the client's wall time per answer is kept beside it; the
report gives the medians and the page/JSON ratio against its target (at most 1.5x).

This prints a report, not a verdict, and exits 0 either way; 1 when the server does not start or an answer is
not what it should be. Run it with ``make bench-http`` (after the throughput benchmark) or
``.venv/bin/python bench/bench_page.py [--requests N] [--rounds N] [--before CHECKOUT]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import yaml
from bench_http import ADVISOR_APP, ROOT, BenchError, Server, gunicorn, machine, server_cpu_seconds, verdict

from advisor.profiles import validate_profile
from advisor.web.formdata import permalink_query

PROFILES = {name: ROOT / "examples" / f"{name}.yaml" for name in ("checkout-api", "retail-estate")}
RATIO_TARGET = 1.5  # the page's time as a multiple of the JSON answer's
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Batch:
    """One batch of answers of one kind: the server's CPU and the client's wall time, per answer, in µs."""

    cpu_us: float | None
    wall_us: float


@dataclass(frozen=True)
class Bodies:
    """One profile as each door takes it, its name swapped per request."""

    data: dict

    def json(self, name: str) -> bytes:
        return json.dumps({**self.data, "name": name}).encode()

    def form(self, name: str) -> bytes:
        pairs = permalink_query(validate_profile({**self.data, "name": name}))
        return urlencode([*pairs, ("action", "recommend")]).encode()

    def permalink(self, name: str) -> str:
        return "/?" + urlencode(permalink_query(validate_profile({**self.data, "name": name})))


def _request(server: Server, method: str, path: str, body: bytes | None, content_type: str | None) -> tuple[int, str]:
    """One request on a connection of its own (gunicorn's sync workers close each); its status and Location."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def json_answer(server: Server, bodies: Bodies, name: str) -> None:
    """The JSON answer for the profile under `name`."""
    status, _ = _request(server, "POST", "/v1/recommendations", bodies.json(name), "application/json")
    if status != 200:
        raise BenchError(f"POST /v1/recommendations answered {status} for {name}")


def page_answer(server: Server, bodies: Bodies, name: str) -> None:
    """The result page for the profile under `name`: the form's POST, and the permalink it redirects to if it does."""
    status, location = _request(server, "POST", "/", bodies.form(name), FORM_TYPE)
    if status == 303 and location:
        status, _ = _request(server, "GET", location, None, None)
        if status != 200:
            raise BenchError(f"GET {location[:80]}... answered {status} for {name}")
    elif status != 200:
        raise BenchError(f"POST / answered {status} (not the result page) for {name}")


def permalink_answer(server: Server, bodies: Bodies, name: str) -> None:
    """The result page alone, as its permalink gives it (what the form's POST redirects to)."""
    status, _ = _request(server, "GET", bodies.permalink(name), None, None)
    if status != 200:
        raise BenchError(f"GET of the permalink answered {status} for {name}")


def run_batch(server: Server, answer: Callable[[Server, Bodies, str], None], bodies: Bodies, names: list[str]) -> Batch:
    """Ask for each name in turn; the server's CPU and the wall time per answer."""
    cpu_before, start = server_cpu_seconds(server.pid), time.perf_counter()
    for name in names:
        answer(server, bodies, name)
    wall, cpu_after = time.perf_counter() - start, server_cpu_seconds(server.pid)
    cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) / len(names) * 1e6
    return Batch(cpu, wall / len(names) * 1e6)


def _options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="answers in each measured batch [60]")
    parser.add_argument("--rounds", type=int, default=5, help="measured batches of each kind, interleaved [5]")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="CHECKOUT",
        help="also measure the advisor as imported from another checkout (an older commit, say), side by side",
    )
    options = parser.parse_args(argv)
    if options.requests < 1 or options.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    return options


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def measure(options: argparse.Namespace, work_dir: Path) -> dict[tuple[str, str], dict[str, list[Batch]]]:
    """Batches of JSON answers and pages, interleaved per profile and server: {(server, profile): {kind: batches}}."""
    profiles = {name: Bodies(yaml.safe_load(path.read_text(encoding="utf-8"))) for name, path in PROFILES.items()}
    kinds = {"json": json_answer, "page": page_answer, "permalink": permalink_answer}
    first_body = next(iter(profiles.values())).json("bench-warm-up")
    found: dict[tuple[str, str], dict[str, list[Batch]]] = {}
    with ExitStack() as stack:
        # One worker: the CPU each answer costs is then one process's, and the two kinds take turns on it.
        servers: dict[str, Server] = {}
        if options.before is not None:
            servers["before"] = stack.enter_context(
                gunicorn(ADVISOR_APP, 1, first_body, work_dir, source=options.before)
            )
        servers["advisor"] = stack.enter_context(gunicorn(ADVISOR_APP, 1, first_body, work_dir))
        for server_name, server in servers.items():
            for profile_name, bodies in profiles.items():
                for kind, answer in kinds.items():  # warm up: templates compiled, caches of the rule set filled
                    run_batch(server, answer, bodies, [f"warm-{kind}-{n}" for n in range(10)])
                found[server_name, profile_name] = {kind: [] for kind in kinds}
        for round_number in range(options.rounds):
            for server_name, server in servers.items():
                for profile_name, bodies in profiles.items():
                    for kind, answer in kinds.items():
                        names = [f"bench-{kind}-{round_number}-{n}" for n in range(options.requests)]
                        found[server_name, profile_name][kind].append(run_batch(server, answer, bodies, names))
            print(f"round {round_number + 1} of {options.rounds} done", flush=True)
    return found


def report(found: dict[tuple[str, str], dict[str, list[Batch]]]) -> None:
    """The median per answer of each kind, and each page's cost as a multiple of the JSON answer's."""
    columns = f"{'JSON':>7} {'page':>7} {'ratio':>6} {'GET':>7} {'ratio':>6}"
    print(f"\n{'':<23} {'server CPU µs per answer':^37}   {'wall ms per answer':^20}")
    print(f"{'server':<8} {'profile':<14} {columns}   {'JSON':>6} {'page':>6} {'GET':>6}")
    ratios = {}
    for (server_name, profile_name), kinds in found.items():
        cpu = {kind: _median([b.cpu_us for b in batches]) for kind, batches in kinds.items()}
        wall = {kind: statistics.median(b.wall_us for b in batches) for kind, batches in kinds.items()}
        # CPU time when /proc has it (steadier on a shared machine), else the client's wall time; /proc counts
        # in clock ticks (10 ms), so a batch too short to show any falls back to wall time too.
        basis: dict[str, float] = {k: v for k, v in cpu.items() if v} if all(cpu.values()) else wall
        ratios[server_name, profile_name] = (basis["page"] / basis["json"], basis["permalink"] / basis["json"])
        figures = " ".join(f"{v:>7,.0f}" if v is not None else f"{'-':>7}" for v in (cpu["json"], cpu["page"]))
        page_ratio, get_ratio = ratios[server_name, profile_name]
        get_cpu = f"{cpu['permalink']:>7,.0f}" if cpu["permalink"] is not None else f"{'-':>7}"
        walls = " ".join(f"{wall[k] / 1000:>6.2f}" for k in ("json", "page", "permalink"))
        print(
            f"{server_name:<8} {profile_name:<14} {figures} {page_ratio:>5.2f}x {get_cpu} {get_ratio:>5.2f}x   {walls}"
        )
    print("(page: the form's POST, and the GET of the permalink if it redirects there; GET: the permalink's page;")
    print(" ratios to the JSON answer for the same profile, one answer at a time)")
    for (server_name, profile_name), (page_ratio, get_ratio) in ratios.items():
        if server_name != "advisor":
            continue
        print(
            f"{profile_name}: the page takes {page_ratio:.2f}x the JSON answer's time (the permalink's page alone"
            f" {get_ratio:.2f}x)   target <= {RATIO_TARGET}x: {verdict(page_ratio <= RATIO_TARGET)}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; 0 when it measured (targets met or not), 1 when it could not."""
    options = _options(argv)
    print(
        f"advisor result page against the JSON answer: {options.rounds} x {options.requests} answers of each kind"
        f" per profile ({', '.join(PROFILES)}), a distinct profile name in each, gunicorn 1 sync worker"
    )
    print(machine())
    try:
        with tempfile.TemporaryDirectory(prefix="bench-page-") as work_dir:
            found = measure(options, Path(work_dir))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
