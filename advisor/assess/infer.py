"""From facts to a profile, field by field: INFERENCES holds one line per profile field an input can tell.

Each line names the field and the function that finds its value in an item's facts. The function returns
the value, whether it was read (the input states it) or inferred (advisor reasons from what the input
states, and says how), the sentence that says so, and the facts it used, with where each was read. A field
no line finds is unknown: the profile leaves it unset, so the engine takes its default and the report lists
it. A field added to the profile later (issue 12: CPU architecture, GPU count, persistent state, node
agent...) is one function and one line here; FUTURE_FIELDS says which facts already wait for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Literal

from pydantic import ValidationError

from advisor.assess.facts import Fact, Observed
from advisor.models import COMPONENT_SECTIONS, Component, WorkloadProfile

How = Literal["read", "inferred", "given", "unknown"]
Facts = dict[str, Fact]


@dataclass(frozen=True)
class Found:
    """A field's value, how it was had, the sentence that says so, and the facts it came from."""

    value: Any
    how: How
    because: str
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One profile field of an assessed item: its value, and what it rests on."""

    field: str
    value: Any
    how: How
    because: str
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inference:
    """One profile field and the function that finds it in an item's facts (None: the facts do not tell)."""

    field: str
    find: Callable[[Facts], Found | None]


def _text(facts: Facts, name: str) -> str | None:
    fact = facts.get(name)
    return str(fact.value) if fact is not None else None


# --- Guest OS, from RVTools' two OS columns or libvirt's libosinfo id ---

_FAMILIES = (
    ("windows", re.compile(r"windows", re.I)),
    ("bsd", re.compile(r"freebsd|openbsd|netbsd", re.I)),
    (
        "linux",
        re.compile(r"linux|ubuntu|debian|centos|red ?hat|rhel|suse|sles|fedora|rocky|alma|photon|coreos|amazon", re.I),
    ),
)
# Releases past their vendor's end of support: what still runs on them is usually hard to move or rebuild.
# Microsoft: https://learn.microsoft.com/lifecycle/products/ (Windows Server 2012 R2 ended 2023-10-10);
# CentOS Linux: https://www.centos.org/centos-linux-eol/ (7 ended 2024-06-30).
_UNSUPPORTED = re.compile(
    r"windows (server )?(2000|2003|2008|2012|xp|vista|7|8)\b|centos|red hat enterprise linux [2-6]\b|"
    r"suse linux enterprise( server)? (9|10|11)\b|ubuntu (1[0-7]|18)\.|debian gnu/linux [4-9]\b",
    re.I,
)
_DESKTOP = re.compile(r"windows (xp|vista|7|8|8\.1|10|11)\b", re.I)
_OS_IDS = (
    (re.compile(r"windows server 2019", re.I), "win2k19"),
    (re.compile(r"windows server 2022", re.I), "win2k22"),
    (re.compile(r"windows server 2025", re.I), "win2k25"),
    (re.compile(r"windows 10\b", re.I), "win10"),
    (re.compile(r"windows 11\b", re.I), "win11"),
    (re.compile(r"ubuntu (22\.04|24\.04)", re.I), "ubuntu{0}"),
    (re.compile(r"debian gnu/linux (12)\b", re.I), "debian{0}"),
    (re.compile(r"fedora (?:linux )?(40)\b", re.I), "fedora{0}"),
    (re.compile(r"freebsd (14)\b", re.I), "freebsd14.0"),
    # vSphere names only the major release ("FreeBSD 15 (64-bit)"): the starter takes 15.1, the 15.x in support.
    (re.compile(r"freebsd (15)\b", re.I), "freebsd15.1"),
)


def _guest_os(facts: Facts) -> tuple[str, str, tuple[str, ...]] | None:
    """The guest OS text to go by, the sentence saying which, and the facts used (VMware Tools first)."""
    return _which_guest_os(_text(facts, "guest_os_tools"), _text(facts, "guest_os_config"))


# An inventory repeats a few dozen OS names thousands of times: each pair and each text is looked at once.
@lru_cache(maxsize=4096)
def _which_guest_os(tools: str | None, config: str | None) -> tuple[str, str, tuple[str, ...]] | None:
    if tools and config and _family(tools) != _family(config):
        because = f"VMware Tools report '{tools}', the configuration file says '{config}'; Tools report what runs"
        return tools, because, ("guest_os_tools", "guest_os_config")
    if tools:
        return tools, f"VMware Tools report '{tools}'", ("guest_os_tools",)
    if config:
        return config, f"the configuration file says '{config}' (VMware Tools report nothing)", ("guest_os_config",)
    return None


@lru_cache(maxsize=4096)
def _family(text: str) -> str:
    return next((family for family, pattern in _FAMILIES if pattern.search(text)), "other")


def _osinfo(facts: Facts) -> tuple[str | None, str] | None:
    """(short id, family) for a libosinfo id such as http://ubuntu.com/ubuntu/24.04."""
    uri = _text(facts, "osinfo_id")
    return None if uri is None else _osinfo_of(uri)


@lru_cache(maxsize=1024)
def _osinfo_of(uri: str) -> tuple[str | None, str]:
    from advisor.generators.libvirt import guest_oses

    known = next((g for g in guest_oses().values() if g.uri == uri), None)
    if known is not None:
        return known.short_id, known.family
    family = "windows" if "microsoft.com" in uri else "bsd" if "bsd" in uri else "linux"
    return None, family


@lru_cache(maxsize=8192)
def _matches(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None


def os_family(facts: Facts) -> Found | None:
    """workload.os: the guest OS's family, or the Windows node selector, or a container image's OS."""
    guest = _guest_os(facts)
    if guest is not None:
        text, because, used = guest
        return Found([_family(text)], "inferred", f"{because}: {_family(text)}", used)
    osinfo = _osinfo(facts)
    if osinfo is not None:
        return Found([osinfo[1]], "inferred", f"libosinfo id {_text(facts, 'osinfo_id')}", ("osinfo_id",))
    selector = _text(facts, "os_selector")
    if selector in ("linux", "windows"):
        return Found([selector], "read", f"node selection kubernetes.io/os: {selector}", ("os_selector",))
    platform = _text(facts, "platform")
    if platform and platform.split("/")[0] in ("linux", "windows"):
        return Found([platform.split("/")[0]], "read", f"platform: {platform}", ("platform",))
    image = _text(facts, "image")
    if image is not None:
        windows = re.search(r"mcr\.microsoft\.com/windows|windowsservercore|nanoserver", image, re.I)
        family = "windows" if windows else "linux"
        because = f"image {image} is a {'Windows' if windows else 'Linux'} image"
        return Found([family], "inferred", because + ("" if windows else " (no Windows base named)"), ("image",))
    if "build" in facts:
        return Found(["linux"], "inferred", "built from source without a Windows platform: a Linux image", ("build",))
    return None


def os_id(facts: Facts) -> Found | None:
    """workload.os_id: the osinfo short-id, when the guest OS names a release the generator knows."""
    osinfo = _osinfo(facts)
    if osinfo is not None and osinfo[0]:
        return Found(osinfo[0], "read", f"libosinfo id {_text(facts, 'osinfo_id')}", ("osinfo_id",))
    guest = _guest_os(facts)
    if guest is None:
        return None
    short = _os_id_of(guest[0])
    return Found(short, "inferred", guest[1], guest[2]) if short else None


@lru_cache(maxsize=4096)
def _os_id_of(text: str) -> str | None:
    for pattern, short in _OS_IDS:
        match = pattern.search(text)
        if match:
            return short.format(*match.groups())
    return None


def legacy(facts: Facts) -> Found | None:
    """workload.legacy: the guest OS is past its vendor's end of support."""
    guest = _guest_os(facts)
    if guest is not None and _matches(_UNSUPPORTED, guest[0]):
        return Found(True, "inferred", f"{guest[1]}: a release past its vendor's end of support", guest[2])
    return None


def gui(facts: Facts) -> Found | None:
    """workload.gui: a desktop edition of Windows is used from its desktop."""
    guest = _guest_os(facts)
    if guest is not None and _matches(_DESKTOP, guest[0]):
        return Found(True, "inferred", f"{guest[1]}: a desktop edition", guest[2])
    return None


def architecture(facts: Facts) -> Found | None:
    """workload.architecture: a Job is batch, one of several services is a microservice, a desktop OS a desktop."""
    kind = _text(facts, "workload_kind")
    if kind in ("Job", "CronJob"):
        return Found("batch", "inferred", f"a Kubernetes {kind} runs to completion", ("workload_kind",))
    siblings = facts.get("siblings")
    if siblings is not None and siblings.value >= 2:
        because = f"one of {siblings.value} workloads deployed separately from one file"
        return Found("microservices", "inferred", because, ("siblings",))
    if gui(facts) is not None:
        return Found("desktop", "inferred", gui(facts).because, gui(facts).facts)  # type: ignore[union-attr]
    return None


_RUNTIMES = (
    ("python", re.compile(r"(^|/)(python|pypy)[^/]*$")),
    ("node", re.compile(r"(^|/)(node|bun|deno)[^/]*$")),
    ("go", re.compile(r"(^|/)(golang|go)$")),
    ("java", re.compile(r"(^|/)(openjdk|eclipse-temurin|amazoncorretto|tomcat|maven|gradle|jetty|java)[^/]*$")),
    ("dotnet", re.compile(r"dotnet/(aspnet|runtime|sdk)$|(^|/)dotnet[^/]*$")),
    ("static", re.compile(r"(^|/)(nginx|httpd|caddy|nginxinc/nginx-unprivileged)$")),
)


def runtime(facts: Facts) -> Found | None:
    """workload.runtime: the language runtime an image's name says, else other."""
    image = _text(facts, "image")
    if image is None:
        return None
    path = image.lower().split("@")[0]  # the digest off, then the tag of the last segment
    head, _, last = path.rpartition("/")
    repository = f"{head}/{last.split(':')[0]}" if head else last.split(":")[0]
    for name, pattern in _RUNTIMES:
        if pattern.search(repository):
            return Found(name, "inferred", f"image {image}", ("image",))
    return Found("other", "inferred", f"image {image} is not a language runtime's image", ("image",))


def _number(fact_name: str, target: str, scale: float = 1, low: float = 0.001) -> Callable[[Facts], Found | None]:
    def find(facts: Facts) -> Found | None:
        fact = facts.get(fact_name)
        if fact is None or not isinstance(fact.value, (int, float)) or fact.value * scale < low:
            return None
        value = round(fact.value * scale, 3)
        value = int(value) if float(value).is_integer() else value
        unit = {"memory_mib": " MiB", "disk_mib": " MiB", "provisioned_mib": " MiB"}.get(fact_name, "")
        shown = int(fact.value) if float(fact.value).is_integer() else fact.value
        return Found(value, "read", f"{shown}{unit}" + (f" is {value} {target}" if scale != 1 else ""), (fact_name,))

    find.__doc__ = f"A number read from the {fact_name} fact."
    return find


def disk(facts: Facts) -> Found | None:
    """resources.disk_gib: the sum of the VM's disks (vDisk), else its provisioned storage (vInfo)."""
    return _number("disk_mib", "GiB", 1 / 1024)(facts) or _number("provisioned_mib", "GiB", 1 / 1024)(facts)


def ports(facts: Facts) -> Found | None:
    """workload.ports: the ports the containers listen on."""
    fact = facts.get("ports")
    valid = [p for p in fact.value if 1 <= p <= 65535][:64] if fact is not None else []
    return Found(valid, "read", ", ".join(map(str, valid)), ("ports",)) if valid else None


def instances(facts: Facts) -> Found | None:
    """scale.instances: the replicas asked for; a VM is one instance."""
    fact = facts.get("replicas")
    if fact is not None and isinstance(fact.value, int) and not isinstance(fact.value, bool) and fact.value >= 1:
        return Found(fact.value, "read", f"{fact.value} replicas", ("replicas",))
    if "default_replicas" in facts:
        because = "Compose runs one container of a service unless deploy.replicas says more"
        return Found(1, "inferred", because, ("default_replicas",))
    if "vm" in facts:
        return Found(1, "inferred", "one VM is one instance", ("vm",))
    return None


def gpu(facts: Facts) -> Found | None:
    """hardware.gpu: GPUs reserved (Compose) or asked for as an extended resource (Kubernetes)."""
    fact = facts.get("gpu_count")
    if fact is None or fact.value in (0, "0"):
        return None
    return Found(True, "read", f"reserves GPUs: {fact.value}", ("gpu_count",))


def devices(facts: Facts) -> Found | None:
    """hardware.devices: devices passed through (libvirt hostdev, Compose devices)."""
    fact = facts.get("devices")
    if fact is None:
        return None
    tags = sorted(
        {re.sub(r"[^A-Za-z0-9._:/-]", "-", str(d).strip("/")).strip("-")[:63] or "device" for d in fact.value}
    )
    return Found(tags[:32], "read", ", ".join(map(str, fact.value)), ("devices",))


INFERENCES: tuple[Inference, ...] = (
    Inference("workload.os", os_family),
    Inference("workload.os_id", os_id),
    Inference("workload.architecture", architecture),
    Inference("workload.gui", gui),
    Inference("workload.legacy", legacy),
    Inference("workload.runtime", runtime),
    Inference("workload.ports", ports),
    Inference("scale.instances", instances),
    Inference("resources.cpus", _number("cpus", "cores")),
    Inference("resources.memory_gib", _number("memory_mib", "GiB", 1 / 1024)),
    Inference("resources.disk_gib", disk),
    Inference("hardware.gpu", gpu),
    Inference("hardware.devices", devices),
)

# Facts read today that wait for a profile field (issue 12): each becomes one Inference line above.
FUTURE_FIELDS: dict[str, tuple[str, ...]] = {
    "CPU architecture": ("guest_os_tools", "guest_os_config", "cpu_arch", "platform"),
    "GPU count": ("gpu_count",),
    "persistent state": ("volumes", "disks", "disk_mib"),
    "node agent": ("workload_kind", "host_pid", "host_network", "host_paths", "privileged"),
    "connectivity": ("nics", "ports", "host_network"),
    "host kind": ("host", "cluster", "firmware"),
}

# Input facts that stop a plain move today, whatever the verdict: a blocker each, with why.
INPUT_BLOCKERS: dict[str, str] = {
    "privileged": "runs privileged: it reaches the host's kernel and devices",
    "host_network": "uses the host's network namespace",
    "host_pid": "sees the host's processes (hostPID)",
    "host_paths": "mounts paths of the host",
}


@cache
def section_fields() -> tuple[str, ...]:
    """Every field of a profile's sections, as dotted paths, in the model's order."""
    paths = []
    for section in ("host", *COMPONENT_SECTIONS):
        model = WorkloadProfile.model_fields[section].annotation
        paths += [f"{section}.{name}" for name in model.model_fields]  # type: ignore[union-attr]
    return tuple(paths)


@cache
def _default(path: str) -> Any:
    section, name = path.split(".")
    model = WorkloadProfile.model_fields[section].annotation
    info = model.model_fields[name]  # type: ignore[union-attr]
    return info.get_default(call_default_factory=True)


def dns_label(text: str, fallback: str = "item") -> str:
    """A name as a DNS label: lowercase, other characters as '-', at most 63 characters."""
    label = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
    return label or fallback


def unique(name: str, taken: set[str]) -> str:
    """name, or name-2, name-3... the first not taken (and take it)."""
    candidate, number = name, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate, number = name[: 63 - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


@dataclass
class Inferred:
    """The fields an item's facts give, by section, and every field's source."""

    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)


def infer(facts: Facts, *, sections: tuple[str, ...] = COMPONENT_SECTIONS) -> Inferred:
    """Run every INFERENCES line over the facts; the fields found, with their sources."""
    inferred = Inferred()
    for line in INFERENCES:
        section, name = line.field.split(".")
        if section not in sections:
            continue
        found = line.find(facts)
        if found is None:
            continue
        inferred.sections.setdefault(section, {})[name] = found.value
        where = tuple(str(facts[name].where) for name in found.facts if name in facts)
        inferred.sources.append(Source(line.field, found.value, found.how, found.because, where))
    return inferred


def _drop_invalid(data: dict[str, Any], inferred: Inferred, exc: ValidationError) -> bool:
    """Drop the fields a profile refuses (a value out of range), recording why; True if any was dropped."""
    dropped = False
    for error in exc.errors():
        loc = [str(step) for step in error["loc"] if not isinstance(step, int)]
        if len(loc) >= 2 and loc[-2] in data and loc[-1] in data[loc[-2]]:
            path = ".".join(loc[-2:])
            value = data[loc[-2]].pop(loc[-1])
            inferred.sources[:] = [s for s in inferred.sources if s.field != path]
            inferred.sources.append(
                Source(path, None, "unknown", f"read {value!r}, which a profile refuses: {error['msg']}")
            )
            dropped = True
    return dropped


def with_unknowns(sources: list[Source]) -> list[Source]:
    """The sources of every section field, in the model's order: those known, and the rest as unknown."""
    known = {source.field: source for source in sources}
    unknown = "no input tells; the default is assumed"
    return [known.get(path) or Source(path, _default(path), "unknown", unknown) for path in section_fields()]


# Validated VM profiles by their inferred fields: an inventory repeats a few hundred shapes thousands of times.
_VALIDATED: dict[str, tuple[WorkloadProfile, dict[str, Any]]] = {}


def build_profile(
    item: Observed, name: str, host_os: str
) -> tuple[WorkloadProfile, dict[str, list[Source]], dict[str, Any]]:
    """The profile of one observed item (a VM, or an estate and its components), each part's sources, and
    the fields the profile sets (`given()`).

    The sources are by part: "" for the item itself, and each component's name for an estate.
    """
    host_because = f"the target host is not in the input; --host-os {host_os}"
    if item.kind != "estate":
        inferred = infer(item.facts)
        key = repr((host_os, inferred.sections))
        known = _VALIDATED.get(key)
        if known is not None:  # the same fields as a VM before: only the name differs, and it is a DNS label
            profile, given = known[0].model_copy(update={"name": name}), {**known[1], "name": name}
        else:
            data = {"name": name, "host": {"os": host_os}, **inferred.sections}
            while True:
                try:
                    profile = WorkloadProfile.model_validate(data)
                    break
                except ValidationError as exc:
                    if not _drop_invalid(data, inferred, exc):
                        raise
            given = profile.given()
            if len(_VALIDATED) < 10_000:
                _VALIDATED[key] = (profile, given)
        return profile, {"": [Source("host.os", host_os, "given", host_because), *inferred.sources]}, given
    taken: set[str] = set()
    components, parts = [], {}
    for component in item.components:
        component_name = unique(dns_label(component.name, "component"), taken)
        inferred = infer(component.facts)
        data = {"name": component_name, **inferred.sections}
        while True:
            try:
                components.append(Component.model_validate(data))
                break
            except ValidationError as exc:
                if not _drop_invalid(data, inferred, exc):
                    raise
        parts[component_name] = inferred.sources
    profile = WorkloadProfile.model_validate({"name": name, "host": {"os": host_os}, "components": components})
    parts[""] = [Source("host.os", host_os, "given", host_because)]
    return profile, dict(sorted(parts.items())), profile.given()
