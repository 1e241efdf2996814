"""A generated department data file: 1,000 audits, 5,000 cycles and 20,000 actions (issue 16).

    python bench/department.py OUT.sqlite [--audits N] [--cycles N] [--actions N] [--seed N]

An audit department's whole register, for timing the register, the dashboard and the
reminders on something the size of a real trust's: audits spread over six directorates and
their specialties, every status, priority and type (abandoned ones with a reason); each audit
has one or more cycles a few months apart, each with three criteria, ten cases and a
recommendation; actions hang off those recommendations with deadlines around today (some
revised, some complete); about half the measured cycles have a final report. Written with
bulk inserts in one transaction (uuids made here, so the insert triggers stay idle). Not app
code: it lives in bench/, and the tests use it at a small size.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DIRECTORATES = {
    "Medicine": ("Acute medicine", "Cardiology", "Respiratory", "Elderly care", "Gastroenterology"),
    "Surgery": ("General surgery", "Trauma and orthopaedics", "Urology", "Anaesthetics"),
    "Urgent and emergency care": ("Emergency medicine", "Critical care"),
    "Women and children": ("Obstetrics", "Gynaecology", "Paediatrics", "Neonatology"),
    "Clinical support": ("Radiology", "Pathology", "Pharmacy"),
    "Community": ("District nursing", "Community paediatrics", ""),
}
STATUSES = ("proposed", "approved", "data_collection", "analysis", "action_planning", "reaudit_due", "complete",
            "abandoned")
STATUS_WEIGHTS = (0.06, 0.06, 0.18, 0.14, 0.16, 0.14, 0.2, 0.06)
TYPES = ("new", "re_audit", "national_participation", "ward_monitoring")
PRIORITIES = ("national", "trust", "local")
ACTION_STATUSES = ("not_started", "in_progress", "complete", "cancelled")
OWNERS = tuple(f"Dr {a}. {b}" for a, b in zip("ABCDEFGHJKLMNPRSTW", (
    "Patel", "Okafor", "Smith", "Chen", "Hughes", "Ahmed", "Green", "Ward", "Byrne", "Walsh", "Evans", "Khan",
    "Jones", "Taylor", "Brown", "Wilson", "Davies", "Murphy"), strict=True)) + ("",)


def _uid() -> str:
    return uuid.uuid4().hex


def _split(total: int, parts: int, rng: np.random.Generator, minimum: int) -> np.ndarray:
    """`parts` counts, each at least `minimum`, summing to `total`."""
    return minimum + rng.multinomial(total - minimum * parts, np.full(parts, 1 / parts))


def generate_department(path: Path | str, *, audits: int = 1000, cycles: int = 5000, actions: int = 20000,
                        seed: int = 1, today: date | None = None) -> Path:
    """Write the department file at `path` (a new AuditLoop data file); returns the path."""
    from model.store.store import open_store

    rng = np.random.default_rng(seed)
    today = today or date.today()
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    store = open_store(Path(path))
    db = store.db
    pairs = [(d, s) for d, specs in DIRECTORATES.items() for s in specs]
    cycle_counts = _split(cycles, audits, rng, 1)
    action_counts = _split(actions, audits, rng, 0)
    rows: dict[str, list[tuple[object, ...]]] = {k: [] for k in (
        "audits", "cycles", "criteria", "cases", "recommendations", "actions", "revisions", "reports")}
    cycle_id = criterion_id = case_id = rec_id = action_id = 0
    for a in range(1, audits + 1):
        directorate, specialty = pairs[int(rng.integers(len(pairs)))]
        status = str(rng.choice(STATUSES, p=STATUS_WEIGHTS))
        registered = today - timedelta(days=int(rng.integers(30, 1500)))
        reaudit = today + timedelta(days=int(rng.integers(-120, 240))) if rng.random() < 0.6 else None
        rows["audits"].append((
            a, _uid(), f"Audit {a:04d}: {specialty or directorate} standard of care", specialty, directorate,
            f"Dr {OWNERS[a % (len(OWNERS) - 1)][3:]}", f"CA-{registered.year}-{a:04d}",
            TYPES[int(rng.choice(4, p=(0.55, 0.2, 0.1, 0.15)))], PRIORITIES[int(rng.integers(3))], status,
            "Lead left the trust; no successor" if status == "abandoned" else "", registered.isoformat(),
            reaudit.isoformat() if reaudit else None, stamp, stamp))
        start = registered + timedelta(days=int(rng.integers(10, 60)))
        audit_cycles: list[int] = []
        for number in range(1, int(cycle_counts[a - 1]) + 1):
            cycle_id += 1
            end = start + timedelta(days=int(rng.integers(28, 90)))
            rows["cycles"].append((cycle_id, a, number, start.isoformat(), end.isoformat(), 60, stamp, stamp, _uid()))
            audit_cycles.append(cycle_id)
            ids = []
            for position in range(3):
                criterion_id += 1
                ids.append(criterion_id)
                name = f"Criterion {position + 1}"
                rows["criteria"].append((criterion_id, cycle_id, f"{a}-{position}", position, name,
                                         f"{name} of audit {a}", 90.0, stamp, stamp, _uid()))
            if end <= today + timedelta(days=30):  # cycles not yet begun have no cases
                met = rng.random((10, 3)) < rng.uniform(0.5, 0.95)
                for i in range(10):
                    case_id += 1
                    outcomes = "".join("M" if m else "N" for m in met[i])
                    rows["cases"].append((case_id, cycle_id, f"C{i + 1}", ",".join(map(str, ids)), outcomes,
                                          "[null,null,null]", "[null,null,null]", stamp, stamp, _uid()))
                if end < today and rng.random() < 0.5:
                    filed = end + timedelta(days=int(rng.integers(20, 120)))
                    rows["reports"].append((cycle_id, 1, f"{filed.isoformat()}T12:00:00+00:00", "docx", "0" * 64,
                                            "final", _uid()))
            rec_id += 1
            rows["recommendations"].append((rec_id, a, cycle_id, f"Recommendation after cycle {number}", stamp, stamp,
                                            _uid()))
            start = end + timedelta(days=int(rng.integers(120, 300)))
        for _ in range(int(action_counts[a - 1])):
            action_id += 1
            deadline = today + timedelta(days=int(rng.integers(-200, 200)))
            state = ACTION_STATUSES[int(rng.choice(4, p=(0.3, 0.3, 0.35, 0.05)))]
            rec = rec_id - int(rng.integers(len(audit_cycles)))
            rows["actions"].append((action_id, a, rec, f"Action {action_id}", OWNERS[int(rng.integers(len(OWNERS)))],
                                    deadline.isoformat(), state,
                                    deadline.isoformat() if state == "complete" else None, stamp, stamp, _uid()))
            if rng.random() < 0.1:
                rows["revisions"].append((action_id, (deadline + timedelta(days=30)).isoformat(), stamp,
                                          "More time agreed", _uid()))
    _insert(db, rows)
    store.close()
    return Path(path)


_SQL = {
    "audits": "INSERT INTO audits (id, uid, title, specialty, directorate, lead, registration_number, audit_type, "
              "priority, status, abandoned_reason, registered_on, reaudit_due, created_at, updated_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "cycles": "INSERT INTO cycles (id, audit_id, number, period_start, period_end, population_size, created_at, "
              "updated_at, uuid) VALUES (?,?,?,?,?,?,?,?,?)",
    "criteria": "INSERT INTO criteria (id, cycle_id, lineage, position, short_name, statement, target, created_at, "
                "updated_at, uuid) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "cases": "INSERT INTO cases (id, cycle_id, case_ref, answer_criteria, outcomes, answer_raws, answer_values, "
             "created_at, updated_at, uuid) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "recommendations": "INSERT INTO recommendations (id, audit_id, cycle_id, text, created_at, updated_at, uuid) "
                       "VALUES (?,?,?,?,?,?,?)",
    "actions": "INSERT INTO actions (id, audit_id, recommendation_id, text, owner, original_deadline, status, "
               "completed_on, created_at, updated_at, uuid) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "revisions": "INSERT INTO action_deadline_revisions (action_id, deadline, revised_on, reason, uuid) "
                 "VALUES (?,?,?,?,?)",
    "reports": "INSERT INTO generated_reports (cycle_id, version, created_at, format, sha256, status, uuid) "
               "VALUES (?,?,?,?,?,?,?)",
}


def _insert(db: object, rows: dict[str, list[tuple[object, ...]]]) -> None:
    conn = db.conn  # type: ignore[attr-defined]
    with conn:
        for table, sql in _SQL.items():
            conn.executemany(sql, rows[table])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=5000)
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    generate_department(args.out, audits=args.audits, cycles=args.cycles, actions=args.actions, seed=args.seed)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def bench_department(quick: bool, runs: int) -> dict[str, float]:
    """Dashboard figures and reminders on the department file, against a plain read of the rows they
    use (goal ≤ 0.3 s each), and launch → register ready on it against a bare window (goal ≤ 2×)."""
    import os
    import statistics
    import tempfile
    from datetime import date

    from run import _best_of, _launch_ms

    from model.act.reminders import reminders
    from model.report.dashboard import dashboard
    from model.store.store import open_store

    sizes = {"audits": 100, "cycles": 500, "actions": 2000} if quick else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_department(Path(tmp) / "department.sqlite", **sizes)
        store = open_store(path)
        db, today = store.db, date.today()

        def plain_read() -> None:
            for table in ("audits", "cycles", "actions"):
                db.execute(f"SELECT * FROM {table}").fetchall()

        dashboard(db, today)  # first-call imports are start-up cost
        read = _best_of(runs, plain_read)
        board = _best_of(runs, lambda: dashboard(db, today))
        found = _best_of(runs, lambda: reminders(db, today))
        store.close()
        env = dict(os.environ, AUDITLOOP_BENCH_FIRST_PAINT="1")
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        hello_cmd = [sys.executable, str(ROOT / "bench" / "hello.py")]
        app_cmd = [sys.executable, str(ROOT / "main.py"), "--db", str(path), "--data-dir", str(Path(tmp) / "dd")]
        ready_env = dict(env, AUDITLOOP_BENCH_READY="1")
        _launch_ms(app_cmd, ready_env, "register-ready")  # warm the OS file cache
        hello, ready = [], []
        for _ in range(max(runs, 1)):
            hello.append(_launch_ms(hello_cmd, env))
            ready.append(_launch_ms(app_cmd, ready_env, "register-ready"))
    h, r = statistics.median(hello), statistics.median(ready)
    return {"department.audits": float(sizes.get("audits", 1000)), "department.plain_read_s": read,
            "department.dashboard_s": board, "department.dashboard_ratio": board / read,
            "department.reminders_s": found, "department.reminders_ratio": found / read,
            "department.register_ready_ms": r, "department.register_ready_ratio": r / h}
