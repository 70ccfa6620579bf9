"""LXC configuration: liblxc's own parser (python3-lxc) accepts every starter and refuses a bad key or value.

python3-lxc is a Debian package for the system interpreter, not a PyPI package, so the checks run in
/usr/bin/python3 (Debian's python3, which the Makefile gives python3-lxc) through a subprocess.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InvalidInput
from advisor.generators.lxc import create_command, make_lxc_config
from advisor.models import WorkloadProfile

SYSTEM_PYTHON = "/usr/bin/python3"
# Load each file into a fresh container object and report whether liblxc accepted it, and the values it read.
LOAD = """
import json, sys, lxc
keys = ["lxc.uts.name", "lxc.cgroup2.memory.max", "lxc.cgroup2.cpu.max", "lxc.net.0.type", "lxc.net.0.link",
        "lxc.idmap", "lxc.apparmor.profile"]
results = {}
for path in sys.argv[2:]:
    container = lxc.Container("probe", sys.argv[1])
    loaded = container.load_config(path)
    results[path] = {"loaded": loaded, "items": {k: container.get_config_item(k) for k in keys} if loaded else {}}
print(json.dumps(results))
"""


def load(paths: list[Path], lxcpath: Path) -> dict[str, dict]:
    argv = [SYSTEM_PYTHON, "-c", LOAD, str(lxcpath), *map(str, paths)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (
        f"python3-lxc could not run (install it with `make test`, which adds it to the system python):\n{result.stderr}"
    )
    return json.loads(result.stdout)


def profile(name: str, os_id: str | None = "ubuntu24.04", **resources) -> WorkloadProfile:
    data = {"name": name, "host": {"os": "linux"}, "workload": {"os": ["linux"]}}
    if os_id:
        data["workload"]["os_id"] = os_id
    if resources:
        data["resources"] = resources
    return WorkloadProfile.model_validate(data)


PROFILES = {
    "ubuntu-small": profile("web", "ubuntu24.04", cpus=0.5, memory_gib=0.5, disk_gib=8),
    "ubuntu-large": profile("build", "ubuntu22.04", cpus=16, memory_gib=64, disk_gib=500),
    "debian": profile("cache", "debian12", cpus=1, memory_gib=2),
    "rhel": profile("db", "rhel9.4", cpus=8, memory_gib=32, disk_gib=200),
    "defaults": profile("plain", None),
    "millicore": profile("tiny", "debian12", cpus=0.001, memory_gib=0.125),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("lxc")
    paths = {}
    for key, value in PROFILES.items():
        paths[key] = folder / f"{key}.conf"
        paths[key].write_text(make_lxc_config(value).content, encoding="utf-8")
    results = load(list(paths.values()), folder / "containers")
    return {key: results[str(path)] for key, path in paths.items()}


@pytest.mark.parametrize("key", PROFILES)
def test_liblxc_loads_every_starter(key, loaded):
    assert loaded[key]["loaded"] is True


@pytest.mark.parametrize(
    ("key", "memory", "cpu"),
    [
        ("ubuntu-small", str(512 * 1024**2), "50000 100000"),
        ("ubuntu-large", str(64 * 1024**3), "1600000 100000"),
        ("debian", str(2 * 1024**3), "100000 100000"),
        ("rhel", str(32 * 1024**3), "800000 100000"),
        ("defaults", str(1024**3), "100000 100000"),
        ("millicore", str(128 * 1024**2), "1000 100000"),
    ],
)
def test_liblxc_reads_the_cgroup2_limits_from_resources(key, memory, cpu, loaded):
    items = loaded[key]["items"]
    assert items["lxc.cgroup2.memory.max"] == [memory]  # liblxc lists cgroup keys, as they may repeat
    assert items["lxc.cgroup2.cpu.max"] == [cpu]


def test_liblxc_reads_name_network_and_unprivileged_id_maps(loaded):
    items = loaded["ubuntu-small"]["items"]
    assert items["lxc.uts.name"] == "web"
    assert items["lxc.net.0.type"] == "veth"
    assert items["lxc.net.0.link"] == "lxcbr0"
    assert items["lxc.idmap"].split("\n") == ["u 0 100000 65536", "g 0 100000 65536"]
    assert items["lxc.apparmor.profile"] == "generated"


@pytest.mark.parametrize(
    "breakage",
    [
        ("lxc.net.0.type = veth", "lxc.net.0.type = bogus"),  # a value liblxc does not know
        ("lxc.idmap = u 0 100000 65536", "lxc.idmap = u 0 lots 65536"),  # an id map that is not numbers
        ("lxc.uts.name = web", "lxc.utsname.name = web"),  # a key liblxc does not know
        ("lxc.arch = x86_64", "lxc.arch = pdp11"),  # an architecture liblxc does not know
    ],
    ids=["bad-net-type", "bad-idmap", "bad-key", "bad-arch"],
)
def test_liblxc_refuses_a_bad_key_or_value(breakage, tmp_path):
    # The parser check can fail: the same file, broken one way, is refused.
    good = make_lxc_config(PROFILES["ubuntu-small"]).content
    old, new = breakage
    assert old in good
    path = tmp_path / "broken.conf"
    path.write_text(good.replace(old, new), encoding="utf-8")
    assert load([path], tmp_path / "containers")[str(path)]["loaded"] is False


def test_a_windows_workload_is_refused_on_workload_os():
    windows = WorkloadProfile.model_validate({"name": "w", "host": {"os": "linux"}, "workload": {"os": ["windows"]}})
    with pytest.raises(InvalidInput) as refused:
        make_lxc_config(windows)
    assert [e.loc for e in refused.value.errors] == ["workload.os"]
    assert "shares the host's Linux kernel" in refused.value.errors[0].msg


@pytest.mark.parametrize(
    ("key", "dist", "release", "fssize"),
    [
        ("ubuntu-small", "ubuntu", "noble", "8G"),
        ("ubuntu-large", "ubuntu", "jammy", "500G"),
        ("rhel", "almalinux", "9", "200G"),
        ("defaults", "debian", "bookworm", "10G"),
    ],
)
def test_the_create_command_downloads_the_profiles_distribution(key, dist, release, fssize):
    argv = create_command(PROFILES[key])
    assert argv[:5] == ["lxc-create", "-n", PROFILES[key].name, "-f", f"{PROFILES[key].name}.conf"]
    assert argv[argv.index("--fssize") + 1] == fssize
    assert argv[argv.index("--dist") + 1] == dist and argv[argv.index("--release") + 1] == release


def test_an_os_id_without_an_image_gets_debian_and_a_note():
    fedora = profile("f", "fedora40")
    assert create_command(fedora)[-5:] == ["fedora", "--release", "40", "--arch", "amd64"]
    generic = WorkloadProfile.model_validate(
        {"name": "g", "host": {"os": "linux"}, "workload": {"os": ["linux", "other"], "os_id": "generic"}}
    )
    assert create_command(generic)[-5:] == ["debian", "--release", "bookworm", "--arch", "amd64"]
    assert "workload.os_id generic has no LXC image in advisor's table" in " ".join(make_lxc_config(generic).notes)


def test_notes_say_how_to_create_it_and_what_stands_in_for_rhel():
    notes = " ".join(make_lxc_config(PROFILES["rhel"]).notes)
    assert "lxc-create -n db -f db.conf" in notes and "AlmaLinux 9" in notes
    tiny = " ".join(make_lxc_config(PROFILES["millicore"]).notes)
    assert "below the 1 ms per 100 ms" in tiny


KEY_LINE = re.compile(r"^(lxc\.[a-z0-9._]+) = ")


def keys(text: str) -> list[str]:
    """The keys of a configuration, in order; every line is a comment, blank or one key."""
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = KEY_LINE.match(line)
        assert match, f"not a key line: {line!r}"
        found.append(match.group(1))
    return found


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_no_name_adds_a_key(name):
    # Components are built with model_construct, so a name may reach the generator unvalidated.
    base = PROFILES["debian"]
    reference = keys(make_lxc_config(base).content)
    crafted = WorkloadProfile.model_construct(_fields_set=base.model_fields_set, **{**dict(base), "name": name})
    try:
        text = make_lxc_config(crafted).content
    except InvalidInput as refused:
        assert [e.loc for e in refused.errors] == ["name"]
        return
    assert keys(text) == reference
    assert f"lxc.uts.name = {name}\n" in text


def test_liblxc_loads_every_committed_example(tmp_path):
    examples = sorted((Path(__file__).parent.parent / "examples" / "artifacts").rglob("*.conf"))
    assert examples, "no example LXC configuration: checkout-api is a Linux container the rules suggest LXC for"
    results = load(examples, tmp_path / "containers")
    assert {str(path): results[str(path)]["loaded"] for path in examples} == {str(path): True for path in examples}


@pytest.mark.parametrize("name", ["web\n", "web\nlxc.mount.entry = / host none bind 0 0"])
def test_a_name_with_a_line_break_is_refused_on_name(name):
    base = PROFILES["debian"]
    crafted = WorkloadProfile.model_construct(_fields_set=base.model_fields_set, **{**dict(base), "name": name})
    with pytest.raises(InvalidInput) as refused:
        make_lxc_config(crafted)
    assert [e.loc for e in refused.value.errors] == ["name"]
