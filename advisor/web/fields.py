"""The form's fields: the profile's contract as HTML inputs, and the way back from what was typed.

Every field of the profile model is one input, grouped by the model's sections; its kind, choices, bounds and
default come from the model (through the catalogue rules are checked against), and its label and help text
from the table below (a test checks the table names every field, so a new field cannot be left off the form).

Names of inputs are the profile's dotted paths (`host.os`, `components.0.workload.runtime`), so a permalink
reads like the profile it holds.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticUndefined
from werkzeug.datastructures import MultiDict

from advisor.engine.fields import FIELDS as PROFILE_FIELDS
from advisor.engine.fields import FieldSpec
from advisor.errors import InvalidInput
from advisor.generators.libvirt import guest_oses
from advisor.models import COMPONENT_SECTIONS, WorkloadProfile
from advisor.profiles import validate_profile

SECTIONS = COMPONENT_SECTIONS
MAX_COMPONENTS = WorkloadProfile.model_fields["components"].metadata[0].max_length
# A value longer than this cannot be valid in any field (the longest, a command, is 32 arguments of 256).
MAX_VALUE_CHARS = 9000

# Section titles and what each is for; the model's sections, in its order.
SECTION_HELP: dict[str, tuple[str, str]] = {
    "host": (
        "Host",
        "The machine it will run on. Containers share its kernel (on a Mac, or for Linux containers on "
        "Windows, the kernel of a small Linux VM); VMs each bring their own.",
    ),
    "workload": ("Workload", "What the software itself needs."),
    "security": ("Security", "How strongly it must be kept apart from other workloads."),
    "scale": ("Scale", "How many copies run, how demand changes, and how fast a new copy must be ready."),
    "resources": ("Resources", "What one instance needs."),
    "hardware": ("Hardware", "Special hardware it must reach."),
    "delivery": ("Delivery", "How often new versions ship."),
}

def _described(path: str) -> str:
    """The help the model gives a field (`Field(description=...)`), so the form says what the schema says."""
    section, name = path.split(".")
    section_model = WorkloadProfile.model_fields[section].annotation
    return section_model.model_fields[name].description or ""


# Label and help for each field, in plain words: what it means and why it matters to the answer, from the
# source article's reasoning and the shipped rules' reasons.
FIELD_HELP: dict[str, tuple[str, str]] = {
    "name": (
        "Name",
        "A short name for the workload, like billing-api: up to 63 lowercase letters, digits and '-', "
        "starting and ending with a letter or digit.",
    ),
    "host.os": (
        "Host operating system",
        "Containers share the host's kernel: a Linux host runs Linux containers, Windows containers need a "
        "Windows host, and on macOS Docker Desktop runs Linux containers inside a Linux VM.",
    ),
    "host.wsl2": (
        "WSL2 is available",
        "Windows hosts only. WSL2 runs a real Linux kernel in a small VM that Windows manages, so Linux "
        "containers run beside Windows ones; without it, a Linux workload on Windows needs a VM.",
    ),
    "host.cpus": (
        "Host CPU cores",
        "With the host's memory, lets the result estimate how many instances fit as VMs and as containers. "
        "Leave empty if unknown.",
    ),
    "host.memory_gib": ("Host memory (GiB)", "Used with the cores for the capacity estimate. Leave empty if unknown."),
    "host.cloud": (
        "Where the host lives",
        "none: your own machines. aws, azure, gcp: a public cloud, where the host is itself a VM and managed "
        "containers are ready to use. vmware: vSphere or VMware Cloud, built around VMs.",
    ),
    "host.kind": ("Kind of host", _described("host.kind")),
    "host.windows_edition": ("Windows edition", _described("host.windows_edition")),
    "host.windows_build": ("Windows build of the host", _described("host.windows_build")),
    "host.cpu_arch": ("Host CPU architecture", _described("host.cpu_arch")),
    "host.connectivity": ("Network access", _described("host.connectivity")),
    "workload.os": (
        "Operating systems it needs",
        "Tick every one it needs. Each VM brings its own OS and kernel, so VMs run different systems side by "
        "side; containers use the host's kernel, so BSD, macOS and other systems need a VM (macOS only on "
        "Apple hardware).",
    ),
    "workload.os_id": (
        "Guest OS for the starter VM",
        f"Only for the domain XML: one of {', '.join(sorted(guest_oses()))}, of a family ticked above. Leave "
        "empty for a common release. It does not change the advice.",
    ),
    "workload.kernel": ("Kernel", _described("workload.kernel")),
    "workload.architecture": (
        "Architecture",
        "Microservices (many small services, each shipped on its own) and batch jobs (start, work, exit) fit "
        "containers. A desktop application wants a whole desktop OS, which a VM gives. A monolith can go "
        "either way.",
    ),
    "workload.gui": (
        "Needs a graphical desktop",
        "Container tools are built for command-line and server programs, so graphical apps are hard to run in "
        "them; a VM gives a full desktop.",
    ),
    "workload.legacy": (
        "Legacy software",
        "Software that is hard to change or repackage moves to a VM as it is, with its own OS around it.",
    ),
    "workload.runtime": (
        "Language runtime",
        "Chooses the base image and the build steps of the starter Dockerfile. It does not change the advice.",
    ),
    "workload.ports": (
        "Ports",
        "Ports it listens on, like 8000, 8443, or none. The starter Dockerfile exposes them all and its health "
        "check calls the first.",
    ),
    "workload.packages": (
        "System packages",
        "Debian packages the Linux container image needs, like curl or libpq5, separated by spaces or commas; "
        "pin one with name=version. Windows images cannot install them.",
    ),
    "workload.command": (
        "Start command",
        "The command that starts it, typed as in a shell (quotes keep words together), though no shell runs "
        "it: no pipes, && or $VARIABLES. Leave empty for the runtime's usual one.",
    ),
    "workload.health_path": (
        "Health check path",
        "An HTTP path that answers when it is healthy, like /healthz; the starter Dockerfile's health check "
        "calls it on the first port. Empty: / is checked.",
    ),
    "workload.virtio_drivers": (
        "Virtio drivers installed",
        "Windows guests only: tick if the guest has the virtio drivers (KVM's fast disk and network drivers), "
        "so the starter VM can use them instead of slower emulated devices.",
    ),
    "workload.cpu_arch": ("CPU architecture of its software", _described("workload.cpu_arch")),
    "workload.windows_build": ("Windows build of its container images", _described("workload.windows_build")),
    "workload.state": ("Data it keeps", _described("workload.state")),
    "workload.node_agent": ("Runs on every host as an agent", _described("workload.node_agent")),
    "workload.vendor_supports": ("Platforms its vendor supports", _described("workload.vendor_supports")),
    "workload.uncertified": ("An unsupported platform is", _described("workload.uncertified")),
    "security.isolation": (
        "Isolation",
        "Containers share one kernel and need extra hardening; a VM has its own kernel behind a hypervisor, a "
        "stronger wall. High favours VMs; strict allows only VMs or sandboxed containers.",
    ),
    "security.tenancy": (
        "Tenancy",
        "single: one team. multi-trusted: teams of one organisation, who can share a container platform. "
        "multi-untrusted: strangers, who must not share a kernel, which is why clouds give each customer VMs.",
    ),
    "security.compliance": (
        "Compliance",
        "Regimes that apply, like pci-dss or hipaa, separated by commas. Any entry leans the answer toward VMs, "
        "whose OS-level wall auditors know well; no common regime forbids containers.",
    ),
    "scale.instances": (
        "Instances",
        "How many copies run at once. Containers pack densely, tens to hundreds on one host; once they are "
        "many, plan for an orchestrator such as Kubernetes.",
    ),
    "scale.elasticity": (
        "Demand",
        "steady: about the same load all the time. bursty: sudden peaks. scale-to-zero: nothing runs when idle. "
        "Containers are added and removed in seconds; VMs take minutes.",
    ),
    "scale.startup_seconds": (
        "Slowest acceptable start (seconds)",
        "The longest a new instance may take to be ready. A container starts in seconds; a VM must boot a "
        "whole OS first.",
    ),
    "resources.cpus": (
        "CPU cores per instance",
        "Cores one instance uses; fractions such as 0.5 are fine. A VM holds whole vCPUs whether it uses them "
        "or not; containers use CPU only when they need it.",
    ),
    "resources.memory_gib": (
        "Memory per instance (GiB)",
        "Memory one instance needs. Each VM also holds its own guest OS in memory (about 0.5 GiB for Linux, 2 "
        "GiB for Windows), which weighs most on small instances.",
    ),
    "resources.disk_gib": (
        "Disk per instance (GiB)",
        "Disk one instance needs. It sizes the starter VM's disk image and does not change the advice.",
    ),
    "hardware.gpu": (
        "Needs a GPU",
        "Containers use the host's GPU driver (on Linux, and Windows containers on Windows); a VM needs a "
        "whole GPU passed through to it. On a Mac, neither containers nor VMs reach the GPU.",
    ),
    "hardware.gpus": ("GPUs per instance", _described("hardware.gpus")),
    "hardware.gpu_sharing": ("How GPUs are shared", _described("hardware.gpu_sharing")),
    "hardware.devices": (
        "Other devices",
        "Other hardware it must own, like usb-dongle, fpga or hba (a storage adapter), separated by commas. A "
        "VM can be handed the whole device; a container can only use devices the host already drives.",
    ),
    "delivery.deploys_per_week": (
        "Deployments per week",
        "How often a new version ships; 0.25 is about monthly. Frequent delivery suits containers: each "
        "release is one image that rolls out, and back, in seconds.",
    ),
}

COMPONENTS_HELP = (
    "For several workloads on one host, such as a web shop and a legacy back office, add one component per "
    "workload, the first included: the profile above then only gives their defaults. An empty field means "
    "the same as above; type none to make a list or text field empty. Components that want different "
    "platforms make a hybrid."
)


@dataclass(frozen=True)
class FormField:
    """One input: where it sits in the profile, how it is typed, and what it says to the user."""

    key: str  # the dotted path: "host.os"
    section: str  # "" for the profile's name
    name: str
    label: str
    help: str
    kind: str  # choice | choices | flag | whole | number | numbers | words | command | text
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    exclusive_minimum: bool = False

    @property
    def emptiable(self) -> bool:
        """Typing "none" empties it: a list or text, or an optional number or choice ("not said")."""
        return self.kind in EMPTIABLE or (self.default is None and self.kind in ("whole", "number", "choice"))

    @property
    def bounds(self) -> str:
        """The allowed range in words, for the help text: 'From 1 to 4096.'"""
        if self.minimum is None or self.maximum is None:
            return ""
        low, high = _bound_text(self.minimum), _bound_text(self.maximum)
        return f"More than {low}, at most {high}." if self.exclusive_minimum else f"From {low} to {high}."

    def shown(self, value: Any) -> str | list[str]:
        """A profile value as the input shows it (the inverse of `parse`)."""
        if self.kind == "choices":
            return list(value)
        if self.kind == "flag":
            return "yes" if value else "no"
        if self.kind == "command":
            return shlex.join(value) if value else ""
        if self.kind in ("numbers", "words"):
            return ", ".join(_number_text(v) if self.kind == "numbers" else v for v in value)
        if self.kind in ("whole", "number"):
            return "" if value is None else _number_text(value)
        return "" if value is None else str(value)


def _bound_text(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else str(value)


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _kind(spec: FieldSpec) -> str:
    """The input for one field of the profile's catalogue (the one rules are checked against)."""
    if spec.path == "workload.command":
        return "command"  # typed as a shell line, split the way a shell would
    if spec.kind == "enum":
        return "choices" if spec.many else "choice"
    if spec.kind == "bool":
        return "flag"
    if spec.kind == "number":
        return "numbers" if spec.many else "whole" if spec.integer else "number"
    return "words" if spec.many else "text"


def _default(path: str) -> Any:
    section, name = path.split(".")
    default = WorkloadProfile.model_fields[section].annotation.model_fields[name].get_default(call_default_factory=True)
    return None if default is PydanticUndefined else default


def _fields() -> tuple[FormField, ...]:
    made = [FormField("name", "", "name", *FIELD_HELP["name"], kind="text", required=True)]
    for path, spec in PROFILE_FIELDS.items():
        section, name = path.split(".")
        made.append(
            FormField(
                path,
                section,
                name,
                *FIELD_HELP[path],
                kind=_kind(spec),
                choices=tuple(spec.choices) if spec.kind == "enum" else (),
                default=_default(path),
                minimum=spec.minimum,
                maximum=spec.maximum,
                required=path == "host.os",
                exclusive_minimum=spec.exclusive_minimum,
            )
        )
    return tuple(made)


FIELDS = _fields()
BY_KEY = {f.key: f for f in FIELDS}
# Shown when the page first opens: the model's defaults, and a Linux host.
STARTING_VALUES: dict[str, Any] = {f.key: f.shown(f.default) for f in FIELDS if f.default is not None}
STARTING_VALUES |= {"name": "", "host.os": "linux"}

# Fields that hold lists, typed into one input each.
LISTS = frozenset(f.key for f in FIELDS if f.kind in ("choices", "numbers", "words", "command"))
# Typed into a list or text input, "none" means empty here, where an empty input would mean the default
# (or, on a component, "same as above").
EMPTY_WORD = "none"
EMPTIABLE = ("numbers", "words", "command", "text")
NOTHING = object()  # "none" typed into an input whose empty value is null
_COMPONENT_KEY = re.compile(r"^components\.(\d{1,3})\.(.+)$")
_ACTIONS = {"recommend", "add-component"}


@dataclass
class FormState:
    """What the form holds: the text of every input as typed, the errors by input, and the profile if valid."""

    values: dict[str, Any] = field(default_factory=lambda: dict(STARTING_VALUES))
    components: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str = "recommend"
    profile: WorkloadProfile | None = None

    def error(self, key: str, message: str) -> None:
        """Record a problem with one input ("" for the form as a whole)."""
        self.errors.setdefault(key, []).append(message)


def _one(form: MultiDict[str, str], key: str, state: FormState) -> str | None:
    given = form.getlist(key)
    if len(given) > 1:
        state.error(key, "is given more than once")
    return given[0] if given else None


def read_form(form: MultiDict[str, str], *, exact: bool = False) -> FormState:
    """The form's state from submitted fields (a POST body or a permalink's query), profile included if valid.

    A submitted form shows every default filled in, so a value equal to its default counts as left alone
    (and the result names the defaults it rests on). A permalink (`exact`) holds only what its profile set,
    defaults included, so it gives back exactly that profile.
    """
    state = FormState(values={})
    components: dict[int, dict[str, Any]] = {}
    for key in form:
        matched = _COMPONENT_KEY.match(key)
        if key == "action":
            state.action = _one(form, key, state) or "recommend"
        elif key in BY_KEY:
            state.values[key] = form.getlist(key) if BY_KEY[key].kind == "choices" else _one(form, key, state)
        elif matched and (matched.group(2) == "name" or _component_field(matched.group(2))):
            field_ = BY_KEY.get(matched.group(2))
            given = form.getlist(key) if field_ and field_.kind == "choices" else _one(form, key, state)
            components.setdefault(int(matched.group(1)), {})[matched.group(2)] = given
        elif key.split(".")[0] in (*SECTIONS, "components"):
            state.error("", f"'{key[:60]}' is not a field of the form")
        # Anything else (a tracker's utm_source on a shared link) is not the profile's and is left alone.
    state.components = [components[i] for i in sorted(components)]
    if len(state.components) > MAX_COMPONENTS:
        state.error("components", f"a profile has at most {MAX_COMPONENTS} components, got {len(state.components)}")
        del state.components[MAX_COMPONENTS:]
    _apply_action(state)
    if state.action == "recommend" and not state.errors:
        state.profile = _profile(state, exact)
    return state


def _component_field(key: str) -> bool:
    field_ = BY_KEY.get(key)
    return field_ is not None and field_.section in COMPONENT_SECTIONS


def _apply_action(state: FormState) -> None:
    if state.action == "add-component":
        if len(state.components) >= MAX_COMPONENTS:
            state.error("components", f"a profile has at most {MAX_COMPONENTS} components")
        else:
            state.components.append({})
    elif removed := re.fullmatch(r"remove-component-([0-9]{1,3})", state.action):
        index = int(removed.group(1))
        if index < len(state.components):
            del state.components[index]
    elif state.action not in _ACTIONS:
        state.error("", f"'{state.action[:60]}' is not an action of the form")


def parse(field_: FormField, raw: Any) -> Any:
    """The profile value of one input's text; ValueError says what is wrong with it. None: left empty."""
    if field_.kind == "choices":  # the form sends an empty marker, so none ticked is [], not None
        return [v for v in raw if v]
    text = (raw or "").strip()
    if len(text) > MAX_VALUE_CHARS:
        raise ValueError(f"is {len(text)} characters long; no value of this field is longer than {MAX_VALUE_CHARS}")
    if not text:
        return None
    if field_.emptiable and text.lower() == EMPTY_WORD:
        return [] if field_.kind in ("numbers", "words") else NOTHING
    if field_.kind == "flag":
        if text.lower() not in ("yes", "no", "on", "true", "false"):
            raise ValueError(f"should be yes or no, got '{text[:40]}'")
        return text.lower() in ("yes", "on", "true")
    if field_.kind in ("whole", "number"):
        return _number(text, whole=field_.kind == "whole")
    if field_.kind == "numbers":
        return [_number(part, whole=True) for part in re.split(r"[\s,]+", text) if part]
    if field_.kind == "words":
        return [part for part in re.split(r"[\s,]+", text) if part]
    if field_.kind == "command":
        try:
            return shlex.split(text)
        except ValueError as exc:  # an unclosed quote
            raise ValueError(f"cannot be split into arguments: {exc}") from None
    return text


def _number(text: str, *, whole: bool) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"should be {'a whole number' if whole else 'a number'}, got '{text[:40]}'") from None
    if not math.isfinite(value):
        raise ValueError(f"should be a finite number, got '{text[:40]}'")
    if whole and not value.is_integer():
        raise ValueError(f"should be a whole number, got '{text[:40]}'")
    return int(value) if value.is_integer() else value


def _section_values(
    state: FormState, values: dict[str, Any], prefix: str, *, keep_defaults: bool, exact: bool
) -> dict[str, Any]:
    """The profile data the inputs of one profile (or component) hold; bad inputs are recorded as errors.

    An empty input is left out (on a component it means "same as above"), except that in a permalink
    (`exact`) an empty list field is an empty list and an empty optional field is null. On a component a
    value equal to the default is kept, since it may differ from the profile's.
    """
    data: dict[str, Any] = {}
    for field_ in FIELDS:
        if field_.key not in values or not field_.section:
            continue
        try:
            value = parse(field_, values[field_.key])
        except ValueError as exc:
            state.error(prefix + field_.key, str(exc))
            continue
        if value is None and exact and (field_.kind in ("numbers", "words") or field_.default is None):
            value = [] if field_.kind in ("numbers", "words") else NOTHING  # a permalink spells out what it has
        if value is None or (value == [] and prefix and field_.kind == "choices"):
            continue  # left empty: on the profile its default, on a component "same as above"
        value = None if value is NOTHING else value
        if value == field_.default and not keep_defaults:
            continue
        data.setdefault(field_.section, {})[field_.name] = value
    return data


def _profile(state: FormState, exact: bool) -> WorkloadProfile | None:
    data = {"name": _name(state, state.values, "name")}
    data |= _section_values(state, state.values, "", keep_defaults=exact, exact=exact)
    data.setdefault("host", {})
    if "os" not in data["host"]:  # the only required field with no default: "linux" unless chosen
        data["host"]["os"] = "linux"
    components = []
    for index, component in enumerate(state.components):
        own = _section_values(state, component, f"components.{index}.", keep_defaults=True, exact=exact)
        entry: dict[str, Any] = {"name": _name(state, component, f"components.{index}.name")}
        # A section a component gives is taken whole. On the form an empty field means "same as above", so
        # what the user left empty is filled in from above; a permalink holds each section as it was given.
        entry |= {s: given if exact else data.get(s, {}) | given for s, given in own.items()}
        components.append(entry)
    if components:
        data["components"] = components
    # Validated even when some inputs could not be read, so that every problem is shown at once.
    try:
        profile = validate_profile(data)
    except InvalidInput as exc:
        unread = set(state.errors)
        for error in exc.errors:
            key, message = input_of(error.loc, error.msg)
            if key not in unread:
                state.error(key, message)
        return None
    return None if state.errors else profile


def _name(state: FormState, values: dict[str, Any], key: str) -> str:
    name = (values.get("name") or "").strip()
    if not name:
        state.error(key, "is required: a short name such as billing-api")
    return name


def input_of(loc: str, message: str) -> tuple[str, str]:
    """The input a validation error belongs to: `components[1].scale.instances` -> `components.1.scale.instances`.

    An error about a whole section that names its field first (`cloud: azure offers no macOS hosts`) goes to
    that field.
    """
    key = re.sub(r"\[(\d+)\]", r".\1", loc)
    item = re.fullmatch(r"(.+)\.\d+", key)
    if item and re.sub(r"^components\.\d+\.", "", item.group(1)) in LISTS:
        key = item.group(1)  # an error about one item of a list is shown beside the list's input
    named = re.match(r"^([a-z_0-9]+): (.*)$", message, flags=re.DOTALL)
    if named and f"{key.split('.')[-1]}.{named.group(1)}" in BY_KEY:
        return f"{key}.{named.group(1)}", named.group(2)
    return key, message


def spell_out(state: FormState) -> None:
    """Write out each value an empty input would get wrong, so that submitting the form again gives the profile.

    An empty input means the default on the profile and "same as above" on a component. A profile file or a
    permalink can hold what neither says: no ports at all, or a component's section that leaves out a field
    the profile above sets (the section is taken whole, so the field has its default there). Such a value
    is written into its input, as "none" where it is empty.
    """
    profile = state.profile
    if profile is None:
        return
    given = profile.given()
    for field_ in FIELDS:
        if field_.section and field_.name in given.get(field_.section, {}):
            _spell(state.values, field_, getattr(getattr(profile, field_.section), field_.name), field_.default)
    for index, component in enumerate(profile.components):
        for field_ in FIELDS:
            own = getattr(component, field_.section) if field_.section in COMPONENT_SECTIONS else None
            if own is not None:
                above = getattr(getattr(profile, field_.section), field_.name)
                _spell(state.components[index], field_, getattr(own, field_.name), above)


def _spell(values: dict[str, Any], field_: FormField, value: Any, empty_means: Any) -> None:
    typed = values.get(field_.key)
    if (any(typed) if isinstance(typed, list) else typed) or value == empty_means:
        return  # what was typed stands, or leaving the input empty says the same
    shown = field_.shown(value)
    values[field_.key] = EMPTY_WORD if shown in ("", []) and field_.emptiable else shown


def permalink_query(profile: WorkloadProfile) -> list[tuple[str, str]]:
    """The profile as query parameters named like the form's inputs, with only what it sets; read back by
    `read_form(..., exact=True)` into the same profile."""
    given = profile.given()
    pairs = [("name", profile.name)]
    pairs += _pairs("", given)
    for index, component in enumerate(given.get("components", [])):
        pairs += [(f"components.{index}.name", component["name"]), *_pairs(f"components.{index}.", component)]
    return pairs


def _inputs(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(input key, what the input shows) for each field the sections in `data` hold."""
    found = []
    for field_ in FIELDS:
        section = data.get(field_.section) if field_.section else None
        if section is not None and field_.name in section:
            found.append((field_.key, field_.shown(section[field_.name])))
    return found


def _pairs(prefix: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, shown in _inputs(data):
        if isinstance(shown, list):
            pairs += [(prefix + key, value) for value in shown] or [(prefix + key, "")]
        else:
            pairs.append((prefix + key, shown))
    return pairs


def is_form_query(query: MultiDict[str, str]) -> bool:
    """True when a query holds the form's fields (a permalink), not only a tracker's (utm_source)."""
    return any(key == "action" or key.split(".")[0] in ("name", "components", *SECTIONS) for key in query)
