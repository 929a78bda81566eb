"""Email templates: every bundled one renders in zh and en, a workspace overrides by name, HTML is escaped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mail_helpers import mail, parse, queue, row

from processors.config import Person
from processors.errors import TemplateProblem
from processors.mail.message import build, to_bytes
from processors.mail.outbox import message_id
from processors.mail.render import EmailTemplateError, person_address, render
from processors.workspace import Workspace

SUMMARY = [("物料 Item", "石膏板"), ("规格 Spec", "9.5mm"), ("数量 Qty", "10 张"), ("金额 Amount", "¥285.00")]
SIGN = dict(form_title="采购申请", record_key="PR-2026-0001", summary=SUMMARY, step_label="部门负责人审批",
            approver_name="王芳", deputy_for=None, code="K7M3QX", expires="2026-12-02 10:32",
            sign_column="部门负责人 Dept head", file="采购申请.xlsx", row=7, approve_example="同意 K7M3QX",
            reject_example="驳回 K7M3QX 原因", codes=True)
CONTEXTS: dict[str, dict[str, Any]] = {
    "approval_request": SIGN,
    "reminder": {**SIGN, "reminder_number": 2, "waiting_since": "2026-11-27 09:00"},
    "escalation": dict(superior_name="郑涛", approver_name="王芳", step_label="部门负责人审批",
                       record_key="PR-2026-0001", summary=SUMMARY, waiting_since="2026-11-27 09:00", reminders=2,
                       form_title="采购申请"),
    "rejected": dict(applicant_name="李强", record_key="PR-2026-0001", summary=SUMMARY, rejected_by="王芳",
                     step_label="部门负责人审批", reason="数量太多", form_title="采购申请",
                     sign_column="部门负责人 Dept head", file="采购申请.xlsx", row=7),
    "route_restarted": dict(signer_name="王芳", record_key="PR-2026-0001", summary=SUMMARY,
                            step_label="部门负责人审批", form_title="采购申请", reason="数量由 10 改为 12"),
    "approved": dict(applicant_name="李强", record_key="PR-2026-0001", summary=SUMMARY,
                     stamps=["✔ 王芳 2026-11-29 10:32", "✔ 周刚 2026-11-29 14:05"], form_title="采购申请",
                     next_step="采购专员询价下单"),
    "code_guessing": dict(recipient_name="王芳", approver=True, approvers="王芳", form_title="采购申请",
                          record_key="PR-2026-0001", summary=SUMMARY, step_label="部门负责人审批",
                          sign_column="部门负责人 Dept head", file="采购申请.xlsx", row=7, at="2026-11-29 10:32",
                          until="2026-11-29 10:47", tries=5),
}
VARIANTS = [
    ("approval_request", {}),
    ("approval_request", {"codes": False, "code": "", "approve_example": "王芳", "reject_example": "驳回 王芳 原因"}),
    ("approval_request", {"deputy_for": "刘洋"}),
    ("reminder", {}),
    ("reminder", {"codes": False, "code": "", "approve_example": "王芳", "reject_example": "驳回 王芳 原因",
                  "deputy_for": "刘洋"}),
    ("escalation", {}),
    ("rejected", {}),
    ("rejected", {"reason": ""}),
    ("route_restarted", {}),
    ("approved", {}),
    ("approved", {"next_step": "", "stamps": []}),
    ("code_guessing", {}),
    ("code_guessing", {"recipient_name": "李强", "approver": False}),
]
WHAT_EACH_SAYS = {  # a phrase per template and language that shows it says the right thing
    ("approval_request", "zh"): "等待您审批", ("approval_request", "en"): "awaits your approval",
    ("reminder", "zh"): "第 2 次提醒", ("reminder", "en"): "reminder 2",
    ("escalation", "zh"): "已提醒 2 次", ("escalation", "en"): "2 reminders went unanswered",
    ("rejected", "zh"): "驳回", ("rejected", "en"): "was rejected by",
    ("route_restarted", "zh"): "重新开始", ("route_restarted", "en"): "starts again",
    ("approved", "zh"): "已审批通过", ("approved", "en"): "has been approved",
    ("code_guessing", "zh"): "锁定至 2026-11-29 10:47", ("code_guessing", "en"): "locked until 2026-11-29 10:47",
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(("name", "changes"), VARIANTS)
def test_every_template_renders_in_both_languages(make_workspace: Callable[..., Workspace], language: str,
                                                  name: str, changes: dict[str, Any]) -> None:
    ws = make_workspace(language=language)
    ctx = {**CONTEXTS[name], **changes}
    subject, text, html = render(ws, name, **ctx)
    assert "PR-2026-0001" in subject and "\n" not in subject
    assert not text.startswith(("Subject", "\n")) and text.endswith("\n")
    for part in (text, html):
        assert "PR-2026-0001" in part and "石膏板" in part and WHAT_EACH_SAYS[name, language] in part
    assert html.lstrip().startswith("<!DOCTYPE html>") and "<table" in html
    assert "http" not in html                                   # no external resources
    if name in ("approval_request", "reminder"):
        assert ("K7M3QX" in text) is ctx["codes"]
        assert ("刘洋" in text) is bool(ctx["deputy_for"])
        assert "采购申请.xlsx" in text and "部门负责人 Dept head" in text
    if name == "approved":
        assert all(stamp in text for stamp in ctx["stamps"])
    if name == "code_guessing":    # names the row and the time, and how to get a new code after the lock
        assert "采购申请.xlsx" in text and "2026-11-29 10:32" in text and ctx["recipient_name"] in text
        assert ("第 7 行" if language == "zh" else "row 7") in text
        assert ("输入“验证码”" if language == "zh" else 'type "new code"') in text


def test_workspace_template_overrides_the_bundled_one(ws: Workspace) -> None:
    folder = ws.cfg.templates_dir / "email"
    folder.mkdir(parents=True)
    (folder / "approved.zh.txt").write_text("Subject: 批了 {{ record_key }}\n\n{{ applicant_name }}：好了。\n",
                                            encoding="utf-8")
    subject, text, html = render(ws, "approved", **CONTEXTS["approved"])
    assert (subject, text) == ("批了 PR-2026-0001", "李强：好了。\n")
    assert "已审批通过" in html                                   # the HTML was not overridden: bundled one


def test_workspace_layout_override_reaches_every_html_email(ws: Workspace) -> None:
    folder = ws.cfg.templates_dir / "email"
    folder.mkdir(parents=True)
    (folder / "_layout.html").write_text("<html><body>府尚 {% block body %}{% endblock %}</body></html>",
                                         encoding="utf-8")
    assert render(ws, "rejected", **CONTEXTS["rejected"])[2].startswith("<html><body>府尚 ")


def test_missing_language_falls_back_to_english(ws: Workspace) -> None:
    folder = ws.cfg.templates_dir / "email"
    folder.mkdir(parents=True)
    (folder / "supplier_note.en.txt").write_text("Subject: Note {{ n }}\n\nHello.\n", encoding="utf-8")
    assert ws.cfg.language == "zh"
    assert render(ws, "supplier_note", n=1) == ("Note 1", "Hello.\n", "")


def test_html_is_autoescaped_and_text_is_not(ws: Workspace) -> None:
    evil = "<script>alert(1)</script>"
    ctx = {**CONTEXTS["approval_request"], "summary": [("备注 Remarks", evil)], "approver_name": "A&B"}
    _, text, html = render(ws, "approval_request", **ctx)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A&amp;B" in html
    assert evil in text and "A&B" in text


def test_a_missing_variable_fails_loudly(ws: Workspace) -> None:
    ctx = dict(CONTEXTS["approved"])
    del ctx["next_step"]
    with pytest.raises(TemplateProblem, match="next_step") as caught:
        render(ws, "approved", **ctx)
    assert (caught.value.template, caught.value.override, caught.value.variable) == (
        "email/approved.zh.txt", False, "next_step")


def test_a_template_without_subject_line_is_refused(ws: Workspace) -> None:
    folder = ws.cfg.templates_dir / "email"
    folder.mkdir(parents=True)
    (folder / "approved.zh.txt").write_text("您好\n", encoding="utf-8")
    with pytest.raises(EmailTemplateError, match="Subject"):
        render(ws, "approved", **CONTEXTS["approved"])


@pytest.mark.parametrize(("name", "email", "expected", "encoded"), [
    ("王芳", "wangfang@example.com", "王芳 <wangfang@example.com>", "=?utf-8?b?546L6Iqz?="),
    ("Wang, Fang", "wf@example.com", '"Wang, Fang" <wf@example.com>', '"Wang, Fang"'),
    ("Li Qiang", "lq@example.com", "Li Qiang <lq@example.com>", "Li Qiang <lq@example.com>"),
    ("王芳", "", "", None),
])
def test_person_address_formats_and_encodes_in_headers(ws: Workspace, name: str, email: str, expected: str,
                                                       encoded: str | None) -> None:
    person = Person(id="p", name=name, email=email, department="工程部", roles=())
    assert person_address(person) == expected
    if encoded is None:
        return
    queue(ws, mail(to=(expected,)))
    data = to_bytes(build(row(ws, mail().key), ws.cfg.mail.sender, ws.clock.now()))
    header = next(line for line in data.decode("ascii").split("\r\n") if line.startswith("To:"))
    assert encoded in header                                     # pure ASCII on the wire
    address = parse(data)["To"].addresses[0]
    assert (address.display_name, address.addr_spec) == (name, email)
    assert parse(data)["Message-ID"] == message_id(mail().key, ws.cfg.mail.sender)
