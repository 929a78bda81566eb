"""Everything a pass needs, opened once: config, forms, store, messages, clock."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .clock import Clock
from .config import Config, load_config
from .errors import ConfigError, FormDefinitionError, PassCancelled, WorkspaceBusyError, WorkspaceNotPrivateError
from .filemodes import WORKSPACE_LOCK, private_lock
from .forms.definition import FormDef, load_forms
from .forms.rules import RULES
from .i18n import Translator
from .kinds import check_kinds
from .privacy import EXPOSED, Privacy, finding_lines, secure
from .resources import bundled_dir
from .sheets.locks import is_lock_or_temp
from .store import Store
from .workcal import WorkCalendar

LOCK_NAME = WORKSPACE_LOCK
log = logging.getLogger("sheetflow")


class Workspace:
    def __init__(self, root: Path, clock: Clock | None = None) -> None:
        self.cfg: Config = load_config(root)
        self.root = self.cfg.root
        #: the private part checked and tightened before the store opens (processors/privacy.py)
        self.privacy: Privacy = secure(self.cfg)
        #: the workspace's own form definitions that are wrong: each holds its form alone (status lists them)
        self.form_problems: list[FormDefinitionError] = []
        self.forms: dict[str, FormDef] = load_forms([bundled_dir("forms"), self.cfg.forms_dir], set(RULES),
                                                    self.form_problems)
        self.t = Translator(self.cfg.language)
        #: set by `watch`: a pass waiting for the workspace lock gives up when it is set (a prompt SIGTERM)
        self.stop: threading.Event | None = None
        self._tell_privacy()
        for problem in self.form_problems:
            log.error(self.t("engine.form_held", problem=problem))
        check_kinds(self.forms, self.t)  # a broken kind plugin or a kind no plugin provides: stopped before the store
        self.clock = clock or Clock.from_env(self.cfg.tz)
        self.store = Store(self.cfg.state_path)
        if self.privacy.exposed and not self.store.meta(EXPOSED):
            with self.store.transaction():   # the next pass replaces the codes sent until now
                self.store.set_meta(EXPOSED, self.clock.now().isoformat(timespec="seconds"))
        self.rules_hash = rules_hash(self.cfg)
        self._google: Any = None
        self._calendar: WorkCalendar | None = None
        #: the earliest moment a kind's timers have work again, as the last pass saw it (watch wakes then)
        self.next_due: dt.datetime | None = None
        #: False while init --sample replays history: the generated sheets and reports are written once, after
        self.generate_outputs = True
        if self.cfg.backend == "google":
            self.google_tabs()  # a form without a spreadsheet is a config error at start, not mid-pass

    @property
    def calendar(self) -> WorkCalendar:
        """The one working calendar every deadline counts on (weekends, China's holidays and 调休, days off)."""
        if self._calendar is None:
            self._calendar = WorkCalendar(self.cfg.calendar, self.cfg.tz)
        return self._calendar

    def _tell_privacy(self) -> None:
        """Say what was found open to others: tightened (and whether codes may have been read), or not."""
        for codes in (True, False):
            found = [f for f in self.privacy.tightened if f.showed_codes is codes]
            for line in finding_lines(self.cfg, self.t, found, "private.tightened_codes" if codes else
                                      "private.tightened"):
                log.warning(line)
        for line in finding_lines(self.cfg, self.t, self.privacy.loose):
            log.error(line)

    def require_private(self) -> None:
        """run, watch and mail refuse to work while a private path stays open to others (status shows it)."""
        if self.privacy.loose:
            raise WorkspaceNotPrivateError(self.t("private.refused", problems="\n".join(
                finding_lines(self.cfg, self.t, self.privacy.loose))))

    def google_tabs(self) -> dict[str, list[tuple[FormDef, str]]]:
        """Spreadsheet id -> [(form, tab)]: the forms sharing a spreadsheet are read and written together."""
        out: dict[str, list[tuple[FormDef, str]]] = {}
        for form in self.forms.values():
            settings = self.cfg.forms.get(form.id)
            sid = (settings.spreadsheet if settings else None) or self.cfg.google.spreadsheet
            if not sid:
                raise ConfigError(self.root / "config.toml", f"forms.{form.id}.spreadsheet",
                                  "the Google spreadsheet (address or id) for this form, or a default "
                                  "[google] spreadsheet, since [backend] kind = \"google\"")
            out.setdefault(sid, []).append((form, self.sheet_name(form) or form.sheet))
        return out

    def google_client(self) -> Any:
        """gspread's client, opened once per workspace so the pacing window spans passes."""
        if self._google is None:
            from .sheets.google.client import open_client

            self._google = open_client(self.cfg)
        return self._google

    def use_google_client(self, client: Any) -> None:
        """Hand in an already opened client (another process's credentials flow, a paced test client)."""
        self._google = client

    def revalidate_if_rules_changed(self) -> bool:
        """A changed config.toml or form (a person added, a rule relaxed) re-checks every row once."""
        if self.store.meta("rules_hash") == self.rules_hash:
            return False
        with self.store.transaction():
            self.store.forget_views()
            self.store.set_meta("rules_hash", self.rules_hash)
        return True

    def close(self) -> None:
        self.store.close()

    def rel(self, path: Path) -> str:
        """Files are named relative to the workspace in the store and in messages."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def file_pattern(self, form: FormDef) -> str:
        settings = self.cfg.forms.get(form.id)
        return (settings.file if settings and settings.file else None) or form.file

    def sheet_name(self, form: FormDef) -> str | None:
        settings = self.cfg.forms.get(form.id)
        return settings.sheet if settings else None

    def form_files(self) -> list[tuple[FormDef, Path]]:
        """Each form's workbooks, forms in pass order."""
        return [(form, p) for form in self.forms.values() for p in self.files_of(form)]

    def files_of(self, form: FormDef) -> list[Path]:
        """A form's workbooks; a pattern with wildcards may match several (one per department)."""
        pattern = self.file_pattern(form)
        if any(ch in pattern for ch in "*?["):
            others = {self.file_pattern(f) for f in self.forms.values() if f.id != form.id}
            return sorted(p for p in self.cfg.sheets_dir.glob(pattern)
                          if not _is_temp(p.name) and p.name not in others)  # another form's own workbook
        return [self.cfg.sheets_dir / pattern]

    @contextmanager
    def exclusive(self, timeout: float = 60.0) -> Iterator[None]:
        """One pass at a time per workspace, across processes (a cron `run` beside `watch`)."""
        with private_lock(self.root / LOCK_NAME) as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if self.stop is not None and self.stop.is_set():
                        raise PassCancelled(str(self.root)) from None
                    if time.monotonic() > deadline:
                        raise WorkspaceBusyError(
                            f"{self.root}: 另一个 sheetflow 进程正在处理 / another sheetflow process is busy") from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def rules_hash(cfg: Config) -> str:
    """What the validity of a row depends on besides the row: the config and the form definitions."""
    h = hashlib.blake2b(digest_size=12)
    forms = [p for folder in (bundled_dir("forms"), cfg.forms_dir) if folder.is_dir()
             for p in sorted(folder.glob("*.toml"))]
    for path in [cfg.root / "config.toml", *forms]:
        h.update(path.name.encode())  # not the full path: a moved or re-mounted workspace is the same one
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"(unreadable)")
    return h.hexdigest()


def _is_temp(name: str) -> bool:
    return is_lock_or_temp(name)
