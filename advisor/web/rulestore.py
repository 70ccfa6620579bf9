"""The rule set a server answers with, and how it changes without downtime.

Each worker polls its rule directories; a changed directory is loaded in full and swapped in only if every
rule in it loads. An invalid change is logged and refused, and the last good set keeps serving.

A worker that starts while the files on disk are refused (gunicorn replaced one that died during a bad
change) has no set of its own to keep; so every good load is also written to a snapshot file that all
workers share (ADVISOR_RULES_SNAPSHOT, which deploy/gunicorn.conf.py sets), and such a worker starts from
it: every worker serves the same last good set, and says so the same way.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.engine.loader import RuleSet, from_snapshot, load_rules, rule_files, rule_layers, snapshot_of
from advisor.errors import RuleError
from advisor.yamlio import read_bytes

log = logging.getLogger("advisor.rules")

SNAPSHOT_LIMIT = 256 * 1024 * 1024  # a snapshot of 10,000 rules is about 7 MB
Fingerprint = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class LoadFailure:
    """The last rule change that was refused, and why."""

    at: float
    problems: list[str]


def fingerprint(directories: Sequence[Path]) -> Fingerprint:
    """What the rule files look like on disk now: path, size, mtime and inode of each (following symlinks).

    The files are the ones the loader reads. Kubernetes updates a mounted ConfigMap by swapping a symlink,
    which changes the inode the file name resolves to, so that is seen as a change too.
    """
    seen = []
    for directory in directories:
        try:
            paths = rule_files(directory)
        except RuleError:  # gone or not a folder: the load reports it
            seen.append((str(directory), -1, -1, -1))
            continue
        for path in paths:
            try:
                stat = path.stat()
            except OSError:  # a broken link: the load reports it
                seen.append((str(path), -1, -1, -1))
                continue
            seen.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(seen)


class RuleStore:
    """Holds the live rule set; `refresh()` loads a changed set, a poller calls it every few seconds."""

    def __init__(
        self,
        extra_dirs: Sequence[str | Path] = (),
        *,
        builtin: bool = True,
        use_env: bool = True,
        snapshot: str | Path | None = None,
    ) -> None:
        self.extra_dirs = [Path(d) for d in extra_dirs]
        self.snapshot = Path(snapshot) if snapshot else None
        self.restored = False  # serving the snapshot because the files on disk were refused at start
        self.builtin = builtin
        self.use_env = use_env
        self.ruleset: RuleSet | None = None
        self.loaded_at: float | None = None
        self.failure: LoadFailure | None = None
        self.on_change: Callable[[RuleSet | None, RuleSet], None] | None = None
        self.on_refused: Callable[[], None] | None = None
        self.on_polled: Callable[[], None] | None = None  # after each look at the files, good or not
        self.stale_after = 0.0  # seconds without a finished look after which the poller counts as stuck
        self.polled_at: float | None = None  # time.monotonic() of the poller's last finished look
        self._seen: Fingerprint | None = None
        self._lock = threading.Lock()
        self._poller: threading.Thread | None = None

    def directories(self) -> list[Path]:
        """Every directory rules are read from, in layer order."""
        return [d for d, _ in rule_layers(self.extra_dirs, builtin=self.builtin, use_env=self.use_env)]

    def refresh(self) -> bool:
        """Load the rules if the files changed since the last look; True when a new set went live."""
        with self._lock:
            now = fingerprint(self.directories())
            if now == self._seen:
                return False
            self._seen = now
            try:
                ruleset = load_rules(self.extra_dirs, builtin=self.builtin, use_env=self.use_env)
            except RuleError as exc:
                self.failure = LoadFailure(time.time(), [str(p) for p in exc.problems])
                if self.ruleset is None:
                    self._restore()
                live = f"; still serving {self.ruleset.digest}" if self.ruleset else "; no rules are loaded"
                log.error("rule change refused%s", live, extra={"problems": self.failure.problems})
                if self.on_refused:
                    self.on_refused()
                return False
            previous, self.ruleset = self.ruleset, ruleset
            self.loaded_at, self.failure, self.restored = time.time(), None, False
            self._save(ruleset)
            if previous is None or previous.digest != ruleset.digest:
                log.info("rules loaded", extra={"version": ruleset.version, "digest": ruleset.digest})
                if self.on_change:
                    self.on_change(previous, ruleset)
            return True

    def _save(self, ruleset: RuleSet) -> None:
        """Write the snapshot (atomically: a reader sees the old file or the new, never half of one)."""
        if self.snapshot is None:
            return
        try:
            if from_snapshot(read_bytes(self.snapshot, SNAPSHOT_LIMIT)).digest == ruleset.digest:
                return
        except ValueError:  # missing, unreadable or damaged (Unreadable is a ValueError too)
            pass  # unreadable or damaged: write it again
        partial = self.snapshot.with_name(f".{self.snapshot.name}.{os.getpid()}")
        try:
            partial.write_bytes(snapshot_of(ruleset))
            os.replace(partial, self.snapshot)
        except OSError as exc:
            log.warning("rule snapshot not written", extra={"error": f"{exc.__class__.__name__}: {exc}"})

    def _restore(self) -> None:
        """Start from the snapshot of the last good set, if there is one."""
        if self.snapshot is None:
            return
        if not self.snapshot.exists():
            return
        try:  # read like every other file: a FIFO put in its place cannot hang a booting worker
            ruleset = from_snapshot(read_bytes(self.snapshot, SNAPSHOT_LIMIT))
        except ValueError as exc:
            log.error("rule snapshot unusable", extra={"error": f"{exc.__class__.__name__}: {exc}"})
            return
        self.ruleset, self.loaded_at, self.restored = ruleset, time.time(), True
        log.warning("serving the last good rules", extra={"version": ruleset.version, "digest": ruleset.digest})
        if self.on_change:
            self.on_change(None, ruleset)

    def readiness(self) -> tuple[int, dict[str, object]]:
        """The /readyz answer: the same on every worker that sees the same files (no pids, no paths)."""
        body: dict[str, object] = {"status": "ready" if self.ruleset else "not ready"}
        if self.failure is None:
            body["rules"] = "serving the rules on disk"
        else:
            body["rules"] = "serving last good, change refused" if self.ruleset else "no rules loaded, change refused"
        if self.ruleset is not None:
            body["ruleset"] = self.ruleset.summary()
        stale = self.stale_for()
        if stale is not None:
            body["polling"] = f"stale: the rule files were last looked at {stale:.0f} s ago"
        if self.failure is not None:
            # The problems name files and lines; they go to the log (an error line per refusal), not here.
            body["last_refused_change"] = {"problems": len(self.failure.problems), "details": "in the log"}
        return (200 if self.ruleset else 503), body

    def stale_for(self) -> float | None:
        """Seconds since the poller last finished a look, when that is far longer than it should be; else None.

        A look that hangs (a file system that stops answering) leaves the rules as they were; this is how
        /readyz and the metrics tell.
        """
        if self._poller is None or self.polled_at is None:
            return None
        late = time.monotonic() - self.polled_at
        return late if late > self.stale_after else None

    def poll(self, every_seconds: float) -> None:
        """Start a daemon thread that refreshes every `every_seconds` (once per process)."""
        if self._poller is not None or every_seconds <= 0:
            return
        self.stale_after = max(3 * every_seconds, every_seconds + 10)
        self.polled_at = time.monotonic()

        def run() -> None:
            while True:
                time.sleep(every_seconds)
                try:
                    self.refresh()
                except Exception:  # a poller that dies silently would freeze the rules; log and go on
                    log.exception("rule poll failed")
                self.polled_at = time.monotonic()
                if self.on_polled:
                    self.on_polled()

        self._poller = threading.Thread(target=run, name="advisor-rule-poller", daemon=True)
        self._poller.start()
