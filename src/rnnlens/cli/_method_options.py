"""The attribution methods' CLI flags, generated from the registry: the method list in help texts, one
flag per declared option, and the routing of flag values to the chosen method (no per-method ``if``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rnnlens.attribution.registry import METHODS, MethodInfo, describe_methods
from rnnlens.cli._flags import Flag, FlagValue, add_flags

__all__ = ["METHOD_HELP", "MethodFlags", "method_flags", "with_method_options"]

METHOD_HELP = f"Attribution method: {describe_methods()}."


def method_flags(old_spellings: bool = True) -> tuple[Flag, ...]:
    """One flag per option the registered methods declare (a flag two methods share appears once);
    with ``old_spellings``, their deprecated spellings too (hidden)."""
    flags: dict[str, Flag] = {}
    for info in METHODS:
        for option in info.options:
            flags.setdefault(
                option.flag,
                Flag(
                    option.flag,
                    option.type,
                    option.default,
                    option.help,
                    None,
                    option.deprecated_flags if old_spellings else (),
                ),
            )
    return tuple(flags.values())


@dataclass(frozen=True)
class MethodFlags:
    """The values of every method flag; :meth:`options_for` picks and checks the chosen method's."""

    values: dict[str, FlagValue]

    def options_for(self, info: MethodInfo) -> dict[str, Any]:
        """``attribute()`` keyword arguments of ``info``'s method, checked (messages name the flag typed).

        Raises:
            OptionError: a value the method's option refuses.
        """
        options: dict[str, Any] = {}
        for option in info.options:
            given = self.values[option.flag]
            options[option.name] = option.check(given.value, given.flag)
        return options

    def value(self, flag: str) -> Any:
        """The value of one flag, e.g. ``value("--steps")``."""
        return self.values[flag].value


def with_method_options(
    command: Callable[..., Any] | None = None, *, old_spellings: bool = False
) -> Any:
    """Add the registry's method flags to ``command``, which receives them as
    ``method_flags: MethodFlags``. ``old_spellings``: also accept the deprecated spellings (only where
    a command had them, e.g. ``attribute --window``)."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        return add_flags(function, method_flags(old_spellings), "method_flags", MethodFlags)

    return decorate if command is None else decorate(command)
