"""The README's curl examples work as shown, against a live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT

SHOWN_URL = "http://127.0.0.1:8000"


def service_examples() -> list[tuple[str, str]]:
    """(command, shown output) for each `$ curl` line of the README's service section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The service\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    examples: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            examples.append((line[2:], []))
        else:
            examples[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in examples]


def matches(shown: str, actual: str) -> bool:
    """True if `actual` is `shown`, where each `...` in `shown` stands for any text."""
    pattern = ".*".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, actual.strip(), flags=re.DOTALL) is not None


EXAMPLES = service_examples()


def test_every_route_has_an_example():
    routes = {re.search(r"8000(/[^ '?]*)", command).group(1) for command, _ in EXAMPLES}
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    documented = {path for path in contract if "{" not in path} | {"/v1/rules/microservices"}
    assert routes >= documented


@pytest.mark.live
@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c.split(SHOWN_URL)[1][:40] for c, _ in EXAMPLES])
def test_readme_curl_example(live_server, command, shown):
    ran = subprocess.run(
        ["bash", "-c", command.replace(SHOWN_URL, live_server)], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert ran.returncode == 0, ran.stderr
    assert matches(shown, ran.stdout), f"README shows:\n{shown}\n\ngot:\n{ran.stdout[:2000]}"


def console_blocks() -> list[list[tuple[str, str]]]:
    """Every ```console block that runs the advisor command: its (command, shown output) pairs, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for block in re.findall(r"```console\n(.*?)```", readme, flags=re.DOTALL):
        steps: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        # Blocks of advisor commands (and `cat` of the files they read) run here as they stand; blocks that
        # need more around them (a git repository, folders of inventories) are not among them.
        if any(command.startswith("advisor ") for command, _ in steps) and all(
            command.startswith(("advisor ", "cat ")) for command, _ in steps
        ):
            blocks.append([(command, "\n".join(shown)) for command, shown in steps])
    return blocks


BLOCKS = console_blocks()


def test_every_advisor_command_of_the_readme_is_run_here():
    commands = [command for block in BLOCKS for command, _ in block if command.startswith("advisor ")]
    assert len(commands) >= 6


@pytest.mark.parametrize("block", BLOCKS, ids=[block[-1][0][:40] for block in BLOCKS])
def test_readme_console_example(tmp_path, block):
    """Each block runs in a fresh folder holding the repository's examples, rules and test data, with the
    advisor command of the venv on PATH (as `make install` gives); `$ cat FILE` shows a file the next command
    reads, so it is written with what the README shows."""
    for name in ("examples", "rules", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "NO_COLOR": "1"}
    for command, shown in block:
        if command.startswith("cat "):
            path = tmp_path / command.split(" ", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(shown + "\n", encoding="utf-8")
            continue
        ran = subprocess.run(
            ["bash", "-c", command + " 2>&1"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert matches(shown, ran.stdout), f"README shows:\n{shown}\n\ngot:\n{ran.stdout[:3000]}"


def kubernetes_walkthroughs() -> list[tuple[str, str, list[str]]]:
    """Each written `kubectl apply --dry-run=client` walk-through: the profile its `advisor emit` reads, the
    manifest file it applies, and the lines it shows kubectl printing."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```console\n(.*?)```", readme, flags=re.DOTALL):
        emitted = re.search(r"^\$ advisor emit all (\S+)", block, flags=re.MULTILINE)
        applied = re.search(
            r"^\$ kubectl apply --dry-run=client -f (\S+)\n((?:[^$\n].*\n)+)", block, flags=re.MULTILINE
        )
        if emitted and applied:
            found.append((emitted.group(1), applied.group(1), applied.group(2).splitlines()))
    return found


WALKTHROUGHS = kubernetes_walkthroughs()


def test_the_readme_walks_through_a_service_and_a_cronjob():
    shown = [line for _, _, lines in WALKTHROUGHS for line in lines]
    assert any(line.startswith("deployment.apps/") for line in shown)
    assert any(line.startswith("cronjob.batch/") for line in shown)


@pytest.mark.parametrize(("profile", "manifest", "shown"), WALKTHROUGHS, ids=[w[1] for w in WALKTHROUGHS])
def test_a_kubectl_walkthrough_shows_what_the_file_it_applies_holds(tmp_path, profile, manifest, shown):
    """kubectl's dry run prints `kind.group/name created (dry run)` for each document, in order: the README's
    lines must be the documents `advisor emit all` writes for that profile (no cluster here to run kubectl)."""
    ran = subprocess.run(
        [str(Path(sys.executable).with_name("advisor")), "emit", "all", str(ROOT / profile), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    documents = list(yaml.safe_load_all((tmp_path / manifest).read_text(encoding="utf-8")))
    expected = []
    for document in documents:
        group = document["apiVersion"].rpartition("/")[0]
        resource = document["kind"].lower() + (f".{group}" if group else "")
        expected.append(f"{resource}/{document['metadata']['name']} created (dry run)")
    assert shown == expected
