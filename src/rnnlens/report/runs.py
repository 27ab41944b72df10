"""Runs of equal per-step labels, written compactly ("healthy at steps 0-11; fails at steps 12-29").

A 30-step prediction reads better as two runs than as thirty words; figures use the same rule for tick
labels such as ``"12: fails"``, printing the label only where a run starts.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["compact_runs", "compact_ticks", "runs"]


def runs(values: Sequence[str]) -> list[tuple[str, int, int]]:
    """Consecutive equal values as ``(value, first position, last position)``.

    Example:
        >>> runs(["a", "a", "b", "a"])
        [('a', 0, 1), ('b', 2, 2), ('a', 3, 3)]
    """
    out: list[tuple[str, int, int]] = []
    for position, value in enumerate(values):
        if out and out[-1][0] == value:
            out[-1] = (value, out[-1][1], position)
        else:
            out.append((value, position, position))
    return out


def compact_runs(
    values: Sequence[str], steps: Sequence[str] | None = None, *, noun: str = "step"
) -> str:
    """Per-step labels as runs: ``"<label> at <noun>s <first>-<last>"`` joined by ``"; "``.

    Args:
        values: one label per step.
        steps: the name of each step (time stamps, step numbers); positions ``0 ..`` by default.
        noun: what a step is ("step", "cycle", "token").

    Returns:
        The runs in order; an empty string for no values.

    Example:
        >>> compact_runs(["healthy"] * 12 + ["fails"] * 18)
        'healthy at steps 0-11; fails at steps 12-29'
        >>> compact_runs(["ok", "alarm", "ok"], ["174", "175", "176"], noun="cycle")
        'ok at cycle 174; alarm at cycle 175; ok at cycle 176'
    """
    names = [str(s) for s in steps] if steps is not None else [str(i) for i in range(len(values))]
    parts = []
    for value, first, last in runs([str(v) for v in values]):
        where = (
            f"{noun} {names[first]}" if first == last else f"{noun}s {names[first]}-{names[last]}"
        )
        parts.append(f"{value} at {where}")
    return "; ".join(parts)


def compact_ticks(ticks: Sequence[str], separator: str = ": ") -> list[str]:
    """Tick labels ``"<step><separator><label>"`` with the label kept only where a run of it starts.

    Ticks not all of that form are returned unchanged.

    Example:
        >>> compact_ticks(["0: healthy", "1: healthy", "2: fails", "3: fails"])
        ['0: healthy', '1', '2: fails', '3']
        >>> compact_ticks(["s2", "s3"])
        ['s2', 's3']
    """
    split = [str(tick).partition(separator) for tick in ticks]
    if not split or any(not sep for _, sep, _ in split):
        return [str(tick) for tick in ticks]
    out = []
    previous = None
    for head, sep, label in split:
        out.append(head if label == previous else f"{head}{sep}{label}")
        previous = label
    return out
