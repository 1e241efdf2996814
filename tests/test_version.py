"""One version number (model/core/version.py), shown and written everywhere (issue 18)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from model import __version__
from model.core import settings
from model.core.version import __version__ as core_version
from model.store.store import open_store

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_written_in_one_place():
    assert __version__ == core_version
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)  # an MSI ProductVersion must be numeric
    skipped = {".venv", "build", "dist", ".git"}
    hits = [p for p in ROOT.rglob("*.py") if not skipped & set(p.relative_to(ROOT).parts)
            and re.search(r'^__version__ = "', p.read_text(), re.M)]
    assert [p.relative_to(ROOT).as_posix() for p in hits] == ["model/core/version.py"]


def test_changelog_has_an_entry_for_this_version():
    assert re.search(rf"^## \[?{re.escape(__version__)}\]?", (ROOT / "CHANGELOG.md").read_text(), re.M)


def test_pyproject_agrees():
    assert re.search(rf'^version = "{re.escape(__version__)}"$', (ROOT / "pyproject.toml").read_text(), re.M)


def test_dash_dash_version_prints_it():
    done = subprocess.run([sys.executable, "main.py", "--version"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0
    assert done.stdout.strip() == f"AuditLoop {__version__}"


def test_data_file_records_the_version_that_made_it_and_last_opened_it(tmp_path):
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        assert settings.get(store.db, settings.CREATED_BY_KEY) == __version__
        assert settings.get(store.db, settings.OPENED_BY_KEY) == __version__
        settings.put(store.db, settings.OPENED_BY_KEY, "0.0.9")
    finally:
        store.close()
    store = open_store(path)
    try:
        assert settings.get(store.db, settings.OPENED_BY_KEY) == __version__
    finally:
        store.close()


def test_an_older_file_is_not_claimed_as_created_by_this_version(tmp_path):
    path = tmp_path / "old.sqlite"
    open_store(path).close()
    con = sqlite3.connect(path)
    con.execute("DELETE FROM settings")
    con.commit()
    con.close()
    store = open_store(path)
    try:
        assert settings.get(store.db, settings.CREATED_BY_KEY) == ""
        assert settings.get(store.db, settings.OPENED_BY_KEY) == __version__
    finally:
        store.close()


def test_about_text_shows_the_version():
    from gui.about import about_text

    assert f"AuditLoop {__version__}" in about_text()
