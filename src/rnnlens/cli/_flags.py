"""Groups of flags declared once and added to several typer commands, with deprecated spellings.

A :class:`Flag` is one option; :func:`add_flags` appends a group of them to a command's signature and hands
the command one object built from their values (so each command lists ``data_options: DataOptions``, not
seven parameters). An old spelling of a flag stays accepted, hidden from ``--help``, and prints a one-line
deprecation warning to stderr.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import typer

from rnnlens.errors import OptionError

__all__ = ["Flag", "FlagValue", "add_flags", "resolve_alias", "warn_deprecated"]


@dataclass(frozen=True)
class Flag:
    """One CLI option: ``flag`` (``--table-window``), its type, default and help, its short form, and
    the old spellings (``--window``) that keep working, hidden."""

    flag: str
    type: Any
    default: Any
    help: str
    short: str | None = None
    deprecated: tuple[str, ...] = ()

    @property
    def param(self) -> str:
        """The Python parameter name typer passes the value as."""
        return _param(self.flag)


@dataclass(frozen=True)
class FlagValue:
    """A flag's value and the spelling the user typed (for messages that name it)."""

    value: Any
    flag: str


def add_flags(
    command: Callable[..., Any],
    flags: Sequence[Flag],
    keyword: str,
    build: Callable[[dict[str, FlagValue]], Any],
) -> Callable[..., Any]:
    """Return ``command`` with ``flags`` added to its CLI options; it receives ``build(values)`` as
    ``keyword`` instead, where ``values`` maps each flag's canonical name (``--table-window``) to its
    :class:`FlagValue`."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != keyword]
    extra: list[inspect.Parameter] = []
    for flag in flags:
        names = (flag.flag, flag.short) if flag.short else (flag.flag,)
        extra.append(
            _parameter(flag.param, flag.type, typer.Option(flag.default, *names, help=flag.help))
        )
        for old in flag.deprecated:
            option = typer.Option(None, old, hidden=True)
            extra.append(_parameter(_param(old), Optional[flag.type], option))  # noqa: UP045 (typer)

    @functools.wraps(command)
    def run(**kwargs: Any) -> Any:
        from rnnlens.cli._common import user_errors

        values = {}
        # a refused spelling is one Error: line, like every other mistake (the command imports Keras)
        with user_errors(import_backend=False):
            for flag in flags:
                given = kwargs.pop(flag.param)
                olds = {old: kwargs.pop(_param(old)) for old in flag.deprecated}
                values[flag.flag] = resolve_alias(flag, given, olds)
        return command(**kwargs, **{keyword: build(values)})

    run.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
    run.__annotations__ = {}  # typer reads the (evaluated) signature above, not these strings
    return run


def resolve_alias(flag: Flag, given: Any, olds: dict[str, Any]) -> FlagValue:
    """The flag's value: an old spelling wins (with a warning) when the new one kept its default.

    Raises:
        OptionError: the old and the new spelling both given, or two old spellings.
    """
    used = [(old, value) for old, value in olds.items() if value is not None]
    if not used:
        return FlagValue(given, flag.flag)
    if len(used) > 1 or given != flag.default:
        spelled = ", ".join([flag.flag, *(old for old, _ in used)])
        raise OptionError(
            f"{spelled} are spellings of one option ({used[0][0]} is the deprecated one); give "
            f"{flag.flag} once."
        )
    old, value = used[0]
    warn_deprecated(old, flag.flag)
    return FlagValue(value, old)


def warn_deprecated(old: str, new: str) -> None:
    """One line on stderr: the old flag still works, under its new name."""
    from rnnlens.cli._common import error_console

    error_console.print(
        f"[yellow]Warning:[/] {old} is deprecated and will be removed; use {new}.",
        highlight=False,
        soft_wrap=True,
    )


def _param(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )
