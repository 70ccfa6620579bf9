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
from advisor.models import COMPONENT_SECTIONS, WorkloadProfile
from advisor.profiles import validate_profile

SECTIONS = ("host", *COMPONENT_SECTIONS)
MAX_COMPONENTS = WorkloadProfile.model_fields["components"].metadata[0].max_length
# A value longer than this cannot be valid in any field (the longest, a command, is 32 arguments of 256).
MAX_VALUE_CHARS = 9000

# Section titles and what each is for; the model's sections, in its order.
SECTION_HELP: dict[str, tuple[str, str]] = {
    "host": (
        "Host",
        "The machine it will run on. Containers share this machine's kernel; VMs each bring their own.",
    ),
    "workload": ("Workload", "What the software itself needs."),
    "security": ("Security", "How strongly it must be kept apart from other workloads."),
    "scale": ("Scale", "How many copies run, how demand moves, and how fast a new copy must be ready."),
    "resources": ("Resources", "What one instance needs."),
    "hardware": ("Hardware", "Special hardware it must reach."),
    "delivery": ("Delivery", "How often new versions ship."),
}

# Label and help for each field, in plain words: what it means and why it matters to the answer.
FIELD_HELP: dict[str, tuple[str, str]] = {
    "name": ("Name", "A short name for the workload: lowercase letters, digits and '-', like billing-api."),
    "host.os": (
        "Host operating system",
        "Containers share the host's kernel: a Linux host runs Linux containers, Windows containers need a "
        "Windows host, and on macOS Docker Desktop runs Linux containers inside a Linux VM.",
    ),
    "host.wsl2": (
        "WSL2 is available",
        "Windows hosts only. WSL2 gives Windows a real Linux kernel, so the host can run Linux containers "
        "as well as Windows ones.",
    ),
    "host.cpus": (
        "Host CPU cores",
        "With the host's size, the result estimates how many instances fit as VMs and as containers. "
        "Leave empty if unknown.",
    ),
    "host.memory_gib": ("Host memory (GiB)", "Used with the cores for the capacity estimate. Leave empty if unknown."),
    "host.cloud": (
        "Where the host lives",
        "On premises (none), a public cloud, or a VMware vSphere estate. Clouds offer managed containers; "
        "vSphere estates are built around VMs.",
    ),
    "workload.os": (
        "Operating systems it needs",
        "A VM brings its own OS and kernel, so VMs can run different systems side by side; containers run "
        "only what the host's kernel runs.",
    ),
    "workload.os_id": (
        "Guest OS (osinfo id)",
        "For the starter VM: an osinfo short-id such as ubuntu24.04, debian12, rhel9.4 or win2k22 "
        "(osinfo-query os lists them). Leave empty for a usual one.",
    ),
    "workload.kernel": (
        "Kernel",
        "Containers share the host's kernel. Custom means it needs its own kernel version, modules or "
        "settings, which takes a VM or a sandbox with its own kernel.",
    ),
    "workload.architecture": (
        "Architecture",
        "Microservices and batch jobs fit containers: small, many and shipped often. A desktop application "
        "wants a whole OS. A monolith can go either way.",
    ),
    "workload.gui": (
        "Needs a graphical desktop",
        "GUI applications want a full desktop OS, which a VM gives; containers are made for headless services.",
    ),
    "workload.legacy": (
        "Legacy software",
        "Software that is hard to change or repackage moves to a VM as it is, with its own OS around it.",
    ),
    "workload.runtime": ("Language runtime", "Chooses the base image and the build steps of the starter Dockerfile."),
    "workload.ports": (
        "Ports",
        "Ports it listens on, separated by commas: the Dockerfile exposes them and checks the first.",
    ),
    "workload.packages": (
        "System packages",
        "Debian packages the container image needs, separated by spaces or commas; pin one with name=version.",
    ),
    "workload.command": (
        "Start command",
        "The command that starts it, as typed in a shell (quotes keep words together). Leave empty for the "
        "runtime's usual one.",
    ),
    "workload.health_path": (
        "Health check path",
        "An HTTP path that answers when it is healthy, like /healthz; the Dockerfile's HEALTHCHECK asks it.",
    ),
    "workload.virtio_drivers": (
        "Virtio drivers installed",
        "Windows guests only: with virtio drivers the VM uses the faster virtio disk and network devices.",
    ),
    "security.isolation": (
        "Isolation",
        "Containers are isolated processes on one shared kernel; a VM has its own kernel behind a hypervisor, "
        "a stronger wall. Strict rules out plain containers.",
    ),
    "security.tenancy": (
        "Tenancy",
        "Who shares the platform. Strangers (multi-untrusted) must not share a kernel; trusted teams can "
        "share a container platform.",
    ),
    "security.compliance": (
        "Compliance",
        "Regimes that apply, like pci-dss or hipaa, separated by commas. Finance and other regulated "
        "workloads lean to the stronger isolation of VMs.",
    ),
    "scale.instances": (
        "Instances",
        "How many copies run at once. Containers pack densely; many of them need an orchestrator such as Kubernetes.",
    ),
    "scale.elasticity": (
        "Demand",
        "Bursty or scale-to-zero demand suits containers, which start and stop in seconds; steady demand "
        "suits a fixed VM allocation too.",
    ),
    "scale.startup_seconds": (
        "Slowest acceptable start (seconds)",
        "How fast a new instance must be ready. A container starts in seconds; a VM boots a whole OS first.",
    ),
    "resources.cpus": (
        "CPU cores per instance",
        "VMs hold a fixed allocation each, plus their guest OS; containers take only what the application uses.",
    ),
    "resources.memory_gib": ("Memory per instance (GiB)", "Each VM also carries its own guest OS in memory."),
    "resources.disk_gib": ("Disk per instance (GiB)", "Sizes the starter VM's disk image."),
    "hardware.gpu": (
        "Needs a GPU",
        "A GPU can be shared with containers on a Linux host, or passed whole to one VM.",
    ),
    "hardware.devices": (
        "Other devices",
        "Hardware passed through, like usb-dongle, fpga or hba, separated by commas; passthrough is simplest to a VM.",
    ),
    "delivery.deploys_per_week": (
        "Deployments per week",
        "Frequent delivery suits containers: an image is built once and rolls out in seconds.",
    ),
}

COMPONENTS_HELP = (
    "When several workloads share the host, such as a web shop and a legacy back office, describe each. "
    "Fill in only what differs from the profile above; an empty field means the same as above. Components "
    "that want different platforms make a hybrid."
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
        # A permalink spells out an empty list or a null it was given; on the form an empty field means "not given".
        given_as_empty = exact and value is None and (field_.kind in ("numbers", "words") or field_.default is None)
        if given_as_empty and field_.kind in ("numbers", "words"):
            value = []
        if (value is None and not given_as_empty) or (value == field_.default and not keep_defaults):
            continue
        if value == [] and prefix and not exact:
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
        entry |= {s: given if exact else data.get(s, {}) | given for s, given in own.items() if s != "host"}
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


def fill_in_sections(state: FormState) -> None:
    """Show, on each component, the fields of a section it gives where "same as above" would be wrong.

    A component's section replaces the profile's whole, so a field it leaves out has the model's default,
    not the profile's value. A permalink made by the form never has such a field (the form fills them in),
    but one made from a profile file can; the form then shows the component's real value, so submitting
    it again gives the same profile.
    """
    profile = state.profile
    if profile is None:
        return
    for index, component in enumerate(profile.components):
        values = state.components[index]
        for section in COMPONENT_SECTIONS:
            own, above = getattr(component, section), getattr(profile, section)
            if own is None:
                continue
            for field_ in FIELDS:
                if field_.section == section and not values.get(field_.key):
                    value = getattr(own, field_.name)
                    if value != getattr(above, field_.name):
                        values[field_.key] = field_.shown(value)


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
