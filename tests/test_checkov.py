"""Checkov over every generated Dockerfile, Kubernetes manifest and Compose file: no failed check, and every
skip is written in the file with its reason.

Checkov has a dependency tree of its own, so it lives in .venv-checkov (`make test` makes it, pinned) or on
PATH. It has no checks for Compose files (its frameworks are listed by `checkov --help`): those it scans only
for secrets, and the Compose Specification's schema proves them (tests/test_compose.py).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from advisor.generators import Verdict
from advisor.generators.compose import make_compose
from advisor.generators.dockerfile import make_dockerfile
from advisor.generators.kubernetes import SHAPES, make_kubernetes
from advisor.models import WorkloadProfile

pytestmark = pytest.mark.checkov

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ["python", "node", "go", "java", "dotnet", "static", "other"]
SANDBOX = Verdict("hybrid", ("gVisor",), ("hybrid",))


def checkov() -> str:
    found = ROOT / ".venv-checkov" / "bin" / "checkov"
    path = str(found) if found.exists() else shutil.which("checkov")
    assert path, "Checkov is missing: run `make .venv-checkov/bin/checkov` (make test does)"
    return path


def profile_of(name: str, **sections: Any) -> WorkloadProfile:
    return WorkloadProfile.model_validate({"name": name, "host": {"os": "linux"}, **sections})


def variants() -> list[tuple[str, WorkloadProfile, bool]]:
    """Every runtime on Linux and Windows, with ports and packages and without; whether to write its manifests
    too (every shape, sandboxed or not, for the runtimes whose images run as different users)."""
    found = []
    combos = itertools.product(RUNTIMES, ["linux", "windows"], [([8080], ["curl"]), ([], [])])
    for n, (runtime, family, (ports, packages)) in enumerate(combos):
        workload = {"runtime": runtime, "os": [family], "ports": ports, "packages": packages}
        workload["architecture"] = "batch" if n % 3 == 0 else "microservices"
        scale = {"instances": 1 + n % 3, "elasticity": ["steady", "bursty", "scale-to-zero"][n % 3]}
        profile = profile_of(f"v{n}", workload=workload, scale=scale, hardware={"gpu": n % 4 == 0})
        found.append((f"v{n}", profile, runtime in ("python", "node", "static")))
    # Scheduled batch jobs (a CronJob), with a GPU and without, on Linux and Windows.
    for n, (family, runtime, gpu) in enumerate([("linux", "python", True), ("windows", "dotnet", False)]):
        workload = {"runtime": runtime, "os": [family], "architecture": "batch", "schedule": "0 2 * * *"}
        profile = profile_of(f"cron{n}", workload=workload, hardware={"gpu": gpu}, scale={"instances": 2})
        found.append((f"cron{n}", profile, True))
    # A load balancer on each cloud, internal and internet-facing.
    for n, (cloud, exposure) in enumerate(itertools.product(["aws", "azure", "gcp"], ["internal", "internet"])):
        profile = profile_of(
            f"lb{n}", host={"os": "linux", "cloud": cloud}, workload={"exposure": exposure}, scale={"instances": 2}
        )
        found.append((f"lb{n}", profile, True))
    return found


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[dict, int]:
    """Checkov's JSON report over a folder of every variant's files, and how many files it was given."""
    folder = tmp_path_factory.mktemp("checkov")
    count = 0
    for n, (name, profile, manifests) in enumerate(variants()):
        place = folder / name
        place.mkdir()
        (place / "Dockerfile").write_text(make_dockerfile(profile).content, encoding="utf-8")
        (place / "compose.yaml").write_text(make_compose(profile).content, encoding="utf-8")
        count += 2
        for shape in SHAPES if manifests else ():
            verdict = SANDBOX if n % 2 else None
            (place / f"{shape}.yaml").write_text(make_kubernetes(profile, verdict, shape).content, encoding="utf-8")
            count += 1
    # BC_SKIP_MAPPING: no call to Prisma Cloud for guideline links (the tests run offline).
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    ran = subprocess.run(
        [checkov(), "--directory", str(folder), "--output", "json", "--skip-download", "--compact"],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
        cwd=folder,
    )
    assert ran.returncode in (0, 1), ran.stderr[-3000:]
    reports = json.loads(ran.stdout)
    return {r["check_type"]: r for r in (reports if isinstance(reports, list) else [reports])}, count


def test_checkov_fails_no_check_on_any_generated_file(scanned):
    reports, _ = scanned
    failed = [
        f"{r['file_path']}: {r['check_id']} {r['check_name']}"
        for report in reports.values()
        for r in report["results"]["failed_checks"]
    ]
    assert failed == []


def test_checkov_read_every_dockerfile_and_manifest(scanned):
    reports, _ = scanned
    assert {"dockerfile", "kubernetes"} <= set(reports)
    files = {r["file_path"] for report in reports.values() for r in report["results"]["passed_checks"]}
    expected = sum(1 + (len(SHAPES) if manifests else 0) for _, _, manifests in variants())
    assert len({f for f in files if not f.endswith("compose.yaml")}) == expected


def test_every_skip_is_in_the_file_with_its_reason(scanned):
    reports, _ = scanned
    skipped = [r for report in reports.values() for r in report["results"]["skipped_checks"]]
    assert skipped, "the starters skip some checks (an image digest cannot be known yet)"
    assert all(r["check_result"].get("suppress_comment", "").strip() for r in skipped), [r["check_id"] for r in skipped]
