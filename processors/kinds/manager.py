"""`FormKind`, the face of a form's kind the engine holds, and the pluggy managers behind it.

Every hook call goes through a pluggy HookCaller of the contract, so the spec
decides how answers combine (firstresult or a list) and gives the default
when a kind leaves a hook out. The engine makes a fresh kind object per sync
or stage (it keeps what earlier rows of one sync claimed), and most objects
call a hook once (a number's `key_for`, an approval's `on_approved`):
registering each in a manager of its own would cost ~0.3 ms where the call
costs microseconds. So an object's first call joins the contract's caller as
a "temporarily participating method" (pluggy's `call_extra`, ~8 µs); once the
object calls a hook again (a sync's `check` per changed row) it is registered
in a `KindManager` of its own and later calls cost ~2 µs. Signatures are
checked either way: each kind class is registered at start, where pluggy
refuses a method whose arguments are not the spec's.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import pluggy

from .base import Kind
from .hookspecs import KIND_HOOKS, PROJECT, KindHooks

if TYPE_CHECKING:
    from ..forms.validate import RowResult
    from ..store.db import Record

_DEFAULTS: dict[str, object] = {name: Kind.__dict__[name] for name in KIND_HOOKS}
_SPEC_OPTS: dict[str, pluggy.HookspecOpts] = {name: getattr(KindHooks.__dict__[name], f"{PROJECT}_spec")
                                              for name in KIND_HOOKS}


class KindManager(pluggy.PluginManager):
    """Holds kinds whose methods named after a `KindHooks` hook are the implementations (no marker needed).

    `strict` (a kind class checked at start) also collects a method marked
    `@hookimpl` under a name no hook has, so `check_pending` names the typo;
    otherwise only hook names are looked at, to stay cheap.
    """

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(PROJECT)
        self.strict = strict
        self.add_hookspecs(KindHooks)

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> pluggy.HookspecOpts | None:
        if module_or_class is KindHooks:
            return _SPEC_OPTS.get(name)  # read once at import, not per manager
        return super().parse_hookspec_opts(module_or_class, name)

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> pluggy.HookimplOpts | None:
        if name not in KIND_HOOKS:
            return super().parse_hookimpl_opts(plugin, name) if self.strict else None
        if name not in implemented(plugin if inspect.isclass(plugin) else type(plugin)):
            return None  # inherited from Kind: the spec's default stands
        marked = super().parse_hookimpl_opts(plugin, name)
        return marked if marked is not None else cast(pluggy.HookimplOpts, {})


_implemented: dict[type, frozenset[str]] = {}


def implemented(cls: type) -> frozenset[str]:
    """The hooks a kind class implements: methods named after a hook that it does not inherit from Kind."""
    found = _implemented.get(cls)
    if found is None:
        found = _implemented[cls] = frozenset(
            name for name in KIND_HOOKS
            if (attr := inspect.getattr_static(cls, name, None)) is not _DEFAULTS[name]
            and (inspect.isfunction(attr) or isinstance(attr, staticmethod | classmethod)))
    return found


#: The contract, one HookCaller per hook; nothing is registered in it, so a hook no kind implements answers the
#: spec's default (no answer for a list hook, None for a firstresult one).
CONTRACT = KindManager()


class FormKind(Kind):
    """A form's kind as the engine holds it: every hook goes through pluggy, answers combined as the spec says.

    It is a `Kind`, so it stands wherever the engine expects one (`kind_for`
    returned the kind object itself before the contract). The object behind it
    is `.kind`.
    """

    def __init__(self, kind: Kind, name: str) -> None:
        super().__init__(kind.ws, kind.form)
        self.kind, self.name = kind, name
        self._methods: dict[str, Callable[..., Any]] = {hook: getattr(kind, hook) for hook in implemented(type(kind))}
        self._hooks: pluggy.HookRelay | None = None   # its own manager's, once it calls a hook again

    def call(self, hook: str, **kwargs: object) -> Any:
        """Call `hook` with the kind's method taking part; pluggy's answer as the spec combines it."""
        if self._hooks is not None:
            return getattr(self._hooks, hook)(**kwargs)
        method = self._methods.pop(hook, None)
        if method is not None:  # this object's first call of the hook
            return getattr(CONTRACT.hook, hook).call_extra([method], kwargs)
        if hook not in implemented(type(self.kind)):
            return getattr(CONTRACT.hook, hook)(**kwargs)
        manager = KindManager()  # called again: worth registering
        manager.register(self.kind, name=self.name)
        self._hooks = manager.hook
        return getattr(self._hooks, hook)(**kwargs)

    def recheck_when(self, mark: str) -> None:
        self.kind.recheck_when(mark)

    def prepare(self) -> None:
        self.call("prepare")

    def check(self, result: RowResult, key: str, row: int) -> str:
        return "\n".join(extra for extra in self.call("check", result=result, key=key, row=row) if extra)

    def after_sync(self, changed: bool) -> None:
        self.call("after_sync", changed=changed)

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return cast("tuple[str, str, int] | None", self.call("key_for", data=data))

    def immutable(self, record: Record) -> bool:
        return any(self.call("immutable", record=record))

    def settled(self, record: Record) -> str | None:
        return cast("str | None", self.call("settled", record=record))

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        return [note for notes in self.call("on_tracking", record=record, before=before, after=after) for note in notes]

    def on_approved(self, record: Record) -> None:
        self.call("on_approved", record=record)

    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        self.call("on_rejected", record=record, by=by, reason=reason)

    def guidance(self, record: Record) -> str | None:
        return cast("str | None", self.call("guidance", record=record))

    def timers(self) -> None:
        self.call("timers")

    def next_due(self) -> dt.datetime | None:
        return min((due for due in self.call("next_due") if due is not None), default=None)

    def finish(self) -> None:
        self.call("finish")

    def outputs(self) -> None:
        self.call("outputs")
