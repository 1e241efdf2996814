"""Shared test fixtures: every test gets its own data folder, never the real home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

SHARED_DATA = Path(__file__).resolve().parent / "data" / "shared"


@pytest.fixture
def shared_data() -> Path:
    """The folder with the synthetic sample files (shared/data)."""
    if not SHARED_DATA.exists():
        pytest.skip("shared/data is not available")
    return SHARED_DATA
