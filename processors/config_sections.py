"""The parts of config.toml beyond people and approvals: letterheads, orders, suppliers, Google.

Split from config.py to keep each module small; config.load_config calls these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .tomlcheck import Section


def normalize_name(text: str) -> str:
    """Compare people's (and suppliers') names the way a reader would: width, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class Letterhead:
    """What heads a document and signs it for the company: one per form family where a group's companies differ."""

    name: str = ""
    address: str = ""
    phone: str = ""
    seal_name: str = ""                   # 单位名称（盖章）: the name on the company seal (default: name)
    legal_representative: str = ""        # 法定代表人, printed with the party on a contract when given


# Form families whose documents a workspace may head with another company's letterhead ([company.leasing]).
FAMILIES = {"purchasing": "采购", "leasing": "租赁", "sales": "销售"}
LETTERHEAD_KEYS = ("name", "address", "phone", "seal_name", "legal_representative")


@dataclass(frozen=True)
class Supplier:
    name: str
    email: str = ""
    contact: str = ""
    phone: str = ""
    address: str = ""
    credit_days: int = 0                  # O6: payment terms in days after delivery; 0 = pay at once


@dataclass(frozen=True)
class OrderSettings:
    archive_finance: str = ""             # O3: the finance copy of every issued order (an address)
    archive_commerce: str = ""            # O3: the commerce department's copy
    contact_reminder_days: tuple[int, ...] = (7, 3)   # O4: remind the buyer this many days before the due date
    payment_lead_days: int = 3            # O6: the payment request goes this many days before it is due
    outstanding_file: str = "未交货明细.xlsx"   # O7: the generated sheet of undelivered lines


@dataclass(frozen=True)
class SourcingSettings:
    min_quotes: int = 3                   # S2: quotes from this many qualified suppliers before a price is chosen
    review_days_before: int = 30          # S5: an approved price's review date, when its row gives none
    remind_days: tuple[int, ...] = (14, 3)   # the buyer is reminded this many days before a review or a lapse
    scorecard_months: int = 3             # S5: the scorecard's period (3: quarters, 1: months)
    scorecard_file: str = "供应商评估.xlsx"   # written in output/ (and a PDF beside it)


@dataclass(frozen=True)
class LeaseSettings:
    notice_days: int = 7                              # L3: bill notice this many days before the due date
    dunning_days: tuple[int, ...] = (1, 15, 30)       # L3: reminders at these days overdue
    expiry_days: tuple[int, ...] = (90, 60, 30)       # L2: expiry reminders before the end
    rent_roll_file: str = "租金台账.xlsx"              # written in output/ by sheetflow only


@dataclass(frozen=True)
class GoogleSettings:
    """Google Sheets backend. The service-account key's path comes from the environment, never from here."""

    spreadsheet: str | None = None        # default spreadsheet id for forms that name none
    credentials_env: str = "SHEETFLOW_GOOGLE_CREDENTIALS"
    requests_per_minute: int = 60         # Sheets API quota per user; we pace below it
    poll_seconds: float = 10.0            # watch: one Drive metadata call per spreadsheet this often
    max_retries: int = 6                  # 429/5xx answers retried with exponential backoff and jitter
    backoff_seconds: float = 1.0          # first backoff; doubles each retry, capped at 64 s


_SPREADSHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_SPREADSHEET_ID = re.compile(r"[A-Za-z0-9_-]{20,}")


def spreadsheet_id(sec: Section, key: str) -> str:
    """Staff paste the browser's address; the API wants the id inside it."""
    text = sec.text(key).strip()
    m = _SPREADSHEET_URL.search(text)
    if m:
        return m.group(1)
    if _SPREADSHEET_ID.fullmatch(text):
        return text
    raise sec.fail(key, "a Google spreadsheet address (https://docs.google.com/spreadsheets/d/…/edit) or its id, "
                        f"got {text!r}")


def _email(sec: Section, key: str) -> str:
    value = sec.text(key, "")
    if value and ("@" not in value or " " in value.strip()):
        raise sec.fail(key, f"an email address, got {value!r}")
    return value.strip()


def load_letterheads(sec: Section) -> tuple[Letterhead, dict[str, Letterhead]]:
    """[company] and its [company.FAMILY] tables: the default letterhead, and each family's.

    A family table lists only what differs from [company]. One that names another company (`name`) does not
    inherit [company]'s seal name or legal representative: those belong to the other company.
    """
    families = sorted(FAMILIES)
    for key, value in sec.data.items():
        if key in LETTERHEAD_KEYS:
            continue
        if key not in FAMILIES:
            raise sec.fail(key, "[company] 下只能写 " + "、".join(LETTERHEAD_KEYS) + "，或按业务线另设抬头 "
                           + "、".join(f"[company.{f}]（{FAMILIES[f]}）" for f in families)
                           + " / one of " + ", ".join(LETTERHEAD_KEYS) + ", or a letterhead for a form family: "
                           + ", ".join(f"[company.{f}]" for f in families))
        if not isinstance(value, dict):
            raise sec.fail(key, f"一个表 [company.{key}]，写出与 [company] 不同的项 / a table [company.{key}] "
                                f"listing what differs from [company], got {value!r}")
    default = _letterhead(sec, Letterhead())
    return default, {family: _letterhead(sec.section(family), default) if sec.has(family) else default
                     for family in families}


def _letterhead(sec: Section, base: Letterhead) -> Letterhead:
    values: dict[str, str] = {}
    for key, value in sec.data.items():
        if key in FAMILIES and sec.key == "company":
            continue
        if key not in LETTERHEAD_KEYS:
            raise sec.fail(key, "抬头只有这些项：" + "、".join(LETTERHEAD_KEYS) + " / a letterhead key: "
                           + ", ".join(LETTERHEAD_KEYS))
        if not isinstance(value, str) or not value.strip():
            raise sec.fail(key, f"非空文字，如 \"府尚商业管理有限公司\" / a non-empty string, got {value!r}")
        values[key] = value.strip()
    if "name" in values and values["name"] != base.name:
        base = Letterhead(address=base.address, phone=base.phone)      # another company: its own seal and signer
    merged = {key: values.get(key, getattr(base, key)) for key in LETTERHEAD_KEYS}
    if "seal_name" not in values and base.seal_name in ("", base.name):
        merged["seal_name"] = merged["name"]
    return Letterhead(**merged)


def load_orders(sec: Section) -> OrderSettings:
    sec.unknown({"archive_finance", "archive_commerce", "contact_reminder_days", "payment_lead_days",
                 "outstanding_file"})
    days = sec.get("contact_reminder_days", list, [7, 3])
    if not all(isinstance(d, int) and 0 <= d <= 90 for d in days):
        raise sec.fail("contact_reminder_days", "a list of whole numbers of days from 0 to 90, e.g. [7, 3]")
    lead = int(sec.get("payment_lead_days", int, 3))
    if not 0 <= lead <= 60:
        raise sec.fail("payment_lead_days", "a whole number of days from 0 to 60")
    outstanding = sec.text("outstanding_file", "未交货明细.xlsx")
    if not outstanding.endswith(".xlsx") or "/" in outstanding:
        raise sec.fail("outstanding_file", "a file name ending in .xlsx (written in the output folder)")
    return OrderSettings(archive_finance=_email(sec, "archive_finance"),
                         archive_commerce=_email(sec, "archive_commerce"),
                         contact_reminder_days=tuple(sorted(set(days), reverse=True)),
                         payment_lead_days=lead, outstanding_file=outstanding)


def load_suppliers(sec: Section) -> dict[str, Supplier]:
    out: dict[str, Supplier] = {}
    for name in sec.data:
        s = sec.section(name)
        s.unknown({"email", "contact", "phone", "address", "credit_days"})
        days = int(s.get("credit_days", int, 0))
        if not 0 <= days <= 365:
            raise s.fail("credit_days", "a whole number of days from 0 to 365")
        out[normalize_name(name)] = Supplier(name=name, email=_email(s, "email"), contact=s.text("contact", ""),
                                             phone=s.text("phone", ""), address=s.text("address", ""),
                                             credit_days=days)
    return out


def _days_list(sec: Section, key: str, default: list[int], top: int) -> tuple[int, ...]:
    days = sec.get(key, list, default)
    if not days or not all(isinstance(d, int) and 0 <= d <= top for d in days):
        raise sec.fail(key, f"a list of whole numbers of days from 0 to {top}, e.g. {default}")
    return tuple(sorted(set(days)))


def load_leases(sec: Section) -> LeaseSettings:
    sec.unknown({"notice_days", "dunning_days", "expiry_days", "rent_roll_file"})
    notice = int(sec.get("notice_days", int, 7))
    if not 0 <= notice <= 60:
        raise sec.fail("notice_days", "a whole number of days from 0 to 60")
    roll = sec.text("rent_roll_file", "租金台账.xlsx")
    if not roll.endswith(".xlsx") or "/" in roll:
        raise sec.fail("rent_roll_file", "a file name ending in .xlsx (written in the output folder)")
    return LeaseSettings(notice_days=notice, dunning_days=_days_list(sec, "dunning_days", [1, 15, 30], 365),
                         expiry_days=_days_list(sec, "expiry_days", [90, 60, 30], 365), rent_roll_file=roll)


def load_google(sec: Section) -> GoogleSettings:
    sec.unknown({"spreadsheet", "credentials_env", "requests_per_minute", "poll_seconds", "max_retries",
                 "backoff_seconds", "credentials"})
    if sec.has("credentials"):
        raise sec.fail("credentials", "no credentials in the workspace: put the service-account key file outside "
                                      "it and name its path in the environment variable SHEETFLOW_GOOGLE_CREDENTIALS "
                                      "(or the variable named by credentials_env)")
    rpm = int(sec.get("requests_per_minute", int, 60))
    if not 1 <= rpm <= 300:
        raise sec.fail("requests_per_minute", "a whole number from 1 to 300 (Google's default quota is 60)")
    retries = int(sec.get("max_retries", int, 6))
    if not 0 <= retries <= 12:
        raise sec.fail("max_retries", "a whole number from 0 to 12")
    return GoogleSettings(
        spreadsheet=spreadsheet_id(sec, "spreadsheet") if sec.has("spreadsheet") else None,
        credentials_env=sec.text("credentials_env", "SHEETFLOW_GOOGLE_CREDENTIALS"),
        requests_per_minute=rpm,
        poll_seconds=positive_number(sec, "poll_seconds", 10),
        max_retries=retries,
        backoff_seconds=positive_number(sec, "backoff_seconds", 1))


def positive_number(sec: Section, key: str, default: float, what: str = "a positive number") -> float:
    value = sec.get(key, (int, float), default, what=what)
    if value <= 0:
        raise sec.fail(key, what)
    return float(value)


def load_sourcing(sec: Section) -> SourcingSettings:
    """[sourcing]: the suppliers family's rules that are the company's to set (S2, S5)."""
    sec.unknown({"min_quotes", "review_days_before", "remind_days", "scorecard_months", "scorecard_file"})
    quotes = int(sec.get("min_quotes", int, 3))
    if not 1 <= quotes <= 10:
        raise sec.fail("min_quotes", "a whole number from 1 to 10 (S2 asks for 3)")
    before = int(sec.get("review_days_before", int, 30))
    if not 0 <= before <= 365:
        raise sec.fail("review_days_before", "a whole number of days from 0 to 365")
    days = sec.get("remind_days", list, [14, 3])
    if not all(isinstance(d, int) and 0 <= d <= 730 for d in days):
        raise sec.fail("remind_days", "a list of whole numbers of days from 0 to 730, e.g. [14, 3]")
    months = int(sec.get("scorecard_months", int, 3))
    if months not in (1, 3, 6, 12):
        raise sec.fail("scorecard_months", "1 (months), 3 (quarters), 6 (halves) or 12 (years)")
    name = sec.text("scorecard_file", "供应商评估.xlsx")
    if not name.endswith(".xlsx") or "/" in name:
        raise sec.fail("scorecard_file", "a file name ending in .xlsx (written in the output folder)")
    return SourcingSettings(min_quotes=quotes, review_days_before=before,
                            remind_days=tuple(sorted(set(days), reverse=True)), scorecard_months=months,
                            scorecard_file=name)
