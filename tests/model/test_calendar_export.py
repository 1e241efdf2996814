"""The .ics export: action deadlines (latest revision) and re-audit dates, valid RFC 5545 text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from model.act import actions as act
from model.act.actions import ActionItem
from model.act.calendar_export import CalendarEvent, calendar_events, ics_text, write_ics
from model.plan.audits import Audit, create_audit
from model.store.store import open_memory


def test_events_are_open_actions_and_reaudit_dates(tmp_path):
    db = open_memory()
    audit = create_audit(db, Audit(title="Sepsis, ED", reaudit_due="2027-01-15"))
    moved = act.add_action(db, ActionItem(audit_id=int(audit.id), text="Grab bags", owner="Sr Evans",
                                          original_deadline="2026-06-30"))
    act.revise_deadline(db, int(moved.id), "2026-07-31", "Supplier", on="2026-06-01")
    act.add_action(db, ActionItem(audit_id=int(audit.id), text="Done", original_deadline="2026-05-01",
                                  status="complete"))
    act.add_action(db, ActionItem(audit_id=int(audit.id), text="No date"))
    gone = create_audit(db, Audit(title="Binned", reaudit_due="2027-01-01"))
    db.execute("UPDATE audits SET deleted_at = '2026-01-01' WHERE id = ?", [gone.id])
    events = calendar_events(db)
    assert [(e.on, e.summary) for e in events] == [
        (date(2026, 7, 31), "Action due: Grab bags (Sepsis, ED)"), (date(2027, 1, 15), "Re-audit due: Sepsis, ED")]
    assert events[0].uid == f"action-{audit.uid}-{moved.id}@auditloop"
    assert write_ics(db, tmp_path / "a.ics") == 2
    text = (tmp_path / "a.ics").read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260731\r\nDTEND;VALUE=DATE:20260801\r\n" in text
    assert "SUMMARY:Action due: Grab bags (Sepsis\\, ED)" in text
    db.close()


def test_long_lines_fold_at_75_octets_and_text_is_escaped():
    event = CalendarEvent("x@auditloop", date(2026, 6, 1), "Ré-audit; " * 20, "line one\nline two")
    text = ics_text([event], stamp=datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    lines = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:" + "Ré-audit\\; " * 20 in unfolded
    assert "DESCRIPTION:line one\\nline two" in unfolded
    assert "DTSTAMP:20260601T090000Z" in text
