"""How many lines a wrapped cell needs, and the row height that shows them all.

Why sheetflow estimates at all: Excel and WPS fit a row to its wrapped text by
themselves when the row's height is not marked custom, but LibreOffice Calc
shows a row without a stored height one line high and cuts the rest off. So the
height of a row that gets a long message is written into the sheet (`ht`, never
`customHeight`: Excel and WPS still fit the row to what it holds, LibreOffice
shows what is stored).

The estimate errs on the tall side. A column width counts widths of the digit
"0" in the workbook's default font, so how many CJK characters fit depends on
that font: a CJK character is 1.0 em, a digit 0.51 em in Calibri (openpyxl's and
older Excel's default), about 0.55 em in Microsoft YaHei, 0.64 em in DejaVu Sans
(LibreOffice's stand-in for YaHei on Linux). CJK_WIDTHS counts the narrowest
digit of each face, so the most CJK per line; Latin counts 1.1; Latin words
wrap whole, CJK anywhere. A line is 1.45 x the font size: Noto Sans CJK, what
LibreOffice substitutes for YaHei on Linux, has the tallest line of the faces
involved (1.448 em).
"""

from __future__ import annotations

import functools
import math
import re

LINE = 1.45          # line pitch, in font sizes
PAD = 3.0            # points above and below the lines
MAX_HEIGHT = 409.0   # Excel's largest row height
LATIN_WIDTH = 1.1
#: a CJK character's width in digit widths, by the workbook's default font (casefolded); others count 2.0
CJK_WIDTHS = {"calibri": 1.97, "microsoft yahei": 1.85, "微软雅黑": 1.85, "dengxian": 1.9, "等线": 1.9}
CJK_WIDTH = 2.0
_WORDS = re.compile(r"\s+|[^\s]")


def cjk_width(default_font: str) -> float:
    return CJK_WIDTHS.get(default_font.casefold(), CJK_WIDTH)


def is_wide(ch: str) -> bool:
    """CJK, full-width forms, and the quotes, dashes and symbols CJK fonts draw full width (“ ” — ✔)."""
    code = ord(ch)
    return code >= 0x2E80 or 0x2010 <= code <= 0x206F or 0x2460 <= code <= 0x27BF


def char_width(ch: str, cjk: float = CJK_WIDTH) -> float:
    """Width of one character in column-width units (digit widths)."""
    return cjk if is_wide(ch) else LATIN_WIDTH


def text_width(text: str, cjk: float = CJK_WIDTH) -> float:
    return sum(char_width(ch, cjk) for ch in text)


def _tokens(line: str) -> list[str]:
    """Pieces a line may break between: a Latin word (with the spaces after it), or one CJK character."""
    out: list[str] = []
    word = ""
    for piece in _WORDS.findall(line):
        if piece.isspace():
            word += piece
            out.append(word)
            word = ""
        elif is_wide(piece):
            if word:
                out.append(word)
                word = ""
            out.append(piece)
        else:
            word += piece
    if word:
        out.append(word)
    return out


@functools.lru_cache(maxsize=4096)   # a pass writes the same few messages into thousands of rows
def wrapped_lines(text: str, width: float, cjk: float = CJK_WIDTH) -> int:
    """Lines `text` takes in a wrapping cell `width` digits wide (a cell's padding and rounding allowed for)."""
    room = max(width - 1.0, 1.0)
    total = 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines, used = 1, 0.0
        for token in _tokens(line):
            w = text_width(token.rstrip(), cjk)
            if used and used + w > room:
                lines, used = lines + 1, 0.0
            if w > room:   # a word longer than the line is broken inside
                extra = math.ceil(w / room) - 1
                lines, used = lines + extra, w - extra * room
            else:
                used += text_width(token, cjk)
        total += lines
    return total


def row_height(lines: int, font_size: float) -> float:
    """The height (points) that shows `lines` lines of `font_size` text."""
    return min(round(lines * font_size * LINE + PAD, 1), MAX_HEIGHT)


def is_fitted(height: float, font_size: float) -> bool:
    """Whether `height` is one this module gives (so sheetflow set it and may set it again, smaller too)."""
    return any(abs(row_height(n, font_size) - height) < 0.06 for n in range(1, 40))
