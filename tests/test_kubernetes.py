"""Kubernetes manifests: the shape the profile calls for, restricted pods, and kubernetes-validate --strict on
every kind and variant, against a pinned Kubernetes version."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.generators import Verdict
from advisor.generators.dockerfile import make_dockerfile
from advisor.generators.kubernetes import SHAPES, STORAGE_CLASSES, kubernetes_readme, make_kubernetes, workload_shape
from advisor.models import WorkloadProfile

ROOT = Path(__file__).resolve().parent.parent
# The Kubernetes release the manifests are validated against, pinned so a new kubernetes-validate release
# cannot change the verdict unseen (its default is its newest schema).
KUBERNETES_VERSION = "1.34.0"
VALIDATE = Path(sys.executable).with_name("kubernetes-validate")
SANDBOX = Verdict("hybrid", ("Kata Containers", "gVisor"), ("hybrid",))
GVISOR = Verdict("hybrid", ("gVisor",), ("hybrid",))


def profile_of(**sections: Any) -> WorkloadProfile:
    return WorkloadProfile.model_validate({"name": "shop", "host": {"os": "linux"}, **sections})


def documents(profile: WorkloadProfile, verdict: Verdict | None = None, shape: str | None = None) -> list[dict]:
    return list(yaml.safe_load_all(make_kubernetes(profile, verdict, shape).content))


def by_kind(docs: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for doc in docs:
        assert doc["kind"] not in found, f"two {doc['kind']} documents"
        found[doc["kind"]] = doc
    return found


def pod_spec(docs: list[dict]) -> dict:
    controller = next(d for d in docs if d["kind"] in ("Deployment", "Job", "CronJob", "DaemonSet", "StatefulSet"))
    if controller["kind"] == "CronJob":  # the pod is in the template of the Jobs it starts
        return controller["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return controller["spec"]["template"]["spec"]


VARIANTS = {
    "service": {"workload": {"architecture": "microservices", "health_path": "/healthz"}, "scale": {"instances": 3}},
    "bursty": {"workload": {"ports": [8080, 9090]}, "scale": {"elasticity": "bursty", "instances": 2}},
    "single": {"scale": {"instances": 1}},
    "no-ports": {"workload": {"ports": []}, "scale": {"instances": 1}},
    "batch": {"workload": {"architecture": "batch", "ports": []}, "scale": {"instances": 4}},
    "scheduled": {"workload": {"architecture": "batch", "ports": [], "schedule": "30 2 * * mon-fri"}},
    "scheduled-gpu": {
        "workload": {"architecture": "batch", "schedule": "@hourly"},
        "hardware": {"gpus": 2},
        "host": {"os": "linux", "cloud": "aws"},
    },
    "scale-to-zero": {"scale": {"elasticity": "scale-to-zero", "instances": 2}},
    "windows": {"host": {"os": "windows"}, "workload": {"os": ["windows"], "runtime": "dotnet"}},
    "windows-iis": {"host": {"os": "windows"}, "workload": {"os": ["windows"], "runtime": "static", "ports": [80]}},
    "gpu": {"workload": {"architecture": "batch"}, "hardware": {"gpu": True}, "host": {"os": "linux", "cloud": "gcp"}},
    "node": {"workload": {"runtime": "node"}},
    # A load balancer per cloud and exposure (tests/test_load_balancers.py checks what each carries).
    "eks-internal": {"workload": {"exposure": "internal"}, "host": {"os": "linux", "cloud": "aws"}},
    "eks-internet": {"workload": {"exposure": "internet", "ports": [443]}, "host": {"os": "linux", "cloud": "aws"}},
    "aks-internal": {"workload": {"exposure": "internal"}, "host": {"os": "linux", "cloud": "azure"}},
    "aks-internet-windows": {
        "host": {"os": "windows", "cloud": "azure"},
        "workload": {"os": ["windows"], "runtime": "dotnet", "exposure": "internet"},
    },
    "gke-internal": {"workload": {"exposure": "internal"}, "host": {"os": "linux", "cloud": "gcp"}},
    "gke-internet": {"workload": {"exposure": "internet"}, "host": {"os": "linux", "cloud": "gcp"}},
    "own-internet": {"workload": {"exposure": "internet"}},
    "go": {"workload": {"runtime": "go"}, "host": {"os": "linux", "cloud": "aws"}},
}
SHAPE_NAMES = list(SHAPES)


def all_variants() -> list[tuple[str, WorkloadProfile, Verdict | None, str | None]]:
    """Every profile variant in every shape, plain and sandboxed: what kubernetes-validate checks."""
    found = []
    for (name, sections), shape, verdict in itertools.product(VARIANTS.items(), SHAPE_NAMES, [None, SANDBOX]):
        found.append((f"{name}-{shape}-{'sandbox' if verdict else 'plain'}", profile_of(**sections), verdict, shape))
    return found


@pytest.fixture(scope="module")
def manifest_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("manifests")
    paths = []
    for name, profile, verdict, shape in all_variants():
        path = folder / f"{name}.yaml"
        path.write_text(make_kubernetes(profile, verdict, shape).content, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.slow
def test_kubernetes_validate_strict_accepts_every_kind_and_variant(manifest_files):
    ran = subprocess.run(
        [str(VALIDATE), "--strict", "--kubernetes-version", KUBERNETES_VERSION, "--quiet", *map(str, manifest_files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    kinds = {d["kind"] for path in manifest_files for d in yaml.safe_load_all(path.read_text())}
    assert kinds == {
        "Namespace", "RuntimeClass", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
        "Job", "CronJob", "DaemonSet", "StatefulSet", "NetworkPolicy",
    }  # fmt: skip


def test_kubernetes_validate_strict_refuses_a_misspelt_field(tmp_path):
    docs = documents(profile_of())
    pod_spec(docs)["securityContext"]["runAsNonRoots"] = True
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    ran = subprocess.run(
        [str(VALIDATE), "--strict", "-k", KUBERNETES_VERSION, str(bad)], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode != 0 and "runAsNonRoots" in ran.stdout + ran.stderr


def test_a_service_gets_a_deployment_service_and_disruption_budget_with_probes_from_health_path():
    profile = profile_of(**VARIANTS["service"])
    docs = by_kind(documents(profile))
    assert list(docs) == ["Namespace", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"]
    assert docs["Deployment"]["spec"]["replicas"] == 3
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": 8000}
    assert docs["Service"]["spec"]["ports"] == [{"name": "port-8000", "port": 8000, "targetPort": 8000}]
    assert docs["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    assert container["resources"] == {
        "requests": {"cpu": "1000m", "memory": "1024Mi"},
        "limits": {"cpu": "1000m", "memory": "1024Mi"},
    }


def test_bursty_demand_adds_an_autoscaler_and_one_replica_gets_no_disruption_budget():
    bursty = by_kind(documents(profile_of(**VARIANTS["bursty"])))
    hpa = bursty["HorizontalPodAutoscaler"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 8)
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop"}
    single = by_kind(documents(profile_of(**VARIANTS["single"])))
    assert "PodDisruptionBudget" not in single and "HorizontalPodAutoscaler" not in single


def test_scale_to_zero_gets_no_autoscaler_but_a_note_on_keda_or_knative():
    artifact = make_kubernetes(profile_of(**VARIANTS["scale-to-zero"]))
    assert "HorizontalPodAutoscaler" not in by_kind(list(yaml.safe_load_all(artifact.content)))
    assert any("KEDA" in note and "Knative" in note for note in artifact.notes)


def test_a_batch_workload_is_a_job_that_never_restarts_in_place():
    profile = profile_of(**VARIANTS["batch"])
    assert workload_shape(profile) == "job"
    docs = by_kind(documents(profile))
    assert list(docs) == ["Namespace", "Job", "NetworkPolicy"]
    assert docs["NetworkPolicy"]["spec"]["ingress"] == []  # no port: the policy lets nothing in
    job = docs["Job"]["spec"]
    assert (job["completions"], job["parallelism"], job["template"]["spec"]["restartPolicy"]) == (4, 4, "Never")


@pytest.mark.parametrize("schedule", ["30 2 * * mon-fri", "@weekly", "*/15 * * * *"])
def test_a_scheduled_batch_job_is_a_cronjob_of_the_same_job_one_run_at_a_time(schedule):
    plain = by_kind(documents(profile_of(**VARIANTS["batch"])))
    profile = profile_of(workload={"architecture": "batch", "ports": [], "schedule": schedule}, scale={"instances": 4})
    assert workload_shape(profile) == "job"
    docs = by_kind(documents(profile))
    assert list(docs) == ["Namespace", "CronJob", "NetworkPolicy"]
    cron = docs["CronJob"]
    assert cron["apiVersion"] == "batch/v1"
    assert cron["spec"]["schedule"] == schedule
    assert cron["spec"]["timeZone"] == "Etc/UTC"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert (cron["spec"]["successfulJobsHistoryLimit"], cron["spec"]["failedJobsHistoryLimit"]) == (3, 3)
    assert cron["spec"]["startingDeadlineSeconds"] == 3600
    job = cron["spec"]["jobTemplate"]["spec"]
    # The Job the CronJob starts is the one-off Job, but for its TTL: the history limits keep the last runs.
    expected = {key: value for key, value in plain["Job"]["spec"].items() if key != "ttlSecondsAfterFinished"}
    assert job == expected
    assert cron["metadata"]["annotations"] == plain["Job"]["metadata"]["annotations"]


def test_a_cronjobs_file_says_how_to_try_a_run_and_its_readme_too():
    profile = profile_of(workload={"architecture": "batch", "schedule": "@daily"})
    artifact = make_kubernetes(profile)
    assert "kubectl -n shop create job shop-try --from=cronjob/shop" in artifact.content.split("apiVersion")[0]
    steps = "\n".join(kubernetes_readme(profile, ""))
    assert "create job shop-try --from=cronjob/shop" in steps and "rollout status" not in steps
    once = "\n".join(kubernetes_readme(profile_of(workload={"architecture": "batch"}), ""))
    assert "wait --for=condition=complete job/shop " in once and "cronjob" not in once


def test_every_linux_pod_meets_the_restricted_pod_security_standard():
    for name, profile, verdict, shape in all_variants():
        if "windows" in profile.workload.os:
            continue
        docs = documents(profile, verdict, shape)
        assert docs[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted", name
        spec = pod_spec(docs)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
        for container in spec["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }
        assert not {"hostNetwork", "hostPID", "hostIPC"} & set(spec)


def test_the_pod_runs_the_dockerfile_image_as_the_dockerfile_user():
    for runtime, uid in [("python", 10001), ("node", 1000), ("go", 65532), ("static", 101), ("dotnet", 1654)]:
        profile = profile_of(workload={"runtime": runtime})
        spec = pod_spec(documents(profile))
        assert spec["securityContext"]["runAsUser"] == uid
        assert f"USER {uid}\n" in make_dockerfile(profile).content
        assert spec["containers"][0]["image"] == "registry.example.com/shop:0.1.0"
    assert "docker build -t shop ." in make_dockerfile(profile).content


def test_windows_containers_go_to_windows_nodes_of_the_image_build():
    docs = documents(profile_of(**VARIANTS["windows"]))
    spec = pod_spec(docs)
    assert spec["os"] == {"name": "windows"}
    assert spec["nodeSelector"] == {"kubernetes.io/os": "windows", "node.kubernetes.io/windows-build": "10.0.20348"}
    assert spec["securityContext"] == {"runAsNonRoot": True, "windowsOptions": {"runAsUserName": "ContainerUser"}}
    assert "ltsc2022" in make_dockerfile(profile_of(**VARIANTS["windows"])).content


def test_iis_is_baseline_and_says_why():
    artifact = make_kubernetes(profile_of(**VARIANTS["windows-iis"]))
    docs = list(yaml.safe_load_all(artifact.content))
    assert docs[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert any("ContainerAdministrator" in note for note in artifact.notes)


@pytest.mark.parametrize(
    ("verdict", "cloud", "runtime_class", "handler"),
    [(SANDBOX, "none", "kata", "kata"), (GVISOR, "none", "gvisor", "runsc"), (GVISOR, "gcp", "gvisor", None)],
    ids=["kata", "gvisor", "gke-sandbox"],
)
def test_a_sandbox_verdict_gets_a_runtime_class(verdict, cloud, runtime_class, handler):
    docs = documents(profile_of(host={"os": "linux", "cloud": cloud}), verdict)
    assert pod_spec(docs)["runtimeClassName"] == runtime_class
    classes = [d for d in docs if d["kind"] == "RuntimeClass"]
    if handler is None:  # GKE Sandbox makes its own RuntimeClass: the file only names it
        assert classes == []
    else:
        expected = {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": runtime_class}}
        assert classes == [{**expected, "handler": handler}]


def test_no_sandbox_without_the_verdict_and_none_for_windows():
    assert "runtimeClassName" not in pod_spec(documents(profile_of(), Verdict("container", ("Docker",))))
    assert "runtimeClassName" not in pod_spec(documents(profile_of(**VARIANTS["windows"]), SANDBOX))


def test_a_gpu_is_a_limit_with_the_gpu_taint_tolerated():
    artifact = make_kubernetes(profile_of(**VARIANTS["gpu"]))
    spec = pod_spec(list(yaml.safe_load_all(artifact.content)))
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert "nvidia.com/gpu" not in spec["containers"][0]["resources"]["requests"]
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert any("device plugin" in note for note in artifact.notes)


def test_the_gpu_count_is_the_profiles_gpus():
    profile = profile_of(hardware={"gpus": 4})
    assert pod_spec(documents(profile))["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 4


@pytest.mark.parametrize(
    ("workload", "shape", "controller"),
    [
        ({"node_agent": True}, "daemonset", "DaemonSet"),
        ({"node_agent": True, "state": "local"}, "daemonset", "DaemonSet"),  # an agent is on every node first
        ({"state": "local"}, "statefulset", "StatefulSet"),
        ({"state": "replicated"}, "statefulset", "StatefulSet"),
        ({"state": "stateless"}, "deployment", "Deployment"),
    ],
)
def test_the_profiles_facts_choose_the_controller(workload, shape, controller):
    profile = profile_of(workload=workload)
    assert workload_shape(profile) == shape
    assert controller in by_kind(documents(profile))


@pytest.mark.parametrize("cloud", ["none", "aws", "azure", "gcp"])
def test_a_statefulset_claims_its_disk_with_the_clouds_storage_class(cloud):
    profile = profile_of(host={"os": "linux", "cloud": cloud}, resources={"disk_gib": 20}, scale={"instances": 3})
    docs = by_kind(documents(profile, shape="statefulset"))
    assert docs["Service"]["spec"]["clusterIP"] == "None"
    assert docs["StatefulSet"]["spec"]["serviceName"] == "shop"
    [claim] = docs["StatefulSet"]["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert claim["spec"].get("storageClassName") == STORAGE_CLASSES.get(cloud)


def test_a_daemonset_has_no_replicas_and_no_host_access():
    docs = by_kind(documents(profile_of(), shape="daemonset"))
    assert "replicas" not in docs["DaemonSet"]["spec"]
    assert not {"hostNetwork", "hostPID", "hostIPC"} & set(docs["DaemonSet"]["spec"]["template"]["spec"])


def test_the_same_profile_gives_the_same_bytes_and_no_yaml_aliases():
    first = make_kubernetes(profile_of(**VARIANTS["service"]), SANDBOX).content
    assert first == make_kubernetes(profile_of(**VARIANTS["service"]), SANDBOX).content
    assert "&id" not in first and "*id" not in first
