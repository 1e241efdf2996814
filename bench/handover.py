"""Handover bench: export and re-import of an audit with 100,000 cases, and a merge where 1,000 changed.

Each as a ratio to a plain SQLite backup (`VACUUM INTO`) of the same data file (issue 17: goal
≤ 3× for the export, ≤ 5× for the merge). The merge includes what the app does around it: the
checked backup of the data file before anything changes, reading both copies, the merge base,
the one transaction and the log.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CRITERIA = 8


def _fill(db: object, cases: int) -> None:
    """One audit, one cycle, 8 yes/no criteria and `cases` cases with their answers packed (m008)."""
    import numpy as np

    stamp = "2026-01-05T09:00:00+00:00"
    conn = db.conn  # type: ignore[attr-defined]
    conn.execute("INSERT INTO audits (id, uid, title, created_at, updated_at) VALUES (1, 'bench-audit', 'Bench', ?, ?)",
                 [stamp, stamp])
    conn.execute("INSERT INTO cycles (id, audit_id, number, created_at, updated_at) VALUES (1, 1, 1, ?, ?)",
                 [stamp, stamp])
    conn.executemany("INSERT INTO criteria (id, cycle_id, lineage, position, short_name, created_at, updated_at) "
                     "VALUES (?, 1, ?, ?, ?, ?, ?)",
                     [(i, f"L{i}", i, f"Criterion {i}", stamp, stamp) for i in range(1, CRITERIA + 1)])
    rng = np.random.default_rng(3)
    letters = rng.choice(np.array(list("MMMNE-")), size=(cases, CRITERIA))
    words = {"M": "Yes", "N": "No", "E": "N/A", "-": None}
    packed = ",".join(str(i) for i in range(1, CRITERIA + 1))
    rows = []
    for n in range(cases):
        outcome = "".join(letters[n])
        rows.append((n + 1, f"C{n + 1:06d}", f"{n:064x}", int(rng.integers(18, 99)), "F" if n % 2 else "M",
                     "AMU", f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}", "Dr Bench", stamp, stamp, packed, outcome,
                     json.dumps([words[c] for c in outcome]), json.dumps([None] * CRITERIA)))
    conn.executemany("INSERT INTO cases (id, cycle_id, case_ref, patient_key, age, sex, ward, case_date, collector, "
                     "created_at, updated_at, answer_criteria, outcomes, answer_raws, answer_values) "
                     "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_handover(quick: bool, runs: int) -> dict[str, float]:
    """Export, import into an empty file and a 1,000-case merge, each against VACUUM INTO."""
    from model.report.handover import HandoverNote
    from model.report.handover_export import export_audit
    from model.report.handover_import import import_audit
    from model.store.store import open_store

    cases = 2_000 if quick else 100_000
    changed = cases // 100
    note = HandoverNote(from_name="Dr Bench")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = open_store(folder / "home" / "home.sqlite")
        _fill(home.db, cases)
        for run in range(max(runs, 1)):
            target = folder / f"vacuum{run}.sqlite"
            times = {"vacuum": _timed(lambda t=target: home.db.execute(f"VACUUM INTO '{t}'"))}
            package = folder / f"a{run}.auditloop"
            times["export"] = _timed(lambda p=package: export_audit(home.db, 1, p, handover_note=note))
            other = open_store(folder / f"other{run}" / "other.sqlite")
            times["import"] = _timed(lambda p=package, o=other: import_audit(o.db, p))
            letter, word = ("N", "No") if run % 2 == 0 else ("E", "N/A")  # differs from the last run's
            other.db.execute("UPDATE cases SET outcomes = ?, answer_raws = ? WHERE id <= ?",
                             [letter * CRITERIA, json.dumps([word] * CRITERIA), changed])
            back = folder / f"back{run}.auditloop"
            export_audit(other.db, 1, back, handover_note=note)
            other.close()
            result: dict[str, object] = {}
            times["merge"] = _timed(lambda b=back, r=result: r.update(r=import_audit(home.db, b)))
            merged = result["r"]
            assert merged.applied and merged.updated == {"cases": changed}, merged.as_json()  # type: ignore[attr-defined]
            for key, value in times.items():
                best[key] = min(best.get(key, float("inf")), value)
        home.close()
    vacuum = best["vacuum"]
    return {"handover.cases": float(cases), "handover.vacuum_into_s": vacuum,
            "handover.export_ratio": best["export"] / vacuum, "handover.import_ratio": best["import"] / vacuum,
            "handover.merge_ratio": best["merge"] / vacuum}
