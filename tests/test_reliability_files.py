"""Files that are not files: FIFOs, devices, huge files and symlink loops, wherever the advisor reads one.

Each case runs the CLI in a thread with a timeout, since the audit's failure was a hang: opening a FIFO
blocks until a writer comes. Everything must be refused by name, quickly, with exit code 2.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.web.rulestore import RuleStore
from advisor.yamlio import MAX_FILE_BYTES

RECORD = """\
title: t
status: accepted
date: 2025-01-01
decision: {platform: container}
profile: {name: a, host: {os: linux}}
"""
RULE = """\
rules:
  - id: org-rule
    title: An organisation rule
    when: {host.os: linux}
    score: {vm: 1}
    because: The platform team says so.
    links: [https://example.org/policy]
"""
PROFILE = "name: p\nhost: {os: linux}\n"


class Result:
    """What the CLI did: its exit code and output (stderr mixed into stdout, as the tests read them)."""

    def __init__(self, returncode: int, output: str) -> None:
        self.returncode = returncode
        self.stdout = self.stderr = output


def advisor(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """The CLI, in a thread: a hang (the audit's failure) fails the test after 20 s instead of stopping it."""
    runner = CliRunner()
    done: list[Result] = []

    def run() -> None:
        previous = os.getcwd()
        os.chdir(cwd or previous)
        try:
            result = runner.invoke(cli, list(args), env={"ADVISOR_RULES": None, **(env or {})})
            done.append(Result(result.exit_code, result.output))
        finally:
            os.chdir(previous)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert done, f"advisor {' '.join(args)} hangs"
    return done[0]


FIFO = "not a regular file: a named pipe (FIFO)"


def test_check_refuses_a_fifo_record_named_found_or_under_docs_adr(tmp_path: Path) -> None:
    (tmp_path / "ok.decision.yaml").write_text(RECORD)
    os.mkfifo(tmp_path / "pipe.decision.yaml")
    (tmp_path / "docs" / "adr").mkdir(parents=True)
    os.mkfifo(tmp_path / "docs" / "adr" / "0001-pipe.md")
    for args in (["check", "pipe.decision.yaml"], ["check", "."], ["check"]):
        result = advisor(*args, cwd=tmp_path)
        assert result.returncode != 0, (args, result.stdout, result.stderr)
        assert "pipe.decision.yaml" in result.stdout + result.stderr and FIFO in result.stdout + result.stderr
    assert "0001-pipe.md" in advisor("check", cwd=tmp_path).stdout


def test_rules_profiles_and_advisor_rules_refuse_a_fifo_by_name(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "org.yaml").write_text(RULE)
    os.mkfifo(rules / "pipe.yaml")
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE)
    os.mkfifo(tmp_path / "pipe-profile.yaml")
    for args, env in (
        (["rules", "validate", str(rules)], {}),
        (["recommend", "--rules", str(rules), str(profile)], {}),
        (["recommend", str(profile)], {"ADVISOR_RULES": str(rules)}),
    ):
        result = advisor(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert f"{rules / 'pipe.yaml'}: {FIFO}" in result.stderr
    result = advisor("recommend", str(tmp_path / "pipe-profile.yaml"))
    assert result.returncode == 2 and FIFO in result.stderr
    result = advisor("recommend", "/dev/zero")  # a device would be read forever
    assert result.returncode == 2 and "not a regular file: a character device" in result.stderr


def test_a_huge_record_or_profile_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.decision.yaml"
    with big.open("w") as handle:
        handle.write(RECORD)
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used, and no memory if it is never read
    result = advisor("check", str(big))
    assert result.returncode != 0 and "larger than the limit of 4 MiB" in result.stdout + result.stderr
    big_profile = tmp_path / "big.yaml"
    big_profile.write_bytes(b"name: p\n" + b" " * MAX_FILE_BYTES)
    result = advisor("recommend", str(big_profile))
    assert result.returncode == 2 and "larger than the limit of 4 MiB" in result.stderr


def test_a_looping_symlink_named_directly_says_so(tmp_path: Path) -> None:
    (tmp_path / "loop.decision.yaml").symlink_to(tmp_path / "loop.decision.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    checked = advisor("check", str(tmp_path / "loop.decision.yaml"))
    recommended = advisor("recommend", str(tmp_path / "loop.yaml"))
    for result in (checked, recommended):
        output = result.stdout + result.stderr
        assert result.returncode == 2 and "symbolic link loop" in output and "no such file" not in output.lower()


def test_a_fifo_in_the_rules_folder_neither_hangs_a_booting_worker_nor_stops_its_polling(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "org.yaml").write_text(RULE)
    os.mkfifo(rules / "pipe.yaml")
    store = RuleStore([rules], builtin=False, use_env=False)
    booted = threading.Thread(target=store.refresh, daemon=True)
    booted.start()
    booted.join(10)
    assert not booted.is_alive(), "loading the rules hangs on the FIFO"
    assert store.ruleset is None and FIFO in " ".join(store.failure.problems)
    store.poll(0.05)
    (rules / "pipe.yaml").unlink()
    deadline = time.monotonic() + 10
    while store.ruleset is None:
        assert time.monotonic() < deadline, "the poller stopped"
        time.sleep(0.05)
    assert store.readiness()[1]["rules"] == "serving the rules on disk"


def test_a_stuck_poller_is_reported_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "org.yaml").write_text(RULE)
    store = RuleStore([rules], builtin=False, use_env=False)
    store.refresh()
    stuck = threading.Event()
    monkeypatch.setattr(store, "refresh", lambda: stuck.wait())  # a file system that stops answering
    store.poll(0.05)
    assert "polling" not in store.readiness()[1]
    store.stale_after = 0.3
    time.sleep(0.5)
    status, body = store.readiness()
    stuck.set()
    assert status == 200 and body["polling"].startswith("stale: the rule files were last looked at")


def test_a_fifo_in_place_of_the_rule_snapshot_does_not_hang_a_booting_worker(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "org.yaml").write_text("rules: [{id: broken}]\n")
    os.mkfifo(tmp_path / "last-good.json")
    store = RuleStore([rules], builtin=False, use_env=False, snapshot=tmp_path / "last-good.json")
    booted = threading.Thread(target=store.refresh, daemon=True)
    booted.start()
    booted.join(10)
    assert not booted.is_alive(), "reading the snapshot hangs on the FIFO"
    assert store.ruleset is None and store.readiness()[0] == 503
