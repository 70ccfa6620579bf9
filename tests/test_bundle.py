"""The bundle: the files each platform calls for, a README whose commands work, safe writing, and stable zips."""

from __future__ import annotations

import io
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from advisor.engine.decide import recommend
from advisor.errors import CannotWrite, InvalidInput, WouldOverwrite
from advisor.generators.bundle import UNKNOWN_OS, make_bundle, write_bundle, zip_bundle
from advisor.generators.compose import make_compose
from advisor.generators.dockerfile import make_dockerfile, make_dockerignore
from advisor.generators.kubernetes import make_kubernetes
from advisor.generators.kubevirt import make_kubevirt
from advisor.generators.libvirt import disk_command, make_domain_xml
from advisor.generators.lxc import make_lxc_config
from advisor.generators.registry import verdict_of
from advisor.profiles import read_profiles
from tests.support import ROOT, immutable, make_profile

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ARTIFACTS = ROOT / "examples" / "artifacts"


def as_platform(profile, ruleset, platform):
    """The real recommendation, with its platform set to the one under test."""
    return recommend(profile, ruleset).model_copy(update={"platform": platform})


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("container", ["Dockerfile", ".dockerignore", "t.conf", "t.kubernetes.yaml", "compose.yaml", "README.md"]),
        ("vm", ["t.xml", "README.md"]),
        ("hybrid", ["Dockerfile", ".dockerignore", "t.xml", "t.kubernetes.yaml", "README.md"]),
    ],
    ids=["container", "vm", "hybrid"],
)
def test_each_platform_gets_its_files(ruleset, platform, expected):
    profile = make_profile()
    result = as_platform(profile, ruleset, platform)
    files = make_bundle(profile, result)
    assert sorted(files) == sorted(expected)
    if "Dockerfile" in files:
        assert files["Dockerfile"] == make_dockerfile(profile).content
        assert files[".dockerignore"] == make_dockerignore(profile).content
    if "t.xml" in files:
        assert files["t.xml"] == make_domain_xml(profile).content
    if "t.kubernetes.yaml" in files:
        assert files["t.kubernetes.yaml"] == make_kubernetes(profile, verdict_of(profile, result)).content
    if "compose.yaml" in files:
        assert files["compose.yaml"] == make_compose(profile).content


def test_components_get_a_folder_each_per_their_own_result(ruleset):
    [profile] = read_profiles([str(ROOT / "examples" / "retail-estate.yaml")])
    result = recommend(profile, ruleset)
    files = make_bundle(profile, result)
    expected = {"README.md"}
    for component, part in zip(profile.components, result.components, strict=True):
        own = profile.component_profile(component)
        if part.platform in ("container", "hybrid"):
            assert files[f"{component.name}/Dockerfile"] == make_dockerfile(own).content
            expected |= {f"{component.name}/Dockerfile", f"{component.name}/.dockerignore"}
            expected.add(f"{component.name}/{component.name}.kubernetes.yaml")
        if part.platform == "container" and "LXC" in [t.name for t in part.technologies]:
            assert files[f"{component.name}/{component.name}.conf"] == make_lxc_config(own).content
            expected.add(f"{component.name}/{component.name}.conf")
        if part.platform in ("vm", "hybrid"):
            assert files[f"{component.name}/{component.name}.xml"] == make_domain_xml(own).content
            expected.add(f"{component.name}/{component.name}.xml")
        if part.platform == "vm":  # a VM beside a container: the estate runs Kubernetes, so KubeVirt too
            assert files[f"{component.name}/{component.name}.kubevirt.yaml"] == make_kubevirt(own).content
            expected.add(f"{component.name}/{component.name}.kubevirt.yaml")
    assert set(files) == expected
    assert {p.platform for p in result.components} == {"container", "vm"}


def test_readme_lists_every_file_and_the_next_commands(ruleset):
    profile = make_profile(workload={"ports": [8080, 9090]})
    files = make_bundle(profile, as_platform(profile, ruleset, "hybrid"))
    readme = files["README.md"]
    for path in files:
        if path != "README.md":
            assert f"- `{path}`" in readme
    assert shlex.join(disk_command(profile)) in readme
    attach = "virt-xml t --add-device --disk INSTALLER.iso,device=cdrom,boot.order=1"
    assert f"virsh define t.xml\n{attach}\nvirsh start t\nvirt-viewer t\n" in readme
    assert "virt-xml t --remove-device --disk device=cdrom\n" in readme
    assert "docker build -t t .\ndocker run --rm -p 8080:8080 -p 9090:9090 t\n" in readme
    assert "The Dockerfile builds the image of the parts that fit a container" in readme  # which part goes where


def virt_install_line(readme: str) -> list[str]:
    return shlex.split(next(line for line in readme.splitlines() if line.startswith("virt-install ")))


@pytest.mark.libvirt
@pytest.mark.parametrize("example", ["core-banking", "legacy-erp"], ids=["linux-guest", "windows-guest"])
def test_the_readmes_virt_install_command_runs_and_matches_the_domain_xml(ruleset, tmp_path, example):
    [profile] = read_profiles([str(ROOT / "examples" / f"{example}.yaml")])
    readme = make_bundle(profile, recommend(profile, ruleset))["README.md"]
    argv = virt_install_line(readme)
    ours = etree.fromstring(make_domain_xml(profile).content.encode())
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


def tree(folder):
    """Every path under folder, links included and not followed, as sorted relative POSIX strings."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_force_replaces_links_themselves_never_what_they_point_to(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("mine\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "kept").mkdir()
    (out / "README.md").symlink_to("../precious.txt")
    (out / "Dockerfile").symlink_to(elsewhere)  # dangling: writing through it would create elsewhere
    (out / "folder-link").symlink_to(out / "sub" / "kept")  # a link to a folder, where a file goes
    files = {"README.md": "# r\n", "Dockerfile": "FROM x:1\n", "folder-link": "f\n"}
    with pytest.raises(WouldOverwrite) as caught:
        write_bundle(files, out)
    assert caught.value.paths == [str(out / name) for name in files]
    write_bundle(files, out, force=True)
    assert precious.read_text(encoding="utf-8") == "mine\n"
    assert not os.path.lexists(elsewhere)
    assert (out / "sub" / "kept").is_dir()
    for name, text in files.items():
        assert not (out / name).is_symlink()
        assert (out / name).read_bytes() == text.encode()
    assert tree(out) == sorted([*files, "sub", "sub/kept"])


@pytest.mark.parametrize(
    ("link", "pointing_at"),
    [
        ("api", "{tmp}/outside"),
        ("api", "../outside"),
        ("api", "/nonexistent/advisor-test"),
        ("api", "{tmp}/out/file"),
        ("api/deeper", "{tmp}/outside"),
    ],
    ids=["absolute-outside", "relative-outside", "dangling", "to-a-file-inside", "deeper-down"],
)
def test_a_folder_link_leading_outside_is_never_written_through(tmp_path, link, pointing_at):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "file").write_text("mine", encoding="utf-8")
    (out / link).parent.mkdir(exist_ok=True)
    (out / link).symlink_to(pointing_at.format(tmp=tmp_path))
    before = tree(out)
    with pytest.raises(InvalidInput) as caught:
        write_bundle({"README.md": "r", "api/deeper/Dockerfile": "x"}, out, force=True)
    assert str(caught.value).startswith(f"{out / link}: is a link to {pointing_at.format(tmp=tmp_path)}, not a folder")
    assert tree(out) == before and list(outside.iterdir()) == []


def test_a_folder_link_leading_inside_is_followed(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "api").symlink_to("real")
    write_bundle({"api/Dockerfile": "x\n"}, tmp_path)
    assert (tmp_path / "real" / "Dockerfile").read_text(encoding="utf-8") == "x\n"


def test_a_failed_write_takes_back_everything_it_made(tmp_path):
    out = tmp_path / "out"
    files = {"README.md": "r\n", "storefront/Dockerfile": "x\n", "pos/" + "n" * 300: "too long a name\n"}
    with pytest.raises(CannotWrite) as caught:
        write_bundle(files, out)
    assert str(caught.value) == f"cannot write {out / 'pos' / ('n' * 300)}: File name too long; nothing was written"
    assert caught.value.exit_code == 1
    assert list(tmp_path.iterdir()) == []  # no temporaries, and the folders it made (out too) are gone


@pytest.mark.parametrize(
    ("out", "at_fault", "reason"),
    [
        ("{tmp}/afile/sub", "{tmp}/afile/sub", "Not a directory"),
        ("{tmp}/afile/sub/deeper", "{tmp}/afile/sub", "Not a directory"),
        ("/dev/null/advisor-test", "/dev/null/advisor-test", "Not a directory"),
        ("/proc/advisor-test/out", "/proc/advisor-test", "No such file or directory"),
    ],
    ids=["under-a-file", "deeper-under-a-file", "under-dev-null", "in-proc"],
)
def test_a_folder_the_os_will_not_make_is_named(tmp_path, out, at_fault, reason):
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    with pytest.raises(CannotWrite) as caught:
        write_bundle({"README.md": "r\n"}, Path(out.format(tmp=tmp_path)))
    assert str(caught.value) == f"cannot make the folder {at_fault.format(tmp=tmp_path)}: {reason}; nothing was written"
    assert tree(tmp_path) == ["afile"]


@pytest.mark.skipif(shutil.which("chattr") is None, reason="chattr is not installed")
def test_a_failed_rename_takes_back_new_files_and_names_those_already_replaced(tmp_path):
    for name in ("README.md", "locked"):
        (tmp_path / name).write_text("mine\n", encoding="utf-8")
    files = {"new/Dockerfile": "x\n", "README.md": "r\n", "locked": "l\n"}
    with immutable(tmp_path / "locked"), pytest.raises(CannotWrite) as caught:
        write_bundle(files, tmp_path, force=True)
    assert str(caught.value) == (
        f"cannot write {tmp_path / 'locked'}: Operation not permitted; "
        f"{tmp_path / 'README.md'} had already been replaced; nothing else was written"
    )
    assert caught.value.replaced == [str(tmp_path / "README.md")]
    assert tree(tmp_path) == ["README.md", "locked"]  # the new file, its folder and the temporaries are gone
    assert (tmp_path / "locked").read_text(encoding="utf-8") == "mine\n"


def make_fifo(path):
    os.mkfifo(path)


def make_socket(path):
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))  # the socket file stays after the socket is closed


@pytest.mark.parametrize(("make", "kind"), [(make_fifo, "a FIFO"), (make_socket, "a socket")], ids=["fifo", "socket"])
def test_force_replaces_only_files_and_links_never_a_fifo_or_socket(tmp_path, make, kind):
    make(tmp_path / "Dockerfile")
    before = os.lstat(tmp_path / "Dockerfile")
    with pytest.raises(InvalidInput) as caught:
        write_bundle({"README.md": "r\n", "Dockerfile": "x\n"}, tmp_path, force=True)
    refusal = f"{tmp_path / 'Dockerfile'}: is {kind}, not a regular file; not even --force replaces it"
    assert str(caught.value) == refusal
    assert caught.value.exit_code == 2
    assert tree(tmp_path) == ["Dockerfile"]  # README.md, listed first, was not written either
    after = os.lstat(tmp_path / "Dockerfile")
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


@pytest.mark.parametrize(
    ("loop", "out", "named"),
    [
        ("loop", "loop", "loop"),
        ("loop", "loop/deeper", "loop/deeper"),
        ("out/storefront", "out", "out/storefront"),
    ],
    ids=["out-is-a-loop", "out-under-a-loop", "folder-inside-out-is-a-loop"],
)
def test_a_link_loop_is_refused_by_name(tmp_path, loop, out, named):
    (tmp_path / loop).parent.mkdir(exist_ok=True)
    (tmp_path / loop).symlink_to(Path(loop).name)  # a link to its own name
    before = tree(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        write_bundle({"README.md": "r\n", "storefront/Dockerfile": "x\n"}, tmp_path / out, force=True)
    assert str(caught.value) == (
        f"{tmp_path / named}: leads through a link that loops back on itself; nothing can be written there"
    )
    assert caught.value.exit_code == 2
    assert tree(tmp_path) == before


def test_two_paths_one_file_through_a_folder_link_are_refused(tmp_path):
    (tmp_path / "storefront").mkdir()
    (tmp_path / "web").symlink_to("storefront")  # inside out, so followed; but web/X is storefront/X
    files = {"README.md": "r\n", "storefront/Dockerfile": "s\n", "web/Dockerfile": "w\n"}
    for force in (False, True):
        with pytest.raises(InvalidInput) as caught:
            write_bundle(files, tmp_path, force=force)
        assert str(caught.value) == (
            f"{tmp_path / 'web' / 'Dockerfile'}: is the same file as {tmp_path / 'storefront' / 'Dockerfile'} "
            "(through a folder link); one would replace the other"
        )
        assert tree(tmp_path) == ["storefront", "web"]


@pytest.mark.parametrize(
    ("out", "named", "reason"),
    [
        ("{tmp}/" + "a" * 300, "{tmp}/" + "a" * 300 + "/README.md", "File name too long"),
        ("{tmp}/" + "a" * 300 + "/..", "{tmp}/" + "a" * 300, "File name too long"),
    ],
    ids=["out-name-too-long", "dot-dot-after-a-name-too-long"],
)
def test_an_os_error_while_checking_names_the_path_as_bad_input(tmp_path, out, named, reason):
    with pytest.raises(InvalidInput) as caught:
        write_bundle({"README.md": "r\n"}, Path(out.format(tmp=tmp_path)))
    assert str(caught.value) == f"{named.format(tmp=tmp_path)}: {reason}"
    assert caught.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_a_write_the_disk_refuses_leaves_no_temporary_and_no_folder(tmp_path):
    """A real limit, not a mock: RLIMIT_FSIZE makes a write past it fail with EFBIG, as a full disk fails."""
    out = tmp_path / "out"
    files = {"README.md": "r\n", "storefront/Dockerfile": "x" * 100_000}
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the default action kills the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, hard))
    try:
        with pytest.raises(CannotWrite) as caught:
            write_bundle(files, out)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert str(caught.value) == f"cannot write {out / 'storefront' / 'Dockerfile'}: File too large; nothing was written"
    assert list(tmp_path.iterdir()) == []  # the half-written temporary, storefront/ and out/ are all gone


def test_an_out_folder_whose_dot_dot_leads_nowhere_is_refused(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        write_bundle({"README.md": "r\n"}, tmp_path / "nosuch" / "..")
    assert (
        str(caught.value)
        == f"{tmp_path / 'nosuch' / '..'}: {tmp_path / 'nosuch'} is not a folder, so '..' after it leads nowhere"
    )
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "there").mkdir()
    write_bundle({"README.md": "r\n"}, tmp_path / "there" / "..")
    assert tree(tmp_path) == ["README.md", "there"]


def test_written_files_get_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)  # reading the umask means setting it: put it back
    os.umask(umask)
    [path] = write_bundle({"README.md": "r\n"}, tmp_path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


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
    files = make_bundle(profile, recommend(profile, ruleset))
    folder = ARTIFACTS / profile.name
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(files), f"regenerate: advisor emit all {example.relative_to(ROOT)} --out {folder} --force"
    for path, text in files.items():
        assert (folder / path).read_bytes() == text.encode("utf-8"), f"{folder / path} is out of date"


def test_every_reference_folder_has_its_example():
    assert {p.name for p in ARTIFACTS.iterdir()} == {p.stem for p in EXAMPLES}
