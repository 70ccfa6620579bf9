"""Set-up: `make run` needs only Python; the test-only system tools (chromium, QEMU, libvirt, wrk) are
`make test`'s, and `make install` puts the advisor command on PATH."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
# What `make test` alone needs; `make run` must neither install nor look for any of them.
TEST_ONLY = ("chromium", "qemu", "virsh", "virt-", "wrk", "swtpm", "xmllint", "pkg-config", "osinfo")


def _path_without_test_tools(folder: Path) -> str:
    """A PATH of one folder linking every program of /usr/bin and /bin except the test-only ones."""
    folder.mkdir()
    for source in (Path("/usr/bin"), Path("/bin")):
        for program in source.iterdir():
            target = folder / program.name
            if not program.name.startswith(TEST_ONLY) and not target.exists():
                target.symlink_to(program)
    return str(folder)


def test_make_run_installs_no_system_package_and_checks_for_no_test_tool(tmp_path):
    """The recipe `make run` would follow on a fresh machine (no venv yet): a venv and pip only."""
    plan = subprocess.run(
        ["make", "-n", "run", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pip install --quiet -c constraints.txt -e .\n" in plan
    assert "[test]" not in plan and "apt-get" not in plan and "command -v" not in plan
    assert not [tool for tool in TEST_ONLY if tool in plan]
    # make test still installs them.
    tested = subprocess.run(
        ["make", "-n", "test", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "apt-get" in tested and "chromium" in tested and "qemu-system-x86" in tested


def test_make_run_starts_the_service_without_chromium_or_qemu(tmp_path):
    """`make run` with a PATH that has no chromium, QEMU, libvirt tool or wrk serves the form and the API."""
    path = _path_without_test_tools(tmp_path / "bin")
    assert subprocess.run(["sh", "-c", "command -v chromium qemu-img virsh"], env={"PATH": path}).returncode != 0
    stamp = tmp_path / "run-stamp"
    stamp.touch()  # the venv is installed already; the install recipe itself is checked above
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"PATH": path, "HOME": str(tmp_path), "ADVISOR_PORT": str(port), "ADVISOR_WORKERS": "1"}
    server = subprocess.Popen(
        ["make", "run", f"RUN_STAMP={stamp}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the service did not start within 60 s"
            time.sleep(0.5)
        form = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert form.status_code == 200 and "<form" in form.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def test_make_install_links_the_advisor_command(tmp_path):
    """After `make install`, `advisor` is a command: the README's `advisor ...` lines work as written."""
    prefix = tmp_path / "prefix"
    stamp = tmp_path / "run-stamp"
    stamp.touch()
    done = subprocess.run(
        ["make", "install", f"PREFIX={prefix}", f"RUN_STAMP={stamp}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PATH": f"{prefix / 'bin'}:{os.environ['PATH']}"},
    )
    assert f"advisor is on your PATH ({prefix}/bin/advisor)" in done.stdout
    ran = subprocess.run(
        ["advisor", "recommend", "examples/checkout-api.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{prefix / 'bin'}:/usr/bin:/bin"},
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("checkout-api: containers")
