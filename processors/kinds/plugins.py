"""Which kinds exist: the built-in families and every installed package's `sheetflow` entry point, through pluggy.

The built-in families are registered exactly as a company's package is, by
module name, so the engine never imports a family's internals and a family
imports the engine freely (orders → workflow.route → kinds would be a cycle
otherwise). Loading happens once per process (again if `sys.path` changes, as
it does when a test installs a package); what goes wrong is kept, not raised,
and `check_kinds` turns it into one error naming the plugin when a Workspace
starts, never a traceback in the middle of a pass.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

from ..errors import FormDefinitionError
from .base import Kind
from .hookspecs import ENTRY_POINT_GROUP, KIND_HOOKS, PROJECT, PluginHooks
from .manager import FormKind, KindManager

if TYPE_CHECKING:
    from ..forms.definition import FormDef
    from ..i18n import Translator
    from ..workspace import Workspace

log = logging.getLogger("sheetflow")

#: The families shipped with sheetflow, each a plugin module with a `sheetflow_kinds` hookimpl.
BUILTIN_PLUGINS = (
    "processors.orders.kinds",
    "processors.leases.kinds",
    "processors.leases.sales",
    "processors.leases.fitout",
    "processors.suppliers.kinds",
    "processors.sales.kinds",
    "processors.catalogue.kinds",
    "processors.planning.kinds",
)


class KindPluginError(FormDefinitionError):
    """A kind plugin cannot be used (it does not import, or a hook does not match the contract).

    `path` says where the plugin comes from (package, entry point, module), `key`
    the hook or step that failed, `expected` what is wrong, in the workspace language.
    """


@dataclass(frozen=True)
class Problem:
    """What went wrong loading one plugin, kept until a Workspace can say it in its language."""

    where: str      # which plugin, from which package
    key: str        # the hook or step: "import", "sheetflow_kinds", "check" …
    code: str       # message key in the [hooks] locale table
    params: dict[str, str]


@dataclass(frozen=True)
class Provided:
    cls: type[Kind]
    plugin: str     # its plugin's name, as messages and the kind's manager show it


@dataclass
class Registry:
    manager: pluggy.PluginManager
    kinds: dict[str, Provided] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)   # plugin name -> where it comes from


_loaded: dict[tuple[str, ...], Registry] = {}


def registry() -> Registry:
    """The plugins as the current `sys.path` finds them (entry points are looked up along it)."""
    key = tuple(sys.path)
    found = _loaded.get(key)
    if found is None:
        _loaded.clear()
        found = _loaded[key] = load()
    return found


def load() -> Registry:
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(PluginHooks)
    reg = Registry(manager)
    for module in BUILTIN_PLUGINS:
        _register(reg, module, f"sheetflow ({module})", lambda module=module: importlib.import_module(module))
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = f"{ep.dist.name} {ep.dist.version}" if ep.dist is not None else "?"
        where = f"{dist}, entry point {ENTRY_POINT_GROUP}: {ep.name} = {ep.value}"
        if manager.has_plugin(ep.name):
            reg.problems.append(Problem(where, "entry point", "plugin_twice", {"other": reg.where[ep.name]}))
            continue
        _register(reg, ep.name, where, ep.load)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:  # a module-level @hookimpl under a name no plugin hook has
        reg.problems.append(_stray(reg, exc))
    _collect(reg)
    return reg


def _stray(reg: Registry, exc: pluggy.PluginValidationError) -> Problem:
    """A module-level hookimpl no plugin hook has: most likely a kind's hook written outside its class."""
    name = reg.manager.get_name(exc.plugin) or "?"
    stray = sorted(hook for hook, caller in vars(reg.manager.hook).items()
                   if not hook.startswith("_") and not caller.has_spec()
                   and any(impl.plugin is exc.plugin for impl in caller.get_hookimpls()))
    where = reg.where.get(name, name)
    if set(stray) & KIND_HOOKS:
        return Problem(where, "hookimpl", "plugin_hook_outside_kind", {"hooks": ", ".join(stray)})
    return Problem(where, "hookimpl", "plugin_unknown_hook", {"detail": ", ".join(stray) or _one_line(exc),
                                                              "hooks": "sheetflow_kinds"})


def _register(reg: Registry, name: str, where: str, load_module: Callable[[], object]) -> None:
    """Import and register one plugin module; whatever fails is kept as a problem naming it."""
    reg.where[name] = where
    try:
        module = load_module()
    except Exception as exc:  # a company's package: anything may be wrong in it
        log.debug("kind plugin %s does not import", where, exc_info=True)  # the traceback, for its author (-v)
        reg.problems.append(Problem(where, "import", "plugin_import", {"detail": f"{type(exc).__name__}: {exc}"}))
        return
    try:
        reg.manager.register(module, name=name)
    except pluggy.PluginValidationError as exc:
        reg.problems.append(Problem(where, "sheetflow_kinds", "plugin_invalid", {"detail": _one_line(exc)}))


def _collect(reg: Registry) -> None:
    """Ask each plugin for its kinds on its own, so a failure or a clash names the plugin that caused it."""
    for impl in reg.manager.hook.sheetflow_kinds.get_hookimpls():
        where = reg.where.get(impl.plugin_name, impl.plugin_name)
        try:
            provided = impl.function()
        except Exception as exc:
            log.debug("kind plugin %s: sheetflow_kinds failed", where, exc_info=True)
            reg.problems.append(Problem(where, "sheetflow_kinds", "plugin_import",
                                        {"detail": f"{type(exc).__name__}: {exc}"}))
            continue
        if not isinstance(provided, dict):
            reg.problems.append(Problem(where, "sheetflow_kinds", "plugin_not_dict", {"got": type(provided).__name__}))
            continue
        for kind, cls in provided.items():
            problem = _problem_with(reg, kind, cls)
            if problem is not None:
                reg.problems.append(Problem(where, *problem))
            else:
                reg.kinds[kind] = Provided(cls, impl.plugin_name)


def _problem_with(reg: Registry, kind: object, cls: object) -> tuple[str, str, dict[str, str]] | None:
    """Why `cls` cannot be the kind `kind`: not a Kind, a name taken, or a hook pluggy refuses."""
    if not isinstance(kind, str) or not kind:
        return "sheetflow_kinds", "plugin_kind_name", {"kind": repr(kind)}
    if not (isinstance(cls, type) and issubclass(cls, Kind)):
        return "sheetflow_kinds", "plugin_not_kind", {"kind": kind, "got": repr(cls)}
    if kind in reg.kinds:
        return "sheetflow_kinds", "plugin_kind_twice", {"kind": kind,
                                                        "other": reg.where[reg.kinds[kind].plugin]}
    check = KindManager(strict=True)  # the class, not an object: pluggy checks the same names without a workspace
    try:
        check.register(cls, name=f"{kind}:{cls.__qualname__}")
    except pluggy.PluginValidationError as exc:
        return _refused(check, kind, cls, exc)
    wrappers = sorted(hook for hook in KIND_HOOKS for impl in getattr(check.hook, hook).get_hookimpls()
                      if impl.wrapper or impl.hookwrapper)
    if wrappers:  # a kind's method is the form's one implementation: there is nothing for it to wrap
        return wrappers[0], "plugin_wrapper", {"method": f"{cls.__name__}.{wrappers[0]}"}
    try:
        check.check_pending()
    except pluggy.PluginValidationError:  # @hookimpl on a method whose name is no hook (a typo)
        stray = sorted(hook for hook, caller in vars(check.hook).items()
                       if not hook.startswith("_") and not caller.has_spec() and caller.get_hookimpls())
        return "hookimpl", "plugin_unknown_hook", {"detail": ", ".join(f"{cls.__name__}.{h}" for h in stray),
                                                   "hooks": ", ".join(sorted(KIND_HOOKS))}
    return None


def _refused(check: KindManager, kind: str, cls: type[Kind], exc: pluggy.PluginValidationError,
             ) -> tuple[str, str, dict[str, str]]:
    """Say which method pluggy refused and what the contract passes it; pluggy's own words otherwise."""
    for hook in sorted(KIND_HOOKS):
        if f"hook {hook!r}" not in str(exc):
            continue
        spec = list(getattr(check.hook, hook).spec.argnames)
        params = [p for p in inspect.signature(getattr(cls, hook)).parameters if p not in ("self", "cls")]
        extra = [p for p in params if p not in spec]
        if not extra:
            return hook, "plugin_invalid", {"detail": _one_line(exc)}
        return hook, "plugin_signature", {"kind": kind, "method": f"{cls.__name__}.{hook}({', '.join(params)})",
                                          "spec": f"{hook}({', '.join(spec)})", "extra": ", ".join(extra)}
    return "hookimpl", "plugin_invalid", {"detail": _one_line(exc)}


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def check_kinds(forms: dict[str, FormDef], t: Translator) -> None:
    """At Workspace start: a broken plugin, or a form naming a kind no plugin provides, stops here."""
    reg = registry()
    if reg.problems:
        p = reg.problems[0]
        raise KindPluginError(p.where, p.key, t(f"hooks.{p.code}", **p.params))
    for form in forms.values():
        if form.kind is not None and form.kind not in reg.kinds:
            raise FormDefinitionError(form.path, "kind", t("hooks.unknown_kind", kind=form.kind,
                                                           known=", ".join(sorted(reg.kinds))))


def known_kinds() -> set[str]:
    return set(registry().kinds)


def kind_for(ws: Workspace, form: FormDef) -> FormKind:
    """The form's kind for one sync or stage: a fresh object (it keeps what earlier rows of the sync claimed)."""
    if form.kind is None:
        return FormKind(Kind(ws, form), form.id)
    provided = registry().kinds.get(form.kind)
    if provided is None:  # Workspace start refuses this; reached only by a form changed since
        raise FormDefinitionError(form.path, "kind", ws.t("hooks.unknown_kind", kind=form.kind,
                                                          known=", ".join(sorted(known_kinds()))))
    return FormKind(provided.cls(ws, form), f"{provided.plugin}:{form.kind}")
