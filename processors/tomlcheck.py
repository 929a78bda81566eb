"""Small typed accessors over parsed TOML that fail with the file, key and expectation.

Used for config.toml and forms/*.toml alike, so every load error reads the same way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ErrorFactory = Callable[[object, str, str], Exception]


def load_toml(path: Path, error: ErrorFactory) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(path, "(file)", "the file exists") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(path, "(syntax)", f"valid TOML ({exc})") from None
    except UnicodeDecodeError:  # saved as GBK ("ANSI" in Notepad on a Chinese Windows)
        raise error(path, "(encoding)", "a file saved as UTF-8 (请另存为 UTF-8 编码)") from None


class Section:
    """A TOML table plus the dotted path that led to it, for error messages."""

    def __init__(self, data: Any, path: Path, key: str, error: ErrorFactory) -> None:
        if not isinstance(data, dict):
            raise error(path, key or "(top level)", "a table")
        self.data: dict[str, Any] = data
        self.path, self.key, self.error = path, key, error

    def _k(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name: str, expected: str) -> Exception:
        return self.error(self.path, self._k(name), expected)

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, kind: type[T] | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        if name not in self.data:
            if default is ...:
                raise self.fail(name, f"is required ({what or _kind_name(kind)})")
            return default
        value = self.data[name]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(name, f"{what or _kind_name(kind)}, not true/false")
        if not isinstance(value, kind):
            raise self.fail(name, f"{what or _kind_name(kind)}, got {value!r}")
        return value

    def text(self, name: str, default: Any = ...) -> Any:
        value = self.get(name, str, default)
        if name in self.data and not value.strip():
            raise self.fail(name, "a non-empty string")
        return value

    def choice(self, name: str, allowed: list[str] | tuple[str, ...], default: Any = ...) -> Any:
        value = self.get(name, str, default, what=f"one of {', '.join(allowed)}")
        if value is not default and value not in allowed:
            raise self.fail(name, f"one of {', '.join(allowed)}, got {value!r}")
        return value

    def str_list(self, name: str, default: Any = ...) -> Any:
        value = self.get(name, list, default, what="a list of strings")
        if value is not default and not all(isinstance(v, str) for v in value):
            raise self.fail(name, "a list of strings")
        return value

    def section(self, name: str, default: Any = ...) -> Section:
        if name not in self.data:
            if default is ...:
                raise self.fail(name, "is required (a table)")
            return Section({} if default is None else default, self.path, self._k(name), self.error)
        return Section(self.data[name], self.path, self._k(name), self.error)

    def sections(self, name: str) -> list[Section]:
        """An array of tables ([[name]])."""
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self.fail(name, "an array of tables ([[...]])")
        return [Section(v, self.path, f"{self._k(name)}[{i}]", self.error) for i, v in enumerate(value)]

    def unknown(self, allowed: set[str]) -> None:
        """Refuse keys we do not know: a typo in a form silently ignored is a rule not enforced."""
        extra = sorted(set(self.data) - allowed)
        if extra:
            raise self.fail(extra[0], f"a known key ({', '.join(sorted(allowed))})")


def _kind_name(kind: object) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, str(k)) for k in kind)
    return names.get(kind, str(kind))  # type: ignore[arg-type]
