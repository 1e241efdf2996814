"""The report's appendices: the data-collection proforma and the sample-selection record.

    add_appendices(doc, data)
    APPENDICES                  the two level-1 headings, in order

Appendix A is the form the data was collected on: every column of the proforma's Data sheet
with what goes in it (`model.collect.proforma.proforma_columns`, the same headers and notes
the Excel proforma carries). Appendix B is how the sample was drawn, enough to draw it
again: method, seed, population, interval and start, and the cases chosen. A list that
names cases by an NHS or hospital number is left out of the report (it is kept with the
cycle), and a cycle whose sample was not drawn in AuditLoop says so.
"""

from __future__ import annotations

from model.collect.proforma import proforma_columns
from model.core.documents import KeyValues
from model.plan.cycles import SAMPLING_METHODS, recorded_selection
from model.report.blocks import PageBreak, ReportDocument
from model.report.content import ReportData

APPENDICES = ("Appendix A: data-collection proforma", "Appendix B: sample-selection record")
_SHOWN_REFS = 400  # a longer list is cut (a population sample of thousands would fill pages)


def add_appendices(doc: ReportDocument, data: ReportData) -> None:
    """Both appendices, from a new page."""
    doc.blocks.append(PageBreak())
    _proforma(doc, data)
    _selection(doc, data)


def _proforma(doc: ReportDocument, data: ReportData) -> None:
    doc.heading(APPENDICES[0], 1)
    if not data.criteria:
        doc.paragraph("Not available: no criteria are defined, so there is no proforma.", note=True)
        return
    doc.paragraph(f"The data for {data.cycle.title} was collected with one row per case and these columns (the "
                  "proforma AuditLoop writes from the Collect page, and its data-entry form, ask the same). Blank "
                  "answers are counted as missing, never as \"No\".")
    doc.table(("Column", "What to enter"), proforma_columns(data.criteria),
              caption="Table: the columns of the data-collection proforma", widths=(1.2, 4))


def _selection(doc: ReportDocument, data: ReportData) -> None:
    doc.heading(APPENDICES[1], 1)
    cycle = data.cycle
    chosen = recorded_selection(cycle)
    if not chosen:
        how = SAMPLING_METHODS.get(cycle.sampling_method, cycle.sampling_method) or "not recorded"
        doc.paragraph(f"Not available: the sample of {cycle.title} was not drawn in AuditLoop, so there is no "
                      f"selection record. Method recorded: {how}"
                      + (f" (seed {cycle.sampling_seed})." if cycle.sampling_seed is not None else "."), note=True)
        return
    method = str(chosen.get("method", ""))
    pairs = [("Method", SAMPLING_METHODS.get(cycle.sampling_method, method)), ("How", str(chosen.get("describe", "")))]
    if chosen.get("seed") is not None:
        pairs.append(("Random seed", str(chosen["seed"])))
    if method == "systematic":
        pairs += [("Interval (every k-th case)", str(chosen.get("k", ""))), ("Start", str(chosen.get("start", "")))]
    selected = [str(x) for x in chosen.get("selected", [])]
    pairs += [("Eligible population", str(chosen.get("population_size", ""))), ("Cases selected", str(len(selected)))]
    doc.blocks.append(KeyValues(tuple((k, v) for k, v in pairs if v)))
    if data.selection_identifying:
        doc.paragraph("The list of cases selected is not printed: it names cases by NHS or hospital number. It is "
                      "kept with the cycle in AuditLoop.", note=True)
        return
    shown = ", ".join(selected[:_SHOWN_REFS])
    more = f" … and {len(selected) - _SHOWN_REFS} more (the full list is kept with the cycle)." \
        if len(selected) > _SHOWN_REFS else "."
    doc.paragraph(f"Cases selected (in the order of the list they were drawn from): {shown}{more}")
