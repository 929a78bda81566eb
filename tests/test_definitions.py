"""A wrong form definition or config fails at start, naming the file, the key and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli

from processors.errors import ConfigError, FormDefinitionError
from processors.init_workspace import init_workspace
from processors.resources import bundled_dir
from processors.workspace import Workspace

FORM = (bundled_dir("forms") / "purchase_request.toml").read_text("utf-8")


def _workspace_with_form(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "w"
    init_workspace(root)
    (root / "forms").mkdir(exist_ok=True)
    (root / "forms" / "purchase_request.toml").write_text(text, "utf-8")
    return root


@pytest.mark.parametrize(("old", "new", "key", "expected"), [
    ('type = "decimal"', 'type = "float"', "fields[6].type", "one of text, integer"),
    ('prefix = "PR"', 'prefix = "pr-"', "numbering.prefix", "capital letters"),
    ('name = "quantity"', 'name = "item"', "fields[6].name", "unique name"),
    ('check = "nonstandard_needs_attachment"', 'check = "no_such_rule"', "rules[0].check", "a known rule"),
    ('same_department_as = "department"', 'same_department_as = "dept"', "route[0].same_department_as",
     "the name of a field"),
    ('role = "department_head"\nsame', 'same', "route[0].role", "is required"),
    ('on_valid = "approved"', 'on_valid = "done"', "workflow.on_valid", "one of the states"),
    ('column = "purchasing_review"', 'column = "item"', "route[1].column", 'type = "signoff"'),
    ('column = "purchasing_review"', 'column = "dept_head"', "route[1].column", "no other step"),
    ('multiply = ["quantity", "unit_price"]', 'multiply = ["quantity", "item"]', "amount.multiply", "numeric"),
    ('when = { amount_over = "request_gm" }', 'when = { colour = "red" }', "route[2].when.colour", "a known key"),
    ('[workflow.states.rejected]', '[workflow.states.refused]', "workflow.states.rejected", "end of the approval"),
    ('gt = 0', 'gt = "zero"', "fields[6].gt", "an integer or a number"),
    ('width = 8', 'widht = 8', "fields[6].widht", "a known key"),
    ('role = "status"', 'role = "state"', "system[1].role", "one of key, status"),
    ('label = { zh = "备注", en = "Remarks" }\ntype = "text"',
     'label = { zh = "备注", en = "Remarks" }\ntype = "signoff"', "route", "signoff field 'remarks'"),
    ('label = { zh = "数量", en = "Quantity" }', 'label = { zh = "数量" }', "fields[6].label", "both zh and en"),
    ('id = "purchase_request"', 'id = "purchase_request"\nid2 = [', "(syntax)", "valid TOML"),
])
def test_wrong_form_definition_is_named(tmp_path: Path, old: str, new: str, key: str, expected: str) -> None:
    assert old in FORM
    root = _workspace_with_form(tmp_path, FORM.replace(old, new, 1))
    ws = Workspace(root)   # a workspace's own wrong form holds that form alone (and those read after it)
    try:
        problem = ws.form_problems[0]
        assert "purchase_request" not in ws.forms and "unit" in ws.forms
    finally:
        ws.close()
    assert isinstance(problem, FormDefinitionError)
    assert problem.path.endswith("forms/purchase_request.toml")
    assert problem.key == key
    assert expected in problem.expected


def test_cli_reports_a_wrong_form_without_traceback(tmp_path: Path) -> None:
    root = _workspace_with_form(tmp_path, FORM.replace('type = "decimal"', 'type = "float"', 1))
    proc = run_cli("run", "-w", str(root))
    assert proc.returncode == 1                      # said, held; the other forms ran
    assert "purchase_request.toml: fields[6].type: one of" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.parametrize(("old", "new", "key", "expected"), [
    ('language = "zh"', 'language = "fr"', "language", "one of zh, en"),
    ('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"', "timezone", "IANA time zone"),
    ('debounce_seconds = 0.5', 'debounce_seconds = -1', "watch.debounce_seconds", "positive"),
    ('department = "工程部"', 'department = "市场部"', "people.wangfang.department", "departments list"),
    ('email = "wangfang@example.com"', 'email = "wangfang"', "people.wangfang.email", "an email address"),
    ('[company]', '[compnay]', "compnay", "a known key"),
])
def test_wrong_config_is_named(tmp_path: Path, old: str, new: str, key: str, expected: str) -> None:
    root = tmp_path / "w"
    init_workspace(root)
    text = (root / "config.toml").read_text("utf-8")
    assert old in text
    (root / "config.toml").write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(ConfigError) as info:
        Workspace(root)
    assert info.value.key == key
    assert expected in info.value.expected


def test_workspace_form_overrides_the_bundled_one(tmp_path: Path) -> None:
    root = _workspace_with_form(tmp_path, FORM.replace('prefix = "PR"', 'prefix = "QG"', 1))
    ws = Workspace(root)
    try:
        assert ws.forms["purchase_request"].prefix == "QG"
    finally:
        ws.close()


def test_not_a_workspace(tmp_path: Path) -> None:
    proc = run_cli("status", "-w", str(tmp_path))
    assert proc.returncode == 2
    assert re.search(r"sheetflow init", proc.stderr)
    assert "Traceback" not in proc.stderr
