"""`main.py --self-test`: prove the installation works without a display.

Opens a temporary store (running every migration), computes a small compliance result,
renders one chart to PNG in memory and round-trips an xlsx. Used by CI on the frozen
build, and by support staff on a locked-down laptop.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from model.store.store import open_store


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check; print one line each; 0 when all pass."""
    out = out or sys.stdout
    checks = (("store and migrations", _check_store), ("compliance", _check_compliance),
              ("chart rendering", _check_chart), ("Excel round trip", _check_xlsx))
    failed = 0
    for name, check in checks:
        try:
            detail = check()
        except Exception as exc:  # noqa: BLE001 - report every failure, then exit non-zero
            failed += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=out)
        else:
            print(f"ok   {name}: {detail}", file=out)
    print("self-test passed" if not failed else f"self-test FAILED ({failed} checks)", file=out)
    return 1 if failed else 0


def _check_store() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "selftest.sqlite")
        try:
            tables = len(store.db.table_names())
        finally:
            store.close()
    return f"{tables} tables"


def _check_compliance() -> str:
    met, not_met = 58, 13
    compliance = met / (met + not_met)
    if abs(compliance - 0.8169) > 1e-3:
        raise AssertionError(f"compliance {compliance}")
    return f"{compliance:.1%}"


def _check_chart() -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([72, 75, 70, 80, 82], marker="o")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    if not buffer.getvalue().startswith(b"\x89PNG"):
        raise AssertionError("not a PNG")
    return f"{len(buffer.getvalue())} bytes PNG"


def _check_xlsx() -> str:
    import openpyxl
    import pandas as pd

    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["case", "answer"])
    wb.active.append(["001", "Yes"])
    wb.save(buffer)
    buffer.seek(0)
    frame = pd.read_excel(buffer, dtype=str, engine="calamine")
    if frame.iloc[0, 0] != "001":
        raise AssertionError(f"read back {frame.iloc[0, 0]!r}")
    return "written and read back"
