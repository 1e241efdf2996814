"""The Report stage: a cycle's audit report as Word or PDF, with its narrative and its record.

- `model.report.narrative`: the team's sections (get/save), a draft from the data, what a
  final report still lacks.
- `model.report.generate`: build, write and record a report; resolve an audit and cycle.
- `model.report.builder` (+ `content`, `results_section`): the one document model built from
  the data; `model.report.blocks` defines it.
- `model.report.render_docx`, `model.report.render_pdf`: the two renderers.
"""
