"""compose.yaml for a profile whose parts all run as containers on one host: one service per part.

Each service builds the generated Dockerfile (the part's folder in the bundle), publishes the profile's ports,
checks its health with the same command as the Dockerfile's HEALTHCHECK, runs as the image's unprivileged
user with a read-only root, no new privileges and no capabilities, and is held to the profile's CPUs and
memory. Written by PyYAML's safe_dump from plain data, so no profile text can add a key or a service.
"""

from __future__ import annotations

import math
from typing import Any

from advisor.generators import Artifact, Verdict, yaml_documents
from advisor.generators.dockerfile import RECIPES, health_argv, is_windows, published_ports
from advisor.models import WorkloadProfile

COMPOSE_FILE = "compose.yaml"


def parts(profile: WorkloadProfile) -> list[tuple[WorkloadProfile, str]]:
    """Each part of the profile (its components, else itself) with the bundle folder its Dockerfile is in."""
    if not profile.components:
        return [(profile, ".")]
    return [(profile.component_profile(c), f"./{c.name}") for c in profile.components]


def _service(part: WorkloadProfile, context: str) -> dict[str, Any]:
    windows = is_windows(part)
    user = RECIPES[part.workload.runtime](part, windows).user
    service: dict[str, Any] = {"build": {"context": context}, "image": f"{part.name}:0.1.0"}
    # The image listens above 1024 for its non-root user (443 on 8443) and publishes the port asked for; a batch
    # job listens on none.
    pairs = published_ports(part)
    if pairs:
        service["ports"] = [{"target": inside, "published": str(host)} for host, inside in pairs]
        service["healthcheck"] = {
            "test": ["CMD", *health_argv(part)],
            "interval": "30s",
            "timeout": "5s",
            "start_period": f"{max(1, math.ceil(part.scale.startup_seconds))}s",
            "retries": 3,
        }
    if not windows:
        # Linux-only hardening; a Windows container has no capabilities or seccomp to drop.
        if user is not None:
            service["user"] = user
        service["read_only"] = True
        service["tmpfs"] = ["/tmp"]
        service["cap_drop"] = ["ALL"]
        service["security_opt"] = ["no-new-privileges:true"]
    limits = {"cpus": f"{part.resources.cpus:g}", "memory": f"{max(1, math.ceil(part.resources.memory_gib * 1024))}M"}
    deploy: dict[str, Any] = {"resources": {"limits": limits}}
    if part.hardware.gpu and not windows:  # the NVIDIA Container Toolkit hands the container its GPUs
        deploy["resources"]["reservations"] = {
            "devices": [{"driver": "nvidia", "count": part.hardware.gpus or 1, "capabilities": ["gpu"]}]
        }
    if part.scale.instances > 1 and not pairs:
        # Replicas of a service that publishes a port would all ask for the same host port.
        deploy["replicas"] = part.scale.instances
    service["deploy"] = deploy
    service["restart"] = "no" if part.workload.architecture == "batch" else "unless-stopped"
    return service


def make_compose(profile: WorkloadProfile, verdict: Verdict | None = None) -> Artifact:
    """Return compose.yaml: a service per part of the profile, built from its Dockerfile."""
    services = {part.name: _service(part, context) for part, context in parts(profile)}
    notes = []
    if any(part.scale.instances > 1 and published_ports(part) for part, _ in parts(profile)):
        notes.append(
            "One replica per published port on one host: scale.instances above one needs a load balancer in "
            "front (or Kubernetes, whose manifest the bundle also holds)."
        )
    header = f"# Docker Compose file for {profile.name}, written by advisor. Check: docker compose config --quiet\n"
    # Compose has no scheduler: a scheduled batch job is started by one the host has. The schedule is held to a
    # cron grammar (no newline, no '#'), so it cannot end the comment it is written in.
    for part, _ in parts(profile):
        if part.workload.architecture == "batch" and part.workload.schedule is not None:
            header += (
                f"# {part.name} runs on a schedule ({part.workload.schedule}, UTC) that Compose cannot keep: start it "
                f"from the host's cron or a systemd timer with: docker compose run --rm {part.name}\n"
            )
    body = yaml_documents([{"name": profile.name, "services": services}])
    return Artifact(COMPOSE_FILE, "application/yaml", header + body, tuple(notes))


def compose_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps: check the Compose file, then build and start every service on this host."""
    return [
        f"Or on one host with Docker Compose: put each service's source beside its Dockerfile, then, from the "
        f"folder that holds `{folder}{COMPOSE_FILE}`:",
        "",
        "```sh",
        "docker compose config --quiet",
        "docker compose up --build --detach",
        "docker compose ps",
        "```",
        "",
    ]
