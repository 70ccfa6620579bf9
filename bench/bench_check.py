"""Time `advisor check` over 1,000 generated decision records, as a real process (start-up included).

Half the records carry their profile inline, half refer to one of a few shared profile files; a tenth
decide against the advice, so findings are built and lines looked up too. `advisor --version`, timed in
the same run, is the process-start floor. Target: the check finishes in under 5 s. Each run's CPU time (the
process's own, from the kernel) is printed beside the wall time: on a shared machine it is the steadier one.

``--before CHECKOUT`` also runs the check with the advisor imported from another checkout (an older commit,
say), the two taking turns, and says whether this one is any slower (issue 17: 0.47 s, "nothing gets slower").
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checkouts import importing_from

RECORDS = 1_000
RUNS = 5
# The console script beside this Python (the venv's), as users run it; `python -m advisor` otherwise.
SCRIPT = Path(sys.executable).with_name("advisor")
ADVISOR = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "advisor"]

PROFILES = {
    "web": "name: web\nhost: {os: linux}\nworkload: {architecture: microservices}\nscale: {instances: 12}\n",
    "erp": "name: erp\nhost: {os: linux}\nworkload: {os: [windows], legacy: true}\n",
    "batch": "name: batch\nhost: {os: linux, cpus: 16, memory_gib: 64}\nworkload: {architecture: batch}\n",
}
PLATFORMS = {"web": "container", "erp": "vm", "batch": "container"}


def write_records(folder: Path) -> None:
    (folder / "profiles").mkdir()
    for name, text in PROFILES.items():
        (folder / "profiles" / f"{name}.yaml").write_text(text, encoding="utf-8")
    names = sorted(PROFILES)
    for index in range(RECORDS):
        kind = names[index % len(names)]
        platform = "hybrid" if index % 10 == 0 else PLATFORMS[kind]
        if index % 2:
            profile = f"profile_ref: profiles/{kind}.yaml\n"
        else:
            inline = PROFILES[kind].replace(f"name: {kind}", f"name: {kind}-{index}")
            profile = "profile:\n" + "".join(f"  {line}\n" for line in inline.splitlines())
        text = (
            f"title: Decision {index}\nstatus: accepted\ndate: 2025-01-01\ndecision:\n  platform: {platform}\n{profile}"
        )
        (folder / f"d{index:04}.decision.yaml").write_text(text, encoding="utf-8")


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from the kernel) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # every child waited for so far, this one not yet
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def line(label: str, runs: list[tuple[float, float]], note: str = "") -> str:
    wall, cpu = [run[0] for run in runs], [run[1] for run in runs]
    return (
        f"{label:<24} min {min(wall):.3f} s  median {statistics.median(wall):.3f} s  "
        f"CPU median {statistics.median(cpu):.3f} s{note}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, metavar="CHECKOUT", help="also time the advisor of another checkout")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_records(folder)
        check = [*ADVISOR, "check", "--format", "json", "."]
        result = subprocess.run(check, cwd=folder, capture_output=True, text=True, check=False)
        summary = json.loads(result.stdout)["summary"]
        print(f"exit code {result.returncode}; {summary}")
        floor = [timed([*ADVISOR, "--version"], folder) for _ in range(RUNS)]
        runs = [timed(check, folder) for _ in range(RUNS)]
        if options.before is not None:  # both sides as `python -m advisor`, taking turns
            sides = {"before": options.before.resolve(), "now": Path(__file__).resolve().parent.parent}
            module_check = [sys.executable, "-m", "advisor", "check", "--format", "json", "."]
            answers = {
                side: subprocess.run(
                    module_check, cwd=folder, env=importing_from(checkout), capture_output=True, check=False
                ).stdout
                for side, checkout in sides.items()
            }
            turns: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
            for _ in range(RUNS):
                for side, checkout in sides.items():
                    turns[side].append(timed(module_check, folder, importing_from(checkout)))
    print(line("advisor --version", floor))
    print(line(f"advisor check x{RECORDS}", runs, "  (target < 5 s)"))
    if options.before is not None:
        print(f"side by side with {sides['before']} (python -m advisor, taking turns):")
        for side in sides:
            print(line(f"  {side}", turns[side]))
        ratio = statistics.median(cpu for _, cpu in turns["now"]) / statistics.median(cpu for _, cpu in turns["before"])
        same = "same answer" if answers["before"] == answers["now"] else "ANSWERS DIFFER"
        verdict = "target met" if ratio <= 1.0 else "target missed"
        print(f"  now/before: {ratio:.2f}x the CPU time ({same}); no slower: {verdict}")


if __name__ == "__main__":
    main()
