"""Access levels (A1): who reads, who enters data, who administers, mapped onto where the data live.

Ordinary users read the published folder (read-only copies of what is approved and in force, and the
reports: publish.py); back-office users edit the sheets of their remit (on Google, `sheetflow setup` protects
each form's staff columns to the roles that may edit them: levels.staff_editors); the administrator is the
account that runs sheetflow and owns the private part (store, outbox, backups), and so runs backup and restore.
"""
