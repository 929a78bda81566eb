"""Where the fake answers unlike Google, and why that does not matter to sheetflow (test_google_recorded.py)."""

from __future__ import annotations

#: (API method, path in the answer, kind) -> why it does not matter to sheetflow
LISTED: dict[tuple[str, str, str], str] = {
    ("spreadsheets.get", "properties.defaultFormat", "missing"):
        "the fake keeps no spreadsheet-wide default format; sheetflow's spreadsheets.get calls always send fields= "
        "(setup: sheets(properties(sheetId,title,gridProperties),protectedRanges); a missing tab: "
        "sheets.properties.title), which leave properties out",
    ("spreadsheets.get", "properties.spreadsheetTheme", "missing"):
        "as defaultFormat: no theme in the fake, and never asked for by sheetflow",
    ("values.get", "values[][]", "formula"):
        "the fake stores a formula as its text and never computes it; sheetflow writes RAW data (never a formula) "
        "and reads UNFORMATTED_VALUE, for which Google sends a formula cell's computed value, typed as a typed "
        "value would be (number, string, boolean): the same shapes the other values here are compared on",
}
