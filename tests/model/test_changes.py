"""Every write is recorded by table (model.store.changes), whoever makes it, triggers included."""

from __future__ import annotations

from model.act.actions import ActionItem, add_action
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, delete_criterion
from model.plan.cycles import Cycle, create_cycle
from model.plan.stages import STAGE_KEYS, TABLE_STAGES, stages_showing
from model.store.changes import RECORDER
from model.store.store import open_memory, open_store
from model.store.writer import WRITER


def test_gui_thread_writes_are_recorded_each_time_not_only_on_first_prepare(tmp_path):
    store = open_store(tmp_path / "a.sqlite")
    try:
        RECORDER.take()
        audit = create_audit(store.db, Audit(title="Sepsis"))
        assert "audits" in RECORDER.take()
        assert RECORDER.take() == frozenset()
        add_action(store.db, ActionItem(audit_id=int(audit.id), text="One"))
        assert "actions" in RECORDER.take()
        add_action(store.db, ActionItem(audit_id=int(audit.id), text="Two"))  # the same statement again
        assert "actions" in RECORDER.take()
        store.db.execute("SELECT * FROM actions").fetchall()
        assert RECORDER.take() == frozenset()  # reads are not changes
    finally:
        store.close()


def test_a_trigger_s_writes_are_recorded_too(tmp_path):
    store = open_store(tmp_path / "a.sqlite")
    try:
        audit = create_audit(store.db, Audit(title="Sepsis"))
        cycle = create_cycle(store.db, Cycle(audit_id=audit.id, number=1))
        criterion = add_criterion(store.db, cycle.id, Criterion(short_name="Screened", statement="Screened"))
        RECORDER.take()
        delete_criterion(store.db, criterion.id)
        assert {"criteria", "cases"} <= RECORDER.take()  # m008's trigger cuts answers out of cases
    finally:
        store.close()


def test_a_writer_task_returns_the_tables_it_wrote(tmp_path):
    store = open_store(tmp_path / "a.sqlite")

    def write() -> str:
        db = store.connect()
        try:
            create_audit(db, Audit(title="Imported"))
            return "done"
        finally:
            db.close()

    try:
        result, tables = WRITER.submit(RECORDER.tables_written_by, write).result(timeout=10)
        assert result == "done" and "audits" in tables and "actions" not in tables
        assert "audits" in RECORDER.take()  # and the workspace's drain sees it as well
    finally:
        store.close()


def test_every_table_of_the_schema_is_mapped_to_the_stages_that_show_it():
    db = open_memory()
    tables = {t for t in db.table_names() if not t.startswith("_")}
    everything = {"audits", "cycles", "criteria", "criterion_changes"}  # define what all stages measure
    assert tables - everything <= set(TABLE_STAGES), sorted(tables - everything - set(TABLE_STAGES))
    assert stages_showing({"audits"}) == set(STAGE_KEYS)
    assert stages_showing({"unknown_new_table"}) == set(STAGE_KEYS)
    assert stages_showing({"chart_annotations"}) == {"compare", "report"}
