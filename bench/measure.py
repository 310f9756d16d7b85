"""Runs one command and prints "cpu_seconds wall_seconds max_rss_kb" for it.

CPU is user+sys of the child and peak RSS its ru_maxrss, both from wait4(2), the same numbers
/usr/bin/time reports, but at microsecond resolution. Exits non-zero, showing the command's
stderr, when the command fails or prints nothing on stdout.
"""

import os
import subprocess
import sys
import tempfile
import time


def main() -> int:
    cmd = sys.argv[1:]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        printed = out.tell()
        if code != 0 or printed == 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace")[-4000:])
            why = f"exit code {code}" if code != 0 else "no output"
            sys.stderr.write(f"measure.py: {' '.join(cmd)}: {why}\n")
            return 1
    print(f"{ru.ru_utime + ru.ru_stime:.4f} {wall:.4f} {ru.ru_maxrss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
