"""(being written)"""

from __future__ import annotations

from ..kinds import Kind


class FeedbackKind(Kind):
    pass
