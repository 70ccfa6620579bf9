"""The workload profile and the recommendation: the contract every interface shares.

Field names and values here are public: the CLI, the API, the form and decision records all use them.
Every model is closed (unknown keys are errors) so a typo never passes silently.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import annotated_types
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from advisor.cron import MAX_LENGTH as SCHEDULE_LENGTH
from advisor.cron import schedule_problem
from advisor.guests import guest_os_problem, guest_oses
from advisor.numbers import whole, whole_all
from advisor.validation import OS_ID, URL_PATH

DNS_LABEL = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
CRONJOB_NAME = 52  # the longest name Kubernetes gives a CronJob

HostOS = Literal["linux", "windows", "macos"]
Cloud = Literal["none", "aws", "azure", "gcp", "vmware"]
OSFamily = Literal["linux", "windows", "bsd", "macos", "other"]
# custom is the old single word for any kernel need; rules read it as `own`, its closest meaning, and say so.
Kernel = Literal["shared", "tuned", "own", "modules", "custom"]
HostKind = Literal["general-purpose", "esxi", "hyper-v-server", "proxmox-ve", "xcp-ng"]
WindowsEdition = Literal["client", "server"]
CPUArch = Literal["amd64", "arm64"]
WorkloadArch = Literal["multi", "amd64", "arm64"]
Connectivity = Literal["connected", "air-gapped"]
State = Literal["stateless", "local", "replicated"]
GPUSharing = Literal["whole", "partitioned", "time-sliced"]
Uncertified = Literal["forbid", "warn"]
Architecture = Literal["monolith", "microservices", "batch", "desktop"]
Runtime = Literal["python", "node", "go", "java", "dotnet", "static", "other"]
Isolation = Literal["standard", "high", "strict"]
Tenancy = Literal["single", "multi-trusted", "multi-untrusted"]
Elasticity = Literal["steady", "bursty", "scale-to-zero"]
Exposure = Literal["cluster", "internal", "internet"]
Platform = Literal["vm", "container", "hybrid"]
VendorSupport = Literal["any", "vm", "container"]
Confidence = Literal["high", "medium", "low"]

PLATFORMS: tuple[Platform, ...] = ("vm", "container", "hybrid")

CONFIDENCE_DEFINITION = (
    "How far the answer can be trusted, from the margin: the chosen platform's score minus the best score of a "
    "platform no rule forbids. high: 6 points or more, or every other platform forbidden by a blocker. medium: 3 "
    "to 5. low: less than 3 (a tie goes to the simpler estate). A rule that forbids is a hard constraint no "
    "margin outweighs. Fields left at their default that a matched rule relied on are listed in assumptions: "
    "the confidence holds only if those defaults are true."
)


# JSON's 1e1 or YAML's 10.0 count as 10; strict validation still refuses 10.5, "10" and true.
Whole = Annotated[int, BeforeValidator(whole)]
Name = Annotated[str, StringConstraints(pattern=DNS_LABEL)]
Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}$")]
# The bounds come before the validator so that the JSON Schema shows them as minimum and maximum.
Port = Annotated[int, annotated_types.Interval(ge=1, le=65535), BeforeValidator(whole)]
HostCores = Annotated[int, annotated_types.Interval(ge=1, le=4096), BeforeValidator(whole)]
# Windows builds: 10240 (Windows 10 1507) up; 17763 is Server 2019, 20348 Server 2022, 26100 Server 2025.
WindowsBuild = Annotated[int, annotated_types.Interval(ge=10240, le=99999), BeforeValidator(whole)]
GPUCount = Annotated[int, annotated_types.Interval(ge=1, le=64), BeforeValidator(whole)]
# These reach generated files (Dockerfile, domain XML), so each is held to a grammar that cannot carry a
# newline, a quote that ends an instruction, or markup.
Package = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.-]{0,62}(=[A-Za-z0-9.+~:-]{1,64})?$")]
CommandArg = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
UrlPath = Annotated[str, StringConstraints(pattern=URL_PATH)]


def _cron(schedule: str) -> str:
    """A schedule Kubernetes accepts, its fields between single spaces; else the reason it is not one."""
    problem = schedule_problem(schedule)
    if problem:
        raise ValueError(problem)
    return " ".join(schedule.split())


# Checked by a grammar (advisor/cron.py) that lets only digits, names and * ? , - / @ and spaces through: it
# reaches the CronJob's schedule and a comment in compose.yaml.
Schedule = Annotated[str, StringConstraints(max_length=SCHEDULE_LENGTH), AfterValidator(_cron)]


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


def _pair(first: str, first_values: dict[str, Any], second: str, second_values: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema that holds when both fields are given with these values (to be negated with `not`)."""
    return {"required": [first, second], "properties": {first: first_values, second: second_values}}


class Host(Closed):
    """The machine it will run on. Containers share its kernel (on a Mac, or for Linux containers on Windows,
    the kernel of a small Linux VM); VMs each bring their own."""

    # The schema says what the validator below says, so a client validating against it is not surprised.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {"not": _pair("os", {"const": "macos"}, "cloud", {"enum": ["azure", "gcp"]})},
                {"not": _pair("os", {"enum": ["linux", "macos"]}, "windows_edition", {"enum": ["client", "server"]})},
                {"not": _pair("os", {"enum": ["linux", "macos"]}, "windows_build", {"type": "integer"})},
                {"not": _pair("kind", {"const": "hyper-v-server"}, "os", {"enum": ["linux", "macos"]})},
                {"not": _pair("kind", {"enum": ["proxmox-ve", "xcp-ng"]}, "os", {"enum": ["windows", "macos"]})},
                {"not": _pair("kind", {"const": "esxi"}, "os", {"const": "macos"})},
            ]
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
    kind: HostKind = Field(
        "general-purpose",
        title="Kind of host",
        description="general-purpose: an OS you run workloads on. esxi, hyper-v-server, proxmox-ve, xcp-ng: a "
        "bare-metal hypervisor, where containers run inside VMs (Proxmox VE also runs LXC system "
        "containers). For ESXi and XCP-ng, os is the OS of the VMs that would hold the containers.",
    )
    windows_edition: WindowsEdition | None = Field(
        None,
        title="Windows edition",
        description="Windows hosts: client (Windows 10 or 11) or server (Windows Server). Docker Desktop is for "
        "client editions only; Windows Server runs containers with containerd or Docker Engine. Unset: not said.",
    )
    windows_build: WindowsBuild | None = Field(
        None,
        title="Windows build of the host",
        description="Windows hosts: the OS build, such as 17763 (Server 2019), 20348 (Server 2022) or 26100 (Server "
        "2025). A process-isolated Windows container needs an image of the host's build. Unset: not said.",
    )
    cpu_arch: CPUArch = Field(
        "amd64",
        title="Host CPU architecture",
        description="CPU architecture of the host: amd64 (x86-64) or arm64 (Apple silicon, AWS Graviton, Ampere). "
        "Containers run images built for it; other images need emulation.",
    )
    connectivity: Connectivity = Field(
        "connected",
        title="Network access",
        description="connected: images and updates come from the internet. air-gapped: no outside network, so "
        "images, packages and updates come from mirrors inside.",
    )

    @model_validator(mode="after")
    def _cloud_offers_the_os(self) -> Host:
        # Of these clouds only AWS (EC2 Mac) and vSphere on Apple hardware rent macOS hosts.
        if self.os == "macos" and self.cloud in ("azure", "gcp"):
            raise ValueError(f"cloud: {self.cloud} offers no macOS hosts; use none, aws or vmware")
        if self.os != "windows" and self.windows_edition is not None:
            raise ValueError("windows_edition: only a Windows host has one; leave it out or set os: windows")
        if self.os != "windows" and self.windows_build is not None:
            raise ValueError("windows_build: only a Windows host has one; leave it out or set os: windows")
        needs = {"hyper-v-server": "windows", "proxmox-ve": "linux", "xcp-ng": "linux"}
        if self.kind in needs and self.os != needs[self.kind]:
            raise ValueError(f"kind: {self.kind} is a {needs[self.kind]} host; set os: {needs[self.kind]}")
        if self.kind == "esxi" and self.os == "macos":
            raise ValueError("kind: esxi runs no macOS container host; set os to the OS of the VMs that hold them")
        return self


def _guest_os_schema(schema: dict[str, Any]) -> None:
    """The ids os_id may name, in JSON Schema, as the validator checks them; that the id's family is one
    workload.os lists is a rule across fields that the schema does not say. And, as the validator says it,
    a schedule only for a batch job that is not a node agent (architecture must then be given: its default
    is monolith), and a load balancer only for a service with ports.

    Made when a schema is asked for, as the guest OS facts are data of the generators' package, which
    imports this module.
    """
    schema["properties"]["os_id"]["enum"] = [*sorted(guest_oses()), None]
    schema["allOf"] = [
        {
            "if": {"required": ["schedule"], "properties": {"schedule": {"type": "string"}}},
            "then": {
                "required": ["architecture"],
                "properties": {"architecture": {"const": "batch"}, "node_agent": {"const": False}},
            },
        },
        {
            "if": {"required": ["exposure"], "properties": {"exposure": {"enum": ["internal", "internet"]}}},
            "then": {
                "properties": {
                    "architecture": {"not": {"const": "batch"}},
                    "node_agent": {"const": False},
                    "ports": {"minItems": 1},
                }
            },
        },
    ]


class Workload(Closed):
    """What the software itself needs."""

    model_config = ConfigDict(json_schema_extra=_guest_os_schema)

    os: list[OSFamily] = Field(
        default_factory=lambda: list[OSFamily](["linux"]),
        min_length=1,
        title="Operating systems it needs",
        description="Tick every one it needs. Each VM brings its own OS and kernel, so VMs run different systems "
        "side by side; containers use the host's kernel, so BSD, macOS and other systems need a VM (macOS only on "
        "Apple hardware).",
    )
    os_id: Annotated[str, StringConstraints(pattern=OS_ID)] | None = Field(
        None,
        title="Guest OS for the starter VM",
        description=f"Only for the domain XML: one of {KNOWN_GUEST_OSES}, of a family ticked above. Leave empty "
        "for a common release. It does not change the advice.",
    )
    kernel: Kernel = Field(
        "shared",
        title="Kernel",
        description="shared: any recent kernel will do. tuned: the host's kernel with features or tuning the "
        "operator controls (PREEMPT_RT, eBPF, sysctls, isolated CPUs). own: a different kernel or distribution "
        "kernel than the host's. modules: loads its own kernel modules. custom: the old word, read as own.",
    )
    architecture: Architecture = Field(
        "monolith",
        title="Architecture",
        description="Microservices (many small services, each shipped on its own) and batch jobs (start, work, "
        "exit) fit containers. A desktop application wants a whole desktop OS, which a VM gives. A monolith "
        "can go either way.",
    )
    schedule: Schedule | None = Field(
        None,
        title="Schedule (batch jobs)",
        description="When a batch job runs, as a cron schedule in UTC, like 0 2 * * * (02:00 every day) or @daily. "
        "Five fields: minute hour day-of-the-month month day-of-the-week, like 30 6 * * mon-fri, or a macro such "
        "as @hourly (in a YAML file, in quotes). The Kubernetes starter becomes a CronJob. Empty: it runs once. It "
        "does not change the advice.",
        json_schema_extra={"examples": ["0 2 * * *", "@daily"]},
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
    exposure: Exposure = Field(
        "cluster",
        title="Who reaches its ports",
        description="cluster: only other workloads in the cluster. internal: clients on your private network, "
        "through an internal load balancer. internet: anyone, through a public one. On EKS, AKS and GKE the "
        "Kubernetes starter's Service gets the load balancer that cloud documents. It does not change the advice.",
    )
    cpu_arch: WorkloadArch = Field(
        "multi",
        title="CPU architecture of its software",
        description="CPU architecture its images or software are built for: multi (multi-platform images, or "
        "code that runs anywhere), amd64 or arm64. An image for another architecture than the host's runs only "
        "under emulation.",
    )
    windows_build: WindowsBuild | None = Field(
        None,
        title="Windows build of its container images",
        description="Windows containers: the OS build of its base image, such as 17763 (ltsc2019) or 20348 "
        "(ltsc2022). Under process isolation it must match the host's build. Unset: not said.",
    )
    state: State = Field(
        "stateless",
        title="Data it keeps",
        description="stateless: keeps no data of its own. local: keeps data on its own disk or volume. "
        "replicated: keeps its own data replicated across instances (a database cluster), so its replicas "
        "belong on different hosts.",
    )
    node_agent: bool = Field(
        False,
        title="Runs on every host as an agent",
        description="Runs one copy on every host and needs host access (host PID or network, privileges): "
        "monitoring, eBPF, log shipping or CNI agents.",
    )
    vendor_supports: VendorSupport = Field(
        "any",
        title="Platforms its vendor supports",
        description="Platforms the software's vendor supports or certifies: any (no statement, or both), vm (VMs "
        "only) or container (containers only).",
    )
    uncertified: Uncertified = Field(
        "forbid",
        title="A platform its vendor does not support is",
        description="What a platform the vendor does not support gets: forbid (ruled out) or warn (points "
        "against it and a warning).",
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

    @model_validator(mode="after")
    def _schedule_and_exposure_fit_its_shape(self) -> Workload:
        # A service or an agent runs all the time, and a job without ports has nothing to reach: a schedule or a
        # load balancer there is a misunderstanding, said, not ignored.
        if self.schedule is not None and self.node_agent:
            raise ValueError(
                "schedule: a node agent runs all the time on every host; only a batch job runs on a schedule, "
                "so leave schedule out or set node_agent: false"
            )
        if self.exposure != "cluster" and (self.architecture == "batch" or self.node_agent or not self.ports):
            why = (
                "a batch job listens on no port"
                if self.architecture == "batch"
                else "a node agent gets no Service"
                if self.node_agent
                else "it lists no ports"
            )
            raise ValueError(f"exposure: {why}, so nothing is there to reach; leave exposure out or set it to cluster")
        if self.schedule is not None and self.architecture != "batch":
            raise ValueError(
                f"schedule: only a batch job (architecture: batch) runs on a schedule, and this one is "
                f"{self.architecture}, which runs all the time; set architecture: batch or leave schedule out"
            )
        return self

    @field_validator("os_id")
    @classmethod
    def _guest_os_fits(cls, os_id: str | None, info: ValidationInfo) -> str | None:
        # Checked here, once, so every door (recommend, emit, the API, the form) agrees on a profile.
        families = info.data.get("os")
        if os_id is not None and families is not None:
            problem = guest_os_problem(os_id, families)
            if problem:
                raise ValueError(problem)
        return os_id


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

    # The schema says what the validators below say: a GPU count with gpu: false is refused.
    model_config = ConfigDict(json_schema_extra={"not": _pair("gpu", {"const": False}, "gpus", {"type": "integer"})})

    gpu: bool = Field(
        False,
        title="Needs a GPU",
        description="Containers use the host's GPU driver (on Linux, and Windows containers on Windows); a VM "
        "needs a whole GPU passed through to it. On a Mac, neither containers nor VMs reach the GPU.",
    )
    gpus: GPUCount | None = Field(
        None,
        title="GPUs per instance",
        description="How many GPUs one instance needs; setting it means gpu: true. Unset: one, if gpu.",
    )
    gpu_sharing: GPUSharing = Field(
        "whole",
        title="How GPUs are shared",
        description="whole: each instance gets whole GPUs (passthrough or device plugin). partitioned: a slice with "
        "its own memory (NVIDIA vGPU for VMs, MIG for containers). time-sliced: GPUs shared in turns, with no "
        "memory isolation.",
    )

    @model_validator(mode="before")
    @classmethod
    def _a_count_means_a_gpu(cls, data: Any) -> Any:
        # `gpus: 2` alone is enough to say a GPU is needed; `gpu: true` alone keeps working as it always did.
        if isinstance(data, dict) and data.get("gpus") is not None and "gpu" not in data:
            return {**data, "gpu": True}
        return data

    @model_validator(mode="after")
    def _count_and_need_agree(self) -> Hardware:
        if self.gpus is not None and not self.gpu:
            raise ValueError("gpus: a GPU count needs gpu: true (or leave gpu out)")
        return self

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
    host: Host | None = Field(
        None,
        description="The host or node pool this component runs on when it is not the profile's (a Windows node "
        "pool beside Linux nodes), given whole.",
    )
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

    @model_validator(mode="after")
    def _a_scheduled_job_has_a_cronjob_name(self) -> WorkloadProfile:
        # A scheduled batch job becomes a CronJob of its name, and Kubernetes holds a CronJob's name to 52
        # characters: it adds 11 to name each run's Job, whose name may have 63
        # (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/).
        parts: list[tuple[str, Workload | None, str]] = [(self.name, self.workload, "name")]
        parts += [(c.name, c.workload, f"components[{n}].name") for n, c in enumerate(self.components)]
        for name, workload, where in parts:
            if workload is not None and workload.schedule is not None and len(name) > CRONJOB_NAME:
                raise ValueError(
                    f"{where}: a scheduled batch job is a Kubernetes CronJob of this name, which may have at most "
                    f"{CRONJOB_NAME} characters; this one has {len(name)}"
                )
        return self

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
            components=[],
            **inherited,
            **given,
        )


# The sections a component may give for itself; the host first, as in the profile.
COMPONENT_SECTIONS = ("host", "workload", "security", "scale", "resources", "hardware", "delivery")


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


class Against(Out):
    """One matched rule that counts against the chosen platform: points it took away, or gave the runner-up."""

    rule: str
    title: str
    because: str
    effect: Effect
    favours: Platform | None = Field(
        description="The platform this rule scored above the chosen one (the runner-up), or none when it only "
        "took points from the chosen platform."
    )


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
    confidence: Confidence = Field(
        description=CONFIDENCE_DEFINITION,
    )
    scores: dict[Platform, int]
    rationale: list[Reason]
    against: list[Against] = Field(
        default_factory=list,
        description="The doubts: matched rules that count against the chosen platform (points taken from it, or "
        "more points for the runner-up), strongest first, shown beside the rationale.",
    )
    alternatives: list[Alternative]
    technologies: list[Technology]
    notes: list[Note]
    capacity: Capacity | None
    assumptions: list[Assumption]
    flips: list[Flip]
    considered: list[Considered] | None = Field(
        default=None, description="Every rule and why it did or did not match; only when asked to explain."
    )


class PlanPart(Out):
    """One part of the estate (a component, or the whole workload when it has none): where it runs, on what, the
    starter files that fit its platform, and what it takes of the host."""

    name: str
    platform: Platform
    run_on: list[str] = Field(description="Technologies to run it on: the matched rules' suggestions for its platform.")
    starters: list[str] = Field(
        description="Starter files that fit its platform and host, named per part (storefront/Dockerfile)."
    )
    instances: int
    need: Need = Field(description="On the host: VMs with their guest OS and whole vCPUs, containers as used.")
    share: Number | None = Field(
        description="Its share of one host, the larger of CPU and memory (0.25 is a quarter); null if the host's "
        "size is unknown."
    )


class Plan(Out):
    """The estate plan: every part, their combined need against the host, and how many such hosts it takes."""

    parts: list[PlanPart]
    need: Need
    host: HostSize | None
    fits: bool | None = Field(description="Whether the whole estate fits on the one host; null if its size is unknown.")
    hosts_needed: int | None = Field(description="How many hosts of this size the estate takes; null if unknown.")


class Recommendation(Out):
    """The answer: platform, confidence and every reason, in one canonical shape."""

    name: str
    platform: Platform
    confidence: Confidence = Field(
        description=CONFIDENCE_DEFINITION,
    )
    confidence_set_by: str | None = Field(
        None,
        description="For a profile with components: the component whose confidence the whole answer takes (the "
        "least confident one).",
    )
    scores: dict[Platform, int]
    rationale: list[Reason]
    against: list[Against] = Field(
        default_factory=list,
        description="The doubts: matched rules that count against the chosen platform (points taken from it, or "
        "more points for the runner-up), strongest first, shown beside the rationale.",
    )
    alternatives: list[Alternative]
    technologies: list[Technology]
    notes: list[Note]
    capacity: Capacity | None
    components: list[ComponentResult]
    assumptions: list[Assumption]
    flips: list[Flip]
    ruleset: RulesetInfo
    plan: Plan | None = Field(
        default=None, description="The estate plan: each part's platform, technology, starter files and share."
    )
    considered: list[Considered] | None = Field(
        default=None, description="Every rule and why it did or did not match; only when asked to explain."
    )
