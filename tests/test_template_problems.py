"""A broken template names its file, line and variable; a broken override is never swapped for the bundled file.

Real workspaces with their own templates/ folder, real Jinja and WeasyPrint: what the person who
edited the override reads is the message, so the tests read it too (Chinese and English).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from documents_helpers import order_context, pypdf_text
from PIL import Image

from processors.documents.pdf import DocumentError, ResourceRefusedError, render_pdf
from processors.errors import SheetflowError, TemplateProblem
from processors.i18n import Translator
from processors.mail.render import EmailTemplateError, render
from processors.resources import bundled_dir
from processors.template_problems import describe
from processors.workspace import Workspace

SUMMARY = [("物料 Item", "石膏板"), ("数量 Qty", "10 张")]
SIGN: dict[str, Any] = dict(
    form_title="采购申请", record_key="PR-2026-0001", summary=SUMMARY, step_label="部门负责人审批",
    approver_name="王芳", deputy_for=None, code="K7M3QX", expires="2026-12-02 10:32",
    sign_column="部门负责人 Dept head", file="采购申请.xlsx", row=7, approve_example="同意 K7M3QX",
    reject_example="驳回 K7M3QX 原因", codes=True)
MISSPELT = "Subject: 【待审批】{{ record_key }}\n\n{{ approver_nmae }}，您好：\n请审批。\n"
ZH, EN = Translator("zh"), Translator("en")


def override(ws_or_templates: Workspace | Path, relative: str, text: str | bytes) -> Path:
    """Write the workspace's own templates/{relative}, as a company customising its mail or documents would."""
    templates = ws_or_templates.cfg.templates_dir if isinstance(ws_or_templates, Workspace) else ws_or_templates
    path = templates / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def fault_of(ws: Workspace, name: str = "approval_request", **ctx: Any) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        render(ws, name, **{**SIGN, **ctx})
    return caught.value


def where(fault: TemplateProblem) -> tuple[str, bool, int | None, str | None, str]:
    return fault.template, fault.override, fault.line, fault.variable, fault.code


# -- mail -------------------------------------------------------------------------------------------------


def test_a_misspelt_variable_in_a_workspace_mail_names_file_line_and_variable(ws: Workspace) -> None:
    override(ws, "email/approval_request.zh.txt", MISSPELT)
    fault = fault_of(ws)
    assert where(fault) == ("email/approval_request.zh.txt", True, 3, "approver_nmae", "undefined")
    assert isinstance(fault, SheetflowError)
    text = str(fault)
    assert "templates/email/approval_request.zh.txt 第 3 行：变量 approver_nmae 未定义" in text
    assert "templates/email/approval_request.zh.txt line 3: undefined variable approver_nmae" in text
    assert "Traceback" not in text and "jinja2" not in text


def test_the_row_message_is_in_the_workspace_language_and_says_the_rest_goes_on(ws: Workspace) -> None:
    override(ws, "email/approval_request.zh.txt", MISSPELT)
    fault = fault_of(ws)
    zh = ZH("template_problem.row", problem=describe(fault, ZH))
    assert zh.startswith("模板有误") and "其余照常处理" in zh
    assert "第 3 行" in zh and "approver_nmae" in zh and "line 3" not in zh
    en = EN("template_problem.row", problem=describe(fault, EN))
    assert "line 3: undefined variable approver_nmae" in en and "everything else goes on" in en
    assert "第 3 行" not in en
    assert ZH("template_problem.status") == "模板有误" and EN("template_problem.status") == "template fault"


def test_a_row_held_by_a_template_fault_says_so_in_its_status_and_the_others_go_on(ws: Workspace, book: Any) -> None:
    from conftest import good_row

    from processors.passes import run_pass

    override(ws, "email/approval_request.zh.txt", MISSPELT)
    book.put_rows([good_row(), good_row(quantity=0)])
    run_pass(ws)
    held, invalid = book.system(2), book.system(3)
    assert (held["status"], held["key"]) == ("模板有误", "")
    assert held["message"].startswith("模板有误") and "approver_nmae" in held["message"]
    assert invalid["status"] == "无效" and "数量" in invalid["message"]
    override(ws, "email/approval_request.zh.txt", MISSPELT.replace("approver_nmae", "approver_name"))
    run_pass(ws)                    # mended by the administrator: the held row goes through, nothing retyped
    assert book.cell(2, "key") == "PR-2026-0001" and book.cell(2, "status") != "模板有误"


def test_a_broken_override_is_not_swapped_for_the_bundled_file(ws: Workspace) -> None:
    """The bundled zh template would render: the company's own version is what must be used, or nothing."""
    assert render(ws, "approval_request", **SIGN)[0].startswith("【待审批】")
    override(ws, "email/approval_request.zh.txt", MISSPELT)
    assert fault_of(ws).override is True
    override(ws, "email/approval_request.zh.txt", MISSPELT.replace("approver_nmae", "approver_name"))
    subject, text, _html = render(ws, "approval_request", **SIGN)
    assert (subject, text) == ("【待审批】PR-2026-0001", "王芳，您好：\n请审批。\n")      # fixed: used at once


def test_a_syntax_error_names_its_line(ws: Workspace) -> None:
    override(ws, "email/approved.zh.txt", "Subject: 已批 {{ record_key }}\n\n{% if applicant_name %}\n您好\n")
    fault = fault_of(ws, "approved")
    assert where(fault)[:3] == ("email/approved.zh.txt", True, 4) and fault.code == "syntax"
    assert "templates/email/approved.zh.txt 第 4 行：模板语法错误" in str(fault)
    assert "line 4: template syntax error" in str(fault)


@pytest.mark.parametrize(("text", "code", "line", "says"), [
    ("您好 {{ approver_name }}\n", "no_subject", 1, "必须是“Subject: 邮件标题”，现在是“您好 王芳”"),
    ("Subject:   \n\n您好\n", "empty_subject", 1, "“Subject:”后面是空的"),
    ("{# 审批邮件 #}\nSubject: {{ nothing | default('') }}\n\n您好\n", "empty_subject", 2, "后面是空的"),
])
def test_a_missing_or_empty_subject_line_names_the_file(ws: Workspace, text: str, code: str, line: int,
                                                        says: str) -> None:
    override(ws, "email/approval_request.zh.txt", text)
    fault = fault_of(ws)
    assert isinstance(fault, EmailTemplateError)
    assert where(fault) == ("email/approval_request.zh.txt", True, line, None, code)
    assert says in str(fault) and "Subject" in describe(fault, EN)


def test_a_fault_in_a_partial_names_the_partial_not_the_mail_that_includes_it(ws: Workspace) -> None:
    bundled = (bundled_dir("templates") / "email" / "_sign.zh.txt").read_text(encoding="utf-8")
    override(ws, "email/_sign.zh.txt", bundled.replace("{{ sign_column }}", "{{ sign_colum }}", 1))
    fault = fault_of(ws)
    assert where(fault) == ("email/_sign.zh.txt", True, 2, "sign_colum", "undefined")


def test_a_fault_in_the_html_part_names_the_html_file(ws: Workspace) -> None:
    override(ws, "email/approval_request.zh.html",
             '{% extends "email/_layout.html" %}\n{% block body %}\n<p>{{ approver.name }}</p>\n{% endblock %}\n')
    fault = fault_of(ws)
    assert where(fault) == ("email/approval_request.zh.html", True, 3, "approver", "undefined")


def test_an_attribute_that_does_not_exist_is_named(ws: Workspace) -> None:
    override(ws, "email/approval_request.zh.txt",
             "Subject: 待审批 {{ record_key }}\n\n{% for label, value in summary %}\n{{ label.titel }}\n{% endfor %}\n")
    fault = fault_of(ws)
    assert where(fault) == ("email/approval_request.zh.txt", True, 4, "titel", "undefined_attribute")


def test_an_include_of_a_missing_partial_names_the_including_line(ws: Workspace) -> None:
    override(ws, "email/approval_request.zh.txt",
             'Subject: 待审批 {{ record_key }}\n\n您好\n{% include "email/_signature.zh.txt" %}\n')
    fault = fault_of(ws)
    assert where(fault) == ("email/approval_request.zh.txt", True, 4, None, "include_missing")
    assert "email/_signature.zh.txt" in str(fault) and "不存在" in str(fault)


def test_a_mail_nobody_wrote_a_template_for(ws: Workspace) -> None:
    fault = fault_of(ws, "supplier_thanks")
    assert fault.code == "missing" and fault.line is None
    assert "email/supplier_thanks.zh.txt" in str(fault) and "email/supplier_thanks.en.txt" in str(fault)


def test_a_bundled_template_missing_a_variable_is_named_as_bundled(ws: Workspace) -> None:
    """The engine forgot a variable: the message must not send the person looking in their own templates/."""
    ctx = {k: v for k, v in SIGN.items() if k != "expires"}
    with pytest.raises(TemplateProblem) as caught:
        render(ws, "approval_request", **ctx)
    assert where(caught.value) == ("email/_sign.zh.txt", False, 5, "expires", "undefined")
    assert str(caught.value).startswith("内置模板 email/_sign.zh.txt 第 5 行：变量 expires 未定义")


def test_an_english_workspace_names_its_own_english_override(make_workspace: Any) -> None:
    ws = make_workspace(language="en")
    override(ws, "email/approval_request.en.txt", "Subject: Approve {{ record_key }}\n\nDear {{ approver }},\n")
    fault = fault_of(ws)
    assert where(fault) == ("email/approval_request.en.txt", True, 3, "approver", "undefined")


# -- documents --------------------------------------------------------------------------------------------

BODY = '{% extends "documents/_base.html" %}\n{% block body %}\n<h1>{{ order.number }}</h1>\n'


def document_fault(templates: Path, context: dict[str, Any] | None = None) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        render_pdf("purchase_order", context or order_context(), templates)
    assert isinstance(caught.value, DocumentError)        # and still a DocumentError: this document is not made
    return caught.value


def test_a_document_override_with_an_unknown_filter_names_file_and_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    override(templates, "documents/purchase_order.html", BODY + "<p>{{ order.total | monye }}</p>\n{% endblock %}")
    fault = document_fault(templates)
    assert where(fault) == ("documents/purchase_order.html", True, 4, None, "unknown_filter")
    assert "第 4 行：没有名为 monye 的过滤器" in str(fault) and "money、capitals、quantity" in str(fault)


def test_a_filter_given_a_value_it_cannot_take_names_the_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    override(templates, "documents/purchase_order.html",
             BODY + "<p>{{ order.total | capitals }}</p>\n<p>{{ supplier.name | money }}</p>\n{% endblock %}")
    fault = document_fault(templates)
    assert where(fault) == ("documents/purchase_order.html", True, 5, None, "render_failed")
    assert "上海建材贸易有限公司" in fault.detail                 # the value the filter refused


def test_a_document_override_with_a_misspelt_variable_is_not_swapped_for_the_bundled_one(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    assert "PO-2026-0007" in pypdf_text(render_pdf("purchase_order", order_context(), templates))  # bundled: fine
    override(templates, "documents/purchase_order.html", BODY + "<p>{{ order.suplier }}</p>\n{% endblock %}")
    fault = document_fault(templates)
    assert where(fault) == ("documents/purchase_order.html", True, 4, "suplier", "undefined_attribute")
    assert "templates/documents/purchase_order.html 第 4 行" in str(fault)


def test_a_broken_letterhead_partial_is_named_itself(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    base = (bundled_dir("templates") / "documents" / "_base.html").read_text(encoding="utf-8")
    assert "{{ company.name }}" in base
    override(templates, "documents/_base.html", base.replace("{{ company.name }}", "{{ compnay.name }}"))
    fault = document_fault(templates)
    line = next(n for n, text in enumerate(base.splitlines(), 1) if "{{ company.name }}" in text)
    assert where(fault) == ("documents/_base.html", True, line, "compnay", "undefined")


def test_a_document_syntax_error_names_its_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    override(templates, "documents/purchase_order.html", BODY + "{% for line in lines %}\n<p>{{ line.item }</p>\n")
    fault = document_fault(templates)
    assert where(fault)[:3] == ("documents/purchase_order.html", True, 5) and fault.code == "syntax"


def test_an_image_weasyprint_cannot_use_refuses_the_document(tmp_path: Path) -> None:
    """WeasyPrint only logs an unreadable image; the document must not be issued without its logo."""
    templates = tmp_path / "templates"
    override(templates, "documents/logo.png", b"this is not a PNG")
    override(templates, "documents/purchase_order.html", BODY + '<img src="logo.png" alt="logo">\n{% endblock %}')
    fault = document_fault(templates)
    assert where(fault) == ("documents/purchase_order.html", True, None, None, "asset_unusable")
    assert "documents/logo.png" in fault.detail and "无法使用" in str(fault)
    Image.new("RGB", (40, 20), (200, 30, 30)).save(templates / "documents" / "logo.png")     # a real one: issued
    assert render_pdf("purchase_order", order_context(), templates).startswith(b"%PDF-")


def test_a_stylesheet_asking_for_a_url_is_refused_and_named(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    override(templates, "documents/document.css", '@import url("https://fonts.example.com/x.css");\n@page { size: A4 }')
    with pytest.raises(ResourceRefusedError) as caught:
        render_pdf("purchase_order", order_context(), templates)
    assert where(caught.value) == ("documents/document.css", True, None, None, "resource_refused")
    assert isinstance(caught.value, TemplateProblem) and "https://fonts.example.com/x.css" in str(caught.value)


def test_html_weasyprint_gives_up_on_names_the_template(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    override(templates, "documents/purchase_order.html",
             BODY + '{{ ("<div>" * 4000) | safe }}x{{ ("</div>" * 4000) | safe }}\n{% endblock %}')
    fault = document_fault(templates)
    assert where(fault) == ("documents/purchase_order.html", True, None, None, "layout")
    assert "WeasyPrint" in str(fault) and "RecursionError" in fault.detail


def test_a_document_nobody_wrote_a_template_for(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_pdf("delivery_note", order_context(), tmp_path / "templates")
    assert (caught.value.template, caught.value.code) == ("documents/delivery_note.html", "missing")


# -- the sandbox: a template shows values, it never runs code --------------------------------------------

ESCAPES = [  # what a template could do to reach the host in Jinja's plain environment
    "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{% set x = [] %}{{ x.append(1) }}",
    "{{ range(10 ** 9) | list | length }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_mail_override_cannot_run_code(ws: Workspace, tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "ran"
    override(ws, "email/approval_request.zh.txt",
             "Subject: 【待审批】{{ record_key }}\n\n" + payload.replace("MARKER", str(marker)) + "\n")
    fault = fault_of(ws)
    assert (fault.code, fault.override, fault.line) == ("unsafe", True, 3), fault
    assert not marker.exists()                                   # nothing ran on the host
    assert "模板不允许" in str(fault) and "may not do" in str(fault)


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_document_override_cannot_run_code(tmp_path: Path, payload: str) -> None:
    templates, marker = tmp_path / "templates", tmp_path / "ran"
    override(templates, "documents/purchase_order.html",
             BODY + "<p>" + payload.replace("MARKER", str(marker)) + "</p>\n{% endblock %}")
    fault = document_fault(templates)
    assert (fault.code, fault.override, fault.line) == ("unsafe", True, 4), fault
    assert not marker.exists()


def test_the_bundled_templates_render_in_the_sandbox(ws: Workspace) -> None:
    """What the bundled mail and order do (filters, loops, includes, macros) is what the sandbox allows."""
    subject, text, html = render(ws, "approval_request", **SIGN)
    assert "PR-2026-0001" in subject and "K7M3QX" in text and html and "K7M3QX" in html
    assert "PO-2026-0007" in pypdf_text(render_pdf("purchase_order", order_context(), None))
