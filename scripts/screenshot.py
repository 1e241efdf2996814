"""Save a screenshot of the main window on the demo data.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot.py OUT.png [--audit ID] [--stage KEY]
        [--cycle N] [--size 1280x800] [--call "method_name"] [--dashboard [--figure KEY]] [--reminders]

Run it under Xvfb (DISPLAY set) to see a real window, or offscreen for a quick look.
`--call` names a zero-argument method of the stage page to run first (e.g. to open a tab).
`--dashboard` shows the department dashboard instead, `--figure` choosing the figure whose
audits it lists (e.g. `by_directorate:Medicine`); `--reminders` the Reminders view, the first
reminder chosen.
`--merge-review` shows instead the merge review of a colleague's copy of audit 1 that changed a
criterion's definition, an action both sides edited and a case (gui/merge_review.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.context import AppContext  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.demo import build_demo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--audit", type=int)
    parser.add_argument("--stage")
    parser.add_argument("--cycle", type=int, help="1-based cycle number to choose")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--call", action="append", default=[])
    parser.add_argument("--dashboard", action="store_true")
    parser.add_argument("--figure")
    parser.add_argument("--merge-review", action="store_true")
    parser.add_argument("--reminders", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui import focus_style

    focus_style.install(app)  # as gui.app.make_app does
    tmp = Path(tempfile.mkdtemp())
    store = build_demo(tmp / "demo.sqlite")
    if args.merge_review:
        return _merge_review(store, tmp, args)
    window = MainWindow(AppContext(store=store, data_dir=tmp / "data"))
    width, height = (int(x) for x in args.size.split("x"))
    window.resize(width, height)
    window.show()
    if args.reminders:
        window.show_reminders()
        from gui.tasks import settle

        settle()
        window.reminders_view.table.selectRow(0)
    elif args.dashboard:
        window.show_dashboard()
        if args.figure:
            window.dashboard.show_figure(args.figure)
    elif args.audit:
        window.open_audit(args.audit, args.stage)
        if args.cycle:
            window.workspace.cycle_box.setCurrentIndex(args.cycle - 1)
        page = window.workspace.pages.get(args.stage) if args.stage else None
        for name in args.call:
            getattr(page, name)()
    from gui.tasks import settle

    settle()  # let background tasks deliver their results
    app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    store.close()
    print(args.out)
    return 0


def _merge_review(store: object, tmp: Path, args: argparse.Namespace) -> int:
    """The review of merging a colleague's edited copy of audit 1 back (three kinds of conflict)."""
    from gui.merge_review import MergeReviewDialog
    from model.report.handover import HandoverNote
    from model.report.handover_export import export_audit
    from model.report.handover_import import import_audit
    from model.store.store import open_store

    db = store.db  # type: ignore[attr-defined]
    export_audit(db, 1, tmp / "sent.auditloop", handover_note=HandoverNote(from_name="Dr Ada Lovelace"))
    other = open_store(tmp / "colleague" / "colleague.sqlite")
    other.db.execute("PRAGMA foreign_keys = ON")
    import_audit(other.db, tmp / "sent.auditloop")
    first = "(SELECT MIN(id) FROM {} WHERE {})"
    other.db.execute("UPDATE actions SET text = 'VTE teaching at every induction, with a quiz', owner = 'Dr Hopper' "
                     f"WHERE id = {first.format('actions', '1')}")
    other.db.execute("UPDATE criteria SET target = 90, statement = statement || ' (within 14 hours)' "
                     f"WHERE id = {first.format('criteria', '1')}")
    other.db.execute("UPDATE cases SET ward = 'AMU 2' WHERE id = (SELECT MIN(id) FROM cases)")
    other.db.execute("UPDATE audits SET aim = 'Every medical admission risk-assessed within 14 hours'")
    export_audit(other.db, 1, tmp / "dr-hopper.auditloop", handover_note=HandoverNote(from_name="Dr Grace Hopper"))
    other.close()
    db.execute("UPDATE actions SET text = 'VTE teaching at the monthly meeting' "
               f"WHERE id = {first.format('actions', 'audit_id = 1')}")
    db.execute("UPDATE criteria SET target = 95, statement = statement || ' (on admission)' WHERE id = "
               "(SELECT MIN(id) FROM criteria WHERE cycle_id IN (SELECT id FROM cycles WHERE audit_id = 1))")
    db.execute("UPDATE cases SET ward = 'MAU' WHERE id = (SELECT MIN(id) FROM cases WHERE cycle_id IN "
               "(SELECT id FROM cycles WHERE audit_id = 1))")
    plan = import_audit(db, tmp / "dr-hopper.auditloop", dry_run=True).as_json()
    dialog = MergeReviewDialog(plan, "dr-hopper.auditloop")
    width, height = (int(x) for x in args.size.split("x"))
    dialog.resize(width, height)
    dialog.show()
    dialog.take_theirs.setChecked(True)
    QApplication.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(args.out))
    dialog.close()
    dialog.deleteLater()
    QApplication.sendPostedEvents(None, 0)  # DeferredDelete: gone before the application is
    store.close()  # type: ignore[attr-defined]
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
