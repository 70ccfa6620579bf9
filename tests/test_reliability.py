"""Hostile traffic and faults against the real service: gunicorn with the shipped config, on loopback.

Each test reproduces one defect of the reliability audit (issue 13) and shows it fixed. `make test` runs
them short; `make soak` (ADVISOR_SOAK=1) runs them ten times longer and prints the figures: requests sent
and failed, worker RSS before and after, and the size of the metrics folder.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from advisor.web.api import AnswerCache

ROOT = Path(__file__).resolve().parent.parent
SOAK = os.environ.get("ADVISOR_SOAK") == "1"
SCALE = 10 if SOAK else 1

pytestmark = pytest.mark.live


def report(what: str, **figures: object) -> None:
    """One line of figures (shown with -s, as `make soak` runs)."""
    print(f"\n[reliability] {what}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident memory of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def folder_bytes(folder: Path) -> int:
    """Bytes the files in a folder take on disk."""
    return sum(p.stat().st_blocks * 512 for p in folder.iterdir() if p.is_file())


class Gunicorn:
    """The service under gunicorn with deploy/gunicorn.conf.py; TMPDIR is the test's, to see what it leaves."""

    def __init__(self, tmp: Path, env: dict[str, str] | None = None, workers: int = 2) -> None:
        self.tmp = tmp
        self.tmp.mkdir(exist_ok=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if k not in ("ADVISOR_RULES", "PROMETHEUS_MULTIPROC_DIR")}
        environment.update(ADVISOR_PORT=str(self.port), ADVISOR_WORKERS=str(workers), TMPDIR=str(tmp))
        environment.update(env or {})
        self.log = tmp / "gunicorn.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready(workers)

    def workers(self) -> list[int]:
        """The pids of the master's children."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return sorted(int(pid) for pid in children)

    def wait_ready(self, workers: int, timeout: float = 30) -> None:
        """Until `workers` workers run and the service answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if len(self.workers()) == workers and requests.get(self.url + "/healthz", timeout=2).ok:
                    return
            except (requests.RequestException, OSError):
                pass
            time.sleep(0.05)
        pytest.fail(f"gunicorn did not get ready:\n{self.log.read_text()}")

    def metrics_dir(self) -> Path:
        """The metrics folder the server made for itself in TMPDIR."""
        (found,) = self.tmp.glob("advisor-metrics-*")
        return found

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    started: list[Gunicorn] = []

    def run(env: dict[str, str] | None = None, workers: int = 2) -> Gunicorn:
        server = Gunicorn(tmp_path / f"server-{len(started)}", env, workers)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


CACHE_LIMIT = 1024 * 1024
ORG_RULE = """\
rules:
  - id: org-prefers-vms
    title: Our estate prefers VMs
    when: {host.os: linux}
    score: {vm: 1}
    because: The platform team runs VMs today.
    links: [https://example.org/platform-policy]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """One gunicorn for the tests that send traffic: two workers, a 1 MiB answer cache each, org rules polled."""
    rules = tmp_path_factory.mktemp("service-rules")
    (rules / "org.yaml").write_text(ORG_RULE, encoding="utf-8")
    env = {"ADVISOR_CACHE_BYTES": str(CACHE_LIMIT), "ADVISOR_RULES": str(rules), "ADVISOR_RELOAD_SECONDS": "0.2"}
    server = Gunicorn(tmp_path_factory.mktemp("service"), env)
    server.rules = rules
    yield server
    server.stop()


def raw_request(port: int, method: str, path: str = "/healthz") -> int:
    """Send one request with any method; the status (0 when the connection failed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path)
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


def total(text: str, name: str) -> float:
    """The sum of one metric's samples in a Prometheus exposition."""
    return sum(float(line.split()[-1]) for line in series(text, name))


def series(text: str, name: str) -> list[str]:
    """The sample lines of one metric in a Prometheus exposition."""
    return [line for line in text.splitlines() if line.startswith(name + "{")]


def test_made_up_methods_and_paths_do_not_grow_the_metrics(service: Gunicorn) -> None:
    server = service
    folder = server.metrics_dir()
    size_before = folder_bytes(folder)
    count = 300 * SCALE
    methods = [f"A{n:05d}" for n in range(count)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda m: raw_request(server.port, m, f"/no/such/{m}"), methods))
    assert 0 not in statuses
    text = requests.get(server.url + "/metrics", timeout=10).text
    requests_series = series(text, "advisor_http_requests_total")
    labels = {re.search(r'method="([^"]*)"', line).group(1) for line in requests_series}
    routes = {re.search(r'route="([^"]*)"', line).group(1) for line in requests_series}
    size_after = folder_bytes(folder)
    report(
        "made-up methods",
        requests_sent=count,
        failed=statuses.count(0),
        series=len(requests_series),
        metrics_folder_before=size_before,
        metrics_folder_after=size_after,
        exposition_bytes=len(text),
    )
    assert labels <= {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "other"}
    assert "other" in labels
    assert not any(route.startswith("/no/such") for route in routes)  # templates, never raw paths
    assert len(requests_series) < 20
    assert size_after <= size_before + 256 * 1024


def wait_for_new_workers(server: Gunicorn, old: list[int], count: int) -> None:
    """Until none of `old` is a worker any more and `count` workers answer."""
    deadline = time.monotonic() + 60
    while set(server.workers()) & set(old) or len(server.workers()) < count:
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.05)
    server.wait_ready(count, timeout=60)


def test_workers_restarted_during_a_bad_rule_change_serve_the_last_good_rules(start, tmp_path: Path) -> None:
    """A worker killed (an OOM kill, say) while the rules on disk are refused comes back with the last good set.

    Also: its gauges vanish with it, /readyz answers alike on every worker, and after a SIGHUP reload the
    server still removes its metrics folder and rule snapshot when it exits.
    """
    rules = tmp_path / "org-rules"
    rules.mkdir()
    (rules / "org.yaml").write_text(ORG_RULE, encoding="utf-8")
    server = start({"ADVISOR_RULES": str(rules), "ADVISOR_RELOAD_SECONDS": "0.2"})
    folder = server.metrics_dir()
    good = requests.get(server.url + "/readyz", timeout=5).json()["ruleset"]
    (rules / "org.yaml").write_text(ORG_RULE.replace("score:", "scroe:"), encoding="utf-8")
    deadline = time.monotonic() + 30
    while not all("last_refused_change" in requests.get(server.url + "/readyz", timeout=5).json() for _ in range(10)):
        assert time.monotonic() < deadline, "the bad change was not seen"
        time.sleep(0.1)
    victim = server.workers()[0]
    assert any(name.endswith(f"_{victim}.db") and name.startswith("gauge") for name in os.listdir(folder))
    answered_before = total(requests.get(server.url + "/metrics", timeout=10).text, "advisor_http_requests_total")
    os.kill(victim, signal.SIGKILL)
    wait_for_new_workers(server, [victim], 2)
    left = [name for name in os.listdir(folder) if name.endswith(f"_{victim}.db")]
    assert left == [], "a dead worker's files are still there (and its gauges still added up)"
    answered_after = total(requests.get(server.url + "/metrics", timeout=10).text, "advisor_http_requests_total")
    assert answered_after > answered_before, "the dead worker's counts were lost"  # folded into the archive
    count = 200 * SCALE
    body = {"name": "after-restart", "host": {"os": "linux"}}
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda _: requests.post(server.url + "/v1/recommendations", json=body, timeout=10), range(count))
        )
    statuses = [a.status_code for a in answers]
    ready = [requests.get(server.url + "/readyz", timeout=5) for _ in range(20)]
    report("worker killed during a bad change", requests_sent=count, failed=sum(s != 200 for s in statuses))
    assert statuses == [200] * count
    assert {a.json()["ruleset"]["digest"] for a in answers} == {good["digest"]}
    assert {r.status_code for r in ready} == {200} and len({r.text for r in ready}) == 1, "readyz flaps by worker"
    shown = ready[0].json()
    assert shown["rules"] == "serving last good, change refused" and shown["ruleset"] == good
    assert str(tmp_path) not in ready[0].text and str(victim) not in ready[0].text
    text = requests.get(server.url + "/metrics", timeout=10).text
    assert [line.split()[-1] for line in series(text, "advisor_ruleset_info")] == ["1.0"]
    # SIGHUP re-executes the config file and starts new workers; the folders must still go on exit.
    before = server.workers()
    server.process.send_signal(signal.SIGHUP)
    wait_for_new_workers(server, before, 2)
    assert requests.get(server.url + "/readyz", timeout=5).json()["ruleset"] == good
    server.stop()
    assert not list(server.tmp.glob("advisor-*")), "the metrics folder or rule snapshot outlived the server"


def padded_profile(name: str, padding: int) -> bytes:
    """A small profile padded with whitespace to about `padding` bytes: costly to keep by its raw bytes."""
    return json.dumps({"name": name, "host": {"os": "linux"}}).encode() + b" " * padding


def test_distinct_padded_bodies_keep_the_answer_cache_within_its_bytes(service: Gunicorn) -> None:
    limit = CACHE_LIMIT
    server = service
    workers = server.workers()
    rss_before = {pid: rss_kib(pid) for pid in workers}
    count = 150 * SCALE
    session = requests.Session()

    def send(n: int) -> int:
        body = padded_profile(f"p{n}", 200_000)
        try:
            return requests.post(
                server.url + "/v1/recommendations", data=body, headers={"Content-Type": "application/json"}, timeout=20
            ).status_code
        except requests.RequestException:
            return 0

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(send, range(count)))
    rss_after = {pid: rss_kib(pid) for pid in workers}
    report(
        "distinct padded bodies",
        requests_sent=count,
        failed=sum(s != 200 for s in statuses),
        rss_before_kib=rss_before,
        rss_after_kib=rss_after,
        metrics_folder=folder_bytes(server.metrics_dir()),
    )
    # The same profile, padded differently, is one entry: the key is the profile's digest, not its bytes.
    for padding in (0, 10, 100_000):
        body = padded_profile("p0", padding)
        assert session.post(
            server.url + "/v1/recommendations", data=body, headers={"Content-Type": "application/json"}
        ).ok
    text = session.get(server.url + "/metrics", timeout=10).text
    (cached,) = series(text, "advisor_answer_cache_bytes") or [
        line for line in text.splitlines() if line.startswith("advisor_answer_cache_bytes ")
    ]
    cache_bytes = float(cached.split()[-1])
    report("answer cache", cache_bytes=int(cache_bytes), limit_per_worker=limit)
    assert statuses.count(200) == count
    assert 0 < cache_bytes <= limit * len(workers)
    for pid in workers:  # the keys were the bodies: 200 kB a request, 15 MB a worker before
        assert rss_after[pid] - rss_before[pid] < 8 * 1024, f"worker {pid} grew from {rss_before} to {rss_after}"


def test_the_answer_cache_counts_bytes_and_forgets_the_oldest() -> None:
    sizes: list[int] = []
    cache = AnswerCache(1000, max_bytes=8 * 1024, on_size=sizes.append)
    for n in range(50):
        cache.put(("digest", str(n)), (b"x" * 500, "vm"))
    assert cache.size <= 8 * 1024 and sizes[-1] == cache.size
    assert cache.get(("digest", "49")) is not None and cache.get(("digest", "0")) is None
    cache.put(("digest", "big"), (b"x" * 2048, "vm"))  # over an eighth of the budget: not kept
    assert cache.get(("digest", "big")) is None


# --- Slow clients, through the shipped proxy (Debian's nginx with deploy/nginx/advisor.conf) ---------------

NGINX = "/usr/sbin/nginx"
SHIPPED_PROXY = ROOT / "deploy" / "nginx" / "advisor.conf"


class Nginx:
    """Debian's nginx in a temporary prefix, serving the shipped advisor.conf with test addresses."""

    def __init__(self, prefix: Path, upstream_port: int) -> None:
        prefix.mkdir()
        self.prefix = prefix
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        shipped = SHIPPED_PROXY.read_text(encoding="utf-8")
        rendered = shipped.replace("server advisor:8000;", f"server 127.0.0.1:{upstream_port};").replace(
            "listen 8080;", f"listen 127.0.0.1:{self.port};"
        )
        assert rendered.count(f"127.0.0.1:{upstream_port}") == 1 and rendered.count(f"127.0.0.1:{self.port}") == 1
        (prefix / "advisor.conf").write_text(rendered, encoding="utf-8")
        temp = "\n".join(
            f"  {kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # The main file is what the nginx image ships around conf.d/: a pid file, logs, an events block.
        (prefix / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
            + "events { worker_connections 1024; }\n"
            + f"http {{\n  access_log off;\n{temp}\n  include {prefix}/advisor.conf;\n}}\n",
            encoding="utf-8",
        )
        with (prefix / "stderr.log").open("wb") as log:
            self.process = subprocess.Popen(
                [
                    NGINX,
                    "-p",
                    str(prefix),
                    "-e",
                    str(prefix / "error.log"),
                    "-c",
                    str(prefix / "nginx.conf"),
                    "-g",
                    "daemon off;",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, (prefix / "stderr.log").read_text() + (prefix / "error.log").read_text()
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return
            except requests.RequestException:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop nginx (fast shutdown) and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def proxied(service: Gunicorn, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """gunicorn with the shipped settings, and the shipped proxy in front of it."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is missing: make test installs it (SYSTEM_PACKAGES)")
    proxy = Nginx(tmp_path_factory.mktemp("proxy") / "nginx", service.port)
    yield service, proxy
    proxy.stop()


class SlowClients:
    """Connections that send a request slowly: headers one byte a second, or a body that never ends."""

    def __init__(self, port: int, count: int, kind: str) -> None:
        self.sockets = []
        self.stopped = threading.Event()
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if kind == "headers":
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
            else:  # a body promised at 1000 bytes, of which 10 come
                sock.sendall(
                    b"POST /v1/recommendations HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 1000\r\n\r\n{"name": '
                )
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self._drip, args=(kind,), daemon=True)
        self.thread.start()

    def _drip(self, kind: str) -> None:
        while not self.stopped.wait(1.0):
            if kind != "headers":
                continue
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # the other side may have hung up
                    sock.send(b"a")

    def close(self) -> None:
        """Stop dripping and hang up."""
        self.stopped.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def normal_requests(url: str, count: int, every: float, timeout: float) -> list[int]:
    """`count` ordinary recommendations, one every `every` seconds: their statuses (0 for no answer)."""
    statuses = []
    body = {"name": "normal", "host": {"os": "linux"}}
    for _ in range(count):
        try:
            statuses.append(requests.post(url + "/v1/recommendations", json=body, timeout=timeout).status_code)
        except requests.RequestException:
            statuses.append(0)
        time.sleep(every)
    return statuses


ATTACKS = {"slowloris": ("headers", 50), "unfinished-body": ("body", 4)}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_slow_clients_stop_gunicorn_alone_but_not_behind_the_proxy(proxied, attack: str) -> None:
    server, proxy = proxied
    kind, connections = ATTACKS[attack]
    # Without the proxy, the attack works: both sync workers wait on slow clients (the audit's finding).
    slow = SlowClients(server.port, connections, kind)
    try:
        direct = normal_requests(server.url, 2, 0, timeout=1.5)
    finally:
        slow.close()
    # Through the proxy, ordinary requests keep being answered while the attack goes on.
    slow = SlowClients(proxy.port, connections * SCALE, kind)
    try:
        count = 16 * SCALE
        proxied_statuses = normal_requests(proxy.url, count, 0.05, timeout=5)
    finally:
        slow.close()
    report(
        f"{attack} ({connections * SCALE} connections)",
        direct_answered=f"{sum(s == 200 for s in direct)}/{len(direct)}",
        proxied_answered=f"{sum(s == 200 for s in proxied_statuses)}/{count}",
    )
    assert direct.count(200) < len(direct)
    assert proxied_statuses == [200] * count


def test_the_proxy_keeps_the_apps_body_limit_and_hides_the_server(proxied) -> None:
    server, proxy = proxied
    limit = 256 * 1024
    assert "client_max_body_size 256k;" in SHIPPED_PROXY.read_text()
    from advisor.settings import DEFAULT_MAX_BODY_BYTES

    assert limit == DEFAULT_MAX_BODY_BYTES
    headers = {"Content-Type": "application/json"}
    fits = requests.post(
        proxy.url + "/v1/recommendations", data=padded_profile("at-limit", limit - 40)[:limit], headers=headers
    )
    assert fits.status_code == 200, fits.text
    over = requests.post(proxy.url + "/v1/recommendations", data=b" " * (limit + 1), headers=headers)
    assert over.status_code == 413
    assert over.headers["Content-Type"] == "application/problem+json"
    assert json.loads(over.text)["status"] == 413
    for response in (fits, over, requests.get(proxy.url + "/metrics"), requests.get(proxy.url + "/static/advisor.css")):
        assert response.headers["Server"] == "nginx"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The app's log line carries the proxy's request id, which the client saw too.
    assert fits.headers["X-Request-ID"] in server.log.read_text()


def test_the_proxy_lets_an_inventory_upload_past_the_profile_limit_but_not_past_its_own(proxied) -> None:
    _, proxy = proxied
    inventory = b"name: big\nhost: {os: linux}\n" + b"# padding\n" * 40_000  # ~400 KB, over a profile's 256 KiB
    files = {"file": ("big.yaml", inventory, "application/yaml")}
    passed = requests.post(proxy.url + "/v1/assessments", files=files, timeout=30)
    assert passed.status_code != 413, passed.text  # the app's answer, not the proxy's refusal
    assert passed.headers["Server"] == "nginx"
    over = requests.post(proxy.url + "/v1/assessments", data=b" " * (32 * 1024 * 1024 + 1), timeout=30)
    assert over.status_code == 413
    assert over.headers["Content-Type"] == "application/problem+json"
    assert "33554432" in over.json()["detail"]


def test_a_snapshot_gives_back_the_same_rule_set_and_a_damaged_one_is_refused(ruleset) -> None:
    from advisor.engine.loader import from_snapshot, snapshot_of

    saved = snapshot_of(ruleset)
    again = from_snapshot(saved)
    assert again.digest == ruleset.digest and again.summary() == ruleset.summary()
    assert [c.rule for c in again.rules] == [c.rule for c in ruleset.rules]
    tampered = saved.replace(b'"vm": 5', b'"vm": 6', 1)
    assert tampered != saved
    for damaged in (tampered, saved[:-10], b"{}", b"\xff"):
        with pytest.raises(ValueError, match="not a rule set snapshot"):
            from_snapshot(damaged)


def test_sustained_distinct_load_through_a_rule_reload_and_a_worker_kill(service: Gunicorn) -> None:
    """Fresh profiles from four clients while the rules change and a worker is killed: nothing but the killed
    worker's requests in flight may fail, and memory and the metrics folder stay level."""
    duration = 30.0 if SOAK else 3.0
    workers = service.workers()
    rss_before = {pid: rss_kib(pid) for pid in workers}
    folder_before = folder_bytes(service.metrics_dir())
    stop = threading.Event()
    statuses: list[int] = []
    digests: set[str] = set()

    def client(number: int) -> None:
        session, sent = requests.Session(), 0
        while not stop.is_set():
            sent += 1
            body = {"name": f"c{number}-{sent}", "host": {"os": "linux"}, "scale": {"instances": sent % 997 + 1}}
            try:
                answer = session.post(service.url + "/v1/recommendations", json=body, timeout=10)
                statuses.append(answer.status_code)
                digests.add(answer.json()["ruleset"]["digest"])
            except (requests.RequestException, ValueError, KeyError):
                statuses.append(0)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    time.sleep(duration / 3)
    (service.rules / "org.yaml").write_text(ORG_RULE.replace("{vm: 1}", "{vm: 2}"), encoding="utf-8")
    time.sleep(duration / 3)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(duration / 3)
    stop.set()
    for thread in clients:
        thread.join()
    wait_for_new_workers(service, [victim], 2)
    survivor = workers[1]
    report(
        "sustained distinct load, reload and kill",
        seconds=duration,
        requests_sent=len(statuses),
        failed=sum(s != 200 for s in statuses),
        rss_before_kib=rss_before[survivor],
        rss_after_kib=rss_kib(survivor),
        metrics_folder_before=folder_before,
        metrics_folder_after=folder_bytes(service.metrics_dir()),
    )
    assert set(statuses) <= {200, 0} and statuses.count(0) <= len(clients)  # in flight on the killed worker
    assert len(digests) == 2, "the reload under load did not go live"
    assert rss_kib(survivor) - rss_before[survivor] < 30 * 1024


def test_folding_a_departed_workers_counters_keeps_every_total(tmp_path: Path) -> None:
    import json as json_module

    from prometheus_client import CollectorRegistry, generate_latest, multiprocess
    from prometheus_client.mmap_dict import MmapedDict

    from advisor.metricsdir import retire

    key = json_module.dumps(["advisor_http_requests", "advisor_http_requests_total", {"method": "GET"}, "h"])
    for name, value in (("counter_101.db", 3.0), ("counter_102.db", 4.0), ("counter_archive.db", 5.0)):
        file = MmapedDict(str(tmp_path / name))
        file.write_value(key, value, 0.0)
        file.close()

    def exposed() -> str:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
        return generate_latest(registry).decode()

    before = exposed()
    retire(str(tmp_path), 101)
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_102.db", "counter_archive.db"]
    assert exposed() == before and 'advisor_http_requests_total{method="GET"} 12.0' in before


@pytest.mark.parametrize(
    ("headers", "path", "status"),
    [({}, "/" + "a" * 9000, 414), ({"X-Big": "b" * 9000}, "/healthz", 400)],
    ids=["long-uri", "long-header"],
)
def test_the_proxy_refuses_oversized_requests_in_the_apps_shape(proxied, headers, path: str, status: int) -> None:
    server, proxy = proxied
    direct = requests.get(server.url + path, headers=headers, timeout=5)  # gunicorn's own page: HTML
    assert direct.status_code >= 400 and "text/html" in direct.headers.get("Content-Type", "")
    refused = requests.get(proxy.url + path, headers=headers, timeout=5)
    assert refused.status_code == status, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json" and refused.json()["status"] == status
    assert refused.headers["Server"] == "nginx" and refused.headers["X-Content-Type-Options"] == "nosniff"
