"""A child process for tests/model/test_backups_killed.py: runs one store operation, to be killed.

    python backup_child.py restore BACKUP DATA [--pause-at STEP] [--slow-ms N]
    python backup_child.py backup DATA [--pause-at STEP] [--slow-ms N]

Prints "go" just before the operation starts and "step <name>" at each step of it (the
`step_hook` seam in model.store.backups). With --pause-at it stops at that step (printing
"paused <name>") and waits to be killed; with --slow-ms each chunk of a restore copy sleeps.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from model.store import backups  # noqa: E402
from model.store.store import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=["restore", "backup"])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--pause-at", default="")
    parser.add_argument("--slow-ms", type=int, default=0)
    opts = parser.parse_args()

    def hook(name: str) -> None:
        print(f"step {name}", flush=True)
        if name == "copy" and opts.slow_ms:
            time.sleep(opts.slow_ms / 1000)
        if name == opts.pause_at:
            print(f"paused {name}", flush=True)
            time.sleep(120)

    backups.step_hook = hook
    if opts.operation == "restore":
        backup, data = opts.paths
        print("go", flush=True)
        backups.restore_backup(backup, data)
    else:
        store = open_store(opts.paths[0])
        print("go", flush=True)
        backups.backup_now(store.db, store.path)
        store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
