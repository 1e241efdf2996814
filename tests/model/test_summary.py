"""Report stage parts 3 and 4: the one-page summary, the A1 poster and the trainee's evidence pack."""

from __future__ import annotations

import re
from datetime import date

import docx
import pypdf
import pytest

from model.core.errors import KnownError
from model.demo import build_demo
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle, list_cycles
from model.report.handouts import write_handout
from model.report.summary_content import gather_summary
from model.report.team import (
    REFLECTION_QUESTIONS,
    Presentation,
    TeamMember,
    add_member,
    add_presentation,
    delete_member,
    delete_presentation,
    find_member,
    get_reflections,
    list_members,
    list_presentations,
    save_reflections,
    update_member,
)
from model.results.cycle_results import compare_cycles, cycle_results
from model.results.narrative import format_pct
from model.store.case_answers import Answer, write_case_answers

TODAY = date(2026, 3, 5)
MM = 72 / 25.4
TRAINEE = "Dr J. Smith (FY2)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo(tmp_path_factory.mktemp("summary") / "demo.sqlite")
    db = store.db
    add_member(db, TeamMember(1, TRAINEE, role="led", tasks="Designed the proforma and analysed both cycles",
                              is_trainee=True))
    add_member(db, TeamMember(1, "Sr K. Evans", tasks="Collected ward 7's cases"))
    add_presentation(db, Presentation(1, "Medicine clinical governance meeting", "2026-02-12"))
    save_reflections(db, 1, TRAINEE, {"what_learned": "Prompts on the form work better than teaching alone."})
    yield store
    store.close()


def _text(path) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(str(path))
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]


def _expected_headline(db, audit_id: int) -> tuple[str, str, list]:
    cycles = list_cycles(db, audit_id)
    first = next(c for c in compare_cycles(db, int(cycles[-2].id), int(cycles[-1].id)) if c.comparison is not None)
    r = first.comparison
    return f"{format_pct(r.p1)} → {format_pct(r.p2)}", f"{first.name}: {_first_sentence(first.verdict)}", cycles


def test_summary_is_one_a4_landscape_page_with_the_headline_and_numbers(demo, tmp_path):
    change, sentence, cycles = _expected_headline(demo.db, 1)
    path = write_handout(demo.db, int(cycles[-1].id), "summary", tmp_path / "summary.pdf", today=TODAY)
    reader, text = _text(path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(297 * MM, abs=2) and float(box.height) == pytest.approx(210 * MM, abs=2)
    assert change in text and sentence in text
    for cycle in cycles:  # every cycle's compliance is on the chart
        for value in cycle_results(demo.db, int(cycle.id)).table["compliance"]:
            assert format_pct(float(value)) in text
    for words in ("Aim", "Standard", "Key actions", "Re-audit due 31 March 2027", "Dr J. Smith (FY2, lead)",
                  "Dr R. Okafor (consultant, supervisor)", "Source: AuditLoop"):
        assert words in text
    png = write_handout(demo.db, int(cycles[-1].id), "summary", tmp_path / "summary.png", today=TODAY)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_poster_is_one_vector_a1_portrait_page(demo, tmp_path):
    change, sentence, cycles = _expected_headline(demo.db, 1)
    path = write_handout(demo.db, int(cycles[-1].id), "poster", tmp_path / "poster.pdf", today=TODAY)
    reader, text = _text(path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(594 * MM, abs=2) and float(box.height) == pytest.approx(841 * MM, abs=2)
    assert change in text and sentence in text
    resources = reader.pages[0]["/Resources"]
    images = [x for x in resources.get("/XObject", {}).values() if x.get_object().get("/Subtype") == "/Image"]
    assert images == []  # drawn as vectors, not a picture of a chart


def test_a_monthly_series_shows_its_spc_chart(demo, tmp_path):
    falls = int(list_cycles(demo.db, 4)[-1].id)
    summary = gather_summary(demo.db, falls, today=TODAY)
    assert summary.spc is not None
    _, text = _text(write_handout(demo.db, falls, "summary", tmp_path / "falls.pdf", today=TODAY))
    assert "Making Data Count" in text and "Not available: no re-audit date has been set." in text


def test_evidence_pack_is_one_page_with_role_results_and_reflection(demo, tmp_path):
    cycles = list_cycles(demo.db, 1)
    path = write_handout(demo.db, int(cycles[-1].id), "evidence", tmp_path / "evidence.pdf", person="dr j. smith (fy2)",
                         today=TODAY)
    reader, text = _text(path)
    assert len(reader.pages) == 1
    for words in ("CA-2025-014", TRAINEE, "Led the audit", "Designed the proforma", "Dr R. Okafor",
                  "Medicine clinical governance meeting, 12 February 2026", "due 31 March 2027",
                  "Prompts on the form work better", "Not yet written by the trainee.", "Signature", "Date"):
        assert words in text
    for question in REFLECTION_QUESTIONS.values():
        assert question in text
    for cycle in cycles:
        for r in cycle_results(demo.db, int(cycle.id)).table.itertuples():
            assert f"{format_pct(r.compliance)} ({r.met}/{r.met + r.not_met})" in text
    _, sentence, _ = _expected_headline(demo.db, 1)
    assert sentence in text
    word = docx.Document(str(write_handout(demo.db, int(cycles[-1].id), "evidence", tmp_path / "e.docx",
                                           person=TRAINEE, today=TODAY)))
    everything = " ".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for row in t.rows
                                                                 for c in row.cells])
    assert "Reflection" in everything and "Prompts on the form work better" in everything
    evans = write_handout(demo.db, int(cycles[-1].id), "evidence", tmp_path / "evans.pdf", person="Sr K. Evans",
                          today=TODAY)
    assert "Contributed to the audit" in _text(evans)[1]
    with pytest.raises(KnownError, match="not on this audit's team"):
        write_handout(demo.db, int(cycles[-1].id), "evidence", tmp_path / "x.pdf", person="Nobody")
    with pytest.raises(KnownError, match="written as"):
        write_handout(demo.db, int(cycles[-1].id), "evidence", tmp_path / "x.png")


def _bare_audit(db) -> int:
    audit = create_audit(db, Audit(title="Bare audit", lead="Dr B. Bare (FY1)"))
    cycle = create_cycle(db, Cycle(audit_id=int(audit.id)))
    first = add_criterion(db, int(cycle.id), Criterion(statement="Consent form signed", short_name="Signed"))
    for i, outcome in enumerate(["met", "not_met", "met"]):
        db.execute("INSERT INTO cases (cycle_id, case_ref, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
                   [cycle.id, f"B{i}"])
        case_id = db.execute("SELECT max(id) FROM cases").fetchone()[0]
        write_case_answers(db, case_id, {int(first.id): Answer(outcome)})
    return int(cycle.id)


def test_an_audit_with_missing_pieces_still_generates_and_says_so(demo, tmp_path):
    cycle_id = _bare_audit(demo.db)
    for fmt in ("summary", "poster"):
        reader, text = _text(write_handout(demo.db, cycle_id, fmt, tmp_path / f"{fmt}.pdf", today=TODAY))
        assert len(reader.pages) == 1
        assert "Not available: a comparison with a previous cycle (this is the first cycle);" in text
        assert "no actions have been agreed yet;" in text and "No actions have been agreed yet." in text
        assert "no re-audit date has been set" in text and "67%" in text
    reader, text = _text(write_handout(demo.db, cycle_id, "evidence", tmp_path / "evidence.pdf", today=TODAY))
    assert len(reader.pages) == 1
    assert "Dr B. Bare (FY1)" in text and "Led the audit" in text
    assert "is the first cycle; the re-audit will show the change" in text
    assert "Not available: no actions have been agreed yet." in text
    assert "Not available: no presentation recorded" in text


def test_team_api_checks_input_and_keeps_reflections(demo):
    audit = create_audit(demo.db, Audit(title="Team audit"))
    aid = int(audit.id)
    member = add_member(demo.db, TeamMember(aid, "  Dr C. Cole ", tasks="data"))
    assert find_member(demo.db, aid, "dr c.  cole").id == member.id
    update_member(demo.db, TeamMember(aid, "Dr C. Cole", role="led", tasks="all", id=member.id))
    assert list_members(demo.db, aid)[0].role == "led"
    with pytest.raises(KnownError, match="Unknown team role"):
        add_member(demo.db, TeamMember(aid, "X", role="boss"))
    with pytest.raises(KnownError, match="needs a name"):
        add_member(demo.db, TeamMember(aid, " "))
    delete_member(demo.db, int(member.id))
    assert list_members(demo.db, aid) == []
    talk = add_presentation(demo.db, Presentation(aid, "Grand round", "2026-01-09"))
    add_presentation(demo.db, Presentation(aid, "Undated meeting"))
    assert [p.meeting for p in list_presentations(demo.db, aid)] == ["Grand round", "Undated meeting"]
    with pytest.raises(KnownError, match="not a date"):
        add_presentation(demo.db, Presentation(aid, "Bad", "9th Jan"))
    delete_presentation(demo.db, int(talk.id))
    assert len(list_presentations(demo.db, aid)) == 1
    assert get_reflections(demo.db, aid, "Dr C. Cole") == dict.fromkeys(REFLECTION_QUESTIONS, "")
    save_reflections(demo.db, aid, "Dr C. Cole", {"what_did": "First", "impact": "Fewer clots"})
    save_reflections(demo.db, aid, "dr c. cole", {"what_did": "Second"})
    answers = get_reflections(demo.db, aid, "Dr C. Cole")
    assert answers["what_did"] == "Second" and answers["impact"] == "Fewer clots"
    with pytest.raises(KnownError, match="not a reflection question"):
        save_reflections(demo.db, aid, "Dr C. Cole", {"why": "?"})
    assert len(REFLECTION_QUESTIONS) == 5


def test_every_short_document_is_recorded_with_its_own_versions(demo, tmp_path):
    from model.report.generate import list_reports
    from model.report.handouts import generate_handout

    cycle_id = int(list_cycles(demo.db, 2)[-1].id)
    first = generate_handout(demo.db, cycle_id, "summary", tmp_path / "s.pdf", today=TODAY)
    second = generate_handout(demo.db, cycle_id, "summary", tmp_path / "s.png", today=TODAY)
    poster = generate_handout(demo.db, cycle_id, "poster", tmp_path / "p.pdf", today=TODAY)
    evidence = generate_handout(demo.db, cycle_id, "evidence", tmp_path / "e.docx", today=TODAY)
    listed = list_reports(demo.db, cycle_id)
    assert [(r.kind, r.version, r.format, r.status) for r in listed] == [
        ("evidence", 1, "docx", ""), ("poster", 1, "pdf", ""), ("summary", 2, "png", ""), ("summary", 1, "pdf", "")]
    import hashlib

    assert listed[2].sha256 == hashlib.sha256(second.path.read_bytes()).hexdigest()
    assert {first.id, second.id, poster.id, evidence.id} == {r.id for r in listed}


def test_a_team_line_names_each_grade_once():
    from model.report.team import person_label

    assert person_label("Dr A. Patel (ST4)", "lead") == "Dr A. Patel (ST4, lead)"
    assert person_label("Dr A. Patel (ST4)", "ST4") == "Dr A. Patel (ST4)"
    assert person_label("Dr A. Patel", "ST4") == "Dr A. Patel (ST4)"
    assert person_label("Dr  A. Patel ( st4 )", "ST4", "", "lead") == "Dr A. Patel (st4, lead)"
    assert person_label("Sr K. Evans") == "Sr K. Evans"
    assert person_label("Dr R. Okafor, Consultant", "consultant") == "Dr R. Okafor, Consultant"


def test_team_lines_in_every_document_repeat_no_grade(demo, tmp_path):
    from model.act.actions import list_actions, update_action

    cycle_id = int(list_cycles(demo.db, 1)[-1].id)
    action = next(a for a in list_actions(demo.db, 1) if a.owner == "Dr A. Patel")
    update_action(demo.db, __import__("dataclasses").replace(action, owner="Dr A. Patel (ST4)"))
    summary = gather_summary(demo.db, cycle_id, today=TODAY)
    everything = " ".join([summary.team, *summary.actions])
    assert "Dr A. Patel (ST4)" in everything and "ST4), ST4" not in everything and ") (" not in everything
    word = docx.Document(str(generate_report_docx(demo.db, cycle_id, tmp_path)))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert "Dr A. Patel (ST4)" in cells and not [c for c in cells if "ST4), ST4" in c or "ST4, ST4" in c]
    assert "Dr J. Smith (FY2, lead); Sr K. Evans" in cells  # the front page's team, from the recorded members


def generate_report_docx(db, cycle_id: int, tmp_path):
    from model.report.generate import generate_report

    return generate_report(db, cycle_id, "docx", tmp_path / "team.docx", today=TODAY).path
