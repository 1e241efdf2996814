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
