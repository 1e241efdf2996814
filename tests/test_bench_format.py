"""bench/run.py's output format is a contract (the numbers are not tested, only their shape)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def test_bench_prints_every_documented_figure():
    import run as bench

    done = subprocess.run([sys.executable, "bench/run.py", "--runs", "1", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = dict(re.fullmatch(r"([a-z_.0-9]+): (-?\d+\.\d{3})", line).groups()
                   for line in done.stdout.splitlines())
    assert tuple(figures) == bench.FORMAT
    assert all(float(v) > 0 for v in figures.values())
