"""One SMTP session, one step per method, so the sender can commit a state between any two steps.

smtplib's sendmail() does MAIL, RCPT, DATA and the final dot in one call; the
sender needs to commit `data_end` just before the final dot, so the steps are
smtplib's lower-level calls. Every failure becomes one of two exceptions:
`Temporary` (4xx, connection trouble, our own SMTP settings: try again later)
or `Permanent` (5xx about this mail: retrying will not help). smtplib's own
exceptions are OSErrors, so `except OSError` covers them and socket/TLS errors.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping

from ..config import SmtpSettings


class Temporary(Exception):
    """Try again later. `broken`: the connection is unusable, open a new one for the next mail."""

    def __init__(self, text: str, *, broken: bool = False) -> None:
        super().__init__(text)
        self.broken = broken


class Permanent(Exception):
    """The server refused this mail for good (5xx)."""


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(message.split())}".strip()


def classify(code: int, text: bytes | str, what: str) -> Exception:
    """A non-success reply as the exception the sender acts on (421 also means the server hangs up)."""
    reply = f"{what}: {_reply(code, text)}"
    if 500 <= code < 600:
        return Permanent(reply)
    return Temporary(reply, broken=code == 421 or code < 0)


class SmtpSession:
    def __init__(self, settings: SmtpSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.smtp: smtplib.SMTP | None = None

    @property
    def usable(self) -> bool:
        return self.smtp is not None

    def open(self) -> None:
        """Connect, EHLO, STARTTLS or SSL as configured, and log in only when the login variables are set."""
        s = self.settings
        user = self.environ.get(s.username_env, "")
        password = self.environ.get(s.password_env, "")
        if bool(user) != bool(password):
            missing = s.password_env if user else s.username_env
            raise Temporary(f"SMTP login: {missing} is not set (set both {s.username_env} and {s.password_env}, "
                            f"or neither)", broken=True)
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds,
                                             context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            self.smtp.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                if not self.smtp.has_extn("starttls"):
                    raise Temporary(f"{s.host}:{s.port} offers no STARTTLS (security = \"starttls\" in "
                                    "config.toml); not sending in the clear", broken=True)
                code, text = self.smtp.starttls(context=ssl.create_default_context())
                if code != 220:
                    raise classify(code, text, "STARTTLS")
                self.smtp.ehlo()
            if user:
                self.smtp.login(user, password)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise Temporary(f"SMTP login as {user!r} refused: {_reply(exc.smtp_code, exc.smtp_error)}",
                            broken=True) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise Temporary(f"{s.host}:{s.port}: {_reply(exc.smtp_code, exc.smtp_error)}", broken=True) from None
        except (Temporary, Permanent) as exc:
            self.close()
            raise Temporary(str(exc), broken=True) from None
        except OSError as exc:
            self.close()
            raise Temporary(f"{s.host}:{s.port}: {type(exc).__name__}: {exc}", broken=True) from None

    def _conn(self) -> smtplib.SMTP:
        if self.smtp is None:
            raise Temporary("not connected", broken=True)
        return self.smtp

    def _call(self, fn: Callable[..., tuple[int, bytes]], *args: object, what: str) -> tuple[int, bytes]:
        try:
            return fn(*args)
        except OSError as exc:
            self.close()
            raise Temporary(f"{what}: {type(exc).__name__}: {exc}", broken=True) from None

    def envelope(self, sender: str, recipients: list[str]) -> list[str]:
        """MAIL FROM and RCPT TO. Returns the refusals of a partly refused mail (5xx for some addresses).

        Any 4xx, or every address refused, resets the transaction and raises: nothing was sent yet, so
        the mail as a whole is retried or failed, never half-delivered and then retried in full.
        """
        smtp = self._conn()
        code, text = self._call(smtp.mail, sender, what="MAIL FROM")
        if code != 250:
            self._abort(code)
            raise classify(code, text, f"MAIL FROM:<{sender}>")
        refused: list[str] = []
        temporary: Exception | None = None
        for rcpt in recipients:
            code, text = self._call(smtp.rcpt, rcpt, what=f"RCPT TO:<{rcpt}>")
            if code in (250, 251):
                continue
            problem = classify(code, text, f"RCPT TO:<{rcpt}>")
            if isinstance(problem, Permanent):
                refused.append(str(problem))
            else:
                temporary = temporary or problem
        if temporary is not None or len(refused) == len(recipients):
            self._abort(code)
            raise temporary or Permanent("; ".join(refused))
        return refused

    def start_data(self) -> None:
        smtp = self._conn()
        code, text = self._call(smtp.docmd, "DATA", what="DATA")
        if code != 354:
            self._abort(code)
            raise classify(code, text, "DATA")

    def send(self, data: bytes) -> None:
        """Raw bytes of the dot-stuffed message (or the final ".\\r\\n")."""
        smtp = self._conn()
        try:
            smtp.send(data)
        except OSError as exc:
            self.close()
            raise Temporary(f"DATA: {type(exc).__name__}: {exc}", broken=True) from None

    def reply(self) -> tuple[int, str]:
        """The server's answer to the final dot. Raises OSError-family errors as they come: the caller decides."""
        code, text = self._conn().getreply()
        return code, _reply(code, text)

    def _abort(self, code: int) -> None:
        """After a refusal: RSET for the next mail, or hang up if the server is closing (421)."""
        if code == 421 or code < 0:
            self.close()
            return
        try:
            self._conn().rset()
        except OSError:
            self.close()

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except OSError:
            smtp.close()
