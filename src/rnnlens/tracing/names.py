"""Name arguments (``layers=``, ``quantities=``, ``gates=``): one name or a list of names, checked once."""

from __future__ import annotations

from typing import Any

from rnnlens.errors import OptionError

__all__ = ["as_names"]


def as_names(value: Any, argument: str, known: list[str] | None = None) -> list[str]:
    """``value`` as a non-empty list of names: a string, or an iterable of strings.

    Args:
        value: what the user passed.
        argument: the argument's name, for the message (``"layers"``).
        known: the names that would be accepted, listed in the message when ``value`` is malformed.

    Returns:
        The names, in the order given.

    Raises:
        OptionError: ``value`` is not a string or an iterable of strings (``42``, ``[1, 2]``), or is empty.

    Example:
        >>> as_names("lstm", "layers")
        ['lstm']
    """
    if isinstance(value, str):
        return [value]
    hint = f" Expected names among {known}." if known else ""
    if isinstance(value, bytes) or not hasattr(value, "__iter__"):
        raise OptionError(
            f"Argument `{argument}` must be a name or a list of names, received "
            f"{type(value).__name__} {value!r}.{hint}"
        )
    names = list(value)
    if not names or not all(isinstance(name, str) for name in names):
        raise OptionError(
            f"Argument `{argument}` must be a name or a non-empty list of names, received {value!r}."
            f"{hint}"
        )
    return names
