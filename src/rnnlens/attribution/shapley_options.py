"""The options of Shapley values, checked without importing the method (the CLI reads them from the
registry before any model is loaded).

Each ``check_*`` takes ``(value, name)`` and returns what :meth:`ShapleyValues.attribute` takes, or raises
:class:`~rnnlens.errors.OptionError` naming ``name`` (a keyword, or the CLI flag the user typed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnlens.errors import OptionError

__all__ = [
    "DEFAULT_MAX_EVALUATIONS",
    "DEFAULT_TOLERANCE",
    "ESTIMATORS",
    "PLAYER_KINDS",
    "check_estimator",
    "check_exact",
    "check_players",
    "check_prune",
    "check_tolerance",
    "check_window",
]

PLAYER_KINDS = ("event", "feature", "cell", "window")
ESTIMATORS = ("adjusted", "kernel", "leverage", "permutation")
DEFAULT_TOLERANCE = 0.01
DEFAULT_MAX_EVALUATIONS = 2000
_NONE = ("", "none", "off")


def check_players(value: Any, name: str) -> str:
    """One of :data:`PLAYER_KINDS`."""
    if not isinstance(value, str) or value not in PLAYER_KINDS:
        raise OptionError(
            f"Argument `{name}` must be one of {list(PLAYER_KINDS)}, received {value!r}: 'event' is one "
            "player per time step, 'feature' one per feature, 'cell' one per (step, feature), 'window' "
            "one per `window` steps."
        )
    return value


def check_estimator(value: Any, name: str) -> str:
    """One of :data:`ESTIMATORS`."""
    if not isinstance(value, str) or value not in ESTIMATORS:
        raise OptionError(
            f"Argument `{name}` must be one of {list(ESTIMATORS)}, received {value!r}."
        )
    return value


def check_window(value: Any, name: str) -> int | None:
    """None (also ``"none"``) or an integer >= 1 (digit strings accepted).

    Example:
        >>> check_window("5", "--shapley-window"), check_window("none", "--shapley-window")
        (5, None)
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise OptionError(f"Argument `{name}` must be an integer >= 1 (steps), received {value!r}.")
    return int(value)


def check_exact(value: Any, name: str) -> bool | None:
    """True, False or None; as text ``"yes"`` / ``"no"`` / ``"auto"``."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    choices = {"auto": None, "yes": True, "true": True, "no": False, "false": False}
    if text not in choices:
        raise OptionError(
            f"Argument `{name}` must be auto (enumerate games of at most 14 players), yes or no; "
            f"received {value!r}."
        )
    return choices[text]


def check_tolerance(value: Any, name: str) -> float:
    """A finite number > 0."""
    return _number(value, name, zero=False)


def check_prune(value: Any, name: str) -> float | None:
    """None (also ``"none"``) or a finite number >= 0 (text accepted)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise OptionError(
                f"Argument `{name}` must be a number >= 0 or none, received {value!r}."
            ) from None
    return _number(value, name, zero=True)


def _number(value: Any, name: str, *, zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise OptionError(f"Argument `{name}` must be a number, received {value!r}.")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        bound = ">= 0" if zero else "> 0"
        raise OptionError(f"Argument `{name}` must be a finite number {bound}, received {value!r}.")
    return number
