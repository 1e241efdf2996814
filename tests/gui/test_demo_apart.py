"""The demo apart from real data: its own file in its own folder, marked DEMO, its made-up trust
kept inside it, offered on first launch, and opening where its story shows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import main
from gui import app
from gui.context import AppContext
from gui.main_window import MainWindow
from model.benchmark.benchmark_compare import load_identity
from model.core.errors import KnownError
from model.core.settings import is_demo
from model.demo import OUR_TRUST, build_demo
from model.store.store import open_store


def window_on(qtbot, store, data_dir: Path, **kwargs) -> MainWindow:
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.attach(AppContext(store=store, data_dir=data_dir), **kwargs)
    return window


def test_demo_has_its_own_folder_never_the_data_file(tmp_path: Path) -> None:
    demo = app.demo_file(tmp_path)
    assert demo.parent != tmp_path and demo.name != app.DATA_FILE_NAME
    assert app.start_file(tmp_path, None, demo=True) == (demo, True)
    assert app.start_file(tmp_path, tmp_path / "mine.sqlite", demo=True) == (demo, True)


@pytest.mark.parametrize(("index", "expected"), [(0, "demo"), (1, "empty"), (2, "quit"), (-1, "quit")])
def test_first_launch_offers_the_demo_as_its_own_file_or_an_empty_start(dialog_log, tmp_path: Path, index,
                                                                          expected) -> None:
    dialog_log.choice = index
    path, demo = app.start_file(tmp_path, None, demo=False)
    assert dialog_log.kinds() == ["choose"] and "demo" in dialog_log.offered[0][0].lower()
    assert "DEMO" in dialog_log.calls[0][2]
    real = tmp_path / app.DATA_FILE_NAME
    assert {"demo": (app.demo_file(tmp_path), True), "empty": (real, False), "quit": (None, False)}[expected] == (
        path, demo)
    assert not real.exists()  # choosing never writes the user's data file


def test_existing_data_file_opens_without_asking(dialog_log, tmp_path: Path) -> None:
    real = tmp_path / app.DATA_FILE_NAME
    open_store(real).close()
    assert app.start_file(tmp_path, None, demo=False) == (real, False)
    assert dialog_log.calls == []


def test_first_launch_demo_leaves_the_user_file_and_trust_untouched(dialog_log, tmp_path: Path) -> None:
    dialog_log.choice = 0
    path, demo = app.start_file(tmp_path, None, demo=False)
    store = app._open_start_store(path, demo)
    try:
        assert is_demo(store.db) and store.path == app.demo_file(tmp_path)
        assert load_identity(store.db).name == OUR_TRUST[0]  # the made-up trust lives in the demo file
    finally:
        store.close()
    assert not (tmp_path / app.DATA_FILE_NAME).exists()
    mine = open_store(tmp_path / app.DATA_FILE_NAME)  # later: the user's own, empty file
    try:
        assert not is_demo(mine.db) and load_identity(mine.db).name == ""
        assert mine.db.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == 0
    finally:
        mine.close()


def test_build_demo_never_replaces_a_real_data_file(tmp_path: Path) -> None:
    real = tmp_path / "auditloop.sqlite"
    store = open_store(real)
    store.db.execute("INSERT INTO settings (key, value) VALUES ('trust_name', 'Real Trust')")
    store.db.conn.commit()
    store.close()
    with pytest.raises(KnownError, match="not the demo"):
        build_demo(real)
    with sqlite3.connect(real) as con:
        assert con.execute("SELECT value FROM settings WHERE key='trust_name'").fetchone()[0] == "Real Trust"
    build_demo(tmp_path / "old-demo.sqlite").close()
    build_demo(tmp_path / "old-demo.sqlite").close()  # an old demo is rebuilt fresh


def test_demo_and_db_together_are_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        main.main(["--demo", "--db", "mine.sqlite"])
    assert "--demo opens its own file" in capsys.readouterr().err


def test_title_bar_says_demo_only_for_the_demo(qtbot, tmp_path: Path) -> None:
    window = window_on(qtbot, build_demo(tmp_path / "demo" / "demo.sqlite"), tmp_path)
    assert "DEMO" in window.windowTitle() and window.demo_banner.isVisibleTo(window)
    mine = tmp_path / "auditloop.sqlite"
    open_store(mine).close()
    window.open_data_file(mine)
    assert "DEMO" not in window.windowTitle() and window.windowTitle().endswith("auditloop.sqlite")
    assert not window.demo_banner.isVisibleTo(window)
    window.ctx.store.close()


def test_demo_opens_on_the_stage_that_tells_its_story(qtbot, tmp_path: Path) -> None:
    window = window_on(qtbot, build_demo(tmp_path / "demo" / "demo.sqlite"), tmp_path, showcase=True)
    assert window.stack.currentWidget() is window.workspace
    assert window.workspace.audit_id == 1
    assert window.workspace.pages["compare"].isVisibleTo(window)
    assert type(window.workspace.pages["compare"]).__name__ == "ComparePage"
    qtbot.waitUntil(lambda: window.workspace.pages["compare"].model.rowCount() == 3, timeout=10000)
    window.ctx.store.close()


def test_the_vte_audit_opens_on_its_report_stage(qtbot, ctx) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.open_audit(1)  # its status is "Re-audit due": the stage it stands at is Re-audit / Report
    from gui.stages.report import ReportPage
    from model.plan.stages import STAGE_KEYS

    assert STAGE_KEYS[window.workspace.steps.currentRow()] == "report"
    assert isinstance(window.workspace.current_page(), ReportPage)


def test_an_audit_never_opens_on_a_placeholder_stage(qtbot, ctx, monkeypatch) -> None:
    from gui import workspace
    from gui.stages.base import PendingStagePage
    from model.plan.stages import STAGE_KEYS

    real = workspace._page_class
    monkeypatch.setattr(workspace, "_page_class", lambda key: None if key == "report" else real(key))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.open_audit(1)  # as if its stage had no page yet: the comparison of its cycles tells its story
    assert STAGE_KEYS[window.workspace.steps.currentRow()] == "compare"
    assert not any(isinstance(p, PendingStagePage) and p.isVisibleTo(window) for p in window.workspace.pages.values())


def test_help_menu_opens_the_demo_as_its_own_file(qtbot, tmp_path: Path) -> None:
    mine = tmp_path / "auditloop.sqlite"
    window = window_on(qtbot, open_store(mine), tmp_path)
    assert "DEMO" not in window.windowTitle()
    window.open_demo()
    assert window.ctx.store.path.resolve() == app.demo_file(tmp_path).resolve()
    assert "DEMO" in window.windowTitle() and window.workspace.audit_id == 1
    assert all(p.resolve() != app.demo_file(tmp_path).resolve() for p in window.ctx.recent)  # not remembered
    with sqlite3.connect(mine) as con:
        assert con.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM settings WHERE key='trust_name'").fetchone()[0] == 0
    from gui import tasks

    tasks.wait_for_all(10_000)
    window.ctx.store.close()
