"""workload.exposure: who reaches a service's ports. On EKS, AKS and GKE its Service is a LoadBalancer with the
annotations that cloud documents; elsewhere a LoadBalancer with a note; left at cluster, ClusterIP as before.
kubernetes-validate and Checkov run over these variants in tests/test_kubernetes.py and tests/test_checkov.py."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml
from werkzeug.datastructures import MultiDict

from advisor.errors import InvalidInput
from advisor.generators.kubernetes import make_kubernetes
from advisor.models import WorkloadProfile
from advisor.profiles import validate_profile
from advisor.web.formdata import permalink_query, read_form

AWS_LBC = "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/"
GKE_PARAMETERS = "https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters"


def profile_of(cloud: str, exposure: str | None, **workload: Any) -> WorkloadProfile:
    if exposure is not None:
        workload["exposure"] = exposure
    return validate_profile({"name": "shop", "host": {"os": "linux", "cloud": cloud}, "workload": workload})


def service_and_header(profile: WorkloadProfile, shape: str | None = None) -> tuple[dict, str]:
    content = make_kubernetes(profile, shape=shape).content
    services = [d for d in yaml.safe_load_all(content) if d["kind"] == "Service"]
    header = content.split("\napiVersion:", 1)[0]
    return services[0], " ".join(line.removeprefix("# ") for line in header.splitlines())


@pytest.mark.parametrize(
    ("cloud", "exposure", "annotations", "cited"),
    [
        ("aws", "internal", {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        }, AWS_LBC),
        ("aws", "internet", {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        }, AWS_LBC),
        ("azure", "internal", {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
         "https://learn.microsoft.com/en-us/azure/aks/internal-lb"),
        ("azure", "internet", None, "https://learn.microsoft.com/en-us/azure/aks/load-balancer-standard"),
        ("gcp", "internal", {"networking.gke.io/load-balancer-type": "Internal"}, GKE_PARAMETERS),
        ("gcp", "internet", {"cloud.google.com/l4-rbs": "enabled"}, GKE_PARAMETERS),
    ],
)  # fmt: skip
def test_on_a_managed_cloud_the_service_is_that_clouds_load_balancer(cloud, exposure, annotations, cited):
    service, header = service_and_header(profile_of(cloud, exposure))
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["metadata"].get("annotations") == annotations
    assert service["spec"]["ports"] == [{"name": "port-8000", "port": 8000, "targetPort": 8000}]
    assert cited in header.split()  # the file names the page that documents it, a whole URL


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_left_at_cluster_a_cloud_service_stays_clusterip_and_says_how_to_get_a_load_balancer(cloud):
    service, header = service_and_header(profile_of(cloud, None))
    assert "type" not in service["spec"] and "annotations" not in service["metadata"]
    assert "The Service is ClusterIP" in header and "workload.exposure" in header
    assert service == service_and_header(profile_of("none", "cluster"))[0]  # the same Service as off the clouds


@pytest.mark.parametrize("cloud", ["none", "vmware"])
def test_off_the_managed_clouds_a_load_balancer_has_no_annotations_and_a_note_on_what_it_needs(cloud):
    service, header = service_and_header(profile_of(cloud, "internet"))
    assert service["spec"]["type"] == "LoadBalancer" and "annotations" not in service["metadata"]
    assert "MetalLB" in header
    assert "ClusterIP" not in service_and_header(profile_of(cloud, None))[1]  # no cloud, nothing to say


def test_a_statefulsets_headless_service_stays_headless_and_the_file_says_how_to_reach_it():
    profile = profile_of("aws", "internal", state="replicated")
    service, header = service_and_header(profile)
    assert service["spec"]["clusterIP"] == "None" and "type" not in service["spec"]
    assert "add a Service of type LoadBalancer with the same selector" in header


@pytest.mark.parametrize(
    ("workload", "why"),
    [
        ({"architecture": "batch"}, "a batch job listens on no port"),
        ({"node_agent": True}, "a node agent gets no Service"),
        ({"ports": []}, "it lists no ports"),
    ],
    ids=["batch", "node-agent", "no-ports"],
)
def test_a_load_balancer_for_nothing_to_reach_is_refused_saying_why(workload, why):
    with pytest.raises(InvalidInput) as refused:
        profile_of("aws", "internet", **workload)
    [error] = refused.value.errors
    assert error.loc == "workload"
    assert error.msg == f"exposure: {why}, so nothing is there to reach; leave exposure out or set it to cluster"
    profile_of("aws", "cluster", **workload)  # the default is fine for every shape


def test_the_json_schema_says_what_the_model_says_about_exposure():
    check = jsonschema.Draft202012Validator(WorkloadProfile.model_json_schema())
    base = {"name": "p", "host": {"os": "linux"}}
    assert check.is_valid({**base, "workload": {"exposure": "internet"}})
    assert check.is_valid({**base, "workload": {"exposure": "cluster", "architecture": "batch"}})
    assert not check.is_valid({**base, "workload": {"exposure": "internal", "architecture": "batch"}})
    assert not check.is_valid({**base, "workload": {"exposure": "internal", "ports": []}})
    assert not check.is_valid({**base, "workload": {"exposure": "internal", "node_agent": True}})
    assert not check.is_valid({**base, "workload": {"exposure": "public"}})


def test_the_form_keeps_exposure_through_a_permalink_and_shows_a_refusal_beside_its_input():
    profile = profile_of("gcp", "internal")
    query = permalink_query(profile)
    assert ("workload.exposure", "internal") in query
    state = read_form(MultiDict(query), exact=True)
    assert state.errors == {} and state.profile == profile
    refused = read_form(MultiDict([*query, ("workload.ports", "none")]), exact=True)
    assert refused.errors == {
        "workload.exposure": [
            "it lists no ports, so nothing is there to reach; leave exposure out or set it to cluster"
        ]
    }
