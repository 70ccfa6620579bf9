"""Starter artifacts over HTTP (/v1/artifacts): a Dockerfile, a libvirt domain XML, or the zip of `emit all`.

The same generators as `advisor emit`; each answer is a file to save, named by Content-Disposition.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from advisor.engine.decide import recommend
from advisor.generators import Artifact
from advisor.generators.bundle import bundle as bundle_files
from advisor.generators.bundle import zip_bundle
from advisor.generators.dockerfile import dockerfile as make_dockerfile
from advisor.generators.libvirt import domain_xml
from advisor.models import WorkloadProfile
from advisor.profiles import component_part
from advisor.web.api import live_rules, read_profile

artifacts = Blueprint("artifacts", __name__, url_prefix="/v1/artifacts")


STARTER_FILES: dict[str, Callable[[WorkloadProfile], Artifact]] = {"dockerfile": make_dockerfile, "libvirt": domain_xml}


def download(content: bytes, media_type: str, filename: str) -> Response:
    """A file to save: the content, its media type, and the name to save it under."""
    response = Response(content, mimetype=media_type)
    # Names come from the profile's DNS-label name and fixed words, so they need no quoting beyond this.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def starter_file(kind: str, profile: WorkloadProfile, component: str | None = None) -> Response:
    """The Dockerfile or domain XML (of `component` when the profile has components), or the zip of them all."""
    if kind == "bundle":
        files = bundle_files(profile, recommend(profile, live_rules()))
        return download(zip_bundle(files), "application/zip", f"{profile.name}-starter.zip")
    artifact = STARTER_FILES[kind](component_part(profile, component))
    return download(artifact.content.encode(), artifact.media_type, artifact.filename)


@artifacts.post("/dockerfile")
def dockerfile() -> Response:
    """A starter Dockerfile for the profile (or for `?component=`)."""
    return starter_file("dockerfile", read_profile(), request.args.get("component"))


@artifacts.post("/libvirt")
def libvirt() -> Response:
    """A libvirt domain XML for the profile (or for `?component=`)."""
    return starter_file("libvirt", read_profile(), request.args.get("component"))


@artifacts.post("/bundle")
def bundle() -> Response:
    """A zip of every file the recommendation calls for, with a README of next commands."""
    return starter_file("bundle", read_profile())
