"""The command line: every format, every exit code (0 ok, 1 failure, 2 invalid input), stdin and folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from advisor.cli import cli
from advisor.models import Recommendation, WorkloadProfile
from tests.support import ROOT, tool

WEB = "name: web\nhost: {os: linux, cpus: 8, memory_gib: 16}\nworkload: {architecture: microservices}\n"
ERP = "name: erp\nhost: {os: linux}\nworkload: {os: [windows], legacy: true}\n"


@pytest.fixture
def profiles(tmp_path):
    (tmp_path / "web.yaml").write_text(WEB, encoding="utf-8")
    (tmp_path / "erp.yaml").write_text(ERP, encoding="utf-8")
    return tmp_path


def test_recommend_prints_the_platform_and_reasons(runner, profiles):
    result = runner.invoke(cli, ["recommend", str(profiles / "web.yaml")])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == "web: containers  (confidence high)"
    assert "Why\n  + Microservices fit containers [microservices]" in result.stdout
    assert "Why not the others" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_json_is_the_result_shape_and_validates(runner, profiles):
    result = runner.invoke(cli, ["recommend", "--format", "json", str(profiles / "erp.yaml")])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    Recommendation.model_validate(data)
    assert data["platform"] == "vm"
    assert data["alternatives"][0]["platform"] == "container" and data["alternatives"][0]["forbidden"] is True


def test_several_profiles_give_one_result_each_and_a_portfolio_table(runner, profiles):
    result = runner.invoke(cli, ["recommend", str(profiles)])
    assert result.exit_code == 0
    table = result.stdout[result.stdout.index("Portfolio") :].splitlines()
    assert table[1].split() == ["name", "platform", "confidence", "vm", "container", "hybrid"]
    assert [row.split()[:2] for row in table[2:4]] == [["erp", "vm"], ["web", "container"]]
    assert table[4] == "2 workloads: 1 vm, 1 container, 0 hybrid"
    as_json = json.loads(runner.invoke(cli, ["recommend", "--format", "json", str(profiles)]).stdout)
    assert [r["name"] for r in as_json] == ["erp", "web"]


def test_yaml_and_markdown_formats(runner, profiles):
    documents = list(yaml.safe_load_all(runner.invoke(cli, ["recommend", "--format", "yaml", str(profiles)]).stdout))
    assert [d["platform"] for d in documents] == ["vm", "container"]
    markdown = runner.invoke(cli, ["recommend", "--format", "markdown", str(profiles / "web.yaml")]).stdout
    assert markdown.startswith("# web\n\n**Platform: containers** (`container`), confidence high.")
    assert "## Why not the others" in markdown


def test_a_multi_document_stream_on_stdin(runner):
    result = runner.invoke(cli, ["recommend", "--format", "json", "-"], input=WEB + "---\n" + ERP)
    assert result.exit_code == 0
    assert [r["platform"] for r in json.loads(result.stdout)] == ["container", "vm"]


def test_invalid_profile_exits_2_naming_file_line_and_field(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: web\nhost:\n  os: solaris\n", encoding="utf-8")
    result = runner.invoke(cli, ["recommend", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {bad}:3: host.os: 'solaris' is not one of linux, windows, macos\n"
    assert result.stdout == ""


def test_a_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(cli, ["recommend", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: cannot read: No such file or directory" in result.stderr


def test_broken_rules_exit_2_and_name_the_rule(runner, write_rules, profiles):
    folder = write_rules("rules:\n  - id: x\n    title: t\n    when: {host.oss: linux}\n    score: {vm: 1}\n"
                         "    because: b\n    links: [https://example.org]\n")  # fmt: skip
    result = runner.invoke(cli, ["recommend", "--rules", str(folder), str(profiles / "web.yaml")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {folder}/org.yaml:4: rule 'x': when: unknown field 'host.oss' (did you mean 'host.os'?)\n"
    )


def test_no_platform_fitting_exits_1(runner, write_rules, profiles):
    folder = write_rules(
        "rules:\n  - id: x\n    title: t\n    when: {host.os: linux}\n    forbid: [vm, container]\n"
        "    because: b\n    links: [https://example.org]\n"
        "  - id: y\n    title: t\n    when: {host.os: linux}\n    forbid: [hybrid]\n"
        "    because: b\n    links: [https://example.org]\n"
    )
    result = runner.invoke(cli, ["recommend", "--no-builtin-rules", "--rules", str(folder), str(profiles / "web.yaml")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: web: no platform fits this profile")


def test_usage_errors_exit_2(runner):
    assert runner.invoke(cli, ["recommend"]).exit_code == 2
    assert runner.invoke(cli, ["recommend", "--format", "pdf", "x.yaml"]).exit_code == 2
    assert runner.invoke(cli, ["rules", "show", "no-such-rule"]).exit_code == 2


def test_rules_list_show_and_validate(runner, ruleset):
    listing = runner.invoke(cli, ["rules", "list"])
    assert listing.exit_code == 0
    assert listing.stdout.splitlines()[0].split()[0] == ruleset.rules[0].rule.id
    assert f"{len(ruleset.rules)} rules, version {ruleset.version}, {ruleset.digest}" in listing.stdout
    data = json.loads(runner.invoke(cli, ["rules", "list", "--format", "json"]).stdout)
    assert data["digest"] == ruleset.digest and len(data["items"]) == len(ruleset.rules)
    shown = yaml.safe_load(runner.invoke(cli, ["rules", "show", "custom-kernel"]).stdout)
    assert shown["id"] == "custom-kernel" and shown["file"].endswith("kernel.yaml")
    assert shown["when"] == {"workload.kernel": {"in": ["own", "custom"]}}
    validate = runner.invoke(cli, ["rules", "validate"])
    assert validate.exit_code == 0 and validate.stdout.startswith(f"ok: {len(ruleset.rules)} rules")


def test_rules_test_reports_failures_and_untested_rules(runner, write_rules):
    folder = write_rules(
        "rules:\n  - id: gui\n    title: t\n    when: {workload.gui: true}\n    score: {vm: 5}\n"
        "    because: b\n    links: [https://example.org]\n"
    )
    (folder / "tests").mkdir()
    (folder / "tests" / "org.yaml").write_text(
        "cases:\n"
        "  - name: gui fires\n    profile: {workload: {gui: true}}\n    fires: [gui]\n    platform: vm\n"
        "  - name: wrong on purpose\n    profile: {workload: {gui: false}}\n    fires: [gui]\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["rules", "test", str(folder)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL {folder / 'tests' / 'org.yaml'}:6: wrong on purpose: expected 'gui' to fire, it did not"
    assert lines[1] == "UNTESTED rule 'gui' has no case where it does not fire"
    assert lines[2] == "1 passed, 1 failed, 1 untested"


def test_rules_test_refuses_a_bad_test_file(runner, write_rules):
    folder = write_rules(
        "rules:\n  - id: gui\n    title: t\n    when: {workload.gui: true}\n    score: {vm: 5}\n"
        "    because: b\n    links: [https://example.org]\n"
    )
    (folder / "tests").mkdir()
    (folder / "tests" / "org.yaml").write_text("cases:\n  - name: x\n    profile: {}\n    fire: [gui]\n")
    result = runner.invoke(cli, ["rules", "test", str(folder)])
    assert result.exit_code == 2
    assert "org.yaml:4: cases[0].fire: unknown field (did you mean 'fires'?)" in result.stderr


def test_shipped_rule_tests_pass(runner):
    result = runner.invoke(cli, ["rules", "test"])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


def test_schema_profile_is_the_models_schema(runner):
    result = runner.invoke(cli, ["schema", "profile"])
    assert json.loads(result.stdout) == WorkloadProfile.model_json_schema()
    rules_schema = json.loads(runner.invoke(cli, ["schema", "rules"]).stdout)
    assert "Rule" in rules_schema["$defs"]


@pytest.mark.slow
def test_colour_only_on_a_terminal_and_never_with_no_color(profiles):
    script = (
        "import sys, click.testing\n"
        "sys.stdout.isatty = lambda: True\n"
        "from advisor.cli import main\n"
        "sys.argv = ['advisor', 'recommend', sys.argv[1]]\n"
        "main()\n"
    )
    env = {**os.environ, "NO_COLOR": ""}
    env.pop("NO_COLOR")
    coloured = subprocess.run([sys.executable, "-c", script, str(profiles / "web.yaml")], capture_output=True,
                              text=True, env=env, check=False)  # fmt: skip
    assert "\x1b[" in coloured.stdout
    plain = subprocess.run([sys.executable, "-c", script, str(profiles / "web.yaml")], capture_output=True,
                           text=True, env={**env, "NO_COLOR": "1"}, check=False)  # fmt: skip
    assert "\x1b[" not in plain.stdout and plain.stdout.startswith("web: containers")


@pytest.mark.slow
def test_python_dash_m_and_the_script_agree_byte_for_byte_across_hash_seeds(profiles):
    outputs = set()
    for seed, command in (("1", [sys.executable, "-m", "advisor"]), ("2", [tool("advisor")])):
        run = subprocess.run(
            [*command, "recommend", "--format", "json", str(profiles)],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1
    assert [r["name"] for r in json.loads(outputs.pop())] == ["erp", "web"]


def test_explain_lists_every_rule_considered(runner, profiles, ruleset):
    result = runner.invoke(cli, ["recommend", "--explain", str(profiles / "web.yaml")])
    assert result.exit_code == 0
    section = result.stdout[result.stdout.index("Rules considered") :].splitlines()
    assert section[0].startswith("Rules considered (") and section[0].endswith(" not)")
    assert "  + microservices: workload.architecture is microservices" in section
    assert "  - gui-application: workload.gui is false, not equal to true" in section


def test_stdin_named_twice_is_read_once_and_json_is_read_as_json(runner):
    body = '{"name": "web", "host": {"os": "linux"}, "scale": {"instances": 1e1}}'
    result = runner.invoke(cli, ["recommend", "--format", "json", "-", "-"], input=body)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "web"  # one result, not two
    assert "many-instances" in [r["rule"] for r in data["rationale"]]  # 1e1 is the number 10 in JSON


def test_input_problems_exit_2_with_a_message(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\nhost: {os: linux}\n")
    (tmp_path / "bad.json").write_text('{"name": "web",\n "host": }\n')
    (tmp_path / "a.yaml").write_text(WEB)
    (tmp_path / "b.yaml").write_text(WEB)
    cases = {
        str(tmp_path / "empty"): f"error: {tmp_path / 'empty'}: no profiles here (looked for *.yaml, *.yml, *.json)",
        str(tmp_path / "latin1.yaml"): f"error: {tmp_path / 'latin1.yaml'}: not UTF-8 text (at byte offset 9)",
        str(tmp_path / "bad.json"): f"error: {tmp_path / 'bad.json'}:2: invalid JSON: Expecting value",
    }
    for argument, message in cases.items():
        result = runner.invoke(cli, ["recommend", argument])
        assert (result.exit_code, result.stderr.strip()) == (2, message)
    twice = runner.invoke(cli, ["recommend", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])
    assert twice.exit_code == 2
    assert twice.stderr.strip() == (
        f"error: {tmp_path / 'b.yaml'}: name: 'web' is also the name of a profile in {tmp_path / 'a.yaml'}"
    )


def test_an_unwritable_output_is_a_clear_error_not_a_traceback(profiles):
    with open("/dev/full", "w") as full:  # a stream that cannot be written
        run = subprocess.run(
            [sys.executable, "-m", "advisor", "recommend", str(profiles / "web.yaml")],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert run.returncode == 1
    assert run.stderr == "error: cannot write the output: No space left on device\n"


def test_rules_test_refuses_bad_case_files_with_their_lines(runner, write_rules):
    folder = write_rules(
        "rules:\n  - id: gui\n    title: t\n    when: {workload.gui: true}\n    score: {vm: 5}\n"
        "    because: b\n    links: [https://example.org]\n"
    )
    tests = folder / "tests"
    tests.mkdir()
    (tests / "a.yaml").write_text("cases:\n  - name: x\n    profile:\n      host: linux\n    fires: [gui]\n")
    (tests / "b.yaml").write_text("")
    (tests / "c.yaml").write_text("cases:\n  - name: y\n    profile:\n      workload: {gui: 'yes'}\n")
    (tests / "d.yaml").mkdir()  # a folder with a rule-file name is not a test file
    result = runner.invoke(cli, ["rules", "test", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {tests / 'a.yaml'}:4: cases[0].profile.host: should be a mapping of fields, got the text 'linux'",
        f"{tests / 'b.yaml'}:1: a test file is one YAML mapping with a 'cases' list",
        f"{tests / 'c.yaml'}:4: cases[0].profile.workload.gui: should be true or false, got the text 'yes'",
    ]


def test_rules_test_explains_unknown_and_disabled_rule_ids(runner, write_rules):
    folder = write_rules(
        "rules:\n  - {id: small-instances, disabled: true}\n"
        "  - id: gui\n    title: t\n    when: {workload.gui: true}\n    score: {vm: 5}\n"
        "    because: b\n    links: [https://example.org]\n"
    )
    (folder / "tests").mkdir()
    (folder / "tests" / "org.yaml").write_text(
        "cases:\n  - name: typo and disabled\n    profile: {workload: {gui: true}}\n"
        "    fires: [gui-aplication]\n    not_fires: [small-instances, gui]\n"
    )
    lines = runner.invoke(cli, ["rules", "test", str(folder)]).stdout.splitlines()
    assert lines[:3] == [
        f"FAIL {folder / 'tests' / 'org.yaml'}:2: typo and disabled: unknown rule 'gui-aplication' "
        "(did you mean 'gui-application'?)",
        f"FAIL {folder / 'tests' / 'org.yaml'}:2: typo and disabled: rule 'small-instances' is disabled in this "
        "rule set, so it can never fire; leave it out of the case",
        f"FAIL {folder / 'tests' / 'org.yaml'}:2: typo and disabled: expected 'gui' not to fire, it did",
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"name": "x", "host": {"os": "linux"}, "security": {"compliance": ' + "[" * 3000 + "]" * 3000 + "}}", "deep"),
        ('{"name": "x", "host": {"os": "linux"}, "scale": {"instances": ' + "9" * 5000 + "}}", "4300 digits"),
    ],
    ids=["deep-json-file", "huge-int-json-file"],
)
def test_hostile_json_files_are_refused_without_a_traceback(runner, tmp_path, text, words):
    path = tmp_path / "p.json"
    path.write_text(text)
    result = runner.invoke(cli, ["recommend", str(path)])
    assert result.exit_code == 2 and words in result.stderr and str(path) in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_markdown_says_plainly_when_nothing_would_change_the_answer(runner):
    """The Windows ERP on a Linux host: no change a person could make flips it, and the Markdown says so."""
    erp = runner.invoke(cli, ["recommend", "--format", "markdown", str(ROOT / "examples" / "legacy-erp.yaml")])
    assert "## What would change the answer\n\nNothing you could change in one field would.\n" in erp.stdout
    checkout = runner.invoke(cli, ["recommend", "--format", "markdown", str(ROOT / "examples" / "checkout-api.yaml")])
    assert (
        "- If kernel were modules \\(loads its own kernel modules\\) instead of shared → Virtual machines "
        "(`workload.kernel`)\n" in checkout.stdout
    )
    assert "Nothing you could change" not in checkout.stdout


def test_text_says_each_flip_in_words_and_plainly_when_nothing_would_change(runner):
    """The terminal says what the page says: the change in words, not `workload.kernel: shared -> modules`."""
    checkout = runner.invoke(cli, ["recommend", str(ROOT / "examples" / "checkout-api.yaml")]).stdout
    flips = checkout[checkout.index("What would change the answer\n") :].split("\n\n")[0].splitlines()[1:]
    assert flips == [
        "  If kernel were modules (loads its own kernel modules) instead of shared → Virtual machines",
        "  If kernel were own (a different kernel or distribution kernel than the host's) instead of shared →",
        "  Hybrid: VMs and containers",
    ]
    assert "workload.kernel:" not in checkout
    erp = runner.invoke(cli, ["recommend", str(ROOT / "examples" / "legacy-erp.yaml")]).stdout
    assert "What would change the answer\n  Nothing you could change in one field would change the answer\n" in erp
