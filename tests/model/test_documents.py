"""The neutral document model and its Word and PDF renderers."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from model.core.documents import Document, render_docx, render_pdf
from model.core.errors import KnownError


def pdf_pages(path: Path) -> int:
    """Page objects in a reportlab PDF ('/Type /Pages' is the page tree, not a page)."""
    return len(re.findall(rb"/Type /Page[^s]", path.read_bytes()))


def sample(rows: int = 3) -> Document:
    doc = Document("Sample")
    doc.heading("Sample document", 0).paragraph("Intro with <angle> & ampersand", note=True)
    doc.key_values([("Lead", "Dr A"), ("Team", "B, C")])
    doc.table(("#", "Criterion", "Target"), [(str(i), f"Criterion number {i}", "95%") for i in range(rows)],
              widths=(0.5, 4, 1))
    return doc


def test_text_flattens_every_block():
    text = sample(2).text()
    assert "Sample document" in text and "Lead: Dr A" in text
    assert "# | Criterion | Target" in text and "1 | Criterion number 1 | 95%" in text


def test_docx_holds_headings_key_values_and_table(tmp_path):
    path = render_docx(sample(), tmp_path / "s.docx")
    word = docx.Document(str(path))
    assert word.core_properties.title == "Sample"
    assert [p.text for p in word.paragraphs][:2] == ["Sample document", "Intro with <angle> & ampersand"]
    key_values, table = word.tables
    assert key_values.rows[0].cells[0].text == "Lead"
    assert [c.text for c in table.rows[0].cells] == ["#", "Criterion", "Target"]
    assert len(table.rows) == 4


def test_pdf_fits_one_page_by_shrinking(tmp_path):
    path = render_pdf(sample(75), tmp_path / "s.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert pdf_pages(path) == 1
    unshrunk = render_pdf(sample(75), tmp_path / "big.pdf", one_page=False)
    assert pdf_pages(unshrunk) > 1


def test_pdf_too_long_for_one_page_still_written(tmp_path):
    path = render_pdf(sample(400), tmp_path / "long.pdf")
    assert pdf_pages(path) > 1


def test_unwritable_path_is_a_known_error(tmp_path):
    with pytest.raises(KnownError, match="Could not write"):
        render_pdf(sample(), tmp_path / "missing-folder" / "s.pdf")
    with pytest.raises(KnownError, match="Could not write"):
        render_docx(sample(), tmp_path / "missing-folder" / "s.docx")
