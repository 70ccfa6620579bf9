"""libvirt's embedded QEMU driver checks the domain's machine type and devices against the real QEMU here.

The embedded driver must not run as root, so as root (CI) virsh runs as `nobody` through setpriv. virsh
registers the event loop the driver needs, and its state lives in the root directory, so each virsh call
sees the domains the earlier ones defined.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.generators.libvirt import disk_command, disk_path, make_domain_xml
from tests.support import make_profile, tool

pytestmark = pytest.mark.libvirt

# Enough for virsh as nobody: it cannot read the checkout or the venv, so it only gets files in `work`.
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def work() -> Iterator[Path]:
    # Straight under the system temp dir: pytest's tmp_path sits below a directory only root may enter.
    with tempfile.TemporaryDirectory(prefix="advisor-embed-") as directory:
        if os.geteuid() == 0:
            tool("setpriv")
            shutil.chown(directory, "nobody", "nogroup")
        yield Path(directory)


def virsh(work: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [tool("virsh"), "-c", f"qemu:///embed?root={work / 'root'}", *arguments]
    as_user = NOBODY if os.geteuid() == 0 else []
    env = {"HOME": str(work), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    return subprocess.run(as_user + command, capture_output=True, text=True, env=env, timeout=120)


def write(work: Path, name: str, text: str) -> Path:
    path = work / name
    path.write_text(text, encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(path, "nobody", "nogroup")
    return path


def define(work: Path, profile) -> tuple[subprocess.CompletedProcess[str], str]:
    """Define the profile's domain with its disk (made by disk_command) in `work`; return virsh's result."""
    disk = str(work / f"{profile.name}.qcow2")
    command = disk_command(profile)
    command[0], command[4] = tool("qemu-img"), disk
    subprocess.run(command, check=True, capture_output=True)
    if os.geteuid() == 0:
        shutil.chown(disk, "nobody", "nogroup")
    xml = make_domain_xml(profile).content.replace(disk_path(profile), disk)
    result = virsh(work, "define", str(write(work, f"{profile.name}.xml", xml)))
    if "does not support virt type 'kvm'" in result.stderr:
        # /dev/kvm is closed to this user (CI containers); QEMU's emulator checks the same machine and devices.
        xml = xml.replace('<domain type="kvm">', '<domain type="qemu">', 1)
        result = virsh(work, "define", str(write(work, f"{profile.name}.xml", xml)))
    return result, xml


def test_real_qemu_accepts_a_linux_and_a_windows_11_domain(work):
    linux = make_profile(name="lin", workload={"os": ["linux"], "os_id": "ubuntu24.04", "gui": True})
    windows = make_profile(name="win", workload={"os": ["windows"], "os_id": "win11", "gui": True})
    for profile in (linux, windows):
        result, _ = define(work, profile)
        assert result.returncode == 0, result.stderr
    listed = virsh(work, "list", "--all", "--name")
    assert listed.stdout.split() == ["lin", "win"]
    # libvirt resolved the q35 alias against this QEMU's machine types.
    dumped = virsh(work, "dumpxml", "win")
    assert "machine='pc-q35-" in dumped.stdout and "<tpm model='tpm-crb'>" in dumped.stdout


def test_real_qemu_refuses_an_unknown_machine(work):
    # The check has teeth: the same XML with a machine type this QEMU lacks is refused.
    profile = make_profile(name="bad", workload={"os": ["linux"], "os_id": "debian12"})
    result, xml = define(work, profile)
    assert result.returncode == 0, result.stderr
    bad = write(work, "bad.xml", xml.replace('machine="q35"', 'machine="pc-q35-0.1"'))
    refused = virsh(work, "define", str(bad))
    assert refused.returncode != 0 and "pc-q35-0.1" in refused.stderr
