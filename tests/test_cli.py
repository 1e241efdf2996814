"""main.py's headless subcommands: routing and the stable JSON fields."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.model import shared_facts as facts

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "tests" / "data" / "shared"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_analyse_sheet_json_matches_the_expected_counts():
    done = run("analyse-sheet", str(SHARED / "ward_audit_example.xlsx"), "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    for field in ("file", "sheet", "sheets", "header_row", "rows", "dropped_rows", "columns"):
        assert field in found
    answers = [c for c in found["columns"] if c.get("answers")]
    assert len(answers) == 4
    for column in answers:
        counts = column["answers"]
        assert set(counts) >= {"met", "not_met", "exception", "missing", "unrecognised", "unrecognised_values",
                               "compliance"}
        expected = counts["met"] / (counts["met"] + counts["not_met"])
        assert abs(counts["compliance"] - expected) < 1e-6  # rounded to 6 decimals in the JSON


def test_analyse_sheet_bad_file_is_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook at all")
    done = run("analyse-sheet", str(bad), "--json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.strip()


def test_import_benchmark_dry_run_json(tmp_path):
    done = run("import-benchmark", str(SHARED / "fingertips_example.csv"), "--json", "--dry-run")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["format"] == "fingertips"
    assert found["suppressed_cells"] > 0
    assert found["rows"] == len(facts.fingertips())


def test_import_benchmark_into_a_store(tmp_path):
    db = tmp_path / "bench.sqlite"
    done = run("import-benchmark", str(SHARED / "national_audit_trust_results.csv"), "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["format"] == "national_audit_wide"
    again = run("import-benchmark", str(SHARED / "national_audit_trust_results.csv"), "--json", "--db", str(db))
    assert again.returncode == 2 and "Traceback" not in again.stderr


def test_import_benchmark_refuses_an_empty_data_file_and_leaves_it(tmp_path):
    db = tmp_path / "empty.sqlite"
    db.write_bytes(b"")
    done = run("import-benchmark", str(SHARED / "national_audit_trust_results.csv"), "--json", "--db", str(db))
    assert done.returncode == 2
    assert "empty (0 bytes)" in done.stderr and "Traceback" not in done.stderr
    assert db.stat().st_size == 0
    assert not any(p.name.endswith(("-wal", "-journal")) for p in tmp_path.iterdir())


def test_demo_then_report_writes_and_records_the_file(tmp_path):
    data = tmp_path / "demo.sqlite"
    done = run("demo", str(data))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "vte.docx"
    done = run("report", "CA-2025-014", "--format", "docx", "--out", str(out), "--db", str(data), "--cycle", "1")
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0 and "Cycle 1" in done.stdout
    unknown = run("report", "No such audit", "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--db", str(data))
    assert unknown.returncode == 2 and "Candidates" in unknown.stderr and "Traceback" not in unknown.stderr
    no_cycle = run("report", "3", "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--db", str(data))
    assert no_cycle.returncode == 2 and "no cycle" in no_cycle.stderr
    from model.plan.audits import Audit, create_audit
    from model.store.store import open_store

    store = open_store(data)
    twins = [int(create_audit(store.db, Audit(title="Twin")).id) for _ in range(2)]
    store.close()
    ambiguous = run("report", "twin", "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--db", str(data))
    assert ambiguous.returncode == 2 and "more than one" in ambiguous.stderr and "Traceback" not in ambiguous.stderr
    assert all(f"{i}: Twin" in ambiguous.stderr for i in twins) and not (tmp_path / "x.pdf").exists()


def test_reminders_json_has_exactly_the_public_fields(tmp_path):
    from model.act.actions import ActionItem, add_action
    from model.plan.audits import Audit, create_audit
    from model.store.store import open_store

    path = tmp_path / "r.sqlite"
    store = open_store(path)
    audit = create_audit(store.db, Audit(title="Sepsis"))
    add_action(store.db, ActionItem(audit_id=int(audit.id), text="Grab bags", original_deadline="2026-06-10"))
    store.close()
    done = run("reminders", "--today", "2026-06-01", "--db", str(path), "--json", "--ics", str(tmp_path / "r.ics"))
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == [{"kind": "action_due_soon", "audit_id": audit.id, "audit_title": "Sepsis",
                      "subject": "Grab bags", "due": "2026-06-10", "days": 9}]
    assert "BEGIN:VEVENT" in (tmp_path / "r.ics").read_text(encoding="utf-8")
    missing = run("reminders", "--db", str(tmp_path / "none.sqlite"), "--json")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and not (tmp_path / "none.sqlite").exists()


DASHBOARD_KEYS = ["today", "year", "last_year", "filters", "audits", "by_status", "by_directorate", "by_specialty",
                  "by_priority", "by_type", "registered", "loops_closed", "median_months_cycle_1_to_2",
                  "cycle_1_to_2_audits", "overdue_actions", "overdue_actions_by_owner",
                  "overdue_actions_by_directorate", "reaudits", "no_action_plan", "reports_not_filed", "abandoned"]


def test_dashboard_json_has_exactly_the_documented_fields(tmp_path):
    data = tmp_path / "demo.sqlite"
    assert run("demo", str(data)).returncode == 0
    done = run("dashboard", "--db", str(data), "--year", "2025/26", "--today", "2026-06-01", "--json",
               "--xlsx", str(tmp_path / "d.xlsx"), "--quality-account", str(tmp_path / "qa.docx"))
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert list(found) == DASHBOARD_KEYS
    assert (found["year"], found["last_year"], found["today"]) == ("2025/26", "2024/25", "2026-06-01")
    assert found["audits"] == 4 and sum(found["by_status"].values()) == 4
    assert set(found["reaudits"]) == {"overdue", "due_30_days", "due_90_days"}
    assert set(found["loops_closed"]) == set(found["registered"]) == {"this_year", "last_year"}
    assert (tmp_path / "d.xlsx").stat().st_size > 0 and (tmp_path / "qa.docx").stat().st_size > 0
    medicine = json.loads(run("dashboard", "--db", str(data), "--directorate", "Medicine", "--json").stdout)
    assert medicine["audits"] == 2 and medicine["filters"] == {"directorate": "Medicine", "specialty": None}
    assert run("dashboard", "--db", str(data), "--year", "2025/27").returncode == 2
    assert run("dashboard", "--db", str(data), "--quality-account", str(tmp_path / "qa.pdf")).returncode == 2
    missing = run("dashboard", "--db", str(tmp_path / "none.sqlite"), "--json")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_export_then_import_audit_json_and_exit_codes(tmp_path):
    import json

    data, package, receiver = tmp_path / "demo.sqlite", tmp_path / "vte.auditloop", tmp_path / "new" / "mine.sqlite"
    assert run("demo", str(data)).returncode == 0
    done = run("export-audit", "1", "--out", str(package), "--db", str(data), "--from", "Dr A", "--next", "Re-audit")
    assert done.returncode == 0, done.stderr
    dry = run("import-audit", str(package), "--db", str(receiver), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    result = json.loads(dry.stdout)
    assert {"audits", "added", "updated", "unchanged", "conflicts", "duplicates", "applied"} <= set(result)
    assert result["applied"] is False and result["added"]["cases"] > 0 and receiver.exists()
    added = json.loads(run("import-audit", str(package), "--db", str(receiver), "--json").stdout)
    assert added["applied"] is True and added["handover_note"]["next_steps"] == "Re-audit"
    again = run("import-audit", str(package), "--db", str(receiver), "--json")  # a merge with nothing new
    assert again.returncode == 0 and json.loads(again.stdout)["applied"] is False
    assert json.loads(again.stdout)["added"] == {} and json.loads(again.stdout)["unchanged"]["cases"] > 0
    foreign = run("import-audit", str(data), "--db", str(receiver), "--json")
    assert foreign.returncode == 2 and "AuditLoop data file" in foreign.stderr and "Traceback" not in foreign.stderr
    assert run("export-audit", "999", "--out", str(package), "--db", str(data)).returncode == 2


def test_report_writes_the_summary_poster_and_evidence_pack(tmp_path):
    import pypdf

    data = tmp_path / "demo.sqlite"
    assert run("demo", str(data)).returncode == 0
    for fmt, name in (("summary", "s.png"), ("summary", "s.pdf"), ("poster", "p.pdf"), ("evidence", "e.pdf"),
                      ("evidence", "e.docx")):
        out = tmp_path / name
        done = run("report", "CA-2025-014", "--format", fmt, "--out", str(out), "--db", str(data))
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 0 and fmt in done.stdout
        if name.endswith(".pdf"):
            assert len(pypdf.PdfReader(str(out)).pages) == 1
    nobody = run("report", "1", "--format", "evidence", "--person", "Nobody", "--out", str(tmp_path / "x.pdf"),
                 "--db", str(data))
    assert nobody.returncode == 2 and "not on this audit's team" in nobody.stderr and "Traceback" not in nobody.stderr
    wrong = run("report", "1", "--format", "summary", "--out", str(tmp_path / "x.docx"), "--db", str(data))
    assert wrong.returncode == 2 and ".pdf or .png" in wrong.stderr
    no_cycle = run("report", "3", "--format", "poster", "--out", str(tmp_path / "x.pdf"), "--db", str(data))
    assert no_cycle.returncode == 2 and "no cycle" in no_cycle.stderr


def test_check_data_json_names_a_changed_case_and_accept_clears_it(tmp_path):
    import sqlite3

    data = tmp_path / "demo.sqlite"
    assert run("demo", str(data)).returncode == 0
    sound = run("check-data", "--db", str(data), "--json")
    assert sound.returncode == 0, sound.stderr
    result = json.loads(sound.stdout)
    assert set(result) == {"file", "integrity", "cases_checked", "warnings", "accepted"}
    assert result["integrity"] == "ok" and result["warnings"] == [] and result["cases_checked"] > 100
    with sqlite3.connect(data) as other:
        case_id, ref = other.execute("SELECT id, case_ref FROM cases WHERE outcomes LIKE 'M%' ORDER BY id").fetchone()
        other.execute("UPDATE cases SET outcomes = 'N' || substr(outcomes, 2) WHERE id = ?", [case_id])
    found = json.loads(run("check-data", "--db", str(data), "--json").stdout)
    [warning] = found["warnings"]
    assert set(warning) == {"kind", "audit_id", "audit_title", "cycle", "case_id", "case_ref", "message"}
    assert warning["kind"] == "case_changed_outside" and warning["case_ref"] == ref
    accepted = json.loads(run("check-data", "--db", str(data), "--accept", "--json").stdout)
    assert accepted["accepted"] == 1
    assert json.loads(run("check-data", "--db", str(data), "--json").stdout)["warnings"] == []
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    refused = run("check-data", "--db", str(empty), "--json")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and empty.stat().st_size == 0


def test_import_audit_merges_and_stops_on_conflicts(tmp_path):
    import json
    import sqlite3

    data, package, receiver = tmp_path / "demo.sqlite", tmp_path / "vte.auditloop", tmp_path / "new" / "mine.sqlite"
    back = tmp_path / "back.auditloop"
    assert run("demo", str(data)).returncode == 0
    assert run("export-audit", "1", "--out", str(package), "--db", str(data)).returncode == 0
    assert run("import-audit", str(package), "--db", str(receiver), "--json").returncode == 0
    for path, text in ((receiver, "theirs"), (data, "ours")):
        conn = sqlite3.connect(path)
        conn.execute("UPDATE actions SET text = ? WHERE id = (SELECT MIN(id) FROM actions)", [text])
        conn.execute("UPDATE audits SET aim = 'New aim' WHERE ? = 'theirs'", [text])
        conn.commit()
        conn.close()
    assert run("export-audit", "1", "--out", str(back), "--db", str(receiver)).returncode == 0
    stop = run("import-audit", str(back), "--db", str(data), "--json")
    assert stop.returncode == 3, stop.stderr
    result = json.loads(stop.stdout)
    assert result["applied"] is False and result["updated"] == {"audits": 1}
    assert [(c["kind"], c["fields"]) for c in result["conflicts"]] == [("actions", ["text"])]
    dry = run("import-audit", str(back), "--db", str(data), "--json", "--dry-run", "--on-conflict", "take-incoming")
    assert dry.returncode == 0 and json.loads(dry.stdout)["applied"] is False
    done = run("import-audit", str(back), "--db", str(data), "--json", "--on-conflict", "take-incoming")
    assert done.returncode == 0 and json.loads(done.stdout)["applied"] is True
    conn = sqlite3.connect(data)
    assert conn.execute("SELECT text FROM actions WHERE id = (SELECT MIN(id) FROM actions)").fetchone() == ("theirs",)
    assert conn.execute("SELECT COUNT(*) FROM merges").fetchone() == (1,)
    conn.close()
    pack = tmp_path / "pack.auditloop"
    assert run("export-audit", "1", "--out", str(pack), "--db", str(data), "--pack-cycle", "2").returncode == 0
    conn = sqlite3.connect(pack)
    assert conn.execute("SELECT COUNT(*), MIN(number) FROM cycles").fetchone() == (1, 2)
    assert conn.execute("SELECT COUNT(*) FROM cases").fetchone() == (0,)
    conn.close()
    assert run("export-audit", "1", "--out", str(pack), "--db", str(data), "--pack-cycle", "9").returncode == 2
