"""The files a recommendation calls for, with a README of next commands; written to a folder or a zip.

A container gets a Dockerfile and a .dockerignore, a VM a libvirt domain XML, a hybrid both; a profile with
components gets each component's files in a folder of its own, per that component's own result.
"""

from __future__ import annotations

import io
import shlex
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path, PurePosixPath

from advisor.errors import FieldError, InvalidInput, WouldOverwrite
from advisor.generators import Artifact
from advisor.generators.dockerfile import dockerfile, dockerignore, is_windows
from advisor.generators.libvirt import disk_command, domain_xml
from advisor.models import Recommendation, Technology, WorkloadProfile

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the same bytes on every run
UNKNOWN_OS = "detect=on,require=off"  # virt-install's way to go on without knowing the guest OS
PLATFORM_WORDS = {"vm": "a VM", "container": "containers", "hybrid": "a hybrid of VMs and containers"}


def _artifacts(profile: WorkloadProfile, platform: str) -> list[Artifact]:
    found: list[Artifact] = []
    if platform in ("container", "hybrid"):
        found += [dockerfile(profile), dockerignore(profile)]
    if platform in ("vm", "hybrid"):
        found.append(domain_xml(profile))
    return found


# libvirt's memory units, in MiB (https://libvirt.org/formatdomain.html#memory-allocation)
MIB_PER_UNIT = {
    "b": 2**-20, "bytes": 2**-20, "KB": 1000 / 2**20, "k": 2**-10, "KiB": 2**-10, "MB": 10**6 / 2**20,
    "M": 1, "MiB": 1, "GB": 10**9 / 2**20, "G": 2**10, "GiB": 2**10, "TB": 10**12 / 2**20, "T": 2**20, "TiB": 2**20,
}  # fmt: skip


def _virt_install(profile: WorkloadProfile, xml: Artifact) -> list[str]:
    """virt-install's argv for importing the disk the domain XML points at, with the XML's memory and CPUs."""
    domain = ElementTree.fromstring(xml.content)
    memory = domain.find("memory")
    assert memory is not None and memory.text is not None, "a libvirt domain always gives its memory"
    mib = round(int(memory.text) * MIB_PER_UNIT[memory.get("unit", "KiB")])
    argv = ["virt-install", "--import", "--name", profile.name, "--memory", str(mib)]
    argv += ["--vcpus", domain.findtext("vcpu", "1")]
    source = domain.find("./devices/disk[@device='disk']/source")
    if source is not None and source.get("file"):
        argv += ["--disk", f"path={source.get('file')}"]
    return [*argv, "--osinfo", profile.workload.os_id or UNKNOWN_OS, "--noautoconsole"]


def _technologies(technologies: list[Technology]) -> list[str]:
    if not technologies:
        return []
    lines = ["Technologies the recommendation suggests:", ""]
    lines += [f"- {t.name} ({t.role})" for t in technologies]
    return [*lines, ""]


def _section(
    profile: WorkloadProfile, platform: str, folder: str, artifacts: list[Artifact], technologies: list[Technology]
) -> list[str]:
    """The README part for one workload: what to run, in order, from the bundle's folder."""
    lines = [f"## {profile.name}: {PLATFORM_WORDS[platform]}", ""]
    by_name = {a.filename: a for a in artifacts}
    if platform == "hybrid":
        lines += [
            "A hybrid runs containers and VMs side by side, or containers inside VMs. The Dockerfile builds the "
            "image of the parts that fit a container; the domain XML defines the VM for the parts that need their "
            "own kernel or a stronger boundary, and can host the containers too. Split the workload along that "
            "line.",
            "",
            *_technologies(technologies),
        ]
    if "Dockerfile" in by_name:
        publish = "".join(f"-p {port}:{port} " for port in profile.workload.ports)
        host = "a Windows host in Windows-containers mode" if is_windows(profile) else "a host with Docker"
        lines += [
            f"Copy `{folder}Dockerfile` and `{folder}.dockerignore` to the root of {profile.name}'s source, "
            f"then, on {host}:",
            "",
            "```sh",
            f"docker build -t {profile.name} .",
            f"docker run --rm {publish}{profile.name}",
            "```",
            "",
        ]
    xml = by_name.get(f"{profile.name}.xml")
    if xml is not None:
        lines += [
            "Create the VM's disk, then define and start the VM. The new disk is empty: install the guest OS on "
            "it, or put a prepared image at that path instead (a cloud image, or the old server's disk converted "
            "with `qemu-img convert`).",
            "",
            "```sh",
            shlex.join(disk_command(profile)),
            shlex.join(["virsh", "define", f"{folder}{xml.filename}"]),
            shlex.join(["virsh", "start", profile.name]),
            "```",
            "",
            "Or, once the disk holds an installed OS, let virt-install write and define the domain itself:",
            "",
            "```sh",
            shlex.join(_virt_install(profile, xml)),
            "```",
            "",
        ]
        if profile.workload.os_id:
            lines += [
                f"(If your virt-install does not know `{profile.workload.os_id}`, as older osinfo-db releases do not: "
                f"see `virt-install --osinfo list`, or write `--osinfo {UNKNOWN_OS}`.)",
                "",
            ]
    notes = [note for artifact in artifacts for note in artifact.notes]
    if notes:
        lines += ["Notes:", "", *(f"- {note}" for note in notes), ""]
    return lines


def bundle(profile: WorkloadProfile, recommendation: Recommendation) -> dict[str, str]:
    """Return the files the recommendation calls for, by relative path, with a README.md of next commands."""
    files: dict[str, str] = {}
    sections: list[str] = []
    if profile.components:
        parts = [
            (profile.component_profile(component), result.platform, f"{component.name}/", result.technologies)
            for component, result in zip(profile.components, recommendation.components, strict=True)
        ]
    else:
        parts = [(profile, recommendation.platform, "", recommendation.technologies)]
    for part, platform, folder, technologies in parts:
        artifacts = _artifacts(part, platform)
        files.update({f"{folder}{a.filename}": a.content for a in artifacts})
        sections += _section(part, platform, folder, artifacts, technologies)
    listing = [f"- `{path}`" for path in files]
    readme = [
        f"# {profile.name}: starter artifacts",
        "",
        f"advisor recommends {PLATFORM_WORDS[recommendation.platform]} for {profile.name} "
        f"(confidence {recommendation.confidence}); `advisor recommend` explains why.",
    ]
    if profile.components:
        readme[-1] += " Each component's files are in a folder of its own, per its own result."
    readme += ["", "Files:", "", *listing, "", *sections]
    readme.append("Every file says in comments what to change. Written by `advisor emit all`.")
    files["README.md"] = "\n".join(readme) + "\n"
    return files


def _relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise InvalidInput([FieldError("", "not a path inside the bundle", file=path)])
    return relative


def write_bundle(files: dict[str, str], out_dir: Path, force: bool = False) -> list[Path]:
    """Write the files under out_dir and return their paths; refuse before writing anything if one exists.

    With force, existing files are replaced. A path that is a folder, or sits under a file, is never written.
    """
    targets = {out_dir.joinpath(*_relative(path).parts): text for path, text in files.items()}
    for target in targets:
        blocking = [p for p in (target, *target.parents) if p.is_relative_to(out_dir)]
        for place in blocking:
            if place == target and place.is_dir():
                raise InvalidInput([FieldError("", "is a folder, so the file cannot be written", file=str(place))])
            if place != target and place.exists() and not place.is_dir():
                raise InvalidInput([FieldError("", "is a file, so no folder can be made there", file=str(place))])
    existing = [str(target) for target in targets if target.exists() or target.is_symlink()]
    if existing and not force:
        raise WouldOverwrite(existing)
    for target, text in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        # "x" refuses a file that appeared since the check; newline="" keeps \n on every OS, as the references.
        with target.open("w" if force else "x", encoding="utf-8", newline="") as file:
            file.write(text)
    return list(targets)


def zip_bundle(files: dict[str, str]) -> bytes:
    """Return the files as a zip archive: sorted names and fixed timestamps, so the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            _relative(name)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # rw-r--r--, whatever the umask of the machine that zips
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()
