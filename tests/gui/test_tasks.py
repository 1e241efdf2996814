"""The background-task helper: results, errors, cancel, and a parent closed mid-task."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget

from gui import tasks
from model.core.errors import KnownError
from model.core.progress import Cancelled


def test_result_arrives_on_the_gui_thread(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    got = []
    main = threading.get_ident()
    tasks.run_task(parent, lambda progress, x: (x * 2, threading.get_ident()), 21,
                   on_success=lambda value: got.append((value, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    (value, worker), where = got[0]
    assert value == 42 and worker != main and where == main


def test_write_tasks_run_on_the_one_writer_thread(qtbot):
    from model.store.writer import on_writer_thread

    parent = QWidget()
    qtbot.addWidget(parent)
    got = []
    tasks.run_write_task(parent, lambda progress: on_writer_thread(), on_success=got.append)
    tasks.run_task(parent, lambda progress: on_writer_thread(), on_success=got.append)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert sorted(got) == [False, True]


def test_known_error_goes_to_the_friendly_message(qtbot, dialog_log):
    parent = QWidget()
    qtbot.addWidget(parent)

    def fail(progress):
        raise KnownError("The workbook is password-protected.", hint="Save a copy without a password.")

    tasks.run_task(parent, fail, on_success=lambda v: None)
    qtbot.waitUntil(lambda: bool(dialog_log.calls), timeout=5000)
    assert dialog_log.calls[0][0] == "error" and "password-protected" in dialog_log.calls[0][2]


def test_cancel_stops_the_work_and_reports_cancelled(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    started, errors = threading.Event(), []

    def slow(progress):
        started.set()
        for i in range(1000):
            progress.report(i, 1000, "working")
            threading.Event().wait(0.005)
        return "finished"

    task = tasks.run_task(parent, slow, on_success=errors.append, on_error=errors.append)
    assert started.wait(5)
    task.progress.cancel()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], Cancelled)


def test_parent_closed_before_the_result_is_harmless(qtbot):
    parent = QWidget()
    release, got = threading.Event(), []

    def wait(progress):
        release.wait(5)
        return 1

    tasks.run_task(parent, wait, on_success=got.append)
    parent.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(parent), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: tasks.live_tasks() == 0, timeout=5000)
    assert got == []


def test_a_failing_callback_is_delivered_once(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    calls = []

    def on_success(value):
        calls.append(value)
        raise RuntimeError("a bug in the page")

    with qtbot.captureExceptions() as exceptions:
        tasks.run_task(parent, lambda progress: 7, on_success=on_success)
        qtbot.waitUntil(lambda: tasks.live_tasks() == 0, timeout=5000)
        qtbot.wait(100)  # several more polls
    assert calls == [7] and len(exceptions) == 1
