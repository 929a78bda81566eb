"""The workspace: config.toml plus the folder convention around it (datasette-style).

A workspace is a folder holding config.toml, sheets/, output/, outbox/ and the
SQLite state. Secrets never live here; later transports read them from the
environment.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, WorkspaceError
from .tomlcheck import Section, load_toml

CONFIG_NAME = "config.toml"
LANGUAGES = ("zh", "en")


def normalize_name(text: str) -> str:
    """Compare people's names the way a reader would: width, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    department: str
    roles: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    def answers_to(self, text: str) -> bool:
        wanted = normalize_name(text)
        return bool(wanted) and any(normalize_name(n) == wanted for n in (self.name, *self.aliases))


@dataclass(frozen=True)
class FormSettings:
    file: str | None = None
    sheet: str | None = None


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
    backend: str = "xlsx"
    sheets_dir: Path = field(default_factory=Path)
    output_dir: Path = field(default_factory=Path)
    outbox_dir: Path = field(default_factory=Path)
    state_path: Path = field(default_factory=Path)
    forms_dir: Path = field(default_factory=Path)
    templates_dir: Path = field(default_factory=Path)
    departments: tuple[str, ...] = ()
    people: tuple[Person, ...] = ()
    forms: dict[str, FormSettings] = field(default_factory=dict)
    watch: WatchSettings = field(default_factory=WatchSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def people_with_role(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]

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
                 "people", "forms"})
    cfg = Config(root=root)
    cfg.language = top.choice("language", LANGUAGES, "zh")
    cfg.timezone = top.text("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(cfg.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", f"an IANA time zone such as Asia/Shanghai, got {cfg.timezone!r}") from None

    company = top.section("company", None)
    company.unknown({"name", "address", "phone"})
    cfg.company = company.text("name", "")

    backend = top.section("backend", None)
    backend.unknown({"kind", "sheets_dir"})
    cfg.backend = backend.choice("kind", ("xlsx",), "xlsx")
    cfg.sheets_dir = root / backend.text("sheets_dir", "sheets")

    paths = top.section("paths", None)
    paths.unknown({"output", "outbox", "state", "forms", "templates"})
    cfg.output_dir = root / paths.text("output", "output")
    cfg.outbox_dir = root / paths.text("outbox", "outbox")
    cfg.state_path = root / paths.text("state", "sheetflow.db")
    cfg.forms_dir = root / paths.text("forms", "forms")
    cfg.templates_dir = root / paths.text("templates", "templates")

    watch = top.section("watch", None)
    watch.unknown({"debounce_seconds", "poll_interval_seconds", "settle_seconds", "tick_seconds"})
    values = {}
    for key in ("debounce_seconds", "poll_interval_seconds", "settle_seconds", "tick_seconds"):
        value = watch.get(key, (int, float), getattr(WatchSettings, key), what="a number of seconds")
        if value <= 0:
            raise watch.fail(key, "a positive number of seconds")
        values[key] = float(value)
    cfg.watch = WatchSettings(**values)

    cfg.departments = tuple(top.str_list("departments", []))
    cfg.people = tuple(_load_people(top, cfg.departments))

    forms = top.section("forms", None)
    settings: dict[str, FormSettings] = {}
    for form_id in forms.data:
        sec = forms.section(form_id)
        sec.unknown({"file", "sheet"})
        settings[form_id] = FormSettings(file=sec.text("file", None), sheet=sec.text("sheet", None))
    cfg.forms = settings
    return cfg


def _load_people(top: Section, departments: tuple[str, ...]) -> list[Person]:
    people_sec = top.section("people", None)
    people: list[Person] = []
    for pid in people_sec.data:
        sec = people_sec.section(pid)
        sec.unknown({"name", "email", "department", "roles", "aliases"})
        department = sec.text("department", "")
        if department and departments and department not in departments:
            raise sec.fail("department", f"one of the departments list ({', '.join(departments)})")
        email = sec.text("email", "")
        if email and "@" not in email:
            raise sec.fail("email", f"an email address, got {email!r}")
        people.append(Person(
            id=pid, name=sec.text("name"), email=email, department=department,
            roles=tuple(sec.str_list("roles", [])), aliases=tuple(sec.str_list("aliases", [])),
        ))
    return people
