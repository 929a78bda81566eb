"""One small pluggy manager per kind object, and `FormKind`, the face of it the engine holds.

Why a manager per object rather than one for the process: a kind keeps what
earlier rows of one sync claimed (a plan's requests, a line's quantities), so
the engine makes a fresh one per sync or stage, and pluggy binds an
implementation to the object registered. Registering costs ~0.3 ms, made once
per `kind_for`; a hook call through it costs ~2 µs, made per changed row at
most (rows read unchanged call no hook at all).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, cast

import pluggy

from .base import Kind
from .hookspecs import KIND_HOOKS, PROJECT, KindHooks

if TYPE_CHECKING:
    from ..forms.validate import RowResult
    from ..store.db import Record

_SPEC_OPTS: dict[str, pluggy.HookspecOpts] = {name: getattr(KindHooks.__dict__[name], f"{PROJECT}_spec")
                                              for name in KIND_HOOKS}
_DEFAULTS: dict[str, object] = {name: Kind.__dict__[name] for name in KIND_HOOKS}


class KindManager(pluggy.PluginManager):
    """A manager holding one form's kind: its methods named after a `KindHooks` hook are the implementations.

    `strict` (used once per kind class at start) also collects methods marked
    `@hookimpl` under a name no hook has, so `check_pending` names the typo;
    per object the manager looks only at hook names, to stay cheap.
    """

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(PROJECT)
        self.strict = strict
        self.add_hookspecs(KindHooks)

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> pluggy.HookspecOpts | None:
        if module_or_class is KindHooks:
            return _SPEC_OPTS.get(name)  # read once at import instead of per manager
        return super().parse_hookspec_opts(module_or_class, name)

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> pluggy.HookimplOpts | None:
        if name not in KIND_HOOKS:
            return super().parse_hookimpl_opts(plugin, name) if self.strict else None
        owner = plugin if inspect.isclass(plugin) else type(plugin)
        found = inspect.getattr_static(owner, name, None)
        if found is _DEFAULTS[name] or not (inspect.isfunction(found) or isinstance(found, staticmethod | classmethod)):
            return None  # inherited from Kind: the spec's default stands, no call made
        marked = super().parse_hookimpl_opts(plugin, name)  # @hookimpl(tryfirst=True …) when given
        return marked if marked is not None else cast(pluggy.HookimplOpts, {})


#: Forms without a kind: nothing registered, so every hook answers the spec's default.
_NO_KIND = KindManager()


def form_kind(kind: Kind, name: str) -> FormKind:
    """Register `kind` (under `name`, which error messages show) in a manager of its own and wrap it."""
    if type(kind) is Kind:
        return FormKind(kind, _NO_KIND)
    manager = KindManager()
    manager.register(kind, name=name)
    return FormKind(kind, manager)


class FormKind(Kind):
    """A form's kind as the engine holds it: every hook goes through pluggy, results combined as the spec says.

    It is a `Kind`, so it stands wherever the engine expects one (`kind_for`
    returned the kind object itself before the contract). The object behind it
    is `.kind`.
    """

    def __init__(self, kind: Kind, manager: pluggy.PluginManager) -> None:
        super().__init__(kind.ws, kind.form)
        self.kind = kind
        self.manager = manager
        self.hook = manager.hook

    def recheck_when(self, mark: str) -> None:
        self.kind.recheck_when(mark)

    def prepare(self) -> None:
        self.hook.prepare()

    def check(self, result: RowResult, key: str, row: int) -> str:
        return "\n".join(extra for extra in self.hook.check(result=result, key=key, row=row) if extra)

    def after_sync(self, changed: bool) -> None:
        self.hook.after_sync(changed=changed)

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return cast("tuple[str, str, int] | None", self.hook.key_for(data=data))

    def immutable(self, record: Record) -> bool:
        return any(self.hook.immutable(record=record))

    def settled(self, record: Record) -> str | None:
        return cast("str | None", self.hook.settled(record=record))

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        return [note for notes in self.hook.on_tracking(record=record, before=before, after=after) for note in notes]

    def on_approved(self, record: Record) -> None:
        self.hook.on_approved(record=record)

    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        self.hook.on_rejected(record=record, by=by, reason=reason)

    def guidance(self, record: Record) -> str | None:
        return cast("str | None", self.hook.guidance(record=record))

    def timers(self) -> None:
        self.hook.timers()

    def finish(self) -> None:
        self.hook.finish()

    def outputs(self) -> None:
        self.hook.outputs()
