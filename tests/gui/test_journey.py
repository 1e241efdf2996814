"""The product's integration test: one clinician takes a new audit round the whole cycle.

Everything is done through the widgets, as a user would, starting from an empty data file:
register the audit, plan it, write two criteria, key in a baseline of 12 cases, read the
results, start the re-audit, key in 12 better cases, compare the cycles, read the SPC chart,
and set our result beside a national audit's figures. The window is 1024×700, a small NHS
laptop screen.

Set JOURNEY_SCREENSHOTS to a folder to save a picture of each step.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QtMsgType
from PySide6.QtWidgets import QApplication, QWidget

from gui import crash
from gui.benchmark_import_wizard import PAGE_MAPPING, PAGE_PREVIEW, BenchmarkImportWizard
from gui.context import AppContext
from gui.main_window import MainWindow
from gui.new_audit import NewAuditDialog
from gui.results_models import ComparisonModel, CriterionResultsModel
from gui.stages.base import StagePage
from model.collect.cases import count_cases
from model.core.stats import compare_proportions
from model.plan.audits import list_audits
from model.plan.criteria import list_criteria
from model.plan.cycles import list_cycles
from model.results.narrative import format_p, format_pct
from model.store.store import Store, open_store

WAIT_MS = 20000
SCREEN = (1024, 700)

CRITERIA = [
    {"statement": "Adults admitted to medical wards have a VTE risk assessment within 14 hours of admission",
     "denominator": "Adult (16 and over) medical admissions in the sample",
     "numerator": "Risk assessment documented within 14 hours of admission",
     "target": "95"},
    {"statement": "Patients at increased risk of VTE are offered pharmacological prophylaxis",
     "denominator": "Admissions assessed as at increased risk of VTE",
     "numerator": "Prophylaxis prescribed within 14 hours of the assessment",
     "target": "90"},
]
# One string per case, one key per criterion: Y met, N not met, A not applicable (an exception),
# "-" Enter without an answer (recorded as missing).
BASELINE = ["YY", "YN", "NY", "YY", "NN", "YA", "Y-", "NY", "YY", "AY", "NN", "YY"]
REAUDIT = ["YY", "YY", "YY", "YN", "YY", "YA", "YY", "NY", "YY", "YY", "YY", "AY"]
BASELINE_PERIOD = ("2026-01-05", "2026-03-31")
REAUDIT_PERIOD = ("2026-06-01", "2026-08-31")
NATIONAL_FILE = "national_audit_trust_results.csv"

UNEXPECTED: list[str] = []  # what reached the crash dialog during the journey


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def crash_dialog_fails_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected error in a background task must fail the journey at once, not open a modal box."""
    UNEXPECTED.clear()
    monkeypatch.setattr(crash, "report_exception",
                        lambda kind, exc, tb, text=None: UNEXPECTED.append(text or repr(exc)))


def wait_for(qtbot, condition: Callable[[], bool]) -> None:
    """Let background tasks finish until `condition` holds; stop at the first crash report."""

    def ready() -> bool:
        if UNEXPECTED:
            pytest.fail(f"AuditLoop hit an unexpected error:\n{UNEXPECTED[0]}")
        return condition()

    qtbot.waitUntil(ready, timeout=WAIT_MS)


def counts(cases: list[str], criterion: int) -> dict[str, int]:
    """How the keyed answers of one criterion add up."""
    keys = [case[criterion] for case in cases]
    return {"met": keys.count("Y"), "not_met": keys.count("N"), "exceptions": keys.count("A"),
            "missing": keys.count("-")}


def met_of(cases: list[str], criterion: int) -> tuple[int, int]:
    """(met, met + not met): compliance's numerator and denominator."""
    c = counts(cases, criterion)
    return c["met"], c["met"] + c["not_met"]


def case_date(period: tuple[str, str], case: int) -> str:
    """A dd/mm/yyyy date in the cycle's period, four cases a month for three months."""
    year, month, _day = (int(x) for x in period[0].split("-"))
    return f"{10 + case % 4:02d}/{month + case // 4:02d}/{year}"


def snapshot(window: MainWindow, name: str) -> None:
    """Save the window as the user sees it now, when JOURNEY_SCREENSHOTS names a folder."""
    folder = os.environ.get("JOURNEY_SCREENSHOTS")
    if folder:
        QApplication.processEvents()  # let pending layouts settle first
        Path(folder).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(folder) / f"{name}.png"))


def go_to(window: MainWindow, key: str) -> StagePage:
    """Click a stage in the workspace's list of steps."""
    steps = window.workspace.steps
    steps.setCurrentRow(next(i for i in range(steps.count()) if steps.item(i).data(Qt.UserRole) == key))
    assert window.workspace.current_page() is window.workspace.pages[key]
    return window.workspace.pages[key]


def click(qtbot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), f"cannot click {widget.text()!r}"  # type: ignore[attr-defined]
    qtbot.mouseClick(widget, Qt.LeftButton)


def type_into(qtbot, widget: QWidget, text: str, *, replace: bool = False) -> None:
    """Click into a field and type; `replace` first selects what is there (Ctrl+A)."""
    qtbot.mouseClick(widget, Qt.LeftButton)
    widget.setFocus(Qt.MouseFocusReason)  # what the click does in an active window (offscreen has none)
    if replace:
        qtbot.keyClick(widget, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(widget, text)


def cell(model, row: int, col: int) -> str:
    return model.data(model.index(row, col))


# --- the user's steps -----------------------------------------------------------------------


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    """A new data file, closed after the test even if the window was garbage-collected first."""
    store = open_store(tmp_path / "auditloop.sqlite")
    yield store
    store.close()


def open_auditloop_on_an_empty_file(qtbot, store: Store, tmp_path: Path) -> MainWindow:
    window = MainWindow(AppContext(store=store, data_dir=tmp_path / "data"))
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    qtbot.waitExposed(window)
    assert window.register.table_model.rowCount() == 0
    assert window.register.empty_hint.isVisible()  # says to press New audit…
    snapshot(window, "00-register-empty")
    return window


def register_a_new_audit(qtbot, window: MainWindow, monkeypatch) -> None:
    """New audit…: title, specialty and lead, then Create audit; it opens at the Plan stage."""

    def fill_in(dialog: NewAuditDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()  # exec() would block the test: show the dialog and use it instead
        type_into(qtbot, dialog.title, "VTE risk assessment in medical admissions")
        type_into(qtbot, dialog.specialty, "Acute medicine")
        type_into(qtbot, dialog.lead, "Dr A. Patel (ST4)")
        assert not dialog.similar_group.isVisible()  # nothing like it in an empty register
        click(qtbot, dialog.create_button)
        return dialog.result()

    monkeypatch.setattr(NewAuditDialog, "exec", fill_in)
    click(qtbot, window.register.new_button)
    assert [a.title for a in list_audits(window.ctx.store.db)] == ["VTE risk assessment in medical admissions"]
    assert window.stack.currentWidget() is window.workspace
    assert window.workspace.current_page() is window.workspace.pages["plan"]
    assert "Dr A. Patel (ST4)" in window.workspace.heading.text()
    assert window.workspace.cycle_box.currentText() == "Cycle 1 (baseline)"


def plan_the_audit(qtbot, window: MainWindow) -> None:
    """Plan: the key dates, every audit-not-research statement ticked, the baseline's period."""
    plan = go_to(window, "plan")
    details = plan.details
    details.fields["collection_start"].set_and_commit(BASELINE_PERIOD[0])
    details.fields["collection_end"].set_and_commit(BASELINE_PERIOD[1])
    details.fields["reaudit_due"].set_and_commit("2026-06-01")
    for box in details.tests.values():
        click(qtbot, box)
    assert details.tests_message.text() == "Confirmed: this is audit."
    audit = list_audits(window.ctx.store.db)[0]
    assert (audit.collection_start, audit.collection_end) == BASELINE_PERIOD
    plan.show_cycles_tab()
    set_the_cycle_period(plan, BASELINE_PERIOD)
    snapshot(window, "01-plan")


def set_the_cycle_period(plan: StagePage, period: tuple[str, str]) -> None:
    """Plan › Cycles and sampling: the selected cycle's data collection period."""
    plan.cycles.period_start.set_and_commit(period[0])
    plan.cycles.period_end.set_and_commit(period[1])
    saved = plan.cycles.cycle
    assert (saved.period_start, saved.period_end) == period, plan.cycles.cycle_error.text()


def write_two_criteria(qtbot, window: MainWindow) -> None:
    """Criteria: Add, then type each criterion's statement, denominator, numerator and target."""
    page = go_to(window, "criteria")
    for fields in CRITERIA:
        click(qtbot, page.add_button)
        assert page.form.focusWidget() is page.form.statement  # ready to type
        for name in ("statement", "denominator", "numerator", "target"):
            type_into(qtbot, getattr(page.form, name), fields[name], replace=name == "target")
    cycle_id = window.workspace.cycle_id()
    wait_for(qtbot, lambda: [c.target for c in list_criteria(window.ctx.store.db, cycle_id)] == [95, 90])
    stored = list_criteria(window.ctx.store.db, cycle_id)
    assert [c.statement for c in stored] == [c["statement"] for c in CRITERIA]
    assert [cell(page.table_model, row, page.table_model.COL_CHECK) for row in range(2)] == ["✓", "✓"]
    snapshot(window, "02-criteria")


def key_in_cases(qtbot, window: MainWindow, cases: list[str], period: tuple[str, str], shot: str) -> None:
    """Collect › New case: for each case its date, Y/N/A per criterion, then Enter to save and go on."""
    page = go_to(window, "collect")
    cycle_id = window.workspace.cycle_id()
    assert count_cases(window.ctx.store.db, cycle_id) == 0 and not page.empty_hint.isHidden()
    snapshot(window, f"{shot}-empty")
    form = page.form
    if page.tabs.currentWidget() is not form:  # the page reopens on the tab where the user left it
        click(qtbot, page.new_button)
    assert page.tabs.currentWidget() is form and form.cycle.id == cycle_id and len(form.rows) == len(CRITERIA)
    for number, keys in enumerate(cases):
        type_into(qtbot, form.case_date, case_date(period, number))
        click(qtbot, form.first_criterion_field())
        for key in keys:
            qtbot.keyClick(form.focusWidget(), Qt.Key_Return if key == "-" else getattr(Qt, f"Key_{key}"))
        assert form.focusWidget() is form.save_next_button  # the last answer moves focus to Save and next
        assert not form.messages.text(), form.messages.text()
        qtbot.keyClick(form.save_next_button, Qt.Key_Return)
        assert form.heading.text() == "<b>New case</b>"
        assert form.focusWidget() is form.case_date  # dates were typed on each case: the next one starts there
    assert count_cases(window.ctx.store.db, cycle_id) == len(cases)
    assert f"<b>{len(cases)}</b> cases" in page.progress_label.text()
    snapshot(window, shot)


def read_the_results(qtbot, window: MainWindow, cases: list[str], shot: str) -> None:
    """Results: each criterion's counts and compliance are what was keyed in."""
    page = go_to(window, "results")
    model = page.table_model
    wait_for(qtbot, lambda: model.rowCount() == len(CRITERIA))
    for row, criterion in enumerate(CRITERIA):
        expected = counts(cases, row)
        met, n = met_of(cases, row)
        shown = {key: cell(model, row, col) for key, col in (
            ("met", CriterionResultsModel.COL_MET), ("not_met", CriterionResultsModel.COL_NOT_MET),
            ("exceptions", CriterionResultsModel.COL_EXCEPTIONS), ("missing", CriterionResultsModel.COL_MISSING))}
        assert shown == {key: str(value) for key, value in expected.items()}
        assert cell(model, row, CriterionResultsModel.COL_ELIGIBLE) == str(len(cases))
        assert cell(model, row, CriterionResultsModel.COL_COMPLIANCE) == format_pct(met / n, 1)
        assert cell(model, row, CriterionResultsModel.COL_TARGET) == f"{criterion['target']}%"
    assert page.completeness.text().startswith(f"{len(cases)} cases.")
    met, n = met_of(cases, 0)
    assert f"{format_pct(met / n, 1)} met the standard" in page.sentence.text()  # the first row, read out
    assert page.chart.figure.axes
    snapshot(window, shot)


def start_the_reaudit(qtbot, window: MainWindow, dialog_log) -> None:
    """Plan › Cycles and sampling: Start re-audit cycle…, then its own period."""
    plan = go_to(window, "plan")
    plan.show_cycles_tab()
    click(qtbot, plan.cycles.next_cycle_button)
    assert dialog_log.calls[-1][0] == "ask" and "with the 2 criteria of Cycle 1" in dialog_log.calls[-1][2]
    first, second = list_cycles(window.ctx.store.db, window.workspace.audit_id)
    assert window.workspace.cycle_id() == second.id  # the workspace moves to the new cycle
    assert window.workspace.cycle_box.currentText() == "Cycle 2 (re-audit)"
    assert plan.cycles.cycle.id == second.id
    set_the_cycle_period(plan, REAUDIT_PERIOD)
    db = window.ctx.store.db
    assert [c.lineage for c in list_criteria(db, second.id)] == [c.lineage for c in list_criteria(db, first.id)]
    snapshot(window, "05-reaudit")


def compare_the_cycles(qtbot, window: MainWindow) -> None:
    """Compare: a verdict per criterion, with the numbers model.core.stats.compare_proportions gives."""
    page = go_to(window, "compare")
    model = page.model
    wait_for(qtbot, lambda: model.rowCount() == len(CRITERIA))
    assert page.partner_box.currentText() == "the previous cycle: Cycle 1 (baseline)"
    for row in range(len(CRITERIA)):
        expected = compare_proportions(*met_of(BASELINE, row), *met_of(REAUDIT, row))
        item = model.comparison(row)
        assert item.comparison == expected
        assert item.verdict.endswith(".") and cell(model, row, ComparisonModel.COL_VERDICT) in item.verdict
        assert cell(model, row, ComparisonModel.COL_EARLIER).startswith(format_pct(expected.p1, 1))
        assert cell(model, row, ComparisonModel.COL_LATER).startswith(format_pct(expected.p2, 1))
        assert cell(model, row, ComparisonModel.COL_P) == format_p(expected.p_value)
    assert model.comparison(0).verdict in page.details.toPlainText()  # the first row is explained in full
    snapshot(window, "07-compare")


def read_the_spc_chart(qtbot, window: MainWindow) -> None:
    """Compare › Over time (SPC): the first criterion's chart by month, with its reading."""
    page = window.workspace.pages["compare"]
    page.tabs.setCurrentIndex(1)
    wait_for(qtbot, lambda: page.spc_view is not None and page.spc_view.outcome is not None)
    view = page.spc_view
    assert view.outcome.series.n_points == 6  # three months in each cycle
    assert view.reading_label.text().strip().endswith(".")
    assert view.choice_label.text().startswith("Auto chose")
    assert view.chart.figure.axes
    snapshot(window, "08-spc")


def import_the_national_file(qtbot, window: MainWindow, dialog_log, path: Path) -> None:
    """Benchmark › Import national file…: choose it, accept the columns, preview, Import."""
    page = go_to(window, "benchmark")
    click(qtbot, page.import_button)
    wizard = page.findChild(BenchmarkImportWizard)
    assert wizard is not None and wizard.isVisible()
    dialog_log.open_path = str(path)
    click(qtbot, wizard.file_page.browse_button)
    wait_for(qtbot, wizard.next_button.isEnabled)
    click(qtbot, wizard.next_button)
    assert wizard.pages.currentIndex() == PAGE_MAPPING
    click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: wizard.pages.currentIndex() == PAGE_PREVIEW and wizard.import_button.isEnabled())
    with qtbot.waitSignal(wizard.imported, timeout=WAIT_MS):
        click(qtbot, wizard.import_button)
    assert not wizard.isVisible()
    assert cell(page.datasets_model, 0, 0) == NATIONAL_FILE


def link_criterion_1_to(qtbot, window: MainWindow, measure: str) -> None:
    """Link our first criterion to a national measure: the panel sets our compliance beside the nation's."""
    page = window.workspace.pages["benchmark"]
    page.criterion_box.setCurrentIndex(0)
    page.measure_box.setCurrentIndex(next(i for i in range(page.measure_box.count())
                                          if page.measure_box.itemText(i).startswith(f"{measure} ")))
    click(qtbot, page.link_button)
    wait_for(qtbot, lambda: page.comparison is not None)
    met, n = met_of(REAUDIT, 0)
    assert (page.comparison.local.met, page.comparison.local.n) == (met, n)
    text = page.details.toPlainText()
    assert f"Our compliance {format_pct(met / n, 1)} ({met} of {n};" in text.replace("\t", " ").replace("\n", " ")
    assert "National value" in text and "Cycle 2 (re-audit)" in text
    assert page.chart.figure.axes
    snapshot(window, "09-benchmark")


# --- the journey ----------------------------------------------------------------------------


# matplotlib's toolbar asks PySide6 for a deprecated enum whenever it paints its icons; this test
# shows charts in a real-sized window, so they are painted.
@pytest.mark.filterwarnings("ignore:Enum value 'Qt..ApplicationAttribute.AA_UseHighDpiPixmaps' is marked as deprecated"
                            ":DeprecationWarning")
def test_one_audit_round_the_whole_cycle(qtbot, qtlog, tmp_path, dialog_log, monkeypatch, shared_data,
                                         empty_store):
    window = open_auditloop_on_an_empty_file(qtbot, empty_store, tmp_path)
    register_a_new_audit(qtbot, window, monkeypatch)
    plan_the_audit(qtbot, window)
    write_two_criteria(qtbot, window)
    key_in_cases(qtbot, window, BASELINE, BASELINE_PERIOD, "03-collect-baseline")
    read_the_results(qtbot, window, BASELINE, "04-results-baseline")
    start_the_reaudit(qtbot, window, dialog_log)
    key_in_cases(qtbot, window, REAUDIT, REAUDIT_PERIOD, "06-collect-reaudit")
    read_the_results(qtbot, window, REAUDIT, "06-results-reaudit")
    compare_the_cycles(qtbot, window)
    read_the_spc_chart(qtbot, window)
    import_the_national_file(qtbot, window, dialog_log, shared_data / NATIONAL_FILE)
    link_criterion_1_to(qtbot, window, "q07")

    assert window.size().toTuple() == SCREEN  # no page forced the window wider than the screen
    assert dialog_log.kinds() == ["ask", "open_file"]  # no warning or error box on the way
    qt_warnings = [r.message for r in qtlog.records if r.type != QtMsgType.QtDebugMsg
                   and "propagateSizeHints" not in r.message]  # the offscreen platform's own notice
    assert qt_warnings == []
