"""User text (audit titles, cycle labels, case references, criterion names) shown in rich-text labels is escaped.

A title such as "Falls <b>& bed rails" must read as typed, not be taken for markup.
"""

from __future__ import annotations

from html import escape

from gui.main_window import MainWindow
from gui.stages.criteria import CriteriaPage
from gui.stages.results import ResultsPage
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle, get_cycle, list_cycles, update_cycle
from tests.gui.test_collect import open_collect, run_wizard, ward_audit, ward_file  # noqa: F401 - fixture

MARKUP = "<i>Q1</i> & <b>falls"


def test_workspace_heading_escapes_title_number_and_lead(qtbot, ctx):
    audit = create_audit(ctx.store.db, Audit(title=f"Falls {MARKUP}", registration_number="R<7>", lead="Dr <O>"))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.open_audit(audit.id)
    text = window.workspace.heading.text()
    assert f"<b>Falls {escape(MARKUP)}</b>" in text
    assert "R&lt;7&gt;" in text and "Dr &lt;O&gt;" in text


def test_criteria_heading_escapes_the_cycle_label(qtbot, ctx):
    cycle = create_cycle(ctx.store.db, Cycle(audit_id=3, label=MARKUP))
    page = CriteriaPage(ctx)
    qtbot.addWidget(page)
    page.load(3, cycle.id)
    assert page.heading.text() == f"<h2>Criteria</h2><small>{escape(MARKUP)}</small>"


def test_entry_form_escapes_case_ref_errors_and_criterion_names(qtbot, ctx):
    db = ctx.store.db
    audit = create_audit(db, Audit(title="Timing"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    add_criterion(db, cycle.id, Criterion(statement="Door to needle", short_name="<Door> & needle",
                                          answer_type="time_diff", threshold=60, threshold_unit="minutes"))
    page = open_collect(qtbot, ctx, audit.id)
    form = page.form
    form.case_ref.setText("K<1>&2")
    assert form.save() is not None
    assert form.heading.text() == "<b>Editing case K&lt;1&gt;&amp;2</b>"
    form.new_case()
    form.case_ref.setText("K<1>&2")
    assert form.save() is None  # the reference is already used
    assert "K&lt;1&gt;&amp;2" in form.messages.text() and "K<1>" not in form.messages.text()
    form.rows[0].field.start.setText("yesterday")  # not a date-time: a warning naming the criterion
    form.rows[0].field.end.setText("today")
    assert form.validate()[1], "the unreadable times should give a warning"
    form._show_messages()
    assert "&lt;Door&gt; &amp; needle" in form.messages.text() and "<Door>" not in form.messages.text()


def test_import_wizard_escapes_the_cycle_label(qtbot, ctx, ward_file):  # noqa: F811 - fixture
    audit_id = ward_audit(ctx)
    page = open_collect(qtbot, ctx, audit_id)
    cycle = get_cycle(ctx.store.db, page.cycle_id)
    cycle.label = MARKUP
    update_cycle(ctx.store.db, cycle)
    page = open_collect(qtbot, ctx, audit_id)
    wizard = run_wizard(qtbot, page, ward_file)
    assert f"into {escape(MARKUP)}." in wizard.preview_page.summary.text()
    from PySide6.QtCore import Qt

    assert wizard.sheet_page.info.textFormat() == Qt.RichText  # its warnings are joined with <br>
    wizard.reject()


def test_results_and_collect_headings_escape_the_cycle_label(qtbot, ctx):
    cycle = list_cycles(ctx.store.db, 1)[-1]  # the demo VTE audit's re-audit, with cases
    cycle.label = MARKUP
    update_cycle(ctx.store.db, cycle)
    results = ResultsPage(ctx)
    qtbot.addWidget(results)
    results.load(1, cycle.id)
    qtbot.waitUntil(lambda: results.results is not None, timeout=10000)
    assert results.heading.text() == f"<h2>Results · {escape(MARKUP)}</h2>"
    collect = open_collect(qtbot, ctx, 1)
    assert collect.progress_label.text().endswith(f" cases · {escape(MARKUP)}")
