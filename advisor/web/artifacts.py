"""Starter artifacts over HTTP (/v1/artifacts/KIND): one file of each kind the registry lists, or the zip bundle.

The same generators as `advisor emit`; each answer is a file to save, named by Content-Disposition.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound

from advisor.engine.decide import recommend
from advisor.errors import FieldError, InvalidInput
from advisor.generators.bundle import make_bundle, zip_bundle
from advisor.generators.registry import BUNDLE, KINDS, make_starter, verdict_of
from advisor.models import WorkloadProfile
from advisor.profiles import component_part
from advisor.web.api import live_rules, read_profile

artifacts = Blueprint("artifacts", __name__, url_prefix="/v1/artifacts")


def download(content: bytes, media_type: str, filename: str) -> Response:
    """A file to save: the content, its media type, and the name to save it under."""
    response = Response(content, mimetype=media_type)
    # Names come from the profile's DNS-label name and fixed words, so they need no quoting beyond this.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def starter_file(kind: str, profile: WorkloadProfile, component: str | None = None) -> Response:
    """The file of one starter kind (of `component` when the profile has components), or the zip of them all.

    A kind chosen by the verdict asks the rules for it first, and is refused (422) where it does not fit.
    """
    if kind == BUNDLE:
        files = make_bundle(profile, recommend(profile, live_rules()))
        return download(zip_bundle(files), "application/zip", f"{profile.name}-starter.zip")
    starter = KINDS[kind]
    if starter.whole_profile and component is not None:
        raise InvalidInput([FieldError("component", f"{kind} is one file for the whole profile; leave component out")])
    part = profile if starter.whole_profile else component_part(profile, component)
    verdict = verdict_of(profile, recommend(profile, live_rules()), component) if starter.needs_verdict else None
    artifact = make_starter(starter, part, verdict)
    # A component's file is named for it (storefront.Dockerfile), so several downloads do not overwrite each other.
    name = (
        artifact.filename if component is None or component in artifact.filename else f"{component}.{artifact.filename}"
    )
    return download(artifact.content.encode(), artifact.media_type, name)


@artifacts.post("/bundle")
def bundle() -> Response:
    """A zip of every file the recommendation calls for, with a README of next commands."""
    return starter_file(BUNDLE, read_profile())


@artifacts.post("/<kind>")
def starter(kind: str) -> Response:
    """One starter file of a kind the registry lists, for the profile (or for `?component=`)."""
    if kind not in KINDS:
        raise NotFound(f"no starter kind '{kind}'; choose one of {', '.join([*KINDS, BUNDLE])}")
    return starter_file(kind, read_profile(), request.args.get("component"))
