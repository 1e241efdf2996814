"""Never lose the data file: restore and backup killed (SIGKILL) at many moments by a real child process.

Each test runs tests/model/backup_child.py on a store of several MB, kills it either after a
delay (timed from the moment the operation starts) or exactly at a named step, then checks:
the data file opens with all the audits of one whole state (before or after), nothing half
written carries a real name, and latest_good_backup never offers a damaged file.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlite_utils import Database

from model.store import migrations
from model.store.backups import backup_info, latest_good_backup, list_backups, list_preserved
from model.store.store import backup_now, open_store

CHILD = Path(__file__).with_name("backup_child.py")
CURRENT_AUDITS = 1500  # the data file before a restore
BACKUP_AUDITS = 1100  # the backup restored onto it
DELAYS_MS = (0, 5, 20, 50, 100, 200)
RESTORE_STEPS = ("copy", "checked", "preserved")
BACKUP_STEPS = ("copied", "checked")


@dataclass
class Kill:
    """What a killed child had done: its output lines and whether it finished first."""

    lines: list[str]
    finished: bool

    def last_step(self) -> str:
        steps = [line.split(" ", 1)[1] for line in self.lines if line.startswith("step ")]
        return steps[-1] if steps else "(none)"


def _fill(path: Path, audits: int) -> None:
    store = open_store(path)
    text = "Aim of the audit, padded to make the file large. " * 80  # about 4 KB per audit
    with store.db.atomic():
        store.db["audits"].insert_all({"uid": f"u{i}", "title": f"Audit {i}", "aim": text, "created_at": "t",
                                       "updated_at": "t"} for i in range(audits))
    store.close()


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data file of CURRENT_AUDITS audits (~7 MB) and a backup file of BACKUP_AUDITS audits."""
    folder = tmp_path_factory.mktemp("templates")
    current, older = folder / "current.sqlite", folder / "older.sqlite"
    _fill(current, CURRENT_AUDITS)
    _fill(older, BACKUP_AUDITS)
    assert current.stat().st_size > 5_000_000
    return current, older


@pytest.fixture
def data(tmp_path: Path, templates: tuple[Path, Path]) -> tuple[Path, Path]:
    """A fresh copy: tmp_path/auditloop.sqlite (current) and one good backup of the older state."""
    current, older = templates
    path = tmp_path / "auditloop.sqlite"
    shutil.copyfile(current, path)
    (tmp_path / "backups").mkdir()
    backup = tmp_path / "backups" / "auditloop-20260101-090000-000000-manual.sqlite"
    shutil.copyfile(older, backup)
    return path, backup


def _run_and_kill(args: list[str], *, delay_ms: int | None = None, pause_at: str = "") -> Kill:
    extra = ["--pause-at", pause_at] if pause_at else []
    with subprocess.Popen([sys.executable, str(CHILD), *args, *extra], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip()]
        assert lines[0] == "go", lines
        if pause_at:
            while lines[-1] not in (f"paused {pause_at}", "done", ""):
                lines.append(proc.stdout.readline().strip())
            assert lines[-1] == f"paused {pause_at}" or pause_at == "never", lines
        else:
            time.sleep((delay_ms or 0) / 1000)
        proc.kill()
        proc.wait(timeout=30)
        lines += [line.strip() for line in proc.stdout.read().splitlines()]
    return Kill(lines=lines, finished="done" in lines)


def _audits(path: Path) -> int:
    store = open_store(path)  # checks integrity, takes the lock: the child's lock died with it
    try:
        return store.db["audits"].count
    finally:
        store.close()


def _assert_fully_good(backup: Path) -> None:
    """A full integrity check (not only the quick one) on a copy, so the file itself is not touched."""
    copy = backup.with_name("check-" + backup.name + ".tmp")
    shutil.copyfile(backup, copy)
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
        copy.unlink()


def _assert_restore_survived(path: Path, kill: Kill) -> None:
    audits = _audits(path)
    assert audits in (CURRENT_AUDITS, BACKUP_AUDITS), (audits, kill)
    if audits == BACKUP_AUDITS:  # replaced: the original must have been kept, whole
        kept = list_preserved(path)
        assert len(kept) == 1 and backup_info(kept[0]).audits == CURRENT_AUDITS
    good = latest_good_backup(path)
    assert good is not None and backup_info(good).audits == BACKUP_AUDITS
    _assert_fully_good(good)
    assert all(p in list_backups(path) for p in [good])
    assert not any(p.name.endswith(".partial") for p in list_backups(path))


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
def test_restore_killed_after_a_delay_leaves_a_whole_data_file(data, delay_ms):
    path, backup = data
    kill = _run_and_kill(["restore", str(backup), str(path)], delay_ms=delay_ms)
    _assert_restore_survived(path, kill)
    print(f"restore killed at {delay_ms} ms: finished={kill.finished} last step={kill.last_step()} "
          f"audits={_audits(path)}")


@pytest.mark.parametrize("delay_ms", (40, 90, 150))
def test_restore_killed_inside_a_slow_copy_keeps_the_original(data, delay_ms):
    path, backup = data
    kill = _run_and_kill(["restore", str(backup), str(path), "--slow-ms", "50"], delay_ms=delay_ms)
    assert not kill.finished and kill.last_step() in ("(none)", "copy"), kill  # ~7 chunks of 50 ms: inside the copy
    assert _audits(path) == CURRENT_AUDITS
    _assert_restore_survived(path, kill)


@pytest.mark.parametrize("step", RESTORE_STEPS)
def test_restore_killed_at_each_step_leaves_a_whole_data_file(data, step):
    path, backup = data
    kill = _run_and_kill(["restore", str(backup), str(path)], pause_at=step)
    assert not kill.finished
    _assert_restore_survived(path, kill)
    assert _audits(path) == CURRENT_AUDITS  # killed before the one os.replace: the original is in place


def test_restore_that_finishes_replaces_the_file_and_keeps_the_original(data):
    path, backup = data
    kill = _run_and_kill(["restore", str(backup), str(path)], pause_at="never")
    assert kill.finished
    assert _audits(path) == BACKUP_AUDITS
    _assert_restore_survived(path, kill)


def _assert_backup_survived(path: Path, kill: Kill) -> None:
    assert _audits(path) == CURRENT_AUDITS, kill
    listed = list_backups(path)
    assert not any(".partial" in p.name for p in listed)
    for backup in listed:  # whatever carries a real name is complete
        info = backup_info(backup)
        assert info.good, (info, kill)
        _assert_fully_good(backup)
    good = latest_good_backup(path)
    assert good is not None
    assert backup_info(good).audits in (CURRENT_AUDITS, BACKUP_AUDITS)


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
def test_backup_killed_after_a_delay_never_names_a_partial_file(data, delay_ms):
    path, _ = data
    kill = _run_and_kill(["backup", str(path)], delay_ms=delay_ms)
    _assert_backup_survived(path, kill)
    print(f"backup killed at {delay_ms} ms: finished={kill.finished} last step={kill.last_step()} "
          f"backups={len(list_backups(path))} partials={len(list(path.parent.glob('backups/*.partial')))}")


@pytest.mark.parametrize("step", BACKUP_STEPS)
def test_backup_killed_at_each_step_leaves_only_the_partial_unnamed(data, step):
    path, older = data
    kill = _run_and_kill(["backup", str(path)], pause_at=step)
    assert not kill.finished
    _assert_backup_survived(path, kill)
    assert list_backups(path) == [older]  # the killed one never got a real name
    assert latest_good_backup(path) == older


def test_a_backup_cut_short_with_a_normal_name_is_never_the_latest_good(data):
    """As an older AuditLoop left it: VACUUM INTO killed, the half file under a normal name."""
    path, older = data
    store = open_store(path)
    newest = backup_now(store.db, path)
    store.close()
    blob = newest.read_bytes()
    newest.write_bytes(blob[: len(blob) // 3])
    assert list_backups(path)[0] == newest
    info = backup_info(newest)
    assert not info.good and "damaged" in info.problem and info.audits is None
    assert latest_good_backup(path) == older


def test_replaced_original_is_never_offered_as_the_latest_good_backup(data):
    path, older = data
    blob = bytearray(path.read_bytes())
    blob[4096 * 2: 4096 * 8] = b"\x5a" * (4096 * 6)  # damage b-tree pages, keep the header
    path.write_bytes(bytes(blob))
    from model.store.store import restore_backup

    kept = restore_backup(older, path)
    assert kept is not None and kept.parent == path.parent / "backups" / "preserved"
    assert kept not in list_backups(path)
    assert latest_good_backup(path) == older
    assert _audits(path) == BACKUP_AUDITS


def test_migrations_known():  # the templates are at the current schema: restores need no upgrade
    assert migrations.known_names()
    db = Database(memory=True)
    migrations.apply(db)
    assert migrations.pending(db) == []
