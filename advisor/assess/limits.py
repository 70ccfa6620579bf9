"""Bounds on what an input may cost before it is read: its size, and for an XLSX its zip members.

An XLSX is a zip of XML files. A hostile one (a "zip bomb") declares a few kilobytes that inflate to
gigabytes, so the zip's directory is checked before openpyxl opens it: how many members, how large each
inflates, in total and relative to its compressed size. Python's zipfile never inflates a member past the
size its directory declares, so checking the declared sizes bounds what is read.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from advisor.errors import FieldError, InvalidInput

MIB = 1024 * 1024
# The command line's default limit on one input file (--max-input-bytes); an RVTools export of several
# thousand VMs is a few megabytes.
DEFAULT_MAX_INPUT_BYTES = 64 * MIB
# An XLSX may inflate to at most this much in all, no member more than MAX_RATIO times its compressed size
# (sheets of repeated cells compress about 10 to 30 times; a bomb, thousands of times).
MAX_UNCOMPRESSED_BYTES = 512 * MIB
MAX_RATIO = 200
RATIO_CHECKED_FROM = MIB  # small members may compress very well without costing anything
MAX_MEMBERS = 10_000


def refuse(file: str, message: str, *, where: str = "") -> InvalidInput:
    """InvalidInput naming the file (and, in `where`, the sheet, row or document)."""
    return InvalidInput([FieldError(where, message, file=file)])


def check_size(path: Path, shown: str, limit: int) -> int:
    """The file's size, or InvalidInput if it cannot be looked at, is not a file, or is over the limit."""
    try:
        status = path.stat()
    except OSError as exc:
        raise refuse(shown, f"cannot read: {exc.strerror or exc}") from None
    if not path.is_file():
        raise refuse(shown, "is not a file")
    if status.st_size > limit:
        raise refuse(shown, f"is {status.st_size:,} bytes, over the limit of {limit:,} bytes for one input")
    return status.st_size


def check_zip(path: Path, shown: str) -> None:
    """Refuse a zip (XLSX) that is not one, or whose members would inflate beyond the bounds above."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse(shown, f"is not a readable XLSX (zip) file: {exc}") from None
    if len(members) > MAX_MEMBERS:
        raise refuse(shown, f"holds {len(members):,} zip members, more than an XLSX has ({MAX_MEMBERS:,})")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size >= RATIO_CHECKED_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise refuse(
                shown,
                f"zip member {member.filename} inflates {ratio:,} times ({member.file_size:,} bytes from "
                f"{member.compress_size:,}); refused as a likely zip bomb (at most {MAX_RATIO} times)",
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise refuse(
            shown, f"inflates to {total:,} bytes, over the limit of {MAX_UNCOMPRESSED_BYTES:,}; refused unread"
        )


def read_head(path: Path, size: int = 65536) -> bytes:
    """The first bytes of a file, to tell its kind."""
    with path.open("rb") as handle:
        return handle.read(size)


def display(path: Path, given: str | None = None) -> str:
    """The name to show for an input: what the user gave, else the path as it is."""
    return given if given is not None else os.fspath(path)
