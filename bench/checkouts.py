"""What the benchmarks' --before needs: a process that imports the advisor package from another checkout."""

from __future__ import annotations

import os
from pathlib import Path


def importing_from(checkout: Path) -> dict[str, str]:
    """The environment of a process that imports the advisor package from `checkout` (first on PYTHONPATH).

    The process must not run from another checkout's root: `python -c` and `python -m` put the working
    directory first on sys.path, ahead of PYTHONPATH.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    return env
