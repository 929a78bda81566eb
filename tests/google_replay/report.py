"""The replay's figures as a Markdown table: `cd tests && ../.venv/bin/python -m google_replay.report`.

docs/google-recorded.md carries the same table between its `replay-table` markers, and a test keeps it so.
"""

from __future__ import annotations

from .against_fake import APPLIED, REPLAYED, Outcome, replay_all, tally

SHEETFLOW_CALLS = {
    "files.get": "every pass (change check; fields=version,modifiedTime)",
    "values.batchGet": "every changed pass (all form tabs, UNFORMATTED_VALUE + SERIAL_NUMBER); setup (headers)",
    "values.batchUpdate": "every pass that writes (RAW)",
    "spreadsheets.get": "setup (sheets(properties(…),protectedRanges)); a missing tab (sheets.properties.title)",
    "spreadsheets.batchUpdate": "setup (addSheet, updateSheetProperties, updateCells, setDataValidation, "
                                "add/updateProtectedRange, repeatCell, updateDimensionProperties)",
    "values.get": "never (its ValueRange is what batchGet's valueRanges hold)",
    "values.update": "never (its answer is what batchUpdate's responses hold)",
}


def table(outcomes: list[Outcome] | None = None) -> str:
    counts = tally(replay_all() if outcomes is None else outcomes)
    out = ["| API method | sheetflow calls it | recorded | replayed | compared in step | alike | alike but for a "
           "listed difference | replayed after the fake parted ways (not compared) |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for api in REPLAYED:
        t = counts[api]
        out.append(f"| {api} | {SHEETFLOW_CALLS[api]} | {t.recorded} | {t.replayed} | {t.in_step} | {t.alike} | "
                   f"{t.alike_but_listed} | {t.shape_only} |")
    others = {k: v for k, v in counts.items() if k not in REPLAYED}
    applied = ", ".join(f"{k} {others.pop(k).recorded}" for k in APPLIED if k in others)
    out += ["", f"Not sheetflow's, applied by the fake to stay in step with Google: {applied}, and deleteSheet.",
            "Not sheetflow's, not replayed: " + ", ".join(f"{k} {v.recorded}" for k, v in sorted(others.items()))]
    return "\n".join(out)


if __name__ == "__main__":
    print(table())
