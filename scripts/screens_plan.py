"""Screenshots of the Plan stage and the New-audit dialog on the demo data.

    QT_QPA_PLATFORM=offscreen python scripts/screens_plan.py [OUT_DIR]

Saves plan.png (VTE audit, Plan stage), plan-cycles.png (its Cycles and sampling tab, with a
sample drawn), plan-dates-filled.png and plan-dates-differ.png (a new audit's key dates filling
cycle 1's period, then the period typed differently) and new-audit.png (the dialog warning
about a similar audit) in OUT_DIR
(default docs/screenshots).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.context import AppContext  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.new_audit import NewAuditDialog  # noqa: E402
from model.demo import build_demo  # noqa: E402
from model.plan.audits import Audit, get_audit, register_new_audit, update_audit  # noqa: E402
from model.plan.cycles import list_cycles, update_cycle  # noqa: E402
from model.plan.standards import list_standards  # noqa: E402

VTE = 1


def link_vte_standard(ctx: AppContext) -> None:
    """The demo audit predates the library: link it to NICE NG89 as a user would."""
    db = ctx.store.db
    ng89 = next(s for s in list_standards(db) if s.reference_code == "NICE NG89")
    audit = get_audit(db, VTE)
    audit.standard_id = ng89.id
    update_audit(db, audit)
    for cycle in list_cycles(db, VTE):
        cycle.standard_id = ng89.id
        update_cycle(db, cycle)


def dates_shots(app: QApplication, ctx: AppContext, window: MainWindow, out: Path) -> None:
    """A new audit whose key dates fill cycle 1's empty period; then a period typed differently."""
    audit, _cycle = register_new_audit(ctx.store.db, Audit(title="Consent for elective surgery",
                                                           lead="Dr J. Smith (FY2)"))
    window.open_audit(audit.id, "plan")
    page = window.workspace.pages["plan"]
    page.details.fields["collection_start"].set_and_commit("2026-01-05")
    page.details.fields["collection_end"].set_and_commit("2026-03-31")
    page.show_cycles_tab()
    settle(app)
    window.grab().save(str(out / "plan-dates-filled.png"))
    page.cycles.period_end.set_and_commit("2026-02-28")
    settle(app)
    window.grab().save(str(out / "plan-dates-differ.png"))


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    ctx = AppContext(store=build_demo(tmp / "demo.sqlite"), data_dir=tmp / "data")
    link_vte_standard(ctx)
    window = MainWindow(ctx)
    window.resize(1280, 860)
    window.show()
    window.open_audit(VTE, "plan")
    settle(app)
    window.grab().save(str(out / "plan.png"))
    page = window.workspace.pages["plan"]
    page.show_cycles_tab()
    panel = page.cycles
    panel.calc_population.setValue(200)
    panel.calc_expected.setValue(80)
    panel.cases.setPlainText("\n".join(f"RXX{n:06d}" for n in range(1001, 1201)))
    panel.select_n.setValue(20)
    panel.seed.setText("20260301")
    panel.draw_button.click()
    settle(app)
    window.grab().save(str(out / "plan-cycles.png"))
    dates_shots(app, ctx, window, out)
    dialog = NewAuditDialog(ctx, window)
    dialog.show()
    dialog.title.setText("VTE risk assessment")
    dialog.standard.setCurrentIndex(dialog.standard.findData(get_audit(ctx.store.db, VTE).standard_id))
    dialog.similar_list.setCurrentRow(0)
    settle(app)
    dialog.grab().save(str(out / "new-audit.png"))
    ctx.store.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
