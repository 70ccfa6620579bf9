"""`advisor adr new`: a MADR record from a recommendation that `advisor check` then passes; nothing overwritten."""

from __future__ import annotations

import datetime
import json

import pytest
import yaml

from advisor.cli import cli
from advisor.engine.decide import recommend
from advisor.generators.adr import make_adr
from advisor.profiles import read_profiles
from advisor.wording import PLATFORM_OPTIONS
from tests.support import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)])


@pytest.mark.parametrize("profile", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_record_written_by_adr_new_passes_the_check(runner, tmp_path, profile):
    out = tmp_path / "docs" / "adr" / "0001-platform.md"
    written = runner.invoke(cli, ["adr", "new", str(profile), "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert written.stderr == f"wrote {out}\n"
    checked = runner.invoke(cli, ["check", "--format", "json", "--strict", "--fail-on", "warning", str(out)])
    assert checked.exit_code == 0, checked.output
    (record,) = json.loads(checked.stdout)["records"]
    assert record["outcome"] == "passed" and record["findings"] == []
    assert record["decided"] == record["recommended"]


def test_the_record_is_madr_filled_from_the_recommendation(runner, ruleset):
    profile_path = ROOT / "examples" / "legacy-erp.yaml"
    result = runner.invoke(cli, ["adr", "new", "--status", "accepted", str(profile_path)])
    assert result.exit_code == 0
    text = result.stdout
    profile = read_profiles([str(profile_path)])[0]
    recommendation = recommend(profile, ruleset)
    meta = front_matter(text)
    assert meta["status"] == "accepted" and meta["date"] == datetime.date.today()
    assert meta["decision"] == {"platform": "vm", "technologies": [t.name for t in recommendation.technologies]}
    assert meta["profile"] == profile.model_dump(mode="json", exclude_unset=True)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[:6] == [
        f"# {meta['title']}",
        "## Context and Problem Statement",
        "## Decision Drivers",
        "## Considered Options",
        "## Decision Outcome",
        "### Consequences",
    ]
    assert [h for h in headings if h.startswith("### ") and h[4:] in PLATFORM_OPTIONS.values()] == [
        "### Virtual machines",
        "### Containers",
        "### Hybrid of VMs and containers",
    ]
    assert 'Chosen option: "Virtual machines", because' in text
    containers = text[text.index("### Containers") : text.index("### Hybrid")]
    alternative = next(a for a in recommendation.alternatives if a.platform == "container")
    assert [line for line in containers.splitlines() if line.startswith("* Bad, because ") and "`" in line] == [
        f"* Bad, because {w.because} (`{w.rule}`)" for w in alternative.why_not
    ]
    assert "* Bad, because a rule rules it out for this workload" in containers


def test_the_generator_uses_the_date_it_is_given(ruleset):
    profile = read_profiles([str(ROOT / "examples" / "checkout-api.yaml")])[0]
    artifact = make_adr(profile, recommend(profile, ruleset), date=datetime.date(2025, 1, 2))
    assert front_matter(artifact.content)["date"] == datetime.date(2025, 1, 2)
    assert (artifact.filename, artifact.media_type) == ("checkout-api.md", "text/markdown")


def test_it_never_overwrites_without_force(runner, tmp_path):
    out = tmp_path / "0001.md"
    out.write_text("my own notes\n", encoding="utf-8")
    profile = str(ROOT / "examples" / "checkout-api.yaml")
    refused = runner.invoke(cli, ["adr", "new", profile, "--out", str(out)])
    assert refused.exit_code == 1
    assert refused.stderr == f"error: would overwrite {out}; nothing was written (--force replaces it)\n"
    assert out.read_text() == "my own notes\n"
    forced = runner.invoke(cli, ["adr", "new", profile, "--out", str(out), "--force"])
    assert forced.exit_code == 0
    assert front_matter(out.read_text())["decision"]["platform"] == "container"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "name: a\nhost: {os: linux}\n---\nname: b\nhost: {os: linux}\n",
            "holds 2 profiles (a, b); a record decides for one",
        ),
        ("name: a\nhost: {os: solaris}\n", "host.os: 'solaris' is not one of linux, windows, macos"),
    ],
    ids=["two-profiles", "invalid-profile"],
)
def test_a_profile_it_cannot_decide_for_is_refused(runner, tmp_path, source, message):
    result = runner.invoke(cli, ["adr", "new", "-", "--out", str(tmp_path / "x.md")], input=source)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "x.md").exists()


def test_force_replaces_a_linked_out_itself_never_what_it_points_to(runner, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("mine\n", encoding="utf-8")
    out = tmp_path / "link.md"
    out.symlink_to(precious)
    profile = str(ROOT / "examples" / "checkout-api.yaml")
    forced = runner.invoke(cli, ["adr", "new", profile, "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert precious.read_text(encoding="utf-8") == "mine\n"
    assert not out.is_symlink() and front_matter(out.read_text())["decision"]["platform"] == "container"


def test_a_dangling_link_is_not_overwritten_without_force(runner, tmp_path):
    out = tmp_path / "link.md"
    out.symlink_to(tmp_path / "elsewhere.md")
    refused = runner.invoke(cli, ["adr", "new", str(ROOT / "examples" / "checkout-api.yaml"), "--out", str(out)])
    assert refused.exit_code == 1
    assert refused.stderr == f"error: would overwrite {out}; nothing was written (--force replaces it)\n"
    assert out.is_symlink() and not (tmp_path / "elsewhere.md").exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("", "Invalid value for '--out': '' names no file; give one, such as docs/adr/0001.md"),
        ("nosuch/..", "Invalid value for '--out': 'nosuch/..' names no file; give one, such as docs/adr/0001.md"),
        ("/", "Invalid value for '--out': File '/' is a directory."),
        ("t/adr/", "Invalid value for '--out': 't/adr/' names a folder; give a file, such as docs/adr/0001.md"),
        ("afile/x.md", "error: cannot write afile/x.md: Not a directory; nothing was written"),
    ],
    ids=["empty", "dot-dot", "root", "trailing-slash", "under-a-file"],
)
def test_an_out_that_names_no_file_it_can_write_is_refused(runner, tmp_path, monkeypatch, out, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, ["adr", "new", str(ROOT / "examples" / "checkout-api.yaml"), "--out", out])
    assert result.exit_code == (1 if message.startswith("error: cannot") else 2)
    assert message in result.stderr and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
