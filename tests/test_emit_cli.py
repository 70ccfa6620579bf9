"""`advisor emit`: single files to stdout with notes on stderr, the bundle to a folder, and every exit code."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest

from advisor.cli import cli
from advisor.engine.decide import recommend
from advisor.generators.bundle import make_bundle
from advisor.generators.dockerfile import make_dockerfile
from advisor.generators.libvirt import disk_command, make_domain_xml
from advisor.profiles import read_profiles
from tests.support import ROOT, immutable

RETAIL = str(ROOT / "examples" / "retail-estate.yaml")
CHECKOUT = str(ROOT / "examples" / "checkout-api.yaml")


def load(path: str):
    [profile] = read_profiles([path])
    return profile


def test_emit_dockerfile_prints_the_file_and_notes_go_to_stderr(runner, tmp_path):
    source = tmp_path / "w.yaml"
    source.write_text("name: w\nhost: {os: linux}\nworkload: {packages: [curl]}\n", encoding="utf-8")
    result = runner.invoke(cli, ["emit", "dockerfile", str(source)])
    assert result.exit_code == 0, result.output
    artifact = make_dockerfile(load(str(source)))
    assert result.stdout == artifact.content
    assert artifact.notes and result.stderr == "".join(f"note: {note}\n" for note in artifact.notes)


def test_emit_dockerfile_reads_stdin(runner):
    result = runner.invoke(cli, ["emit", "dockerfile", "-"], input="name: w\nhost: {os: linux}\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("# syntax=docker/dockerfile:1\n# Starter Dockerfile for w (python on Linux)")


def test_emit_libvirt_prints_the_xml_and_the_disk_command_on_stderr(runner):
    result = runner.invoke(cli, ["emit", "libvirt", RETAIL, "--component", "pos-back-office"])
    assert result.exit_code == 0, result.output
    profile = load(RETAIL)
    part = profile.component_profile(profile.components[1])
    assert result.stdout == make_domain_xml(part).content
    assert result.stderr.splitlines()[0] == f"disk: {shlex.join(disk_command(part))}"


def test_a_component_is_chosen_by_name(runner):
    result = runner.invoke(cli, ["emit", "dockerfile", RETAIL, "--component", "storefront"])
    assert result.exit_code == 0
    profile = load(RETAIL)
    assert result.stdout == make_dockerfile(profile.component_profile(profile.components[0])).content


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["emit", "dockerfile", RETAIL], "retail-estate has components; choose one of storefront, pos-back-office"),
        (["emit", "libvirt", RETAIL, "--component", "till"], "no component 'till' in retail-estate; choose one of"),
        (["emit", "dockerfile", CHECKOUT, "--component", "api"], "checkout-api has no components"),
        (["emit", "all", CHECKOUT], "Missing option '--out'"),
    ],
    ids=["components-need-a-name", "unknown-component", "no-components", "all-needs-out"],
)
def test_bad_arguments_exit_2_and_say_what_to_do(runner, argv, message):
    result = runner.invoke(cli, argv)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: w\nhost: {os: linux}\nworkload: {packages: ['curl; rm -rf /']}\n", ":3: workload.packages[0]: "),
        ("name: w\nhost: {os: linux}\nworkload: {command: []}\n", ":3: workload.command: should have at least 1"),
        ("name: a\nhost: {os: linux}\n---\nname: b\nhost: {os: linux}\n", "holds 2 profiles (a, b)"),
    ],
    ids=["bad-package", "empty-command", "two-profiles"],
)
@pytest.mark.parametrize("what", ["dockerfile", "libvirt", "all"])
def test_invalid_profiles_exit_2_naming_file_and_field(runner, tmp_path, text, message, what):
    source = tmp_path / "bad.yaml"
    source.write_text(text, encoding="utf-8")
    result = runner.invoke(
        cli, ["emit", what, str(source), *(["--out", str(tmp_path / "out")] if what == "all" else [])]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {source}") and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_emit_all_writes_the_bundle_and_then_refuses_to_overwrite(runner, tmp_path, ruleset):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["emit", "all", RETAIL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = make_bundle(load(RETAIL), recommend(load(RETAIL), ruleset))
    for path, text in files.items():
        assert (out / path).read_text(encoding="utf-8") == text
    assert result.stdout.splitlines()[0] == "retail-estate: hybrid; wrote 7 files (next steps in README.md):"

    (out / "README.md").write_text("my notes\n", encoding="utf-8")
    again = runner.invoke(cli, ["emit", "all", RETAIL, "--out", str(out)])
    assert again.exit_code == 1
    assert f"would overwrite {out / 'storefront' / 'Dockerfile'}" in again.stderr and "--force" in again.stderr
    assert (out / "README.md").read_text(encoding="utf-8") == "my notes\n"

    forced = runner.invoke(cli, ["emit", "all", RETAIL, "--out", str(out), "--force"])
    assert forced.exit_code == 0
    assert (out / "README.md").read_text(encoding="utf-8") == files["README.md"]


def test_emit_all_uses_the_rule_options(runner, tmp_path, write_rules):
    rules = write_rules(
        """
        rules:
          - id: everything-on-vms
            title: Everything on VMs
            when: {host.os: linux}
            forbid: [container, hybrid]
            because: This organisation runs every workload on VMs.
            links: [https://libvirt.org/]
        """
    )
    result = runner.invoke(cli, ["emit", "all", CHECKOUT, "--out", str(tmp_path / "out"), "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["README.md", "checkout-api.xml"]


@pytest.mark.slow
def test_the_installed_command_runs(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "emit", "all", CHECKOUT, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "checkout-api.conf",
        "checkout-api.kubernetes.yaml",
        "compose.yaml",
    ]  # fmt: skip  (LXC: the rules suggest it)


def test_force_replaces_links_in_the_out_folder_never_what_they_point_to(runner, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("mine\n", encoding="utf-8")
    out = tmp_path / "sl"
    out.mkdir()
    (out / "README.md").symlink_to("../precious.txt")
    (out / "Dockerfile").symlink_to(tmp_path / "elsewhere")
    refused = runner.invoke(cli, ["emit", "all", CHECKOUT, "--out", str(out)])
    assert refused.exit_code == 1
    assert f"would overwrite {out / 'Dockerfile'}, {out / 'README.md'};" in refused.stderr
    forced = runner.invoke(cli, ["emit", "all", CHECKOUT, "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert precious.read_text(encoding="utf-8") == "mine\n" and not (tmp_path / "elsewhere").exists()
    assert not (out / "README.md").is_symlink() and not (out / "Dockerfile").is_symlink()
    assert (out / "Dockerfile").read_text(encoding="utf-8") == make_dockerfile(load(CHECKOUT)).content


def test_a_component_folder_linked_outside_is_refused_by_name(runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "storefront").symlink_to(tmp_path)
    result = runner.invoke(cli, ["emit", "all", RETAIL, "--out", str(out), "--force"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {out / 'storefront'}: is a link to {tmp_path}, not a folder inside {out}; "
        "nothing is written through it\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["storefront"]


@pytest.mark.skipif(shutil.which("chattr") is None, reason="chattr is not installed")
def test_a_refused_write_names_the_file_and_leaves_nothing_behind(runner, tmp_path):
    out = tmp_path / "part"
    (out / "pos-back-office").mkdir(parents=True)
    with immutable(out / "pos-back-office"):
        failed = runner.invoke(cli, ["emit", "all", RETAIL, "--out", str(out)])
    assert failed.exit_code == 1
    at_fault = out / "pos-back-office" / "pos-back-office.xml"
    assert failed.stderr == f"error: cannot write {at_fault}: Operation not permitted; nothing was written\n"
    assert [p.name for p in out.rglob("*")] == ["pos-back-office"]  # storefront/ and its files were taken back
    again = runner.invoke(cli, ["emit", "all", RETAIL, "--out", str(out)])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("{tmp}/afile/sub", "error: cannot make the folder {tmp}/afile/sub: Not a directory; nothing was written"),
        ("/dev/null/x", "error: cannot make the folder /dev/null/x: Not a directory; nothing was written"),
        ("", "Invalid value for '--out': is empty; name a folder (--out . for the current one)"),
        ("nosuch/..", "error: nosuch/..: nosuch is not a folder, so '..' after it leads nowhere"),
    ],
    ids=["under-a-file", "under-dev-null", "empty", "dot-dot-after-nothing"],
)
def test_an_out_folder_it_cannot_write_is_named(runner, tmp_path, monkeypatch, out, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, ["emit", "all", CHECKOUT, "--out", out.format(tmp=tmp_path)])
    assert result.exit_code == (1 if message.startswith("error: cannot") else 2)
    assert message.format(tmp=tmp_path) in result.stderr and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
