"""The CPU duty, measured by the shared tool in the same run as a benchmark.

This machine's vCPUs are throttled in bursts, so every bench prints the share of wall
time a CPU-bound loop gets (1.0 = unthrottled) beside its timings; wall x duty is the
estimate of the cost on an unthrottled CPU.  The tool lives outside the repository
(``/work/shared/tools/cpu_duty.py``, or ``../shared/tools`` next to a checkout); where it
is missing the duty is reported as unavailable rather than guessed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL_CANDIDATES = (
    Path("/work/shared/tools/cpu_duty.py"),
    ROOT.parent / "shared" / "tools" / "cpu_duty.py",
)


def duty_tool() -> Path | None:
    return next((tool for tool in TOOL_CANDIDATES if tool.exists()), None)


def cpu_duty(seconds: float = 3.0) -> float | None:
    """The duty over the next ``seconds`` of wall time, or None without the tool."""
    tool = duty_tool()
    if tool is None:
        return None
    try:
        out = subprocess.run(
            [sys.executable, str(tool), str(seconds)],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        )
        return float(out.stdout.strip())
    except (subprocess.SubprocessError, ValueError, OSError):
        return None


def mean_duty(*samples: float | None) -> float | None:
    known = [s for s in samples if s is not None]
    return sum(known) / len(known) if known else None


def show(duty: float | None) -> str:
    return "unavailable" if duty is None else f"{duty:.2f}"
