"""The workspace's private part: what only the account sheetflow runs as may read.

A workspace has a shared part, the workbooks staff edit (`sheets/`) and what
sheetflow issues for them (`output/`: PDFs and generated workbooks, no code in
them), and a private part: the store (sheetflow.db with its -wal, -shm and
-journal; a queued mail's body there still carries its code), the outbox folder
with its .eml files, the backups (`[backup] folder`: copies of the store), the
lock files and the logs in the workspace folder. What is private is created
0600 / 0700 (filemodes.py). Every start checks it again (a copy, a restore, a
`chmod -R` or an older sheetflow may have loosened it),
tightens what this account may change and reports what it cannot: run, watch
and mail refuse to work then, `status` shows it.

A file that held codes and was found readable by others may have shown them to
anyone: the start notes it in the store and the next pass replaces every code
sent before with a fresh one (workflow/reissue.py).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .errors import ConfigError
from .filemodes import MAIL_LOCK, OTHERS, PRIVATE_DIR, PRIVATE_FILE, WATCH_LOCK, WORKSPACE_LOCK, loose
from .i18n import Translator

#: store meta key: when a private file that held codes was found readable by others
EXPOSED = "codes_exposed_at"
SQLITE_SIDECARS = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Finding:
    """A private path found open to other accounts: `now` is its mode after sheetflow tried to tighten it."""

    path: Path
    folder: bool
    codes: bool
    mode: int
    now: int

    @property
    def fixed(self) -> bool:
        return not loose(self.now)

    @property
    def fix(self) -> str:
        return f"chmod {'700' if self.folder else '600'} {shlex.quote(str(self.path))}"

    @property
    def showed_codes(self) -> bool:
        """Others could read it (not only list or write it), and it is a file that holds codes."""
        return self.codes and not self.folder and bool(self.mode & 0o044)


@dataclass
class Privacy:
    checked: int = 0                                      # private paths found
    tightened: list[Finding] = field(default_factory=list)
    loose: list[Finding] = field(default_factory=list)    # still open to others: sheetflow could not change them

    @property
    def exposed(self) -> bool:
        return any(f.showed_codes for f in self.tightened + self.loose)


def check_layout(cfg: Config) -> None:
    """The private part is never inside a shared folder: there a mode bit is all that stands between staff and
    the codes, and the share's own rules (Samba, a sync client) may not even keep it."""
    shared = [cfg.sheets_dir.resolve(), cfg.output_dir.resolve(), cfg.published_dir.resolve()]
    for key, path in (("paths.state", cfg.state_path), ("paths.outbox", cfg.outbox_dir),
                      ("backup.folder", cfg.root / cfg.backup.folder)):   # a backup holds the store's codes
        inside = next((s for s in shared if path.resolve().is_relative_to(s)), None)
        if inside is not None:
            raise ConfigError(cfg.root / "config.toml", key,
                              f"a place outside the shared folder {inside} (staff open it; the store and the "
                              f"outbox hold sign-off codes): for example the default, beside it in the workspace")


def private_paths(cfg: Config) -> Iterator[tuple[str, bool, bool, int]]:
    """(path, folder, holds codes, mode) of every private path that exists: one stat each and no object per
    path (an outbox may hold thousands of .eml files, and every start looks at all of them)."""
    state = cfg.state_path
    fixed = [(state.with_name(state.name + s), False, True) for s in SQLITE_SIDECARS]
    if state.parent.resolve() != cfg.root:
        fixed.append((state.parent, True, True))
    fixed.append((cfg.outbox_dir, True, True))
    backups = cfg.root / cfg.backup.folder    # copies of the store (processors/backup): its codes with them
    fixed.append((backups, True, True))
    fixed += [(cfg.root / name, False, False) for name in (WORKSPACE_LOCK, MAIL_LOCK, WATCH_LOCK)]
    fixed += [(p, False, False) for p in cfg.root.glob("*.log")]
    for path, folder, codes in fixed:
        with contextlib.suppress(OSError):
            yield str(path), folder, codes, stat.S_IMODE(os.stat(path).st_mode)
    if cfg.outbox_dir.is_dir():
        yield from _inside(str(cfg.outbox_dir))
    if backups.is_dir():   # only a store copy holds codes; the workbooks and PDFs copied beside it are shared ones
        yield from _inside(str(backups), codes_in=state.name)


def _inside(folder: str, codes_in: str = "") -> Iterator[tuple[str, bool, bool, int]]:
    """Everything below `folder`; with `codes_in`, only files of that name hold codes (else every file)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                mode = entry.stat().st_mode
            except OSError:
                continue                  # gone meanwhile (a temp file renamed)
            is_dir = stat.S_ISDIR(mode)
            yield entry.path, is_dir, not codes_in or entry.name.startswith(codes_in), stat.S_IMODE(mode)
            if is_dir:
                yield from _inside(entry.path, codes_in)


def secure(cfg: Config) -> Privacy:
    """Tighten every private path that is open to others; what cannot be tightened stays in `loose`."""
    check_layout(cfg)
    report = Privacy()
    for path, folder, codes, mode in private_paths(cfg):
        report.checked += 1
        if not mode & OTHERS:
            continue
        try:
            os.chmod(path, PRIVATE_DIR if folder else PRIVATE_FILE)
            now = stat.S_IMODE(os.stat(path).st_mode)   # a share that ignores modes keeps its own
        except OSError:
            now = mode                    # another account's file: only its owner (or root) can change it
        finding = Finding(Path(path), folder, codes, mode, now)
        (report.tightened if finding.fixed else report.loose).append(finding)
    return report


def account() -> str:
    """The account sheetflow runs as, by name where the system knows one."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def owner(path: Path) -> str:
    try:
        uid = os.stat(path).st_uid
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return "?"


def shown(cfg: Config, path: Path) -> str:
    """A path as a person finds it: relative to the workspace when inside it, folders with a trailing /."""
    try:
        text = str(path.resolve().relative_to(cfg.root))
    except ValueError:
        text = str(path)
    return text + "/" if path.is_dir() else text


def finding_lines(cfg: Config, t: Translator, findings: list[Finding], key: str = "private.loose_line") -> list[str]:
    """One line per finding, or per folder's files found alike (an outbox of 500 .eml files is one line):
    which, its mode before and now, whose, and the command that fixes it."""
    groups: dict[tuple[Path, bool, int, int, bool], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.path.parent, f.folder, f.mode, f.now, f.showed_codes), []).append(f)
    out = []
    for (parent, folder, mode, now, _), found in groups.items():
        first = found[0]
        if len(found) == 1:
            path, fix = shown(cfg, first.path), first.fix
        else:
            path = t("private.files_in", folder=shown(cfg, parent), count=len(found))
            fix = f"chmod {'700' if folder else '600'} {shlex.quote(str(parent))}/*"
        shared_tmp = key == "private.loose_line" and folder and bool(mode & stat.S_ISVTX)   # /tmp, /var/tmp
        out.append(t("private.loose_shared_folder" if shared_tmp else key, path=path, mode=f"{mode:04o}",
                     now=f"{now:04o}", owner=owner(first.path), fix=fix))
    return out


def layout(cfg: Config, t: Translator) -> list[str]:
    """Which folder is shared and which part is private, as init prints it and status shows it."""
    shared = [cfg.sheets_dir, cfg.output_dir] if cfg.backend == "xlsx" else [cfg.output_dir]
    private = [cfg.state_path, cfg.outbox_dir]
    if cfg.state_path.parent.resolve() != cfg.root:
        private[0] = cfg.state_path.parent
    lines = [t("private.layout_shared", paths="  ".join(shown(cfg, p).rstrip("/") + "/" for p in shared)),
             t("private.layout_private", paths="  ".join(_private_name(cfg, p) for p in private), user=account())]
    lines.append(t("access.layout_published", path=shown(cfg, cfg.published_dir).rstrip("/") + "/"))
    if cfg.mail.transport == "eml" and cfg.approvals.codes:
        lines.append(t("private.layout_eml", outbox=_private_name(cfg, cfg.outbox_dir)))
    return lines


def _private_name(cfg: Config, path: Path) -> str:
    name = shown(cfg, path)
    return name if name.endswith("/") or path.suffix else name + "/"
