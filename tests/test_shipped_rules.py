"""The shipped rule set: every rule tested both ways, explained in plain words, linked to primary sources."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from advisor.engine.loader import builtin_rules_dir, load_rules
from advisor.engine.ruletest import load_cases, run_case, run_rule_tests
from advisor.engine.schema import RuleFile
from advisor.models import WorkloadProfile
from tests.support import ROOT

RULES = load_rules(use_env=False)
CASES = load_cases(builtin_rules_dir() / "tests")
PRIMARY_SOURCES = (
    "docs.docker.com", "learn.microsoft.com", "libvirt.org", "www.linux-kvm.org", "kubernetes.io", "katacontainers.io",
    "gvisor.dev", "firecracker-microvm.github.io", "kubevirt.io", "csrc.nist.gov", "docs.aws.amazon.com",
    "cloud.google.com", "www.vmware.com", "developer.apple.com", "docs.podman.io", "man7.org", "docs.kernel.org",
    "linuxcontainers.org", "docs.nvidia.com", "www.spice-space.org", "docs.freebsd.org", "docs.getutm.app",
    "kb.parallels.com",
)  # fmt: skip


@pytest.mark.parametrize("loaded", CASES, ids=[loaded.case.name for loaded in CASES])
def test_rule_case(loaded):
    result = run_case(RULES, loaded)
    assert result.passed, "\n".join(result.failures)


def test_every_shipped_rule_has_a_firing_and_a_quiet_case():
    report = run_rule_tests(RULES, builtin_rules_dir())
    assert report.untested == []
    assert report.passed


@pytest.mark.parametrize("compiled", RULES.rules, ids=[c.rule.id for c in RULES.rules])
def test_every_rule_explains_itself_with_primary_sources(compiled):
    rule = compiled.rule
    assert rule.because.endswith(".") and 40 <= len(rule.because) <= 400
    assert rule.links
    for link in rule.links:
        parsed = urlparse(str(link))
        assert parsed.scheme == "https"
        assert parsed.hostname in PRIMARY_SOURCES, f"{link} is not a primary source we know"


def test_technology_suggestions_fit_the_host():
    by_host = {
        os: {s.name for c in RULES.rules for s in c.rule.suggest if f"host.os:{os}" in _leaves(c)}
        for os in ("linux", "windows", "macos")
    }
    assert "KVM" in by_host["linux"] and "Hyper-V" not in by_host["linux"]
    assert "Hyper-V" in by_host["windows"] and "KVM" not in by_host["windows"]
    assert {"Docker Desktop", "Podman machine"} <= by_host["macos"] and not {"KVM", "Hyper-V"} & by_host["macos"]


def _leaves(compiled):
    return {f"{leaf.path}:{leaf.operand}" for leaf in compiled.leaves if leaf.op == "eq"}


def test_the_exported_json_schemas_accept_the_shipped_rules_and_examples_and_refuse_typos():
    rules_schema = jsonschema.Draft202012Validator(json.loads(json.dumps(RuleFile.model_json_schema(by_alias=True))))
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        assert list(rules_schema.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    typo = {"rules": [{"id": "x", "title": "t", "when": {"all": [{"host.os": "linux"}]}, "because": "b",
                       "links": ["https://example.org"], "scores": {"vm": 1}}]}  # fmt: skip
    assert list(rules_schema.iter_errors(typo))
    profile_schema = jsonschema.Draft202012Validator(WorkloadProfile.model_json_schema())
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        assert list(profile_schema.iter_errors(yaml.safe_load(path.read_text()))) == [], path
