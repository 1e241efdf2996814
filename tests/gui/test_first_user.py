"""Rough edges a first user hit: status suggestions, two sets of collection dates, where the
entry form starts, where "Destroy key…" lives, and import wizards that are deleted when closed."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt

from gui.benchmark_import_wizard import PAGE_PREVIEW, BenchmarkImportWizard
from gui.main_window import MainWindow
from gui.stages.benchmark import BenchmarkPage
from gui.stages.collect import CollectPage
from gui.stages.plan import PlanPage
from model.benchmark.benchmark_store import delete_dataset, list_datasets
from model.collect.cases import Case, add_case, count_cases
from model.plan.audits import CYCLE_FILLED_MESSAGE, Audit, create_audit, get_audit, update_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle, get_cycle, list_cycles, start_next_cycle

SEPSIS = 2
VTE = 1


def window_on(qtbot, ctx, audit_id: int, stage: str | None = None) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.open_audit(audit_id)
    if stage:
        window.workspace.show_stage(stage)
    return window


def proposed_audit(ctx, *, period: tuple[str | None, str | None] = ("2026-01-01", "2099-12-31"),
                   cases: int = 1, dates: tuple[str | None, str | None] = (None, None)) -> tuple[int, int]:
    """A proposed audit with one cycle, one criterion and `cases` cases."""
    db = ctx.store.db
    audit = create_audit(db, Audit(title="Consent forms", collection_start=dates[0], collection_end=dates[1]))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, period_start=period[0], period_end=period[1]))
    add_criterion(db, cycle.id, Criterion(statement="Consent form signed before the operation"))
    for number in range(cases):
        add_case(db, Case(cycle_id=cycle.id, case_ref=str(number + 1)))
    return audit.id, cycle.id


# --- 1. the status the data suggests ---------------------------------------------------------


def test_cases_while_proposed_offer_data_collection_and_the_button_sets_it(qtbot, ctx):
    audit_id, _ = proposed_audit(ctx)
    window = window_on(qtbot, ctx, audit_id, "plan")
    workspace = window.workspace
    assert workspace.suggestion.isVisible()
    assert workspace.suggestion_label.text() == "Cases are being collected — set the status to Data collection?"
    assert get_audit(ctx.store.db, audit_id).status == "proposed"  # nothing changed on its own
    with qtbot.waitSignal(workspace.audit_changed):
        qtbot.mouseClick(workspace.suggestion_button, Qt.LeftButton)
    assert get_audit(ctx.store.db, audit_id).status == "data_collection"
    assert not workspace.suggestion.isVisible() and "Data collection" in workspace.heading.text()
    plan = workspace.pages["plan"]
    assert isinstance(plan, PlanPage) and plan.details.fields["status"].currentData() == "data_collection"


def test_an_ended_period_offers_analysis_and_dismissing_keeps_the_status(qtbot, ctx):
    audit_id, _ = proposed_audit(ctx, period=("2020-01-01", "2020-03-31"))
    window = window_on(qtbot, ctx, audit_id)
    workspace = window.workspace
    assert workspace.suggested == "analysis" and "Analysis?" in workspace.suggestion_label.text()
    qtbot.mouseClick(workspace.suggestion_dismiss, Qt.LeftButton)
    assert not workspace.suggestion.isVisible()
    window.open_audit(audit_id)  # not offered again in this session
    assert not workspace.suggestion.isVisible() and get_audit(ctx.store.db, audit_id).status == "proposed"


def test_no_suggestion_without_cases_or_when_the_status_is_ahead(qtbot, ctx):
    audit_id, _ = proposed_audit(ctx, cases=0)
    window = window_on(qtbot, ctx, audit_id)
    assert not window.workspace.suggestion.isVisible()
    audit = get_audit(ctx.store.db, VTE)
    audit.status = "action_planning"
    update_audit(ctx.store.db, audit)
    window.open_audit(VTE)
    assert not window.workspace.suggestion.isVisible()


# --- 2. the audit's collection dates and cycle 1's period -----------------------------------


def test_audit_dates_fill_an_empty_cycle_1_period_and_say_so(qtbot, ctx):
    audit_id, cycle_id = proposed_audit(ctx, period=(None, None), cases=0)
    window = window_on(qtbot, ctx, audit_id, "plan")
    plan = window.workspace.pages["plan"]
    plan.details.fields["collection_start"].set_and_commit("2026-01-05")
    plan.details.fields["collection_end"].set_and_commit("2026-03-31")
    cycle = get_cycle(ctx.store.db, cycle_id)
    assert (cycle.period_start, cycle.period_end) == ("2026-01-05", "2026-03-31")
    assert plan.filled_note.isVisible() and plan.filled_note.text() == CYCLE_FILLED_MESSAGE
    assert (plan.cycles.period_start.value(), plan.cycles.period_end.value()) == ("2026-01-05", "2026-03-31")
    assert plan.cycles.cycle.period_end == "2026-03-31"
    plan.show_cycles_tab()
    assert not plan.cycles.dates_note.isVisible()  # they agree
    plan.cycles.period_end.set_and_commit("2026-02-28")  # the user then types another end
    assert get_audit(ctx.store.db, audit_id).collection_end == "2026-03-31"  # never overwritten
    assert not plan.filled_note.isVisible() and plan.cycles.dates_note.isVisible()
    assert "does not match the period of Cycle 1 (baseline), 5 Jan 2026 – 28 Feb 2026." in plan.cycles.dates_note.text()


def test_cycle_1_period_fills_empty_audit_dates(qtbot, ctx):
    audit_id, _ = proposed_audit(ctx, period=(None, None), cases=0, dates=(None, "2026-04-30"))
    window = window_on(qtbot, ctx, audit_id, "plan")
    plan = window.workspace.pages["plan"]
    plan.show_cycles_tab()
    plan.cycles.period_start.set_and_commit("2026-02-01")
    audit = get_audit(ctx.store.db, audit_id)
    assert (audit.collection_start, audit.collection_end) == ("2026-02-01", "2026-04-30")  # the end stays
    assert plan.details.fields["collection_start"].value() == "2026-02-01"
    assert "set from Cycle 1's period" in plan.filled_note.text()


def test_typed_dates_are_never_overwritten_and_a_difference_is_noted(qtbot, ctx):
    audit_id, cycle_id = proposed_audit(ctx, period=("2026-01-01", "2026-02-28"), cases=0)
    window = window_on(qtbot, ctx, audit_id, "plan")
    plan = window.workspace.pages["plan"]
    plan.details.fields["collection_start"].set_and_commit("2026-03-01")
    plan.details.fields["collection_end"].set_and_commit("2026-05-31")
    cycle = get_cycle(ctx.store.db, cycle_id)
    assert (cycle.period_start, cycle.period_end) == ("2026-01-01", "2026-02-28")
    assert not plan.filled_note.isVisible()
    plan.show_cycles_tab()
    assert plan.cycles.dates_note.isVisible()
    assert "1 Mar 2026 – 31 May 2026" in plan.cycles.dates_note.text()
    # A re-audit's period never fills the audit's dates.
    plan.cycles.next_cycle_button.click()
    plan.cycles.period_start.set_and_commit("2026-09-01")
    assert get_audit(ctx.store.db, audit_id).collection_start == "2026-03-01"


# --- 3. where the entry form starts -----------------------------------------------------------


def test_save_and_next_starts_where_the_user_has_been_starting(qtbot, ctx):
    window = window_on(qtbot, ctx, SEPSIS, "collect")
    page = window.workspace.pages["collect"]
    assert isinstance(page, CollectPage)
    qtbot.mouseClick(page.new_button, Qt.LeftButton)
    form = page.form
    assert form.focusWidget() is form.case_ref  # nothing saved yet this session
    qtbot.keyClicks(form.case_date, "10/02/2026")
    form.first_criterion_field().setFocus()
    qtbot.keyClick(form.first_criterion_field(), Qt.Key_Y)
    qtbot.mouseClick(form.save_next_button, Qt.LeftButton)
    assert form.heading.text() == "<b>New case</b>" and form.focusWidget() is form.case_date
    form.first_criterion_field().setFocus()
    qtbot.keyClick(form.first_criterion_field(), Qt.Key_N)  # this time no date
    qtbot.mouseClick(form.save_next_button, Qt.LeftButton)
    assert form.focusWidget() is form.first_criterion_field()
    qtbot.mouseClick(page.new_button, Qt.LeftButton)
    assert form.focusWidget() is form.first_criterion_field()


def test_a_cycle_without_cases_opens_on_the_cases_tab(qtbot, ctx):
    window = window_on(qtbot, ctx, SEPSIS, "collect")
    page = window.workspace.pages["collect"]
    page.tabs.setCurrentWidget(page.form)
    window.open_audit(SEPSIS, "collect")  # same cycle, with cases: stays where the user left it
    assert page.tabs.currentWidget() is page.form
    cycle = start_next_cycle(ctx.store.db, SEPSIS)
    window.open_audit(SEPSIS, "collect")
    assert page.cycle_id == cycle.id and count_cases(ctx.store.db, cycle.id) == 0
    assert page.tabs.currentIndex() == 0 and page.empty_hint.isVisible()


# --- 4. Destroy key… is out of the way ----------------------------------------------------------


def test_destroy_key_lives_in_the_import_tab_with_its_explanation(qtbot, ctx):
    window = window_on(qtbot, ctx, SEPSIS, "collect")
    page = window.workspace.pages["collect"]
    import_tab = page.tabs.widget(2)
    assert page.tabs.tabText(2) == "Import" and import_tab.isAncestorOf(page.destroy_key_button)
    assert not page.destroy_key_button.isVisible()  # not on the page's top bar
    page.tabs.setCurrentWidget(import_tab)
    assert page.destroy_key_button.isVisible() and page.destroy_key_button.isEnabled()
    group = page.destroy_key_button.parentWidget()
    assert group.title() == "Pseudonymisation" and "cannot be undone" in group.findChild(type(page.heading)).text()


# --- 5. benchmark import wizards are deleted when closed -------------------------------------


def test_repeated_imports_leave_no_wizard_behind(qtbot, ctx, dialog_log, shared_data):
    for dataset_id in list_datasets(ctx.store.db)["id"]:
        delete_dataset(ctx.store.db, int(dataset_id))
    page = BenchmarkPage(ctx)
    qtbot.addWidget(page)
    page.load(VTE, list_cycles(ctx.store.db, VTE)[-1].id)
    for _ in range(2):  # opened and cancelled
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
        wizard = page.findChild(BenchmarkImportWizard)
        qtbot.mouseClick(wizard.close_button, Qt.LeftButton)
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        assert page.findChildren(BenchmarkImportWizard) == []
    qtbot.mouseClick(page.import_button, Qt.LeftButton)  # and one used to the end
    wizard = page.findChild(BenchmarkImportWizard)
    dialog_log.open_path = str(shared_data / "fingertips_example.csv")
    qtbot.mouseClick(wizard.file_page.browse_button, Qt.LeftButton)
    qtbot.waitUntil(wizard.next_button.isEnabled, timeout=10000)
    while wizard.pages.currentIndex() != PAGE_PREVIEW:
        qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    qtbot.waitUntil(wizard.import_button.isEnabled, timeout=10000)
    with qtbot.waitSignal(page.data_changed, timeout=10000):  # the page still hears `imported`
        qtbot.mouseClick(wizard.import_button, Qt.LeftButton)
    assert page.datasets_model.rowCount() == 1
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert page.findChildren(BenchmarkImportWizard) == []
