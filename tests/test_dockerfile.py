"""Starter Dockerfiles: hadolint-clean for every runtime and option, the intended stages and instructions as the
BuildKit parser reads them, and no profile value able to add an instruction."""

from __future__ import annotations

import ast
import fnmatch
import itertools
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dockerfile as buildkit
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from advisor.errors import InvalidInput
from advisor.generators.dockerfile import NODE_WINDOWS_SHA256, make_dockerfile, make_dockerignore, published_ports
from advisor.models import DNS_LABEL, WorkloadProfile
from advisor.profiles import validate_profile
from tests.support import assert_refused_on, make_profile, tool

RUNTIMES = ["python", "node", "go", "java", "dotnet", "static", "other"]
PORTS = [[], [8080], [443, 8443, 9000]]
PACKAGES = [[], ["curl"], ["libpq5=15.5-0+deb12u1", "tzdata=2024a-0+deb12u1"], ["curl", "tzdata=2024a-0+deb12u1"]]
COMMANDS = [None, ["./serve", "--flag=$HOME", 'say "hi"', "C:\\path\\"]]
HEALTH = [None, "/healthz"]
MATRIX = list(itertools.product(RUNTIMES, ["linux", "windows"], PORTS, PACKAGES, COMMANDS, HEALTH))
# Only the final image's tools count: which runtimes need busybox's wget for the health check, and which build.
WGET_ON_LINUX = {"go", "java", "dotnet", "static", "other"}
BUILDS = {"go", "java", "dotnet"}
MANIFESTS = {
    "python": "requirements.txt",
    "node": "package.json",
    "go": "go.mod",
    "java": "pom.xml",
    "dotnet": "*.csproj",
}
TAGGED = re.compile(r"^[a-z0-9./-]+:(?P<tag>[A-Za-z0-9._-]+)$")


def workload(runtime: str, os: str, ports: list[int], packages: list[str], command: Any, health: Any) -> dict:
    return {"runtime": runtime, "os": [os], "ports": ports, "packages": packages, "command": command,
            "health_path": health}  # fmt: skip


def hadolint(paths: list[Path]) -> tuple[list[dict], list[int]]:
    """Run hadolint over the files in as many batches as there are CPUs; return findings and exit codes."""
    batches = [paths[i :: os.cpu_count() or 1] for i in range(os.cpu_count() or 1)]
    batches = [batch for batch in batches if batch]

    def run(batch: list[Path]) -> subprocess.CompletedProcess[str]:
        argv = [tool("hadolint"), "--no-color", "-f", "json", "-t", "warning", *map(str, batch)]
        return subprocess.run(argv, capture_output=True, text=True, check=False)

    with ThreadPoolExecutor(len(batches)) as pool:
        done = list(pool.map(run, batches))
    findings = [finding for result in done for finding in json.loads(result.stdout or "[]")]
    return findings, [result.returncode for result in done]


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> list[Path]:
    """One Dockerfile per MATRIX case, in MATRIX order."""
    folder = tmp_path_factory.mktemp("dockerfiles")
    files = []
    for index, case in enumerate(MATRIX):
        path = folder / f"{index:03d}-{case[0]}-{case[1]}.Dockerfile"
        path.write_text(make_dockerfile(make_profile(workload=workload(*case))).content, encoding="utf-8")
        files.append(path)
    return files


@pytest.mark.slow
def test_hadolint_finds_nothing_at_warning_or_above_in_any_combination(generated):
    findings, codes = hadolint(generated)
    assert codes and all(code == 0 for code in codes)
    serious = [f for f in findings if f["level"] in ("warning", "error")]
    assert serious == []
    # Below warning, only Windows' named user remains: Windows containers have no numeric user ids.
    windows_files = {str(path) for case, path in zip(MATRIX, generated, strict=True) if case[1] == "windows"}
    assert {(f["code"], f["file"] in windows_files) for f in findings} <= {("DL3066", True)}


def test_hadolint_finds_nothing_in_gpu_and_batch_variants(tmp_path):
    paths = []
    for runtime, family, architecture, gpu in itertools.product(
        RUNTIMES, ["linux", "windows"], ["monolith", "batch"], [False, True]
    ):
        profile = make_profile(
            workload={"runtime": runtime, "os": [family], "architecture": architecture, "ports": [443, 8080],
                      "packages": ["curl"]},
            hardware={"gpu": gpu},
        )  # fmt: skip
        path = tmp_path / f"{runtime}-{family}-{architecture}-{gpu}.Dockerfile"
        path.write_text(make_dockerfile(profile).content, encoding="utf-8")
        paths.append(path)
    findings, codes = hadolint(paths)
    assert codes and all(code == 0 for code in codes)
    assert {f["code"] for f in findings} <= {"DL3066"}  # Windows' named user only, below warning


def test_the_hadolint_check_catches_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nCMD python app.py\n", encoding="utf-8")
    findings, codes = hadolint([bad])
    assert codes == [1]
    assert {"DL3007", "DL3008", "DL3025"} <= {f["code"] for f in findings}


def stages(text: str) -> list[list[Any]]:
    """The parsed instructions, split into stages at each FROM."""
    split: list[list[Any]] = []
    for instruction in buildkit.parse_string(text):
        if instruction.cmd == "FROM":
            split.append([])
        split[-1].append(instruction)
    return split


def url_in(health: Any) -> str:
    """The URL the HEALTHCHECK fetches, read back out of the exec form (and out of the code it runs)."""
    argv = list(health.value[1:])
    if argv[:2] == ["python", "-c"]:
        call = ast.parse(argv[2]).body[-1].value
        return ast.literal_eval(call.args[0])
    if argv[:2] == ["node", "-e"]:
        return json.loads(re.fullmatch(r"fetch\((\".*\")\)\.then.*", argv[2]).group(1))
    return argv[-1]


@pytest.mark.parametrize("index", range(len(MATRIX)), ids=["-".join(map(str, case)) for case in MATRIX])
def test_stages_and_instructions_are_the_intended_ones(index, generated):
    runtime, family, ports, packages, command, health = MATRIX[index]
    windows = family == "windows"
    parsed = stages(generated[index].read_text(encoding="utf-8"))
    wget = not windows and runtime in WGET_ON_LINUX and bool(ports)
    names = [stage[0].value[-1] for stage in parsed]
    assert names == [*(["build"] if runtime in BUILDS else []), *(["healthcheck"] if wget else []), "final"]
    for stage in parsed:
        assert stage[0].value[1] == "AS"
        tag = TAGGED.match(stage[0].value[0])
        assert tag and tag["tag"] != "latest", stage[0].original
        assert ("ltsc2022" in tag["tag"]) == (windows and stage[0].value[-1] != "healthcheck")
    final = parsed[-1]
    kinds = [i.cmd for i in final]
    allowed = {"FROM", "LABEL", "ENV", "ARG", "SHELL", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK"}
    assert set(kinds[:-1]) <= allowed and kinds.count("CMD") + kinds.count("ENTRYPOINT") == 1
    last = final[-1]
    assert last.cmd == ("ENTRYPOINT" if (runtime, windows) == ("static", True) else "CMD") and last.json
    if command:
        assert list(last.value) == command
    assert [i.value for i in final if i.cmd == "LABEL"] == [("org.opencontainers.image.title", '"t"')]

    users = [i.value[0] for i in final if i.cmd == "USER"]
    if windows:
        assert users == ([] if runtime == "static" else ["ContainerUser"])
    else:
        assert users[-1].isdigit() and users[-1] != "0"
        last_user = max(n for n, kind in enumerate(kinds) if kind == "USER")
        assert all(n < last_user for n, kind in enumerate(kinds) if kind == "RUN")  # nothing runs as root after

    # A non-root process cannot bind a port below 1024: on Linux such a port is moved up and published back.
    listening = [inside for _, inside in published_ports(make_profile(workload=workload(*MATRIX[index])))]
    assert all(port >= 1024 for port in listening) or windows
    assert [host for host, _ in published_ports(make_profile(workload=workload(*MATRIX[index])))] == ports
    assert [list(i.value) for i in final if i.cmd == "EXPOSE"] == ([[str(p) for p in listening]] if ports else [])
    checks = [i for i in final if i.cmd == "HEALTHCHECK"]
    assert len(checks) == (1 if ports else 0)
    if ports:
        assert checks[0].json and checks[0].value[0] == "CMD"
        assert url_in(checks[0]).endswith(f":{listening[0]}{health or '/'}")

    installs = [i for stage in parsed for i in stage if i.cmd == "RUN" and "apt-get" in i.value[0]]
    if packages and not windows:
        assert len(installs) == 1 and set(packages) <= set(installs[0].value[0].split())
    else:
        assert installs == []

    if runtime in MANIFESTS:  # dependencies are installed before the source is copied, for layer caching
        working = parsed[0]
        copies = [n for n, i in enumerate(working) if i.cmd == "COPY" and "--from=build" not in i.flags]
        source = next(n for n in copies if working[n].value[0] in (".", "src/"))

        def reads_manifest(n: int) -> bool:
            # Copied in, or (BuildKit) bind-mounted into the RUN that installs.
            mounted = any(f"source={MANIFESTS[runtime]}," in flag for flag in working[n].flags)
            return mounted or (working[n].cmd == "COPY" and MANIFESTS[runtime] in working[n].value)

        manifest = next(n for n in range(len(working)) if reads_manifest(n))
        assert manifest < source and any(i.cmd == "RUN" for i in working[manifest:source])
        # BuildKit keeps the package manager's download cache between builds (Windows builds have no BuildKit).
        cached = [i for stage in parsed for i in stage if any(f.startswith("--mount=type=cache") for f in i.flags)]
        assert bool(cached) is (not windows)


def test_pinned_packages_need_no_hadolint_exception_and_unpinned_ones_say_where_to_pin():
    pinned = make_dockerfile(make_profile(workload={"packages": ["tzdata=2024a-0+deb12u1"]}))
    assert "hadolint ignore" not in pinned.content and pinned.notes == ()
    mixed = make_dockerfile(make_profile(workload={"packages": ["curl", "tzdata=2024a-0+deb12u1"]}))
    assert "# CHANGE: pin curl as name=version" in mixed.content
    assert "# hadolint ignore=DL3008\nRUN apt-get update" in mixed.content
    assert [n for n in mixed.notes if "curl" in n and "pinned" in n]


def test_a_windows_workload_gets_windows_images_and_a_note():
    artifact = make_dockerfile(make_profile(workload={"os": ["windows"], "runtime": "dotnet", "packages": ["curl"]}))
    images = [i.value[0] for i in buildkit.parse_string(artifact.content) if i.cmd == "FROM"]
    assert images == ["mcr.microsoft.com/dotnet/sdk:10.0-windowsservercore-ltsc2022",
                      "mcr.microsoft.com/dotnet/aspnet:10.0-nanoserver-ltsc2022"]  # fmt: skip
    assert any("Windows host" in note for note in artifact.notes)
    assert any("curl" in note and "Windows image cannot install" in note for note in artifact.notes)
    assert "Windows host" in artifact.content


def test_go_without_packages_runs_on_distroless_and_with_packages_on_debian():
    plain = buildkit.parse_string(make_dockerfile(make_profile(workload={"runtime": "go"})).content)
    assert [i.value[0] for i in plain if i.cmd == "FROM"][-1].startswith("gcr.io/distroless/static")
    assert not [i for i in plain[next(n for n, i in enumerate(plain) if i.value[-1] == "final") :] if i.cmd == "RUN"]
    packaged = buildkit.parse_string(
        make_dockerfile(make_profile(workload={"runtime": "go", "packages": ["curl"]})).content
    )
    assert [i.value[0] for i in packaged if i.cmd == "FROM"][-1].startswith("debian:")


def final_stage(profile: WorkloadProfile) -> list[Any]:
    return stages(make_dockerfile(profile).content)[-1]


def test_a_gpu_workload_runs_on_cuda_runtime_and_the_notes_give_the_gpus_flag():
    profile = make_profile(workload={"runtime": "python", "architecture": "batch"}, hardware={"gpu": True})
    artifact = make_dockerfile(profile)
    final = final_stage(profile)
    image = final[0].value[0]
    assert image.startswith("nvidia/cuda:") and "-runtime-" in image
    assert "# Run:   docker run --rm --gpus all t" in artifact.content
    assert any("docker run --gpus all" in note and "NVIDIA Container Toolkit" in note for note in artifact.notes)
    assert [i.value[0] for i in final if i.cmd == "USER"] == ["10001"]
    # Other runtimes keep their image and are told how to reach the GPU.
    node = make_dockerfile(make_profile(workload={"runtime": "node"}, hardware={"gpu": True}))
    assert "nvidia/cuda" not in node.content.split("FROM", 1)[1].splitlines()[0]
    assert any("--gpus all" in note for note in node.notes)


@pytest.mark.parametrize("runtime", ["python", "node", "go", "java", "dotnet", "other"])
def test_a_batch_job_exposes_nothing_and_runs_no_web_server(runtime):
    profile = make_profile(workload={"runtime": runtime, "architecture": "batch", "ports": [8080]})
    artifact = make_dockerfile(profile)
    kinds = [i.cmd for i in buildkit.parse_string(artifact.content)]
    assert "EXPOSE" not in kinds and "HEALTHCHECK" not in kinds
    assert "gunicorn" not in artifact.content and "-p 8080" not in artifact.content
    assert any("batch" in note and "workload.ports is not used" in note for note in artifact.notes)
    service = make_dockerfile(make_profile(workload={"runtime": runtime, "ports": [8080]}))
    assert "EXPOSE 8080" in service.content


def test_privileged_ports_are_moved_up_for_the_non_root_user_and_published_back():
    profile = make_profile(workload={"runtime": "node", "ports": [443, 80, 8443]})
    assert published_ports(profile) == [(443, 8444), (80, 8080), (8443, 8443)]
    artifact = make_dockerfile(profile)
    assert "EXPOSE 8444 8080 8443" in artifact.content and "-p 443:8444 -p 80:8080 -p 8443:8443" in artifact.content
    windows = make_profile(workload={"runtime": "node", "os": ["windows"], "ports": [443]})
    assert published_ports(windows) == [(443, 443)]


def test_the_windows_node_download_is_checked_against_a_pinned_sha256():
    content = make_dockerfile(make_profile(workload={"runtime": "node", "os": ["windows"]})).content
    assert f"ARG NODE_SHA256={NODE_WINDOWS_SHA256}" in content
    assert "Get-FileHash node.zip -Algorithm SHA256" in content and "throw" in content
    assert content.index("Get-FileHash") < content.index("Expand-Archive")


@pytest.mark.parametrize(
    ("runtime", "caches"),
    [
        ("python", ["/root/.cache/pip"]),
        ("node", ["/root/.npm"]),
        ("go", ["/go/pkg/mod", "/go/pkg/mod", "/root/.cache/go-build"]),
        ("java", ["/root/.m2", "/root/.m2"]),
        ("dotnet", ["/root/.nuget/packages", "/root/.nuget/packages"]),
    ],
)
def test_dependency_installs_use_buildkit_cache_mounts(runtime, caches):
    parsed = buildkit.parse_string(make_dockerfile(make_profile(workload={"runtime": runtime})).content)
    found = [f.split("target=")[1] for i in parsed for f in i.flags if f.startswith("--mount=type=cache")]
    assert found == caches
    assert "--no-cache-dir" not in make_dockerfile(make_profile(workload={"runtime": runtime})).content


def ignored(path: str, patterns: list[str]) -> bool:
    """Roughly Docker's .dockerignore matching (fnmatch, ** for any depth); errs towards ignoring."""
    rules = [p for p in patterns if p and not p.startswith("#")]
    prefixes = ["/".join(path.split("/")[: n + 1]) for n in range(path.count("/") + 1)]
    for rule in rules:
        forms = [rule, rule[3:]] if rule.startswith("**/") else [rule]
        if any(fnmatch.fnmatch(prefix, form) for prefix in prefixes for form in forms):
            return True
    return False


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dockerignore_keeps_what_the_dockerfile_copies_and_drops_secrets(runtime):
    profile = make_profile(workload={"runtime": runtime})
    patterns = make_dockerignore(profile).content.splitlines()
    copied = [
        source
        for i in buildkit.parse_string(make_dockerfile(profile).content)
        if i.cmd == "COPY" and not any(f.startswith("--from") for f in i.flags)
        for source in i.value[:-1]
    ]
    assert copied
    for source in copied:
        if source != ".":
            assert not ignored(source.rstrip("/").replace("*.csproj", "app.csproj"), patterns), source
    assert ignored(".env", patterns) and ignored("config/.env.production", patterns) and ignored(".git", patterns)


# --- Property tests: arbitrary text never adds an instruction; refused text names its field. ---


def shape(profile: WorkloadProfile) -> list[str]:
    return [i.cmd for i in buildkit.parse_string(make_dockerfile(profile).content)]


BENIGN = {"name": "t", "ports": [8080], "packages": ["curl"], "command": ["app"], "health_path": "/"}
any_text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\n", "x\nRUN rm -rf /", "a\\", "\\\nRUN x", '"]\nRUN x', "$(id)", "/'+__import__('os').system('id')+'",
     "/\u2028RUN x", "curl\nRUN x", "/\r\nUSER 0"]
)  # fmt: skip
# Arbitrary text, and text the model's grammars accept, so that both branches below are well exercised.
package_like = st.from_regex(r"[a-z0-9][a-z0-9+.-]{0,10}(=[A-Za-z0-9.+~:-]{1,10})?", fullmatch=True)
FIELDS = {
    "name": any_text | st.from_regex(DNS_LABEL, fullmatch=True),
    "ports": st.lists(st.integers(-5, 70000) | st.booleans() | any_text, max_size=3),
    "packages": st.lists(any_text | package_like, max_size=3),
    "command": st.none() | st.lists(any_text, max_size=3),
    "health_path": st.none() | any_text.map(lambda text: "/" + text) | any_text,
}


@pytest.mark.slow
@pytest.mark.parametrize("field", list(FIELDS), ids=list(FIELDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), runtime=st.sampled_from(RUNTIMES), family=st.sampled_from(["linux", "windows"]))
def test_no_profile_value_adds_an_instruction(field, data, runtime, family):
    value = data.draw(FIELDS[field], label=field)
    chosen = {**BENIGN, field: value}
    document = {
        "name": chosen["name"],
        "host": {"os": "linux"},
        "workload": {"runtime": runtime, "os": [family], **{k: chosen[k] for k in BENIGN if k != "name"}},
    }
    try:
        profile = validate_profile(document)
    except InvalidInput as exc:
        event("refused")
        assert_refused_on(exc, field)
        return
    event("accepted")
    reference = make_profile(workload={**document["workload"], **{k: BENIGN[k] for k in BENIGN if k != "name"}})
    expected = shape(reference)
    if field in ("ports", "packages"):  # an empty list drops EXPOSE and HEALTHCHECK, or the apt-get step
        expected = shape(make_profile(workload={**reference.workload.model_dump(), field: value}))
    assert shape(profile) == expected
    parsed = buildkit.parse_string(make_dockerfile(profile).content)
    assert parsed[-1].value == tuple(profile.workload.command or parsed[-1].value)
    health = [i for i in parsed if i.cmd == "HEALTHCHECK"]
    if health:
        listening = published_ports(profile)[0][1]
        assert url_in(health[0]).endswith(f":{listening}{profile.workload.health_path or '/'}")
    assert [i.value for i in parsed if i.cmd == "LABEL"] == [("org.opencontainers.image.title", f'"{profile.name}"')]
