"""Charts for reports, as inline SVG: WeasyPrint draws them as vectors, so a PDF needs no image files or plotting
library. Shared by the families' reports (the leasing report, the supplier scorecard)."""

from __future__ import annotations

from markupsafe import Markup


def bar_chart(title: str, rows: list[tuple[str, float, float]], legend: tuple[str, str]) -> Markup:
    """A two-series horizontal bar chart as inline SVG: WeasyPrint draws it as vectors, no image files."""
    width, bar, gap, left = 480, 9, 8, 110
    top = 34
    height = top + len(rows) * (2 * bar + gap) + 20
    peak = max([max(a, b) for _, a, b in rows] + [1.0])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="9">',
             f'<text x="0" y="12" font-size="10">{Markup.escape(title)}</text>',
             f'<rect x="{left}" y="19" width="8" height="6" fill="#777"/><text x="{left + 12}" y="25">'
             f'{Markup.escape(legend[0])}</text>',
             f'<rect x="{left + 130}" y="19" width="8" height="6" fill="#222"/><text x="{left + 142}" y="25">'
             f'{Markup.escape(legend[1])}</text>']
    for i, (label, a, b) in enumerate(rows):
        y = top + i * (2 * bar + gap)
        wa, wb = (width - left - 60) * a / peak, (width - left - 60) * b / peak
        parts += [f'<text x="0" y="{y + bar + 3}">{Markup.escape(label)}</text>',
                  f'<rect x="{left}" y="{y}" width="{wa:.1f}" height="{bar}" fill="#777"/>',
                  f'<text x="{left + wa + 3:.1f}" y="{y + bar - 1}">{a:,.0f}</text>',
                  f'<rect x="{left}" y="{y + bar}" width="{wb:.1f}" height="{bar}" fill="#222"/>',
                  f'<text x="{left + wb + 3:.1f}" y="{y + 2 * bar - 1}">{b:,.0f}</text>']
    parts.append("</svg>")
    return Markup("".join(parts))
