"""Where the bundled forms/ and templates/ live, installed or in a source checkout.

A wheel carries them under processors/_bundled; an editable install or a checkout
finds them at the repository root, which is where people edit them.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """Return the bundled `forms` or `templates` folder."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found next to {_PACKAGE}")


def bundled_file(name: str) -> Path:
    """A bundled file such as the example config.toml (the template `init` writes)."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"bundled file {name!r} not found next to {_PACKAGE}")


def locale_file(language: str) -> Path:
    return _PACKAGE / "locales" / f"{language}.toml"


def locale_files(language: str) -> list[Path]:
    """The language's main catalogue, then one per family (`sales.zh.toml`), so a family keeps its words apart."""
    return [locale_file(language), *sorted((_PACKAGE / "locales").glob(f"*.{language}.toml"))]


def package_file(relative: str) -> Path:
    return _PACKAGE / relative
