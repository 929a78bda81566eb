"""Documents are recorded when they are decided and made after the commit, from what was stored (issue 10).

Orders are driven to issue as staff would (orders_flow: real workbooks, a real
store, real PDFs read back with pdftotext, mail as .eml files); a crash is a
real child process stopped at a named point.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli
from documents_helpers import order_context, pdf_file_text
from orders_flow import O1, START, Flow, line_row, order_row

from processors.effects import context as stored
from processors.effects import issue_document, produce_documents
from processors.faults import CRASH_EXIT_CODE
from processors.leases.schedule import schedule
from processors.leases.terms import terms_of
from processors.mail import outbox
from processors.mail.sender import deliver_due
from processors.passes import run_pass
from processors.status_view import render_status
from processors.store import documents

PO1, PO2 = "PO-2026-0001", "PO-2026-0002"


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = Flow(tmp_path / "ws")
    yield f
    f.close()


def carrying(flow: Flow, name: str) -> list[tuple[str, bytes]]:
    """(To, attachment bytes) of every mail written to outbox/ that carries the file `name`."""
    out = []
    for path in sorted(flow.ws.cfg.outbox_dir.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in msg.iter_attachments():
            if part.get_filename() == name:
                out.append((str(msg["To"]), part.get_content()))
    return out


def two_orders_signed_but_the_last(flow: Flow, b: dict[str, object] | None = None) -> None:
    """Orders A and B (100 of the request's 300 each), signed by all but the executive director."""
    flow.approved_requests()
    flow.approved_plan()
    flow.lines.put([line_row("A"), line_row("B")])
    flow.run()
    flow.orders.put([order_row("A"), order_row("B", **(b or {}))])
    flow.run()
    for column, who in O1[:-1]:
        flow.orders.set(2, **{column: f"同意 {who}"})
        flow.orders.set(3, **{column: f"同意 {who}"})
        flow.run()


def last_signature(flow: Flow, *rows: int) -> None:
    column, who = O1[-1]
    for row in rows:
        flow.orders.set(row, **{column: f"同意 {who}"})


def queued(flow: Flow, key: str) -> outbox.OutboxRow:
    row = outbox.get(flow.ws.store, key)
    assert row is not None, key
    return row


# -- the same bytes on another day -------------------------------------------------------------------

def signed_not_yet_made(flow: Flow) -> None:
    """An order signed by all four, decided and committed, its PDF and mails not yet made (follow-up not run)."""
    flow.drafted()
    for column, who in O1[:-1]:
        flow.orders.set(2, **{column: f"同意 {who}"})
        flow.run()
    last_signature(flow, 2)
    run_pass(flow.ws, follow_up=False)


def test_a_document_made_again_on_another_day_is_the_same_file_dated_the_day_it_was_issued(flow: Flow) -> None:
    flow.to_placed()
    pdf = flow.ws.cfg.output_dir / f"{PO1}.pdf"
    issued = pdf.read_bytes()
    assert "2026-11-29" in pdf_file_text(pdf)
    doc = documents.get(flow.ws.store, PO1)
    assert doc is not None and doc.state == "written" and doc.issued_on == "2026-11-29"
    assert doc.sha256 == hashlib.sha256(issued).hexdigest() and doc.record_key == PO1
    assert len(carrying(flow, pdf.name)) == 2                               # supplier, both archives
    # as a crash before the file was written leaves it: the row recorded, no file
    pdf.unlink()
    with flow.ws.store.transaction() as conn:
        conn.execute("UPDATE documents SET state = 'pending', sha256 = '' WHERE key = ?", (PO1,))
    config = flow.root / "config.toml"                                      # and the letterhead changed since
    config.write_text(config.read_text("utf-8").replace('name = "府尚装饰工程有限公司"', 'name = "新公司"'), "utf-8")
    flow.at(START + dt.timedelta(days=1))
    flow.run()
    assert pdf.read_bytes() == issued                                       # byte for byte
    text = pdf_file_text(pdf)
    assert "2026-11-29" in text and "2026-11-30" not in text and "府尚装饰工程有限公司" in text
    assert documents.get(flow.ws.store, PO1).state == "written"              # type: ignore[union-attr]
    assert len(carrying(flow, pdf.name)) == 2                               # nothing mailed twice


def test_the_second_decision_of_a_document_keeps_what_was_recorded_first(flow: Flow) -> None:
    """A pass repeated the next day decides the same document again: the first decision is what is issued."""
    ws = flow.ws
    with ws.store.transaction():
        first = issue_document(ws, "purchase_order", "PO-2026-0099", order_context("PO-2026-0099"))
    flow.at(START + dt.timedelta(days=1))
    ws = flow.ws
    later = order_context("PO-2026-0099", order={**order_context()["order"], "number": "PO-2026-0099",
                                                  "date": dt.date(2026, 11, 30), "project": "另一个项目"})
    with ws.store.transaction():
        again = issue_document(ws, "purchase_order", "PO-2026-0099", later)
    assert again == first == Path("output/PO-2026-0099.pdf")
    assert produce_documents(ws).written == 1
    text = pdf_file_text(ws.root / first)
    assert "万达广场三期" in text and "另一个项目" not in text and "2026-11-29" in text


# -- a different file at the path ----------------------------------------------------------------------

def test_a_different_file_at_the_path_is_neither_replaced_nor_mailed_and_the_row_says_why(flow: Flow) -> None:
    two_orders_signed_but_the_last(flow)
    stray = flow.ws.cfg.output_dir / f"{PO1}.pdf"
    stray.write_bytes(b"%PDF-1.7 someone else's order\n")
    last_signature(flow, 2, 3)
    flow.run()
    assert stray.read_bytes() == b"%PDF-1.7 someone else's order\n"           # never written over
    assert carrying(flow, stray.name) == []                                 # and never mailed
    assert documents.get(flow.ws.store, PO1).state == "failed"               # type: ignore[union-attr]
    assert len(carrying(flow, f"{PO2}.pdf")) == 2                            # the other order went on
    held = queued(flow, f"{PO1}:to_supplier")
    assert held.state == "queued" and "output/PO-2026-0001.pdf" in held.last_error
    flow.run()                                                              # the row shows the news
    assert "另一份内容不同的文件" in flow.orders.cell(2, "message")
    assert "另一份内容不同的文件" not in flow.orders.cell(3, "message")
    assert "等待文件 output/PO-2026-0001.pdf" in render_status(flow.ws)
    stray.unlink()                                                          # a person moved it away
    flow.run()
    sent = carrying(flow, stray.name)
    assert len(sent) == 2 and sent[0][1] == stray.read_bytes()
    assert queued(flow, f"{PO1}:to_supplier").state == "sent"
    flow.run()
    assert len(carrying(flow, stray.name)) == 2                              # once


def test_a_file_changed_after_it_was_written_is_never_mailed_and_its_record_is_flagged(flow: Flow) -> None:
    flow.drafted()
    for column, who in O1[:-1]:
        flow.orders.set(2, **{column: f"同意 {who}"})
        flow.run()
    last_signature(flow, 2)
    run_pass(flow.ws, follow_up=False)                                      # decided and committed
    assert produce_documents(flow.ws).written == 1
    pdf = flow.ws.cfg.output_dir / f"{PO1}.pdf"
    issued = pdf.read_bytes()
    pdf.write_bytes(issued.replace(b"%%EOF", b"%%EOF\n% edited"))            # changed before the mail went
    report = deliver_due(flow.ws)
    assert report.waiting == 2 and carrying(flow, pdf.name) == []
    assert "签发后被改动" in queued(flow, f"{PO1}:to_supplier").last_error     # the first to find it says why
    assert "等待文件 output/PO-2026-0001.pdf" in queued(flow, f"{PO1}:archive").last_error
    flow.run()
    assert "签发后被改动" in flow.orders.cell(2, "message")
    assert carrying(flow, pdf.name) == []
    pdf.write_bytes(issued)                                                 # the original put back
    flow.run()
    assert [body for _, body in carrying(flow, pdf.name)] == [issued, issued]


def test_an_issued_file_deleted_before_its_mail_went_is_made_again_from_the_record(flow: Flow) -> None:
    signed_not_yet_made(flow)
    produce_documents(flow.ws)
    pdf = flow.ws.cfg.output_dir / f"{PO1}.pdf"
    issued = pdf.read_bytes()
    pdf.unlink()
    assert deliver_due(flow.ws).waiting == 2 and carrying(flow, pdf.name) == []
    assert "尚未生成" in queued(flow, f"{PO1}:to_supplier").last_error
    flow.at(START + dt.timedelta(days=3))
    flow.run()
    assert pdf.read_bytes() == issued
    assert [body for _, body in carrying(flow, pdf.name)] == [issued, issued]


def test_a_store_from_before_the_documents_table_is_upgraded_and_issues_as_recorded(flow: Flow) -> None:
    flow.ws.close()
    conn = sqlite3.connect(flow.ws.cfg.state_path)
    conn.executescript("DROP TABLE documents; PRAGMA user_version = 5;")
    conn.close()
    flow.at(START)
    flow.to_placed()
    doc = documents.get(flow.ws.store, PO1)
    assert doc is not None and doc.state == "written"
    assert len(carrying(flow, f"{PO1}.pdf")) == 2


# -- a crash between the commit and the file -------------------------------------------------------------

@pytest.mark.parametrize("point", ["document_before_write", "document_after_write"])
def test_a_crash_before_the_file_is_marked_written_then_the_next_pass_writes_it_and_mails_once(
        flow: Flow, point: str) -> None:
    flow.drafted()
    for column, who in O1[:-1]:
        flow.orders.set(2, **{column: f"同意 {who}"})
        flow.run()
    last_signature(flow, 2)
    proc = run_cli("run", "-w", str(flow.root), env={"SHEETFLOW_CRASH_AT": point})
    assert proc.returncode == CRASH_EXIT_CODE, proc.stdout + proc.stderr
    pdf = flow.ws.cfg.output_dir / f"{PO1}.pdf"
    assert documents.get(flow.ws.store, PO1).state == "pending"              # type: ignore[union-attr]
    assert pdf.exists() is (point == "document_after_write")
    assert queued(flow, f"{PO1}:to_supplier").state == "queued" and carrying(flow, pdf.name) == []
    proc = run_cli("run", "-w", str(flow.root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert documents.get(flow.ws.store, PO1).state == "written"              # type: ignore[union-attr]
    assert "PO-2026-0001" in pdf_file_text(pdf)
    assert len(carrying(flow, pdf.name)) == 2
    assert run_cli("run", "-w", str(flow.root)).returncode == 0
    assert len(carrying(flow, pdf.name)) == 2                               # once each


def test_mail_send_makes_a_document_left_pending_before_delivering(flow: Flow) -> None:
    signed_not_yet_made(flow)
    proc = run_cli("mail", "send", "-w", str(flow.root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(carrying(flow, f"{PO1}.pdf")) == 2


# -- a template fault stays with its document -----------------------------------------------------------

def test_a_template_failing_for_one_document_holds_only_that_documents_mail(flow: Flow) -> None:
    override = flow.ws.cfg.templates_dir / "documents" / "purchase_order.html"
    override.parent.mkdir(parents=True, exist_ok=True)
    bundled = (Path(__file__).parent.parent / "templates" / "documents" / "purchase_order.html").read_text("utf-8")
    misspelt = "{% block body %}{% if order.remarks %}{{ order.remark_text }}{% endif %}"   # only with remarks
    override.write_text(bundled.replace("{% block body %}", misspelt, 1), "utf-8")
    two_orders_signed_but_the_last(flow, b={"remarks": "加急"})
    last_signature(flow, 2, 3)
    flow.run()
    assert len(carrying(flow, f"{PO1}.pdf")) == 2                            # the other order's document and mail
    assert not (flow.ws.cfg.output_dir / f"{PO2}.pdf").exists() and carrying(flow, f"{PO2}.pdf") == []
    failed = documents.get(flow.ws.store, PO2)
    assert failed is not None and failed.state == "failed" and "remark_text" in failed.error
    assert queued(flow, f"{PO2}:to_supplier").state == "queued"
    flow.run()
    assert "未能生成" in flow.orders.cell(3, "message") and "remark_text" in flow.orders.cell(3, "message")
    assert flow.orders.cell(2, "status") == flow.orders.cell(3, "status") == "已下达"
    override.unlink()                                                       # the template fixed
    flow.run()
    assert "加急" in pdf_file_text(flow.ws.cfg.output_dir / f"{PO2}.pdf")
    assert len(carrying(flow, f"{PO2}.pdf")) == 2
    assert len(carrying(flow, f"{PO1}.pdf")) == 2


# -- attachments outside the table, and the stored context ---------------------------------------------

def test_an_attachment_that_is_not_an_issued_document_still_goes_out(flow: Flow) -> None:
    ws = flow.ws
    note = ws.cfg.output_dir / "说明.pdf"
    note.write_bytes(b"%PDF-1.4 a note\n")
    with ws.store.transaction():
        outbox.enqueue(ws.store, outbox.Mail(key="note:1", to=["王芳 <wangfang@example.com>"], subject="说明",
                                             text="附件", attachments=[ws.rel(note)]),
                       sender=ws.cfg.mail.sender, at=ws.clock.now().isoformat(timespec="seconds"))
    assert deliver_due(ws).sent == 1
    assert carrying(flow, note.name) == [("王芳 <wangfang@example.com>", b"%PDF-1.4 a note\n")]


def test_a_stored_context_comes_back_as_it_was_given() -> None:
    """Amounts keep their places (1.10 is printed as 1.10), dates stay dates, a lease's bills read as before."""
    lease = {"start": "2026-12-01", "end": "2027-11-30", "rent": "180", "area": "42.5", "due_day": "5",
             "management_fee": "12", "deposit": "30000", "cycle": "quarterly"}
    bills = schedule(terms_of(lease))
    given = {"total": Decimal("1.10"), "tiny": Decimal("1E-7"), "date": dt.date(2026, 11, 29),
             "at": dt.datetime(2026, 11, 29, 10, 32, tzinfo=dt.timezone(dt.timedelta(hours=8))),
             "bills": bills, "odd": {"$decimal": "not a tag"}, "pair": ("a", 1), "none": None}
    back = stored.loads(stored.dumps(given))
    assert back["total"] == Decimal("1.10") and str(back["total"]) == "1.10" and str(back["tiny"]) == "1E-7"
    assert back["date"] == given["date"] and back["at"] == given["at"]
    assert back["odd"] == {"$decimal": "not a tag"} and back["pair"] == ["a", 1] and back["none"] is None
    assert [b["amount"] for b in back["bills"]] == [b.amount for b in bills]
    assert [b["due_date"] for b in back["bills"]] == [b.due_date for b in bills]
    with pytest.raises(stored.UnstorableContext):
        stored.dumps({"items": {1, 2}})
