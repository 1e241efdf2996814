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
    assert done.stdout.count("ok   ") == 6


def test_automatic_garbage_collection_is_on_outside_the_gui_tests():
    """The GUI tests switch it off for their package only (tests/gui/conftest.py)."""
    import gc

    assert gc.isenabled()


# ---------------------------------------------------------------------------
# The layout: packages by stage, imported only downward; short modules
# ---------------------------------------------------------------------------

# Lower packages first; a package may import only those before it (and itself).
MODEL_LAYERS = ("core", "store", "plan", "collect", "results", "act", "compare", "benchmark", "report")
# Top-level modules of model/: the scripting facades and what sits on top of every stage.
MODEL_TOP = {"__init__", "stats", "spc", "benchmarks", "sampling", "demo", "selftest"}
MAX_MODULE_LINES = 500
SQL_METHODS = {"execute", "executemany", "executescript", "query", "table", "rows_where", "insert_all", "upsert"}


def _imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_model_packages_import_only_downward():
    rank = {name: i for i, name in enumerate(MODEL_LAYERS)}
    offenders = []
    for path in (ROOT / "model").rglob("*.py"):
        parts = path.relative_to(ROOT / "model").parts
        if len(parts) == 1:
            assert path.stem in MODEL_TOP, f"model/{path.name}: put it in the package of its stage"
            continue
        own = rank[parts[0]]
        for name in _imported_modules(path):
            bits = name.split(".")
            if bits[0] == "model" and len(bits) > 1 and bits[1] in rank and rank[bits[1]] > own:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
            if bits[0] == "model" and len(bits) > 1 and bits[1] in MODEL_TOP - {"__init__"}:
                offenders.append(f"{path.relative_to(ROOT)} imports the top-level {name}")
    assert offenders == []


def test_gui_stage_pages_mirror_model_packages():
    """A newcomer finds stage X's code under gui/stages/X.py and model/<its package>/."""
    assert {p.name for p in (ROOT / "model").iterdir() if (p / "__init__.py").exists()} <= set(MODEL_LAYERS)


def test_no_module_passes_the_line_limit():
    long = []
    for folder in ("model", "gui", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_MODULE_LINES:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert long == []


def test_gui_calls_no_sql_running_method():
    """gui/ asks model/ for what it needs; it never runs SQL or touches a table itself."""
    offenders = []
    for path in (ROOT / "gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute | ast.Name)
                    and getattr(node.value, "attr", getattr(node.value, "id", "")) == "db"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} db[...]")
    assert offenders == []


def test_scripting_api_names_stay_importable():
    """The names earlier issues made public, documented in docs/scripting-api.md."""
    from model.benchmarks import funnel
    from model.sampling import sample_size
    from model.spc import p_chart, run_chart, xmr
    from model.stats import compare_proportions, wilson_interval

    assert all(callable(f) for f in (funnel, sample_size, p_chart, run_chart, xmr, compare_proportions,
                                     wilson_interval))
    doc = (ROOT / "docs" / "scripting-api.md").read_text(encoding="utf-8")
    for name in ("wilson_interval", "compare_proportions", "xmr", "p_chart", "run_chart", "funnel", "sample_size"):
        assert f"{name}(" in doc, name


def test_cli_is_thin_and_qt_free():
    """Every subcommand lives in cli/, imports no Qt, and main.py only dispatches to it."""
    import cli

    for name, module in cli.SUBCOMMANDS.items():
        path = ROOT / (module.replace(".", "/") + ".py")
        assert path.is_file(), name
        assert not any(n.split(".")[0] in ("PySide6", "gui") for n in _imported_modules(path)), name
    main_source = (ROOT / "main.py").read_text(encoding="utf-8")
    assert "argparse.ArgumentParser(prog=\"analyse-sheet\"" not in main_source


def test_main_imports_neither_the_model_nor_sqlite_utils_before_the_window():
    """main.py is on the path to the first paint: the model (and sqlite-utils with it) load after."""
    code = ("import sys\nimport main\n"
            "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'model', 'sqlite_utils'})\n"
            "print(loaded)\nsys.exit(1 if loaded else 0)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert done.returncode == 0, done.stdout + done.stderr
