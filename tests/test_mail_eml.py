"""The default transport: every queued mail becomes one .eml file in outbox/, once, with proper MIME."""

from __future__ import annotations

import pytest
from mail_helpers import APPLICANT, APPROVER, add_record, body, mail, parse, queue, record_flags, row

from processors.mail.eml import eml_path
from processors.mail.outbox import MASK, Mail, enqueue
from processors.mail.sender import deliver_due
from processors.status_view import render_status
from processors.workspace import Workspace

SECOND = mail("PR-2026-0001:submitted:1", (APPLICANT,), subject="【已提交】采购申请 PR-2026-0001",
              text="您的采购申请已提交。\n", html="<p>您的采购申请已<b>提交</b>。</p>", secrets=())


def test_two_mails_become_two_eml_files_once(ws: Workspace) -> None:
    assert ws.cfg.mail.transport == "eml"
    assert "== 邮件 ==\n（无）" in render_status(ws)
    first = mail()
    queue(ws, first, SECOND)
    report = deliver_due(ws)
    assert (report.sent, report.deferred, report.failed, report.unknown) == (2, 0, 0, 0)
    files = sorted(ws.cfg.outbox_dir.glob("*.eml"))
    assert len(files) == 2
    for m in (first, SECOND):
        path = eml_path(ws.cfg.outbox_dir, m.key, m.record_key)
        assert path in files and path.name.startswith("PR-2026-0001-")
        msg = parse(path.read_bytes())
        stored = row(ws, m.key)
        assert msg["Message-ID"] == stored.message_id
        assert msg["From"] == ws.cfg.mail.sender
        assert msg["Subject"] == m.subject
        assert msg["Date"] is not None and msg["Auto-Submitted"] == "auto-generated"
        (to,) = msg["To"].addresses
        assert f"{to.display_name} <{to.addr_spec}>" == m.to[0]
        assert msg.get_content_type() == "multipart/alternative"
        assert body(msg, "plain") == m.text and body(msg, "html").strip() == m.html
        assert stored.state == "sent" and stored.sent_at == ws.clock.now().isoformat(timespec="seconds")
    assert deliver_due(ws).sent == 0                                  # nothing is sent twice
    assert sorted(ws.cfg.outbox_dir.glob("*.eml")) == files


def test_secrets_are_blanked_in_the_table_once_sent(ws: Workspace) -> None:
    queue(ws, mail())
    before = row(ws, mail().key)
    assert "K7M3QX" in before.body_text and before.secrets == ["K7M3QX"]
    deliver_due(ws)
    after = row(ws, mail().key)
    assert "K7M3QX" not in after.body_text + (after.body_html or "")
    assert MASK in after.body_text and after.secrets == []
    path = eml_path(ws.cfg.outbox_dir, mail().key, "PR-2026-0001")
    assert "K7M3QX" in body(parse(path.read_bytes()), "plain")        # the mail itself has it


def test_text_only_mail_is_a_single_text_part(ws: Workspace) -> None:
    queue(ws, mail(html=None))
    deliver_due(ws)
    (path,) = ws.cfg.outbox_dir.glob("*.eml")
    msg = parse(path.read_bytes())
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert body(msg, "plain") == mail().text


def test_lines_with_dots_and_long_chinese_subjects_survive(ws: Workspace) -> None:
    text = ".\n.hidden line\n" + "长" * 500 + "\n"
    subject = "【待审批】" + "很长的标题" * 30
    queue(ws, mail(text=text, subject=subject))
    deliver_due(ws)
    (path,) = ws.cfg.outbox_dir.glob("*.eml")
    raw = path.read_bytes()
    assert raw.isascii()                                              # 7-bit safe for any server
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(raw)
    assert msg["Subject"] == subject and body(msg, "plain") == text


@pytest.mark.parametrize("bad", ["王芳", "王芳 <wangfang@>", "<@example.com>"])
def test_an_address_no_server_could_take_fails_and_flags_the_record(ws: Workspace, bad: str) -> None:
    add_record(ws)
    queue(ws, mail(to=(bad,)))
    report = deliver_due(ws)
    assert report.failed == 1
    stored = row(ws, mail().key)
    assert stored.state == "failed" and bad in stored.last_error
    notice, dirty = record_flags(ws)
    assert dirty == 1 and "无法送达" in notice
    assert list(ws.cfg.outbox_dir.glob("*.eml")) == []
    assert "失败" in render_status(ws).split("== 邮件 ==")[1]


def test_a_mail_not_yet_due_waits(ws: Workspace) -> None:
    at = ws.clock.now().isoformat(timespec="seconds")
    later = ws.clock.now().replace(hour=23).isoformat(timespec="seconds")
    with ws.store.transaction():
        enqueue(ws.store, Mail(key="k", to=[APPROVER], subject="s", text="t"), sender=ws.cfg.mail.sender, at=at)
        ws.store.conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE key = 'k'", (later,))
    assert deliver_due(ws).sent == 0
    assert row(ws, "k").state == "queued"
