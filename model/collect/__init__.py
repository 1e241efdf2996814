"""Stage 3: reading spreadsheets, mapping columns, importing and entering cases, pseudonymisation."""
