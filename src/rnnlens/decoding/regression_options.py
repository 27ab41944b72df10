"""How :func:`rnnlens.decode` reads a regression head: scaler, target columns and names, offset, horizon.

One small options type, :class:`RegressionOptions`, replaces five keywords of ``decode``; the old keywords
keep working through :func:`resolve_regression_options`, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rnnlens.decoding.options import check_target_offset, grouped_options
from rnnlens.errors import OptionError

__all__ = ["REGRESSION_KEYWORDS", "RegressionOptions", "resolve_regression_options"]

# The keywords of decode() (and of a report's decode_options) that RegressionOptions gathers.
REGRESSION_KEYWORDS = ("scaler", "target_index", "target_names", "target_offset", "horizon")


@dataclass(frozen=True)
class RegressionOptions:
    """How to read a regression output (linear / relu / tanh head) in the target's own units.

    Attributes:
        scaler: anything with ``inverse_transform``, ``(mean, std)`` or ``{"mean", "std"}``: values are
            mapped back to original units through it.
        target_index: the scaler column of each target, when the scaler is wider than the output.
        target_names: a name per target (the output's last axis).
        target_offset: steps between an output step and the step it estimates (1: next-step forecasts).
        horizon: many-to-one outputs: the last axis is steps ahead, not targets.

    Raises:
        OptionError: a ``target_offset`` that is not an integer, a ``horizon`` that is not a bool.

    Example:
        >>> RegressionOptions(target_offset=1, target_names=["load"])
        RegressionOptions(scaler=None, target_index=None, target_names=['load'], target_offset=1, horizon=False)
    """

    scaler: Any = None
    target_index: int | Sequence[int] | None = None
    target_names: Sequence[str] | None = None
    target_offset: int = 0
    horizon: bool = False

    def __post_init__(self) -> None:
        check_target_offset(self.target_offset, None)
        if not isinstance(self.horizon, bool):
            raise OptionError(
                f"Argument `horizon` must be True or False (the last axis is steps ahead), received "
                f"{self.horizon!r}."
            )

    def given(self) -> dict[str, bool]:
        """Which options were set (for refusing them where they do not apply)."""
        return {
            "scaler": self.scaler is not None,
            "target_index": self.target_index is not None,
            "target_names": self.target_names is not None,
            "target_offset": self.target_offset != 0,
            "horizon": self.horizon,
        }


def resolve_regression_options(
    regression: RegressionOptions | None,
    *,
    scaler: Any = None,
    target_index: Any = None,
    target_names: Any = None,
    target_offset: Any = 0,
    horizon: Any = False,
) -> RegressionOptions:
    """``decode(regression=...)``, or the deprecated keywords it replaces (they keep working, with a
    :class:`DeprecationWarning`).

    Raises:
        OptionError: ``regression`` is not a :class:`RegressionOptions`, or it is given together with the
            old keywords; a ``target_offset`` that is not an integer.
    """
    used = [
        name
        for name, set_ in (
            ("scaler", scaler is not None),
            ("target_index", target_index is not None),
            ("target_names", target_names is not None),
            ("target_offset", not _is_zero(target_offset)),
            ("horizon", horizon is not False),
        )
        if set_
    ]
    chosen = grouped_options(
        "regression",
        regression,
        RegressionOptions,
        used,
        "RegressionOptions(scaler=..., target_index=..., target_names=..., target_offset=..., "
        "horizon=...)",
    )
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    return RegressionOptions(
        scaler=scaler,
        target_index=target_index,
        target_names=target_names,
        target_offset=target_offset,
        # The old keyword was read for its truth value; keep reading it so.
        horizon=bool(horizon),
    )


def _is_zero(value: Any) -> bool:
    """``target_offset`` left at its default (any value that is not the integer 0 counts as set)."""
    return not isinstance(value, bool) and isinstance(value, int) and value == 0
