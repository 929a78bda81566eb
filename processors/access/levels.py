"""Who is at which access level (A1), from the configuration: what `sheetflow access` prints and setup applies.

The administrator is the account sheetflow runs as: it owns the private part
(store, outbox, backups), so it alone can take a backup or restore one. A
back-office user is a person whose role a form names in `edit_roles` (a field
may name its own): on Google those are the only people, with the service
account, who may edit that form's staff columns; approvers sign in their own
columns as the route says. Ordinary users read the published folder.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config, Person
from ..forms.definition import FormDef
from ..i18n import Translator
from ..privacy import account, shown


@dataclass(frozen=True)
class StaffColumns:
    """Staff columns that share one set of roles, and the addresses of the people who hold them."""

    roles: tuple[str, ...]
    fields: tuple[str, ...]
    people: tuple[Person, ...]

    @property
    def emails(self) -> list[str]:
        return sorted({p.email for p in self.people if p.email})


def staff_columns(cfg: Config, form: FormDef) -> list[StaffColumns]:
    """The form's staff (user-entered) columns grouped by the roles that may edit them; a column whose roles are
    none (the form names no edit_roles, or the field says `edit_roles = []`) is in no group: left open."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for f in form.fields:
        if f.type == "signoff":            # a sign-off column has its own rule (setup: its step's role)
            continue
        roles = f.edit_roles if f.edit_roles is not None else form.edit_roles
        if roles:
            groups.setdefault(tuple(roles), []).append(f.name)
    out = []
    for roles, fields in groups.items():
        people = tuple(p for p in cfg.people if set(p.roles) & set(roles))
        out.append(StaffColumns(roles, tuple(fields), people))
    return out


def staff_editors(cfg: Config, form: FormDef) -> dict[str, list[str]]:
    """Field name → the emails of the people who may edit it (setup adds the service account)."""
    return {name: group.emails for group in staff_columns(cfg, form) for name in group.fields}


def _people(people: tuple[Person, ...] | list[Person], t: Translator) -> str:
    if not people:
        return t("access.nobody")
    return "、".join(f"{p.name} <{p.email}>" if p.email else f"{p.name} ({t('access.no_email')})" for p in people)


def admin_lines(cfg: Config, t: Translator) -> list[str]:
    private = "  ".join(shown(cfg, p) for p in (cfg.state_path, cfg.outbox_dir, cfg.root / cfg.backup.folder)
                        if p.exists())
    return [t("access.admin_title"), "  " + t("access.admin", user=account(), private=private or "-")]


def back_office_lines(cfg: Config, forms: dict[str, FormDef], t: Translator) -> list[str]:
    lines = [t("access.back_office_title")]
    for form in forms.values():
        title = t.pick(form.title)
        groups = staff_columns(cfg, form)
        if not groups:
            lines.append("  " + t("access.form_open", form=title, file=form.path.name))
        for group in groups:
            lines.append("  " + t("access.form_editors", form=title, roles=", ".join(group.roles),
                                  columns=len(group.fields), people=_people(group.people, t)))
        for step in form.route:
            lines.append("    " + t("access.form_signers", step=t.pick(step.label), role=step.role,
                                    people=_people(cfg.people_with_role(step.role), t)))
    lines.append("  " + t("access.local_limit" if cfg.backend == "xlsx" else "access.google_rule",
                          sheets=shown(cfg, cfg.sheets_dir)))
    return lines


def ordinary_lines(cfg: Config, forms: dict[str, FormDef], t: Translator) -> list[str]:
    published = [form for form in forms.values() if form.publish.states]
    lines = [t("access.ordinary_title"),
             "  " + t("access.ordinary", path=shown(cfg, cfg.published_dir).rstrip("/") + "/")]
    for form in published:
        states = "、".join(t.pick(form.states[s].label) for s in form.publish.states)
        lines.append("    " + t("access.published_form", form=t.pick(form.title), states=states))
    if not published:
        lines.append("    " + t("access.published_none"))
    return lines


def access_lines(cfg: Config, forms: dict[str, FormDef], t: Translator) -> list[str]:
    return [*admin_lines(cfg, t), *back_office_lines(cfg, forms, t), *ordinary_lines(cfg, forms, t)]
