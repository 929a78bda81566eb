"""`sheetflow mail send | resend KEY… | mark-sent KEY…`: deliver now, and settle mails a person checked.

resend and mark-sent are how a person settles a mail the system cannot decide
about (`unknown`: handed to the server, answer lost) or one that failed. A
code mail is not resent as it was: its code is masked in the store by then, and
the copy that failed or went astray may be in someone else's hands, so resend
voids that code and sends the approver a fresh one (workflow/reissue.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workspace import Workspace
    from .outbox import OutboxRow


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    mail = sub.add_parser("mail", help="send queued mail now; resend or settle a mail", parents=[common])
    mail.set_defaults(command_module=__name__)
    actions = mail.add_subparsers(dest="mail_command", required=True)
    for name, text in (("send", "deliver every mail that is due (SMTP or .eml files in outbox/)"),
                       ("resend", "queue a mail that is 'to check' or failed again (a code mail: with a fresh code)"),
                       ("mark-sent", "record that a mail did arrive (or was handled another way)")):
        cmd = actions.add_parser(name, help=text, parents=[common])
        if name != "send":
            cmd.add_argument("keys", nargs="+", metavar="KEY", help="the mail's key, as `sheetflow status` shows it")
        cmd.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")


def run(ws: Workspace, args: argparse.Namespace) -> int:
    from ..effects import produce_documents  # like the two below: kept out of every CLI start (~100 ms)
    from . import outbox
    from .sender import deliver_due

    t = ws.t
    if args.mail_command == "send":
        produce_documents(ws)    # documents recorded by a pass that stopped before making them
        report = deliver_due(ws)
        if report.busy:
            print(t("mail.busy"))
        else:
            print(t("mail.report", sent=report.sent, deferred=report.deferred, failed=report.failed,
                    unknown=report.unknown))
        return 0
    now = ws.clock.now().isoformat(timespec="seconds")
    status = 0
    for key in args.keys:
        row = outbox.get(ws.store, key)
        if row is None:
            print(t("mail.no_such_mail", key=key), file=sys.stderr)
            status = 1
            continue
        state = outbox.state_label(t, row.state)
        if args.mail_command == "resend":
            done, message = _resend(ws, row, now)
        else:
            done = outbox.settle_sent(ws.store, key, at=now, note=t("mail.settled_by_hand"))
            message = t("mail.marked_sent", key=key) if done else t("mail.mark_refused", key=key, state=state)
        print(message, file=sys.stdout if done else sys.stderr)
        status = status if done else 1
    return status


def _resend(ws: Workspace, row: OutboxRow, now: str) -> tuple[bool, str]:
    """A mail without a code goes again as it was; a code mail's code is replaced by a fresh one."""
    from ..workflow.reissue import resend_code_mail
    from . import outbox

    t = ws.t
    if row.state not in ("failed", "unknown"):
        return False, t("mail.resend_refused", key=row.key, state=outbox.state_label(t, row.state))
    if not row.secret_count:
        done = outbox.requeue(ws.store, row.key, at=now)
        return done, t("mail.resent", key=row.key) if done else t("mail.resend_refused", key=row.key,
                                                                  state=outbox.state_label(t, row.state))
    fresh = resend_code_mail(ws, row)
    if fresh.key:
        return True, t("private.resent_fresh", key=row.key, new=fresh.key, to=", ".join(row.recipients))
    return False, t(fresh.why_not, key=row.key)
