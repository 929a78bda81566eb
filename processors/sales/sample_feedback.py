"""The example's customer feedback (C5) for `init --sample`: one resolved and rated by reply code, one open.

Played like the rest of processors/sample_story.py: rows typed into the feedback workbook and one pass per step,
so the numbers, the mails and the rating code are the real ones. The customer's reply is made from the code in
the outcome mail in outbox/, as staff would paste it. Data: forms/samples/feedback_story.toml.
"""

from __future__ import annotations

import email
import email.policy
import re
import tomllib
from collections.abc import Callable
from typing import Any, Protocol

from ..resources import bundled_dir
from ..workspace import Workspace

FORM = "feedback"
RATING_CODE = re.compile(r"(?:评分码|rating code) ([2-9A-HJ-NP-Z]{6})\b")


class StoryLike(Protocol):
    ws: Workspace | None

    def append(self, form_id: str, rows: list[dict[str, Any]]) -> list[int]: ...

    def type(self, form_id: str, key: str, **values: Any) -> None: ...


def rating_code(ws: Workspace, key: str) -> str:
    """The code the record's outcome mail carried, read from the mail as the customer received it."""
    for path in sorted(ws.cfg.outbox_dir.glob(f"{key}-*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        m = RATING_CODE.search(body.get_content() if body else "")
        if m and key in str(msg["Subject"]):
            return m.group(1)
    raise RuntimeError(f"sample feedback: no rating code mailed for {key}")


def feedback_steps(story: StoryLike) -> list[tuple[int, int, Callable[[], None]]]:
    """(days ago, hour, step): the complaint typed, resolved the next day, rated after; the open one yesterday."""
    with (bundled_dir("forms") / "samples" / "feedback_story.toml").open("rb") as fh:
        data = tomllib.load(fh)
    done, still = data["resolved"], data["open"]
    fields = ("customer", "contact", "email", "kind", "said")

    def key() -> str:
        assert story.ws is not None
        return next(r.key for r in story.ws.store.records(FORM) if r.data.get("customer") == done["customer"])

    def rated() -> None:
        assert story.ws is not None
        number = key()
        reply = done["reply"].format(code=rating_code(story.ws, number))
        story.type(FORM, number, rating=reply, rating_remark=done["remark"])

    return [
        (6, 10, lambda: story.append(FORM, [{k: done[k] for k in fields}])),
        (5, 15, lambda: story.type(FORM, key(), resolution=done["resolution"])),
        (4, 11, rated),
        (1, 14, lambda: story.append(FORM, [{k: still[k] for k in fields}])),
    ]
