"""Checks on method options (``n_steps``, ``window``, ...) with Keras-style messages."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.errors import OptionError

__all__ = ["OptionError", "check_choice", "check_positive_int"]


def check_positive_int(
    value: Any, name: str, *, minimum: int = 1, maximum: int | None = None, why: str = ""
) -> int:
    """Return ``value`` as an int if it is an integer in ``[minimum, maximum]``, else raise.

    Args:
        value: what the caller passed.
        name: the argument's name, for the message.
        minimum, maximum: the allowed range (``maximum`` None: no upper bound).
        why: the reason for the upper bound, appended to the message.

    Raises:
        OptionError: not an integer (bools and floats included), or out of range.
    """
    expected = (
        f"an integer >= {minimum}" if maximum is None else f"an integer from {minimum} to {maximum}"
    )
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise OptionError(
            f"Argument `{name}` must be {expected}, received {value!r} of type {type(value).__name__}."
        )
    if int(value) < minimum or (maximum is not None and int(value) > maximum):
        reason = f" {why}" if why and maximum is not None and int(value) > maximum else ""
        raise OptionError(f"Argument `{name}` must be {expected}, received {value}.{reason}")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`OptionError` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise OptionError(f"Argument `{name}` must be one of {list(choices)}, received {value!r}.")
    return value
