"""`sheetflow status`: records by state, invalid rows, file problems and writes still owed."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from .backup import status_lines as backup_status
from .engine.rows import display_time
from .mail.outbox import state_label as mail_state
from .mail.sender import outbox_summary
from .privacy import EXPOSED, finding_lines, layout
from .workcal import status_lines as calendar_status
from .workflow.lifecycle import Lifecycle
from .workspace import Workspace


def state_label(ws: Workspace, form: object, state: str) -> str:
    return Lifecycle(ws, form).label(state)  # type: ignore[arg-type]


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render_status(ws: Workspace, limit: int = 50) -> str:
    t, store = ws.t, ws.store
    out: list[str] = [*calendar_status(ws.calendar, t, ws.clock.today())]   # holidays nobody knows, first
    records = store.records()
    out.append(f"== {t('cli.status_records')} ==")
    counts = Counter((r.form, r.state) for r in records)
    invalid_rows = store.invalid_rows()
    if counts or invalid_rows:
        rows = []
        for (form_id, state), n in sorted(counts.items()):
            form = ws.forms.get(form_id)
            label = state_label(ws, form, state) if form else state
            rows.append([t.pick(form.title) if form else form_id, label, str(n)])
        if invalid_rows:
            rows.append(["", t("cli.invalid_unnumbered"), str(len(invalid_rows))])
        out.append(table([t("cli.col_form"), t("cli.col_state"), t("cli.col_count")], rows))
        out.append("")
        detail = []
        for r in sorted(records, key=lambda r: r.updated_at)[-limit:]:   # the latest news, whatever its series
            form = ws.forms.get(r.form)
            summary = " ".join(r.data.get(k, "") for k in ("item", "spec", "quantity", "unit")).strip() or " ".join(
                filter(None, (r.data.get("supplier") or r.data.get("customer") or r.data.get("project", ""),
                              f"¥{r.data['total']}" if r.data.get("total") else ""))).strip()
            detail.append([r.key, state_label(ws, form, r.state) if form else r.state, clip(summary, 30),
                           display_time(r.updated_at), clip(r.message, 40)])
        for row in invalid_rows[:limit]:
            detail.append(["", t("status.invalid"), f"{row['file']} #{row['row']}", "", clip(row["message"], 60)])
        out.append(table([t("cli.col_key"), t("cli.col_state"), t("cli.col_summary"), t("cli.col_updated"),
                          t("cli.col_message")], detail))
    else:
        out.append(t("cli.status_none"))
    out.append("")
    out.append(f"== {t('cli.status_files')} ==")
    files = store.file_status()
    if files:
        out.append(table([t("cli.col_file"), t("cli.col_state"), t("cli.col_message")],
                         [[f["file"], t(f"cli.file_{f['state']}"),
                           clip(f["message"], 70)] for f in files]))
    else:
        out.append(t("cli.status_none"))
    out.append("")
    out.append(f"== {t('cli.status_pending')} ==")
    pending = store.pending()
    if pending:
        by_file = Counter(p.file for p in pending)
        reasons = {p.file: p.reason for p in pending}
        rows = []
        for file, n in sorted(by_file.items()):
            reason = reasons[file]
            text = t("cli.pending_locked", lock=reason.split(":", 1)[1]) if reason.startswith("locked:") \
                else t("cli.pending_waiting")
            rows.append([file, str(n), text])
        out.append(table([t("cli.col_file"), t("cli.col_rows"), t("cli.col_reason")], rows))
    else:
        out.append(t("cli.status_none"))
    out.append("")
    out.extend([*faults_section(ws, limit), *locks_section(ws), *unlanded_section(ws, limit)])
    out.extend([*outbox_section(ws, limit), *privacy_section(ws)])
    out.extend(["", *backup_status(ws)])   # the last order-data backup (C3), or that none was made though due
    return "\n".join(out)


def faults_section(ws: Workspace, limit: int) -> list[str]:
    """What failed and was rolled back alone: the row (or hook) it happened in, when, and what it was; and the
    workspace's own form definitions that are wrong (each holds its form)."""
    t = ws.t
    found = ws.store.faults()
    held = [f"- {t('engine.form_held', problem=p)}" for p in ws.form_problems]
    if not found:
        return [f"== {t('engine.status_faults')} ==", *held, ""] if held else []
    rows = [[f["file"] or "-", t("engine.status_fault_row", row=f["row"]) if f["row"] else f["key"] or "-",
             f["stage"], display_time(f["at"]), clip(f["error"], 80)] for f in found[-limit:]]
    return [f"== {t('engine.status_faults')} ==", *held,
            table([t("cli.col_file"), t("cli.col_key"), t("cli.col_state"), t("cli.col_updated"),
                   t("cli.col_message")], rows), ""]


def locks_section(ws: Workspace) -> list[str]:
    """Sign-off steps locked after wrong codes, so an administrator asked "why can't I sign?" sees it at once."""
    t = ws.t
    found = ws.store.locked_steps(ws.clock.now().isoformat(timespec="seconds"))
    if not found:
        return []
    rows = []
    for lock in found:
        form = ws.forms.get(lock["form"])
        step = next((st for st in form.route if st.name == lock["step"]), None) if form else None
        rows.append([lock["key"], t.pick(step.label) if step else lock["step"],
                     t("engine.status_lock_until", until=display_time(lock["locked_until"]), n=lock["lockouts"])])
    return [f"== {t('engine.status_locks')} ==",
            table([t("cli.col_key"), t("cli.col_state"), t("cli.col_reason")], rows), ""]


def unlanded_section(ws: Workspace, limit: int) -> list[str]:
    """Numbers taken whose row does not show them yet: waiting for a closed file, or for a new row to take them."""
    t, store = ws.t, ws.store
    found = store.unlanded()
    if not found:
        return []
    rows = [[r["key"], f"{r['file']} #{r['row_hint'] or '?'}",
             t("engine.status_orphan") if r["orphan"] else t("engine.status_unlanded")] for r in found[:limit]]
    return [f"== {t('engine.status_unlanded')} ==",
            table([t("cli.col_key"), t("cli.col_file"), t("cli.col_reason")], rows), ""]


def outbox_section(ws: Workspace, limit: int = 50) -> list[str]:
    """Mail counts per state, then every mail a person may need to look at: to check, failed, retrying."""
    t = ws.t
    out = [f"== {t('mail.status_title')} =="]
    summary = outbox_summary(ws.store, limit)
    if not summary.total:
        return [*out, t("cli.status_none")]
    out.append(table([t("cli.col_state"), t("cli.col_count")],
                     [[mail_state(t, state), str(n)] for state, n in summary.counts.items()]))
    if summary.attention:
        rows = []
        for m in summary.attention:
            state = "deferred" if m.state == "queued" else m.state
            upcoming = display_time(m.next_attempt_at) if m.state == "queued" else ""
            rows.append([m.key, mail_state(t, state), clip(", ".join(m.recipients), 40), str(m.attempts),
                         upcoming, clip(m.last_error, 80)])
        out.append("")
        out.append(table([t("mail.col_key"), t("cli.col_state"), t("mail.col_to"), t("mail.col_attempts"),
                          t("mail.col_next"), t("mail.col_error")], rows))
        if any(m.state in ("unknown", "failed") for m in summary.attention):
            out.append(t("mail.status_hint"))
    return out


def privacy_section(ws: Workspace) -> list[str]:
    """Who can read what: the shared and the private part, and any private path still open to others (what
    this start tightened is said too, since codes may have been read before)."""
    t, p = ws.t, ws.privacy
    out = ["", f"== {t('private.status_title')} ==", *layout(ws.cfg, t)]
    if p.loose:
        out += [t("private.status_loose"), *finding_lines(ws.cfg, t, p.loose)]
    else:
        out.append(t("private.status_ok", count=p.checked))
    out += finding_lines(ws.cfg, t, p.tightened, "private.status_tightened")
    if ws.store.meta(EXPOSED):
        out.append(t("private.status_exposed"))
    return out
