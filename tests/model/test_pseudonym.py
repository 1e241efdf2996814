"""Keyed pseudonyms for NHS numbers (DOMAIN.md §10)."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.collect.pseudonym import KEY_BYTES, destroy_key, key_path_for, load_or_create_key, pseudonymise
from model.core.errors import KnownError
from tests.model.sheet_fixtures import nhs_test_numbers


def test_key_path_is_next_to_the_database_not_in_it(tmp_path: Path) -> None:
    db = tmp_path / "audits" / "sepsis.sqlite"
    path = key_path_for(db, "a1b2-c3")
    assert path == tmp_path / "audits" / "sepsis.keys" / "a1b2-c3.key"
    assert path != db and db not in path.parents


@pytest.mark.parametrize("uid", ["../escape", "a/b", "", "..", "a\\b", " x"])
def test_key_path_rejects_unsafe_identifiers(tmp_path: Path, uid: str) -> None:
    with pytest.raises(ValueError, match="safe audit identifier"):
        key_path_for(tmp_path / "x.sqlite", uid)


def test_key_is_created_once_and_reloaded(tmp_path: Path) -> None:
    path = key_path_for(tmp_path / "db.sqlite", "audit1")
    key = load_or_create_key(path)
    assert len(key) == KEY_BYTES and path.read_bytes() == key
    assert load_or_create_key(path) == key
    assert load_or_create_key(key_path_for(tmp_path / "db.sqlite", "audit2")) != key


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_key_file_is_private(tmp_path: Path) -> None:
    path = key_path_for(tmp_path / "db.sqlite", "audit1")
    load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


def test_damaged_key_file_is_a_known_error(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(b"short")
    with pytest.raises(KnownError, match="damaged") as info:
        load_or_create_key(path)
    assert info.value.where == str(path)
    assert path.read_bytes() == b"short"  # never silently replaced


def test_pseudonym_is_hmac_sha256_of_the_normalised_number(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k.key")
    number = nhs_test_numbers(1)[0]
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    result = pseudonymise(pd.Series([number, spaced, f"{number}.0", np.nan, "  "], dtype="str"), key)
    expected = hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
    assert result.iloc[:3].tolist() == [expected] * 3
    assert result.iloc[3:].isna().all()
    assert len(expected) == 64


def test_different_keys_give_unlinkable_pseudonyms(tmp_path: Path) -> None:
    numbers = pd.Series(nhs_test_numbers(50), dtype="str")
    first = pseudonymise(numbers, load_or_create_key(tmp_path / "a.key"))
    second = pseudonymise(numbers, load_or_create_key(tmp_path / "b.key"))
    assert first.nunique() == 50
    assert not set(first) & set(second)


def test_values_that_are_not_nhs_numbers_are_still_hashed(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k.key")
    result = pseudonymise(pd.Series(["12 34", "1234"], dtype="str"), key)
    assert result.iloc[0] == result.iloc[1] == hmac.new(key, b"1234", hashlib.sha256).hexdigest()


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        pseudonymise(pd.Series(["9990000000"]), b"123")


def test_destroy_key_makes_pseudonyms_irreversible(tmp_path: Path) -> None:
    path = key_path_for(tmp_path / "db.sqlite", "audit1")
    numbers = pd.Series(nhs_test_numbers(5), dtype="str")
    before = pseudonymise(numbers, load_or_create_key(path))
    assert destroy_key(path) is True
    assert not path.exists()
    assert destroy_key(path) is False
    after = pseudonymise(numbers, load_or_create_key(path))  # a new, unrelated key
    assert not set(before) & set(after)


def test_destroy_key_overwrites_before_deleting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "k.key"
    key = load_or_create_key(path)
    seen: list[bytes] = []
    real_unlink = Path.unlink

    def spy(self: Path, missing_ok: bool = False) -> None:
        seen.append(self.read_bytes())
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", spy)
    destroy_key(path)
    assert len(seen) == 1 and len(seen[0]) == KEY_BYTES and seen[0] != key
