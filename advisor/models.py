"""The workload profile and the recommendation: the contract every interface shares.

Field names and values here are public: the CLI, the API, the form and decision records all use them.
Every model is closed (unknown keys are errors) so a typo never passes silently.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from advisor.numbers import whole, whole_all

DNS_LABEL = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"

HostOS = Literal["linux", "windows", "macos"]
Cloud = Literal["none", "aws", "azure", "gcp", "vmware"]
OSFamily = Literal["linux", "windows", "bsd", "other"]
Kernel = Literal["shared", "custom"]
Architecture = Literal["monolith", "microservices", "batch", "desktop"]
Runtime = Literal["python", "node", "go", "java", "dotnet", "static", "other"]
Isolation = Literal["standard", "high", "strict"]
Tenancy = Literal["single", "multi-trusted", "multi-untrusted"]
Elasticity = Literal["steady", "bursty", "scale-to-zero"]
Platform = Literal["vm", "container", "hybrid"]
Confidence = Literal["high", "medium", "low"]

PLATFORMS: tuple[Platform, ...] = ("vm", "container", "hybrid")


# JSON's 1e1 or YAML's 10.0 count as 10; strict validation still refuses 10.5, "10" and true.
Whole = Annotated[int, BeforeValidator(whole)]
Name = Annotated[str, StringConstraints(pattern=DNS_LABEL)]
Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}$")]
# The bounds come before the validator so that the JSON Schema shows them as minimum and maximum.
Port = Annotated[int, annotated_types.Interval(ge=1, le=65535), BeforeValidator(whole)]
HostCores = Annotated[int, annotated_types.Interval(ge=1, le=4096), BeforeValidator(whole)]
# These reach generated files (Dockerfile, domain XML), so each is held to a grammar that cannot carry a
# newline, a quote that ends an instruction, or markup.
Package = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.-]{0,62}(=[A-Za-z0-9.+~:-]{1,64})?$")]
CommandArg = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
UrlPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$")]


class Closed(BaseModel):
    """Base for every closed input model (profiles, rule files, decision records): unknown keys are rejected,
    and nothing is coerced.

    Strict: "yes" is not true and "12" is not 12 (YAML already types what it can); NaN and infinity are
    not sizes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False)


# Each field's title and description are its label and help on the form, and its title and description in
# the JSON Schema and openapi.yaml: one text, in plain words, for what it means and why it matters to the
# answer (from the source article's reasoning and the shipped rules' reasons). A section's docstring is its
# help on the form.

# The form replaces these words with the guest OSes the libvirt generator knows (models cannot ask it).
KNOWN_GUEST_OSES = "the guest OSes the starter generator knows"


class Host(Closed):
    """The machine it will run on. Containers share its kernel (on a Mac, or for Linux containers on Windows,
    the kernel of a small Linux VM); VMs each bring their own."""

    # The schema says what the validator below says, so a client validating against it is not surprised.
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["os", "cloud"],
                "properties": {"os": {"const": "macos"}, "cloud": {"enum": ["azure", "gcp"]}},
            }
        }
    )

    os: HostOS = Field(
        title="Host operating system",
        description="Containers share the host's kernel: a Linux host runs Linux containers, Windows containers "
        "need a Windows host, and on macOS Docker Desktop runs Linux containers inside a Linux VM.",
    )
    wsl2: bool = Field(
        False,
        title="WSL2 is available",
        description="Windows hosts only. WSL2 runs a real Linux kernel in a small VM that Windows manages, so Linux "
        "containers run beside Windows ones; without it, a Linux workload on Windows needs a VM.",
    )
    cpus: HostCores | None = Field(
        None,
        title="Host CPU cores",
        description="With the host's memory, lets the result estimate how many instances fit as VMs and as "
        "containers. Leave empty if unknown.",
    )
    memory_gib: float | None = Field(
        None,
        ge=0.5,
        le=65536,
        title="Host memory (GiB)",
        description="Used with the cores for the capacity estimate. Leave empty if unknown.",
    )
    cloud: Cloud = Field(
        "none",
        title="Where the host lives",
        description="none: your own machines. aws, azure, gcp: a public cloud, where the host is itself a VM and "
        "managed containers are ready to use. vmware: vSphere or VMware Cloud, built around VMs.",
    )

    @model_validator(mode="after")
    def _cloud_offers_the_os(self) -> Host:
        # Of these clouds only AWS (EC2 Mac) and vSphere on Apple hardware rent macOS hosts.
        if self.os == "macos" and self.cloud in ("azure", "gcp"):
            raise ValueError(f"cloud: {self.cloud} offers no macOS hosts; use none, aws or vmware")
        return self


class Workload(Closed):
    """What the software itself needs."""

    os: list[OSFamily] = Field(
        default_factory=lambda: list[OSFamily](["linux"]),
        min_length=1,
        title="Operating systems it needs",
        description="Tick every one it needs. Each VM brings its own OS and kernel, so VMs run different systems "
        "side by side; containers use the host's kernel, so BSD and other systems need a VM.",
    )
    os_id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9.\-]{0,39}$")] | None = Field(
        None,
        title="Guest OS for the starter VM",
        description=f"Only for the domain XML: one of {KNOWN_GUEST_OSES}, of a family ticked above. Leave empty "
        "for a common release. It does not change the advice.",
    )
    kernel: Kernel = Field(
        "shared",
        title="Kernel",
        description="Shared: the host's kernel will do. Custom: it needs its own kernel version, modules or "
        "tuning, which only a VM or a sandboxed container with its own kernel (such as Kata Containers) gives.",
    )
    architecture: Architecture = Field(
        "monolith",
        title="Architecture",
        description="Microservices (many small services, each shipped on its own) and batch jobs (start, work, "
        "exit) fit containers. A desktop application wants a whole desktop OS, which a VM gives. A monolith "
        "can go either way.",
    )
    gui: bool = Field(
        False,
        title="Needs a graphical desktop",
        description="Container tools are built for command-line and server programs, so graphical apps are hard "
        "to run in them; a VM gives a full desktop.",
    )
    legacy: bool = Field(
        False,
        title="Legacy software",
        description="Software that is hard to change or repackage moves to a VM as it is, with its own OS around it.",
    )
    runtime: Runtime = Field(
        "python",
        title="Language runtime",
        description="Chooses the base image and the build steps of the starter Dockerfile. It does not change "
        "the advice.",
    )
    ports: list[Port] = Field(
        default_factory=lambda: [8000],
        max_length=64,
        title="Ports",
        description="Ports it listens on, like 8000, 8443, or none. The starter Dockerfile exposes them all and "
        "its health check calls the first.",
    )
    packages: list[Package] = Field(
        default_factory=list,
        max_length=64,
        title="System packages",
        description="Debian packages the Linux container image needs, like curl or libpq5, separated by spaces "
        "or commas; pin one with name=version. Windows images cannot install them.",
        json_schema_extra={"examples": [["curl"], ["libpq5", "tzdata"]]},
    )
    command: list[CommandArg] | None = Field(
        None,
        min_length=1,
        max_length=32,
        title="Start command",
        description="The command that starts it, typed as in a shell (quotes keep words together), though no "
        "shell runs it: no pipes, && or $VARIABLES. Leave empty for the runtime's usual one.",
        json_schema_extra={"examples": [["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]]},
    )
    health_path: UrlPath | None = Field(
        None,
        title="Health check path",
        description="An HTTP path that answers when it is healthy, like /healthz; the starter Dockerfile's "
        "health check calls it on the first port. Empty: / is checked.",
        json_schema_extra={"examples": ["/healthz"]},
    )
    virtio_drivers: bool = Field(
        False,
        title="Virtio drivers installed",
        description="Windows guests only: tick if the guest has the virtio drivers (KVM's fast disk and network "
        "drivers), so the starter VM can use them instead of slower emulated devices.",
    )


class Security(Closed):
    """How strongly it must be kept apart from other workloads."""

    isolation: Isolation = Field(
        "standard",
        title="Isolation",
        description="Containers share one kernel and need extra hardening; a VM has its own kernel behind a "
        "hypervisor, a stronger wall. High favours VMs; strict allows only VMs or sandboxed containers.",
    )
    tenancy: Tenancy = Field(
        "single",
        title="Tenancy",
        description="single: one team. multi-trusted: teams of one organisation, who can share a container "
        "platform. multi-untrusted: strangers, who must not share a kernel, which is why clouds give each "
        "customer VMs.",
    )
    compliance: list[Tag] = Field(
        default_factory=list,
        max_length=32,
        title="Compliance",
        description="Regimes that apply, like pci-dss or hipaa, separated by commas. Any entry leans the answer "
        "toward VMs, whose OS-level wall auditors know well; no common regime forbids containers.",
        json_schema_extra={"examples": [["pci-dss"], ["hipaa"]]},
    )


class Scale(Closed):
    """How many copies run, how demand changes, and how fast a new copy must be ready."""

    instances: Whole = Field(
        3,
        ge=1,
        le=1_000_000,
        title="Instances",
        description="How many copies run at once. Containers pack densely, tens to hundreds on one host; once "
        "they are many, plan for an orchestrator such as Kubernetes.",
    )
    elasticity: Elasticity = Field(
        "steady",
        title="Demand",
        description="steady: about the same load all the time. bursty: sudden peaks. scale-to-zero: nothing "
        "runs when idle. Containers are added and removed in seconds; VMs take minutes.",
    )
    startup_seconds: float = Field(
        60,
        gt=0,
        le=86400,
        title="Slowest acceptable start (seconds)",
        description="The longest a new instance may take to be ready. A container starts in seconds; a VM must "
        "boot a whole OS first.",
    )


class Resources(Closed):
    """What one instance needs."""

    cpus: float = Field(
        1,
        ge=0.001,
        le=1024,
        title="CPU cores per instance",
        description="Cores one instance uses; fractions such as 0.5 are fine. A VM holds whole vCPUs whether it "
        "uses them or not; containers use CPU only when they need it.",
    )
    memory_gib: float = Field(
        1,
        ge=0.001,
        le=16384,
        title="Memory per instance (GiB)",
        description="Memory one instance needs. Each VM also holds its own guest OS in memory (about 0.5 GiB for "
        "Linux, 2 GiB for Windows), which weighs most on small instances.",
    )
    disk_gib: float = Field(
        10,
        ge=0.001,
        le=1_000_000,
        title="Disk per instance (GiB)",
        description="Disk one instance needs. It sizes the starter VM's disk image and does not change the advice.",
    )


class Hardware(Closed):
    """Special hardware it must reach."""

    gpu: bool = Field(
        False,
        title="Needs a GPU",
        description="Containers use the host's GPU driver (on Linux, and Windows containers on Windows); a VM "
        "needs a whole GPU passed through to it. On a Mac, neither containers nor VMs reach the GPU.",
    )
    devices: list[Tag] = Field(
        default_factory=list,
        max_length=32,
        title="Other devices",
        description="Other hardware it must own, like usb-dongle, fpga or hba (a storage adapter), separated by "
        "commas. A VM can be handed the whole device; a container can only use devices the host already "
        "drives.",
        json_schema_extra={"examples": [["usb-dongle"]]},
    )


class Delivery(Closed):
    """How often new versions ship."""

    deploys_per_week: float = Field(
        1,
        ge=0,
        le=100_000,
        title="Deployments per week",
        description="How often a new version ships; 0.25 is about monthly. Frequent delivery suits containers: "
        "each release is one image that rolls out, and back, in seconds.",
    )


class Component(Closed):
    """One workload of several sharing the host; sections it leaves out are inherited whole."""

    name: Name = Field(description="Component name, DNS-label style.")
    workload: Workload | None = None
    security: Security | None = None
    scale: Scale | None = None
    resources: Resources | None = None
    hardware: Hardware | None = None
    delivery: Delivery | None = None


class WorkloadProfile(Closed):
    """A workload and the host it will run on: the input to every recommendation."""

    name: Name = Field(
        title="Name",
        description="A short name for the workload, like billing-api: up to 63 lowercase letters, digits and "
        "'-', starting and ending with a letter or digit.",
    )
    host: Host
    workload: Workload = Field(default_factory=Workload)
    security: Security = Field(default_factory=Security)
    scale: Scale = Field(default_factory=Scale)
    resources: Resources = Field(default_factory=Resources)
    hardware: Hardware = Field(default_factory=Hardware)
    delivery: Delivery = Field(default_factory=Delivery)
    components: list[Component] = Field(default_factory=list, max_length=64)

    @field_validator("components")
    @classmethod
    def _component_names_are_unique(cls, components: list[Component]) -> list[Component]:
        seen: set[str] = set()
        for component in components:
            if component.name in seen:
                raise ValueError(f"the name '{component.name}' is used twice")
            seen.add(component.name)
        return components

    def given(self) -> dict[str, Any]:
        """Only the fields this profile sets, as JSON data with whole numbers as ints (16, not 16.0).

        What a profile file or request holds, so whoever reads it back sees the same defaults and assumptions.
        """
        return whole_all(self.model_dump(mode="json", exclude_unset=True, by_alias=True))

    def component_profile(self, component: Component) -> WorkloadProfile:
        """Return the effective profile of one component: its own sections, the rest inherited."""
        own = {section: getattr(component, section) for section in COMPONENT_SECTIONS}
        inherited = {s: getattr(self, s) for s in COMPONENT_SECTIONS if own[s] is None}
        given = {s: v for s, v in own.items() if v is not None}
        return WorkloadProfile.model_construct(
            _fields_set={"name", "host", *self.model_fields_set & inherited.keys(), *given},
            name=component.name,
            host=self.host,
            components=[],
            **inherited,
            **given,
        )


COMPONENT_SECTIONS = ("workload", "security", "scale", "resources", "hardware", "delivery")


# --- The recommendation: one JSON shape for the CLI and the API, keys in this order. ---


class Out(BaseModel):
    """Base for result parts: closed, and serialised in declaration order."""

    model_config = ConfigDict(extra="forbid")


class Effect(Out):
    """What one rule did: points per platform (only those it changed) and platforms it forbade."""

    score: dict[Platform, int] = Field(default_factory=dict)
    forbid: list[Platform] = Field(default_factory=list)


class Reason(Out):
    """One matched rule that supports the recommendation."""

    rule: str
    title: str
    because: str
    effect: Effect
    links: list[str]


class WhyNot(Out):
    """One rule that counted against a platform that was not chosen."""

    rule: str
    because: str


class Alternative(Out):
    """A platform not chosen, its score, whether a rule forbade it, and why not."""

    platform: Platform
    score: int
    forbidden: bool
    why_not: list[WhyNot]


class Technology(Out):
    """A technology to build the recommended platform with, and the reason of the rule that suggested it."""

    name: str
    role: str
    because: str
    rule: str


class Note(Out):
    """Something to know, from a matched rule."""

    rule: str
    note: str


Number = int | float


class Need(Out):
    """CPU and memory needed on the host for all instances."""

    cpus: Number
    memory_gib: Number


class VMCapacity(Out):
    """VMs hold a fixed allocation each, and each carries its own guest OS."""

    vcpus_each: int | None
    memory_gib_each: Number | None
    guest_os_overhead_gib: Number
    fits: int | None
    limited_by: Literal["cpu", "memory"] | None
    needed: Need
    enough: bool


class ContainerCapacity(Out):
    """Containers share the host kernel and take only what the application uses."""

    cpus_each: Number | None
    memory_gib_each: Number | None
    fits: int | None
    limited_by: Literal["cpu", "memory"] | None
    needed: Need
    enough: bool


class HostSize(Out):
    """The host's size, as given in the profile."""

    cpus: int
    memory_gib: Number


class Capacity(Out):
    """How many instances fit on the host as VMs and as containers (only when the host's size is known)."""

    host: HostSize
    instances: int
    vm: VMCapacity
    container: ContainerCapacity
    explanation: str


class Assumption(Out):
    """A field left at its default that a matched rule depended on."""

    field: str
    value: object
    rules: list[str]


class Change(Out):
    """A change of one field."""

    field: str
    from_: object = Field(alias="from", serialization_alias="from")
    to: object

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Flip(Out):
    """The smallest change of one field that would make another platform the recommendation, or none."""

    platform: Platform
    change: Change | None


class Considered(Out):
    """One rule of the set, whether its condition held, and the parts of the condition that decided it."""

    rule: str
    matched: bool
    why: str


class RulesetInfo(Out):
    """The rule set a result was computed with."""

    version: str
    digest: str
    rules: int


class ComponentResult(Out):
    """The recommendation for one component of a profile."""

    name: str
    platform: Platform
    confidence: Confidence
    scores: dict[Platform, int]
    rationale: list[Reason]
    alternatives: list[Alternative]
    technologies: list[Technology]
    notes: list[Note]
    capacity: Capacity | None
    assumptions: list[Assumption]
    flips: list[Flip]
    considered: list[Considered] | None = Field(
        default=None, description="Every rule and why it did or did not match; only when asked to explain."
    )


class Recommendation(Out):
    """The answer: platform, confidence and every reason, in one canonical shape."""

    name: str
    platform: Platform
    confidence: Confidence
    scores: dict[Platform, int]
    rationale: list[Reason]
    alternatives: list[Alternative]
    technologies: list[Technology]
    notes: list[Note]
    capacity: Capacity | None
    components: list[ComponentResult]
    assumptions: list[Assumption]
    flips: list[Flip]
    ruleset: RulesetInfo
    considered: list[Considered] | None = Field(
        default=None, description="Every rule and why it did or did not match; only when asked to explain."
    )
