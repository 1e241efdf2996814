"""The protocol export: Word and one-page PDF, and a plan with nothing in it yet."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

import docx
import pytest

from model.core.errors import KnownError
from model.demo import build_demo
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import get_cycle, update_cycle
from model.plan.protocol import NOT_SET, build_protocol, export_protocol
from model.plan.standards import list_standards

VTE_TITLE = "VTE risk assessment and prophylaxis in medical admissions"


@pytest.fixture
def db(tmp_path: Path):
    store = build_demo(tmp_path / "demo.sqlite")
    yield store.db
    store.close()


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type /Page[^s]", path.read_bytes()))


def pdf_text(path: Path) -> str:
    """The text drawn in a reportlab PDF (content streams are zlib-compressed, ASCII85 wrapped)."""
    import base64

    data = path.read_bytes()
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = stream.strip()
        try:
            raw = zlib.decompress(base64.a85decode(raw, adobe=True) if raw.endswith(b"~>") else raw)
        except (ValueError, zlib.error):
            continue
        chunks += re.findall(rb"\((.*?)\) Tj", raw)
    return " ".join(c.decode("latin-1") for c in chunks)


def test_docx_has_title_and_criteria_rows(db, tmp_path):
    path = export_protocol(db, 1, tmp_path / "protocol.docx")
    word = docx.Document(str(path))
    assert word.paragraphs[0].text == VTE_TITLE
    criteria_table = next(t for t in word.tables if t.rows[0].cells[0].text == "#")
    headers = [c.text for c in criteria_table.rows[0].cells]
    assert headers == ["#", "Criterion", "Target", "Exceptions", "Source / grade", "Data location"]
    rows = [[c.text for c in r.cells] for r in criteria_table.rows[1:]]
    assert len(rows) == 3
    assert rows[0][1].startswith("Risk assessed ≤14 h: Adults admitted to hospital")
    assert rows[0][2] == "95%" and rows[2][2] == "90%"
    assert rows[1][3] == "Contraindication documented; patient declined"
    assert rows[0][4].startswith("NICE NG89 1.1.1; Grade A")
    everything = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert "CA-2025-014" in everything and "Dr R. Okafor (consultant)" in everything
    assert "Simple random sample" in everything


def test_pdf_is_one_page_with_the_title(db, tmp_path):
    path = export_protocol(db, 2, tmp_path / "protocol.pdf")
    assert pdf_pages(path) == 1
    text = pdf_text(path)
    assert "Sepsis six within the hour" in text
    assert "Audit, not research" in text


def test_empty_plan_exports_with_not_yet_set(db, tmp_path):
    doc = build_protocol(db, 3)
    text = doc.text()
    assert "Criteria: not yet set. The audit has no cycle yet." in text
    assert f"Registration number: {NOT_SET}" in text
    assert f"Confirmation: {NOT_SET}" in text
    path = export_protocol(db, 3, tmp_path / "empty.pdf")
    assert pdf_pages(path) == 1 and "not yet set" in pdf_text(path)
    word = docx.Document(str(export_protocol(db, 3, tmp_path / "empty.docx")))
    assert any("not yet set" in p.text for p in word.paragraphs)


def test_standard_sample_and_rules_are_described(db):
    standard = next(s for s in list_standards(db) if s.reference_code == "NICE NG89")
    cycle = get_cycle(db, 2)
    cycle.standard_id = standard.id
    cycle.sampling_json = json.dumps({"method": "systematic", "seed": 42, "k": 3, "start": 2,
                                      "population_size": 192, "selected": [str(i) for i in range(64)]})
    update_cycle(db, cycle)
    add_criterion(db, 2, Criterion(statement="Antibiotics on time", answer_type="time_diff", threshold=60.0,
                                   threshold_unit="minutes", direction="lower", target=0.0))
    text = build_protocol(db, 1, 2).text()
    assert "Source: NICE guideline" in text and "Code: NICE NG89" in text and "Version: 2019" in text
    assert "Systematic sample of 64 from 192 eligible cases: every 3rd case starting from case 2" in text
    assert "Met when the time is ≤ 60 minutes" in text
    assert "0% (should not happen: lower is better)" in text


def test_wrong_format_and_wrong_cycle(db, tmp_path):
    with pytest.raises(KnownError, match=r"Word \(.docx\) or PDF"):
        export_protocol(db, 1, tmp_path / "protocol.txt")
    with pytest.raises(KnownError, match="another audit"):
        build_protocol(db, 1, cycle_id=3)
