"""deploy/: the gunicorn settings, the image, compose and the Kubernetes manifests, checked with the real tools.

gunicorn reads the settings file, hadolint lints the Dockerfile, BuildKit's parser (PyPI `dockerfile`) reads it,
kubernetes-validate checks each manifest against the API's schemas, and the advisor's own loader reads the
organisation rules shipped in the ConfigMap. No Docker engine runs here, so the image itself is not built.
"""

from __future__ import annotations

import copy
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dockerfile
import kubernetes_validate
import pytest
import requests
import yaml

from advisor.cli import cli
from advisor.engine.loader import load_rules
from tests.support import ROOT, free_port, serving, tool

DEPLOY = ROOT / "deploy"
CONF = DEPLOY / "gunicorn.conf.py"
KUBERNETES = DEPLOY / "kubernetes"
ORG_RULES = DEPLOY / "org-rules"
GUNICORN = [sys.executable, "-m", "gunicorn"]
KUBERNETES_VERSION = kubernetes_validate.latest_version()
SETTINGS_ENV = ("ADVISOR_HOST", "ADVISOR_PORT", "ADVISOR_WORKERS")


# --- helpers ---------------------------------------------------------------------------------------------


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without the service's settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(settings)
    return env


def print_config(**settings: str) -> subprocess.CompletedProcess[str]:
    """gunicorn's own reading of deploy/gunicorn.conf.py (`--print-config`) with these settings in the environment."""
    return subprocess.run(
        [*GUNICORN, "-c", str(CONF), "--print-config"],
        cwd=ROOT,
        env=clean_env(**settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


def gunicorn_settings(**settings: str) -> dict[str, str]:
    """The resolved settings gunicorn prints, as name -> text."""
    done = print_config(**settings)
    assert done.returncode == 0, done.stderr
    found = {}
    for line in done.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            found[name.strip()] = value.strip()
    return found


@pytest.fixture(scope="module")
def default_port(monkeypatch_module: pytest.MonkeyPatch) -> int:
    """The port the gunicorn settings bind to when nothing is set."""
    for name in SETTINGS_ENV:
        monkeypatch_module.delenv(name, raising=False)
    conf = runpy.run_path(str(CONF))
    (address,) = conf["bind"]
    return int(address.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def instructions() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(DEPLOY / "Dockerfile")))


def stages() -> list[list[dockerfile.Command]]:
    """The Dockerfile's instructions, split at each FROM (each list starts with its FROM)."""
    found: list[list[dockerfile.Command]] = []
    for command in instructions():
        if command.cmd == "FROM":
            found.append([])
        found[-1].append(command)
    return found


def only(commands: list[dockerfile.Command], name: str) -> dockerfile.Command:
    matching = [c for c in commands if c.cmd == name]
    assert len(matching) == 1, f"expected one {name}, found {len(matching)}"
    return matching[0]


def manifests() -> dict[str, dict[str, Any]]:
    """Every Kubernetes manifest in deploy/kubernetes (not the kustomization), by kind."""
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            found[document["kind"]] = document
    return found


def pod_spec() -> dict[str, Any]:
    return manifests()["Deployment"]["spec"]["template"]["spec"]


def container() -> dict[str, Any]:
    (only_container,) = pod_spec()["containers"]
    return only_container


def container_port(port: int | str) -> int:
    """A port as a probe or Service names it (a number or a container port's name), as a number."""
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container()["ports"] if p["name"] == port]
    return number


def compose_service(name: str = "advisor") -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"advisor", "proxy"}
    return compose["services"][name]


# --- gunicorn settings -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_gunicorn_defaults_are_the_services():
    settings = gunicorn_settings()
    assert settings["bind"] == "['127.0.0.1:8000']"
    assert settings["workers"] == "2"
    assert settings["wsgi_app"] == "advisor.web:create_app()"
    assert settings["preload_app"] == "False"
    assert settings["accesslog"] == "None"  # the app logs each request itself, as JSON
    assert settings["errorlog"] == "-"
    assert int(settings["graceful_timeout"]) < 30  # inside Kubernetes' default termination grace period
    assert settings["control_socket_disable"] == "True"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "bind", "workers"),
    [
        ({"ADVISOR_HOST": "0.0.0.0", "ADVISOR_PORT": "9123", "ADVISOR_WORKERS": "3"}, "['0.0.0.0:9123']", "3"),
        ({"ADVISOR_HOST": "::", "ADVISOR_PORT": "8080"}, "['[::]:8080']", "2"),
        ({"ADVISOR_PORT": " ", "ADVISOR_WORKERS": ""}, "['127.0.0.1:8000']", "2"),
    ],
    ids=["all-three", "ipv6-host", "blank-means-default"],
)
def test_gunicorn_reads_the_environment(settings, bind, workers):
    resolved = gunicorn_settings(**settings)
    assert (resolved["bind"], resolved["workers"]) == (bind, workers)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "value"),
    [("ADVISOR_PORT", "http"), ("ADVISOR_PORT", "0"), ("ADVISOR_PORT", "65536"), ("ADVISOR_WORKERS", "0")],
    ids=["port-not-a-number", "port-zero", "port-too-high", "no-workers"],
)
def test_gunicorn_refuses_bad_settings_by_name(name, value):
    done = print_config(**{name: value})
    assert done.returncode != 0
    assert f"error: {name}: expected a whole number" in done.stderr
    assert repr(value) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.live
def test_served_with_org_rules_and_shared_metrics(tmp_path):
    """The layout compose and Kubernetes use: org rules from ADVISOR_RULES, metrics shared through one directory."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale = metrics_dir / "counter_999999.db"  # left by an earlier run; must not be added to this one's figures
    stale.write_bytes(b"stale")
    env = {"ADVISOR_RULES": str(ORG_RULES), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with serving(env) as server:
        rule = requests.get(f"{server.url}/v1/rules/org-cardholder-data-on-segmented-vms", timeout=5)
        ready = requests.get(f"{server.url}/readyz", timeout=5).json()
        assert not stale.exists()
        assert list(metrics_dir.glob("*.db"))  # the workers write their figures there
        # No access log from gunicorn: the app's own JSON line per request is the only record of it.
        assert not [line for line in server.log_lines() if '"GET /v1/rules' in line]
    assert rule.status_code == 200
    assert Path(rule.json()["file"]).parent == ORG_RULES
    assert ready["ruleset"]["version"].endswith("+local")


# --- Dockerfile ------------------------------------------------------------------------------------------


def test_hadolint_passes_at_warning_level():
    done = subprocess.run(
        [tool("hadolint"), "-t", "warning", str(DEPLOY / "Dockerfile")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "text",
    ["FROM python:latest\nCMD gunicorn\n", "FROM python\nRUN cd /app && pip install flask\n"],
    ids=["latest-tag", "untagged-base-and-cd"],
)
def test_hadolint_gate_catches_mistakes(tmp_path, text):
    bad = tmp_path / "Dockerfile"
    bad.write_text(text)
    assert subprocess.run([tool("hadolint"), "-t", "warning", str(bad)], capture_output=True).returncode != 0


def test_dockerfile_builds_a_wheel_then_a_runtime_from_pinned_bases():
    builder, runtime = stages()
    for stage in (builder, runtime):
        image = stage[0].value[0]
        tag = image.partition(":")[2]
        assert tag and tag != "latest", image
    assert builder[0].value[2] == "builder"
    assert any("pip wheel" in c.value[0] for c in builder if c.cmd == "RUN")
    install = [c for c in runtime if c.cmd == "RUN" and "pip install" in c.value[0]]
    assert any("from=builder" in flag for c in install for flag in c.flags)
    assert any("--constraint /tmp/constraints.txt" in c.value[0] for c in install)
    assert ("constraints.txt", "/tmp/constraints.txt") in [c.value for c in runtime if c.cmd == "COPY"]


def test_dockerfile_runs_as_a_numeric_non_root_user():
    user = only(stages()[-1], "USER").value[0]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) > 0
    assert not gid or gid.isdigit()


def test_dockerfile_cmd_runs_gunicorn_with_the_copied_settings():
    runtime = stages()[-1]
    cmd = only(runtime, "CMD")
    assert cmd.json
    assert cmd.value[:2] == ("gunicorn", "-c")
    workdir = Path(only(runtime, "WORKDIR").value[0])
    copied = {workdir / c.value[-1] for c in runtime if c.cmd == "COPY"}
    assert workdir / cmd.value[2] in copied


def test_dockerfile_listens_on_all_interfaces_at_the_default_port(default_port):
    runtime = stages()[-1]
    assert only(runtime, "EXPOSE").value == (str(default_port),)
    (env,) = [c.value for c in runtime if c.cmd == "ENV"]
    settings = dict(zip(env[::2], env[1::2], strict=True))
    assert settings["ADVISOR_HOST"] == "0.0.0.0"
    assert settings.get("ADVISOR_PORT", str(default_port)) == str(default_port)


def test_dockerfile_copies_only_what_exists_and_the_ignore_file_lets_through():
    allowed = {
        line[1:].rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    sources = [
        source for c in instructions() if c.cmd == "COPY" and not c.flags for source in c.value[:-1]
    ]  # COPY --from=... copies between stages, not from the build context
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert source in allowed, f"{source} is left out of the build context by Dockerfile.dockerignore"


def healthcheck_argv() -> list[str]:
    check = only(stages()[-1], "HEALTHCHECK")
    assert check.json
    kind, program, *args = check.value
    assert (kind, program) == ("CMD", "python")  # slim images have no curl
    return args


@pytest.mark.live
def test_healthcheck_passes_against_the_live_service_and_fails_without_it(live_server):
    args = healthcheck_argv()
    live_port = live_server.rsplit(":", 1)[1]
    healthy = subprocess.run([sys.executable, *args], env=clean_env(ADVISOR_PORT=live_port), capture_output=True)
    assert healthy.returncode == 0, healthy.stderr
    closed = subprocess.run([sys.executable, *args], env=clean_env(ADVISOR_PORT=str(free_port())), capture_output=True)
    assert closed.returncode != 0
    assert "/healthz" in " ".join(args)


# --- compose ---------------------------------------------------------------------------------------------


def test_compose_builds_this_dockerfile_and_publishes_it_only_through_the_proxy(default_port):
    service = compose_service()
    context = (DEPLOY / service["build"]["context"]).resolve()
    assert context / service["build"]["dockerfile"] == DEPLOY / "Dockerfile"
    assert "ports" not in service
    assert service["expose"] == [only(stages()[-1], "EXPOSE").value[0]] == [str(default_port)]
    proxy = compose_service("proxy")
    (mount,) = proxy["volumes"]
    assert (DEPLOY / mount["source"]).resolve() == DEPLOY / "nginx" / "advisor.conf" and mount["read_only"]
    assert mount["target"] == "/etc/nginx/conf.d/default.conf"
    conf = (DEPLOY / "nginx" / "advisor.conf").read_text(encoding="utf-8")
    assert f"server advisor:{default_port};" in conf
    (published,) = proxy["ports"]
    assert published == f"{default_port}:8080" and "listen 8080;" in conf
    assert proxy["depends_on"]["advisor"]["condition"] == "service_healthy"


def test_compose_healthcheck_is_the_images():
    test = compose_service()["healthcheck"]["test"]
    assert test == ["CMD", "python", *healthcheck_argv()]


def test_compose_mounts_org_rules_read_only_where_advisor_rules_points(tmp_path):
    service = compose_service()
    assert service["read_only"] is True
    assert any(entry.split(":")[0] == "/tmp" for entry in service["tmpfs"])
    (mount,) = [v for v in service["volumes"] if v["target"] == service["environment"]["ADVISOR_RULES"]]
    assert mount["type"] == "bind" and mount["read_only"] is True
    default_source = mount["source"].removeprefix("${ADVISOR_ORG_RULES:-").removesuffix("}")
    assert (DEPLOY / default_source).resolve() == ORG_RULES


# --- Kubernetes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml"))
def test_manifest_is_valid_kubernetes(path):
    document = yaml.safe_load((KUBERNETES / path).read_text(encoding="utf-8"))
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    ("where", "key"),
    [(("spec", "template", "spec"), "securityContxt"), (("spec",), "replica")],
    ids=["misspelt-pod-field", "misspelt-deployment-field"],
)
def test_strict_validation_refuses_a_misspelt_field(where, key):
    document = copy.deepcopy(manifests()["Deployment"])
    target = document
    for step in where:
        target = target[step]
    target[key] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_and_the_image():
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    files = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    image_names = {image["name"] for image in kustomization["images"]}
    assert container()["image"].split(":")[0] in image_names


def test_deployment_runs_several_replicas_with_probes_on_the_services_port(default_port):
    assert manifests()["Deployment"]["spec"]["replicas"] >= 2
    probes = {kind: container()[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == "/readyz"
    declared = [p["containerPort"] for p in container()["ports"]]
    assert declared == [default_port]
    assert {container_port(probe["port"]) for probe in probes.values()} == {default_port}
    env = {e["name"]: e["value"] for e in container()["env"]}
    assert int(env.get("ADVISOR_PORT", default_port)) == default_port


def test_deployment_is_locked_down():
    pod = pod_spec()
    security = container()["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    merged = {**pod["securityContext"], **security}
    assert merged["runAsNonRoot"] is True
    assert merged["seccompProfile"] == {"type": "RuntimeDefault"}
    image_uid = only(stages()[-1], "USER").value[0].split(":")[0]
    assert str(merged["runAsUser"]) == image_uid
    volumes = {v["name"]: v for v in pod["volumes"]}
    (tmp,) = [m for m in container()["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[tmp["name"]]


def test_deployment_requests_and_limits_resources():
    resources = container()["resources"]
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= resources[bound].keys()


def test_org_rules_configmap_is_mounted_where_advisor_rules_points():
    env = {e["name"]: e["value"] for e in container()["env"]}
    (mount,) = [m for m in container()["volumeMounts"] if m["mountPath"] == env["ADVISOR_RULES"]]
    assert mount["readOnly"] is True
    assert "subPath" not in mount  # a subPath mount never sees ConfigMap updates
    volume = next(v for v in pod_spec()["volumes"] if v["name"] == mount["name"])
    assert volume["configMap"]["name"] == manifests()["ConfigMap"]["metadata"]["name"]


def test_service_and_disruption_budget_select_the_pods():
    labels = manifests()["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = manifests()["Service"]["spec"]
    assert service["selector"].items() <= labels.items()
    (port,) = service["ports"]
    assert container_port(port["targetPort"]) == container()["ports"][0]["containerPort"]
    assert manifests()["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_autoscaler_scales_the_deployment_on_cpu():
    hpa = manifests()["HorizontalPodAutoscaler"]
    deployment = manifests()["Deployment"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert "cpu" in container()["resources"]["requests"]  # utilisation is measured against the request


# --- the organisation's rules ----------------------------------------------------------------------------


def test_configmap_rules_load_with_the_real_loader(tmp_path, runner):
    data = manifests()["ConfigMap"]["data"]
    assert data and all(name.endswith((".yaml", ".yml")) for name in data)
    for name, text in data.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    validated = runner.invoke(cli, ["rules", "validate", str(tmp_path)])
    assert validated.exit_code == 0, validated.output
    assert validated.output.startswith("ok: ")
    ruleset = load_rules([tmp_path], use_env=False)
    defined = {rule["id"] for text in data.values() for rule in yaml.safe_load(text)["rules"]}
    assert defined <= set(ruleset.files)
    assert all(Path(ruleset.files[rule_id]).parent == tmp_path for rule_id in defined)


def test_configmap_carries_the_org_rules_folder():
    """compose mounts deploy/org-rules, Kubernetes the ConfigMap: both must hold the same rules."""
    data = manifests()["ConfigMap"]["data"]
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in ORG_RULES.iterdir() if p.is_file()}
    assert data == on_disk


def test_org_rules_have_passing_tests(runner):
    tested = runner.invoke(cli, ["rules", "test", str(ORG_RULES)])
    assert tested.exit_code == 0, tested.output


def test_ingress_asks_ingress_nginx_for_the_proxys_limits():
    """The Kubernetes way in has the limits of deploy/nginx/advisor.conf, which the reliability tests attack."""
    ingress = manifests()["Ingress"]
    annotations = {
        k.removeprefix("nginx.ingress.kubernetes.io/"): v for k, v in ingress["metadata"]["annotations"].items()
    }
    conf = (DEPLOY / "nginx" / "advisor.conf").read_text(encoding="utf-8")
    directive = {}  # name -> first value of each one-line directive
    for line in conf.splitlines():
        words = line.split("#")[0].split()
        if len(words) >= 2 and words[-1].endswith(";"):
            directive.setdefault(words[0], words[1].rstrip(";"))
    assert annotations["proxy-body-size"] == directive["client_max_body_size"] == "256k"
    assert annotations["client-body-buffer-size"] == directive["client_body_buffer_size"]
    assert annotations["proxy-request-buffering"] == directive["proxy_request_buffering"] == "on"
    assert annotations["proxy-buffering"] == directive["proxy_buffering"] == "on"
    assert f"{annotations['proxy-read-timeout']}s" == directive["proxy_read_timeout"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": manifests()["Service"]["metadata"]["name"], "port": {"name": "http"}}


# --- Checkov over deploy/ --------------------------------------------------------------------------------

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"  # its own virtualenv (make test builds it): see Makefile


@pytest.mark.checkov
def test_checkov_passes_deploy_and_catches_a_manifest_in_the_default_namespace(tmp_path):
    """Every Checkov check passes on deploy/, or is skipped inline with its reason; a known-bad manifest fails."""
    checkov = str(CHECKOV) if CHECKOV.exists() else shutil.which("checkov")
    if checkov is None:
        pytest.fail(f"{CHECKOV} is missing: `make test` builds it (the $(CHECKOV) target)")
    bad = tmp_path / "bad"
    bad.mkdir()
    deployment = manifests()["Deployment"]
    del deployment["metadata"]["namespace"]
    (bad / "deployment.yaml").write_text(yaml.safe_dump(deployment), encoding="utf-8")
    out = tmp_path / "out"
    frameworks = ["--framework", "kubernetes", "dockerfile", "kustomize"]
    where = ["--directory", str(DEPLOY), "--directory", str(bad)]
    subprocess.run(
        [checkov, "--skip-download", *frameworks, *where, "--output", "json", "--output-file-path", str(out)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    reports = json.loads((out / "results_json.json").read_text(encoding="utf-8"))
    reports = reports if isinstance(reports, list) else [reports]
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    passed = [c for r in reports for c in r["results"]["passed_checks"]]
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]
    in_deploy = [f"{c['check_id']} {c['file_path']}" for c in failed if not c["file_abs_path"].startswith(str(bad))]
    assert in_deploy == []
    assert {c["check_id"] for c in failed} >= {"CKV_K8S_21"}  # the default namespace, caught
    assert len(passed) > 50
    for check in skipped:
        assert len(check["check_result"].get("suppress_comment") or "") > 20, check["check_id"]


def test_everything_lives_in_its_own_namespace_behind_a_network_policy():
    found = manifests()
    namespace = found["Namespace"]["metadata"]["name"]
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    assert namespace == kustomization["namespace"] != "default"
    for kind, manifest in found.items():
        if kind != "Namespace":
            assert manifest["metadata"]["namespace"] == namespace, kind
    policy = found["NetworkPolicy"]["spec"]
    assert policy["podSelector"]["matchLabels"] == found["Deployment"]["spec"]["selector"]["matchLabels"]
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"] and policy["egress"] == []
    (rule,) = policy["ingress"]
    admitted = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule["from"]}
    assert admitted == {"ingress-nginx", "prometheus"}
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]


def test_uploads_get_the_apps_upload_limit_at_both_proxies():
    """POST /v1/assessments takes megabytes: nginx's location and its own Ingress both say the app's limit."""
    from advisor.settings import DEFAULT_MAX_UPLOAD_BYTES

    assert DEFAULT_MAX_UPLOAD_BYTES == 32 * 1024 * 1024
    uploads = yaml.safe_load((KUBERNETES / "ingress-uploads.yaml").read_text(encoding="utf-8"))
    annotations = uploads["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "32m"
    (path,) = uploads["spec"]["rules"][0]["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/v1/assessments", "Exact")
    main = manifests()["Ingress"]["metadata"]["annotations"]
    # Every limit but the body's is the main Ingress's.
    assert {k: v for k, v in annotations.items() if "body" not in k} == {
        k: v for k, v in main.items() if "body" not in k
    }
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "ingress-uploads.yaml" in kustomization["resources"]
    conf = (DEPLOY / "nginx" / "advisor.conf").read_text(encoding="utf-8")
    location = conf[conf.index("location = /v1/assessments {") :]
    assert "client_max_body_size 32m;" in location[: location.index("}")]


class _Untouchable:
    """A request or response whose every attribute read fails: gunicorn reads them only to build a line."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the access line was built (it read .{name})")


def _gunicorn_logger(**settings: Any) -> Any:
    """The logger class deploy/gunicorn.conf.py names, set up with its settings (and `settings` on top)."""
    import logging

    from gunicorn.config import Config

    conf = runpy.run_path(str(CONF))
    config = Config()
    for name in ("logconfig_dict", "loglevel", "errorlog", "accesslog"):
        config.set(name, conf[name])
    for name, value in settings.items():
        config.set(name, value)
    logger = conf["logger_class"](config)
    assert config.logger_class is not None and isinstance(logger.access_log, logging.Logger)
    return logger


def test_gunicorn_builds_no_access_line_nobody_will_read():
    logger = _gunicorn_logger()
    assert not logger.access_log.hasHandlers()  # the app logs each request itself
    logger.access(_Untouchable(), _Untouchable(), {}, None)  # returns at once: nothing read, nothing built


def test_an_access_handler_an_operator_adds_still_gets_its_lines(tmp_path):
    import datetime
    import logging

    logger = _gunicorn_logger()
    handler = logging.FileHandler(tmp_path / "access.log")
    logger.access_log.addHandler(handler)
    try:

        class Response:
            status = "200 OK"
            headers = [("Content-Type", "application/json")]
            sent = 42

        class Sent:
            method, path, query, version, uri = "POST", "/v1/recommendations", "", (1, 1), "/v1/recommendations"
            headers = [("USER-AGENT", "curl/8")]

        environ = {
            "REQUEST_METHOD": "POST",
            "RAW_URI": "/v1/recommendations",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        logger.access(Response(), Sent(), environ, datetime.timedelta(milliseconds=3))
    finally:
        logger.access_log.removeHandler(handler)
        handler.close()
    line = (tmp_path / "access.log").read_text()
    assert '"POST /v1/recommendations HTTP/1.1" 200 42' in line
