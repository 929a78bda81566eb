"""Spreadsheet backends behind one interface; `xlsx` (local files) is the first."""
