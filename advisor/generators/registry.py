"""The starter kinds: one table that `advisor emit`, /v1/artifacts, the bundle, the form and the docs all list.

Each kind is one entry (after datamodel-code-generator's per-target sets and Semgrep's FORMATTERS): the
function that makes its file, the platforms whose bundle holds it, its file name, media type, label and the
bundle README's steps for it. Adding a kind is its module, one entry here, its tests and its golden examples;
no door keeps a list of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from advisor.errors import AdvisorError
from advisor.generators import Artifact, Verdict
from advisor.generators.compose import compose_readme, make_compose
from advisor.generators.dockerfile import dockerfile_readme, make_dockerfile, make_dockerignore
from advisor.generators.hyperv import hyperv_readme, make_hyperv_script
from advisor.generators.kubernetes import kubernetes_readme, make_kubernetes
from advisor.generators.kubevirt import kubevirt_readme, make_kubevirt
from advisor.generators.libvirt import disk_lines, domain_readme, make_domain_xml
from advisor.generators.lxc import lxc_readme, make_lxc_config
from advisor.generators.ovf import make_ovf, ovf_readme
from advisor.generators.xen import make_xen_file, xen_disk_lines, xen_readme
from advisor.models import Recommendation, WorkloadProfile

EXIT_DOES_NOT_FIT = 1


def verdict_of(profile: WorkloadProfile, recommendation: Recommendation, component: str | None = None) -> Verdict:
    """The verdict for the profile, or for its component named `component`, from the recommendation."""
    results = recommendation.components
    estate = tuple(r.platform for r in results) or (recommendation.platform,)
    result = next((r for r in results if r.name == component), None) if component else None
    chosen = result or recommendation
    return Verdict(chosen.platform, tuple(t.name for t in chosen.technologies), estate)


def _any_profile(profile: WorkloadProfile, verdict: Verdict) -> bool:
    return True


HYPERVISOR_NAMES = {
    "kvm": "KVM",
    "hyper-v": "Hyper-V",
    "esxi": "VMware ESXi",
    "xen": "Xen",
    "macos": "Apple's Hypervisor.framework",
}


def hypervisor(profile: WorkloadProfile) -> str:
    """The hypervisor the profile's host runs, so a VM starter is for what the host actually runs.

    A vSphere estate (host.cloud vmware) runs ESXi, a Windows host Hyper-V, a Mac Apple's Hypervisor.framework
    (through UTM, Parallels or VMware Fusion), an XCP-ng host Xen, any other Linux host KVM. This function is
    the one place that reads host.kind for the starters.
    """
    if profile.host.cloud == "vmware" or profile.host.kind == "esxi":
        return "esxi"
    if profile.host.kind == "xcp-ng":
        return "xen"
    if profile.host.os == "windows":
        return "hyper-v"
    if profile.host.os == "macos":
        return "macos"
    return "kvm"


def _in_kubernetes_estate(profile: WorkloadProfile, verdict: Verdict) -> bool:
    """A VM that runs beside containers (another part is one), or a hybrid whose result suggests KubeVirt."""
    if verdict.platform == "hybrid":
        return "KubeVirt" in verdict.technologies
    return any(platform in ("container", "hybrid") for platform in verdict.estate)


def _all_containers(profile: WorkloadProfile, verdict: Verdict) -> bool:
    """Every part of the profile runs as a container, so one host's Compose can hold them all."""
    return all(platform == "container" for platform in verdict.estate)


@dataclass(frozen=True)
class StarterKind:
    """One kind of starter file, and everything each door needs to offer it."""

    name: str  # the word in `advisor emit NAME`, /v1/artifacts/NAME and the form's /download/NAME
    label: str  # the form's button text
    summary: str  # one sentence for `--help`, the contract and the README
    make: Callable[[WorkloadProfile, Verdict | None], Artifact]  # the file, for one part of a profile
    platforms: frozenset[str]  # the verdicts whose bundle holds it
    media_type: str
    file_name: str  # per part; {name} is the part's name
    readme: Callable[[WorkloadProfile, str], list[str]]  # the bundle README's steps, given the part's folder
    bundle_text: str  # what the bundle holds of it, for the form's help and the docs
    # Files the bundle puts beside it (a .dockerignore beside the Dockerfile); the single-file doors leave them out.
    companions: tuple[Callable[[WorkloadProfile], Artifact], ...] = ()
    # Lines `advisor emit NAME` writes to stderr before the notes (the command that makes a VM's disk).
    stderr_lines: Callable[[WorkloadProfile], list[str]] = field(default=lambda profile: [])
    # Whether the kind fits a part beyond its platform. None: the single-file doors make it for any profile,
    # without asking the rules for a verdict (the Dockerfile and the domain XML have always been so).
    fits: Callable[[WorkloadProfile, Verdict], bool] | None = None
    # The hypervisors (hypervisor()'s names) whose hosts the bundle and the form give it to; None for any host.
    # A VM starter is for one hypervisor; `advisor emit NAME` and /v1/artifacts/NAME still write it on request.
    hosts: frozenset[str] | None = None
    # One file for the whole profile (compose.yaml, with a service per component), not one per part.
    whole_profile: bool = False
    # Where a kind chosen by the verdict is offered, in words, for the error when it is asked for elsewhere.
    offered_for: str = "any profile"

    @property
    def needs_verdict(self) -> bool:
        """Whether making or offering it needs the recommendation (so the rules must be loaded)."""
        return self.fits is not None

    def serves_host(self, profile: WorkloadProfile) -> bool:
        """Whether the part's host runs what the kind is written for (any host, for a container's files)."""
        return self.hosts is None or hypervisor(profile) in self.hosts

    def offered(self, profile: WorkloadProfile, verdict: Verdict) -> bool:
        """Whether the doors offer it for this part: its platform is one the kind serves, it fits, and the host
        runs what it is written for."""
        if verdict.platform not in self.platforms:  # most kinds, for any one verdict: nothing more to ask
            return False
        return (self.fits or _any_profile)(profile, verdict) and self.serves_host(profile)


class KindDoesNotFit(AdvisorError):
    """A starter kind asked for where the recommendation does not call for it (a manifest for a VM, say)."""

    exit_code = EXIT_DOES_NOT_FIT
    http_status = 422

    def __init__(self, kind: StarterKind, profile: WorkloadProfile, verdict: Verdict) -> None:
        self.kind = kind
        super().__init__(
            f"{kind.name}: {profile.name}'s recommendation is {verdict.platform}; this kind is written for "
            f"{kind.offered_for}"
        )


def _profile_only(make: Callable[[WorkloadProfile], Artifact]) -> Callable[[WorkloadProfile, Verdict | None], Artifact]:
    """A generator that needs only the profile, in the registry's shape."""

    def made(profile: WorkloadProfile, verdict: Verdict | None = None) -> Artifact:
        return make(profile)

    made.__doc__ = make.__doc__
    return made


# Where each hypervisor starter fits: the hypervisor the host actually runs (hypervisor() above). A vSphere
# estate runs ESXi; a Windows host anywhere else runs Hyper-V (in Azure nested in the VM).
def _hyperv_host(profile: WorkloadProfile, verdict: Verdict) -> bool:
    windows_outside_vsphere = profile.host.os == "windows" and profile.host.cloud != "vmware"
    return windows_outside_vsphere and profile.host.kind in ("general-purpose", "hyper-v-server")


def _vsphere_estate(profile: WorkloadProfile, verdict: Verdict) -> bool:
    return hypervisor(profile) == "esxi"


def _system_container(profile: WorkloadProfile, verdict: Verdict) -> bool:
    # The rules decide where LXC fits (tools-on-linux-host suggests it); its guest shares the host's Linux kernel.
    return "LXC" in verdict.technologies and "linux" in profile.workload.os


KINDS: dict[str, StarterKind] = {
    kind.name: kind
    for kind in (
        StarterKind(
            name="dockerfile",
            label="Dockerfile",
            summary="A starter Dockerfile for the workload's runtime and OS, with a .dockerignore in the bundle.",
            make=_profile_only(make_dockerfile),
            platforms=frozenset({"container", "hybrid"}),
            media_type="text/plain",
            file_name="Dockerfile",
            readme=dockerfile_readme,
            bundle_text="a Dockerfile and .dockerignore",
            companions=(make_dockerignore,),
        ),
        StarterKind(
            name="libvirt",
            label="Domain XML",
            summary="A libvirt domain XML for a Linux KVM host, sized and equipped from osinfo's facts.",
            make=_profile_only(make_domain_xml),
            platforms=frozenset({"vm", "hybrid"}),
            media_type="application/xml",
            file_name="{name}.xml",
            readme=domain_readme,
            bundle_text="a libvirt VM definition (domain XML) and the command that makes its disk",
            stderr_lines=disk_lines,
            # A Mac has no KVM, but QEMU-based UTM is close to it; the notes say what to use there.
            hosts=frozenset({"kvm", "macos"}),
        ),
        StarterKind(
            name="xen",
            label="Xen domain XML",
            summary="A libvirt domain XML of type xen (HVM) for a Xen Project host, sized from osinfo's facts.",
            make=_profile_only(make_xen_file),
            platforms=frozenset({"vm", "hybrid"}),
            media_type="application/xml",
            file_name="{name}-xen.xml",
            readme=xen_readme,
            bundle_text="a Xen domain XML and the command that makes its disk, for Xen hosts",
            stderr_lines=xen_disk_lines,
            hosts=frozenset({"xen"}),
        ),
        StarterKind(
            name="hyperv",
            label="Hyper-V script",
            summary="A PowerShell script that creates a generation 2 Hyper-V VM, for a Windows host outside vSphere.",
            make=_profile_only(make_hyperv_script),
            platforms=frozenset({"vm", "hybrid"}),
            media_type="text/plain",
            file_name="{name}.ps1",
            readme=hyperv_readme,
            bundle_text="a PowerShell script that creates the Hyper-V VM (Windows hosts)",
            offered_for="a VM or hybrid verdict on a Windows host outside vSphere",
            fits=_hyperv_host,
            hosts=frozenset({"hyper-v"}),
        ),
        StarterKind(
            name="ovf",
            label="OVF descriptor",
            summary="An OVF 1.1 descriptor that deploys the VM on VMware vSphere/ESXi, for a vSphere estate.",
            make=_profile_only(make_ovf),
            platforms=frozenset({"vm", "hybrid"}),
            media_type="application/xml",
            file_name="{name}.ovf",
            readme=ovf_readme,
            bundle_text="an OVF descriptor that deploys the VM on vSphere (vSphere estates)",
            offered_for="a VM or hybrid verdict in a vSphere estate (host.cloud vmware, or an ESXi host)",
            fits=_vsphere_estate,
            hosts=frozenset({"esxi"}),
        ),
        StarterKind(
            name="lxc",
            label="LXC config",
            summary="An LXC configuration for an unprivileged system container, where the rules suggest LXC.",
            make=_profile_only(make_lxc_config),
            platforms=frozenset({"container"}),  # the rules suggest LXC for containers, not for a hybrid
            media_type="text/plain",
            file_name="{name}.conf",
            readme=lxc_readme,
            bundle_text="an LXC system container configuration (Linux hosts, where the rules suggest LXC)",
            offered_for="a container verdict for a Linux workload whose result suggests LXC",
            fits=_system_container,
        ),
        StarterKind(
            name="kubernetes",
            label="Kubernetes manifests",
            summary="Kubernetes manifests for the container: its controller (a CronJob for a batch job with a "
            "schedule), Service, autoscaler and disruption budget as its profile calls for, Pod Security 'restricted'.",
            make=make_kubernetes,
            platforms=frozenset({"container", "hybrid"}),
            media_type="application/yaml",
            file_name="{name}.kubernetes.yaml",
            readme=kubernetes_readme,
            bundle_text="Kubernetes manifests",
            offered_for="a container or hybrid verdict",
            fits=_any_profile,
        ),
        StarterKind(
            name="kubevirt",
            label="KubeVirt VM",
            summary="A KubeVirt VirtualMachine for a VM that runs beside containers on Kubernetes, sized like the "
            "domain XML.",
            make=make_kubevirt,
            platforms=frozenset({"vm", "hybrid"}),
            media_type="application/yaml",
            file_name="{name}.kubevirt.yaml",
            readme=kubevirt_readme,
            bundle_text="a KubeVirt VirtualMachine where the VM joins a Kubernetes estate",
            offered_for="a VM beside containers (a Kubernetes estate), or a hybrid whose result suggests KubeVirt",
            fits=_in_kubernetes_estate,
        ),
        StarterKind(
            name="compose",
            label="Compose file",
            summary="A compose.yaml with a service per container (ports, health check, limits) for one host.",
            make=make_compose,
            platforms=frozenset({"container"}),
            media_type="application/yaml",
            file_name="compose.yaml",
            readme=compose_readme,
            bundle_text="a compose.yaml when every part is a container",
            offered_for="a profile whose every part is a container",
            fits=_all_containers,
            whole_profile=True,
        ),
    )
}
BUNDLE = "bundle"  # the zip of every kind the recommendation calls for: a door of its own beside the kinds


def kind_named(name: str) -> StarterKind:
    """The starter kind called `name`; KeyError names the kinds there are."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"no starter kind {name!r}; choose one of {', '.join(KINDS)}") from None


def make_starter(kind: StarterKind, part: WorkloadProfile, verdict: Verdict | None) -> Artifact:
    """The kind's file for one part; refused with KindDoesNotFit where the verdict does not call for it."""
    if kind.needs_verdict and (verdict is None or not kind.offered(part, verdict)):
        raise KindDoesNotFit(kind, part, verdict or Verdict("none"))
    return kind.make(part, verdict)


def kinds_table() -> str:
    """The README's table of starter kinds, written from the registry (a test checks the README holds it)."""
    rows = [
        "| Kind | File (per part) | Media type | In the bundle for | Single file for | What it is |",
        "|---|---|---|---|---|---|",
    ]
    for kind in KINDS.values():
        name = kind.file_name.replace("{name}", "NAME")
        platforms = ", ".join(sorted(kind.platforms))
        if kind.hosts is not None:
            platforms += f" on {' and '.join(HYPERVISOR_NAMES[host] for host in sorted(kind.hosts))} hosts"
        row = f"| `{kind.name}` | `{name}` | `{kind.media_type}` | {platforms} | {kind.offered_for} | {kind.summary} |"
        rows.append(row)
    return "\n".join(rows) + "\n"


def starter_paths(profile: WorkloadProfile, recommendation: Recommendation) -> dict[str, list[str]]:
    """The starter files each part of the estate gets, by part name, named as the bundle names them: in a
    folder per component (storefront/Dockerfile), and only the kinds that fit the part's verdict and host."""
    parts = [(c.name, profile.component_profile(c), f"{c.name}/") for c in profile.components]
    paths: dict[str, list[str]] = {}
    for name, part, folder in parts or [(profile.name, profile, "")]:
        verdict = verdict_of(profile, recommendation, name if profile.components else None)
        paths[name] = [
            f"{folder}{file_name}"
            for kind in KINDS.values()
            if kind.offered(part, verdict)
            for file_name in [
                kind.file_name.format(name=part.name),
                *(companion(part).filename for companion in kind.companions),
            ]
        ]
    return paths


def with_starters(profile: WorkloadProfile, recommendation: Recommendation) -> Recommendation:
    """The recommendation with its plan's starter files filled in (the engine names no files)."""
    if recommendation.plan is None:
        return recommendation
    paths = starter_paths(profile, recommendation)
    parts = [part.model_copy(update={"starters": paths.get(part.name, [])}) for part in recommendation.plan.parts]
    return recommendation.model_copy(update={"plan": recommendation.plan.model_copy(update={"parts": parts})})
