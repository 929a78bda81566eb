"""Messages in the workspace language (zh default, en available), kept as data in locales/."""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from .resources import locale_files


@cache
def _catalog(language: str) -> dict[str, str]:
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    for path in locale_files(language):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        clash = sorted(set(data) & {name.split(".", 1)[0] for name in flat})
        if clash:  # a family file may only add tables of its own, never reword another's
            raise RuntimeError(f"{path.name}: table(s) {', '.join(clash)} already defined by an earlier locale file")
        walk("", data)
    return flat


class _Lenient(dict):  # type: ignore[type-arg]
    """A missing placeholder renders empty rather than leaving '{value}' in a user's sheet."""

    def __missing__(self, key: str) -> str:
        return ""


class Translator:
    """Looks a message up in the language, falling back to English, then to the key itself."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, msgid: str, /, **params: object) -> str:
        text = _catalog(self.language).get(msgid) or _catalog("en").get(msgid) or msgid
        try:
            return text.format_map(_Lenient(params))
        except (IndexError, ValueError):
            return text

    def has(self, key: str) -> bool:
        return key in _catalog(self.language)

    def pick(self, labels: dict[str, str]) -> str:
        """Choose the workspace-language entry from a {zh:…, en:…} table."""
        return labels.get(self.language) or labels.get("en") or next(iter(labels.values()), "")
