"""Deliver due mails from the outbox, each at most once, surviving a kill at any instant.

A row moves queued → sending → data_end → sent. Each state is committed before
the step it guards, so after a crash the row tells how far the mail got:

- `sending` (committed before MAIL FROM): the server never received the final
  "." of DATA, so it discarded whatever it had. The next run puts the row back
  in the queue and sends it again; the recipient gets it once.
- `data_end` (committed just before the final "."): the server may have
  accepted the mail, and SMTP gives us no way to ask. The next run marks the
  row `unknown`; it is never resent by itself. `sheetflow status` lists it and
  a person settles it with `sheetflow mail resend KEY` or `mail mark-sent KEY`.

Replies: 250 → sent; 4xx anywhere before the final dot, or a connection error
before it → queued again with exponential backoff (retry_base_seconds *
2**attempts, capped at retry_max_seconds, minus up to a quarter as jitter so
many mails deferred together do not return together); a 4xx to the final dot
also means "not taken" → queued again; 5xx → failed, and the record's row
shows why (`store.flag_record`, same transaction). Connection lost while
waiting for the reply to the final dot → unknown, as after a crash.

Crash points (SHEETFLOW_CRASH_AT, see faults.py) and their outcome on restart:

- `mail_before_send`: after `sending` is committed, before MAIL FROM. Nothing
  reached the server; requeued and delivered once. (eml: before the temp file.)
- `mail_during_data`: half of the message body sent, no final dot. The server
  drops the partial message when the connection dies; requeued and delivered
  once. (eml: half a temp file, never renamed; rewritten on the next run.)
- `mail_after_data_end`: final dot sent, reply not read. The server has
  usually taken the mail (once) but might not have; `unknown`, not resent.
- `mail_after_250`: the 250 was read, the row still says `data_end`. The
  server has exactly one copy; the row becomes `unknown` (the restarted process
  cannot know the 250 came), and no second copy is sent unless a person asks.
- `mail_before_mark`: the same as `mail_after_250`, later: just before the
  transaction that marks the row sent. (eml: after the rename; the next run
  finds the file and marks the row sent, with no second file.)

An issued document is carried only as it was recorded (the documents table):
written, and the attached bytes' sha256 the one recorded. A document not made
yet (or that failed) holds its mail in the queue, the reason in last_error for
`sheetflow status`; a file changed since it was written is never sent and its
record's row says so. Attachments outside the table are sent as they are.

Several processes may call deliver_due (a `watch` and a cron `mail send`): a
lock file lets one deliver at a time; the other returns at once. Holding it is
also what makes the crash recovery safe: a row in `sending` or `data_end` can
only belong to a process that is gone.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import EmailMessage

from .. import faults
from ..config import MailSettings
from ..filemodes import MAIL_LOCK, loose, mode_of, private_lock
from ..store import Store, documents
from ..workspace import Workspace
from . import outbox
from .eml import eml_path, write_eml
from .message import BadAddress, build, dot_stuffed, envelope_address, to_bytes
from .outbox import OutboxRow, OutboxSummary
from .smtp import Permanent, SmtpSession, Temporary

log = logging.getLogger("sheetflow.mail")

LOCK_NAME = MAIL_LOCK


@dataclass
class DeliveryReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    unknown: int = 0
    requeued: int = 0      # rows found in `sending` after a crash and put back in the queue
    waiting: int = 0       # (also counted in deferred) an attached document is not written, or not as recorded
    busy: bool = False     # another process was delivering; nothing was done


def outbox_summary(store: Store, limit: int = 50) -> OutboxSummary:
    """Counts per state and the mails a person may need to look at, for `sheetflow status`."""
    return outbox.summary(store, limit)


def retry_delay(mail: MailSettings, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the failed attempt number attempts + 1."""
    delay = min(mail.retry_base_seconds * 2 ** min(attempts, 62), mail.retry_max_seconds)
    return delay * (rng or random).uniform(0.75, 1.0)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


@contextmanager
def delivery_lock(ws: Workspace) -> Iterator[bool]:
    """True while this process is the only deliverer of the workspace; False if another one is."""
    with private_lock(ws.root / LOCK_NAME) as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def deliver_due(ws: Workspace) -> DeliveryReport:
    """Recover rows a crash left behind, then send every queued mail that is due, one by one."""
    report = DeliveryReport()
    with delivery_lock(ws) as mine:
        if not mine:
            report.busy = True
            return report
        requeued, unknown = outbox.recover_interrupted(ws.store, ws.t("mail.recovered_sending"),
                                                       ws.t("mail.recovered_data_end"))
        report.requeued, report.unknown = requeued, unknown
        if unknown:
            log.warning(ws.t("mail.log_recovered_unknown", count=unknown))
        rows = outbox.due(ws.store, _iso(ws.clock.now()))
        if rows:
            _Delivery(ws, report).run(rows)
    return report


class _Delivery:
    """One run over the due rows with one transport (and one SMTP connection, reopened when it breaks)."""

    def __init__(self, ws: Workspace, report: DeliveryReport) -> None:
        self.ws, self.report = ws, report
        self.mail = ws.cfg.mail
        self.session: SmtpSession | None = None
        self.down: str | None = None        # the SMTP server could not be reached this run
        self._outbox_open: str | None = None   # why code mails are not written to outbox/ this run ("" none)

    def run(self, rows: list[OutboxRow]) -> None:
        try:
            for row in rows:
                if self.mail.transport == "smtp":
                    self._smtp(row)
                else:
                    self._eml(row)
        finally:
            if self.session is not None:
                self.session.close()

    # -- outcomes --------------------------------------------------------------------------
    def _now(self) -> str:
        return _iso(self.ws.clock.now())

    def _deferred(self, row: OutboxRow, error: str) -> None:
        later = self.ws.clock.now() + dt.timedelta(seconds=retry_delay(self.mail, row.attempts))
        outbox.defer(self.ws.store, row.id, error=error, next_attempt_at=_iso(later))
        self.report.deferred += 1
        log.info(self.ws.t("mail.log_deferred", key=row.key, error=error, at=_iso(later)))

    def _failed(self, row: OutboxRow, error: str) -> None:
        notice = self.ws.t("mail.notice_failed", to=", ".join(row.recipients), error=error)
        outbox.fail(self.ws.store, row, error=error, notice=notice)
        self.report.failed += 1
        log.warning(self.ws.t("mail.log_failed", key=row.key, error=error))

    def _unknown(self, row: OutboxRow, error: str) -> None:
        outbox.mark_unknown(self.ws.store, row, error=self.ws.t("mail.unknown_reply", error=error))
        self.report.unknown += 1
        log.warning(self.ws.t("mail.log_unknown", key=row.key, error=error))

    def _sent(self, row: OutboxRow, refused: list[str] | None = None, note: str = "") -> None:
        notice = ""
        if refused:
            note = "; ".join(refused)
            notice = self.ws.t("mail.notice_partly_refused", error=note)
        faults.point("mail_before_mark")
        outbox.mark_sent(self.ws.store, row, at=self._now(), note=note, notice=notice)
        self.report.sent += 1
        log.info(self.ws.t("mail.log_sent", key=row.key, to=", ".join(row.recipients)))

    def _wire(self, row: OutboxRow) -> bytes | None:
        """The message bytes, or None after failing the row (an address no server can take) or holding it."""
        if row.attachments and not self._documents_ready(row):
            return None
        try:
            msg = build(row, self.mail.sender, self.ws.clock.now(), self.ws.root)
        except BadAddress as exc:
            self._failed(row, self.ws.t("mail.bad_address", address=str(exc)))
            return None
        except OSError as exc:  # an attachment outside the documents table moved away: put it back, then resend
            self._failed(row, self.ws.t("mail.attachment_missing", file=getattr(exc, "filename", "") or str(exc)))
            return None
        if row.attachments and not self._as_recorded(row, msg):
            return None
        return to_bytes(msg)

    # -- the attachment gate: an issued document goes out only as it was recorded -------------------
    def _documents_ready(self, row: OutboxRow) -> bool:
        """Every attached document of the table is written and its file is there; otherwise the mail waits.

        A written document whose file is gone is made again (produce_documents, next pass) from its stored
        context, which gives the same bytes. Attachments that are not in the table are not held.
        """
        for rel, doc in documents.by_paths(self.ws.store, row.attachments).items():
            if doc.state == documents.WRITTEN and not (self.ws.root / rel).is_file():
                documents.reopen(self.ws.store, doc.key, at=self._now())
                doc = replace(doc, state=documents.PENDING)
            if doc.state != documents.WRITTEN:
                state = self.ws.t(f"effects.state_{doc.state}")
                self._wait(row, self.ws.t("effects.mail_waits_document", file=rel, state=state))
                return False
        return True

    def _as_recorded(self, row: OutboxRow, msg: EmailMessage) -> bool:
        """The bytes about to go out are the bytes recorded when written; a changed file flags its record."""
        docs = documents.by_paths(self.ws.store, row.attachments)
        for rel, part in zip(row.attachments, msg.iter_attachments(), strict=True):
            doc = docs.get(rel)
            if doc is None:
                continue
            found = hashlib.sha256(part.get_content()).hexdigest()
            if found != doc.sha256:
                notice = self.ws.t("effects.document_tampered", file=rel)
                documents.mark_failed(self.ws.store, doc, error=notice, sha256=doc.sha256, blocked_by=f"file:{found}",
                                      notice=notice, at=self._now())
                log.warning(self.ws.t("effects.log_document_failed", key=doc.key, error=notice))
                self._wait(row, notice)
                return False
        return True

    def _wait(self, row: OutboxRow, reason: str) -> None:
        """Still queued and due, with the reason `status` shows; attempts count up once per reason, not per pass."""
        if row.last_error != reason:
            outbox.defer(self.ws.store, row.id, error=reason, next_attempt_at=row.next_attempt_at)
        self.report.waiting += 1
        self.report.deferred += 1
        log.info("%s: %s", row.key, reason)

    # -- transports ------------------------------------------------------------------------
    def _eml(self, row: OutboxRow) -> None:
        path = eml_path(self.ws.cfg.outbox_dir, row.key, row.record_key)
        if path.exists():                       # written before a crash, not yet marked
            self._sent(row, note=self.ws.t("mail.found_file", file=path.name))
            return
        if row.secrets and self._outbox_readable():
            self._wait(row, self._outbox_open or "")   # a code is never written where others can read it
            return
        data = self._wire(row)
        if data is None:
            return
        faults.point("mail_before_send")
        try:
            write_eml(path, data, halfway=lambda: faults.point("mail_during_data"))
        except OSError as exc:
            self._deferred(row, f"{path}: {exc}")
            return
        self._sent(row)

    def _outbox_readable(self) -> bool:
        """outbox/ is open to other accounts (loosened since the start): looked at once per run."""
        if self._outbox_open is None:
            folder = self.ws.cfg.outbox_dir
            try:
                mode = mode_of(folder)
            except OSError:
                mode = 0                        # not there: write_eml makes it 0700
            self._outbox_open = self.ws.t("private.outbox_open", path=self.ws.rel(folder), mode=f"{mode:04o}",
                                          fix=f"chmod 700 {folder}") if loose(mode) else ""
        return bool(self._outbox_open)

    def _smtp(self, row: OutboxRow) -> None:
        if self.down is not None:               # do not knock on a closed door once per mail
            self._deferred(row, self.down)
            return
        data = self._wire(row)
        if data is None:
            return
        sender = envelope_address(self.mail.sender)           # valid: _wire checked every address
        recipients = [envelope_address(r) for r in row.recipients]
        assert self.mail.smtp is not None
        if self.session is None or not self.session.usable:
            self.session = SmtpSession(self.mail.smtp)
            try:
                self.session.open()
            except Temporary as exc:
                self.down = str(exc)
                self._deferred(row, self.down)
                return
        session = self.session
        if not outbox.claim(self.ws.store, row.id):
            return                              # settled by a person meanwhile
        faults.point("mail_before_send")
        try:
            refused = session.envelope(sender, recipients)
            session.start_data()
            body = dot_stuffed(data)
            half = len(body) // 2
            session.send(body[:half])
            faults.point("mail_during_data")
            session.send(body[half:])
        except Temporary as exc:
            self._deferred(row, str(exc))
            return
        except Permanent as exc:
            self._failed(row, str(exc))
            return
        outbox.mark_data_end(self.ws.store, row.id)
        try:
            session.send(b".\r\n")
            faults.point("mail_after_data_end")
            code, reply = session.reply()
        except (OSError, Temporary) as exc:
            session.close()
            self._unknown(row, str(exc))
            return
        if 200 <= code < 300:
            faults.point("mail_after_250")
            self._sent(row, refused)                  # mail_before_mark is in there
        elif 400 <= code < 500:                  # the server said plainly it did not take it
            if code == 421:
                session.close()
            self._deferred(row, f"DATA: {reply}")
        elif 500 <= code < 600:
            self._failed(row, f"DATA: {reply}")
        else:
            session.close()
            self._unknown(row, reply)
