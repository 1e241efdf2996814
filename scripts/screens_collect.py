"""Screenshots of the Collect stage on the demo data.

    QT_QPA_PLATFORM=offscreen python scripts/screens_collect.py [OUT_DIR]

Saves collect-entry.png (the Sepsis audit's entry form with a case half entered),
collect-import-tab.png (its Import tab, with the Pseudonymisation group) and
collect-import.png (the import wizard on its mapping page with tests/data/shared's ward
workbook, imported into a fresh audit with that workbook's four criteria) in OUT_DIR
(default docs/screenshots).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui import tasks  # noqa: E402
from gui.context import AppContext  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.demo import build_demo  # noqa: E402
from model.plan.audits import Audit, create_audit  # noqa: E402
from model.plan.criteria import Criterion, add_criterion  # noqa: E402
from model.plan.cycles import Cycle, create_cycle  # noqa: E402

SEPSIS = 2
WARD_FILE = ROOT / "tests" / "data" / "shared" / "ward_audit_example.xlsx"
WARD_CRITERIA = [
    ("Screening tool used", "Adults with NEWS2 ≥ 5 have the sepsis screening tool completed."),
    ("Antibiotics ≤1 h", "Adults with high-risk sepsis receive IV antibiotics within 1 hour of recognition."),
    ("Cultures before antibiotics", "Blood cultures are taken before antibiotics are given."),
    ("Lactate ≤1 h", "Lactate is measured within 1 hour of recognition."),
]


def settle(app: QApplication, until=lambda: True) -> None:  # noqa: ANN001
    """Let background tasks finish and deliver their results."""
    for _ in range(200):
        tasks.settle(50)
        app.processEvents()
        if until():
            break
    for _ in range(5):
        app.processEvents()


def ward_audit(ctx: AppContext) -> int:
    db = ctx.store.db
    audit = create_audit(db, Audit(title="Sepsis on AMU — ward spreadsheet", status="data_collection",
                                   lead="Dr S. Ahmed (FY1)"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, period_start="2026-01-01", period_end="2026-03-31",
                                   planned_sample=80, status="collecting"))
    for short, statement in WARD_CRITERIA:
        add_criterion(db, cycle.id, Criterion(statement=statement, short_name=short))
    return audit.id


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    ctx = AppContext(store=build_demo(tmp / "demo.sqlite"), data_dir=tmp / "data")
    window = MainWindow(ctx)
    window.resize(1280, 860)
    window.show()
    window.open_audit(SEPSIS, "collect")
    page = window.workspace.pages["collect"]
    page.tabs.setCurrentWidget(page.form)
    form = page.form
    form.case_date.setText("14/03/2026")
    form.collector.setText("Dr S. Ahmed")
    form.age.setText("67")
    form.sex.setCurrentText("Female")
    form.ward.setText("AMU")
    form.rows[0].field.set_outcome("met")
    form.rows[1].field.set_outcome("not_met")
    form.rows[2].field.setFocus()
    form.show_progress()
    settle(app)
    window.grab().save(str(out / "collect-entry.png"))
    page.tabs.setCurrentIndex(2)  # Import, with the Pseudonymisation group at its foot
    settle(app)
    window.grab().save(str(out / "collect-import-tab.png"))

    window.open_audit(ward_audit(ctx), "collect")
    page = window.workspace.pages["collect"]
    ward = tmp / WARD_FILE.name
    shutil.copy(WARD_FILE, ward)
    wizard = page.start_import()
    wizard.resize(1100, 720)
    wizard.open_path(ward)
    settle(app, wizard.file_page.isComplete)
    wizard.next()
    settle(app, wizard.sheet_page.isComplete)
    wizard.next()
    settle(app)
    wizard.grab().save(str(out / "collect-import.png"))
    wizard.close()
    ctx.store.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
