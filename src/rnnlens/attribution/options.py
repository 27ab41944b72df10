"""Checks on method options (``n_steps``, ``window``, ...) with Keras-style messages."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.errors import OptionError

__all__ = [
    "ABLATION_GROUPS",
    "AUTO_STEPS",
    "INTEGRATION_METHODS",
    "MAX_N_STEPS",
    "OptionError",
    "check_ablation_groups",
    "check_choice",
    "check_integration",
    "check_n_steps",
    "check_positive_int",
    "parse_pair",
]

# Gauss-Legendre nodes cost O(n^3) to compute (5,000 took 100 s) and every point is one model evaluation
# per sample; smooth recurrent paths converge to float32 precision long before this.
MAX_N_STEPS = 1000
# n_steps="auto": quadrature points chosen per row until the completeness gap is under 1 %.
AUTO_STEPS = "auto"

INTEGRATION_METHODS = (
    "gausslegendre",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "riemann_trapezoid",
)

ABLATION_GROUPS = ("time", "feature", "cell")


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


def check_n_steps(value: Any, name: str) -> int | str:
    """Quadrature points: ``"auto"`` (adaptive, the default) or an integer from 1 to :data:`MAX_N_STEPS`.

    Digit strings (a CLI flag's text) are read as integers.

    Raises:
        OptionError: anything else.

    Example:
        >>> check_n_steps("auto", "--steps"), check_n_steps("64", "--steps")
        ('auto', 64)
    """
    if isinstance(value, str):
        text = value.strip().lower()
        if text == AUTO_STEPS:
            return AUTO_STEPS
        if text.isdigit():
            value = int(text)
        else:
            raise OptionError(
                f"Argument `{name}` must be 'auto' or an integer from 1 to {MAX_N_STEPS}, received "
                f"{value!r}."
            )
    return check_positive_int(
        value,
        name,
        maximum=MAX_N_STEPS,
        why="Each step is one model evaluation per sample; the completeness gap shows when more help "
        "('auto' adds steps only where the gap needs them).",
    )


def check_integration(value: Any, name: str) -> str:
    """One of :data:`INTEGRATION_METHODS`."""
    return check_choice(value, name, INTEGRATION_METHODS)


def check_ablation_groups(value: Any, name: str) -> str:
    """One of :data:`ABLATION_GROUPS`."""
    return check_choice(value, name, ABLATION_GROUPS)


def parse_pair(value: Any, name: str) -> int | tuple[int, int]:
    """A window or stride: ``N`` (steps) or ``N,M`` (steps x features), as text, an int or a pair.

    Raises:
        OptionError: anything else (the sizes themselves are checked by the method).
    """
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    text = str(value)
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise OptionError(f"{name} must be N or N,M (integers), received {text!r}.") from None
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return values[0], values[1]
    raise OptionError(f"{name} must be N or N,M (steps, or steps,features), received {text!r}.")
