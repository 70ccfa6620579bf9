"""The bundle: the files each platform calls for, a README whose commands work, safe writing, and stable zips."""

from __future__ import annotations

import io
import shlex
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree

from advisor.engine.decide import recommend
from advisor.errors import InvalidInput, WouldOverwrite
from advisor.generators.bundle import UNKNOWN_OS, bundle, write_bundle, zip_bundle
from advisor.generators.dockerfile import dockerfile, dockerignore
from advisor.generators.libvirt import disk_command, domain_xml
from advisor.profiles import read_profiles
from tests.conftest import ROOT, make_profile

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ARTIFACTS = ROOT / "examples" / "artifacts"


def as_platform(profile, ruleset, platform):
    """The real recommendation, with its platform set to the one under test."""
    return recommend(profile, ruleset).model_copy(update={"platform": platform})


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("container", ["Dockerfile", ".dockerignore", "README.md"]),
        ("vm", ["t.xml", "README.md"]),
        ("hybrid", ["Dockerfile", ".dockerignore", "t.xml", "README.md"]),
    ],
    ids=["container", "vm", "hybrid"],
)
def test_each_platform_gets_its_files(ruleset, platform, expected):
    profile = make_profile()
    files = bundle(profile, as_platform(profile, ruleset, platform))
    assert sorted(files) == sorted(expected)
    if "Dockerfile" in files:
        assert files["Dockerfile"] == dockerfile(profile).content
        assert files[".dockerignore"] == dockerignore(profile).content
    if "t.xml" in files:
        assert files["t.xml"] == domain_xml(profile).content


def test_components_get_a_folder_each_per_their_own_result(ruleset):
    [profile] = read_profiles([str(ROOT / "examples" / "retail-estate.yaml")])
    result = recommend(profile, ruleset)
    files = bundle(profile, result)
    expected = {"README.md"}
    for component, part in zip(profile.components, result.components, strict=True):
        own = profile.component_profile(component)
        if part.platform in ("container", "hybrid"):
            assert files[f"{component.name}/Dockerfile"] == dockerfile(own).content
            expected |= {f"{component.name}/Dockerfile", f"{component.name}/.dockerignore"}
        if part.platform in ("vm", "hybrid"):
            assert files[f"{component.name}/{component.name}.xml"] == domain_xml(own).content
            expected.add(f"{component.name}/{component.name}.xml")
    assert set(files) == expected
    assert {p.platform for p in result.components} == {"container", "vm"}


def test_readme_lists_every_file_and_the_next_commands(ruleset):
    profile = make_profile(workload={"ports": [8080, 9090]})
    files = bundle(profile, as_platform(profile, ruleset, "hybrid"))
    readme = files["README.md"]
    for path in files:
        if path != "README.md":
            assert f"- `{path}`" in readme
    assert shlex.join(disk_command(profile)) in readme
    assert "virsh define t.xml\nvirsh start t\n" in readme
    assert "docker build -t t .\ndocker run --rm -p 8080:8080 -p 9090:9090 t\n" in readme
    assert "The Dockerfile builds the image of the parts that fit a container" in readme  # which part goes where


def virt_install_line(readme: str) -> list[str]:
    return shlex.split(next(line for line in readme.splitlines() if line.startswith("virt-install ")))


@pytest.mark.skipif(shutil.which("virt-install") is None, reason="virt-install is not installed")
@pytest.mark.parametrize("example", ["core-banking", "legacy-erp"], ids=["linux-guest", "windows-guest"])
def test_the_readmes_virt_install_command_runs_and_matches_the_domain_xml(ruleset, tmp_path, example):
    [profile] = read_profiles([str(ROOT / "examples" / f"{example}.yaml")])
    readme = bundle(profile, recommend(profile, ruleset))["README.md"]
    argv = virt_install_line(readme)
    ours = etree.fromstring(domain_xml(profile).content.encode())
    assert f"path={ours.find('devices/disk/source').get('file')}" in argv
    disk = tmp_path / "disk.qcow2"  # libvirt's test driver needs the disk to exist
    disk.touch()
    argv = [f"path={disk}" if arg.startswith("path=") else arg for arg in argv]
    argv += ["--connect", "test:///default", "--print-xml"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if "Unknown OS name" in done.stderr:  # this host's osinfo-db is older: take the README's fallback
        fallback = f"write `--osinfo {UNKNOWN_OS}`"
        assert fallback in readme
        argv[argv.index("--osinfo") + 1] = UNKNOWN_OS
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    theirs = etree.fromstring(done.stdout.encode())
    assert (
        int(theirs.findtext("memory"))
        == int(ours.findtext("memory"))
        * {"KiB": 1, "MiB": 1024, "GiB": 1024**2}[ours.find("memory").get("unit", "KiB")]
    )
    assert theirs.findtext("vcpu") == ours.findtext("vcpu")


def test_write_bundle_writes_every_file(tmp_path):
    files = {"Dockerfile": "FROM x:1\n", "api/README.md": "# api\r\nkeep CRLF\n"}
    written = write_bundle(files, tmp_path / "out")
    assert sorted(written) == sorted([tmp_path / "out" / "Dockerfile", tmp_path / "out" / "api" / "README.md"])
    for path, text in files.items():
        assert (tmp_path / "out" / path).read_bytes() == text.encode()


def test_write_bundle_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "README.md").write_text("mine\n", encoding="utf-8")
    with pytest.raises(WouldOverwrite) as caught:
        write_bundle({"Dockerfile": "new\n", "api/README.md": "new\n"}, tmp_path)
    assert caught.value.exit_code == 1 and caught.value.http_status == 409
    assert str(tmp_path / "api" / "README.md") in str(caught.value)
    assert not (tmp_path / "Dockerfile").exists()
    assert (tmp_path / "api" / "README.md").read_text(encoding="utf-8") == "mine\n"
    write_bundle({"Dockerfile": "new\n", "api/README.md": "new\n"}, tmp_path, force=True)
    assert (tmp_path / "api" / "README.md").read_text(encoding="utf-8") == "new\n"


@pytest.mark.parametrize(
    ("existing", "files", "message"),
    [
        ("api", {"api/Dockerfile": "x"}, "is a file, so no folder can be made there"),
        ("Dockerfile/", {"Dockerfile": "x"}, "is a folder, so the file cannot be written"),
        (None, {"../escape": "x"}, "not a path inside the bundle"),
        (None, {"/etc/passwd": "x"}, "not a path inside the bundle"),
    ],
    ids=["file-where-a-folder-goes", "folder-where-a-file-goes", "dot-dot", "absolute"],
)
def test_write_bundle_refuses_paths_it_cannot_write(tmp_path, existing, files, message):
    if existing and existing.endswith("/"):
        (tmp_path / existing).mkdir()
    elif existing:
        (tmp_path / existing).write_text("mine", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        write_bundle(files, tmp_path, force=True)
    assert message in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([existing.rstrip("/")] if existing else [])


def test_zip_is_deterministic_sorted_and_holds_the_files():
    files = {"b/Dockerfile": "FROM x:1\n", "README.md": "# r\n", "a.xml": "<domain/>\n"}
    first = zip_bundle(files)
    assert zip_bundle(dict(reversed(files.items()))) == first
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert archive.namelist() == sorted(files)
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {name: archive.read(name).decode() for name in archive.namelist()} == files
    assert zip_bundle({**files, "README.md": "# changed\n"}) != first


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_committed_reference_artifacts_are_what_emit_all_writes(ruleset, example):
    """Regenerate with: advisor emit all examples/NAME.yaml --out examples/artifacts/NAME --force"""
    [profile] = read_profiles([str(example)])
    files = bundle(profile, recommend(profile, ruleset))
    folder = ARTIFACTS / profile.name
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(files), f"regenerate: advisor emit all {example.relative_to(ROOT)} --out {folder} --force"
    for path, text in files.items():
        assert (folder / path).read_bytes() == text.encode("utf-8"), f"{folder / path} is out of date"


def test_every_reference_folder_has_its_example():
    assert {p.name for p in ARTIFACTS.iterdir()} == {p.stem for p in EXAMPLES}
