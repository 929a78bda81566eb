"""The monthly feedback summary (C5): output/客户反馈汇总.xlsx, and a PDF of the latest month with a chart.

A feedback counts in the month it came in. Time to resolve is in working hours (the same calendar as the
deadline), so "in target" means what the row said at the time; the median is shown beside the average because
one case left for weeks would otherwise hide how most were handled. Satisfaction averages the ratings recorded,
however they came (the detail sheet says which came by reply code). Both files are rewritten only when what they
show changed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..charts import bar_chart
from ..sheets.cells import COUNT, PERCENT
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..workspace import Workspace
from .feedback_facts import moment, shown, working_hours

FORM, META = "feedback", "feedback_summary"
COUNTED = ("open", "overdue", "resolved", "closed")
KINDS = ("质量", "交付", "服务", "价格", "其他")
ALL = "合计"


@dataclass
class Tally:
    count: int = 0
    pending: int = 0
    took: list[float] = field(default_factory=list)
    in_target: int = 0
    ratings: list[int] = field(default_factory=list)

    def row(self, month: str, kind: str) -> list[object]:
        resolved = len(self.took)
        return [month, kind, self.count, resolved, self.pending,
                round(statistics.median(self.took), 1) if self.took else "",
                round(statistics.fmean(self.took), 1) if self.took else "",
                round(self.in_target / resolved, 4) if resolved else "",
                len(self.ratings), round(statistics.fmean(self.ratings), 2) if self.ratings else ""]


MONTHS = [Column("月份", "Month"), Column("类别", "Kind"), Column("反馈数", "Feedback", COUNT),
          Column("已解决", "Resolved", COUNT), Column("未解决", "Open", COUNT),
          Column("解决用时中位数（工作小时）", "Median hours to resolve"),
          Column("平均解决用时（工作小时）", "Average hours to resolve"),
          Column("按时解决率", "Resolved in target", PERCENT), Column("已评分", "Rated", COUNT),
          Column("平均满意度（1–5）", "Average rating (1–5)")]
DETAIL = [Column("反馈编号", "Feedback No."), Column("月份", "Month"), Column("收到时间", "Received"),
          Column("客户", "Customer"), Column("类别", "Kind"), Column("关联订单/合同", "Order / contract"),
          Column("负责人", "Owner"), Column("状态", "Status"), Column("截止时间", "Deadline"),
          Column("解决时间", "Resolved"), Column("用时（工作小时）", "Hours to resolve"),
          Column("按时", "In target"), Column("评分", "Rating"), Column("评分方式", "Rated by")]


def build(ws: Workspace) -> tuple[list[list[object]], list[list[object]]]:
    """(one row per month and kind, then the month's total; one row per feedback), oldest month first."""
    tallies: dict[tuple[str, str], Tally] = {}
    details: list[list[object]] = []
    form = ws.forms[FORM]
    labels = {s: ws.t.pick(d.label) for s, d in form.states.items()}
    for record in sorted(ws.store.records(FORM), key=lambda r: (r.data.get("received", ""), r.key)):
        if record.state not in COUNTED:
            continue
        d = record.data
        received, due, resolved = (moment(ws, d.get(k)) for k in ("received", "deadline", "resolved"))
        if received is None:
            continue
        month, kind = received.strftime("%Y-%m"), d.get("kind", "其他")
        took = working_hours(ws, received, resolved) if resolved else None
        ok = took is not None and due is not None and resolved is not None and resolved <= due
        for key in ((month, kind), (month, ALL)):
            t = tallies.setdefault(key, Tally())
            t.count += 1
            t.pending += int(took is None)
            if took is not None:
                t.took.append(took)
                t.in_target += int(ok)
            if d.get("rating_score"):
                t.ratings.append(int(d["rating_score"]))
        by = ws.t(f"feedback.by_{d['rating_by']}") if d.get("rating_by") else ""
        details.append([record.key, month, shown(received), d.get("customer", ""), kind, d.get("concerns", ""),
                        d.get("owner_name", ""), labels.get(record.state, record.state), shown(due),
                        shown(resolved), took if took is not None else "",
                        (ws.t("feedback.yes") if ok else ws.t("feedback.no")) if took is not None else "",
                        int(d["rating_score"]) if d.get("rating_score") else "", by])
    order = {k: i for i, k in enumerate((*KINDS, ALL))}
    rows = [t.row(month, kind) for (month, kind), t in
            sorted(tallies.items(), key=lambda item: (item[0][0], order.get(item[0][1], len(KINDS))))]
    return rows, details


def summary_paths(ws: Workspace) -> tuple[Path, Path]:
    xlsx = ws.cfg.output_dir / ws.cfg.feedback.summary_file
    return xlsx, xlsx.with_suffix(".pdf")


def write_summary(ws: Workspace) -> Path | None:
    """The workbook and the latest month's PDF, when what they show changed (nothing before the first feedback)."""
    if FORM not in ws.forms:
        return None
    rows, details = build(ws)
    xlsx, pdf = summary_paths(ws)
    mark = repr((LOOK, 1, rows, details))
    if not rows or (unchanged(ws.store, META, mark, xlsx, empty=False) and pdf.exists()):
        return None
    today = ws.clock.today()
    wb = Workbook()
    table_sheet(wb, "按月汇总", MONTHS, rows, note=ws.t("feedback.summary_note"),
                page=page_text(ws.t, "客户反馈汇总", "Customer feedback summary", today))
    table_sheet(wb, "反馈明细", DETAIL, details, note=ws.t("feedback.detail_note"),
                page=page_text(ws.t, "客户反馈明细", "Customer feedback detail", today))
    save(wb, xlsx)
    from ..documents.pdf import write_report_pdf  # WeasyPrint is imported only when a document is made

    write_report_pdf(pdf, "feedback_summary", _context(ws, rows, details), ws.cfg.templates_dir)
    with ws.store.transaction():
        ws.store.set_meta(META, mark)
    return pdf


def _context(ws: Workspace, rows: list[list[object]], details: list[list[object]]) -> dict[str, Any]:
    latest = str(rows[-1][0])
    month = [r for r in rows if r[0] == latest]
    settings = ws.cfg.feedback
    bars = [(str(r[1]), float(r[6] or 0), float(settings.kind_hours.get(str(r[1]), settings.target_hours)))
            for r in month if r[1] != ALL]
    chart = bar_chart(f"{latest} 平均解决用时 / 目标（工作小时）Hours to resolve / target", bars,
                      ("平均用时 average", "目标 target")) if bars else ""
    return {"date": ws.clock.today().isoformat(), "month": latest, "charts": [chart] if chart else [],
            "rows": [["" if c is None else str(c) for c in r] for r in month],
            "feedback": [[str(c) for c in r] for r in details if r[1] == latest],
            "company": dict(ws.cfg.letterhead_for("sales").__dict__)}
