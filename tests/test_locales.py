"""Every message exists in both languages, and a family's locale file adds only tables of its own."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from processors.i18n import Translator
from processors.resources import locale_files


def keys(path: Path) -> set[str]:
    def walk(prefix: str, node: dict[str, object]) -> set[str]:
        out: set[str] = set()
        for k, v in node.items():
            name = f"{prefix}.{k}" if prefix else k
            out |= walk(name, v) if isinstance(v, dict) else {name}
        return out

    with path.open("rb") as fh:
        return walk("", tomllib.load(fh))


def test_each_locale_file_has_its_twin() -> None:
    zh, en = locale_files("zh"), locale_files("en")
    assert [p.name.replace(".zh.", ".en.").replace("zh.toml", "en.toml") for p in zh] == [p.name for p in en]
    assert len(zh) > 1    # the families' own files are found


@pytest.mark.parametrize("pair", range(len(locale_files("zh"))))
def test_both_languages_say_the_same_messages(pair: int) -> None:
    zh, en = locale_files("zh")[pair], locale_files("en")[pair]
    assert sorted(keys(zh) - keys(en)) == [], f"in {zh.name} only"
    assert sorted(keys(en) - keys(zh)) == [], f"in {en.name} only"


def test_a_family_message_is_found_by_its_key() -> None:
    assert Translator("zh")("sales.t_superseded", key="SO-2026-0001-1") == "由修订单 SO-2026-0001-1 取代（原单保留）"
    assert "SO-2026-0001-1" in Translator("en")("sales.t_superseded", key="SO-2026-0001-1")
