"""Google's real answers, from gspread's recorded test traffic, held against the fake and against our own code.

`tests/data/google-recorded.tar.xz` is `../shared/google-recorded/` unmodified (gspread's VCR cassettes, MIT):
`cassettes` reads it, `shapes` compares two JSON answers by fields, types and nesting, `against_fake` replays
the recorded requests on FakeGoogle, and `answers` serves recorded answers to sheetflow's own Google code.
"""
