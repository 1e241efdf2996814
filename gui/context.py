"""What every window and page needs, passed explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model (and sqlite-utils) load after the first paint
    from model.store import Store


@dataclass
class AppContext:
    """The open store and the per-user data folder.

    Attributes:
        store: the open data file (use `.db` on the GUI thread only).
        data_dir: per-user folder for logs, recent files, MPLCONFIGDIR.
        recent: recently opened data files, newest first.
    """

    store: Store
    data_dir: Path
    recent: list[Path] = field(default_factory=list)

    def setting(self, key: str, default: str = "") -> str:
        """A value from the data file's settings table."""
        from model import settings as model_settings

        return model_settings.get(self.store.db, key, default)

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting in the data file (committed at once)."""
        from model import settings as model_settings

        model_settings.put(self.store.db, key, value)
