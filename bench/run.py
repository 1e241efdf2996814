"""AuditLoop benchmarks, printed as ratios measured in one run on the same machine.

    python bench/run.py [--runs N] [--quick]

Each line is `name: value` (see FORMAT below); tests check the format, never the timings.
Start-up: launch → first paint of the main window on the demo data, against a bare
PySide6 hello-window (goal ≤ 1.2×), and launch → the register filled from the data file.
Later sections add import, results and chart timings; `department` times the dashboard,
the reminders and the register on a generated file of 1,000 audits (bench/department.py); `report`
the demo audit's full report: Word and PDF each against the floor both pay, drawing its charts; `handover`
the handover package (bench/handover.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
FORMAT = ("startup.hello_ms", "startup.auditloop_ms", "startup.ratio", "startup.register_ready_ms",
          "startup.register_ready_ratio",
          "benchmark_import.rows", "benchmark_import.read_csv_s", "benchmark_import.parse_ratio",
          "benchmark_import.end_to_end_ratio",
          "results.answers", "results.model_s", "results.spc_draw_s",
          "excel_import.cases", "excel_import.raw_calamine_s", "excel_import.end_to_end_ratio",
          "excel_import.read_ratio", "excel_import.peak_mib", "excel_import.read_excel_s",
          "excel_import.end_to_end_vs_read_excel",
          "department.audits", "department.plain_read_s", "department.dashboard_s", "department.dashboard_ratio",
          "department.reminders_s", "department.reminders_ratio", "department.register_ready_ms",
          "department.register_ready_ratio",
          "report.build_s", "report.charts_png_s", "report.charts_pdf_s", "report.docx_s", "report.pdf_s",
          "report.docx_ratio", "report.pdf_ratio",
          "reader.cases", "reader.raw_calamine_s", "reader.ratio", "reader.wide_columns", "reader.wide_analyse_s",
          "handover.cases", "handover.vacuum_into_s", "handover.export_ratio", "handover.import_ratio",
          "handover.merge_ratio")


def _launch_ms(cmd: list[str], env: dict[str, str], event: str = "first-paint") -> float:
    """Wall-clock milliseconds from spawning `cmd` to the line it prints for `event`."""
    start = time.time()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith(event + " "):
            return (float(line.split()[1]) - start) * 1000
    raise RuntimeError(f"no {event} from {cmd}: {done.stdout}{done.stderr}")


def bench_startup(runs: int) -> dict[str, float]:
    """Median launch → first paint for a bare window and for AuditLoop, alternating runs."""
    env = dict(os.environ, AUDITLOOP_BENCH_FIRST_PAINT="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        from model.demo import build_demo

        build_demo(data / "demo.sqlite").close()
        hello_cmd = [sys.executable, str(ROOT / "bench" / "hello.py")]
        app_cmd = [sys.executable, str(ROOT / "main.py"), "--db", str(data / "demo.sqlite"), "--data-dir",
                   str(data / "dd")]
        ready_env = dict(env, AUDITLOOP_BENCH_READY="1")
        _launch_ms(app_cmd, env)  # warm the OS file cache for both
        _launch_ms(hello_cmd, env)
        hello, app, ready = [], [], []
        for _ in range(runs):
            hello.append(_launch_ms(hello_cmd, env))
            app.append(_launch_ms(app_cmd, env))
            ready.append(_launch_ms(app_cmd, ready_env, "register-ready"))
    h, a, r = statistics.median(hello), statistics.median(app), statistics.median(ready)
    return {"startup.hello_ms": h, "startup.auditloop_ms": a, "startup.ratio": a / h,
            "startup.register_ready_ms": r, "startup.register_ready_ratio": r / h}


def _best_of(runs: int, fn: Callable[[], object]) -> float:
    """Best wall-clock seconds of `runs` calls (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_benchmark_import(args: argparse.Namespace) -> dict[str, float]:
    """A generated Fingertips CSV: parse + store, against a plain pandas.read_csv (goal ≤ 2×)."""
    import pandas as pd

    from model.benchmark.benchmark_import import parse_fingertips
    from model.benchmark.benchmark_store import save_dataset
    from model.store.store import open_store
    from tests.generators import generate_fingertips_csv

    rows = 5_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_fingertips_csv(Path(tmp) / "fingertips.csv", rows=rows, seed=1)
        runs = 1 if args.quick else 3

        def end_to_end() -> None:
            store = open_store(Path(tmp) / f"b{time.perf_counter_ns()}.sqlite")
            try:
                save_dataset(store.db, parse_fingertips(path))
            finally:
                store.close()

        plain = _best_of(runs, lambda: pd.read_csv(path))
        parse = _best_of(runs, lambda: parse_fingertips(path))
        full = _best_of(runs, end_to_end)
    return {"benchmark_import.rows": float(rows), "benchmark_import.read_csv_s": plain,
            "benchmark_import.parse_ratio": parse / plain, "benchmark_import.end_to_end_ratio": full / plain}


def _answers_for_results(n: int, months: int) -> tuple[object, object, list[dict[str, object]]]:
    """n answers of one criterion over `months` months, with cases carrying subgroup fields."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, months * 30, n), unit="D")
    answers = pd.DataFrame({
        "criterion_id": 1, "case_id": np.arange(n), "cycle_id": np.where(days < days.sort_values()[n // 2], 1, 2),
        "outcome": rng.choice(np.array(["met", "not_met", "exception", "missing"], dtype=object), n,
                              p=[0.7, 0.2, 0.06, 0.04]),
        "case_date": days.strftime("%Y-%m-%d"),
    })
    cases = pd.DataFrame({"case_id": np.arange(n),
                          "sex": rng.choice(np.array(["Female", "Male"], dtype=object), n),
                          "age_band": rng.choice(np.array(["16–39", "40–64", "65–79", "80+"], dtype=object), n)})
    return answers, cases, [{"criterion_id": 1, "short_name": "Risk assessed", "target": 95, "direction": "higher"}]


def bench_results(args: argparse.Namespace) -> dict[str, float]:
    """Compliance + subgroups + p-chart for 60 months and 200,000 responses (goal ≤ 0.2 s), and drawing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from model.compare.spc_drawing import draw_spc
    from model.compare.spc_series import series_from_answers
    from model.compare.spc_series_charts import build_chart
    from model.results.compliance import criterion_results, subgroup_results

    n = 20_000 if args.quick else 200_000
    answers, cases, criteria = _answers_for_results(n, 60)
    cycles = [(1, 1, "Cycle 1", None), (2, 2, "Cycle 2", None)]
    state: dict[str, object] = {}

    def model_work() -> None:
        criterion_results(answers, criteria)
        subgroup_results(answers, cases, "sex", criteria)
        subgroup_results(answers, cases, "age_band", criteria)
        series = series_from_answers(answers, cycles=cycles, target=95)
        state["series"], state["chart"] = series, build_chart(series, "p")

    def draw() -> None:
        fig = Figure(figsize=(10, 5), layout="constrained")
        canvas = FigureCanvasAgg(fig)
        draw_spc(fig, state["series"], state["chart"])
        canvas.draw()

    model_work()  # first-call imports are start-up cost, not model time
    runs = 1 if args.quick else 5
    return {"results.answers": float(n), "results.model_s": _best_of(runs, model_work),
            "results.spc_draw_s": _best_of(runs, draw)}


def bench_report(args: argparse.Namespace) -> dict[str, float]:
    """The demo VTE audit's re-audit report: gather + build, its charts alone, then the Word and PDF files.

    Each file's time is divided by the floor it cannot go below: drawing the same charts in the form
    that file embeds them (220 dpi PNGs for Word, vector PDFs for the PDF). The rest of a file's
    time is gathering the data, laying out the pages (twice when a contents list is needed) and writing.
    """
    from datetime import date

    from model.demo import build_demo
    from model.report.blocks import Chart, chart_png
    from model.report.builder import build_report
    from model.report.generate import write_report
    from model.report.pdf_charts import figures_pdf

    day = date(2026, 3, 5)
    runs = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        store = build_demo(Path(tmp) / "demo.sqlite")
        try:
            cycle_id = int(store.db.execute("SELECT id FROM cycles WHERE audit_id = 1 ORDER BY number DESC")
                           .fetchone()[0])
            write_report(store.db, cycle_id, "pdf", Path(tmp) / "warm.pdf", today=day)  # imports, fonts
            build = _best_of(runs, lambda: build_report(store.db, cycle_id, today=day))
            charts = [b for b in build_report(store.db, cycle_id, today=day).blocks if isinstance(b, Chart)]
            png = _best_of(runs, lambda: [chart_png(c) for c in charts])
            vector = _best_of(runs, lambda: figures_pdf(charts))
            docx = _best_of(runs, lambda: write_report(store.db, cycle_id, "docx", Path(tmp) / "r.docx", today=day))
            pdf = _best_of(runs, lambda: write_report(store.db, cycle_id, "pdf", Path(tmp) / "r.pdf", today=day))
        finally:
            store.close()
    return {"report.build_s": build, "report.charts_png_s": png, "report.charts_pdf_s": vector,
            "report.docx_s": docx, "report.pdf_s": pdf, "report.docx_ratio": docx / png,
            "report.pdf_ratio": pdf / vector}


def bench_reader(args: argparse.Namespace) -> dict[str, float]:
    """The one reader (``read_raw_sheets``) on the 100,000 × 8 workbook against python-calamine's
    bare read of the same sheet (goal ≤ 1.1×), and ``analyse-sheet`` of a 16,384-column sheet
    (goal ≤ 2 s; first call, every header scored afresh)."""
    from excel_import import FULL_CASES, QUICK_CASES, generate_workbook, raw_calamine

    from model.collect import sheet_analysis
    from model.collect.sheet_files import read_raw_sheets
    from tests.generators import WIDE_COLUMNS, generate_wide_workbook

    cases = QUICK_CASES if args.quick else FULL_CASES
    columns = 1_000 if args.quick else WIDE_COLUMNS
    runs = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_workbook(Path(tmp) / "cases.xlsx", cases)
        raw_calamine(path)  # warm the OS file cache and first-call imports
        raw = _best_of(runs, lambda: raw_calamine(path))
        read = _best_of(runs, lambda: read_raw_sheets(path))
        wide = generate_wide_workbook(Path(tmp) / "wide.xlsx", columns)

        def analyse() -> None:
            sheet_analysis._KNOWN_ROLES.clear()  # as in a fresh process
            sheet_analysis.analyse_sheet(wide)

        wide_s = _best_of(runs, analyse)
    return {"reader.cases": float(cases), "reader.raw_calamine_s": raw, "reader.ratio": read / raw,
            "reader.wide_columns": float(columns), "reader.wide_analyse_s": wide_s}


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, float]]] = {
    "startup": lambda args: bench_startup(args.runs),
    "benchmark_import": bench_benchmark_import,
    "results": bench_results,
    "excel_import": lambda args: _excel_import(args),
    "department": lambda args: _department(args),
    "report": bench_report,
    "reader": bench_reader,
    "handover": lambda args: _handover(args),
}


def _handover(args: argparse.Namespace) -> dict[str, float]:
    """Export / import of 100,000 cases and a 1,000-case merge, against VACUUM INTO (goals ≤ 3×, ≤ 5×)."""
    from handover import bench_handover

    return bench_handover(args.quick, 1 if args.quick else 3)


def _excel_import(args: argparse.Namespace) -> dict[str, float]:
    """100,000 cases × 8 criteria from .xlsx into the store, against a raw calamine read (goal ≤ 1.5×)."""
    from excel_import import bench_excel_import

    return bench_excel_import(args.quick, 1 if args.quick else 3)


def _department(args: argparse.Namespace) -> dict[str, float]:
    """A department of 1,000 audits: dashboard and reminders (goal ≤ 0.3 s), register ready (goal ≤ 2×)."""
    from department import bench_department

    return bench_department(args.quick, 1 if args.quick else args.runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--quick", action="store_true", help="small sizes, for the format test")
    args = parser.parse_args(argv)
    for name in args.only or SECTIONS:
        for key, value in SECTIONS[name](args).items():
            print(f"{key}: {value:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
