"""Compose files: one estate, one component per service.

Read as the Compose Specification defines them (https://github.com/compose-spec/compose-spec/blob/main/spec.md):
`services.<name>.image`, `platform`, `ports` (short "8080:80/tcp" or long {target: 80}), `expose`,
`deploy.replicas` (and the older `scale`), `deploy.resources.limits.cpus` and `.memory`,
`deploy.resources.reservations.devices` with `capabilities: [gpu]` (and `gpus:`), `volumes`, `privileged`,
`network_mode: host`, `pid: host`, `devices` and `cap_add`. The project is named by the top-level `name`,
else by the folder the file is in, as `docker compose` names it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from advisor.assess.facts import Inventory, Observed, Where
from advisor.assess.limits import refuse
from advisor.assess.quantities import compose_bytes, compose_cpus
from advisor.assess.yamldocs import documents, dotted
from advisor.errors import FieldError, InvalidInput
from advisor.yamlio import Lines

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_PORT = re.compile(
    r"^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:(?P<host>[0-9-]+):)?(?P<container>[0-9]+)(?:-[0-9]+)?(?:/\w+)?$"
)


def _port(entry: Any) -> int | None:
    """The container port of a ports entry ("8080:80", "127.0.0.1:53:53/udp", 80, {target: 80}).

    None for one that names a variable (`${WEB_PORT:-8080}:80` gives 80; `${PORT}` alone is unknown).
    """
    if isinstance(entry, dict):
        entry = entry.get("target")
    if isinstance(entry, bool):
        raise ValueError(f"expected a port, got {entry}")
    if isinstance(entry, int):
        return entry
    if isinstance(entry, str) and "$" in entry:
        last = entry.rsplit(":", 1)[-1].split("/")[0]
        return int(last) if last.isdigit() else None
    match = _PORT.match(str(entry).strip()) if entry is not None else None
    if not match:
        raise ValueError(f'expected a port such as 80 or "8080:80", got {str(entry)[:40]!r}')
    return int(match["container"])


def _gpu_count(service: dict[str, Any]) -> Any:
    """GPUs a service reserves: deploy.resources.reservations.devices with the gpu capability, or gpus."""
    devices = (((service.get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or []
    count: Any = None
    for device in devices if isinstance(devices, list) else []:
        if isinstance(device, dict) and "gpu" in (device.get("capabilities") or []):
            wanted = device.get("count", "all")
            ids = device.get("device_ids")
            wanted = len(ids) if isinstance(ids, list) else wanted
            count = wanted if count is None or wanted == "all" else (count if count == "all" else count + wanted)
    if service.get("gpus") is not None:
        count = service["gpus"]
    return count


def _service(name: str, service: Any, file: str, lines: Lines, siblings: int) -> Observed:
    base = ("services", name)

    def where(*steps: Any) -> Where:
        return Where(file, path=dotted(*base, *steps), line=lines.at(0, (*base, *steps)))

    if not isinstance(service, dict):
        raise InvalidInput([FieldError(dotted(*base), "a service is a mapping", file=file, line=lines.at(0, base))])
    component = Observed(kind="component", name=name, where=where(), source="compose")
    component.add("image", service.get("image") if isinstance(service.get("image"), str) else None, where("image"))
    if service.get("build") is not None and "image" not in service:
        component.add("build", True, where("build"))
    component.add("platform", service.get("platform"), where("platform"))
    component.add("siblings", siblings, Where(file, path="services"))
    ports = []
    for key in ("ports", "expose"):
        for index, entry in enumerate(service.get(key) or []):
            try:
                ports.append(_port(entry))
            except ValueError as exc:
                raise InvalidInput(
                    [FieldError(dotted(*base, key, index), str(exc), file=file, line=lines.at(0, (*base, key, index)))]
                ) from None
    component.add("ports", sorted({port for port in ports if port is not None}), where("ports"))
    deploy = service.get("deploy") or {}
    replicas = deploy.get("replicas", service.get("scale"))
    component.add("replicas", replicas, where("deploy", "replicas") if "replicas" in deploy else where("scale"))
    if replicas is None:  # the Compose Specification: one container unless deploy.replicas says more
        component.add("default_replicas", 1, where())
    limits = (deploy.get("resources") or {}).get("limits") or {}
    try:
        if limits.get("cpus") is not None:
            component.add("cpus", compose_cpus(limits["cpus"]), where("deploy", "resources", "limits", "cpus"))
        if limits.get("memory") is not None:
            mib = compose_bytes(limits["memory"]) / 2**20
            component.add("memory_mib", mib, where("deploy", "resources", "limits", "memory"))
    except ValueError as exc:
        raise InvalidInput(
            [
                FieldError(
                    dotted(*base, "deploy", "resources", "limits"),
                    str(exc),
                    file=file,
                    line=lines.at(0, (*base, "deploy")),
                )
            ]
        ) from None
    component.add("gpu_count", _gpu_count(service), where("deploy", "resources", "reservations", "devices"))
    component.add(
        "volumes",
        [
            str(v if not isinstance(v, dict) else v.get("source") or v.get("target"))
            for v in service.get("volumes") or []
        ],
        where("volumes"),
    )
    component.add("privileged", service.get("privileged") is True or None, where("privileged"))
    component.add("host_network", service.get("network_mode") == "host" or None, where("network_mode"))
    component.add("host_pid", service.get("pid") == "host" or None, where("pid"))
    devices = [str(d).split(":")[0] for d in service.get("devices") or [] if not isinstance(d, dict)]
    component.add("devices", devices, where("devices"))
    component.add("capabilities", [str(c) for c in service.get("cap_add") or []], where("cap_add"))
    return component


def read_compose(path: Path, shown: str, limit: int) -> Inventory:
    """A Compose file: one estate named like its project, a component per service."""
    found, lines = documents(path, shown)
    data = found[0] if found else None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict) or not data["services"]:
        raise refuse(shown, "is not a Compose file: it has no `services` mapping with at least one service")
    name = data.get("name") if isinstance(data.get("name"), str) else None
    folder = Path(shown).resolve().parent.name if Path(shown).name in COMPOSE_NAMES else Path(shown).stem
    estate = Observed(kind="estate", name=name or folder or "compose", where=Where(shown), source="compose")
    estate.add("project", name or folder, Where(shown, path="name") if name else Where(shown, path="the file's folder"))
    services = data["services"]
    for service_name, service in services.items():
        estate.components.append(_service(str(service_name), service, shown, lines, len(services)))
    return Inventory(file=shown, kind="compose", items=[estate])
