"""The files a recommendation calls for, with a README of next commands; written to a folder or a zip.

A container gets a Dockerfile and a .dockerignore, a VM a libvirt domain XML, a hybrid both; a profile with
components gets each component's files in a folder of its own, per that component's own result.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from advisor.errors import CannotWrite, FieldError, InvalidInput, WouldOverwrite
from advisor.generators import Artifact
from advisor.generators.libvirt import UNKNOWN_OS
from advisor.generators.registry import HYPERVISOR_NAMES, KINDS, StarterKind, Verdict, hypervisor
from advisor.models import ComponentResult, Recommendation, Technology, WorkloadProfile
from advisor.wording import PLATFORM_ONE

__all__ = ["UNKNOWN_OS", "make_bundle", "write_bundle", "zip_bundle"]

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the same bytes on every run


def _kinds(
    profile: WorkloadProfile, verdict: Verdict, whole_profile: bool = False
) -> list[tuple[StarterKind, list[Artifact]]]:
    """The kinds the verdict calls for (one part's, or the whole profile's), in the registry's order, with files."""
    found = []
    for kind in KINDS.values():
        if kind.whole_profile == whole_profile and kind.offered(profile, verdict):
            made = kind.make(profile, verdict)
            found.append((kind, [made, *(companion(profile) for companion in kind.companions)]))
    return found


def _technologies(technologies: list[Technology]) -> list[str]:
    if not technologies:
        return []
    lines = ["Technologies the recommendation suggests:", ""]
    lines += [f"- {t.name} ({t.role})" for t in technologies]
    return [*lines, ""]


def _section(
    profile: WorkloadProfile,
    platform: str,
    folder: str,
    kinds: list[tuple[StarterKind, list[Artifact]]],
    technologies: list[Technology],
) -> list[str]:
    """The README part for one workload: what to run, in order, from the bundle's folder."""
    lines = [f"## {profile.name}: {PLATFORM_ONE[platform]}", ""]
    if platform == "hybrid":
        lines += [
            "A hybrid runs containers and VMs side by side, or containers inside VMs. The Dockerfile builds the "
            "image of the parts that fit a container; the domain XML defines the VM for the parts that need their "
            "own kernel or a stronger boundary, and can host the containers too. Split the workload along that "
            "line.",
            "",
            *_technologies(technologies),
        ]
    for kind, _ in kinds:
        lines += kind.readme(profile, folder)
    lines += _no_vm_starter(profile, platform, [kind for kind, _ in kinds])
    notes = [note for _, artifacts in kinds for artifact in artifacts for note in artifact.notes]
    if notes:
        lines += ["Notes:", "", *(f"- {note}" for note in notes), ""]
    return lines


def _no_vm_starter(profile: WorkloadProfile, platform: str, made: list[StarterKind]) -> list[str]:
    """What the README says when the verdict calls for a VM but no VM starter is for the host's hypervisor."""
    vm_kinds = [kind for kind in KINDS.values() if kind.hosts is not None and platform in kind.platforms]
    if not vm_kinds or any(kind in made for kind in vm_kinds):
        return []
    runs = HYPERVISOR_NAMES[hypervisor(profile)]
    written = sorted({HYPERVISOR_NAMES[host] for kind in vm_kinds for host in (kind.hosts or ()) if host != "macos"})
    return [
        f"No VM definition here: {profile.name}'s host runs {runs}, and advisor's VM starters are for "
        f"{' and '.join(written)} hosts. Create the VM with {runs}'s own tools, with the size the recommendation's "
        "capacity gives; `advisor emit libvirt` still writes a domain for a Linux KVM host.",
        "",
    ]


def make_bundle(profile: WorkloadProfile, recommendation: Recommendation) -> dict[str, str]:
    """Return the files the recommendation calls for, by relative path, with a README.md of next commands."""
    files: dict[str, str] = {}
    sections: list[str] = []
    parts: list[tuple[WorkloadProfile, Recommendation | ComponentResult, str]]
    if profile.components:
        estate = tuple(result.platform for result in recommendation.components)
        parts = [
            (profile.component_profile(component), result, f"{component.name}/")
            for component, result in zip(profile.components, recommendation.components, strict=True)
        ]
    else:
        estate = (recommendation.platform,)
        parts = [(profile, recommendation, "")]
    for part, result, folder in parts:
        verdict = Verdict(result.platform, tuple(t.name for t in result.technologies), estate)
        kinds = _kinds(part, verdict)
        files.update({f"{folder}{a.filename}": a.content for _, artifacts in kinds for a in artifacts})
        sections += _section(part, result.platform, folder, kinds, result.technologies)
    technologies = tuple(t.name for t in recommendation.technologies)
    whole = _kinds(profile, Verdict(recommendation.platform, technologies, estate), whole_profile=True)
    if whole:
        files.update({a.filename: a.content for _, artifacts in whole for a in artifacts})
        sections += [f"## {profile.name}: on one host", ""]
        sections += [line for kind, _ in whole for line in kind.readme(profile, "")]
        notes = [note for _, artifacts in whole for artifact in artifacts for note in artifact.notes]
        sections += ["Notes:", "", *(f"- {note}" for note in notes), ""] if notes else []
    listing = [f"- `{path}`" for path in files] or ["- none besides this README"]
    readme = [
        f"# {profile.name}: starter artifacts",
        "",
        f"advisor recommends {PLATFORM_ONE[recommendation.platform]} for {profile.name} "
        f"(confidence {recommendation.confidence}); `advisor recommend` explains why.",
    ]
    if profile.components:
        readme[-1] += " Each component's files are in a folder of its own, per its own result."
    readme += ["", "Files:", "", *listing, "", *sections]
    readme.append("Every file says in comments what to change. Written by `advisor emit all`.")
    files["README.md"] = "\n".join(readme) + "\n"
    return files


def _relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise InvalidInput([FieldError("", "not a path inside the bundle", file=path)])
    return relative


def _refuse(place: Path, msg: str) -> InvalidInput:
    return InvalidInput([FieldError("", msg, file=str(place))])


def _check_out_dir(out_dir: Path) -> None:
    """Refuse an out folder whose `..` comes after a folder that does not exist: the OS cannot follow it."""
    for index, part in enumerate(out_dir.parts):
        before = Path(*out_dir.parts[:index]) if index else Path()
        if part == ".." and not before.is_dir():
            raise _refuse(out_dir, f"{before} is not a folder, so '..' after it leads nowhere")


SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _resolve(place: Path) -> Path:
    """Where place really is; a link loop on the way is refused by name rather than raised as RuntimeError."""
    try:
        return place.resolve()
    except RuntimeError as exc:  # Python 3.11's Path.resolve reports a link loop so
        raise _refuse(place, "leads through a link that loops back on itself; nothing can be written there") from exc


def _check_target(target: Path) -> None:
    """Refuse a target that exists as anything but a regular file or a link: even --force replaces only those."""
    try:
        mode = os.lstat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):  # not there yet; a folder the OS will not make is named then
        return
    if stat.S_ISDIR(mode):  # a link to a folder is replaced, like any link
        raise _refuse(target, "is a folder, so the file cannot be written")
    for is_kind, kind in SPECIAL_FILES:
        if is_kind(mode):
            raise _refuse(target, f"is {kind}, not a regular file; not even --force replaces it")


def _check_places(target: Path, out_dir: Path, root: Path) -> None:
    """Refuse a target that cannot be written as a file, or that a folder link would take outside out_dir."""
    inside = [p for p in (target, *target.parents) if p.is_relative_to(out_dir) and p != out_dir]
    for place in reversed(inside):  # from out_dir down, so the first problem on the way is the one named
        if place == target:
            _check_target(place)
        elif place.is_symlink():
            real = _resolve(place)
            if not (real.is_dir() and real.is_relative_to(root)):
                raise _refuse(
                    place,
                    f"is a link to {os.readlink(place)}, not a folder inside {out_dir}; nothing is written through it",
                )
        elif place.exists() and not place.is_dir():
            raise _refuse(place, "is a file, so no folder can be made there")


def _check_aliases(targets: list[Path]) -> None:
    """Refuse two targets that folder links make one file: the second would silently replace the first."""
    seen: dict[Path, Path] = {}
    for target in targets:
        real = _resolve(target.parent) / target.name  # the target itself, if a link, is replaced, not followed
        if real in seen:
            other = seen[real]
            raise _refuse(target, f"is the same file as {other} (through a folder link); one would replace the other")
        seen[real] = target


def _check(targets: list[Path], out_dir: Path) -> None:
    """Every check made before anything is written; an OS error on the way names its path, as bad input."""
    try:
        _check_out_dir(out_dir)
        root = _resolve(out_dir)
        for target in targets:
            _check_places(target, out_dir, root)
        _check_aliases(targets)
    except OSError as exc:  # a name too long, a folder not to be looked into: the path given cannot be used
        raise _refuse(Path(exc.filename or out_dir), exc.strerror or str(exc)) from exc


def _missing_folders(folder: Path) -> Iterator[Path]:
    """Yield the folders to make for folder to exist, top first; each is looked at once the one above is made."""
    for place in reversed((folder, *folder.parents)):
        if not os.path.lexists(place):
            yield place


def _take_back(files: list[Path], folders: list[Path]) -> None:
    """Remove what a failed write made, files then folders, deepest first; best effort, as the OS is refusing."""
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _stage(target: Path, text: str) -> Path:
    """Write text to a new file beside target (same folder, so renaming it into place is atomic)."""
    temporary = target.with_name(f".advisor-{secrets.token_hex(6)}.tmp")
    # "x" never reuses or follows what is there; newline="" keeps \n on every OS, as the references.
    file = temporary.open("x", encoding="utf-8", newline="")
    try:
        with file:
            file.write(text)
    except BaseException:  # a full disk: the caller only knows of temporaries returned, so remove this one here
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return temporary


def write_bundle(files: dict[str, str], out_dir: Path, force: bool = False) -> list[Path]:
    """Write the files under out_dir and return their paths: all of them, or none.

    Refuses before writing anything if a file exists (unless force), if a path is a folder, a FIFO, a socket or a
    device or sits under a file, if a folder on the way is a link leading outside out_dir or round a loop, if two
    paths are one file through a folder link, or if the OS cannot look at a path. With force, an existing file or
    link is replaced (the link itself, never what it points to). If the OS refuses any write, what was written is
    taken back and CannotWrite names the path.
    """
    targets = {out_dir.joinpath(*_relative(path).parts): text for path, text in files.items()}
    _check(list(targets), out_dir)
    existing = [target for target in targets if os.path.lexists(target)]
    if existing and not force:
        raise WouldOverwrite([str(target) for target in existing])
    created: list[Path] = []
    staged: dict[Path, Path] = {}
    placed: list[Path] = []
    doing, where = "write", out_dir
    try:
        for target, text in targets.items():
            doing = "make the folder"
            for where in _missing_folders(target.parent):
                where.mkdir()
                created.append(where)
            doing, where = "write", target
            staged[target] = _stage(target, text)
        for where, temporary in staged.items():
            os.replace(temporary, where)  # a rename: replaces a link itself, and readers see the old file or the new
            placed.append(where)
    except OSError as exc:
        _take_back([*staged.values(), *(p for p in placed if p not in existing)], created)
        replaced = [str(p) for p in placed if p in existing]  # a rename cannot be taken back: say so
        raise CannotWrite(str(where), exc.strerror or str(exc), doing, replaced) from exc
    return list(targets)


def zip_bundle(files: dict[str, str]) -> bytes:
    """Return the files as a zip archive: sorted names and fixed timestamps, so the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            _relative(name)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # rw-r--r--, whatever the umask of the machine that zips
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()
