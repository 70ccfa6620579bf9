"""Time `advisor assess` over a generated RVTools export of 10,000 VMs, as a real process, and its peak memory.

The workbook has the sheets RVTools writes (vInfo, vCPU, vMemory, vDisk with one to three disks per VM,
vNetwork with one or two NICs) and a mix of guest OSes, power states and templates. The assessment runs
end to end: stream the sheets, infer 10,000 profiles, recommend, and write the JSON report. Targets:
under 10 s, and a peak RSS that grows with the VMs kept, not with the workbook (the sheets are streamed).
Usage: python bench/bench_assess.py [VMS]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

VMS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
SCRIPT = Path(sys.executable).with_name("advisor")
ADVISOR = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "advisor"]
GUESTS = [
    ("Microsoft Windows Server 2019 (64-bit)", "Microsoft Windows Server 2019 Standard (64-bit)"),
    ("Microsoft Windows Server 2012 (64-bit)", "Microsoft Windows Server 2012 R2 Datacenter (64-bit)"),
    ("Ubuntu Linux (64-bit)", "Ubuntu 22.04.4 LTS"),
    ("Red Hat Enterprise Linux 8 (64-bit)", "Red Hat Enterprise Linux 8.9 (Ootpa)"),
    ("CentOS 7 (64-bit)", "CentOS Linux 7 (Core)"),
    ("Microsoft Windows 10 (64-bit)", ""),
    ("Other (64-bit)", ""),
]
INFO = [
    "VM", "Powerstate", "Template", "DNS Name", "CPUs", "Memory", "NICs", "Disks", "Total disk capacity MiB",
    "Provisioned MiB", "In Use MiB",
    "Firmware", "OS according to the configuration file", "OS according to the VMware Tools", "Datacenter", "Cluster",
    "Host", "VM UUID",
]  # fmt: skip


class SharedStringsWorkbook:
    """A minimal XLSX writer that stores text as shared strings, as Excel and RVTools' exports do.

    openpyxl writes every text cell as an inline string, which its own reader parses several times more
    slowly than the shared strings a real RVTools export holds; timing that would measure the wrong file.
    """

    def __init__(self) -> None:
        self.sheets: dict[str, list[str]] = {}
        self.widths: dict[str, int] = {}
        self.strings: dict[str, int] = {}

    def append(self, sheet: str, row: list[object]) -> None:
        rows = self.sheets.setdefault(sheet, [])
        self.widths[sheet] = max(self.widths.get(sheet, 0), len(row))
        cells = []
        for column, value in enumerate(row):
            ref = f"{_column(column)}{len(rows) + 1}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value:
                index = self.strings.setdefault(escape(str(value)), len(self.strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        rows.append(f'<row r="{len(rows) + 1}">{"".join(cells)}</row>')

    def save(self, path: Path) -> None:
        names = list(self.sheets)
        main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        package = "http://schemas.openxmlformats.org/package/2006/relationships"
        types = "http://schemas.openxmlformats.org/package/2006/content-types"
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            overrides = "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{ct}.worksheet+xml"/>'
                for i in range(len(names))
            )
            archive.writestr(
                "[Content_Types].xml",
                f'<Types xmlns="{types}"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                f'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>{overrides}</Types>',
            )
            archive.writestr(
                "_rels/.rels",
                f'<Relationships xmlns="{package}"><Relationship Id="rId1" Target="xl/workbook.xml" '
                f'Type="{rel}/officeDocument"/></Relationships>',
            )
            sheets = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
            archive.writestr(
                "xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>{sheets}</sheets></workbook>'
            )
            links = "".join(
                f'<Relationship Id="rId{i + 1}" Target="worksheets/sheet{i + 1}.xml" Type="{rel}/worksheet"/>'
                for i in range(len(names))
            )
            links += f'<Relationship Id="rId{len(names) + 1}" Target="sharedStrings.xml" Type="{rel}/sharedStrings"/>'
            archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{package}">{links}</Relationships>')
            strings = "".join(f"<si><t>{text}</t></si>" for text in self.strings)
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}" count="{len(self.strings)}">{strings}</sst>')
            for index, name in enumerate(names):
                body = "".join(self.sheets[name])
                # Excel writes the used range first; without it openpyxl reads a sheet twice to find it.
                span = f"A1:{_column(self.widths[name] - 1)}{len(self.sheets[name])}"
                archive.writestr(
                    f"xl/worksheets/sheet{index + 1}.xml",
                    f'<worksheet xmlns="{main}"><dimension ref="{span}"/><sheetData>{body}</sheetData></worksheet>',
                )


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_export(path: Path) -> None:
    book = SharedStringsWorkbook()
    book.append("vInfo", INFO)
    book.append("vCPU", ["VM", "Powerstate", "Template", "CPUs", "Sockets", "Cores p/s"])
    book.append("vMemory", ["VM", "Powerstate", "Template", "Size MiB", "Reservation"])
    book.append("vDisk", ["VM", "Powerstate", "Template", "Disk", "Capacity MiB", "Thin"])
    book.append("vNetwork", ["VM", "Powerstate", "Template", "NIC label", "Adapter", "Network", "Connected"])
    for index in range(VMS):
        name = f"vm-{index:05d}.corp.example"
        config, tools = GUESTS[index % len(GUESTS)]
        state = "poweredOff" if index % 13 == 0 else "poweredOn"
        template = index % 97 == 0
        cpus, mib, disks, nics = 2 ** (index % 4), 1024 * 2 ** (index % 6), 1 + index % 3, 1 + index % 2
        row = [name, state, template, name, cpus, mib, nics, disks, disks * 40960, disks * 41000, disks * 20000]
        row += ["efi", config]
        book.append(
            "vInfo", [*row, tools, f"DC-{index % 3}", f"cluster-{index % 12}", f"esx-{index % 80:02d}", f"uuid-{index}"]
        )
        book.append("vCPU", [name, state, template, cpus, 1, cpus])
        book.append("vMemory", [name, state, template, mib, 0])
        for number in range(disks):
            book.append("vDisk", [name, state, template, f"Hard disk {number + 1}", 40960, True])
        for number in range(nics):
            book.append(
                "vNetwork",
                [name, state, template, f"Network adapter {number + 1}", "vmxnet3", f"VLAN-{index % 40}", True],
            )
    book.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "RVTools_export_all.xlsx"
        started = time.perf_counter()
        write_export(export)
        print(
            f"generated {VMS:,} VMs: {export.stat().st_size / 2**20:.1f} MiB in {time.perf_counter() - started:.1f} s"
        )
        report = Path(folder) / "report.json"
        started = time.perf_counter()
        done = subprocess.run(
            [*ADVISOR, "assess", str(export), "--format", "json", "-o", str(report)],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mib, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        data = json.loads(report.read_text())
        print(done.stderr.strip())
        print(f"assessed {data['summary']['items']:,} items ({data['summary']['skipped']} skipped) in {elapsed:.2f} s")
        # On a shared machine the wall time is mostly waiting for a core; the CPU time is the work itself.
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"CPU time of the advisor process: {cpu:.2f} s (load average {load} on {os.cpu_count()} cores)")
        print(f"peak RSS of the advisor process: {peak_mib:.0f} MiB; report {report.stat().st_size / 2**20:.1f} MiB")
        print(f"target: under 10 s -> wall {'ok' if elapsed < 10 else 'MISSED'}, CPU {'ok' if cpu < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
