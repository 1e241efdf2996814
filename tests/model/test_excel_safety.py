"""Formula-injection neutralising shared by every export (DOMAIN.md §10)."""

from __future__ import annotations

import pandas as pd
import pytest

from model.core.excel_safety import neutralise, neutralise_frame


@pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_risky_text_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Ward 7", "", 3, -2.5, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value


def test_frame_neutralises_only_the_chosen_text_columns() -> None:
    frame = pd.DataFrame({"a": ["=1", "ok"], "b": ["=2", "x"], "n": [-1, 2]})
    out = neutralise_frame(frame, ["a"])
    assert out["a"].tolist() == ["'=1", "ok"] and out["b"].tolist() == ["=2", "x"]
    assert neutralise_frame(frame)["n"].tolist() == [-1, 2] and frame["a"].tolist() == ["=1", "ok"]
