"""GUI fixtures: a demo data file per test, and message boxes that never block."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gui import dialogs, garbage
from gui.context import AppContext
from model.demo import build_demo


@dataclass
class DialogLog:
    """What the code under test tried to show; `answer` is what ask() returns."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)
    answer: bool = True
    choice: int = -1  # what choose() returns: the option's index, -1 for closed
    offered: list[list[str]] = field(default_factory=list)  # the options of each choose()
    open_path: str = ""
    open_paths: list[str] = field(default_factory=list)  # what open_files() returns
    save_path: str = ""
    text: str = ""  # what ask_text() returns ('' = cancelled)

    def kinds(self) -> list[str]:
        """The kinds of dialogs shown, in order."""
        return [c[0] for c in self.calls]


@pytest.fixture(autouse=True)
def dialog_log(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    """Replace every message box and file dialog with a recorder."""
    log = DialogLog()

    def record(kind: str):
        def show(_parent: object, title: str, text: str = "", *rest: object) -> object:
            log.calls.append((kind, title, text))
            if kind == "choose":
                log.offered.append(list(rest[0]))  # type: ignore[call-overload]
            return {"ask": log.answer, "open_file": log.open_path, "open_files": list(log.open_paths),
                    "save_file": log.save_path,
                    "choose": log.choice, "ask_text": log.text}.get(kind)

        return show

    for kind in ("ask", "inform", "warn", "open_file", "open_files", "save_file", "choose", "ask_text"):
        monkeypatch.setattr(dialogs, kind, record(kind))
    monkeypatch.setattr(dialogs, "show_known_error",
                        lambda _p, exc, title="AuditLoop": log.calls.append(("error", title, str(exc))))
    return log


@pytest.fixture(autouse=True, scope="package")
def focus_style_as_the_app_has_it(qapp) -> None:
    """As gui.app.make_app does: the strong focus outline (gui/focus_style.py)."""
    from gui import focus_style

    if not isinstance(qapp.style(), focus_style.FocusStyle):
        focus_style.install(qapp)


@pytest.fixture(autouse=True, scope="package")
def garbage_on_the_gui_thread(qapp) -> Iterator[None]:
    """As the app does (gui/garbage.py): no worker thread may free Qt objects. Package scope:
    the model tests that run after these get CPython's automatic collection back."""
    collector = garbage.install(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def no_task_outlives_its_test(qapp) -> Iterator[None]:
    """Wait for background tasks before the test's widgets (and database) are torn down.

    A worker still running when its page is deleted, or when the next test starts,
    is a source of rare crashes at teardown rather than a behaviour under test.
    """
    yield
    from gui import tasks

    tasks.settle(10_000)
    qapp.processEvents()
    gc.collect()  # this test's garbage goes here, on the GUI thread


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    """An AppContext on a fresh demo database in tmp_path.

    The demo (model.demo): 1 VTE and 2 Sepsis with two cycles each, 3 a proposed consent
    audit with no cycle, 4 falls ward monitoring over 30 months; a national falls file is
    imported and linked to audit 4.
    """
    store = build_demo(tmp_path / "demo.sqlite")
    context = AppContext(store=store, data_dir=tmp_path / "data")
    yield context
    from gui import tasks

    tasks.wait_for_all(10_000)  # no worker may read a closed store
    context.store.close()
