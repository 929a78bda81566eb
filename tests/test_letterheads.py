"""A letterhead per form family: [company] is the default, [company.leasing] (purchasing, sales) another company.

One workspace serves a group whose companies each sign their own documents: the mall's company leases the
units, the decoration company buys. Read from a real config.toml, checked with bilingual messages, and
seen where it matters: the company heading, sealing and named in the documents issued by the real flows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from approvals_helpers import mails_to
from conftest import run_cli
from orders_flow import Flow
from test_leases import START, Mall

from processors.config_sections import Letterhead
from processors.errors import ConfigError
from processors.init_workspace import init_workspace
from processors.workspace import Workspace

DEFAULT = '[company]\nname = "甲公司"\naddress = "甲地址"\nphone = "021-1111"\n'


def with_company(root: Path, company: str) -> Path:
    """config.toml with its whole company part ([company] and its family tables) replaced by `company`."""
    path = root / "config.toml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("[company]"))
    end = next(i for i, line in enumerate(lines) if line.startswith("[backend]"))
    path.write_text("".join(lines[:start]) + company + "\n" + "".join(lines[end:]), encoding="utf-8")
    return path


def without_family_letterheads(root: Path) -> None:
    """The bundled config.toml minus its [company.leasing]: every document carries [company]."""
    path = root / "config.toml"
    kept, skipping = [], False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.startswith("[company.")
        if not skipping:
            kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")


def letterheads(tmp_path: Path, company: str) -> dict[str, Letterhead]:
    root = tmp_path / "w"
    init_workspace(root)
    with_company(root, company)
    ws = Workspace(root)
    try:
        return {family: ws.cfg.letterhead_for(family) for family in ("purchasing", "leasing", "sales", None)}
    finally:
        ws.close()


A = Letterhead("甲公司", "甲地址", "021-1111", "甲公司", "")
# the company part of config.toml -> the letterhead of each family (None: a document of no family)
CASES = [
    (DEFAULT, {"purchasing": A, "leasing": A, "sales": A, None: A}),
    (DEFAULT + '[company.leasing]\nname = "乙商管"\naddress = "乙地址"\n',
     {"purchasing": A, "leasing": Letterhead("乙商管", "乙地址", "021-1111", "乙商管", ""), "sales": A, None: A}),
    (DEFAULT + 'seal_name = "上海甲公司"\nlegal_representative = "张三"\n[company.leasing]\nphone = "021-2222"\n',
     {"leasing": Letterhead("甲公司", "甲地址", "021-2222", "上海甲公司", "张三"),
      "purchasing": Letterhead("甲公司", "甲地址", "021-1111", "上海甲公司", "张三")}),
    (DEFAULT + 'seal_name = "上海甲公司"\nlegal_representative = "张三"\n[company.leasing]\nname = "乙商管"\n',
     {"leasing": Letterhead("乙商管", "甲地址", "021-1111", "乙商管", "")}),   # another company: not 张三's seal
    (DEFAULT + '[company.sales]\nname = "丙贸易"\nseal_name = "上海丙贸易有限公司"\nlegal_representative = "李四"\n'
               '[company.purchasing]\naddress = "甲仓库"\n',
     {"sales": Letterhead("丙贸易", "甲地址", "021-1111", "上海丙贸易有限公司", "李四"),
      "purchasing": Letterhead("甲公司", "甲仓库", "021-1111", "甲公司", ""), "leasing": A}),
]


@pytest.mark.parametrize(("company", "expected"), CASES)
def test_each_family_takes_its_own_letterhead_over_the_default(tmp_path: Path, company: str,
                                                               expected: dict[str | None, Letterhead]) -> None:
    found = letterheads(tmp_path, company)
    assert {family: found[family] for family in expected} == expected


@pytest.mark.parametrize(("company", "key", "words"), [
    (DEFAULT + '[company.leasng]\nname = "乙商管"\n', "company.leasng",
     ("业务线", "[company.leasing]", "a form family")),
    (DEFAULT + '[company.leasing]\nnmae = "乙商管"\n', "company.leasing.nmae", ("抬头", "a letterhead key", "name")),
    (DEFAULT + '[company.leasing]\nname = " "\n', "company.leasing.name", ("非空文字", "a non-empty string")),
    (DEFAULT + 'leasing = "乙商管"\n', "company.leasing", ("一个表", "a table [company.leasing]")),
    (DEFAULT.replace('"甲公司"', "3"), "company.name", ("非空文字", "got 3")),
    (DEFAULT + 'fax = "021-3333"\n', "company.fax", ("[company] 下只能写", "one of name, address")),
])
def test_a_wrong_letterhead_is_named_in_chinese_and_english(tmp_path: Path, company: str, key: str,
                                                            words: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as info:
        letterheads(tmp_path, company)
    assert info.value.key == key
    assert info.value.path.endswith("config.toml")
    for word in words:
        assert word in info.value.expected, info.value.expected


def test_the_command_says_what_is_wrong_without_a_traceback(tmp_path: Path) -> None:
    root = tmp_path / "w"
    init_workspace(root)
    with_company(root, DEFAULT + '[company.leasng]\nname = "乙商管"\n')
    proc = run_cli("status", "-w", str(root))
    assert proc.returncode == 2
    assert "config.toml: company.leasng:" in proc.stderr and "业务线" in proc.stderr and "form family" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_the_bundled_example_leases_as_the_mall_company_and_buys_as_the_default(tmp_path: Path) -> None:
    root = tmp_path / "w"
    init_workspace(root)
    ws = Workspace(root)
    try:
        assert ws.cfg.letterhead_for("leasing").name == "府尚商业管理有限公司"
        assert ws.cfg.letterhead_for("purchasing") == ws.cfg.letterhead
        assert ws.cfg.letterhead.name == "府尚装饰工程有限公司"
    finally:
        ws.close()


def pdftotext(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())


@pytest.mark.parametrize(("config", "landlord", "address"), [
    ("bundled", "府尚商业管理有限公司", "上海市徐汇区漕溪北路398号府尚广场管理处"),        # [company.leasing]
    ("without", "府尚装饰工程有限公司", "上海市徐汇区漕溪北路398号12楼"),              # [company] alone
])
def test_the_lease_contracts_landlord_is_the_leasing_company_when_one_is_set(tmp_path: Path, config: str,
                                                                             landlord: str, address: str) -> None:
    mall = Mall(tmp_path / "ws")
    try:
        if config == "without":
            without_family_letterheads(mall.root)
        mall.at(START)                                            # config.toml read again
        mall.signed()
        text = pdftotext(mall.ws.cfg.output_dir / "LC-2026-0001.pdf")
        assert text.startswith(landlord)                          # the letterhead
        assert f"甲方（出租方）Landlord乙方（承租方）Tenant名称{landlord}" in text
        assert f"地址Address{address}" in text
        assert f"单位名称（盖章）Company(seal){landlord}" in text    # 甲方's seal block
        assert "单位名称（盖章）Company(seal)味道餐饮有限公司" in text  # 乙方's
        other = {"府尚商业管理有限公司", "府尚装饰工程有限公司"} - {landlord}
        assert not [name for name in other if name in text]
        [mail] = mails_to(mall.ws.cfg.outbox_dir, "chen@weidao.example.com")
        assert mail.subject == f"【租赁合同】LC-2026-0001 {landlord} 铺位 1F-01"   # the tenant's mail: the same company
    finally:
        mall.ws.close()


def test_the_purchase_order_is_sealed_by_the_purchasing_company_when_one_is_set(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "ws", config='\n[company.purchasing]\nname = "府尚采购中心有限公司"\n'
                                         'legal_representative = "吴军"\n')
    try:
        flow.to_placed()
        text = pdftotext(flow.ws.cfg.output_dir / "PO-2026-0001.pdf")
        assert text.startswith("府尚采购中心有限公司")
        assert "单位名称（盖章）Company(seal)府尚采购中心有限公司" in text
        assert "府尚装饰工程有限公司" not in text and "府尚商业管理有限公司" not in text
    finally:
        flow.close()

