"""The Prometheus metrics folder the gunicorn workers share: a departed worker's figures folded into an archive.

prometheus_client gives each worker process its own files in PROMETHEUS_MULTIPROC_DIR and adds them all up on
each scrape. A worker that dies (replaced after a crash, a timeout or an OOM kill) would leave its files
behind for ever, one set per worker ever started. So when gunicorn reports a worker gone (`child_exit`), its
live gauges are dropped (`mark_process_dead`) and its counters and histograms are added into one archive file
per kind and deleted: the totals never go back, and the folder holds the live workers' files and two more.

Scrapes read the folder under a shared lock and the folding happens under an exclusive one, so no scrape
sees a worker's figures twice, or a file vanish under it. Only the standard library and prometheus_client
are imported: this runs in gunicorn's master process.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = ".lock"  # not *.db, so prometheus_client never reads it
_FOLDED = ("counter", "histogram")  # the kinds whose totals must outlive the worker


@contextmanager
def locked(directory: str, *, exclusive: bool) -> Iterator[None]:
    """Hold the folder's lock: shared while reading the figures, exclusive while folding a worker's in."""
    descriptor = os.open(os.path.join(directory, _LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def retire(directory: str, pid: int) -> None:
    """Drop a departed worker's live gauges and fold its counters and histograms into the archive files."""
    from prometheus_client import multiprocess
    from prometheus_client.mmap_dict import MmapedDict

    multiprocess.mark_process_dead(pid, directory)
    with locked(directory, exclusive=True):
        for kind in _FOLDED:
            departed = os.path.join(directory, f"{kind}_{pid}.db")
            if not os.path.exists(departed):
                continue
            archive = os.path.join(directory, f"{kind}_archive.db")
            totals: dict[str, tuple[float, float]] = {}
            for path in (archive, departed):
                if os.path.exists(path):
                    for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(path):
                        total, latest = totals.get(key, (0.0, 0.0))
                        totals[key] = (total + value, max(latest, timestamp))
            partial = archive + ".partial"  # not *.db until it is whole
            if os.path.exists(partial):
                os.unlink(partial)
            merged = MmapedDict(partial)
            for key, (total, latest) in totals.items():
                merged.write_value(key, total, latest)
            merged.close()
            os.replace(partial, archive)
            os.unlink(departed)
