"""RVTools exports: one VM per row of the vInfo sheet, with its disks, NICs, CPUs and memory from the others.

RVTools (a Windows tool that reads a vCenter) exports one sheet per object type: vInfo (one row per VM),
vCPU, vMemory, vDisk (one row per virtual disk), vNetwork (one row per NIC) and more, as one XLSX workbook
or as one CSV file per sheet (RVTools_tabvInfo.csv, RVTools_tabvDisk.csv...). The column names below are
the ones RVTools writes, as tools that import its exports read them: rvtools2azmigrate's convert.py
(https://github.com/lrivallain/rvtools2azmigrate) reads VM, Powerstate, CPUs, Memory, "OS according to the
configuration file", "OS according to the VMware Tools", "Provisioned MiB" or, from older releases,
"Provisioned MB"; Google's Migration Center imports the same two forms (ImportJobFormat RVTOOLS_XLSX and
RVTOOLS_CSV, https://cloud.google.com/migration-center/docs/reference/rest/v1alpha1/ImportJobFormat).
Columns not listed here are ignored; a sheet without its VM column, or a value that is not what its column
holds, is an error naming the file, sheet, row and column.

The workbook is opened read-only and its rows streamed (openpyxl's read_only mode), so memory grows with the
number of VMs kept, not with the size of the sheets.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.assess.facts import Inventory, Observed, Skipped, Where
from advisor.assess.limits import check_size, check_zip, refuse
from advisor.errors import FieldError, InvalidInput

MAX_PROBLEMS = 20


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    """A count or size: a number cell, or text of digits (RVTools' CSV writes 4,096 or 4096)."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value}")
        return None
    if isinstance(value, (int, float)):
        if value < 0 or value != value:
            raise ValueError(f"expected a number of at least 0, got {value}")
        return float(value)
    text = str(value).strip().replace(",", "").replace("\u00a0", "")
    if not text:
        return None
    if not re.fullmatch(r"\d{1,15}(\.\d{1,6})?", text):
        raise ValueError(f"expected a number, got {str(value)[:40]!r}")
    return float(text)


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValueError(f"expected True or False, got {str(value)[:40]!r}")


@dataclass(frozen=True)
class Column:
    """A column RVTools writes: its names (newer releases say MiB, older MB) and how its cells read."""

    names: tuple[str, ...]
    parse: Callable[[Any], Any] = _text


# vInfo: one row per VM (or template). fact name -> column.
VINFO = {
    "vm": Column(("VM",)),
    "power_state": Column(("Powerstate",)),
    "template": Column(("Template",), _flag),
    "cpus": Column(("CPUs",), _number),
    "memory_mib": Column(("Memory",), _number),
    "nics": Column(("NICs",), _number),
    "disks": Column(("Disks",), _number),
    "disk_mib": Column(("Total disk capacity MiB", "Total disk capacity MB"), _number),
    "provisioned_mib": Column(("Provisioned MiB", "Provisioned MB"), _number),
    "guest_os_config": Column(("OS according to the configuration file",)),
    "guest_os_tools": Column(("OS according to the VMware Tools",)),
    "firmware": Column(("Firmware",)),
    "host": Column(("Host",)),
    "cluster": Column(("Cluster",)),
    "datacenter": Column(("Datacenter",)),
}
# The other sheets: one row per VM (vCPU, vMemory) or per disk or NIC (vDisk, vNetwork), found by VM name.
DETAIL_SHEETS: dict[str, dict[str, Column]] = {
    "vCPU": {"vm": Column(("VM",)), "cpus": Column(("CPUs",), _number)},
    "vMemory": {"vm": Column(("VM",)), "memory_mib": Column(("Size MiB", "Size MB"), _number)},
    "vDisk": {"vm": Column(("VM",)), "disk_mib": Column(("Capacity MiB", "Capacity MB"), _number)},
    "vNetwork": {"vm": Column(("VM",)), "network": Column(("Network",)), "adapter": Column(("Adapter",))},
}
SHEETS = ("vInfo", *DETAIL_SHEETS)
# A detail sheet is read only for what vInfo lacks: vInfo's CPUs, Memory, NICs and (RVTools 4) "Total disk
# capacity MiB" are the same figures, and skipping the sheets that repeat them halves the rows read.
NEEDED_FOR = {"vCPU": "cpus", "vMemory": "memory_mib", "vDisk": "disk_mib", "vNetwork": "nics"}


class _Problems:
    """Errors found while reading, kept to a readable number."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.more = 0

    def add(self, error: FieldError) -> None:
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append(error)
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.more:
            self.errors.append(FieldError("", f"and {self.more:,} more problems like these"))
        if self.errors:
            raise InvalidInput(self.errors)


Rows = Iterator[tuple[Any, ...]]


def _columns(header: tuple[Any, ...], wanted: dict[str, Column]) -> dict[str, tuple[int, str]]:
    """Fact name -> (index, column name) for the wanted columns this header has."""
    names = [_text(cell) for cell in header]
    found = {}
    for fact, column in wanted.items():
        for name in column.names:
            if name in names:
                found[fact] = (names.index(name), name)
                break
    return found


def _read_sheet(
    rows: Rows, file: str, sheet: str, wanted: dict[str, Column], problems: _Problems, found: set[str] | None = None
) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
    """Yield (row number, facts, fact -> column name) for each row that has a VM name.

    `found` receives the facts the sheet has columns for, once its header is read.
    """
    header = next(rows, None)
    if header is None or not any(cell is not None for cell in header):
        raise refuse(file, "has no header row", where=f"sheet {sheet}")
    columns = _columns(header, wanted)
    if found is not None:
        found.update(columns)
    if "vm" not in columns:
        shown = ", ".join(repr(_text(c)) for c in header[:12] if _text(c)) or "none"
        raise refuse(
            file,
            f"has no 'VM' column, so its rows cannot be matched to VMs (RVTools writes one; found {shown})",
            where=f"sheet {sheet}",
        )
    for number, row in enumerate(rows, start=2):
        if not any(cell is not None and cell != "" for cell in row):
            continue  # a blank row, as spreadsheets keep at the end
        values: dict[str, Any] = {}
        for fact, (index, name) in columns.items():
            cell = row[index] if index < len(row) else None
            try:
                values[fact] = wanted[fact].parse(cell)
            except ValueError as exc:
                problems.add(FieldError(f"sheet {sheet}, row {number}, column '{name}'", str(exc), file=file))
        if not values.get("vm"):
            problems.add(FieldError(f"sheet {sheet}, row {number}", "has values but no VM name", file=file))
            continue
        yield number, values, {fact: name for fact, (_, name) in columns.items()}


def _assemble(
    file: str, kind: str, tables: Mapping[str, Callable[..., Rows]], sheet_file: Callable[[str], str]
) -> Inventory:
    """Read vInfo, then the detail sheets present, into one Observed per VM (templates skipped)."""
    inventory = Inventory(file=file, kind=kind)
    problems = _Problems()
    by_name: dict[str, Observed] = {}
    info_file = sheet_file("vInfo")
    in_info: set[str] = set()
    for number, values, names in _read_sheet(tables["vInfo"](), info_file, "vInfo", VINFO, problems, in_info):
        name = values["vm"]
        where = Where(info_file, sheet="vInfo", row=number)
        if values.get("template"):
            inventory.skipped.append(Skipped(name, where, "a template, not a running VM"))
            continue
        vm = Observed(kind="vm", name=name, where=where, source=kind)
        vm.add("vm", True, where)
        for fact, value in values.items():
            if fact not in ("vm", "template"):
                vm.add(fact, value, Where(info_file, sheet="vInfo", row=number, column=names[fact]))
        inventory.items.append(vm)
        by_name.setdefault(name, vm)  # a name given twice: details go to the first (RVTools keys them by name)
    problems.raise_any()
    totals: dict[str, dict[str, Any]] = {}
    for sheet, wanted in DETAIL_SHEETS.items():
        if sheet not in tables or NEEDED_FOR[sheet] in in_info:
            continue
        detail_file = sheet_file(sheet)
        for number, values, names in _read_sheet(tables[sheet](), detail_file, sheet, wanted, problems):
            found = by_name.get(values["vm"])
            if found is None:
                continue  # a template's disks and NICs, or a VM of another export
            vm = found
            sums = totals.setdefault(values["vm"], {})
            if sheet == "vDisk":
                sums["disk_count"] = sums.get("disk_count", 0) + 1
                if values.get("disk_mib") is not None:
                    sums["disk_mib"] = sums.get("disk_mib", 0) + values["disk_mib"]
                sums["disk_where"] = Where(detail_file, sheet=sheet, column=names.get("disk_mib"))
            elif sheet == "vNetwork":
                sums["nic_count"] = sums.get("nic_count", 0) + 1
                sums["nic_where"] = Where(detail_file, sheet=sheet)
            else:
                for fact, value in values.items():
                    if fact != "vm":
                        vm.add(fact, value, Where(detail_file, sheet=sheet, row=number, column=names[fact]))
    problems.raise_any()
    for name, sums in totals.items():
        vm = by_name[name]
        if "disk_mib" in sums:
            vm.add("disk_mib", sums["disk_mib"], _rows_of(sums["disk_where"], sums["disk_count"]))
        if "nic_count" in sums:
            vm.add("nics", sums["nic_count"], _rows_of(sums["nic_where"], sums["nic_count"]))
    return inventory


def _rows_of(where: Where, count: int) -> Where:
    rows = "1 row" if count == 1 else f"{count} rows"
    return Where(where.file, sheet=where.sheet, column=where.column, path=f"{rows} for this VM, summed")


# --- XLSX ---


def read_xlsx(path: Path, shown: str, limit: int) -> Inventory:
    """An RVTools workbook: the vInfo sheet, and vCPU, vMemory, vDisk and vNetwork where present."""
    import openpyxl  # imported here: only assessments of spreadsheets pay for it

    check_zip(path, shown)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, BadZipFile, XML errors) for a broken file
        raise refuse(shown, f"is not a readable XLSX workbook: {exc.__class__.__name__}: {exc}") from None
    try:
        present = set(workbook.sheetnames)
        if "vInfo" not in present:
            names = ", ".join(workbook.sheetnames[:10]) or "none"
            raise refuse(shown, f"has no vInfo sheet, so it is not an RVTools export (its sheets: {names})")
        tables = {
            sheet: (lambda sheet=sheet: _guarded(workbook[sheet].iter_rows(values_only=True), shown, sheet))
            for sheet in SHEETS
            if sheet in present
        }
        return _assemble(shown, "rvtools-xlsx", tables, lambda sheet: shown)
    finally:
        workbook.close()


def _guarded(rows: Rows, file: str, sheet: str) -> Rows:
    """The rows of a sheet; a sheet whose XML breaks off is an error naming the sheet and the last row read."""
    number = 0
    try:
        for row in rows:
            number += 1
            yield row
    except InvalidInput:
        raise
    except Exception as exc:  # a truncated or corrupt sheet: lxml, zlib or zipfile errors
        raise refuse(
            file, f"cannot be read after row {number}: {exc.__class__.__name__}: {exc}", where=f"sheet {sheet}"
        ) from None


# --- CSV: one file per sheet, RVTools_tab<sheet>.csv ---

_TAB = re.compile(r"^(?P<prefix>.*)tab(?P<sheet>v[A-Za-z]+)\.csv$", re.IGNORECASE)


def csv_sheet(path: Path) -> tuple[str, str] | None:
    """(prefix, sheet) for a file named like RVTools' CSV export (RVTools_tabvInfo.csv), else None."""
    match = _TAB.match(path.name)
    if not match:
        return None
    sheet = next((s for s in SHEETS if s.lower() == match["sheet"].lower()), match["sheet"])
    return match["prefix"], sheet


def _csv_rows(path: Path, shown: str) -> Rows:
    """The rows of one CSV file (UTF-8, with or without a byte order mark; comma or semicolon separated)."""
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise refuse(shown, f"cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            first = handle.readline(1 << 20)
            delimiter = ";" if first.count(";") > first.count(",") else ","
            lines = [first]
            reader = csv.reader(_chain(lines, handle), delimiter=delimiter, strict=True)
            for row in reader:
                yield tuple(cell if cell != "" else None for cell in row)
        except UnicodeDecodeError as exc:
            raise refuse(shown, f"is not UTF-8 text (byte {exc.start} of a line)") from None
        except csv.Error as exc:
            raise refuse(shown, f"is not valid CSV at line {reader.line_num}: {exc}") from None


def _chain(first: list[str], rest: io.TextIOBase) -> Iterator[str]:
    yield from first
    yield from rest


def read_csv(path: Path, shown: str, limit: int) -> Inventory:
    """An RVTools vInfo CSV, with the other sheets' CSV files found beside it by name."""
    named = csv_sheet(path)
    prefix, sheet = named if named else (None, "vInfo")
    if sheet != "vInfo":
        info = path.with_name(f"{prefix}tabvInfo.csv")
        if not info.is_file():
            raise refuse(shown, f"is RVTools' {sheet} sheet alone; give its vInfo CSV ({info.name}) too")
        return Inventory(file=shown, kind="rvtools-csv")  # read with its vInfo file
    base = Path(shown)
    siblings = {"vInfo": path}
    if named:
        for other in DETAIL_SHEETS:
            candidate = path.with_name(f"{prefix}tab{other}.csv")
            if candidate.is_file():
                check_size(candidate, str(Path(shown).with_name(candidate.name)), limit)
                siblings[other] = candidate

    def shown_for(sheet: str) -> str:
        return shown if sheet == "vInfo" else str(base.with_name(siblings[sheet].name))

    tables = {sheet: (lambda sheet=sheet: _csv_rows(siblings[sheet], shown_for(sheet))) for sheet in siblings}
    return _assemble(shown, "rvtools-csv", tables, shown_for)
