"""Help › About AuditLoop: the versions of AuditLoop and of what it runs on (for support calls)."""

from __future__ import annotations

from PySide6.QtCore import qVersion


def about_text() -> str:
    """Versions of AuditLoop and what it runs on (for support calls)."""
    import importlib.metadata as md
    import platform

    from model import __version__

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "not installed"

    return (f"AuditLoop {__version__}\nLocal clinical audit, end to end, offline.\n\n"
            f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {version('PySide6-Essentials')}\n"
            f"pandas {version('pandas')} · matplotlib {version('matplotlib')} · openpyxl {version('openpyxl')}"
            f" · sqlite-utils {version('sqlite-utils')}\n\nAuditLoop never uses the network.")

