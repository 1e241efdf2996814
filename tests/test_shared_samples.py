"""The copies of the shared sample files in tests/data/shared are kept in step with the shared
folder itself (issue 14: the copies had fallen an old version behind). Where the shared folder is
not beside the checkout (a CI machine), there is nothing to compare with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA


def _shared_folder() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir() and candidate.resolve() != SHARED_DATA.resolve():
            return candidate
    return None


def test_the_test_copies_are_the_current_shared_samples() -> None:
    source = _shared_folder()
    if source is None:
        pytest.skip("no shared/data folder above this checkout to compare the copies with")
    names = sorted(p.name for p in source.iterdir() if p.is_file())
    assert names == sorted(p.name for p in SHARED_DATA.iterdir() if p.is_file())
    stale = [n for n in names if (source / n).read_bytes() != (SHARED_DATA / n).read_bytes()]
    assert not stale, f"refresh tests/data/shared from {source}: {stale}"
