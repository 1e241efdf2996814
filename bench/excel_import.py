"""Benchmark: a generated ward-audit workbook imported end to end, against reading it.

    python bench/excel_import.py [--runs N] [--quick]

The workbook has 100,000 cases (5,000 with ``quick``): a case number, an admission date
(a real Excel date cell), a ward and 8 answer columns, one per criterion, so an import
stores 100,000 cases and 800,000 answers. "End to end" is what the import wizard does:
``read_table`` → ``auto_mapping`` → ``plan_import`` → ``commit_import`` into a fresh store
file. It is printed against two reads of the same sheet:

- ``end_to_end_vs_read_excel``: ``pandas.read_excel(engine="calamine", dtype=str,
  header=None)``, the read issue 5 prescribes ("pandas with the calamine engine, dtype=str"),
  done raw: no header finding, mapping or storing (goal ≤ 1.5×);
- ``end_to_end_ratio``: python-calamine's bare ``to_python()`` of the sheet, the least any
  import of the file has to do (no DataFrame, no text conversion). Its parse alone is ~0.65 s
  of ~0.85 s; storing 100,000 case rows in SQLite costs ~0.35 s more on its own, so this
  ratio cannot reach 1.5× while the cases are stored as rows; it is kept to show where the
  time goes.

Peak memory is measured in a fresh interpreter: the resident-set high-water mark after one
end-to-end import, minus the same figure taken once the modules are imported, before the store
and the file are opened (goal ≤ 400 MiB). The figure is the one ``getrusage(RUSAGE_SELF).ru_maxrss``
reports (KiB), read as VmHWM from /proc/self/status on Linux because ru_maxrss of a child process
also carries its parent's high-water mark across fork + exec. Being a resident-set figure, it
counts everything the import touched (pandas frames, the SQLite page cache, calamine's buffers),
not only Python objects as tracemalloc would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FULL_CASES = 100_000
QUICK_CASES = 5_000
SHEET = "AMU sepsis data"
KEY = bytes(range(32))
CRITERIA = (
    ("Screening tool used", "Sepsis screening tool completed for adults with NEWS2 of 5 or more"),
    ("Antibiotics within 1 h", "IV antibiotics within 1 hour of recognition of high-risk sepsis"),
    ("Cultures before antibiotics", "Blood cultures taken before antibiotics"),
    ("Lactate within 1 h", "Lactate measured within 1 hour"),
    ("Fluids given", "Intravenous fluids given when lactate above 2"),
    ("Oxygen prescribed", "Oxygen prescribed with a target saturation range"),
    ("Urine output measured", "Urine output measured hourly"),
    ("Senior review", "Reviewed by a senior clinician within 1 hour"),
)
WARDS = ("AMU", "Ward 7", "Ward 9", "CDU", "SAU", "Ward 12", "ITU", "Ward 3")
# Answers as wards type them; blanks are missing answers.
ANSWERS = ("Yes", "No", "N/A", "yes", "Y", "no", "")
ANSWER_P = (0.55, 0.2, 0.06, 0.08, 0.04, 0.03, 0.04)


# ---------------------------------------------------------------------------
# The workbook, written as SpreadsheetML directly (openpyxl needs ~30 s for 1.1M cells)
# ---------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Style 1 is Excel's built-in short date (numFmtId 14), so column B holds real dates.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def _letter(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def _sheet_xml(cases: int, seed: int, strings: list[str]) -> str:
    """The worksheet: header row, then one row per case (shared-string indexes for text)."""
    rng = np.random.default_rng(seed)
    index = {s: i for i, s in enumerate(strings)}
    headers = ["Case no.", "Date of admission", "Ward"] + [short for short, _ in CRITERIA]
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
             '<row r="1">', *(f'<c r="{_letter(c)}1" t="s"><v>{index[h]}</v></c>' for c, h in enumerate(headers)),
             "</row>"]
    first = (dt.date(2026, 1, 1) - dt.date(1899, 12, 30)).days
    serials = first + rng.integers(0, 90, cases)
    wards = rng.integers(0, len(WARDS), cases)
    answers = rng.choice(len(ANSWERS), size=(cases, len(CRITERIA)), p=ANSWER_P)
    ward_ids = [index[w] for w in WARDS]
    answer_ids = [index[a] if a else -1 for a in ANSWERS]
    for i in range(cases):
        r = i + 2
        cells = [f'<row r="{r}"><c r="A{r}"><v>{i + 1}</v></c><c r="B{r}" s="1"><v>{serials[i]}</v></c>'
                 f'<c r="C{r}" t="s"><v>{ward_ids[wards[i]]}</v></c>']
        for c, a in enumerate(answers[i]):
            sid = answer_ids[a]
            if sid >= 0:
                cells.append(f'<c r="{_letter(c + 3)}{r}" t="s"><v>{sid}</v></c>')
        cells.append("</row>")
        parts.append("".join(cells))
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def generate_workbook(path: Path, cases: int, seed: int = 1) -> Path:
    """Write the benchmark workbook: one sheet, 3 case columns + 8 answer columns."""
    strings = ["Case no.", "Date of admission", "Ward", *(s for s, _ in CRITERIA), *WARDS, *(a for a in ANSWERS if a)]
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
              f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(SHEET)))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/worksheets/sheet1.xml", _sheet_xml(cases, seed, strings))
    return path


# ---------------------------------------------------------------------------
# The import, timed
# ---------------------------------------------------------------------------


def new_store(folder: Path) -> tuple[object, int]:
    """A fresh store file holding one audit cycle with the 8 criteria; returns (store, cycle id)."""
    from model.plan.audits import Audit, create_audit
    from model.plan.criteria import Criterion, add_criterion
    from model.plan.cycles import Cycle, create_cycle
    from model.store.store import open_store

    store = open_store(folder / f"bench-{time.perf_counter_ns()}.sqlite")
    audit = create_audit(store.db, Audit(title="Sepsis on AMU"))
    cycle = create_cycle(store.db, Cycle(audit_id=audit.id, period_start="2026-01-01", period_end="2026-03-31"))
    for short, statement in CRITERIA:
        add_criterion(store.db, cycle.id, Criterion(statement=statement, short_name=short))
    return store, cycle.id


def import_workbook(path: Path, store: object, cycle_id: int) -> int:
    """What the import wizard does with a file: read → map → plan → commit; returns cases stored."""
    from model.collect.case_import import auto_mapping, commit_import, file_sha256, plan_import
    from model.collect.sheets import read_table

    db = store.db  # type: ignore[attr-defined]
    table = read_table(path)
    mapping = auto_mapping(db, cycle_id, table)
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name=path.name, sha256=file_sha256(path))
    return plan.case_count


def raw_calamine(path: Path) -> list[list[object]]:
    """The baseline: the sheet's cells as Python objects, as python-calamine gives them."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)


def pandas_read_excel(path: Path) -> object:
    """The read issue 5 prescribes, done raw: pandas with the calamine engine, every cell as text."""
    import pandas as pd

    return pd.read_excel(path, sheet_name=SHEET, engine="calamine", dtype=str, header=None)


def _best_of(runs: int, fn: Callable[[object], object], setup: Callable[[], object] = lambda: None) -> float:
    """Best wall-clock seconds of `runs` calls of `fn(setup())` (the least disturbed by other
    work); `setup` is not timed."""
    best = float("inf")
    for _ in range(max(runs, 1)):
        arg = setup()
        start = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(path: Path) -> float:
    """Peak resident memory of one end-to-end import, in a fresh interpreter (see the module doc)."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--peak-of", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _high_water_kib() -> int:
    """This process's resident-set high-water mark in KiB.

    ``ru_maxrss`` of a process started by fork + exec also counts the parent's high-water
    mark (Linux carries it across exec), which would hide the import behind the benchmark
    process's own size; the kernel's per-address-space figure, VmHWM, does not.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux; no /proc elsewhere


def _measure_peak(path: Path) -> float:
    """In the fresh interpreter: MiB the import adds to the resident high-water mark, counted
    from just after the modules are imported (so opening the store file is included)."""
    import python_calamine  # noqa: F401 - imported before the baseline, as in the app

    import model.collect.case_import  # noqa: F401
    import model.collect.sheets  # noqa: F401
    import model.store.store  # noqa: F401

    before = _high_water_kib()
    with tempfile.TemporaryDirectory() as tmp:
        store, cycle_id = new_store(Path(tmp))
        try:
            import_workbook(path, store, cycle_id)
            after = _high_water_kib()
        finally:
            store.close()  # type: ignore[attr-defined]
    return (after - before) / 1024


def bench_excel_import(quick: bool, runs: int) -> dict[str, float]:
    """Import a generated 100,000-case workbook (5,000 with `quick`) end to end, against pandas'
    calamine read and python-calamine's bare read of the same file (goals: ≤ 1.5× the pandas
    read, peak ≤ 400 MiB)."""
    cases = QUICK_CASES if quick else FULL_CASES
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = generate_workbook(folder / "ward_audit_bench.xlsx", cases)
        from model.collect.sheets import read_table

        raw_calamine(path)  # warm the OS file cache and first-call imports
        raw = _best_of(runs, lambda _: raw_calamine(path))
        pandas_read = _best_of(runs, lambda _: pandas_read_excel(path))
        read = _best_of(runs, lambda _: read_table(path))
        stores: list[object] = []

        def fresh() -> tuple[object, int]:
            stores.append(new_store(folder))
            return stores[-1]  # type: ignore[return-value]

        try:
            full = _best_of(runs, lambda made: import_workbook(path, *made), fresh)  # type: ignore[misc]
        finally:
            for store, _cycle in stores:  # type: ignore[misc]
                store.close()
        peak = peak_mib(path)
    return {"excel_import.cases": float(cases), "excel_import.raw_calamine_s": raw,
            "excel_import.end_to_end_ratio": full / raw, "excel_import.read_ratio": read / raw,
            "excel_import.peak_mib": peak, "excel_import.read_excel_s": pandas_read,
            "excel_import.end_to_end_vs_read_excel": full / pandas_read}


def main(argv: list[str] | None = None) -> int:
    """Print the figures as `name: value`, like bench/run.py."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5,000 cases")
    parser.add_argument("--peak-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak_of is not None:
        print(f"{_measure_peak(args.peak_of):.3f}", flush=True)
        return 0
    for key, value in bench_excel_import(args.quick, args.runs).items():
        print(f"{key}: {value:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
