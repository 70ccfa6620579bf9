"""Time `advisor check` over 1,000 generated decision records, as a real process (start-up included).

Half the records carry their profile inline, half refer to one of a few shared profile files; a tenth
decide against the advice, so findings are built and lines looked up too. `advisor --version`, timed in
the same run, is the process-start floor. Target: the check finishes in under 5 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_records(folder)
        check = [*ADVISOR, "check", "--format", "json", "."]
        result = subprocess.run(check, cwd=folder, capture_output=True, text=True, check=False)
        summary = json.loads(result.stdout)["summary"]
        print(f"exit code {result.returncode}; {summary}")
        floor = [timed([*ADVISOR, "--version"], folder) for _ in range(RUNS)]
        runs = [timed(check, folder) for _ in range(RUNS)]
    print(f"advisor --version        min {min(floor):.3f} s  median {statistics.median(floor):.3f} s")
    print(f"advisor check x{RECORDS}  min {min(runs):.3f} s  median {statistics.median(runs):.3f} s  (target < 5 s)")


if __name__ == "__main__":
    main()
