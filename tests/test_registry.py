"""The generator registry: every door (CLI, API, bundle, form, contract, README) lists every starter kind."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from lxml import html

from advisor.cli import cli, emit
from advisor.engine.decide import recommend
from advisor.generators.bundle import make_bundle
from advisor.generators.registry import (
    BUNDLE,
    KINDS,
    KindDoesNotFit,
    hypervisor,
    kinds_table,
    make_starter,
    verdict_of,
)
from advisor.profiles import read_profiles, validate_profile
from advisor.web.form import DOWNLOADS
from advisor.web.formdata import permalink_query

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name: p for p in read_profiles([str(ROOT / "examples")])}


def _parts(profile):
    """(component name or None, the profile to write for, its bundle folder) for each part of a profile."""
    if not profile.components:
        return [(None, profile, "")]
    return [(c.name, profile.component_profile(c), f"{c.name}/") for c in profile.components]


def _fitting(ruleset):
    """For each kind, the first example profile (and component) whose recommendation calls for it.

    A kind for a hypervisor no example host runs (Xen: no profile field can say so yet) is written on request
    for the first example whose recommendation is a VM.
    """
    found = {}
    for profile in EXAMPLES.values():
        result = recommend(profile, ruleset)
        for component, part, _ in _parts(profile):
            for kind in KINDS.values():
                if kind.offered(part, verdict_of(profile, result, component)):
                    found.setdefault(kind.name, (profile, component, part))
                elif not kind.needs_verdict and result.platform in kind.platforms and not component:
                    found.setdefault(f"{kind.name} on request", (profile, component, part))
    for name in KINDS:
        if name not in found:
            found[name] = found[f"{name} on request"]
    return found


def _hosts_no_example_runs() -> set[str]:
    runs = {hypervisor(profile) for profile in EXAMPLES.values()}
    return {name for name, kind in KINDS.items() if kind.hosts is not None and not kind.hosts & runs}


def test_every_kind_is_complete():
    for name, kind in KINDS.items():
        assert kind.name == name and re.fullmatch(r"[a-z][a-z0-9-]*", name)
        assert kind.label and kind.summary.endswith(".") and kind.bundle_text and kind.platforms
        assert kind.platforms <= {"vm", "container", "hybrid"}
        assert (kind.offered_for != "any profile") == kind.needs_verdict
    assert BUNDLE not in KINDS


def test_the_cli_has_one_emit_command_per_kind():
    assert set(emit.commands) == {*KINDS, "all"}


def test_emit_help_names_every_kind(runner):
    shown = runner.invoke(cli, ["emit", "--help"]).output
    for name in KINDS:
        assert re.search(rf"^\s+{re.escape(name)}\s", shown, flags=re.M), name


def test_the_contract_lists_every_kind():
    paths = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    [kind] = [p for p in paths["/v1/artifacts/{kind}"]["post"]["parameters"] if p.get("name") == "kind"]
    assert kind["schema"]["enum"] == list(KINDS)
    media = set(paths["/v1/artifacts/{kind}"]["post"]["responses"]["200"]["content"])
    assert media == {k.media_type for k in KINDS.values()}


def test_the_form_downloads_every_kind():
    assert set(DOWNLOADS) == {"profile", "markdown", *KINDS, BUNDLE}


def test_the_readme_lists_every_kind():
    assert kinds_table() in (ROOT / "README.md").read_text(encoding="utf-8"), "paste kinds_table() into the README"


def test_every_kind_is_in_some_example_bundle(ruleset):
    made = set()
    for profile in EXAMPLES.values():
        files = make_bundle(profile, recommend(profile, ruleset))
        for _, part, folder in _parts(profile):
            made |= {name for name, kind in KINDS.items() if folder + kind.file_name.format(name=part.name) in files}
    # Xen's starter is for Xen hosts, which no profile can name until issue 12's host.kind (xcp-ng) lands.
    assert _hosts_no_example_runs() == {"xen"}
    assert made == set(KINDS) - {"xen"}


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_is_served_over_http_with_its_media_type_and_name(api, ruleset, name):
    profile, component, part = _fitting(ruleset)[name]
    source = (ROOT / "examples" / f"{profile.name}.yaml").read_bytes()
    query = f"?component={component}" if component else ""
    answer = api.post(f"/v1/artifacts/{name}{query}", data=source, content_type="application/yaml")
    assert answer.status_code == 200, answer.get_json()
    kind = KINDS[name]
    artifact = make_starter(kind, part, verdict_of(profile, recommend(profile, ruleset), component))
    assert answer.mimetype == kind.media_type
    assert answer.data == artifact.content.encode()
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{kind.file_name.format(name=part.name)}"'


@pytest.mark.parametrize("name", [name for name in KINDS if name != "xen"])
def test_every_kind_has_a_form_button_where_it_fits(api, ruleset, name):
    profile, _, _ = _fitting(ruleset)[name]
    page = html.fromstring(api.get("/?" + urlencode(permalink_query(profile))).data)
    actions = [b.get("formaction") for b in page.cssselect("form.downloads button")]
    assert f"/download/{name}" in actions


@pytest.mark.parametrize(
    ("host", "runs", "starter"),
    [
        ({"os": "linux"}, "kvm", "vm.xml"),
        ({"os": "linux", "cloud": "aws"}, "kvm", "vm.xml"),
        ({"os": "windows"}, "hyper-v", "vm.ps1"),
        ({"os": "linux", "cloud": "vmware"}, "esxi", "vm.ovf"),
        ({"os": "windows", "cloud": "vmware"}, "esxi", "vm.ovf"),
        ({"os": "macos"}, "macos", "vm.xml"),
    ],
    ids=["linux", "linux-aws", "windows", "vsphere", "windows-vsphere", "macos"],
)
def test_emit_all_writes_a_vm_starter_only_for_the_hypervisor_the_host_runs(ruleset, tmp_path, runner, host, runs,
                                                                            starter):  # fmt: skip
    data = {"name": "vm", "host": host, "workload": {"os": ["windows"], "os_id": "win2k22", "gui": True}}
    profile = validate_profile(data)
    assert hypervisor(profile) == runs
    result = recommend(profile, ruleset)
    assert result.platform == "vm"
    files = make_bundle(profile, result)
    domain_xml = starter == "vm.xml"
    vm_starters = {"vm.xml", "vm-xen.xml", "vm.ps1", "vm.ovf"}
    assert vm_starters & files.keys() == {starter}
    assert "No VM definition here" not in files["README.md"]
    # The CLI's `emit all` writes the same bundle, and `emit libvirt` still writes the domain on request.
    source = tmp_path / "vm.yaml"
    source.write_text(yaml.safe_dump(data), encoding="utf-8")
    written = runner.invoke(cli, ["emit", "all", str(source), "--out", str(tmp_path / "out")])
    assert written.exit_code == 0, written.output
    assert (tmp_path / "out" / "vm.xml").exists() is domain_xml
    asked = runner.invoke(cli, ["emit", "libvirt", str(source)])
    assert asked.exit_code == 0 and asked.output.startswith('<domain type="kvm">')


def test_emit_xen_writes_the_xen_domain_when_asked(runner, tmp_path):
    source = tmp_path / "x.yaml"
    source.write_text(yaml.safe_dump({"name": "x", "host": {"os": "linux"}, "workload": {"os_id": "debian13"}}))
    result = runner.invoke(cli, ["emit", "xen", str(source)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('<domain type="xen">')
    assert "disk: qemu-img create -f qcow2 /var/lib/xen/images/x.qcow2 20G" in result.stderr


@pytest.mark.parametrize(
    ("host", "workload_os", "offered"),
    [
        ({"os": "windows"}, "windows", {"hyperv"}),
        ({"os": "windows", "cloud": "azure"}, "windows", {"hyperv"}),  # Hyper-V nested in the Azure VM
        ({"os": "windows", "cloud": "vmware"}, "windows", {"ovf"}),
        ({"os": "linux", "cloud": "vmware"}, "linux", {"ovf"}),
        ({"os": "linux"}, "windows", set()),  # a KVM host: the domain XML is its starter
    ],
)
def test_each_hypervisor_starter_is_offered_only_for_the_host_that_runs_it(ruleset, host, workload_os, offered):
    profile = validate_profile(
        {
            "name": "vm1",
            "host": host,
            "workload": {"os": [workload_os], "legacy": True},
            "security": {"isolation": "high"},
        }
    )
    result = recommend(profile, ruleset)
    assert result.platform == "vm"
    verdict = verdict_of(profile, result)
    hypervisor_kinds = {name for name in ("hyperv", "ovf") if KINDS[name].offered(profile, verdict)}
    assert hypervisor_kinds == offered


def test_lxc_is_offered_where_the_rules_suggest_it(ruleset):
    checkout = EXAMPLES["checkout-api"]
    result = recommend(checkout, ruleset)
    assert "LXC" in [t.name for t in result.technologies]
    assert KINDS["lxc"].offered(checkout, verdict_of(checkout, result))
    gcp = EXAMPLES["ml-training"]  # containers in a public cloud: no LXC suggested, no LXC starter
    assert not KINDS["lxc"].offered(gcp, verdict_of(gcp, recommend(gcp, ruleset)))


@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("kubernetes", "legacy-erp"),
        ("kubevirt", "checkout-api"),
        ("hyperv", "legacy-erp"),
        ("ovf", "legacy-erp"),
        ("lxc", "legacy-erp"),
    ],
)
def test_a_kind_the_verdict_does_not_call_for_is_refused_by_every_door(api, runner, ruleset, name, example):
    profile = EXAMPLES[example]
    verdict = verdict_of(profile, recommend(profile, ruleset))
    assert not KINDS[name].offered(profile, verdict)
    with pytest.raises(KindDoesNotFit, match=f"^{name}: {example}'s recommendation is {verdict.platform}; ") as refused:
        make_starter(KINDS[name], profile, verdict)
    assert str(refused.value).endswith(f"this kind is written for {KINDS[name].offered_for}")
    source = ROOT / "examples" / f"{example}.yaml"
    result = runner.invoke(cli, ["emit", name, str(source)])
    assert result.exit_code == 1 and f"{name}: {example}'s recommendation is" in result.output
    answer = api.post(f"/v1/artifacts/{name}", data=source.read_bytes(), content_type="application/yaml")
    assert answer.status_code == 422 and answer.get_json()["detail"].startswith(f"{name}: {example}'s")
    page = html.fromstring(api.get("/?" + urlencode(permalink_query(profile))).data)
    assert f"/download/{name}" not in [b.get("formaction") for b in page.cssselect("form.downloads button")]


def test_compose_is_one_file_for_the_whole_profile(api, runner):
    source = ROOT / "examples" / "checkout-api.yaml"
    assert "--component" not in runner.invoke(cli, ["emit", "compose", "--help"]).output
    answer = api.post("/v1/artifacts/compose?component=x", data=source.read_bytes(), content_type="application/yaml")
    assert answer.status_code == 400 and answer.get_json()["errors"][0]["loc"] == "component"
