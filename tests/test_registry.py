"""The generator registry: every door (CLI, API, bundle, form, contract, README) lists every starter kind."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from lxml import html

from advisor.cli import cli, emit
from advisor.engine.decide import recommend
from advisor.generators.bundle import make_bundle
from advisor.generators.registry import BUNDLE, KINDS, KindDoesNotFit, kinds_table, make_starter, verdict_of
from advisor.profiles import read_profiles
from advisor.web.form import DOWNLOADS
from advisor.web.formdata import permalink_query

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name: p for p in read_profiles([str(ROOT / "examples")])}


def _parts(profile):
    """(component name or None, the profile to write for, its bundle folder) for each part of a profile."""
    if not profile.components:
        return [(None, profile, "")]
    return [(c.name, profile.component_profile(c), f"{c.name}/") for c in profile.components]


def _fitting(ruleset):
    """For each kind, the first example profile (and component) whose recommendation calls for it."""
    found = {}
    for profile in EXAMPLES.values():
        result = recommend(profile, ruleset)
        for component, part, _ in _parts(profile):
            for kind in KINDS.values():
                if kind.offered(part, verdict_of(profile, result, component)):
                    found.setdefault(kind.name, (profile, component, part))
    return found


def test_every_kind_is_complete():
    for name, kind in KINDS.items():
        assert kind.name == name and re.fullmatch(r"[a-z][a-z0-9-]*", name)
        assert kind.label and kind.summary.endswith(".") and kind.bundle_text and kind.platforms
        assert kind.platforms <= {"vm", "container", "hybrid"}
        assert (kind.offered_for != "any profile") == kind.needs_verdict
    assert BUNDLE not in KINDS


def test_the_cli_has_one_emit_command_per_kind():
    assert set(emit.commands) == {*KINDS, "all"}


def test_emit_help_names_every_kind(runner):
    shown = runner.invoke(cli, ["emit", "--help"]).output
    for name in KINDS:
        assert re.search(rf"^\s+{re.escape(name)}\s", shown, flags=re.M), name


def test_the_contract_lists_every_kind():
    paths = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    [kind] = [p for p in paths["/v1/artifacts/{kind}"]["post"]["parameters"] if p.get("name") == "kind"]
    assert kind["schema"]["enum"] == list(KINDS)
    media = set(paths["/v1/artifacts/{kind}"]["post"]["responses"]["200"]["content"])
    assert media == {k.media_type for k in KINDS.values()}


def test_the_form_downloads_every_kind():
    assert set(DOWNLOADS) == {"profile", "markdown", *KINDS, BUNDLE}


def test_the_readme_lists_every_kind():
    assert kinds_table() in (ROOT / "README.md").read_text(encoding="utf-8"), "paste kinds_table() into the README"


def test_every_kind_is_in_some_example_bundle(ruleset):
    made = set()
    for profile in EXAMPLES.values():
        files = make_bundle(profile, recommend(profile, ruleset))
        for _, part, folder in _parts(profile):
            made |= {name for name, kind in KINDS.items() if folder + kind.file_name.format(name=part.name) in files}
    assert made == set(KINDS)


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_is_served_over_http_with_its_media_type_and_name(api, ruleset, name):
    profile, component, part = _fitting(ruleset)[name]
    source = (ROOT / "examples" / f"{profile.name}.yaml").read_bytes()
    query = f"?component={component}" if component else ""
    answer = api.post(f"/v1/artifacts/{name}{query}", data=source, content_type="application/yaml")
    assert answer.status_code == 200, answer.get_json()
    kind = KINDS[name]
    artifact = make_starter(kind, part, verdict_of(profile, recommend(profile, ruleset), component))
    assert answer.mimetype == kind.media_type
    assert answer.data == artifact.content.encode()
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{kind.file_name.format(name=part.name)}"'


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_has_a_form_button_where_it_fits(api, ruleset, name):
    profile, _, _ = _fitting(ruleset)[name]
    page = html.fromstring(api.get("/?" + urlencode(permalink_query(profile))).data)
    actions = [b.get("formaction") for b in page.cssselect("form.downloads button")]
    assert f"/download/{name}" in actions


@pytest.mark.parametrize(("name", "example"), [("kubernetes", "legacy-erp"), ("kubevirt", "checkout-api")])
def test_a_kind_the_verdict_does_not_call_for_is_refused_by_every_door(api, runner, ruleset, name, example):
    profile = EXAMPLES[example]
    verdict = verdict_of(profile, recommend(profile, ruleset))
    assert not KINDS[name].offered(profile, verdict)
    with pytest.raises(KindDoesNotFit, match=f"^{name}: {example}'s recommendation is {verdict.platform}; "):
        make_starter(KINDS[name], profile, verdict)
    source = ROOT / "examples" / f"{example}.yaml"
    result = runner.invoke(cli, ["emit", name, str(source)])
    assert result.exit_code == 1 and f"{name}: {example}'s recommendation is" in result.output
    answer = api.post(f"/v1/artifacts/{name}", data=source.read_bytes(), content_type="application/yaml")
    assert answer.status_code == 422 and answer.get_json()["detail"].startswith(f"{name}: {example}'s")
    page = html.fromstring(api.get("/?" + urlencode(permalink_query(profile))).data)
    assert f"/download/{name}" not in [b.get("formaction") for b in page.cssselect("form.downloads button")]


def test_compose_is_one_file_for_the_whole_profile(api, runner):
    source = ROOT / "examples" / "checkout-api.yaml"
    assert "--component" not in runner.invoke(cli, ["emit", "compose", "--help"]).output
    answer = api.post("/v1/artifacts/compose?component=x", data=source.read_bytes(), content_type="application/yaml")
    assert answer.status_code == 400 and answer.get_json()["errors"][0]["loc"] == "component"
