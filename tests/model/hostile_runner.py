"""Run one subcommand on many files in this process, for test_hostile_budget: prints one JSON line per
file (exit code, seconds, whether a traceback escaped), then the process's peak resident memory."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from cli import entry_point

    command, files = sys.argv[1], sys.argv[2:]
    run = entry_point(command)
    for name in files:
        args = [name, "--json"] + (["--dry-run"] if command == "import-benchmark" else [])
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        escaped = False
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run(args)
            except BaseException:  # noqa: BLE001 - any escape is what the test looks for
                traceback.print_exc()
                escaped, code = True, -1
        seconds = time.perf_counter() - start
        print(json.dumps({"file": name, "code": code, "seconds": seconds,
                          "traceback": escaped or "Traceback" in err.getvalue(), "err": err.getvalue()[-300:]}))
    print(json.dumps({"peak_mib": _peak_mib()}))


if __name__ == "__main__":
    main()
