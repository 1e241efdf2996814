"""Layering rules that keep the core testable and the start-up fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_model_never_imports_qt_or_pyplot():
    """Import every model module in a fresh interpreter; no PySide6, no pyplot may load."""
    modules = sorted(p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
                     for p in (ROOT / "model").rglob("*.py"))
    code = (
        "import sys, importlib\n"
        "sys.modules['matplotlib.pyplot'] = None\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'gui'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gui_reaches_the_store_only_through_model():
    offenders = []
    for path in (ROOT / "gui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("sqlite3", "sqlite_utils") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_gui_start_does_not_import_heavy_libraries():
    """The window must appear fast: pandas, matplotlib and openpyxl load only when a screen needs them."""
    code = (
        "import sys\n"
        "import main\n"
        "from gui import app, main_window, register, workspace\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'matplotlib', 'openpyxl', 'scipy'})\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert done.returncode == 0, done.stdout + done.stderr


def test_opening_a_data_file_does_not_import_numpy_or_pandas(tmp_path):
    """Opening the store lists every migration by importing it: none may pull in numpy or pandas."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from model.store.store import open_store\n"
        f"open_store(Path({str(tmp_path / 'a.sqlite')!r})).close()\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'matplotlib', 'scipy'})\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_self_test_exits_zero():
    done = subprocess.run([sys.executable, "main.py", "--self-test"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout
    assert done.stdout.count("ok   ") == 4


def test_automatic_garbage_collection_is_on_outside_the_gui_tests():
    """The GUI tests switch it off for their package only (tests/gui/conftest.py)."""
    import gc

    assert gc.isenabled()
