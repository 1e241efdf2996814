"""The Report stage: the generated Word and PDF files hold every section, in order, and the right numbers."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import docx
import pypdf
import pytest
from docx.oxml.ns import qn

from model.core.errors import KnownError
from model.core.progress import Cancelled, Progress
from model.demo import build_demo
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle
from model.report.generate import generate_report, list_reports, resolve_audit, resolve_cycle
from model.report.narrative import draft_from_data, get_sections, missing_for_final, save_section
from model.store.case_answers import Answer, answers_long, write_case_answers

TODAY = date(2026, 3, 5)
# Written out here, not imported: the order DOMAIN.md §9 asks for.
SECTIONS = ["Executive summary", "Background", "Aims and objectives", "Standards and criteria", "Method", "Results",
            "Data quality", "Discussion", "Conclusions", "Recommendations", "Action plan", "Re-audit",
            "Acknowledgements", "References", "Appendix A: data-collection proforma",
            "Appendix B: sample-selection record"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo(tmp_path_factory.mktemp("report") / "demo.sqlite")
    yield store
    store.close()


def _pct(x: float) -> str:
    return f"{Decimal(repr(round(x * 100, 9))).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _wilson(x: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    centre = (x + z * z / 2) / (n + z * z)
    half = z * math.sqrt(x * (n - x) / n + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def _expected_rows(db, cycle_id: int) -> dict[str, tuple[str, ...]]:
    """Per criterion, recomputed from the stored answers: n, met, not met, exceptions, missing, %, CI."""
    answers = answers_long(db, [cycle_id])
    cases = [r[0] for r in db.execute("SELECT id FROM cases WHERE cycle_id = ? AND deleted_at IS NULL", [cycle_id])]
    rows = {}
    for c in list_criteria(db, cycle_id):
        mine = answers[(answers["criterion_id"] == c.id) & answers["case_id"].isin(cases)]["outcome"]
        met, not_met = int((mine == "met").sum()), int((mine == "not_met").sum())
        exc = int((mine == "exception").sum())
        missing = len(cases) - met - not_met - exc
        lo, hi = _wilson(met, met + not_met)
        rows[c.label] = (str(len(cases)), str(met), str(not_met), str(exc), str(missing), _pct(met / (met + not_met)),
                         f"{_pct(lo)[:-1]}–{_pct(hi)}")
    return rows


def _results_table(word):
    for table in word.tables:
        header = [cell.text for cell in table.rows[0].cells]
        if header[:2] == ["Criterion", "Eligible (n)"]:
            return table
    raise AssertionError("no results table")


def test_docx_has_every_section_in_order_and_the_computed_numbers(demo, tmp_path):
    done = generate_report(demo.db, 2, "docx", tmp_path / "vte.docx", today=TODAY)
    word = docx.Document(str(done.path))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTIONS
    assert [p.text for p in word.paragraphs if p.style.name == "Title"] == [
        "VTE risk assessment and prophylaxis in medical admissions"]
    table = _results_table(word)
    shown = {row.cells[0].text: tuple(c.text for c in row.cells[1:8]) for row in table.rows[1:]}
    assert shown == _expected_rows(demo.db, 2)
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Compliance rose from 62%" in text  # the verdict against cycle 1
    assert "Not available: no criterion of this cycle is linked to a national measure." in text
    collected = demo.db.execute("SELECT collector, COUNT(*) FROM cases WHERE cycle_id = 2 AND deleted_at IS NULL "
                                "GROUP BY collector ORDER BY COUNT(*) DESC").fetchall()
    method = {r.cells[0].text: r.cells[1].text for t in word.tables for r in t.rows if len(r.cells) == 2}
    assert method["Collected by"].startswith(f"{collected[0][0]} ({collected[0][1]} cases)")


def test_docx_is_accessible_and_a4(demo, tmp_path):
    word = docx.Document(str(generate_report(demo.db, 2, "docx", tmp_path / "a.docx", today=TODAY).path))
    props = word.core_properties
    assert props.title.startswith("VTE") and props.author == "Dr A. Patel (ST4)" and props.language == "en-GB"
    assert "re-audit" in props.subject
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "Northcote Vale" in section.header.paragraphs[0].text
    assert "NUMPAGES" in section.footer._element.xml and "PAGE" in section.footer._element.xml
    lang = word.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-GB"
    pictures = word.inline_shapes
    assert len(pictures) >= 5  # bars, dumbbell, three SPC charts
    for shape in pictures:
        assert shape._inline.docPr.get("descr").strip()
    data_tables = [t for t in word.tables if len(t.columns) > 2]  # key-value lists have no header row
    assert len(data_tables) >= 5
    for table in data_tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_pdf_carries_the_same_numbers_outline_and_metadata(demo, tmp_path):
    done = generate_report(demo.db, 2, "pdf", tmp_path / "vte.pdf", today=TODAY)
    reader = pypdf.PdfReader(str(done.path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for row in _expected_rows(demo.db, 2).values():
        # n, met, not met, exceptions, missing, compliance, CI: the whole row, in the table's order
        assert " ".join(row) in flat, row
    assert reader.metadata.title.startswith("VTE") and reader.metadata.author == "Dr A. Patel (ST4)"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[1:] == SECTIONS
    assert "Page 1 of" in reader.pages[0].extract_text()
    # Charts are vectors: no picture on any page, and their labels are text.
    for page in reader.pages:
        objects = page["/Resources"].get("/XObject", {})
        assert not [x for x in objects.values() if x.get_object().get("/Subtype") == "/Image"]
    assert "Compliance (bars), 95% confidence interval (whiskers)" in text


def test_every_report_is_recorded_with_a_new_version(demo, tmp_path):
    first = generate_report(demo.db, 6, "pdf", tmp_path / "falls.pdf", today=TODAY)
    second = generate_report(demo.db, 6, "docx", tmp_path / "falls.docx", today=TODAY)
    assert second.version == first.version + 1
    listed = list_reports(demo.db, 6)
    assert [r.id for r in listed[:2]] == [second.id, first.id]
    assert listed[0].sha256 and listed[0].path_name == "falls.docx" and listed[0].status == "draft"
    text = "\n".join(p.text for p in docx.Document(str(second.path)).paragraphs)
    assert "ranks" in text and "national" in text  # the falls criterion is linked to the national audit


def _bare_audit(db) -> int:
    """One cycle, two criteria; the second has only exceptions, no actions, no national link, no re-audit."""
    audit = create_audit(db, Audit(title="Bare audit"))
    cycle = create_cycle(db, Cycle(audit_id=int(audit.id)))
    first = add_criterion(db, int(cycle.id), Criterion(statement="Consent form signed", short_name="Signed"))
    second = add_criterion(db, int(cycle.id), Criterion(statement="Copy offered", short_name="Copy"))
    for i, outcome in enumerate(["met", "not_met", "met"]):
        db.execute("INSERT INTO cases (cycle_id, case_ref, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
                   [cycle.id, f"B{i}"])
        case_id = db.execute("SELECT max(id) FROM cases").fetchone()[0]
        write_case_answers(db, case_id, {int(first.id): Answer(outcome), int(second.id): Answer("exception")})
    return int(cycle.id)


def test_a_report_with_missing_pieces_generates_and_says_so(demo, tmp_path):
    cycle_id = _bare_audit(demo.db)
    done = generate_report(demo.db, cycle_id, "docx", tmp_path / "bare.docx", today=TODAY)
    word = docx.Document(str(done.path))
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == SECTIONS
    text = "\n".join(p.text for p in word.paragraphs)
    for phrase in ("is the first cycle of this audit", "no actions have been agreed",
                   "no criterion of this cycle is linked to a national measure", "no re-audit date",
                   "No standard is recorded", "so the results cannot be split by subgroup",
                   "was not drawn in AuditLoop, so there is no selection record"):
        assert phrase.lower() in text.lower(), phrase
    row = [r for r in _results_table(word).rows if r.cells[0].text == "Copy"][0]
    assert row.cells[6].text == "—" and row.cells[9].text.startswith("Not available")
    pdf = pypdf.PdfReader(str(generate_report(demo.db, cycle_id, "pdf", tmp_path / "bare.pdf", today=TODAY).path))
    flat = " ".join(" ".join(page.extract_text() for page in pdf.pages).split()).lower()
    for phrase in ("is the first cycle of this audit", "no actions have been agreed", "no re-audit date",
                   "no criterion of this cycle is linked to a national measure", "no eligible cases"):
        assert phrase in flat, phrase
    gaps = missing_for_final(demo.db, cycle_id, today=TODAY)
    assert "There is no action plan." in gaps and "No re-audit date is set." in gaps
    with pytest.raises(KnownError, match="cannot be final"):
        generate_report(demo.db, cycle_id, "pdf", tmp_path / "final.pdf", status="final", today=TODAY)


def test_sections_are_stored_and_drafted_from_the_data(demo):
    assert get_sections(demo.db, 1)["background"] == ""
    save_section(demo.db, 1, "background", "  VTE kills.  ")
    assert get_sections(demo.db, 1)["background"] == "VTE kills."
    with pytest.raises(KnownError):
        save_section(demo.db, 1, "appendix", "x")
    draft = draft_from_data(demo.db, 2)
    assert "Compliance rose from 62%" in draft["executive_summary"]
    assert "Every medical admission is clerked" in draft["executive_summary"]
    assert "Reassessed ≤24 h" in draft["conclusions"]
    assert get_sections(demo.db, 2)["executive_summary"] == ""  # a draft is never saved by itself


def test_audits_resolve_by_id_number_or_title_and_cancel_writes_nothing(demo, tmp_path):
    assert resolve_audit(demo.db, "1").id == 1
    assert resolve_audit(demo.db, "ca-2025-014").id == 1
    assert resolve_audit(demo.db, "vte risk assessment and prophylaxis in medical admissions").id == 1
    create_audit(demo.db, Audit(title="Twin"))
    create_audit(demo.db, Audit(title="Twin"))
    with pytest.raises(KnownError, match="more than one"):
        resolve_audit(demo.db, "Twin")
    with pytest.raises(KnownError, match="Candidates"):
        resolve_audit(demo.db, "No such audit")
    assert resolve_cycle(demo.db, 1).number == 2
    with pytest.raises(KnownError):
        resolve_cycle(demo.db, 3)  # the proposed audit has no cycle
    progress = Progress()
    progress.cancel()
    before = len(list_reports(demo.db, 2))
    with pytest.raises(Cancelled):
        generate_report(demo.db, 2, "pdf", tmp_path / "never.pdf", progress=progress)
    assert not (tmp_path / "never.pdf").exists() and len(list_reports(demo.db, 2)) == before


def test_reports_name_the_auditloop_version_that_wrote_them(demo, tmp_path):
    from model import __version__

    word = docx.Document(str(generate_report(demo.db, 2, "docx", tmp_path / "v.docx", today=TODAY).path))
    front = "\n".join(cell.text for table in word.tables[:1] for row in table.rows for cell in row.cells)
    assert f"AuditLoop {__version__}" in front
    assert word.core_properties.comments == f"Generated by AuditLoop {__version__}"
    reader = pypdf.PdfReader(str(generate_report(demo.db, 2, "pdf", tmp_path / "v.pdf", today=TODAY).path))
    assert reader.metadata.creator == f"AuditLoop {__version__}"
    assert f"AuditLoop {__version__}" in reader.pages[0].extract_text()


def _word_text(word) -> str:
    return "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for row in t.rows
                                                            for c in row.cells])


def _expected_subgroups(db, cycle_id: int, column: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(subgroup, criterion) -> (met, met + not met), counted here from the cases and their answers."""
    answers = answers_long(db, [cycle_id])
    groups = dict(db.execute(f"SELECT id, {column} FROM cases WHERE cycle_id = ? AND deleted_at IS NULL",
                             [cycle_id]).fetchall())
    counts: dict[tuple[str, str], list[int]] = {}
    names = {c.id: c.label for c in list_criteria(db, cycle_id)}
    for row in answers.itertuples():
        if row.case_id in groups and row.outcome in ("met", "not_met"):
            key = (str(groups[row.case_id]), names[row.criterion_id])
            counts.setdefault(key, [0, 0])
            counts[key][0] += row.outcome == "met"
            counts[key][1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


@pytest.mark.parametrize(("column", "header"), [("sex", "Sex"), ("ward", "Ward"), ("ethnicity", "Ethnicity")])
def test_subgroup_tables_hold_the_computed_numbers_and_never_a_small_count(demo, tmp_path, column, header):
    word = docx.Document(str(generate_report(demo.db, 2, "docx", tmp_path / "s.docx", today=TODAY).path))
    table = next(t for t in word.tables if t.rows[0].cells[0].text == header)
    criteria = [c.text for c in table.rows[0].cells[1:]]
    expected = _expected_subgroups(demo.db, 2, column)
    body = [r for r in table.rows[1:] if not r.cells[0].text.startswith("Difference")]
    assert {r.cells[0].text for r in body} == {g for g, _ in expected}
    shown = 0
    for i, name in enumerate(criteria, start=1):
        hidden = 0
        for row in body:
            met, n = expected[(row.cells[0].text, name)]
            text = row.cells[i].text
            if n < 5:
                assert text == "<5"
            elif 0 < met < 5 or 0 < n - met < 5:
                assert text == f"not shown (n = {n})"  # a small met or not-met count is never printed
                hidden += 1
            elif text.startswith("not shown"):
                assert text == f"not shown (n = {n})"  # the next smallest, so a lone one cannot be subtracted
                hidden += 1
            else:
                assert text == f"{_pct(met / n)} ({met}/{n})"
                shown += 1
        assert hidden != 1
    assert shown  # the demo has subgroups large enough to show
    if column == "sex":
        pdf = pypdf.PdfReader(str(generate_report(demo.db, 2, "pdf", tmp_path / "s.pdf", today=TODAY).path))
        text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
        assert "Results by subgroup" in text and "Table: compliance by sex, Cycle 2 (re-audit)" in text
        for (group, name), (met, n) in expected.items():
            if n >= 5 and met >= 5 and n - met >= 5 and group == "Female" and name == "Reassessed ≤24 h":
                assert f"{_pct(met / n)} ({met}/{n})" in text


def test_the_proforma_and_sample_selection_are_appended(demo, tmp_path):
    from model.plan.cycles import get_cycle, record_selection
    from model.plan.sampling import select_random

    cycle_id = _bare_audit(demo.db)
    record_selection(demo.db, cycle_id, select_random([f"B{i}" for i in range(40)], 12, seed=2024))
    word = docx.Document(str(generate_report(demo.db, cycle_id, "docx", tmp_path / "a.docx", today=TODAY).path))
    text = _word_text(word)
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[-2:] == ["Appendix A: data-collection proforma", "Appendix B: sample-selection record"]
    proforma = next(t for t in word.tables if t.rows[0].cells[0].text == "Column")
    columns = [r.cells[0].text for r in proforma.rows[1:]]
    assert columns == ["Case ref", "Case date", "Age", "Sex", "Ward", "Collector", "Signed", "Copy"]
    assert "Consent form signed" in proforma.rows[7].cells[1].text
    selected = get_cycle(demo.db, cycle_id).sampling_json
    assert "2024" in text and "Simple random sample of 12 from 40 eligible cases (seed 2024)." in text
    assert all(ref in text for ref in __import__("json").loads(selected)["selected"])
    record_selection(demo.db, cycle_id, select_random(["943 476 5919", *[f"B{i}" for i in range(9)]], 5, seed=1))
    word = docx.Document(str(generate_report(demo.db, cycle_id, "docx", tmp_path / "b.docx", today=TODAY).path))
    text = _word_text(word)
    assert "943 476 5919" not in text and "it names cases by NHS or hospital number" in text


def test_a_report_over_eight_pages_gets_a_contents_list_in_both_formats(demo, tmp_path):
    from model.report.builder import build_report
    from model.report.render_pdf import page_count

    save_section(demo.db, 6, "background", "\n".join(f"Paragraph {i}: " + "Falls matter. " * 60 for i in range(40)))
    done = generate_report(demo.db, 6, "pdf", tmp_path / "long.pdf", today=TODAY)
    reader = pypdf.PdfReader(str(done.path))
    contents = re.sub(r"[\s.]+", " ", reader.pages[1].extract_text())  # dot leaders and line ends
    assert contents.startswith("Contents ")
    pages = {}
    for i, page in enumerate(reader.pages, start=1):
        for title in SECTIONS:
            if title in page.extract_text() and title not in pages and i > 2:
                pages[title] = i
    for title in ("Results", "Action plan", "Appendix B: sample-selection record"):
        # pypdf reads a right-aligned page number before its entry; a layout reader after it
        assert f"{pages[title]} {title}" in contents or f"{title} {pages[title]}" in contents, title
    word = docx.Document(str(generate_report(demo.db, 6, "docx", tmp_path / "long.docx", today=TODAY).path))
    assert [p.text for p in word.paragraphs if p.style.name == "TOC Heading"] == ["Contents"]
    assert [p.text for p in word.paragraphs if p.style.name == "toc 1"] == SECTIONS
    assert 'TOC \\o "1-2"' in word.element.xml and word.settings.element.find(qn("w:updateFields")) is not None
    save_section(demo.db, 6, "background", "Short.")
    short = docx.Document(str(generate_report(demo.db, 6, "docx", tmp_path / "short.docx", today=TODAY).path))
    assert not [p for p in short.paragraphs if p.style.name == "TOC Heading"]
    assert "Contents" not in pypdf.PdfReader(str(generate_report(demo.db, 6, "pdf", tmp_path / "short.pdf",
                                                                 today=TODAY).path)).pages[1].extract_text()
    assert page_count(build_report(demo.db, 6, today=TODAY).without_contents()) <= 8


@pytest.mark.parametrize("cycle_id", [2, 6])  # VTE (bars, dumbbell, SPC), falls (and its funnel plot)
def test_every_chart_names_its_measure_and_its_source(demo, cycle_id):
    from model.report.blocks import Chart
    from model.report.builder import build_report

    charts = [b for b in build_report(demo.db, cycle_id, today=TODAY).blocks if isinstance(b, Chart)]
    assert len(charts) >= 3
    for chart in charts:
        assert "Source: " in chart.caption
        assert "compliance (%)" in chart.caption.lower() or "national measure" in chart.caption
        assert chart.alt_text.strip()


def test_the_preview_holds_the_same_blocks_escaped(demo):
    from model.report.builder import build_report
    from model.report.render_html import preview_html

    save_section(demo.db, 2, "discussion", "Good <practice> & more")
    doc = build_report(demo.db, 2, today=TODAY)
    preview = preview_html(doc)
    assert "Good &lt;practice&gt; &amp; more" in preview.html
    charts = sum(1 for b in doc.blocks if type(b).__name__ == "Chart")
    assert len(preview.images) == charts and all(png[:4] == b"\x89PNG" for png in preview.images.values())
    positions = [preview.html.index(f">{title}<") for title in SECTIONS]
    assert positions == sorted(positions)
    save_section(demo.db, 2, "discussion", "")


def test_the_word_contents_field_is_well_formed_and_word_updates_it_on_opening(demo, tmp_path):
    """No LibreOffice here to lay the file out, so the XML Word reads is checked as Word needs it."""
    import zipfile

    from lxml import etree

    save_section(demo.db, 6, "background", "\n".join(f"Paragraph {i}: " + "Falls matter. " * 60 for i in range(40)))
    path = generate_report(demo.db, 6, "docx", tmp_path / "long.docx", today=TODAY).path
    save_section(demo.db, 6, "background", "Short.")
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as package:
        body = etree.fromstring(package.read("word/document.xml"))
        settings = etree.fromstring(package.read("word/settings.xml"))
        styles = etree.fromstring(package.read("word/styles.xml"))
    # One TOC field: begin, instruction, separate, the cached headings, end, in that order.
    marks = [(e.get(f"{w}fldCharType") or e.text.strip()) for e in body.iter(f"{w}fldChar", f"{w}instrText")]
    assert marks == ["begin", 'TOC \\o "1-2" \\h \\z \\u', "separate", "end"]
    paragraphs = list(body.iter(f"{w}p"))
    first = next(p for p in paragraphs if p.find(f".//{w}instrText") is not None)
    last = next(p for p in paragraphs if p.find(f".//{w}fldChar[@{w}fldCharType='end']") is not None)
    cached = paragraphs[paragraphs.index(first):paragraphs.index(last) + 1]
    assert [p.find(f"{w}pPr/{w}pStyle").get(f"{w}val") for p in cached][:2] == ["TOC1", "TOC1"]
    assert "".join(t.text for t in cached[0].iter(f"{w}t")) == "Executive summary"  # the cached result
    # The styles are Word's own built-ins by name, so the list Word rebuilds keeps them.
    names = {s.get(f"{w}styleId"): s.find(f"{w}name").get(f"{w}val") for s in styles.iter(f"{w}style")}
    assert names["TOC1"] == "toc 1" and names["TOC2"] == "toc 2"
    # updateFields on, where the w:settings sequence puts it (before compat, rsids, … listSeparator).
    tags = [etree.QName(e).localname for e in settings]
    assert settings.find(f"{w}updateFields").get(f"{w}val") == "true"
    after = {"hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "themeFontLang",
             "clrSchemeMapping", "doNotAutoCompressPictures", "shapeDefaults", "decimalSymbol", "listSeparator"}
    assert after & set(tags) and all(tags.index(t) > tags.index("updateFields") for t in after & set(tags))


def test_rag_is_words_and_colour_in_both_tables_and_every_data_table_has_a_caption(demo, tmp_path):
    word = docx.Document(str(generate_report(demo.db, 2, "docx", tmp_path / "rag.docx", today=TODAY).path))
    fills = {"Green": "D5EFD9", "Complete": "D5EFD9", "Amber": "FCE5C4", "Red": "F6D3D6"}
    seen = set()
    for table in word.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[-1] != "RAG":
            continue
        for row in table.rows[1:]:
            cell = row.cells[-1]
            first = cell.text.split(":")[0]
            assert first in fills and cell.text != first or first == "Complete"  # the words are always there
            shading = cell._tc.tcPr.find(qn("w:shd"))
            assert shading is not None and shading.get(qn("w:fill")) == fills[first]
            seen.add(first)
    assert {"Amber", "Red", "Complete"} <= seen  # results (amber, red) and action plan (complete, overdue)
    for table in word.tables:
        if len(table.columns) > 2:  # a data table, not a key-value list
            before = table._tbl.getprevious()
            assert before is not None and before.tag == qn("w:p") and before.find(f".//{qn('w:pStyle')}").get(
                qn("w:val")) == "Caption", [c.text for c in table.rows[0].cells]


def test_word_charts_are_at_least_200_dpi_at_the_size_they_are_shown(demo, tmp_path):
    import struct

    word = docx.Document(str(generate_report(demo.db, 2, "docx", tmp_path / "dpi.docx", today=TODAY).path))
    assert len(word.inline_shapes) >= 5
    for shape in word.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        png = word.part.related_parts[blip.embed].blob
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        pixels_wide = struct.unpack(">I", png[16:20])[0]  # IHDR width
        assert pixels_wide / (shape.width / 914400) >= 200  # EMU per inch
