"""A starter Dockerfile and .dockerignore for a profile's workload, shaped like `docker init`'s templates.

Explicit base-image tags of supported releases (data/images.yaml holds each one's end of support, and a test
fails when one is past it), a build stage where there is a build, dependencies installed before the source is
copied with BuildKit cache mounts (so editing code reuses the cached install, and a changed manifest
downloads only what changed), a non-root user listening on ports above 1023, EXPOSE and a HEALTHCHECK for a
service's ports (none for a batch job), a CUDA runtime base for a GPU workload, and an exec-form command.
Every profile value that reaches the file is either held by the profile model to a grammar that cannot end an
instruction (name, ports, packages, health_path) or written inside a JSON
exec-form array (command, health check), so no profile can add an instruction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from advisor.generators import Artifact
from advisor.models import WorkloadProfile

LINUX_UID = 10001  # high and numeric, so it matches no host account and hadolint's DL3066 is satisfied
ADD_USER = f"RUN useradd --system --no-log-init --uid {LINUX_UID} --no-create-home --shell /usr/sbin/nologin appuser"
# Ports below 1024 are privileged: a non-root process may not bind them unless the runtime lowers
# net.ipv4.ip_unprivileged_port_start (Docker does, Kubernetes and Podman need not), so the app listens this
# much higher (443 -> 8443, 80 -> 8080) and `docker run -p` publishes the port the profile asked for.
UNPRIVILEGED_OFFSET = 8000
BUSYBOX = "busybox:1.37.0-uclibc"  # a static binary: its wget runs in any final image, distroless included
WGET = "/usr/local/bin/wget"
POWERSHELL = (
    'SHELL ["powershell", "-Command", "$ErrorActionPreference = \'Stop\'; $ProgressPreference = \'SilentlyContinue\';"]'
)
RUN_AS = {
    str(LINUX_UID): "the unprivileged user made above",
    "1000": "the node image's own unprivileged user, node",
    "1654": "the .NET image's own unprivileged user, app ($APP_UID)",
    "101": "nginx-unprivileged's own user, nginx",
    "65532": "distroless's own unprivileged user, nonroot",
    "ContainerUser": "Windows' unprivileged account (the default, ContainerAdministrator, is an administrator)",
}
HEALTH_OPTIONS = "--interval=30s --timeout=5s --start-period=15s --retries=3"
# CUDA 13.0's runtime libraries on Ubuntu 24.04: NVIDIA supports a toolkit's images while the driver branch it
# shipped with is supported (R580, a long-term branch); the host needs that driver or a newer one.
CUDA_RUNTIME = "nvidia/cuda:13.0.2-runtime-ubuntu24.04"
GPU_RUN = "--gpus all"
# The Windows Node.js release zip and its SHA-256 from nodejs.org's SHASUMS256.txt for that release.
NODE_WINDOWS_VERSION = "24.11.1"
NODE_WINDOWS_SHA256 = "5355ae6d7c49eddcfde7d34ac3486820600a831bf81dc3bdca5c8db6a9bb0e76"


def cache_mounts(*mounts: str) -> str:
    """BuildKit mount flags for a RUN: cache=TARGET keeps a download cache between builds, bind=FILE reads a
    manifest from the build context without a layer of its own."""
    flags = []
    for mount in mounts:
        kind, _, where = mount.partition("=")
        if kind == "cache":
            flags.append(f"--mount=type=cache,target={where}")
        else:
            flags.append(f"--mount=type=bind,source={where},target={where}")
    return "RUN " + " \\\n    ".join(flags) + " \\\n    "


def exec_form(argv: list[str]) -> str:
    """Write argv as a JSON array: Docker's exec form, where no character of an argument can end the line.

    Non-ASCII characters (U+2028 too) and backslashes are written as \\u escapes: Docker reads them as JSON
    does, and hadolint, which misreads an escaped backslash before a quote, reads them right as well.
    """
    return json.dumps(argv).replace("\\\\", "\\u005c")


@dataclass(frozen=True)
class Recipe:
    """How one runtime is built and run on one OS family: the stages before the last, and the last stage."""

    build: tuple[str, ...]  # lines of the build stage(s), empty when nothing is compiled
    image: str  # base image of the final stage
    setup: tuple[str, ...]  # final-stage lines between FROM (and packages, user) and USER
    user: str | None  # USER of the final stage; None keeps the image's own
    command: list[str]  # the usual command when the profile gives none
    health: str  # how the health check fetches its URL: python, node, wget or curl
    add_user: bool = False  # the final image has no unprivileged user of its own
    root_for_apt: bool = False  # the image starts as a non-root user, so apt needs USER 0 first
    entrypoint: bool = False  # the image's ENTRYPOINT is not a pass-through: replace it instead of adding a CMD


def uses_gpu(profile: WorkloadProfile) -> bool:
    """Whether the image is built on CUDA's runtime: a Linux Python workload that needs a GPU."""
    return profile.hardware.gpu and profile.workload.runtime == "python" and not is_windows(profile)


def is_batch(profile: WorkloadProfile) -> bool:
    """Whether the workload is a batch job (it runs and exits): no ports, health check or web server.

    A static site is served whatever its architecture says, so it is never treated as a batch job.
    """
    return profile.workload.architecture == "batch" and profile.workload.runtime != "static"


def published_ports(profile: WorkloadProfile) -> list[tuple[int, int]]:
    """The (host port, container port) pairs the container listens on: none for a batch job.

    On Linux a port below 1024 is moved up by UNPRIVILEGED_OFFSET (to the next free port if that one is taken),
    so the non-root user can bind it; Windows containers have no privileged ports.
    """
    if is_batch(profile):
        return []
    ports = list(dict.fromkeys(profile.workload.ports))
    if is_windows(profile):
        return [(port, port) for port in ports]
    taken = set(ports)
    pairs = []
    for port in ports:
        inside = port
        if port < 1024:
            inside = port + UNPRIVILEGED_OFFSET
            while inside in taken:
                inside += 1
            taken.add(inside)
        pairs.append((port, inside))
    return pairs


def _listen(profile: WorkloadProfile) -> list[int]:
    return [inside for _, inside in published_ports(profile)]


def run_flags(profile: WorkloadProfile) -> str:
    """The `docker run` flags the image needs: the GPUs and the published ports, each followed by a space."""
    flags = f"{GPU_RUN} " if uses_gpu(profile) else ""
    return flags + "".join(f"-p {host}:{inside} " for host, inside in published_ports(profile))


def _python(profile: WorkloadProfile, windows: bool) -> Recipe:
    manifest = "# CHANGE: install from pyproject.toml, poetry.lock or uv.lock instead if your project uses one.\n"
    if windows:  # Windows images build with the classic builder, which has no cache mounts
        install = "COPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt"
    else:
        install = cache_mounts("cache=/root/.cache/pip", "bind=requirements.txt") + "pip install -r requirements.txt"
    setup = (
        "# No .pyc files in the image; logs reach `docker logs` at once instead of waiting in a buffer.\n"
        "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1",
        "WORKDIR C:/app" if windows else "WORKDIR /app",
        "# Dependencies before the source, so editing code reuses the cached install layer.\n" + manifest + install,
        "COPY . .",
    )
    ports = _listen(profile)
    if is_batch(profile):
        command = ["python", "main.py"]
    elif windows or not ports:
        command = ["python", "app.py"]
    else:  # gunicorn is the usual production server on Linux; it does not run on Windows
        binds = [arg for port in ports for arg in ("--bind", f"0.0.0.0:{port}")]
        command = ["python", "-m", "gunicorn", *binds, "app:app"]
    if windows:
        image = "python:3.13-windowsservercore-ltsc2022"
        return Recipe((), image, setup, "ContainerUser", command, "python")
    if uses_gpu(profile):
        # CUDA's image has no Python: Ubuntu's python3 (3.12, kept patched by Ubuntu) in a virtual environment,
        # since Ubuntu's own Python refuses pip installs outside one (PEP 668).
        python = (
            "# Python for the CUDA image: Ubuntu's own, updated with Ubuntu's security fixes, in a virtual\n"
            "# environment. CHANGE: pin python3 and python3-venv as name=version once you have tested them.\n"
            "# hadolint ignore=DL3008\n"
            "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends python3 python3-venv \\\n"
            "    && rm -rf /var/lib/apt/lists/* \\\n    && python3 -m venv /opt/venv",
            'ENV PATH="/opt/venv/bin:$PATH"',
        )
        return Recipe((), CUDA_RUNTIME, python + setup, str(LINUX_UID), command, "python", add_user=True)
    return Recipe((), "python:3.13-slim-trixie", setup, str(LINUX_UID), command, "python", add_user=True)


def _node(profile: WorkloadProfile, windows: bool) -> Recipe:
    ports = _listen(profile)
    port = f" \\\n    PORT={ports[0]}" if ports else ""
    if windows:
        dependencies = "COPY package.json package-lock.json ./\nRUN npm ci --omit=dev"
    else:
        mounts = cache_mounts("cache=/root/.npm", "bind=package.json", "bind=package-lock.json")
        dependencies = mounts + "npm ci --omit=dev"
    install = (
        f"ENV NODE_ENV=production{port}",
        "WORKDIR C:/app" if windows else "WORKDIR /app",
        "# Dependencies before the source, so editing code reuses the cached install layer.\n" + dependencies,
        "COPY . .",
    )
    command = ["node", "index.js"]
    if windows:  # there is no official Windows Node.js image: install the release zip on Server Core
        download = (
            "# CHANGE: the Node.js 24 LTS release your code is tested on, and its zip's SHA-256 from that release's\n"
            "# SHASUMS256.txt (https://nodejs.org/dist/vVERSION/SHASUMS256.txt, signed by the Node.js releasers).\n"
            f"ARG NODE_VERSION={NODE_WINDOWS_VERSION}\nARG NODE_SHA256={NODE_WINDOWS_SHA256}",
            # After the ARG: hadolint forgets a SHELL that an ARG follows, and would check PowerShell as sh.
            POWERSHELL,
            "# The download is refused unless its SHA-256 is the one pinned above.\n"
            'RUN Invoke-WebRequest -Uri "https://nodejs.org/dist/v$env:NODE_VERSION/'
            'node-v$env:NODE_VERSION-win-x64.zip" -OutFile node.zip; \\\n'
            "    if ((Get-FileHash node.zip -Algorithm SHA256).Hash -ne $env:NODE_SHA256) "
            "{ throw 'node.zip does not match NODE_SHA256' }; \\\n"
            "    Expand-Archive node.zip -DestinationPath C:/; \\\n"
            '    Rename-Item "C:/node-v$env:NODE_VERSION-win-x64" C:/nodejs; \\\n'
            "    Remove-Item node.zip; \\\n"
            "    setx /M PATH $($env:PATH + ';C:\\nodejs')",
        )
        image = "mcr.microsoft.com/windows/servercore:ltsc2022"
        return Recipe((), image, download + install, "ContainerUser", command, "curl")
    # The node image has its own unprivileged user, `node`, with uid 1000.
    return Recipe((), "node:24-trixie-slim", install, "1000", command, "node")


def _go(profile: WorkloadProfile, windows: bool) -> Recipe:
    build_image = "golang:1.27-windowsservercore-ltsc2022" if windows else "golang:1.27-trixie"
    out = "C:/out/server.exe" if windows else "/out/server"
    if windows:
        download = "COPY go.mod go.sum ./\nRUN go mod download"
        compile_ = f"RUN go build -trimpath -o {out} ."
    else:
        download = cache_mounts("cache=/go/pkg/mod", "bind=go.mod", "bind=go.sum") + "go mod download"
        compile_ = cache_mounts("cache=/go/pkg/mod", "cache=/root/.cache/go-build")
        compile_ += f'go build -trimpath -ldflags="-s -w" -o {out} .'
    build = (
        f"FROM {build_image} AS build",
        "WORKDIR C:/src" if windows else "WORKDIR /src",
        "# Modules before the source, so editing code reuses the cached download layer.\n" + download,
        "COPY . .",
        "# A static binary, so the final image needs no C library.\nENV CGO_ENABLED=0",
        "# CHANGE: the package to build if main is not at the module root (./cmd/server).\n" + compile_,
    )
    if windows:
        setup = ("COPY --from=build C:/out/server.exe C:/app/server.exe",)
        image = "mcr.microsoft.com/windows/nanoserver:ltsc2022"
        return Recipe(build, image, setup, "ContainerUser", ["C:/app/server.exe"], "curl")
    setup = ("COPY --from=build /out/server /usr/local/bin/server",)
    if profile.workload.packages:  # distroless has no package manager: use Debian slim to install them
        image = "debian:trixie-slim"
        return Recipe(build, image, setup, str(LINUX_UID), ["/usr/local/bin/server"], "wget", add_user=True)
    # Distroless: no shell and no package manager, only certificates, tzdata and a `nonroot` user (65532).
    image = "gcr.io/distroless/static-debian13:nonroot"
    return Recipe(build, image, setup, "65532", ["/usr/local/bin/server"], "wget")


def _java(profile: WorkloadProfile, windows: bool) -> Recipe:
    if windows:
        build: tuple[str, ...] = (
            "FROM eclipse-temurin:21-jdk-windowsservercore-ltsc2022 AS build",
            POWERSHELL,
            "WORKDIR C:/src",
            "# The Maven wrapper and the POM before the source, so editing code reuses the cached dependencies.\n"
            "COPY mvnw.cmd pom.xml ./\nCOPY .mvn/ .mvn/\nRUN ./mvnw.cmd --batch-mode dependency:go-offline",
            "COPY src/ src/",
            "# CHANGE: copy the one jar your build produces if the target folder holds several.\n"
            "RUN ./mvnw.cmd --batch-mode package '-DskipTests'\n"
            "RUN New-Item -ItemType Directory C:/out; Copy-Item target/*.jar C:/out/app.jar",
        )
        setup = ("WORKDIR C:/app", "COPY --from=build C:/out/app.jar ./app.jar")
        image = "eclipse-temurin:21-jre-windowsservercore-ltsc2022"
        return Recipe(build, image, setup, "ContainerUser", ["java", "-jar", "C:/app/app.jar"], "curl")
    build = (
        "FROM eclipse-temurin:21-jdk-noble AS build",
        "WORKDIR /src",
        "# The Maven wrapper and the POM before the source, so editing code reuses the cached dependencies.\n"
        "COPY --chmod=0755 mvnw ./\nCOPY .mvn/ .mvn/\nCOPY pom.xml ./\n"
        + cache_mounts("cache=/root/.m2")
        + "./mvnw --batch-mode dependency:go-offline",
        "COPY src/ src/",
        "# CHANGE: copy the one jar your build produces if the target folder holds several.\n"
        + cache_mounts("cache=/root/.m2")
        + "./mvnw --batch-mode package -DskipTests && mkdir /out && cp target/*.jar /out/app.jar",
    )
    setup = ("WORKDIR /app", "COPY --from=build /out/app.jar ./app.jar")
    image = "eclipse-temurin:21-jre-noble"
    return Recipe(build, image, setup, str(LINUX_UID), ["java", "-jar", "/app/app.jar"], "wget", add_user=True)


def _dotnet(profile: WorkloadProfile, windows: bool) -> Recipe:
    # .NET 10 ships no Debian images: Ubuntu 24.04 (noble) is its Linux default.
    variant = "windowsservercore-ltsc2022" if windows else "noble"
    nuget = "" if windows else cache_mounts("cache=/root/.nuget/packages").removeprefix("RUN ")
    build = (
        f"FROM mcr.microsoft.com/dotnet/sdk:10.0-{variant} AS build",
        "WORKDIR C:/src" if windows else "WORKDIR /src",
        "# The project file before the source, so editing code reuses the cached restore.\n"
        "# CHANGE: copy every .csproj (and the .sln) if the solution has several projects.\n"
        f"COPY *.csproj ./\nRUN {nuget}dotnet restore",
        "COPY . .",
        f"RUN {nuget}dotnet publish --configuration Release --no-restore --output {'C:/app' if windows else '/app'}",
    )
    ports = _listen(profile)
    listen = (f'ENV ASPNETCORE_HTTP_PORTS="{";".join(map(str, ports))}"',) if ports else ()
    workdir = "WORKDIR C:/app" if windows else "WORKDIR /app"
    setup = (*listen, workdir, f"COPY --from=build {'C:/app' if windows else '/app'} ./")
    command = ["dotnet", "App.dll"]  # the assembly is named after the project: the CMD comment says CHANGE
    if windows:
        image = "mcr.microsoft.com/dotnet/aspnet:10.0-nanoserver-ltsc2022"
        return Recipe(build, image, setup, "ContainerUser", command, "curl")
    # The .NET images have their own unprivileged user, `app`, with uid 1654 ($APP_UID).
    return Recipe(build, f"mcr.microsoft.com/dotnet/aspnet:10.0-{variant}", setup, "1654", command, "wget")


def _static(profile: WorkloadProfile, windows: bool) -> Recipe:
    ports = _listen(profile)
    files = "# CHANGE: the folder your build writes the site to (dist/, build/, public/)."
    rebind: tuple[str, ...]
    if windows:
        rebind = ()
        if ports and ports[0] != 80:
            rebind = (
                f"RUN Import-Module WebAdministration; Set-WebBinding -Name 'Default Web Site' "
                f"-BindingInformation '*:80:' -PropertyName Port -Value {ports[0]}",
            )
        setup = (POWERSHELL, *rebind, f"{files}\nCOPY dist/ C:/inetpub/wwwroot/")
        image = "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"
        command = ["C:/ServiceMonitor.exe", "w3svc"]
        return Recipe((), image, setup, None, command, "curl", entrypoint=True)
    rebind = ()
    if ports and ports[0] != 8080:  # this image's nginx listens on 8080
        rebind = (f"RUN sed -i 's/8080/{ports[0]}/' /etc/nginx/conf.d/default.conf",)
    setup = (*rebind, f"{files}\nCOPY dist/ /usr/share/nginx/html/")
    # nginx-unprivileged runs as its own `nginx` user (uid 101) and already writes its pid and cache where it may.
    image = "nginxinc/nginx-unprivileged:1.30-trixie"
    command = ["nginx", "-g", "daemon off;"]
    return Recipe((), image, setup, "101", command, "wget", root_for_apt=True)


def _other(profile: WorkloadProfile, windows: bool) -> Recipe:
    copy = "# CHANGE: copy only what the program needs to run, and build it in an earlier stage if it compiles."
    if windows:
        setup = ("WORKDIR C:/app", f"{copy}\nCOPY . .")
        image = "mcr.microsoft.com/windows/servercore:ltsc2022"
        return Recipe((), image, setup, "ContainerUser", ["C:/app/start.exe"], "curl")
    setup = ("WORKDIR /app", f"{copy}\nCOPY . .")
    return Recipe((), "debian:trixie-slim", setup, str(LINUX_UID), ["/app/start"], "wget", add_user=True)


RECIPES: dict[str, Callable[[WorkloadProfile, bool], Recipe]] = {
    "python": _python,
    "node": _node,
    "go": _go,
    "java": _java,
    "dotnet": _dotnet,
    "static": _static,
    "other": _other,
}


def is_windows(profile: WorkloadProfile) -> bool:
    """Whether the workload needs Windows, so its image must be a Windows one."""
    return "windows" in profile.workload.os


def _packages(profile: WorkloadProfile, recipe: Recipe, windows: bool) -> tuple[list[str], list[str]]:
    """The lines that install the profile's Debian packages, and the notes about them."""
    packages = profile.workload.packages
    if not packages:
        return [], []
    names = ", ".join(packages)
    if windows:
        note = f"workload.packages ({names}) are Debian packages, which a Windows image cannot install."
        comment = f"# The profile lists Debian packages ({names}), which a Windows image cannot install.\n"
        return [comment + "# CHANGE: install the Windows equivalents here, with a RUN step."], [note]
    unpinned = [p for p in packages if "=" not in p]
    lines = []
    notes = []
    if recipe.root_for_apt:
        lines.append("# apt-get needs root; the image's own user comes back below.\nUSER 0")
    listing = " \\\n".join(f"        {p}" for p in packages)
    install = f"RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n{listing} \\\n"
    install += "    && rm -rf /var/lib/apt/lists/*"
    if unpinned:
        # Unpinned is what the profile asked for; say so in the file rather than invent versions.
        comment = (
            "# System packages from the profile.\n"
            f"# CHANGE: pin {', '.join(unpinned)} as name=version (`apt-cache policy NAME` shows the candidate)\n"
            "# so that rebuilds install what you tested; then delete the hadolint line below.\n"
            "# hadolint ignore=DL3008"
        )
        notes.append(
            f"workload.packages: {', '.join(unpinned)} not pinned; the Dockerfile says where to pin them (DL3008)."
        )
    else:
        comment = "# System packages from the profile, pinned so that rebuilds install what you tested."
    lines.append(f"{comment}\n{install}")
    return lines, notes


def health_argv(profile: WorkloadProfile) -> list[str]:
    """The health check's command, as the image runs it: fetch health_path (or /) on the first port."""
    windows = is_windows(profile)
    return _health_argv(profile, RECIPES[profile.workload.runtime](profile, windows).health, windows)


def _health_argv(profile: WorkloadProfile, how: str, windows: bool) -> list[str]:
    port = _listen(profile)[0]
    url = f"http://{'localhost' if windows else '127.0.0.1'}:{port}{profile.workload.health_path or '/'}"
    # The URL sits inside a Python or a JavaScript string literal: repr and JSON write one that holds any text.
    return {
        "python": ["python", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"],
        "node": [
            "node",
            "-e",
            f"fetch({json.dumps(url)}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
        ],
        "wget": [WGET, "-q", "-T", "4", "-O", "/dev/null", url],
        "curl": ["curl.exe", "--fail", "--silent", "--max-time", "4", "--output", "NUL", url],
    }[how]


def _health(profile: WorkloadProfile, how: str, windows: bool) -> str:
    port = _listen(profile)[0]
    argv = _health_argv(profile, how, windows)
    path = "its health_path" if profile.workload.health_path else "/ (CHANGE: set workload.health_path)"
    return f"# Healthy when {path} answers on port {port}.\nHEALTHCHECK {HEALTH_OPTIONS} \\\n    CMD {exec_form(argv)}"


def _header(profile: WorkloadProfile, windows: bool) -> list[str]:
    family = "Windows" if windows else "Linux"
    lines = [
        f"# Starter Dockerfile for {profile.name} ({profile.workload.runtime} on {family}), written by advisor.",
        '# Lines under a "CHANGE:" comment are guesses about your project: check them before the first build.',
        f"# Build: docker build -t {profile.name} .",
        f"# Run:   docker run --rm {run_flags(profile)}{profile.name}",
    ]
    if uses_gpu(profile):
        lines.append("# --gpus all needs the NVIDIA driver and the NVIDIA Container Toolkit on the host.")
    if windows:
        lines += [
            "# Windows containers: build and run on a Windows host with Docker in Windows-containers mode.",
            "# CHANGE: ltsc2022 tags suit Windows Server 2022; the image must match the host's Windows version",
            "# unless it runs with Hyper-V isolation (docker run --isolation=hyperv).",
        ]
    else:  # BuildKit's frontend, for COPY --chmod and RUN --mount; Windows builds use the classic builder
        lines[:0] = ["# syntax=docker/dockerfile:1"]
    return ["\n".join(lines)]


def _workload_notes(profile: WorkloadProfile, windows: bool) -> list[str]:
    notes = []
    moved = [(host, inside) for host, inside in published_ports(profile) if host != inside]
    if moved:
        pairs = ", ".join(f"{host} on {inside}" for host, inside in moved)
        notes.append(
            f"Ports below 1024 need root to bind, so the non-root app listens on higher ones ({pairs}); "
            "`docker run -p HOST:CONTAINER` publishes the port the profile asked for."
        )
    if is_batch(profile) and profile.workload.ports:
        notes.append(
            "workload.architecture is batch: the job runs and exits, so the image exposes no ports, has no HTTP "
            "health check and starts no web server (workload.ports is not used)."
        )
    if uses_gpu(profile):
        notes.append(
            f"hardware.gpu: built on CUDA's runtime image ({CUDA_RUNTIME}); run it with `docker run {GPU_RUN}` "
            "on a host with the NVIDIA driver and the NVIDIA Container Toolkit (on Kubernetes, request "
            "nvidia.com/gpu through the NVIDIA device plugin)."
        )
    elif profile.hardware.gpu:
        where = "Windows containers reach GPUs only through DirectX" if windows else "this runtime's image"
        notes.append(
            f"hardware.gpu: {where} has no CUDA libraries; base the final stage on {CUDA_RUNTIME} (or a CUDA image "
            f"of your framework) and run it with `docker run {GPU_RUN}`."
        )
    return notes


def _checkov_skips(profile: WorkloadProfile, recipe: Recipe, blocks: list[str]) -> str | None:
    """Checkov checks that do not fit this starter, as skip comments each with its reason; None if none."""
    skips = {}
    if is_batch(profile):
        skips["CKV_DOCKER_2"] = "a batch job runs and exits: no port to check, nothing for a HEALTHCHECK to watch"
    elif not _listen(profile):
        skips["CKV_DOCKER_2"] = "no port in the profile to check; add a HEALTHCHECK that fits the program"
    if recipe.user is None:
        skips["CKV_DOCKER_3"] = "IIS's ServiceMonitor runs as ContainerAdministrator; the site runs as its app pool"
    if any(line.startswith("WORKDIR C:/") for block in blocks for line in block.splitlines()):
        skips["CKV_DOCKER_10"] = "C:/app is an absolute Windows path; Checkov's pattern knows only C:\\ paths"
    return "\n".join(f"# checkov:skip={check}: {why}" for check, why in skips.items()) or None


def make_dockerfile(profile: WorkloadProfile) -> Artifact:
    """Return a starter Dockerfile for the profile's runtime and OS, with notes on what to change."""
    windows = is_windows(profile)
    recipe = RECIPES[profile.workload.runtime](profile, windows)
    workload = profile.workload
    ports = _listen(profile)
    blocks = _header(profile, windows)
    notes: list[str] = []
    if windows:
        notes.append("Windows image: it builds and runs only on a Windows host in Windows-containers mode.")
    if recipe.build:
        blocks += list(recipe.build)
    wget = recipe.health == "wget" and bool(ports)
    if wget:
        blocks.append(
            f"# Only for its static wget, for the HEALTHCHECK (this image has no curl or wget).\n"
            f"FROM {BUSYBOX} AS healthcheck"
        )
    blocks.append(
        "# The image the app runs in, with an explicit tag (never latest).\n"
        f"# CHANGE: the tag to the version you test on.\nFROM {recipe.image} AS final"
    )
    blocks.append(f'LABEL org.opencontainers.image.title="{profile.name}"')
    package_lines, package_notes = _packages(profile, recipe, windows)
    blocks += package_lines
    notes += package_notes
    if recipe.add_user:
        blocks.append(f"# A fixed, numeric, unprivileged user: the app never runs as root.\n{ADD_USER}")
    blocks += list(recipe.setup)
    if wget:
        blocks.append(f"COPY --from=healthcheck /bin/busybox {WGET}")
    if recipe.user is not None:
        blocks.append(f"# Run as {RUN_AS[recipe.user]}.\nUSER {recipe.user}")
    else:
        notes.append("IIS's ServiceMonitor runs as ContainerAdministrator; the site itself runs as its app-pool user.")
    if ports:
        blocks.append(f"EXPOSE {' '.join(str(port) for port in ports)}")
        blocks.append(_health(profile, recipe.health, windows))
    notes += _workload_notes(profile, windows)
    command = workload.command or recipe.command
    given = "The profile's command" if workload.command else "CHANGE: the command that starts your app"
    if is_batch(profile) and not workload.command:
        given = "CHANGE: the command that runs your job"
    keyword = "ENTRYPOINT" if recipe.entrypoint else "CMD"
    blocks.append(f"# {given} (exec form: no shell, so stop signals reach it).\n{keyword} {exec_form(command)}")
    skips = _checkov_skips(profile, recipe, blocks)
    if skips:
        blocks.insert(1, skips)  # after the header, where a reader sees what the scanners are told
    return Artifact("Dockerfile", "text/plain", "\n\n".join(blocks) + "\n", tuple(notes))


COMMON_IGNORES = (
    "# What the build does not need: a smaller context, faster builds, and no secrets in the image.",
    "# CHANGE: add anything else your build does not need.",
    ".git",
    ".gitignore",
    ".dockerignore",
    "Dockerfile*",
    "**/.env",
    "**/.env.*",
    "**/*.pem",
    "**/*.key",
    ".vscode",
    ".idea",
    "**/.DS_Store",
)
RUNTIME_IGNORES: dict[str, tuple[str, ...]] = {
    "python": ("**/__pycache__", "**/*.py[cod]", ".venv", "venv", ".pytest_cache", "*.egg-info", "build", "dist"),
    "node": ("**/node_modules", "npm-debug.log*", "coverage"),
    "go": ("*.exe", "*.test", "coverage.out"),
    "java": ("target", "build", ".gradle"),
    "dotnet": ("**/bin", "**/obj", ".vs", "**/*.user"),
    "static": ("**/node_modules",),  # not dist/: the site's files are what the image serves
    "other": (),
}


def make_dockerignore(profile: WorkloadProfile) -> Artifact:
    """Return a .dockerignore for the profile's runtime, keeping the build context small and secrets out."""
    lines = [*COMMON_IGNORES, *RUNTIME_IGNORES[profile.workload.runtime]]
    return Artifact(".dockerignore", "text/plain", "\n".join(lines) + "\n")


def dockerfile_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the Dockerfile: where to copy it, and how to build and run the image."""
    publish = run_flags(profile)
    host = "a Windows host in Windows-containers mode" if is_windows(profile) else "a host with Docker"
    return [
        f"Copy `{folder}Dockerfile` and `{folder}.dockerignore` to the root of {profile.name}'s source, "
        f"then, on {host}:",
        "",
        "```sh",
        f"docker build -t {profile.name} .",
        f"docker run --rm {publish}{profile.name}",
        "```",
        "",
    ]
