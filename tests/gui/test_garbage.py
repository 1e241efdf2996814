"""Garbage is collected on the GUI thread only (gui/garbage.py)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from gui import garbage


class Holder:
    """A plain object in a reference cycle with a Python-owned QObject."""

    def __init__(self) -> None:
        self.me = self
        self.qobject = QObject()  # no parent: PySide deletes the C++ object when the wrapper dies


def test_automatic_collection_is_off_and_the_timer_runs(qapp):
    collector = garbage.install(qapp)
    assert garbage.install(qapp) is collector  # installed once
    assert not gc.isenabled() and collector.timer.isActive()


def test_a_qt_object_in_a_cycle_is_freed_on_the_gui_thread_not_a_worker(qapp):
    collector = garbage.install(qapp)
    gc.collect()
    freed_on: list[int] = []
    holder = Holder()
    holder.qobject.destroyed.connect(lambda *_: freed_on.append(threading.get_ident()))
    del holder

    def allocate() -> None:  # enough new container objects to start a collection if gc were on
        keep = [[i] for i in range(50_000)]
        assert len(keep) == 50_000

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert freed_on == []  # the worker's allocations collected nothing
    collector.thresholds = (0, 0, 0)  # every generation is due: check() collects the oldest
    try:
        collector.check()
    finally:
        collector.thresholds = gc.get_threshold()
    assert freed_on == [threading.get_ident()]  # freed here, on the GUI thread


def test_stop_gives_collection_back(qapp):
    collector = garbage.install(qapp)
    collector.stop()
    try:
        assert gc.isenabled() and not collector.timer.isActive()
    finally:
        collector.start()
