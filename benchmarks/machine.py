"""What the benchmarks ran on, for the line under each table."""

import contextlib
import os
import platform
from pathlib import Path


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, else what platform knows."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def load_average():
    """The last minute's load average (None where the system has none): figures taken on a
    busy machine are slower, and the table says so."""
    with contextlib.suppress(OSError, AttributeError):
        return round(os.getloadavg()[0], 2)
    return None
