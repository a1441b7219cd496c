"""Run a command and read its own peak memory, not the test process's.

A child forked from a large process (a pytest worker holds hundreds of MB) inherits that
process's resident pages until it execs, and Linux counts them in the child's
``ru_maxrss``.  So the command is started by a small launcher process, and the figure is
the launcher's child's: a process whose parent was small, whose peak is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

_LAUNCHER = """
import json, os, sys
report, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    json.dump({"status": status, "peak_kb": usage.ru_maxrss}, fh)
sys.exit(0)
"""


def run_measured(
    argv: Sequence[str], *, stdout: IO[bytes] | int, env: dict[str, str] | None = None
) -> tuple[int, int]:
    """Exit status and peak resident memory (kB) of ``argv``; output goes to ``stdout``."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rusage.json"
        subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(report), *map(str, argv)],
            stdout=stdout,
            stderr=subprocess.STDOUT,
            env=env if env is not None else dict(os.environ),
            check=True,
        )
        figures = json.loads(report.read_text())
    return os.waitstatus_to_exitcode(figures["status"]), int(figures["peak_kb"])
