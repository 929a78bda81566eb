"""A company adds its own kind from an installed package; a broken plugin or an unknown kind stops sheetflow at start.

The package is really installed the way pip leaves one: a module and a
`*.dist-info` folder (METADATA, entry_points.txt) in a folder on sys.path, so
importlib.metadata finds its `sheetflow` entry point exactly as it finds a
wheel's. Nothing of sheetflow is replaced: the pass reads and writes a real
.xlsx and the kind's hooks are called through pluggy as the built-in ones are.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import NOW, TZ, run_cli
from python_calamine import CalamineWorkbook

from processors.clock import Clock
from processors.errors import FormDefinitionError
from processors.init_workspace import init_workspace
from processors.kinds import KindPluginError
from processors.passes import run_pass
from processors.workspace import Workspace

DIST = "company-kinds"
BOOK, SHEET = "费用报销.xlsx", "费用报销"

# The company's form: data, as every form is. Its kind names what the company's package provides.
CLAIM_FORM = """
id = "expense_claim"
kind = "company_check"
title = { zh = "费用报销", en = "Expense claims" }
file = "费用报销.xlsx"
sheet = "费用报销"

[numbering]
prefix = "EX"
digits = 4

[[fields]]
name = "claimant"
label = { zh = "报销人", en = "Claimant" }
type = "text"
required = true

[[fields]]
name = "amount"
label = { zh = "金额", en = "Amount" }
type = "decimal"
required = true
gt = 0

[[system]]
role = "key"
label = { zh = "报销编号", en = "Claim No." }

[[system]]
role = "status"
label = { zh = "状态", en = "Status" }

[[system]]
role = "message"
label = { zh = "系统说明", en = "Message" }

[workflow]
on_valid = "approved"

[workflow.states.approved]
label = { zh = "已批准", en = "approved" }
next = { zh = "已批准。", en = "Approved." }
"""

# The company's package: a Kind subclass and the hook that names it, nothing of sheetflow edited.
COMPANY_KIND = """
from processors.kinds import Kind, hookimpl

LIMIT = 5000


class CompanyCheck(Kind):
    def check(self, result, key, row):
        amount = result.values.get("amount")
        if amount is not None and amount > LIMIT:
            result.problems.append(self.problem("amount", zh=f"超过公司报销上限 {LIMIT} 元，请拆分或找财务总监",
                                                en=f"over the company limit of {LIMIT}"))
        return ""

    def guidance(self, record):
        if record.state == "approved":
            return self.t.pick({"zh": "已批准，随下月工资发放。", "en": "Approved; paid with next month's salary."})
        return None


@hookimpl
def sheetflow_kinds():
    return {"company_check": CompanyCheck}
"""

_modules = itertools.count()


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Path]]:
    """Install a one-module package (its source given) into a fresh folder put on sys.path; gone after the test."""
    names: list[str] = []

    def make(source: str) -> Path:
        module = f"company_kinds_{next(_modules)}"  # a fresh name: sys.modules keeps what a test imported
        site = tmp_path / f"site-{module}"
        info = site / "company_kinds-1.0.dist-info"
        info.mkdir(parents=True)
        (site / f"{module}.py").write_text(textwrap.dedent(source), "utf-8")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 1.0\n", "utf-8")
        (info / "entry_points.txt").write_text(f"[sheetflow]\ncompany = {module}\n", "utf-8")
        monkeypatch.syspath_prepend(str(site))
        names.append(module)
        return site

    yield make
    for module in names:
        sys.modules.pop(module, None)


def _workspace_root(tmp_path: Path, form: str | None = None) -> Path:
    root = tmp_path / "ws"
    if form is not None:
        (root / "forms").mkdir(parents=True)
        (root / "forms" / "expense_claim.toml").write_text(form, "utf-8")
    init_workspace(root)  # authors every form's workbook, the company's too
    return root


def _open(root: Path) -> Workspace:
    return Workspace(root, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))


def _claims(ws: Workspace) -> list[dict[str, object]]:
    """The claim rows as a person sees them, by column header."""
    form = ws.forms["expense_claim"]
    wb = CalamineWorkbook.from_path(str(ws.cfg.sheets_dir / BOOK))
    try:
        grid = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    finally:
        wb.close()
    names = {f.header(): f.name for f in form.fields} | {c.header(): c.role for c in form.system}
    header = [names.get(str(h), "") for h in grid[0]]
    return [dict(zip(header, row, strict=False)) for row in grid[1:] if any(row)]


def test_an_installed_package_adds_a_kind_whose_check_speaks_in_the_row(tmp_path: Path,
                                                                       install: Callable[[str], Path]) -> None:
    install(COMPANY_KIND)
    root = _workspace_root(tmp_path, CLAIM_FORM)
    book = openpyxl.load_workbook(root / "sheets" / BOOK)
    col = {str(c.value).split()[0]: c.column for c in book[SHEET][1] if c.value}   # by header, as a person looks
    for r, (who, amount) in enumerate([("李强", 6800), ("王芳", 120)], start=2):
        book[SHEET].cell(row=r, column=col["报销人"]).value = who
        book[SHEET].cell(row=r, column=col["金额"]).value = amount
    book.save(root / "sheets" / BOOK)
    ws = _open(root)
    try:
        report = run_pass(ws)
        claims = _claims(ws)
    finally:
        ws.close()
    [rep] = [f for f in report.files if f.form == "expense_claim"]
    assert rep.problem is None
    over, fine = claims
    assert over["key"] in ("", None)
    assert over["message"] == "「金额」：超过公司报销上限 5000 元，请拆分或找财务总监"
    assert fine["key"] == "EX-2026-0001"
    assert "随下月工资发放" in str(fine["message"])   # the kind's guidance, through the same contract


BROKEN = {
    "wrong signature": (COMPANY_KIND.replace("def check(self, result, key, row):",
                                             "def check(self, result, key, row, budget):"),
                        "check", ["budget", "hookspecs.py"]),
    "does not import": ("raise RuntimeError('licence file missing')\n" + COMPANY_KIND,
                        "import", ["RuntimeError: licence file missing"]),
    "not a Kind": (COMPANY_KIND.replace('{"company_check": CompanyCheck}', '{"company_check": dict}'),
                   "sheetflow_kinds", ["company_check", "processors.kinds.Kind"]),
    "takes a built-in name": (COMPANY_KIND.replace('{"company_check": CompanyCheck}',
                                                   '{"purchase_order": CompanyCheck}'),
                              "sheetflow_kinds", ["purchase_order", "processors.orders.kinds"]),
    "sheetflow_kinds takes an argument": (COMPANY_KIND.replace("def sheetflow_kinds():",
                                                               "def sheetflow_kinds(config):"),
                                          "sheetflow_kinds", ["config"]),
    "a kind's hook outside its class": (COMPANY_KIND + "\n\n@hookimpl\ndef check(result, key, row):\n    return ''\n",
                                        "hookimpl", ["check", "Kind"]),
    "misspelt hook": (COMPANY_KIND.replace("    def guidance(self, record):",
                                           "    @hookimpl\n    def guidence(self, record):"),
                      "hookimpl", ["CompanyCheck.guidence", "guidance"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_plugin_stops_the_workspace_at_start_naming_it(tmp_path: Path, install: Callable[[str], Path],
                                                                case: str) -> None:
    source, key, says = BROKEN[case]
    install(source)
    root = _workspace_root(tmp_path)   # no form uses the kind: an installed, broken package is still refused
    with pytest.raises(KindPluginError) as info:
        _open(root)
    assert f"{DIST} 1.0" in info.value.path and "company = company_kinds_" in info.value.path
    assert info.value.key == key
    for text in says:
        assert text in info.value.expected


def test_cli_says_which_plugin_is_broken_without_a_traceback(tmp_path: Path, install: Callable[[str], Path]) -> None:
    site = install(BROKEN["wrong signature"][0])
    root = _workspace_root(tmp_path)
    proc = run_cli("run", "-w", str(root), env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2
    assert f"{DIST} 1.0" in proc.stderr and ": check: " in proc.stderr and "budget" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_an_unknown_kind_names_the_form_and_lists_the_known_ones(tmp_path: Path) -> None:
    root = _workspace_root(tmp_path, CLAIM_FORM)   # the company's package is not installed here
    with pytest.raises(FormDefinitionError) as info:
        _open(root)
    assert info.value.path.endswith("forms/expense_claim.toml")
    assert info.value.key == "kind"
    assert "「company_check」" in info.value.expected
    for builtin in ("purchase_plan", "order_line", "purchase_order", "unit", "lease", "rent_payment",
                    "tenant_sales", "fitout"):
        assert builtin in info.value.expected
