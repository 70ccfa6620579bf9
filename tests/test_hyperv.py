"""Hyper-V script: tree-sitter-powershell parses it, its cmdlets and parameters are documented, no text escapes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Node, Parser

from advisor.errors import InvalidInput
from advisor.generators.hyperv import CMDLETS, COMMON_PARAMETERS, make_hyperv_script, ps_literal
from advisor.models import WorkloadProfile
from tests.support import guest_profile

PARSER = Parser(Language(tree_sitter_powershell.language()))


def profile(name: str = "vm1", os_id: str = "win2k22", resources: dict | None = None) -> WorkloadProfile:
    return guest_profile(name, os_id, {"os": "windows"}, resources)


# Windows 11 client, Windows Server, Ubuntu, RHEL; small and large sizing; FreeBSD for Secure Boot off.
PROFILES = {
    "win11-small": profile("desk", "win11", {"cpus": 2, "memory_gib": 4, "disk_gib": 64}),
    "win11-large": profile("cad", "win11", {"cpus": 16, "memory_gib": 64, "disk_gib": 1024}),
    "win2k22": profile("erp", "win2k22"),
    "win2k25-large": profile("sql", "win2k25", {"cpus": 32, "memory_gib": 256, "disk_gib": 2048}),
    "ubuntu24.04": profile("web", "ubuntu24.04", {"cpus": 1, "memory_gib": 3.25, "disk_gib": 25}),
    "rhel9.4": profile("db", "rhel9.4", {"cpus": 8, "memory_gib": 32, "disk_gib": 500}),
    "freebsd14.0": profile("fw", "freebsd14.0"),
}


def parse(text: str) -> Node:
    tree = PARSER.parse(text.encode())
    return tree.root_node


def nodes(root: Node, kind: str) -> list[Node]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.type == kind:
            found.append(node)
        stack.extend(reversed(node.children))
    return found


def problems(root: Node) -> list[str]:
    bad = [n for n in nodes(root, "ERROR")] + [n for n in _all(root) if n.is_missing]
    return [f"line {n.start_point[0] + 1}: {n.type} {n.text.decode()[:60]!r}" for n in bad]


def _all(root: Node) -> list[Node]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


def commands(root: Node) -> list[tuple[str, list[str]]]:
    """Each command in source order: its name and the parameters it is given (without '-' or a ':value')."""
    found = []
    for command in nodes(root, "command"):
        name = next(c for c in command.children if c.type == "command_name").text.decode()
        params = [p.text.decode().lstrip("-").split(":")[0] for p in nodes(command, "command_parameter")]
        found.append((name, params))
    return found


def script(key: str) -> str:
    return make_hyperv_script(PROFILES[key]).content


@pytest.mark.parametrize("key", PROFILES)
def test_tree_sitter_parses_every_script_without_errors(key):
    root = parse(script(key))
    assert not root.has_error, problems(root)
    assert commands(root), "the parser found no commands at all"


@pytest.mark.parametrize("key", PROFILES)
def test_every_cmdlet_and_parameter_is_in_the_microsoft_learn_table(key):
    for name, params in commands(parse(script(key))):
        assert name in CMDLETS, f"{name} is not in the table of Microsoft Learn references"
        unknown = set(params) - CMDLETS[name].parameters - COMMON_PARAMETERS
        assert not unknown, f"{name} is given {sorted(unknown)}, which its page does not document"


def test_the_table_check_catches_an_undocumented_parameter_and_cmdlet():
    # The checker itself can fail: a typo'd parameter and an invented cmdlet are both caught.
    found = commands(parse("Set-VMProcessor -VMName x -Cores 2\nNew-VMThing -Name x\n"))
    assert ("Set-VMProcessor", ["VMName", "Cores"]) in found
    assert "Cores" not in CMDLETS["Set-VMProcessor"].parameters
    assert "New-VMThing" not in CMDLETS


def test_every_table_entry_points_at_its_own_learn_page():
    for name, cmdlet in CMDLETS.items():
        assert cmdlet.url.startswith("https://learn.microsoft.com/powershell/module/")
        assert cmdlet.url.endswith("/" + name.lower())


def _args(found: list[tuple[str, list[str]]], name: str) -> list[list[str]]:
    return [params for command, params in found if command == name]


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


@pytest.mark.parametrize(
    ("key", "template", "tpm"),
    [
        ("win11-small", "MicrosoftWindows", True),
        ("win2k22", "MicrosoftWindows", False),
        ("ubuntu24.04", "MicrosoftUEFICertificateAuthority", False),
        ("rhel9.4", "MicrosoftUEFICertificateAuthority", False),
        ("freebsd14.0", None, False),
    ],
)
def test_secure_boot_template_and_tpm_fit_the_guest(key, template, tpm):
    text = script(key)
    found = commands(parse(text))
    if template:
        assert f"-EnableSecureBoot On -SecureBootTemplate '{template}'" in text
    else:
        assert "-EnableSecureBoot Off" in text and "SecureBootTemplate" not in text
    assert bool(_args(found, "Enable-VMTPM")) is tpm
    assert bool(_args(found, "Set-VMKeyProtector")) is tpm
    if tpm:  # the key protector must exist before the TPM is enabled
        order = [name for name, _ in found]
        assert order.index("Set-VMKeyProtector") < order.index("Enable-VMTPM")
        assert _args(found, "Set-VMKeyProtector") == [["VMName", "NewLocalKeyProtector"]]


@pytest.mark.parametrize("key", PROFILES)
def test_generation_2_vm_boots_the_installer_dvd_first(key):
    text = script(key)
    found = commands(parse(text))
    assert "-Generation 2 " in _line(text, "$null = New-VM ")
    order = [name for name, _ in found]
    assert order.index("New-VHD") < order.index("New-VM") < order.index("Add-VMDvdDrive")
    assert _line(text, "$dvd = Add-VMDvdDrive") == "$dvd = Add-VMDvdDrive -VMName $VMName -Path $IsoPath -Passthru"
    last = found[-1]
    assert last == ("Set-VMFirmware", ["VMName", "FirstBootDevice"])
    assert text.rstrip().endswith("-FirstBootDevice $dvd")
    assert "-SwitchName $SwitchName" in _line(text, "$null = New-VM ")
    assert "[string] $SwitchName = 'Default Switch'," in text


@pytest.mark.parametrize(
    ("key", "vcpus", "memory_mb", "disk_gb"),
    [
        ("win11-small", 2, 4096, 64),
        ("win11-large", 16, 65536, 1024),
        ("win2k25-large", 32, 262144, 2048),
        ("ubuntu24.04", 1, 3328, 25),
        ("rhel9.4", 8, 32768, 500),
    ],
)
def test_sizes_come_from_the_profile(key, vcpus, memory_mb, disk_gb):
    text = script(key)
    assert _line(text, "Set-VMProcessor") == f"Set-VMProcessor -VMName $VMName -Count {vcpus}"
    assert f"-MemoryStartupBytes {memory_mb}MB " in _line(text, "$null = New-VM ")
    assert _line(text, "Set-VMMemory").endswith(f"-DynamicMemoryEnabled $false -StartupBytes {memory_mb}MB")
    assert _line(text, "$null = New-VHD") == f"$null = New-VHD -Path $vhdPath -SizeBytes {disk_gb}GB -Dynamic"


def test_memory_is_rounded_up_to_the_2_mb_hyper_v_assigns_in():
    text = make_hyperv_script(profile("odd", "ubuntu24.04", {"memory_gib": 4.0005})).content
    assert "-StartupBytes 4098MB" in text  # ceil(4096.5) = 4097 MiB, up to the next even number


def test_the_script_is_ascii_so_windows_powershell_reads_it_without_a_bom():
    for key in PROFILES:
        script(key).encode("ascii")


def test_notes_say_how_to_run_it_and_which_host_it_is_for():
    linux_host = WorkloadProfile.model_validate(
        {"name": "x", "host": {"os": "linux"}, "workload": {"os": ["windows"], "os_id": "win2k22"}}
    )
    notes = " ".join(make_hyperv_script(linux_host).notes)
    assert "for a Windows host with Hyper-V; the profile's host is linux" in notes
    assert "Start-VM -Name x" in notes
    assert "TPM" in " ".join(make_hyperv_script(PROFILES["win11-small"]).notes)


# --- Injection: profile text can add no statement ---


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"))))
def test_a_literal_is_one_string_whatever_it_holds(text):
    literal = ps_literal(text)
    root = parse(f"$x = {literal}\n")
    assert not root.has_error
    statements = [c for c in nodes(root, "statement_list")[0].children if c.type != "empty_statement"]
    assert len(statements) == 1
    assert not nodes(root, "command")
    strings = nodes(root, "string_literal")
    assert [s.text.decode() for s in strings] == [literal]


@pytest.mark.parametrize("text", ["a\x00b", "line\nbreak", "carriage\rreturn", "\x1b[31m"])
def test_a_literal_refuses_control_characters(text):
    with pytest.raises(ValueError, match="control character"):
        ps_literal(text)


def test_every_quote_powershell_knows_is_doubled():
    # PowerShell's tokenizer ends a single-quoted string at ' and at the typographic single quotes as well.
    assert ps_literal("a'b\u2018c\u2019d\u201ae\u201bf") == "'a''b\u2018\u2018c\u2019\u2019d\u201a\u201ae\u201b\u201bf'"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_no_name_adds_a_statement(name):
    # Components are built with model_construct, so a name may reach the generator unvalidated.
    reference = commands(parse(make_hyperv_script(profile()).content))
    base = profile()
    crafted = WorkloadProfile.model_construct(_fields_set=base.model_fields_set, **{**dict(base), "name": name})
    try:
        text = make_hyperv_script(crafted).content
    except InvalidInput as refused:
        assert [e.loc for e in refused.errors] == ["name"]
        return
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", name)
    root = parse(text)
    assert not root.has_error
    assert commands(root) == reference


def test_every_committed_example_script_parses_and_is_documented():
    examples = sorted((Path(__file__).parent.parent / "examples" / "artifacts").rglob("*.ps1"))
    assert examples, "no example script: examples/design-workstation.yaml is a VM on a Windows host"
    for path in examples:
        root = parse(path.read_text(encoding="utf-8"))
        assert not root.has_error, (path, problems(root))
        for name, params in commands(root):
            assert name in CMDLETS and not set(params) - CMDLETS[name].parameters - COMMON_PARAMETERS


@pytest.mark.parametrize("name", ["vm1\n", "vm1'\nRemove-Item -Recurse C:\\"])
def test_a_name_with_a_line_break_or_quote_is_refused_on_name(name):
    base = profile()
    crafted = WorkloadProfile.model_construct(_fields_set=base.model_fields_set, **{**dict(base), "name": name})
    with pytest.raises(InvalidInput) as refused:
        make_hyperv_script(crafted)
    assert [e.loc for e in refused.value.errors] == ["name"]
