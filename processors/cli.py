"""The `sheetflow` command. Every SheetflowError becomes a message and an exit code, never a traceback.

Exit codes (the same with and without -v, which only adds a traceback to stderr):

- 0   done;
- 1   a workbook could not be processed (the others were): damaged, not an
      .xlsx, password-protected, its sheet or headers missing, or still
      half-written after `settle_seconds` (`run` retries a torn save first);
- 2   a config, form definition or workspace error (the message names the
      file and key), or a wrong command line;
- 3   another sheetflow process kept the workspace busy;
- 70  an internal error, a bug of ours (the message says so; -v shows where);
- 130 interrupted (Ctrl+C).

`watch` itself ends only on Ctrl+C or SIGTERM (exit 0): a pass that fails is
logged and tried again (processors/watch.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from pathlib import Path

from .errors import SheetflowError
from .i18n import Translator

#: Commands beyond the core ones, each a module with `add_parser(sub, common)` that sets `command_module` to
#: its own name on its parser, and `run(ws, args) -> int`; a module with `OPENS_WORKSPACE = False` is given
#: `run(None, args)` and opens what it needs itself (restore refuses a workspace in use before opening it).
COMMAND_MODULES = (
    "processors.mail.commands",
    "processors.backup.commands",
    "processors.adopt.commands",
    "processors.access.commands",
    "processors.audit.commands",
)

log = logging.getLogger("sheetflow")
INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE in sysexits.h


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger("sheetflow")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sheetflow", description="采购申请、订单与租赁，从共享表格到签批、单据与提醒。 "
                                "Purchasing, orders and leases from shared spreadsheets.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="more detail in the log")
    p.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", parents=[common],
                          help="create a workspace (config.toml, sheets/, output/, outbox/)")
    init.add_argument("directory", type=Path)
    init.add_argument("--sample", action="store_true", help="fill the sheets with example rows")
    init.add_argument("--lang", choices=["zh", "en"], help="workspace language (default zh)")
    for name, text in (("run", "one pass over the workbooks, then exit (for cron)"),
                       ("watch", "watch the workbooks and process every save"),
                       ("status", "records by state, file problems, writes waiting"),
                       ("setup", "Google backend: create or update each form's tab (headers, dropdowns, notes, "
                                 "protected system columns)")):
        cmd = sub.add_parser(name, help=text, parents=[common])
        cmd.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")
        if name == "watch":
            cmd.add_argument("--poll", action="store_true", help="poll instead of inotify (network shares)")
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return _dispatch(args)
    except SheetflowError as exc:
        print(f"sheetflow: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: say so plainly; -v adds the traceback, never another exit code
        return _internal_error(exc, verbose=args.verbose)


def _internal_error(exc: Exception, *, verbose: bool) -> int:
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    hint = "" if verbose else " (run with -v for details)"
    print(f"sheetflow: 内部错误 / internal error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
    return INTERNAL_ERROR_EXIT


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "init":
        from .init_workspace import init_workspace

        created = init_workspace(args.directory, sample=args.sample, language=args.lang)
        from .config import load_config

        cfg = load_config(args.directory)
        t = Translator(cfg.language)
        for path in created:
            log.info(t("log.init_created", path=path))
        log.info(t("log.init_done", path=args.directory.resolve()))
        from .privacy import layout

        for line in layout(cfg, t):   # which folder staff share, which part only this account reads
            log.info(line)
        return 0

    module_name = getattr(args, "command_module", None)
    module = None
    if module_name is not None:
        import importlib

        module = importlib.import_module(module_name)
        if not getattr(module, "OPENS_WORKSPACE", True):
            return int(module.run(None, args))
    from .workspace import Workspace

    ws = Workspace(args.workspace)
    try:
        if args.command != "status":
            ws.require_private()   # status still shows what is open; the others would write codes there
        if args.command == "status":
            from .status_view import render_status

            print(render_status(ws))
            return 0
        if args.command == "run":
            return run_once(ws)
        if args.command == "setup":
            return setup_google(ws)
        if module is not None:
            return int(module.run(ws, args))
        from .watch import watch

        watch(ws, poll=args.poll)
        return 0
    finally:
        ws.close()


def setup_google(ws: object) -> int:
    from .sheets.google.setup import describe, setup_spreadsheet
    from .workspace import Workspace

    assert isinstance(ws, Workspace)
    if ws.cfg.backend != "google":
        log.info(ws.t("log.setup_local"))
        return 0
    from .errors import WorkbookError

    client = ws.google_client()
    failed = 0
    for sid, tabs in ws.google_tabs().items():
        try:
            report = setup_spreadsheet(client, sid, tabs, ws.cfg, ws.t)
        except WorkbookError as exc:  # one spreadsheet not shared must not stop the others
            log.error(ws.t("log.file_problem", file=f"google:{sid}",
                           message=ws.t(f"file.{exc.code}", **{"detail": exc.detail, **exc.params})))
            failed += 1
            continue
        for line in describe(report, ws.t):
            log.info(line)
    return 1 if failed else 0


def run_once(ws: object) -> int:
    """One pass; a file that looks half-written is given a few seconds before it counts as broken."""
    from .passes import run_pass
    from .workspace import Workspace

    assert isinstance(ws, Workspace)
    deadline = time.monotonic() + min(ws.cfg.watch.settle_seconds, 3.0)
    report = run_pass(ws, final=False)
    broken = {f.path for f in report.files if f.problem is not None and not f.transient}
    retry = set(report.transient_paths())
    while retry and time.monotonic() < deadline:
        time.sleep(0.5)
        again = run_pass(ws, retry, final=False)
        broken |= {f.path for f in again.files if f.problem is not None and not f.transient}
        retry = set(again.transient_paths()) & retry
    if retry:
        final = run_pass(ws, retry, final=True)
        broken |= {f.path for f in final.files if f.problem is not None}
    return 1 if broken or ws.form_problems else 0   # a form held for its definition: the others ran

if __name__ == "__main__":
    sys.exit(main())
