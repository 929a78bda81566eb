"""sheetflow: the engine behind the commerce department's shared spreadsheets."""

__version__ = "0.1.0"
