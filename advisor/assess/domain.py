"""libvirt domain XML (`virsh dumpxml`, `virt-install --print-xml`): one VM.

Read with lxml and no entity expansion, no DTD and no network (an XML file may declare entities that
expand to gigabytes or fetch files: none of that is followed). From https://libvirt.org/formatdomain.html:
`name`, `vcpu`, `memory` (with its unit), the guest OS virt-install records in the libosinfo metadata
(`<libosinfo:os id="http://ubuntu.com/ubuntu/24.04"/>`), disks, interfaces, host devices passed through
(`hostdev`), and graphics.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from advisor.assess.facts import Inventory, Observed, Where
from advisor.assess.limits import refuse

LIBOSINFO = "http://libosinfo.org/xmlns/libvirt/domain/1.0"
# https://libvirt.org/formatdomain.html#memory-allocation: the unit attribute, KiB by default.
UNITS = {
    "b": 1, "bytes": 1, "kb": 10**3, "k": 2**10, "kib": 2**10, "mb": 10**6, "m": 2**20, "mib": 2**20,
    "gb": 10**9, "g": 2**30, "gib": 2**30, "tb": 10**12, "t": 2**40, "tib": 2**40,
}  # fmt: skip


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )


def read_domain(path: Path, shown: str, limit: int) -> Inventory:
    """One domain: its name, vCPUs, memory, guest OS and devices."""
    try:
        root = etree.parse(str(path), _parser()).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        line = getattr(exc, "lineno", None)
        at = f" (line {line})" if line else ""
        raise refuse(shown, f"is not well-formed XML{at}: {getattr(exc, 'msg', None) or exc}") from None
    if root.tag != "domain":
        raise refuse(shown, f"is not a libvirt domain: its root element is <{root.tag}>, not <domain>")

    def where(xpath: str, element: etree._Element | None = None) -> Where:
        return Where(shown, path=xpath, line=element.sourceline if element is not None else None)

    name = root.findtext("name")
    if not name or not name.strip():
        raise refuse(shown, "the domain has no <name>", where="domain/name")
    vm = Observed(kind="vm", name=name.strip(), where=where("/domain", root), source="libvirt")
    vm.add("vm", True, vm.where)
    vcpu = root.find("vcpu")
    if vcpu is not None:
        vm.add("cpus", _count(vcpu.text, shown, "vcpu"), where("/domain/vcpu", vcpu))
    memory = root.find("memory")
    if memory is not None:
        unit = (memory.get("unit") or "KiB").lower()
        if unit not in UNITS:
            raise refuse(shown, f"unknown memory unit {memory.get('unit')!r}", where="domain/memory")
        vm.add(
            "memory_mib", _count(memory.text, shown, "memory") * UNITS[unit] / 2**20, where("/domain/memory", memory)
        )
    os_element = root.find(f"metadata/{{{LIBOSINFO}}}libosinfo/{{{LIBOSINFO}}}os")
    if os_element is not None:
        vm.add(
            "osinfo_id",
            os_element.get("id"),
            where("/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id", os_element),
        )
    devices = root.find("devices")
    if devices is not None:
        disks = [d for d in devices.findall("disk") if d.get("device", "disk") == "disk"]
        vm.add("disks", len(disks) or None, where("/domain/devices/disk", devices))
        vm.add("nics", len(devices.findall("interface")) or None, where("/domain/devices/interface", devices))
        passed = [f"{h.get('type', 'device')}-hostdev" for h in devices.findall("hostdev")]
        vm.add("devices", passed, where("/domain/devices/hostdev", devices))
        graphics = devices.find("graphics")
        if graphics is not None:
            vm.add("graphics", graphics.get("type"), where("/domain/devices/graphics", graphics))
    return Inventory(file=shown, kind="libvirt", items=[vm])


def _count(text: str | None, file: str, element: str) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise refuse(file, f"<{element}> holds {text!r}, not a number", where=f"domain/{element}") from None
    if value < 0 or value != value:
        raise refuse(file, f"<{element}> holds {text!r}, not a number of at least 0", where=f"domain/{element}")
    return value
