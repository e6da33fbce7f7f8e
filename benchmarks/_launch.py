"""Run one command and record its wall time, CPU time and peak RSS (used by benchmarks.site_build).

    python -I -S benchmarks/_launch.py RESULT.json COMMAND [ARG...]

Why a launcher: Linux counts in a process's ru_maxrss the resident set it had before
exec, which is that of the process that spawned it. Spawned from the benchmark (Pillow
loaded, a corpus generated), every build would start at the benchmark's size; spawned
from this small interpreter (about 10 MiB, no site packages), the floor is below any
build's real peak. The command inherits the working folder, environment, stdout and
stderr; os.wait4 gives its rusage, and the figures go to RESULT.json. Exits with the
command's exit status.
"""

import json
import os
import sys
import time


def main():
    result, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as file:
        json.dump({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                   "maxrss_kib": usage.ru_maxrss, "exit_code": code}, file)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
