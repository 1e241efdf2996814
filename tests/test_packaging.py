"""Packaging checks that can run here (issue 18): the Windows workflow, the WiX source, the
build script and the bundle-size figures.

The Windows workflow and the MSI cannot run on Linux; what is checked is that the workflow
parses and does each step the issue names, that the WiX source is valid XML describing a
per-machine install with a Start-menu shortcut and no services, and that the files it names
are the ones the same build.spec produces on Linux. The `bundle` tests check the real
dist/AuditLoop; scripts/build.sh runs them after every build (they skip when nothing is built).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
WXS = ROOT / "packaging" / "windows" / "AuditLoop.wxs"
NS = {"w": "http://wixtoolset.org/schemas/v4/wxs"}
BUNDLE = ROOT / "dist" / "AuditLoop"
sys.path.insert(0, str(ROOT / "bench"))


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps_text() -> str:
    steps = _workflow()["jobs"]["build"]["steps"]
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in steps)


def _spec_exe_name() -> str:
    text = (ROOT / "build.spec").read_text()
    exe = re.search(r"\bEXE\((.*?)\n\)", text, re.S)
    assert exe
    name = re.search(r'\bname="([^"]+)"', exe.group(1))
    assert name
    assert "contents_directory" not in text  # PyInstaller's default: _internal
    return name.group(1)


def test_workflow_parses_and_runs_on_windows_with_python_311():
    flow = _workflow()
    job = flow["jobs"]["build"]
    assert job["runs-on"] == "windows-latest"
    setup = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11"
    assert flow.get("on", flow.get(True))  # YAML 1.1 reads the `on:` key as True


def test_workflow_does_every_step_the_issue_names():
    text = _steps_text()
    for needed in ("pip install -r requirements-dev.txt", "python -m pytest",
                   "pyinstaller --noconfirm --clean build.spec", r"dist\AuditLoop\AuditLoop.exe", "--self-test",
                   r"wix build packaging\windows\AuditLoop.wxs",
                   "Compress-Archive", "actions/upload-artifact", r"model\core\version.py"):
        assert needed in text, needed
    upload = next(s for s in _workflow()["jobs"]["build"]["steps"] if "upload-artifact" in str(s.get("uses", "")))
    assert ".msi" in upload["with"]["path"] and ".zip" in upload["with"]["path"]
    assert upload["with"]["if-no-files-found"] == "error"


def test_wix_source_is_a_per_machine_install_with_a_shortcut_and_no_services():
    root = ET.parse(WXS).getroot()
    package = root.find("w:Package", NS)
    assert package is not None and package.get("Scope") == "perMachine"
    assert package.get("Version") == "$(var.Version)"
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", package.get("UpgradeCode", ""))
    assert package.find("w:MajorUpgrade", NS) is not None
    program_files = package.find("w:StandardDirectory[@Id='ProgramFiles64Folder']", NS)
    assert program_files is not None
    assert program_files.find("w:Directory[@Name='AuditLoop']", NS) is not None
    menu = package.find("w:StandardDirectory[@Id='ProgramMenuFolder']", NS)
    assert menu is not None
    shortcut = menu.find(".//w:Shortcut", NS)
    assert shortcut is not None and shortcut.get("Target") == "[#AuditLoopExe]"
    for forbidden in ("ServiceInstall", "ServiceControl", "CustomAction", "Environment"):
        assert root.find(f".//w:{forbidden}", NS) is None, forbidden


def test_wix_names_the_files_build_spec_produces():
    root = ET.parse(WXS).getroot()
    exe = root.find(".//w:File[@Id='AuditLoopExe']", NS)
    assert exe is not None
    assert exe.get("Source") == rf"!(bindpath.App)\{_spec_exe_name()}.exe"
    internal = root.find(".//w:Directory[@Name='_internal']", NS)
    assert internal is not None
    files = internal.find("w:Files", NS)
    assert files is not None and files.get("Include") == r"!(bindpath.App)\_internal\**"
    # resources/ (the standards library) travels inside _internal, where build.spec puts it.
    assert '(str(ROOT / "resources"), "resources")' in (ROOT / "build.spec").read_text()


@pytest.mark.skipif(not BUNDLE.is_dir(), reason="no dist/AuditLoop: run scripts/build.sh")
def test_bundle_has_the_files_the_msi_names():
    assert (BUNDLE / _spec_exe_name()).is_file()
    assert sorted(p.name for p in BUNDLE.iterdir()) == sorted([_spec_exe_name(), "_internal"])
    standards = sorted((BUNDLE / "_internal" / "resources" / "standards").glob("*.json"))
    assert [p.name for p in standards] == sorted(p.name for p in (ROOT / "resources" / "standards").glob("*.json"))


@pytest.mark.skipif(not BUNDLE.is_dir(), reason="no dist/AuditLoop: run scripts/build.sh")
def test_bundle_left_out_what_issue_18_names():
    internal = BUNDLE / "_internal"
    assert not (internal / "scipy").exists() and not (internal / "scipy.libs").exists()
    assert not list(internal.glob("PySide6/Qt/translations/*.qm"))
    assert not (internal / "PySide6" / "Qt" / "plugins" / "platformthemes").exists()
    assert not [p for p in internal.rglob("tests") if p.is_dir()]
    assert not list(internal.rglob("*.h"))


def test_bundle_size_prints_its_figures_and_enforces_the_limit(tmp_path):
    import bundle_size

    folder = tmp_path / "AuditLoop"
    (folder / "_internal" / "PySide6").mkdir(parents=True)
    (folder / "AuditLoop").write_bytes(b"x" * 1_000_000)
    (folder / "_internal" / "PySide6" / "QtCore.so").write_bytes(b"x" * 2_000_000)
    done = subprocess.run([sys.executable, "bench/bundle_size.py", str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    figures = dict(re.fullmatch(r"([a-z_.]+): (\d+\.\d{3})", line).groups() for line in done.stdout.splitlines())
    assert tuple(figures) == bundle_size.FORMAT
    assert float(figures["bundle.mb"]) == 3.0 and float(figures["bundle.qt_mb"]) == 2.0
    over = subprocess.run([sys.executable, "bench/bundle_size.py", str(folder), "--limit-mb", "2.5"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert over.returncode == 1 and "over the 2.5 MB limit" in over.stderr


def test_build_script_packs_self_tests_and_ci_checks_the_limit():
    build = (ROOT / "scripts" / "build.sh").read_text()
    assert "--self-test" in build and "tar -C dist" in build and "bench/bundle_size.py" in build
    dev = (ROOT / "scripts" / "dev.sh").read_text()
    assert "LIMIT_MB=250 bash scripts/build.sh" in dev
    assert "bash scripts/dev.sh test" in (ROOT / ".ci" / "run").read_text()


def test_the_app_does_not_import_scipy():
    """scipy is a test-only reference now (model.core.distributions); build.spec leaves it out."""
    sources = [p for folder in ("model", "gui", "cli") for p in (ROOT / folder).rglob("*.py")]
    offenders = [p.relative_to(ROOT).as_posix() for p in sources
                 if re.search(r"^\s*(from|import) scipy\b", p.read_text(), re.M)]
    assert offenders == []
    assert '"scipy"' in (ROOT / "build.spec").read_text()


def _spec_helpers() -> dict:
    """build.spec's definitions above `a = Analysis(...)` (the filters), run without PyInstaller's build."""
    text = (ROOT / "build.spec").read_text()
    namespace = {"SPECPATH": str(ROOT)}
    exec(compile(text[:text.index("\na = Analysis(")], "build.spec", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("dest", "kept"), [
    ("PySide6/Qt/lib/libQt6Core.so.6", True),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
    ("PySide6/Qt/lib/libQt6Network.so.6", False),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    (r"PySide6\plugins\platforms\qwindows.dll", True),
    (r"PySide6\plugins\styles\qmodernwindowsstyle.dll", True),
    (r"PySide6\plugins\imageformats\qico.dll", True),
    (r"PySide6\plugins\tls\qschannelbackend.dll", False),
    (r"PySide6\Qt6Network.dll", False),
    (r"PySide6\Qt6Widgets.dll", True),
    (r"PySide6\opengl32sw.dll", False),
    (r"PySide6\translations\qtbase_fr.qm", False),
    ("numpy/_core/tests/data/x.npy", False),
    ("numpy/_core/include/numpy/ndarraytypes.h", False),
    ("resources/standards/nice_ng89_vte.json", True),
    ("docx/templates/default-header.xml", True),
])
def test_build_spec_keeps_what_the_app_uses(dest: str, kept: bool):
    assert _spec_helpers()["_kept"]((dest, "/src/" + dest, "BINARY")) is kept


def test_build_spec_reads_the_one_version():
    from model import __version__

    assert _spec_helpers()["VERSION"] == __version__
