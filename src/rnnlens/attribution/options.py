"""Checks on method options (``n_steps``, ``window``, ...) with Keras-style messages."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.errors import OptionError

__all__ = ["OptionError", "check_choice", "check_positive_int"]


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer ``>= minimum``, else raise :class:`OptionError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise OptionError(
            f"Argument `{name}` must be an integer >= {minimum}, received {value!r} "
            f"of type {type(value).__name__}."
        )
    if int(value) < minimum:
        raise OptionError(f"Argument `{name}` must be an integer >= {minimum}, received {value}.")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`OptionError` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise OptionError(f"Argument `{name}` must be one of {list(choices)}, received {value!r}.")
    return value
