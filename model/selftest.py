"""`main.py --self-test`: prove the installation works without a display.

Opens a temporary store (running every migration), computes a small compliance result and
the statistics (funnel limits, Fisher, χ²: DOMAIN.md's worked figures), renders one chart to
PNG in memory, round-trips an xlsx and writes the demo's report as Word and PDF in a
temporary folder. Used by CI on the frozen build (a file the bundle left out fails here),
and by a trust's IT after deploying it (README, "Deploying AuditLoop in a trust").
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
              ("statistics", _check_statistics), ("chart rendering", _check_chart), ("Excel round trip", _check_xlsx),
              ("Word and PDF reports", _check_reports))
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


def _check_statistics() -> str:
    from model.benchmark.benchmarks import binomial_limit
    from model.core.stats import compare_proportions

    lower = float(binomial_limit(0.85, [20], 0.001)[0])  # DOMAIN.md §6: 0.5348
    fisher = compare_proportions(6, 10, 9, 10).fisher_p
    if round(lower, 4) != 0.5348 or not 0.0 < fisher <= 1.0:
        raise AssertionError(f"funnel limit {lower}, Fisher p {fisher}")
    return f"funnel limit {lower:.4f}, Fisher p {fisher:.3f}"


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


def _check_reports() -> str:
    from model.demo import build_demo
    from model.report.generate import write_report

    with tempfile.TemporaryDirectory() as tmp:
        store = build_demo(Path(tmp) / "demo.sqlite")
        try:
            cycle_id = int(store.db.execute("SELECT MIN(id) FROM cycles").fetchone()[0])
            paths = [Path(tmp) / f"report.{fmt}" for fmt in ("docx", "pdf")]
            for path in paths:
                write_report(store.db, cycle_id, path.suffix[1:], path)
            sizes = [path.stat().st_size for path in paths]
        finally:
            store.close()
    return f"{sizes[0]:,} bytes .docx, {sizes[1]:,} bytes .pdf"
