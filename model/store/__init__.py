"""The one SQLite data file: opening, locking, backups, numbered migrations, packed answers."""
