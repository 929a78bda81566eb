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
from .forms.definition import FormDef, load_forms
from .forms.rules import RULES
from .i18n import Translator
from .resources import bundled_dir, bundled_file
from .sheets.generate import create_form_workbook, resolve_sample_value

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
    for folder in (cfg.sheets_dir, cfg.output_dir, cfg.outbox_dir):
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(folder)
    forms = load_forms([bundled_dir("forms"), cfg.forms_dir], set(RULES))
    today = Clock.from_env(cfg.tz).today()
    for form in forms.values():
        settings = cfg.forms.get(form.id)
        name = (settings.file if settings and settings.file else None) or form.file
        if any(ch in name for ch in "*?["):
            name = form.file
        path = cfg.sheets_dir / name
        if path.exists():
            continue
        rows = _sample_rows(form, today) if sample else None
        create_form_workbook(path, form, cfg, t, rows)
        created.append(path)
    return created


def _sample_rows(form: FormDef, today: Any) -> list[dict[str, Any]]:
    path = form.samples_path()
    if not path.exists():
        return []
    with path.open("rb") as fh:
        rows = tomllib.load(fh).get("rows", [])
    return [{k: resolve_sample_value(v, today) for k, v in row.items() if k != "why"} for row in rows]
