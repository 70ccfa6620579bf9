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


def _download(content: bytes, media_type: str, filename: str) -> Response:
    response = Response(content, mimetype=media_type)
    # Names come from the profile's DNS-label name and fixed words, so they need no quoting beyond this.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _one_file(make: Callable[[WorkloadProfile], Artifact]) -> Response:
    profile = read_profile()
    artifact = make(component_part(profile, request.args.get("component")))
    return _download(artifact.content.encode(), artifact.media_type, artifact.filename)


@artifacts.post("/dockerfile")
def dockerfile() -> Response:
    """A starter Dockerfile for the profile (or for `?component=`)."""
    return _one_file(make_dockerfile)


@artifacts.post("/libvirt")
def libvirt() -> Response:
    """A libvirt domain XML for the profile (or for `?component=`)."""
    return _one_file(domain_xml)


@artifacts.post("/bundle")
def bundle() -> Response:
    """A zip of every file the recommendation calls for, with a README of next commands."""
    profile = read_profile()
    files = bundle_files(profile, recommend(profile, live_rules()))
    return _download(zip_bundle(files), "application/zip", f"{profile.name}-starter.zip")
