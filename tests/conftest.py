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
    # A missing copy must fail loudly: skipping would hide every test of the real layouts.
    if not (SHARED_DATA / "ward_audit_example.xlsx").is_file():
        pytest.fail(f"The shared sample files are missing from {SHARED_DATA}; restore tests/data/shared from git.")
    return SHARED_DATA
