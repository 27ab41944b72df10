"""``--target`` text -> :class:`rnnlens.attribution.Target`, for every command that explains an output."""

from __future__ import annotations

from typing import Any

__all__ = ["TARGET_HELP", "parse_target"]

TARGET_HELP = (
    "K (unit K of a 2-D output), T,K (step T, unit K of a sequence output), 'predicted', T,predicted, "
    "A:B,K (window sum), all,K (every step). Empty: the output's only value."
)


def parse_target(text: str, output: str) -> Any:
    """``--target`` and ``--model-output`` as a :class:`~rnnlens.attribution.Target`.

    Raises:
        TargetError: more than two parts, or a time or unit that is not a number, range or word.

    Example:
        >>> parse_target("3:7,0", "0")
        Target(output=0, time=slice(3, 7, None), unit=0, reduce='sum')
    """
    from rnnlens.attribution import Target
    from rnnlens.errors import TargetError

    which: int | str = int(output) if output.lstrip("-").isdigit() else output
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    if len(parts) > 2:
        raise TargetError(
            f"--target takes at most two comma-separated parts (time, unit), received {text!r}."
        )
    unit: Any = None
    time: Any = None
    if len(parts) == 1:
        if _is_time_only(parts[0]):
            time = _time(parts[0])
        else:
            unit = _unit(parts[0])
    elif len(parts) == 2:
        time, unit = _time(parts[0]), _unit(parts[1])
    return Target(output=which, time=time, unit=unit)


def with_cli_hint(exc: Exception) -> Exception:
    """A target mistake restated with the command-line spellings of ``--target``."""
    from rnnlens.errors import TargetError

    return TargetError(
        f"{exc} On the command line: --target K, --target T,K, --target T,predicted, "
        "--target A:B,K (window) or --target all,K (every step)."
    )


def _is_time_only(part: str) -> bool:
    return part == "all" or ":" in part


def _time(part: str) -> Any:
    from rnnlens.errors import TargetError

    if part == "all":
        return "all"
    try:
        if ":" in part:
            start, stop = part.split(":", 1)
            return slice(int(start) if start else None, int(stop) if stop else None)
        return int(part)
    except ValueError:
        raise TargetError(
            f"--target time must be an int, A:B or 'all', received {part!r}."
        ) from None


def _unit(part: str) -> Any:
    from rnnlens.errors import TargetError

    if part == "predicted":
        return "predicted"
    try:
        return int(part)
    except ValueError:
        raise TargetError(
            f"--target unit must be an int or 'predicted', received {part!r}."
        ) from None
