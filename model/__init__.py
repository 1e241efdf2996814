"""AuditLoop's Qt-free core: the store, the audit cycle's logic and its statistics."""

__version__ = "0.1.0"
