"""The audit trail's user side (issue 16, A3): who changed a row, `sheetflow history`, the audit workbook, and
putting one record's row back from what the store holds."""
