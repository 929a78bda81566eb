"""One size of the pass benchmark: setup, the timed runs, and the checks that each measured pass did its work.

The engine is touched only through its public surface (init_workspace, Workspace, run_pass), and a pass is
judged by what a user would see: the workbook read back (statuses, messages and numbers of the edited rows,
every other row as it was) and the .eml files in outbox/. The report object run_pass returns is never read,
since its shape changes with the engine; so this runs unchanged against another commit's source
(bench_pass.py --source). The stage table (stages.py) is the one part that reaches inside, and degrades.
"""

from __future__ import annotations

import cProfile
import email
import email.policy
import gc
import hashlib
import inspect
import io
import os
import pstats
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import stages
from report import SizeResult, Timings
from workbooks import (
    BOOK,
    CHANGED_ROWS,
    FORM,
    SHEET,
    author_workbook,
    cell,
    column_numbers,
    create_workspace,
    grid_of,
    make_rows,
    open_workspace,
    plan_user_edit,
    save_user_edit,
)

from processors import passes
from processors.passes import run_pass
from processors.workspace import Workspace

KEY = re.compile(r"PR-2026-\d{4,}")
# Whether the engine can stop a pass before its mail goes out (then "mail out" is timed apart); a source
# without it is timed whole, and its "our pass" includes the mail (said in the results).
_FOLLOW_UP: Callable[[Workspace], Any] | None = getattr(passes, "follow_up_work", None)
SEPARATE_MAIL = _FOLLOW_UP is not None and "follow_up" in inspect.signature(run_pass).parameters


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def pass_only(ws: Workspace) -> None:
    """The pass without its follow-up mail where the source can tell them apart, else the whole pass."""
    if SEPARATE_MAIL:
        run_pass(ws, follow_up=False)
    else:
        run_pass(ws)


def mail_out(ws: Workspace) -> None:
    if _FOLLOW_UP is not None and SEPARATE_MAIL:
        _FOLLOW_UP(ws)


def identity(path: Path) -> tuple[int, int, int, str]:
    """What tells a rewritten file from an untouched one: mtime, size, inode and the bytes."""
    st = path.stat()
    return st.st_mtime_ns, st.st_size, st.st_ino, hashlib.sha256(path.read_bytes()).hexdigest()


def mail_texts(paths: list[Path]) -> list[str]:
    """Subject and text of each .eml, decoded (they are base64 / quoted-printable on disk)."""
    out = []
    for path in paths:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        parts = [str(msg.get("Subject", ""))]
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts.append(str(part.get_content()))  # type: ignore[attr-defined]
        out.append("\n".join(parts))
    return out


class Bench:
    def __init__(self, size: int, repeat: int, work: Path) -> None:
        self.size, self.repeat, self.work = size, repeat, work / f"rows_{size}"
        # The workspace always lives at the same path: its rules hash covers config.toml's path, and a
        # moved workspace would re-check every row. Each repetition restores it from `baseline`.
        self.root = self.work / "ws"
        self.baseline = self.work / "after_first_pass"
        self.edited = self.work / "edited.xlsx"     # the workbook after the user's 10 edits
        self.t = Timings()

    # setup ------------------------------------------------------------------------------------
    def setup(self) -> SizeResult:
        self.work.mkdir(parents=True)
        ws = create_workspace(self.root)
        form = ws.forms[FORM]
        self.cols = column_numbers(form)
        made = make_rows(self.size)
        book = self.root / "sheets" / BOOK
        author_s, _ = timed(lambda: author_workbook(book, form, [r for r, _ in made]))
        print(f"  authored {self.size:,} rows in {author_s:.1f} s ({book.stat().st_size / 1e6:.1f} MB)", flush=True)
        first_s, _ = timed(lambda: run_pass(ws))
        ws.close()
        numbered = self.check_first_pass(book, [bool(k) for _, k in made])
        print(f"  first pass (numbers {numbered:,} rows, {self.size - numbered} invalid): {first_s:.1f} s", flush=True)
        # Moved, not copied: the store knows each workbook by (mtime, size, inode), and fresh_workspace links the
        # untouched ones back, so a repetition reads what a real save makes it read (the saved file), not all.
        self.root.rename(self.baseline)
        book = self.baseline / "sheets" / BOOK
        self.linked = {p: p.stat() for p in (self.baseline / "sheets").glob("*.xlsx") if p.name != BOOK}

        # The user's edit: 6 valid rows get a bad quantity, 4 rows invalid for their quantity get a good one.
        self.edit = plan_user_edit(book, made, self.cols)
        edit_s, _ = timed(lambda: save_user_edit(book, self.edited, self.edit, self.cols))
        self.edited_grid = grid_of(self.edited)
        self.keys_before = {cell(self.edited_grid, r, self.cols["key"]) for r in range(2, self.size + 2)} - {""}
        print(f"  user edit of {CHANGED_ROWS} rows with openpyxl (setup): {edit_s:.1f} s", flush=True)
        self.res = SizeResult(self.size, self.edited.stat().st_size, author_s, first_s, edit_s, self.repeat, self.t,
                              mail_included=not SEPARATE_MAIL)
        return self.res

    def check_first_pass(self, book: Path, invalid: list[bool]) -> int:
        """Every valid row shows a number of its own and every invalid one none; returns how many were numbered."""
        grid, key = grid_of(book), self.cols["key"]
        keys = [cell(grid, i + 2, key) for i in range(self.size)]
        for i, (k, bad) in enumerate(zip(keys, invalid, strict=True)):
            assert bool(k) != bad, f"row {i + 2}: key {k!r} but {'invalid' if bad else 'valid'}"
            assert not k or KEY.fullmatch(k), f"row {i + 2}: key {k!r}"
            assert cell(grid, i + 2, self.cols["status"]), f"row {i + 2}: no status after the first pass"
        numbered = [k for k in keys if k]
        assert len(set(numbered)) == len(numbered), "a number was given twice"
        return len(numbered)

    def fresh_workspace(self) -> tuple[Path, Path]:
        """The workspace as the first pass left it, with the user's edited workbook in place.

        The other workbooks are hard links to the baseline's (same identity, so a pass skips them as it
        would skip files nobody saved); sheetflow replaces a workbook by rename, never in place, which the
        check below holds it to, since an in-place write would change the baseline too.
        """
        for path, st in self.linked.items():
            now = path.stat()
            assert (now.st_ino, now.st_mtime_ns, now.st_size) == (st.st_ino, st.st_mtime_ns, st.st_size), \
                f"{path.name} was written in place, not replaced"
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.copytree(self.baseline, self.root, copy_function=self._link_or_copy)
        book = self.root / "sheets" / BOOK
        book.unlink()
        shutil.copyfile(self.edited, book)  # new mtime and inode: the pass must read it
        return self.root, book

    def _link_or_copy(self, src: str, dst: str) -> None:
        if Path(src) in self.linked:
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    # our pass ---------------------------------------------------------------------------------
    def check_ours(self, book: Path) -> dict[int, dict[int, Any]]:
        """The workbook read back: the 10 edited rows show their new outcome, every other row is as it was."""
        grid, before, c, edit = grid_of(book), self.edited_grid, self.cols, self.edit
        width = max(len(r) for r in (*grid, *before))
        edited = {*edit.invalidated, *edit.fixed}
        for r in range(1, self.size + 2):
            if r not in edited:
                assert all(cell(grid, r, col) == cell(before, r, col) for col in range(1, width + 1)), \
                    f"row {r} was not edited but changed"
        written: dict[int, dict[int, Any]] = {}
        new_keys = set()
        for r in sorted(edited):
            key, status, message = cell(grid, r, c["key"]), cell(grid, r, c["status"]), cell(grid, r, c["message"])
            old_key, old_status, old_message = edit.before[r]
            if r in edit.invalidated:
                assert status == edit.invalid_status and key == old_key and "数量" in message, (r, status, message)
            else:
                assert status == edit.valid_status and KEY.fullmatch(key) and not old_key, (r, key)
                assert key not in self.keys_before and key not in new_keys, f"row {r}: {key} given twice"
                new_keys.add(key)
            assert status != old_status and message != old_message, (r, status, message)
            assert cell(grid, r, c["quantity"]) == cell(before, r, c["quantity"]), f"row {r}: the user's cell moved"
            written[r] = {c[n]: cell(grid, r, c[n]) for n in ("key", "status", "message", "updated")}
        self.new_keys = new_keys
        return written

    def check_mail(self, outbox: Path, before: set[str]) -> None:
        """One new .eml per newly numbered request (its first sign-off code), naming that request."""
        new = sorted(p for p in outbox.glob("*.eml") if p.name not in before)
        assert len(new) == len(self.edit.fixed), f"{len(new)} new mails, expected {len(self.edit.fixed)}"
        texts = mail_texts(new)
        for key in self.new_keys:
            assert sum(key in t for t in texts) == 1, f"no single new mail names {key}"

    def run_ours(self) -> None:
        root, book = self.fresh_workspace()
        outbox = root / "outbox"
        mails_before = {p.name for p in outbox.glob("*.eml")}
        ws = open_workspace(root)
        try:
            secs, _ = timed(lambda: pass_only(ws))  # read, decide, write back the sheet
            self.t.ours.append(secs)
            self.written = self.check_ours(book)
            mail_s, _ = timed(lambda: mail_out(ws))         # then the new requests' mails go out
            self.check_mail(outbox, mails_before)
            if SEPARATE_MAIL:
                self.t.mail.append(mail_s)
            self.t.ours_and_mail.append(secs + (mail_s if SEPARATE_MAIL else 0.0))

            untouched = identity(book)
            secs, _ = timed(lambda: run_pass(ws))  # nothing touched the file since
            assert identity(book) == untouched, "an idle pass rewrote the workbook"
            self.t.idle.append(secs)

            st = book.stat()  # saved again without a change (Ctrl+S): same rows, new mtime
            os.utime(book, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
            resaved = identity(book)
            secs, _ = timed(lambda: run_pass(ws))
            assert identity(book) == resaved, "a pass after a save with no change rewrote the workbook"
            self.t.resaved.append(secs)
        finally:
            ws.close()

    def profile_ours(self) -> str:
        root, _ = self.fresh_workspace()
        ws = open_workspace(root)
        prof = cProfile.Profile()
        try:
            prof.runcall(pass_only, ws)
        finally:
            ws.close()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        # Own time too: a fixed cost spread over many small calls never tops the cumulative list.
        stats.sort_stats("tottime").print_stats(20)
        return out.getvalue()

    def run_stages(self) -> None:
        """One more pass, instrumented: how its time splits between reading, deciding and writing back."""
        root, book = self.fresh_workspace()
        acc: dict[str, float] = {}
        snaps: list[Any] = []
        ws = open_workspace(root)
        try:
            with stages.instrumented(acc, snaps) as (layout, fingerprint):
                secs, _ = timed(lambda: pass_only(ws))
        except stages.StagesUnavailable as exc:
            self.res.stages_missing = str(exc)
            return
        finally:
            ws.close()
        self.check_ours(book)
        self.res.stages_layout = layout
        snap = max(snaps, key=lambda s: len(s.rows))  # the request sheet: a pass also reads the generated ones
        fp_secs, _ = timed(lambda: [fingerprint(snap, r) for r in snap.rows])  # same call as the decide stage
        for k, v in stages.split(secs, acc, fp_secs).items():
            self.t.stages.setdefault(k, []).append(v)

    # the naive way ----------------------------------------------------------------------------
    def run_naive(self, i: int) -> None:
        path = self.work / f"naive_{i}.xlsx"
        shutil.copyfile(self.edited, path)

        def naive() -> None:
            wb = openpyxl.load_workbook(path)
            sh = wb[SHEET]
            for r, cells in self.written.items():
                for col, value in cells.items():
                    sh.cell(row=r, column=col).value = value
            wb.save(path)
        secs, _ = timed(naive)
        self.t.naive.append(secs)
        grid = grid_of(path)
        for r, cells in self.written.items():
            assert all(cell(grid, r, col) == v for col, v in cells.items()), r
        path.unlink()

    # reads alone ------------------------------------------------------------------------------
    def run_reads(self) -> None:
        root, book = self.fresh_workspace()
        ws = open_workspace(root)
        form, sheet = ws.forms[FORM], ws.sheet_name(ws.forms[FORM])
        ws.close()
        try:  # the engine's reader, by name: the one internal timed alone (a source without it shows "–")
            owner, name = stages.resolve("processors.sheets.xlsx_read", "read_snapshot")
        except stages.StagesUnavailable:
            owner = None
        if owner is not None:
            read = getattr(owner, name)
            secs, snap = timed(lambda: read(book, form, sheet))
            assert len(snap.rows) == self.size
            self.t.read_calamine.append(secs)

        def openpyxl_read() -> int:
            wb = openpyxl.load_workbook(book, read_only=True)
            try:
                return sum(1 for _ in wb[SHEET].iter_rows(values_only=True))
            finally:
                wb.close()
        secs, n = timed(openpyxl_read)
        assert n >= self.size + 1
        self.t.read_openpyxl.append(secs)

    def repetition(self, i: int) -> None:
        self.run_ours()  # first: the naive run writes the values our pass wrote
        self.run_naive(i)
        self.run_reads()
