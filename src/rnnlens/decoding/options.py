"""Checks of decode()'s options, made once before any model call: bad types, nonsense values, and options
that do not apply to the output being decoded (refused rather than silently ignored)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

from rnnlens.errors import OptionError, TargetError

__all__ = [
    "check_names",
    "check_positive_int",
    "check_target_offset",
    "check_threshold",
    "grouped_options",
    "refuse_unused",
]

THRESHOLD_METHODS = ("f1", "youden")


def check_positive_int(value: Any, name: str) -> int:
    """``value`` as an int when it is an integer >= 1 (not a bool), else :class:`OptionError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise OptionError(
            f"Argument `{name}` must be a positive integer, received {value!r} of type "
            f"{type(value).__name__}."
        )
    if value < 1:
        raise OptionError(f"Argument `{name}` must be a positive integer, received {value}.")
    return int(value)


def check_names(value: Any, name: str, *, one_per: str = "class") -> tuple[str, ...] | None:
    """Class names, target names or a vocabulary: None, or a sequence of strings (a plain string would
    read as one name per letter).

    Raises:
        OptionError: a string, a number, or a sequence holding something other than strings (a
            list of the wrong *length* is a ``TargetError``, raised where the output is known).
    """
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        hint = (
            f" Wrap a single name in a list: [{_short(value)}]." if isinstance(value, str) else ""
        )
        raise OptionError(
            f"Argument `{name}` must be a list of strings, one per {one_per}, received "
            f"{type(value).__name__} {_short(value)}.{hint}"
        )
    items = value.reshape(-1).tolist() if isinstance(value, np.ndarray) else list(value)
    wrong = next((item for item in items if not isinstance(item, str)), None)
    if wrong is not None:
        raise OptionError(
            f"Argument `{name}` must hold strings, one per {one_per}; found {type(wrong).__name__} "
            f"{_short(wrong)}. Convert the names with [str(n) for n in names] if that is what you mean."
        )
    return tuple(items)


def check_threshold(threshold: Any) -> None:
    """A number in [0, 1], a sequence of such numbers, or one of :data:`THRESHOLD_METHODS`.

    Raises:
        OptionError: any other value (NaN, out of range, a bool, an unknown method name, None).
    """
    if isinstance(threshold, str):
        if threshold not in THRESHOLD_METHODS:
            raise OptionError(
                f"Argument `threshold` must be a number in [0, 1] or one of {THRESHOLD_METHODS}, "
                f"received {threshold!r}."
            )
        return
    if isinstance(threshold, np.ndarray):
        items = threshold.reshape(-1).tolist()
    else:
        items = list(threshold) if isinstance(threshold, Sequence) else [threshold]
    if not items or any(
        isinstance(v, bool | np.bool_) or not isinstance(v, Real) or not 0 <= float(v) <= 1
        for v in items
    ):
        raise OptionError(
            f"Argument `threshold` must be a number in [0, 1], one per sigmoid unit, or one of "
            f"{THRESHOLD_METHODS}; received {_short(threshold)}."
        )


def check_target_offset(offset: Any, steps: int | None) -> int:
    """An integer with ``-steps < offset <= steps``: the step estimated must lie within one sequence
    length of the window (``steps`` None: any integer).

    Raises:
        OptionError: not an integer.
        TargetError: beyond the sequence (the step estimated does not exist).
    """
    if isinstance(offset, bool) or not isinstance(offset, int | np.integer):
        raise OptionError(
            f"Argument `target_offset` must be an integer (steps between an output step and the step "
            f"it estimates), received {offset!r} of type {type(offset).__name__}."
        )
    if steps is not None and not -steps < offset <= steps:
        raise TargetError(
            f"Argument `target_offset` is {offset} but the sequence has {steps} steps: each output "
            f"would estimate a step outside it. Use a value in [{1 - steps}, {steps}] (0: the same "
            "step, 1: the next one)."
        )
    return int(offset)


def refuse_unused(given: dict[str, bool], output: str, kind: str, applies: str) -> None:
    """Raise :class:`OptionError` naming the options in ``given`` that were set but do not apply here."""
    names = [name for name, used in given.items() if used]
    if names:
        listed = ", ".join(f"`{name}`" for name in names)
        raise OptionError(
            f"Argument(s) {listed} apply to {applies}, but output {output!r} is decoded as {kind}. "
            "Remove them (or choose another output with `output=`)."
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def grouped_options(argument: str, given: Any, cls: type, used: Sequence[str], example: str) -> Any:
    """The ``decode(<argument>=cls(...))`` value, or None when the deprecated flat keywords are used.

    Args:
        argument: the grouped argument's name (``"generation"``, ``"regression"``).
        given: what the caller passed for it.
        cls: the options type it must be.
        used: the old keywords the caller set.
        example: the constructor call the deprecation warning recommends.

    Raises:
        OptionError: ``given`` is not a ``cls``, or it comes together with old keywords.
    """
    if given is not None:
        if not isinstance(given, cls):
            raise OptionError(
                f"Argument `{argument}` must be a rnnlens.decoding.{cls.__name__}, received "
                f"{type(given).__name__} {given!r:.60}."
            )
        if used:
            listed = ", ".join(f"`{name}`" for name in used)
            raise OptionError(
                f"decode() received both `{argument}` and {listed}; put every {argument} setting in "
                f"{cls.__name__}(...)."
            )
        return given
    if used:
        warnings.warn(
            f"decode({', '.join(f'{name}=' for name in used)}...) is deprecated; pass "
            f"{argument}={example} instead.",
            DeprecationWarning,
            stacklevel=4,
        )
    return None
