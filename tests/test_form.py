"""The web form and the rules page, through the Flask client: fields, permalinks, errors, downloads, safety.

Every answer is checked against openapi.yaml by the `api` client. The same pages in a real browser are in
tests/test_browser.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from urllib.parse import parse_qsl, urlencode, urlsplit

import lxml.html
import pytest
import yaml
from werkzeug.datastructures import MultiDict

from advisor.engine.catalogue import CATALOGUE
from advisor.engine.decide import recommend
from advisor.generators.bundle import make_bundle
from advisor.generators.libvirt import guest_oses
from advisor.generators.registry import KINDS, make_starter, verdict_of
from advisor.models import KNOWN_GUEST_OSES, WorkloadProfile
from advisor.output.data import to_data
from advisor.profiles import parse_profiles, validate_profile
from advisor.web import create_app
from advisor.web.form import effect_text
from advisor.web.formdata import permalink_query, query_text, read_form
from advisor.web.inputs import FIRST_QUESTIONS, INPUTS, MAX_COMPONENTS, MORE_DETAIL, brief_and_more
from tests.support import ROOT, TEAMS, ContractClient, answer_of, as_submitted, form_values, page, sent

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def shown_platform(tree) -> str:
    return tree.cssselect(".result .verdict .platform strong")[0].text_content()


def reasons(tree) -> list[str]:
    return [code.text_content() for code in tree.cssselect("#why > ol.reasons .rule-id code")]


# --- The fields ---


def test_every_profile_field_has_an_input_with_a_label_and_help():
    assert [f.key for f in INPUTS] == ["name", *CATALOGUE]
    for f in INPUTS:
        assert f.label and len(f.help) > 30, f.key


def test_each_input_says_what_the_json_schema_and_the_contract_say():
    schema = WorkloadProfile.model_json_schema()
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text())["components"]["schemas"]
    for f in INPUTS:
        if f.section:
            section = schema["$defs"][f.section.capitalize()]
            assert contract[f.section.capitalize()]["properties"][f.name] == section["properties"][f.name]
        else:
            section = schema
        described = section["properties"][f.name]
        assert f.label == described["title"], f.key
        if f.key == "workload.os_id":  # the form names the guest OSes the generator knows, which the model cannot
            assert KNOWN_GUEST_OSES in described["description"]
            known = ", ".join(sorted(guest_oses()))
            assert f.help == described["description"].replace(KNOWN_GUEST_OSES, known)
            assert "ubuntu24.04" in f.help
        else:
            assert f.help == described["description"], f.key


def test_the_blank_form_has_every_input_labelled_and_grouped_by_section(api):
    response = api.get("/")
    assert response.status_code == 200
    tree = page(response)
    form = tree.get_element_by_id("profile")
    legends = [legend.text_content() for legend in form.cssselect("fieldset.section > legend")]
    assert legends == [
        "What decides most answers",
        "This is an estate of several parts",
        "Host",
        "Workload",
        "Security",
        "Scale",
        "Resources",
        "Hardware",
        "Delivery",
    ]
    labelled = {label.get("for") for label in form.cssselect("label[for]")}
    for element in form.cssselect("input, select"):
        if element.get("type") in ("hidden", "submit"):
            continue
        inside_label = element.getparent().tag == "label"
        assert inside_label or element.get("id") in labelled, element.get("name")
        if not inside_label:
            for described in element.get("aria-describedby").split():
                assert tree.get_element_by_id(described) is not None
    names = {e.get("name") for e in form.cssselect("input, select")}
    assert {f.key for f in INPUTS} <= names


def test_the_blank_form_asks_the_deciding_questions_first_and_folds_the_rest(api):
    """Name and the first questions are open; every other field is under More detail, folded, and nothing is
    lost: the two together are every input of the profile."""
    form = page(api.get("/")).get_element_by_id("profile")
    first = form.cssselect("#section-first")[0]
    more = form.cssselect("details#more-detail")[0]
    assert more.get("open") is None
    named = {e.get("name") for e in first.cssselect("input, select") if e.get("type") != "hidden"}
    assert named == {"name", *FIRST_QUESTIONS}
    folded = {e.get("name") for e in more.cssselect("input, select") if e.get("type") != "hidden"}
    assert folded == {f.key for f in INPUTS} - named
    # Components are added right after the first questions, before More detail.
    order = [e.get("id") for e in form.cssselect("#section-first, #f-components, #more-detail")]
    assert order == ["section-first", "f-components", "more-detail"]


def test_each_input_shows_one_line_of_help_and_folds_the_rest(api):
    tree = page(api.get("/"))
    for f in INPUTS:
        line = tree.get_element_by_id(f"f-{f.key.replace('.', '-')}-help").text_content()
        assert line.startswith(f.brief) and "." in f.brief, f.key
        assert len(f.brief) <= 180, (f.key, f.brief)  # two lines at most, not a paragraph
        folded = tree.cssselect(f"#f-{f.key.replace('.', '-')}-more > p")
        assert [p.text_content() for p in folded] == ([f.more] if f.more else []), f.key
        # Nothing of the model's text is lost: the line and the fold together hold all of it.
        assert all(word in f"{f.brief} {f.more}" for word in f.help.split()), f.key


@pytest.mark.parametrize(
    ("description", "choices", "line", "more"),
    [
        ("Tick every one. Each VM brings its own OS.", (), "Tick every one.", "Each VM brings its own OS."),
        ("Only this.", (), "Only this.", ""),
        (
            "single: one team. multi: teams of one organisation, who share. Strangers must not.",
            ("single", "multi"),
            "single: one team; multi: teams of one organisation.",
            "single: one team. multi: teams of one organisation, who share. Strangers must not.",
        ),
        (
            "a: " + "x" * 80 + ". b: " + "y" * 80 + ". c: z.",
            ("a", "b", "c"),
            "a: " + "x" * 80 + "; b, c: see More.",
            "a: " + "x" * 80 + ". b: " + "y" * 80 + ". c: z.",
        ),
        # A colon that glosses no choice is a sentence like any other.
        (
            "Windows hosts: client or server. More here.",
            ("client", "server"),
            "Windows hosts: client or server.",
            "More here.",
        ),
    ],
    ids=["sentences", "one-sentence", "choice-glosses", "long-glosses", "not-a-gloss"],
)
def test_the_line_of_help_is_the_first_sentence_or_the_glosses_of_the_choices(description, choices, line, more):
    assert brief_and_more(description, description, choices) == (line, more)


def test_a_field_added_to_the_model_lands_under_more_detail():
    """The form lists the model: any field that is not a first question is under More detail, in its section, in
    the model's order (so a new optional field needs no change to the form)."""
    folded = [f.key for _, fields in MORE_DETAIL for f in fields]
    assert folded == [f.key for f in INPUTS if f.section and f.key not in FIRST_QUESTIONS]


def test_more_detail_opens_when_it_holds_an_error_or_a_value(api):
    data = MultiDict([("name", "shop"), ("host.os", "linux"), ("host.cpus", "lots"), ("action", "recommend")])
    tree = page(api.post("/", data=data))
    assert tree.cssselect("details#more-detail")[0].get("open") is not None
    assert tree.cssselect("details#more-detail #f-host-cpus-error")
    # A permalink that sets a folded field opens the fold too, so the change-the-profile form shows it.
    profile = WorkloadProfile.model_validate({"name": "shop", "host": {"os": "linux", "cpus": 8}})
    tree = page(api.get("/", query_string=permalink_query(profile)))
    assert tree.cssselect("details#more-detail")[0].get("open") is not None
    profile = WorkloadProfile.model_validate({"name": "shop", "host": {"os": "windows"}})
    tree = page(api.get("/", query_string=permalink_query(profile)))
    assert tree.cssselect("details#more-detail")[0].get("open") is None


def test_the_blank_form_starts_from_the_models_defaults(api):
    values = form_values(page(api.get("/")))
    assert values["scale.instances"] == "3"
    assert values["workload.os"] == ["linux"]
    assert values["workload.ports"] == "8000"
    assert values["host.os"] == "linux"
    assert values["workload.gui"] is False
    # Submitted untouched (with a name), the form gives the profile of defaults.
    values["name"] = "t"
    state = read_form(MultiDict([(k, v) for k, vs in values.items() for v in sent(vs)]))
    assert state.errors == {}
    assert state.profile == WorkloadProfile.model_validate({"name": "t", "host": {"os": "linux"}})


# --- Answers and permalinks ---


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_permalink_of_every_example_gives_the_same_answer_as_the_api(api, path, ruleset):
    (profile,) = parse_profiles(path.read_text(), source=str(path))
    query = permalink_query(profile)
    state = read_form(MultiDict(query), exact=True)
    assert state.errors == {}
    assert to_data(recommend(state.profile, ruleset)) == to_data(recommend(profile, ruleset))
    response = api.get("/", query_string=query)
    assert response.status_code == 200
    expected = recommend(profile, ruleset)
    tree = page(response)
    assert shown_platform(tree) == {"vm": "Virtual machines", "container": "Containers"}.get(
        expected.platform, "Hybrid: VMs and containers"
    )
    assert reasons(tree) == [r.rule for r in expected.rationale]
    assert tree.cssselect(".result .confidence strong")[0].text_content() == expected.confidence
    assert len(tree.cssselect("#why > figure.chart svg rect")) == 3
    # The form below the result holds the profile: submitting it again gives the same answer (defaults the
    # example spells out now count as left alone, so only the assumptions may differ).
    again = api.post("/", data=MultiDict(as_submitted(form_values(tree))))
    assert again.status_code == 200
    link = page(again).cssselect("a.permalink")[0].get("href")
    resubmitted = read_form(MultiDict(parse_qsl(urlsplit(link).query)), exact=True).profile
    assert answer_of(recommend(resubmitted, ruleset)) == answer_of(expected)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_submitted_form_is_answered_with_its_permalinks_page(api, path):
    """The form's POST answers with the result page at once (no redirect, no second request), and that page is
    the one its permalink gives, byte for byte: reloading it (at the permalink the page's script puts in the
    address bar) shows the same."""
    (profile,) = parse_profiles(path.read_text(), source=str(path))
    typed = MultiDict([*permalink_query(profile), ("action", "recommend")])
    posted = api.post("/", data=typed)
    assert posted.status_code == 200
    link = page(posted).cssselect("#result a.permalink")[0].get("href")
    assert link == "/?" + urlencode(permalink_query(read_form(typed).profile))
    assert posted.headers["Content-Location"] == link  # for a script, as the 303's Location was
    shown = api.get(link)
    assert shown.status_code == 200
    assert posted.get_data() == shown.get_data()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_permalink_read_back_takes_the_posted_profile_only_when_it_is_the_same_data(path):
    """The form's POST reads the permalink back for its page; that reading comes to the data the posted profile
    was validated from, and takes that profile rather than validating it again (the same profile as a fresh
    reading gives). A state from other data is not taken."""
    (profile,) = parse_profiles(path.read_text(), source=str(path))
    posted = read_form(MultiDict([*permalink_query(profile), ("action", "recommend")]))
    pairs = MultiDict(permalink_query(posted.profile))
    fresh = read_form(pairs, exact=True)
    again = read_form(pairs, exact=True, reuse=posted)
    assert again.profile is posted.profile
    assert again.profile == fresh.profile and again.profile.given() == fresh.profile.given()
    assert again.values == fresh.values and again.components == fresh.components and not again.errors
    other = read_form(MultiDict([("name", "other"), ("action", "recommend")]))
    not_taken = read_form(pairs, exact=True, reuse=other).profile
    assert not_taken is not other.profile and not_taken == fresh.profile


@pytest.mark.parametrize(
    "value",
    ["", "linux", "0.5", "a b", "a+b", "x&y=z", "~_.-", "ünïcode", "日本", "a\nb", "100%", "/p?q#f", "'\"<>", "A-Z_9"],
)
def test_a_permalinks_query_is_what_urlencode_writes(value):
    """query_text skips quoting what needs none; what it writes is urlencode's, byte for byte."""
    pairs = [("name", value), ("components.0.workload.os", value), (value, "x"), ("host.os", "linux")]
    assert query_text(pairs) == urlencode(pairs)
    for path in EXAMPLES:
        (profile,) = parse_profiles(path.read_text(), source=str(path))
        assert query_text(permalink_query(profile)) == urlencode(permalink_query(profile))


def test_a_submitted_profiles_permalink_holds_only_what_differs(api):
    response = api.post(
        "/",
        data=MultiDict(
            [
                ("name", "shop"),
                ("host.os", "linux"),
                ("workload.os", ""),
                ("workload.os", "linux"),
                ("workload.architecture", "microservices"),
                ("scale.instances", " 20 "),
                ("workload.ports", "8000"),
                ("resources.cpus", "0.5"),
                ("action", "recommend"),
            ]
        ),
    )
    assert response.status_code == 200
    assert page(response).cssselect("a.permalink")[0].get("href") == (
        "/?name=shop&host.os=linux&workload.architecture=microservices&scale.instances=20&resources.cpus=0.5"
    )


def test_a_component_changes_only_the_fields_it_fills_in(api, ruleset):
    data = [
        ("name", "estate"),
        ("host.os", "linux"),
        ("workload.os", ""),
        ("workload.os", "windows"),
        ("workload.legacy", "yes"),
        ("components.0.name", "web"),
        ("components.0.workload.runtime", "node"),
        ("components.0.workload.gui", ""),
        ("components.1.name", "erp"),
    ]
    state = read_form(MultiDict(data))
    assert state.errors == {}
    web, erp = state.profile.components
    # web fills in its workload's runtime: the rest of its workload section is the profile's, not the defaults.
    assert web.workload.runtime == "node"
    assert web.workload.os == ["windows"] and web.workload.legacy is True
    assert web.scale is None and erp.workload is None  # untouched sections are inherited whole
    assert state.profile.component_profile(erp).workload == state.profile.workload


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ([("name", "My Shop")], "name", "is not a DNS label"),
        ([("name", " ")], "name", "is required"),
        ([("scale.instances", "lots")], "scale.instances", "should be a whole number of copies, got the text 'lots'"),
        ([("scale.instances", "2.5")], "scale.instances", "should be a whole number, got '2.5'"),
        ([("scale.instances", "0")], "scale.instances", "should be at least 1, got 0"),
        ([("resources.cpus", "nan")], "resources.cpus", "should be a finite number"),
        ([("resources.cpus", "9" * 5000)], "resources.cpus", "should be a finite number"),
        ([("workload.ports", "80, http")], "workload.ports", "should be a whole number, got the text 'http'"),
        ([("workload.ports", "80, 70000")], "workload.ports", "should be at most 65535, got 70000"),
        ([("workload.os", "")], "workload.os", "should have at least 1 item"),
        ([("workload.os", "dos")], "workload.os", "'dos' is not one of linux, windows, bsd, macos, other"),
        ([("workload.command", "sh -c 'unclosed")], "workload.command", "cannot be split into arguments"),
        ([("workload.packages", "curl; rm -rf /")], "workload.packages", "is not a Debian package name"),
        ([("host.os", "macos"), ("host.cloud", "azure")], "host.cloud", "azure offers no macOS hosts"),
        ([("host.wsl2", "maybe")], "host.wsl2", "should be yes or no"),
        ([("host.os", "linux"), ("host.os", "windows")], "host.os", "is given more than once"),
        ([("components.0.name", "db"), ("components.1.name", "db")], "components", "the name 'db' is used twice"),
        ([("components.0.name", "DB")], "components.0.name", "is not a DNS label"),
        ([("components.0.name", "db"), ("components.0.scale.instances", "x")], "components.0.scale.instances", "x"),
        ([("host.oss", "linux")], "", "'host.oss' is not a field of the form"),
    ],
    ids=[
        "name-not-a-label",
        "name-empty",
        "instances-text",
        "instances-fraction",
        "instances-zero",
        "cpus-nan",
        "cpus-huge",
        "port-text",
        "port-too-big",
        "no-os-ticked",
        "os-unknown",
        "command-unclosed-quote",
        "package-injection",
        "macos-on-azure",
        "flag-not-yes-or-no",
        "given-twice",
        "component-names-twice",
        "component-name-bad",
        "component-field-bad",
        "unknown-field",
    ],
)
def test_a_bad_input_is_named_beside_its_field_and_everything_typed_is_kept(api, data, field, message):
    sent = [("name", "shop"), ("host.os", "linux"), ("scale.elasticity", "bursty"), ("hardware.devices", "fpga")]
    sent = [pair for pair in sent if pair[0] not in {k for k, _ in data}] + data
    response = api.post("/", data=MultiDict([*sent, ("action", "recommend")]))
    assert response.status_code == 400
    tree = page(response)
    summary = tree.get_element_by_id("errors").text_content()
    assert message in " ".join(summary.split())
    if field and field != "components":
        box = tree.get_element_by_id("f-" + field.replace(".", "-"))
        error = tree.get_element_by_id("f-" + field.replace(".", "-") + "-error")
        assert message in error.text_content()
        assert error.get("id") in box.get("aria-describedby")
    values = form_values(tree)
    for key, value in sent:
        if key in ("host.os",) and len([k for k, _ in sent if k == key]) > 1:
            continue
        if "is not a field of the form" in message:
            continue  # not an input of the form: the message names it
        if key.startswith("components.") or key not in values:
            kept = tree.cssselect(f'[name="{key}"]')
            assert kept, key
            continue
        held = values[key]
        if isinstance(held, list):
            assert value in held or not value, key  # "" is the marker the form sends with a checkbox group
        elif isinstance(held, bool):  # a checkbox: only "yes" ticks it
            assert held is (value == "yes"), key
        else:
            assert held == value, key


def test_nothing_the_user_typed_is_lost_when_a_component_is_added_or_removed(api):
    data = [
        ("name", "estate"),
        ("host.os", "windows"),
        ("host.wsl2", "yes"),
        ("scale.instances", "not yet"),
        ("components.0.name", "web"),
        ("components.0.scale.instances", "12"),
        ("components.1.name", "db"),
        ("components.1.security.isolation", "high"),
    ]
    added = page(api.post("/", data=MultiDict([*data, ("action", "add-component")])))
    values = form_values(added)
    assert values["scale.instances"] == "not yet" and values["host.wsl2"] is True
    assert values["components.0.scale.instances"] == "12" and values["components.1.security.isolation"] == "high"
    assert values["components.2.name"] == ""
    assert not added.cssselect("#errors")  # adding a component is not a submission: no errors yet
    removed = page(api.post("/", data=MultiDict([*data, ("action", "remove-component-0")])))
    values = form_values(removed)
    assert values["components.0.name"] == "db" and values["components.0.security.isolation"] == "high"
    assert "components.1.name" not in values


def test_components_are_limited_to_what_a_profile_may_hold(api):
    data = [("name", "big"), *[(f"components.{i}.name", f"c{i}") for i in range(MAX_COMPONENTS)]]
    tree = page(api.post("/", data=MultiDict([*data, ("action", "add-component")])))
    assert f"at most {MAX_COMPONENTS} components" in tree.get_element_by_id("errors").text_content()
    assert not tree.xpath('//button[@value="add-component"]')


def test_a_profile_too_long_for_an_address_is_answered_on_the_spot(api):
    data = [("name", "big"), ("host.os", "linux")]
    for i in range(60):
        data += [
            (f"components.{i}.name", f"component-with-a-long-name-{i:02d}"),
            (f"components.{i}.workload.runtime", "go"),
        ]
    response = api.post("/", data=MultiDict([*data, ("action", "recommend")]))
    assert response.status_code == 200
    tree = page(response)
    assert "too long for an address" in tree.text_content()
    assert not tree.cssselect("a.permalink")  # a link gunicorn would refuse (414) is not offered
    assert "Content-Location" not in response.headers
    assert len(tree.cssselect("details.component-result")) == 60


def test_a_tracker_parameter_on_a_shared_link_is_left_alone(api):
    response = api.get("/?name=shop&host.os=linux&utm_source=chat")
    assert response.status_code == 200
    assert shown_platform(page(response))


def test_a_profile_no_platform_fits_is_said_on_the_page(write_rules):
    folder = write_rules(
        """
rules:
  - id: no-gpu-vms
    title: No GPU VMs here
    when: {hardware.gpu: true}
    forbid: [vm, hybrid]
    because: A test rule that forbids VMs for GPU workloads.
    links: [https://example.org/]
  - id: no-gpu-containers
    title: No GPU containers here
    when: {hardware.gpu: true}
    forbid: [container]
    because: A test rule that forbids containers for GPU workloads.
    links: [https://example.org/]
"""
    )
    api = ContractClient(create_app({"RELOAD_SECONDS": 0, "RULE_DIRS": [str(folder)]}).test_client())
    response = api.get("/?name=t&host.os=linux&hardware.gpu=yes")
    assert response.status_code == 422
    text = " ".join(page(response).get_element_by_id("errors").text_content().split())
    assert "no-gpu-vms" in text and "no-gpu-containers" in text
    assert form_values(page(response))["hardware.gpu"] is True


def test_without_rules_the_pages_say_so(tmp_path):
    broken = tmp_path / "rules"
    broken.mkdir()
    (broken / "bad.yaml").write_text("rules: [{id: x}]\n")
    api = ContractClient(create_app({"RELOAD_SECONDS": 0, "RULE_DIRS": [str(broken)]}).test_client())
    response = api.get("/?name=t&host.os=linux")
    assert response.status_code == 503
    assert "not ready" in page(response).text_content()
    assert api.get("/rules").status_code == 503


# --- Downloads ---


def _downloads(api, query):
    tree = page(api.get("/", query_string=query))
    profile_json = tree.cssselect("form.downloads input[name=profile]")[0].get("value")
    return tree, profile_json


@pytest.mark.parametrize("name", ["checkout-api", "core-banking", "retail-estate"])
def test_every_download_is_the_file_its_button_names(api, name, ruleset):
    (profile,) = parse_profiles((ROOT / "examples" / f"{name}.yaml").read_text())
    tree, profile_json = _downloads(api, permalink_query(profile))
    shown = validate_profile(json.loads(profile_json))
    result = recommend(shown, ruleset)
    buttons = tree.cssselect("form.downloads button")
    targets = {(b.get("formaction"), b.get("value")) for b in buttons}
    assert {("/download/profile", None), ("/download/markdown", None), ("/download/bundle", None)} <= targets
    # Only the files that fit each part's verdict and host, and every one of them (issue 16).
    parts = {c.name: shown.component_profile(c) for c in shown.components} or {None: shown}
    offered = {
        (f"/download/{kind.name}", c)
        for c, part in parts.items()
        for kind in KINDS.values()
        if kind.offered(part, verdict_of(shown, result, c))
    }
    assert targets - {("/download/profile", None), ("/download/markdown", None), ("/download/bundle", None)} == offered
    for action, component in sorted(targets, key=str):
        fields = {"profile": profile_json} | ({"component": component} if component else {})
        response = api.post(action, data=fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        body = response.get_data()
        kind = action.rsplit("/", 1)[1]
        if kind == "profile":
            assert validate_profile(yaml.safe_load(body)) == shown
        elif kind == "markdown":
            assert f"(`{result.platform}`), confidence {result.confidence}" in body.decode()
        elif kind == "bundle":
            assert sorted(zipfile.ZipFile(io.BytesIO(body)).namelist()) == sorted(make_bundle(shown, result))
        elif kind == "dockerfile":
            assert body.decode().count("\nFROM ") >= 1
        elif kind == "lxc":
            assert f"lxc.uts.name = {component or shown.name}\n" in body.decode()
        elif kind == "libvirt":
            assert lxml.etree.fromstring(body).tag == "domain"
        else:  # a kind the verdict calls for: the registry's file for that part
            own = next((c for c in shown.components if c.name == component), None)
            part = shown.component_profile(own) if own else shown
            assert body.decode() == make_starter(KINDS[kind], part, verdict_of(shown, result, component)).content


@pytest.mark.parametrize(
    ("action", "fields", "status"),
    [
        ("/download/rootkit", {"profile": "{}"}, 404),
        ("/download/profile", {"component": "x"}, 400),
        ("/download/profile", {"profile": "{not json"}, 400),
        (
            "/download/dockerfile",
            {"profile": json.dumps({"name": "x", "host": {"os": "linux"}}), "component": "db"},
            400,
        ),
    ],
    ids=["unknown-artifact", "no-profile", "broken-json", "no-such-component"],
)
def test_a_bad_download_request_is_a_problem_not_a_crash(api, action, fields, status):
    response = api.post(action, data=fields)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"name=\xff", "not percent-encoded UTF-8"),
        (b"name=%ff", "not percent-encoded UTF-8"),
        (b"a=1&" * 5000, "Max number of fields exceeded"),
    ],
    ids=["raw-byte", "bad-utf8-escape", "too-many-fields"],
)
def test_a_form_body_that_cannot_be_read_is_a_problem(api, body, detail):
    response = api.post("/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert detail in response.get_json()["detail"]


def test_a_form_of_another_media_type_is_refused(api):
    response = api.post("/", data=b'{"name": "x"}', content_type="application/json")
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.get_json()["detail"]


# --- Safety ---


def test_the_pages_run_no_inline_script_or_style_and_load_nothing_from_elsewhere(api):
    for path in ("/", "/?name=shop&host.os=linux&host.cpus=16&host.memory_gib=64", "/rules"):
        response = api.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
        tree = page(response)
        assert all(s.get("src", "").startswith("/static/") for s in tree.iter("script"))
        assert not list(tree.iter("style"))
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            assert "style" not in element.attrib, element.tag
            assert not [a for a in element.attrib if a.startswith("on")], element.tag
        for link in tree.iter("link"):
            assert link.get("href").startswith("/static/")
        with api.client.get(tree.cssselect("script")[0].get("src")) as script:
            assert script.status_code == 200 and script.mimetype == "text/javascript"


def test_what_a_user_types_is_shown_as_text_never_as_markup(api):
    typed = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    response = api.post("/", data=MultiDict([("name", typed), ("workload.command", typed), ("action", "recommend")]))
    assert response.status_code == 400
    tree = page(response)
    assert len(list(tree.iter("script"))) == 1 and not list(tree.iter("img"))
    values = form_values(tree)
    assert values["name"] == typed and values["workload.command"] == typed


def test_a_hostile_choice_a_ticked_box_or_a_component_is_shown_as_text_never_as_markup(api):
    """Every kind of input (a list, boxes, a component's field, an error beside it) escapes what it shows."""
    typed = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    sent = [("name", "ok"), ("host.os", typed), ("workload.os", "linux"), ("workload.os", typed)]
    sent += [("components.0.name", typed), ("components.0.security.isolation", typed), ("action", "recommend")]
    response = api.post("/", data=MultiDict(sent))
    assert response.status_code == 400
    tree = page(response)
    assert len(list(tree.iter("script"))) == 1 and not list(tree.iter("img"))
    assert [o.text for o in tree.cssselect("#f-host-os option[selected]")] == [typed]
    ticked = [box.get("value") for box in tree.cssselect("#f-workload-os input[checked]")]
    assert ticked == ["linux", typed]
    assert tree.get_element_by_id("f-components-0-name").get("value") == typed
    assert tree.cssselect("#f-host-os-error"), "the refused value is said beside its input"


@pytest.mark.live
def test_the_curl_snippet_asks_the_api_for_the_same_answer(live_server):
    import requests

    (profile,) = parse_profiles((ROOT / "examples" / "retail-estate.yaml").read_text())
    response = requests.get(live_server + "/", params=permalink_query(profile), timeout=10)
    curl = lxml.html.fromstring(response.text).get_element_by_id("curl").text_content()
    assert curl.endswith(live_server + "/v1/recommendations")
    ran = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30, check=True)
    expected = requests.post(live_server + "/v1/recommendations", json=json.loads(_profile_json(profile)), timeout=10)
    assert json.loads(ran.stdout) == expected.json()


def _profile_json(profile: WorkloadProfile) -> str:
    return json.dumps(profile.model_dump(mode="json", exclude_unset=True))


# --- The rules page ---


def test_the_rules_page_lists_every_rule_with_its_reason_and_links(api, ruleset):
    tree = page(api.get("/rules"))
    items = tree.cssselect("ol.rules > li.rule")
    assert [item.get("id") for item in items] == [c.rule.id for c in ruleset.rules]
    for item, compiled in zip(items, ruleset.rules, strict=True):
        assert compiled.rule.because.split()[0] in item.text_content()
        assert [a.get("href") for a in item.cssselect(".links a")] == [str(link) for link in compiled.rule.links]


@pytest.mark.parametrize(
    ("query", "must_include"),
    [("microservices", "microservices"), ("KERNEL own", "custom-kernel"), ("wsl2", "linux-containers-on-windows-wsl2")],
    ids=["by-id", "by-words-any-case", "by-text"],
)
def test_the_rules_page_finds_rules_by_id_or_text(api, ruleset, query, must_include):
    tree = page(api.get("/rules", query_string={"q": query}))
    found = [item.get("id") for item in tree.cssselect("ol.rules > li.rule:not([hidden])")]
    assert must_include in found
    assert 0 < len(found) < len(ruleset.rules)
    for rule_id in found:
        text = json.dumps(ruleset.get(rule_id).rule.model_dump(mode="json", by_alias=True)).lower()
        assert all(word in text for word in query.lower().split())
    assert tree.get_element_by_id("q").get("value") == query


def test_a_search_that_finds_nothing_says_so(api):
    tree = page(api.get("/rules", query_string={"q": "no-such-thing-anywhere"}))
    assert not tree.cssselect("li.rule:not([hidden])")
    assert "0 of" in tree.get_element_by_id("q-count").text_content()


def test_every_static_file_the_pages_use_is_packaged(api):
    static = ROOT / "advisor" / "web" / "static"
    for path in ("/", "/rules", "/docs"):
        tree = page(api.get(path))
        linked = [e.get("href") for e in tree.cssselect("link[href]")] + [e.get("src") for e in tree.cssselect("[src]")]
        assert sorted(link.removeprefix("/static/") for link in linked) == ["advisor.css", "advisor.js", "favicon.svg"]
        for link in linked:
            assert (static / link.removeprefix("/static/")).is_file()


@pytest.mark.parametrize(
    ("score", "forbid", "text"),
    [
        ({"vm": 4, "container": -3, "hybrid": 0}, [], "+4 vm, -3 container"),
        ({"vm": 4}, ["container"], "+4 vm; rules out container"),
        (None, ["container", "hybrid"], "rules out container, hybrid"),
        ({}, None, ""),
    ],
    ids=["points", "points-and-forbid", "forbid-only", "nothing"],
)
def test_a_rules_effect_reads_in_one_short_line(score, forbid, text):
    assert effect_text(score, forbid) == text


def test_the_rules_page_says_what_each_rule_does(api, ruleset):
    tree = page(api.get("/rules"))
    for item, compiled in zip(tree.cssselect("ol.rules > li.rule"), ruleset.rules, strict=True):
        effect = item.cssselect(".effect")[0].text_content()
        for platform in compiled.rule.forbid:
            assert platform in effect.split("rules out ")[1]
        if compiled.rule.score is not None:
            for platform, points in compiled.rule.score.model_dump().items():
                assert (f"{points:+d} {platform}" in effect) is (points != 0)


@pytest.mark.parametrize(
    ("example", "held", "not_held"),
    [
        ("legacy-erp.yaml", ["libvirt VM definition"], ["Dockerfile", "Kubernetes", "folder"]),
        ("retail-estate.yaml", ["Dockerfile", "libvirt VM definition", "folder named for it"], ["compose.yaml"]),
    ],
    ids=["vm", "estate"],
)
def test_the_bundle_help_names_only_what_this_bundle_holds(api, example, held, not_held):
    (profile,) = parse_profiles((ROOT / "examples" / example).read_text(), example)
    tree = page(api.get("/", query_string=permalink_query(profile)))
    (text,) = [p.text_content() for p in tree.cssselect(".result p.help") if "bundle holds" in p.text_content()]
    assert all(word in text for word in held) and not any(word in text for word in not_held), text


def test_the_confidence_reason_names_the_platform_in_words(api):
    (profile,) = parse_profiles((ROOT / "examples" / "legacy-erp.yaml").read_text(), "legacy-erp.yaml")
    tree = page(api.get("/", query_string=permalink_query(profile)))
    reason = tree.cssselect(".confidence-reason")[0].text_content()
    assert reason.startswith("Virtual machines, by ") and "points over the next platform it could use" in reason


def test_the_plans_caption_says_how_many_hosts_the_sentence_under_it_does(api):
    fits = WorkloadProfile.model_validate(TEAMS["estate"] | {"host": {"os": "linux", "cpus": 128, "memory_gib": 512}})
    too_big = WorkloadProfile.model_validate(TEAMS["estate"])  # the GPU job alone fills its 256 GiB
    for profile, caption, sentence in ((fits, "on one host", "it fits on"), (too_big, "on 2 such hosts", "2 such")):
        tree = page(api.get("/", query_string=permalink_query(profile)))
        assert tree.get_element_by_id("plan-caption").text_content() == f"The plan: 3 parts {caption}"
        assert sentence in tree.cssselect(".plan-total")[0].text_content()


def test_a_components_fields_are_not_required_but_its_name(api):
    tree = page(api.post("/", data=MultiDict([("name", "shop"), ("host.os", "linux"), ("action", "add-component")])))
    required = [
        label.get("for")
        for label in tree.cssselect("#f-components-0 label[for]")
        if "(required)" in label.text_content()
    ]
    assert required == ["f-components-0-name"]  # its host's OS, empty, is the profile's
    assert "(required)" in tree.cssselect('label[for="f-host-os"]')[0].text_content()


def test_an_estate_whose_parts_are_all_as_sure_says_so(api):
    tree = page(api.get("/", query_string=permalink_query(WorkloadProfile.model_validate(TEAMS["estate"]))))
    assert tree.cssselect(".confidence-reason")[0].text_content() == (
        "Every part is high: an estate is as sure as its least certain part."
    )


def test_a_flip_says_what_the_new_choice_means(api):
    (profile,) = parse_profiles((ROOT / "examples" / "checkout-api.yaml").read_text(), "checkout-api.yaml")
    tree = page(api.get("/", query_string=permalink_query(profile)))
    flips = [item.text_content() for item in tree.cssselect("#flips ul.flips li")]
    assert flips == [
        "if kernel were modules (loads its own kernel modules) instead of shared → Virtual machines",
        "if kernel were own (a different kernel or distribution kernel than the host's) instead of shared "
        "→ Hybrid: VMs and containers",
    ]
