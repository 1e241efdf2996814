"""The PySide6 GUI."""
