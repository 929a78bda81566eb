"""config.toml [catalogue]: the catalogue-change rules that are the company's to set (P1–P4).

Kept apart from config_sales.py so each file stays one screenful of rules; processors/config.py only calls
`load_catalogue` and keeps what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tomlcheck import Section

RELIST_MODES = ("auto", "request")


@dataclass(frozen=True)
class CatalogueSettings:
    #: P2: an SKU delisted automatically at zero stock comes back on sale when stock returns ("auto"), or only
    #: by an approved listing request ("request"). A delisting by request is never undone by stock either way.
    relist: str = "auto"
    publish_hours: int = 48               # P4: clock hours from approval within which a change is published
    remind_before_hours: int = 8          # the person responsible is reminded this long before the deadline
    publisher_role: str = "e_commerce_planner"   # who publishes, when the change names nobody in config
    escalate_role: str = "department_head"       # told when a deadline passes unpublished (of the same department)
    history_file: str = "价格历史.xlsx"    # every SKU's price history, written in output/ by sheetflow only


def load_catalogue(sec: Section) -> CatalogueSettings:
    """[catalogue]: relisting after a stock-out, the publication deadline and who is reminded and told."""
    sec.unknown({"relist", "publish_hours", "remind_before_hours", "publisher_role", "escalate_role",
                 "history_file"})
    hours = int(sec.get("publish_hours", int, 48))
    if not 1 <= hours <= 720:
        raise sec.fail("publish_hours", "a whole number of hours from 1 to 720 (P4 asks for 48)")
    before = int(sec.get("remind_before_hours", int, 8))
    if not 0 <= before < hours:
        raise sec.fail("remind_before_hours", f"a whole number of hours from 0 to {hours - 1} (below publish_hours)")
    name = sec.text("history_file", "价格历史.xlsx")
    if not name.endswith(".xlsx") or "/" in name or "\\" in name:
        raise sec.fail("history_file", "a file name ending in .xlsx (written in the output folder)")
    return CatalogueSettings(relist=sec.choice("relist", RELIST_MODES, "auto"), publish_hours=hours,
                             remind_before_hours=before,
                             publisher_role=sec.text("publisher_role", "e_commerce_planner"),
                             escalate_role=sec.text("escalate_role", "department_head"), history_file=str(name))
