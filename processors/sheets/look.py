"""The colours and the face of the sheets staff fill, one palette for .xlsx and Google tabs.

Face: Microsoft YaHei (微软雅黑), a sans-serif with CJK and Latin in one design.
Every Windows since Vista has it, so Excel and WPS there do, and Office for Mac
installs it. Where it is missing (LibreOffice on Linux) fontconfig substitutes
a sans-serif for each script, Noto Sans CJK SC for the Chinese and DejaVu Sans
for the Latin, instead of the serif fallback of a font element without a name.
The font elements also say family 2 (swiss: sans-serif) and charset 134
(GB2312), the hints programs use to choose a substitute.

Colours: every text colour against its fill has a WCAG contrast of at least
4.5:1 (tests/test_sheet_looks.py computes each pair). Fills tell the columns
apart: blue for what staff fill, yellow where an approver signs, grey for what
sheetflow writes.
"""

from __future__ import annotations

FONT_NAME = "Microsoft YaHei"
FONT_FAMILY = 2      # swiss: a sans-serif
FONT_CHARSET = 134   # GB2312: a Chinese face
TEXT = "000000"

STAFF_HEADER = "DDEBF7"
SIGN_HEADER = "FFD966"
SIGN_FILL = "FFF2CC"
SYSTEM_HEADER = "595959"
SYSTEM_HEADER_TEXT = "FFFFFF"
SYSTEM_FILL = "E7E6E6"
SYSTEM_TEXT = "404040"
RULE = "808080"        # the line under the header
DIVIDER = "404040"     # the line after the frozen system columns


def google_rgb(hex_rgb: str) -> dict[str, float]:
    """A palette colour as the Sheets API takes it."""
    return {k: int(hex_rgb[i:i + 2], 16) / 255 for k, i in (("red", 0), ("green", 2), ("blue", 4))}
