"""Kubernetes manifests for a container (or the container side of a hybrid), chosen from the profile.

The workload's shape picks the controller (a Deployment for a service, a Job for a batch run or a CronJob for a
scheduled one, a DaemonSet for a node agent, a StatefulSet for a workload with its own data); scale picks a
HorizontalPodAutoscaler and a PodDisruptionBudget; the OS picks the nodes; a sandbox verdict picks a
RuntimeClass; a GPU adds its limit. Every pod meets the Pod Security Standards' "restricted" profile unless the
file says why not, and runs the image the generated Dockerfile builds.

The documents are plain data written by PyYAML's safe_dump_all, so no profile text can add a key or a
document: at most it becomes a string value.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from typing import Any

from advisor.generators import Artifact, Verdict, yaml_documents
from advisor.generators.dockerfile import LINUX_UID, RECIPES, is_windows, published_ports
from advisor.models import WorkloadProfile

Manifest = dict[str, Any]

REGISTRY = "registry.example.com"  # CHANGE in the file: where the cluster pulls the image from
IMAGE_TAG = "0.1.0"
HIGH_UID = 10000  # Checkov's CKV_K8S_40: a UID below this may be a host account's
# Windows Server 2022 (ltsc2022, the generated Dockerfile's base images) is build 10.0.20348.
WINDOWS_BUILD = "10.0.20348"
# The sandboxes a hybrid verdict may suggest, as RuntimeClass name and containerd handler:
# gVisor's runsc (https://gvisor.dev/docs/user_guide/containerd/quick_start/) and Kata Containers
# (https://github.com/kata-containers/kata-containers/blob/main/docs/how-to/run-kata-with-k8s.md).
SANDBOXES = {"gVisor": ("gvisor", "runsc"), "GKE Sandbox": ("gvisor", "runsc"), "Kata Containers": ("kata", "kata")}
# Storage classes each managed Kubernetes service ships, for a StatefulSet's volumes: EKS's EBS CSI driver
# (a class the cluster admin creates), AKS's managed-csi and GKE's standard-rwo.
STORAGE_CLASSES = {"aws": "gp3", "azure": "managed-csi", "gcp": "standard-rwo"}
# What each managed Kubernetes service documents for a Service of type LoadBalancer that clients on the private
# network (internal) or anyone (internet) reach, and where it says so:
# - EKS: the AWS Load Balancer Controller makes an NLB for a Service it is told to own (type external), sends
#   traffic straight to the pods (ip targets, which Fargate needs too), and is internal unless the scheme says
#   internet-facing: https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/
# - AKS: public by default; the internal annotation makes it private:
#   https://learn.microsoft.com/en-us/azure/aks/internal-lb
# - GKE: external passthrough by default, with the backend-service-based one as Google's best practice; the
#   load-balancer-type annotation makes it internal:
#   https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters
LOAD_BALANCERS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "aws": {
        exposure: (
            f"an {scheme} NLB made by the AWS Load Balancer Controller (install it in the cluster first): "
            "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/",
            {
                "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": scheme,
            },
        )
        for exposure, scheme in (("internal", "internal"), ("internet", "internet-facing"))
    },
    "azure": {
        "internal": (
            "an internal Azure Load Balancer: https://learn.microsoft.com/en-us/azure/aks/internal-lb",
            {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
        ),
        "internet": (
            "a public Azure Load Balancer, AKS's default: https://learn.microsoft.com/en-us/azure/aks/load-balancer-standard",
            {},
        ),
    },
    "gcp": {
        "internal": (
            "an internal passthrough Network Load Balancer: "
            "https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters",
            {"networking.gke.io/load-balancer-type": "Internal"},
        ),
        "internet": (
            "a backend service-based external passthrough Network Load Balancer: "
            "https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters",
            {"cloud.google.com/l4-rbs": "enabled"},
        ),
    },
}
CLOUD_NAMES = {"aws": "EKS", "azure": "AKS", "gcp": "GKE"}


def _labels(profile: WorkloadProfile) -> dict[str, str]:
    return {"app.kubernetes.io/name": profile.name}


def _meta(profile: WorkloadProfile, **extra: Any) -> dict[str, Any]:
    return {"name": profile.name, "namespace": profile.name, "labels": _labels(profile), **extra}


def _skips(reasons: dict[str, str]) -> dict[str, str]:
    """Checkov's inline skips, as annotations (its way for Kubernetes): check id and why it does not fit."""
    return {f"checkov.io/skip{n}": f"{check}={why}" for n, (check, why) in enumerate(reasons.items(), start=1)}


def workload_shape(profile: WorkloadProfile) -> str:
    """The controller the profile's facts call for. Each fact is one branch here, in order of precedence."""
    if profile.workload.node_agent:  # one copy on every node
        return "daemonset"
    if profile.workload.architecture == "batch":  # run once, or by a CronJob when it has a schedule
        return "job"
    if profile.workload.state != "stateless":  # its own data: a stable identity and a volume per replica
        return "statefulset"
    return "deployment"


def _user(profile: WorkloadProfile) -> str | None:
    """The user the generated Dockerfile's image runs as (None: the image's own, an administrator)."""
    return RECIPES[profile.workload.runtime](profile, is_windows(profile)).user


def _resources(profile: WorkloadProfile) -> dict[str, Any]:
    cpu = f"{max(1, round(profile.resources.cpus * 1000))}m"
    memory = f"{max(1, math.ceil(profile.resources.memory_gib * 1024))}Mi"
    limits: dict[str, Any] = {"cpu": cpu, "memory": memory}
    if profile.hardware.gpu and not is_windows(profile):
        # A GPU is a limit only: Kubernetes sets the request to match.
        limits["nvidia.com/gpu"] = profile.hardware.gpus or 1
    # Requests equal to limits: the Guaranteed class, so the pod is the last to be evicted.
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": limits}


def _inside(profile: WorkloadProfile) -> list[int]:
    """The ports the image listens on (a port below 1024 moved up for its non-root user; none for a batch job)."""
    return [inside for _, inside in published_ports(profile)]


def _probes(profile: WorkloadProfile) -> dict[str, Any]:
    ports = _inside(profile)
    if not ports:
        return {}
    check = {"httpGet": {"path": profile.workload.health_path or "/", "port": ports[0]}}
    # The startup probe gives the app startup_seconds to answer before liveness may restart it.
    startup = {**check, "periodSeconds": 5, "failureThreshold": max(1, math.ceil(profile.scale.startup_seconds / 5))}
    return {
        "startupProbe": startup,
        "readinessProbe": {**check, "periodSeconds": 10},
        "livenessProbe": {**check, "periodSeconds": 20, "failureThreshold": 3},
    }


def _container(profile: WorkloadProfile, windows: bool) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": profile.name,
        "image": f"{REGISTRY}/{profile.name}:{IMAGE_TAG}",
        "imagePullPolicy": "Always",
    }
    if _inside(profile):
        container["ports"] = [{"containerPort": port} for port in _inside(profile)]
    container["resources"] = _resources(profile)
    container |= _probes(profile)
    if not windows:
        container["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        # A read-only root: the app writes only to /tmp, an emptyDir.
        container["volumeMounts"] = [{"name": "tmp", "mountPath": "/tmp"}]
    return container


def _pod(profile: WorkloadProfile, runtime_class: str | None, restart: str | None = None) -> dict[str, Any]:
    """The pod template: one container, restricted security, the right nodes, and the sandbox if any."""
    windows = is_windows(profile)
    user = _user(profile)
    spec: dict[str, Any] = {"automountServiceAccountToken": False}
    if windows:
        spec["os"] = {"name": "windows"}
        spec["nodeSelector"] = {"kubernetes.io/os": "windows", "node.kubernetes.io/windows-build": WINDOWS_BUILD}
        spec["securityContext"] = {
            "runAsNonRoot": user is not None,
            "windowsOptions": {"runAsUserName": user or "ContainerAdministrator"},
        }
    else:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        uid = int(user) if user is not None and user.isdigit() else LINUX_UID
        spec["securityContext"] = {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": uid,
            "fsGroup": uid,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    if runtime_class is not None:
        spec["runtimeClassName"] = runtime_class
    if profile.hardware.gpu and not windows:
        # GPU nodes are usually tainted so that only pods that ask for a GPU land there (GKE taints them
        # itself; on AKS and EKS it is the recommended node-pool setting): tolerate that taint.
        spec["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    if restart is not None:
        spec["restartPolicy"] = restart
    spec["containers"] = [_container(profile, windows)]
    if not windows:
        spec["volumes"] = [{"name": "tmp", "emptyDir": {}}]
    return {"metadata": {"labels": _labels(profile)}, "spec": spec}


def _checkov_skips(profile: WorkloadProfile, pod: dict[str, Any]) -> dict[str, str]:
    """Checkov checks a starter cannot meet, with the reason written beside the skip."""
    reasons = {
        "CKV_K8S_43": "a starter cannot know the digest of an image not built yet; pin it once pushed",
    }
    spec = pod["spec"]
    uid = spec["securityContext"].get("runAsUser")
    if uid is not None and uid < HIGH_UID:
        reasons["CKV_K8S_40"] = f"the image's own user is uid {uid}; another uid would not own its files"
    if is_windows(profile):
        reasons["CKV_K8S_22"] = "a Windows pod cannot set readOnlyRootFilesystem"
        reasons["CKV_K8S_20"] = "a Windows pod cannot set allowPrivilegeEscalation"
        reasons["CKV_K8S_28"] = "a Windows pod has no Linux capabilities to drop"
        reasons["CKV_K8S_37"] = "a Windows pod has no Linux capabilities to drop"
        reasons["CKV_K8S_31"] = "a Windows pod has no seccomp profile"
        reasons["CKV_K8S_30"] = "a Windows pod sets its user in the pod securityContext (windowsOptions)"
        reasons["CKV_K8S_40"] = "a Windows pod runs as a named account (windowsOptions.runAsUserName), not a UID"
        if spec["securityContext"]["runAsNonRoot"] is False:
            reasons["CKV_K8S_23"] = "IIS's ServiceMonitor runs as ContainerAdministrator"
    if "livenessProbe" not in spec["containers"][0] and "restartPolicy" not in spec:
        reasons["CKV_K8S_8"] = "the profile lists no port to probe; add an exec probe that fits the program"
        reasons["CKV_K8S_9"] = "the profile lists no port to probe; add an exec probe that fits the program"
    return reasons


def _controller(profile: WorkloadProfile, kind: str, spec: dict[str, Any], pod: dict[str, Any]) -> Manifest:
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    annotations = _skips(_checkov_skips(profile, pod))
    return {"apiVersion": api, "kind": kind, "metadata": _meta(profile, annotations=annotations), "spec": spec}


def _service(profile: WorkloadProfile, headless: bool = False) -> Manifest:
    spec: dict[str, Any] = {"selector": _labels(profile)}
    metadata = _meta(profile)
    if headless:  # a StatefulSet's pods get stable DNS names through a Service without a cluster IP
        spec["clusterIP"] = "None"
    elif profile.workload.exposure != "cluster":  # reached from outside the cluster: a load balancer in front
        spec["type"] = "LoadBalancer"
        annotations = LOAD_BALANCERS.get(profile.host.cloud, {}).get(profile.workload.exposure, ("", {}))[1]
        if annotations:
            metadata["annotations"] = annotations
    # The Service answers on the profile's ports and forwards to the ones the image listens on.
    pairs = published_ports(profile)
    spec["ports"] = [{"name": f"port-{port}", "port": port, "targetPort": inside} for port, inside in pairs]
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def _service_notes(profile: WorkloadProfile, shape: str) -> list[str]:
    """The header's lines on how the Service is reached: the cloud's load balancer and its documentation, or
    what to set when the profile does not say (only where a Service takes traffic: a service with ports)."""
    if shape not in ("deployment", "statefulset") or not published_ports(profile):
        return []
    cloud, exposure = profile.host.cloud, profile.workload.exposure
    if shape == "statefulset":
        if exposure == "cluster":
            return []
        where = "the private network" if exposure == "internal" else "the internet"
        on_cloud = f" (on {CLOUD_NAMES[cloud]}: {LOAD_BALANCERS[cloud][exposure][0]})" if cloud in CLOUD_NAMES else ""
        return [
            "The StatefulSet's Service is headless (a stable name per replica, inside the cluster): to reach it "
            f"from {where}, add a Service of type LoadBalancer with the same selector{on_cloud}."
        ]
    if exposure == "cluster":
        if cloud not in CLOUD_NAMES:
            return []
        return [
            "The Service is ClusterIP: reachable inside the cluster only. For a load balancer set workload.exposure "
            f"to internal or internet, and the file gets the one {CLOUD_NAMES[cloud]} documents."
        ]
    if cloud in LOAD_BALANCERS:
        return [f"The Service is a LoadBalancer on {CLOUD_NAMES[cloud]}: {LOAD_BALANCERS[cloud][exposure][0]}"]
    return [
        "The Service is a LoadBalancer: outside EKS, AKS and GKE it needs a load-balancer implementation in the "
        "cluster (MetalLB, or your platform's) to get an address."
    ]


def _deployment(profile: WorkloadProfile, runtime_class: str | None) -> list[Manifest]:
    pod = _pod(profile, runtime_class)
    replicas = profile.scale.instances
    spec = {"replicas": replicas, "selector": {"matchLabels": _labels(profile)}, "template": pod}
    found = [_controller(profile, "Deployment", spec, pod)]
    if published_ports(profile):
        found.append(_service(profile))
    if profile.scale.elasticity == "bursty":
        found.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": _meta(profile),
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": profile.name},
                    "minReplicas": replicas,
                    "maxReplicas": replicas * 4,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                        }
                    ],
                },
            }
        )
    if replicas > 1:
        found.append(_disruption_budget(profile))
    return found


def _disruption_budget(profile: WorkloadProfile) -> Manifest:
    # Voluntary disruptions (node drains, upgrades) take at most one replica at a time.
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(profile),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _labels(profile)}},
    }


def _job(profile: WorkloadProfile, runtime_class: str | None) -> list[Manifest]:
    """A Job that runs once, or the CronJob that starts one on the profile's schedule."""
    pod = _pod(profile, runtime_class, restart="Never")
    instances = profile.scale.instances
    spec: dict[str, Any] = {"completions": instances, "parallelism": instances, "backoffLimit": 3}
    schedule = profile.workload.schedule
    if schedule is None:
        spec["ttlSecondsAfterFinished"] = 86400  # a finished Job and its pods are removed after a day
        spec["template"] = pod
        return [_controller(profile, "Job", spec, pod)]
    # The CronJob's fields, from https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/. No TTL on
    # its Jobs: the history limits below remove old ones, and a TTL would remove the runs they mean to keep.
    spec["template"] = pod
    cron = {
        "schedule": schedule,
        # Without a time zone the controller reads the schedule in its own, which differs between clusters;
        # the profile's schedule is in UTC.
        "timeZone": "Etc/UTC",
        # A run that is still going when the next is due is not doubled: the next one is skipped (Allow,
        # the default, would run two at once, each writing the same output).
        "concurrencyPolicy": "Forbid",
        # A run that cannot start within an hour of its time (the controller was down, or the last run was
        # still going) is skipped rather than started later; and the controller, which gives up on a CronJob
        # with more than 100 missed runs, counts misses in this hour only.
        "startingDeadlineSeconds": 3600,
        # The last three runs of each outcome stay, with their pods' logs, to compare a failure with the
        # successes before it (the defaults keep one failure only).
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"metadata": {"labels": _labels(profile)}, "spec": spec},
    }
    return [_controller(profile, "CronJob", cron, pod)]


def _daemonset(profile: WorkloadProfile, runtime_class: str | None) -> list[Manifest]:
    pod = _pod(profile, runtime_class)
    spec = {"selector": {"matchLabels": _labels(profile)}, "template": pod}
    return [_controller(profile, "DaemonSet", spec, pod)]


def _statefulset(profile: WorkloadProfile, runtime_class: str | None) -> list[Manifest]:
    pod = _pod(profile, runtime_class)
    pod["spec"]["containers"][0].setdefault("volumeMounts", []).append({"name": "data", "mountPath": "/data"})
    claim: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": f"{max(1, math.ceil(profile.resources.disk_gib))}Gi"}},
    }
    if profile.host.cloud in STORAGE_CLASSES:
        claim["storageClassName"] = STORAGE_CLASSES[profile.host.cloud]
    spec = {
        "serviceName": profile.name,
        "replicas": profile.scale.instances,
        "selector": {"matchLabels": _labels(profile)},
        "template": pod,
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": claim}],
    }
    found = [_controller(profile, "StatefulSet", spec, pod), _service(profile, headless=True)]
    if profile.scale.instances > 1:
        found.append(_disruption_budget(profile))
    return found


SHAPES: dict[str, Callable[[WorkloadProfile, str | None], list[Manifest]]] = {
    "deployment": _deployment,
    "job": _job,
    "daemonset": _daemonset,
    "statefulset": _statefulset,
}


def runtime_class(profile: WorkloadProfile, technologies: tuple[str, ...]) -> tuple[str, str] | None:
    """The sandbox's RuntimeClass (name, handler) for a Linux workload the verdict sandboxes, else None."""
    if is_windows(profile):
        return None
    return next((SANDBOXES[t] for t in technologies if t in SANDBOXES), None)


def _network_policy(profile: WorkloadProfile) -> Manifest:
    """Only the listed ports take traffic; everything else into the pods is refused (all of it, with none)."""
    ports = _inside(profile)  # a policy's ports are the pod's own
    ingress = [{"ports": [{"port": port, "protocol": "TCP"} for port in ports]}] if ports else []
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(profile),
        "spec": {"podSelector": {"matchLabels": _labels(profile)}, "policyTypes": ["Ingress"], "ingress": ingress},
    }


def manifests(
    profile: WorkloadProfile, technologies: tuple[str, ...] = (), shape: str | None = None
) -> tuple[list[Manifest], list[str]]:
    """The documents for the profile (the shape its facts call for unless `shape` is given), and the notes."""
    shape = shape or workload_shape(profile)
    notes: list[str] = []
    sandbox = runtime_class(profile, technologies)
    # IIS's image runs as its administrator: the one pod here that cannot meet "restricted".
    level = "baseline" if is_windows(profile) and _user(profile) is None else "restricted"
    namespace: Manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": profile.name,
            "labels": {
                # The Pod Security Standard the namespace enforces: every pod here must meet it.
                "pod-security.kubernetes.io/enforce": level,
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    }
    documents = [namespace]
    if sandbox is not None:
        name, handler = sandbox
        if profile.host.cloud == "gcp" and name == "gvisor":
            notes.append("GKE Sandbox makes the gvisor RuntimeClass itself: enable it on a node pool.")
        else:
            documents.append(
                {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": name}, "handler": handler}
            )
            notes.append(
                f"RuntimeClass {name} runs the pods with the {handler} handler: install it in containerd on the nodes "
                "first (a cluster admin's step)."
            )
    documents += SHAPES[shape](profile, sandbox[0] if sandbox else None)
    documents.append(_network_policy(profile))
    notes += _shape_notes(profile, shape)
    if level == "baseline":
        notes.append("Pod Security 'baseline', not 'restricted': IIS's ServiceMonitor runs as ContainerAdministrator.")
    return documents, notes


def _shape_notes(profile: WorkloadProfile, shape: str) -> list[str]:
    notes = []
    if profile.scale.elasticity == "scale-to-zero":
        notes.append(
            "scale-to-zero: an HPA never goes below one replica; use KEDA (a ScaledObject on this workload) or "
            "Knative Serving to scale to zero."
        )
    if shape == "statefulset":
        notes.append(
            "A database or queue is usually better run by its operator (CloudNativePG, Strimzi...) than by a "
            "hand-written StatefulSet: it handles failover, backups and upgrades."
        )
    if shape == "daemonset":
        notes.append("A node agent runs restricted here; grant only the host access it proves it needs.")
    if profile.hardware.gpu:
        if is_windows(profile):
            notes.append("A GPU for Windows containers is a DirectX device class, not nvidia.com/gpu: see the README.")
        else:
            notes.append(
                "nvidia.com/gpu needs the NVIDIA device plugin (or GPU Operator) on the nodes; the toleration "
                "lets the pod onto GPU nodes tainted nvidia.com/gpu:NoSchedule."
            )
    return notes


def _wrapped(line: str, width: int = 116) -> list[str]:
    """A header sentence in lines short enough to read, a URL never broken."""
    return textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)


def _scheduled(profile: WorkloadProfile, shape: str | None = None) -> bool:
    """Whether the manifests hold a CronJob: a batch job with a schedule."""
    return (shape or workload_shape(profile)) == "job" and profile.workload.schedule is not None


def make_kubernetes(profile: WorkloadProfile, verdict: Verdict | None = None, shape: str | None = None) -> Artifact:
    """Return the Kubernetes manifests for the profile's workload, one multi-document YAML file."""
    technologies = tuple(verdict.technologies) if verdict is not None else ()
    documents, notes = manifests(profile, technologies, shape)
    image = f"{REGISTRY}/{profile.name}:{IMAGE_TAG}"
    header = (
        f"# Kubernetes manifests for {profile.name}, written by advisor.\n"
        f"# CHANGE: the image: build the Dockerfile, push it as {image} to your registry, then pin its digest.\n"
        f"# Check: kubectl apply --dry-run=server -f {profile.name}.kubernetes.yaml\n"
    )
    for line in _service_notes(profile, shape or workload_shape(profile)):
        header += "".join(f"# {part}\n" for part in _wrapped(line))
    if _scheduled(profile, shape):
        header += (
            f"# The CronJob starts a Job on the schedule, in UTC; one run at a time (concurrencyPolicy: Forbid),\n"
            f"# the last three of each outcome kept. Try a run now: kubectl -n {profile.name} create job "
            f"{profile.name}-try --from=cronjob/{profile.name}\n"
        )
    body = yaml_documents(documents)
    return Artifact(f"{profile.name}.kubernetes.yaml", "application/yaml", header + body, tuple(notes))


def kubernetes_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps: push the image, check the manifests against the cluster, apply, watch."""
    image = f"{REGISTRY}/{profile.name}:{IMAGE_TAG}"
    file = f"{folder}{profile.name}.kubernetes.yaml"
    shape = workload_shape(profile)
    watch = {
        "job": f"kubectl -n {profile.name} wait --for=condition=complete job/{profile.name} --timeout=1h",
    }.get(shape, f"kubectl -n {profile.name} rollout status {shape}/{profile.name}")
    if _scheduled(profile):  # nothing runs until the schedule says so: start one run by hand to see it work
        watch = (
            f"kubectl -n {profile.name} get cronjob/{profile.name}\n"
            f"kubectl -n {profile.name} create job {profile.name}-try --from=cronjob/{profile.name}\n"
            f"kubectl -n {profile.name} wait --for=condition=complete job/{profile.name}-try --timeout=1h"
        )
    return [
        f"On Kubernetes: build and push the image (CHANGE `{REGISTRY}` to your registry, in the file too), let "
        "the cluster check the manifests without changing anything, then apply them:",
        "",
        "```sh",
        f"docker build -t {image} .",
        f"docker push {image}",
        f"kubectl apply --dry-run=server -f {file}",
        f"kubectl apply -f {file}",
        watch,
        "```",
        "",
    ]
