"""`sheetflow init DIR`: lay out a workspace, never overwriting what is already there."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path
from typing import Any

from .clock import Clock
from .config import CONFIG_NAME, LANGUAGES, load_config
from .errors import ConfigError
from .filemodes import private_dir
from .forms.definition import FormDef, load_forms
from .forms.rules import RULES
from .i18n import Translator
from .privacy import check_layout
from .resources import bundled_dir, bundled_file
from .sample_story import Story
from .sheets.cells import put_text
from .sheets.generate import create_form_workbook, resolve_sample_value, typed_cell

log = logging.getLogger("sheetflow")


def init_workspace(root: Path, *, sample: bool = False, language: str | None = None) -> list[Path]:
    """Create what is missing; return the paths created. Idempotent."""
    if language is not None and language not in LANGUAGES:
        raise ConfigError("--lang", "language", f"one of {', '.join(LANGUAGES)}")
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    config_path = root / CONFIG_NAME
    if not config_path.exists():
        text = bundled_file(CONFIG_NAME).read_text("utf-8")
        if language:
            text = re.sub(r'^language = "\w+"', f'language = "{language}"', text, count=1, flags=re.M)
        config_path.write_text(text, "utf-8")
        created.append(config_path)
    cfg = load_config(root)
    t = Translator(cfg.language)
    check_layout(cfg)   # the store and the outbox outside the shared folders, before anything is made
    for folder in (cfg.sheets_dir, cfg.output_dir, cfg.outbox_dir):
        if not folder.exists():
            if folder == cfg.outbox_dir:
                private_dir(folder)            # 0700: code mails lie here as .eml files
            else:
                folder.mkdir(parents=True)     # shared: as the umask and the share make it
            created.append(folder)
    forms = load_forms([bundled_dir("forms"), cfg.forms_dir], set(RULES))
    today = Clock.from_env(cfg.tz).today()
    fresh: list[tuple[FormDef, Path]] = []
    for form in forms.values():
        settings = cfg.forms.get(form.id)
        name = (settings.file if settings and settings.file else None) or form.file
        if any(ch in name for ch in "*?["):
            name = form.file
        path = cfg.sheets_dir / name
        if path.exists():
            continue
        create_form_workbook(path, form, cfg, t, None)
        created.append(path)
        fresh.append((form, path))
    if sample and fresh:
        _sample(root, cfg, forms, fresh, today)
    return created


def _sample(root: Path, cfg: Any, forms: dict[str, FormDef], fresh: list[tuple[FormDef, Path]], today: Any) -> None:
    """A new example: the order story first (when its forms are all new here), then the rows for your first pass."""
    story_forms = {"purchase_request", "purchase_plan", "order_line", "purchase_order", "unit", "lease",
                   "rent_payment", "tenant_sales", "supplier", "qualified_supplier", "inquiry", "quote",
                   "price_approval"}
    if story_forms <= {f.id for f, _ in fresh} and story_forms <= set(forms) and not cfg.state_path.exists():
        log.info("正在回放示例的采购与租赁历史（约十秒）/ replaying the example's purchasing and leasing history "
                 "(about ten seconds) …")
        story = Story(root, today)
        try:
            story.play()
        finally:
            story.close()
    for form, path in fresh:
        rows = _sample_rows(form, today)
        if rows:
            _append_rows(path, form, rows)


def _append_rows(path: Path, form: FormDef, rows: list[dict[str, Any]]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheet = wb[form.sheet]
    cols = {f.name: i for i, f in enumerate(form.fields, start=1)}
    headers = {str(c.value): c.column for c in sheet[1] if c.value}
    cols = {f.name: headers.get(f.header(), cols[f.name]) for f in form.fields}
    start = sheet.max_row + 1 if any(c.value not in (None, "") for c in sheet[sheet.max_row]) else sheet.max_row
    start = max(start, 2)
    for i, row in enumerate(rows):
        for name, value in row.items():
            if value is not None and value != "":
                put_text(typed_cell(sheet, start + i, cols[name]), value)   # "=…" in a sample stays text
    wb.save(path)


def _sample_rows(form: FormDef, today: Any) -> list[dict[str, Any]]:
    path = form.samples_path()
    if not path.exists():
        return []
    with path.open("rb") as fh:
        rows = tomllib.load(fh).get("rows", [])
    return [{k: resolve_sample_value(v, today) for k, v in row.items() if k != "why"} for row in rows]
