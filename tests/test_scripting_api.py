"""The worked examples of docs/scripting-api.md run and print what the page says."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "scripting-api.md"


def test_every_worked_example_in_the_scripting_api_page_holds() -> None:
    text = DOC.read_text(encoding="utf-8").replace("```python", "").replace("```", "")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "scripting-api.md", str(DOC), 0)
    assert len(test.examples) >= 20
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0
