"""advisor assess: each kind of input read into profiles that say what every field rests on (issue 18).

RVTools workbooks are built here with openpyxl from the sheet and column names RVTools writes, as tools that
import its exports read them (rvtools2azmigrate's convert.py, https://github.com/lrivallain/rvtools2azmigrate:
VM, Powerstate, CPUs, Memory, "OS according to the configuration file", "OS according to the VMware Tools",
"Provisioned MiB"/"Provisioned MB"; Google Migration Center imports the same XLSX and CSV forms,
https://cloud.google.com/migration-center/docs/reference/rest/v1alpha1/ImportJobFormat). Compose
files and manifests are modelled on public projects (examples/assess/ names each). Domains come from
virt-install's own output.
"""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from advisor.assess.portfolio import INSUFFICIENT, assess_items
from advisor.assess.readers import read_inputs
from advisor.errors import InvalidInput

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assess"
LIMIT = 64 * 1024 * 1024
INFO = [
    "VM", "Powerstate", "Template", "CPUs", "Memory", "NICs", "Disks", "Provisioned MiB",
    "OS according to the configuration file", "OS according to the VMware Tools", "Datacenter", "Cluster", "Host",
]  # fmt: skip


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An XLSX with the given sheets (first row the header), as RVTools writes them."""
    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def csv_sheets(folder: Path) -> dict[str, list[list[Any]]]:
    """The example RVTools CSV export as sheets: text cells, as RVTools' CSV files hold them."""
    sheets = {}
    for path in sorted(folder.glob("RVTools_tab*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix("RVTools_tab")] = [[c or None for c in row] for row in csv.reader(handle)]
    return sheets


def assessed(ruleset, *paths: Path, names: list[str] | None = None):
    inputs = [(p, n) for p, n in zip(paths, names or [str(p) for p in paths], strict=True)]
    return assess_items(read_inputs(inputs, LIMIT), ruleset)


def sources(item, part: str = "") -> dict[str, Any]:
    return {s.field: s for s in item.sources[part]}


# --- RVTools ---


def test_a_workbook_gives_one_profile_per_vm_with_where_each_field_was_read(tmp_path, ruleset):
    path = workbook(
        tmp_path / "export.xlsx",
        {
            "vInfo": [
                INFO,
                ["SQL01.corp", "poweredOn", False, 4, 16384, 1, 2, 204800,
                 "Microsoft Windows Server 2008 R2 (64-bit)", "Microsoft Windows Server 2008 R2 (64-bit)",
                 "dc1", "prod", "esx01"],
                ["tmpl-win", "poweredOff", True, 2, 4096, 1, 1, 40960, "Microsoft Windows Server 2019 (64-bit)", None,
                 "dc1", "prod", "esx02"],
            ],
            "vCPU": [["VM", "CPUs", "Sockets"], ["SQL01.corp", 4, 2]],
            "vDisk": [["VM", "Disk", "Capacity MiB"], ["SQL01.corp", "Hard disk 1", 102400],
                      ["SQL01.corp", "Hard disk 2", 204800], ["tmpl-win", "Hard disk 1", 40960]],
            "vNetwork": [["VM", "NIC label", "Adapter", "Network"],
                         ["SQL01.corp", "Network adapter 1", "vmxnet3", "db"]],
        },
    )  # fmt: skip
    (item,) = assessed(ruleset, path, names=["export.xlsx"])
    assert item.id == "sql01-corp" and item.observed.name == "SQL01.corp"
    profile = item.profile
    assert profile.workload.os == ["windows"] and profile.workload.legacy is True
    assert (profile.resources.cpus, profile.resources.memory_gib, profile.resources.disk_gib) == (4, 16, 300)
    found = sources(item)
    assert found["resources.cpus"].how == "read"
    assert found["resources.cpus"].where == ("export.xlsx, sheet vInfo, row 2, column 'CPUs'",)
    assert found["resources.disk_gib"].where == (
        "export.xlsx, sheet vDisk, column 'Capacity MiB', 2 rows for this VM, summed",
    )
    assert found["workload.legacy"].how == "inferred" and "end of support" in found["workload.legacy"].because
    assert "security.isolation" not in found  # unknown: the report lists it where the answer relied on it
    from advisor.assess.infer import with_unknowns

    every = {s.field: s for s in with_unknowns(item.sources[""])}
    assert every["security.isolation"].how == "unknown" and every["security.isolation"].value == "standard"
    assert item.result.platform == "vm"


def test_vcpu_and_vmemory_fill_in_what_vinfo_lacks(tmp_path, ruleset):
    header = ["VM", "Powerstate", "Template", "OS according to the VMware Tools"]
    path = workbook(
        tmp_path / "e.xlsx",
        {
            "vInfo": [header, ["app", "poweredOn", False, "Ubuntu 24.04 LTS"]],
            "vCPU": [["VM", "CPUs", "Sockets"], ["app", 6, 2]],
            "vMemory": [["VM", "Size MiB"], ["app", 12288]],
        },
    )
    (item,) = assessed(ruleset, path, names=["e.xlsx"])
    assert (item.profile.resources.cpus, item.profile.resources.memory_gib) == (6, 12)
    assert sources(item)["resources.memory_gib"].where == ("e.xlsx, sheet vMemory, row 2, column 'Size MiB'",)


def test_vmware_tools_win_over_the_configuration_file_and_the_report_says_so(tmp_path, ruleset):
    row = ["upgraded", "poweredOn", False, 2, 4096, 1, 1, 40960, "Microsoft Windows Server 2016 (64-bit)",
           "Ubuntu 24.04 LTS", None, None, None]  # fmt: skip
    (item,) = assessed(ruleset, workbook(tmp_path / "e.xlsx", {"vInfo": [INFO, row]}))
    os_source = sources(item)["workload.os"]
    assert item.profile.workload.os == ["linux"] and item.profile.workload.os_id == "ubuntu24.04"
    assert "VMware Tools report 'Ubuntu 24.04 LTS', the configuration file says" in os_source.because
    assert len(os_source.where) == 2


def test_the_csv_form_and_the_workbook_give_the_same_profiles(tmp_path, ruleset):
    from_csv = assessed(ruleset, EXAMPLES / "rvtools" / "RVTools_tabvInfo.csv")
    from_xlsx = assessed(ruleset, workbook(tmp_path / "export.xlsx", csv_sheets(EXAMPLES / "rvtools")))
    assert [i.profile for i in from_xlsx] == [i.profile for i in from_csv]
    assert [i.id for i in from_csv] == ["erp-db01", "web-frontend-01", "ci-runner-03", "ws-design-12", "appliance-x"]
    assert from_csv[0].profile.resources.disk_gib == 600  # both disks of vDisk, found beside vInfo by name


def test_older_exports_in_mb_are_read_too(tmp_path, ruleset):
    header = [*INFO[:7], "Provisioned MB", *INFO[8:]]
    row = ["old", "poweredOn", False, 1, 2048, 1, 1, 30720, "Debian GNU/Linux 12 (64-bit)", None, None, None, None]
    (item,) = assessed(ruleset, workbook(tmp_path / "e.xlsx", {"vInfo": [header, row]}))
    assert item.profile.resources.disk_gib == 30 and item.profile.workload.os_id == "debian12"
    assert sources(item)["resources.disk_gib"].where[0].endswith("column 'Provisioned MB'")


@pytest.mark.parametrize(
    ("guest_os", "os_id"),
    [("FreeBSD 15 (64-bit)", "freebsd15.1"), ("FreeBSD 14 (64-bit)", "freebsd14.0"), ("FreeBSD (64-bit)", None)],
    ids=["15", "14", "no-release"],
)
def test_a_freebsd_major_release_names_a_guest_os_the_generator_knows(tmp_path, ruleset, guest_os, os_id):
    row = ["fw", "poweredOn", False, 1, 2048, 1, 1, 10240, guest_os, None, None, None, None]
    (item,) = assessed(ruleset, workbook(tmp_path / "e.xlsx", {"vInfo": [INFO, row]}))
    assert item.profile.workload.os == ["bsd"] and item.profile.workload.os_id == os_id
    if os_id is not None:
        found = sources(item)["workload.os_id"]
        assert found.how == "inferred" and f"the configuration file says '{guest_os}'" in found.because


def test_an_inventory_answer_resting_on_unknowns_is_insufficient_data(ruleset):
    items = {i.id: i for i in assessed(ruleset, EXAMPLES / "rvtools" / "RVTools_tabvInfo.csv")}
    from advisor.assess.portfolio import resting_share

    web = items["web-frontend-01"]
    assert web.result.platform == "container" and resting_share(web.result) > 0.5
    assert {a.field for a in web.result.assumptions} >= {"workload.kernel", "security.isolation"}
    erp = items["erp-db01"]
    assert resting_share(erp.result) <= 0.5  # Windows on a Linux host and a legacy OS: read, not assumed


# --- Compose ---


def test_a_compose_file_is_one_estate_with_a_component_per_service(ruleset):
    (estate,) = assessed(ruleset, EXAMPLES / "voting-app" / "compose.yaml", names=["voting-app/compose.yaml"])
    assert estate.id == "voting-app"  # named by its folder, as docker compose names the project
    names = [c.name for c in estate.profile.components]
    assert names == ["vote", "result", "worker", "redis", "db"]
    vote = estate.profile.component_profile(estate.profile.components[0])
    assert vote.scale.instances == 2 and vote.workload.ports == [80]
    assert vote.workload.architecture == "microservices"
    replicas = sources(estate, "vote")["scale.instances"]
    assert replicas.how == "read" and replicas.where == (
        "voting-app/compose.yaml, line 10, services.vote.deploy.replicas",
    )
    redis = sources(estate, "redis")
    assert redis["workload.runtime"].value == "other" and redis["workload.ports"].value == [6379]
    assert estate.result.platform == "container"


def test_a_gpu_reservation_is_read_with_its_line(ruleset):
    (estate,) = assessed(ruleset, EXAMPLES / "gpu" / "compose.yaml", names=["gpu/compose.yaml"])
    gpu = sources(estate, "trainer")["hardware.gpu"]
    assert gpu.value is True and gpu.how == "read"
    assert gpu.where == ("gpu/compose.yaml, line 10, services.trainer.deploy.resources.reservations.devices",)


def test_compose_variables_and_defaults_are_read_as_compose_reads_them(tmp_path, ruleset):
    path = tmp_path / "compose.yaml"
    path.write_text(
        'services:\n  web:\n    image: "${REGISTRY:-docker.io}/library/nginx:1.27"\n'
        '    ports: ["${WEB_PORT:-8080}:80", "${ADMIN_PORT}"]\n',
        encoding="utf-8",
    )
    (estate,) = assessed(ruleset, path, names=["app/compose.yaml"])
    web = sources(estate, "web")
    assert web["workload.ports"].value == [80]  # a port only a variable names is unknown, not an error
    assert web["workload.runtime"].value == "static"
    assert web["scale.instances"].value == 1 and web["scale.instances"].how == "inferred"
    assert web["scale.instances"].because == "Compose runs one container of a service unless deploy.replicas says more"


# --- Kubernetes ---


def test_manifests_give_a_component_per_workload_and_skip_the_rest(ruleset):
    inventories = read_inputs([(EXAMPLES / "kubernetes" / "shop.yaml", "shop.yaml")], LIMIT)
    (estate,) = inventories[0].items
    assert [c.name for c in estate.components] == [
        "frontend", "redis-leader", "fluentd-elasticsearch", "win-webserver", "nightly-report",
    ]  # fmt: skip
    assert [s.why for s in inventories[0].skipped] == ["a Service, not a workload"]
    (item,) = assess_items(inventories, ruleset)
    parts = {c.name: item.profile.component_profile(c) for c in item.profile.components}
    assert parts["win-webserver"].workload.os == ["windows"]
    assert sources(item, "win-webserver")["workload.os"].because == "node selection kubernetes.io/os: windows"
    assert parts["nightly-report"].workload.architecture == "batch"
    assert parts["nightly-report"].workload.runtime == "python"
    assert parts["frontend"].scale.instances == 3 and parts["frontend"].resources.cpus == 0.1
    assert item.result.platform == "hybrid"  # the Windows Deployment cannot share a Linux host's kernel


def test_a_required_node_affinity_for_windows_is_read_like_a_node_selector(tmp_path, ruleset):
    manifest = tmp_path / "iis.yaml"
    manifest.write_text(
        """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: iis}
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: kubernetes.io/os, operator: In, values: [windows]}
      containers:
        - {name: iis, image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022}
""",
        encoding="utf-8",
    )
    (item,) = assessed(ruleset, manifest, names=["iis.yaml"])
    found = sources(item, "iis")["workload.os"]
    assert found.value == ["windows"] and found.how == "read"
    assert found.where == ("iis.yaml, document 1, line 8, spec.template.spec.affinity.nodeAffinity",)


def test_gpu_limits_and_host_access_are_read(tmp_path, ruleset):
    manifest = tmp_path / "agents.yaml"
    manifest.write_text(
        """\
apiVersion: v1
kind: Pod
metadata: {name: example-vector-add}
spec:
  restartPolicy: OnFailure
  containers:
    - name: example-vector-add
      image: registry.example/example-vector-add:v42
      resources:
        limits: {nvidia.com/gpu: 1}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          securityContext: {privileged: true}
""",
        encoding="utf-8",
    )
    (item,) = assessed(ruleset, manifest, names=["agents.yaml"])
    assert sources(item, "example-vector-add")["hardware.gpu"].value is True
    from advisor.assess.portfolio import _blockers

    blockers = _blockers(item)
    assert any("node-exporter: runs privileged" in b for b in blockers)
    assert any("node-exporter: sees the host's processes (hostPID)" in b for b in blockers)
    assert any("node-exporter: uses the host's network namespace" in b for b in blockers)


# --- libvirt ---


def virt_install(tmp_path: Path, name: str, osinfo: str) -> Path:
    """A domain as virt-install writes it (the test driver: nothing is created)."""
    xml = subprocess.run(
        ["virt-install", "--print-xml", "--dry-run", "--connect", "test:///default", "--name", name,
         "--memory", "4096", "--vcpus", "2", "--osinfo", osinfo, "--disk", "size=40", "--network", "default",
         "--graphics", "vnc"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    path = tmp_path / f"{name}.xml"
    path.write_text(xml, encoding="utf-8")
    return path


@pytest.mark.libvirt
def test_a_domain_from_virt_install_gives_its_guest_os_and_size(tmp_path, ruleset):
    (item,) = assessed(ruleset, virt_install(tmp_path, "legacy-app", "win2k19"), names=["legacy-app.xml"])
    profile = item.profile
    assert profile.workload.os == ["windows"] and profile.workload.os_id == "win2k19"
    assert (profile.resources.cpus, profile.resources.memory_gib) == (2, 4)
    os_id = sources(item)["workload.os_id"]
    assert os_id.how == "read" and os_id.because == "libosinfo id http://microsoft.com/win/2k19"
    assert os_id.where[0].startswith("legacy-app.xml, line 6, /domain/metadata/libosinfo:libosinfo")
    assert item.result.platform == "vm"


def test_a_domain_s_entities_are_never_expanded(tmp_path, ruleset):
    hostile = tmp_path / "evil.xml"
    hostile.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY secret SYSTEM "file:///etc/passwd">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        "<domain><name>x&secret;&b;</name><vcpu>1</vcpu></domain>\n",
        encoding="utf-8",
    )
    (item,) = assessed(ruleset, hostile)
    assert "root:" not in item.observed.name and "aaaa" not in item.observed.name


# --- Inputs that are not what they claim ---


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "is not a readable XLSX (zip) file"),
        ("notes.txt", b"hello", "is not a kind of input advisor reads"),
        ("notes.yaml", b"shopping: [milk]\n", "is not a kind of input advisor reads"),
        ("compose.yaml", b"services:\n  web:\n    image: [unclosed\n", "invalid YAML"),
        ("k8s.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n", "needs at least one container"),
        ("domain.xml", b"<domain><name>x</name>", "is not well-formed XML"),
        ("RVTools_tabvDisk.csv", b"VM,Capacity MiB\nx,1\n", "give its vInfo CSV (RVTools_tabvInfo.csv) too"),
        ("RVTools_tabvInfo.csv", b'VM,CPUs\nweb,2\n"db,4\n', "is not valid CSV at line 3"),
    ],
    ids=[
        "not-a-zip",
        "unknown-kind",
        "unknown-yaml",
        "bad-yaml",
        "pod-without-spec",
        "truncated-xml",
        "sheet-alone",
        "truncated-csv",
    ],
)
def test_a_bad_input_is_named_in_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as raised:
        read_inputs([(path, name)], LIMIT)
    text = str(raised.value)
    assert text.startswith(f"{name}:") and message in text


def test_a_sheet_without_its_vm_column_names_what_it_found(tmp_path):
    path = workbook(tmp_path / "e.xlsx", {"vInfo": [["Name", "CPUs"], ["a", 1]]})
    with pytest.raises(InvalidInput, match=r"e.xlsx: sheet vInfo: has no 'VM' column.*found 'Name', 'CPUs'"):
        read_inputs([(path, "e.xlsx")], LIMIT)


def test_a_workbook_without_vinfo_is_not_taken_for_an_export(tmp_path):
    path = workbook(tmp_path / "budget.xlsx", {"Q1": [["cost"], [1]], "Q2": [["cost"], [2]]})
    with pytest.raises(
        InvalidInput, match=r"budget.xlsx: has no vInfo sheet, so it is not an RVTools export \(its sheets: Q1, Q2\)"
    ):
        read_inputs([(path, "budget.xlsx")], LIMIT)


def test_a_bad_cell_is_named_by_sheet_row_and_column(tmp_path):
    row = ["a", "poweredOn", False, "lots", 1024, 1, 1, 1, None, None, None, None, None]
    path = workbook(tmp_path / "e.xlsx", {"vInfo": [INFO, row]})
    with pytest.raises(InvalidInput, match=r"e.xlsx: sheet vInfo, row 2, column 'CPUs': expected a number, got 'lots'"):
        read_inputs([(path, "e.xlsx")], LIMIT)


def test_a_truncated_workbook_is_refused_by_name(tmp_path):
    rows = [INFO] + [
        [f"vm{i}", "poweredOn", False, 2, 4096, 1, 1, 1, "Ubuntu", None, None, None, None] for i in range(500)
    ]
    full = workbook(tmp_path / "full.xlsx", {"vInfo": rows}).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(full[: len(full) * 2 // 3])
    with pytest.raises(InvalidInput, match=r"^cut.xlsx: "):
        read_inputs([(cut, "cut.xlsx")], LIMIT)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(64):
                member.write(block)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(InvalidInput, match=r"zip member xl/worksheets/sheet1.xml inflates [0-9,]+ times.*zip bomb"):
        read_inputs([(bomb, "bomb.xlsx")], LIMIT)


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as handle:
        handle.truncate(100_000_000)  # sparse: 100 MB on paper, nothing on disk
    with pytest.raises(InvalidInput, match=r"huge.xlsx: is 100,000,000 bytes, over the limit of 67,108,864 bytes"):
        read_inputs([(huge, "huge.xlsx")], LIMIT)
    with pytest.raises(InvalidInput, match=r"huge.xlsx: is not a readable XLSX \(zip\) file"):
        read_inputs([(huge, "huge.xlsx")], 200_000_000)


def test_every_bad_file_is_reported_at_once(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.xml").write_text("<nope/>")
    with pytest.raises(InvalidInput) as raised:
        read_inputs([(tmp_path / "a.txt", "a.txt"), (tmp_path / "b.xml", "b.xml")], LIMIT)
    assert [e.file for e in raised.value.errors] == ["a.txt", "b.xml"]


def test_an_insufficient_verdict_is_not_a_platform(ruleset):
    from advisor.assess.portfolio import verdict_of

    items = {i.id: i for i in assessed(ruleset, EXAMPLES / "rvtools" / "RVTools_tabvInfo.csv")}
    assert verdict_of(items["web-frontend-01"].result) == INSUFFICIENT
    assert verdict_of(items["erp-db01"].result) == "vm"


# --- Sizes, limits and devices as manifests and domains write them ---


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        ("kubernetes_quantity", "500m", 0.5),
        ("kubernetes_quantity", "256Mi", 256 * 2**20),
        ("kubernetes_quantity", "1G", 1e9),
        ("kubernetes_quantity", 2, 2.0),
        ("compose_bytes", "512m", 512 * 2**20),
        ("compose_bytes", "1gb", 2**30),
        ("compose_bytes", 1024, 1024.0),
        ("compose_cpus", "1.5", 1.5),
    ],
)
def test_sizes_read_as_their_formats_define_them(function, value, expected):
    from advisor.assess import quantities

    assert getattr(quantities, function)(value) == expected


@pytest.mark.parametrize(
    ("function", "value"),
    [
        ("kubernetes_quantity", "lots"),
        ("kubernetes_quantity", True),
        ("compose_bytes", "1 parsec"),
        ("compose_bytes", False),
        ("compose_cpus", "many"),
        ("compose_cpus", True),
    ],
)
def test_a_size_that_is_none_is_refused(function, value):
    from advisor.assess import quantities

    with pytest.raises(ValueError, match="expected a"):
        getattr(quantities, function)(value)


def test_compose_limits_and_host_access_are_read(tmp_path, ruleset):
    path = tmp_path / "compose.yaml"
    path.write_text(
        """\
name: plant
services:
  historian:
    image: mcr.microsoft.com/windows/servercore:ltsc2022
    deploy: {resources: {limits: {cpus: "2", memory: 4g}}}
  gateway:
    image: python:3.12-slim
    privileged: true
    network_mode: host
    pid: host
    devices: ["/dev/ttyUSB0:/dev/ttyUSB0"]
    cap_add: [SYS_ADMIN]
""",
        encoding="utf-8",
    )
    (item,) = assessed(ruleset, path, names=["plant/compose.yaml"])
    assert item.id == "plant"  # the project's own name wins over its folder
    historian = sources(item, "historian")
    assert historian["workload.os"].value == ["windows"]
    assert (historian["resources.cpus"].value, historian["resources.memory_gib"].value) == (2, 4)
    assert sources(item, "gateway")["hardware.devices"].value == ["dev/ttyUSB0"]  # a tag, as the profile allows
    from advisor.assess.portfolio import _blockers

    blockers = _blockers(item)
    assert "gateway: passes devices through (/dev/ttyUSB0): the target host needs them too" in blockers
    assert any(b.startswith("gateway: runs privileged") for b in blockers)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services:\n  a:\n    image: x\n    deploy: {resources: {limits: {memory: lots}}}\n",
         "compose.yaml:4: services.a.deploy.resources.limits: expected a size such as 512m or 1g, got 'lots'"),
        ("services:\n  a:\n    image: x\n    ports: [eighty]\n",
         "compose.yaml:4: services.a.ports[0]: expected a port such as 80"),
        ("services:\n  a: just-text\n", "compose.yaml:2: services.a: a service is a mapping"),
        ("services: {}\n", "compose.yaml: is not a Compose file: it has no `services` mapping"),
    ],
    ids=["bad-memory", "bad-port", "service-not-a-mapping", "no-services"],
)  # fmt: skip
def test_a_bad_compose_file_is_named_with_its_line(tmp_path, text, message):
    path = tmp_path / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        read_inputs([(path, "compose.yaml")], LIMIT)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            "<network><name>n</name><domain name='lab.example'/></network>",
            "its root element is <network>, not <domain>",
        ),
        ("<domain><vcpu>2</vcpu></domain>", "the domain has no <name>"),
        ("<domain><name>d</name><vcpu>two</vcpu></domain>", "<vcpu> holds 'two', not a number"),
        ("<domain><name>d</name><memory unit='parsecs'>1</memory></domain>", "unknown memory unit 'parsecs'"),
    ],
    ids=["not-a-domain", "no-name", "bad-vcpu", "bad-unit"],
)
def test_a_bad_domain_is_named(tmp_path, xml, message):
    path = tmp_path / "d.xml"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_inputs([(path, "d.xml")], LIMIT)


def test_a_domain_s_host_devices_are_read_and_block_a_plain_move(tmp_path, ruleset):
    path = tmp_path / "lab.xml"
    path.write_text(
        "<domain type='kvm'><name>lab</name><vcpu>4</vcpu><memory unit='GiB'>8</memory><devices>"
        "<disk type='file' device='disk'/><disk type='file' device='cdrom'/><interface type='network'/>"
        "<hostdev mode='subsystem' type='usb'/><graphics type='spice'/></devices></domain>",
        encoding="utf-8",
    )
    (item,) = assessed(ruleset, path, names=["lab.xml"])
    assert item.profile.hardware.devices == ["usb-hostdev"] and item.profile.resources.memory_gib == 8
    from advisor.assess.portfolio import _blockers

    assert _blockers(item) == ["passes devices through (usb-hostdev): the target host needs them too"]


def test_an_item_no_platform_fits_waits_for_its_blocker(write_rules, tmp_path):
    from advisor.assess.portfolio import NO_PLATFORM, item_data
    from advisor.engine.loader import load_rules

    folder = write_rules(
        """
        rules:
          - id: no-windows-vms
            title: No Windows VMs here
            when: {workload.os: {contains: windows}}
            forbid: [vm, hybrid]
            because: A test rule.
            links: [https://example.org/policy]
          - id: no-windows-containers
            title: No Windows containers here
            when: {workload.os: {contains: windows}}
            forbid: [container]
            because: A test rule.
            links: [https://example.org/policy]
        """
    )
    strict = load_rules([folder], use_env=False)
    (vm,) = assessed(strict, virt_install_free_domain(tmp_path))
    data = item_data(vm, strict)
    assert data["verdict"] == NO_PLATFORM and data["wave"] == 4
    assert data["blockers"][0].startswith("win-app: no platform fits this profile")


def virt_install_free_domain(tmp_path: Path) -> Path:
    path = tmp_path / "win-app.xml"
    path.write_text(
        "<domain><name>win-app</name><metadata><libosinfo:libosinfo "
        "xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'><libosinfo:os "
        "id='http://microsoft.com/win/2k22'/></libosinfo:libosinfo></metadata><vcpu>2</vcpu></domain>",
        encoding="utf-8",
    )
    return path
