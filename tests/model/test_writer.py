"""The one writer: background writes queue on one thread; other connections are read-only."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from model.store.store import open_store
from model.store.writer import WRITER, WRITER_THREAD_PREFIX, Writer, on_writer_thread


def _insert_audit(store, title: str) -> str:
    with store.connect() as db:
        db["audits"].insert({"uid": title, "title": title, "created_at": "2026-01-01",
                             "updated_at": "2026-01-01"})
    return threading.current_thread().name


def test_a_background_connection_off_the_writer_cannot_write(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    store = open_store(tmp_path / "a.sqlite")
    try:
        with ThreadPoolExecutor(max_workers=1) as reader:
            future = reader.submit(_insert_audit, store, "sneaky")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            future.result()
        assert store.db["audits"].count == 0
    finally:
        store.close()


def test_writes_run_on_the_one_writer_thread_and_are_kept(tmp_path):
    store = open_store(tmp_path / "a.sqlite")
    try:
        names = [WRITER.submit(_insert_audit, store, f"audit {i}").result(timeout=10) for i in range(3)]
        assert {n.split("_")[0] for n in names} == {WRITER_THREAD_PREFIX}
        assert store.db["audits"].count == 3
    finally:
        store.close()


def test_writes_never_overlap_and_keep_their_order():
    writer = Writer()
    running, seen, overlaps = [0], [], []

    def job(i: int) -> None:
        running[0] += 1
        if running[0] > 1:
            overlaps.append(i)
        time.sleep(0.01)
        seen.append(i)
        running[0] -= 1

    futures = [writer.submit(job, i) for i in range(8)]
    for future in futures:
        future.result(timeout=10)
    writer.shutdown()
    assert overlaps == [] and seen == list(range(8))


def test_the_gui_thread_is_not_the_writer():
    assert not on_writer_thread()


def _hold_write_lock(store, seconds: float, started: threading.Event) -> None:
    """An import's commit on the writer thread: the write lock held for a while."""
    db = store.connect()
    try:
        with db.atomic():
            db["audits"].insert({"uid": "imported", "title": "Imported", "created_at": "t", "updated_at": "t"})
            started.set()
            time.sleep(seconds)
    finally:
        db.close()


@pytest.fixture
def short_busy_timeout(monkeypatch):
    from model.store import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)


def test_a_gui_save_during_a_long_background_write_waits_and_is_kept(tmp_path, short_busy_timeout):
    from model.plan.audits import Audit, create_audit, get_audit, update_audit

    store = open_store(tmp_path / "a.sqlite")
    try:
        audit = create_audit(store.db, Audit(title="Sepsis"))
        started = threading.Event()
        holding = WRITER.submit(_hold_write_lock, store, 1.0, started)  # 5× the busy timeout
        assert started.wait(10)
        audit.title = "Sepsis six"
        update_audit(store.db, audit)  # reads, then writes, inside one transaction: must not fail as busy
        holding.result(timeout=10)
        assert get_audit(store.db, audit.id).title == "Sepsis six"
        assert store.db["audits"].count == 2
    finally:
        store.close()


def test_a_lock_held_by_another_program_is_a_plain_message(tmp_path, short_busy_timeout):
    import subprocess
    import sys

    from model.core.errors import DataFileLocked
    from model.plan.audits import Audit, create_audit

    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sqlite3, sys, time\n"
             f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
             "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(30)"],
            stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            with pytest.raises(DataFileLocked) as info:
                create_audit(store.db, Audit(title="Sepsis"))
            assert "Another program" in info.value.message and "Close the other program" in info.value.hint
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()  # type: ignore[union-attr]
        create_audit(store.db, Audit(title="Sepsis"))  # once the other program has gone, saving works
        assert store.db["audits"].count == 1
    finally:
        store.close()


def test_busy_and_wait_idle_follow_the_queue():
    writer = Writer()
    gate = threading.Event()
    assert not writer.busy() and writer.wait_idle(0.1) is False
    future = writer.submit(gate.wait, 10)
    assert writer.busy()
    threading.Timer(0.2, gate.set).start()
    assert writer.wait_idle(10) is True
    assert future.done() and not writer.busy()
    writer.shutdown()
