"""Form definitions (data in forms/*.toml) and the typed parsing of a row against one."""

from .definition import FieldDef, FormDef, load_forms
from .validate import RowResult, validate_row

__all__ = ["FieldDef", "FormDef", "RowResult", "load_forms", "validate_row"]
