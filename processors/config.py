"""The workspace: config.toml plus the folder convention around it (datasette-style).

A workspace is a folder holding config.toml, sheets/, output/, outbox/ and the
SQLite state. Secrets never live here; later transports read them from the
environment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .config_catalogue import CatalogueSettings, load_catalogue
from .config_sales import (
    BackupSettings,
    CalendarSettings,
    FeedbackSettings,
    SalesSettings,
    load_backup,
    load_calendar,
    load_feedback,
    load_sales,
)
from .config_sections import (
    GoogleSettings,
    LeaseSettings,
    Letterhead,
    OrderSettings,
    SourcingSettings,
    Supplier,
    load_google,
    load_leases,
    load_letterheads,
    load_orders,
    load_sourcing,
    load_suppliers,
    normalize_name,
    positive_number,
    spreadsheet_id,
)
from .errors import ConfigError, WorkspaceError
from .tomlcheck import Section, load_toml

CONFIG_NAME = "config.toml"
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    department: str
    roles: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    superior: str | None = None           # person id told when reminders go unanswered
    deputy: str | None = None             # person id who signs while this one is absent
    absent: tuple[tuple[dt.date, dt.date], ...] = ()

    def answers_to(self, text: str) -> bool:
        wanted = normalize_name(text)
        return bool(wanted) and any(normalize_name(n) == wanted for n in (self.name, *self.aliases))

    def is_absent(self, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.absent)


@dataclass(frozen=True)
class ApprovalSettings:
    codes: bool = True                    # sign with one-time codes; false where sheet permissions prove who edits
    code_ttl_hours: float = 72.0
    max_attempts: int = 5                 # distinct wrong codes on one step before it is locked out
    lockout_minutes: float = 15.0         # the first lockout's length; each later one on the step is 4× longer
    renewals_per_day: int = 5             # codes a person is sent for one step in any 24 hours, renewals included
    remind_after_hours: float = 24.0
    remind_every_hours: float = 24.0
    escalate_after_reminders: int = 2
    thresholds: dict[str, Decimal] = field(default_factory=dict)   # named amounts route conditions refer to


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"            # starttls | ssl | none
    username_env: str = "SHEETFLOW_SMTP_USER"
    password_env: str = "SHEETFLOW_SMTP_PASSWORD"
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class MailSettings:
    transport: str = "eml"                # eml (files in outbox/) until smtp is configured
    sender: str = "sheetflow@localhost"
    smtp: SmtpSettings | None = None
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0


@dataclass(frozen=True)
class FormSettings:
    file: str | None = None
    sheet: str | None = None              # the sheet in a workbook, or the tab of a Google spreadsheet
    spreadsheet: str | None = None        # Google backend: spreadsheet id (from an id or a URL)


@dataclass(frozen=True)
class WatchSettings:
    debounce_seconds: float = 0.5
    poll_interval_seconds: float = 1.0
    settle_seconds: float = 10.0
    tick_seconds: float = 30.0


@dataclass
class Config:
    root: Path
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    company: str = ""
    letterhead: Letterhead = field(default_factory=Letterhead)          # [company]: the default
    letterheads: dict[str, Letterhead] = field(default_factory=dict)   # family -> [company.FAMILY] over [company]
    orders: OrderSettings = field(default_factory=OrderSettings)
    leases: LeaseSettings = field(default_factory=LeaseSettings)
    sourcing: SourcingSettings = field(default_factory=SourcingSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    sales: SalesSettings = field(default_factory=SalesSettings)
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    catalogue: CatalogueSettings = field(default_factory=CatalogueSettings)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    backend: str = "xlsx"
    sheets_dir: Path = field(default_factory=Path)
    output_dir: Path = field(default_factory=Path)
    outbox_dir: Path = field(default_factory=Path)
    published_dir: Path = field(default_factory=Path)   # read-only copies for ordinary users (processors/access)
    state_path: Path = field(default_factory=Path)
    forms_dir: Path = field(default_factory=Path)
    templates_dir: Path = field(default_factory=Path)
    departments: tuple[str, ...] = ()
    people: tuple[Person, ...] = ()
    forms: dict[str, FormSettings] = field(default_factory=dict)
    watch: WatchSettings = field(default_factory=WatchSettings)
    approvals: ApprovalSettings = field(default_factory=ApprovalSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    google: GoogleSettings = field(default_factory=GoogleSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def letterhead_for(self, family: str | None) -> Letterhead:
        """The letterhead a family's documents carry: [company.FAMILY] where set, else [company]."""
        return self.letterheads.get(family or "", self.letterhead)

    def supplier(self, name: str) -> Supplier | None:
        return self.suppliers.get(normalize_name(name))

    def people_with_role(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]

    def person(self, person_id: str | None) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def find_person(self, text: str, role: str | None = None) -> Person | None:
        for person in self.people:
            if (role is None or role in person.roles) and person.answers_to(text):
                return person
        return None


def find_workspace(start: Path) -> Path:
    """The workspace is the given folder; a clear error if it holds no config.toml."""
    start = start.resolve()
    if not (start / CONFIG_NAME).is_file():
        raise WorkspaceError(
            f"{start}: 没有 {CONFIG_NAME}，不是 sheetflow 工作区；先运行 `sheetflow init {start}` / "
            f"no {CONFIG_NAME} here, not a sheetflow workspace; run `sheetflow init {start}` first"
        )
    return start


def load_config(root: Path) -> Config:
    root = find_workspace(root)
    path = root / CONFIG_NAME
    top = Section(load_toml(path, ConfigError), path, "", ConfigError)
    top.unknown({"language", "timezone", "company", "backend", "paths", "watch", "departments",
                 "people", "forms", "approvals", "mail", "google", "orders", "suppliers", "leases", "sourcing",
                 "calendar", "sales", "feedback", "backup", "catalogue"})
    cfg = Config(root=root)
    cfg.language = top.choice("language", LANGUAGES, "zh")
    cfg.timezone = top.text("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(cfg.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", f"an IANA time zone such as Asia/Shanghai, got {cfg.timezone!r}") from None

    cfg.letterhead, cfg.letterheads = load_letterheads(top.section("company", None))
    cfg.company = cfg.letterhead.name
    cfg.orders = load_orders(top.section("orders", None))
    cfg.leases = load_leases(top.section("leases", None))
    cfg.suppliers = load_suppliers(top.section("suppliers", None))
    cfg.sourcing = load_sourcing(top.section("sourcing", None))
    cfg.calendar = load_calendar(top.section("calendar", None))
    cfg.sales = load_sales(top.section("sales", None))
    cfg.feedback = load_feedback(top.section("feedback", None))
    cfg.backup = load_backup(top.section("backup", None))
    cfg.catalogue = load_catalogue(top.section("catalogue", None))

    _load_places(top, root, cfg)
    cfg.watch = _load_watch(top.section("watch", None))

    cfg.departments = tuple(top.str_list("departments", []))
    cfg.people = tuple(_load_people(top, cfg.departments))
    cfg.approvals = _load_approvals(top.section("approvals", None))
    cfg.mail = _load_mail(top.section("mail", None))

    cfg.forms = _load_form_settings(top.section("forms", None))
    cfg.google = load_google(top.section("google", None))
    return cfg


def _load_places(top: Section, root: Path, cfg: Config) -> None:
    """Where the sheets, outputs, outbox, store, forms and templates of the workspace are."""
    backend = top.section("backend", None)
    backend.unknown({"kind", "sheets_dir"})
    cfg.backend = backend.choice("kind", ("xlsx", "google"), "xlsx")
    cfg.sheets_dir = root / backend.text("sheets_dir", "sheets")
    paths = top.section("paths", None)
    paths.unknown({"output", "outbox", "state", "forms", "templates", "published"})
    cfg.output_dir = root / paths.text("output", "output")
    cfg.outbox_dir = root / paths.text("outbox", "outbox")
    cfg.state_path = root / paths.text("state", "sheetflow.db")
    cfg.forms_dir = root / paths.text("forms", "forms")
    cfg.templates_dir = root / paths.text("templates", "templates")
    cfg.published_dir = root / paths.text("published", "published")
    published = cfg.published_dir.resolve()   # sheetflow replaces and removes files there: a folder of its own
    for other in (cfg.sheets_dir.resolve(), cfg.output_dir.resolve()):
        if published == root.resolve() or published.is_relative_to(other) or other.is_relative_to(published):
            raise paths.fail("published", f"a folder of its own, apart from the workspace folder and {other} "
                             "(sheetflow replaces the files in it): for example the default, published")


def _load_watch(watch: Section) -> WatchSettings:
    watch.unknown({"debounce_seconds", "poll_interval_seconds", "settle_seconds", "tick_seconds"})
    values = {}
    for key in ("debounce_seconds", "poll_interval_seconds", "settle_seconds", "tick_seconds"):
        value = watch.get(key, (int, float), getattr(WatchSettings, key), what="a number of seconds")
        if value <= 0:
            raise watch.fail(key, "a positive number of seconds")
        values[key] = float(value)
    return WatchSettings(**values)


def _load_form_settings(forms: Section) -> dict[str, FormSettings]:
    settings: dict[str, FormSettings] = {}
    for form_id in forms.data:
        sec = forms.section(form_id)
        sec.unknown({"file", "sheet", "tab", "spreadsheet"})
        if sec.has("tab") and sec.has("sheet"):
            raise sec.fail("tab", "either tab or sheet (they mean the same), not both")
        tab = sec.text("tab", None) or sec.text("sheet", None)
        sid = spreadsheet_id(sec, "spreadsheet") if sec.has("spreadsheet") else None
        settings[form_id] = FormSettings(file=sec.text("file", None), sheet=tab, spreadsheet=sid)
    return settings


def _load_people(top: Section, departments: tuple[str, ...]) -> list[Person]:
    people_sec = top.section("people", None)
    people: list[Person] = []
    for pid in people_sec.data:
        sec = people_sec.section(pid)
        sec.unknown({"name", "email", "department", "roles", "aliases", "superior", "deputy", "absent"})
        department = sec.text("department", "")
        if department and departments and department not in departments:
            raise sec.fail("department", f"one of the departments list ({', '.join(departments)})")
        email = sec.text("email", "")
        if email and "@" not in email:
            raise sec.fail("email", f"an email address, got {email!r}")
        absent = []
        spans = sec.get("absent", list, [], what="a list like [{ from = 2026-12-01, to = 2026-12-05 }]")
        for i, item in enumerate(spans):
            if not (isinstance(item, dict) and isinstance(item.get("from"), dt.date)
                    and isinstance(item.get("to"), dt.date) and item["from"] <= item["to"]):
                raise sec.fail(f"absent[{i}]", "{ from = DATE, to = DATE } with from not after to")
            absent.append((item["from"], item["to"]))
        people.append(Person(
            id=pid, name=sec.text("name"), email=email, department=department,
            roles=tuple(sec.str_list("roles", [])), aliases=tuple(sec.str_list("aliases", [])),
            superior=sec.text("superior", None), deputy=sec.text("deputy", None), absent=tuple(absent),
        ))
    ids = {p.id for p in people}
    for p in people:
        for key in ("superior", "deputy"):
            ref = getattr(p, key)
            if ref is not None and (ref not in ids or ref == p.id):
                raise people_sec.fail(f"{p.id}.{key}", f"the id of another person under [people], got {ref!r}")
    return people


def _load_approvals(sec: Section) -> ApprovalSettings:
    sec.unknown({"codes", "code_ttl_hours", "max_attempts", "lockout_minutes", "renewals_per_day", "remind_after_hours",
                 "remind_every_hours", "escalate_after_reminders", "thresholds"})
    thresholds = {}
    tsec = sec.section("thresholds", None)
    for key, value in tsec.data.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise tsec.fail(key, "an amount in yuan, e.g. 50000")
        try:
            thresholds[key] = Decimal(str(value))
        except ArithmeticError:
            raise tsec.fail(key, "an amount in yuan, e.g. 50000") from None
    return ApprovalSettings(
        codes=sec.get("codes", bool, True),
        code_ttl_hours=positive_number(sec, "code_ttl_hours", 72),
        max_attempts=int(positive_number(sec, "max_attempts", 5, "a positive whole number")),
        lockout_minutes=positive_number(sec, "lockout_minutes", 15, "a positive number of minutes"),
        renewals_per_day=int(positive_number(sec, "renewals_per_day", 5, "a positive whole number")),
        remind_after_hours=positive_number(sec, "remind_after_hours", 24),
        remind_every_hours=positive_number(sec, "remind_every_hours", 24),
        escalate_after_reminders=int(positive_number(sec, "escalate_after_reminders", 2, "a positive whole number")),
        thresholds=thresholds,
    )


def _load_mail(sec: Section) -> MailSettings:
    """Only where and how to send; the SMTP login is read from the environment variables named here."""
    sec.unknown({"transport", "from", "smtp", "retry_base_seconds", "retry_max_seconds"})
    sender = sec.text("from", "sheetflow@localhost")
    if "@" not in sender:
        raise sec.fail("from", f"an email address, got {sender!r}")
    smtp = None
    if sec.has("smtp"):
        ssec = sec.section("smtp")
        ssec.unknown({"host", "port", "security", "username_env", "password_env", "timeout_seconds"})
        if ssec.has("password") or ssec.has("username"):
            raise ssec.fail("password", "no secrets in config.toml: name environment variables in username_env "
                                        "and password_env")
        smtp = SmtpSettings(host=ssec.text("host"), port=int(ssec.get("port", int, 587)),
                            security=ssec.choice("security", ("starttls", "ssl", "none"), "starttls"),
                            username_env=ssec.text("username_env", "SHEETFLOW_SMTP_USER"),
                            password_env=ssec.text("password_env", "SHEETFLOW_SMTP_PASSWORD"),
                            timeout_seconds=positive_number(ssec, "timeout_seconds", 30))
    transport = sec.choice("transport", ("eml", "smtp"), "smtp" if smtp else "eml")
    if transport == "smtp" and smtp is None:
        raise sec.fail("smtp", "a [mail.smtp] table with host (and port, security) for transport = \"smtp\"")
    return MailSettings(transport=transport, sender=sender, smtp=smtp,
                        retry_base_seconds=positive_number(sec, "retry_base_seconds", 30),
                        retry_max_seconds=positive_number(sec, "retry_max_seconds", 3600))
