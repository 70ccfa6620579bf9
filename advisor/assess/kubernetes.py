"""Kubernetes manifests: one estate per file, one component per workload.

Workloads are the kinds that run pods (https://kubernetes.io/docs/concepts/workloads/): Deployment,
StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod; a `List` is read item by item; other kinds
(Service, ConfigMap...) are listed as skipped. From each pod template: the containers' images, ports and
resource requests (limits where no request is given), GPUs from the device plugins' extended resources
(`nvidia.com/gpu`, `amd.com/gpu`), `nodeSelector` `kubernetes.io/os` (Windows nodes) and `kubernetes.io/arch`,
`privileged`, `hostNetwork`, `hostPID`, hostPath volumes and persistent volume claims.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.assess.facts import Inventory, Observed, Skipped, Where
from advisor.assess.limits import refuse
from advisor.assess.quantities import kubernetes_quantity
from advisor.assess.yamldocs import documents, dotted
from advisor.errors import FieldError, InvalidInput
from advisor.yamlio import Lines

# kind -> path from the object to its pod spec
POD_SPEC = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915", "gpu.intel.com/xe")


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


class _Reader:
    def __init__(self, file: str, lines: Lines) -> None:
        self.file, self.lines = file, lines

    def where(self, document: int, base: tuple[Any, ...], *steps: Any) -> Where:
        path = (*base, *steps)
        return Where(self.file, document=document, path=dotted(*path), line=self.lines.at(document, path))

    def error(self, document: int, base: tuple[Any, ...], steps: tuple[Any, ...], message: str) -> InvalidInput:
        path = (*base, *steps)
        loc = f"document {document + 1}: {dotted(*path)}"
        return InvalidInput([FieldError(loc, message, file=self.file, line=self.lines.at(document, path))])

    def workload(self, obj: dict[str, Any], document: int, base: tuple[Any, ...], workloads: int) -> Observed:
        kind, name = obj["kind"], _get(obj, ("metadata", "name"))
        spec_path = POD_SPEC[kind]
        pod = _get(obj, spec_path)
        if not isinstance(name, str) or not name:
            raise self.error(document, base, ("metadata", "name"), "a workload needs a name")
        if not isinstance(pod, dict):
            raise self.error(document, base, spec_path, f"a {kind} needs a pod spec here")
        item = Observed(kind="component", name=name, where=self.where(document, base), source="kubernetes")
        at = (*base, *spec_path)
        item.add("workload_kind", kind, self.where(document, base, "kind"))
        item.add("siblings", workloads, Where(self.file))
        if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
            item.add("replicas", _get(obj, ("spec", "replicas")) or 1, self.where(document, base, "spec", "replicas"))
        elif kind == "Job":
            item.add(
                "replicas", _get(obj, ("spec", "parallelism")) or 1, self.where(document, base, "spec", "parallelism")
            )
        elif kind in ("CronJob", "Pod"):
            item.add("replicas", 1, self.where(document, base, "kind"))
        selector = pod.get("nodeSelector") or {}
        item.add("os_selector", selector.get("kubernetes.io/os"), self.where(document, at, "nodeSelector"))
        if "os_selector" not in item.facts:  # or required node affinity: kubernetes.io/os In [one OS]
            wanted = _required_os(pod)
            item.add("os_selector", wanted, self.where(document, at, "affinity", "nodeAffinity"))
        item.add("cpu_arch", selector.get("kubernetes.io/arch"), self.where(document, at, "nodeSelector"))
        item.add("host_network", pod.get("hostNetwork") is True or None, self.where(document, at, "hostNetwork"))
        item.add("host_pid", pod.get("hostPID") is True or None, self.where(document, at, "hostPID"))
        volumes = pod.get("volumes") or []
        host_paths = [str(_get(v, ("hostPath", "path"))) for v in volumes if isinstance(v, dict) and v.get("hostPath")]
        item.add("host_paths", host_paths, self.where(document, at, "volumes"))
        claims = [str(v.get("name")) for v in volumes if isinstance(v, dict) and v.get("persistentVolumeClaim")]
        claims += [str(_get(t, ("metadata", "name"))) for t in _get(obj, ("spec", "volumeClaimTemplates")) or []]
        item.add("volumes", claims, self.where(document, base, "spec"))
        self.containers(item, pod, document, at)
        return item

    def containers(self, item: Observed, pod: dict[str, Any], document: int, at: tuple[Any, ...]) -> None:
        containers = pod.get("containers")
        if not isinstance(containers, list) or not containers:
            raise self.error(document, at, ("containers",), "a pod spec needs at least one container")
        images, ports, privileged = [], set(), False
        cpus = memory = gpus = 0.0
        sized = False
        for index, container in enumerate(containers):
            if not isinstance(container, dict):
                raise self.error(document, at, ("containers", index), "a container is a mapping")
            if isinstance(container.get("image"), str):
                images.append(container["image"])
            for p_index, port in enumerate(container.get("ports") or []):
                number = port.get("containerPort") if isinstance(port, dict) else None
                if not isinstance(number, int) or isinstance(number, bool):
                    steps = ("containers", index, "ports", p_index, "containerPort")
                    raise self.error(document, at, steps, f"expected a port number, got {number!r}")
                ports.add(number)
            privileged |= _get(container, ("securityContext", "privileged")) is True
            resources = container.get("resources") or {}
            requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
            try:
                for key in ("cpu", "memory"):
                    value = requests.get(key, limits.get(key))
                    if value is not None:
                        sized = True
                        amount = kubernetes_quantity(value)
                        if key == "cpu":
                            cpus += amount
                        else:
                            memory += amount
                for resource in GPU_RESOURCES:
                    if resource in limits:
                        gpus += kubernetes_quantity(limits[resource])
            except ValueError as exc:
                raise self.error(document, at, ("containers", index, "resources"), str(exc)) from None
        item.add("image", images[0] if images else None, self.where(document, at, "containers", 0, "image"))
        item.add("ports", sorted(ports), self.where(document, at, "containers"))
        item.add("privileged", privileged or None, self.where(document, at, "containers"))
        if sized:
            item.add("cpus", cpus or None, self.where(document, at, "containers"))
            item.add("memory_mib", memory / 2**20 or None, self.where(document, at, "containers"))
        item.add("gpu_count", int(gpus) or None, self.where(document, at, "containers"))


def _required_os(pod: dict[str, Any]) -> str | None:
    """The one OS a pod's required node affinity allows (`kubernetes.io/os` In [windows]), else None."""
    path = ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    allowed: set[str] = set()
    terms = _get(pod, path)
    for term in terms if isinstance(terms, list) else []:
        expressions = term.get("matchExpressions") if isinstance(term, dict) else None
        for expression in expressions if isinstance(expressions, list) else []:
            if not isinstance(expression, dict) or expression.get("key") != "kubernetes.io/os":
                continue
            if expression.get("operator") == "In" and isinstance(expression.get("values"), list):
                allowed.update(str(v) for v in expression["values"])
    return next(iter(allowed)) if len(allowed) == 1 else None


def _objects(found: list[Any]) -> list[tuple[int, tuple[Any, ...], Any]]:
    """(document, path, object) for each object, a List's items one by one."""
    objects: list[tuple[int, tuple[Any, ...], Any]] = []
    for document, data in enumerate(found):
        if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
            objects += [(document, ("items", index), item) for index, item in enumerate(data["items"])]
        elif data is not None:
            objects.append((document, (), data))
    return objects


def read_manifests(path: Path, shown: str, limit: int) -> Inventory:
    """Kubernetes manifests (several documents, or a List): one estate, a component per workload."""
    found, lines = documents(path, shown)
    reader = _Reader(shown, lines)
    objects = _objects(found)
    if not objects:
        raise refuse(shown, "holds no Kubernetes objects")
    workloads = sum(isinstance(o, dict) and o.get("kind") in POD_SPEC for _, _, o in objects)
    namespaces = {_get(o, ("metadata", "namespace")) for _, _, o in objects if isinstance(o, dict)} - {None}
    name = next(iter(namespaces)) if len(namespaces) == 1 else Path(shown).stem
    estate = Observed(kind="estate", name=str(name), where=Where(shown), source="kubernetes")
    inventory = Inventory(file=shown, kind="kubernetes", items=[estate])
    for document, base, obj in objects:
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str) or not obj.get("apiVersion"):
            raise reader.error(document, base, (), "is not a Kubernetes object: it needs apiVersion and kind")
        if obj["kind"] in POD_SPEC:
            estate.components.append(reader.workload(obj, document, base, workloads))
        else:
            label = f"{obj['kind']}/{_get(obj, ('metadata', 'name'))}"
            inventory.skipped.append(Skipped(label, reader.where(document, base), f"a {obj['kind']}, not a workload"))
    if not estate.components:
        inventory.items = []
    return inventory
