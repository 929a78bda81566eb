"""The person-side of scripts/demo-signing: read the code from the mail, type it into the sheet."""

from __future__ import annotations

import email
import email.policy
import re
import sys
from pathlib import Path

import openpyxl

from processors.passes import run_pass
from processors.workspace import Workspace

CODE = re.compile(r"(?:同意|approve)\s+([2-9A-HJ-NP-Z]{6})\b")


def latest_code(outbox: Path, address: str, key: str) -> str | None:
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        if address in str(msg["To"]) and key in str(msg["Subject"]) and (m := CODE.search(text)):
            print(f"  mail for {msg['To']}: {path.name}")
            return m.group(1)
    return None


def type_into(ws: Workspace, key: str, column: str, text: str) -> None:
    form = ws.forms["purchase_request"]
    path = ws.cfg.sheets_dir / form.file
    wb = openpyxl.load_workbook(path)
    sheet = wb[form.sheet]
    headers = {c.value: c.column for c in sheet[1]}
    key_col = headers[form.system_column("key").header()]  # type: ignore[union-attr]
    sign_col = headers[form.field(column).header()]
    for row in sheet.iter_rows(min_row=2):
        if row[key_col - 1].value == key:
            sheet.cell(row=row[0].row, column=sign_col).value = text
            print(f"  typed “{text}” into {form.field(column).header()} of {key} (row {row[0].row})")
    wb.save(path)


def show(ws: Workspace, key: str) -> None:
    record = ws.store.record(key)
    assert record is not None
    print(f"  {key}: {record.state}")
    for t in ws.store.transitions(key):
        print(f"    {t['at']}  {t['from_state'] or '-'} → {t['to_state']}  ({t['actor']}: {t['reason']})")


def main(root: str) -> int:
    ws = Workspace(Path(root))
    try:
        run_pass(ws)
        waiting = [r for r in ws.store.records("purchase_request")
                   if r.data.get("department") == "工程部" and r.state.startswith("awaiting:")]
        if not waiting:
            print("no request of 工程部 waiting for sign-off; run `sheetflow init --sample` in a new folder")
            return 0
        key = waiting[0].key
        steps = [("dept_head", "awaiting:dept_head", "王芳"),
                 ("purchasing_review", "awaiting:purchasing_review", "孙丽")]
        for column, state, name in steps:
            record = ws.store.record(key)
            if record is None or record.state != state:
                continue
            person = ws.cfg.find_person(name)
            assert person is not None
            print(f"{name} ({person.email}) signs {key}:")
            code = latest_code(ws.cfg.outbox_dir, person.email, key)
            if code is None:
                print("  no code mailed yet")
                return 1
            type_into(ws, key, column, f"同意 {code}")
            run_pass(ws)
        show(ws, key)
        return 0
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
