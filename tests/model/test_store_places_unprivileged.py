"""Read-only places for real (issue 13 item 2): the tests in test_store_places simulate a denied
write for root with os.access; here a child process runs as a user who is really refused by the
file system (uid 65534), so SQLite's own errors reach the model and must come out plain."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.plan.audits import Audit, create_audit
from model.store.store import open_store

HERE = Path(__file__).resolve().parent
NOBODY = 65534
pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
                                reason="needs root (to create the places) and setpriv (to drop to nobody)")


def _store(path: Path) -> None:
    store = open_store(path)
    create_audit(store.db, Audit(title="Falls"))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def _run_as_nobody(places: dict[str, Path]) -> dict[str, dict[str, object]]:
    args = [a for name, path in places.items() for a in (name, str(path))]
    done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           sys.executable, str(HERE / "unprivileged_child.py"), *args],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": "/tmp"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def base():
    """A folder everyone may enter (pytest's tmp_path is inside root's private folder)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="auditloop-places-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_each_read_only_place_gets_its_own_plain_message(base):
    folder = base / "read-only-folder"  # root's folder: nobody cannot create a file in it
    folder.mkdir(mode=0o755)
    file_in_folder = base / "file-in-read-only-folder"
    file_in_folder.mkdir(mode=0o755)
    _store(file_in_folder / "audit.sqlite")
    (file_in_folder / "audit.sqlite").chmod(0o666)  # the file is writable; its folder is not
    read_only = base / "read-only-file"
    read_only.mkdir()
    read_only.chmod(0o777)  # nobody may write beside the file, not to it
    _store(read_only / "audit.sqlite")
    (read_only / "audit.sqlite").chmod(0o444)
    before = {p: p.read_bytes() for p in (file_in_folder / "audit.sqlite", read_only / "audit.sqlite")}
    found = _run_as_nobody({"folder": folder / "audit.sqlite", "file_in_folder": file_in_folder / "audit.sqlite",
                            "read_only": read_only / "audit.sqlite"})
    assert found["folder"]["open"] == "FolderNotWritable" and "Documents" in str(found["folder"]["hint"])
    assert found["file_in_folder"]["open"] == "FolderNotWritable"
    assert "copy the file to your documents" in str(found["file_in_folder"]["hint"]).lower()
    assert found["read_only"]["open"] == "read_only" and found["read_only"]["audits"] == ["Falls"]
    assert found["read_only"]["save"] == "DataFileReadOnly" and "not saved" in str(found["read_only"]["message"])
    for result in found.values():
        text = json.dumps(result)
        assert "RAW" not in text and "damaged" not in text.lower() and "sqlite3" not in text
    assert not (folder / "audit.sqlite").exists()
    assert all(p.read_bytes() == data for p, data in before.items())  # nothing written to either file


def test_a_folder_this_user_may_not_open_is_said_so(tmp_path):
    private = tmp_path / "private"  # inside root's own pytest folder, which nobody may enter
    private.mkdir()
    _store(private / "audit.sqlite")
    found = _run_as_nobody({"private": private / "audit.sqlite"})["private"]
    assert found["open"] == "FolderNotWritable" and "not allowed to open the folder" in str(found["message"])
    assert "read-only" not in str(found["message"])
